package fever_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fever"
	"github.com/occasional-digest/digest/internal/testenv"
)

// benchSize is the number of articles of the benchmark database;
// DIGEST_BENCH_ARTICLES changes it.
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("DIGEST_BENCH_ARTICLES")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// Shape of the benchmark database: benchFeeds feeds sharing the articles;
// three users each follow 600 of them, overlapping (A 0-599, B 200-799,
// C 400-999), and have read every third article they see.
const (
	benchFeeds    = 1000
	benchFollowed = 600
)

// benchPopulate fills e's store with n articles through the store's own
// write path (SaveFetches, as the pipeline saves), and returns the three
// users.
func benchPopulate(b *testing.B, e *testenv.Env, n int) []*testenv.User {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	users := []*testenv.User{e.A, e.B, e.NewUser(b, "carol", digest.RoleUser)}
	ids := make([]int64, benchFeeds)
	for i := range benchFeeds {
		for k, u := range users {
			if i < 200*k || i >= 200*k+benchFollowed {
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
	perFeed := n / benchFeeds
	for first := 0; first < benchFeeds; first += 10 {
		var rs []digest.FetchResult
		for i := first; i < first+10; i++ {
			r := digest.FetchResult{FeedID: ids[i], State: digest.FetchState{LastCheck: time.Now(), NextCheck: time.Now().Add(24 * time.Hour)}}
			for k := range perFeed {
				name := fmt.Sprintf("f%d-e%d", i, k)
				r.Entries = append(r.Entries, digest.Entry{
					GUID: "urn:" + name, URL: "https://outlet" + strconv.Itoa(i) + ".example/news/" + name,
					Link: "https://outlet.example/news/" + name, Title: "Headline number " + name,
					Published: base.Add(time.Duration(k*benchFeeds+i) * time.Minute),
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
	b.Logf("populated %d articles, %d feeds, 3 users in %v", perFeed*benchFeeds, benchFeeds, time.Since(start).Round(time.Millisecond))
	return users
}

// measure runs op b.N times and reports the median and 95th percentile.
func measure(b *testing.B, op func()) {
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

// BenchmarkFever measures Fever calls of user A on a database of
// benchSize articles, three users (go test -run XXX -bench Fever
// ./fever).
func BenchmarkFever(b *testing.B) {
	e := testenv.New(b, testenv.Options{Items: 1, FeedsA: []string{"alpha"}, FeedsB: []string{"beta"}})
	benchPopulate(b, e, benchSize())
	srv := httptest.NewServer(fever.New(e.Store, e.Pipeline, e.Auth, fever.Options{}))
	b.Cleanup(srv.Close)
	refs, err := e.Store.ArticleRefs(context.Background(), digest.ArticleQuery{UserID: e.A.ID, ByID: true, Oldest: true, Limit: 100_000})
	if err != nil {
		b.Fatal(err)
	}
	mid := refs[len(refs)/2].ID
	call := func(b *testing.B, query string) {
		resp, err := http.Post(srv.URL+"/fever/?api&"+query, "application/x-www-form-urlencoded", strings.NewReader("api_key="+e.A.FeverKey))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"auth":1`) {
			b.Fatalf("%s: %d %.200s", query, resp.StatusCode, body)
		}
	}
	for _, c := range []struct{ name, query string }{
		{"items_since_id_mid", "items&since_id=" + strconv.FormatInt(mid, 10)},
		{"items_since_id_0", "items&since_id=0"},
		{"items_max_id_0", "items&max_id=0"},
		{"items_with_ids_50", "items&with_ids=" + joinIDs(refs[len(refs)/3:len(refs)/3+50])},
		{"unread_item_ids", "unread_item_ids"},
		{"feeds_groups", "feeds&groups"},
	} {
		b.Run(c.name, func(b *testing.B) { measure(b, func() { call(b, c.query) }) })
	}
	// The store calls of items&since_id, alone, to see where time goes.
	ctx := context.Background()
	for _, c := range []struct {
		name string
		op   func() error
	}{
		{"store_Feeds", func() error { _, err := e.Store.Feeds(ctx, e.A.ID); return err }},
		{"store_Articles_since_id", func() error {
			_, err := e.Store.Articles(ctx, digest.ArticleQuery{UserID: e.A.ID, ByID: true, Oldest: true, AfterID: mid, Limit: 50, WithContent: true})
			return err
		}},
		{"store_CountArticles_all", func() error {
			_, err := e.Store.CountArticles(ctx, digest.ArticleQuery{UserID: e.A.ID})
			return err
		}},
		{"store_ArticleRefs_unread", func() error {
			_, err := e.Store.ArticleRefs(ctx, digest.ArticleQuery{UserID: e.A.ID, Unread: true, ByID: true, Oldest: true, Limit: 100_000})
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			measure(b, func() {
				if err := c.op(); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

func joinIDs(refs []digest.ArticleRef) string {
	s := make([]string, len(refs))
	for i, r := range refs {
		s[i] = strconv.FormatInt(r.ID, 10)
	}
	return strings.Join(s, ",")
}
