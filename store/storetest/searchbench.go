package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Search benchmark corpus: articles whose words follow a Zipf law over a
// vocabulary of pseudo-words with English endings (plurals, -ed, -ing), so
// that a search meets rare, middling and very common words, stems that
// join several forms, and phrases, as in a real news archive.
const (
	searchVocab     = 40_000
	searchTextWords = 120
	searchFeeds     = 1000
	searchAuthors   = 2000
)

var searchBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// searchWord returns the vocabulary's i-th word (0 is the commonest).
func searchWord(i int) string {
	syll := []string{"ka", "lo", "mi", "ter", "van", "sul", "ber", "ro", "qui", "da", "zen", "por", "lia", "tos", "ne", "gra"}
	var b strings.Builder
	n := i
	for k := 0; k < 2+i%3; k++ {
		b.WriteString(syll[n%len(syll)])
		n /= len(syll)
	}
	b.WriteString(fmt.Sprint(i / 4096)) // keeps words distinct
	switch i % 5 {
	case 1:
		b.WriteString("s")
	case 2:
		b.WriteString("ed")
	case 3:
		b.WriteString("ing")
	}
	return b.String()
}

// SearchCorpus saves n articles for the store's first user (created,
// with searchFeeds feeds, if the store has no user) in batches of 1,000,
// and returns the user's ID.
func SearchCorpus(b testing.TB, s digest.Store, n int) int64 {
	b.Helper()
	ctx := context.Background()
	u := &digest.User{Name: "searcher"}
	if err := s.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	feeds := make([]int64, searchFeeds)
	for i := range feeds {
		f := &digest.Feed{URL: fmt.Sprintf("https://paper%d.example/feed", i), Title: fmt.Sprintf("Paper %04d", i),
			Fetch: digest.FetchNever}
		if err := s.CreateFeed(ctx, u.ID, f); err != nil {
			b.Fatal(err)
		}
		feeds[i] = f.ID
	}
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 4)), 1.07, 2, searchVocab-1)
	words := func(k int) string {
		w := make([]string, k)
		for i := range w {
			w[i] = searchWord(int(zipf.Uint64()))
		}
		return strings.Join(w, " ")
	}
	start := time.Now()
	for first := 0; first < n; first += 1000 {
		byFeed := map[int64][]digest.Entry{}
		for k := first; k < min(n, first+1000); k++ {
			name := fmt.Sprint("a", k)
			text := words(searchTextWords) + ". " + words(searchTextWords/2) + "."
			e := digest.Entry{
				GUID: name, URL: "https://paper.example/" + name, Title: words(8), Author: fmt.Sprintf("Author%d Name%d", r.IntN(searchAuthors), k%7),
				// Spread over 400 days, in random order.
				Published: searchBase.Add(time.Duration(r.IntN(400*24*60)) * time.Minute),
				Summary:   text[:min(len(text), 150)], Text: text, Content: "<p>" + text + "</p>", Hash: name,
			}
			f := feeds[k%len(feeds)]
			byFeed[f] = append(byFeed[f], e)
		}
		var rs []digest.FetchResult
		for f, es := range byFeed {
			rs = append(rs, digest.FetchResult{FeedID: f, Entries: es})
		}
		slices.SortFunc(rs, func(a, b digest.FetchResult) int { return int(a.FeedID - b.FeedID) })
		if _, err := s.SaveFetches(ctx, rs); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("search corpus: %d articles in %v", n, time.Since(start).Round(time.Second))
	return u.ID
}

// SearchBenchQueries are the benchmark's searches by kind, each kind with
// several queries over words of every frequency.
func SearchBenchQueries() map[string][]string {
	q := map[string][]string{}
	for _, rank := range []int{3, 10, 30, 100, 300, 1000, 3000, 10000, 30000} {
		w, w2 := searchWord(rank), searchWord(rank+1)
		q["word"] = append(q["word"], w)
		q["two words"] = append(q["two words"], w+" "+w2)
		q["phrase"] = append(q["phrase"], `"`+searchWord(rank)+" "+searchWord(rank*2+5)+`"`)
		q["operators"] = append(q["operators"],
			"intitle:"+w,
			w+" -"+searchWord(7),
			w+" OR "+searchWord(rank*3+1),
			w+" date:2026-03-01..2026-06-30",
			w+` feed:"Paper 0042"`,
			w+` feed:"Paper 004"`,
			w+` author:"Author1"`)
	}
	return q
}

// BenchSearch runs the search benchmark's queries (SearchBenchQueries) as
// user on db, newest first and by relevance, reporting the median, 95th
// percentile and slowest query of each kind. DIGEST_SEARCH_SLOW=1 logs
// the queries slower than 100 ms.
func BenchSearch(b *testing.B, db digest.Store, user int64) {
	queries := SearchBenchQueries()
	for _, kind := range []string{"word", "two words", "phrase", "operators"} {
		for _, relevance := range []bool{false, true} {
			name := kind
			if relevance {
				name += "/relevance"
			}
			b.Run(name, func(b *testing.B) {
				var ds []time.Duration
				ctx := context.Background()
				for b.Loop() {
					for _, q := range queries[kind] {
						t := time.Now()
						if _, err := db.Articles(ctx, digest.ArticleQuery{UserID: user, Search: q, Relevance: relevance}); err != nil {
							b.Fatal(err)
						}
						d := time.Since(t)
						if os.Getenv("DIGEST_SEARCH_SLOW") != "" && d > 100*time.Millisecond {
							b.Logf("%v: %s", d.Round(time.Millisecond), q)
						}
						ds = append(ds, d)
					}
				}
				slices.Sort(ds)
				b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "ms-median")
				b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "ms-p95")
				b.ReportMetric(float64(ds[len(ds)-1].Microseconds())/1000, "ms-max")
			})
		}
	}
}
