package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// TestUpgradeFromFirstSchema opens, with the current code, a database
// written at schema version 1: later migrations must carry its data over
// (unread counters backfilled, search index rebuilt).
func TestUpgradeFromFirstSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	ms, err := sqlstore.ReadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := openPool(path, writePool, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Migrate(ctx, raw, Dialect(), ms[:1], nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO feeds (id, url, title, created) VALUES (7, 'https://old.example/feed', 'Old', 1)`,
		`INSERT INTO subscriptions (user_id, feed_id, created) VALUES (1, 7, 1)`,
		`INSERT INTO articles (id, url, title, text, published, created, feed_id) VALUES
			(1, 'https://old.example/1', 'Zeppelin lands', 'x', 10, 10, 7),
			(2, 'https://old.example/2', 'Other news', 'x', 20, 20, 7)`,
		`INSERT INTO sources (feed_id, guid, article_id, original, created) VALUES (7, 'g1', 1, 1, 10), (7, 'g2', 2, 1, 20)`,
		`INSERT INTO article_states (user_id, article_id, published, read) VALUES (1, 1, 10, 0), (1, 2, 20, 1)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open old database: %v", err)
	}
	defer db.Close()
	f, err := db.Feed(ctx, 1, 7)
	if err != nil {
		t.Fatal(err)
	}
	if f.Unread != 1 {
		t.Errorf("unread after upgrade = %d, want 1", f.Unread)
	}
	p, err := db.Articles(ctx, digest.ArticleQuery{UserID: 1, Search: "zeppelin"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Articles) != 1 || p.Articles[0].ID != 1 {
		t.Errorf("search after upgrade = %+v, want article 1", p.Articles)
	}
	// The feed's page walks sources by the article's published time, which
	// the upgrade copies onto existing sources.
	p, err = db.Articles(ctx, digest.ArticleQuery{UserID: 1, FeedID: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Articles) != 2 || p.Articles[0].ID != 2 || p.Articles[1].ID != 1 {
		t.Errorf("feed page after upgrade = %+v, want articles 2, 1", p.Articles)
	}
	var n int
	check, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	if err := check.QueryRow(`SELECT MAX(version) FROM schema_migrations`).Scan(&n); err != nil || n != ms[len(ms)-1].Version {
		t.Errorf("schema version %d, want %d (%v)", n, ms[len(ms)-1].Version, err)
	}
	if err := check.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil || n != len(ms) {
		t.Errorf("%d migrations applied, want %d (%v)", n, len(ms), err)
	}
}

// TestUpgradeFillsEntityKeys opens a database written before entities had
// lookup keys: the migration that adds them fills them for every stored
// entity, so its spellings are one page at once.
func TestUpgradeFillsEntityKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	ms, err := sqlstore.ReadMigrations(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var before []sqlstore.Migration
	for _, m := range ms {
		if m.After != nil {
			break
		}
		before = append(before, m)
	}
	if len(before) == len(ms) {
		t.Fatal("no migration has a Go step: entity keys are not backfilled")
	}
	raw, err := openPool(path, writePool, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Migrate(ctx, raw, Dialect(), before, nil); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO stories (id, headline, last_seen) VALUES (1, 'Summit', 10), (2, 'Talks', 20), (3, 'Visit', 30)`,
		`INSERT INTO entities (id, kind, name) VALUES (1, 'ORG', 'NATO'), (2, 'ORG', 'Nato'), (3, 'PER', 'Mr Xi'), (4, 'PER', 'Xi Jinping')`,
		`INSERT INTO story_entities (story_id, entity_id, count) VALUES (1, 1, 3), (2, 2, 1), (2, 3, 1), (3, 4, 2)`,
		// The user of single-user days sees an article of each story.
		`INSERT INTO feeds (id, url, title, created) VALUES (7, 'https://old.example/feed', 'Old', 1)`,
		`INSERT INTO subscriptions (user_id, feed_id, created) VALUES (1, 7, 1)`,
		`INSERT INTO articles (id, url, title, published, created, feed_id, story_id) VALUES
			(1, 'https://old.example/1', 'a', 10, 10, 7, 1), (2, 'https://old.example/2', 'b', 20, 20, 7, 2),
			(3, 'https://old.example/3', 'c', 30, 30, 7, 3)`,
		`INSERT INTO sources (feed_id, guid, article_id, original, created) VALUES (7, 'g1', 1, 1, 10), (7, 'g2', 2, 1, 20), (7, 'g3', 3, 1, 30)`,
		`INSERT INTO article_states (user_id, article_id, published) VALUES (1, 1, 10), (1, 2, 20), (1, 3, 30)`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open old database: %v", err)
	}
	defer db.Close()
	tests := []struct {
		kind      digest.EntityKind
		ask, want string
		stories   []int64
	}{
		{digest.Organization, "Nato", "NATO", []int64{2, 1}},
		{digest.Person, "Xi", "Xi Jinping", []int64{3, 2}},
	}
	for _, tc := range tests {
		sp, list, err := db.EntityStories(ctx, 1, tc.kind, tc.ask, 10)
		if err != nil {
			t.Fatalf("%s: %v", tc.ask, err)
		}
		var got []int64
		for _, st := range list {
			got = append(got, st.ID)
		}
		if sp[0].Name != tc.want || !slices.Equal(got, tc.stories) {
			t.Errorf("%s after upgrade: %s with stories %v, want %s with %v (newest first)", tc.ask, sp[0].Name, got, tc.want, tc.stories)
		}
	}
}

// TestRefreshEntityKeys: keys written by another key function (an older
// program's) are recomputed on open, once; keys of this one are not
// read again.
func TestRefreshEntityKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.db")
	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The reader (user 1) sees the story's article.
	u := &digest.User{Name: "reader"}
	if err := db.CreateUser(ctx, u); err != nil || u.ID != 1 {
		t.Fatalf("user %d: %v", u.ID, err)
	}
	f := &digest.Feed{URL: "https://a.example/feed"}
	if err := db.CreateFeed(ctx, 1, f); err != nil {
		t.Fatal(err)
	}
	saved, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{
		{GUID: "1", URL: "https://a.example/1", Title: "Summit", Published: time.Unix(1, 0), Hash: "1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	st := &digest.Story{Headline: "Summit", Entities: []digest.Entity{{Name: "NATO", Kind: digest.Organization, Count: 1}},
		ArticleIDs: saved[0].Created}
	if err := db.SaveStory(ctx, st); err != nil {
		t.Fatal(err)
	}
	db.Close()
	exec := func(q string) {
		t.Helper()
		raw, err := openPool(path, writePool, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	found := func() bool {
		t.Helper()
		db, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_, list, err := db.EntityStories(ctx, 1, digest.Organization, "nato", 10)
		if err != nil && !digest.IsNotFound(err) {
			t.Fatal(err)
		}
		return len(list) == 1
	}
	// A stale key under the current fingerprint stays: open does not
	// read every entity each time.
	exec(`UPDATE entities SET name_key = 'O:stale', base_key = 'O:stale'`)
	if found() {
		t.Fatal("keys were recomputed although the key function did not change")
	}
	// Another program's fingerprint: the keys are recomputed.
	exec(`UPDATE entity_keys_version SET fingerprint = 'older program'`)
	if !found() {
		t.Error("keys of an older key function were not recomputed on open")
	}
}
