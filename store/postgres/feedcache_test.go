package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// TestFeedsCacheSeesEveryWriter checks that the cached feed list
// (Dialect.DataVersion) follows writes made by this store, by a second
// store on the same database (another process) and by plain SQL, and that
// callers cannot change it by editing what Feeds returned.
func TestFeedsCacheSeesEveryWriter(t *testing.T) {
	ctx := context.Background()
	db, dsn, u := freshStore(t, "reader")
	other, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	titles := func(what string, want ...string) {
		t.Helper()
		fs, err := db.Feeds(ctx, u.ID)
		if err != nil {
			t.Fatalf("%s: Feeds: %v", what, err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Title)
		}
		if !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Fatalf("%s: feeds %q, want %q", what, got, want)
		}
	}
	titles("empty")
	a := &digest.Feed{URL: "https://a.example/feed", Title: "A"}
	if err := db.CreateFeed(ctx, u.ID, a); err != nil {
		t.Fatal(err)
	}
	titles("after CreateFeed", "A")
	fs, err := db.Feeds(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	fs[0].Title = "edited by the caller"
	titles("after the caller edits its copy", "A")
	if err := other.CreateFeed(ctx, u.ID, &digest.Feed{URL: "https://b.example/feed", Title: "B"}); err != nil {
		t.Fatal(err)
	}
	titles("after another store's write", "A", "B")
	if _, err := raw.Exec(`UPDATE subscriptions SET title = 'C' WHERE feed_id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	titles("after plain SQL", "B", "C")
	// A transaction open across the read commits afterwards.
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE subscriptions SET title = 'D' WHERE feed_id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	titles("while a write is open", "B", "C")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	titles("after it commits", "B", "D")
	if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: a.ID, Entries: []digest.Entry{{GUID: "g", Title: "t"}}}}); err != nil {
		t.Fatal(err)
	}
	fs, err = db.Feeds(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fs[1].ID != a.ID || fs[1].Unread != 1 {
		t.Errorf("after SaveFetches: %+v, want feed %d with 1 unread", fs[1], a.ID)
	}
}

// TestFeedsCanceled checks that a canceled Feeds fails and that the cache
// works again afterwards.
func TestFeedsCanceled(t *testing.T) {
	db := openFresh(t)
	defer db.Close()
	ctx := context.Background()
	u := &digest.User{Name: "reader"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateFeed(ctx, u.ID, &digest.Feed{URL: "https://a.example/feed"}); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.Feeds(canceled, u.ID); err == nil {
		t.Error("Feeds with a canceled context succeeded")
	}
	for range 2 {
		fs, err := db.Feeds(ctx, u.ID)
		if err != nil || len(fs) != 1 {
			t.Fatalf("Feeds after cancel: %v, %v", fs, err)
		}
	}
}

// TestFeedsPackedMatchesRows checks that Feeds read as one packed value
// (string_agg) equals Feeds read row by row, for texts built to break the
// packing: separators, multi-byte characters, empty and long strings.
func TestFeedsPackedMatchesRows(t *testing.T) {
	ctx := context.Background()
	db, dsn, u := freshStore(t, "reader")
	titles := []string{"", "a,b:c", "12:34,", "Ünïcödé ✓ 日本", strings.Repeat("long title ", 5000), "0:", ":", ","}
	for i, title := range titles {
		f := &digest.Feed{URL: fmt.Sprintf("https://f%d.example/feed?a=1,b=2:3", i), Title: title, Category: titles[(i+3)%len(titles)], Fetch: digest.FetchAlways}
		if err := db.CreateFeed(ctx, u.ID, f); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, State: digest.FetchState{
			ETag: `"` + title + `"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT", LastError: title + ":" + title,
			ErrorCount: i, Interval: time.Duration(i) * time.Hour, LastCheck: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
		}, Entries: []digest.Entry{{GUID: fmt.Sprint("g", i), Title: "t"}}}}); err != nil {
			t.Fatal(err)
		}
	}
	packed, err := db.Feeds(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	d := postgres.Dialect()
	d.GroupConcat, d.DataVersion = "", ""
	rows := sqlstore.New(raw, raw, d, nil)
	defer rows.Close()
	plain, err := rows.Feeds(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != len(titles) || !reflect.DeepEqual(packed, plain) {
		t.Errorf("packed feeds differ from feeds read by rows:\npacked %.2000v\nrows   %.2000v", packed, plain)
	}
}
