package search

import (
	"fmt"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

var now = time.Date(2026, 12, 7, 10, 30, 0, 0, time.UTC)

func day0(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, in string
		match    string // Match in the query language (Node's String); "" for nil
		authors  []string
		feeds    []string
		dates    []DateRange
	}{
		{"plain words all match", "Budget Vote", "(budget vote)", nil, nil, nil},
		{"one word", "budget", "budget", nil, nil, nil},
		{"a word with punctuation is a phrase", "covid-19", `"covid 19"`, nil, nil, nil},
		{"phrase", `"state of emergency"`, `"state of emergency"`, nil, nil, nil},
		{"unclosed quote runs to the end", `"state of`, `"state of"`, nil, nil, nil},
		{"exclusion", "storm -rain", "(storm -rain)", nil, nil, nil},
		{"excluded phrase", `storm -"heavy rain"`, `(storm -"heavy rain")`, nil, nil, nil},
		{"exclusion alone", "-rain", "-rain", nil, nil, nil},
		{"OR", "storm OR flood", "(storm OR flood)", nil, nil, nil},
		{"OR binds tighter than AND", "coast storm OR flood", "(coast (storm OR flood))", nil, nil, nil},
		{"OR chain", "a OR b OR c", "(a OR b OR c)", nil, nil, nil},
		{"lower-case or is a word", "storm or flood", "(storm or flood)", nil, nil, nil},
		{"intitle word", "intitle:Budget", "intitle:budget", nil, nil, nil},
		{"intitle phrase", `INTITLE:"budget vote"`, `intitle:"budget vote"`, nil, nil, nil},
		{"intitle in OR", "intitle:storm OR flood", "(intitle:storm OR flood)", nil, nil, nil},
		{"diacritics folded", "Crème", "creme", nil, nil, nil},
		{"repeated terms once", "word word word", "word", nil, nil, nil},
		{"punctuation-only words dropped", "budget - * (", "budget", nil, nil, nil},
		{"unknown field is a word", "http://x.example", `"http x example"`, nil, nil, nil},
		{"author", `storm author:"Ada Lovelace"`, "storm", []string{"Ada Lovelace"}, nil, nil},
		{"feed by name or id", "feed:harbour feed:12", "", nil, []string{"harbour", "12"}, nil},
		{"date day", "date:2026-11-01", "", nil, nil, []DateRange{{day0("2026-11-01"), day0("2026-11-02")}}},
		{"date range is inclusive", "date:2026-11-01..2026-11-30", "", nil, nil, []DateRange{{day0("2026-11-01"), day0("2026-12-01")}}},
		{"date open range", "date:2026-11-01..", "", nil, nil, []DateRange{{From: day0("2026-11-01")}}},
		{"date after a day", "date:>2026-11-01", "", nil, nil, []DateRange{{From: day0("2026-11-02")}}},
		{"date from a day", "date:>=2026-11-01", "", nil, nil, []DateRange{{From: day0("2026-11-01")}}},
		{"date before a day", "date:<2026-11-01", "", nil, nil, []DateRange{{To: day0("2026-11-01")}}},
		{"date up to a day", "date:<=2026-11-01", "", nil, nil, []DateRange{{To: day0("2026-11-02")}}},
		{"date today", "date:today", "", nil, nil, []DateRange{{From: day0("2026-12-07")}}},
		{"date last days", "date:7d", "", nil, nil, []DateRange{{From: now.Add(-7 * 24 * time.Hour)}}},
		{"empty", "  ", "", nil, nil, nil},
	}
	for _, tc := range []struct{ in, match, entities string }{
		{`entity:"Port Alder" storm`, "storm", "[Port Alder]"},
		{`Entity:NATO entity:Ada`, "", "[NATO Ada]"},
	} {
		q, err := Parse(tc.in, now)
		if err != nil {
			t.Fatal(err)
		}
		match := ""
		if q.Match != nil {
			match = fmt.Sprint(q.Match)
		}
		if match != tc.match || fmt.Sprint(q.Entities) != tc.entities {
			t.Errorf("Parse(%q) = %s %q, want %s %s", tc.in, match, q.Entities, tc.match, tc.entities)
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.in, now)
			if err != nil {
				t.Fatal(err)
			}
			match := ""
			if q.Match != nil {
				match = fmt.Sprint(q.Match)
			}
			if match != tc.match || fmt.Sprint(q.Authors) != fmt.Sprint(tc.authors) ||
				fmt.Sprint(q.Feeds) != fmt.Sprint(tc.feeds) || fmt.Sprint(q.Dates) != fmt.Sprint(tc.dates) {
				t.Errorf("Parse(%q) = %s %q %q %v, want %s %q %q %v", tc.in, match, q.Authors, q.Feeds, q.Dates,
					tc.match, tc.authors, tc.feeds, tc.dates)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"OR first", "OR storm", "OR needs a term before it (at character 1)"},
		{"OR last", "storm OR", "OR needs a term after it (at character 7)"},
		{"OR twice", "storm OR OR flood", "OR needs a term after it (at character 10)"},
		{"field without value", "storm author:", "author: needs a value (at character 7)"},
		{"field before a space", "intitle: storm", "intitle: needs a value (at character 1)"},
		{"bad date", "date:yesterday-ish", "date:yesterday-ish: want a day"},
		{"bad day", "date:2026-13-01", "date:2026-13-01: want a day"},
		{"range backwards", "date:2026-11-30..2026-11-01", "the range ends before it starts"},
		{"excluded filter", "-author:smith", "-author: is not supported (at character 1)"},
		{"OR with a filter", "storm OR feed:3", "OR cannot join feed:"},
		{"OR with an exclusion", "storm OR -rain", "an excluded term cannot be a side of OR (at character 10)"},
		{"too many terms", strings.Repeat("w", 0) + manyWords(MaxTerms+1), "more than 64 terms"},
		{"too long", strings.Repeat("a ", MaxQueryBytes), "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.in, now)
			if digest.ErrorCode(err) != digest.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse(%.40q) = %v, want EINVALID with %q", tc.in, err, tc.want)
			}
		})
	}
}

func manyWords(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "w%d ", i)
	}
	return b.String()
}

// FuzzParse checks that any text parses into a tree the stores accept
// (no Not inside an Or, terms with words) or fails with EINVALID.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"budget vote", `"unbalanced`, `intitle:"a b" OR c -d`, "author:x feed:1 date:7d",
		"date:2026-11-01..2026-11-30", "a OR OR b", "-", "--x", "\x00\xff", "Ünïcödé 中文", `x:"`, "date:>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		q, err := Parse(text, now)
		if err != nil {
			if digest.ErrorCode(err) != digest.EINVALID {
				t.Fatalf("Parse(%q): %v, want EINVALID", text, err)
			}
			return
		}
		var check func(n Node, inOr bool)
		check = func(n Node, inOr bool) {
			switch n := n.(type) {
			case *Term:
				if len(n.Words) == 0 {
					t.Fatalf("Parse(%q): empty term", text)
				}
			case And:
				for _, c := range n {
					check(c, inOr)
				}
			case Or:
				for _, c := range n {
					check(c, true)
				}
			case *Not:
				if inOr {
					t.Fatalf("Parse(%q): Not in Or", text)
				}
				check(n.Node, inOr)
			}
		}
		if q.Match != nil {
			check(q.Match, false)
		}
	})
}

func TestSnippet(t *testing.T) {
	stems := Stems(mustParse(t, "earthquakes <b>").Match)
	for _, w := range []string{"happiness", "hope", "pony"} {
		stems[Stem(w)] = true
	}
	tests := []struct{ name, text, want string }{
		{"stemmed match marked, all escaped", "An earthquake & a <b>bold</b> quake.",
			"An <mark>earthquake</mark> &amp; a &lt;<mark>b</mark>&gt;bold&lt;/<mark>b</mark>&gt; quake."},
		{"no match: the start", "Nothing here.", "Nothing here."},
		{"a form whose stem changes the last letter", "Happy hoping for the ponies.",
			"<mark>Happy</mark> <mark>hoping</mark> for the <mark>ponies</mark>."},
		{"window around a late match", strings.Repeat("filler ", 60) + "Earthquakes struck. " + strings.Repeat("more ", 60),
			"…filler filler filler filler filler filler filler filler <mark>Earthquakes</mark> struck. more"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Snippet(tc.text, stems)
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("Snippet = %q, want it to start with %q", got, tc.want)
			}
			if len(got) > 2*SnippetBytes {
				t.Errorf("Snippet is %d bytes", len(got))
			}
		})
	}
}

func mustParse(t *testing.T, s string) *Query {
	t.Helper()
	q, err := Parse(s, now)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// BenchmarkSnippetNoMatch is a snippet of a text the search's words are
// not in (a match in the title): every word is read.
func BenchmarkSnippetNoMatch(b *testing.B) {
	stems := Stems(mustParse(&testing.T{}, `intitle:"new york"`).Match)
	text := strings.Repeat("The minister said on Tuesday that the talks would resume after the holidays. ", 30)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Snippet(text, stems)
	}
}
