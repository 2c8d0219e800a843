package storetest

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testDailySettings: a user with no settings gets the zero ones; saved
// settings come back; a bad hour and an unknown user are refused.
func testDailySettings(t *testing.T, s digest.Store) {
	ctx := context.Background()
	me := uid(t, s)
	ds, err := s.DailySettings(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	if *ds != (digest.DailySettings{UserID: me}) {
		t.Errorf("settings never saved = %+v, want the zero ones", ds)
	}
	want := digest.DailySettings{UserID: me, Enabled: true, Hour: 23, Email: "reader@example.org", Weekly: true, Weekday: 6, MarkRead: true}
	if err := s.SetDailySettings(ctx, &want); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.DailySettings(ctx, me); got == nil || *got != want {
		t.Errorf("settings = %+v, want %+v", got, want)
	}
	want.Hour, want.Enabled, want.Weekly, want.Weekday, want.MarkRead = 0, false, false, 0, false
	if err := s.SetDailySettings(ctx, &want); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.DailySettings(ctx, me); got == nil || *got != want {
		t.Errorf("settings after an update = %+v, want %+v", got, want)
	}
	for _, h := range []int{-1, 24} {
		wantCode(t, "an hour out of range", s.SetDailySettings(ctx, &digest.DailySettings{UserID: me, Hour: h}), digest.EINVALID)
	}
	for _, d := range []int{-1, 7} {
		wantCode(t, "a weekday out of range", s.SetDailySettings(ctx, &digest.DailySettings{UserID: me, Weekly: true, Weekday: d}), digest.EINVALID)
	}
	wantCode(t, "an address of 1 MB", s.SetDailySettings(ctx, &digest.DailySettings{UserID: me, Email: strings.Repeat("a", 1<<20)}), digest.EINVALID)
	wantCode(t, "settings of no user", s.SetDailySettings(ctx, &digest.DailySettings{UserID: 987654}), digest.ENOTFOUND)
	_, err = s.DailySettings(ctx, 987654)
	wantCode(t, "settings of no user", err, digest.ENOTFOUND)

	other := otherUID(t, s)
	if err := s.SetDailySettings(ctx, &digest.DailySettings{UserID: other, Enabled: true, Hour: 6, Email: "o@example.org", Weekly: true, Weekday: 3, MarkRead: true}); err != nil {
		t.Fatal(err)
	}
	users, err := s.DailyUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0] != (digest.DailySettings{UserID: other, Enabled: true, Hour: 6, Email: "o@example.org", Weekly: true, Weekday: 3, MarkRead: true}) {
		t.Errorf("DailyUsers = %+v, want only the other user (the reader turned e-mail off)", users)
	}
}

// testDailyDigests: a digest is built once per user and day; the archive
// lists the newest first; the send log makes a digest due until it is
// sent, and a failed send waits for its next try.
func testDailyDigests(t *testing.T, s digest.Store) {
	ctx := context.Background()
	me, other := uid(t, s), otherUID(t, s)
	items := []digest.DailyItem{{StoryID: 7, Headline: "Harbour reopens — «enfin»", Summary: "Ships sail.", Sources: 3, Reason: "3 outlets",
		Links: []digest.DailyLink{{Outlet: "Gazette", Title: "Harbour", URL: "https://g.example/h"}}}}
	d1 := &digest.DailyDigest{UserID: me, Day: "2026-03-01", Built: base, Items: items, To: "reader@example.org", MessageID: "<a@b>"}
	if err := s.SaveDailyDigest(ctx, d1); err != nil {
		t.Fatal(err)
	}
	dup := *d1
	dup.Items = nil
	wantCode(t, "a second digest of the day", s.SaveDailyDigest(ctx, &dup), digest.ECONFLICT)
	wantCode(t, "a digest of no day", s.SaveDailyDigest(ctx, &digest.DailyDigest{UserID: me, Day: "2026-3-1"}), digest.EINVALID)
	wantCode(t, "a digest of no user", s.SaveDailyDigest(ctx, &digest.DailyDigest{UserID: 987654, Day: "2026-03-01"}), digest.ENOTFOUND)
	if err := s.SaveDailyDigest(ctx, &digest.DailyDigest{UserID: me, Day: "2026-03-02", Built: base.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDailyDigest(ctx, &digest.DailyDigest{UserID: other, Day: "2026-03-01", Built: base, To: "o@example.org",
		NextTry: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	got, err := s.DailyDigest(ctx, me, "2026-03-01")
	if err != nil {
		t.Fatal(err)
	}
	if got.Day != d1.Day || !got.Built.Equal(base) || got.To != d1.To || got.MessageID != "<a@b>" || !got.Sent.IsZero() ||
		len(got.Items) != 1 || got.Items[0].Headline != items[0].Headline || len(got.Items[0].Links) != 1 || got.Items[0].Links[0] != items[0].Links[0] {
		t.Errorf("digest = %+v", got)
	}
	_, err = s.DailyDigest(ctx, me, "2026-02-28")
	wantCode(t, "a day never built", err, digest.ENOTFOUND)
	list, err := s.DailyDigests(ctx, me, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Day != "2026-03-02" || list[1].Day != "2026-03-01" || len(list[0].Items) != 0 {
		t.Errorf("archive = %+v, want 03-02 then 03-01", list)
	}

	due := func(now time.Time) []string {
		t.Helper()
		ds, err := s.DueDailyMail(ctx, now, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, d := range ds {
			out = append(out, d.Day+"/"+itoa(d.UserID))
		}
		return out
	}
	if got, want := due(base), []string{"2026-03-01/" + itoa(me)}; !slices.Equal(got, want) {
		t.Errorf("due at build = %v, want %v (no address: never due; the other's next try is later)", got, want)
	}
	if got := due(base.Add(time.Hour)); len(got) != 2 {
		t.Errorf("due an hour later = %v, want both", got)
	}
	d1.Attempts, d1.NextTry, d1.LastError = 1, base.Add(2*time.Hour), "dial tcp: connection refused"
	if err := s.SaveDailyMail(ctx, d1); err != nil {
		t.Fatal(err)
	}
	if got := due(base.Add(time.Hour)); !slices.Equal(got, []string{"2026-03-01/" + itoa(other)}) {
		t.Errorf("due after a failed send = %v, want only the other's", got)
	}
	d1.Sent, d1.LastError = base.Add(2*time.Hour), ""
	if err := s.SaveDailyMail(ctx, d1); err != nil {
		t.Fatal(err)
	}
	if got := due(base.Add(48 * time.Hour)); slices.Contains(got, "2026-03-01/"+itoa(me)) {
		t.Errorf("a sent digest is still due: %v", got)
	}
	got, _ = s.DailyDigest(ctx, me, "2026-03-01")
	if got == nil || !got.Sent.Equal(d1.Sent) || got.Attempts != 1 {
		t.Errorf("mail state = %+v", got)
	}
	wantCode(t, "mail state of no digest", s.SaveDailyMail(ctx, &digest.DailyDigest{UserID: me, Day: "2020-01-01"}), digest.ENOTFOUND)

	if err := s.DeleteUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	if got := due(base.Add(48 * time.Hour)); len(got) != 0 {
		t.Errorf("a deleted user's digest is still due: %v", got)
	}
}

// testDailyStories: a digest's candidates are the stories the user sees,
// last seen since a time, most important first.
func testDailyStories(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f := createFeed(t, s, "https://a.example/feed")
	r := save(t, s, fetched(f.ID, entry("d1", 1), entry("d2", 2), entry("d3", 3)))[0].Created
	mk := func(head string, last time.Time, imp float64, ids ...int64) int64 {
		st := &digest.Story{Headline: head, FirstSeen: last, LastSeen: last, Importance: imp, Outlets: 1, ArticleIDs: ids}
		if err := s.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	old := mk("old", base.Add(-48*time.Hour), 9, r[0])
	small := mk("small", base, 1, r[1])
	big := mk("big", base.Add(time.Hour), 5, r[2])
	list, err := s.DailyStories(ctx, uid(t, s), base.Add(-24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, st := range list {
		got = append(got, st.ID)
	}
	if !slices.Equal(got, []int64{big, small}) {
		t.Errorf("stories since yesterday = %v, want big %d then small %d (old %d is older)", got, big, small, old)
	}
	if len(list) > 0 && !slices.Equal(list[0].ArticleIDs, r[2:3]) {
		t.Errorf("story articles = %v", list[0].ArticleIDs)
	}
	if list, _ := s.DailyStories(ctx, otherUID(t, s), base.Add(-24*time.Hour), 0); len(list) != 0 {
		t.Errorf("a user who follows nothing gets stories %+v", list)
	}
}

// testSavedSearches: saved searches are the user's own, named uniquely.
func testSavedSearches(t *testing.T, s digest.Store) {
	ctx := context.Background()
	me, other := uid(t, s), otherUID(t, s)
	b := &digest.SavedSearch{UserID: me, Name: "  Quakes ", Query: `intitle:earthquake -sport`}
	a := &digest.SavedSearch{UserID: me, Name: "Alder", Query: `"Port Alder"`}
	for _, ss := range []*digest.SavedSearch{b, a} {
		if err := s.CreateSavedSearch(ctx, ss); err != nil {
			t.Fatal(err)
		}
		if ss.ID == 0 || ss.Created.IsZero() {
			t.Errorf("saved search not filled: %+v", ss)
		}
	}
	wantCode(t, "a second search of one name", s.CreateSavedSearch(ctx, &digest.SavedSearch{UserID: me, Name: "Quakes", Query: "x"}), digest.ECONFLICT)
	wantCode(t, "a search with no query", s.CreateSavedSearch(ctx, &digest.SavedSearch{UserID: me, Name: "empty", Query: "  "}), digest.EINVALID)
	wantCode(t, "a 1 MB query", s.CreateSavedSearch(ctx, &digest.SavedSearch{UserID: me, Name: "big", Query: strings.Repeat("x", 1<<20)}), digest.EINVALID)
	if err := s.CreateSavedSearch(ctx, &digest.SavedSearch{UserID: other, Name: "Quakes", Query: "quake\x00\xff"}); err != nil {
		t.Errorf("another user's search of the same name: %v", err)
	}
	list, err := s.SavedSearches(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "Alder" || list[1].Name != "Quakes" || list[1].Query != b.Query {
		t.Errorf("saved searches = %+v, want Alder, Quakes", list)
	}
	_, err = s.SavedSearch(ctx, other, a.ID)
	wantCode(t, "another user's saved search", err, digest.ENOTFOUND)
	wantCode(t, "deleting another user's search", s.DeleteSavedSearch(ctx, other, a.ID), digest.ENOTFOUND)
	if err := s.DeleteSavedSearch(ctx, me, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SavedSearch(ctx, me, a.ID); !digest.IsNotFound(err) {
		t.Errorf("deleted search: %v", err)
	}
}

// testServerKey: a key is made once and kept.
func testServerKey(t *testing.T, s digest.Store) {
	ctx := context.Background()
	k1, err := s.ServerKey(ctx, "unsubscribe")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := s.ServerKey(ctx, "unsubscribe")
	if err != nil {
		t.Fatal(err)
	}
	k3, err := s.ServerKey(ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != 32 || !bytes.Equal(k1, k2) || bytes.Equal(k1, k3) {
		t.Errorf("keys %x %x %x: want 32 bytes, the same for one name, another for another", k1, k2, k3)
	}
	_, err = s.ServerKey(ctx, "")
	wantCode(t, "a key of no name", err, digest.EINVALID)
}
