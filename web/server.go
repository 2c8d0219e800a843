// Package web serves the reader: HTML pages for people and a JSON API under
// /api/v1 for programs. Handlers are thin: parse the request, call the Store
// or the FeedService, render. Templates and static assets are embedded and
// parsed once in New.
package web

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/daily"
	"github.com/occasional-digest/digest/foryou"
	"github.com/occasional-digest/digest/rank"
)

// FeedService is what the web needs from the ingest pipeline.
type FeedService = digest.FeedService

// Config is the web server's configuration, built by main. The zero value
// is usable.
type Config struct {
	// Title is the site name shown in the masthead; "Occasional Digest"
	// when empty.
	Title string
	// TrustedOrigins are origins (scheme://host[:port]) allowed to send
	// state-changing requests besides the server's own, e.g. when a proxy
	// rewrites the Host header.
	TrustedOrigins []string
	// PageSize is the number of items per river page; 30 when 0.
	PageSize int
	// MaxBodyBytes limits JSON and form request bodies; 1 MiB when 0.
	MaxBodyBytes int64
	// MaxImportBytes limits OPML uploads; 8 MiB when 0.
	MaxImportBytes int64
	// BaseURL is the address users reach the server at
	// (scheme://host[:port][/]); shown in the app instructions. When it
	// starts with https://, cookies are Secure with the __Host- prefix.
	// Requests for another host than its own (or a loopback name) are
	// refused with 421, against DNS rebinding.
	BaseURL string
	// ListenAddr is the address the server listens on (host:port, as
	// net.Listener.Addr gives it). Without a BaseURL, a server on a
	// loopback address answers only requests for a loopback name
	// (localhost, 127.0.0.1, [::1], any port); beyond loopback, or when
	// empty, it answers every Host, and New warns when it is set.
	ListenAddr string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For,
	// X-Forwarded-Proto and AuthProxyHeader are believed.
	TrustedProxies []netip.Prefix
	// AuthProxyHeader, when set, names the header in which a trusted
	// proxy (Authelia, oauth2-proxy) passes the signed-in user's name.
	AuthProxyHeader string
	// Mounts are handlers of other protocols (Google Reader, Fever,
	// Miniflux) served beside the reader; they authenticate requests
	// themselves.
	Mounts []Mount
	// Imports, when set, runs OPML imports in the background: an upload
	// answers at once with the job's page (POST /import) or, by the API,
	// 202 and the job (POST /api/v1/imports). Without it an upload is
	// imported within the request.
	Imports Importer
	// Warming, when set, lists what is still warming up after a start
	// (the story engine): /readyz answers 503 and the reader shows a
	// notice until it returns nothing.
	Warming func() []Warmup
	// FeedCacheTTL is how long the feed titles and icons shown in the
	// river, and the outlets named on story cards, are cached; 10 s when
	// 0. Feed changes made through this server invalidate both at once;
	// a story whose articles change is looked up again at once.
	FeedCacheTTL time.Duration
	// RankReuse is how long the front page shows a For you ranking again
	// although the store's content version moved (on SQLite a commit by
	// any process; on PostgreSQL a change of what readers see, heard as a
	// notification: see postgres.DB.ContentVersion), before ranking anew:
	// with a worker committing every few milliseconds, each reload
	// otherwise ranked again. The reader's own changes (choices, marks,
	// rules, feeds) re-rank at once whatever it is. 0: every commit
	// re-ranks.
	RankReuse time.Duration
	// Now returns the current time, for relative dates; time.Now when nil.
	Now func() time.Time
	// RankExtras, when set, returns more parts of the For you score for
	// a reader (their rules, say): see rank.Extra.
	RankExtras func(ctx context.Context, userID int64) ([]rank.Extra, error)
	// Daily builds the digests /digest shows and signs their unsubscribe
	// links; when nil, one that sends no mail is made over the store.
	Daily *daily.Service
	// RuleJobs, when set, re-applies a user's rules to their stored
	// articles in the background after a change (the store queues the
	// job): the request answers at once and /rules shows the progress.
	// Without it the job runs within the request.
	RuleJobs RuleJobs
	// Readers, when set, counts the requests being served, for the
	// background work that gives way to them (ingest.Options.Readers).
	Readers *digest.Readers
}

// Mount is the handler of a reader-app protocol. It is served before the
// reader's own mux and its cross-origin protection: the protocols carry
// their own credentials (no cookie a cross-site page could ride), clients
// send paths with "//" that the mux would redirect, and apps built on a
// browser engine send Origin headers the protection would refuse.
type Mount struct {
	// Owns reports whether a request path is the protocol's.
	Owns func(path string) bool
	// Endpoints are the handler's routes as "METHOD /path", for the route
	// table.
	Endpoints []string
	Handler   http.Handler
}

// Server is the HTTP side of Occasional Digest. Create it with New.
type Server struct {
	cfg     Config
	store   digest.Store
	feeds   FeedService
	auth    *auth.Service
	daily   *daily.Service
	table   []Route
	logger  *slog.Logger
	pages   *pages    // in UTC
	zones   zonePages // in the readers' time zones
	assets  *assets
	cache   *feedCache
	outlets *outletCache
	taste   *tasteCache
	shown   shownMemo
	ranker  *foryou.Ranker
	signals *signalWriter
	// forYouRes keeps the front page's rankings; writes counts write
	// requests (see countWrites).
	forYouRes forYouCache
	// articleCache and savedCache keep what pages show while the
	// content version is the same (see contentVersion).
	articleCache articleCache
	savedCache   savedCache
	writes       atomic.Uint64
	now          func() time.Time
	hosts        hostPolicy
	h            http.Handler
}

// New returns a server over store, feeds and the auth service; none may
// be nil. logger
// may be nil (nothing is logged); the server adds component=web to it.
// New panics only if the embedded templates or assets are broken, which
// the package's tests rule out.
func New(cfg Config, store digest.Store, feeds FeedService, authSvc *auth.Service, logger *slog.Logger) *Server {
	if cfg.Title == "" {
		cfg.Title = "Occasional Digest"
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 30
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = 8 << 20
	}
	if cfg.FeedCacheTTL <= 0 {
		cfg.FeedCacheTTL = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:    cfg,
		store:  store,
		feeds:  feeds,
		auth:   authSvc,
		logger: logger.With("component", "web"),
		now:    cfg.Now,
	}
	if s.daily = cfg.Daily; s.daily == nil {
		d, err := daily.New(store, daily.Options{Title: cfg.Title, BaseURL: cfg.BaseURL, Now: cfg.Now})
		if err != nil {
			panic(fmt.Sprintf("web: daily digests: %v", err)) // the default sender is always an address
		}
		s.daily = d
	}
	s.assets = mustLoadAssets()
	s.pages = mustParsePages(s.assets, cfg.Now)
	s.cache = newFeedCache(store, cfg.FeedCacheTTL, cfg.Now)
	s.outlets = newOutletCache(cfg.FeedCacheTTL, cfg.Now)
	s.taste = newTasteCache(s.cache)
	s.ranker = s.newRanker()
	s.signals = newSignalWriter(s.logger.With("component", "learning"))
	s.hosts = newHostPolicy(cfg.BaseURL, cfg.ListenAddr)
	// Background jobs change what the cache holds: feeds an import
	// added, unread counts rules changed. Each says so once, when it ends.
	if cfg.Imports != nil {
		cfg.Imports.OnFinish(func(int64) { s.cache.invalidate() })
	}
	if cfg.RuleJobs != nil {
		cfg.RuleJobs.OnFinish(func(int64) { s.cache.invalidate() })
	}
	if !s.hosts.check && cfg.ListenAddr != "" {
		s.logger.Warn("listening beyond loopback without a base URL: requests for any host name are answered, "+
			"so a page on a DNS-rebinding domain could reach this server; set --base-url to the address it is reached at",
			"addr", cfg.ListenAddr)
	}
	s.h = s.countReaders(s.countWrites(s.routes()))
	return s
}

// Handler returns the server's root handler, with security headers, the
// Host check and cross-origin protection applied to every route.
func (s *Server) Handler() http.Handler { return s.h }

// Changed tells the server that another process changed the content (a
// worker stored articles or stories): what it caches of it is dropped.
func (s *Server) Changed() { s.cache.invalidate() }

// handle registers a route on mux with its access, and in the table.
func (s *Server) handle(mux *http.ServeMux, pattern string, access Access, h http.HandlerFunc) {
	mux.Handle(pattern, s.guard(access, h))
	_, path, _ := strings.Cut(pattern, " ")
	s.table = append(s.table, Route{Pattern: pattern, Access: access, API: strings.HasPrefix(path, "/api/")})
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	// Public: the one place that lists what answers without credentials.
	s.handle(mux, "GET /healthz", Public, s.healthz)
	s.handle(mux, "GET /readyz", Public, s.readyz)
	s.handle(mux, "GET /healthcheck", Public, s.healthz) // Miniflux clients' Healthcheck
	s.handle(mux, "GET /static/{name}", Public, s.static)
	s.handle(mux, "GET /favicon.ico", Public, s.favicon)
	s.handle(mux, "GET /manifest.webmanifest", Public, s.webManifest)
	s.handle(mux, "GET /sw.js", Public, s.serviceWorker)
	s.handle(mux, "GET /login", Public, s.loginForm)
	s.handle(mux, "POST /login", Public, s.login)
	s.handle(mux, "POST /logout", Public, s.logout)
	s.handle(mux, "GET /login/link/{token}", Public, s.loginLink)
	s.handle(mux, "GET /setup/{token}", Public, s.setupForm)
	s.handle(mux, "POST /setup/{token}", Public, s.setup)
	s.handle(mux, "GET /unsubscribe/{token}", Public, s.unsubscribeForm)
	s.handle(mux, "POST /unsubscribe/{token}", Public, s.unsubscribe)
	s.handle(mux, "GET /feed/{token}/digest.atom", Public, s.digestFeed)
	s.handle(mux, "GET /feed/{token}/searches/{file}", Public, s.savedFeed)

	s.handle(mux, "GET /icons/{id}", Signed, s.icon)
	s.handle(mux, "GET /{$}", Signed, s.river)
	s.handle(mux, "GET /articles/{id}", Signed, s.article)
	s.handle(mux, "POST /articles/{id}/read", Signed, s.articleMark(markRead))
	s.handle(mux, "POST /articles/{id}/unread", Signed, s.articleMark(markUnread))
	s.handle(mux, "POST /articles/{id}/star", Signed, s.articleMark(markStar))
	s.handle(mux, "POST /articles/{id}/unstar", Signed, s.articleMark(markUnstar))
	s.handle(mux, "POST /mark-read", Signed, s.markAllRead)
	s.handle(mux, "GET /offline.json", Signed, s.offlineList)
	s.handle(mux, "GET /stories", Signed, s.stories)
	s.handle(mux, "GET /stories/{id}", Signed, s.story)
	s.handle(mux, "GET /entities/{kind}/{name}", Signed, s.entity)
	s.handle(mux, "POST /stories/{id}/read", Signed, s.storyMark(true))
	s.handle(mux, "POST /stories/{id}/unread", Signed, s.storyMark(false))
	s.handle(mux, "POST /stories/{id}/more", Signed, s.storyLike(true))
	s.handle(mux, "POST /stories/{id}/less", Signed, s.storyLike(false))
	s.handle(mux, "POST /stories/{id}/dismiss", Signed, s.storyDismiss)
	s.handle(mux, "POST /stories/{id}/undismiss", Signed, s.storyUndismiss)
	s.handle(mux, "GET /foryou", Signed, s.choices)
	s.handle(mux, "POST /foryou/choices", Signed, s.choiceSet)
	s.handle(mux, "POST /foryou/choices/delete", Signed, s.choiceDelete)

	s.handle(mux, "GET /digest", Signed, s.digestToday)
	s.handle(mux, "GET /digest/{day}", Signed, s.digestDay)
	s.handle(mux, "POST /digest/settings", Signed, s.digestSettings)
	s.handle(mux, "POST /digest/send", Signed, s.digestSendNow)
	s.handle(mux, "POST /digest/feed-tokens", Signed, s.feedTokenCreate)
	s.handle(mux, "POST /digest/feed-tokens/{id}/delete", Signed, s.feedTokenDelete)
	s.handle(mux, "POST /searches", Signed, s.savedCreate)
	s.handle(mux, "GET /searches/{id}", Signed, s.savedView)
	s.handle(mux, "POST /searches/{id}/delete", Signed, s.savedDelete)

	s.handle(mux, "GET /feeds", Signed, s.feedList)
	s.handle(mux, "POST /feeds", Signed, s.feedAdd)
	s.handle(mux, "POST /feeds/{id}/delete", Signed, s.feedDelete)
	s.handle(mux, "POST /feeds/{id}/refresh", Signed, s.feedRefresh)
	s.handle(mux, "POST /feeds/{id}/fetch-mode", Signed, s.feedFetchMode)
	s.handle(mux, "POST /feeds/{id}/edit", Signed, s.feedEdit)
	s.handle(mux, "POST /feeds/refresh", Signed, s.feedRefreshAll)
	s.handle(mux, "POST /import", Signed, s.opmlImport)
	s.handle(mux, "GET /imports/{id}", Signed, s.importJob)
	s.handle(mux, "GET /export.opml", Signed, s.opmlExport)

	s.handle(mux, "GET /rules", Signed, s.rulesList)
	s.handle(mux, "POST /rules", Signed, s.ruleSave)
	s.handle(mux, "POST /rules/apply", Signed, s.rulesApply)
	s.handle(mux, "GET /rules/{id}", Signed, s.ruleEdit)
	s.handle(mux, "POST /rules/{id}", Signed, s.ruleSave)
	s.handle(mux, "POST /rules/{id}/delete", Signed, s.ruleDelete)
	s.handle(mux, "POST /rules/{id}/enabled", Signed, s.ruleToggle)

	s.handle(mux, "GET /settings", Signed, s.settings)
	s.handle(mux, "POST /settings/password", Signed, s.changePassword)
	s.handle(mux, "POST /settings/time-zone", Signed, s.setTimeZone)
	s.handle(mux, "POST /settings/sessions/{id}/revoke", Signed, s.revokeSession)
	s.handle(mux, "POST /settings/sessions/revoke-others", Signed, s.revokeOtherSessions)
	s.handle(mux, "POST /settings/api-keys", Signed, s.createCredential(digest.APIKey))
	s.handle(mux, "POST /settings/api-keys/{id}/delete", Signed, s.deleteCredential(digest.APIKey))
	s.handle(mux, "POST /settings/app-passwords", Signed, s.createCredential(digest.AppPassword))
	s.handle(mux, "POST /settings/app-passwords/{id}/delete", Signed, s.deleteCredential(digest.AppPassword))

	s.handle(mux, "GET /admin/users", Admin, s.users)
	s.handle(mux, "POST /admin/users", Admin, s.userAdd)
	s.handle(mux, "POST /admin/users/{id}/delete", Admin, s.userDelete)
	s.handle(mux, "POST /admin/users/{id}/role", Admin, s.userRole)

	mux.Handle("/api/v1/", s.apiRoutes())

	for _, m := range s.cfg.Mounts {
		for _, e := range m.Endpoints {
			s.table = append(s.table, Route{Pattern: e, Access: Public})
		}
	}

	cop := http.NewCrossOriginProtection()
	for _, o := range s.cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			// A bad origin in the configuration is skipped, not fatal:
			// the server stays strict.
			s.logger.Warn("ignoring trusted origin", "origin", o, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	reader := cop.Handler(s.styledNotFound(mux))
	mounts := s.cfg.Mounts
	// Request bodies are bounded here, whatever a handler does with them
	// (a form parsed by net/http reads up to 10 MB): the reader's to
	// MaxBodyBytes; an OPML upload and the protocols' (which may set
	// lower limits of their own, and take OPML imports too) to the
	// larger of it and MaxImportBytes.
	small, large := s.cfg.MaxBodyBytes, max(s.cfg.MaxBodyBytes, s.cfg.MaxImportBytes)
	bound := func(w http.ResponseWriter, r *http.Request, limit int64) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
	}
	return securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range mounts {
			if m.Owns(r.URL.Path) {
				if s.checkHost(w, r, true) {
					bound(w, r, large)
					m.Handler.ServeHTTP(w, r)
				}
				return
			}
		}
		if s.checkHost(w, r, false) {
			if r.URL.Path == "/import" || r.URL.Path == "/api/v1/imports" {
				bound(w, r, large)
			} else {
				bound(w, r, small)
			}
			reader.ServeHTTP(w, r)
		}
	}))
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, "ok")
}

func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	err := digest.Errorf(EFORBIDDEN, "cross-origin request refused")
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, err)
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// contentSecurityPolicy allows scripts and styles from this origin only;
// images and media from anywhere, since article bodies embed them.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' https: http: data:; media-src https: http:; connect-src 'self'; " +
	"manifest-src 'self'; worker-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}
