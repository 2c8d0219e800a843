package fever_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/fever"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// account is a user with the credentials a reader app holds.
type account struct {
	User        *digest.User
	AppPassword string
	APIKey      string
}

// env is a real server: a SQLite store in a temporary directory, the
// ingest pipeline fetching from a loopback feed server, and the Fever
// handler on loopback (URL ends in /fever/). User A follows feeds 0 ("News") and 1 (no
// category); user B follows feeds 1 and 2 ("Tech").
type env struct {
	t     testing.TB
	Store digest.Store
	Pipe  *ingest.Pipeline
	Auth  *auth.Service
	Feeds *feedServer
	URL   string // the Fever endpoint, .../fever/
	A, B  account
	// FeedsA and FeedsB are the IDs of each user's feeds, in the order
	// above.
	FeedsA, FeedsB []int64
}

func newEnv(t testing.TB, itemsPerFeed int) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "digest.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := auth.New(st, auth.Options{Params: auth.Params{Time: 1, Memory: 64, Threads: 1}})
	client := fetch.New(fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	p := ingest.New(st, client, ingest.Options{Workers: 4, NoPostProcess: true})
	pctx, cancel := context.WithCancel(ctx)
	p.Start(pctx)
	t.Cleanup(func() { cancel(); p.Close() })

	fs := newFeedServer(t, 3, itemsPerFeed)
	e := &env{t: t, Store: st, Pipe: p, Auth: a, Feeds: fs}
	e.A = e.account("alice")
	e.B = e.account("bob")
	e.FeedsA = []int64{e.subscribe(e.A, 0, "News"), e.subscribe(e.A, 1, "")}
	e.FeedsB = []int64{e.subscribe(e.B, 1, ""), e.subscribe(e.B, 2, "Tech")}
	e.refresh()

	h := fever.New(st, p, a, fever.Options{})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	e.URL = srv.URL + "/fever/"
	return e
}

func (e *env) account(name string) account {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.Auth.CreateUser(ctx, name, digest.RoleUser, "")
	if err != nil {
		e.t.Fatal(err)
	}
	pw, _, err := e.Auth.NewCredential(ctx, u, digest.AppPassword, "test", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	key, _, err := e.Auth.NewCredential(ctx, u, digest.APIKey, "test", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return account{User: u, AppPassword: pw, APIKey: key}
}

func (e *env) subscribe(acc account, feed int, category string) int64 {
	e.t.Helper()
	f, err := e.Pipe.Subscribe(context.Background(), acc.User.ID, e.Feeds.URL(feed), category)
	if err != nil {
		e.t.Fatal(err)
	}
	return f.ID
}

// refresh fetches every feed once and waits until it is stored.
func (e *env) refresh() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.Pipe.RefreshAndWait(ctx); err != nil {
		e.t.Fatal(err)
	}
}

// articles returns the IDs of the user's articles, oldest ID first.
func (e *env) articles(uid int64, q digest.ArticleQuery) []int64 {
	e.t.Helper()
	q.UserID, q.ByID, q.Oldest, q.Limit = uid, true, true, 100_000
	refs, err := e.Store.ArticleRefs(context.Background(), q)
	if err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, len(refs))
	for i, r := range refs {
		ids[i] = r.ID
	}
	return ids
}

// feedServer serves RSS feeds on loopback; items can be added between
// refreshes.
type feedServer struct {
	mu    sync.Mutex
	srv   *httptest.Server
	items [][]feedItem
}

type feedItem struct {
	GUID, Title, Link, Body string
	Published               time.Time
}

// base is the publication time of the first item of every feed.
var base = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

func newFeedServer(t testing.TB, feeds, items int) *feedServer {
	fs := &feedServer{items: make([][]feedItem, feeds)}
	for f := range feeds {
		for range items {
			fs.add(f)
		}
	}
	fs.srv = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(fs.srv.Close)
	return fs
}

// add appends an item to feed f, published an hour after its last one.
func (fs *feedServer) add(f int) feedItem {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	i := len(fs.items[f])
	it := feedItem{
		GUID:      fmt.Sprintf("feed%d-item%d", f, i),
		Title:     fmt.Sprintf("Feed %d item %d", f, i),
		Link:      fmt.Sprintf("https://news%d.example/story/%d", f, i),
		Body:      fmt.Sprintf("<p>Body of feed %d item %d, with enough words to be an article.</p>", f, i),
		Published: base.Add(time.Duration(f)*time.Minute + time.Duration(i)*time.Hour),
	}
	fs.items[f] = append(fs.items[f], it)
	return it
}

func (fs *feedServer) URL(f int) string { return fmt.Sprintf("%s/feed/%d.xml", fs.srv.URL, f) }

func (fs *feedServer) serve(w http.ResponseWriter, r *http.Request) {
	var f int
	if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d.xml", &f); err != nil || f < 0 || f >= len(fs.items) {
		http.NotFound(w, r)
		return
	}
	fs.mu.Lock()
	items := append([]feedItem(nil), fs.items[f]...)
	fs.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Feed %d</title><link>https://news%d.example/</link><description>d</description>`, f, f)
	for _, it := range items {
		fmt.Fprintf(&b, `<item><guid isPermaLink="false">%s</guid><title>%s</title><link>%s</link><author>desk@news%d.example (Desk %d)</author><pubDate>%s</pubDate><description><![CDATA[%s]]></description></item>`,
			it.GUID, it.Title, it.Link, f, f, it.Published.Format(time.RFC1123Z), it.Body)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	w.Write([]byte(b.String()))
}
