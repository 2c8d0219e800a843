package story

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
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

func TestDemoPrint(t *testing.T) {
	o, err := Standard()
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(o)
	arts := demoArticles(t, t0)
	for i, a := range arts {
		e.Add(Doc{ID: int64(i + 1), Title: a.title, Text: a.text, Outlet: a.outlet, Published: a.published, Author: a.author, URL: "https://" + a.outlet + ".example/" + a.slug})
	}
	for _, s := range e.Stories() {
		t.Logf("STORY %d %q\n  summary: %s\n  short: %s", s.ID, s.Headline, s.Summary, s.Short)
		for _, m := range s.Articles {
			t.Logf("   - %s %s dup=%d", m.Outlet, m.Title, m.DuplicateOf)
		}
		t.Logf("  entities: %+v", s.Entities)
	}
}
