package storetest

import (
	"context"
	"testing"

	digest "github.com/occasional-digest/digest"
)

func testInvariants(t *testing.T, s digest.Store) {
	ctx := context.Background()
	check := func(what string, want digest.Invariants) {
		t.Helper()
		got, err := s.Invariants(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got != want {
			t.Errorf("%s: Invariants = %+v, want %+v", what, got, want)
		}
	}
	check("empty store", digest.Invariants{})
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	r := save(t, s, fetched(a.ID, entry("i1", 1), entry("i2", 2), entry("i3", 3)))[0].Created
	c := save(t, s, fetched(b.ID, entry("copy", 4)))[0].Created
	check("saved, before any story", digest.Invariants{Articles: 4, WithoutStory: 4, Pending: 4})

	first := &digest.Story{Headline: "One", LastSeen: base, ArticleIDs: []int64{r[0], r[1]}}
	second := &digest.Story{Headline: "Two", LastSeen: base, ArticleIDs: []int64{r[2], c[0]}}
	for _, st := range []*digest.Story{first, second} {
		if err := s.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	check("every article in a story", digest.Invariants{Articles: 4, Stories: 2, Pending: 4})

	// The second story's articles move to the first: the second is empty
	// until it is deleted.
	first.ArticleIDs = []int64{r[0], r[1], r[2], c[0]}
	if err := s.SaveStory(ctx, first); err != nil {
		t.Fatal(err)
	}
	check("a story left empty", digest.Invariants{Articles: 4, Stories: 2, EmptyStories: 1, Pending: 4})
	if err := s.DeleteStory(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MergeArticles(ctx, r[2], c[0], r[2]); err != nil {
		t.Fatal(err)
	}
	check("after a merge", digest.Invariants{Articles: 3, Stories: 1, Pending: 3})

	// An article leaving its story is counted until it gets another.
	first.ArticleIDs = []int64{r[0], r[2]}
	if err := s.SaveStory(ctx, first); err != nil {
		t.Fatal(err)
	}
	check("an article out of its story", digest.Invariants{Articles: 3, Stories: 1, WithoutStory: 1, Pending: 3})
	if err := s.DeleteFeed(ctx, uid(t, s), b.ID); err != nil {
		t.Fatal(err)
	}
	check("after removing a feed", digest.Invariants{Articles: 3, Stories: 1, WithoutStory: 1, Pending: 3})
}
