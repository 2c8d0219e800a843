package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// syndicated seeds three outlets and one wire report that the two others
// republished under their own URLs, merged into one article. keepCopy
// keeps a copy's row (as the store may), with the wire still the
// original. It returns the merged article's ID.
func syndicated(t *testing.T, fx *fixture, keepCopy bool) int64 {
	t.Helper()
	ctx := context.Background()
	wire := fx.addFeed(t, "wire", "Meridian Wire")
	herald := fx.addFeed(t, "herald", "Harbor Herald")
	north := fx.addFeed(t, "north", "Northwind Times")
	fx.addEntries(t, wire, entry("quake", "Quake shakes Port Alder", 5*time.Hour, "<p>A magnitude 6.1 quake.</p>"))
	fx.addEntries(t, herald,
		entry("quake-herald", "Quake shakes Port Alder (Wire)", 4*time.Hour, "<p>A magnitude 6.1 quake.</p>"),
		entry("street", "The whole street was moving", 2*time.Hour, "<p>Shopkeepers count the cost.</p>"),
	)
	fx.addEntries(t, north, entry("quake-north", "Quake shakes Port Alder", 3*time.Hour, "<p>A magnitude 6.1 quake.</p>"))
	orig := fx.articleIDs["quake"]
	keep, dup := orig, fx.articleIDs["quake-herald"]
	if keepCopy {
		keep, dup = dup, keep
	}
	if err := fx.store.MergeArticles(ctx, keep, dup, orig); err != nil {
		t.Fatalf("merge: %v", err)
	}
	if err := fx.store.MergeArticles(ctx, keep, fx.articleIDs["quake-north"], keep); err != nil {
		t.Fatalf("second merge: %v", err)
	}
	return keep
}

// A story is shown to a reader who sees one of its articles: a story given
// without articles gets a new article of its own in the reader's feed
// "stories".
func saveStory(t *testing.T, fx *fixture, st *digest.Story) int64 {
	t.Helper()
	if len(st.ArticleIDs) == 0 && st.ID == 0 {
		feed, ok := fx.feedIDs["stories"]
		if !ok {
			feed = fx.addFeed(t, "stories", "Story Desk")
		}
		guid := fmt.Sprintf("story-%d", len(fx.articleIDs))
		title := fmt.Sprintf("Desk report %d", len(fx.articleIDs))
		fx.addEntries(t, feed, entry(guid, title, 30*time.Minute, "<p>"+title+"</p>"))
		st.ArticleIDs = []int64{fx.articleIDs[guid]}
	}
	if err := fx.store.SaveStory(context.Background(), st); err != nil {
		t.Fatalf("save story: %v", err)
	}
	return st.ID
}

func TestStoryPageMarksExactlyOneOriginal(t *testing.T) {
	for _, keepCopy := range []bool{false, true} {
		t.Run(fmt.Sprintf("copy row kept %v", keepCopy), func(t *testing.T) {
			fx := newFixture(t)
			merged := syndicated(t, fx, keepCopy)
			a, err := fx.store.Article(context.Background(), fx.uid, merged)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Sources) != 3 {
				t.Fatalf("merged article has %d sources, want 3: %+v", len(a.Sources), a.Sources)
			}
			id := saveStory(t, fx, &digest.Story{
				Headline: "Quake shakes Port Alder", Summary: "A quake.\n\nDamage in the old town.",
				FirstSeen: baseTime.Add(-5 * time.Hour), LastSeen: baseTime.Add(-2 * time.Hour), Importance: 5, Outlets: 3,
				ArticleIDs: []int64{merged, fx.articleIDs["street"]},
			})
			w := fx.do(t, "GET", "/stories/"+strconv.FormatInt(id, 10), "")
			if w.Code != 200 {
				t.Fatalf("GET story = %d: %s", w.Code, w.Body)
			}
			body := w.Body.String()
			if n := strings.Count(body, ">Original</span>"); n != 1 {
				t.Errorf("%d sources marked original, want exactly 1", n)
			}
			if n := strings.Count(body, "Republished by"); n != 3 { // two copies plus the list's label
				t.Errorf(`"Republished by" appears %d times, want 3 (label and two copies)`, n)
			}
			for _, want := range []string{
				`Republished by <span class="source-name">Harbor Herald</span>`,
				`Republished by <span class="source-name">Northwind Times</span>`,
				`href="https://news.example/quake-herald?utm_source=rss"`,
				`href="https://news.example/quake-north?utm_source=rss"`,
				// The story's own article without copies has a plain
				// Source link and no badge.
				`href="https://news.example/street" rel="noopener noreferrer" target="_blank" data-source>Source`,
				"Damage in the old town.",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("story page lacks %q", want)
				}
			}
			// The article's Source link goes to the original, even when
			// the stored row is a copy's.
			if !regexp.MustCompile(`href="https://news.example/quake(\?[^"]*)?" rel="noopener noreferrer" target="_blank" data-source>Source`).MatchString(body) {
				t.Error("the merged article's Source link does not go to the original")
			}
			if strings.Contains(body, "Republished by <span class=\"source-name\">Meridian Wire") {
				t.Error("the original outlet is listed as a copy")
			}
			// The outlets line names the wire first: it broke the story.
			lead := regexp.MustCompile(`story-lead">.*?<span>([^<]*)</span>`).FindStringSubmatch(body)
			if lead == nil || lead[1] != "Meridian Wire" {
				t.Errorf("lead outlet = %v, want Meridian Wire", lead)
			}
		})
	}
}

func TestNewStoryArticleWithoutMarkedOriginal(t *testing.T) {
	// Several sources, none marked original: the same article reached
	// through more feeds. No badge, the article's own feed leads.
	it := item{Article: digest.Article{ID: 1, FeedID: 2, URL: "https://a.example/x", Sources: []digest.Source{
		{FeedID: 1, FeedTitle: "One", URL: "https://one.example/story?utm=1"},
		{FeedID: 2, FeedTitle: "Two", URL: "https://a.example/x?two"},
		{FeedID: 3, FeedTitle: "Three"},
	}}}
	sa := newStoryArticle(it)
	if sa.Original != nil {
		t.Errorf("original = %+v, want none", sa.Original)
	}
	if len(sa.Copies) != 2 || sa.Copies[0].FeedID != 1 || sa.Copies[1].FeedID != 3 {
		t.Errorf("copies = %+v, want feeds 1 and 3", sa.Copies)
	}
	// Two sources wrongly marked original: only the first is shown so.
	it.Sources[0].Original, it.Sources[2].Original = true, true
	sa = newStoryArticle(it)
	if sa.Original == nil || sa.Original.FeedID != 1 || len(sa.Copies) != 2 {
		t.Errorf("original %+v, copies %+v; want feed 1 and two copies", sa.Original, sa.Copies)
	}
	if sa.FeedID != 1 || sa.Outlet != "One" || sa.SourceURL != "https://one.example/story?utm=1" {
		t.Errorf("card shows feed %d %q linking %q, want the original's", sa.FeedID, sa.Outlet, sa.SourceURL)
	}
}

func TestHomePageShowsStoryCards(t *testing.T) {
	fx := newFixture(t)
	merged := syndicated(t, fx, false)
	// Fourteen stories, importance rising with i: the front page shows
	// the twelve most important, most important first.
	for i := range 14 {
		st := &digest.Story{
			Headline: fmt.Sprintf("Story number %02d", i), Summary: fmt.Sprintf("First paragraph %d.\n\nSecond paragraph, not on the card.", i),
			FirstSeen: baseTime.Add(-3 * time.Hour), LastSeen: baseTime.Add(-time.Hour), Importance: float64(i), Outlets: 1,
		}
		if i == 13 {
			st.Outlets = 5 // three named, two more
			st.ArticleIDs = []int64{merged}
			st.Entities = []digest.Entity{
				{Name: "Calder Geological Survey", Kind: digest.Misc, Count: 9},
				{Name: "Port Alder", Kind: digest.Place, Count: 6},
				{Name: "Ines Varga", Kind: digest.Person, Count: 4},
				{Name: "Varga", Kind: digest.Person, Count: 3},
				{Name: "Calder Survey", Kind: digest.Organization, Count: 2},
				{Name: "Sorrel Islands", Kind: digest.Place, Count: 1},
			}
		}
		saveStory(t, fx, st)
	}
	w := fx.do(t, "GET", "/", "")
	if w.Code != 200 {
		t.Fatalf("GET / = %d", w.Code)
	}
	body := w.Body.String()
	titles := regexp.MustCompile(`Story number (\d+)`).FindAllStringSubmatch(body, -1)
	if len(titles) != homeStories {
		t.Fatalf("front page shows %d stories, want %d", len(titles), homeStories)
	}
	if titles[0][1] != "13" || titles[homeStories-1][1] != "02" {
		t.Errorf("stories from %s to %s, want 13 down to 02", titles[0][1], titles[homeStories-1][1])
	}
	for _, want := range []string{
		`<a href="/stories?page=2">More stories`,
		"First paragraph 13.",
		`<span>Meridian Wire</span>`, "also in", `<span>Harbor Herald</span>`, `<span>Northwind Times</span>`, `+2</span>`,
		`href="/entities/loc/Port%20Alder"`, `href="/entities/per/Ines%20Varga"`, `href="/entities/org/Calder%20Survey"`, `href="/entities/loc/Sorrel%20Islands"`,
		`id="river-title"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("front page lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Second paragraph", `href="/entities/per/Varga"`, `href="/entities/misc/`} {
		if strings.Contains(body, unwanted) {
			t.Errorf("front page shows %q", unwanted)
		}
	}
	// A filtered or later river page has no stories.
	if w := fx.do(t, "GET", "/?unread=1", ""); strings.Contains(w.Body.String(), "Story number") {
		t.Error("filtered river shows stories")
	}

	// The stories list pages through all of them.
	w = fx.do(t, "GET", "/stories", "")
	if n := strings.Count(w.Body.String(), "Story number"); w.Code != 200 || n != 14 {
		t.Errorf("GET /stories = %d with %d stories, want 200 with 14", w.Code, n)
	}
	w = fx.do(t, "GET", "/stories?page=2", "")
	if n := strings.Count(w.Body.String(), "Story number"); w.Code != 200 || n != 0 || !strings.Contains(w.Body.String(), "No stories this far back") {
		t.Errorf("GET /stories?page=2 = %d with %d stories, want an empty page", w.Code, n)
	}
	for _, bad := range []string{"/stories?page=0", "/stories?page=x", "/stories?page=99999999", "/stories?page=%zz"} {
		if w := fx.do(t, "GET", bad, ""); w.Code != 400 {
			t.Errorf("GET %s = %d, want 400", bad, w.Code)
		}
	}
}

func TestStoriesPagerLinks(t *testing.T) {
	fx := newFixture(t)
	for i := range storiesPageSize*2 + 1 {
		saveStory(t, fx, &digest.Story{Headline: fmt.Sprintf("S%d", i), FirstSeen: baseTime, LastSeen: baseTime, Importance: float64(i)})
	}
	for _, c := range []struct {
		target, prev, next string
	}{
		{"/stories", "", "/stories?page=2"},
		{"/stories?page=2", "/stories", "/stories?page=3"},
		{"/stories?page=3", "/stories?page=2", ""},
	} {
		body := fx.do(t, "GET", c.target, "").Body.String()
		hasPrev := strings.Contains(body, `href="`+c.prev+`" rel="prev"`)
		hasNext := strings.Contains(body, `href="`+c.next+`" rel="next"`)
		if (c.prev != "") != hasPrev || (c.next != "") != hasNext || (c.prev == "" && strings.Contains(body, `rel="prev"`)) || (c.next == "" && strings.Contains(body, `rel="next"`)) {
			t.Errorf("%s: prev %v next %v, want %q and %q", c.target, hasPrev, hasNext, c.prev, c.next)
		}
	}
}

// hostileName has markup, quotes, an ampersand, a slash and non-ASCII.
const hostileName = `<script>alert("x")</script> & O'Brien/Søn <img src=x onerror=alert(1)>`

func TestEntityPage(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	older := saveStory(t, fx, &digest.Story{
		Headline: "Storm closes the coast road", FirstSeen: baseTime.Add(-9 * time.Hour), LastSeen: baseTime.Add(-8 * time.Hour), Outlets: 1,
		Entities: []digest.Entity{{Name: hostileName, Kind: digest.Organization}}, ArticleIDs: []int64{fx.articleIDs["storm"]},
	})
	newer := saveStory(t, fx, &digest.Story{
		Headline: "Budget passes", FirstSeen: baseTime.Add(-2 * time.Hour), LastSeen: baseTime.Add(-time.Hour), Outlets: 2,
		Entities:   []digest.Entity{{Name: hostileName, Kind: digest.Organization}, {Name: "Harbour Town", Kind: digest.Place}},
		ArticleIDs: []int64{fx.articleIDs["budget"], fx.articleIDs["ferry"]},
	})
	// Follow the chip link from the story page, as a reader would.
	story := fx.do(t, "GET", "/stories/"+strconv.FormatInt(newer, 10), "").Body.String()
	m := regexp.MustCompile(`href="(/entities/org/[^"]*)"`).FindStringSubmatch(story)
	if m == nil {
		t.Fatalf("story page has no link to the organisation:\n%s", story)
	}
	href := htmlUnescape(m[1])
	if href != "/entities/org/"+url.PathEscape(hostileName) {
		t.Errorf("entity link = %q", href)
	}
	w := fx.do(t, "GET", href, "")
	if w.Code != 200 {
		t.Fatalf("GET %s = %d: %s", href, w.Code, w.Body)
	}
	body := w.Body.String()
	for _, bad := range []string{"<script>alert", "<img src=x", `alert("x")`} {
		if strings.Contains(body, bad) {
			t.Errorf("entity page carries %q unescaped", bad)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; O&#39;Brien/Søn") {
		t.Errorf("entity page lacks the escaped name:\n%s", body)
	}
	if strings.Contains(htmlUnescape(body), `href="`+href+`"`) || !strings.Contains(body, `href="/entities/loc/Harbour%20Town"`) {
		t.Error("entity page chips should name the other entities, not the page's own")
	}
	if !strings.Contains(body, ">Organisation</p>") {
		t.Error("entity page does not say the kind")
	}
	iNew, iOld := strings.Index(body, "/stories/"+strconv.FormatInt(newer, 10)+`"`), strings.Index(body, "/stories/"+strconv.FormatInt(older, 10)+`"`)
	if iNew < 0 || iOld < 0 || iNew > iOld {
		t.Errorf("stories at %d (newer) and %d (older): want both, newest first", iNew, iOld)
	}
	if !strings.Contains(body, "<span>Harbour Town Gazette</span>") || !strings.Contains(body, "also in") {
		t.Error("entity page does not name the stories' outlets")
	}

	org := "/entities/org/" + url.PathEscape(hostileName)
	tests := []struct {
		name, target string
		status       int
		location     string
	}{
		{"a name under another kind only redirects to that kind", "/entities/per/" + url.PathEscape(hostileName), 308, org},
		{"an unknown name is not found", "/entities/org/Nobody", 404, ""},
		{"an organisation asked as a place is the place", "/entities/ORG/Harbour%20Town", 308, "/entities/loc/Harbour%20Town"},
		{"names are found in any case", "/entities/loc/harbour%20town", 308, "/entities/loc/Harbour%20Town"},
		{"kinds are found in any case", "/entities/LOC/Harbour%20Town", 308, "/entities/loc/Harbour%20Town"},
		{"space around a name is ignored", "/entities/loc/%20Harbour%20Town%20", 308, "/entities/loc/Harbour%20Town"},
		{"the canonical page is shown", "/entities/loc/Harbour%20Town", 200, ""},
		{"an unknown kind is refused", "/entities/place/Harbour%20Town", 400, ""},
		{"a blank name is refused", "/entities/loc/%20%20", 400, ""},
		{"dots are not a name", "/entities/loc/%2E%2E%2E", 400, ""},
		{"punctuation alone is not a name", "/entities/loc/%22%27", 400, ""},
		{"a name too long is refused", "/entities/loc/" + strings.Repeat("a", 201), 400, ""},
		{"invalid UTF-8 is refused", "/entities/loc/Harbour%FFTown", 400, ""},
		{"a NUL byte is refused", "/entities/loc/Harbour%00Town", 400, ""},
		{"a newline is refused", "/entities/loc/Harbour%0ATown", 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := fx.do(t, "GET", tc.target, "")
			if w.Code != tc.status {
				t.Fatalf("GET %s = %d, want %d: %s", tc.target, w.Code, tc.status, w.Body)
			}
			if loc := w.Header().Get("Location"); loc != tc.location {
				t.Errorf("GET %s: Location %q, want %q", tc.target, loc, tc.location)
			}
			if tc.location != "" {
				if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
					t.Errorf("redirect Cache-Control = %q, want no-cache (the canonical spelling may change)", cc)
				}
				if w := fx.do(t, "GET", tc.location, ""); w.Code != 200 {
					t.Errorf("GET %s (redirected) = %d", tc.location, w.Code)
				}
			}
		})
	}
}

func TestAPIEntity(t *testing.T) {
	fx := newFixture(t)
	merged := syndicated(t, fx, false)
	id := saveStory(t, fx, &digest.Story{
		Headline: "Quake", Summary: "s", FirstSeen: baseTime, LastSeen: baseTime, Outlets: 3, Importance: 2,
		Entities:   []digest.Entity{{Name: "Ines Varga", Kind: digest.Person, Count: 3}, {Name: hostileName, Kind: digest.Misc, Count: 1}},
		ArticleIDs: []int64{merged, fx.articleIDs["street"]},
	})
	w := fx.do(t, "GET", "/api/v1/entities/per/Ines%20Varga", "")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET entity = %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	var got entityJSON
	decodeStrict(t, w.Body.Bytes(), &got)
	if got.Entity.Name != "Ines Varga" || got.Entity.Kind != digest.Person || got.Entity.ID == 0 {
		t.Errorf("entity = %+v", got.Entity)
	}
	if len(got.Stories) != 1 || got.Stories[0].ID != id || len(got.Stories[0].Entities) != 2 || len(got.Stories[0].ArticleIDs) != 2 {
		t.Fatalf("stories = %+v", got.Stories)
	}
	var names []string
	for _, f := range got.Stories[0].Feeds {
		names = append(names, f.Title)
		if f.FeedID == 0 {
			t.Errorf("feed without id: %+v", f)
		}
	}
	if strings.Join(names, ", ") != "Meridian Wire, Harbor Herald, Northwind Times" {
		t.Errorf("feeds = %v, want the wire first", names)
	}
	// The raw shape, for clients in other languages.
	for _, key := range []string{`"entity":{"id":`, `"name":"Ines Varga","kind":"PER"`, `"stories":[{"id":`, `"article_ids":[`, `"feeds":[{"feed_id":`, `"entities":[`} {
		if !strings.Contains(w.Body.String(), key) {
			t.Errorf("answer lacks %s: %s", key, w.Body)
		}
	}
	// A hostile name round-trips through the path.
	w = fx.do(t, "GET", "/api/v1/entities/misc/"+url.PathEscape(hostileName), "")
	decodeStrict(t, w.Body.Bytes(), &got)
	if w.Code != 200 || got.Entity.Name != hostileName {
		t.Errorf("hostile name = %d %q", w.Code, got.Entity.Name)
	}
	assertAPIError(t, fx.do(t, "GET", "/api/v1/entities/per/Nobody", ""), 404, digest.ENOTFOUND)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/entities/people/Ines%20Varga", ""), 400, digest.EINVALID)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/entities/per/%20", ""), 400, digest.EINVALID)
	assertAPIError(t, fx.do(t, "POST", "/api/v1/entities/per/Ines%20Varga", "{}", "Content-Type", "application/json", "Sec-Fetch-Site", "same-origin"), 405, EMETHOD)
}

func TestAPIStoryShapes(t *testing.T) {
	fx := newFixture(t)
	merged := syndicated(t, fx, true)
	id := saveStory(t, fx, &digest.Story{
		Headline: "Quake", Summary: "s", FirstSeen: baseTime, LastSeen: baseTime, Outlets: 3, Importance: 2,
		Entities: []digest.Entity{{Name: "Port Alder", Kind: digest.Place}}, ArticleIDs: []int64{merged, fx.articleIDs["street"]},
	})
	// A story of none of the reader's articles is not theirs to see.
	empty := &digest.Story{Headline: "Empty", FirstSeen: baseTime, LastSeen: baseTime}
	if err := fx.store.SaveStory(context.Background(), empty); err != nil {
		t.Fatal(err)
	}

	var list storiesJSON
	decodeStrict(t, fx.do(t, "GET", "/api/v1/stories", "").Body.Bytes(), &list)
	if len(list.Stories) != 1 || list.Stories[0].ID != id {
		t.Fatalf("stories = %+v", list.Stories)
	}
	assertAPIError(t, fx.do(t, "GET", "/api/v1/stories/"+strconv.FormatInt(empty.ID, 10), ""), 404, digest.ENOTFOUND)
	if s := list.Stories[0]; len(s.Feeds) != 3 || s.Feeds[0].Title != "Meridian Wire" || len(s.Entities) != 1 || len(s.ArticleIDs) != 2 {
		t.Errorf("first story = %+v", s)
	}
	// Past the end: an empty list, not null.
	w := fx.do(t, "GET", "/api/v1/stories?offset=1", "")
	if !strings.Contains(w.Body.String(), `"stories":[]`) {
		t.Errorf("past the end = %s", w.Body)
	}
	assertAPIError(t, fx.do(t, "GET", "/api/v1/stories?limit="+strconv.Itoa(maxStoriesLimit+1), ""), 400, digest.EINVALID)

	var one storyJSON
	decodeStrict(t, fx.do(t, "GET", "/api/v1/stories/"+strconv.FormatInt(id, 10), "").Body.Bytes(), &one)
	if one.ID != id || len(one.Feeds) != 3 || len(one.Articles) != 2 {
		t.Fatalf("story = %+v", one)
	}
	originals := 0
	for _, a := range one.Articles {
		if len(a.Sources) < 2 {
			continue // a lone source is its own original
		}
		for _, src := range a.Sources {
			if src.Original {
				originals++
				if src.FeedTitle != "Meridian Wire" {
					t.Errorf("original is %q, want the wire", src.FeedTitle)
				}
			}
		}
	}
	if originals != 1 {
		t.Errorf("%d original sources in the story, want 1", originals)
	}
}

func TestPickChips(t *testing.T) {
	e := func(name string, k digest.EntityKind) digest.Entity { return digest.Entity{Name: name, Kind: k} }
	for _, c := range []struct {
		name string
		in   []digest.Entity
		want string
	}{
		{"people, places and organisations before MISC", []digest.Entity{e("Cup", digest.Misc), e("Ada", digest.Person), e("Town", digest.Place)}, "Ada, Town, Cup"},
		{"at most four", []digest.Entity{e("A1", digest.Person), e("B2", digest.Person), e("C3", digest.Place), e("D4", digest.Organization), e("E5", digest.Place)}, "A1, B2, C3, D4"},
		{"a name inside a chosen one is skipped", []digest.Entity{e("Ines Varga", digest.Person), e("Varga", digest.Person), e("Mayor Ines Varga", digest.Misc)}, "Ines Varga"},
		{"blank names are skipped", []digest.Entity{e("  ", digest.Person), e("Ada", digest.Person)}, "Ada"},
		{"none", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var names []string
			for _, x := range pickChips(c.in, cardChips) {
				names = append(names, x.Name)
			}
			if got := strings.Join(names, ", "); got != c.want {
				t.Errorf("chips = %q, want %q", got, c.want)
			}
		})
	}
}

func TestNewStoryCardCountsOutlets(t *testing.T) {
	o := func(n ...string) []storyOutlet {
		var out []storyOutlet
		for i, t := range n {
			out = append(out, storyOutlet{FeedID: int64(i + 1), Title: t})
		}
		return out
	}
	for _, c := range []struct {
		name    string
		outlets []storyOutlet
		stored  int
		lead    string
		also    int
		more    int
	}{
		{"one outlet", o("A"), 1, "A", 0, 0},
		{"five outlets name three", o("A", "B", "C", "D", "E"), 5, "A", 2, 2},
		{"the stored count covers outlets not read", o("A", "B"), 7, "A", 1, 5},
		{"a stale stored count never goes negative", o("A", "B", "C"), 1, "A", 2, 0},
		{"no articles yet", nil, 3, "", 0, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			card := newStoryCard(digest.Story{Outlets: c.stored}, c.outlets, time.Time{})
			lead := ""
			if card.Lead != nil {
				lead = card.Lead.Title
			}
			if lead != c.lead || len(card.Also) != c.also || card.More != c.more {
				t.Errorf("lead %q also %d more %d; want %q %d %d", lead, len(card.Also), card.More, c.lead, c.also, c.more)
			}
		})
	}
}

// FuzzEntityPath sends arbitrary kinds and names to the entity page and
// API: the answer is never a server error and never echoes markup.
func FuzzEntityPath(f *testing.F) {
	for _, s := range [][2]string{{"per", "Ines Varga"}, {"LOC", hostileName}, {"misc", "%zz"}, {"org", "a/b"}, {"x", ""}} {
		f.Add(s[0], s[1])
	}
	fx := newFixture(f)
	fx.seed(f)
	if err := fx.store.SaveStory(context.Background(), &digest.Story{Headline: "H", FirstSeen: baseTime, LastSeen: baseTime,
		Entities: []digest.Entity{{Name: hostileName, Kind: digest.Place}}, ArticleIDs: []int64{fx.articleIDs["budget"]}}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, kind, name string) {
		for _, prefix := range []string{"/entities/", "/api/v1/entities/"} {
			target := prefix + url.PathEscape(kind) + "/" + url.PathEscape(name)
			w := fx.do(t, "GET", target, "")
			if w.Code >= 500 {
				t.Fatalf("GET %s = %d", target, w.Code)
			}
			if strings.Contains(w.Body.String(), "<script>alert") {
				t.Fatalf("GET %s echoes markup", target)
			}
		}
	})
}

func TestStoryCardOutletsFollowChanges(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	now := baseTime
	srv := New(Config{Now: func() time.Time { return now }, FeedCacheTTL: time.Minute}, fx.store, fx.feeds, fx.auth, nil)
	home := func() string {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", fx.cookie)
		srv.Handler().ServeHTTP(w, r)
		return w.Body.String()
	}
	st := &digest.Story{Headline: "Storm", FirstSeen: baseTime, LastSeen: baseTime, Outlets: 1, ArticleIDs: []int64{fx.articleIDs["storm"]}}
	saveStory(t, fx, st)
	if body := home(); !strings.Contains(body, "<span>The Daily Wire Service</span>") || strings.Contains(body, "also in") {
		t.Fatal("card does not name its one outlet")
	}
	// An article joins the story: the next page names its outlet at once.
	st.ArticleIDs, st.Outlets = append(st.ArticleIDs, fx.articleIDs["ferry"]), 2
	saveStory(t, fx, st)
	if body := home(); !strings.Contains(body, "<span>Harbour Town Gazette</span>") {
		t.Error("card does not name the outlet of an article that joined the story")
	}
	// A copy merged into an article already in the story is picked up
	// once the cache time has passed.
	third := fx.addFeed(t, "third", "Third Courier")
	fx.addEntries(t, third, entry("storm-3", "Storm closes the coast road", 2*time.Hour, "<p>Winds.</p>"))
	if err := fx.store.MergeArticles(context.Background(), fx.articleIDs["storm"], fx.articleIDs["storm-3"], fx.articleIDs["storm"]); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if body := home(); !strings.Contains(body, "<span>Third Courier</span>") {
		t.Error("card does not name a merged copy's outlet after the cache time")
	}
}

func TestSameDocument(t *testing.T) {
	for _, c := range []struct {
		name string
		a, b string
		want bool
	}{
		{"tracking parameters are ignored", "https://news.example/quake?utm_source=rss", "https://news.example/quake", true},
		{"www and a trailing slash are ignored", "https://www.news.example/quake/", "https://news.example/quake", true},
		{"another path is another page", "https://news.example/quake-herald", "https://news.example/quake", false},
		{"another host is another page", "https://herald.example/quake", "https://news.example/quake", false},
		{"relative or broken URLs never match", "/quake", "/quake", false},
		{"a bad escape never matches", "https://news.example/%zz", "https://news.example/%zz", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sameDocument(c.a, c.b); got != c.want {
				t.Errorf("sameDocument(%q, %q) = %v", c.a, c.b, got)
			}
		})
	}
}

func TestFrontPageConcurrentReaders(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	saveStory(t, fx, &digest.Story{Headline: "Storm", FirstSeen: baseTime, LastSeen: baseTime, Outlets: 2,
		ArticleIDs: []int64{fx.articleIDs["storm"], fx.articleIDs["ferry"]}})
	errs := make(chan string, 8)
	for range 8 {
		go func() {
			for i := range 5 {
				if i == 2 {
					fx.server.cache.invalidate() // as a feed change does
				}
				w := fx.do(t, "GET", "/", "")
				if w.Code != 200 || !strings.Contains(w.Body.String(), "<span>Harbour Town Gazette</span>") {
					errs <- fmt.Sprintf("GET / = %d without the story's outlets", w.Code)
					return
				}
			}
			errs <- ""
		}()
	}
	for range 8 {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
}

// TestStoryShortSummaryAndEarlierEpisode: a card shows the story's short
// summary when the engine wrote one, and the story page links the earlier
// story it follows when the reader sees that one, and nothing when the
// earlier story is gone.
func TestStoryShortSummaryAndEarlierEpisode(t *testing.T) {
	fx := newFixture(t)
	earlier := saveStory(t, fx, &digest.Story{Headline: "Quake shakes Port Alder", Summary: "A magnitude 6.1 earthquake struck.",
		FirstSeen: baseTime.Add(-80 * time.Hour), LastSeen: baseTime.Add(-76 * time.Hour), Importance: 1, Outlets: 1})
	later := saveStory(t, fx, &digest.Story{Headline: "Port Alder harbour reopens", Summary: "The harbour reopened on Friday after repairs to the quay wall. Engineers worked for three days.\n\nMore detail for the story page.",
		Short: "The harbour reopened on Friday.", Follows: earlier,
		FirstSeen: baseTime.Add(-2 * time.Hour), LastSeen: baseTime.Add(-time.Hour), Importance: 2, Outlets: 1})
	gone := saveStory(t, fx, &digest.Story{Headline: "Ferry timetable changes", Summary: "Ferries run less often.", Follows: 999999,
		FirstSeen: baseTime.Add(-2 * time.Hour), LastSeen: baseTime.Add(-time.Hour), Importance: 0.5, Outlets: 1})

	home := fx.do(t, "GET", "/", "").Body.String()
	if !strings.Contains(home, "The harbour reopened on Friday.") || strings.Contains(home, "Engineers worked for three days") {
		t.Errorf("the card does not show the short summary alone:\n%s", home)
	}
	w := fx.do(t, "GET", fmt.Sprintf("/stories/%d", later), "")
	if w.Code != 200 {
		t.Fatalf("GET story = %d", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, "Earlier in this story") || !strings.Contains(body, fmt.Sprintf(`href="/stories/%d">Quake shakes Port Alder</a>`, earlier)) {
		t.Errorf("the story page does not link its earlier episode:\n%s", body)
	}
	if !strings.Contains(body, "Engineers worked for three days") {
		t.Error("the story page does not show the full summary")
	}
	w = fx.do(t, "GET", fmt.Sprintf("/stories/%d", gone), "")
	if w.Code != 200 || strings.Contains(w.Body.String(), "Earlier in this story") {
		t.Errorf("GET a story whose earlier one is gone = %d, earlier link %v", w.Code, strings.Contains(w.Body.String(), "Earlier in this story"))
	}
}

// TestStoryMarkRead: a story's page marks every article of the story read
// (and unread again) in one step, no script needed; another reader's
// story is not found and nothing is marked.
func TestStoryMarkRead(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	st := &digest.Story{Headline: "Winter", FirstSeen: baseTime, LastSeen: baseTime, Outlets: 2,
		ArticleIDs: []int64{fx.articleIDs["budget"], fx.articleIDs["ferry"]}}
	if err := fx.store.SaveStory(ctx, st); err != nil {
		t.Fatal(err)
	}
	path := "/stories/" + strconv.FormatInt(st.ID, 10)
	page := fx.do(t, "GET", path, "").Body.String()
	if !strings.Contains(page, `action="`+path+`/read"`) || !strings.Contains(page, "Mark the story read") {
		t.Fatalf("the story page offers no way to mark it read:\n%s", page)
	}
	w := fx.form(t, path+"/read", url.Values{"return": {path}})
	if w.Code != 303 || w.Header().Get("Location") != path {
		t.Fatalf("mark read = %d → %q", w.Code, w.Header().Get("Location"))
	}
	for name, want := range map[string]bool{"budget": true, "ferry": true, "storm": false} {
		if got := fx.read(t, name); got != want {
			t.Errorf("%s read = %v, want %v", name, got, want)
		}
	}
	page = fx.do(t, "GET", path, "").Body.String()
	if !strings.Contains(page, `action="`+path+`/unread"`) {
		t.Error("a read story does not offer to mark it unread")
	}
	if w := fx.form(t, path+"/unread", url.Values{"return": {"https://evil.example/"}}); w.Code != 303 || w.Header().Get("Location") != "/" && !strings.HasPrefix(w.Header().Get("Location"), "/") {
		t.Errorf("mark unread = %d → %q", w.Code, w.Header().Get("Location"))
	}
	if fx.read(t, "budget") || fx.read(t, "ferry") {
		t.Error("mark unread left the story's articles read")
	}
	other, err := fx.auth.CreateUser(ctx, "other", digest.RoleUser, "other password")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := fx.auth.StartSession(ctx, other, "test", "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	w = fx.do(t, "POST", path+"/read", "return=%2F", "Cookie", "digest_session="+token,
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
	if w.Code != 404 {
		t.Errorf("another reader marking the story = %d, want 404", w.Code)
	}
	if fx.read(t, "budget") {
		t.Error("another reader marked this reader's article read")
	}
}
