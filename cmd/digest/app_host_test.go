package main

import (
	"net/http"
	"testing"
)

// TestServeRefusesRebindingHosts checks the wiring of the Host check: a
// server on loopback without --base-url answers its loopback address and
// refuses another host name.
func TestServeRefusesRebindingHosts(t *testing.T) {
	base, _ := startApp(t, t.TempDir())
	for _, tt := range []struct {
		host string
		want int
	}{
		{"", http.StatusOK}, // the listener's own 127.0.0.1:port
		{"localhost", http.StatusOK},
		{"evil.example", http.StatusMisdirectedRequest},
	} {
		r := authed(t, "GET", base+"/api/v1/articles", nil)
		if tt.host != "" {
			r.Host = tt.host
		}
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("GET /api/v1/articles for host %q = %d, want %d", tt.host, res.StatusCode, tt.want)
		}
	}
}
