package web

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// countShown counts the store's RecordShown calls (each a write that
// waits for the writer).
type countShown struct {
	digest.Store
	calls atomic.Int32
}

func (c *countShown) RecordShown(ctx context.Context, userID int64, ids []int64, now time.Time, within time.Duration) ([]int64, error) {
	c.calls.Add(1)
	return c.Store.RecordShown(ctx, userID, ids, now, within)
}

// TestReloadWritesNothing: the front page showing the stories it showed
// within the impression window writes nothing to the store; a new story
// on it, or the window passing, records again.
func TestReloadWritesNothing(t *testing.T) {
	fx, _, _, _ := forYouFixture(t)
	st := &countShown{Store: fx.store}
	now := baseTime
	fx.server = New(Config{Now: func() time.Time { return now }, PageSize: 10}, st, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	if ids, _ := frontStories(t, fx); len(ids) == 0 {
		t.Fatal("no stories on the front page")
	}
	if n := st.calls.Load(); n != 1 {
		t.Fatalf("first view: %d RecordShown calls, want 1", n)
	}
	for range 3 {
		frontStories(t, fx)
	}
	if n := st.calls.Load(); n != 1 {
		t.Fatalf("three reloads: %d RecordShown calls in all, want still 1", n)
	}
	now = now.Add(impressionWindow + time.Minute)
	frontStories(t, fx)
	if n := st.calls.Load(); n != 2 {
		t.Fatalf("a view after the window: %d calls in all, want 2", n)
	}
}

// TestReloadOnSecondServerWritesOnceARecheck: a second web process (or
// this one restarted), showing stories the first already recorded, asks
// the store once, finds nothing fresh, and then writes nothing on
// reloads until shownRecheck has passed.
func TestReloadOnSecondServerWritesOnceARecheck(t *testing.T) {
	fx, _, _, _ := forYouFixture(t)
	now := baseTime
	fx.server = New(Config{Now: func() time.Time { return now }, PageSize: 10}, fx.store, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	if ids, _ := frontStories(t, fx); len(ids) == 0 {
		t.Fatal("no stories on the front page")
	}
	st := &countShown{Store: fx.store}
	fx.server = New(Config{Now: func() time.Time { return now }, PageSize: 10}, st, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	for range 3 {
		frontStories(t, fx)
	}
	if n := st.calls.Load(); n != 1 {
		t.Fatalf("three views on the second server: %d RecordShown calls, want 1", n)
	}
	now = now.Add(shownRecheck)
	frontStories(t, fx)
	if n := st.calls.Load(); n != 2 {
		t.Fatalf("a view after the recheck time: %d calls in all, want 2", n)
	}
}

// countRanks counts For you's rankings (each reads ForYouStories once).
type countRanks struct {
	digest.Store
	ranks atomic.Int32
}

func (c *countRanks) ForYouStories(ctx context.Context, userID int64, q digest.ForYouQuery) ([]digest.ForYouStory, error) {
	c.ranks.Add(1)
	return c.Store.ForYouStories(ctx, userID, q)
}

func (c *countRanks) DataVersion(ctx context.Context) (int64, error) {
	return c.Store.(interface {
		DataVersion(ctx context.Context) (int64, error)
	}).DataVersion(ctx)
}

// TestFrontPageRankedOnceUntilAChange: reloads of the front page share
// one ranking while nothing is committed; a commit to the store (a story
// saved by the engine) or a write request ranks again.
func TestFrontPageRankedOnceUntilAChange(t *testing.T) {
	fx, _, _, _ := forYouFixture(t)
	st := &countRanks{Store: fx.store}
	fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10}, st, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	for range 4 {
		frontStories(t, fx)
	}
	// The first view records its impressions (a commit): one ranking
	// for it, one after.
	if n := st.ranks.Load(); n != 2 {
		t.Fatalf("four views: %d rankings, want 2", n)
	}
	saveStory(t, fx, &digest.Story{Headline: "Ferry timetable changes", Summary: "New times.", Outlets: 2,
		Importance: 2, FirstSeen: baseTime, LastSeen: baseTime, ArticleIDs: []int64{fx.articleIDs["fair"]}})
	if _, body := frontStories(t, fx); !strings.Contains(body, "Ferry timetable changes") {
		t.Fatal("the story saved since is not on the front page")
	}
	if n := st.ranks.Load(); n != 3 {
		t.Fatalf("after a commit: %d rankings in all, want 3", n)
	}
	fx.form(t, "/foryou/choices", url.Values{"kind": {"phrase"}, "key": {"ferry"}, "value": {"follow"}})
	frontStories(t, fx)
	if n := st.ranks.Load(); n != 4 {
		t.Fatalf("after a choice: %d rankings in all, want 4", n)
	}
}
