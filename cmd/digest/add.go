package main

import (
	"context"
	"fmt"
	"time"
)

func runAdd(ctx context.Context, env *Env, args []string) error {
	var category string
	var noFetch bool
	cfg, rest, err := parseConfig(env, "add", "add [flags] URL\n\nSubscribes to the feed at URL (a feed, or a site whose feed is discovered)\nand fetches it once. Exits non-zero with the reason when the URL is refused\nor no feed is found.", args, func(fs *flagSet) {
		fs.StringVar(&category, "category", "", "category of the new feed")
		fs.BoolVar(&noFetch, "no-fetch", false, "subscribe only; the next serve fetches it")
	})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("add: want exactly one URL, got %d arguments", len(rest))
	}
	a, err := openApp(ctx, cfg, env, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.user(ctx)
	if err != nil {
		return fmt.Errorf("add: %w", err)
	}
	if err := a.startPipeline(ctx); err != nil {
		return err
	}
	f, err := a.pipeline.Subscribe(ctx, u.ID, rest[0], category)
	if err != nil {
		return fmt.Errorf("add %s: %w", rest[0], err)
	}
	fmt.Fprintf(env.Stdout, "subscribed to %q (%s), feed %d\n", f.Title, f.URL, f.ID)
	if noFetch {
		return nil
	}
	if err := a.pipeline.RefreshAndWait(ctx, f.ID); err != nil {
		return fmt.Errorf("add: first fetch: %w", err)
	}
	if err := a.pipeline.WaitIdle(ctx, 2*time.Minute); err != nil {
		return fmt.Errorf("add: %w", err)
	}
	g, err := a.store.Feed(ctx, u.ID, f.ID)
	if err != nil {
		return fmt.Errorf("add: %w", err)
	}
	if g.LastError != "" {
		return fmt.Errorf("add: subscribed, but the first fetch failed: %s", g.LastError)
	}
	st := a.pipeline.Stats()
	fmt.Fprintf(env.Stdout, "fetched: %d new articles\n", st.Created)
	return nil
}
