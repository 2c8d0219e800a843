package gazetteer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCanonical(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"dotted abbreviation is the country", "U.S.", "United States", true},
		{"bare abbreviation is the country", "US", "United States", true},
		{"common name is itself", "United States", "United States", true},
		{"official name maps to common name", "United States of America", "United States", true},
		{"case is folded", "UNITED KINGDOM", "United Kingdom", true},
		{"alias maps to country", "Britain", "United Kingdom", true},
		{"leading article is ignored", "the Netherlands", "Netherlands", true},
		{"city keeps its name", "Brussels", "Brussels", true},
		{"capital is a place", "Beijing", "Beijing", true},
		{"demonym is not a place", "French", "", false},
		{"unknown name", "Atlantis Prime", "", false},
		{"empty name", "", "", false},
		{"invalid UTF-8 is not a place", "\xff\xfe", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := g.Canonical(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDemonymAndCountry(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := g.Demonym("French"); !ok || c.Code != "FR" {
		t.Errorf("Demonym(French) = %+v, %v; want FR", c, ok)
	}
	if c, ok := g.Demonym("chinese"); !ok || c.Name != "China" {
		t.Errorf("Demonym(chinese) = %+v, %v; want China", c, ok)
	}
	if _, ok := g.Country("French"); ok {
		t.Error("Country(French) matched a demonym")
	}
	if c, ok := g.CountryByCode("de"); !ok || c.Name != "Germany" {
		t.Errorf("CountryByCode(de) = %+v, %v", c, ok)
	}
	if len(g.Countries()) < 200 {
		t.Errorf("only %d countries", len(g.Countries()))
	}
}

func TestCityPrefersMostPopulous(t *testing.T) {
	g, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	c, ok := g.City("london")
	if !ok || c.Country != "GB" || c.Population < 1_000_000 {
		t.Errorf("City(london) = %+v, %v; want London, GB", c, ok)
	}
	names := g.Lookup("London")
	if len(names) < 2 || names[0].Kind != CapitalName {
		t.Errorf("Lookup(London) = %+v; want the capital first", names)
	}
}

func TestKey(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"dots vanish", "U.S.", "us"},
		{"hyphen is a space", "Guinea-Bissau", "guinea bissau"},
		{"spaces collapse", "  New   York ", "new york"},
		{"apostrophe vanishes", "People's Republic", "peoples republic"},
		{"article dropped", "The Gambia", "gambia"},
		{"non-Latin letters kept", "Москва", "москва"},
		{"invalid bytes dropped", "Pa\xffris", "paris"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Key(tt.in); got != tt.want {
				t.Errorf("Key(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzKey(f *testing.F) {
	for _, s := range []string{"U.S.", "The Gambia", "São Paulo", "\xff", ""} {
		f.Add(s)
	}
	g, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := Key(s)
		if !utf8.ValidString(k) || strings.HasPrefix(k, " ") || strings.HasSuffix(k, " ") {
			t.Errorf("Key(%q) = %q: invalid UTF-8 or untrimmed", s, k)
		}
		g.Canonical(s)
		g.Lookup(s)
	})
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
