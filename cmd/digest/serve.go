package main

import (
	"context"
	"flag"
	"fmt"
	"net"

	"github.com/occasional-digest/digest/daily"
)

type flagSet = flag.FlagSet

func runServe(ctx context.Context, env *Env, args []string) error {
	var mc mailConfig
	var mailer func() (*daily.SMTP, error)
	cfg, rest, err := parseConfig(env, "serve", "serve [flags]\n\nRuns the reader on --addr and refreshes feeds in the background.", args,
		func(fs *flagSet) { mailer = bindMail(fs, env, &mc) })
	if err != nil {
		return err
	}
	smtp, err := mailer()
	if err != nil {
		return &cliError{status: exitUsage, err: fmt.Errorf("config: %w", err)}
	}
	if len(rest) > 0 {
		return usageErrorf("serve: unexpected arguments %q", rest)
	}
	a, err := openApp(ctx, cfg, env, appOptions{})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	base := cfg.BaseURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	if err := a.startDaily(base, mc.From, smtp); err != nil {
		return err
	}
	setup, err := a.setupLink(ctx, base)
	if err != nil {
		return err
	}
	return a.serve(ctx, ln, func(url string) {
		fmt.Fprintf(env.Stdout, "Occasional Digest is serving on %s\n", url)
		if setup != "" {
			fmt.Fprintf(env.Stdout, "No account yet: open this one-time link to create the first admin (valid 24 hours):\n%s\n", setup)
		}
	})
}
