package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testDismissals: a dismissed story leaves the reader's For you
// candidates, digest candidates and story list, and nobody else's; it is
// still found by Story and search, its articles keep their read and
// starred state; undo brings it back; a story the reader does not see
// cannot be dismissed.
func testDismissals(t *testing.T, s digest.Store) {
	ctx := context.Background()
	me, other := uid(t, s), otherUID(t, s)
	f := createFeed(t, s, "https://dismiss.example/feed")
	if err := s.CreateFeed(ctx, other, &digest.Feed{URL: f.URL}); err != nil {
		t.Fatal(err)
	}
	arts := save(t, s, fetched(f.ID, entry("dz0", 1), entry("dz1", 2), entry("dz2", 3)))[0].Created
	var ids []int64
	for i, a := range arts {
		// 0 is the most important, 2 the last seen.
		st := &digest.Story{Headline: fmt.Sprint("dismissable ", i), Importance: float64(10 - i), LastSeen: base.Add(time.Duration(i) * time.Hour),
			ArticleIDs: []int64{a}}
		if err := s.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, st.ID)
	}
	if _, err := s.MarkRead(ctx, me, arts[1:2], true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkStarred(ctx, me, arts[1:2], true); err != nil {
		t.Fatal(err)
	}
	storyIDs := func(list []digest.Story) []int64 {
		var out []int64
		for _, st := range list {
			out = append(out, st.ID)
		}
		return out
	}
	lists := func(user int64) map[string][]int64 {
		t.Helper()
		stories, err := s.Stories(ctx, user, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		daily, err := s.DailyStories(ctx, user, base.Add(-time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		fy, err := s.ForYouStories(ctx, user, digest.ForYouQuery{Important: 1, Recent: 1, Followed: 5, Feeds: []int64{f.ID}})
		if err != nil {
			t.Fatal(err)
		}
		var fyIDs []int64
		for _, st := range fy {
			fyIDs = append(fyIDs, st.ID)
		}
		top, err := s.ForYouStories(ctx, user, digest.ForYouQuery{Important: 1})
		if err != nil {
			t.Fatal(err)
		}
		var topIDs []int64
		for _, st := range top {
			topIDs = append(topIDs, st.ID)
		}
		return map[string][]int64{"Stories": storyIDs(stories), "DailyStories": storyIDs(daily), "ForYouStories": fyIDs, "most important": topIDs}
	}
	check := func(when string, user int64, want []int64) {
		t.Helper()
		for name, got := range lists(user) {
			w := want
			if name == "most important" {
				w = want[:1]
			}
			if !slices.Equal(got, w) {
				t.Errorf("%s: %s of user %d = %v, want %v", when, name, user, got, w)
			}
		}
	}
	check("before", me, ids)

	if err := s.DismissStory(ctx, me, ids[0], base); err != nil {
		t.Fatal(err)
	}
	if err := s.DismissStory(ctx, me, ids[1], base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Dismissed again later: the first time stays.
	if err := s.DismissStory(ctx, me, ids[0], base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The most important left is story 2: a dismissed story is skipped,
	// not counted in the limit.
	check("dismissed 0 and 1", me, ids[2:])
	check("the other reader", other, ids)

	got, err := s.Dismissed(ctx, me, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[ids[0]].Equal(base) || !got[ids[1]].Equal(base.Add(time.Minute)) {
		t.Errorf("Dismissed = %v, want stories %d at %v and %d a minute later", got, ids[0], base, ids[1])
	}
	if theirs, err := s.Dismissed(ctx, other, ids); err != nil || len(theirs) != 0 {
		t.Errorf("the other reader's Dismissed = %v, %v; want none", theirs, err)
	}
	// Still found on its own page and by search; the articles keep
	// their state.
	if st, err := s.Story(ctx, me, ids[0]); err != nil || st.ID != ids[0] {
		t.Errorf("Story(dismissed) = %v, %v; want it", st, err)
	}
	if found := list(t, s, digest.ArticleQuery{UserID: me, Search: "dz0"}); len(found) != 1 || found[0].ID != arts[0] {
		t.Errorf("search for a dismissed story's article found %d articles, want it", len(found))
	}
	if a := article(t, s, arts[1]); !a.Read || !a.Starred {
		t.Errorf("a dismissed story's article: read %v starred %v, want both as they were", a.Read, a.Starred)
	}
	if a := article(t, s, arts[0]); a.Read {
		t.Errorf("dismissing marked article %d read", arts[0])
	}

	// Undo, per reader.
	wantCode(t, "the other reader's undo", s.UndismissStory(ctx, other, ids[0]), digest.ENOTFOUND)
	if err := s.UndismissStory(ctx, me, ids[0]); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "undo again", s.UndismissStory(ctx, me, ids[0]), digest.ENOTFOUND)
	check("undone 0", me, []int64{ids[0], ids[2]})

	// A story nobody's article is in, or none at all.
	unseen := &digest.Story{Headline: "nobody's", Importance: 99, LastSeen: base}
	if err := s.SaveStory(ctx, unseen); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "dismiss a story the reader does not see", s.DismissStory(ctx, me, unseen.ID, base), digest.ENOTFOUND)
	wantCode(t, "dismiss no story", s.DismissStory(ctx, me, 1<<40, base), digest.ENOTFOUND)

	// A story deleted (merged into another) takes its dismissals along.
	if err := s.DeleteStory(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Dismissed(ctx, me, ids); err != nil || len(got) != 0 {
		t.Errorf("after deleting the dismissed story, Dismissed = %v, %v; want none", got, err)
	}
}
