package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/pgtest"
)

// startRole opens an app with cfg (its Role) and runs it as serve does:
// the web roles on a loopback port (base is their URL), the worker with
// no listener.
func startRole(t *testing.T, cfg Config) (base string, a *app) {
	t.Helper()
	env, _, _ := testEnv(nil)
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := openApp(ctx, cfg, env, appOptions{allowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if cfg.Role == "worker" {
		a.startServing(ctx)
		t.Cleanup(func() {
			cancel()
			if err := a.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return "", a
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, ln, func(u string) { ready <- u }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return strings.TrimSuffix(<-ready, "/"), a
}

// TestWebAndWorkerShareOnePostgres: a web process and a worker process on
// one PostgreSQL database. The worker alone fetches, extracts and builds
// stories; the web process fetches nothing and serves what the worker
// stored; each reports its own metrics.
func TestWebAndWorkerShareOnePostgres(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	ctx := context.Background()
	var hits atomic.Int64
	farm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		n := strings.TrimPrefix(r.URL.Path, "/f/")
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet %s</title><link>http://example.org/</link>`, n)
		for i := range 3 {
			fmt.Fprintf(w, `<item><title>Harbour bridge %s opens, story %d</title><link>http://example.org/%s/%d</link><guid>%s-%d</guid>`+
				`<pubDate>%s</pubDate><description>The harbour bridge number %s opened on the day of item %d with a ceremony in the old port.</description></item>`,
				n, i, n, i, n, i, time.Now().Add(-time.Duration(i)*time.Hour).Format(time.RFC1123Z), n, i)
		}
		io.WriteString(w, `</channel></rss>`)
	}))
	t.Cleanup(farm.Close)

	cfg := defaultConfig()
	cfg.Data = t.TempDir()
	cfg.Database = dsn
	cfg.Workers = 4
	cfg.LogLevel = "warn"
	cfg.Role = "web"
	base, web := startRole(t, cfg)
	u, err := web.auth.CreateUser(ctx, "tester", digest.RoleAdmin, "")
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := web.auth.NewCredential(ctx, u, digest.APIKey, "tests", 0)
	if err != nil {
		t.Fatal(err)
	}
	const feeds = 4
	for i := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("%s/f/%d", farm.URL, i), Fetch: digest.FetchNever}
		if err := web.store.CreateFeed(ctx, u.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Role = "worker"
	_, worker := startRole(t, cfg)

	// The web process lists what the worker stored, each article once
	// and in a story.
	deadline := time.Now().Add(2 * time.Minute)
	var stored int
	for {
		inv, err := web.store.Invariants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Near-copies are merged by the story engine: fewer articles
		// than entries is right; every entry was created once.
		if worker.pipeline.Stats().Created == feeds*3 && inv.Articles > 0 && inv.WithoutStory == 0 && inv.Pending == 0 {
			stored = inv.Articles
			break
		}
		if time.Now().After(deadline) {
			fs, _ := web.store.Feeds(ctx, u.ID)
			for _, f := range fs {
				t.Logf("feed %d %s: last check %v, next %v, error %q", f.ID, f.URL, f.LastCheck, f.NextCheck, f.LastError)
			}
			t.Fatalf("after 2 minutes (%d hits): %+v, want %d articles, all in stories, none pending", hits.Load(), inv, feeds*3)
		}
		time.Sleep(20 * time.Millisecond)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/articles?limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		Articles []struct {
			ID int64 `json:"id"`
		} `json:"articles"`
	}
	err = json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if err != nil || len(page.Articles) != stored {
		t.Errorf("web's /api/v1/articles: %d articles (%v), want %d", len(page.Articles), err, stored)
	}
	if id := res.Header.Get("X-Request-Id"); id == "" {
		t.Error("no X-Request-Id")
	}
	if n := hits.Load(); n != feeds {
		t.Errorf("the farm was asked %d times, want %d: one fetch per feed, by the worker", n, feeds)
	}
	if s := web.pipeline.Stats(); s.Fetched != 0 {
		t.Errorf("the web process fetched %d feeds", s.Fetched)
	}
	if !worker.leader.Leading() || web.leader.Leading() {
		t.Errorf("story engine: worker leads %v, web leads %v; want the worker alone", worker.leader.Leading(), web.leader.Leading())
	}

	// The web process heard of them through LISTEN/NOTIFY.
	waitUntil(t, "heard of the articles", func() bool {
		web.changes.Lock()
		defer web.changes.Unlock()
		return web.changes.n["articles"] > 0 && web.changes.n["stories"] > 0
	})
	var wm, webm bytes.Buffer
	worker.metrics.WriteTo(ctx, &wm)
	web.metrics.WriteTo(ctx, &webm)
	for _, want := range []string{
		fmt.Sprintf(`digest_fetches_total{outcome="ok"} %d`, feeds),
		"digest_feeds_due 0", "digest_post_queue_depth 0", "digest_story_engine_lag_seconds 0",
		"digest_story_engine_leader 1", "# TYPE digest_write_batches_total counter",
	} {
		if !strings.Contains(wm.String(), want+"\n") {
			t.Errorf("worker's metrics lack %q:\n%s", want, wm.String())
		}
	}
	for _, want := range []string{`digest_http_request_duration_seconds_count{route="GET /api/v1/articles"} 1`, "digest_story_engine_leader 0"} {
		if !strings.Contains(webm.String(), want+"\n") {
			t.Errorf("web's metrics lack %q:\n%s", want, webm.String())
		}
	}
}

func TestRoleNeedsPostgres(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--role", "web", "--data", t.TempDir()},
		{"serve", "--role", "worker", "--data", t.TempDir()},
		{"serve", "--role", "reader", "--database", "postgres://u@127.0.0.1:1/db"},
	} {
		env, _, errb := testEnv(nil)
		if status := cli(context.Background(), env, args); status != exitUsage || !strings.Contains(errb.String(), "role") {
			t.Errorf("%q: status %d, stderr %q; want %d naming the role", args, status, errb.String(), exitUsage)
		}
	}
}
