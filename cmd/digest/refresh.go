package main

import (
	"context"
	"fmt"
	"time"
)

func runRefresh(ctx context.Context, env *Env, args []string) error {
	var noPost bool
	cfg, rest, err := parseConfig(env, "refresh", "refresh [flags]\n\nFetches every feed once, saves what changed, prints counts and exits.", args, func(fs *flagSet) {
		fs.BoolVar(&noPost, "feeds-only", false, "skip article extraction, icons and stories")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("refresh: unexpected arguments %q", rest)
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
	fmt.Fprintf(env.Stdout, "fetched %d feeds in %s (%.0f feeds/s): %d not modified, %d errors, %d new articles, %d updated, %d transactions\n",
		st.Fetched, feedsDone.Round(time.Millisecond), float64(st.Fetched)/feedsDone.Seconds(), st.NotModified, st.Errors, st.Created, st.Updated, st.Batches)
	return nil
}
