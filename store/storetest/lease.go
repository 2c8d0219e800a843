package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

func feedIDs(fs []digest.Feed) []int64 {
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	return ids
}

// testFeedLeases: a claimed feed is not claimed again while its lease
// lasts, is claimed again once it has expired (a crashed worker), and is
// free again once its result is saved or it is released.
func testFeedLeases(t *testing.T, s digest.Store) {
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	var fs []*digest.Feed
	for i := range 4 {
		f := createFeed(t, s, fmt.Sprintf("https://%d.lease.example/feed", i))
		fs = append(fs, f)
		// feed 0 is the most overdue, feed 3 is due in a day.
		next := now.Add(time.Duration(i-3) * time.Hour)
		if i == 3 {
			next = now.Add(24 * time.Hour)
		}
		save(t, s, digest.FetchResult{FeedID: f.ID, State: digest.FetchState{NextCheck: next}})
	}
	if _, err := s.ClaimFeeds(ctx, "a", now, 0, 10); digest.ErrorCode(err) != digest.EINVALID {
		t.Errorf("ClaimFeeds with lease 0: err %v, want EINVALID", err)
	}
	a, err := s.ClaimFeeds(ctx, "a", now, time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := feedIDs(a), []int64{fs[0].ID, fs[1].ID}; !slices.Equal(got, want) {
		t.Fatalf("first claim = %v, want %v (the most overdue, limit 2)", got, want)
	}
	if a[0].URL != fs[0].URL || a[0].Title == "" {
		t.Errorf("claimed feed lacks its metadata: %+v", a[0])
	}
	b, err := s.ClaimFeeds(ctx, "b", now.Add(30*time.Second), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := feedIDs(b), []int64{fs[2].ID}; !slices.Equal(got, want) {
		t.Fatalf("second claim within the lease = %v, want %v", got, want)
	}
	if c, _ := s.ClaimFeeds(ctx, "c", now.Add(59*time.Second), time.Minute, 10); len(c) != 0 {
		t.Errorf("claim while every due feed is leased = %v, want none", feedIDs(c))
	}
	// "a" crashed: once its lease has expired, its feeds go to "c".
	c, err := s.ClaimFeeds(ctx, "c", now.Add(time.Minute), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := feedIDs(c), []int64{fs[0].ID, fs[1].ID}; !slices.Equal(got, want) {
		t.Errorf("claim after a's lease expired = %v, want %v", got, want)
	}
	// Saving a result ends the lease; the feed is due again only at its
	// new NextCheck.
	save(t, s, digest.FetchResult{FeedID: fs[0].ID, State: digest.FetchState{NextCheck: now.Add(-2 * time.Hour)}})
	if d, _ := s.ClaimFeeds(ctx, "d", now.Add(61*time.Second), time.Minute, 10); !slices.Equal(feedIDs(d), []int64{fs[0].ID}) {
		t.Errorf("claim after a save = %v, want only the saved feed %d", feedIDs(d), fs[0].ID)
	}
	// Release by another owner changes nothing; by the holder it frees.
	if err := s.ReleaseFeeds(ctx, "a", fs[1].ID); err != nil {
		t.Fatal(err)
	}
	if e, _ := s.ClaimFeeds(ctx, "e", now.Add(62*time.Second), time.Minute, 10); len(e) != 0 {
		t.Errorf("release by a former holder freed %v", feedIDs(e))
	}
	if err := s.ReleaseFeeds(ctx, "c", fs[1].ID, 999999); err != nil {
		t.Fatal(err)
	}
	if e, _ := s.ClaimFeeds(ctx, "e", now.Add(62*time.Second), time.Minute, 10); !slices.Equal(feedIDs(e), []int64{fs[1].ID}) {
		t.Errorf("claim after the holder released = %v, want %v", feedIDs(e), []int64{fs[1].ID})
	}
	// With no IDs, every feed of the owner; owner "": of anyone.
	if _, err := s.ClaimFeeds(ctx, "f", now.Add(62*time.Second), time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseFeeds(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.ClaimFeeds(ctx, "h", now.Add(62*time.Second), time.Minute, 10); len(h) != 0 {
		t.Errorf("ReleaseFeeds by an owner of nothing freed %v", feedIDs(h))
	}
	if err := s.ReleaseFeeds(ctx, "e"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.ClaimFeeds(ctx, "h", now.Add(62*time.Second), time.Minute, 10); !slices.Equal(feedIDs(h), []int64{fs[1].ID}) {
		t.Errorf("after e released all its feeds, claim = %v, want %v", feedIDs(h), []int64{fs[1].ID})
	}
	if err := s.ReleaseFeeds(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if i, _ := s.ClaimFeeds(ctx, "i", now.Add(62*time.Second), time.Minute, 10); len(i) != 3 {
		t.Errorf("after every lease was ended, claim = %v, want the 3 due feeds", feedIDs(i))
	}
}

// testConcurrentClaims: claims running at once share the due feeds out,
// none twice.
func testConcurrentClaims(t *testing.T, s digest.Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	const n = 60
	for i := range n {
		f := createFeed(t, s, fmt.Sprintf("https://%d.claims.example/feed", i))
		save(t, s, digest.FetchResult{FeedID: f.ID, State: digest.FetchState{NextCheck: now.Add(-time.Hour)}})
	}
	var (
		mu   sync.Mutex
		seen = map[int64]string{}
		wg   sync.WaitGroup
		errs = make(chan error, 4)
	)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", w)
			for {
				fs, err := s.ClaimFeeds(ctx, owner, now, time.Hour, 7)
				if err != nil {
					errs <- err
					return
				}
				if len(fs) == 0 {
					return
				}
				mu.Lock()
				for _, f := range fs {
					if prev, dup := seen[f.ID]; dup {
						errs <- fmt.Errorf("feed %d claimed by %s and %s", f.ID, prev, owner)
					}
					seen[f.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != n {
		t.Errorf("%d feeds claimed, want %d", len(seen), n)
	}
}

// testSaveFetchStates: SaveFetchStates saves what SaveFetches saves of a
// result without entries (validators, times, error, a title given),
// ends the lease, keeps a feed's title when none is given, takes a
// feed's last result, skips feeds that are gone and refuses entries.
func testSaveFetchStates(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://a.states.example/feed")
	b := createFeed(t, s, "https://b.states.example/feed")
	c := createFeed(t, s, "https://c.states.example/feed")
	// New feeds are due at their creation: a minute later all three are.
	now := time.Now().UTC().Add(time.Minute).Truncate(time.Microsecond)
	claimed, err := s.ClaimFeeds(ctx, "w", now, time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(claimed) < 3 {
		t.Fatalf("claimed %v, want the 3 new feeds", feedIDs(claimed))
	}
	next := now.Add(2 * time.Hour)
	err = s.SaveFetchStates(ctx, []digest.FetchResult{
		{FeedID: a.ID, State: digest.FetchState{ETag: `"old"`, LastCheck: now, NextCheck: now}},
		{FeedID: b.ID, State: digest.FetchState{LastModified: "Mon, 07 Dec 2026 10:00:00 GMT", LastCheck: now, NextCheck: next,
			LastError: "fetch: 500", ErrorCount: 2, Interval: time.Hour}, Title: "B's new title"},
		{FeedID: c.ID, State: digest.FetchState{LastCheck: now, NextCheck: now.Add(-time.Hour)}},
		{FeedID: 999999, State: digest.FetchState{NextCheck: next}},
		{FeedID: a.ID, State: digest.FetchState{ETag: `"v2"`, LastCheck: now, NextCheck: next, Interval: 30 * time.Minute}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ga, err := s.FeedByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ga.ETag != `"v2"` || !ga.NextCheck.Equal(next) || !ga.LastCheck.Equal(now) || ga.Interval != 30*time.Minute || ga.Title != a.Title {
		t.Errorf("feed a = etag %q next %v last %v interval %v title %q; want the last result's state and its own title %q",
			ga.ETag, ga.NextCheck, ga.LastCheck, ga.Interval, ga.Title, a.Title)
	}
	gb, err := s.FeedByID(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if gb.LastModified != "Mon, 07 Dec 2026 10:00:00 GMT" || gb.LastError != "fetch: 500" || gb.ErrorCount != 2 || gb.Title != "B's new title" || gb.SiteURL != b.SiteURL {
		t.Errorf("feed b = %+v", gb)
	}
	// c is due (its NextCheck passed) and its lease ended with the save:
	// a claim takes it at once; a and b are not due.
	got, err := s.ClaimFeeds(ctx, "x", now, time.Hour, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(feedIDs(got), c.ID) || slices.Contains(feedIDs(got), a.ID) || slices.Contains(feedIDs(got), b.ID) {
		t.Errorf("claim after the save = %v, want c (%d) and neither a nor b", feedIDs(got), c.ID)
	}
	err = s.SaveFetchStates(ctx, []digest.FetchResult{{FeedID: a.ID, Entries: []digest.Entry{{GUID: "g", URL: "https://a.states.example/1"}}}})
	if digest.ErrorCode(err) != digest.EINVALID {
		t.Errorf("SaveFetchStates of a result with entries: %v, want EINVALID", err)
	}
	if err := s.SaveFetchStates(ctx, nil); err != nil {
		t.Errorf("SaveFetchStates of nothing: %v", err)
	}
}
