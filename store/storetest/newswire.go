package storetest

import (
	"context"
	"fmt"
	"slices"
	"time"

	digest "github.com/occasional-digest/digest"
)

// SearchClass is a kind of search with its queries.
type SearchClass struct {
	Class   string
	Queries []string
}

// NewswireQueries is the search mix for the newswire archive
// (testenv.Newswire): words and phrases a reader types, from the very
// common ("said", "the president") to the rare, and every operator, each
// with common and rare words (the common ones are the worst case).
func NewswireQueries() []SearchClass {
	return []SearchClass{
		{"word/common", []string{"said", "people", "government", "police", "year", "new", "president", "world"}},
		{"word/rare", []string{"earthquake", "zeppelin", "chaplin", "referendum", "hurricane", "vaccine", "tariffs", "orchestra"}},
		{"two words", []string{"police said", "government minister", "world cup", "oil prices", "earthquake victims", "new president"}},
		{"phrase/common", []string{`"the president"`, `"according to"`, `"new york"`, `"last year"`, `"prime minister"`, `"the united states"`}},
		{"phrase/rare", []string{`"charlie chaplin"`, `"death toll"`, `"stock exchange"`, `"human rights"`, `"climate change"`, `"world war"`}},
		{"operators", []string{
			"intitle:police", `intitle:"new york"`, "intitle:earthquake",
			"said -police", "government -minister -president", "earthquake -tsunami",
			"police OR army", "chaplin OR zeppelin", "hurricane OR earthquake OR flood",
			"president date:2026-06-01..2026-06-30", "said date:2025-01-01..2025-12-31", "earthquake date:>=2026-01-01",
			`police feed:"Daily 42"`, `said feed:"Daily 4"`, `government feed:7`,
			`said author:"John"`, `election author:"Smith"`,
			`entity:"Clinton"`, `said entity:"London"`, `entity:"Germany" president`,
		}},
	}
}

// TimeSearches runs each query rounds times as user (first page of 50),
// newest first or by relevance, and returns the wall and CPU times
// (CPUTime) of each.
func TimeSearches(ctx context.Context, s digest.Store, user int64, queries []string, relevance bool, rounds int) (wall, cpu []time.Duration, err error) {
	for range rounds {
		for _, q := range queries {
			t, c := time.Now(), CPUTime()
			if _, err := s.Articles(ctx, digest.ArticleQuery{UserID: user, Search: q, Relevance: relevance}); err != nil {
				return nil, nil, fmt.Errorf("search %q: %w", q, err)
			}
			wall, cpu = append(wall, time.Since(t)), append(cpu, CPUTime()-c)
		}
	}
	return wall, cpu, nil
}

// Percentiles returns the median, 95th and 99th percentiles and the
// maximum of ds, in milliseconds (nearest rank).
func Percentiles(ds []time.Duration) [4]float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return float64(s[max(0, min(i, len(s)-1))].Microseconds()) / 1000
	}
	return [4]float64{at(0.5), at(0.95), at(0.99), float64(s[len(s)-1].Microseconds()) / 1000}
}
