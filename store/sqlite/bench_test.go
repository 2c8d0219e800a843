package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// The benchmark database: the product's published target size.
const (
	benchFeeds    = 10000
	benchPerFeed  = 20 // 200,000 articles
	benchBatch    = 100
	benchReadFrac = 3 // every third article is read
)

// shape is how a benchmark database's 200,000 articles are spread over
// feeds.
type shape struct{ feeds, perFeed int }

var (
	// wide is the default: many small feeds.
	wide = shape{benchFeeds, benchPerFeed}
	// deep is few large feeds: a feed's page picks 50 of 4,000.
	deep = shape{50, 4000}
)

// suffix names the database file of s next to the default one.
func (s shape) suffix() string {
	if s == wide {
		return ""
	}
	return fmt.Sprintf("-%dx%d", s.feeds, s.perFeed)
}

type benchState struct {
	once sync.Once
	path string
	err  error
}

var bench struct {
	mu     sync.Mutex
	dir    string
	shapes map[shape]*benchState
}

var benchBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func benchEntry(feed, n int) digest.Entry { return shapeEntry(wide, feed, n) }

func shapeEntry(sh shape, feed, n int) digest.Entry {
	name := fmt.Sprintf("f%d-e%d", feed, n)
	return digest.Entry{
		GUID: "urn:" + name, URL: "https://outlet" + fmt.Sprint(feed) + ".example/news/" + name,
		Link: "https://outlet.example/news/" + name, Title: "Headline number " + name,
		// Spread over a year, interleaving feeds.
		Published: benchBase.Add(time.Duration(n*sh.feeds+feed) * time.Minute),
		Summary:   "A summary of the article " + name + " with a few words.",
		Content:   "<p>Body text of " + name + ", long enough to look like an article paragraph.</p>",
		Text:      "Body text of " + name + ", long enough to look like an article paragraph.",
		Hash:      "h-" + name,
	}
}

// benchDB returns the path of the default populated database.
func benchDB(b *testing.B) string { return shapeDB(b, wide) }

// shapeDB returns the path of a database populated in shape sh, built
// once per test binary run. DIGEST_BENCH_DB=/tmp/x.db keeps the databases
// between runs (/tmp/x.db, /tmp/x-50x4000.db, ...; built if absent).
func shapeDB(b *testing.B, sh shape) string {
	b.Helper()
	bench.mu.Lock()
	if bench.shapes == nil {
		bench.shapes = map[shape]*benchState{}
	}
	st := bench.shapes[sh]
	if st == nil {
		st = &benchState{}
		bench.shapes[sh] = st
	}
	bench.mu.Unlock()
	st.once.Do(func() {
		if p := os.Getenv("DIGEST_BENCH_DB"); p != "" {
			st.path = strings.TrimSuffix(p, ".db") + sh.suffix() + ".db"
			if sh == wide {
				st.path = p
			}
			if _, err := os.Stat(st.path); err == nil {
				return
			}
		} else {
			bench.mu.Lock()
			if bench.dir == "" {
				bench.dir, st.err = os.MkdirTemp("", "digest-store-bench-")
			}
			bench.mu.Unlock()
			if st.err != nil {
				return
			}
			st.path = filepath.Join(bench.dir, "bench"+sh.suffix()+".db")
		}
		start := time.Now()
		st.err = populate(st.path, sh)
		b.Logf("populated %s in %v", st.path, time.Since(start))
	})
	if st.err != nil {
		b.Fatalf("populate: %v", st.err)
	}
	return st.path
}

func populate(path string, sh shape) error {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	u := &digest.User{Name: "bench"}
	if err := db.CreateUser(ctx, u); err != nil {
		return err
	}
	if u.ID != benchUser {
		return fmt.Errorf("bench user has ID %d, want %d", u.ID, benchUser)
	}
	ids := make([]int64, sh.feeds)
	for i := range ids {
		f := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed", i), Title: fmt.Sprintf("Outlet %05d", i), Category: fmt.Sprint("cat", i%10)}
		if err := db.CreateFeed(ctx, benchUser, f); err != nil {
			return err
		}
		ids[i] = f.ID
	}
	var read []int64
	// Batches of about 2,000 entries; a deep feed's entries are saved in
	// several results for the same feed.
	per := min(sh.perFeed, benchBatch*benchPerFeed)
	feedsPerBatch := max(1, benchBatch*benchPerFeed/sh.perFeed)
	for start := 0; start < sh.feeds; start += feedsPerBatch {
		var rs []digest.FetchResult
		for i := start; i < min(start+feedsPerBatch, sh.feeds); i++ {
			for first := 0; first < sh.perFeed; first += per {
				r := digest.FetchResult{FeedID: ids[i], State: digest.FetchState{LastCheck: benchBase, NextCheck: benchBase.Add(time.Duration(i) * time.Second)}}
				for n := first; n < first+per; n++ {
					r.Entries = append(r.Entries, shapeEntry(sh, i, n))
				}
				rs = append(rs, r)
			}
		}
		res, err := db.SaveFetches(ctx, rs)
		if err != nil {
			return err
		}
		for _, r := range res {
			for k, id := range r.Created {
				if k%benchReadFrac == 0 {
					read = append(read, id)
				}
			}
		}
	}
	if _, err := db.MarkRead(ctx, benchUser, read, true); err != nil {
		return err
	}
	return nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" { // not DIGEST_BENCH_DB
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// openBench opens the shared benchmark database for reading.
func openBench(b *testing.B) *sqlite.DB { return openShape(b, wide) }

// openShape opens the shared benchmark database of shape sh for reading.
func openShape(b *testing.B, sh shape) *sqlite.DB {
	b.Helper()
	db, err := sqlite.Open(context.Background(), shapeDB(b, sh), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// openBenchCopy opens a private copy of the benchmark database for writing.
func openBenchCopy(b *testing.B) *sqlite.DB {
	b.Helper()
	src := benchDB(b)
	dst := filepath.Join(b.TempDir(), "copy.db")
	if err := copyFile(src, dst); err != nil {
		b.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), dst, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func copyFile(src, dst string) error {
	for _, suffix := range []string{"", "-wal"} {
		in, err := os.Open(src + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		out, err := os.Create(dst + suffix)
		if err != nil {
			in.Close()
			return err
		}
		_, err = io.Copy(out, in)
		in.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func feedIDs(b *testing.B, db *sqlite.DB) []int64 {
	b.Helper()
	fs, err := db.Feeds(context.Background(), benchUser)
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	slices.Sort(ids) // creation order: ids[i] carries benchEntry(i, n)
	return ids
}

// BenchmarkSaveFetchesInsert saves batches of 100 feeds with 20 new
// entries each into the populated database.
func BenchmarkSaveFetchesInsert(b *testing.B) {
	db := openBenchCopy(b)
	ids := feedIDs(b, db)
	ctx := context.Background()
	round := 0
	entries := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		var rs []digest.FetchResult
		for i := range benchBatch {
			fi := (round*benchBatch + i) % len(ids)
			r := digest.FetchResult{FeedID: ids[fi]}
			for n := range benchPerFeed {
				r.Entries = append(r.Entries, benchEntry(fi, 1000+round*benchPerFeed+n))
			}
			rs = append(rs, r)
		}
		round++
		b.StartTimer()
		c := cpuTime()
		if _, err := db.SaveFetches(ctx, rs); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c
		entries += benchBatch * benchPerFeed
	}
	b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
	reportCPU(b, cpu)
	if cpu > 0 {
		b.ReportMetric(float64(entries)/cpu.Seconds(), "entries/cpu-s")
	}
}

// BenchmarkSaveFetchesTick refetches 1,000 feeds whose 20 entries are all
// known; 10 % of the feeds changed one entry. Only those may be written.
func BenchmarkSaveFetchesTick(b *testing.B) {
	db := openBenchCopy(b)
	ids := feedIDs(b, db)
	ctx := context.Background()
	const tick = 1000
	var written int64
	var cpu time.Duration
	round := 0
	for b.Loop() {
		b.StopTimer()
		var rs []digest.FetchResult
		for i := range tick {
			r := digest.FetchResult{FeedID: ids[i], State: digest.FetchState{LastCheck: benchBase, ETag: fmt.Sprint(round)}}
			for n := range benchPerFeed {
				r.Entries = append(r.Entries, benchEntry(i, n))
			}
			if i%10 == 0 {
				r.Entries[0].Hash = fmt.Sprint("changed-", round)
				r.Entries[0].Title = fmt.Sprint("Changed ", round)
			}
			rs = append(rs, r)
		}
		round++
		before := db.WriteCount()
		b.StartTimer()
		c := cpuTime()
		for start := 0; start < tick; start += benchBatch {
			if _, err := db.SaveFetches(ctx, rs[start:start+benchBatch]); err != nil {
				b.Fatal(err)
			}
		}
		cpu += cpuTime() - c
		written += db.WriteCount() - before
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(written)/float64(b.N), "entry-rows/tick")
	b.ReportMetric(float64(tick*benchPerFeed)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkSaveFetches304 saves 5,000 state-only results (all 304) in one
// batch.
func BenchmarkSaveFetches304(b *testing.B) {
	db := openBenchCopy(b)
	ids := feedIDs(b, db)
	ctx := context.Background()
	rs := make([]digest.FetchResult, 5000)
	var cpu time.Duration
	for b.Loop() {
		for i := range rs {
			rs[i] = digest.FetchResult{FeedID: ids[i], State: digest.FetchState{ETag: `"x"`, LastCheck: time.Now(), NextCheck: time.Now().Add(time.Hour)}}
		}
		c := cpuTime()
		if _, err := db.SaveFetches(ctx, rs); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c
	}
	reportCPU(b, cpu)
}

// benchArticles measures one page of q after skipping pages of 500.
func benchArticles(b *testing.B, q digest.ArticleQuery, skipPages int) {
	benchShapeArticles(b, wide, q, skipPages)
}

func benchShapeArticles(b *testing.B, sh shape, q digest.ArticleQuery, skipPages int) {
	db := openShape(b, sh)
	ctx := context.Background()
	limit := q.Limit
	q.Limit = 500
	for range skipPages {
		p, err := db.Articles(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if p.Next == "" {
			b.Fatalf("ran out of pages")
		}
		q.Cursor = p.Next
	}
	q.Limit = limit
	measure(b, func() {
		p, err := db.Articles(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if len(p.Articles) == 0 {
			b.Fatal("empty page")
		}
	})
}

// measure runs op in the benchmark loop and reports its CPU time too.
func measure(b *testing.B, op func()) {
	b.Helper()
	c := cpuTime()
	for b.Loop() {
		op()
	}
	reportCPU(b, cpuTime()-c)
}

// reportCPU reports CPU milliseconds per operation.
func reportCPU(b *testing.B, cpu time.Duration) {
	if cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}

func BenchmarkArticlesFirstPage(b *testing.B) {
	benchArticles(b, digest.ArticleQuery{UserID: benchUser}, 0)
}

// A page of 50 after the 100,000th article.
func BenchmarkArticlesDeepPage(b *testing.B) {
	benchArticles(b, digest.ArticleQuery{UserID: benchUser}, 200)
}

func BenchmarkArticlesUnreadFirstPage(b *testing.B) {
	benchArticles(b, digest.ArticleQuery{UserID: benchUser, Unread: true}, 0)
}

func BenchmarkArticlesUnreadDeepPage(b *testing.B) {
	benchArticles(b, digest.ArticleQuery{UserID: benchUser, Unread: true}, 150)
}

func BenchmarkArticlesFeed(b *testing.B) {
	benchArticles(b, digest.ArticleQuery{UserID: benchUser, FeedID: 5000}, 0)
}

// One of 50 feeds with 4,000 articles each: the first page, and a page
// after 2,000 of its articles.
func BenchmarkArticlesBigFeed(b *testing.B) {
	benchShapeArticles(b, deep, digest.ArticleQuery{UserID: benchUser, FeedID: 7}, 0)
}

func BenchmarkArticlesBigFeedDeepPage(b *testing.B) {
	benchShapeArticles(b, deep, digest.ArticleQuery{UserID: benchUser, FeedID: 7}, 4)
}

func BenchmarkArticlesBigFeedUnread(b *testing.B) {
	benchShapeArticles(b, deep, digest.ArticleQuery{UserID: benchUser, FeedID: 7, Unread: true}, 0)
}

// The whole river of the deep database, for comparison with the wide one.
func BenchmarkArticlesBigFeedsRiver(b *testing.B) {
	benchShapeArticles(b, deep, digest.ArticleQuery{UserID: benchUser}, 0)
}

func BenchmarkArticlesSearch(b *testing.B) {
	benchArticles(b, digest.ArticleQuery{UserID: benchUser, Search: "f4242-e7"}, 0)
}

func BenchmarkArticle(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	measure(b, func() {
		if _, err := db.Article(ctx, benchUser, 123456); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkFeeds(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	measure(b, func() {
		fs, err := db.Feeds(ctx, benchUser)
		if err != nil {
			b.Fatal(err)
		}
		if len(fs) != benchFeeds {
			b.Fatalf("%d feeds", len(fs))
		}
	})
}

// BenchmarkFeedsUncached reads the feed list as a miss of the feed cache
// does (after any write): a store whose dialect has no DataVersion.
func BenchmarkFeedsUncached(b *testing.B) {
	raw, err := sql.Open("sqlite", benchDB(b))
	if err != nil {
		b.Fatal(err)
	}
	d := sqlite.Dialect()
	d.DataVersion = ""
	st := sqlstore.New(raw, raw, d, nil)
	b.Cleanup(func() { st.Close() })
	ctx := context.Background()
	measure(b, func() {
		fs, err := st.Feeds(ctx, benchUser)
		if err != nil {
			b.Fatal(err)
		}
		if len(fs) != benchFeeds {
			b.Fatalf("%d feeds", len(fs))
		}
	})
}

func BenchmarkFeed(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	measure(b, func() {
		if _, err := db.Feed(ctx, benchUser, 777); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkDueFeeds(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	now := benchBase.Add(5000 * time.Second)
	measure(b, func() {
		fs, err := db.DueFeeds(ctx, now, 100)
		if err != nil {
			b.Fatal(err)
		}
		if len(fs) != 100 {
			b.Fatalf("%d due", len(fs))
		}
	})
}

// A word in every article: the ordered index is scanned instead.
func BenchmarkArticlesSearchCommon(b *testing.B) {
	benchArticles(b, digest.ArticleQuery{UserID: benchUser, Search: "headline"}, 0)
}

// BenchmarkMarkRead marks a page of 50 articles read and unread again.
func BenchmarkMarkRead(b *testing.B) {
	db := openBenchCopy(b)
	ctx := context.Background()
	p, err := db.Articles(ctx, digest.ArticleQuery{UserID: benchUser})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, len(p.Articles))
	for i, a := range p.Articles {
		ids[i] = a.ID
	}
	read := true
	measure(b, func() {
		if _, err := db.MarkRead(ctx, benchUser, ids, read); err != nil {
			b.Fatal(err)
		}
		read = !read
	})
}

// BenchmarkFeedsPage reads one page of 50 feeds of 10,000 in each order,
// as the feeds page does instead of reading them all, and the totals the
// page shows.
func BenchmarkFeedsPage(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	for _, order := range []string{"category", "title", "errors"} {
		b.Run(order, func(b *testing.B) {
			_, next, _, err := db.FeedsPage(ctx, benchUser, "", order, 50, "")
			if err != nil {
				b.Fatal(err)
			}
			// A page in the middle: the query skips the feeds before it.
			for range 99 {
				if _, next, _, err = db.FeedsPage(ctx, benchUser, "", order, 50, next); err != nil {
					b.Fatal(err)
				}
			}
			measure(b, func() {
				fs, _, _, err := db.FeedsPage(ctx, benchUser, "", order, 50, next)
				if err != nil {
					b.Fatal(err)
				}
				if len(fs) != 50 {
					b.Fatalf("%d feeds", len(fs))
				}
			})
		})
	}
	b.Run("search", func(b *testing.B) {
		measure(b, func() {
			fs, _, _, err := db.FeedsPage(ctx, benchUser, "outlet99", "", 50, "")
			if err != nil {
				b.Fatal(err)
			}
			if len(fs) == 0 {
				b.Fatal("no feed matches")
			}
		})
	})
}

func BenchmarkFeedTotals(b *testing.B) {
	db := openBench(b)
	ctx := context.Background()
	measure(b, func() {
		n, _, _, err := db.FeedTotals(ctx, benchUser, "")
		if err != nil {
			b.Fatal(err)
		}
		if n != benchFeeds {
			b.Fatalf("%d feeds", n)
		}
	})
}

// benchUser is the user of the benchmark databases: the first user
// created in a new database.
const benchUser int64 = 1
