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
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// With byte bounds far below one feed's size every result travels alone:
// fetching waits for the store, and still nothing is lost.
func TestByteBoundsSmallerThanOneFeedStillSaveEverything(t *testing.T) {
	const feeds, items = 30, 5
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, rss(r.URL.Path[1:], items))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mustReader(t, st)
	defer st.Close()
	client := fetch.New(fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	p := ingest.New(st, client, ingest.Options{Workers: 8, NoPostProcess: true, BatchBytes: 1, PendingBytes: 1})
	for i := range feeds {
		addFeed(t, st, fmt.Sprintf("%s/f%d", srv.URL, i))
	}
	p.Start(ctx)
	defer p.Close()
	if err := p.RefreshAndWait(ctx); err != nil {
		t.Fatal(err)
	}
	s := p.Stats()
	if s.Created != feeds*items || s.Errors != 0 {
		t.Fatalf("stats %+v: want %d articles created and no errors", s, feeds*items)
	}
	// Results with entries take the whole budget, so each is its own
	// transaction.
	if s.Batches < feeds {
		t.Fatalf("%d transactions for %d feeds: results with entries were batched past the byte bound", s.Batches, feeds)
	}
	page, err := st.Articles(ctx, digest.ArticleQuery{UserID: reader, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Articles) != feeds*items {
		t.Fatalf("stored %d articles, want %d", len(page.Articles), feeds*items)
	}
}
