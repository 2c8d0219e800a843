package ingest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/internal/pgtest"
)

// TestClaimBoundedByWorkers: a worker pipeline that has saved nothing yet
// holds at most twice its fetch workers in leased feeds, however many
// are due. So while the first worker's fetches hang, a second worker
// process claims feeds too, instead of idling while the first one's
// queue outlives its leases (a worker with 4 fetchers used to claim 132
// feeds at once); and once the farm answers, every feed is fetched
// exactly once.
func TestClaimBoundedByWorkers(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	ctx := context.Background()
	farm := &countingFarm{itemsPerRound: 2, hits: map[string]int{}}
	farm.round.Store(1)
	hold := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-hold
		farm.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	st := pgStore(t, dsn)
	mustReader(t, st)
	const feeds, workers = 150, 4
	var ids []int64
	for i := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("%s/f/%d", srv.URL, i), Fetch: digest.FetchNever}
		if err := st.CreateFeed(ctx, reader, f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	leased := func(owner string) int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, `SELECT COUNT(*) FROM feeds WHERE lease_owner = $1 AND lease_until <> 0`, owner).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	clk := newClock(time.Now().Add(time.Hour).Truncate(time.Microsecond))
	start := func(owner string) *ingest.Pipeline {
		p := ingest.New(pgStore(t, dsn), fetch.New(loopback), ingest.Options{Workers: workers, NoPostProcess: true, Now: clk.Now,
			Shared: true, Owner: owner, Lease: 3 * time.Second})
		full := make(chan struct{}, 1)
		ingest.SetOnFull(p, func() {
			select {
			case full <- struct{}{}:
			default:
			}
		})
		p.Start(ctx)
		t.Cleanup(func() { p.Close() })
		t.Cleanup(release) // before Close: the fetches in flight must end
		select {
		case <-full:
		case <-time.After(2 * time.Minute):
			t.Fatalf("%s never held as many feeds as it may", owner)
		}
		return p
	}
	a := start("a")
	if n := leased("a"); n == 0 || n > 2*workers {
		t.Errorf("first worker, fetches hanging: %d feeds leased, want 1 to %d", n, 2*workers)
	}
	b := start("b")
	if n := leased("b"); n == 0 || n > 2*workers {
		t.Errorf("second worker, fetches hanging: %d feeds leased, want 1 to %d", n, 2*workers)
	}
	release()
	waitChecked(t, st, ids, clk.Now())
	for i := range feeds {
		if n := farm.hitsOf(fmt.Sprintf("/f/%d", i)); n != 1 {
			t.Errorf("feed %d fetched %d times, want 1", ids[i], n)
		}
	}
	sa, sb := a.Stats(), b.Stats()
	if sa.Fetched+sb.Fetched != feeds {
		t.Errorf("fetches %d + %d, want %d", sa.Fetched, sb.Fetched, feeds)
	}
	inv, err := st.Invariants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := feeds * farm.itemsPerRound; inv.Articles != want {
		t.Errorf("%d articles stored, want %d", inv.Articles, want)
	}
}
