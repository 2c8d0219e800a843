package ingest_test

import (
	"context"
	"log/slog"
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

// markStore records whether the pipeline's post-processing read each
// article with a context marked as background work.
type markStore struct {
	digest.Store
	mu       sync.Mutex
	marked   int
	unmarked int
}

func (s *markStore) StoredArticle(ctx context.Context, id int64) (*digest.Article, error) {
	s.mu.Lock()
	if digest.IsBackground(ctx) {
		s.marked++
	} else {
		s.unmarked++
	}
	s.mu.Unlock()
	return s.Store.StoredArticle(ctx, id)
}

// TestPostProcessingReadsAsBackgroundWork: the pipeline marks its work
// with digest.WithBackground, so that a store serves its reads apart from
// the readers' (store/sqlite: a pool of its own).
func TestPostProcessingReadsAsBackgroundWork(t *testing.T) {
	srv, _ := hostile(t)
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustReader(t, db)
	st := &markStore{Store: db}
	p := ingest.New(st, fetch.New(fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
		ingest.Options{Workers: 2})
	addFeed(t, st, srv.URL+"/good.xml")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p.Start(ctx)
	defer p.Close()
	if err := p.RefreshAndWait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitIdle(ctx, 50*time.Second); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.marked < 3 || st.unmarked != 0 {
		t.Errorf("post-processing read %d articles as background work and %d not, want the feed's 3 and none", st.marked, st.unmarked)
	}
}
