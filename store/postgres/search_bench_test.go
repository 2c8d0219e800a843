package postgres_test

import (
	"context"
	"database/sql"
	"github.com/occasional-digest/digest/internal/pgtest"
	"os"
	"strconv"
	"testing"

	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/storetest"
)

// BenchmarkSearch is store/sqlite's BenchmarkSearch on PostgreSQL: every
// query of each kind (storetest.SearchBenchQueries) over a corpus of
// DIGEST_SEARCH_ARTICLES articles (default 50,000), built in a fresh
// schema for the run.
func BenchmarkSearch(b *testing.B) {
	n := 50_000
	if v, err := strconv.Atoi(os.Getenv("DIGEST_SEARCH_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	dsn := pgtest.FreshSchema(b)
	db, err := postgres.Open(context.Background(), dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	user := storetest.SearchCorpus(b, db, n)
	// As autovacuum would after a bulk load: the planner needs the
	// tables' statistics to use the GIN index.
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	storetest.BenchSearch(b, db, user)
}
