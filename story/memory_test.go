package story

import (
	"reflect"
	"strconv"
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
		spare("article vec", a.q.vec)
		spare("article names", a.q.names)
		spare("article lead", a.q.lead)
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
