package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/store/storetest"
)

func openTemp(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sub", "dir", "digest.db"), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	mustUser(t, db)
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) digest.Store { return openTemp(t) })
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digest.db")
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, db)
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	_, err = sqlite.Open(ctx, path, nil)
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Open of a newer schema: %v, want an error naming version 9999 as newer", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digest.db")
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, db)
	f := &digest.Feed{URL: "https://a.example/feed"}
	if err := db.CreateFeed(ctx, benchUser, f); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{{GUID: "1", URL: "https://a.example/1", Title: "kept", Hash: "h"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	mustUser(t, db)
	defer db.Close()
	p, err := db.Articles(ctx, digest.ArticleQuery{UserID: benchUser, Search: "kept"})
	if err != nil || len(p.Articles) != 1 {
		t.Fatalf("after reopen: %v, %v", p, err)
	}
	var n int
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	if n != len(files) {
		t.Errorf("%d migrations recorded, want %d (each once)", n, len(files))
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path string }{
		{"empty path", ""},
		{"parent is a file", filepath.Join(file, "digest.db")},
		{"path is a directory", dir},
		{"file is not a database", garbage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := sqlite.Open(context.Background(), tc.path, nil)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) succeeded", tc.path)
			}
		})
	}
}

// TestConcurrentWriters saves from many goroutines through two handles on
// one file, as two processes would: SQLite allows one writer at a time, and
// nothing may be lost to "database is locked".
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digest.db")
	var dbs [2]*sqlite.DB
	for i := range dbs {
		db, err := sqlite.Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		mustUser(t, db)
		defer db.Close()
		dbs[i] = db
	}
	const goroutines, batches, perFeed = 16, 5, 4
	feeds := make([]int64, goroutines)
	for g := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("https://g%d.example/feed", g)}
		if err := dbs[0].CreateFeed(ctx, benchUser, f); err != nil {
			t.Fatal(err)
		}
		feeds[g] = f.ID
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := dbs[g%2]
			for b := range batches {
				var es []digest.Entry
				for n := range perFeed {
					u := fmt.Sprintf("https://g%d.example/%d/%d", g, b, n)
					es = append(es, digest.Entry{GUID: u, URL: u, Title: "t", Hash: "h"})
				}
				res, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: feeds[g], Entries: es}})
				if err != nil {
					errs <- err
					return
				}
				if _, err := db.MarkRead(ctx, benchUser, res[0].Created[:1], true); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent writer: %v", err)
	}
	fs, err := dbs[1].Feeds(ctx, benchUser)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range fs {
		total += f.Unread
		if f.Unread != batches*(perFeed-1) {
			t.Errorf("feed %d: %d unread, want %d", f.ID, f.Unread, batches*(perFeed-1))
		}
	}
	if total != goroutines*batches*(perFeed-1) {
		t.Errorf("%d unread in all, want %d", total, goroutines*batches*(perFeed-1))
	}
}

// mustUser makes sure the database has its first user, benchUser, that
// the tests read and write as.
func mustUser(tb testing.TB, db *sqlite.DB) {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.User(ctx, benchUser); err == nil {
		return
	}
	u := &digest.User{Name: "tester"}
	if err := db.CreateUser(ctx, u); err != nil {
		tb.Fatal(err)
	}
	if u.ID != benchUser {
		tb.Fatalf("first user has ID %d, want %d", u.ID, benchUser)
	}
}
