package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
	"github.com/occasional-digest/digest/internal/testnews"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/story"
)

// TestStoriesSavesSplits feeds two earthquakes of one kind, interleaved,
// through the story sink into a real SQLite store: whatever the engine
// merged and split on the way, the store ends with each quake's articles
// in one story of their own.
func TestStoriesSavesSplits(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mustReader(t, st)
	defer st.Close()
	f := &digest.Feed{URL: "https://wire.example/feed", Title: "Wire"}
	if err := st.CreateFeed(ctx, reader, f); err != nil {
		t.Fatal(err)
	}
	entries := quakeWire(6)
	res, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: entries}})
	if err != nil {
		t.Fatal(err)
	}
	ids := res[0].Created
	if len(ids) != len(entries) {
		t.Fatalf("created %d articles, want %d", len(ids), len(entries))
	}
	sink := ingest.NewStories(st, story.DefaultOptions(), nil)
	// One article at a time, as a trickle of refreshes would deliver them.
	for _, id := range ids {
		if err := sink.Add(ctx, []int64{id}); err != nil {
			t.Fatal(err)
		}
	}
	storyOf := map[string]int64{}
	for i, id := range ids {
		a, err := st.Article(ctx, reader, id)
		if err != nil {
			t.Fatal(err)
		}
		quake := fmt.Sprint(i % 2)
		if a.StoryID == 0 {
			t.Fatalf("article %d has no story", id)
		}
		if s, ok := storyOf[quake]; ok && s != a.StoryID {
			t.Errorf("quake %s spread over stories %d and %d", quake, s, a.StoryID)
		}
		storyOf[quake] = a.StoryID
		s, err := st.Story(ctx, reader, a.StoryID)
		if err != nil {
			t.Fatalf("article %d names story %d: %v", id, a.StoryID, err)
		}
		found := false
		for _, m := range s.ArticleIDs {
			found = found || m == id
		}
		if !found {
			t.Errorf("story %d does not list its article %d", s.ID, id)
		}
	}
	if storyOf["0"] == storyOf["1"] {
		t.Errorf("both earthquakes in story %d", storyOf["0"])
	}
}

// quakeWire returns n reports of each of two earthquakes of one kind,
// interleaved a minute apart (Port Alder's i-th, then Ashby Falls'), as
// one wire's feed would carry them.
func quakeWire(n int) []digest.Entry {
	t0 := time.Date(2026, 5, 16, 8, 0, 0, 0, time.UTC)
	var entries []digest.Entry
	for i := range n {
		for k, q := range []testnews.Quake{testnews.PortAlder, testnews.AshbyFalls} {
			title, text := q.Report(i)
			u := fmt.Sprintf("https://wire.example/%d-%d", k, i)
			entries = append(entries, digest.Entry{GUID: u, URL: u, Link: u, Title: title, Text: text, Summary: text,
				Published: t0.Add(time.Duration(2*i+k) * time.Minute), Hash: u})
		}
	}
	return entries
}

// TestLoadRemembersOlderArticlesForCopies restarts the story sink over a
// store holding an article five days old (past the 72-hour story window,
// within the 14-day duplicate window): a copy arriving after the restart
// is merged into it as another source.
func TestLoadRemembersOlderArticlesForCopies(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mustReader(t, st)
	defer st.Close()
	wire := &digest.Feed{URL: "https://wire.example/feed", Title: "Wire"}
	digestSite := &digest.Feed{URL: "https://digest.example/feed", Title: "Digest"}
	for _, f := range []*digest.Feed{wire, digestSite} {
		if err := st.CreateFeed(ctx, reader, f); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	text := "The harbour authority approved the dredging plan for the north channel after a two-year review, its chair Lena Ostrova said on Monday. Work starts in spring and will close the channel to large ships for six weeks, the authority said."
	save := func(f *digest.Feed, u, body string, at time.Time) int64 {
		res, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{{GUID: u, URL: u, Link: u,
			Title: "Dredging plan approved", Text: body, Summary: body, Published: at, Hash: u}}}})
		if err != nil {
			t.Fatal(err)
		}
		return res[0].Created[0]
	}
	orig := save(wire, "https://wire.example/dredging", text, now.Add(-5*24*time.Hour))
	// The first run put it in a story (Load leaves out the articles in
	// none: their story step is still queued).
	if err := st.SaveStory(ctx, &digest.Story{Headline: "Dredging plan approved", LastSeen: now.Add(-5 * 24 * time.Hour), ArticleIDs: []int64{orig}}); err != nil {
		t.Fatal(err)
	}
	sink := ingest.NewStories(st, story.DefaultOptions(), nil)
	if err := sink.Load(ctx, now); err != nil {
		t.Fatal(err)
	}
	cp := save(digestSite, "https://digest.example/dredging-copy", "Republished from the wire. "+text, now)
	if err := sink.Add(ctx, []int64{cp}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Article(ctx, reader, cp); !digest.IsNotFound(err) {
		t.Errorf("the copy is still an article of its own (err %v)", err)
	}
	a, err := st.Article(ctx, reader, orig)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Sources) != 2 {
		t.Errorf("original has %d sources, want the wire and the digest site", len(a.Sources))
	}
}

// TestLoadKeepsEveryArticleOfAStoredStoryTheReplaySplits: a stored story
// holds two unrelated reports (an older engine grouped them); the replay
// at start puts them apart. Each must end in a story of its own. (Both
// parts used to map to the one stored story: the store kept them together
// while the engine held two, and with more articles the save of one part
// left the other's articles in no story.)
func TestLoadKeepsEveryArticleOfAStoredStoryTheReplaySplits(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mustReader(t, st)
	defer st.Close()
	f := &digest.Feed{URL: "https://gazette.example/feed", Title: "Gazette"}
	if err := st.CreateFeed(ctx, reader, f); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	var ids []int64
	for i, it := range []struct{ title, text string }{
		{"Harbour dredging plan approved", "The harbour authority approved the dredging plan for the north channel after a two-year review, its chair Lena Ostrova said on Monday. Work starts in spring and will close the channel to large ships for six weeks."},
		{"Bakery wins national sourdough prize", "A family bakery on the high street has won a national award for its sourdough loaf, beating 200 entries. The owner said the prize money would go towards a second oven and two apprentices."},
	} {
		u := fmt.Sprintf("https://gazette.example/%d", i)
		res, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{{GUID: u, URL: u, Link: u,
			Title: it.title, Text: it.text, Summary: it.text, Published: now.Add(time.Duration(i-2) * time.Hour), Hash: u}}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res[0].Created[0])
	}
	if err := st.SaveStory(ctx, &digest.Story{Headline: "Harbour dredging plan approved", LastSeen: now, ArticleIDs: ids}); err != nil {
		t.Fatal(err)
	}
	sink := ingest.NewStories(st, story.DefaultOptions(), nil)
	if err := sink.Load(ctx, now); err != nil {
		t.Fatal(err)
	}
	var stories []int64
	for _, id := range ids {
		a, err := st.Article(ctx, reader, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.StoryID == 0 {
			t.Errorf("article %d %q is in no story after the replay", id, a.Title)
		}
		stories = append(stories, a.StoryID)
	}
	if stories[0] == stories[1] {
		t.Errorf("the unrelated reports share story %d after the replay", stories[0])
	}
}

// TestStoriesSaveShortSummaryAndEarlierEpisode: the sink stores the
// engine's short summary and, for a later episode of a story (days after
// its last article), the stored story it follows.
func TestStoriesSaveShortSummaryAndEarlierEpisode(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "d.db"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mustReader(t, st)
	defer st.Close()
	sink := ingest.NewStories(st, story.DefaultOptions(), nil)
	t0 := time.Date(2026, 5, 20, 6, 0, 0, 0, time.UTC)
	add := func(n int, title, text string, at time.Time) int64 {
		f := &digest.Feed{URL: fmt.Sprintf("https://outlet%d.example/feed", n), Title: fmt.Sprint("Outlet ", n)}
		if err := st.CreateFeed(ctx, reader, f); err != nil {
			t.Fatal(err)
		}
		u := fmt.Sprintf("https://outlet%d.example/a", n)
		res, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{{GUID: u, URL: u, Link: u,
			Title: title, Text: text, Summary: text, Published: at, Hash: u}}}})
		if err != nil {
			t.Fatal(err)
		}
		id := res[0].Created[0]
		if err := sink.Add(ctx, []int64{id}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	var first int64
	for i := range 3 {
		title, text := testnews.PortAlder.Report(i)
		first = add(i, title, text, t0.Add(time.Duration(i)*time.Hour))
	}
	later := add(9, "Port Alder harbour reopens after earthquake repairs",
		"The harbour in Port Alder reopened to shipping on Friday after engineers finished repairing the quay wall cracked by the magnitude 6.1 earthquake. Mayor Ines Varga said the port was open for business.",
		t0.Add(70*time.Hour))
	a, err := st.Article(ctx, reader, first)
	if err != nil {
		t.Fatal(err)
	}
	b, err := st.Article(ctx, reader, later)
	if err != nil {
		t.Fatal(err)
	}
	if a.StoryID == b.StoryID {
		t.Fatalf("the follow-up joined the quake's story %d; want a later episode", a.StoryID)
	}
	s, err := st.Story(ctx, reader, b.StoryID)
	if err != nil {
		t.Fatal(err)
	}
	if s.Follows != a.StoryID {
		t.Errorf("the follow-up's story follows %d, want the quake's story %d", s.Follows, a.StoryID)
	}
	q, err := st.Story(ctx, reader, a.StoryID)
	if err != nil {
		t.Fatal(err)
	}
	if q.Short == "" || len(strings.Fields(q.Short)) > 60 || !strings.HasPrefix(q.Summary, q.Short[:min(len(q.Short), 20)]) {
		t.Errorf("short summary %q of summary %q", q.Short, q.Summary)
	}
}
