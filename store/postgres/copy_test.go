package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// TestNewArticlesAreCopied checks that SaveFetches writes the rows of new
// articles with COPY (Dialect.CopyRows), table by table, and that the
// copied rows are those the INSERTs wrote: states unread and unstarred
// for every subscriber, the post-processing queued with no attempt, the
// search document, a missing URL as NULL. Entries seen again copy
// nothing.
func TestNewArticlesAreCopied(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.FreshSchema(t)
	d := postgres.Dialect()
	var mu sync.Mutex
	copied := map[string]int{}
	copyRows := d.CopyRows
	if copyRows == nil {
		t.Fatal("the PostgreSQL dialect copies no rows")
	}
	d.CopyRows = func(ctx context.Context, conn any, table string, cols []string, rows [][]any) error {
		mu.Lock()
		copied[table] += len(rows)
		mu.Unlock()
		return copyRows(ctx, conn, table, cols, rows)
	}
	db := storeWithDialect(t, dsn, d)

	alice, bob := &digest.User{Name: "alice"}, &digest.User{Name: "bob"}
	for _, u := range []*digest.User{alice, bob} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	f := &digest.Feed{URL: "https://copy.example/feed"}
	if err := db.CreateFeed(ctx, alice.ID, f); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateFeed(ctx, bob.ID, &digest.Feed{URL: f.URL}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var entries []digest.Entry
	for i := range 3 {
		e := digest.Entry{GUID: fmt.Sprint("g", i), URL: fmt.Sprintf("https://copy.example/%d", i),
			Title: fmt.Sprintf("Harbour crane %d collapses", i), Summary: "Cranes fell at the harbour.", Hash: "h", Published: now}
		if i == 2 {
			e.URL = "" // kept as NULL
		}
		entries = append(entries, e)
	}
	result := digest.FetchResult{FeedID: f.ID, State: digest.FetchState{LastCheck: now, NextCheck: now.Add(time.Hour)}, Entries: entries}
	out, err := db.SaveFetches(ctx, []digest.FetchResult{result})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || len(out[0].Created) != 3 {
		t.Fatalf("SaveFetches = %+v, want 3 articles created", out)
	}
	want := map[string]int{"articles": 3, "articles_search": 3, "sources": 3, "article_states": 6, "post_queue": 3}
	if fmt.Sprint(copied) != fmt.Sprint(want) {
		t.Fatalf("rows copied by table = %v, want %v", copied, want)
	}

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var states, unread, queued, nullURLs, found int
	err = conn.QueryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM article_states),
		(SELECT COUNT(*) FROM article_states WHERE NOT read AND NOT starred AND NOT hidden),
		(SELECT COUNT(*) FROM post_queue WHERE steps = $1 AND attempts = 0 AND last_error = ''),
		(SELECT COUNT(*) FROM articles WHERE url IS NULL),
		(SELECT COUNT(*) FROM articles_search WHERE doc @@ CAST('crane:A & harbour' AS tsquery))`,
		int64(digest.AllSteps)).Scan(&states, &unread, &queued, &nullURLs, &found)
	if err != nil {
		t.Fatal(err)
	}
	if states != 6 || unread != 6 || queued != 3 || nullURLs != 1 || found != 3 {
		t.Fatalf("states %d (unread %d), queued %d, NULL URLs %d, found by search %d; want 6 (6), 3, 1, 3",
			states, unread, queued, nullURLs, found)
	}
	for _, u := range []*digest.User{alice, bob} {
		var n int
		if err := conn.QueryRow(ctx, `SELECT unread FROM subscriptions WHERE user_id = $1`, u.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Fatalf("%s's unread count = %d, want 3", u.Name, n)
		}
	}

	clear(copied)
	if out, err := db.SaveFetches(ctx, []digest.FetchResult{result}); err != nil || len(out[0].Created) != 0 {
		t.Fatalf("saving the same entries again = %+v, %v; want nothing created", out, err)
	}
	if len(copied) != 0 {
		t.Fatalf("saving the same entries again copied %v", copied)
	}
}

// storeWithDialect migrates the schema at dsn and returns a store on it
// that speaks d (a PostgreSQL dialect with a hook changed), closed with tb.
func storeWithDialect(tb testing.TB, dsn string, d *sqlstore.Dialect) *sqlstore.Store {
	tb.Helper()
	migrated, err := postgres.Open(context.Background(), dsn, nil)
	if err != nil {
		tb.Fatal(err)
	}
	migrated.Close()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	write, read := stdlib.OpenDB(*cfg), stdlib.OpenDB(*cfg)
	write.SetMaxOpenConns(1)
	db := sqlstore.New(write, read, d, nil)
	tb.Cleanup(func() { db.Close() })
	return db
}
