// Package testenv builds what the tests of the edges (web pages, JSON API,
// reader-app protocols) run against: a real SQLite store in a temporary
// folder, an auth.Service with cheap argon2id costs, a real ingest
// pipeline fetching from a loopback feed server, and two users, A and B,
// each with an app password and an API key and feeds of their own (and
// one feed they share). Nothing is mocked.
package testenv

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// CheapParams are argon2id costs small enough for tests.
var CheapParams = auth.Params{Time: 1, Memory: 64, Threads: 1}

// Password is the login password of A and B.
const Password = "correct horse battery"

// User is a test user with its secrets.
type User struct {
	*digest.User
	AppPassword string // for ClientLogin, basic auth, and (as FeverKey) Fever
	FeverKey    string // md5("NAME:APP PASSWORD")
	APIKey      string
	Feeds       []*digest.Feed // subscribed, in the order of FeedNames
}

// Env is a test environment. Close is registered with t.Cleanup.
type Env struct {
	Store    *sqlite.DB
	Auth     *auth.Service
	Pipeline *ingest.Pipeline
	// Feeds is the loopback server of the test feeds: /NAME.xml is an RSS
	// feed of Items items named NAME-1 … NAME-N, published an hour apart
	// (the newest first, N the newest).
	Feeds *httptest.Server
	A, B  *User
	Items int

	mu      sync.Mutex
	extra   map[string][]Item
	started bool
}

// Item is an extra item a test adds to a feed.
type Item struct {
	GUID, Title, Link, Description string
	Published                      time.Time
}

// Options choose the environment's size.
type Options struct {
	// Items per feed; 5 when 0.
	Items int
	// FeedsA and FeedsB are the feed names of A and B; "shared" is
	// subscribed by both when listed in both. Defaults: A follows alpha,
	// beta and shared (alpha and shared in category "News"); B follows
	// gamma and shared.
	FeedsA, FeedsB []string
}

// Base is the publication time of item 1 of every feed.
var Base = time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)

// New builds and fills an environment: both users' feeds are fetched once
// before it returns.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	if opts.Items <= 0 {
		opts.Items = 5
	}
	if opts.FeedsA == nil {
		opts.FeedsA = []string{"alpha", "beta", "shared"}
	}
	if opts.FeedsB == nil {
		opts.FeedsB = []string{"gamma", "shared"}
	}
	ctx := context.Background()
	e := &Env{Items: opts.Items, extra: map[string][]Item{}}
	e.Feeds = httptest.NewServer(http.HandlerFunc(e.serveFeed))
	t.Cleanup(e.Feeds.Close)

	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "digest.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e.Store = st
	e.Auth = auth.New(st, auth.Options{Params: CheapParams})
	e.Pipeline = ingest.New(st, fetch.New(fetch.Options{AllowPrivate: true, Timeout: 10 * time.Second}),
		ingest.Options{Workers: 4, NoPostProcess: true})
	e.A = e.NewUser(t, "alice", digest.RoleAdmin)
	e.B = e.NewUser(t, "bob", digest.RoleUser)
	e.Subscribe(t, e.A, opts.FeedsA...)
	e.Subscribe(t, e.B, opts.FeedsB...)
	e.Refresh(t)
	return e
}

// NewUser creates a user with the login password Password, an app
// password and an API key.
func (e *Env) NewUser(t testing.TB, name string, role digest.Role) *User {
	t.Helper()
	ctx := context.Background()
	u, err := e.Auth.CreateUser(ctx, name, role, Password)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := e.Auth.NewCredential(ctx, u, digest.AppPassword, "tests", 0)
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := e.Auth.NewCredential(ctx, u, digest.APIKey, "tests", 0)
	if err != nil {
		t.Fatal(err)
	}
	return &User{User: u, AppPassword: app, FeverKey: auth.FeverKey(name, app), APIKey: key}
}

// FeedURL returns the URL of the test feed name.
func (e *Env) FeedURL(name string) string { return e.Feeds.URL + "/" + name + ".xml" }

// Subscribe subscribes u to the named test feeds ("alpha" and "shared" in
// category "News", others in none) without fetching them.
func (e *Env) Subscribe(t testing.TB, u *User, names ...string) {
	t.Helper()
	for _, n := range names {
		f := &digest.Feed{URL: e.FeedURL(n), Title: strings.ToUpper(n[:1]) + n[1:], Fetch: digest.FetchNever}
		if n == "alpha" || n == "shared" {
			f.Category = "News"
		}
		f.NextCheck = time.Now().Add(24 * time.Hour) // fetched by Refresh only
		if err := e.Store.CreateFeed(context.Background(), u.ID, f); err != nil {
			t.Fatal(err)
		}
		u.Feeds = append(u.Feeds, f)
	}
}

// Refresh fetches every feed once and waits for the results to be saved.
func (e *Env) Refresh(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e.mu.Lock()
	if !e.started {
		e.started = true
		e.Pipeline.Start(context.Background())
		t.Cleanup(func() { e.Pipeline.Close() })
	}
	e.mu.Unlock()
	if err := e.Pipeline.RefreshAndWait(ctx); err != nil {
		t.Fatal(err)
	}
}

// AddItem adds an item to a test feed; the next Refresh stores it.
func (e *Env) AddItem(feed string, it Item) {
	e.mu.Lock()
	e.extra[feed] = append(e.extra[feed], it)
	e.mu.Unlock()
}

// ItemGUID is the GUID of item i of a test feed.
func (e *Env) ItemGUID(feed string, i int) string {
	return fmt.Sprintf("%s/%s/%d", e.Feeds.URL, feed, i)
}

// Articles lists every article u sees, newest first.
func (e *Env) Articles(t testing.TB, u *User) []digest.Article {
	t.Helper()
	var out []digest.Article
	q := digest.ArticleQuery{UserID: u.ID, Limit: 500}
	for {
		p, err := e.Store.Articles(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Articles...)
		if p.Next == "" {
			return out
		}
		q.Cursor = p.Next
	}
}

// Snapshot is every user's view of every article: read and starred flags
// by user and article ID, subscriptions and categories. A test takes one
// before a request that must change nothing and compares it after.
func (e *Env) Snapshot(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, u := range []*User{e.A, e.B} {
		for _, a := range e.Articles(t, u) {
			fmt.Fprintf(&b, "%s article %d read=%v starred=%v\n", u.Name, a.ID, a.Read, a.Starred)
		}
		fs, err := e.Store.Feeds(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			fmt.Fprintf(&b, "%s feed %d %q %q %s\n", u.Name, f.ID, f.Title, f.Category, f.Fetch)
		}
		cs, err := e.Store.Categories(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			fmt.Fprintf(&b, "%s category %d %q\n", u.Name, c.ID, c.Title)
		}
		for _, kind := range []digest.CredentialKind{digest.APIKey, digest.AppPassword} {
			cs, err := e.Store.Credentials(ctx, u.ID, kind)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cs {
				fmt.Fprintf(&b, "%s %s %d %q\n", u.Name, kind, c.ID, c.Name)
			}
		}
		ss, err := e.Store.Sessions(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s sessions %d\n", u.Name, len(ss))
	}
	us, err := e.Store.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		fmt.Fprintf(&b, "user %d %s %s %d\n", u.ID, u.Name, u.Role, len(u.PasswordHash))
	}
	return b.String()
}

func (e *Env) serveFeed(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".xml")
	if !ok || name == "" || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/rss+xml")
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>%s</title><link>%s/%s/</link><description>Test feed %s</description>
`, strings.ToUpper(name[:1])+name[1:], e.Feeds.URL, name, name)
	e.mu.Lock()
	extra := append([]Item(nil), e.extra[name]...)
	e.mu.Unlock()
	for _, it := range extra {
		writeItem(w, it)
	}
	for i := e.Items; i >= 1; i-- {
		writeItem(w, Item{
			GUID:        e.ItemGUID(name, i),
			Title:       fmt.Sprintf("%s story %d", name, i),
			Link:        fmt.Sprintf("%s/%s/%d.html", e.Feeds.URL, name, i),
			Description: fmt.Sprintf("The %s desk reports story number %d, with enough words to read as a summary.", name, i),
			Published:   Base.Add(time.Duration(i) * time.Hour),
		})
	}
	io.WriteString(w, "</channel></rss>\n")
}

func writeItem(w io.Writer, it Item) {
	fmt.Fprintf(w, "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title><link>%s</link><description>%s</description><pubDate>%s</pubDate></item>\n",
		xmlEscape(it.GUID), xmlEscape(it.Title), xmlEscape(it.Link), xmlEscape(it.Description), it.Published.UTC().Format(time.RFC1123Z))
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
