// Package miniflux serves Miniflux's REST API v1 under /v1/, so that apps
// written for Miniflux (its own Go client, newsboat, Flux News, elfeed,
// Raycast...) read and manage a user's digest. Each handler translates one
// Miniflux call into the same store and feed-service calls the JSON API
// makes; the package holds no SQL and imports neither web nor ingest.
//
// Authentication is Miniflux's: an API key in X-Auth-Token, or HTTP basic
// auth with the user's name and one of their app passwords (never the
// login password). Errors are Miniflux's shape, {"error_message": "..."},
// with its status codes. Times are RFC 3339 in UTC, to the second.
//
// Where our model differs from Miniflux's:
//   - A feed in no category is shown in a category that Miniflux clients
//     can rely on: UncategorizedID, titled "Uncategorized", always listed.
//     Miniflux puts every feed in a category (a new user has "All"), and
//     clients read feed.category.id without checking for null (newsboat
//     does), offer the category list when adding a feed, and filter by
//     category_id. The category is not stored: it cannot be renamed or
//     deleted, and a feed moved into it leaves its category.
//   - Deleting a category keeps its feeds (they move to Uncategorized);
//     Miniflux deletes them.
//   - Feed options we do not have (scraper and rewrite rules, user agent,
//     cookies, proxies, disabled...) are accepted and ignored; crawler maps
//     to the feed's full-text setting (fetch_mode "always").
//   - Entry filters we cannot honour answer 400 rather than a wrong list:
//     starred=false, changed_before and changed_after.
//   - limit is at most MaxLimit; 0 (the Go client's "no limit") means
//     MaxLimit.
package miniflux

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
)

// DefaultVersion is the Miniflux version whose API this package follows;
// /v1/version reports it unless Options.Version says otherwise. Clients
// compare it with Miniflux's releases to decide which calls they may make.
const DefaultVersion = "2.3.5"

// UncategorizedID is the ID of the category that holds a user's feeds in
// no category. It is below 2^31 like every ID we send, and far above the
// IDs the store hands out.
const UncategorizedID = math.MaxInt32

// uncategorizedTitle is the title of UncategorizedID.
const uncategorizedTitle = "Uncategorized"

// Limits of a request.
const (
	// MaxLimit is the most entries one call returns.
	MaxLimit = 1000
	// DefaultLimit is the page size when a call gives no limit, as in
	// Miniflux.
	DefaultLimit = 100
	// MaxIDs is the most entry IDs one PUT /v1/entries may change.
	MaxIDs = 1000
	// maxOffset bounds offset: deeper pages cost the database a scan.
	maxOffset = 10_000_000
	// DefaultMaxBodyBytes caps a request body when Options.MaxBodyBytes is 0.
	DefaultMaxBodyBytes = 4 << 20
)

// Options configure a Handler.
type Options struct {
	// Logger receives server-side failures; nothing is logged when nil.
	Logger *slog.Logger
	// Addr returns the client's address for throttling failed sign-ins;
	// the host of RemoteAddr when nil.
	Addr func(*http.Request) string
	// MaxBodyBytes caps a request body (OPML imports included);
	// DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
	// Version is what /v1/version reports; DefaultVersion when empty.
	Version string
}

// Handler serves the Miniflux API. It expects the full request path
// (/v1/...): mount it at /v1/ without stripping the prefix.
type Handler struct {
	store  digest.Store
	feeds  digest.FeedService
	auth   *auth.Service
	opts   Options
	logger *slog.Logger
	mux    *http.ServeMux
	totals totals
}

// New returns a Handler over store, feeds and auth.
func New(store digest.Store, feeds digest.FeedService, auth *auth.Service, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Addr == nil {
		opts.Addr = remoteHost
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	h := &Handler{store: store, feeds: feeds, auth: auth, opts: opts,
		logger: opts.Logger.With("component", "miniflux"), mux: http.NewServeMux()}
	for _, rt := range h.routes() {
		h.mux.HandleFunc(rt.pattern, rt.handler)
	}
	h.mux.HandleFunc("/v1/", h.noRoute)
	return h
}

// noRoute answers a path no route matches with that method: 405 with
// Allow when another method matches, 404 otherwise, both in Miniflux's
// shape.
func (h *Handler) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pattern := h.mux.Handler(r2); pattern != "/v1/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeJSON(w, http.StatusMethodNotAllowed, errorJSON{ErrorMessage: "method not allowed"})
		return
	}
	h.error(w, r, digest.Errorf(digest.ENOTFOUND, "route not found"))
}

type route struct {
	pattern string // ServeMux pattern
	example string // the route with example path values, for Endpoints
	handler http.HandlerFunc
}

// routes is the route table: Endpoints and the mux both read it.
func (h *Handler) routes() []route {
	return []route{
		{"GET /v1/me", "", h.me},
		{"GET /v1/version", "", h.version},
		{"PUT /v1/users/{id}/mark-all-as-read", "/v1/users/1/mark-all-as-read", h.markUserRead},

		{"GET /v1/feeds", "", h.listFeeds},
		{"POST /v1/feeds", "", h.createFeed},
		{"GET /v1/feeds/counters", "", h.counters},
		{"PUT /v1/feeds/refresh", "", h.refreshAll},
		{"GET /v1/feeds/{id}", "/v1/feeds/1", h.getFeed},
		{"PUT /v1/feeds/{id}", "/v1/feeds/1", h.updateFeed},
		{"DELETE /v1/feeds/{id}", "/v1/feeds/1", h.deleteFeed},
		{"PUT /v1/feeds/{id}/refresh", "/v1/feeds/1/refresh", h.refreshFeed},
		{"GET /v1/feeds/{id}/icon", "/v1/feeds/1/icon", h.feedIcon},
		{"GET /v1/feeds/{id}/entries", "/v1/feeds/1/entries", h.feedEntries},
		{"GET /v1/feeds/{id}/entries/{entryID}", "/v1/feeds/1/entries/1", h.feedEntry},
		{"PUT /v1/feeds/{id}/mark-all-as-read", "/v1/feeds/1/mark-all-as-read", h.markFeedRead},
		{"GET /v1/icons/{id}", "/v1/icons/1", h.icon},

		{"GET /v1/categories", "", h.listCategories},
		{"POST /v1/categories", "", h.createCategory},
		{"PUT /v1/categories/{id}", "/v1/categories/1", h.updateCategory},
		{"DELETE /v1/categories/{id}", "/v1/categories/1", h.deleteCategory},
		{"GET /v1/categories/{id}/feeds", "/v1/categories/1/feeds", h.categoryFeeds},
		{"GET /v1/categories/{id}/entries", "/v1/categories/1/entries", h.categoryEntries},
		{"GET /v1/categories/{id}/entries/{entryID}", "/v1/categories/1/entries/1", h.categoryEntry},
		{"PUT /v1/categories/{id}/mark-all-as-read", "/v1/categories/1/mark-all-as-read", h.markCategoryRead},
		{"PUT /v1/categories/{id}/refresh", "/v1/categories/1/refresh", h.refreshCategory},

		{"GET /v1/entries", "", h.listEntries},
		{"PUT /v1/entries", "", h.updateEntries},
		{"GET /v1/entries/{id}", "/v1/entries/1", h.getEntry},
		{"PUT /v1/entries/{id}/bookmark", "/v1/entries/1/bookmark", h.toggleStar},
		{"PUT /v1/entries/{id}/star", "/v1/entries/1/star", h.toggleStar},
		{"GET /v1/entries/{id}/fetch-content", "/v1/entries/1/fetch-content", h.fetchContent},

		{"POST /v1/discover", "", h.discover},
		{"GET /v1/export", "", h.export},
		{"POST /v1/import", "", h.importOPML},
	}
}

// Endpoints lists every route as "METHOD /path", with example path values
// (ID 1), so that a sweep can call each of them. Every route needs
// credentials.
func Endpoints() []string {
	var h Handler
	var out []string
	for _, rt := range h.routes() {
		if rt.example == "" {
			out = append(out, rt.pattern)
			continue
		}
		method, _, _ := strings.Cut(rt.pattern, " ")
		out = append(out, method+" "+rt.example)
	}
	return out
}

// Owns reports whether a request path is the Miniflux API's: /v1 and
// what is under it, repeated slashes counted as one (clients given a
// server URL ending in / ask for //v1/...).
func Owns(path string) bool {
	p := collapseSlashes(path)
	return p == "/v1" || strings.HasPrefix(p, "/v1/")
}

func collapseSlashes(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// ServeHTTP authenticates the request and routes it.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if p := collapseSlashes(r.URL.Path); p != r.URL.Path {
		r = r.Clone(r.Context())
		r.URL.Path, r.URL.RawPath = p, ""
	}
	u, err := h.authenticate(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	h.mux.ServeHTTP(w, r.WithContext(digest.WithUser(r.Context(), u)))
}

// authenticate returns the user of the request's API key or basic auth.
// Both present: the key decides, as in Miniflux.
func (h *Handler) authenticate(r *http.Request) (*digest.User, error) {
	addr := h.opts.Addr(r)
	if vs := r.Header.Values("X-Auth-Token"); len(vs) > 0 {
		if len(vs) > 1 {
			return nil, digest.Errorf(digest.EUNAUTHORIZED, "Access Unauthorized")
		}
		return h.auth.APIKeyUser(r.Context(), strings.TrimSpace(vs[0]), addr)
	}
	if r.Header.Get("Authorization") == "" {
		return nil, digest.Errorf(digest.EUNAUTHORIZED, "Access Unauthorized")
	}
	name, password, ok := r.BasicAuth()
	if !ok || name == "" || password == "" || len(name) > 200 || len(password) > 200 {
		return nil, digest.Errorf(digest.EUNAUTHORIZED, "Access Unauthorized")
	}
	u, _, err := h.auth.AppLogin(r.Context(), name, password, addr)
	return u, err
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// user returns the signed-in user; ServeHTTP put it in the context.
func user(r *http.Request) *digest.User { return digest.UserFrom(r.Context()) }

// status maps an error to the status Miniflux answers. It is the one
// place where error codes become statuses.
func status(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	switch digest.ErrorCode(err) {
	case digest.ENOTFOUND:
		return http.StatusNotFound
	case digest.EINVALID, digest.ECONFLICT, digest.EREFUSED:
		return http.StatusBadRequest
	case digest.EUPSTREAM:
		return http.StatusBadGateway
	case digest.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case digest.EFORBIDDEN:
		return http.StatusForbidden
	case digest.ETHROTTLED:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

type errorJSON struct {
	ErrorMessage string `json:"error_message"`
}

// error answers err in Miniflux's shape, logging only server failures.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	code := status(err)
	msg := digest.ErrorMessage(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		msg = "request body too large"
	}
	if code >= 500 {
		digest.LogRequestFailure(h.logger, r, err)
	}
	if code == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Miniflux API"`)
	}
	writeJSON(w, code, errorJSON{ErrorMessage: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error_message":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
	w.Write([]byte("\n"))
}

// decode reads a JSON body into v: EINVALID when it is not JSON of v's
// shape; the MaxBytesError when it is too large.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return digest.Errorf(digest.EINVALID, "invalid JSON body")
	}
	return nil
}

// maxID is the largest ID we accept or send (Miniflux clients in languages
// with 32-bit integers read IDs as int).
const maxID = math.MaxInt32

// parseID parses a positive decimal ID below 2^31.
func parseID(s string) (int64, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > maxID {
		return 0, false
	}
	return n, true
}

// pathID returns the path value name as an ID; EINVALID when it is not one.
func pathID(r *http.Request, name string) (int64, error) {
	v := r.PathValue(name)
	id, ok := parseID(v)
	if !ok {
		return 0, digest.Errorf(digest.EINVALID, "invalid %s %q: want a positive integer below 2^31", name, clip(v, 20))
	}
	return id, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}
