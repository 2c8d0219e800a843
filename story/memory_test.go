package story

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	digest "github.com/occasional-digest/digest"
)

// The engine holds a vector per article of an open story and three per
// story: their size is most of its memory (see term).
func TestTermIsEightBytes(t *testing.T) {
	if n := unsafe.Sizeof(term{}); n != 8 {
		t.Errorf("term is %d bytes, want 8", n)
	}
}

// Vectors that live as long as their article or story are allocated to
// their length: room left by sums and pruning was a third of the vectors'
// memory.
func TestKeptVectorsHaveNoSpareRoom(t *testing.T) {
	g := newGen(3, 20, 200)
	e := NewEngine(DefaultOptions())
	for i := range 600 {
		title, text := g.article(i / 3 % 200)
		e.Add(Doc{ID: int64(i + 1), Title: title, Text: text, Outlet: "o" + strconv.Itoa(i%7), Published: t0.Add(time.Duration(i) * time.Minute)})
	}
	spare := func(what string, v []term) {
		if cap(v) != len(v) {
			t.Errorf("%s: %d terms in room for %d", what, len(v), cap(v))
		}
	}
	for _, a := range e.articles {
		if a.q == nil {
			continue
		}
		if cap(a.q.slab) != len(a.q.slab) {
			t.Errorf("article vectors: %d words in room for %d", len(a.q.slab), cap(a.q.slab))
		}
		if cap(a.q.ints) != len(a.q.ints) {
			t.Errorf("article lists: %d in room for %d", len(a.q.ints), cap(a.q.ints))
		}
	}
	large := 0
	for _, s := range e.stories {
		spare("centroid", s.centroid)
		spare("names", s.names)
		spare("lead", s.lead)
		if s.vectors > 2 {
			large++
		}
	}
	if large == 0 {
		t.Fatal("no story of three articles or more: the test sees no sums")
	}
}

func TestKeptEntitiesGiveBackTheEntities(t *testing.T) {
	ents := []digest.Entity{
		{Name: "Ines Varga", Kind: digest.Person, Count: 3},
		{Name: "NATO", Kind: digest.Organization, Count: 1},
		{Name: "Calder", Kind: digest.Place, Count: 2},
		{Name: "Eurovision", Kind: digest.Misc, Count: 1},
		{Name: "Lindenfeld", Kind: "EVENT", Count: 4}, // a custom extractor's kind
	}
	if got := entitiesOf(keepEntities(ents)); !reflect.DeepEqual(got, ents) {
		t.Errorf("kept and given back:\n%v\nwant\n%v", got, ents)
	}
	if n := unsafe.Sizeof(keptEntity{}); n > 24 {
		t.Errorf("keptEntity is %d bytes, want at most 24", n)
	}
	if got := entitiesOf(keepEntities(nil)); got != nil {
		t.Errorf("no entities kept: %v", got)
	}
}

// An article's kept strings are copies: a lead or a name cut from the
// Doc's text would keep the whole text (kilobytes) while its story is open.
func TestKeptStringsHoldNotTheText(t *testing.T) {
	opts, err := Standard()
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(opts)
	title := "Mayor Ines Varga opens the Calder bridge"
	text := "Calder Mayor Ines Varga opened the new bridge over the Lind on Tuesday. NATO observers attended. " +
		strings.Repeat("The bridge carries four lanes and a tramway across the river. ", 40)
	url := "https://www.example.com/news/bridge"
	e.Add(Doc{ID: 1, Title: title, Text: text, URL: url, Outlet: "Calder Post", Published: t0})
	a := e.articles[1]
	if a == nil || a.lead == "" || len(a.ents) == 0 {
		t.Fatalf("article kept no lead or entities: %+v", a)
	}
	inside := func(what, s string, of ...string) {
		if s == "" {
			return
		}
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		for _, o := range of {
			lo := uintptr(unsafe.Pointer(unsafe.StringData(o)))
			if p >= lo && p < lo+uintptr(len(o)) {
				t.Errorf("%s %q points into a Doc's string", what, s)
			}
		}
	}
	inside("title", a.title, title, text, url)
	inside("lead", a.lead, title, text, url)
	inside("url", a.url, title, text, url)
	for _, k := range a.ents {
		inside("entity", k.name, title, text, url)
	}
	for _, en := range e.stories[a.story].entities {
		inside("story entity", en.Name, title, text, url)
	}
}

func TestKeptQueryGivesBackTheQuery(t *testing.T) {
	e := NewEngine(DefaultOptions())
	q := e.prepare(features("Quake of magnitude 6.1 hits Port Alder on Tuesday", "Port Alder, March 3, 2026. An earthquake of magnitude 6.1 struck the port city of Port Alder in Chile on Tuesday, 2,400 people were evacuated.", e.opts))
	q.contrib = q.vec
	if len(q.vec) == 0 || len(q.names) == 0 || len(q.lead) == 0 || len(q.years) == 0 || len(q.numbers) == 0 {
		t.Fatalf("the test query lacks a part: %+v", q)
	}
	k := keepQuery(&q)
	got := k.query()
	// The weights come back to within half a step of 1/65535.
	near := func(what string, got, want []term) {
		if len(got) != len(want) {
			t.Fatalf("%s: %d terms given back, want %d", what, len(got), len(want))
		}
		for i := range want {
			if got[i].h != want[i].h || math.Abs(float64(got[i].w-want[i].w)) > 0.5/65535+1e-7 {
				t.Errorf("%s term %d: %v, want %v", what, i, got[i], want[i])
			}
		}
	}
	near("vec", got.vec, q.vec)
	near("contrib", got.contrib, q.vec)
	near("names", got.names, q.names)
	near("lead", got.lead, q.lead)
	if !reflect.DeepEqual([][]int{got.years, got.months, got.numbers, got.days}, [][]int{q.years, q.months, q.numbers, q.days}) {
		t.Errorf("lists given back %v %v %v %v, want %v %v %v %v", got.years, got.months, got.numbers, got.days, q.years, q.months, q.numbers, q.days)
	}
	// Kept again, a given-back query is kept the same (as a snapshot
	// read back keeps it).
	if again := keepQuery(&got); !reflect.DeepEqual(again, k) {
		t.Errorf("kept twice:\n%+v\nwant\n%+v", again, k)
	}
	// Its parts share one slice: appending to one must not write over
	// the next.
	lead0 := got.lead[0]
	_ = append(got.names, term{1, 1})
	if k.query().lead[0] != lead0 {
		t.Error("appending to the names overwrote the lead")
	}
	if got := (&keptQuery{}).query(); got.vec != nil || got.years != nil {
		t.Errorf("empty kept query gives back %+v", got)
	}
}

// A syndicated copy with a title keeps no lead: summaries draw on the
// kept article's.
func TestCopyKeepsNoLead(t *testing.T) {
	e := NewEngine(DefaultOptions())
	text := "Calder Mayor Ines Varga opened the new bridge over the Lind on Tuesday, after four years of works. " +
		strings.Repeat("The bridge carries four lanes and a tramway across the river to the old town. ", 8)
	e.Add(Doc{ID: 1, Title: "Calder opens its bridge", Text: text, Outlet: "Calder Post", Published: t0})
	r := e.Add(Doc{ID: 2, Title: "New bridge opens in Calder", Text: text, Outlet: "Lind Herald", Published: t0.Add(time.Hour)})
	if r.DuplicateOf != 1 {
		t.Fatalf("the copy was not recognised: %+v", r)
	}
	if l := e.articles[2].lead; l != "" {
		t.Errorf("the copy keeps a lead: %q", l)
	}
	v, _ := e.Story(r.StoryID)
	if !strings.HasPrefix(v.Summary, "Calder Mayor Ines Varga opened") {
		t.Errorf("summary %q does not open with the kept article's lead", v.Summary)
	}
}

// Only the articles at the ends of a story keep their leads: a view picks
// its headline and summary among the first and last viewEnds.
func TestMiddleArticlesKeepNoLead(t *testing.T) {
	g := newGen(5, 3, 3)
	e := NewEngine(DefaultOptions())
	for i := range 60 {
		title, text := g.article(0)
		e.Add(Doc{ID: int64(i + 1), Title: title, Text: text, Outlet: "o" + strconv.Itoa(i%9), Published: t0.Add(time.Duration(i) * time.Minute)})
	}
	checked := 0
	for _, s := range e.stories {
		if len(s.members) <= 2*viewEnds {
			continue
		}
		for i, id := range s.members {
			a := e.articles[id]
			middle := i >= viewEnds && i < len(s.members)-viewEnds
			switch {
			case middle && a.original == 0 && a.lead != "":
				t.Errorf("story %d: article %d in the middle (%d of %d) keeps its lead", s.id, id, i, len(s.members))
			case !middle && a.dupOf == 0 && a.lead == "":
				t.Errorf("story %d: article %d at an end (%d of %d) lost its lead", s.id, id, i, len(s.members))
			}
			checked++
		}
		if v, _ := e.Story(s.id); v.Summary == "" {
			t.Errorf("story %d has no summary", s.id)
		}
	}
	if checked == 0 {
		t.Fatal("no story longer than its two ends: the test sees nothing")
	}
}
