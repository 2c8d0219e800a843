package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
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

// BenchNewswireSearch runs the newswire search mix (NewswireQueries) as
// user on db, newest first and by relevance, and reports the median,
// 95th and 99th percentiles of each class's wall and CPU times (CPUTime:
// meaningful where the database runs in this process, i.e. SQLite).
func BenchNewswireSearch(b *testing.B, db digest.Store, user int64) {
	ctx := context.Background()
	for _, c := range NewswireQueries() {
		for _, relevance := range []bool{false, true} {
			name := c.Class
			if relevance {
				name += "/relevance"
			}
			b.Run(name, func(b *testing.B) {
				var wall, cpu []time.Duration
				for b.Loop() {
					w, c, err := TimeSearches(ctx, db, user, c.Queries, relevance, 1)
					if err != nil {
						b.Fatal(err)
					}
					wall, cpu = append(wall, w...), append(cpu, c...)
				}
				p, pc := Percentiles(wall), Percentiles(cpu)
				b.ReportMetric(p[0], "ms-p50")
				b.ReportMetric(p[1], "ms-p95")
				b.ReportMetric(p[2], "ms-p99")
				b.ReportMetric(pc[0], "cpu-ms-p50")
				b.ReportMetric(pc[1], "cpu-ms-p95")
				b.ReportMetric(pc[2], "cpu-ms-p99")
			})
		}
	}
}
