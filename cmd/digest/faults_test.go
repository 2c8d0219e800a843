package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/pgtest"
)

// cutProxy forwards TCP connections to target until cut: then it closes
// every connection and refuses new ones, as a database that went away,
// until restored.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func newCutProxy(t *testing.T, target string) *cutProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			if p.down {
				p.mu.Unlock()
				c.Close()
				continue
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				p.mu.Unlock()
				c.Close()
				continue
			}
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *cutProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// TestDatabaseGoesAwayAndComesBack: with the connection to PostgreSQL cut
// (every connection closed, new ones refused), serve keeps answering what
// needs no database and /readyz says not ready, naming the database;
// once it is back, /readyz is ready again, and a feed scheduled meanwhile
// is fetched and stored, and its articles put in stories.
func TestDatabaseGoesAwayAndComesBack(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCutProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	ctx := context.Background()
	round := make(chan int, 1)
	round <- 1
	var mu sync.Mutex
	farm := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := <-round
		round <- n
		mu.Unlock()
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title><link>http://example.org/</link>`)
		for i := range n {
			fmt.Fprintf(w, `<item><title>Round %d: the ferry %d sails</title><link>http://example.org/%d</link><guid>g%d</guid><description>Ferry number %d sails at dawn in round %d.</description></item>`, i, i, i, i, i, i)
		}
		io.WriteString(w, `</channel></rss>`)
	})
	fsrv := &http.Server{Handler: farm}
	fln, _ := net.Listen("tcp", "127.0.0.1:0")
	go fsrv.Serve(fln)
	t.Cleanup(func() { fsrv.Close() })

	cfg := defaultConfig()
	cfg.Data = t.TempDir()
	cfg.Database = u.String()
	cfg.Workers = 2
	cfg.LogLevel = "error"
	base, a := startRole(t, cfg)
	user, err := a.auth.CreateUser(ctx, "tester", digest.RoleAdmin, "")
	if err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: "http://" + fln.Addr().String() + "/feed", Fetch: digest.FetchNever}
	if err := a.store.CreateFeed(ctx, user.ID, f); err != nil {
		t.Fatal(err)
	}
	a.pipeline.Nudge()
	settled := func(want int) func() bool {
		return func() bool {
			inv, err := a.store.Invariants(ctx)
			return err == nil && a.pipeline.Stats().Created == int64(want) && inv.WithoutStory == 0 && inv.Pending == 0
		}
	}
	waitUntil(t, "the first round stored", settled(1))
	get := func(path string) (int, string) {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	waitUntil(t, "ready", func() bool { c, _ := get("/readyz"); return c == http.StatusOK })

	proxy.cut()
	waitUntil(t, "not ready", func() bool {
		c, body := get("/readyz")
		return c == http.StatusServiceUnavailable && strings.Contains(body, `"database"`)
	})
	if c, _ := get("/healthz"); c != http.StatusOK {
		t.Errorf("/healthz while the database is away = %d, want 200", c)
	}
	if c, _ := get("/manifest.webmanifest"); c != http.StatusOK {
		t.Errorf("the web manifest while the database is away = %d, want 200", c)
	}
	mu.Lock()
	<-round
	round <- 2
	mu.Unlock()

	proxy.restore()
	waitUntil(t, "ready again", func() bool { c, _ := get("/readyz"); return c == http.StatusOK })
	if err := a.store.ScheduleNow(ctx, f.ID); err != nil {
		t.Fatal(err)
	}
	a.pipeline.Nudge()
	waitUntil(t, "the second round stored", settled(2))
	if !a.leader.Leading() {
		t.Error("the story engine did not come back")
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s after 2 minutes", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
