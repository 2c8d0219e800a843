package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// TestSourcesSeeOtherWritersFeedChanges: the feeds' facts a store keeps
// for sources (see store/sqlstore/feedfacts.go) follow changes made by a
// second store on the same file (another process, as far as SQLite can
// tell) and by plain SQL, foreign keys' actions included.
func TestSourcesSeeOtherWritersFeedChanges(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "digest.db")
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustUser(t, db)
	other, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	raw, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	f := &digest.Feed{URL: "https://facts.example/feed", Title: "Facts"}
	if err := db.CreateFeed(ctx, benchUser, f); err != nil {
		t.Fatal(err)
	}
	res, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{{GUID: "g", Title: "t", URL: "https://facts.example/a"}}}})
	if err != nil || len(res) != 1 || len(res[0].Created) != 1 {
		t.Fatalf("save: %+v, %v", res, err)
	}
	id := res[0].Created[0]
	source := func(step string, title string, icon int64) {
		t.Helper()
		for range 2 { // the second read may come from memory
			a, err := db.Article(ctx, benchUser, id)
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if len(a.Sources) != 1 || a.Sources[0].FeedTitle != title || a.Sources[0].IconID != icon {
				t.Fatalf("%s: sources %+v, want one titled %q with icon %d", step, a.Sources, title, icon)
			}
		}
	}
	source("first read", "Facts", 0)

	if _, err := other.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Title: "Facts, by the other store"}}); err != nil {
		t.Fatal(err)
	}
	source("after another store's fetch", "Facts, by the other store", 0)

	icon, err := other.SaveIcon(ctx, &digest.Icon{ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nx")})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.SetFeedIcon(ctx, f.ID, icon); err != nil {
		t.Fatal(err)
	}
	source("after another store set the icon", "Facts, by the other store", icon)

	if _, err := raw.Exec(`UPDATE subscriptions SET title = 'Mine' WHERE feed_id = ?`, f.ID); err != nil {
		t.Fatal(err)
	}
	source("after plain SQL renamed the subscription", "Mine", icon)

	if _, err := raw.Exec(`DELETE FROM icons WHERE id = ?`, icon); err != nil {
		t.Fatal(err)
	}
	source("after the icon's deletion cleared the feed's (ON DELETE SET NULL)", "Mine", 0)
}
