package postgres_test

import (
	"context"
	"database/sql"
	"github.com/occasional-digest/digest/internal/pgtest"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/postgres"
)

// TestMigrationStemsStoredArticles: migration 0012 builds the search
// documents of stored articles again, stemmed and with the title at
// weight A, so that a database upgraded with articles finds them by stem
// and by intitle:.
func TestMigrationStemsStoredArticles(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.FreshSchema(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := &digest.User{Name: "reader"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: "https://a.example/feed"}
	if err := db.CreateFeed(ctx, u.ID, f); err != nil {
		t.Fatal(err)
	}
	es := []digest.Entry{
		{GUID: "1", URL: "https://a.example/1", Title: "Earthquake shakes the harbour", Text: "Residents voted to rebuild.", Hash: "1"},
		{GUID: "2", URL: "https://a.example/2", Title: "Council news", Text: "An earthquake drill.", Hash: "2"},
	}
	res, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: es}})
	if err != nil {
		t.Fatal(err)
	}
	ids := res[0].Created
	db.Close()

	// Back to before 0012: documents of unstemmed words without weights.
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 12`); err != nil {
		t.Fatal(err)
	}
	r, err := raw.ExecContext(ctx, `UPDATE articles_search SET doc = CAST('''earthquake'':1 ''shakes'':2 ''votes'':3' AS tsvector)`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := r.RowsAffected(); n != 2 {
		t.Fatalf("%d search documents set back, want 2", n)
	}

	db, err = postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, want := range map[string][]int64{
		"earthquakes":        {ids[1], ids[0]},
		"vote":               {ids[0]},
		"intitle:earthquake": {ids[0]},
		"shaking":            {ids[0]},
	} {
		p, err := db.Articles(ctx, digest.ArticleQuery{UserID: u.ID, Search: q})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, a := range p.Articles {
			got = append(got, a.ID)
		}
		if len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) {
			t.Errorf("after the migration, %q finds %v, want %v", q, got, want)
		}
	}
}
