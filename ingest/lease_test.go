package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/store/postgres"
)

// countingFarm serves feeds /f/N whose entries grow by itemsPerRound
// each round, and counts the requests of each feed.
type countingFarm struct {
	round         atomic.Int64
	itemsPerRound int
	mu            sync.Mutex
	hits          map[string]int
}

func (f *countingFarm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits[r.URL.Path]++
	f.mu.Unlock()
	name := strings.TrimPrefix(r.URL.Path, "/f/")
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>feed %s</title><link>http://example.org/%s/</link>`, name, name)
	for i := range int(f.round.Load()) * f.itemsPerRound {
		fmt.Fprintf(&b, `<item><title>Feed %s item %d</title><link>http://example.org/%s/%d</link><guid>%s-%d</guid><pubDate>Mon, 02 Nov 2026 15:%02d:00 +0000</pubDate><description>Item %d of feed %s.</description></item>`,
			name, i, name, i, name, i, i%60, i, name)
	}
	b.WriteString(`</channel></rss>`)
	w.Header().Set("Content-Type", "application/rss+xml")
	io.WriteString(w, b.String())
}

func (f *countingFarm) hitsOf(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

// clock is a settable time for Options.Now.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }
func newClock(t time.Time) *clock    { c := &clock{}; c.Set(t); return c }
func pgStore(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// waitChecked waits until every feed of ids was saved with LastCheck at
// or after at.
func waitChecked(t *testing.T, st digest.Store, ids []int64, at time.Time) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		left := 0
		for _, id := range ids {
			f, err := st.FeedByID(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if f.LastCheck.Before(at) {
				left++
			}
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d feeds not fetched after 2 minutes", left, len(ids))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var loopback = fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

// TestTwoWorkersShareFeeds: two worker pipelines, each with its own
// connections as two processes would have, on one PostgreSQL database:
// every feed is fetched exactly once per round and every entry is
// stored.
func TestTwoWorkersShareFeeds(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	ctx := context.Background()
	farm := &countingFarm{itemsPerRound: 3, hits: map[string]int{}}
	farm.round.Store(1)
	srv := httptest.NewServer(farm)
	t.Cleanup(srv.Close)
	a, b := pgStore(t, dsn), pgStore(t, dsn)
	mustReader(t, a)
	const feeds = 300
	var ids []int64
	for i := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("%s/f/%d", srv.URL, i), Fetch: digest.FetchNever}
		if err := a.CreateFeed(ctx, reader, f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	clk := newClock(time.Now().Add(time.Hour).Truncate(time.Microsecond))
	var ps []*ingest.Pipeline
	for i, st := range []digest.Store{a, b} {
		p := ingest.New(st, fetch.New(loopback), ingest.Options{Workers: 3, NoPostProcess: true, Now: clk.Now, Shared: true,
			Owner: fmt.Sprintf("worker-%d", i)})
		p.Start(ctx)
		t.Cleanup(func() { p.Close() })
		ps = append(ps, p)
	}
	for round := 1; round <= 3; round++ {
		if round > 1 {
			// Every feed is due again (ScheduleNow uses the store's
			// clock, behind the pipelines').
			clk.Add(time.Hour)
			farm.round.Store(int64(round))
			if err := a.ScheduleNow(ctx); err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				p.Nudge()
			}
		}
		waitChecked(t, a, ids, clk.Now())
		for i := range feeds {
			if n := farm.hitsOf(fmt.Sprintf("/f/%d", i)); n != round {
				t.Errorf("round %d: feed %d fetched %d times, want %d", round, i, n, round)
			}
		}
		inv, err := a.Invariants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := feeds * farm.itemsPerRound * round; inv.Articles != want {
			t.Errorf("round %d: %d articles stored, want %d", round, inv.Articles, want)
		}
	}
	s0, s1 := ps[0].Stats(), ps[1].Stats()
	t.Logf("fetches: worker-0 %d, worker-1 %d", s0.Fetched, s1.Fetched)
	if s0.Fetched+s1.Fetched != 3*feeds {
		t.Errorf("fetches %d + %d, want %d", s0.Fetched, s1.Fetched, 3*feeds)
	}
}

// TestCrashedWorkersFeedsTakenAfterLease: feeds claimed by a worker that
// died (its lease taken and never ended) are left alone while the lease
// lasts and fetched by another worker once it has expired.
func TestCrashedWorkersFeedsTakenAfterLease(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	ctx := context.Background()
	farm := &countingFarm{itemsPerRound: 2, hits: map[string]int{}}
	farm.round.Store(1)
	srv := httptest.NewServer(farm)
	t.Cleanup(srv.Close)
	st := pgStore(t, dsn)
	mustReader(t, st)
	const feeds = 20
	var ids []int64
	for i := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("%s/f/%d", srv.URL, i), Fetch: digest.FetchNever}
		if err := st.CreateFeed(ctx, reader, f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	clk := newClock(time.Now().Add(time.Hour).Truncate(time.Microsecond))
	crashed, err := pgStore(t, dsn).ClaimFeeds(ctx, "crashed", clk.Now(), 10*time.Minute, 5)
	if err != nil || len(crashed) != 5 {
		t.Fatalf("crashed worker's claim: %d feeds, %v", len(crashed), err)
	}
	held := map[int64]bool{}
	var others []int64
	for _, f := range crashed {
		held[f.ID] = true
	}
	for _, id := range ids {
		if !held[id] {
			others = append(others, id)
		}
	}
	p := ingest.New(st, fetch.New(loopback), ingest.Options{Workers: 3, NoPostProcess: true, Now: clk.Now, Lease: time.Minute, Shared: true})
	p.Start(ctx)
	t.Cleanup(func() { p.Close() })
	start := clk.Now()
	waitChecked(t, st, others, start)
	for _, f := range crashed {
		if n := farm.hitsOf(strings.TrimPrefix(f.URL, srv.URL)); n != 0 {
			t.Errorf("feed %d leased to the crashed worker was fetched %d times while the lease lasted", f.ID, n)
		}
	}
	clk.Add(10*time.Minute + time.Microsecond)
	p.Nudge()
	waitChecked(t, st, feedIDsOf(crashed), clk.Now().Add(-time.Microsecond))
	for i := range feeds {
		if n := farm.hitsOf(fmt.Sprintf("/f/%d", i)); n != 1 {
			t.Errorf("feed %d fetched %d times, want 1", ids[i], n)
		}
	}
	inv, err := st.Invariants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := feeds * farm.itemsPerRound; inv.Articles != want {
		t.Errorf("%d articles stored, want %d", inv.Articles, want)
	}
}

func feedIDsOf(fs []digest.Feed) []int64 {
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return ids
}
