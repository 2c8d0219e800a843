package web

import (
	"bytes"
	"flag"
	"html/template"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixedRiverPage is a signed-in front page on fixed data, the size most
// readers see: twelve For you cards (with reasons, choices and chips)
// and 50 river items, some read or starred, with titles, snippets and
// URLs that need escaping in text, attributes and URLs.
func fixedRiverPage(s *Server, back string) riverPage {
	me := &digest.User{ID: 1, Name: "alice <&> \"bob\"", Role: digest.RoleAdmin}
	p := riverPage{
		layout: layout{Site: "Occasional Digest", Nav: "river", Return: back, Me: me,
			Saved: []savedLink{{Name: "tram & bus", URL: "/?q=tram+%26+bus"}, {Name: "harbour", URL: "/?q=harbour", Current: false}}},
		MoreStories: true,
		Hidden:      2,
		First:       true,
		Newest:      "/",
		Next:        "/?cursor=MjAyNi0xMS0yOFQxMTowMDowMFp8OTk5",
		HasFeeds:    true,
		Tabs:        riverFilter{}.tabs(),
		Reader: readerNav{
			Categories: []navCategory{{ID: 1, Title: "Local & \"city\"", Unread: 12, URL: "/?category=1"}, {ID: 2, Title: "World", Unread: 0, URL: "/?category=2"}},
			Unread:     12, AllURL: "/",
			MarkAll: &markAllForm{UpTo: 999, Newest: "2026-11-28T11:00:00.123456789Z", Label: "Mark all as read", Return: back},
		},
	}
	// The picker shows up to maxPickerFeeds outlets.
	p.Feeds = []digest.Feed{{ID: 1, Title: "Outlet <one>", IconID: 4, Unread: 3}, {ID: 2, URL: "https://two.example/feed?a=1&b=2"}}
	for i := 3; i <= maxPickerFeeds; i++ {
		p.Feeds = append(p.Feeds, digest.Feed{ID: int64(i), Title: "Outlet " + strconv.Itoa(i), IconID: int64(i % 3), Unread: i % 4})
	}
	p.MoreFeeds = true
	t0 := baseTime
	for i := range 12 {
		c := foryouCard{Return: back}
		c.ID = int64(100 + i)
		c.Headline = "Story " + strconv.Itoa(i) + ": the council's <harbour> plan & \"what's next\""
		if i == 3 {
			c.Headline = ""
		}
		c.Short = "What happened, in two sentences. Who said what & why it matters <here>."
		c.Lead = &storyOutlet{FeedID: 1, Title: "Outlet <one>", IconID: 4}
		c.Also = []storyOutlet{{FeedID: 2, Title: "Two & Co"}, {FeedID: 3, Title: "Three", IconID: 7}}
		c.More = i % 3
		c.Updated = t0.Add(-time.Duration(i*i*37) * time.Minute)
		c.Reason = "Outlets covering it"
		if i%4 == 1 {
			c.Reason = ""
		}
		c.Why = []whyPart{{Name: "Outlets covering it", Value: 1.25}, {Name: "Like what you read", Value: -0.5, Reason: "Person <" + strconv.Itoa(i) + ">"}, {Name: "Age", Value: -0.125}}
		c.Score = 0.625 + float64(i)
		c.Options = []choiceOption{
			{Kind: digest.ChoiceSite, Key: "one.example", Label: "Outlet <one>", Value: 1},
			{Kind: digest.ChoiceSite, Key: "two.example", Label: "Two & Co", Value: -1},
			{Kind: digest.ChoiceEntity, Key: "per:person " + strconv.Itoa(i), Label: "Person \"" + strconv.Itoa(i) + "\""},
		}
		c.Chips = []digest.Entity{{Name: "Person " + strconv.Itoa(i), Kind: digest.Person}, {Name: "Town/Ville & Co", Kind: digest.Place}, {Name: "Harbour Festival", Kind: digest.Misc}}
		p.ForYou = append(p.ForYou, c)
	}
	for i := range 50 {
		a := digest.Article{ID: int64(1000 - i), FeedID: int64(1 + i%3), Title: "Headline " + strconv.Itoa(i) + " about the <harbour> & the \"council\"",
			URL: "https://news.example/a/" + strconv.Itoa(i) + "?x=1&y=<2>", Published: t0.Add(-time.Duration(i*i*i) * time.Minute), Read: i%5 == 0, Starred: i%7 == 0}
		switch i {
		case 4:
			a.Title = ""
		case 5:
			a.URL = ""
		case 6:
			a.URL = "javascript:alert(1)"
		case 7:
			a.Published = time.Time{}
		}
		it := item{Article: a, Outlet: "Outlet " + strconv.Itoa(i%3) + " <&>", IconID: int64(i % 2 * 4), Return: back,
			Snippet: template.HTML("The first lines &amp; a &lt;tag&gt;, " + strconv.Itoa(i))}
		if i%9 == 0 {
			it.Snippet = ""
		}
		if i%11 == 0 {
			it.Context = "?feed=" + strconv.Itoa(1+i%3)
		}
		p.Items = append(p.Items, it)
	}
	p.Undo = &undoDismiss{Story: digest.Story{ID: 55, Headline: "Dismissed <one>"}, Return: "/"}
	return p
}

// renderFixed renders the fixed front page the way river does.
func renderFixed(t testing.TB, s *Server, p riverPage) []byte {
	t.Helper()
	w := httptest.NewRecorder()
	s.renderRiver(w, httptest.NewRequest("GET", "/", nil), &p)
	if w.Code != 200 {
		t.Fatalf("render = %d: %s", w.Code, w.Body)
	}
	return w.Body.Bytes()
}

func fixedServer(t testing.TB) *Server {
	db := openStore(t)
	return New(Config{Now: func() time.Time { return baseTime }}, db, &storeFeeds{store: db}, nil, nil)
}

// TestRiverRenderGolden renders the front page on fixed data and compares
// it, byte for byte, with the page as it was rendered before the river's
// rendering was made cheaper (testdata/river.golden.html, -update to
// rewrite it after a deliberate change of the page).
// assetHash matches a static file's address with its content hash,
// "/static/app.6d4e3ab3d8a1.js".
var assetHash = regexp.MustCompile(`/static/([\w-]+)\.[0-9a-f]{12}\.(\w+)`)

func TestRiverRenderGolden(t *testing.T) {
	for _, zone := range []string{"UTC", "Pacific/Auckland"} {
		t.Run(zone, func(t *testing.T) { testRiverGolden(t, zone) })
	}
}

func testRiverGolden(t *testing.T, zone string) {
	s := fixedServer(t)
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Skip(err)
	}
	if s.pages, err = parsePages(templateFS, s.assets, s.now, loc); err != nil {
		t.Fatal(err)
	}
	// The static files' content hashes change with every edit of the
	// stylesheet or the script: the page's markup is what is compared.
	got := assetHash.ReplaceAll(renderFixed(t, s, fixedRiverPage(s, "/")), []byte("/static/$1.$2"))
	golden := filepath.Join("testdata", "river-"+strings.ReplaceAll(zone, "/", "-")+".golden.html")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	want = assetHash.ReplaceAll(want, []byte("/static/$1.$2"))
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		lo := max(0, i-200)
		t.Fatalf("page differs from %s at byte %d:\ngot:  %q\nwant: %q", golden, i, got[lo:min(len(got), i+200)], want[lo:min(len(want), i+200)])
	}
}

// BenchmarkRiverRender renders the signed-in front page (twelve For you
// cards, 50 river items) on fixed data: the template's CPU alone, without
// the store.
func BenchmarkRiverRender(b *testing.B) {
	s := fixedServer(b)
	p := fixedRiverPage(s, "/")
	n := len(renderFixed(b, s, p))
	b.ReportAllocs()
	b.SetBytes(int64(n))
	for b.Loop() {
		renderFixed(b, s, p)
	}
}

// TestForYouCardsReused checks that the written cards a ranking keeps are
// what writing them anew gives, as the clock, the zone and the address
// move.
func TestForYouCardsReused(t *testing.T) {
	s := fixedServer(t)
	res := &forYouResult{}
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Skip(err)
	}
	for _, step := range []struct {
		now  time.Time
		loc  *time.Location
		back string
	}{
		{baseTime, time.UTC, "/"},
		{baseTime.Add(10 * time.Second), time.UTC, "/"},
		{baseTime.Add(3 * time.Minute), time.UTC, "/"},
		{baseTime.Add(3 * time.Minute), auckland, "/"},
		{baseTime.Add(3 * time.Minute), auckland, "/?dismissed=5"},
		{baseTime.Add(50 * time.Hour), time.UTC, "/"},
	} {
		cards := fixedRiverPage(s, step.back).ForYou
		c := pageClock{now: step.now.In(step.loc), loc: step.loc}
		if got, want := res.cardsHTML(c, cards, step.back), forYouCards(c, cards); got != want {
			t.Errorf("at %v in %v for %s: the kept cards differ from the written ones", step.now, step.loc, step.back)
		}
	}
}
