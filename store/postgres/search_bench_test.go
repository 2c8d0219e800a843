package postgres_test

import (
	"context"
	"database/sql"
	"github.com/occasional-digest/digest/internal/pgtest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
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
	queries := storetest.SearchBenchQueries()
	for _, kind := range []string{"word", "two words", "phrase", "operators"} {
		for _, relevance := range []bool{false, true} {
			name := kind
			if relevance {
				name += "/relevance"
			}
			b.Run(name, func(b *testing.B) {
				var ds []time.Duration
				ctx := context.Background()
				for b.Loop() {
					for _, q := range queries[kind] {
						t := time.Now()
						if _, err := db.Articles(ctx, digest.ArticleQuery{UserID: user, Search: q, Relevance: relevance}); err != nil {
							b.Fatal(err)
						}
						d := time.Since(t)
						if os.Getenv("DIGEST_SEARCH_SLOW") != "" && d > 100*time.Millisecond {
							b.Logf("%v: %s", d.Round(time.Millisecond), q)
						}
						ds = append(ds, d)
					}
				}
				slices.Sort(ds)
				b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-median")
				b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "ms-p95")
				b.ReportMetric(float64(ds[len(ds)-1].Microseconds())/1000, "ms-max")
			})
		}
	}
}
