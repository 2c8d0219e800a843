package migrate_test

import (
	"context"
	"github.com/occasional-digest/digest/internal/pgtest"
	"os"
	"path/filepath"
	"testing"

	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/store/migrate"
)

// BenchmarkCopy copies a database of testenv.BenchSize() articles
// (DIGEST_BENCH_ARTICLES; 200,000 by default) from SQLite into a fresh
// PostgreSQL schema and reports rows per second. The source is built once
// with testenv's Populate and kept at DIGEST_BENCH_DB when that is set.
func BenchmarkCopy(b *testing.B) {
	ctx := context.Background()
	src := os.Getenv("DIGEST_BENCH_DB")
	if src == "" {
		src = filepath.Join(b.TempDir(), "bench.db")
	}
	if _, err := os.Stat(src); err != nil {
		e := testenv.New(b, testenv.Options{Items: 1})
		e.Populate(b, testenv.BenchSize())
		if err := copyFile(e.Store.Path(), src); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		dsn := pgtest.FreshSchema(b)
		b.StartTimer()
		rep, err := migrate.Copy(ctx, src, dsn, migrate.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.Copied)/rep.Elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(rep.Copied), "rows")
		for _, t := range rep.Tables {
			if t.Table == "articles" {
				b.ReportMetric(float64(t.Target)/rep.Elapsed.Seconds(), "articles/s")
			}
		}
	}
}

// copyFile copies a SQLite database through a backup, so that its
// write-ahead log comes along.
func copyFile(from, to string) error {
	_, err := migrate.Backup(context.Background(), from, to)
	return err
}
