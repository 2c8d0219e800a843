package storetest

import (
	"context"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testSourcesFollowFeedChanges: an article's sources show their feeds as
// they are now, however often they were read before (a store may keep the
// feeds' titles, sites and icons in memory: store/sqlite does): the
// feed's own title and site from a fetch, the reader's title, an icon,
// and who follows which feed.
func testSourcesFollowFeedChanges(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a, b := uid(t, s), otherUID(t, s)
	f1 := createFeed(t, s, "https://facts-one.example/feed")
	f2 := createFeed(t, s, "https://facts-two.example/feed")
	e := entry("facts", 1)
	r := save(t, s, fetched(f1.ID, e), fetched(f2.ID, e))
	id := r[0].Created[0]

	// check reads the article through every path that lists sources, for
	// reader a and for the pipeline, and compares each with want.
	type src struct {
		feed        int64
		title, site string
		icon        int64
	}
	check := func(step string, user int64, want []src, pipeline []src) {
		t.Helper()
		same := func(path string, got []digest.Source, want []src) {
			t.Helper()
			ok := len(got) == len(want)
			for i := 0; ok && i < len(got); i++ {
				w := want[i]
				ok = got[i].FeedID == w.feed && got[i].FeedTitle == w.title && got[i].SiteURL == w.site && got[i].IconID == w.icon
			}
			if !ok {
				t.Errorf("%s: %s sources %+v, want %+v", step, path, got, want)
			}
		}
		if user != 0 {
			x, err := s.Article(ctx, user, id)
			if err != nil {
				t.Fatalf("%s: Article: %v", step, err)
			}
			same("Article", x.Sources, want)
			p, err := s.Articles(ctx, digest.ArticleQuery{UserID: user})
			if err != nil || len(p.Articles) != 1 {
				t.Fatalf("%s: Articles: %v, %v", step, p, err)
			}
			same("Articles", p.Articles[0].Sources, want)
		}
		x, err := s.StoredArticle(ctx, id)
		if err != nil {
			t.Fatalf("%s: StoredArticle: %v", step, err)
		}
		same("StoredArticle", x.Sources, pipeline)
	}
	one := src{f1.ID, f1.Title, f1.SiteURL, 0}
	two := src{f2.ID, f2.Title, f2.SiteURL, 0}
	check("first read", a, []src{one, two}, []src{one, two})
	check("read again", a, []src{one, two}, []src{one, two})

	save(t, s, digest.FetchResult{FeedID: f1.ID, State: digest.FetchState{LastCheck: base, NextCheck: base.Add(2 * time.Minute)},
		Title: "One, retitled by its feed", SiteURL: "https://facts-one.example/home"})
	one.title, one.site = "One, retitled by its feed", "https://facts-one.example/home"
	check("the feed's title and site changed", a, []src{one, two}, []src{one, two})

	f2.Title = "Two, as the reader calls it"
	if err := s.UpdateFeed(ctx, a, f2); err != nil {
		t.Fatal(err)
	}
	twoForA := two
	twoForA.title = f2.Title
	check("the reader renamed a feed", a, []src{one, twoForA}, []src{one, two})

	icon, err := s.SaveIcon(ctx, &digest.Icon{ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nfacts")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetFeedIcon(ctx, f1.ID, icon); err != nil {
		t.Fatal(err)
	}
	one.icon = icon
	check("a feed got an icon", a, []src{one, twoForA}, []src{one, two})

	// Reader b follows only the second feed, then the first too.
	fb := &digest.Feed{URL: f2.URL}
	if err := s.CreateFeed(ctx, b, fb); err != nil || fb.ID != f2.ID {
		t.Fatalf("b follows the second feed: %d, %v", fb.ID, err)
	}
	check("b follows the second feed", b, []src{two}, []src{one, two})
	fb1 := &digest.Feed{URL: f1.URL}
	if err := s.CreateFeed(ctx, b, fb1); err != nil {
		t.Fatal(err)
	}
	check("b follows both", b, []src{one, two}, []src{one, two})

	if err := s.DeleteFeed(ctx, a, f2.ID); err != nil {
		t.Fatal(err)
	}
	check("a unfollowed the second feed", a, []src{one}, []src{one, two})
	check("b still follows both", b, []src{one, two}, []src{one, two})
}
