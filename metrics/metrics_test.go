package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/metrics"
)

// sampleLine is a sample of the text format: name, optional labels with
// escaped values, and a value.
var sampleLine = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\["\\n])*",?)*\})? (-?[0-9.e+-]+|\+Inf|-Inf|NaN)$`)

// checkFormat fails on any line that is neither a comment nor a
// well-formed sample, and returns the samples.
func checkFormat(t *testing.T, text string) map[string]string {
	t.Helper()
	samples := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(l, "# HELP ") || strings.HasPrefix(l, "# TYPE ") || strings.HasPrefix(l, "# error: ") {
			continue
		}
		if !sampleLine.MatchString(l) {
			t.Errorf("malformed line %q", l)
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		samples[l[:i]] = l[i+1:]
	}
	return samples
}

func TestTextFormat(t *testing.T) {
	r := metrics.New()
	r.CounterFunc("digest_fetches_total", "Feed fetches by outcome.", "outcome", func() map[string]float64 {
		return map[string]float64{"ok": 3, "error": 1, `we"ird\label` + "\n": 2}
	})
	r.GaugeFunc("digest_feeds_due", "Feeds due now.", func(context.Context) (float64, error) { return 7, nil })
	r.GaugeFunc("digest_broken", "A reading that fails.", func(context.Context) (float64, error) { return 0, errors.New("database\naway") })
	h := r.Histogram("digest_http_request_duration_seconds", "Latency.", "route", []float64{0.01, 0.1})
	h.Observe("GET /{$}", 0.25)
	h.Observe("GET /{$}", 0.0625)
	h.Observe("GET /{$}", 3.5)
	h.Observe("GET /{$}", 0.1) // on a bound: counts in it
	var b bytes.Buffer
	if err := r.WriteTo(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	got := checkFormat(t, b.String())
	want := map[string]string{
		`digest_fetches_total{outcome="ok"}`:                                      "3",
		`digest_fetches_total{outcome="error"}`:                                   "1",
		`digest_fetches_total{outcome="we\"ird\\label\n"}`:                        "2",
		`digest_feeds_due`:                                                        "7",
		`digest_http_request_duration_seconds_bucket{route="GET /{$}",le="0.01"}`: "0",
		`digest_http_request_duration_seconds_bucket{route="GET /{$}",le="0.1"}`:  "2",
		`digest_http_request_duration_seconds_bucket{route="GET /{$}",le="+Inf"}`: "4",
		`digest_http_request_duration_seconds_count{route="GET /{$}"}`:            "4",
		`digest_http_request_duration_seconds_sum{route="GET /{$}"}`:              "3.9125",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q\n%s", k, got[k], v, b.String())
		}
	}
	if strings.Contains(b.String(), "digest_broken ") {
		t.Errorf("a failed reading was written:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "# error: digest_broken: database away\n") {
		t.Errorf("a failed reading is not said:\n%s", b.String())
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	r := metrics.New()
	r.GaugeFunc("x", "", func(context.Context) (float64, error) { return 0, nil })
	for _, name := range []string{"x", "1x", "a-b", ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %q did not panic", name)
				}
			}()
			r.GaugeFunc(name, "", func(context.Context) (float64, error) { return 0, nil })
		}()
	}
}

// TestInstrument: requests are counted by route pattern, never by raw
// path; each gets an ID in X-Request-Id and the log; a 5xx is logged at
// warn level.
func TestInstrument(t *testing.T) {
	r := metrics.New()
	h := r.Histogram("lat", "", "route", metrics.DefBuckets)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var seen string
	app := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		seen = metrics.RequestID(req)
		if req.URL.Path == "/fail" {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "ok")
	})
	routes := []string{"GET /articles/{id}", "GET /{$}", "GET /{$}", "POST /fail", "/fail"}
	srv := httptest.NewServer(metrics.Instrument(app, h, routes, log))
	defer srv.Close()
	for _, p := range []string{"/articles/1", "/articles/2", "/", "/nothing/here/%00", "/fail"} {
		resp, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("X-Request-Id")
		if len(id) != 16 || id != seen {
			t.Errorf("%s: X-Request-Id %q, handler saw %q", p, id, seen)
		}
	}
	var b bytes.Buffer
	r.WriteTo(context.Background(), &b)
	got := checkFormat(t, b.String())
	for k, v := range map[string]string{
		`lat_count{route="GET /articles/{id}"}`: "2",
		`lat_count{route="GET /{$}"}`:           "1",
		`lat_count{route="other"}`:              "1",
		`lat_count{route="/fail"}`:              "1",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q\n%s", k, got[k], v, b.String())
		}
	}
	if strings.Contains(b.String(), "/articles/1") {
		t.Errorf("a raw path became a label:\n%s", b.String())
	}
	if !strings.Contains(logs.String(), "status=500") || !strings.Contains(logs.String(), "request_id=") || strings.Contains(logs.String(), "status=200") {
		t.Errorf("log = %q, want the 500 alone, with its request id", logs.String())
	}
}
