package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// TestBackgroundReadsDoNotQueueForTheReadersPool takes the read pool's
// only connection, as a page's query would, and reads with a context
// marked as background work: the read runs on the background pool and
// answers; unmarked, it would wait for the taken connection.
func TestBackgroundReadsDoNotQueueForTheReadersPool(t *testing.T) {
	open := func(name string) *sql.DB {
		db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), name))
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		return db
	}
	write, read, bg := open("w.db"), open("r.db"), open("bg.db")
	s := New(write, read, &testDialect, nil)
	s.SetBackgroundReads(bg)
	defer s.Close()
	ctx := context.Background()
	if s.reader(ctx) != read || s.reader(digest.WithBackground(ctx)) != bg {
		t.Fatal("an unmarked context reads through the read pool, a marked one through the background pool")
	}
	held, err := read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	// The deadline only keeps a regression from hanging the test: the
	// read does not wait for anything.
	bctx, cancel := context.WithTimeout(digest.WithBackground(ctx), time.Minute)
	defer cancel()
	var n int
	if err := s.queryRow(bctx, "SELECT 1").Scan(&n); err != nil || n != 1 {
		t.Fatalf("background read while the read pool is taken: %d, %v", n, err)
	}

	plain := New(open("w2.db"), open("r2.db"), &testDialect, nil)
	defer plain.Close()
	if plain.reader(digest.WithBackground(ctx)) != plain.read {
		t.Error("without a background pool, marked reads go through the read pool")
	}
}
