// Package gazetteer is a compact table of countries (names, aliases,
// demonyms, capitals) and cities of at least 50,000 people, embedded in the
// binary. It is derived from the world-countries data set (ODbL) and GeoNames
// (CC BY 4.0); see NOTICE. Regenerate data.tsv.gz with:
//
//	go run ./internal/gen -corpus ../../../shared/corpus/gazetteer
package gazetteer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

//go:generate go run ./internal/gen -corpus ../../../shared/corpus/gazetteer

//go:embed data.tsv.gz
var data []byte

// Kind says what a name in the gazetteer refers to.
type Kind uint8

// Kinds of names.
const (
	CountryName Kind = 1 + iota // a country's common or official name, or an alias ("U.S.")
	DemonymName                 // an adjective or people of a country ("French")
	CapitalName                 // a country's capital
	CityName                    // a city of at least 50,000 people
)

func (k Kind) String() string {
	switch k {
	case CountryName:
		return "country"
	case DemonymName:
		return "demonym"
	case CapitalName:
		return "capital"
	case CityName:
		return "city"
	}
	return "unknown"
}

// Country is one country or territory.
type Country struct {
	Code     string   // ISO 3166-1 alpha-2
	Name     string   // common English name: the canonical display name
	Official string   // official name
	Capitals []string // may be empty
	Demonyms []string // English demonyms, masculine first
	Aliases  []string // other English names ("U.S.", "Britain")
}

// City is one city of at least 50,000 people.
type City struct {
	Name       string
	Country    string // ISO 3166-1 alpha-2
	Population int
}

// Name is one name in the gazetteer and what it refers to.
type Name struct {
	Text    string // as written in the source ("United States", "U.S.")
	Kind    Kind
	Country string // ISO code of the country it names or belongs to
	city    int    // index into cities for CityName
}

// Gazetteer answers lookups over the embedded table. It is immutable and safe
// for concurrent use.
type Gazetteer struct {
	countries []Country
	byCode    map[string]int
	cities    []City
	names     []Name
	// byKey maps Key(name) to indices into names, most specific first:
	// countries, then demonyms, capitals and cities by population.
	byKey map[string][]int
}

var loadOnce = sync.OnceValues(func() (*Gazetteer, error) { return parse(data) })

// Load returns the gazetteer parsed from the embedded table. The table is
// parsed once per process; every call returns the same value.
func Load() (*Gazetteer, error) { return loadOnce() }

func parse(b []byte) (*Gazetteer, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gazetteer: open table: %w", err)
	}
	g := &Gazetteer{byCode: map[string]int{}, byKey: map[string][]int{}}
	sc := bufio.NewScanner(zr)
	line := 0
	var capitals, cities []Name
	for sc.Scan() {
		line++
		f := strings.Split(sc.Text(), "\t")
		switch {
		case f[0] == "C" && len(f) == 7:
			c := Country{Code: f[1], Name: f[2], Official: f[3], Capitals: list(f[4]), Demonyms: list(f[5]), Aliases: list(f[6])}
			g.byCode[c.Code] = len(g.countries)
			g.countries = append(g.countries, c)
			g.names = append(g.names, Name{Text: c.Name, Kind: CountryName, Country: c.Code}, Name{Text: c.Official, Kind: CountryName, Country: c.Code})
			for _, a := range c.Aliases {
				g.names = append(g.names, Name{Text: a, Kind: CountryName, Country: c.Code})
			}
			for _, d := range c.Demonyms {
				g.names = append(g.names, Name{Text: d, Kind: DemonymName, Country: c.Code})
			}
			for _, cp := range c.Capitals {
				capitals = append(capitals, Name{Text: cp, Kind: CapitalName, Country: c.Code})
			}
		case f[0] == "T" && len(f) == 4:
			pop, err := strconv.Atoi(f[3])
			if err != nil {
				return nil, fmt.Errorf("gazetteer: line %d: %w", line, err)
			}
			g.cities = append(g.cities, City{Name: f[1], Country: f[2], Population: pop})
		default:
			return nil, fmt.Errorf("gazetteer: line %d: malformed record", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("gazetteer: read table: %w", err)
	}
	// Cities by population, so that a lookup finds London, GB before
	// London, CA.
	slices.SortStableFunc(g.cities, func(a, b City) int { return b.Population - a.Population })
	for i, c := range g.cities {
		cities = append(cities, Name{Text: c.Name, Kind: CityName, Country: c.Country, city: i})
	}
	g.names = append(g.names, capitals...)
	g.names = append(g.names, cities...)
	for i, n := range g.names {
		k := Key(n.Text)
		if k == "" {
			continue
		}
		g.byKey[k] = append(g.byKey[k], i)
	}
	return g, nil
}

func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "|")
}

// Key returns the lookup key of a name: case folded, dots, apostrophes and
// other punctuation removed, hyphens and runs of spaces made one space, and
// a leading "the" dropped. "U.S.", "US" and "us" have the same key; callers
// that must tell the pronoun from the country check case first.
func Key(name string) string {
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case r == utf8.RuneError:
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		case r == '.' || r == '\'' || r == '’':
			// "U.S." is "us"; "People's" is "peoples".
		default:
			space = true
		}
	}
	k := b.String()
	return strings.TrimPrefix(k, "the ")
}

// Lookup returns every entry whose name has the key of name, most specific
// first: countries and their aliases, demonyms, capitals, then cities by
// population.
func (g *Gazetteer) Lookup(name string) []Name {
	idx := g.byKey[Key(name)]
	out := make([]Name, len(idx))
	for i, j := range idx {
		out[i] = g.names[j]
	}
	return out
}

// Country returns the country a name, official name or alias ("U.S.",
// "Britain") refers to. Demonyms and capitals do not match; see Demonym.
func (g *Gazetteer) Country(name string) (Country, bool) {
	for _, j := range g.byKey[Key(name)] {
		if n := g.names[j]; n.Kind == CountryName {
			return g.countries[g.byCode[n.Country]], true
		}
	}
	return Country{}, false
}

// Demonym returns the country of a demonym ("French" → France).
func (g *Gazetteer) Demonym(word string) (Country, bool) {
	for _, j := range g.byKey[Key(word)] {
		if n := g.names[j]; n.Kind == DemonymName {
			return g.countries[g.byCode[n.Country]], true
		}
	}
	return Country{}, false
}

// CountryByCode returns the country with an ISO 3166-1 alpha-2 code.
func (g *Gazetteer) CountryByCode(code string) (Country, bool) {
	i, ok := g.byCode[strings.ToUpper(code)]
	if !ok {
		return Country{}, false
	}
	return g.countries[i], true
}

// City returns the most populous city of that name.
func (g *Gazetteer) City(name string) (City, bool) {
	for _, j := range g.byKey[Key(name)] {
		if n := g.names[j]; n.Kind == CityName {
			return g.cities[n.city], true
		}
	}
	return City{}, false
}

// Canonical returns the display name of a place: a country's common name for
// any of its names or aliases ("US", "U.S.", "United States of America" →
// "United States"), or a city's name as the table writes it. It reports false
// for names the gazetteer does not know, and for demonyms.
func (g *Gazetteer) Canonical(name string) (string, bool) {
	for _, j := range g.byKey[Key(name)] {
		switch n := g.names[j]; n.Kind {
		case CountryName:
			return g.countries[g.byCode[n.Country]].Name, true
		case CapitalName, CityName:
			return n.Text, true
		}
	}
	return "", false
}

// Names returns every name in the table. The slice is shared: callers must
// not modify it.
func (g *Gazetteer) Names() []Name { return g.names }

// Countries returns every country. The slice is shared: callers must not
// modify it.
func (g *Gazetteer) Countries() []Country { return g.countries }
