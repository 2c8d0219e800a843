package storetest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testSearchOperators checks the search language (package search) on the
// store: stems, intitle:, author:, feed:, date:, phrases, exclusions, OR,
// relevance order and snippets. Both databases must find the same
// articles.
func testSearchOperators(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://parliament.example/feed")
	b := &digest.Feed{URL: "https://harbour.example/feed", Title: "Harbour Times"}
	if err := s.CreateFeed(ctx, uid(t, s), b); err != nil {
		t.Fatal(err)
	}
	day := func(d string) time.Time {
		t0, err := time.Parse("2006-01-02 15:04", d)
		if err != nil {
			t.Fatal(err)
		}
		return t0
	}
	e1 := entry("op1", 1)
	e1.Title, e1.Author, e1.Published = "Parliament votes on budget", "Ada Lovelace", day("2026-11-03 12:00")
	e1.Summary, e1.Text = "", "The vote was close. Lawmakers voted late."
	e2 := entry("op2", 2)
	e2.Title, e2.Author, e2.Published = "Storm hits coast", "Ben Okri", day("2026-11-10 08:00")
	e2.Summary, e2.Text = "", "Heavy rain & wind <b>; the budget for repairs is unclear."
	e3 := entry("op3", 3)
	e3.Title, e3.Author, e3.Published = "Earthquake shakes harbour", "ada lovelace", day("2026-11-20 23:59")
	e3.Summary, e3.Text = "", "An earthquake struck at dawn. Earthquakes are rare here, and this earthquake was strong."
	e4 := entry("op4", 4)
	e4.Title, e4.Author, e4.Published = "Budget earthquake", "Cy Twombly", day("2026-12-02 00:00")
	e4.Summary, e4.Text = "", "A political shock: the state of emergency ends after a long debate about many other things."
	ra := save(t, s, fetched(a.ID, e1, e2))[0].Created
	rb := save(t, s, fetched(b.ID, e3, e4))[0].Created
	r1, r2, r3, r4 := ra[0], ra[1], rb[0], rb[1]
	tests := []struct {
		name, search string
		want         []int64
	}{
		{"a plural finds the singular", "earthquakes", []int64{r4, r3}},
		{"a past tense finds the present", "voted", []int64{r1}},
		{"intitle: looks at titles only", "intitle:budget", []int64{r4, r1}},
		{"intitle: phrase", `intitle:"budget earthquake"`, []int64{r4}},
		{"phrase", `"state of emergency"`, []int64{r4}},
		{"phrase words in another order", `"emergency state"`, nil},
		{"phrase of stems", `"states of emergencies"`, []int64{r4}},
		{"exclusion", "budget -storm", []int64{r4, r1}},
		{"excluded phrase", `budget -"budget for repairs"`, []int64{r4, r1}},
		{"exclusion alone", "-budget", []int64{r3}},
		{"OR", "storm OR earthquake", []int64{r4, r3, r2}},
		{"OR of intitle:", "intitle:earthquake OR intitle:storm", []int64{r4, r3, r2}},
		{"OR and a word", "budget storm OR earthquake", []int64{r4, r2}},
		{"author: ignores case", "author:LOVELACE", []int64{r3, r1}},
		{"author: and a word", "author:lovelace earthquake", []int64{r3}},
		{"author: phrase", `author:"ben okri"`, []int64{r2}},
		{"author: nobody", "author:nobody", nil},
		{"author: twice keeps the authors both name", "author:ada author:lovelace", []int64{r3, r1}},
		{"author: across words", `author:"a l"`, []int64{r3, r1}},
		{"author: naming nobody, and a word", "author:nobody budget", nil},
		{"feed: by title", "feed:harbour", []int64{r4, r3}},
		{"feed: by ID", "feed:" + itoa(a.ID), []int64{r2, r1}},
		{"feed: no such feed", "feed:nowhere budget", nil},
		{"feed: naming several feeds, and a word", "feed:e budget", []int64{r4, r2, r1}},
		{"feed: twice keeps the feeds both name", "feed:e feed:harbour budget", []int64{r4}},
		{"feed: and the feed's page", "feed:harbour", []int64{r4, r3}},
		{"date: range of days, inclusive", "date:2026-11-01..2026-11-20", []int64{r3, r2, r1}},
		{"date: one day", "date:2026-11-20", []int64{r3}},
		{"date: after a day", "date:>2026-11-20", []int64{r4}},
		{"date: before a day, and a word", "date:<2026-11-04 budget", []int64{r1}},
		{"everything at once", `intitle:budget OR storm -"state of emergency" date:2026-11-01..2026-11-30 feed:parliament`, []int64{r2, r1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: tc.search})
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("Search %q = %v, want %v", tc.search, ids(got), tc.want)
			}
		})
	}
	// A feed: filter within a feed's page: that feed, if it names it.
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), FeedID: a.ID, Search: "feed:harbour"}); len(got) != 0 {
		t.Errorf("feed:harbour in another feed's page: %v", ids(got))
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), FeedID: b.ID, Search: "feed:e earthquake"}); !slices.Equal(ids(got), []int64{r4, r3}) {
		t.Errorf("feed:e earthquake in its feed's page: %v", ids(got))
	}
	for _, q := range []string{"storm OR", "OR storm", "date:2026-11", "author:", "storm OR feed:1", "-feed:1"} {
		_, err := s.Articles(ctx, digest.ArticleQuery{UserID: uid(t, s), Search: q})
		wantCode(t, "search "+q, err, digest.EINVALID)
		if err != nil && !strings.Contains(digest.ErrorMessage(err), "at character") && !strings.Contains(digest.ErrorMessage(err), "date:") {
			t.Errorf("search %q: %q does not say where", q, digest.ErrorMessage(err))
		}
	}

	t.Run("snippets mark the matched words, escaped", func(t *testing.T) {
		got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: "rain wind"})
		if len(got) != 1 {
			t.Fatalf("rain wind: %v", ids(got))
		}
		want := "Heavy <mark>rain</mark> &amp; <mark>wind</mark> &lt;b&gt;; the budget for repairs is unclear."
		if got[0].Snippet != want {
			t.Errorf("snippet %q, want %q", got[0].Snippet, want)
		}
		got = list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: "earthquakes"})
		want = "An <mark>earthquake</mark> struck at dawn. <mark>Earthquakes</mark> are rare here, and this <mark>earthquake</mark> was strong."
		if len(got) != 2 || got[1].Snippet != want {
			t.Errorf("earthquakes: %v, snippet %q, want %q", ids(got), got[1].Snippet, want)
		}
		// A match in the title alone: the text's start.
		if want := "A political shock: the state of emergency"; !strings.HasPrefix(got[0].Snippet, want) {
			t.Errorf("title match: snippet %q, want the text's start", got[0].Snippet)
		}
		if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s)}); got[0].Snippet != "" {
			t.Errorf("a list without search has snippets: %q", got[0].Snippet)
		}
	})

	t.Run("entity: keeps the articles whose story names it", func(t *testing.T) {
		for _, st := range []*digest.Story{
			{Headline: "Quake", ArticleIDs: []int64{r3, r4}, Entities: []digest.Entity{{Name: "Port Alder", Kind: digest.Place, Count: 2}}},
			{Headline: "Vote", ArticleIDs: []int64{r1}, Entities: []digest.Entity{{Name: "Ada Lovelace", Kind: digest.Person, Count: 1},
				{Name: "Port Alder Council", Kind: digest.Organization, Count: 1}}},
		} {
			if err := s.SaveStory(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct {
			search string
			want   []int64
		}{
			{`entity:"Port Alder"`, []int64{r4, r3}},
			{`entity:"port alder" -budget`, []int64{r3}},
			{`entity:"Port Alder" earthquake`, []int64{r4, r3}},
			{"entity:Lovelace", []int64{r1}},
			{`entity:"Port Alder Council" vote`, []int64{r1}},
			{`entity:"Port Alder" entity:Lovelace`, nil},
			{"entity:Nowhere", nil},
			{"entity:Nowhere budget", nil},
		} {
			for _, relevance := range []bool{false, true} {
				got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: tc.search, Relevance: relevance})
				if relevance {
					slices.SortFunc(got, func(a, b digest.Article) int { return int(b.ID - a.ID) })
				}
				if !slices.Equal(ids(got), tc.want) {
					t.Errorf("Search %q (relevance %v) = %v, want %v", tc.search, relevance, ids(got), tc.want)
				}
			}
		}
		_, err := s.Articles(ctx, digest.ArticleQuery{UserID: uid(t, s), Search: "-entity:Lovelace"})
		wantCode(t, "search -entity:", err, digest.EINVALID)
	})

	t.Run("author: matching more names than the store lists checks each article", func(t *testing.T) {
		// 1,001 names contain "writer": more than a search lists
		// (maxAuthorNames in store/sqlstore), so the walk checks each
		// article's author; one name is found through the list.
		f := createFeed(t, s, "https://writers.example/feed")
		var es []digest.Entry
		for i := range 1001 {
			e := entry(fmt.Sprintf("writer%d", i), 100+i)
			e.Author = fmt.Sprintf("Writer %04d", i)
			if i%2 == 1 {
				e.Text += " The harvest was late."
			}
			es = append(es, e)
		}
		save(t, s, fetched(f.ID, es...))
		for _, tc := range []struct {
			search string
			want   int
		}{
			{"author:writer", 1001},
			{"author:writer harvest", 500},
			{`author:"writer 0007"`, 1},
			{`author:"writer 0007" harvest`, 1},
			{`author:"writer 0008" harvest`, 0},
		} {
			got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: tc.search, Limit: 500})
			if len(got) != tc.want {
				t.Errorf("Search %q: %d articles, want %d", tc.search, len(got), tc.want)
			}
		}
	})

	t.Run("relevance", func(t *testing.T) {
		q := digest.ArticleQuery{UserID: uid(t, s), Search: "earthquake", Relevance: true, Limit: 1}
		got := list(t, s, q)
		// Three times in the older article (title and twice the text),
		// twice in the newer one.
		if !slices.Equal(ids(got), []int64{r3, r4}) {
			t.Errorf("by relevance, one per page: %v, want %v", ids(got), []int64{r3, r4})
		}
		q.Search = "budget"
		q.Limit = 10
		if got := list(t, s, q); len(got) != 3 {
			t.Errorf("budget by relevance: %v, want 3 articles", ids(got))
		}
		q.Cursor = "not a cursor"
		if _, err := s.Articles(ctx, q); digest.ErrorCode(err) != digest.EINVALID {
			t.Errorf("bad relevance cursor: %v", err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
