package postgres_test

import (
	"context"
	"database/sql"
	"github.com/occasional-digest/digest/internal/pgtest"
	"os"
	"strconv"
	"testing"

	"github.com/occasional-digest/digest/internal/testenv"
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

// BenchmarkSearchNewswire runs the newswire search mix
// (storetest.NewswireQueries) on the PostgreSQL archive
// DIGEST_NEWSWIRE_POSTGRES names (a postgres:// URL; built with
// cmd/bench1m and scripts/bench-1m-grow-postgres.sql); skipped without it.
func BenchmarkSearchNewswire(b *testing.B) {
	dsn := os.Getenv("DIGEST_NEWSWIRE_POSTGRES")
	if dsn == "" {
		b.Skip("DIGEST_NEWSWIRE_POSTGRES is not set (see cmd/bench1m)")
	}
	db, err := postgres.Open(context.Background(), dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	u, err := db.UserByName(context.Background(), testenv.NewswireUsers[0])
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchNewswireSearch(b, db, u.ID)
}
