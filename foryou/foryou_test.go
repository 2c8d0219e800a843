package foryou

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

var base = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// world is a store with one reader of a busy wire (many stories) and a
// rarely publishing gazette.
type world struct {
	store digest.Store
	user  int64
	wire  int64
	gaz   int64
	n     int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "digest.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u := &digest.User{Name: "reader", Role: digest.RoleUser}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	w := &world{store: st, user: u.ID}
	for _, f := range []*digest.Feed{
		{URL: "https://wire.example/feed", SiteURL: "https://wire.example/", Title: "Meridian Wire"},
		{URL: "https://gazette.example/feed", SiteURL: "https://gazette.example/", Title: "Island Gazette"},
	} {
		if err := st.CreateFeed(ctx, u.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	feeds, err := st.Feeds(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		if f.Title == "Meridian Wire" {
			w.wire = f.ID
		} else {
			w.gaz = f.ID
		}
	}
	return w
}

// story saves an article of feed and a story of it.
func (w *world) story(t *testing.T, feed int64, headline string, outlets int, age time.Duration, ents ...digest.Entity) int64 {
	t.Helper()
	ctx := context.Background()
	w.n++
	guid := fmt.Sprintf("a%d", w.n)
	at := base.Add(-age)
	res, err := w.store.SaveFetches(ctx, []digest.FetchResult{{FeedID: feed, State: digest.FetchState{LastCheck: at, NextCheck: at.Add(time.Hour)},
		Entries: []digest.Entry{{GUID: guid, URL: "https://news.example/" + guid, Title: headline, Published: at, Summary: headline + ".", Hash: guid}}}})
	if err != nil {
		t.Fatal(err)
	}
	st := &digest.Story{Headline: headline, Summary: headline + ".", FirstSeen: at, LastSeen: at, Importance: float64(outlets), Outlets: outlets,
		ArticleIDs: res[0].Created, Entities: ents}
	if err := w.store.SaveStory(ctx, st); err != nil {
		t.Fatal(err)
	}
	return st.ID
}

// TestFollowedStoryOutsideTheCandidatesReachesThePage: a followed
// entity's or feed's story that is neither among the most important nor
// the most recent still reaches the page, first, with its reason.
func TestFollowedStoryOutsideTheCandidatesReachesThePage(t *testing.T) {
	for _, follow := range []string{"entity", "feed"} {
		t.Run(follow, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t)
			// 2 × (Important + Recent) wire stories, more important and
			// more recent than the followed one.
			for i := range 2 * (Important + Recent) {
				w.story(t, w.wire, fmt.Sprintf("Wire report number %d on markets", i), 3+i%5, time.Duration(i)*time.Minute)
			}
			ashby := digest.Entity{Name: "Ashby Falls", Kind: digest.Place, Count: 1}
			feed := w.wire
			if follow == "feed" {
				feed = w.gaz
			}
			old := w.story(t, feed, "Ashby Falls reopens its old mill", 1, 30*time.Hour, ashby)
			c := digest.Choice{Kind: digest.ChoiceEntity, Key: "loc:ashby falls", Label: "Ashby Falls", Value: 1}
			if follow == "feed" {
				c = digest.Choice{Kind: digest.ChoiceFeed, Key: fmt.Sprint(w.gaz), Label: "Island Gazette", Value: 1}
			}
			if err := w.store.SetChoice(ctx, w.user, &c); err != nil {
				t.Fatal(err)
			}
			res, err := New(w.store, Options{Now: func() time.Time { return base }}).Page(ctx, w.user, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Stories) == 0 || res.Stories[0].Story.ID != old {
				var got []string
				for _, s := range res.Stories {
					got = append(got, s.Story.Headline)
				}
				t.Fatalf("page %q, want the followed story %d first", got, old)
			}
			top := res.Stories[0]
			if p, ok := top.Score.Part("follow"); !ok || p.Reason != "You follow "+c.Label {
				t.Errorf("followed story's follow part %+v", p)
			}
			for _, s := range res.Stories {
				sum := 0.0
				for _, p := range s.Score.Parts {
					sum += p.Value
				}
				if math.Abs(sum-s.Score.Total) > 1e-9 {
					t.Errorf("%q: parts add up to %v, total %v", s.Story.Headline, sum, s.Score.Total)
				}
			}
		})
	}
}

// TestRareFeedPartOnThePage: the gazette (a story a month) gets the
// rare-feed part on the page, the busy wire does not.
func TestRareFeedPartOnThePage(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for i := range 45 { // 1.5 a day over 30 days
		w.story(t, w.wire, fmt.Sprintf("Market note %d", i), 2, time.Duration(i)*16*time.Hour)
	}
	gaz := w.story(t, w.gaz, "The island's ferry timetable changes", 2, time.Hour)
	res, err := New(w.store, Options{Now: func() time.Time { return base }}).Page(ctx, w.user, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Stories {
		p, ok := s.Score.Part("rare-feed")
		if rare := s.Story.ID == gaz; rare != ok || (rare && p.Reason != "From Island Gazette, which publishes rarely") {
			t.Errorf("%q: rare-feed part %+v (%v)", s.Story.Headline, p, ok)
		}
	}
	if len(res.Stories) == 0 || res.Stories[0].Story.ID != gaz {
		t.Errorf("the rare feed's story is not first")
	}
}
