package daily

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Shape of the benchmark: benchReaders readers, each following
// benchFollowed of benchFeeds feeds; benchFeeds*benchPerFeed articles of
// the last day in stories of benchPerStory articles from as many feeds;
// each reader has read every fifth article they see.
var benchReaders = benchSize()

// benchSize is 1,000, or DIGEST_BENCH_READERS (to profile quicker).
func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("DIGEST_BENCH_READERS")); err == nil && n > 0 {
		return n
	}
	return 1000
}

const (
	benchFeeds    = 60
	benchFollowed = 12
	benchPerFeed  = 50
	benchPerStory = 5
)

// populateDigests fills st and returns the readers.
func populateDigests(b *testing.B, st digest.Store, now time.Time) []*digest.User {
	ctx := context.Background()
	start := time.Now()
	users := make([]*digest.User, benchReaders)
	feedIDs := make([]int64, benchFeeds)
	for i := range users {
		u := &digest.User{Name: fmt.Sprintf("reader%04d", i), Settings: digest.Settings{TimeZone: "Europe/Paris"}}
		if err := st.CreateUser(ctx, u); err != nil {
			b.Fatal(err)
		}
		users[i] = u
		for k := range benchFollowed {
			f := (i*7 + k*5) % benchFeeds
			fd := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed", f), Title: fmt.Sprintf("Outlet %d", f),
				FetchState: digest.FetchState{NextCheck: now.Add(24 * time.Hour)}}
			if err := st.CreateFeed(ctx, u.ID, fd); err != nil && digest.ErrorCode(err) != digest.ECONFLICT {
				b.Fatal(err)
			}
			feedIDs[f] = fd.ID
		}
		if err := st.SetDailySettings(ctx, &digest.DailySettings{UserID: u.ID, Enabled: true, Hour: 7}); err != nil {
			b.Fatal(err)
		}
	}
	words := []string{"harbour", "council", "election", "storm", "ferry", "budget", "school", "festival", "bridge", "court", "market", "river"}
	created := make([][]int64, benchFeeds)
	for f, id := range feedIDs {
		if id == 0 {
			b.Fatalf("feed %d followed by no reader", f)
		}
		r := digest.FetchResult{FeedID: id, State: digest.FetchState{LastCheck: now, NextCheck: now.Add(time.Hour)}}
		for k := range benchPerFeed {
			name := fmt.Sprintf("f%d-a%d", f, k)
			w1, w2 := words[(f+k)%len(words)], words[(f*3+k*7)%len(words)]
			r.Entries = append(r.Entries, digest.Entry{GUID: name, URL: "https://outlet.example/" + name, Link: "https://outlet.example/" + name,
				Title: "The " + w1 + " and the " + w2 + " " + name, Summary: "What happened to the " + w1 + " today, and why the " + w2 + " matters.",
				Published: now.Add(-time.Duration(k*20+f) * time.Minute), Hash: name})
		}
		res, err := st.SaveFetches(ctx, []digest.FetchResult{r})
		if err != nil {
			b.Fatal(err)
		}
		created[f] = res[0].Created
	}
	stories := 0
	for k := range benchPerFeed {
		for f0 := 0; f0 < benchFeeds; f0 += benchPerStory {
			var ids []int64
			for j := range benchPerStory {
				ids = append(ids, created[f0+j][k])
			}
			seen := now.Add(-time.Duration(k*20) * time.Minute)
			s := &digest.Story{Headline: fmt.Sprintf("Story %d of the %s", stories, words[stories%len(words)]),
				Summary: "A summary of the story about the " + words[(stories*5)%len(words)] + ".", FirstSeen: seen, LastSeen: seen,
				Importance: float64(1 + stories%7), Outlets: 1 + stories%7, ArticleIDs: ids}
			if err := st.SaveStory(ctx, s); err != nil {
				b.Fatal(err)
			}
			stories++
		}
	}
	for _, u := range users {
		refs, err := st.ArticleRefs(ctx, digest.ArticleQuery{UserID: u.ID, Limit: 100_000})
		if err != nil {
			b.Fatal(err)
		}
		var read []int64
		for i, r := range refs {
			if i%5 == 0 {
				read = append(read, r.ID)
			}
		}
		if _, err := st.MarkRead(ctx, u.ID, read, true); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("populated %d readers, %d feeds, %d articles, %d stories in %v", benchReaders, benchFeeds, benchFeeds*benchPerFeed, stories,
		time.Since(start).Round(time.Millisecond))
	return users
}

// BenchmarkDigest1000Readers builds the digest of 1,000 readers (one
// op); the target is under 60 s on one core (go test -cpu 1). It then
// times one scheduler round that builds and stores all of them.
func BenchmarkDigest1000Readers(b *testing.B) {
	st := openStore(b)
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	users := populateDigests(b, st, now)
	svc, err := New(st, Options{BaseURL: "https://news.example.org"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	items := 0
	cpu := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		items = 0
		for _, u := range users {
			d, err := svc.Build(ctx, u, now)
			if err != nil {
				b.Fatal(err)
			}
			items += len(d.Items)
		}
	}
	b.StopTimer()
	cpu = cpuTime() - cpu
	if items != benchReaders*10 {
		b.Fatalf("%d stories in 1,000 digests, want 10 each", items)
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/1000-readers")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/1000-readers")
	start := time.Now()
	if err := svc.RunOnce(ctx, now.Add(time.Hour)); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(start).Seconds(), "s-round-build+store")
	if ds, err := st.DailyDigests(ctx, users[len(users)-1].ID, 0); err != nil || len(ds) != 1 || len(ds[0].Items) != 10 {
		b.Fatalf("after the round: %v %v", ds, err)
	}
}
