package main

import (
	"context"
	"fmt"
	"os"
)

func runImport(ctx context.Context, env *Env, args []string) error {
	cfg, rest, err := parseConfig(env, "import", "import [flags] FILE.opml\n\nSubscribes to every feed of an OPML file (categories kept). Broken entries\nare reported and skipped; the feeds are fetched by the next serve or refresh.", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("import: want exactly one OPML file, got %d arguments", len(rest))
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	a, err := openApp(ctx, cfg, env, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.user(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	n, problems, err := a.pipeline.ImportOPML(ctx, u.ID, f)
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "skipped: %v\n", p)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", rest[0], err)
	}
	fmt.Fprintf(env.Stdout, "imported %d feeds, skipped %d\n", n, len(problems))
	return nil
}
