package web

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// slowFeeds is a store whose Feeds, once paused, waits until the test
// lets it go on.
type slowFeeds struct {
	digest.Store
	paused  atomic.Bool
	begun   chan struct{}
	proceed chan struct{}
	calls   atomic.Int32
}

func (s *slowFeeds) Feeds(ctx context.Context, userID int64) ([]digest.Feed, error) {
	s.calls.Add(1)
	if s.paused.Load() {
		s.begun <- struct{}{}
		<-s.proceed
	}
	return s.Store.Feeds(ctx, userID)
}

// TestFeedCacheReadersNeverWaitForAReload: once a user's list is kept,
// a request finding it stale reloads it while the others are served the
// kept list at once (the cache holds no lock while the store is read);
// after an invalidation nobody is served the dropped list, and one load
// serves all who wait.
func TestFeedCacheReadersNeverWaitForAReload(t *testing.T) {
	ctx := context.Background()
	store := &slowFeeds{Store: openStore(t), begun: make(chan struct{}), proceed: make(chan struct{})}
	u := &digest.User{Name: "reader"}
	if err := store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := store.CreateFeed(ctx, u.ID, &digest.Feed{URL: "https://a.example/feed", Title: "A"}); err != nil {
		t.Fatal(err)
	}
	now := baseTime
	c := newFeedCache(store, 10*time.Second, func() time.Time { return now })
	if _, list, err := c.get(ctx, u.ID); err != nil || len(list) != 1 {
		t.Fatalf("first load: %v, %v", list, err)
	}
	if err := store.CreateFeed(ctx, u.ID, &digest.Feed{URL: "https://b.example/feed", Title: "B"}); err != nil {
		t.Fatal(err)
	}

	now = now.Add(time.Minute) // the kept list is stale
	store.paused.Store(true)
	reloaded := make(chan int, 1)
	go func() {
		_, list, err := c.get(ctx, u.ID)
		if err != nil {
			t.Error(err)
		}
		reloaded <- len(list)
	}()
	<-store.begun // the reload is reading the store
	for range 3 {
		if _, list, err := c.get(ctx, u.ID); err != nil || len(list) != 1 {
			t.Fatalf("while reloading: %d feeds, %v; want the kept list of 1 at once", len(list), err)
		}
	}
	store.proceed <- struct{}{}
	if n := <-reloaded; n != 2 {
		t.Fatalf("reload got %d feeds, want 2", n)
	}

	// Invalidated: the kept list is not served; two requests share one
	// load.
	if err := store.CreateFeed(ctx, u.ID, &digest.Feed{URL: "https://c.example/feed", Title: "C"}); err != nil {
		t.Fatal(err)
	}
	c.invalidate()
	calls := store.calls.Load()
	got := make(chan int, 2)
	for range 2 {
		go func() {
			_, list, err := c.get(ctx, u.ID)
			if err != nil {
				t.Error(err)
			}
			got <- len(list)
		}()
	}
	<-store.begun
	store.proceed <- struct{}{}
	for range 2 {
		if n := <-got; n != 3 {
			t.Fatalf("after invalidate: %d feeds, want 3", n)
		}
	}
	if n := store.calls.Load() - calls; n != 1 {
		t.Fatalf("%d loads for two waiting requests, want 1", n)
	}
}
