package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/demo"
)

func runDemo(ctx context.Context, env *Env, args []string) error {
	var keep bool
	cfg, rest, err := parseConfig(env, "demo", "demo [flags]\n\nServes a bundled, fictional newswire on loopback, subscribes to it in a\nfresh data directory (a temporary one unless --data or DIGEST_DATA is set),\ningests it and serves the reader. Needs no network.", args, func(fs *flagSet) {
		fs.BoolVar(&keep, "keep", false, "keep the temporary data directory on exit")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("demo: unexpected arguments %q", rest)
	}
	if env.Getenv("DIGEST_DATA") == "" && !flagGiven(args, "data") {
		dir, err := os.MkdirTemp("", "digest-demo-")
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if !keep {
			defer os.RemoveAll(dir)
		}
		cfg.Data = dir
		cfg.Database = ""
		if err := cfg.validate(); err != nil {
			return err
		}
	}

	// The newswire listens on loopback; only its address is let through
	// the client's private-network guard.
	wire, err := demo.New(time.Now())
	if err != nil {
		return err
	}
	wln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: newswire: %w", err)
	}
	wsrv := &http.Server{Handler: wire, ReadHeaderTimeout: 10 * time.Second}
	go wsrv.Serve(wln)
	defer wsrv.Close()
	wireAddr := wln.Addr().(*net.TCPAddr).AddrPort()

	a, err := openApp(ctx, cfg, env, appOptions{allowedNets: []netip.Prefix{netip.PrefixFrom(wireAddr.Addr(), 32)}})
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := a.startPipeline(ctx); err != nil {
		return err
	}
	creds, err := demoUser(ctx, a)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	base := "http://" + wln.Addr().String()
	// Two outlets are added by their home page, to show feed discovery.
	for i, u := range wire.FeedURLs(base) {
		if i%2 == 1 {
			u = homeOf(u)
		}
		if _, err := a.pipeline.Subscribe(ctx, creds.user.ID, u, "Demo newswire"); err != nil && digest.ErrorCode(err) != digest.ECONFLICT {
			return fmt.Errorf("demo: subscribe %s: %w", u, err)
		}
	}
	if err := a.pipeline.RefreshAndWait(ctx); err != nil {
		return fmt.Errorf("demo: refresh: %w", err)
	}
	if err := a.pipeline.WaitIdle(ctx, time.Minute); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	fmt.Fprintf(env.Stderr, "demo: newswire on %s, data in %s\n", base, cfg.Data)
	err = a.serve(ctx, ln, func(url string) {
		fmt.Fprintf(env.Stdout, "Occasional Digest demo is ready: open %s\n", url)
		site := strings.TrimSuffix(url, "/")
		fmt.Fprintf(env.Stdout, "login: %s/login/link/%s\n", site, creds.link)
		fmt.Fprintf(env.Stdout, "api key: %s\n", creds.apiKey)
		fmt.Fprintf(env.Stdout, "user: %s\n", creds.user.Name)
		fmt.Fprintf(env.Stdout, "app password: %s\n", creds.appPassword)
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// homeOf returns the outlet's home page of a demo feed URL
// (base/outlet/feed.xml -> base/outlet/).
func homeOf(feedURL string) string {
	u, err := url.Parse(feedURL)
	if err != nil {
		return feedURL
	}
	outlet, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	u.Path = "/" + outlet + "/"
	return u.String()
}

// flagGiven reports whether args set the named flag.
func flagGiven(args []string, name string) bool {
	for _, a := range args {
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// demoCredentials are what the demo prints so that a newcomer, a script or
// a reader app can sign in at once.
type demoCredentials struct {
	user                      *digest.User
	link, apiKey, appPassword string
}

// demoUser makes (or, in a kept data directory, finds) the demo's admin
// "demo", with a one-time login link, an API key and an app password. It
// has no login password: the link signs the browser in, and Settings can
// set one.
func demoUser(ctx context.Context, a *app) (*demoCredentials, error) {
	u, err := a.store.UserByName(ctx, "demo")
	if digest.IsNotFound(err) {
		u, err = a.auth.CreateUser(ctx, "demo", digest.RoleAdmin, "")
	}
	if err != nil {
		return nil, err
	}
	c := &demoCredentials{user: u}
	if c.link, _, err = a.auth.NewCredential(ctx, u, digest.LoginLink, "demo", 24*time.Hour); err != nil {
		return nil, err
	}
	if c.apiKey, _, err = a.auth.NewCredential(ctx, u, digest.APIKey, "demo", 0); err != nil {
		return nil, err
	}
	if c.appPassword, _, err = a.auth.NewCredential(ctx, u, digest.AppPassword, "demo", 0); err != nil {
		return nil, err
	}
	return c, nil
}
