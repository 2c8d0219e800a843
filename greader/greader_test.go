package greader_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/greader"
	"github.com/occasional-digest/digest/internal/testenv"
)

// TestWrap: behind Wrap, doubled slashes reach the handler even in front
// of a ServeMux (which would redirect them) and a cross-origin
// protection (which would refuse a browser engine's POST); other paths
// go to the wrapped handler.
func TestWrap(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "web") })
	web := http.NewCrossOriginProtection().Handler(mux)
	h := greader.New(e.Store, e.Pipeline, e.Auth, greader.Options{})
	ts := httptest.NewServer(h.Wrap(web))
	defer ts.Close()

	req, _ := http.NewRequest("POST", ts.URL+"//accounts/ClientLogin", strings.NewReader(form("Email", e.A.Name, "Passwd", e.A.AppPassword)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "file://")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "Auth=") {
		t.Fatalf("//accounts/ClientLogin from a browser engine: %d %s", res.StatusCode, b)
	}
	c := &client{t: t, base: ts.URL}
	if got := c.ok("GET", "/elsewhere", ""); got != "web" {
		t.Fatalf("other paths answered %q", got)
	}
	for path, want := range map[string]bool{
		"/accounts/ClientLogin": true, "//reader/api/0/token": true, "/reader/atom": true, "/reader/atom/feed%2F1": true,
		"/reader/": false, "/readers/api/0/token": false, "/accounts/": false, "/api/v1/feeds": false,
	} {
		if greader.Owns(path) != want {
			t.Errorf("Owns(%q) = %v", path, !want)
		}
	}
}
