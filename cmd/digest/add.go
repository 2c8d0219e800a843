package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/feed"
	"github.com/occasional-digest/digest/fetch"
)

func runAdd(ctx context.Context, env *Env, args []string) error {
	var category string
	var noFetch bool
	cfg, rest, err := parseConfig(env, "add", "add [flags] URL\n\nSubscribes to the feed at URL (a feed, or a page that links to its feed)\nand fetches it once. Exits 1 with the reason when the URL is refused, the\nserver fails or the page links to no feed; 2 when URL is not a URL.", args, func(fs *flagSet) {
		fs.StringVar(&category, "category", "", "category of the new feed")
		fs.BoolVar(&noFetch, "no-fetch", false, "subscribe only; the next serve fetches it")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErrorf("add: want exactly one URL, got %d arguments", len(rest))
	}
	raw := rest[0]
	u, err := typedURL("add", raw)
	if err != nil {
		return err
	}
	if err := requireDatabase("add", cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, env, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	usr, err := a.user(ctx)
	if err != nil {
		return fmt.Errorf("add: %w", err)
	}
	if err := a.client.CheckURL(u); err != nil {
		return explain("add", raw, err)
	}
	target, err := findFeed(ctx, a.client, raw, u)
	if err != nil {
		return err
	}
	// The pipeline starts only to fetch: subscribing needs none of it,
	// and a pipeline stopped at once would break off other feeds' work.
	f, err := a.pipeline.Subscribe(ctx, usr.ID, target, category)
	if digest.ErrorCode(err) == digest.ECONFLICT {
		fmt.Fprintf(env.Stdout, "already subscribed to %s\n", target)
		return nil
	}
	if err != nil {
		return explain("add", target, err)
	}
	fmt.Fprintf(env.Stdout, "subscribed to %q (%s), feed %d\n", f.Title, f.URL, f.ID)
	if noFetch {
		return nil
	}
	if err := a.startPipeline(ctx); err != nil {
		return err
	}
	if err := a.pipeline.RefreshAndWait(ctx, f.ID); err != nil {
		return fmt.Errorf("add: first fetch: %w", err)
	}
	if err := a.pipeline.WaitIdle(ctx, 2*time.Minute); err != nil {
		return fmt.Errorf("add: %w", err)
	}
	g, err := a.store.Feed(ctx, usr.ID, f.ID)
	if err != nil {
		return fmt.Errorf("add: %w", err)
	}
	if g.LastError != "" {
		return fmt.Errorf("add: subscribed, but the first fetch failed: %s", g.LastError)
	}
	st := a.pipeline.Stats()
	fmt.Fprintf(env.Stdout, "fetched: %s\n", count(st.Created, "new article", "new articles"))
	return nil
}

// findFeed returns the feed URL to subscribe to for u: u itself when it
// is a feed, else the first feed the page links to. A feed found only by
// guessing a common path (/feed, /rss.xml) is not taken: the page may
// belong to someone else's site section, so the person is told the URL
// and decides.
func findFeed(ctx context.Context, c *fetch.Client, raw, u string) (string, error) {
	resp, err := c.Get(ctx, fetch.Request{URL: u, Accept: fetch.AcceptFeed + ", text/html;q=0.8"})
	if err != nil {
		return "", explain("add", raw, err)
	}
	if feed.IsFeed(resp.Body) {
		return resp.URL, nil
	}
	var linked []string
	for _, cand := range feed.Links(resp.URL, resp.Body) {
		if cand != resp.URL {
			linked = append(linked, cand)
		}
	}
	var guesses []string
	for _, cand := range feed.CommonPaths(resp.URL) {
		if cand != resp.URL && !slices.Contains(linked, cand) {
			guesses = append(guesses, cand)
		}
	}
	isFeed := func(cand string) (string, bool) {
		r, err := c.Get(ctx, fetch.Request{URL: cand, Accept: fetch.AcceptFeed})
		if err != nil || !feed.IsFeed(r.Body) {
			return "", false
		}
		return r.URL, true
	}
	for _, cand := range linked[:min(len(linked), 8)] {
		if f, ok := isFeed(cand); ok {
			return f, nil
		}
	}
	if len(linked) > 0 {
		return "", withFix(fmt.Errorf("add %s: the page links to %s, but none of them answers with a feed", raw, count(len(linked), "feed", "feeds")),
			"Give the feed's own address: digest add FEED-URL")
	}
	for _, g := range guesses {
		if f, ok := isFeed(g); ok {
			return "", withFix(fmt.Errorf("add %s: the page links to no feed; a feed answers at %s, but the page does not name it", raw, f),
				"If it is the feed you want, subscribe to it by its address: digest add "+f)
		}
	}
	return "", withFix(fmt.Errorf("add %s: no feed found: the page links to no feed and none answers at the usual paths", raw),
		"Look on the site for an RSS, Atom or JSON Feed link and give its address: digest add FEED-URL")
}
