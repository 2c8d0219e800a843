package sqlite_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// TestSearchEntityWalk checks a search for a word in thousands of
// articles with an entity: filter, which walks the reader's articles
// (a plan the conformance suite's few articles never reach): when the
// word is in a quarter of the articles, the entity is checked after the
// word (store/sqlstore articlePlan.addLater); when in most, before. Both
// must list exactly the articles with the word whose story names the
// entity, newest first, page after page.
func TestSearchEntityWalk(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	defer db.Close()
	u, f := readerWithFeed(t, db, "walker", "https://coast.example/feed", "Coast")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// More than 10,000 articles name the entity, so they do not drive the
	// query (entityDriveMax); over 2,000 have the word (searchDriveMax).
	const n = 13200
	var es []digest.Entry
	for k := range n {
		text := "The tide came in."
		if k%4 == 0 {
			text += " The lighthouse keeper waved."
		}
		es = append(es, digest.Entry{GUID: fmt.Sprint("g", k), URL: fmt.Sprintf("https://coast.example/%d", k),
			Title: fmt.Sprint("Day ", k), Text: text, Hash: "h",
			// Published order differs from insertion order.
			Published: base.Add(time.Duration((k*7919)%n) * time.Minute)})
	}
	res, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: es}})
	if err != nil {
		t.Fatal(err)
	}
	id := res[0].Created
	published := map[int64]time.Time{}
	for k, a := range id {
		published[a] = es[k].Published
	}
	// Stories of 20 articles; all but every sixth name Port Alder.
	named := map[int64]bool{}
	for s := 0; s*20 < n; s++ {
		st := &digest.Story{Headline: fmt.Sprint("Story ", s), ArticleIDs: id[s*20 : s*20+20]}
		if s%6 != 0 {
			st.Entities = []digest.Entity{{Name: "Port Alder", Kind: digest.Place, Count: 1}}
			for _, a := range st.ArticleIDs {
				named[a] = true
			}
		}
		if err := db.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		search string
		has    func(k int) bool
	}{
		{`lighthouse entity:"Port Alder"`, func(k int) bool { return k%4 == 0 }},
		{`tide entity:"Port Alder"`, func(k int) bool { return true }},
	} {
		var want []int64
		for k := range n {
			if tc.has(k) && named[id[k]] {
				want = append(want, id[k])
			}
		}
		// Newest published first.
		slices.SortFunc(want, func(a, b int64) int { return published[b].Compare(published[a]) })
		var got []int64
		q := digest.ArticleQuery{UserID: u.ID, Search: tc.search, Limit: 50}
		for range 300 {
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
		if !slices.Equal(got, want) {
			t.Errorf("search %q: %d articles, want %d (first %v, want %v)", tc.search, len(got), len(want), got[:min(5, len(got))], want[:min(5, len(want))])
		}
	}
}
