package ingest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/internal/pgtest"
)

// pageFarm serves feeds /f/N of items whose links are article pages
// /a/N/I, and counts the requests of each page.
type pageFarm struct {
	url   string
	items int
	mu    sync.Mutex
	hits  map[string]int
}

func (f *pageFarm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if name, ok := strings.CutPrefix(r.URL.Path, "/f/"); ok {
		var b strings.Builder
		fmt.Fprintf(&b, `<?xml version="1.0"?><rss version="2.0"><channel><title>feed %s</title><link>%s/</link>`, name, f.url)
		for i := range f.items {
			fmt.Fprintf(&b, `<item><title>Feed %s story %d</title><link>%s/a/%s/%d</link><guid>%s-%d</guid><pubDate>Mon, 02 Nov 2026 15:%02d:00 +0000</pubDate><description>Short.</description></item>`,
				name, i, f.url, name, i, name, i, i%60)
		}
		b.WriteString(`</channel></rss>`)
		w.Header().Set("Content-Type", "application/rss+xml")
		io.WriteString(w, b.String())
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/a/") {
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	f.hits[r.URL.Path]++
	f.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html><head><title>Story %s</title></head><body><article><h1>Story %s</h1>`, r.URL.Path, r.URL.Path)
	for i := range 6 {
		fmt.Fprintf(w, `<p>Paragraph %d of the story at %s: the council of Port Alder met on Monday and voted on the harbour plan, which the mayor had put forward in the spring after a long debate with the fishermen.</p>`, i, r.URL.Path)
	}
	io.WriteString(w, `</article></body></html>`)
}

// TestTwoWorkersExtractEachArticleOnce: two worker pipelines with
// post-processing on one PostgreSQL database lease the queued
// extraction as they lease feeds: every article page is fetched exactly
// once and every article is extracted.
func TestTwoWorkersExtractEachArticleOnce(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	ctx := context.Background()
	farm := &pageFarm{items: 8, hits: map[string]int{}}
	srv := httptest.NewServer(farm)
	t.Cleanup(srv.Close)
	farm.url = srv.URL
	a, b := pgStore(t, dsn), pgStore(t, dsn)
	mustReader(t, a)
	const feeds = 20
	for i := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("%s/f/%d", srv.URL, i), Fetch: digest.FetchAlways}
		if err := a.CreateFeed(ctx, reader, f); err != nil {
			t.Fatal(err)
		}
	}
	var ps []*ingest.Pipeline
	for i, st := range []digest.Store{a, b} {
		p := ingest.New(st, fetch.New(loopback), ingest.Options{Workers: 2, Extractors: 2, Shared: true, Owner: fmt.Sprintf("worker-%d", i)})
		p.Start(ctx)
		t.Cleanup(func() { p.Close() })
		ps = append(ps, p)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		bl, err := a.Backlog(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		inv, err := a.Invariants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if inv.Articles == feeds*farm.items && bl.Queued == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes: %d articles stored, %d with post-processing queued", inv.Articles, bl.Queued)
		}
		time.Sleep(20 * time.Millisecond)
	}
	farm.mu.Lock()
	defer farm.mu.Unlock()
	if len(farm.hits) != feeds*farm.items {
		t.Errorf("%d article pages fetched, want %d", len(farm.hits), feeds*farm.items)
	}
	for path, n := range farm.hits {
		if n != 1 {
			t.Errorf("%s fetched %d times, want once", path, n)
		}
	}
	page, _, err := a.RecentArticles(ctx, time.Time{}, 500, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, art := range page {
		full, err := a.StoredArticle(ctx, art.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !full.Extracted || !strings.Contains(full.Text, "harbour plan") {
			t.Errorf("article %d not extracted: extracted %v, text %.80q", art.ID, full.Extracted, full.Text)
		}
	}
}
