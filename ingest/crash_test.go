package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/story"
)

// errCrashed is what every write gets once crashStore has "crashed".
var errCrashed = errors.New("crashed")

// crashStore is a store whose process dies at a chosen moment: once
// crashed, every write fails, so that what was committed before stays and
// nothing after reaches the database, as with kill -9 between two
// transactions (one pipeline step's transactions may be cut in the middle).
type crashStore struct {
	digest.Store
	crashed atomic.Bool
}

func (s *crashStore) write() error {
	if s.crashed.Load() {
		return errCrashed
	}
	return nil
}

func (s *crashStore) SaveFetches(ctx context.Context, rs []digest.FetchResult) ([]digest.SaveResult, error) {
	if err := s.write(); err != nil {
		return nil, err
	}
	return s.Store.SaveFetches(ctx, rs)
}

func (s *crashStore) SaveFetchStates(ctx context.Context, rs []digest.FetchResult) error {
	if err := s.write(); err != nil {
		return err
	}
	return s.Store.SaveFetchStates(ctx, rs)
}

func (s *crashStore) SavePosts(ctx context.Context, ps []digest.PendingPost) error {
	if err := s.write(); err != nil {
		return err
	}
	return s.Store.SavePosts(ctx, ps)
}

func (s *crashStore) UpdateArticle(ctx context.Context, a *digest.Article) error {
	if err := s.write(); err != nil {
		return err
	}
	return s.Store.UpdateArticle(ctx, a)
}

func (s *crashStore) MergeArticles(ctx context.Context, keep, dup, original int64) error {
	if err := s.write(); err != nil {
		return err
	}
	return s.Store.MergeArticles(ctx, keep, dup, original)
}

func (s *crashStore) SaveStory(ctx context.Context, st *digest.Story) error {
	if err := s.write(); err != nil {
		return err
	}
	return s.Store.SaveStory(ctx, st)
}

func (s *crashStore) DeleteStory(ctx context.Context, id int64) error {
	if err := s.write(); err != nil {
		return err
	}
	return s.Store.DeleteStory(ctx, id)
}

func (s *crashStore) SaveIcon(ctx context.Context, ic *digest.Icon) (int64, error) {
	if err := s.write(); err != nil {
		return 0, err
	}
	return s.Store.SaveIcon(ctx, ic)
}

func (s *crashStore) SetFeedIcon(ctx context.Context, feedID, iconID int64) error {
	if err := s.write(); err != nil {
		return err
	}
	return s.Store.SetFeedIcon(ctx, feedID, iconID)
}

// newsFarm serves feeds whose entries carry only a summary, so that every
// article page is fetched and extracted, with distinct texts, so that no
// two articles are copies. The page of brokenPage always fails. onPage,
// when set, is called with the number of each page request before it is
// answered.
type newsFarm struct {
	feeds, entries int
	onPage         func(n int64)
	pages          atomic.Int64
	dupSummaries   bool
}

const brokenPage = "/page/3/5"

func (f *newsFarm) text(feed, i int) (title, body string) {
	r := rand.New(rand.NewPCG(uint64(feed), uint64(i)))
	words := make([]string, 220)
	for k := range words {
		words[k] = fmt.Sprintf("w%dx%d", r.IntN(5000), k%7)
	}
	return strings.Join(words[:8], " "), strings.Join(words, " ") + "."
}

func (f *newsFarm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var feed, i int
	if _, err := fmt.Sscanf(r.URL.Path, "/feed/%d.xml", &feed); err == nil {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet %d</title><link>http://%s/</link>`, feed, r.Host)
		for i := range f.entries {
			title, body := f.text(feed, i)
			if f.dupSummaries {
				title, body = fmt.Sprintf("Report %d from outlet %d on %s", i, feed, title), fmt.Sprintf("Summary %d.", i)
			}
			fmt.Fprintf(w, `<item><title>%s</title><link>http://%s/page/%d/%d</link><guid>o%d-%d</guid><pubDate>%s</pubDate><description>%s</description></item>`,
				title, r.Host, feed, i, feed, i, time.Now().Add(-time.Duration(feed*f.entries+i)*time.Minute).Format(time.RFC1123Z), body[:min(len(body), 120)])
		}
		fmt.Fprint(w, `</channel></rss>`)
		return
	}
	if _, err := fmt.Sscanf(r.URL.Path, "/page/%d/%d", &feed, &i); err == nil {
		if f.onPage != nil {
			f.onPage(f.pages.Add(1))
		}
		if r.URL.Path == brokenPage {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		title, body := f.text(feed, i)
		if f.dupSummaries {
			title = fmt.Sprintf("Report %d from outlet %d on %s", i, feed, title)
		}
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>%s</title></head><body><article><h1>%s</h1><p>%s</p><p>%s</p></article></body></html>`,
			title, title, body, body)
		return
	}
	http.NotFound(w, r)
}

// TestCrashAndRestartSettles runs a real pipeline on a loopback news farm,
// crashes it at a deterministic point (after N saved batches, or at the
// N-th article page, while post-processing is under way), restarts it on
// the same database with a new story engine, and checks that everything
// settles: every entry stored once, every article in a story, nothing
// pending, the broken page's extraction given up and recorded.
func TestCrashAndRestartSettles(t *testing.T) {
	cases := []struct {
		name           string
		batches, pages int64
		// Every feed's entries carry the same summaries: replayed before
		// extraction, they would be taken for copies of one another.
		dupSummaries bool
	}{
		{"after 3 saved batches", 3, 0, false},
		{"at the 25th article page", 0, 25, false},
		{"at the 25th article page, with one summary in every feed", 0, 25, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			farm := &newsFarm{feeds: 8, entries: 8, dupSummaries: tc.dupSummaries}
			srv := httptest.NewServer(farm)
			defer srv.Close()
			path := filepath.Join(t.TempDir(), "d.db")
			ctx := context.Background()
			log := slog.New(slog.DiscardHandler)
			client := fetch.New(fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
			defer client.Close()
			opts := func(sink ingest.StorySink) ingest.Options {
				return ingest.Options{Workers: 4, BatchSize: 2, Stories: sink, PostRetry: time.Millisecond, PostAttempts: 3, Logger: log}
			}

			// First run: crash.
			raw, err := sqlite.Open(ctx, path, log)
			if err != nil {
				t.Fatal(err)
			}
			mustReader(t, raw)
			for i := range farm.feeds {
				f := &digest.Feed{URL: fmt.Sprintf("%s/feed/%d.xml", srv.URL, i), Fetch: digest.FetchShort}
				if err := raw.CreateFeed(ctx, reader, f); err != nil {
					t.Fatal(err)
				}
			}
			st := &crashStore{Store: raw}
			runCtx, cancel := context.WithCancel(ctx)
			var once sync.Once
			crash := func() { once.Do(func() { st.crashed.Store(true); cancel() }) }
			stories := ingest.NewStories(st, story.DefaultOptions(), log)
			p := ingest.New(st, client, opts(stories))
			var batches atomic.Int64
			if tc.batches > 0 {
				ingest.SetAfterSave(p, func(int) {
					if batches.Add(1) == tc.batches {
						crash()
					}
				})
			}
			if tc.pages > 0 {
				farm.onPage = func(n int64) {
					if n == tc.pages {
						crash()
					}
				}
			}
			stories.Warm(runCtx, time.Now())
			p.Start(runCtx)
			if err := p.RefreshAndWait(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				t.Fatal(err)
			}
			<-runCtx.Done() // the crash came, in the refresh or in post-processing
			p.Close()
			stories.Close()
			if err := raw.Close(); err != nil {
				t.Fatal(err)
			}
			farm.onPage = nil

			// Restart on the same database.
			st2, err := sqlite.Open(ctx, path, log)
			if err != nil {
				t.Fatal(err)
			}
			defer st2.Close()
			before, err := st2.Invariants(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("at the crash: %+v", before)
			stories2 := ingest.NewStories(st2, story.DefaultOptions(), log)
			p2 := ingest.New(st2, client, opts(stories2))
			stories2.Warm(ctx, time.Now())
			p2.Start(ctx)
			defer stories2.Close()
			defer p2.Close()
			if err := p2.RefreshAndWait(ctx); err != nil {
				t.Fatal(err)
			}
			// Settled: nothing pending, retries included. Each round waits
			// for the pipeline, not for a time.
			var v digest.Invariants
			for range 1000 {
				if err := p2.WaitIdle(ctx, time.Minute); err != nil {
					t.Fatal(err)
				}
				if v, err = st2.Invariants(ctx); err != nil {
					t.Fatal(err)
				}
				if v.Pending == 0 {
					break
				}
			}
			want := digest.Invariants{Articles: farm.feeds * farm.entries, Stories: v.Stories, PostFailed: 1}
			if v != want || v.Stories == 0 {
				t.Errorf("after the restart: Invariants = %+v, want %+v", v, want)
			}
			// Every entry stored once.
			page, err := st2.Articles(ctx, digest.ArticleQuery{UserID: reader, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, a := range page.Articles {
				if seen[a.URL] {
					t.Errorf("%s stored twice", a.URL)
				}
				seen[a.URL] = true
				broken := strings.HasSuffix(a.URL, brokenPage)
				if broken != (a.PostError != "") || (broken && !strings.Contains(a.PostError, "extract")) {
					t.Errorf("%s: post_error %q", a.URL, a.PostError)
				}
				if !broken && !a.Extracted {
					t.Errorf("%s: not extracted", a.URL)
				}
			}
			if len(seen) != farm.feeds*farm.entries {
				t.Errorf("%d distinct articles, want %d", len(seen), farm.feeds*farm.entries)
			}
		})
	}
}
