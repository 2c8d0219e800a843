// Package fever serves the Fever API (version 3) at /fever/?api, so that
// apps written for Fever (Reeder, Unread, ReadKit, Fluent Reader, Read
// You...) read a user's digest. Each call translates into the same store
// calls the JSON API makes; the package holds no SQL and imports neither
// web nor ingest.
//
// The api_key is md5("NAME:APP PASSWORD") in hex, from the POST body or
// the query string; the login password never opens Fever. A missing or
// wrong key answers {"api_version": 3, "auth": 0} with status 200, as
// Fever did: clients read auth, not the status, and Unread validates a
// server URL by expecting exactly that answer to a call without a key
// (stringer#454); repeated wrong keys end in 429.
//
// What this implementation promises clients:
//   - Groups are the user's categories; a feed in no category is in no
//     group (it is still in Kindling, group 0). There are no Sparks and
//     no Hot Links (links is always an empty list).
//   - Item IDs are article IDs: they increase in the order articles
//     reach the server, so since_id finds every article stored after the
//     last one a client has.
//   - created_on_time is the publication time. The before of
//     mark=feed|group (the time of the client's last items call) is
//     compared with the time each article reached the server, not its
//     publication: an article stored after the client's last sync stays
//     unread even when it was published long before (Miniflux and
//     FreshRSS compare publication times and mark such articles read
//     unseen: miniflux-legacy#448, FreshRSS#3195).
//   - as=saved and as=unsaved set the saved state; they never toggle it.
//   - A write answers with the updated unread_item_ids (or
//     saved_item_ids), as the specification says.
package fever

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
)

// APIVersion is the Fever API version served.
const APIVersion = 3

// Limits of a request.
const (
	// ItemsPerCall is how many items one items call returns, as in Fever.
	ItemsPerCall = 50
	// MaxWithIDs is the most IDs with_ids may name.
	MaxWithIDs = ItemsPerCall
	// DefaultMaxBodyBytes caps a request body when Options.MaxBodyBytes is 0.
	DefaultMaxBodyBytes = 64 << 10
)

// Options configure a Handler.
type Options struct {
	// Logger receives server-side failures; nothing is logged when nil.
	Logger *slog.Logger
	// Addr returns the client's address for throttling failed keys; the
	// host of RemoteAddr when nil.
	Addr func(*http.Request) string
	// MaxBodyBytes caps a request body; DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64
}

// Handler serves the Fever API. Mount it at /fever/; it answers any path
// under it (clients add index.php or nothing).
type Handler struct {
	store  digest.Store
	feeds  digest.FeedService
	auth   *auth.Service
	opts   Options
	logger *slog.Logger
	totals totals
}

// New returns a Handler over store and auth. feeds is unused (Fever cannot
// subscribe) but kept so that every protocol is built alike.
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
	return &Handler{store: store, feeds: feeds, auth: auth, opts: opts,
		logger: opts.Logger.With("component", "fever")}
}

// Endpoints lists every call as "METHOD /path?query" with example values.
// Every one needs api_key (in the form body or the query), which is not
// listed.
func Endpoints() []string {
	return []string{
		"POST /fever/?api",
		"POST /fever/?api&groups",
		"POST /fever/?api&feeds",
		"POST /fever/?api&favicons",
		"POST /fever/?api&items",
		"POST /fever/?api&items&since_id=0",
		"POST /fever/?api&items&max_id=0",
		"POST /fever/?api&items&with_ids=1,2",
		"POST /fever/?api&unread_item_ids",
		"POST /fever/?api&saved_item_ids",
		"POST /fever/?api&links",
		"POST /fever/?api&mark=item&as=read&id=1",
		"POST /fever/?api&mark=item&as=unread&id=1",
		"POST /fever/?api&mark=item&as=saved&id=1",
		"POST /fever/?api&mark=item&as=unsaved&id=1",
		"POST /fever/?api&mark=feed&as=read&id=1&before=2000000000",
		"POST /fever/?api&mark=group&as=read&id=1&before=2000000000",
		"POST /fever/?api&mark=group&as=read&id=0&before=2000000000",
		"POST /fever/?api&unread_recently_read=1",
		"GET /fever/?api&items&since_id=0",
	}
}

// Owns reports whether a request path is Fever's: /fever and what is
// under it (clients add index.php, or a second slash).
func Owns(path string) bool {
	for strings.HasPrefix(path, "//") {
		path = path[1:]
	}
	return path == "/fever" || strings.HasPrefix(path, "/fever/")
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// bad returns the error of a malformed request (400).
func bad(msg string) error { return digest.Errorf(digest.EINVALID, "%s", msg) }

// ServeHTTP answers one Fever call: authentication, then the reads and
// writes the parameters ask for, in one JSON object.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"api_version": APIVersion, "auth": 0, "error": "use POST"})
		return
	}
	params, err := h.params(w, r)
	if err != nil {
		code := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			code = http.StatusRequestEntityTooLarge
			err = bad("request body too large")
		}
		writeJSON(w, code, map[string]any{"api_version": APIVersion, "auth": 0, "error": err.Error()})
		return
	}
	if !params.Has("api") {
		// Not an API call: Fever's own page. Clients probe /fever/ only
		// through ?api.
		writeJSON(w, http.StatusNotFound, map[string]any{"api_version": APIVersion, "auth": 0, "error": "not an API call: add ?api"})
		return
	}
	if params.Has("xml") {
		writeJSON(w, http.StatusBadRequest, map[string]any{"api_version": APIVersion, "auth": 0, "error": "only JSON is served"})
		return
	}
	key := params.Get("api_key")
	if key == "" {
		// Unread checks a Fever URL by calling it without a key and
		// expecting exactly this, with status 200 (stringer#454). A
		// keyless call is no failed attempt: it is not throttled.
		writeJSON(w, http.StatusOK, map[string]any{"api_version": APIVersion, "auth": 0})
		return
	}
	u, err := h.auth.FeverUser(r.Context(), key, h.opts.Addr(r))
	switch {
	case digest.ErrorCode(err) == digest.ETHROTTLED:
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"api_version": APIVersion, "auth": 0, "error": digest.ErrorMessage(err)})
		return
	case digest.ErrorCode(err) == digest.EUNAUTHORIZED:
		writeJSON(w, http.StatusOK, map[string]any{"api_version": APIVersion, "auth": 0})
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	ctx := digest.WithUser(r.Context(), u)
	resp, err := h.call(r.WithContext(ctx), u, params)
	if err != nil {
		if digest.ErrorCode(err) == digest.EINVALID {
			writeJSON(w, http.StatusBadRequest, map[string]any{"api_version": APIVersion, "auth": 1, "error": digest.ErrorMessage(err)})
			return
		}
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// params merges the query and, for a POST, the form body (which wins).
// Reeder sends api_key in the body; some clients send everything in the
// query.
func (h *Handler) params(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	if len(r.URL.RawQuery) > maxParamBytes {
		return nil, bad("query string too long")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, bad("malformed query string")
	}
	if r.Method == http.MethodPost && r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
		ct := r.Header.Get("Content-Type")
		if ct == "" || strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := r.ParseForm(); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, err
				}
				return nil, bad("malformed form body")
			}
			for k, vs := range r.PostForm {
				q[k] = vs
			}
		} else if strings.HasPrefix(ct, "multipart/form-data") {
			if err := r.ParseMultipartForm(h.opts.MaxBodyBytes); err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, err
				}
				return nil, bad("malformed form body")
			}
			for k, vs := range r.MultipartForm.Value {
				q[k] = vs
			}
		}
	}
	n := 0
	for _, vs := range q {
		n += len(vs)
	}
	if n > maxParams {
		return nil, bad("too many parameters")
	}
	return q, nil
}

// Bounds of a request's parameters.
const (
	maxParamBytes = 16 << 10
	maxParams     = 64
)

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	digest.LogRequestFailure(h.logger, r, err)
	writeJSON(w, http.StatusInternalServerError, map[string]any{"api_version": APIVersion, "auth": 1, "error": "internal error"})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"api_version":3,"auth":0,"error":"internal error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	w.Write(b)
}

// unix is a time as Fever sends it: Unix seconds, 0 for the zero time.
func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}
