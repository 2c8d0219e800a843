package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/story"
)

// siteItem is one post of a small site that publishes its posts as RSS,
// Atom and JSON Feed at once, each format with its own link to the post
// and RSS with the time of the last edit: the three entries of a post are
// three articles that the story engine recognises as copies, and the
// Atom and JSON Feed ones are published earlier than the RSS one.
type siteItem struct {
	n           int
	title, text string
	published   time.Time
}

func (it siteItem) rssLink(base string) string  { return fmt.Sprintf("%s/?p=%d", base, it.n) }
func (it siteItem) atomLink(base string) string { return fmt.Sprintf("%s/posts/%d/", base, it.n) }
func (it siteItem) jsonLink(base string) string { return fmt.Sprintf("%s/posts/%d/amp/", base, it.n) }

// smallSite returns n posts, newest first, each on its own topic.
func smallSite(n int) []siteItem {
	topics := []string{"harbour dredging", "library opening hours", "ferry timetable", "school roof repair", "bus lane trial",
		"water main renewal", "market square paving", "council budget vote", "museum loan exhibition", "cycle path extension", "flood barrier test"}
	people := []string{"Lena Ostrova", "Tomas Berg", "Ada Mills", "Ines Varga", "Karl Nyberg"}
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	items := make([]siteItem, n)
	for i := range n {
		topic, who := topics[i%len(topics)], people[i%len(people)]
		title := fmt.Sprintf("Update %d on the %s", i+1, topic)
		text := fmt.Sprintf("%s said on day %d that the %s would go ahead in phase %d. ", who, i+1, topic, i%7+1) +
			fmt.Sprintf("The notice, number %d of the season, lists %d changes for residents and %d for businesses near the works. ", 1000+i*37, i%5+2, i%3+1) +
			fmt.Sprintf("Questions go to the %s office before the end of week %d, the notice said, and the next update follows once the %s has been reviewed.", topic, i%52+1, topic)
		items[n-1-i] = siteItem{n: i + 1, title: title, text: text, published: t0.Add(time.Duration(i) * time.Hour)}
	}
	return items
}

// siteFeeds says how the site's three feeds differ beyond their links
// and dates.
type siteFeeds struct {
	jsonOldestFirst bool // JSON Feed lists the posts oldest first
	atomOnly        int  // the Atom feed also lists this many older posts, last
	restart         bool // the server restarts before the JSON Feed is added
}

// serveSmallSite serves n posts as /feed.rss, /feed.atom and /feed.json
// and each post's page.
func serveSmallSite(t *testing.T, n int, sf siteFeeds) *httptest.Server {
	items := smallSite(n + sf.atomOnly)
	atomItems, items := items, items[:n]
	jsonItems := slices.Clone(items)
	if sf.jsonOldestFirst {
		slices.Reverse(jsonItems)
	}
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.rss", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Town Notes</title><link>` + base + `/</link>`)
		for _, it := range items {
			fmt.Fprintf(&b, "<item><title>%s</title><link>%s</link><guid>%s</guid><pubDate>%s</pubDate><description>%s</description></item>",
				html.EscapeString(it.title), html.EscapeString(it.rssLink(base)), html.EscapeString(it.rssLink(base)),
				it.published.Add(time.Hour).Format(time.RFC1123Z), html.EscapeString(it.text))
		}
		b.WriteString("</channel></rss>")
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("/feed.atom", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Town Notes</title><id>urn:town-notes</id><updated>2026-11-23T00:00:00Z</updated>`)
		for _, it := range atomItems {
			fmt.Fprintf(&b, `<entry><title>%s</title><link rel="alternate" href="%s"/><id>%s</id><published>%s</published><updated>%s</updated><content type="text">%s</content></entry>`,
				html.EscapeString(it.title), it.atomLink(base), it.atomLink(base), it.published.Format(time.RFC3339), it.published.Format(time.RFC3339), html.EscapeString(it.text))
		}
		b.WriteString("</feed>")
		w.Write([]byte(b.String()))
	})
	mux.HandleFunc("/feed.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/feed+json")
		type jitem struct {
			ID            string `json:"id"`
			URL           string `json:"url"`
			Title         string `json:"title"`
			ContentText   string `json:"content_text"`
			DatePublished string `json:"date_published"`
		}
		doc := struct {
			Version string  `json:"version"`
			Title   string  `json:"title"`
			Items   []jitem `json:"items"`
		}{Version: "https://jsonfeed.org/version/1.1", Title: "Town Notes"}
		for _, it := range jsonItems {
			doc.Items = append(doc.Items, jitem{it.jsonLink(base), it.jsonLink(base), it.title, it.text, it.published.Format(time.RFC3339)})
		}
		json.NewEncoder(w).Encode(doc)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		for _, it := range atomItems {
			if p := r.URL.RequestURI(); p == fmt.Sprintf("/?p=%d", it.n) || strings.HasPrefix(p, fmt.Sprintf("/posts/%d/", it.n)) {
				fmt.Fprintf(w, "<!DOCTYPE html><html><head><title>%s</title></head><body><article><h1>%s</h1><p>%s</p></article></body></html>",
					html.EscapeString(it.title), html.EscapeString(it.title), html.EscapeString(it.text))
				return
			}
		}
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base = srv.URL
	return srv
}

// TestOneSiteInThreeFormats is the report of issue 14: adding a small
// site's RSS, Atom and JSON Feed, in that order, failed the story batch
// with "merge 63 into 1: original article 54 is neither 1 nor 63" and left
// articles without a story. Every post must end as one article with a
// source in each feed that lists it, in a story that lists it once.
func TestOneSiteInThreeFormats(t *testing.T) {
	for _, tt := range []struct {
		name string
		sf   siteFeeds
	}{
		// The store gives the JSON Feed's articles the IDs of the Atom
		// copies it merged away (SQLite reuses the highest rowids).
		{"same order in every feed", siteFeeds{}},
		{"JSON Feed lists the posts oldest first", siteFeeds{jsonOldestFirst: true}},
		// An older post only the Atom feed lists keeps the highest ID:
		// the JSON Feed's articles get new IDs, and the engine credits
		// their text to the Atom copies merged away.
		{"the Atom feed lists an older post the others lack", siteFeeds{atomOnly: 1}},
		// The restarted engine knows each post by its stored article,
		// the Atom copy merged into it.
		{"restart before the JSON Feed", siteFeeds{atomOnly: 1, restart: true}},
		{"restart before the JSON Feed, listed oldest first", siteFeeds{jsonOldestFirst: true, restart: true}},
	} {
		t.Run(tt.name, func(t *testing.T) { testOneSiteInThreeFormats(t, 55, tt.sf) })
	}
}

func testOneSiteInThreeFormats(t *testing.T, n int, sf siteFeeds) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv := serveSmallSite(t, n, sf)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	mustReader(t, st)
	logs := &syncWriter{w: &strings.Builder{}}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))
	start := func() *ingest.Pipeline {
		sink := ingest.NewStories(st, story.DefaultOptions(), log)
		// The posts are of 20 to 23 November: all in the story window.
		if err := sink.Load(ctx, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		p := ingest.New(st, fetch.New(fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}),
			ingest.Options{Workers: 2, Stories: sink, Logger: log})
		p.Start(ctx)
		return p
	}
	p := start()
	defer func() { p.Close() }()
	for _, path := range []string{"/feed.rss", "/feed.atom", "/feed.json"} {
		if sf.restart && path == "/feed.json" {
			if err := p.Close(); err != nil {
				t.Fatal(err)
			}
			p = start()
		}
		f, err := p.Subscribe(ctx, reader, srv.URL+path, "")
		if err != nil {
			t.Fatalf("subscribe %s: %v", path, err)
		}
		if err := p.RefreshAndWait(ctx, f.ID); err != nil {
			t.Fatal(err)
		}
		if err := p.WaitIdle(ctx, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if logs.String() != "" {
		t.Errorf("errors logged:\n%s", logs)
	}
	assertOnePostPerArticle(t, st, n+sf.atomOnly, 3*n+sf.atomOnly)
	assertEveryArticleInAStory(t, st)
}

// assertOnePostPerArticle checks that the store holds want articles with
// sources sources in all, an article's sources all of one post and of
// distinct feeds.
func assertOnePostPerArticle(t *testing.T, st digest.Store, want, sources int) {
	t.Helper()
	ctx := context.Background()
	page, err := st.Articles(ctx, digest.ArticleQuery{UserID: reader, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Articles) != want {
		t.Errorf("%d articles, want %d", len(page.Articles), want)
	}
	n := 0
	for _, a := range page.Articles {
		full, err := st.StoredArticle(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		feeds := map[int64]bool{}
		originals := 0
		for _, src := range full.Sources {
			n++
			if src.Title != full.Title || feeds[src.FeedID] {
				t.Errorf("article %d (%q) has a source %q of feed %d", a.ID, full.Title, src.Title, src.FeedID)
			}
			feeds[src.FeedID] = true
			if src.Original {
				originals++
			}
		}
		if len(full.Sources) > 1 && originals != 1 {
			t.Errorf("article %d (%q) has %d original sources of %d, want 1", a.ID, full.Title, originals, len(full.Sources))
		}
	}
	if n != sources {
		t.Errorf("%d sources, want %d", n, sources)
	}
}

// assertEveryArticleInAStory checks that every article is in a story that
// lists it once.
func assertEveryArticleInAStory(t *testing.T, st digest.Store) {
	t.Helper()
	ctx := context.Background()
	page, err := st.Articles(ctx, digest.ArticleQuery{UserID: reader, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	without := 0
	for _, a := range page.Articles {
		full, err := st.StoredArticle(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if full.StoryID == 0 {
			without++
			continue
		}
		s, err := st.Story(ctx, reader, full.StoryID)
		if err != nil {
			t.Errorf("article %d names story %d: %v", a.ID, full.StoryID, err)
			continue
		}
		listed := 0
		for _, id := range s.ArticleIDs {
			if id == a.ID {
				listed++
			}
		}
		if listed != 1 {
			t.Errorf("story %d lists article %d %d times", s.ID, a.ID, listed)
		}
	}
	if without > 0 {
		t.Errorf("%d of %d articles without a story", without, len(page.Articles))
	}
}

// syncWriter serialises writes from the pipeline's goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprint(s.w)
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
