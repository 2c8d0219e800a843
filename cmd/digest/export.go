package main

import (
	"context"
	"fmt"
)

func runExport(ctx context.Context, env *Env, args []string) error {
	cfg, rest, err := parseConfig(env, "export", "export [flags] > subscriptions.opml\n\nPrints the subscriptions of the user (--user) as OPML 2.0.", args, nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("export: unexpected arguments %q", rest)
	}
	if err := requireDatabase("export", cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, env, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.user(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return a.pipeline.ExportOPML(ctx, u.ID, env.Stdout)
}
