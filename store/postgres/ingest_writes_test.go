package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/postgres"
)

// orphans counts the rows whose parent is gone among those whose foreign
// keys migration 0023 replaced by deletion triggers.
const orphans = `SELECT
	(SELECT COUNT(*) FROM articles_search x WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = x.article_id)),
	(SELECT COUNT(*) FROM post_queue x WHERE NOT EXISTS (SELECT 1 FROM articles a WHERE a.id = x.article_id)),
	(SELECT COUNT(*) FROM sources x WHERE NOT EXISTS (SELECT 1 FROM feeds f WHERE f.id = x.feed_id)),
	(SELECT COUNT(*) FROM articles x WHERE x.feed_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM feeds f WHERE f.id = x.feed_id)),
	(SELECT COUNT(*) FROM article_states x WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = x.user_id))`

// TestDeletesLeaveNoOrphans deletes feeds, articles and users that new
// articles refer to: the deletion triggers that replaced the foreign keys
// of the search rows, queue entries, sources, articles' original feeds
// and state rows leave none behind.
func TestDeletesLeaveNoOrphans(t *testing.T) {
	ctx := context.Background()
	db, dsn, _ := freshStore(t, "")
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	check := func(step string, want map[string]int64) {
		t.Helper()
		var n [5]int64
		if err := conn.QueryRow(ctx, orphans).Scan(&n[0], &n[1], &n[2], &n[3], &n[4]); err != nil {
			t.Fatal(err)
		}
		if n != [5]int64{} {
			t.Fatalf("%s: orphans (search, queue, sources, articles' feed, states) = %v, want none", step, n)
		}
		for table, w := range want {
			var got int64
			if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != w {
				t.Fatalf("%s: %d rows in %s, want %d", step, got, table, w)
			}
		}
	}
	alice, bob := &digest.User{Name: "alice"}, &digest.User{Name: "bob"}
	for _, u := range []*digest.User{alice, bob} {
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	own, shared := &digest.Feed{URL: "https://own.example/feed"}, &digest.Feed{URL: "https://shared.example/feed"}
	if err := db.CreateFeed(ctx, alice.ID, own); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateFeed(ctx, alice.ID, shared); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateFeed(ctx, bob.ID, &digest.Feed{URL: shared.URL}); err != nil {
		t.Fatal(err)
	}
	entries := func(site string, n int) []digest.Entry {
		var es []digest.Entry
		for i := range n {
			es = append(es, digest.Entry{GUID: fmt.Sprint(i), URL: fmt.Sprintf("https://%s/%d", site, i), Title: "Story " + site, Hash: "h"})
		}
		return es
	}
	// The shared feed also carries the own feed's first article.
	sharedEntries := append(entries("shared.example", 3), digest.Entry{GUID: "x", URL: "https://own.example/0", Title: "Story", Hash: "h"})
	if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: own.ID, Entries: entries("own.example", 4)}, {FeedID: shared.ID, Entries: sharedEntries}}); err != nil {
		t.Fatal(err)
	}
	// Alice sees 7 articles, Bob the shared feed's 4.
	check("saved", map[string]int64{"articles": 7, "articles_search": 7, "post_queue": 7, "sources": 8, "article_states": 11})

	// The own feed goes (Alice was its only subscriber) and with it the
	// three articles only it carried; the one the shared feed carries
	// stays, its original feed now NULL.
	if err := db.DeleteFeed(ctx, alice.ID, own.ID); err != nil {
		t.Fatal(err)
	}
	check("own feed deleted", map[string]int64{"articles": 4, "articles_search": 4, "post_queue": 4, "sources": 4, "article_states": 8})
	var noFeed int64
	if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM articles WHERE feed_id IS NULL`).Scan(&noFeed); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUser(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	check("bob deleted", map[string]int64{"articles": 4, "article_states": 4})
	if err := db.DeleteUser(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	check("alice deleted", map[string]int64{"articles": 0, "articles_search": 0, "post_queue": 0, "sources": 0, "article_states": 0})

	// A state row whose user is deleted by one statement with others.
	carol := &digest.User{Name: "carol"}
	if err := db.CreateUser(ctx, carol); err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: "https://c.example/feed"}
	if err := db.CreateFeed(ctx, carol.ID, f); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: entries("c.example", 2)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM users WHERE id = $1`, carol.ID); err != nil {
		t.Fatal(err)
	}
	check("carol's row deleted", map[string]int64{"article_states": 0})
}

// TestSubscribersLockedWhileSaving checks the lock that stands for the
// state rows' foreign key to their user: while a transaction has read a
// feed's subscribers as SaveFetches does (Dialect.LockUsers), their
// user cannot be deleted; it can once that transaction ends.
func TestSubscribersLockedWhileSaving(t *testing.T) {
	ctx := context.Background()
	db, dsn, u := freshStore(t, "dana")
	f := &digest.Feed{URL: "https://d.example/feed"}
	if err := db.CreateFeed(ctx, u.ID, f); err != nil {
		t.Fatal(err)
	}
	saver, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer saver.Close(ctx)
	deleter, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer deleter.Close(ctx)
	tx, err := saver.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var users []int64
	rows, err := tx.Query(ctx, `SELECT s.user_id FROM subscriptions s JOIN users u ON u.id = s.user_id WHERE s.feed_id = $1`+postgres.Dialect().LockUsers, f.ID)
	if err == nil {
		users, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	if err != nil || len(users) != 1 {
		t.Fatalf("subscribers: %v, %v", users, err)
	}
	// The deletion waits for the lock: lock_timeout turns the wait into
	// an error at once.
	if _, err := deleter.Exec(ctx, `SET lock_timeout = '50ms'`); err != nil {
		t.Fatal(err)
	}
	_, err = deleter.Exec(ctx, `DELETE FROM users WHERE id = $1`, u.ID)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "55P03" { // lock_not_available
		t.Fatalf("deleting a user whose subscriptions a save read: %v, want lock_not_available", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := deleter.Exec(ctx, `DELETE FROM users WHERE id = $1`, u.ID); err != nil {
		t.Fatalf("deleting the user after the save: %v", err)
	}
}
