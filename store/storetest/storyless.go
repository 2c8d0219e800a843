package storetest

import (
	"context"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testQueueStoryless: every article in no story ends with its story step
// queued and due, whatever was queued for it before (nothing, another step
// with failed attempts); articles in a story are left alone.
func testQueueStoryless(t *testing.T, store digest.Store) {
	s, ok := store.(interface {
		QueueStoryless(ctx context.Context) (int, error)
	})
	if !ok {
		t.Fatalf("%T cannot queue story steps", store)
	}
	ctx := context.Background()
	f := createFeed(t, store, "https://a.example/feed")
	ids := save(t, store, fetched(f.ID, entry("i1", 1), entry("i2", 2), entry("i3", 3)))[0].Created
	if err := store.SaveStory(ctx, &digest.Story{Headline: "One", LastSeen: base, ArticleIDs: []int64{ids[0]}}); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	err := store.SavePosts(ctx, []digest.PendingPost{
		{ArticleID: ids[0]},
		{ArticleID: ids[1], Steps: digest.StepExtract, Attempts: 3, NextTry: later, LastError: "timeout"},
		{ArticleID: ids[2], GaveUp: "story: failed three times"},
	})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.QueueStoryless(ctx)
	if err != nil || n != 2 {
		t.Fatalf("QueueStoryless = %d, %v; want the 2 articles in no story", n, err)
	}
	due, _, err := store.DuePosts(ctx, time.Now().Add(time.Minute), digest.AllSteps, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]digest.PostSteps{}
	for _, p := range due {
		got[p.ArticleID] = p.Steps
		if p.Attempts != 0 {
			t.Errorf("article %d: %d attempts, want a fresh start", p.ArticleID, p.Attempts)
		}
	}
	want := map[int64]digest.PostSteps{ids[1]: digest.StepExtract | digest.StepStory, ids[2]: digest.StepStory}
	if len(got) != len(want) || got[ids[1]] != want[ids[1]] || got[ids[2]] != want[ids[2]] {
		t.Fatalf("due after QueueStoryless: %v, want %v", got, want)
	}
	if n, err := s.QueueStoryless(ctx); err != nil || n != 2 {
		t.Fatalf("again: %d, %v", n, err)
	}
	if due2, _, _ := store.DuePosts(ctx, time.Now().Add(time.Minute), digest.AllSteps, 0); len(due2) != 2 {
		t.Fatalf("queueing twice queued %d articles", len(due2))
	}
}
