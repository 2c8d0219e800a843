package testenv

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// BenchSize is the number of articles of the benchmark database;
// DIGEST_BENCH_ARTICLES changes it.
func BenchSize() int {
	if n, err := strconv.Atoi(os.Getenv("DIGEST_BENCH_ARTICLES")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// Shape of the benchmark database (Populate): BenchFeeds feeds sharing the articles;
// three users each follow 600 of them, overlapping (A 0-599, B 200-799,
// C 400-999), and have read every third article they see.
const (
	BenchFeeds    = 1000
	BenchFollowed = 600
)

// Populate fills e's store with n articles through the store's own
// write path (SaveFetches, as the pipeline saves), and returns the three
// users.
func (e *Env) Populate(b testing.TB, n int) []*User {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	users := []*User{e.A, e.B, e.NewUser(b, "carol", digest.RoleUser)}
	ids := make([]int64, BenchFeeds)
	for i := range BenchFeeds {
		for k, u := range users {
			if i < 200*k || i >= 200*k+BenchFollowed {
				continue
			}
			f := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed", i), Title: fmt.Sprintf("Outlet %04d", i),
				Category: fmt.Sprint("Topic ", i%10), Fetch: digest.FetchNever, FetchState: digest.FetchState{NextCheck: time.Now().Add(24 * time.Hour)}}
			if err := e.Store.CreateFeed(ctx, u.ID, f); err != nil {
				b.Fatal(err)
			}
			ids[i] = f.ID
		}
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	perFeed := n / BenchFeeds
	for first := 0; first < BenchFeeds; first += 10 {
		var rs []digest.FetchResult
		for i := first; i < first+10; i++ {
			r := digest.FetchResult{FeedID: ids[i], State: digest.FetchState{LastCheck: time.Now(), NextCheck: time.Now().Add(24 * time.Hour)}}
			for k := range perFeed {
				name := fmt.Sprintf("f%d-e%d", i, k)
				r.Entries = append(r.Entries, digest.Entry{
					GUID: "urn:" + name, URL: "https://outlet" + strconv.Itoa(i) + ".example/news/" + name,
					Link: "https://outlet.example/news/" + name, Title: "Headline number " + name,
					Published: base.Add(time.Duration(k*BenchFeeds+i) * time.Minute),
					Summary:   "A summary of the article " + name + " with a few words.",
					Content:   "<p>Body text of " + name + ", long enough to look like an article paragraph.</p>" + strings.Repeat("<p>More text of the article, as a feed carries it.</p>", 8),
					Text:      "Body text of " + name + ".",
					Hash:      "h-" + name,
				})
			}
			rs = append(rs, r)
		}
		if _, err := e.Store.SaveFetches(ctx, rs); err != nil {
			b.Fatal(err)
		}
	}
	for _, u := range users {
		refs, err := e.Store.ArticleRefs(ctx, digest.ArticleQuery{UserID: u.ID, ByID: true, Oldest: true, Limit: 100_000})
		if err != nil {
			b.Fatal(err)
		}
		var read []int64
		for k, r := range refs {
			if k%3 == 0 {
				read = append(read, r.ID)
			}
		}
		for len(read) > 0 {
			chunk := read[:min(len(read), 10_000)]
			if _, err := e.Store.MarkRead(ctx, u.ID, chunk, true); err != nil {
				b.Fatal(err)
			}
			read = read[len(chunk):]
		}
	}
	b.Logf("populated %d articles, %d feeds, 3 users in %v", perFeed*BenchFeeds, BenchFeeds, time.Since(start).Round(time.Millisecond))
	return users
}

// Measure runs op b.N times and reports the median and 95th percentile.
func Measure(b *testing.B, op func()) {
	b.Helper()
	ds := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		t := time.Now()
		op()
		ds = append(ds, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "ms-p95")
}
