package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// TestSaveFetchesWritesOneSearchSegment: one SaveFetches of many feeds'
// entries writes the full-text index out once, at commit. FTS5 writes its
// pending index out at every savepoint, and a statement with a trigger
// opens one: the feeds' UPDATE has one (feed_facts_version), so saving a
// feed's state between other feeds' entries made a segment per feed,
// which SQLite then merged (a tenth of a first refresh's CPU).
func TestSaveFetchesWritesOneSearchSegment(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digest.db")
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustUser(t, db)
	var results []digest.FetchResult
	for i := range 12 {
		f := &digest.Feed{URL: fmt.Sprintf("https://segments.example/%d/feed", i), Title: "Segments"}
		if err := db.CreateFeed(ctx, benchUser, f); err != nil {
			t.Fatal(err)
		}
		r := digest.FetchResult{FeedID: f.ID, Title: fmt.Sprintf("Segments %d", i)}
		for j := range 3 {
			r.Entries = append(r.Entries, digest.Entry{GUID: fmt.Sprintf("g%d-%d", i, j), URL: fmt.Sprintf("https://segments.example/%d/%d", i, j),
				Title: fmt.Sprintf("Dispatch %d from desk %d", j, i), Text: fmt.Sprintf("The river rose %d metres at gauge %d overnight.", j, i)})
		}
		results = append(results, r)
	}
	res, err := db.SaveFetches(ctx, results)
	if err != nil {
		t.Fatal(err)
	}
	created := 0
	for _, r := range res {
		created += len(r.Created)
	}
	if created != 36 {
		t.Fatalf("created %d articles, want 36", created)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var segments int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(DISTINCT segid) FROM articles_fts_idx`).Scan(&segments); err != nil {
		t.Fatal(err)
	}
	if segments != 1 {
		t.Errorf("the save wrote %d segments of the search index, want 1 (written at commit)", segments)
	}
}
