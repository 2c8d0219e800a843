package metrics

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"
)

// requestIDKey is the context key of a request's ID.
type requestIDKey struct{}

// RequestID returns the ID Instrument gave the request of ctx, or "".
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// Instrument wraps next so that every request gets an ID (sent back in
// X-Request-Id, and logged), its latency is observed in h by route (the
// pattern of routes that the path matches, "other" for none: never the
// raw path, whose values are unbounded), and it is logged: at debug
// level, or at warn level when it failed with a 5xx status.
func Instrument(next http.Handler, h *Histogram, routes []string, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	for _, p := range routes {
		register(mux, p)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newID()
		w.Header().Set("X-Request-Id", id)
		_, route := mux.Handler(r)
		if route == "" {
			route = "other"
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(contextWithID(r, id)))
		d := time.Since(start)
		h.Observe(route, d.Seconds())
		level := slog.LevelDebug
		if sw.status >= 500 {
			level = slog.LevelWarn
		}
		log.LogAttrs(r.Context(), level, "request", slog.String("request_id", id), slog.String("method", r.Method),
			slog.String("route", route), slog.Int("status", sw.status), slog.Duration("took", d))
	})
}

// register adds a route pattern to mux, skipping one that ServeMux
// refuses (a duplicate, or a conflict between two protocols' patterns):
// its requests then count under the pattern that wins, or "other".
func register(mux *http.ServeMux, pattern string) {
	defer func() { _ = recover() }()
	mux.HandleFunc(pattern, func(http.ResponseWriter, *http.Request) {})
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter records the status of a response; Unwrap lets
// http.ResponseController reach the connection (flushes of an event
// stream).
type statusWriter struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func contextWithID(r *http.Request, id string) context.Context {
	return context.WithValue(r.Context(), requestIDKey{}, id)
}
