package daily

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// groupsFixture is a reader with a busy wire feed (40 fillers a month
// and five stories) and a rarely publishing gazette (one story), a
// followed phrase and a muted one.
func groupsFixture(t *testing.T) (*fixture, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	fx := newFixture(t, "Ana")
	wire := &digest.Feed{URL: "https://wire.example/feed.xml", SiteURL: "https://wire.example/", Title: "Meridian Wire"}
	if err := fx.store.CreateFeed(ctx, fx.user.ID, wire); err != nil {
		t.Fatal(err)
	}
	n := 0
	add := func(feed int64, title, text string, at time.Time) int64 {
		n++
		guid := fmt.Sprintf("g%d", n)
		res, err := fx.store.SaveFetches(ctx, []digest.FetchResult{{FeedID: feed,
			State: digest.FetchState{LastCheck: at, NextCheck: at.Add(time.Hour)},
			Entries: []digest.Entry{{GUID: guid, URL: "https://wire.example/news/" + guid, Title: title, Published: at,
				Summary: title + ".", Text: text, Hash: guid}}}})
		if err != nil {
			t.Fatal(err)
		}
		return res[0].Created[0]
	}
	for i := range 40 {
		add(wire.ID, fmt.Sprintf("Market note %d", i), "Numbers.", base.Add(-time.Duration(i+10)*12*time.Hour))
	}
	stories := map[string]int64{}
	story := func(key string, feed int64, headline, text string, outlets int, age time.Duration) {
		a := add(feed, headline, text, base.Add(-age))
		st := &digest.Story{Headline: headline, Summary: headline + ".", FirstSeen: base.Add(-age), LastSeen: base.Add(-age),
			Importance: float64(outlets), Outlets: outlets, ArticleIDs: []int64{a}}
		if err := fx.store.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
		stories[key] = st.ID
	}
	story("budget", wire.ID, "Council passes the harbour budget", "Votes.", 8, time.Hour)
	story("storm", wire.ID, "Storm closes the coast road", "Wind.", 6, 2*time.Hour)
	story("quake", wire.ID, "Earthquake shakes Port Alder", "Cracks.", 9, time.Hour)
	story("tram", wire.ID, "New tram line opens downtown", "Rails.", 2, 3*time.Hour)
	story("long", wire.ID, "How the old docks were rebuilt", strings.Repeat("word ", 1300), 1, 4*time.Hour)
	story("lighthouse", fx.feed, "Lighthouse keeper retires after forty years", "Lamp.", 1, 2*time.Hour)
	for _, c := range []digest.Choice{
		{Kind: digest.ChoicePhrase, Key: "tram line", Label: "tram line", Value: 1},
		{Kind: digest.ChoicePhrase, Key: "earthquake", Label: "earthquake", Value: -1},
	} {
		if err := fx.store.SetChoice(ctx, fx.user.ID, &c); err != nil {
			t.Fatal(err)
		}
	}
	return fx, stories
}

// TestDigestGroups: a digest ranks with the For you model — a muted
// phrase's story is left out, a followed phrase's story is in "What you
// follow" with its reason — and shows its groups in order: top stories,
// what you follow, long reads, from feeds that publish rarely.
func TestDigestGroups(t *testing.T) {
	fx, stories := groupsFixture(t)
	svc := newService(t, fx.store, nil)
	d, err := svc.Build(context.Background(), fx.user, base)
	if err != nil {
		t.Fatal(err)
	}
	group := map[int64]digest.DailyItem{}
	for _, it := range d.Items {
		group[it.StoryID] = it
	}
	if _, ok := group[stories["quake"]]; ok {
		t.Errorf("the story of a muted phrase is in the digest")
	}
	for key, want := range map[string]string{"budget": digest.GroupTop, "storm": digest.GroupTop, "tram": digest.GroupFollow,
		"long": digest.GroupLong, "lighthouse": digest.GroupRare} {
		it, ok := group[stories[key]]
		if !ok || it.Group != want {
			t.Errorf("story %q: in digest %v, group %q; want %q", key, ok, it.Group, want)
		}
		if ok && len(it.ArticleIDs) != 1 {
			t.Errorf("story %q keeps article IDs %v", key, it.ArticleIDs)
		}
	}
	if it := group[stories["tram"]]; it.Reason != "You follow “tram line”" {
		t.Errorf("followed story's reason %q", it.Reason)
	}
	if it := group[stories["lighthouse"]]; !strings.Contains(it.Reason, "publishes rarely") {
		t.Errorf("rare feed's story's reason %q", it.Reason)
	}
	var titles []string
	for _, s := range Sections(d.Items) {
		titles = append(titles, s.Title)
	}
	if want := []string{"Top stories", "What you follow", "Long reads", "From feeds that publish rarely"}; !slices.Equal(titles, want) {
		t.Errorf("sections %q, want %q", titles, want)
	}
	v := svc.ViewOf(fx.user, d, "")
	text, err := svc.Text(v)
	if err != nil {
		t.Fatal(err)
	}
	html, err := svc.HTML(v)
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range titles {
		if !strings.Contains(text, title) || !strings.Contains(html, title) {
			t.Errorf("the mail does not show the section %q", title)
		}
	}
}

// TestWeeklyDigestAndMarkRead: a weekly digest is built only on its
// weekday, covers the week, and with "mark as read when sent" its
// articles are read once the mail is sent; "send me one now" mails a
// digest at once without keeping it.
func TestWeeklyDigestAndMarkRead(t *testing.T) {
	ctx := context.Background()
	fx, stories := groupsFixture(t)
	ms := newMailServer(t, "digest", "pw")
	svc := newService(t, fx.store, ms.client())
	local := base.In(Location(fx.user))
	set := func(weekday int) {
		if err := fx.store.SetDailySettings(ctx, &digest.DailySettings{UserID: fx.user.ID, Enabled: true, Hour: 7, Email: "ana@example.org",
			Weekly: true, Weekday: weekday, MarkRead: true}); err != nil {
			t.Fatal(err)
		}
	}
	set((int(local.Weekday()) + 1) % 7)
	if err := svc.RunOnce(ctx, base); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.store.DailyDigest(ctx, fx.user.ID, Day(fx.user, base)); !digest.IsNotFound(err) {
		t.Fatalf("a weekly digest was built on another weekday: %v", err)
	}

	// "Send me one now" on any day: one mail, nothing kept.
	if err := svc.SendNow(ctx, fx.user, base); err != nil {
		t.Fatal(err)
	}
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("SendNow sent %d messages", n)
	}
	if past, _ := fx.store.DailyDigests(ctx, fx.user.ID, 10); len(past) != 0 {
		t.Errorf("SendNow kept %d digests", len(past))
	}

	// A story of five days ago is in a weekly digest, not a daily one.
	old := fx.story(t, "old", "Regatta results are in", "Sails.", base.Add(-5*24*time.Hour), 7)
	set(int(local.Weekday()))
	if err := svc.RunOnce(ctx, base); err != nil {
		t.Fatal(err)
	}
	d, err := fx.store.DailyDigest(ctx, fx.user.ID, Day(fx.user, base))
	if err != nil {
		t.Fatalf("no weekly digest on its weekday: %v", err)
	}
	if d.Sent.IsZero() || len(ms.messages()) != 2 {
		t.Fatalf("weekly digest not sent: %+v, %d messages", d, len(ms.messages()))
	}
	var in []int64
	for _, it := range d.Items {
		in = append(in, it.StoryID)
	}
	if !slices.Contains(in, old) {
		t.Errorf("the week's story %d is not in the weekly digest %v", old, in)
	}
	for _, it := range d.Items {
		for _, id := range it.ArticleIDs {
			a, err := fx.store.Article(ctx, fx.user.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			if !a.Read {
				t.Errorf("article %d of the sent digest is unread", id)
			}
		}
	}
	// An article in no digest stays unread.
	st, err := fx.store.Story(ctx, fx.user.ID, stories["quake"])
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := fx.store.Article(ctx, fx.user.ID, st.ArticleIDs[0]); a == nil || a.Read {
		t.Errorf("the muted story's article was marked read")
	}
}
