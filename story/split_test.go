package story

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/occasional-digest/digest/internal/testnews"
)

func TestSplitDue(t *testing.T) {
	for _, c := range []struct {
		n    int
		want bool
	}{{1, false}, {3, false}, {4, true}, {8, true}, {9, false}, {10, true}, {16, true}, {17, false}, {20, true}, {22, false}, {64, true},
		{68, false}, {80, true}, {400, true}, {404, false}} {
		if got := splitDue(c.n); got != c.want {
			t.Errorf("splitDue(%d) = %v, want %v", c.n, got, c.want)
		}
	}
}

// quakeDocs writes n reports of q with IDs from firstID.
func quakeDocs(firstID int64, n int, q testnews.Quake) []Doc {
	var out []Doc
	for i := range n {
		title, text := q.Report(i)
		out = append(out, Doc{ID: firstID + int64(i), Title: title, Text: text})
	}
	return out
}

// forceStory puts docs into one story regardless of similarity, as an
// early streaming mistake would.
func forceStory(e *Engine, docs []Doc) *story {
	s := e.newStory()
	for _, d := range docs {
		q := e.prepare(features(d.Title, d.Text, e.opts))
		a := &article{id: d.ID, story: s.id, title: d.Title}
		a.q = keepQuery(&q)
		s.add(a, &q, nil, e.opts.CentroidTerms)
		e.articles[a.id] = a
	}
	e.index(s)
	return s
}

func TestSplitSeparatesTwoEventsOfOneKind(t *testing.T) {
	a := quakeDocs(1, 5, testnews.PortAlder)
	b := quakeDocs(101, 5, testnews.AshbyFalls)
	var docs []Doc
	for i := range a {
		docs = append(docs, a[i], b[i]) // interleaved, as they would arrive
	}
	e := NewEngine(DefaultOptions())
	s := forceStory(e, docs)
	holder, n := e.maybeSplit(s, docs[len(docs)-1].ID)
	if n == nil {
		t.Fatal("a story holding two earthquakes was not split")
	}
	if holder != n && holder != s {
		t.Fatalf("holder is neither half")
	}
	for _, d := range docs {
		got, ok := e.StoryOf(d.ID)
		want := s.id // the half with the first article keeps the ID
		if d.ID > 100 {
			want = n.id
		}
		if !ok || got != want {
			t.Errorf("article %d in story %d, want %d", d.ID, got, want)
		}
	}
	if s.vectors != 5 || n.vectors != 5 || len(s.members) != 5 || len(n.members) != 5 {
		t.Errorf("halves hold %d/%d and %d/%d articles", s.vectors, len(s.members), n.vectors, len(n.members))
	}
	if !slices.Contains(n.indexed, n.topTermsOf(e)) {
		t.Errorf("the new story is not in the index")
	}
}

// topTermsOf is the heaviest term of s (for checking the index).
func (s *story) topTermsOf(e *Engine) uint32 { return s.topTerms(1, e.idf)[0] }

func TestSplitKeepsOneEvent(t *testing.T) {
	docs := quakeDocs(1, 10, testnews.PortAlder)
	e := NewEngine(DefaultOptions())
	s := forceStory(e, docs)
	if _, n := e.maybeSplit(s, 10); n != nil {
		t.Fatalf("one earthquake was split in two stories (%d and %d articles)", s.vectors, n.vectors)
	}
}

func TestSplitThroughAdd(t *testing.T) {
	// Two quakes arriving interleaved through Add end in two stories, and
	// any split the engine made was reported.
	a := quakeDocs(1, 6, testnews.PortAlder)
	b := quakeDocs(101, 6, testnews.AshbyFalls)
	e := NewEngine(DefaultOptions())
	stories := map[int64]bool{}
	for i := range a {
		for _, d := range []Doc{a[i], b[i]} {
			r := e.Add(d)
			stories[r.StoryID] = true
			for _, n := range r.SplitStories {
				stories[n] = true
			}
		}
	}
	of := func(d Doc) int64 { s, _ := e.StoryOf(d.ID); return s }
	for i := range a {
		if of(a[i]) != of(a[0]) || of(b[i]) != of(b[0]) {
			t.Errorf("an event spread over stories: %d %d / %d %d", of(a[i]), of(a[0]), of(b[i]), of(b[0]))
		}
	}
	if of(a[0]) == of(b[0]) {
		t.Errorf("both earthquakes in story %d", of(a[0]))
	}
	for _, s := range []int64{of(a[0]), of(b[0])} {
		if !stories[s] {
			t.Errorf("story %d was never reported by Add", s)
		}
	}
}

func TestBisectTooSmall(t *testing.T) {
	e := NewEngine(DefaultOptions())
	s := forceStory(e, quakeDocs(1, 3, testnews.PortAlder))
	if _, n := e.maybeSplit(s, 3); n != nil {
		t.Fatal("a story of three articles was split")
	}
	var arts []*article
	for _, m := range s.members {
		arts = append(arts, e.articles[m])
	}
	if side := e.bisect(arts); side != nil {
		t.Fatalf("bisect of 3 articles with sides of at least %d: %v", minSide, side)
	}
}

func TestSpecificNumber(t *testing.T) {
	for _, c := range []struct {
		w    string
		want bool
	}{
		{"4.6", true}, {"162", true}, {"1,400", true}, {"0.25", true},
		{"2013", false}, // a year has its own feature
		{"12", false}, {"7", false}, {"", false}, {"abc", false}, {"4a6", false}, {"MH370", false},
	} {
		if got := specificNumber(c.w); got != c.want {
			t.Errorf("specificNumber(%q) = %v, want %v", c.w, got, c.want)
		}
	}
}

func TestDayOf(t *testing.T) {
	for _, c := range []struct {
		w    string
		want int
	}{{"Monday", 1}, {"Sunday", 7}, {"Thursday", 4}, {"monday", 0}, {"Mon", 0}, {"Mondays", 0}, {"", 0}} {
		if got := dayOf(lower(nil, c.w), c.w); got != c.want {
			t.Errorf("dayOf(%q) = %d, want %d", c.w, got, c.want)
		}
	}
}

func TestSplitLargeStoryPlacesTheOlderArticles(t *testing.T) {
	// More articles than a split check compares: the older ones follow
	// the half they resemble.
	a := quakeDocs(1, 60, testnews.PortAlder)
	b := quakeDocs(1001, 60, testnews.AshbyFalls)
	var docs []Doc
	for i := range a {
		docs = append(docs, a[i], b[i])
	}
	if len(docs) <= maxSplit {
		t.Fatalf("%d articles do not exceed maxSplit %d", len(docs), maxSplit)
	}
	e := NewEngine(DefaultOptions())
	s := forceStory(e, docs)
	_, n := e.maybeSplit(s, docs[len(docs)-1].ID)
	if n == nil {
		t.Fatal("not split")
	}
	for _, d := range docs {
		got, _ := e.StoryOf(d.ID)
		want := s.id
		if d.ID > 1000 {
			want = n.id
		}
		if got != want {
			t.Errorf("article %d in story %d, want %d", d.ID, got, want)
		}
	}
}

func TestSplitHostileStories(t *testing.T) {
	words := func(n int, f func(i int) string) []Doc {
		var out []Doc
		for i := range n {
			out = append(out, Doc{ID: int64(i + 1), Text: f(i)})
		}
		return out
	}
	for _, c := range []struct {
		name string
		docs []Doc
	}{
		{"empty texts", words(10, func(int) string { return "" })},
		{"one word each", words(10, func(i int) string { return []string{"Breaking", "Update", "Live"}[i%3] })},
		{"one text ten times", words(10, func(int) string { return "The council approved the budget on Tuesday." })},
		{"two texts five times each", words(10, func(i int) string {
			return []string{"The council approved the budget on Tuesday.", "Floods closed the coastal road on Friday."}[i%2]
		})},
		{"numbers only", words(12, func(i int) string { return fmt.Sprintf("%d.%d %d,000 %d", i, i, i, 1900+i) })},
		{"mixed scripts", words(8, func(i int) string {
			return "東京 地震 مدينة ٢٠٢٤ Землетрясение " + fmt.Sprint(i)
		})},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := NewEngine(DefaultOptions())
			s := forceStory(e, c.docs)
			_, n := e.maybeSplit(s, c.docs[len(c.docs)-1].ID)
			total := len(s.members)
			if n != nil {
				total += len(n.members)
			}
			if total != len(c.docs) {
				t.Fatalf("%d articles after the check, want %d", total, len(c.docs))
			}
			for _, d := range c.docs {
				if _, ok := e.StoryOf(d.ID); !ok {
					t.Errorf("article %d lost", d.ID)
				}
			}
		})
	}
}

// BenchmarkSplitCheck measures one split check of a story of maxSplit
// articles holding one event (the check compares them all and keeps the
// story whole).
func BenchmarkSplitCheck(b *testing.B) {
	docs := quakeDocs(1, maxSplit, testnews.PortAlder)
	e := NewEngine(DefaultOptions())
	s := forceStory(e, docs)
	for b.Loop() {
		if _, n := e.maybeSplit(s, docs[len(docs)-1].ID); n != nil {
			b.Fatal("split one event")
		}
	}
}

func TestSplitsAreDeterministic(t *testing.T) {
	items := loadCorpus(t, "ecbplus-dev.jsonl")
	run := func() ([]Result, map[int64]int64) {
		e := NewEngine(DefaultOptions())
		var out []Result
		splits := 0
		for i, it := range items {
			r := e.Add(Doc{ID: int64(i + 1), Text: it.Text, Published: t0})
			splits += len(r.SplitStories)
			out = append(out, r)
		}
		if splits == 0 {
			t.Fatal("no split over the ECB+ file: the test checks nothing")
		}
		final := map[int64]int64{}
		for i := range items {
			final[int64(i+1)], _ = e.StoryOf(int64(i + 1))
		}
		return out, final
	}
	r1, f1 := run()
	r2, f2 := run()
	if !reflect.DeepEqual(r1, r2) || !reflect.DeepEqual(f1, f2) {
		t.Fatal("two runs over the same input differ")
	}
}

// FuzzSplit forces articles made of arbitrary texts into one story and
// checks a split check keeps every article in exactly one story.
func FuzzSplit(f *testing.F) {
	f.Add("A magnitude 6.1 earthquake struck Port Alder on Tuesday, 2019.", "Governor Tomas Reyes said the 4.2 quake in Ashby Falls in 2023 was shallow.", 8)
	f.Add("", "", 4)
	f.Add("東京 2024 \xff\xfe مدينة", "ÉCLAIR 1,400 Monday", 12)
	f.Fuzz(func(t *testing.T, a, b string, n int) {
		n = 4 + int(uint(n)%60)
		var docs []Doc
		for i := range n {
			text := a
			if i%3 == 1 {
				text = b
			} else if i%3 == 2 {
				text = a + " " + b + fmt.Sprint(" ", i)
			}
			docs = append(docs, Doc{ID: int64(i + 1), Text: text})
		}
		e := NewEngine(DefaultOptions())
		s := forceStory(e, docs)
		_, split := e.maybeSplit(s, int64(n))
		total := len(s.members)
		if split != nil {
			total += len(split.members)
		}
		if total != n {
			t.Fatalf("%d articles in the stories after the check, want %d", total, n)
		}
	})
}
