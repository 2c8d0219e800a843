package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testRelevanceFilters: a search by relevance ranks the newest matches
// that pass its filters (date:, feed:, author:, entity:, a feed of the
// query, the reader's own feeds), not the newest matches of its words
// filtered afterwards. Three old matches in a small feed sit behind
// 2,100 newer matches in a big one: ranking the words' newest matches
// first found none of the three.
func testRelevanceFilters(t *testing.T, s digest.Store) {
	ctx := context.Background()
	me, other := uid(t, s), otherUID(t, s)
	small := &digest.Feed{URL: "https://quiet.example/feed", Title: "Quiet Gazette"}
	if err := s.CreateFeed(ctx, me, small); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFeed(ctx, other, &digest.Feed{URL: small.URL}); err != nil {
		t.Fatal(err)
	}
	big := &digest.Feed{URL: "https://wire.example/feed", Title: "Big Wire"}
	if err := s.CreateFeed(ctx, me, big); err != nil {
		t.Fatal(err)
	}
	june := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	var old []digest.Entry
	for i := range 3 {
		e := entry(fmt.Sprintf("quiet%d", i), i)
		e.Published = june.Add(time.Duration(i) * 24 * time.Hour)
		e.Author = "Mira Quill"
		e.Summary, e.Text = "", "The keepers of the lighthouse met at noon."
		if i == 0 {
			// The oldest has the word in its title: it ranks first.
			e.Title = "Lighthouse keepers strike"
		}
		old = append(old, e)
	}
	oldIDs := save(t, s, fetched(small.ID, old...))[0].Created
	var newer []digest.Entry
	september := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2100 {
		e := entry(fmt.Sprintf("wire%d", i), i)
		e.Published = september.Add(time.Duration(i) * time.Minute)
		e.Author = "Wire Desk"
		e.Summary, e.Text = "", "A ship passed the lighthouse."
		newer = append(newer, e)
	}
	save(t, s, fetched(big.ID, newer...))
	if err := s.SaveStory(ctx, &digest.Story{Headline: "Keepers", ArticleIDs: oldIDs,
		Entities: []digest.Entity{{Name: "Port Alder", Kind: digest.Place, Count: 3}}}); err != nil {
		t.Fatal(err)
	}
	// Ranked: the title match first, then the newer first among equals.
	want := []int64{oldIDs[0], oldIDs[2], oldIDs[1]}
	for _, tc := range []struct {
		name string
		q    digest.ArticleQuery
	}{
		{"date: range", digest.ArticleQuery{UserID: me, Search: "lighthouse date:2026-06-01..2026-06-30"}},
		{"feed: of one small feed", digest.ArticleQuery{UserID: me, Search: `lighthouse feed:"Quiet Gazette"`}},
		{"the query's feed", digest.ArticleQuery{UserID: me, Search: "lighthouse", FeedID: small.ID}},
		{"author:", digest.ArticleQuery{UserID: me, Search: `lighthouse author:"Mira Quill"`}},
		{"entity:", digest.ArticleQuery{UserID: me, Search: `lighthouse entity:"Port Alder"`}},
		{"entity: and author:", digest.ArticleQuery{UserID: me, Search: `entity:"Port Alder" author:quill lighthouse`}},
		{"feed: and date:", digest.ArticleQuery{UserID: me, Search: `feed:quiet lighthouse date:>=2026-06-11`}},
		{"a reader of the small feed alone", digest.ArticleQuery{UserID: other, Search: "lighthouse"}},
		// The phrase is in the texts alone: the order is the
		// database's (PostgreSQL's ts_rank weighs the title's word).
		{"a phrase in a reader's small feed", digest.ArticleQuery{UserID: other, Search: `"the lighthouse"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			newest := ids(list(t, s, q))
			q.Relevance, q.Limit = true, 2
			got := ids(list(t, s, q))
			w := want
			if tc.name == "feed: and date:" {
				w = []int64{oldIDs[2], oldIDs[1]}
			}
			phrase := tc.name == "a phrase in a reader's small feed"
			if !phrase && !slices.Equal(got, w) {
				t.Errorf("%q by relevance = %v, want %v", tc.q.Search, got, w)
			}
			sorted := slices.Clone(got)
			slices.SortFunc(sorted, func(a, b int64) int { return int(b - a) })
			if !slices.Equal(sorted, newest) {
				t.Errorf("%q: by relevance %v, newest first %v: not the same articles", tc.q.Search, got, newest)
			}
		})
	}
	t.Run("without filters the newest matches are ranked", func(t *testing.T) {
		got := list(t, s, digest.ArticleQuery{UserID: me, Search: "lighthouse", Relevance: true, Limit: 500})
		if len(got) == 0 || len(got) > 2100 {
			t.Fatalf("lighthouse by relevance: %d articles", len(got))
		}
	})
}
