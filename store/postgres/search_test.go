package postgres_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/storetest"
)

// TestSearchCommonWord runs storetest.SearchCommonWord: a plan the
// conformance suite's smaller data never reaches.
func TestSearchCommonWord(t *testing.T) {
	db := openFresh(t)
	defer db.Close()
	storetest.SearchCommonWord(t, db)
}

// TestTitleSearchUsesTitleIndex: a search of titles alone is written on
// the expression migration 0031 indexes, so that PostgreSQL can find its
// matches in the index of the titles' words (written otherwise, the
// expression would match no index and every document would be read).
func TestTitleSearchUsesTitleIndex(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.FreshSchema(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// An empty table is read whole unless the planner may not.
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	d := postgres.Dialect().TitleSearch
	for name, q := range map[string]string{"SearchIDs": d.SearchIDs, "SearchEstimate": strings.TrimPrefix(d.SearchEstimate, "EXPLAIN (FORMAT JSON) ")} {
		rows, err := tx.QueryContext(ctx, "EXPLAIN "+strings.Replace(q, "?", "$1", 1), "polic")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if p := strings.Join(plan, "\n"); !strings.Contains(p, "articles_search_title") {
			t.Errorf("%s does not read the index of titles:\n%s", name, p)
		}
	}
}
