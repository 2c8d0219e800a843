package postgres_test

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/occasional-digest/digest/internal/pgtest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// The benchmarks compare the store's hot reads on SQLite and PostgreSQL
// over the same data: benchFeeds small feeds of benchPerFeed articles and
// one big feed of benchBig, every third article read. Both databases are
// built once per run (DIGEST_BENCH_FEEDS scales the small feeds) and
// removed at its end; the PostgreSQL one is a schema of the test
// database named digest_bench_<feeds>, kept with DIGEST_BENCH_KEEP=1
// for EXPLAIN.
//
//	go test -run XXX -bench . ./store/postgres
const (
	benchPerFeed = 20
	benchBig     = 2000
	benchBatch   = 100
)

var benchBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type benchData struct {
	once    sync.Once
	err     error
	stores  map[string]digest.Store // "sqlite", "postgres"; "sqlite-nocache" has no feed cache
	user    map[string]int64
	big     map[string]int64 // the big feed
	feeds   int
	cleanup []func()
}

var bench benchData

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range bench.cleanup {
		f()
	}
	os.Exit(code)
}

func benchFeeds() int {
	if n, err := strconv.Atoi(os.Getenv("DIGEST_BENCH_FEEDS")); err == nil && n > 0 {
		return n
	}
	return 1000
}

func benchEntry(feed, n, feeds int) digest.Entry {
	name := fmt.Sprintf("f%d-e%d", feed, n)
	return digest.Entry{
		GUID: "urn:" + name, URL: "https://outlet" + fmt.Sprint(feed) + ".example/news/" + name,
		Title:     "Headline number " + name,
		Published: benchBase.Add(time.Duration(n*feeds+feed) * time.Minute),
		Summary:   "A summary of the article " + name + " with a few words.",
		Content:   "<p>Body text of " + name + ", long enough to look like an article paragraph.</p>",
		Text:      "Body text of " + name + ", long enough to look like an article paragraph.",
		Hash:      "h-" + name,
	}
}

// fill subscribes s's user to the benchmark feeds and saves their
// articles.
func fill(ctx context.Context, s digest.Store, feeds int) (user, big int64, err error) {
	u := &digest.User{Name: "bench"}
	if err := s.CreateUser(ctx, u); err != nil {
		return 0, 0, err
	}
	var rs []digest.FetchResult
	var created []int64
	flush := func() error {
		res, err := s.SaveFetches(ctx, rs)
		for _, r := range res {
			created = append(created, r.Created...)
		}
		rs = rs[:0]
		return err
	}
	for i := 0; i <= feeds; i++ {
		f := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed", i), Title: fmt.Sprintf("Outlet %d", i),
			Category: fmt.Sprintf("Category %d", i%10)}
		if err := s.CreateFeed(ctx, u.ID, f); err != nil {
			return 0, 0, err
		}
		n := benchPerFeed
		if i == feeds {
			n, big = benchBig, f.ID
		}
		r := digest.FetchResult{FeedID: f.ID}
		for j := range n {
			r.Entries = append(r.Entries, benchEntry(i, j, feeds))
		}
		rs = append(rs, r)
		if len(rs) == benchBatch || i == feeds {
			if err := flush(); err != nil {
				return 0, 0, err
			}
		}
	}
	var read []int64
	for i, id := range created {
		if i%3 == 0 {
			read = append(read, id)
		}
	}
	_, err = s.MarkRead(ctx, u.ID, read, true)
	return u.ID, big, err
}

func setupBench(b *testing.B) *benchData {
	bench.once.Do(func() {
		ctx := context.Background()
		bench.feeds = benchFeeds()
		bench.stores, bench.user, bench.big = map[string]digest.Store{}, map[string]int64{}, map[string]int64{}
		dir, err := os.MkdirTemp("", "digest-bench-")
		if err != nil {
			bench.err = err
			return
		}
		bench.cleanup = append(bench.cleanup, func() { os.RemoveAll(dir) })
		path := filepath.Join(dir, "digest.db")
		lite, err := sqlite.Open(ctx, path, nil)
		if err != nil {
			bench.err = err
			return
		}
		bench.cleanup = append(bench.cleanup, func() { lite.Close() })
		start := time.Now()
		if bench.user["sqlite"], bench.big["sqlite"], err = fill(ctx, lite, bench.feeds); err != nil {
			bench.err = err
			return
		}
		fmt.Fprintf(os.Stderr, "bench: sqlite filled in %v\n", time.Since(start).Round(time.Millisecond))
		bench.stores["sqlite"] = lite
		// The same file without the feed cache: every Feeds call reads.
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
		if err != nil {
			bench.err = err
			return
		}
		d := sqlite.Dialect()
		d.DataVersion = ""
		nocache := sqlstore.New(raw, raw, d, nil)
		bench.cleanup = append(bench.cleanup, func() { nocache.Close() })
		bench.stores["sqlite-nocache"] = nocache
		bench.user["sqlite-nocache"], bench.big["sqlite-nocache"] = bench.user["sqlite"], bench.big["sqlite"]

		dsn := pgtest.DSN(b)
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			bench.err = err
			return
		}
		schema := fmt.Sprintf("digest_bench_%d", bench.feeds)
		_, err = conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+schema+` CASCADE; CREATE SCHEMA `+schema)
		conn.Close(ctx)
		if err != nil {
			bench.err = err
			return
		}
		if os.Getenv("DIGEST_BENCH_KEEP") == "" {
			bench.cleanup = append(bench.cleanup, func() {
				if conn, err := pgx.Connect(ctx, dsn); err == nil {
					conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`)
					conn.Close(ctx)
				}
			})
		}
		pg, err := postgres.Open(ctx, pgtest.WithParam(b, dsn, "search_path", schema), nil)
		if err != nil {
			bench.err = err
			return
		}
		bench.cleanup = append([]func(){func() { pg.Close() }}, bench.cleanup...)
		start = time.Now()
		if bench.user["postgres"], bench.big["postgres"], err = fill(ctx, pg, bench.feeds); err != nil {
			bench.err = err
			return
		}
		fmt.Fprintf(os.Stderr, "bench: postgres filled in %v\n", time.Since(start).Round(time.Millisecond))
		if conn, err := pgx.Connect(ctx, pgtest.WithParam(b, dsn, "search_path", schema)); err == nil {
			conn.Exec(ctx, `VACUUM ANALYZE`)
			conn.Close(ctx)
		}
		bench.stores["postgres"] = pg
		// The same schema without the feed cache, packed or read one row
		// per feed (Dialect.GroupConcat).
		for _, name := range []string{"postgres-nocache", "postgres-rows"} {
			raw, err := sql.Open("pgx", pgtest.WithParam(b, dsn, "search_path", schema))
			if err != nil {
				bench.err = err
				return
			}
			d := postgres.Dialect()
			d.DataVersion = ""
			if name == "postgres-rows" {
				d.GroupConcat = ""
			}
			st := sqlstore.New(raw, raw, d, nil)
			bench.cleanup = append([]func(){func() { st.Close() }}, bench.cleanup...)
			bench.stores[name] = st
			bench.user[name], bench.big[name] = bench.user["postgres"], bench.big["postgres"]
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return &bench
}

// eachStore runs op as a sub-benchmark on every store.
func eachStore(b *testing.B, names []string, op func(b *testing.B, s digest.Store, user, big int64)) {
	d := setupBench(b)
	for _, name := range names {
		b.Run(name, func(b *testing.B) {
			op(b, d.stores[name], d.user[name], d.big[name])
		})
	}
}

var articleStores = []string{"sqlite", "postgres"}

func benchArticles(b *testing.B, q func(user, big int64) digest.ArticleQuery) {
	eachStore(b, articleStores, func(b *testing.B, s digest.Store, user, big int64) {
		ctx := context.Background()
		for b.Loop() {
			p, err := s.Articles(ctx, q(user, big))
			if err != nil {
				b.Fatal(err)
			}
			if len(p.Articles) == 0 {
				b.Fatal("empty page")
			}
		}
	})
}

func BenchmarkArticlesFirstPage(b *testing.B) {
	benchArticles(b, func(user, _ int64) digest.ArticleQuery { return digest.ArticleQuery{UserID: user} })
}

func BenchmarkArticlesUnread(b *testing.B) {
	benchArticles(b, func(user, _ int64) digest.ArticleQuery { return digest.ArticleQuery{UserID: user, Unread: true} })
}

func BenchmarkArticlesFeed(b *testing.B) {
	benchArticles(b, func(user, big int64) digest.ArticleQuery {
		return digest.ArticleQuery{UserID: user, FeedID: big}
	})
}

func BenchmarkArticlesSearch(b *testing.B) {
	benchArticles(b, func(user, _ int64) digest.ArticleQuery {
		return digest.ArticleQuery{UserID: user, Search: "f17-e3"}
	})
}

func BenchmarkFeeds(b *testing.B) {
	eachStore(b, []string{"sqlite", "sqlite-nocache", "postgres", "postgres-nocache", "postgres-rows"}, func(b *testing.B, s digest.Store, user, _ int64) {
		ctx := context.Background()
		for b.Loop() {
			fs, err := s.Feeds(ctx, user)
			if err != nil {
				b.Fatal(err)
			}
			if len(fs) != bench.feeds+1 {
				b.Fatalf("%d feeds", len(fs))
			}
		}
	})
}

func BenchmarkFeedsPage(b *testing.B) {
	eachStore(b, articleStores, func(b *testing.B, s digest.Store, user, _ int64) {
		ctx := context.Background()
		for b.Loop() {
			fs, _, _, err := s.FeedsPage(ctx, user, "", "category", 50, "")
			if err != nil {
				b.Fatal(err)
			}
			if len(fs) != 50 {
				b.Fatalf("%d feeds", len(fs))
			}
		}
	})
}

// BenchmarkArticlesSearchCommon searches words of every article: the page
// is found by checking the articles of the walk one by one
// (Dialect.SearchCheck).
func BenchmarkArticlesSearchCommon(b *testing.B) {
	benchArticles(b, func(user, _ int64) digest.ArticleQuery {
		return digest.ArticleQuery{UserID: user, Search: "body text"}
	})
}
