package sqlstore

import (
	"testing"
	"time"

	"github.com/occasional-digest/digest/search"
)

// TestSearchDialect: only a search whose every term is intitle: goes to
// Dialect.TitleSearch; any other word needs the whole document.
func TestSearchDialect(t *testing.T) {
	title := &Dialect{Name: "titles"}
	d := &Dialect{Name: "documents", TitleSearch: title}
	for _, tc := range []struct {
		search string
		titles bool
	}{
		{"intitle:police", true},
		{`intitle:"new york"`, true},
		{"intitle:storm OR intitle:earthquake", true},
		{"intitle:budget -intitle:storm", true},
		{"intitle:budget date:2026-01-01..2026-01-31", true},
		{"police", false},
		{`"new york"`, false},
		{"intitle:budget storm", false},
		{"intitle:budget OR storm", false},
		{"intitle:budget -storm", false},
	} {
		q, err := search.Parse(tc.search, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatalf("%q: %v", tc.search, err)
		}
		if got := d.searchDialect(q.Match); (got == title) != tc.titles {
			t.Errorf("%q: searched on %s", tc.search, got.Name)
		}
		if got := (&Dialect{Name: "one index"}).searchDialect(q.Match); got.Name != "one index" {
			t.Errorf("%q without TitleSearch: searched on %s", tc.search, got.Name)
		}
	}
}
