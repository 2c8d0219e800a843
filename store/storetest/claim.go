package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// testClaimPosts: a claim of queued post-processing hides what it took
// from every other claim and from DuePosts until its lease ends, and
// returns the NextTry the articles had; SavePosts ends the lease; a
// claimer that died leaves its articles due once the lease is over.
func testClaimPosts(t *testing.T, s digest.Store) {
	ctx := context.Background()
	now := time.Now().Add(time.Hour).Round(0).Truncate(time.Microsecond)
	ids := func(ps []digest.PendingPost) []int64 {
		var out []int64
		for _, p := range ps {
			out = append(out, p.ArticleID)
		}
		slices.Sort(out)
		return out
	}
	f := createFeed(t, s, "https://claim.example/feed")
	created := save(t, s, fetched(f.ID, entry("c1", 1), entry("c2", 2), entry("c3", 3)))[0].Created
	if len(created) != 3 {
		t.Fatalf("created %v", created)
	}
	slices.Sort(created)
	if _, _, err := s.ClaimPosts(ctx, now, 0, digest.AllSteps, 0); digest.ErrorCode(err) != digest.EINVALID {
		t.Errorf("ClaimPosts with no lease: %v, want EINVALID", err)
	}
	before, _, err := s.DuePosts(ctx, now, digest.AllSteps, 0)
	if err != nil {
		t.Fatal(err)
	}
	first, _, err := s.ClaimPosts(ctx, now, time.Minute, digest.AllSteps, 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("first claim: %d, %v; want 2", len(first), err)
	}
	for _, p := range first {
		i := slices.IndexFunc(before, func(q digest.PendingPost) bool { return q.ArticleID == p.ArticleID })
		if i < 0 || !p.NextTry.Equal(before[i].NextTry) || p.Steps != digest.AllSteps {
			t.Errorf("claimed %+v, want it as DuePosts listed it", p)
		}
	}
	second, next, err := s.ClaimPosts(ctx, now, time.Minute, digest.AllSteps, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(second); len(got) != 1 || slices.Contains(ids(first), got[0]) {
		t.Fatalf("second claim = %v, want only the article the first (%v) left", got, ids(first))
	}
	if !next.Equal(now.Add(time.Minute)) {
		t.Errorf("next after claims = %v, want the leases' end %v", next, now.Add(time.Minute))
	}
	if due, _, _ := s.DuePosts(ctx, now, digest.AllSteps, 0); len(due) != 0 {
		t.Errorf("due while claimed = %v, want none", ids(due))
	}
	if again, _, _ := s.ClaimPosts(ctx, now.Add(30*time.Second), time.Minute, digest.AllSteps, 0); len(again) != 0 {
		t.Errorf("claim during the leases = %v, want none", ids(again))
	}
	// The first claimer records one article's progress: due at once.
	done := first[0]
	done.Steps = digest.StepStory
	if err := s.SavePosts(ctx, []digest.PendingPost{done}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.ClaimPosts(ctx, now, time.Minute, digest.AllSteps, 0); !slices.Equal(ids(got), []int64{done.ArticleID}) || got[0].Steps != digest.StepStory {
		t.Errorf("claim after SavePosts = %+v, want article %d with its story step", got, done.ArticleID)
	}
	done.Steps = 0
	if err := s.SavePosts(ctx, []digest.PendingPost{done}); err != nil {
		t.Fatal(err)
	}
	// The others' claimers died: their articles are due once the lease
	// is over.
	late, _, err := s.ClaimPosts(ctx, now.Add(time.Minute), time.Minute, digest.AllSteps, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.DeleteFunc(slices.Clone(created), func(id int64) bool { return id == done.ArticleID })
	if got := ids(late); !slices.Equal(got, want) {
		t.Errorf("claim after the lease = %v, want %v", got, want)
	}
}

// testFeedStatesInOneBatch: a batch saves every result's fetch state,
// also of feeds without entries (a 304), of a feed given twice (the
// later result wins) and skips a feed that no longer exists.
func testFeedStatesInOneBatch(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://states-a.example/feed")
	b := createFeed(t, s, "https://states-b.example/feed")
	c := createFeed(t, s, "https://states-c.example/feed")
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	state := func(etag string, next time.Duration, errs int) digest.FetchState {
		return digest.FetchState{ETag: etag, LastModified: "Tue, 01 Dec 2026 09:00:00 GMT", LastCheck: at, NextCheck: at.Add(next),
			ErrorCount: errs, Interval: next}
	}
	withEntry := fetched(c.ID, entry("s1", 1))
	withEntry.State = state(`"c1"`, 3*time.Hour, 0)
	withEntry.Title = "Feed C"
	results := []digest.FetchResult{
		{FeedID: a.ID, State: state(`"a1"`, time.Hour, 0)},
		{FeedID: 987654321, State: state(`"gone"`, time.Hour, 0)},
		{FeedID: b.ID, State: state(`"b1"`, time.Hour, 2)},
		withEntry,
		{FeedID: b.ID, State: state(`"b2"`, 2*time.Hour, 0)},
	}
	out, err := s.SaveFetches(ctx, results)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(results) || out[1].FeedID != 987654321 || len(out[1].Created) != 0 || len(out[3].Created) != 1 {
		t.Fatalf("SaveFetches = %+v", out)
	}
	for _, w := range []struct {
		id    int64
		etag  string
		next  time.Duration
		errs  int
		title string
	}{{a.ID, `"a1"`, time.Hour, 0, ""}, {b.ID, `"b2"`, 2 * time.Hour, 0, ""}, {c.ID, `"c1"`, 3 * time.Hour, 0, "Feed C"}} {
		f, err := s.FeedByID(ctx, w.id)
		if err != nil {
			t.Fatal(err)
		}
		if f.ETag != w.etag || !f.NextCheck.Equal(at.Add(w.next)) || !f.LastCheck.Equal(at) || f.ErrorCount != w.errs || f.Interval != w.next {
			t.Errorf("feed %d state = etag %s, next %v, last %v, errors %d, interval %v; want etag %s, next %v",
				w.id, f.ETag, f.NextCheck, f.LastCheck, f.ErrorCount, f.Interval, w.etag, at.Add(w.next))
		}
		if w.title != "" && f.Title != w.title {
			t.Errorf("feed %d title = %q, want %q", w.id, f.Title, w.title)
		}
	}
}
