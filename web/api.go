package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// apiRoutes is the JSON API under /api/v1. Every answer, errors included,
// is JSON.
func (s *Server) apiRoutes() http.Handler {
	mux := http.NewServeMux()
	s.handle(mux, "GET /api/v1/feeds", Signed, s.apiFeeds)
	s.handle(mux, "POST /api/v1/feeds", Signed, s.apiFeedCreate)
	s.handle(mux, "GET /api/v1/feeds/{id}", Signed, s.apiFeed)
	s.handle(mux, "DELETE /api/v1/feeds/{id}", Signed, s.apiFeedDelete)
	s.handle(mux, "PATCH /api/v1/feeds/{id}", Signed, s.apiFeedUpdate)
	s.handle(mux, "POST /api/v1/feeds/{id}/refresh", Signed, s.apiFeedRefresh)
	s.handle(mux, "POST /api/v1/feeds/refresh", Signed, s.apiFeedRefreshAll)

	s.handle(mux, "POST /api/v1/imports", Signed, s.apiImportCreate)
	s.handle(mux, "GET /api/v1/imports/{id}", Signed, s.apiImport)
	s.handle(mux, "GET /api/v1/imports/{id}/outlines", Signed, s.apiImportOutlines)

	s.handle(mux, "GET /api/v1/articles", Signed, s.apiArticles)
	s.handle(mux, "GET /api/v1/articles/{id}", Signed, s.apiArticle)
	s.handle(mux, "POST /api/v1/articles/{id}/read", Signed, s.apiArticleMark(markRead))
	s.handle(mux, "POST /api/v1/articles/{id}/unread", Signed, s.apiArticleMark(markUnread))
	s.handle(mux, "POST /api/v1/articles/{id}/star", Signed, s.apiArticleMark(markStar))
	s.handle(mux, "POST /api/v1/articles/{id}/unstar", Signed, s.apiArticleMark(markUnstar))
	s.handle(mux, "POST /api/v1/articles/read", Signed, s.apiArticlesMark(markRead))
	s.handle(mux, "POST /api/v1/articles/unread", Signed, s.apiArticlesMark(markUnread))

	s.handle(mux, "GET /api/v1/stories", Signed, s.apiStories)
	s.handle(mux, "GET /api/v1/stories/new", Signed, s.apiStoriesNew)
	s.handle(mux, "GET /api/v1/stories/{id}", Signed, s.apiStory)
	s.handle(mux, "POST /api/v1/stories/{id}/dismiss", Signed, s.apiStoryDismiss)
	s.handle(mux, "DELETE /api/v1/stories/{id}/dismiss", Signed, s.apiStoryUndismiss)
	s.handle(mux, "GET /api/v1/entities/{kind}/{name}", Signed, s.apiEntity)

	s.handle(mux, "GET /api/v1/rules", Signed, s.apiRules)
	s.handle(mux, "POST /api/v1/rules", Signed, s.apiRuleCreate)
	s.handle(mux, "POST /api/v1/rules/preview", Signed, s.apiRulePreview)
	s.handle(mux, "GET /api/v1/rules/job", Signed, s.apiRuleJob)
	s.handle(mux, "POST /api/v1/rules/job", Signed, s.apiRuleJobStart)
	s.handle(mux, "GET /api/v1/rules/{id}", Signed, s.apiRule)
	s.handle(mux, "PATCH /api/v1/rules/{id}", Signed, s.apiRuleUpdate)
	s.handle(mux, "DELETE /api/v1/rules/{id}", Signed, s.apiRuleDelete)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
			// Even routes without parameters refuse it: a client that
			// sent one meant something the server cannot read.
			s.apiError(w, r, digest.Errorf(digest.EINVALID, "invalid query string: a bad %% escape or a semicolon"))
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r) // sets the path values
			return
		}
		// No route: let the mux decide between 404 and 405 (and set
		// Allow), then answer in JSON instead of its plain text.
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		switch rec.status {
		case http.StatusMethodNotAllowed:
			s.apiError(w, r, digest.Errorf(EMETHOD, "method %s not allowed on %s", r.Method, r.URL.Path))
		case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
			w.Header().Set("Location", rec.header.Get("Location"))
			w.WriteHeader(rec.status)
		default:
			s.apiError(w, r, digest.Errorf(digest.ENOTFOUND, "no API endpoint %s %s", r.Method, r.URL.Path))
		}
	})
}

// statusRecorder keeps the status and headers a fallback handler wants to
// send, and drops its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// apiErrorBody is the shape of every API error.
type apiErrorBody struct {
	Error apiErrorDetail `json:"error"`
}

type apiErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// apiError answers with {"error": {"code", "message"}} and the status
// httpStatus gives the error.
func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	s.logError(r, err)
	s.writeJSON(w, httpStatus(err), apiErrorBody{Error: apiErrorDetail{Code: errorCode(err), Message: errorMessage(err)}})
}

// writeJSON encodes v before writing anything, so an encoding failure is a
// clean 500.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		s.logger.Error("encode JSON", "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// decodeJSON reads exactly one JSON value of at most MaxBodyBytes into v,
// rejecting unknown fields, trailing data and non-JSON content types, with
// an error that says what is wrong.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return digest.Errorf(digest.EINVALID, "Content-Type must be application/json")
		}
	}
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return digest.Errorf(digest.EINVALID, "invalid JSON body: more than one value")
	}
	return nil
}

// jsonError turns a decoding error into a message a client can act on.
func jsonError(err error) error {
	var (
		mbe    *http.MaxBytesError
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.Is(err, io.EOF):
		return digest.Errorf(digest.EINVALID, "invalid JSON body: empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return digest.Errorf(digest.EINVALID, "invalid JSON body: truncated")
	case errors.As(err, &syntax):
		return digest.Errorf(digest.EINVALID, "invalid JSON body at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "body"
		}
		return digest.Errorf(digest.EINVALID, "invalid JSON body: %s must be %s, not %s", field, typ.Type, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return digest.Errorf(digest.EINVALID, "invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return digest.WrapError(digest.EINVALID, fmt.Sprintf("invalid JSON body: %v", err), err)
}
