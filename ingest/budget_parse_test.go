package ingest_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// gatedStore holds every save (SaveFetches, SaveFetchStates) until gate
// is closed.
type gatedStore struct {
	digest.Store
	gate chan struct{}
}

func (s *gatedStore) SaveFetches(ctx context.Context, rs []digest.FetchResult) ([]digest.SaveResult, error) {
	<-s.gate
	return s.Store.SaveFetches(ctx, rs)
}

func (s *gatedStore) SaveFetchStates(ctx context.Context, rs []digest.FetchResult) error {
	<-s.gate
	return s.Store.SaveFetchStates(ctx, rs)
}

// While the database is stuck, fetch workers keep fetching, but no more
// parsed feeds than there are parse slots wait outside the pending budget:
// the others wait with their raw body for a slot. The test waits for a
// state (every worker parked), not for time.
func TestParsedFeedsOutsideTheBudgetAreBoundedByParseSlots(t *testing.T) {
	const feeds, workers, parsers, items = 16, 16, 2, 20
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, rss(r.URL.Path[1:], items))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustReader(t, db)
	for i := range feeds {
		addFeed(t, db, fmt.Sprintf("%s/f%d", srv.URL, i))
	}
	st := &gatedStore{Store: db, gate: make(chan struct{})}
	client := fetch.New(fetch.Options{PerHost: workers, AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	p := ingest.New(st, client, ingest.Options{Workers: workers, Parsers: parsers, NoPostProcess: true,
		BatchSize: 1, BatchBytes: 1, PendingBytes: 1})
	p.Start(ctx)
	defer p.Close()
	var open sync.Once
	release := func() { open.Do(func() { close(st.gate) }) }
	defer release() // before Close, which waits for the writer
	done := make(chan error, 1)
	go func() { done <- p.RefreshAndWait(ctx) }()

	// One result is with the writer, stuck in the store; each other
	// worker ends up waiting either for a parse slot or, parsed, for the
	// budget.
	var forParse, forBudget int
	for {
		forParse, forBudget = ingest.Waiting(p)
		if forParse+forBudget == feeds-1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("workers never all parked: %d wait for a parse slot, %d for the budget", forParse, forBudget)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if forBudget > parsers {
		t.Fatalf("%d parsed feeds wait outside the pending budget, want at most %d (the parse slots)", forBudget, parsers)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s := p.Stats(); s.Created != feeds*items || s.Errors != 0 {
		t.Fatalf("stats %+v: want %d articles and no errors", s, feeds*items)
	}
}
