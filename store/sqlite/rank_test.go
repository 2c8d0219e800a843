package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// TestRelevanceOrder checks the order of a search by relevance, which
// the SQLite store computes itself (store/sqlstore rankMatches) from the
// terms' matches in and outside the titles of the newest matches and
// their frequencies: what the conformance suite's few articles cannot
// show.
func TestRelevanceOrder(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	u, f := readerWithFeed(t, db, "ranker", "https://wire.example/feed", "Wire")
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var es []digest.Entry
	add := func(title, text string) int {
		k := len(es)
		es = append(es, digest.Entry{GUID: fmt.Sprint("g", k), URL: fmt.Sprintf("https://wire.example/%d", k),
			Title: title, Text: text, Hash: "h", Published: base.Add(time.Duration(k) * time.Hour)})
		return k
	}
	// "said" is in 300 articles, more than a term's frequency sample, so
	// its frequency is estimated from the density of its newest matches.
	for i := range 300 {
		add(fmt.Sprint("Bulletin ", i), "The minister said little.")
	}
	inTitle := add("Zeppelin lands in the park", "Crowds gathered at noon.")
	saidTitle := add("Officials said so", "The officials spoke at length.")
	both := add("Evening notes", "A zeppelin and a chaplin statue were seen.")
	inText := add("Morning notes", "Someone saw a zeppelin over the harbour.")
	chaplin := add("Film notes", "The chaplin festival opened.")
	for i := range 20 {
		add(fmt.Sprint("Late bulletin ", i), "The mayor said nothing.")
	}
	res, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: es}})
	if err != nil {
		t.Fatal(err)
	}
	id := res[0].Created
	if len(id) != len(es) {
		t.Fatalf("saved %d articles, want %d", len(id), len(es))
	}
	rank := func(search string, limit int) []int64 {
		t.Helper()
		var out []int64
		q := digest.ArticleQuery{UserID: u.ID, Search: search, Relevance: true, Limit: limit}
		for range 100 {
			p, err := db.Articles(ctx, q)
			if err != nil {
				t.Fatalf("Articles(%q): %v", search, err)
			}
			for _, a := range p.Articles {
				out = append(out, a.ID)
			}
			if p.Next == "" {
				return out
			}
			q.Cursor = p.Next
		}
		t.Fatalf("search %q: more than 100 pages", search)
		return nil
	}
	for _, tc := range []struct {
		name, search string
		want         []int64 // the first articles, in order
	}{
		{"a match in the title ranks above newer matches in the text", "zeppelin",
			[]int64{id[inTitle], id[inText], id[both]}},
		{"an article matching both terms of an OR ranks first", "zeppelin OR chaplin",
			[]int64{id[both], id[inTitle]}},
		{"a rare term weighs more than a common one", "zeppelin OR said",
			[]int64{id[inTitle], id[inText], id[both]}},
		{"among equals the newer ranks first", "said",
			[]int64{id[saidTitle], id[len(es)-1], id[len(es)-2]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rank(tc.search, 500)
			if len(got) < len(tc.want) || !slices.Equal(got[:len(tc.want)], tc.want) {
				t.Errorf("search %q by relevance starts %v, want %v", tc.search, got[:min(len(got), len(tc.want)+2)], tc.want)
			}
			// Pages of 7 list the same articles in the same order.
			if paged := rank(tc.search, 7); !slices.Equal(paged, got) {
				t.Errorf("search %q by relevance in pages of 7: %v, want %v", tc.search, paged, got)
			}
		})
	}
	if got := rank("chaplin", 500); !slices.Equal(got, []int64{id[chaplin], id[both]}) {
		t.Errorf("chaplin by relevance: %v, want %v", got, []int64{id[chaplin], id[both]})
	}
}

// TestRelevanceRanksTheNewestMatches checks that a search by relevance
// ranks its 2,000 newest matches, whether its candidates are found
// together (two terms) or from a term's matches outside and inside titles
// (one term).
func TestRelevanceRanksTheNewestMatches(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	u, f := readerWithFeed(t, db, "ranker", "https://port.example/feed", "Port")
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var es []digest.Entry
	for k := range 3000 {
		title, text := fmt.Sprint("Notes ", k), "The harbour storm passed at night."
		switch {
		case k%10 == 0:
			title, text = fmt.Sprint("Harbour storm ", k), "Nothing else."
		case k%7 == 0:
			text = "A quiet day."
			title = fmt.Sprint("Harbour storm ", k)
		}
		es = append(es, digest.Entry{GUID: fmt.Sprint("g", k), URL: fmt.Sprintf("https://port.example/%d", k),
			Title: title, Text: text, Hash: "h", Published: base.Add(time.Duration(k) * time.Minute)})
	}
	res, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: es}})
	if err != nil {
		t.Fatal(err)
	}
	created := res[0].Created
	newest := slices.Clone(created)
	slices.Sort(newest)
	newest = newest[len(newest)-2000:]
	for _, search := range []string{"harbour", "harbour storm", `"harbour storm"`} {
		var got []int64
		q := digest.ArticleQuery{UserID: u.ID, Search: search, Relevance: true, Limit: 500}
		for range 10 {
			p, err := db.Articles(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range p.Articles {
				got = append(got, a.ID)
			}
			if q.Cursor = p.Next; q.Cursor == "" {
				break
			}
		}
		// The titled articles first: every tenth and seventh.
		titled := 0
		for _, id := range got {
			k := slices.Index(created, id)
			if k%10 != 0 && k%7 != 0 {
				break
			}
			titled++
		}
		want := 0
		for k, id := range created {
			if (k%10 == 0 || k%7 == 0) && slices.Contains(newest, id) {
				want++
			}
		}
		if titled != want {
			t.Errorf("search %q by relevance: %d titled articles first, want %d", search, titled, want)
		}
		slices.Sort(got)
		if !slices.Equal(got, newest) {
			t.Errorf("search %q by relevance: %d articles from %d, want the 2,000 newest from %d", search, len(got), got[0], newest[0])
		}
	}
}

// readerWithFeed creates the user name with one feed (url, title) of
// their own, for tests that store the feed's entries and search them.
func readerWithFeed(t *testing.T, db *sqlite.DB, name, url, title string) (*digest.User, *digest.Feed) {
	t.Helper()
	ctx := context.Background()
	u := &digest.User{Name: name}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: url, Title: title}
	if err := db.CreateFeed(ctx, u.ID, f); err != nil {
		t.Fatal(err)
	}
	return u, f
}
