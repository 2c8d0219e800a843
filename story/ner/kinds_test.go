package ner

import (
	"testing"

	digest "github.com/occasional-digest/digest"
)

// TestEntitiesAReaderAccepts is the regression table of the kinds a reader
// checks first (issue 12): each case names an entity that must be there
// with its kind, and names that must not be there or not with a kind.
func TestEntitiesAReaderAccepts(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	type kindOf struct {
		name string
		kind digest.EntityKind
	}
	for _, c := range []struct {
		name    string
		text    string
		want    []kindOf // present with this kind
		notKind []kindOf // if present, not with this kind
		absent  []string
	}{
		{
			name: "a well-known person is a person, the city a place",
			text: "Barack Obama visited Paris.",
			want: []kindOf{{"Barack Obama", digest.Person}, {"Paris", digest.Place}},
		},
		{
			name:    "a street is not a person",
			text:    "Shopkeepers on Market Street are divided. The route will run along Market Street to the university quarter.",
			notKind: []kindOf{{"Market Street", digest.Person}, {"Market Street", digest.Organization}},
		},
		{
			name:    "a phrase ending in a street is the street",
			text:    "Traffic on Market Street was closed after the fire.",
			notKind: []kindOf{{"Market Street", digest.Person}, {"Market Street", digest.Organization}},
			absent:  []string{"Traffic on Market Street", "Traffic"},
		},
		{
			name:    "a library is not a person",
			text:    "The Riverton Library reopens on Monday after a flood. Riverton Library staff moved 4,000 books.",
			notKind: []kindOf{{"Riverton Library", digest.Person}},
		},
		{
			name: "a title before a name yields the person",
			text: "Mayor Ines Varga said 23 people had been treated in hospital.",
			want: []kindOf{{"Ines Varga", digest.Person}},
		},
		{
			name: "a councillor's title yields the person",
			text: "Councillor Bram Oosterhuis said the first trams could carry passengers in 2031.",
			want: []kindOf{{"Bram Oosterhuis", digest.Person}},
		},
		{
			name: "a role before a name yields the person",
			text: "The agreement gives drivers a 5.5 percent rise, union leader Greta Holm said.",
			want: []kindOf{{"Greta Holm", digest.Person}},
		},
		{
			name: "a name whose surname the text gives a person is the person",
			text: "Opponents, led by councillor Helga Stroud, argued that the money would be better spent on buses. \"The council is gambling,\" Ms Stroud said.",
			want: []kindOf{{"Helga Stroud", digest.Person}},
		},
		{
			name:   "a capitalised common word opening a headline is not a country",
			text:   "Island council approves new harbour plan\n\nThe island council met on Monday.",
			absent: []string{"Iceland"},
		},
		{
			name: "a town written as a place is a place",
			text: "A magnitude 6.1 earthquake struck off the coast of Port Alder early on Tuesday. Residents of Port Alder were woken by the shake.",
			want: []kindOf{{"Port Alder", digest.Place}},
		},
		{
			name: "a city with a council is a place",
			text: "Lindenfeld's city council voted 31 to 18 on Monday to build a tram line. Lindenfeld last had trams in 1962.",
			want: []kindOf{{"Lindenfeld", digest.Place}},
		},
		{
			name:    "a company named for a region is an organisation, not a person",
			text:    "The operator, Calder Rail, said all services would run normally.",
			notKind: []kindOf{{"Calder Rail", digest.Person}},
		},
		{
			name:    "a region named like a company it holds is not a person",
			text:    "A two-day rail strike planned across the Calder region was called off on Tuesday. The operator, Calder Rail, said all services would run normally.",
			notKind: []kindOf{{"Calder", digest.Person}, {"Calder Rail", digest.Person}},
		},
		{
			name:   "a byline's author is not an entity",
			text:   "Small tremor rattles Ashby Falls\nBy Ruth Calloway · 6 December 2026, 18:00 UTC\nA small earthquake rattled windows in Ashby Falls on Sunday.",
			want:   []kindOf{{"Ashby Falls", digest.Place}},
			absent: []string{"Ruth Calloway"},
		},
		{
			name:   "a credit line's names are not entities",
			text:   "Ministers met in Brussels on Monday.\n\nReporting by Jan Strupczewski; Editing by Alex Richardson",
			absent: []string{"Jan Strupczewski", "Alex Richardson"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := tg.Entities(c.text)
			m := entityMap(got)
			for _, w := range c.want {
				e, ok := m[w.name]
				if !ok {
					t.Errorf("no entity %q in %+v", w.name, got)
				} else if e.Kind != w.kind {
					t.Errorf("%q is %s, want %s", w.name, e.Kind, w.kind)
				}
			}
			for _, w := range c.notKind {
				if e, ok := m[w.name]; ok && e.Kind == w.kind {
					t.Errorf("%q is %s", w.name, e.Kind)
				}
			}
			for _, a := range c.absent {
				if _, ok := m[a]; ok {
					t.Errorf("entity %q in %+v", a, got)
				}
			}
		})
	}
}
