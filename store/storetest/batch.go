package storetest

import (
	"context"
	"slices"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// testNewInOneBatch saves, in one batch, articles that later results of
// the batch find again: the same feed a second time (by GUID and by URL),
// then another feed's entry with the same URL. A store may hold back the writes of new
// articles until the end of a batch (PostgreSQL: Dialect.NextIDs); what
// it holds back must be found as if written.
func testNewInOneBatch(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	x, y, z := entry("x", 1), entry("y", 2), entry("z", 3)
	z.Title = "Zeppelin lands"
	w := entry("w", 4)
	w.URL = "" // found by GUID only
	zb := z
	zb.GUID, zb.Link, zb.Hash = "b-z", "https://agg.example/z", "b-hash"
	res := save(t, s, fetched(a.ID, x, y, w), fetched(a.ID, x, w, z), fetched(b.ID, zb))
	if len(res[0].Created) != 3 {
		t.Fatalf("feed a: %+v, want 3 created", res[0])
	}
	if len(res[1].Created) != 1 || len(res[1].Updated)+len(res[1].Linked) != 0 {
		t.Fatalf("feed a again: %+v, want z created only", res[1])
	}
	zid := res[1].Created[0]
	if len(res[2].Created) != 0 || !slices.Equal(res[2].Linked, []int64{zid}) {
		t.Errorf("feed b: %+v, want %d linked", res[2], zid)
	}
	art := article(t, s, zid)
	if len(art.Sources) != 2 || art.Sources[0].FeedID != a.ID || art.Sources[1].FeedID != b.ID {
		t.Errorf("sources of z = %+v, want a then b", art.Sources)
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s)}); len(got) != 4 {
		t.Errorf("listing has %d articles, want 4", len(got))
	}
	fs, err := s.Feeds(ctx, uid(t, s))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]int{a.ID: 4, b.ID: 1}
	for _, f := range fs {
		if f.Unread != want[f.ID] {
			t.Errorf("feed %d unread %d, want %d", f.ID, f.Unread, want[f.ID])
		}
	}
	// Search finds what was held back.
	p, err := s.Articles(ctx, digest.ArticleQuery{UserID: uid(t, s), Search: "zeppelin"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Articles) != 1 || p.Articles[0].ID != zid {
		t.Errorf("search zeppelin: %v, want [%d]", ids(p.Articles), zid)
	}
}
