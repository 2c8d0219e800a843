package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// TestFeedsCacheSeesEveryWriter checks that the cached feed list follows
// writes made by this store, by a second store on the same file (another
// process, as far as SQLite can tell) and by plain SQL, and that callers
// cannot change it by editing what Feeds returned.
func TestFeedsCacheSeesEveryWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digest.db")
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, db)
	defer db.Close()
	other, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, other)
	defer other.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	titles := func(what string, want ...string) {
		t.Helper()
		fs, err := db.Feeds(ctx, benchUser)
		if err != nil {
			t.Fatalf("%s: Feeds: %v", what, err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Title)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: feeds %q, want %q", what, got, want)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%s: feeds %q, want %q", what, got, want)
			}
		}
	}
	titles("empty")
	a := &digest.Feed{URL: "https://a.example/feed", Title: "A"}
	if err := db.CreateFeed(ctx, benchUser, a); err != nil {
		t.Fatal(err)
	}
	titles("after CreateFeed", "A")

	fs, err := db.Feeds(ctx, benchUser)
	if err != nil {
		t.Fatal(err)
	}
	fs[0].Title = "edited by the caller"
	titles("after the caller edits its copy", "A")

	if err := other.CreateFeed(ctx, benchUser, &digest.Feed{URL: "https://b.example/feed", Title: "B"}); err != nil {
		t.Fatal(err)
	}
	titles("after another store's write", "A", "B")

	if _, err := raw.Exec(`UPDATE subscriptions SET title = 'C' WHERE feed_id = ?`, a.ID); err != nil {
		t.Fatal(err)
	}
	titles("after plain SQL", "B", "C")

	if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: a.ID, Entries: []digest.Entry{{GUID: "g", Title: "t"}}}}); err != nil {
		t.Fatal(err)
	}
	fs, err = db.Feeds(ctx, benchUser)
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
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	if err := db.CreateFeed(ctx, benchUser, &digest.Feed{URL: "https://a.example/feed"}); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.Feeds(canceled, benchUser); err == nil {
		t.Error("Feeds with a canceled context succeeded")
	}
	for range 2 {
		fs, err := db.Feeds(ctx, benchUser)
		if err != nil || len(fs) != 1 {
			t.Fatalf("Feeds after cancel: %v, %v", fs, err)
		}
	}
}

// TestFeedsConcurrent reads the feed list from several goroutines while
// feeds are added: every list is sorted and complete up to some write, and
// the last one has every feed.
func TestFeedsConcurrent(t *testing.T) {
	db := openTemp(t)
	defer db.Close()
	ctx := context.Background()
	const n = 30
	done := make(chan struct{})
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			prev := 0
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				fs, err := db.Feeds(ctx, benchUser)
				if err != nil {
					errs <- err
					return
				}
				if len(fs) < prev {
					errs <- fmt.Errorf("feed list shrank from %d to %d", prev, len(fs))
					return
				}
				prev = len(fs)
			}
		}()
	}
	for i := range n {
		if err := db.CreateFeed(ctx, benchUser, &digest.Feed{URL: fmt.Sprintf("https://f%02d.example/feed", i), Title: fmt.Sprintf("F%02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	fs, err := db.Feeds(ctx, benchUser)
	if err != nil || len(fs) != n || fs[0].Title != "F00" || fs[n-1].Title != fmt.Sprintf("F%02d", n-1) {
		t.Fatalf("final list: %d feeds, %v", len(fs), err)
	}
}

// TestFeedsPackedMatchesRows checks that Feeds read as one packed value
// (Dialect.GroupConcat) equals Feeds read row by row, for texts built to
// break the packing: separators, NUL bytes written by plain SQL, multi-byte
// characters, empty and long strings.
func TestFeedsPackedMatchesRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digest.db")
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, db)
	defer db.Close()
	titles := []string{"", "a,b:c", "12:34,", "Ünïcödé ✓ 日本", strings.Repeat("long title ", 5000), "0:", ":", ","}
	for i, title := range titles {
		f := &digest.Feed{URL: fmt.Sprintf("https://f%d.example/feed?a=1,b=2:3", i), SiteURL: "", Title: title, Category: titles[(i+3)%len(titles)], Fetch: digest.FetchAlways}
		if err := db.CreateFeed(ctx, benchUser, f); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, State: digest.FetchState{
			ETag: `"` + title + `"`, LastModified: "Mon, 02 Jan 2006 15:04:05 GMT", LastError: title + ":" + title,
			ErrorCount: i, Interval: time.Duration(i) * time.Hour, LastCheck: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
		}, Entries: []digest.Entry{{GUID: fmt.Sprint("g", i), Title: "t"}}}}); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE feeds SET last_error = 'x' || char(0) || '5:abc,' || char(0) WHERE id % 2 = 0`); err != nil {
		t.Fatal(err)
	}
	packed, err := db.Feeds(ctx, benchUser)
	if err != nil {
		t.Fatal(err)
	}
	d := sqlite.Dialect()
	d.GroupConcat, d.DataVersion = "", ""
	rows := sqlstore.New(raw, raw, d, nil)
	plain, err := rows.Feeds(ctx, benchUser)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != len(titles) || !reflect.DeepEqual(packed, plain) {
		t.Errorf("packed feeds differ from feeds read by rows:\npacked %.2000v\nrows   %.2000v", packed, plain)
	}
	if !strings.Contains(packed[1].LastError, "\x00") && !strings.Contains(packed[0].LastError, "\x00") {
		t.Error("no feed carries the NUL written by plain SQL: the test tests nothing")
	}
}
