package story

import (
	"fmt"

	digest "github.com/occasional-digest/digest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 16, 8, 0, 0, 0, time.UTC)

// seedPage is the digest site's copy of an article, with its boilerplate.
func seedPage(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir(t), "seed", "occasional-digest-page.txt"))
	if err != nil {
		t.Skipf("seed page: %v", err)
	}
	return string(b)
}

// articleOf strips the digest page's boilerplate the way an extractor
// would, giving the outlet's original text.
func articleOf(page string) (title, text string) {
	parts := strings.Split(page, "\n\n")
	title = parts[1]
	body := parts[3:]
	for i, p := range body {
		if strings.HasPrefix(strings.TrimSpace(p), "Source link") {
			body = body[:i]
			break
		}
	}
	return title, strings.Join(body, "\n\n")
}

func TestDigestCopyCreditsTheOriginal(t *testing.T) {
	page := seedPage(t)
	title, text := articleOf(page)
	orig := Doc{ID: 10, Title: title, Text: text, URL: "https://www.abc.net.au/news/xi-putin", Outlet: "ABC", Published: t0}
	copyDoc := Doc{ID: 11, Title: title, Text: page, URL: "https://occasionaldigest.com/xi-putin/", Outlet: "Occasional Digest",
		Published: t0.Add(3 * time.Hour), SourceURL: "http://abc.net.au/news/xi-putin/"}

	t.Run("copy after original joins it and credits it", func(t *testing.T) {
		e := NewEngine(DefaultOptions())
		r1 := e.Add(orig)
		r2 := e.Add(copyDoc)
		if r2.DuplicateOf != 10 || r2.Original != 10 || r2.StoryID != r1.StoryID {
			t.Fatalf("copy: %+v, original in story %d", r2, r1.StoryID)
		}
		v, ok := e.Story(r1.StoryID)
		if !ok || v.Outlets != 2 || len(v.Articles) != 2 || v.Headline != title {
			t.Fatalf("story view: %+v", v)
		}
		for _, m := range v.Articles {
			if m.Original != (m.ID == 10) {
				t.Errorf("member %d marked original=%v", m.ID, m.Original)
			}
		}
	})
	t.Run("original arriving after its copy is credited", func(t *testing.T) {
		e := NewEngine(DefaultOptions())
		e.Add(copyDoc)
		r := e.Add(orig)
		if r.DuplicateOf != 11 || r.Original != 10 {
			t.Fatalf("original after copy: %+v", r)
		}
		v, _ := e.Story(r.StoryID)
		for _, m := range v.Articles {
			if m.Original != (m.ID == 10) {
				t.Errorf("member %d marked original=%v", m.ID, m.Original)
			}
		}
	})
	t.Run("a named source wins over an earlier date", func(t *testing.T) {
		e := NewEngine(DefaultOptions())
		early := copyDoc
		early.Published = t0.Add(-time.Hour) // the copy's clock is wrong
		e.Add(orig)
		if r := e.Add(early); r.Original != 10 {
			t.Fatalf("copy naming its source credited itself: %+v", r)
		}
	})
	t.Run("an earlier unnamed copy is credited as original", func(t *testing.T) {
		e := NewEngine(DefaultOptions())
		late := orig
		late.Published = t0.Add(5 * time.Hour)
		e.Add(late)
		wire := copyDoc
		wire.ID, wire.SourceURL, wire.Published = 12, "", t0
		if r := e.Add(wire); r.DuplicateOf != 10 || r.Original != 12 {
			t.Fatalf("earliest copy not credited: %+v", r)
		}
	})
	t.Run("a truncated copy with another title is a copy", func(t *testing.T) {
		e := NewEngine(DefaultOptions())
		e.Add(orig)
		cut := Doc{ID: 13, Title: "Putin in Beijing", Text: text[:len(text)/2], Published: t0.Add(time.Hour)}
		if r := e.Add(cut); r.DuplicateOf != 10 {
			t.Fatalf("truncated copy: %+v", r)
		}
	})
}

func TestAddIsIdempotentAndDeterministic(t *testing.T) {
	docs := sampleDocs(t, 120)
	run := func() []Result {
		e := NewEngine(DefaultOptions())
		var out []Result
		for _, d := range docs {
			out = append(out, e.Add(d))
		}
		for _, d := range docs[:10] { // the same articles again
			r := e.Add(d)
			if r.MergedStories != nil {
				t.Errorf("re-adding %d reported merges", d.ID)
			}
			if s, _ := e.StoryOf(d.ID); s != r.StoryID {
				t.Errorf("re-adding %d: story %d, StoryOf %d", d.ID, r.StoryID, s)
			}
		}
		return out
	}
	a, b := run(), run()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs over the same input differ")
	}
}

// sampleDocs returns the first n Multi-News articles as docs, one hour
// apart.
func sampleDocs(t *testing.T, n int) []Doc {
	items := loadCorpus(t, "articles.jsonl")
	var docs []Doc
	for i, it := range items[:min(n, len(items))] {
		docs = append(docs, Doc{ID: int64(i + 1), Text: it.Text, Outlet: fmt.Sprintf("outlet%d", i%7), Published: t0.Add(time.Duration(i) * time.Hour)})
	}
	return docs
}

func TestSameURLIsOneArticle(t *testing.T) {
	e := NewEngine(DefaultOptions())
	r1 := e.Add(Doc{ID: 1, Text: "Short item about the harbour bridge repairs starting next week.", URL: "https://example.com/a?x=1#top", Published: t0})
	r2 := e.Add(Doc{ID: 2, Text: "A revised text of the item, now longer and different.", URL: "http://www.example.com/a?x=1", Published: t0})
	if r2.DuplicateOf != 1 || r2.StoryID != r1.StoryID {
		t.Fatalf("same URL: %+v", r2)
	}
}

func TestStoriesCloseAfterTheWindow(t *testing.T) {
	e := NewEngine(Options{Window: 24 * time.Hour, DedupWindow: 24 * time.Hour})
	for i := range 400 {
		e.Add(Doc{ID: int64(i + 1), Title: fmt.Sprintf("Item %d", i), Text: fmt.Sprintf("Report number %d on topic%d with detail%d and figure %d.", i, i%50, i, i*13),
			Published: t0.Add(time.Duration(i) * time.Hour)})
	}
	// 400 hours of articles, a 24-hour window evicted every 3 hours: at
	// most about 27 hours of articles remain.
	if n := len(e.articles); n > 30 {
		t.Errorf("%d articles remembered, want about 27", n)
	}
	if n := len(e.stories); n > 30 {
		t.Errorf("%d stories open", n)
	}
	if _, ok := e.StoryOf(1); ok {
		t.Error("first article still known")
	}
	if e.dedup.Len() > 30 {
		t.Errorf("dedup index holds %d texts", e.dedup.Len())
	}
}

func TestClosedStoriesStillCatchCopies(t *testing.T) {
	// A 24-hour story window and a 10-day duplicate window, one article an
	// hour for 400 hours.
	e := NewEngine(Options{Window: 24 * time.Hour, DedupWindow: 240 * time.Hour})
	text := func(i int) string {
		return fmt.Sprintf("Report number %d on topic%d with detail%d and figure %d, filed by desk%d after the council vote%d on the harbour works%d.", i, i%50, i, i*13, i%7, i, i)
	}
	var late Result
	for i := range 400 {
		e.Add(Doc{ID: int64(i + 1), Title: fmt.Sprintf("Item %d", i), Text: text(i), URL: fmt.Sprintf("https://wire.example/%d", i),
			Published: t0.Add(time.Duration(i) * time.Hour)})
		if i == 300 {
			// A copy of article 201 (hour 200), republished 100 hours
			// later: its story closed long ago.
			late = e.Add(Doc{ID: 10_000, Text: "Republished. " + text(200), URL: "https://digest.example/copy-200",
				Published: t0.Add(300 * time.Hour)})
		}
	}
	if late.DuplicateOf != 201 || late.Original != 201 {
		t.Errorf("late copy: %+v, want a duplicate of 201 credited to it", late)
	}
	if n := len(e.articles); n > 30 {
		t.Errorf("%d articles of open stories, want about 27", n)
	}
	// Articles of closed stories are kept for 10 days, the window included.
	if n := len(e.past); n < 200 || n > 250 {
		t.Errorf("%d articles of closed stories remembered, want about 216", n)
	}
	if n := e.dedup.Len(); n != len(e.past)+len(e.articles)-1 { // the late copy is not a text of its own
		t.Errorf("dedup index holds %d texts for %d articles", n, len(e.past)+len(e.articles))
	}
	if _, ok := e.StoryOf(1); ok {
		t.Error("first article still known after the duplicate window")
	}
	if _, ok := e.StoryOf(300); !ok {
		t.Error("an article of a closed story within the duplicate window is unknown")
	}
	for _, a := range e.past {
		if a.q != nil || a.lead != "" {
			t.Fatalf("article %d of a closed story keeps its vectors or lead", a.id)
		}
	}
}

func TestHostileInput(t *testing.T) {
	big := strings.Repeat("The committee met again on Tuesday to discuss the budget. ", 90_000) // ~5 MB
	cases := []struct {
		name string
		doc  Doc
	}{
		{"empty text", Doc{Text: ""}},
		{"one word", Doc{Text: "Breaking"}},
		{"whitespace only", Doc{Title: "   ", Text: "\n\n\t  "}},
		{"5 MB text", Doc{Title: "Budget", Text: big}},
		{"all caps", Doc{Title: "EARTHQUAKE HITS CITY", Text: "A MAGNITUDE 6.1 EARTHQUAKE STRUCK THE CITY ON MONDAY, KILLING 12 PEOPLE."}},
		{"non-English", Doc{Title: "Землетрясение", Text: "Сильное землетрясение магнитудой 6,1 произошло в понедельник."}},
		{"mixed scripts", Doc{Text: "東京 Tokyo 地震 earthquake مدينة 2024 ٢٠٢٤ 🙂 \u200b\u202e"}},
		{"invalid UTF-8", Doc{Title: "\xff\xfe", Text: "abc \xc3\x28 def \xed\xa0\x80 ghi"}},
		{"no date", Doc{Text: "A report without any date in it."}},
		{"date far in the future", Doc{Text: "A report from the year 2999.", Published: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"date far in the past", Doc{Text: "A report from 1901.", Published: time.Date(1901, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"negative id", Doc{ID: -5, Text: "Negative identifiers are just keys."}},
	}
	e := NewEngine(DefaultOptions())
	e.Add(Doc{ID: 1000, Text: "An ordinary article to set the clock.", Published: t0})
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.doc
			if d.ID == 0 {
				d.ID = int64(i + 1)
			}
			r := e.Add(d)
			if r.StoryID == 0 || r.ID != d.ID {
				t.Fatalf("result %+v", r)
			}
			v, ok := e.Story(r.StoryID)
			if !ok || len(v.ArticleIDs) == 0 {
				t.Fatalf("story %d: %+v", r.StoryID, v)
			}
		})
	}
	if e.clock.Year() != 2026 {
		t.Errorf("a far-future date moved the clock to %v", e.clock)
	}
	if len(e.Stories()) == 0 {
		t.Error("no stories listed")
	}
}

func TestFutureDateFirstDoesNotCloseLaterStories(t *testing.T) {
	o := DefaultOptions()
	o.Now = func() time.Time { return t0.Add(10 * 24 * time.Hour) }
	e := NewEngine(o)
	e.Add(Doc{ID: 1, Text: "A wrongly dated report.", Published: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)})
	for i := range 50 {
		e.Add(Doc{ID: int64(i + 2), Text: fmt.Sprintf("Report %d about the river flood in town%d.", i, i), Published: t0.Add(time.Duration(i) * time.Hour)})
	}
	if _, ok := e.StoryOf(51); !ok {
		t.Fatal("a recent article was forgotten: the future date moved the clock")
	}
	if e.clock.After(o.Now().Add(time.Hour)) {
		t.Errorf("clock %v beyond now", e.clock)
	}
}

func TestStoryViewAndImportance(t *testing.T) {
	items := loadCorpus(t, "ecbplus-dev.jsonl")
	e := NewEngine(DefaultOptions())
	for i, it := range items[:150] {
		e.Add(Doc{ID: int64(i + 1), Text: it.Text, Outlet: fmt.Sprintf("o%d", i%11), Published: t0.Add(time.Duration(i) * time.Minute)})
	}
	stories := e.Stories()
	if len(stories) < 10 {
		t.Fatalf("%d stories", len(stories))
	}
	top := stories[0]
	last := stories[len(stories)-1]
	if top.Importance < last.Importance || top.Outlets < last.Outlets {
		t.Errorf("importance order: top %v (%d outlets), last %v (%d outlets)", top.Importance, top.Outlets, last.Importance, last.Outlets)
	}
	if top.Headline == "" || top.Summary == "" || len(top.Entities) == 0 || top.FirstSeen.After(top.LastSeen) {
		t.Errorf("top story incomplete: %+v", top.Story)
	}
	if len(top.Articles) != len(top.ArticleIDs) {
		t.Errorf("%d members for %d ids", len(top.Articles), len(top.ArticleIDs))
	}
	if _, ok := e.Story(1 << 40); ok {
		t.Error("unknown story found")
	}
}

func TestStandardOptionsUseTaggerAndSummarizer(t *testing.T) {
	o, err := Standard()
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(o)
	txt := "Chinese President Xi Jinping met Russian President Vladimir Putin in Beijing on Thursday. The two leaders discussed the war in Ukraine and trade between China and Russia. Mr Putin said relations were at their best."
	r := e.Add(Doc{ID: 1, Title: "Xi and Putin meet in Beijing", Text: txt, Published: t0})
	v, _ := e.Story(r.StoryID)
	names := map[string]bool{}
	for _, en := range v.Entities {
		names[en.Name] = true
	}
	if !names["Xi Jinping"] || !names["Vladimir Putin"] {
		t.Errorf("entities %+v", v.Entities)
	}
	if v.Summary == "" || v.Headline != "Xi and Putin meet in Beijing" {
		t.Errorf("headline %q summary %q", v.Headline, v.Summary)
	}
}

func FuzzAdd(f *testing.F) {
	f.Add("Earthquake hits California", "A magnitude 4.4 earthquake struck Lake County on Monday, 2014.", "https://a.example/1", int64(0))
	f.Add("", "", "", int64(-1))
	f.Add("ÉCLAIR", "東京 2024 \xff\xfe مدينة", "not a url", int64(1<<40))
	f.Add("Copy", "Source link\n\nExit mobile version", "//x", int64(3600))
	f.Fuzz(func(t *testing.T, title, text, url string, offset int64) {
		docs := []Doc{
			{ID: 1, Title: title, Text: text, URL: url, Published: t0.Add(time.Duration(offset) * time.Second)},
			{ID: 2, Title: title, Text: text + " " + title, SourceURL: url},
			{ID: 3, Title: text, Text: title, Published: t0},
			{ID: 1, Title: title, Text: text},
		}
		run := func() []Result {
			e := NewEngine(Options{Window: time.Hour})
			var out []Result
			for _, d := range docs {
				r := e.Add(d)
				if r.StoryID == 0 {
					t.Fatalf("no story for %+v", d)
				}
				out = append(out, r)
			}
			e.Stories()
			return out
		}
		if a, b := run(), run(); !reflect.DeepEqual(a, b) {
			t.Fatalf("not deterministic:\n%+v\n%+v", a, b)
		}
	})
}

func TestRememberedArticlesCatchLateCopies(t *testing.T) {
	e := NewEngine(Options{Window: 24 * time.Hour, DedupWindow: 10 * 24 * time.Hour})
	old := "The harbour authority approved the dredging plan for the north channel after a two-year review, its chair Lena Ostrova said on Monday, and work starts in spring."
	e.Remember(Doc{ID: 7, Text: old, URL: "https://wire.example/dredging", Published: t0})
	e.Remember(Doc{ID: 7, Text: "ignored: the ID is known"})
	if _, ok := e.StoryOf(7); !ok {
		t.Fatal("a remembered article is unknown")
	}
	e.Add(Doc{ID: 8, Text: "An unrelated report on the regional rail timetable.", Published: t0.Add(5 * 24 * time.Hour)})
	r := e.Add(Doc{ID: 9, Text: "Republished from the wire. " + old, Published: t0.Add(5 * 24 * time.Hour)})
	if r.DuplicateOf != 7 || r.Original != 7 || r.StoryID == 0 {
		t.Fatalf("late copy: %+v, want a duplicate of the remembered article 7", r)
	}
	if r := e.Add(Doc{ID: 10, Text: "Same URL, other text.", URL: "http://www.wire.example/dredging/", Published: t0.Add(5 * 24 * time.Hour)}); r.DuplicateOf != 7 {
		t.Errorf("same URL as a remembered article: %+v", r)
	}
	// Past the duplicate window after its publication it is forgotten (the
	// clock moves with the articles, by less than a window at a time: a
	// larger leap is taken for a bad date).
	for h := 5*24 + 12; h <= 12*24; h += 12 {
		e.Add(Doc{ID: int64(100 + h), Text: fmt.Sprintf("Filler report %d on the weather in district %d.", h, h), Published: t0.Add(time.Duration(h) * time.Hour)})
	}
	if _, ok := e.StoryOf(7); ok {
		t.Error("a remembered article outlived the duplicate window")
	}
	if r := e.Add(Doc{ID: 13, Text: old, Published: t0.Add(12 * 24 * time.Hour)}); r.DuplicateOf != 0 {
		t.Errorf("a copy after the duplicate window still matched: %+v", r)
	}
}

func TestFirstWordsFinishesAName(t *testing.T) {
	for _, c := range []struct {
		name, text string
		n          int
		want       string
	}{
		{"short text whole", "Rain in the north.", 10, "Rain in the north."},
		{"cut between plain words", "one two three four five", 3, "one two three"},
		{"a name cut in half is finished", "The deal was signed by Amara Velasquez on Monday.", 6, "The deal was signed by Amara Velasquez"},
		{"a long name stops after four more words", "Met A B C D E F G today", 2, "Met A B C D E"},
		{"punctuation ends the name", "He met Smith. Jones left early.", 3, "He met Smith."},
		{"a capitalised sentence start is not a name", "He met them. Later they left.", 3, "He met them."},
		{"lower-case word after the cut", "Talks with Lena Ostrova ended on Friday", 5, "Talks with Lena Ostrova ended"},
		{"non-ASCII capitals", "Gespräch mit Ödön Ébner heute", 3, "Gespräch mit Ödön Ébner"},
		{"empty", "", 5, ""},
	} {
		if got := firstWords(c.text, c.n); got != c.want {
			t.Errorf("%s: firstWords(%q, %d) = %q, want %q", c.name, c.text, c.n, got, c.want)
		}
	}
}

func TestRememberHostileInput(t *testing.T) {
	e := NewEngine(DefaultOptions())
	big := strings.Repeat("The committee met again on Tuesday to discuss the budget. ", 90_000) // ~5 MB
	for i, d := range []Doc{
		{Text: ""},
		{Text: "\xff\xfe \xc3\x28"},
		{Text: big, URL: "https://wire.example/big"},
		{Text: "No date at all."},
		{Text: "From the far future.", Published: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Text: "From long ago.", Published: time.Date(1901, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Text: "A URL that is not one.", URL: "::::"},
	} {
		d.ID = int64(i + 1)
		e.Remember(d)
		if _, ok := e.StoryOf(d.ID); !ok {
			t.Errorf("remembered article %d unknown", d.ID)
		}
	}
	r := e.Add(Doc{ID: 100, Text: "Republished: " + big[:200_000], Published: t0})
	if r.StoryID == 0 {
		t.Fatalf("add after hostile memories: %+v", r)
	}
	if e.clock.Year() != 2026 {
		t.Errorf("a remembered date moved the clock to %v", e.clock)
	}
}

func TestBylineAuthorIsNotAnEntity(t *testing.T) {
	o := DefaultOptions()
	o.Entities = func(title, text string) []digest.Entity {
		// As if the page's byline had come through with the text.
		var out []digest.Entity
		for _, en := range []digest.Entity{{Name: "Ruth Calloway", Kind: digest.Person, Count: 1}, {Name: "Ashby Falls", Kind: digest.Place, Count: 2}} {
			if text != "" || strings.Contains(title, en.Name) {
				out = append(out, en)
			}
		}
		return out
	}
	e := NewEngine(o)
	res := e.Add(Doc{ID: 1, Title: "Small tremor rattles Ashby Falls", Text: "A small earthquake rattled Ashby Falls.", Author: "By Ruth Calloway"})
	v, ok := e.Story(res.StoryID)
	if !ok {
		t.Fatal("no story")
	}
	if len(v.Entities) != 1 {
		t.Errorf("entities %+v, want Ashby Falls alone", v.Entities)
	}
	for _, en := range v.Entities {
		if en.Name == "Ruth Calloway" {
			t.Errorf("the byline's author is an entity of the story: %+v", en)
		}
	}
}
