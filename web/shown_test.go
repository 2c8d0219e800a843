package web

import (
	"context"
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
