package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestServeReadyzOnceStoriesAreWarm checks the wiring of /readyz: serve
// warms the story engine in the background, and /readyz says ready once
// it is warm; /healthz answers all along.
func TestServeReadyzOnceStoriesAreWarm(t *testing.T) {
	base, a := startApp(t, t.TempDir())
	get := func(path string) (int, string) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200", code)
	}
	if code, body := get("/readyz"); code != http.StatusOK && !(code == http.StatusServiceUnavailable && strings.Contains(body, `"stories"`)) {
		t.Errorf("GET /readyz = %d %q, want 200, or 503 naming the stories", code, body)
	}
	<-a.stories.Ready()
	if code, body := get("/readyz"); code != http.StatusOK || !strings.Contains(body, `"ready":true`) {
		t.Errorf("GET /readyz once warm = %d %q, want 200 ready", code, body)
	}
}
