package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"

	"github.com/occasional-digest/digest/daily"
)

type flagSet = flag.FlagSet

func runServe(ctx context.Context, env *Env, args []string) error {
	var mc mailConfig
	var mailer func() (*daily.SMTP, error)
	cfg, rest, err := parseConfig(env, "serve", "serve [flags]\n\nRuns the reader on --addr and refreshes feeds in the background.\n"+
		"--role web serves the reader only, --role worker fetches and runs the story engine only (both need PostgreSQL).", args,
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
	if cfg.MetricsAddr != "" {
		stop, err := a.serveMetrics(cfg.MetricsAddr, cfg.Pprof)
		if err != nil {
			return err
		}
		defer stop()
	}
	if cfg.Role == "worker" {
		a.startServing(ctx)
		fmt.Fprintf(env.Stdout, "Occasional Digest worker is fetching feeds (role worker: no reader here)\n")
		a.log.Info("worker started")
		<-ctx.Done()
		a.log.Info("shutting down")
		return nil
	}
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

// serveMetrics answers /metrics on addr in the background, on a listener
// of its own so that it can stay off the public network, and with
// profiles Go's profiles under /debug/pprof/; stop shuts it down.
func (a *app) serveMetrics(addr string, profiles bool) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metrics.Handler())
	write := 30 * time.Second
	if profiles {
		handleProfiles(mux)
		// A CPU profile or trace answers after its ?seconds= (at most
		// a minute here).
		write = 70 * time.Second
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: write,
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("metrics server", "err", err)
		}
	}()
	a.log.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
		<-done
	}, nil
}

// handleProfiles serves net/http/pprof's index and profiles on mux
// (the package registers them on http.DefaultServeMux too, which digest
// never serves), and samples one in mutexSample contended locks for
// /debug/pprof/mutex: where readers wait on each other (SQLite's
// allocations in modernc.org/libc take one process-wide lock).
func handleProfiles(mux *http.ServeMux) {
	runtime.SetMutexProfileFraction(mutexSample)
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}

// mutexSample is the mutex profile's sampling rate with --pprof.
const mutexSample = 20
