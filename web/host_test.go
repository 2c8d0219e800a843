package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// withConfig rebuilds the fixture's server with cfg (plus the fixture's
// clock and page size) and a mount that reads its request and answers
// under /fever/; it returns what the server logged.
func (fx *fixture) withConfig(t *testing.T, cfg Config) *bytes.Buffer {
	t.Helper()
	var logs bytes.Buffer
	cfg.Now, cfg.PageSize = fx.server.cfg.Now, fx.server.cfg.PageSize
	cfg.Mounts = append(cfg.Mounts, Mount{
		Owns:      func(p string) bool { return strings.HasPrefix(p, "/fever/") },
		Endpoints: []string{"POST /fever/"},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // as a protocol reading its form would
			io.WriteString(w, `{"api_version":3,"auth":1}`)
		}),
	})
	fx.server = New(cfg, fx.store, fx.feeds, fx.auth, slog.New(slog.NewTextHandler(&logs, nil)))
	fx.h = fx.server.Handler()
	return &logs
}

// doHost sends a request for host, signed in, with extra header pairs.
func (fx *fixture) doHost(host, method, target, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host = host
	req.Header.Set("Cookie", fx.cookie)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	fx.h.ServeHTTP(w, req)
	return w
}

// TestRebindingHostIsRefusedOnLoopback is the attack of issue 14: a page
// on evil.example, its name rebound to 127.0.0.1, sends same-origin
// requests (Host and Origin agree) to a server on loopback.
func TestRebindingHostIsRefusedOnLoopback(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	logs := fx.withConfig(t, Config{ListenAddr: "127.0.0.1:8080"})
	id := strconv.FormatInt(fx.feedIDs["wire"], 10)
	evil := "evil.example:8080"
	same := []string{"Origin", "http://evil.example:8080", "Sec-Fetch-Site", "same-origin", "Content-Type", "application/json"}

	assertAPIError(t, fx.doHost(evil, "PATCH", "/api/v1/feeds/"+id, `{"title":"pwned"}`, same...), 421, EMISDIRECTED)
	assertAPIError(t, fx.doHost(evil, "DELETE", "/api/v1/feeds/"+id, "", same...), 421, EMISDIRECTED)
	assertAPIError(t, fx.doHost(evil, "GET", "/api/v1/articles", ""), 421, EMISDIRECTED)
	if f, err := fx.store.Feed(t.Context(), fx.uid, fx.feedIDs["wire"]); err != nil || f.Title != "The Daily Wire Service" {
		t.Fatalf("feed after the refused requests: %+v, %v", f, err)
	}

	w := fx.doHost(evil, "GET", "/", "")
	if w.Code != 421 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") || !strings.Contains(w.Body.String(), "Wrong address") {
		t.Errorf("GET / for evil.example = %d %q: %.200s", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if strings.Contains(w.Body.String(), "Council passes") {
		t.Error("the refused page shows an article")
	}
	w = fx.doHost(evil, "POST", "/fever/?api", "api_key=x")
	if w.Code != 421 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") || strings.Contains(w.Body.String(), "api_version") {
		t.Errorf("POST /fever/ for evil.example = %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body)
	}
	if w := fx.doHost(evil, "GET", "/healthz", ""); w.Code != 200 {
		t.Errorf("GET /healthz for evil.example = %d, want 200", w.Code)
	}
	if w.Header().Get("Content-Security-Policy") == "" {
		t.Error("a refused request lost the security headers")
	}

	for _, host := range []string{"localhost", "localhost:8080", "LOCALHOST.:8080", "127.0.0.1", "127.0.0.1:8080", "[::1]:8080", "[::1]"} {
		if w := fx.doHost(host, "GET", "/api/v1/articles", ""); w.Code != 200 {
			t.Errorf("GET /api/v1/articles for %s = %d, want 200", host, w.Code)
		}
		if w := fx.doHost(host, "POST", "/fever/?api", ""); w.Code != 200 {
			t.Errorf("POST /fever/ for %s = %d, want 200", host, w.Code)
		}
	}
	for _, host := range []string{"", "localhost.evil.example", "127.0.0.1.evil.example", "[::1]evil", "192.168.1.20:8080"} {
		if w := fx.doHost(host, "GET", "/api/v1/articles", ""); w.Code != 421 {
			t.Errorf("GET /api/v1/articles for %q = %d, want 421", host, w.Code)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("logged on loopback: %s", logs)
	}
}

func TestBaseURLHostIsTheOneAnswered(t *testing.T) {
	fx := newFixture(t)
	logs := fx.withConfig(t, Config{BaseURL: "http://News.Example.org:8080/digest/", ListenAddr: "[::]:8080"})
	for _, tt := range []struct {
		host string
		want int
	}{
		{"news.example.org", 200},
		{"news.example.org:443", 200},
		{"NEWS.example.org.", 200},
		{"127.0.0.1:8080", 200}, // a health check or curl on the machine
		{"evil.example", 421},
		{"news.example.org.evil.example", 421},
		{"192.0.2.10:8080", 421},
	} {
		if w := fx.doHost(tt.host, "GET", "/api/v1/articles", ""); w.Code != tt.want {
			t.Errorf("GET /api/v1/articles for %s = %d, want %d", tt.host, w.Code, tt.want)
		}
	}
	if logs.Len() != 0 {
		t.Errorf("warned with a base URL: %s", logs)
	}
}

func TestBeyondLoopbackWithoutBaseURLWarnsAndAnswersAnyHost(t *testing.T) {
	fx := newFixture(t)
	logs := fx.withConfig(t, Config{ListenAddr: "0.0.0.0:8080"})
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "base-url") {
		t.Errorf("no warning naming --base-url: %q", logs)
	}
	if w := fx.doHost("mybox.lan:8080", "GET", "/api/v1/articles", ""); w.Code != 200 {
		t.Errorf("GET for mybox.lan = %d, want 200", w.Code)
	}
}
