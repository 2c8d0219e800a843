package greader_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/greader"
	"github.com/occasional-digest/digest/internal/testenv"
)

// BenchmarkStreams measures the sync calls at the product's target size
// over real HTTP on loopback: DIGEST_BENCH_ARTICLES articles (200,000 by
// default) in 100 feeds of equal size, three users (A, B and a third)
// each following 60 of them in 5 categories, overlapping, so that each
// sees 60 % of the articles; A has read 95 % of theirs and starred a few. Users and auth come
// from internal/testenv; the articles are saved with SaveFetches, as the
// pipeline saves them, since fetching 200,000 items from the loopback
// feed server would take minutes. Each sub-benchmark reports its median
// and 95th percentile.
//
//	go test -run XXX -bench Streams ./greader
func BenchmarkStreams(b *testing.B) {
	total := 200_000
	if s := os.Getenv("DIGEST_BENCH_ARTICLES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 {
			b.Fatalf("DIGEST_BENCH_ARTICLES=%q", s)
		}
		total = n
	}
	const feeds = 100
	perFeed := total / feeds
	e := testenv.New(b, testenv.Options{FeedsA: []string{}, FeedsB: []string{}})
	c := e.NewUser(b, "carol", digest.RoleUser)
	ctx := context.Background()
	start := time.Now()
	ids := make([]int64, feeds)
	for i, u := range []*testenv.User{e.A, e.B, c} {
		for f := i * 20; f < i*20+60; f++ {
			feed := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed.xml", f), Title: fmt.Sprintf("Outlet %d", f),
				Category: fmt.Sprintf("Category %d", f%5), Fetch: digest.FetchNever}
			feed.NextCheck = time.Now().Add(24 * time.Hour)
			if err := e.Store.CreateFeed(ctx, u.ID, feed); err != nil {
				b.Fatal(err)
			}
			ids[f%feeds] = feed.ID
		}
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 5000
	for first := 0; first < perFeed; first += batch / feeds {
		var rs []digest.FetchResult
		for f := 0; f < feeds; f++ {
			r := digest.FetchResult{FeedID: ids[f], State: digest.FetchState{LastCheck: time.Now(), NextCheck: time.Now().Add(24 * time.Hour)}}
			for n := first; n < min(first+batch/feeds, perFeed); n++ {
				name := fmt.Sprintf("f%d-e%d", f, n)
				r.Entries = append(r.Entries, digest.Entry{
					GUID: "urn:" + name, URL: "https://outlet" + strconv.Itoa(f) + ".example/news/" + name,
					Link: "https://outlet" + strconv.Itoa(f) + ".example/news/" + name, Title: "Headline number " + name,
					Published: base.Add(time.Duration(n*feeds+f) * time.Minute),
					Summary:   "A summary of the article " + name + " with a few words.",
					Content:   "<p>Body text of " + name + ", long enough to look like an article paragraph, twice as long as a summary.</p>",
					Text:      "Body text of " + name + ", long enough to look like an article paragraph, twice as long as a summary.",
					Hash:      "h-" + name,
				})
			}
			rs = append(rs, r)
		}
		if _, err := e.Store.SaveFetches(ctx, rs); err != nil {
			b.Fatal(err)
		}
	}
	// A has read all but one in 20 of their articles and starred one in
	// 2,000, as a reader who keeps up does.
	refs, err := e.Store.ArticleRefs(ctx, digest.ArticleQuery{UserID: e.A.ID, ByID: true, Limit: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	var read, starred []int64
	for i, r := range refs {
		if i%20 != 0 {
			read = append(read, r.ID)
		}
		if i%2000 == 1 {
			starred = append(starred, r.ID)
		}
	}
	if _, err := e.Store.MarkStarred(ctx, e.A.ID, starred, true); err != nil {
		b.Fatal(err)
	}
	for len(read) > 0 {
		n := min(len(read), 5000)
		if _, err := e.Store.MarkRead(ctx, e.A.ID, read[:n], true); err != nil {
			b.Fatal(err)
		}
		read = read[n:]
	}
	b.Logf("seeded %d articles, 3 users, in %v", perFeed*feeds, time.Since(start).Round(time.Millisecond))

	ts := httptest.NewServer(greader.New(e.Store, e.Pipeline, e.Auth, greader.Options{}))
	defer ts.Close()
	cl := &client{t: b, base: ts.URL}
	cl.login(e.A.Name, e.A.AppPassword)
	feed := strconv.FormatInt(ids[30], 10)
	for _, bc := range []struct{ name, path string }{
		{"contents-n100", "/reader/api/0/stream/contents?n=100"},
		{"contents-n100-unread", "/reader/api/0/stream/contents?n=100&xt=user/-/state/com.google/read"},
		{"contents-n100-feed", "/reader/api/0/stream/contents/feed/" + feed + "?n=100"},
		{"contents-n100-label", "/reader/api/0/stream/contents/user/-/label/Category%203?n=100"},
		{"ids-n1000", "/reader/api/0/stream/items/ids?n=1000"},
		{"ids-n1000-unread", "/reader/api/0/stream/items/ids?n=1000&s=user/-/state/com.google/reading-list&xt=user/-/state/com.google/read"},
		{"ids-n1000-starred", "/reader/api/0/stream/items/ids?n=1000&s=user/-/state/com.google/starred"},
		{"ids-n1000-feed", "/reader/api/0/stream/items/ids?n=1000&s=feed/" + feed},
		{"ids-n1000-label", "/reader/api/0/stream/items/ids?n=1000&s=user/-/label/Category%203"},
		{"contents-n100-starred", "/reader/api/0/stream/contents?n=100&s=user/-/state/com.google/starred"},
		{"atom-n20-feed", "/reader/atom/feed%2F" + feed + "?n=20"},
		{"ids-n10000", "/reader/api/0/stream/items/ids?n=10000"},
		{"unread-count", "/reader/api/0/unread-count"},
		{"subscription-list", "/reader/api/0/subscription/list"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				t0 := time.Now()
				r := cl.do("GET", bc.path, "")
				times = append(times, time.Since(t0))
				if r.Status != http.StatusOK {
					b.Fatalf("%d %s", r.Status, r.Body)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "ms-p95")
		})
	}
}
