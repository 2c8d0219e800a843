package main

import (
	"bytes"
	"context"
	"fmt"
	"os"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/feed"
)

func runImport(ctx context.Context, env *Env, args []string) error {
	cfg, rest, err := parseConfig(env, "import", "import [flags] FILE.opml\n\nSubscribes to every feed of an OPML file (categories kept). Broken entries\nand refused addresses are reported on stderr and skipped (exit status 1);\nfeeds already subscribed are counted, not reported. The feeds are fetched\nby the next serve or refresh.", args, nil)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usageErrorf("import: want exactly one OPML file, got %d arguments", len(rest))
	}
	doc, err := os.ReadFile(rest[0])
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	outlines, problems, err := feed.ParseOPML(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("import %s: %s", rest[0], reason(err, ""))
	}
	if err := requireDatabase("import", cfg); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, env, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.user(ctx)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	// The client's policy is applied here, as add applies it: a feed on
	// loopback would otherwise be stored and fail at every refresh.
	var ok []digest.Feed
	refused := 0
	for _, o := range outlines {
		if err := a.client.CheckURL(o.URL); err != nil {
			if digest.ErrorCode(err) == digest.EREFUSED {
				refused++
			}
			problems = append(problems, fmt.Errorf("%s: %s", o.URL, reason(err, o.URL)))
			continue
		}
		ok = append(ok, digest.Feed{URL: o.URL, Title: o.Title, SiteURL: o.SiteURL, Category: o.Category})
	}
	var kept bytes.Buffer
	if err := feed.WriteOPML(&kept, "import", ok); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	n, more, err := a.pipeline.ImportOPML(ctx, u.ID, &kept)
	if err != nil {
		return fmt.Errorf("import %s: %w", rest[0], err)
	}
	already := 0
	for _, p := range more {
		if digest.ErrorCode(p) == digest.ECONFLICT {
			already++
			continue
		}
		problems = append(problems, p)
	}
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "skipped: %v\n", p)
	}
	fmt.Fprintf(env.Stdout, "imported %s, skipped %d", count(n, "feed", "feeds"), len(problems))
	if already > 0 {
		fmt.Fprintf(env.Stdout, ", %d already subscribed", already)
	}
	fmt.Fprintln(env.Stdout)
	if len(problems) == 0 {
		return nil
	}
	err = fmt.Errorf("import %s: %d of %s skipped (listed above)", rest[0], len(problems), count(len(problems)+n+already, "entry", "entries"))
	if refused > 0 {
		return withFix(err, allowPrivateFix)
	}
	return &cliError{status: exitFailed, err: err}
}
