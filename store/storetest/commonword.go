package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// SearchCommonWord checks a search for words that most articles contain,
// which checks articles one by one in page order instead of listing the
// matches (Dialect.SearchCheck; it takes 15,000 articles, more than the
// conformance suite's cases hold): its pages must be those of the
// unfiltered list with the non-matching articles left out. db must be
// empty.
func SearchCommonWord(t *testing.T, db digest.Store) {
	ctx := context.Background()
	u := &digest.User{Name: "common-word-reader"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	benchUser := u.ID
	// With pages of 50, a word must be in about 13,000 of 15,000 articles
	// for the check plan (searchCheckMin).
	const n = 15000
	var feeds []int64
	for i := range 3 {
		f := &digest.Feed{URL: fmt.Sprintf("https://f%d.example/feed", i)}
		if err := db.CreateFeed(ctx, benchUser, f); err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, f.ID)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rs []digest.FetchResult
	for i, f := range feeds {
		r := digest.FetchResult{FeedID: f}
		for k := i; k < n; k += len(feeds) {
			words := "everywhere"
			if k%10 != 0 {
				words += " mostly"
			}
			r.Entries = append(r.Entries, digest.Entry{
				GUID: fmt.Sprint("g", k), URL: fmt.Sprintf("https://x.example/%d", k), Title: fmt.Sprint("Item ", k),
				Text: words, Hash: "h",
				// Published order differs from insertion order; every
				// seventh pair ties.
				Published: base.Add(time.Duration((k*7919)%n/2) * time.Minute),
			})
		}
		rs = append(rs, r)
	}
	res, err := db.SaveFetches(ctx, rs)
	if err != nil {
		t.Fatal(err)
	}
	mostly := map[int64]bool{}
	var read []int64
	for i, r := range res {
		if len(r.Created) != len(rs[i].Entries) {
			t.Fatalf("feed %d: %d created, want %d", i, len(r.Created), len(rs[i].Entries))
		}
		for j, id := range r.Created {
			k := i + j*len(feeds) // Created follows the entries' order
			mostly[id] = k%10 != 0
			if k%3 == 0 {
				read = append(read, id)
			}
		}
	}
	if _, err := db.MarkRead(ctx, benchUser, read, true); err != nil {
		t.Fatal(err)
	}
	readSet := map[int64]bool{}
	for _, id := range read {
		readSet[id] = true
	}

	// The expected order: the unfiltered pages, 500 at a time.
	var all []int64
	q := digest.ArticleQuery{UserID: benchUser, Limit: 500}
	for {
		p, err := db.Articles(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.Articles {
			all = append(all, a.ID)
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if len(all) != n {
		t.Fatalf("%d articles listed, want %d", len(all), n)
	}
	tests := []struct {
		name   string
		q      digest.ArticleQuery
		keep   func(id int64) bool
		pages  int
		oldest bool
	}{
		{"word in every article", digest.ArticleQuery{UserID: benchUser, Search: "everywhere"}, func(int64) bool { return true }, 3, false},
		{"word in nine of ten", digest.ArticleQuery{UserID: benchUser, Search: "mostly"}, func(id int64) bool { return mostly[id] }, 3, false},
		{"two common words", digest.ArticleQuery{UserID: benchUser, Search: "mostly everywhere"}, func(id int64) bool { return mostly[id] }, 2, false},
		{"common phrase", digest.ArticleQuery{UserID: benchUser, Search: `"everywhere mostly"`}, func(id int64) bool { return mostly[id] }, 2, false},
		{"common words, never a phrase", digest.ArticleQuery{UserID: benchUser, Search: `"mostly everywhere"`}, func(int64) bool { return false }, 1, false},
		{"title word in every article", digest.ArticleQuery{UserID: benchUser, Search: "intitle:item"}, func(int64) bool { return true }, 2, false},
		{"common word, unread only", digest.ArticleQuery{UserID: benchUser, Search: "mostly", Unread: true},
			func(id int64) bool { return mostly[id] && !readSet[id] }, 2, false},
		{"common word in one feed", digest.ArticleQuery{UserID: benchUser, Search: "everywhere", FeedID: feeds[1]},
			func(id int64) bool { return slices.Contains(res[1].Created, id) }, 2, false},
		{"common word, oldest first", digest.ArticleQuery{UserID: benchUser, Search: "mostly", Oldest: true},
			func(id int64) bool { return mostly[id] }, 3, true},
		{"common word and feed:", digest.ArticleQuery{UserID: benchUser, Search: fmt.Sprint("mostly feed:", feeds[2])},
			func(id int64) bool { return mostly[id] && slices.Contains(res[2].Created, id) }, 2, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var want []int64
			for _, id := range all {
				if tc.keep(id) {
					want = append(want, id)
				}
			}
			if tc.oldest {
				slices.Reverse(want)
			}
			q := tc.q
			q.Limit = 50
			var got []int64
			for range tc.pages {
				p, err := db.Articles(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range p.Articles {
					got = append(got, a.ID)
				}
				q.Cursor = p.Next
			}
			if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) || len(got) != min(tc.pages*50, len(want)) {
				t.Errorf("%d articles, first differences: got %v, want %v", len(got), headIDs(got), headIDs(want))
			}
		})
	}
}

func headIDs(ids []int64) []int64 { return ids[:min(len(ids), 8)] }
