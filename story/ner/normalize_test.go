package ner

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/gazetteer"
)

const (
	per  = digest.Person
	org  = digest.Organization
	loc  = digest.Place
	misc = digest.Misc
)

func ent(kind digest.EntityKind, name string, count int) digest.Entity {
	return digest.Entity{Name: name, Kind: kind, Count: count}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		name string
		kind digest.EntityKind
		in   string
		want string
	}{
		{"honorific before a person is dropped", per, "Mr. Xi Jinping", "Xi Jinping"},
		{"office and possessive around a person are dropped", per, "President Joe Biden's", "Joe Biden"},
		{"curly possessive is dropped", per, "Xi Jinping’s", "Xi Jinping"},
		{"a title alone is kept rather than emptied", per, "Mr", "Mr"},
		{"comma and legal form after a company are dropped", org, "Apple, Inc.", "Apple"},
		{"legal form in capitals is dropped", org, "APPLE INC", "APPLE"},
		{"ampersand before a legal form goes with it", org, "JPMorgan Chase & Co.", "JPMorgan Chase"},
		{"ampersand inside a name stays", org, "Procter & Gamble Co.", "Procter & Gamble"},
		{"several suffixes are dropped", org, "Toyota Motor Corp. Ltd", "Toyota Motor"},
		{"a legal form alone is kept", org, "Inc.", "Inc."},
		{"leading the is dropped from an organisation", org, "The New York Times", "New York Times"},
		{"plural possessive is dropped", org, "Calder Farmers'", "Calder Farmers"},
		{"apostrophe inside a name stays", org, "Calder Farmers' Union", "Calder Farmers' Union"},
		{"quotes and brackets around a name are dropped", org, `("Reuters")`, "Reuters"},
		{"spaces are collapsed", org, "  Calder   Rail\n", "Calder Rail"},
		{"organisations are not looked up as places", org, "U.S.", "U.S."},
		{"country abbreviation is the gazetteer's name", loc, "U.S.", "United States"},
		{"country with the is the gazetteer's name", loc, "the Netherlands", "Netherlands"},
		{"city whose name starts with The keeps it", loc, "The Hague", "The Hague"},
		{"demonym tagged as a place is its country", loc, "French", "France"},
		{"lower-case word is not looked up", loc, "us", "us"},
		{"unknown place keeps its name", loc, "the Sorrel Islands", "Sorrel Islands"},
		{"possessive is dropped from other kinds", misc, "Apple's", "Apple"},
		{"punctuation only is no name", org, " ... -- ", ""},
		{"possessive only is no name", per, "'s", ""},
		{"invalid UTF-8 is replaced", per, "Ang\xffela Merkel", "Ang\uFFFDela Merkel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Canonical(tt.kind, tt.in)
			if got != tt.want {
				t.Errorf("Canonical(%s, %q) = %q; want %q", tt.kind, tt.in, got, tt.want)
			}
			if again := Canonical(tt.kind, got); again != got {
				t.Errorf("Canonical of %q = %q; not stable", got, again)
			}
		})
	}
}

func TestKeyClasses(t *testing.T) {
	tests := []struct {
		name   string
		a, b   digest.Entity
		shared bool
	}{
		{"case and possessive variants share a key", ent(org, "APPLE'S", 1), ent(org, "Apple", 1), true},
		{"legal form does not change the key", ent(org, "Apple Inc.", 1), ent(org, "apple", 1), true},
		{"organisation and place written alike share a key", ent(org, "Lindenfeld", 1), ent(loc, "Lindenfeld", 1), true},
		{"person and place written alike do not", ent(per, "Paris", 1), ent(loc, "Paris", 1), false},
		{"person and organisation written alike do not", ent(per, "Ford", 1), ent(org, "Ford", 1), false},
		{"country names share the gazetteer's key", ent(loc, "US", 1), ent(loc, "United States of America", 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := Key(tt.a.Kind, tt.a.Name), Key(tt.b.Kind, tt.b.Name)
			if (a == b) != tt.shared {
				t.Errorf("Key(%v) = %q, Key(%v) = %q; shared = %v, want %v", tt.a, a, tt.b, b, a == b, tt.shared)
			}
		})
	}
	if k := Key(org, "?!"); k != "" {
		t.Errorf("Key of punctuation = %q; want empty", k)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		name string
		in   []digest.Entity
		want []digest.Entity // in order
	}{
		// Variants that are one entity.
		{
			name: "title and surname fold into the full name",
			in:   []digest.Entity{ent(per, "Mr Xi", 1), ent(per, "Xi", 2), ent(per, "Xi Jinping", 1)},
			want: []digest.Entity{ent(per, "Xi Jinping", 4)},
		},
		{
			name: "first name alone folds into the one full name containing it",
			in:   []digest.Entity{ent(per, "Amara", 1), ent(per, "Amara Velasquez", 1)},
			want: []digest.Entity{ent(per, "Amara Velasquez", 2)},
		},
		{
			name: "surname with a title folds into the one full name",
			in:   []digest.Entity{ent(per, "Dr Velasquez", 2), ent(per, "Amara Velasquez", 1), ent(per, "Velasquez", 1)},
			want: []digest.Entity{ent(per, "Amara Velasquez", 4)},
		},
		{
			name: "a full name without the middle name folds into the one with it",
			in: []digest.Entity{ent(per, "Hillary Clinton", 2), ent(per, "Hillary Rodham Clinton", 1),
				ent(per, "Clinton", 1)},
			want: []digest.Entity{ent(per, "Hillary Rodham Clinton", 4)},
		},
		{
			name: "country abbreviations and names are one place",
			in: []digest.Entity{ent(loc, "U.S.", 1), ent(loc, "US", 1), ent(loc, "United States", 1),
				ent(loc, "the United States", 1)},
			want: []digest.Entity{ent(loc, "United States", 4)},
		},
		{
			name: "demonym tagged as a place is its country",
			in:   []digest.Entity{ent(loc, "France", 1), ent(loc, "French", 1)},
			want: []digest.Entity{ent(loc, "France", 2)},
		},
		{
			name: "possessive and case variants are one, named as written most",
			in:   []digest.Entity{ent(org, "Apple's", 2), ent(org, "APPLE", 1), ent(org, "apple", 1)},
			want: []digest.Entity{ent(org, "Apple", 4)},
		},
		{
			name: "a long word in capitals gives way to the capitalised spelling",
			in:   []digest.Entity{ent(org, "MICROSOFT", 3), ent(org, "Microsoft", 1)},
			want: []digest.Entity{ent(org, "Microsoft", 4)},
		},
		{
			name: "an acronym's spelling wins when it is written so most",
			in:   []digest.Entity{ent(org, "NATO", 2), ent(org, "Nato", 1)},
			want: []digest.Entity{ent(org, "NATO", 3)},
		},
		{
			name: "organisation with and without legal form and the is one",
			in: []digest.Entity{ent(org, "Apple Inc.", 1), ent(org, "Apple", 1), ent(org, "Apple, Inc.", 1),
				ent(org, "the Apple Corp", 1)},
			want: []digest.Entity{ent(org, "Apple", 4)},
		},
		{
			name: "University of X and X University are one when both occur",
			in:   []digest.Entity{ent(org, "Calder University", 1), ent(org, "University of Calder", 2)},
			want: []digest.Entity{ent(org, "University of Calder", 3)},
		},
		{
			name: "X University names the pair when it is mentioned more",
			in:   []digest.Entity{ent(org, "University of Calder", 1), ent(org, "Calder University", 2)},
			want: []digest.Entity{ent(org, "Calder University", 3)},
		},
		{
			name: "acronym folds into the one organisation it abbreviates",
			in:   []digest.Entity{ent(org, "EU", 2), ent(org, "European Union", 1)},
			want: []digest.Entity{ent(org, "European Union", 3)},
		},
		{
			name: "dotted acronym folds too",
			in:   []digest.Entity{ent(org, "United Nations", 1), ent(org, "U.N.", 1)},
			want: []digest.Entity{ent(org, "United Nations", 2)},
		},
		{
			name: "organisation and place written alike are one of the kind most mentioned",
			in:   []digest.Entity{ent(org, "Lindenfeld", 2), ent(loc, "Lindenfeld", 1)},
			want: []digest.Entity{ent(org, "Lindenfeld", 3)},
		},
		{
			name: "a tie between organisation and place goes to the first seen",
			in:   []digest.Entity{ent(loc, "Ashby Falls", 1), ent(org, "Ashby Falls", 1)},
			want: []digest.Entity{ent(loc, "Ashby Falls", 2)},
		},
		{
			name: "counts below one count as one and empty names are dropped",
			in:   []digest.Entity{ent(per, "Noel Petrie", 0), ent(per, "", 5), ent(org, "--", 3), ent(per, "Petrie", -4)},
			want: []digest.Entity{ent(per, "Noel Petrie", 2)},
		},
		{
			name: "most mentioned first, then in order of first appearance",
			in: []digest.Entity{ent(loc, "Berlin", 1), ent(per, "Angela Merkel", 1), ent(per, "Merkel", 1),
				ent(loc, "Paris", 1)},
			want: []digest.Entity{ent(per, "Angela Merkel", 2), ent(loc, "Berlin", 1), ent(loc, "Paris", 1)},
		},

		{
			name: "a surname tagged as an organisation folds into the one person with it",
			in:   []digest.Entity{ent(per, "Amara Velasquez", 1), ent(org, "Velasquez", 1)},
			want: []digest.Entity{ent(per, "Amara Velasquez", 2)},
		},

		{
			name: "a club's place alone folds into the one club named after it",
			in:   []digest.Entity{ent(org, "Dunmere", 1), ent(org, "Dunmere Athletic", 1), ent(org, "Harbour Rovers", 2)},
			want: []digest.Entity{ent(org, "Dunmere Athletic", 2), ent(org, "Harbour Rovers", 2)},
		},
		{
			name: "a club word alone folds into the one club ending with it",
			in:   []digest.Entity{ent(org, "Rovers", 1), ent(org, "Harbour Rovers", 2), ent(org, "Dunmere Athletic", 1)},
			want: []digest.Entity{ent(org, "Harbour Rovers", 3), ent(org, "Dunmere Athletic", 1)},
		},

		// Names that must stay apart.
		{
			name: "a club word shared by two clubs joins neither",
			in:   []digest.Entity{ent(org, "Rovers", 1), ent(org, "Harbour Rovers", 1), ent(org, "Blackburn Rovers", 1)},
			want: []digest.Entity{ent(org, "Rovers", 1), ent(org, "Harbour Rovers", 1), ent(org, "Blackburn Rovers", 1)},
		},
		{
			name: "a city does not fold into its club",
			in:   []digest.Entity{ent(loc, "Manchester", 1), ent(org, "Manchester", 1), ent(org, "Manchester United", 1)},
			want: []digest.Entity{ent(loc, "Manchester", 2), ent(org, "Manchester United", 1)},
		},
		{
			name: "a surname tagged as an organisation joins neither of two people with it",
			in:   []digest.Entity{ent(per, "Hillary Clinton", 1), ent(org, "Clinton", 1), ent(per, "Bill Clinton", 1)},
			want: []digest.Entity{ent(per, "Hillary Clinton", 1), ent(org, "Clinton", 1), ent(per, "Bill Clinton", 1)},
		},
		{
			name: "a first name tagged as an organisation stays an organisation",
			in:   []digest.Entity{ent(per, "Chelsea Clinton", 1), ent(org, "Chelsea", 1)},
			want: []digest.Entity{ent(per, "Chelsea Clinton", 1), ent(org, "Chelsea", 1)},
		},
		{
			name: "an acronym in a person's name stays an organisation",
			in:   []digest.Entity{ent(per, "John Abc", 1), ent(org, "ABC", 1)},
			want: []digest.Entity{ent(per, "John Abc", 1), ent(org, "ABC", 1)},
		},
		{
			name: "two full names sharing a surname stay two",
			in:   []digest.Entity{ent(per, "Hillary Clinton", 2), ent(per, "Bill Clinton", 1)},
			want: []digest.Entity{ent(per, "Hillary Clinton", 2), ent(per, "Bill Clinton", 1)},
		},
		{
			name: "a surname shared by two full names joins neither",
			in:   []digest.Entity{ent(per, "Hillary Clinton", 2), ent(per, "Clinton", 2), ent(per, "Bill Clinton", 1)},
			want: []digest.Entity{ent(per, "Hillary Clinton", 2), ent(per, "Clinton", 2), ent(per, "Bill Clinton", 1)},
		},
		{
			name: "a name that is one person's first name and another's surname joins neither",
			in:   []digest.Entity{ent(per, "Morgan Freeman", 1), ent(per, "Piers Morgan", 1), ent(per, "Morgan", 1)},
			want: []digest.Entity{ent(per, "Morgan Freeman", 1), ent(per, "Piers Morgan", 1), ent(per, "Morgan", 1)},
		},
		{
			name: "a name without the middle initial joins neither of two that differ in it",
			in: []digest.Entity{ent(per, "George W. Bush", 1), ent(per, "George H. W. Bush", 1),
				ent(per, "George Bush", 1)},
			want: []digest.Entity{ent(per, "George W. Bush", 1), ent(per, "George H. W. Bush", 1),
				ent(per, "George Bush", 1)},
		},
		{
			name: "a person and a place written alike stay two",
			in:   []digest.Entity{ent(per, "Paris", 1), ent(loc, "Paris", 1)},
			want: []digest.Entity{ent(per, "Paris", 1), ent(loc, "Paris", 1)},
		},
		{
			name: "a place does not fold into a person whose name contains it",
			in:   []digest.Entity{ent(per, "Michael Jordan", 1), ent(loc, "Jordan", 1)},
			want: []digest.Entity{ent(per, "Michael Jordan", 1), ent(loc, "Jordan", 1)},
		},
		{
			name: "X University alone keeps its name",
			in:   []digest.Entity{ent(org, "Washington University", 1), ent(org, "University of Washington State", 1)},
			want: []digest.Entity{ent(org, "Washington University", 1), ent(org, "University of Washington State", 1)},
		},
		{
			name: "a university and a college of one name stay two",
			in:   []digest.Entity{ent(org, "Calder University", 1), ent(org, "College of Calder", 1)},
			want: []digest.Entity{ent(org, "Calder University", 1), ent(org, "College of Calder", 1)},
		},
		{
			name: "a country's abbreviation is not an organisation's acronym",
			in:   []digest.Entity{ent(org, "US", 1), ent(org, "United Steelworkers", 1)},
			want: []digest.Entity{ent(org, "US", 1), ent(org, "United Steelworkers", 1)},
		},
		{
			name: "an acronym of two organisations joins neither",
			in:   []digest.Entity{ent(org, "EU", 1), ent(org, "European Union", 1), ent(org, "Eastern Utilities", 1)},
			want: []digest.Entity{ent(org, "EU", 1), ent(org, "European Union", 1), ent(org, "Eastern Utilities", 1)},
		},
		{
			name: "a company and its division stay two",
			in:   []digest.Entity{ent(org, "Google", 1), ent(org, "Google Cloud", 1)},
			want: []digest.Entity{ent(org, "Google", 1), ent(org, "Google Cloud", 1)},
		},
		{
			name: "a person's surname alone does not fold into an organisation",
			in:   []digest.Entity{ent(per, "Ford", 1), ent(org, "Ford Motor", 1)},
			want: []digest.Entity{ent(per, "Ford", 1), ent(org, "Ford Motor", 1)},
		},
		{
			name: "an initial alone is no part of a name",
			in:   []digest.Entity{ent(per, "W.", 1), ent(per, "George W. Bush", 1)},
			want: []digest.Entity{ent(per, "W.", 1), ent(per, "George W. Bush", 1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Normalize(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Normalize(%v)\n = %v\nwant %v", tt.in, got, tt.want)
			}
			if again := Normalize(got); !slices.Equal(again, got) {
				t.Errorf("Normalize of its result = %v; not stable", again)
			}
		})
	}
}

func TestNormalizeEmpty(t *testing.T) {
	for _, in := range [][]digest.Entity{nil, {}, {ent(per, "", 1)}} {
		if got := Normalize(in); got == nil || len(got) != 0 {
			t.Errorf("Normalize(%v) = %#v; want an empty slice", in, got)
		}
	}
}

// TestNormalizeManySpellings folds more spellings of one name than are
// kept in a group's short list.
func TestNormalizeManySpellings(t *testing.T) {
	var in []digest.Entity
	for i := range 40 {
		// "Acmewidgets", "ACmewidgets"...: one key, forty spellings.
		name := []byte("acmewidgets")
		for j := range name {
			if j == 0 || i&(1<<j) != 0 {
				name[j] -= 'a' - 'A'
			}
		}
		in = append(in, ent(org, string(name)+" Inc", 1))
	}
	in = append(in, ent(org, "AcmeWidgets", 5), ent(org, "ACMEWIDGETS", 9))
	got := Normalize(in)
	if want := []digest.Entity{ent(org, "AcmeWidgets", 54)}; !slices.Equal(got, want) {
		t.Errorf("Normalize = %v; want %v", got, want)
	}
}

// TestNormalizeLargeList checks that a long list of distinct names sharing
// a word (every person a Smith) merges none of them, and that a surname
// they share joins none.
func TestNormalizeLargeList(t *testing.T) {
	var in []digest.Entity
	for i := range 5000 {
		in = append(in, ent(per, fmt.Sprintf("John%d Smith", i), 1), ent(org, fmt.Sprintf("Bank%d Group", i), 1))
	}
	in = append(in, ent(per, "Smith", 1), ent(per, "John7 Smith", 1))
	got := Normalize(in)
	if len(got) != 10001 {
		t.Fatalf("%d entities; want 10001 (the Smith alone ambiguous, John7 Smith counted twice)", len(got))
	}
	if got[0] != ent(per, "John7 Smith", 2) {
		t.Errorf("first = %v; want John7 Smith twice", got[0])
	}
}

func TestTaggerEntitiesFoldVariantsOfOneArticle(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	text := "Calder University team unveils drought-proof wheat\n\n" +
		"Scientists at the University of Calder have bred a wheat that survived six weeks without water. " +
		"The university's team was led by Amara Velasquez."
	got := tg.Entities(text)
	var unis []string
	for _, e := range got {
		if strings.Contains(e.Name, "University") {
			unis = append(unis, e.Name)
		}
	}
	if len(unis) != 1 {
		t.Errorf("university named %q in %v; want one entry", unis, got)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"PER Mr Xi\nPER Xi Jinping\nPER Xi",
		"PER Hillary Clinton\nPER Bill Clinton\nPER Clinton\nPER Hillary Rodham Clinton",
		"LOC U.S.\nLOC US\nLOC the United States\nORG US\nORG United Steelworkers",
		"ORG Apple Inc.\nORG Apple's\nORG APPLE\nMISC Apple's",
		"ORG University of Calder\nORG Calder University\nORG Calder College\nORG College of Calder",
		"ORG EU\nORG European Union\nORG Eastern University\nORG University of Eastern",
		"ORG Lindenfeld\nLOC Lindenfeld\nPER Lindenfeld",
		"ORG Rovers\nORG Harbour Rovers\nORG Dunmere\nORG Dunmere Athletic\nORG City\nORG City Rovers",
		"PER George W. Bush\nPER George H. W. Bush\nPER George Bush\nPER W.",
		"PER 's\nORG ...\nLOC \xff\xfe\nPER Mr\nORG Inc.",
		"LOC French\nLOC France\nLOC The Hague\nORG The Hague",
	} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, s string, seed uint8) {
		var in []digest.Entity
		kinds := []digest.EntityKind{per, org, loc, misc}
		for i, line := range strings.Split(s, "\n") {
			kind := kinds[(int(seed)+i)%len(kinds)]
			if k, rest, ok := strings.Cut(line, " "); ok {
				switch digest.EntityKind(k) {
				case per, org, loc, misc:
					kind, line = digest.EntityKind(k), rest
				}
			}
			in = append(in, ent(kind, line, (int(seed)+i)%4-1))
		}
		want := 0
		for _, e := range in {
			if e.Name != "" && Key(e.Kind, e.Name) != "" {
				want += max(e.Count, 1)
			}
			if a, b := foldKey(e.Name), gazetteer.Key(e.Name); a != b {
				t.Fatalf("foldKey(%q) = %q; gazetteer.Key = %q", e.Name, a, b)
			}
			c := Canonical(e.Kind, e.Name)
			if Canonical(e.Kind, c) != c {
				t.Fatalf("Canonical(%s, %q) = %q, not stable", e.Kind, e.Name, c)
			}
		}
		got := Normalize(in)
		total := 0
		keys := map[string]bool{}
		for _, e := range got {
			if e.Name == "" || !utf8.ValidString(e.Name) || e.Count < 1 {
				t.Fatalf("bad entity %+v", e)
			}
			total += e.Count
			k := Key(e.Kind, e.Name)
			if keys[k] {
				t.Fatalf("key %q twice in %v", k, got)
			}
			keys[k] = true
		}
		if total != want {
			t.Fatalf("counts sum to %d; want %d (%v → %v)", total, want, in, got)
		}
		if again := Normalize(got); !slices.Equal(again, got) {
			t.Fatalf("not stable:\n%v\n→ %v\n→ %v", in, got, again)
		}
		// A story's list folded with an article's, as addEntities does.
		cut := int(seed) % (len(in) + 1)
		held := Normalize(in[:cut])
		want2 := Normalize(append(slices.Clone(held), in[cut:]...))
		if got2 := Fold(held, in[cut:]); !slices.Equal(got2, want2) {
			t.Fatalf("Fold(%v, %v) = %v; Normalize of both = %v", held, in[cut:], got2, want2)
		}
	})
}

// benchStory is a story's entity list at the cap and an article's
// entities, as addEntities folds them.
func benchLists() (held []digest.Entity, arts [][]digest.Entity) {
	for i := range 40 {
		switch i % 4 {
		case 0:
			held = append(held, ent(per, fmt.Sprintf("Person%d Surname%d", i, i%7), 40-i))
		case 1:
			held = append(held, ent(org, fmt.Sprintf("Company%d Holdings", i), 40-i))
		case 2:
			held = append(held, ent(loc, fmt.Sprintf("Town%d", i), 40-i))
		default:
			held = append(held, ent(org, fmt.Sprintf("University of Place%d", i), 40-i))
		}
	}
	arts = [][]digest.Entity{
		{ent(per, "Xi Jinping", 2), ent(per, "Mr Xi", 1), ent(loc, "U.S.", 2), ent(org, "Apple Inc.", 1), ent(org, "EU", 1)},
		{ent(per, "Person4 Surname4", 1), ent(per, "Surname4", 2), ent(org, "Place3 University", 1), ent(loc, "China", 1)},
		{ent(org, "European Union", 1), ent(loc, "United States", 1), ent(org, "Apple's", 2), ent(per, "Xi", 1),
			ent(org, "Company1 Holdings", 1), ent(loc, "Beijing", 1), ent(per, "Amara Velasquez", 1), ent(per, "Amara", 1)},
	}
	return held, arts
}

// BenchmarkNormalize folds a story's list at the cap and one article's
// entities, all written again in canonical form; BenchmarkFold does the
// same as addEntities does for every article added, taking the story's
// names as they are.
func BenchmarkNormalize(b *testing.B) {
	held, arts := benchLists()
	held = Normalize(held) // and load the gazetteer
	all := make([]digest.Entity, 0, 64)
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		all = append(append(all[:0], held...), arts[i%len(arts)]...)
		Normalize(all)
		i++
	}
	reportCPU(b, cpu0)
}

// reportCPU adds the CPU time per operation (on a shared machine the
// wall time includes waiting for a core).
func reportCPU(b *testing.B, cpu0 time.Duration) {
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkFold(b *testing.B) {
	held, arts := benchLists()
	held = Normalize(held)
	i := 0
	cpu0 := cpuTime()
	for b.Loop() {
		Fold(held, arts[i%len(arts)])
		i++
	}
	reportCPU(b, cpu0)
}
