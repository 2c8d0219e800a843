package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/migrate"
	"github.com/occasional-digest/digest/store/sqlite"
)

// perFetch is the number of entries each of the writer's transactions
// stores: a consistent copy holds a multiple of it.
const perFetch = 10

// saveBatch stores perFetch new entries of feed in one transaction.
func saveBatch(ctx context.Context, st *sqlite.DB, feed int64, n int) error {
	r := digest.FetchResult{FeedID: feed, State: digest.FetchState{LastCheck: time.Now(), NextCheck: time.Now().Add(time.Hour)}}
	for k := range perFetch {
		name := fmt.Sprintf("b%d-e%d", n, k)
		r.Entries = append(r.Entries, digest.Entry{GUID: "urn:" + name, URL: "https://example.org/" + name,
			Title: "Entry " + name, Published: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n*perFetch+k) * time.Minute),
			Summary: "Summary of " + name, Text: "Text of " + name + ".", Hash: name})
	}
	_, err := st.SaveFetches(ctx, []digest.FetchResult{r})
	return err
}

func TestBackupWhileAnotherGoroutineWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "digest.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u := &digest.User{Name: "alice", Role: digest.RoleAdmin}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: "https://example.org/feed.xml", Title: "Example"}
	if err := st.CreateFeed(ctx, u.ID, f); err != nil {
		t.Fatal(err)
	}

	// The writer has stored some batches before the backup begins, and
	// stores more until it ends.
	stop, first := make(chan struct{}), make(chan struct{})
	werr := make(chan error, 1)
	go func() {
		for n := 0; ; n++ {
			if err := saveBatch(ctx, st, f.ID, n); err != nil {
				werr <- err
				return
			}
			if n == 2 {
				close(first)
			}
			select {
			case <-stop:
				werr <- nil
				return
			default:
			}
		}
	}()
	<-first
	out := filepath.Join(t.TempDir(), "backup.db")
	rep, err := migrate.Backup(ctx, st.Path(), out)
	close(stop)
	if err := <-werr; err != nil {
		t.Fatalf("writer: %v", err)
	}
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	final, _ := st.Invariants(ctx)
	t.Logf("copy %v; original at the end %d", rep.Tables, final.Articles)
	if rep.Path != out || rep.Bytes == 0 || rep.Schema == 0 {
		t.Errorf("report %+v", rep)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the copy: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(filepath.Dir(out))
	if len(ents) != 1 {
		t.Errorf("the backup's directory holds %d files, want the copy alone", len(ents))
	}

	// The copy opens as a store and is one moment of the original: whole
	// transactions only, with every invariant the store keeps.
	cp, err := sqlite.Open(ctx, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	inv, err := cp.Invariants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Articles < 3*perFetch || inv.Articles%perFetch != 0 || inv.OrphanSources != 0 {
		t.Errorf("the copy's invariants %+v: want whole batches of %d, at least 3, and no orphan", inv, perFetch)
	}
	counts := map[string]int64{}
	for _, tc := range rep.Tables {
		counts[tc.Table] = tc.Target
	}
	if counts["articles"] != int64(inv.Articles) || counts["sources"] != int64(inv.Articles) || counts["article_states"] != int64(inv.Articles) ||
		counts["users"] != 1 || counts["feeds"] != 1 {
		t.Errorf("the report's counts %v do not match the copy (%d articles)", counts, inv.Articles)
	}
	feeds, err := cp.Feeds(ctx, u.ID)
	if err != nil || len(feeds) != 1 || feeds[0].Unread != inv.Articles {
		t.Errorf("the copy's feeds %+v (%v): want one with all %d articles unread", feeds, err, inv.Articles)
	}
	page, err := cp.Articles(ctx, digest.ArticleQuery{UserID: u.ID, Search: "Entry", Limit: 500})
	if err != nil || len(page.Articles) != min(inv.Articles, 500) {
		t.Errorf("a search of the copy finds %d articles (%v), want %d", len(page.Articles), err, min(inv.Articles, 500))
	}
}

func TestBackupRefusesToOverwrite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "digest.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	out := filepath.Join(dir, "backup.db")
	if err := os.WriteFile(out, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Backup(ctx, st.Path(), out); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Backup onto an existing file: %v, want ErrExist", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "precious" {
		t.Errorf("the existing file now holds %q", b)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "digest.db" && e.Name() != "backup.db" && e.Name() != "digest.db-wal" && e.Name() != "digest.db-shm" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestBackupOfMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	_, err := migrate.Backup(context.Background(), filepath.Join(dir, "none.db"), filepath.Join(dir, "backup.db"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Backup of a missing database: %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Backup created the missing database")
	}
}

func TestBackupOfAFileThatIsNoDigestDatabase(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(src, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Backup(context.Background(), src, filepath.Join(dir, "backup.db")); err == nil {
		t.Fatal("Backup of a text file succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "backup.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a backup file was written")
	}
}
