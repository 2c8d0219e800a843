// Package greader serves the Google Reader API that reader apps sync with
// (NetNewsWire, Reeder, FeedMe, Fluent Reader, Read You, newsboat...):
// /accounts/ClientLogin, /reader/api/0/... and the Atom streams under
// /reader/atom/. It translates the protocol into the same domain calls the
// JSON API makes: it knows no SQL and fetches nothing itself.
//
// Every call but ClientLogin authenticates with the header
// "Authorization: GoogleLogin auth=TOKEN", TOKEN from ClientLogin, which
// takes a user name and one of their app passwords (never the login
// password). Everything is read and changed as that user sees it: another
// user's feed, category or article is absent or 404.
//
// The protocol was never documented; what is served here is what the
// clients above send and expect, as their source code and issue threads
// show. Where they differ the server accepts every form: item IDs long,
// hex or decimal; stream IDs in the path or in s=; JSON with or without
// output=json; "//" in paths; the write token T in any form, or none.
package greader

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
)

// Options configure a Handler. The zero value is usable.
type Options struct {
	// Logger receives server-side failures only (never tokens, queries or
	// bodies); none when nil.
	Logger *slog.Logger
	// Addr returns the client's address, for the throttling of failed
	// sign-ins; the connection's remote host when nil.
	Addr func(*http.Request) string
	// MaxBodyBytes caps a request body (1 MiB when 0): a bigger one is
	// 413 and changes nothing.
	MaxBodyBytes int64
	// BaseURL is the server's public URL (scheme, host and any path
	// prefix), used for the self links of streams; when empty they are
	// built from the request.
	BaseURL string
}

// Handler serves the Google Reader API. Mount it at /accounts/ClientLogin
// and /reader/; it answers 404 for any other path.
type Handler struct {
	store  digest.Store
	feeds  digest.FeedService
	auth   *auth.Service
	opts   Options
	logger *slog.Logger
	routes []route
}

// Limits of a request.
const (
	defaultMaxBody = 1 << 20
	// maxItemIDs is the most i= a request may carry: NetNewsWire sends
	// 1,000 at most, Read You 500, newsboat and Fluent Reader one.
	maxItemIDs = 1000
	// maxIDsPage and maxContentsPage cap n of stream/items/ids and of
	// stream/contents (and the Atom streams); a larger n is served as the
	// cap with a continuation (RSS Guard asks n=200000).
	maxIDsPage      = 10000
	maxContentsPage = 1000
	// storePage is the most articles the store returns at once.
	storePage = 500
)

// New returns a Handler reading and writing through store, subscribing
// through feeds and authenticating through auth.
func New(store digest.Store, feeds digest.FeedService, auth *auth.Service, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Addr == nil {
		opts.Addr = remoteHost
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = defaultMaxBody
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	h := &Handler{store: store, feeds: feeds, auth: auth, opts: opts,
		logger: opts.Logger.With("component", "greader")}
	h.routes = h.routeTable()
	return h
}

// A route is one endpoint. Reads answer GET, HEAD and POST (clients POST
// long lists of item IDs); writes answer POST only.
type route struct {
	path    string // after /reader/api/0/, or a full path when it starts with /
	write   bool
	prefix  bool   // the path is followed by a stream ID
	example string // an example of what follows a prefix
	serve   func(w http.ResponseWriter, r *request)
}

func (h *Handler) routeTable() []route {
	return []route{
		{path: "/accounts/ClientLogin", serve: nil}, // served before authentication
		{path: "user-info", serve: h.userInfo},
		{path: "token", serve: h.token},
		{path: "subscription/list", serve: h.subscriptionList},
		{path: "subscription/export", serve: h.subscriptionExport},
		{path: "subscription/import", write: true, serve: h.subscriptionImport},
		{path: "subscription/edit", write: true, serve: h.subscriptionEdit},
		{path: "subscription/quickadd", write: true, serve: h.quickAdd},
		{path: "tag/list", serve: h.tagList},
		{path: "rename-tag", write: true, serve: h.renameTag},
		{path: "disable-tag", write: true, serve: h.disableTag},
		{path: "unread-count", serve: h.unreadCount},
		{path: "edit-tag", write: true, serve: h.editTag},
		{path: "mark-all-as-read", write: true, serve: h.markAllAsRead},
		{path: "stream/items/ids", serve: h.itemIDs},
		{path: "stream/items/contents", serve: h.itemContents},
		{path: "stream/contents", prefix: true, example: "feed/1", serve: h.streamContents},
		{path: "/reader/atom", prefix: true, example: "user/-/state/com.google/reading-list", serve: h.atom},
	}
}

// Endpoints lists every route as "METHOD /path", with an example stream ID
// where the path takes one, so that a sweep can call each of them.
func Endpoints() []string {
	var out []string
	for _, rt := range (&Handler{}).routeTable() {
		p := rt.path
		if !strings.HasPrefix(p, "/") {
			p = apiPrefix + p
		}
		switch {
		case rt.path == "/accounts/ClientLogin":
			out = append(out, "POST "+p)
			continue
		case rt.write:
			out = append(out, "POST "+p)
			continue
		}
		out = append(out, "GET "+p)
		if rt.prefix {
			out = append(out, "GET "+p+"/"+rt.example)
		}
		if rt.path == "stream/items/contents" {
			out = append(out, "POST "+p)
		}
	}
	return out
}

const apiPrefix = "/reader/api/0/"

// request is an authenticated request with its parameters: the query and,
// for a POST, the form body, merged.
type request struct {
	*http.Request
	user   *digest.User
	form   url.Values
	stream string // the stream ID that followed a prefix route, unescaped
}

func (r *request) ctx() context.Context { return r.Context() }

// ServeHTTP routes a request. Runs of slashes in the path count as one
// (clients join a base URL ending in "/" with paths starting with one).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := collapseSlashes(r.URL.EscapedPath())
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
	}
	if path == "/accounts/ClientLogin" || path == "/accounts/ClientLogin/" {
		h.clientLogin(w, r)
		return
	}
	rt, rest, ok := h.match(path)
	if !ok {
		writeError(w, h.logger, r, digest.Errorf(digest.ENOTFOUND, "no such endpoint"))
		return
	}
	switch {
	case r.Method == http.MethodPost:
	case !rt.write && (r.Method == http.MethodGet || r.Method == http.MethodHead):
	default:
		allow := "POST"
		if !rt.write {
			allow = "GET, HEAD, POST"
		}
		w.Header().Set("Allow", allow)
		writeError(w, h.logger, r, errMethod)
		return
	}
	form, err := readForm(r)
	if err != nil {
		writeError(w, h.logger, r, err)
		return
	}
	u, err := h.authenticate(r, form)
	if err != nil {
		writeError(w, h.logger, r, err)
		return
	}
	req := &request{Request: r.WithContext(digest.WithUser(r.Context(), u)), user: u, form: form}
	if rt.prefix && rest != "" {
		s, err := url.PathUnescape(rest)
		if err != nil {
			writeError(w, h.logger, r, digest.Errorf(digest.EINVALID, "invalid stream id in path"))
			return
		}
		req.stream = s
	}
	rt.serve(w, req)
}

// Wrap returns a handler that serves the Google Reader paths with h and
// everything else with next. Mount it outside any http.ServeMux: a mux
// answers a path with "//" (which clients send when the server URL typed
// ends with "/") with a redirect, and clients turn a redirected POST into
// a GET. It also keeps the protocol out of the web's cross-origin
// protection, which would refuse the POSTs of a client running in a
// browser engine (Fluent Reader): these requests carry their credentials
// in a header, never in a cookie, so they cannot be forged cross-site.
func (h *Handler) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if Owns(r.URL.EscapedPath()) {
			h.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// Owns reports whether a request path (escaped) is one this package
// serves: /accounts/ClientLogin, /reader/api/0/..., /reader/atom..., with
// runs of slashes counted as one.
func Owns(path string) bool {
	p := collapseSlashes(path)
	return p == "/accounts/ClientLogin" || p == "/accounts/ClientLogin/" ||
		strings.HasPrefix(p, "/reader/api/") || p == "/reader/atom" || strings.HasPrefix(p, "/reader/atom/")
}

// match finds the route of a cleaned path and returns what follows a
// prefix route's path (escaped).
func (h *Handler) match(path string) (route, string, bool) {
	for _, rt := range h.routes {
		if rt.serve == nil {
			continue
		}
		full := rt.path
		if !strings.HasPrefix(full, "/") {
			full = apiPrefix + full
		}
		if path == full || path == full+"/" {
			return rt, "", true
		}
		if rt.prefix {
			if rest, ok := strings.CutPrefix(path, full+"/"); ok {
				return rt, rest, true
			}
		}
	}
	return route{}, "", false
}

// collapseSlashes turns every run of "/" into one.
func collapseSlashes(p string) string {
	if !strings.Contains(p, "//") {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// readForm parses the query string and, for a POST, a form body (sent
// with the form content type or none), strictly: a malformed one is
// EINVALID rather than parameters silently lost. Body values come first.
func readForm(r *http.Request) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, digest.Errorf(digest.EINVALID, "invalid query string")
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return q, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "" && ct != "application/x-www-form-urlencoded" && ct != "text/plain" {
		return q, nil // an OPML upload, read by its handler
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err)
	}
	body, err := url.ParseQuery(string(b))
	if err != nil {
		return nil, digest.Errorf(digest.EINVALID, "invalid form body")
	}
	for k, vs := range q {
		body[k] = append(body[k], vs...)
	}
	return body, nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return digest.WrapError(digest.EINVALID, "could not read the request body", err)
}

// remoteHost is the host of the connection's remote address.
func remoteHost(r *http.Request) string {
	addr := r.RemoteAddr
	if i := strings.LastIndexByte(addr, ':'); i >= 0 && !strings.HasSuffix(addr, "]") {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}
