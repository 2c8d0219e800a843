package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

func runRefresh(ctx context.Context, env *Env, args []string) error {
	var noPost bool
	cfg, rest, err := parseConfig(env, "refresh", "refresh [flags]\n\nFetches every feed once, saves what changed, prints counts and exits.\nEach feed that failed is named on stderr with the reason; the exit status\nis then 1.", args, func(fs *flagSet) {
		fs.BoolVar(&noPost, "feeds-only", false, "skip article extraction, icons and stories")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("refresh: unexpected arguments %q", rest)
	}
	if err := requireDatabase("refresh", cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, env, appOptions{noPostProcess: noPost})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.startPipeline(ctx); err != nil {
		return err
	}
	start := time.Now()
	if err := a.pipeline.RefreshAndWait(ctx); err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	feedsDone := time.Since(start)
	if !noPost {
		if err := a.pipeline.WaitIdle(ctx, 10*time.Minute); err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
	}
	st := a.pipeline.Stats()
	fmt.Fprintf(env.Stdout, "fetched %s in %s (%.0f feeds/s): %d not modified, %s, %s, %d updated, %s\n",
		count(st.Fetched, "feed", "feeds"), feedsDone.Round(time.Millisecond), float64(st.Fetched)/feedsDone.Seconds(), st.NotModified,
		count(st.Errors, "error", "errors"), count(st.Created, "new article", "new articles"), st.Updated, count(st.Batches, "transaction", "transactions"))
	if st.Errors == 0 {
		return nil
	}
	return failedFeeds(ctx, env, a.store, st.Fetched)
}

// failedFeeds names each feed whose last fetch failed, with the reason, on
// stderr, and returns the error that ends refresh with status 1.
func failedFeeds(ctx context.Context, env *Env, st digest.Store, fetched int64) error {
	ids, err := st.FeedIDs(ctx)
	if err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	failed, refused := 0, false
	for _, id := range ids {
		f, err := st.FeedByID(ctx, id)
		if err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
		if f.LastError == "" {
			continue
		}
		failed++
		fmt.Fprintf(env.Stderr, "failed: %s: %s\n", f.URL, reason(fmt.Errorf("%s", f.LastError), f.URL))
		refused = refused || strings.Contains(f.LastError, "refused: ")
	}
	err = fmt.Errorf("refresh: %d of %s failed (listed above)", failed, count(fetched, "feed", "feeds"))
	if refused {
		return withFix(err, allowPrivateFix)
	}
	return &cliError{status: exitFailed, err: err}
}
