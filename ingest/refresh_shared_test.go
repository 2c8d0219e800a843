package ingest_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/internal/pgtest"
)

// sharedRefreshSetup makes feeds on a fresh PostgreSQL schema, has a
// worker named "other" claim the first held of them, and starts a
// shared pipeline that fetches the rest.
func sharedRefreshSetup(t *testing.T, feeds, held int, lease time.Duration) (*countingFarm, digest.Store, *ingest.Pipeline, []int64, []digest.Feed, *clock) {
	t.Helper()
	dsn := pgtest.FreshSchema(t)
	ctx := context.Background()
	farm := &countingFarm{itemsPerRound: 2, hits: map[string]int{}}
	farm.round.Store(1)
	srv := httptest.NewServer(farm)
	t.Cleanup(srv.Close)
	st := pgStore(t, dsn)
	mustReader(t, st)
	var ids []int64
	for i := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("%s/f/%d", srv.URL, i), Fetch: digest.FetchNever}
		if err := st.CreateFeed(ctx, reader, f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	clk := newClock(time.Now().Add(time.Hour).Truncate(time.Microsecond))
	claimed, err := pgStore(t, dsn).ClaimFeeds(ctx, "other", clk.Now(), 10*time.Minute, held)
	if err != nil || len(claimed) != held {
		t.Fatalf("other worker's claim: %d feeds, %v", len(claimed), err)
	}
	p := ingest.New(st, fetch.New(loopback), ingest.Options{Workers: 3, NoPostProcess: true, Now: clk.Now, Lease: lease, Shared: true, Owner: "this"})
	p.Start(ctx)
	t.Cleanup(func() { p.Close() })
	return farm, st, p, ids, claimed, clk
}

// TestRefreshAndWaitSeesOtherWorkersSaves: with other workers on the
// database, RefreshAndWait returns once every feed is saved, also the
// feeds another worker fetched, which this pipeline never fetches.
func TestRefreshAndWaitSeesOtherWorkersSaves(t *testing.T) {
	const feeds, held = 10, 3
	farm, st, p, ids, claimed, clk := sharedRefreshSetup(t, feeds, held, 5*time.Minute)
	heldBy := map[int64]bool{}
	for _, f := range claimed {
		heldBy[f.ID] = true
	}
	var mine []int64
	for _, id := range ids {
		if !heldBy[id] {
			mine = append(mine, id)
		}
	}
	waitChecked(t, st, mine, clk.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.RefreshAndWait(ctx, ids...) }()
	// Once this pipeline fetched its feeds a second time, the refresh has
	// scheduled them; then the other worker saves the feeds it holds.
	for {
		n := 0
		for i, id := range ids {
			if !heldBy[id] && farm.hitsOf(fmt.Sprintf("/f/%d", i)) >= 2 {
				n++
			}
		}
		if n == feeds-held {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("RefreshAndWait returned %v before the other worker saved its feeds", err)
		case <-ctx.Done():
			t.Fatal("this pipeline did not fetch its feeds again")
		case <-time.After(10 * time.Millisecond):
		}
	}
	var results []digest.FetchResult
	for _, f := range claimed {
		results = append(results, digest.FetchResult{FeedID: f.ID, State: digest.FetchState{LastCheck: clk.Now(), NextCheck: clk.Now().Add(time.Hour)}})
	}
	if _, err := st.SaveFetches(context.Background(), results); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("RefreshAndWait = %v, want nil once the other worker saved its feeds", err)
	}
	for i, id := range ids {
		if heldBy[id] {
			if n := farm.hitsOf(fmt.Sprintf("/f/%d", i)); n != 0 {
				t.Errorf("feed %d held by the other worker fetched %d times here", id, n)
			}
		}
	}
}

// TestRefreshAndWaitBounded: a feed held by a worker that neither saves
// it nor lets its lease end does not hold RefreshAndWait forever: after
// twice this pipeline's lease it returns an error that says so.
func TestRefreshAndWaitBounded(t *testing.T) {
	_, _, p, ids, _, _ := sharedRefreshSetup(t, 4, 1, time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := p.RefreshAndWait(ctx, ids...)
	if err == nil || ctx.Err() != nil || !strings.Contains(err.Error(), "1 of 4 feeds not saved within 2s") {
		t.Fatalf("RefreshAndWait = %v, want the error naming 1 of 4 feeds not saved within 2s", err)
	}
}
