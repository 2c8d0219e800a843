// Package web serves the reader: HTML pages for people and a JSON API under
// /api/v1 for programs. Handlers are thin: parse the request, call the Store
// or the FeedService, render. Templates and static assets are embedded and
// parsed once in New.
package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// FeedService is what the web needs from the ingest pipeline. The ingest
// package implements it; the web never fetches anything itself.
type FeedService interface {
	// Subscribe discovers the feed at rawURL (a feed or a site), creates it
	// in the given category and schedules its first fetch. Errors are
	// *digest.Error with EINVALID (bad URL), EREFUSED (a policy refused the
	// address), ENOTFOUND (no feed there), ECONFLICT (already subscribed)
	// or EUPSTREAM (the remote server failed).
	Subscribe(ctx context.Context, rawURL, category string) (*digest.Feed, error)
	// Refresh schedules the given feeds (all feeds if none) for a fetch now.
	Refresh(ctx context.Context, ids ...int64) error
	// ImportOPML subscribes to every feed of an OPML document. problems are
	// the outlines that could not be imported; err is set when the document
	// itself is unusable.
	ImportOPML(ctx context.Context, r io.Reader) (imported int, problems []error, err error)
	// ExportOPML writes every subscription as an OPML document.
	ExportOPML(ctx context.Context, w io.Writer) error
}

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
	// FeedCacheTTL is how long the feed titles and icons shown in the
	// river, and the outlets named on story cards, are cached; 10 s when
	// 0. Feed changes made through this server invalidate both at once;
	// a story whose articles change is looked up again at once.
	FeedCacheTTL time.Duration
	// Now returns the current time, for relative dates; time.Now when nil.
	Now func() time.Time
}

// Server is the HTTP side of Occasional Digest. Create it with New.
type Server struct {
	cfg     Config
	store   digest.Store
	feeds   FeedService
	logger  *slog.Logger
	pages   *pages
	assets  *assets
	cache   *feedCache
	outlets *outletCache
	now     func() time.Time
	h       http.Handler
}

// New returns a server over store and feeds; neither may be nil. logger
// may be nil (nothing is logged); the server adds component=web to it.
// New panics only if the embedded templates or assets are broken, which
// the package's tests rule out.
func New(cfg Config, store digest.Store, feeds FeedService, logger *slog.Logger) *Server {
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
		logger: logger.With("component", "web"),
		now:    cfg.Now,
	}
	s.assets = mustLoadAssets()
	s.pages = mustParsePages(s.assets, cfg.Now)
	s.cache = newFeedCache(store, cfg.FeedCacheTTL, cfg.Now)
	s.outlets = newOutletCache(cfg.FeedCacheTTL, cfg.Now)
	s.h = s.routes()
	return s
}

// Handler returns the server's root handler, with security headers and
// cross-origin protection applied to every route.
func (s *Server) Handler() http.Handler { return s.h }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /static/{name}", s.static)
	mux.HandleFunc("GET /icons/{id}", s.icon)

	mux.HandleFunc("GET /{$}", s.river)
	mux.HandleFunc("GET /articles/{id}", s.article)
	mux.HandleFunc("POST /articles/{id}/read", s.articleMark(markRead))
	mux.HandleFunc("POST /articles/{id}/unread", s.articleMark(markUnread))
	mux.HandleFunc("POST /articles/{id}/star", s.articleMark(markStar))
	mux.HandleFunc("POST /articles/{id}/unstar", s.articleMark(markUnstar))
	mux.HandleFunc("GET /stories", s.stories)
	mux.HandleFunc("GET /stories/{id}", s.story)
	mux.HandleFunc("GET /entities/{kind}/{name}", s.entity)

	mux.HandleFunc("GET /feeds", s.feedList)
	mux.HandleFunc("POST /feeds", s.feedAdd)
	mux.HandleFunc("POST /feeds/{id}/delete", s.feedDelete)
	mux.HandleFunc("POST /feeds/{id}/refresh", s.feedRefresh)
	mux.HandleFunc("POST /feeds/{id}/fetch-mode", s.feedFetchMode)
	mux.HandleFunc("POST /feeds/refresh", s.feedRefreshAll)
	mux.HandleFunc("POST /import", s.opmlImport)
	mux.HandleFunc("GET /export.opml", s.opmlExport)

	mux.Handle("/api/v1/", s.apiRoutes())

	cop := http.NewCrossOriginProtection()
	for _, o := range s.cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			// A bad origin in the configuration is skipped, not fatal:
			// the server stays strict.
			s.logger.Warn("ignoring trusted origin", "origin", o, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	return securityHeaders(cop.Handler(mux))
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
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

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
