package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// TestRequestsAreCountedAsReadersWhileServed: background work sees a
// reader's request while it is served (ingest.Options.Readers), and not
// probes nor static files.
func TestRequestsAreCountedAsReadersWhileServed(t *testing.T) {
	st := openStore(t)
	var readers digest.Readers
	busy := map[string]bool{}
	// A mount sees the request inside every middleware, whatever its path.
	probe := Mount{
		Owns: func(string) bool { return true },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			busy[r.URL.Path] = readers.Busy()
		}),
	}
	s := New(Config{Readers: &readers, Mounts: []Mount{probe}}, st, &storeFeeds{store: st}, nil, nil)
	for path, want := range map[string]bool{"/": true, "/api/v1/articles": true, "/reader/api/0/stream/contents": true,
		"/healthz": false, "/readyz": false, "/static/app.css": false} {
		req := httptest.NewRequest("GET", "http://localhost"+path, nil)
		s.Handler().ServeHTTP(httptest.NewRecorder(), req)
		if got, ok := busy[path]; !ok || got != want {
			t.Errorf("%s: counted as a reader while served: %v (served: %v), want %v", path, got, ok, want)
		}
		if readers.Busy() {
			t.Fatalf("%s: still counted once answered", path)
		}
	}
}
