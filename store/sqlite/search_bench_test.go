package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/store/storetest"
)

var searchBench struct {
	once sync.Once
	path string
	user int64
	err  error
}

// searchBenchDB returns the search corpus database (storetest.SearchCorpus)
// of DIGEST_SEARCH_ARTICLES articles (default 200,000), built once; with
// DIGEST_SEARCH_DB=/path.db it is kept between runs.
func searchBenchDB(b *testing.B) (string, int64) {
	searchBench.once.Do(func() {
		n := 200_000
		if v, err := strconv.Atoi(os.Getenv("DIGEST_SEARCH_ARTICLES")); err == nil && v > 0 {
			n = v
		}
		searchBench.path = os.Getenv("DIGEST_SEARCH_DB")
		if searchBench.path == "" {
			dir, err := os.MkdirTemp("", "digest-search-bench-")
			if err != nil {
				searchBench.err = err
				return
			}
			b.Cleanup(func() { os.RemoveAll(dir) })
			searchBench.path = filepath.Join(dir, "search.db")
		} else if _, err := os.Stat(searchBench.path); err == nil {
			searchBench.user = 1
			return
		}
		db, err := sqlite.Open(context.Background(), searchBench.path, nil)
		if err != nil {
			searchBench.err = err
			return
		}
		defer db.Close()
		searchBench.user = storetest.SearchCorpus(b, db, n)
	})
	if searchBench.err != nil {
		b.Fatal(searchBench.err)
	}
	return searchBench.path, searchBench.user
}

// BenchmarkSearch runs every query of each kind (storetest
// SearchBenchQueries) for a first page of 50, newest first and by
// relevance, and reports the median and 95th percentile over all runs.
func BenchmarkSearch(b *testing.B) {
	path, user := searchBenchDB(b)
	db, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchSearch(b, db, user)
}

// BenchmarkSearchNewswire runs the newswire search mix
// (storetest.NewswireQueries) on the archive DIGEST_NEWSWIRE_DB names, a
// SQLite file built by cmd/bench1m (1,000,000 articles: see
// scripts/bench-1m.sh); skipped without it.
func BenchmarkSearchNewswire(b *testing.B) {
	path := os.Getenv("DIGEST_NEWSWIRE_DB")
	if path == "" {
		b.Skip("DIGEST_NEWSWIRE_DB is not set (build the archive with cmd/bench1m)")
	}
	if _, err := os.Stat(path); err != nil {
		b.Skipf("no newswire archive: %v", err)
	}
	db, err := sqlite.Open(context.Background(), path, nil)
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
