package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/story"
)

// TestGonePageDoesNotHoldTheStory: an entry whose article page answers
// 404 or 410 (deleted, or never published where the feed says) gets its
// extraction given up at once and recorded, and goes into a story with the
// feed's text, instead of waiting hours of retries (8 attempts with the
// doubling backoff from 30 s) out of every story with its step pending.
// A page that fails otherwise (500) is still retried.
func TestGonePageDoesNotHoldTheStory(t *testing.T) {
	farm := &newsFarm{feeds: 2, entries: 4}
	gone := map[string]int{"/page/0/1": http.StatusNotFound, "/page/1/2": http.StatusGone, "/page/1/3": http.StatusInternalServerError}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if code, ok := gone[r.URL.Path]; ok {
			http.Error(w, http.StatusText(code), code)
			return
		}
		farm.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustReader(t, st)
	for i := range farm.feeds {
		f := &digest.Feed{URL: fmt.Sprintf("%s/feed/%d.xml", srv.URL, i), Fetch: digest.FetchShort}
		if err := st.CreateFeed(ctx, reader, f); err != nil {
			t.Fatal(err)
		}
	}
	client := fetch.New(fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	defer client.Close()
	stories := ingest.NewStories(st, story.DefaultOptions(), log)
	defer stories.Close()
	// The default retry policy: a retry is half a minute away at least,
	// so WaitIdle returns with only the retried step left.
	p := ingest.New(st, client, ingest.Options{Workers: 2, Stories: stories, Logger: log})
	defer p.Close()
	stories.Warm(ctx, time.Now())
	p.Start(ctx)
	if err := p.RefreshAndWait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitIdle(ctx, 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	v, err := st.Invariants(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := digest.Invariants{Articles: farm.feeds * farm.entries, Stories: v.Stories, WithoutStory: 1, Pending: 1, PostFailed: 2}
	if v != want {
		t.Errorf("Invariants = %+v, want %+v: the 404 and 410 pages given up and their articles in stories, the 500 page's retried", v, want)
	}
	page, err := st.Articles(ctx, digest.ArticleQuery{UserID: reader, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range page.Articles {
		path := strings.TrimPrefix(a.URL, srv.URL)
		code := gone[path]
		switch {
		case code == http.StatusNotFound || code == http.StatusGone:
			if !strings.Contains(a.PostError, "extract") || a.StoryID == 0 {
				t.Errorf("%s (%d): post_error %q, story %d; want the extraction given up and a story", path, code, a.PostError, a.StoryID)
			}
		case code != 0:
			if a.PostError != "" || a.StoryID != 0 {
				t.Errorf("%s (%d): post_error %q, story %d; want it still retried", path, code, a.PostError, a.StoryID)
			}
		case a.PostError != "" || a.StoryID == 0:
			t.Errorf("%s: post_error %q, story %d", path, a.PostError, a.StoryID)
		}
	}
}
