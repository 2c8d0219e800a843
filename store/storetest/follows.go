package storetest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testChoices: a reader's follows, mutes, priorities and "more/less like
// this" are kept per user, replaced by kind and key, and bad ones are
// refused with EINVALID.
func testChoices(t *testing.T, s digest.Store) {
	ctx := context.Background()
	me, other := uid(t, s), otherUID(t, s)
	set := func(user int64, c digest.Choice) error { return s.SetChoice(ctx, user, &c) }
	for _, c := range []digest.Choice{
		{Kind: digest.ChoiceEntity, Key: "loc:port alder", Label: "Port Alder", Value: 1, Created: base},
		{Kind: digest.ChoiceSite, Key: "harbor.example", Label: "The Harbor Herald", Value: -1, Created: base.Add(time.Minute)},
		{Kind: digest.ChoicePriority, Key: "12", Label: "Meridian Wire", Value: 2, Created: base.Add(2 * time.Minute)},
		{Kind: digest.ChoicePhrase, Key: "  tram line ", Label: "tram line", Value: 1, Created: base.Add(3 * time.Minute)},
	} {
		if err := set(me, c); err != nil {
			t.Fatalf("SetChoice(%+v): %v", c, err)
		}
	}
	if err := set(other, digest.Choice{Kind: digest.ChoiceEntity, Key: "loc:port alder", Value: -1}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Choices(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range got {
		keys = append(keys, string(c.Kind)+"="+c.Key)
	}
	if want := []string{"phrase=tram line", "priority=12", "site=harbor.example", "entity=loc:port alder"}; !slices.Equal(keys, want) {
		t.Errorf("choices = %q, want %q (newest first, keys trimmed)", keys, want)
	}
	if len(got) == 4 && (got[3].Label != "Port Alder" || got[3].Value != 1 || !got[3].Created.Equal(base)) {
		t.Errorf("first choice = %+v", got[3])
	}
	// Muting what one followed replaces the follow.
	if err := set(me, digest.Choice{Kind: digest.ChoiceEntity, Key: "loc:port alder", Label: "Port Alder", Value: -1, Created: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Choices(ctx, me)
	if len(got) != 4 || got[0].Key != "loc:port alder" || got[0].Value != -1 {
		t.Errorf("after a mute, choices = %+v", got)
	}
	theirs, _ := s.Choices(ctx, other)
	if len(theirs) != 1 || theirs[0].Value != -1 {
		t.Errorf("the other reader's choices = %+v, want their one mute", theirs)
	}
	if err := s.DeleteChoice(ctx, me, digest.ChoiceSite, "harbor.example"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "delete again", s.DeleteChoice(ctx, me, digest.ChoiceSite, "harbor.example"), digest.ENOTFOUND)
	wantCode(t, "delete another's", s.DeleteChoice(ctx, me, digest.ChoiceEntity, "nothing"), digest.ENOTFOUND)
	if got, _ := s.Choices(ctx, me); len(got) != 3 {
		t.Errorf("after a delete, %d choices, want 3", len(got))
	}
	for name, c := range map[string]digest.Choice{
		"unknown kind":     {Kind: "mood", Key: "x", Value: 1},
		"empty key":        {Kind: digest.ChoicePhrase, Key: "  ", Value: 1},
		"long key":         {Kind: digest.ChoicePhrase, Key: strings.Repeat("a", digest.MaxChoiceKey+1), Value: 1},
		"value too high":   {Kind: digest.ChoicePriority, Key: "1", Value: 3},
		"value too low":    {Kind: digest.ChoicePriority, Key: "1", Value: -2.5},
		"value not a real": {Kind: digest.ChoicePriority, Key: "1", Value: math.NaN()},
	} {
		wantCode(t, name, set(me, c), digest.EINVALID)
	}
	// Hostile text is stored cleaned, and a long label is cut.
	if err := set(me, digest.Choice{Kind: digest.ChoicePhrase, Key: "bad\x00\xff", Label: strings.Repeat("é", digest.MaxChoiceLabel), Value: 1}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Choices(ctx, me)
	for _, c := range got {
		if c.Kind == digest.ChoicePhrase && strings.HasPrefix(c.Key, "bad") {
			if c.Key != "bad\uFFFD" || len(c.Label) > digest.MaxChoiceLabel || !strings.HasPrefix(c.Label, "é") || strings.ContainsRune(c.Label, '\uFFFD') {
				t.Errorf("hostile choice stored as key %q, label of %d bytes", c.Key, len(c.Label))
			}
		}
	}
}

// testSignals: learned counts decay with their half-life before new
// evidence is added, and a reader's signals are bounded.
func testSignals(t *testing.T, s digest.Store) {
	ctx := context.Background()
	me, other := uid(t, s), otherUID(t, s)
	day := 24 * time.Hour
	if err := s.Learn(ctx, me, base, 7*day, []digest.Signal{{Key: "feed:1", Clicks: 2, Shown: 4}, {Key: "entity:loc:port alder", Clicks: 1}, {Key: "feed:1", Shown: 4}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Learn(ctx, other, base, 7*day, []digest.Signal{{Key: "feed:1", Shown: 1}}); err != nil {
		t.Fatal(err)
	}
	// A week later, a half-life on: the old counts weigh half.
	if err := s.Learn(ctx, me, base.Add(7*day), 7*day, []digest.Signal{{Key: "feed:1", Clicks: 1, Shown: 1}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Signals(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Key != "entity:loc:port alder" || got[1].Key != "feed:1" {
		t.Fatalf("signals = %+v", got)
	}
	if f := got[1]; math.Abs(f.Clicks-2) > 1e-9 || math.Abs(f.Shown-5) > 1e-9 || !f.Updated.Equal(base.Add(7*day)) {
		t.Errorf("feed:1 = %+v, want clicks 2*0.5+1 = 2, shown 8*0.5+1 = 5, updated a week on", f)
	}
	if e := got[0]; e.Clicks != 1 || !e.Updated.Equal(base) {
		t.Errorf("an untouched signal changed: %+v", e)
	}
	theirs, _ := s.Signals(ctx, other)
	if len(theirs) != 1 || theirs[0].Shown != 1 {
		t.Errorf("the other reader's signals = %+v", theirs)
	}
	wantCode(t, "empty key", s.Learn(ctx, me, base, day, []digest.Signal{{Key: "", Clicks: 1}}), digest.EINVALID)
	wantCode(t, "negative", s.Learn(ctx, me, base, day, []digest.Signal{{Key: "x", Clicks: -1}}), digest.EINVALID)
	wantCode(t, "infinite", s.Learn(ctx, me, base, day, []digest.Signal{{Key: "x", Shown: math.Inf(1)}}), digest.EINVALID)
	wantCode(t, "no half-life", s.Learn(ctx, me, base, 0, []digest.Signal{{Key: "x", Clicks: 1}}), digest.EINVALID)

	// Bounded: beyond MaxSignals the least recently updated go.
	var many []digest.Signal
	for i := range digest.MaxSignals {
		many = append(many, digest.Signal{Key: fmt.Sprintf("entity:per:person %04d", i), Clicks: 1})
	}
	if err := s.Learn(ctx, me, base.Add(8*day), 7*day, many); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Signals(ctx, me)
	if len(got) != digest.MaxSignals {
		t.Fatalf("%d signals kept, want %d", len(got), digest.MaxSignals)
	}
	for _, sg := range got {
		if sg.Key == "entity:loc:port alder" {
			t.Error("the oldest signal was kept over newer ones")
		}
	}
	if theirs, _ := s.Signals(ctx, other); len(theirs) != 1 {
		t.Error("trimming one reader's signals touched another's")
	}
}

// testImpressions: what For you showed is recorded so that a reload is
// not a fresh impression, an opened story is learned from once, and
// StoryFeeds names the reader's feeds that carry each story.
func testImpressions(t *testing.T, s digest.Store) {
	ctx := context.Background()
	me, other := uid(t, s), otherUID(t, s)
	f1 := createFeed(t, s, "https://one.example/feed")
	f2 := createFeed(t, s, "https://two.example/feed")
	a := save(t, s, fetched(f1.ID, entry("i1", 1), entry("i2", 2)))[0].Created
	copyOf := entry("i1", 1)
	copyOf.GUID = "copy-guid"
	save(t, s, fetched(f2.ID, copyOf))
	st1 := &digest.Story{Headline: "One", LastSeen: base, ArticleIDs: a[:1]}
	st2 := &digest.Story{Headline: "Two", LastSeen: base, ArticleIDs: a[1:2]}
	for _, st := range []*digest.Story{st1, st2} {
		if err := s.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := s.RecordShown(ctx, me, []int64{st1.ID, st2.ID, st1.ID, 999999}, base, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fresh, []int64{st1.ID, st2.ID}) {
		t.Errorf("first showing: fresh %v, want both stories once (a missing story skipped)", fresh)
	}
	if fresh, _ = s.RecordShown(ctx, me, []int64{st1.ID, st2.ID}, base.Add(30*time.Minute), time.Hour); len(fresh) != 0 {
		t.Errorf("a reload half an hour later: fresh %v, want none", fresh)
	}
	if fresh, _ = s.RecordShown(ctx, other, []int64{st1.ID}, base.Add(30*time.Minute), time.Hour); len(fresh) != 1 {
		t.Errorf("another reader's first showing: fresh %v", fresh)
	}
	if fresh, _ = s.RecordShown(ctx, me, []int64{st1.ID}, base.Add(2*time.Hour), time.Hour); !slices.Equal(fresh, []int64{st1.ID}) {
		t.Errorf("shown again after the window: fresh %v, want the story", fresh)
	}
	for i, want := range []bool{true, false} {
		first, err := s.OpenStory(ctx, me, st1.ID, base.Add(3*time.Hour))
		if err != nil || first != want {
			t.Errorf("opening #%d: first %v, %v; want %v", i+1, first, err, want)
		}
	}
	if first, err := s.OpenStory(ctx, other, st2.ID, base); err != nil || !first {
		t.Errorf("opening a story never shown: %v, %v; want first", first, err)
	}
	_, err = s.OpenStory(ctx, me, 999999, base)
	wantCode(t, "open a missing story", err, digest.ENOTFOUND)

	feeds, err := s.StoryFeeds(ctx, me, []int64{st1.ID, st2.ID, 999999})
	if err != nil {
		t.Fatal(err)
	}
	want1 := []int64{min(f1.ID, f2.ID), max(f1.ID, f2.ID)}
	if !slices.Equal(feeds[st1.ID], want1) || !slices.Equal(feeds[st2.ID], []int64{f1.ID}) || len(feeds) != 2 {
		t.Errorf("StoryFeeds = %v, want story 1 in %v and story 2 in [%d]", feeds, want1, f1.ID)
	}
	if theirs, err := s.StoryFeeds(ctx, other, []int64{st1.ID}); err != nil || len(theirs) != 0 {
		t.Errorf("StoryFeeds of a reader who follows nothing = %v, %v", theirs, err)
	}
	// A deleted story's impressions go with it.
	if err := s.DeleteStory(ctx, st2.ID); err != nil {
		t.Fatal(err)
	}
	if fresh, err = s.RecordShown(ctx, me, []int64{st2.ID}, base.Add(5*time.Hour), time.Hour); err != nil || len(fresh) != 0 {
		t.Errorf("showing a deleted story: %v, %v", fresh, err)
	}
}

// testForYouStories: For you's candidates are the most important and the
// last seen of the stories the reader sees, each once.
func testForYouStories(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f := createFeed(t, s, "https://fy.example/feed")
	arts := save(t, s, fetched(f.ID, entry("fy1", 1), entry("fy2", 2), entry("fy3", 3), entry("fy4", 4), entry("fy5", 5)))[0].Created
	var ids []int64
	for i, a := range arts {
		// Importance falls as recency rises: 0 is the most important,
		// 4 the last seen.
		st := &digest.Story{Headline: fmt.Sprint("story ", i), Importance: float64(10 - i), LastSeen: base.Add(time.Duration(i) * time.Hour),
			ArticleIDs: []int64{a}, Entities: []digest.Entity{{Name: "Port Alder", Kind: digest.Place, Count: 1}}}
		if err := s.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, st.ID)
	}
	unseen := &digest.Story{Headline: "nobody's", Importance: 99, LastSeen: base.Add(99 * time.Hour)}
	if err := s.SaveStory(ctx, unseen); err != nil {
		t.Fatal(err)
	}
	// The third story alone names Ashby Falls, and its article is liked
	// by a rule.
	if err := s.SaveStory(ctx, &digest.Story{ID: ids[2], Headline: "story 2", Importance: 8, LastSeen: base.Add(2 * time.Hour),
		ArticleIDs: []int64{arts[2]}, Entities: []digest.Entity{{Name: "Ashby Falls", Kind: digest.Place, Count: 1}}}); err != nil {
		t.Fatal(err)
	}
	// The first story gains a second article, which a block rule hides.
	blocked := save(t, s, fetched(f.ID, entry("fy6", 6)))[0].Created[0]
	if err := s.SaveStory(ctx, &digest.Story{ID: ids[0], Headline: "story 0", Importance: 10, LastSeen: base,
		ArticleIDs: []int64{arts[0], blocked}, Entities: []digest.Entity{{Name: "Port Alder", Kind: digest.Place, Count: 1}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRule(ctx, uid(t, s), &digest.Rule{Name: "blocks fy6", Match: `title:fy6`, Action: digest.RuleBlock, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	rule := &digest.Rule{Name: "likes fy3", Match: `title:fy3`, Action: digest.RuleLike, Weight: 2, Enabled: true}
	if err := s.CreateRule(ctx, uid(t, s), rule); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ApplyRules(ctx, uid(t, s)); err != nil {
		t.Fatal(err)
	}
	idsOf := func(list []digest.ForYouStory) []int64 {
		var out []int64
		for _, st := range list {
			out = append(out, st.ID)
		}
		return out
	}
	got, err := s.ForYouStories(ctx, uid(t, s), digest.ForYouQuery{Important: 2, Recent: 2})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{ids[0], ids[1], ids[3], ids[4]}; !slices.Equal(idsOf(got), want) {
		t.Errorf("ForYouStories(2, 2) = %v, want %v: the two most important and the two last seen, by importance", idsOf(got), want)
	}
	if len(got) > 0 && (len(got[0].Entities) != 1 || !slices.Equal(got[0].ArticleIDs, []int64{arts[0]}) || !slices.Equal(got[0].Feeds, []int64{f.ID})) {
		t.Errorf("a story comes without its entities, articles or feeds, or with its hidden article: %+v", got[0])
	}
	for _, st := range got {
		if st.Verdicts != nil {
			t.Errorf("story %d has verdicts %v, want none: no rule matched it", st.ID, st.Verdicts)
		}
	}
	// A followed entity's or feed's story outside both halves is added.
	for _, q := range []digest.ForYouQuery{
		{Important: 2, Recent: 2, Followed: 5, Entities: []digest.Entity{{Kind: digest.Place, Name: "Ashby Falls"}}},
		{Important: 2, Recent: 2, Followed: 5, Feeds: []int64{f.ID}},
	} {
		got, err = s.ForYouStories(ctx, uid(t, s), q)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(idsOf(got), ids[2]) {
			t.Errorf("ForYouStories(%+v) = %v, want the followed story %d too", q, idsOf(got), ids[2])
		}
		for _, st := range got {
			v, ok := st.Verdicts[arts[2]]
			if liked := st.ID == ids[2]; liked != ok || (liked && (v.Weight != 2 || len(v.Reasons) != 1 || v.Reasons[0].RuleID != rule.ID)) {
				t.Errorf("story %d verdicts %+v; want the like rule's on story %d alone", st.ID, st.Verdicts, ids[2])
			}
		}
	}
	if got, _ = s.ForYouStories(ctx, uid(t, s), digest.ForYouQuery{Important: 2, Recent: 2, Followed: 5,
		Entities: []digest.Entity{{Kind: digest.Person, Name: "Ashby Falls"}}}); slices.Contains(idsOf(got), ids[2]) {
		t.Errorf("an entity of another kind brought in story %d", ids[2])
	}
	if got, _ = s.ForYouStories(ctx, uid(t, s), digest.ForYouQuery{Important: 5, Recent: 5}); len(got) != 5 {
		t.Errorf("overlapping halves: %d stories, want each of the 5 once", len(got))
	}
	if got, _ = s.ForYouStories(ctx, otherUID(t, s), digest.ForYouQuery{Important: 5, Recent: 5, Followed: 5, Feeds: []int64{f.ID}}); len(got) != 0 {
		t.Errorf("a reader who follows nothing gets %d stories", len(got))
	}
}

// testFeedRates: FeedRates counts each feed's articles published since
// a time.
func testFeedRates(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f1 := createFeed(t, s, "https://often.example/feed")
	f2 := createFeed(t, s, "https://rarely.example/feed")
	f3 := createFeed(t, s, "https://never.example/feed")
	save(t, s, fetched(f1.ID, entry("r1", 10), entry("r2", 20), entry("r3", 30)), fetched(f2.ID, entry("r4", 1), entry("r5", 25)))
	got, err := s.FeedRates(ctx, []int64{f1.ID, f2.ID, f3.ID}, base.Add(15*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got[f1.ID] != 2 || got[f2.ID] != 1 || len(got) != 2 {
		t.Errorf("FeedRates = %v, want %d: 2, %d: 1 and no entry for %d", got, f1.ID, f2.ID, f3.ID)
	}
}
