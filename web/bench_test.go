package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/store/sqlite"
)

// benchArticles is the size of the benchmark's store.
const benchArticles = 200_000

// The seeded store is shared by the benchmarks of one run: seeding 200,000
// articles through SaveFetches takes far longer than any measurement.
var bench struct {
	once   sync.Once
	dir    string
	server *Server
	err    error
	cookie string // the bench user's session
}

// benchUser is the first user of the benchmark database.
const benchUser int64 = 1

func benchServer(b *testing.B) *Server {
	b.Helper()
	bench.once.Do(func() {
		// DIGEST_BENCH_DB keeps the seeded database between runs: it is
		// seeded when empty and reused as it is otherwise.
		path := os.Getenv("DIGEST_BENCH_DB")
		if path == "" {
			bench.dir, bench.err = os.MkdirTemp("", "digest-web-bench-")
			if bench.err != nil {
				return
			}
			path = filepath.Join(bench.dir, "digest.db")
		}
		ctx := context.Background()
		db, err := sqlite.Open(ctx, path, nil)
		if err != nil {
			bench.err = err
			return
		}
		if _, err := db.User(ctx, benchUser); digest.IsNotFound(err) {
			u := &digest.User{Name: "bench"}
			if err := db.CreateUser(ctx, u); err != nil || u.ID != benchUser {
				bench.err = fmt.Errorf("bench user %d: %v", u.ID, err)
				return
			}
		}
		feeds, err := db.Feeds(ctx, benchUser)
		if err != nil {
			bench.err = err
			return
		}
		if len(feeds) == 0 {
			start := time.Now()
			if err := seedMany(ctx, db, 50, benchArticles); err != nil {
				bench.err = err
				return
			}
			b.Logf("seeded %d articles in %v", benchArticles, time.Since(start).Round(time.Millisecond))
		}
		if bench.err = seedStories(ctx, db); bench.err != nil {
			return
		}
		authSvc := auth.New(db, auth.Options{Params: auth.Params{Time: 1, Memory: 64, Threads: 1}})
		bench.server = New(Config{}, db, &storeFeeds{store: db}, authSvc, nil)
		u, err := db.User(ctx, benchUser)
		if err != nil {
			bench.err = err
			return
		}
		token, _, err := authSvc.StartSession(ctx, u, "bench", "127.0.0.1")
		if err != nil {
			bench.err = err
			return
		}
		bench.cookie = "digest_session=" + token
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.server
}

// TestMain removes the benchmark's store after the run.
func TestMain(m *testing.M) {
	code := m.Run()
	if bench.server != nil {
		bench.server.store.Close()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

// seedMany stores n articles spread over feeds feeds, newest last, in
// batches the way the ingest pipeline saves them.
func seedMany(ctx context.Context, st digest.Store, feeds, n int) error {
	ids := make([]int64, feeds)
	for i := range ids {
		f := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed", i), SiteURL: fmt.Sprintf("https://outlet%d.example/", i), Title: fmt.Sprintf("Outlet %d", i), Fetch: digest.FetchShort}
		if err := st.CreateFeed(ctx, benchUser, f); err != nil {
			return err
		}
		ids[i] = f.ID
	}
	const batch = 2000
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := 0; start < n; start += batch {
		var results []digest.FetchResult
		byFeed := map[int][]digest.Entry{}
		for i := start; i < min(start+batch, n); i++ {
			guid := "a" + strconv.Itoa(i)
			byFeed[i%feeds] = append(byFeed[i%feeds], digest.Entry{
				GUID:      guid,
				URL:       "https://news.example/" + guid,
				Link:      "https://news.example/" + guid,
				Title:     "Headline number " + strconv.Itoa(i) + " about the harbour and the council",
				Published: t0.Add(time.Duration(i) * time.Minute),
				Summary:   "The first lines of the article, a few sentences that tell what happened, who said what and why it matters to the town.",
				Content:   "<p>Body of article " + strconv.Itoa(i) + ".</p>",
				Text:      "Body of article " + strconv.Itoa(i) + ".",
				Hash:      guid,
			})
		}
		for f, es := range byFeed {
			results = append(results, digest.FetchResult{FeedID: ids[f], Entries: es, State: digest.FetchState{LastCheck: t0}})
		}
		if _, err := st.SaveFetches(ctx, results); err != nil {
			return err
		}
	}
	return nil
}

// benchStories is the number of stories of the benchmark's store, each
// over storyArticles articles from as many outlets.
const (
	benchStories  = 1000
	storyArticles = 8
)

// seedStories clusters the newest articles into stories the way the story
// engine saves them, unless the store has stories already. Article IDs
// follow insertion order, so consecutive IDs come from different feeds.
func seedStories(ctx context.Context, st digest.Store) error {
	have, err := st.Stories(ctx, benchUser, 1, 0)
	if err != nil || len(have) > 0 {
		return err
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range benchStories {
		first := int64(benchArticles - (i+1)*storyArticles + 1)
		ids := make([]int64, storyArticles)
		for j := range ids {
			ids[j] = first + int64(j)
		}
		s := &digest.Story{
			Headline: "Story " + strconv.Itoa(i) + " about the harbour and the council", Summary: "What happened, in two sentences. Who said what.",
			FirstSeen: t0, LastSeen: t0.Add(time.Duration(i) * time.Minute), Importance: float64((i * 7919) % 1000), Outlets: storyArticles,
			Entities: []digest.Entity{
				{Name: "Person " + strconv.Itoa(i%97), Kind: digest.Person, Count: 3},
				{Name: "Town " + strconv.Itoa(i%31), Kind: digest.Place, Count: 2},
				{Name: "Council " + strconv.Itoa(i%13), Kind: digest.Organization, Count: 1},
				{Name: "Harbour Festival", Kind: digest.Misc, Count: 1},
			},
			ArticleIDs: ids,
		}
		if err := st.SaveStory(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// benchGet measures one GET and reports the median besides the mean.
func benchGet(b *testing.B, s *Server, target string) { benchGetAs(b, s, bench.cookie, target) }

// benchGetAs is benchGet signed in with another session cookie.
func benchGetAs(b *testing.B, s *Server, cookie, target string) {
	h := s.Handler()
	// Warm up once and check the answer.
	w := httptest.NewRecorder()
	h.ServeHTTP(w, benchRequestAs(cookie, target))
	if w.Code != 200 {
		b.Fatalf("GET %s = %d: %s", target, w.Code, w.Body)
	}
	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, benchRequestAs(cookie, target))
		times = append(times, time.Since(start))
		if w.Code != 200 {
			b.Fatalf("GET %s = %d", target, w.Code)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
}

func BenchmarkRiver(b *testing.B) {
	benchGet(b, benchServer(b), "/")
}

// BenchmarkStoryCards prepares the front page's twelve story cards with
// the outlet cache warm, as most requests find it.
func BenchmarkStoryCards(b *testing.B) { benchStoryCards(b, false) }

// BenchmarkStoryCardsCold looks up the outlets of all twelve cards, as
// one request in every FeedCacheTTL does.
func BenchmarkStoryCardsCold(b *testing.B) { benchStoryCards(b, true) }

func benchStoryCards(b *testing.B, cold bool) {
	s := benchServer(b)
	ctx := context.Background()
	list, err := s.store.Stories(ctx, benchUser, homeStories, 0)
	if err != nil || len(list) != homeStories {
		b.Fatalf("stories: %d, %v", len(list), err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if cold {
			s.outlets.mu.Lock()
			clear(s.outlets.m)
			s.outlets.mu.Unlock()
		}
		if _, err := s.storyCards(ctx, benchUser, list); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStoriesPage(b *testing.B) {
	benchGet(b, benchServer(b), "/stories?page=3")
}

func BenchmarkStoryPage(b *testing.B) {
	s := benchServer(b)
	list, err := s.store.Stories(context.Background(), benchUser, 1, 0)
	if err != nil || len(list) == 0 {
		b.Fatalf("stories: %v", err)
	}
	benchGet(b, s, "/stories/"+strconv.FormatInt(list[0].ID, 10))
}

// BenchmarkEntityPage shows an entity named by about 30 stories.
func BenchmarkEntityPage(b *testing.B) {
	benchGet(b, benchServer(b), "/entities/loc/Town%205")
}

func BenchmarkAPIEntity(b *testing.B) {
	benchGet(b, benchServer(b), "/api/v1/entities/per/Person%2011")
}

func BenchmarkAPIStories(b *testing.B) {
	benchGet(b, benchServer(b), "/api/v1/stories?limit=20")
}

func BenchmarkRiverUnread(b *testing.B) {
	benchGet(b, benchServer(b), "/?unread=1")
}

func BenchmarkRiverFeed(b *testing.B) {
	benchGet(b, benchServer(b), "/?feed=7")
}

func BenchmarkAPIArticlesFeed(b *testing.B) {
	benchGet(b, benchServer(b), "/api/v1/articles?limit=50&feed_id=7")
}

func BenchmarkAPIArticles(b *testing.B) {
	benchGet(b, benchServer(b), "/api/v1/articles?limit=50")
}

// BenchmarkAPIArticlesDeep follows the cursor 100 pages down, where an
// OFFSET-based query would slow down.
func BenchmarkAPIArticlesDeep(b *testing.B) {
	s := benchServer(b)
	page, err := s.store.Articles(context.Background(), digest.ArticleQuery{UserID: benchUser, Limit: 500})
	if err != nil {
		b.Fatal(err)
	}
	for range 9 {
		if page, err = s.store.Articles(context.Background(), digest.ArticleQuery{UserID: benchUser, Limit: 500, Cursor: page.Next}); err != nil {
			b.Fatal(err)
		}
	}
	benchGet(b, s, "/api/v1/articles?limit=50&cursor="+page.Next)
}

func BenchmarkArticlePage(b *testing.B) {
	benchGet(b, benchServer(b), "/articles/100000")
}

// BenchmarkRiverColdCache measures a river page that reloads the feed list
// (with unread counts), as one request in every FeedCacheTTL does.
func BenchmarkRiverColdCache(b *testing.B) {
	s := benchServer(b)
	h := s.Handler()
	times := make([]time.Duration, 0, b.N)
	for b.Loop() {
		s.cache.invalidate()
		start := time.Now()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, benchRequest("/"))
		times = append(times, time.Since(start))
		if w.Code != 200 {
			b.Fatalf("GET / = %d", w.Code)
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms-median")
}

// benchRequest is a GET of target by the signed-in bench user.
func benchRequest(target string) *http.Request { return benchRequestAs(bench.cookie, target) }

func benchRequestAs(cookie, target string) *http.Request {
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("Cookie", cookie)
	return r
}
