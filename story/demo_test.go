package story

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// demoArticle is one article of the demo newswire (../demo/newswire).
type demoArticle struct {
	outlet, slug, author, title, text string
	published                         time.Time
}

// demoArticles reads the demo newswire's articles, dated back from now as
// the demo dates them, in order of publication.
func demoArticles(tb testing.TB, now time.Time) []demoArticle {
	tb.Helper()
	b, err := os.ReadFile("../demo/newswire/articles.txt")
	if err != nil {
		tb.Fatal(err)
	}
	var out []demoArticle
	var cur *demoArticle
	var body []string
	flush := func() {
		if cur != nil {
			cur.text = strings.TrimSpace(strings.Join(body, "\n"))
			out = append(out, *cur)
		}
		body = nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") && cur == nil {
			continue
		}
		if h, ok := strings.CutPrefix(line, "=== "); ok {
			flush()
			f := strings.Split(h, " | ")
			if len(f) != 5 {
				tb.Fatalf("bad header %q", line)
			}
			hours, err := strconv.Atoi(f[2])
			if err != nil {
				tb.Fatal(err)
			}
			cur = &demoArticle{outlet: f[0], slug: f[1], author: f[3], title: f[4], published: now.Add(-time.Duration(hours) * time.Hour)}
			continue
		}
		if strings.HasPrefix(line, "summary: ") {
			continue
		}
		body = append(body, line)
	}
	flush()
	slicesSortStable(out)
	return out
}

func slicesSortStable(a []demoArticle) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].published.Before(a[j-1].published); j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// demoEvents says which event each demo article reports.
var demoEvents = map[string]string{
	"port-alder-earthquake":           "quake",
	"quake-port-alder-wire":           "quake",
	"quake-night-waterfront":          "quake",
	"port-alder-quake-engineers":      "quake",
	"ashby-falls-tremor":              "tremor",
	"lindenfeld-tram-vote":            "tram",
	"lindenfeld-tram-approved":        "tram",
	"lindenfeld-tram-funding":         "tram",
	"drought-wheat-calder-university": "wheat",
	"velasquez-wheat-drought":         "wheat",
	"harbour-rovers-cup":              "cup",
	"ashby-falls-bread-festival":      "festival",
	"calder-rail-strike-called-off":   "strike",
}

// TestDemoStories runs the demo newswire through the engine as the server
// configures it and checks what a newcomer sees first: one event per
// story and every event in one story, people, places and organisations a
// reader would accept, and summaries that open with the headline's
// article and say each number once.
func TestDemoStories(t *testing.T) {
	o, err := Standard()
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(o)
	arts := demoArticles(t, t0)
	authors := map[string]bool{}
	for i, a := range arts {
		if _, ok := demoEvents[a.slug]; !ok {
			t.Fatalf("demo article %q has no event in demoEvents", a.slug)
		}
		authors[a.author] = true
		e.Add(Doc{ID: int64(i + 1), Title: a.title, Text: a.text, Outlet: a.outlet, Published: a.published, Author: a.author,
			URL: "https://" + a.outlet + ".example/" + a.slug})
	}
	storyOf := map[string]int64{}
	for i, a := range arts {
		s, _ := e.StoryOf(int64(i + 1))
		ev := demoEvents[a.slug]
		if prev, ok := storyOf[ev]; ok && prev != s {
			t.Errorf("event %s is in stories %d and %d", ev, prev, s)
		}
		storyOf[ev] = s
	}
	events := map[int64]string{}
	for ev, s := range storyOf {
		if other, ok := events[s]; ok {
			t.Errorf("story %d holds the events %s and %s", s, other, ev)
		}
		events[s] = ev
	}
	numbers := regexp.MustCompile(`\d[\d.,]*\d`)
	views := e.Stories()
	for _, s := range views {
		if again, _ := e.Story(s.ID); again.Short != s.Short || again.Summary != s.Summary {
			t.Errorf("story %q: the cached view differs:\n%q\n%q", s.Headline, s.Short, again.Short)
		}
	}
	for _, s := range views {
		seen := map[string]bool{}
		for _, en := range s.Entities {
			if seen[en.Name] {
				t.Errorf("story %q names %q twice: %+v", s.Headline, en.Name, s.Entities)
			}
			seen[en.Name] = true
			if authors[en.Name] {
				t.Errorf("story %q lists its byline's author %q", s.Headline, en.Name)
			}
			if en.Name == "Iceland" || en.Kind == digest.Person && strings.HasSuffix(en.Name, " Street") {
				t.Errorf("story %q lists %+v", s.Headline, en)
			}
		}
		counts := map[string]int{}
		for _, n := range numbers.FindAllString(s.Summary, -1) {
			if counts[n]++; counts[n] == 2 {
				t.Errorf("story %q says %s twice: %s", s.Headline, n, s.Summary)
			}
		}
		if w := len(strings.Fields(s.Short)); w == 0 || w > 60 {
			t.Errorf("story %q: short summary of %d words: %q", s.Headline, w, s.Short)
		}
		// The summary opens with the lead of an article that carries the
		// headline.
		opens := false
		for _, a := range arts {
			if a.title == s.Headline && strings.HasPrefix(a.text, firstWordsOf(s.Summary, 8)) {
				opens = true
			}
		}
		if !opens {
			t.Errorf("story %q: summary opens with another article: %s", s.Headline, s.Summary)
		}
	}
	want := map[string][]digest.Entity{
		"quake": {{Name: "Port Alder", Kind: digest.Place}, {Name: "Ines Varga", Kind: digest.Person}},
		"tram":  {{Name: "Lindenfeld", Kind: digest.Place}},
		"wheat": {{Name: "Amara Velasquez", Kind: digest.Person}},
	}
	for ev, ents := range want {
		v, ok := e.Story(storyOf[ev])
		if !ok {
			t.Errorf("no story for %s", ev)
			continue
		}
		for _, w := range ents {
			found := false
			for _, en := range v.Entities {
				found = found || en.Name == w.Name && en.Kind == w.Kind
			}
			if !found {
				t.Errorf("story %q lacks %s %s: %+v", v.Headline, w.Kind, w.Name, v.Entities)
			}
		}
	}
	if t.Failed() || testing.Verbose() {
		for _, s := range e.Stories() {
			t.Logf("story %d %q (%d articles)\n  summary: %s\n  short: %s\n  entities: %+v", s.ID, s.Headline, len(s.Articles), s.Summary, s.Short, s.Entities)
		}
	}
}

func firstWordsOf(s string, n int) string {
	w := strings.Fields(s)
	return strings.Join(w[:min(n, len(w))], " ")
}
