package web

import (
	"net/http"
	"strings"
)

// countReaders counts each request in Config.Readers while it is served,
// so that background work (post-processing, the story engine) gives way
// to it (see ingest.Options.Readers). Probes and static files, which cost
// next to nothing and which monitors send whatever the load, do not
// count.
func (s *Server) countReaders(h http.Handler) http.Handler {
	readers := s.cfg.Readers
	if readers == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/healthz", p == "/readyz", p == "/healthcheck", strings.HasPrefix(p, "/static/"):
			h.ServeHTTP(w, r)
			return
		}
		leave := readers.Enter()
		defer leave()
		h.ServeHTTP(w, r)
	})
}
