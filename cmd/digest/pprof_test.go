package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProfilesAreServedOnTheMetricsMuxAndNeedItsAddress(t *testing.T) {
	mux := http.NewServeMux()
	handleProfiles(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for path, want := range map[string]string{
		"/debug/pprof/":                  "goroutine",
		"/debug/pprof/goroutine?debug=1": "goroutine profile",
		"/debug/pprof/mutex?debug=1":     "mutex",
		"/debug/pprof/heap?debug=1":      "heap profile",
		"/debug/pprof/symbol":            "num_symbols",
		"/debug/pprof/cmdline":           "",
	} {
		res, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d %q", path, res.StatusCode, b)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("GET %s: no %q in %.200q", path, want, b)
		}
	}

	env, _, _ := testEnv(nil)
	err := run(context.Background(), env, []string{"serve", "--data", t.TempDir(), "--pprof"})
	if err == nil || !strings.Contains(err.Error(), "metrics-addr") {
		t.Errorf("serve --pprof without --metrics-addr: %v, want a config error naming metrics-addr", err)
	}
	env, _, _ = testEnv(map[string]string{"DIGEST_PPROF": "sometimes"})
	if err := run(context.Background(), env, []string{"serve", "--data", t.TempDir()}); err == nil || !strings.Contains(err.Error(), "DIGEST_PPROF") {
		t.Errorf("bad DIGEST_PPROF: %v", err)
	}
}
