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
	"github.com/occasional-digest/digest/story"
)

// TestPostProcessingGivesWayToReadersAndFinishes: while readers are
// served all along, post-processing pauses between its pieces of work
// (three feeds' articles, their icons and stories) and still finishes
// every step; with no reader it never pauses. The pacer's clock moves a
// quantum of work at each look, and its pauses are counted, not slept:
// nothing depends on timing.
func TestPostProcessingGivesWayToReadersAndFinishes(t *testing.T) {
	for _, reading := range []bool{true, false} {
		t.Run(fmt.Sprintf("readers served: %v", reading), func(t *testing.T) {
			const feeds, items = 3, 12
			mux := http.NewServeMux()
			for i := range feeds {
				body := rss(fmt.Sprintf("paced%d", i), items)
				mux.HandleFunc(fmt.Sprintf("/feed/%d.xml", i), func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/rss+xml")
					io.WriteString(w, body)
				})
			}
			srv := httptest.NewServer(mux)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			log := slog.New(slog.DiscardHandler)
			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), log)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			mustReader(t, st)
			for i := range feeds {
				addFeed(t, st, fmt.Sprintf("%s/feed/%d.xml", srv.URL, i))
			}
			client := fetch.New(fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
			defer client.Close()
			stories := ingest.NewStories(st, story.DefaultOptions(), log)
			defer stories.Close()
			var readers digest.Readers
			p := ingest.New(st, client, ingest.Options{Workers: 2, Stories: stories, Logger: log, Readers: &readers})
			var (
				mu     sync.Mutex
				now    = time.Unix(1_000_000, 0)
				pauses int
			)
			ingest.SetPaceClock(p, func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				now = now.Add(time.Second) // each piece of work is long enough to pay for
				return now
			}, func(ctx context.Context, d time.Duration, idle <-chan struct{}) {
				mu.Lock()
				pauses++
				mu.Unlock()
			})
			if reading {
				leave := readers.Enter() // a reader's request in flight throughout
				defer leave()
			}
			defer p.Close()
			p.Start(ctx)
			if err := p.RefreshAndWait(ctx); err != nil {
				t.Fatal(err)
			}
			if err := p.WaitIdle(ctx, time.Minute); err != nil {
				t.Fatal(err)
			}
			v, err := st.Invariants(ctx)
			if err != nil {
				t.Fatal(err)
			}
			// The feeds carry copies of one another's items: the story
			// engine merges them.
			if v.Articles < items || v.Pending != 0 || v.WithoutStory != 0 || v.PostFailed != 0 {
				t.Errorf("Invariants = %+v, want %d articles at least, all in stories, nothing pending or failed", v, items)
			}
			mu.Lock()
			defer mu.Unlock()
			stats := p.PaceStats()
			switch {
			case reading && (pauses < feeds*items || stats.Pauses != int64(pauses)):
				t.Errorf("%d pauses (stats %+v) for %d articles while a reader was served, want one before each article's steps at least", pauses, stats, feeds*items)
			case !reading && pauses != 0:
				t.Errorf("%d pauses with no reader", pauses)
			}
		})
	}
}
