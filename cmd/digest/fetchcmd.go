package main

import (
	"context"
	"fmt"

	"github.com/occasional-digest/digest/fetch"
)

// runFetch fetches one URL through the hardened client, as the pipeline
// would, and prints what came back: a way to look at that step alone.
func runFetch(ctx context.Context, env *Env, args []string) error {
	var etag, lastMod string
	var headersOnly bool
	cfg, rest, err := parseConfig(env, "fetch", "fetch [flags] URL\n\nFetches URL through the hardened client (SSRF guard, size cap, charset\nconversion) and prints the status, charset and validators, then the body.", args, func(fs *flagSet) {
		fs.StringVar(&etag, "etag", "", "send If-None-Match with this ETag")
		fs.StringVar(&lastMod, "last-modified", "", "send If-Modified-Since with this date")
		fs.BoolVar(&headersOnly, "head", false, "print the summary only, not the body")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErrorf("fetch: want exactly one URL, got %d arguments", len(rest))
	}
	u, err := typedURL("fetch", rest[0])
	if err != nil {
		return err
	}
	c := fetch.New(fetch.Options{UserAgent: fetch.UserAgent(version), PerHost: cfg.PerHost, AllowPrivate: cfg.AllowPrivate})
	defer c.Close()
	resp, err := c.Get(ctx, fetch.Request{URL: u, ETag: etag, LastModified: lastMod})
	if err != nil {
		return explain("fetch", rest[0], err)
	}
	fmt.Fprintf(env.Stderr, "URL: %s\nStatus: %d\nNot-Modified: %v\nContent-Type: %s\nCharset: %s\nETag: %s\nLast-Modified: %s\nMax-Age: %s\nBytes: %d\n",
		resp.URL, resp.StatusCode, resp.NotModified, resp.ContentType, resp.Charset, resp.ETag, resp.LastModified, resp.MaxAge, len(resp.Body))
	if !headersOnly {
		_, err = env.Stdout.Write(resp.Body)
	}
	return err
}
