package storetest

import (
	"slices"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// testPreparedEntries: entries prepared ahead of saving (see
// digest.EntryPreparer) are found by search as entries saved without
// preparation are, and an entry whose texts changed after it was
// prepared is indexed as it is when saved, not as it was prepared.
func testPreparedEntries(t *testing.T, s digest.Store) {
	prep, ok := s.(digest.EntryPreparer)
	if !ok {
		t.Skip("the store prepares no entries")
	}
	f := createFeed(t, s, "https://a.example/feed")
	fresh := entry("p1", 1)
	fresh.Title, fresh.Text = "Glacier retreats", "Meltwater fills the valley."
	stale := entry("p2", 2)
	stale.Title, stale.Text, stale.Summary = "Harbour crane", "Dockers strike at dawn.", "Dockers strike…"
	es := []digest.Entry{fresh, stale}
	prep.PrepareEntries(es)
	// Changed after preparing: the new words count, the old ones not.
	es[1].Text, es[1].Summary = "Ferries cancelled by fog.", ""
	r := save(t, s, fetched(f.ID, es...))[0].Created
	search := func(q string) []int64 {
		t.Helper()
		return ids(list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: q}))
	}
	for q, want := range map[string][]int64{
		"meltwater": {r[0]},
		"glacier":   {r[0]},
		"ferries":   {r[1]},
		"crane":     {r[1]},
		"dockers":   nil,
	} {
		if got := search(q); !slices.Equal(got, want) {
			t.Errorf("new articles: search %q = %v, want %v", q, got, want)
		}
	}
	// An update in place re-indexes the article from its prepared
	// document, or from its texts when they changed since.
	upd := es[0]
	upd.Text, upd.Hash = "Avalanche closes the pass.", "hash-2"
	upd2 := es[1]
	upd2.Text, upd2.Hash = "Lighthouse keeper retires.", "hash-3"
	es2 := []digest.Entry{upd, upd2}
	prep.PrepareEntries(es2)
	es2[1].Text = "Tugboat race postponed."
	res := save(t, s, fetched(f.ID, es2...))[0]
	if len(res.Updated) != 2 {
		t.Fatalf("updated %v, want both articles", res.Updated)
	}
	for q, want := range map[string][]int64{
		"avalanche":  {r[0]},
		"meltwater":  nil,
		"tugboat":    {r[1]},
		"lighthouse": nil,
		"ferries":    nil,
	} {
		if got := search(q); !slices.Equal(got, want) {
			t.Errorf("updated articles: search %q = %v, want %v", q, got, want)
		}
	}
}
