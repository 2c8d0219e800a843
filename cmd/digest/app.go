package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/daily"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/fever"
	"github.com/occasional-digest/digest/greader"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/metrics"
	"github.com/occasional-digest/digest/miniflux"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/web"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// app is one running digest: store, client, pipeline and web server, wired
// from a Config.
type app struct {
	cfg      Config
	log      *slog.Logger
	store    digest.Store
	client   *fetch.Client
	pipeline *ingest.Pipeline
	stories  *ingest.Stories
	imports  *ingest.Imports  // nil when the store keeps no import jobs
	rules    *ingest.RuleJobs // re-applies rules after a change, in serve
	// readers counts the web server's requests in flight: the
	// pipeline's post-processing gives way to them.
	readers *digest.Readers
	// leader runs the story engine on PostgreSQL, where several
	// processes may share the database: in one of them at a time (nil on
	// SQLite, whose one process runs stories).
	leader  *ingest.Leader
	daily   *daily.Service // the daily digest's scheduler; nil but in serve
	auth    *auth.Service
	started bool
	metrics *metrics.Registry
	db      dbHealth
	changes struct {
		sync.Mutex
		n map[string]int64 // notifications heard, by what changed
	}
	latency *metrics.Histogram // of HTTP requests, by route
	listen  string             // the web server's listen address, once serving
}

// appOptions adjust the wiring for a command.
type appOptions struct {
	allowedNets   []netip.Prefix // reachable even when private networks are refused
	noPostProcess bool
}

func newLogger(env *Env, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated in Config.validate
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: l}))
}

// openApp opens the data directory and the database and builds the client
// and pipeline; it starts nothing.
func openApp(ctx context.Context, cfg Config, env *Env, o appOptions) (*app, error) {
	log := newLogger(env, cfg.LogLevel)
	if cfg.MemoryLimit > 0 {
		// The runtime's setting is per process; the config is its one
		// source, applied once here as GOMEMLIMIT would be at start.
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	st, err := openStore(ctx, cfg.Database, log)
	if err != nil {
		return nil, err
	}
	client := fetch.New(fetch.Options{
		UserAgent:    fetch.UserAgent(version),
		PerHost:      cfg.PerHost,
		AllowPrivate: cfg.AllowPrivate,
		AllowedNets:  o.allowedNets,
		Logger:       log.With("component", "fetch"),
	})
	stories, err := newStorySink(st, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	a := &app{cfg: cfg, log: log, store: st, client: client, stories: stories, readers: &digest.Readers{},
		auth: auth.New(st, auth.Options{Logger: log, CacheTTL: authCacheTTL})}
	var sink ingest.StorySink = a.stories
	db, shared := st.(*postgres.DB)
	if shared {
		a.leader = ingest.NewLeader(db.Lock("stories"), func() *ingest.Stories {
			s, _ := newStorySink(st, log) // its options built once above
			return s
		}, ingest.LeaderOptions{Logger: log})
		sink = a.leader
	}
	a.pipeline = ingest.New(st, client, ingest.Options{
		Workers:       cfg.Workers,
		MinInterval:   cfg.RefreshInterval,
		Logger:        log,
		NoPostProcess: o.noPostProcess,
		Stories:       sink,
		Shared:        shared,
		PendingBytes:  cfg.IngestBuffer,
		BatchBytes:    cfg.IngestBuffer / 2,
		Lease:         cfg.Lease,
		Readers:       a.readers,
	})
	if is, ok := st.(ingest.ImportStore); ok {
		a.imports = ingest.NewImports(is, a.pipeline.Nudge, log)
	}
	a.rules = ingest.NewRuleJobs(st, ingest.RuleJobsOptions{Logger: log})
	a.db.store = st
	a.metrics = metrics.New()
	a.registerMetrics(a.metrics)
	a.latency = a.metrics.Histogram("digest_http_request_duration_seconds", "HTTP requests' latency by route pattern.", "route", metrics.DefBuckets)
	return a, nil
}

// openStore opens the database: PostgreSQL for a postgres:// or
// postgresql:// URL, otherwise the SQLite file at that path.
func openStore(ctx context.Context, database string, log *slog.Logger) (digest.Store, error) {
	if postgres.IsDSN(database) {
		db, err := postgres.Open(ctx, database, log)
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, database, log)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// Close stops the pipeline, then the story engine (which writes its
// snapshot, holding all the pipeline gave it), and closes the store.
func (a *app) Close() error {
	err := a.pipeline.Close()
	if a.imports != nil {
		err = errors.Join(err, a.imports.Close())
	}
	err = errors.Join(err, a.rules.Close())
	err = errors.Join(err, a.stories.Close())
	if a.leader != nil {
		// Ends the term: its engine writes its snapshot, then the lock goes.
		err = errors.Join(err, a.leader.Close())
	}
	if a.daily != nil {
		err = errors.Join(err, a.daily.Close())
	}
	a.client.Close()
	return errors.Join(err, a.store.Close())
}

// serve runs the pipeline (the story engine warming in the background) and
// the web server on ln until ctx ends, then shuts down gracefully. ready,
// if not nil, is called once the server accepts connections.
func (a *app) serve(ctx context.Context, ln net.Listener, ready func(url string)) error {
	if a.cfg.Role != "web" {
		a.startServing(ctx)
		if a.daily != nil {
			a.daily.Start(ctx)
		}
	}
	a.listen = ln.Addr().String()
	srv := a.webServer()
	defer srv.Close() // after the shutdown below: runs the learning writes still queued
	if a.metrics != nil {
		a.metrics.CounterFunc("digest_learning_writes_total", "What page views taught For you, written in the background since start, by outcome (failed: logged with the error; dropped: the queue was full).", "outcome", srv.SignalStats)
	}
	var patterns []string
	for _, r := range srv.Routes() {
		patterns = append(patterns, r.Pattern)
	}
	if db, ok := a.store.(*postgres.DB); ok {
		// Workers in other processes store articles and stories: the
		// web side hears of them, as of those of this process.
		lctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			db.Changes(lctx, func(what string) {
				if what == "accounts" || what == "" {
					// A session ended, a key revoked, a user changed
					// elsewhere (or anything, after a lost connection).
					a.auth.Forget()
				}
				if what == "accounts" || what == "content" {
					// Content moves the store's ContentVersion, which the
					// reader's caches follow; feeds' unread counts keep
					// their cache's time. Nothing else to wake.
					a.heard(what)
					return
				}
				if what != "posts" {
					srv.Changed()
				}
				if a.cfg.Role != "web" && what != "stories" {
					// New articles, a row's steps changed, or a lost
					// connection: post-processing looks at its queue.
					a.pipeline.PostQueued()
				}
				a.heard(what)
			})
		}()
		defer func() { stop(); <-done }()
	}
	hs := &http.Server{
		Handler:           metrics.Instrument(srv.Handler(), a.latency, patterns, a.log.With("component", "http")),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(web.Listener(ln)) }()
	url := "http://" + ln.Addr().String() + "/"
	a.log.Info("serving", "url", url)
	if ready != nil {
		ready(url)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// user returns the account a one-shot command acts for: --user, or the
// only user there is.
func (a *app) user(ctx context.Context) (*digest.User, error) {
	if a.cfg.User != "" {
		u, err := a.store.UserByName(ctx, a.cfg.User)
		if digest.IsNotFound(err) {
			return nil, fmt.Errorf("no user %q: see digest user list", a.cfg.User)
		}
		return u, err
	}
	us, err := a.store.Users(ctx)
	if err != nil {
		return nil, err
	}
	switch len(us) {
	case 0:
		return nil, errors.New("no user yet: create one with \"digest user add NAME\", or start \"digest serve\" and open its setup link")
	case 1:
		return &us[0], nil
	}
	return nil, fmt.Errorf("%d users: say which with --user NAME (or DIGEST_USER)", len(us))
}

// setupLink returns the URL that creates the first admin when no user can
// sign in yet, or "" when one can.
func (a *app) setupLink(ctx context.Context, base string) (string, error) {
	us, err := a.store.Users(ctx)
	if err != nil {
		return "", err
	}
	if len(us) > 0 {
		return "", nil
	}
	token, err := a.auth.SetupLink(ctx)
	if err != nil {
		return "", err
	}
	return strings.TrimSuffix(base, "/") + "/setup/" + token, nil
}

// webServer builds the reader and the reader-app protocols over the app.
func (a *app) webServer() *web.Server {
	var imports web.Importer
	if a.imports != nil {
		imports = a.imports
	}
	return web.New(web.Config{
		Imports:         imports,
		BaseURL:         a.cfg.BaseURL,
		ListenAddr:      a.listen,
		TrustedProxies:  a.cfg.TrustedProxies,
		AuthProxyHeader: a.cfg.AuthProxyHeader,
		Mounts:          a.mounts(),
		Warming:         a.warming,
		Daily:           a.daily,
		RuleJobs:        a.rules,
		RankReuse:       rankReuse,
		Readers:         a.readers,
	}, a.store, a.pipeline, a.auth, a.log)
}

// authCacheTTL is auth.Options.CacheTTL: a session or key ended by another
// process (on PostgreSQL only when its notification was lost, see
// migration 0032; on SQLite always: a `digest user` command) stops
// working here within it. Ended through this process, it stops at once.
const authCacheTTL = 5 * time.Second

// rankReuse is web.Config.RankReuse: new stories reach the front page
// within it (the feed cache's unread counts may be 10 s old already).
const rankReuse = 2 * time.Second

// startPipeline replays the recent articles into the story engine, then
// starts fetching: for the one-shot commands, which wait for what they
// fetched to be in stories. Safe to call more than once, and after
// startServing.
func (a *app) startPipeline(ctx context.Context) error {
	if a.started {
		return nil
	}
	a.started = true
	if a.leader != nil {
		// The engine runs where the lock is: here once taken, or in a
		// serving worker, which then assigns what this fetched.
		a.leader.Start(ctx)
		a.pipeline.Start(ctx)
		return nil
	}
	if err := a.stories.Load(ctx, time.Now()); err != nil {
		return err
	}
	a.pipeline.Start(ctx)
	return nil
}

// startServing starts the story engine's warm-up (the replay of the
// recent articles) and the pipeline, both in the background, so that the
// server answers at once: fetching, extraction and pages go on while the
// engine warms, and the articles saved meanwhile keep their story step
// queued until it is warm. Safe to call more than once.
func (a *app) startServing(ctx context.Context) {
	if a.started {
		return
	}
	a.started = true
	if a.leader != nil {
		a.leader.Start(ctx)
	} else {
		a.stories.Warm(ctx, time.Now())
	}
	a.pipeline.Start(ctx)
	if a.imports != nil {
		a.imports.Start(ctx) // resumes the imports a previous run left
	}
	a.rules.Start(ctx) // resumes the rule jobs a previous run left
}

// warming lists what is still warming up, for /readyz and the reader's
// notice.
func (a *app) warming() []web.Warmup {
	var ws []web.Warmup
	if !a.db.up() {
		ws = append(ws, web.Warmup{Name: "database"})
	}
	warming := a.stories.Warming
	if a.leader != nil {
		warming = a.leader.Warming
	}
	if ok, done, total := warming(); ok {
		ws = append(ws, web.Warmup{Name: "stories", Done: done, Total: total})
	}
	return ws
}

// mounts are the reader-app protocols served beside the reader.
func (a *app) mounts() []web.Mount {
	addr := a.clientAddr()
	gr := greader.New(a.store, a.pipeline, a.auth, greader.Options{Logger: a.log, Addr: addr})
	fv := fever.New(a.store, a.pipeline, a.auth, fever.Options{Logger: a.log, Addr: addr})
	mf := miniflux.New(a.store, a.pipeline, a.auth, miniflux.Options{Logger: a.log, Addr: addr, Version: version})
	return []web.Mount{
		{Owns: greader.Owns, Endpoints: greader.Endpoints(), Handler: gr},
		{Owns: fever.Owns, Endpoints: fever.Endpoints(), Handler: fv},
		{Owns: miniflux.Owns, Endpoints: miniflux.Endpoints(), Handler: mf},
	}
}

// clientAddr returns the client's address of a request as the web server
// sees it (behind trusted proxies, their X-Forwarded-For), for throttling.
func (a *app) clientAddr() func(*http.Request) string {
	trusted := a.cfg.TrustedProxies
	return func(r *http.Request) string { return web.ClientAddr(r, trusted) }
}
