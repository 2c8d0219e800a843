package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/rank"
)

// Shape of the For you benchmark: testenv's 200,000 articles
// (testenv.BenchSize), forYouBenchStories open stories of
// forYouBenchPerStory articles each over the reader's newest articles,
// and forYouBenchChoices follows, mutes, phrases and priorities standing
// in for rules.
const (
	forYouBenchStories  = 5000
	forYouBenchPerStory = 8
	forYouBenchChoices  = 1000
)

// BenchmarkForYou ranks the front page for one reader: the target is a
// median under 30 ms at 200,000 articles, 5,000 open stories and 1,000
// rules. Rank is the ranking alone (every store read it makes, scoring,
// diversity); Page is the whole front page, with the river, the cards
// and the impressions written.
func BenchmarkForYou(b *testing.B) {
	ctx := context.Background()
	e := testenv.New(b, testenv.Options{})
	users := e.Populate(b, testenv.BenchSize())
	u := users[0]
	start := time.Now()
	refs, err := e.Store.ArticleRefs(ctx, digest.ArticleQuery{UserID: u.ID, Limit: forYouBenchStories * forYouBenchPerStory})
	if err != nil {
		b.Fatal(err)
	}
	now := refs[0].Published.Add(time.Hour)
	nStories := min(forYouBenchStories, len(refs)/forYouBenchPerStory)
	for i := range nStories {
		ids := make([]int64, forYouBenchPerStory)
		for j := range ids {
			ids[j] = refs[i*forYouBenchPerStory+j].ID
		}
		st := &digest.Story{
			Headline: "Story " + strconv.Itoa(i) + " about the harbour and the council", Summary: "What happened, in two sentences. Who said what.",
			FirstSeen: now.Add(-time.Duration(i+60) * time.Minute), LastSeen: now.Add(-time.Duration(i) * time.Minute),
			Importance: float64((i * 7919) % 1000), Outlets: forYouBenchPerStory,
			Entities: []digest.Entity{
				{Name: "Person " + strconv.Itoa(i%97), Kind: digest.Person, Count: 3},
				{Name: "Town " + strconv.Itoa(i%31), Kind: digest.Place, Count: 2},
				{Name: "Council " + strconv.Itoa(i%13), Kind: digest.Organization, Count: 1},
			},
			ArticleIDs: ids,
		}
		if err := e.Store.SaveStory(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
	feeds, err := e.Store.Feeds(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	for i := range forYouBenchChoices {
		var c digest.Choice
		switch i % 5 {
		case 0:
			c = digest.Choice{Kind: digest.ChoiceEntity, Key: rank.EntityKey(digest.Person, "Person "+strconv.Itoa(i%97)), Value: 1}
			if i%2 == 1 {
				c.Key = rank.EntityKey(digest.Person, fmt.Sprintf("Someone %d", i))
			}
		case 1:
			c = digest.Choice{Kind: digest.ChoicePhrase, Key: fmt.Sprintf("phrase number %d", i), Value: -1}
		case 2:
			c = digest.Choice{Kind: digest.ChoicePriority, Key: strconv.FormatInt(feeds[i%len(feeds)].ID, 10), Value: float64(i%5 - 2)}
		case 3:
			c = digest.Choice{Kind: digest.ChoiceSite, Key: fmt.Sprintf("outlet%d.example", 10000+i), Value: -1}
		case 4:
			c = digest.Choice{Kind: digest.ChoiceEntity, Key: rank.EntityKey(digest.Place, fmt.Sprintf("Nowhere %d", i)), Value: -1}
		}
		c.Label = c.Key
		if err := e.Store.SetChoice(ctx, u.ID, &c); err != nil {
			b.Fatal(err)
		}
	}
	var sigs []digest.Signal
	for i := range digest.MaxSignals {
		sigs = append(sigs, digest.Signal{Key: fmt.Sprintf("entity:per:person %d", i), Clicks: float64(i % 3), Shown: 5})
	}
	if err := e.Store.Learn(ctx, u.ID, now, rank.HalfLife, sigs); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d stories, %d choices, %d signals in %v", nStories, forYouBenchChoices, len(sigs), time.Since(start).Round(time.Millisecond))
	srv := New(Config{Now: func() time.Time { return now }}, e.Store, &storeFeeds{store: e.Store}, e.Auth, nil)

	b.Run("Rank", func(b *testing.B) {
		res, err := srv.forYou(ctx, u.ID, homeStories)
		if err != nil || len(res.stories) != homeStories {
			b.Fatalf("forYou: %v", err)
		}
		cpu := cpuTime()
		testenv.Measure(b, func() {
			if _, err := srv.forYou(ctx, u.ID, homeStories); err != nil {
				b.Fatal(err)
			}
		})
		reportCPU(b, cpu)
	})
	b.Run("Page", func(b *testing.B) {
		token, _, err := e.Auth.StartSession(ctx, u.User, "bench", "127.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		h := srv.Handler()
		defer reportCPU(b, cpuTime())
		testenv.Measure(b, func() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, benchRequestAs("digest_session="+token, "/"))
			if w.Code != 200 {
				b.Fatalf("GET / = %d", w.Code)
			}
		})
	})
}

// reportCPU reports the process's CPU time per op since start: on a
// shared machine, what an op costs better than its wall time.
func reportCPU(b *testing.B, start time.Duration) {
	if d := cpuTime() - start; start > 0 && b.N > 0 {
		b.ReportMetric(float64(d.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}
