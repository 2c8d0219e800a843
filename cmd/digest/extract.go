package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/occasional-digest/digest/extract"
	"github.com/occasional-digest/digest/fetch"
)

// maxExtractInput bounds what "digest extract" reads from one file or URL.
const maxExtractInput = extract.DefaultMaxBytes

func runExtract(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "extract", "extract [-url URL] [-format text|json|jsonl] FILE|URL|- ...")
	pageURL := fs.String("url", "", "the page's URL, for relative links and URL dates (default: the argument when it is a URL)")
	format := fs.String("format", "text", "output: text (the main text), json (the whole article), jsonl (one JSON object per input)")
	timeout := fs.Duration("timeout", 30*time.Second, "timeout for fetching a URL argument")
	allowPrivate := fs.Bool("allow-private", env.Getenv("DIGEST_ALLOW_PRIVATE") == "true", helpOf("allow-private"))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	inputs := fs.Args()
	if len(inputs) == 0 {
		fs.Usage()
		return usageErrorf("extract: no input (give a FILE, a URL or - for standard input)")
	}
	switch *format {
	case "text", "json":
		if len(inputs) > 1 {
			return usageErrorf("extract: -format %s takes one input; use -format jsonl for several", *format)
		}
	case "jsonl":
	default:
		return usageErrorf("extract: unknown -format %q (text, json or jsonl)", *format)
	}
	// URLs are fetched as the pipeline fetches article pages: through the
	// hardened client, whose SSRF guard refuses loopback and private
	// networks unless allowed.
	client := fetch.New(fetch.Options{UserAgent: fetch.UserAgent(version), AllowPrivate: *allowPrivate, MaxBytes: maxExtractInput})
	defer client.Close()
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, u, err := readExtractInput(ctx, env, client, in, *timeout)
		if err == nil && *pageURL != "" {
			u = *pageURL
		}
		var a *extract.Article
		if err == nil {
			a, err = extract.Extract(b, u)
		}
		switch *format {
		case "text":
			if err != nil {
				return fmt.Errorf("extract %s: %w", in, err)
			}
			fmt.Fprintln(w, a.Text)
		case "json":
			if err != nil {
				return fmt.Errorf("extract %s: %w", in, err)
			}
			enc.SetIndent("", "  ")
			if err := enc.Encode(a); err != nil {
				return err
			}
		case "jsonl":
			// One line per input, errors included, so that a batch over a
			// corpus is not stopped by one bad page.
			line := struct {
				File  string `json:"file"`
				Error string `json:"error,omitempty"`
				*extract.Article
			}{File: in, Article: a}
			if err != nil {
				line.Error = err.Error()
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
	}
	return w.Flush()
}

// readExtractInput reads a file (gzip-compressed when it ends in .gz), a URL
// or standard input ("-"), and returns its bytes and the page URL it knows.
func readExtractInput(ctx context.Context, env *Env, client *fetch.Client, in string, timeout time.Duration) ([]byte, string, error) {
	if strings.HasPrefix(in, "http://") || strings.HasPrefix(in, "https://") {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		resp, err := client.Get(ctx, fetch.Request{URL: in, Accept: fetch.AcceptHTML})
		if err != nil {
			return nil, in, failure(in, err)
		}
		return resp.Body, resp.URL, nil
	}
	var r io.Reader
	if in == "-" {
		r = env.Stdin
	} else {
		f, err := os.Open(in)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r = f
	}
	b, err := readLimited(r)
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", in, err)
	}
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		z, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, "", fmt.Errorf("read %s: %w", in, err)
		}
		b, err = readLimited(z)
		if err != nil {
			return nil, "", fmt.Errorf("read %s: gunzip: %w", in, err)
		}
	}
	return b, "", nil
}

func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxExtractInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxExtractInput {
		return nil, extract.ErrTooLarge
	}
	return b, nil
}
