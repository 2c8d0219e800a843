// Package storetest is the conformance suite every digest.Store must pass.
// store/sqlite runs it on a temporary file; store/postgres will run it on a
// database named by an environment variable.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call; Run closes it.
func Run(t *testing.T, open func(t *testing.T) digest.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s digest.Store)
	}{
		{"Feeds", testFeeds},
		{"FeedsPage", testFeedsPage},
		{"FeedsPageWhileChanging", testFeedsPageChanging},
		{"FeedsPageLongTitles", testFeedsPageLongTitles},
		{"UpdateFeed", testUpdateFeed},
		{"DueFeedsAndScheduleNow", testDueFeeds},
		{"FeedLeases", testFeedLeases},
		{"ConcurrentClaims", testConcurrentClaims},
		{"SaveFetchStates", testSaveFetchStates},
		{"SaveFetchesCreates", testSaveCreates},
		{"SameURLTwoFeeds", testSameURLTwoFeeds},
		{"RepublishedNewGUID", testRepublished},
		{"ChangedEntry", testChangedEntry},
		{"UnchangedEntry", testUnchangedEntry},
		{"FetchState", testFetchState},
		{"MissingFeedInBatch", testMissingFeedInBatch},
		{"Paging", testPaging},
		{"Filters", testFilters},
		{"FeedPageOrder", testFeedPageOrder},
		{"RepeatsInOneBatch", testRepeatsInOneBatch},
		{"NewInOneBatch", testNewInOneBatch},
		{"Search", testSearch},
		{"SearchOperators", testSearchOperators},
		{"RelevanceFilters", testRelevanceFilters},
		{"ReadState", testReadState},
		{"UnreadCounts", testUnreadCounts},
		{"DeleteFeed", testDeleteFeed},
		{"Merge", testMerge},
		{"Invariants", testInvariants},
		{"PostQueue", testPostQueue},
		{"Snapshots", testSnapshots},
		{"QueueStoryless", testQueueStoryless},
		{"UpdateArticle", testUpdateArticle},
		{"Icons", testIcons},
		{"Stories", testStories},
		{"EntityLookup", testEntityLookup},
		{"EntityLookupHostile", testEntityLookupHostile},
		{"HostileStrings", testHostile},
		{"ContextCanceled", testCanceled},
		{"ConcurrentSaves", testConcurrentSaves},
		{"Users", testUsers},
		{"Sessions", testSessions},
		{"Credentials", testCredentials},
		{"Categories", testCategories},
		{"TwoUsersOneFeed", testTwoUsersOneFeed},
		{"ReaderFilters", testReaderFilters},
		{"SourcesOfOthers", testSourcesOfOthers},
		{"SourcesFollowFeedChanges", testSourcesFollowFeedChanges},
		{"FetchModePerFollower", testFetchModePerFollower},
		{"Choices", testChoices},
		{"Signals", testSignals},
		{"Impressions", testImpressions},
		{"ForYouStories", testForYouStories},
		{"FeedRates", testFeedRates},
		{"Dismissals", testDismissals},
		{"Rules", testRules},
		{"RuleJobs", testRuleJobs},
		{"DailySettings", testDailySettings},
		{"DailyDigests", testDailyDigests},
		{"DailyStories", testDailyStories},
		{"SavedSearches", testSavedSearches},
		{"ServerKey", testServerKey},
		{"ClaimPosts", testClaimPosts},
		{"FeedStatesInOneBatch", testFeedStatesInOneBatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tc.fn(t, s)
			if !t.Failed() {
				checkUnread(t, s)
			}
		})
	}
}

// base is the time around which test articles are published.
var base = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func createFeed(t *testing.T, s digest.Store, url string) *digest.Feed {
	t.Helper()
	f := &digest.Feed{URL: url, Title: "Feed " + url, SiteURL: url + "/site"}
	if err := s.CreateFeed(context.Background(), uid(t, s), f); err != nil {
		t.Fatalf("CreateFeed(%s): %v", url, err)
	}
	return f
}

// entry returns a distinct entry; n orders publication (higher is newer).
func entry(name string, n int) digest.Entry {
	return digest.Entry{
		GUID:      "guid-" + name,
		URL:       "https://news.example/" + name,
		Link:      "https://news.example/" + name + "?utm_source=feed",
		Title:     "Title " + name,
		Author:    "Author " + name,
		Published: base.Add(time.Duration(n) * time.Minute),
		Summary:   "Summary of " + name,
		Content:   "<p>Content of " + name + "</p>",
		Text:      "Content of " + name,
		Lang:      "en",
		Hash:      "hash-" + name,
	}
}

func save(t *testing.T, s digest.Store, rs ...digest.FetchResult) []digest.SaveResult {
	t.Helper()
	out, err := s.SaveFetches(context.Background(), rs)
	if err != nil {
		t.Fatalf("SaveFetches: %v", err)
	}
	if len(out) != len(rs) {
		t.Fatalf("SaveFetches returned %d results for %d", len(out), len(rs))
	}
	return out
}

func fetched(feed int64, es ...digest.Entry) digest.FetchResult {
	return digest.FetchResult{FeedID: feed, Entries: es, State: digest.FetchState{LastCheck: base, NextCheck: base.Add(time.Hour)}}
}

func article(t *testing.T, s digest.Store, id int64) *digest.Article {
	t.Helper()
	a, err := s.Article(context.Background(), uid(t, s), id)
	if err != nil {
		t.Fatalf("Article(%d): %v", id, err)
	}
	return a
}

func list(t *testing.T, s digest.Store, q digest.ArticleQuery) []digest.Article {
	t.Helper()
	var all []digest.Article
	for range 1000 {
		p, err := s.Articles(context.Background(), q)
		if err != nil {
			t.Fatalf("Articles(%+v): %v", q, err)
		}
		all = append(all, p.Articles...)
		if p.Next == "" {
			return all
		}
		q.Cursor = p.Next
	}
	t.Fatal("Articles: paging does not end")
	return nil
}

func ids(as []digest.Article) []int64 {
	out := make([]int64, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := digest.ErrorCode(err); got != code {
		t.Errorf("%s: error %v has code %q, want %q", what, err, got, code)
	}
}

// checkUnread checks the invariant that every feed's unread count is the
// number of unread articles listed for it.
func checkUnread(t *testing.T, s digest.Store) {
	t.Helper()
	ctx := context.Background()
	fs, err := s.Feeds(ctx, uid(t, s))
	if err != nil {
		t.Fatalf("Feeds: %v", err)
	}
	for _, f := range fs {
		n := len(list(t, s, digest.ArticleQuery{UserID: uid(t, s), FeedID: f.ID, Unread: true, Limit: 500}))
		if f.Unread != n {
			t.Errorf("feed %d: Feeds says %d unread, %d unread articles listed", f.ID, f.Unread, n)
		}
		one, err := s.Feed(ctx, uid(t, s), f.ID)
		if err != nil {
			t.Fatalf("Feed: %v", err)
		}
		if one.Unread != n {
			t.Errorf("feed %d: Feed says %d unread, %d unread articles listed", f.ID, one.Unread, n)
		}
	}
}

// writeCounter is implemented by stores that count the rows SaveFetches
// writes for entries.
type writeCounter interface{ WriteCount() int64 }

func testFeeds(t *testing.T, s digest.Store) {
	ctx := context.Background()
	b := &digest.Feed{URL: "https://b.example/feed", Title: "beta", Category: "News"}
	a := &digest.Feed{URL: "https://a.example/feed", Title: "Alpha", Category: "News", Fetch: digest.FetchAlways}
	c := &digest.Feed{URL: "https://c.example/feed", Title: "Zulu", Category: ""}
	for _, f := range []*digest.Feed{b, a, c} {
		if err := s.CreateFeed(ctx, uid(t, s), f); err != nil {
			t.Fatalf("CreateFeed: %v", err)
		}
		if f.ID == 0 || f.Created.IsZero() {
			t.Errorf("CreateFeed did not set ID and Created: %+v", f)
		}
	}
	if b.Fetch != digest.FetchShort {
		t.Errorf("default fetch mode = %q, want %q", b.Fetch, digest.FetchShort)
	}
	wantCode(t, "duplicate URL", s.CreateFeed(ctx, uid(t, s), &digest.Feed{URL: a.URL}), digest.ECONFLICT)
	wantCode(t, "empty URL", s.CreateFeed(ctx, uid(t, s), &digest.Feed{URL: "  "}), digest.EINVALID)
	wantCode(t, "bad fetch mode", s.CreateFeed(ctx, uid(t, s), &digest.Feed{URL: "https://d.example/", Fetch: "sometimes"}), digest.EINVALID)

	got, err := s.Feed(ctx, uid(t, s), a.ID)
	if err != nil {
		t.Fatalf("Feed: %v", err)
	}
	if got.URL != a.URL || got.Title != "Alpha" || got.Category != "News" || got.Fetch != digest.FetchAlways || got.Unread != 0 {
		t.Errorf("Feed = %+v", got)
	}
	_, err = s.Feed(ctx, uid(t, s), 9999)
	wantCode(t, "missing feed", err, digest.ENOTFOUND)

	fs, err := s.Feeds(ctx, uid(t, s))
	if err != nil {
		t.Fatalf("Feeds: %v", err)
	}
	var order []string
	for _, f := range fs {
		order = append(order, f.Title)
	}
	// Category first ("" before "News"), then title regardless of case.
	if want := []string{"Zulu", "Alpha", "beta"}; !slices.Equal(order, want) {
		t.Errorf("Feeds order = %q, want %q", order, want)
	}
}

// feedTitles returns the titles of feeds.
func feedTitles(fs []digest.Feed) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Title
	}
	return out
}

// allPages pages through FeedsPage forwards, checking each page's size and
// its cursors, and returns the pages' titles in order.
func allPages(t *testing.T, s digest.Store, search, order string, limit int) [][]string {
	t.Helper()
	ctx := context.Background()
	var pages [][]string
	var prevs []string
	cursor := ""
	for range 100 {
		fs, next, prev, err := s.FeedsPage(ctx, uid(t, s), search, order, limit, cursor)
		if err != nil {
			t.Fatalf("FeedsPage(%q, %q, %d, %q): %v", search, order, limit, cursor, err)
		}
		if len(fs) > limit {
			t.Fatalf("page of %d feeds for limit %d", len(fs), limit)
		}
		if (cursor == "") != (prev == "") {
			t.Errorf("page %d: prev = %q after cursor %q: want a prev exactly after the first page", len(pages), prev, cursor)
		}
		if next != "" && len(fs) != limit {
			t.Errorf("page %d has %d feeds of %d but a next page", len(pages), len(fs), limit)
		}
		pages = append(pages, feedTitles(fs))
		prevs = append(prevs, prev)
		if next == "" {
			break
		}
		cursor = next
	}
	// Walking back with prev gives the same pages.
	for i := len(pages) - 1; i > 0; i-- {
		fs, _, _, err := s.FeedsPage(ctx, uid(t, s), search, order, limit, prevs[i])
		if err != nil {
			t.Fatalf("FeedsPage prev of page %d: %v", i, err)
		}
		if got := feedTitles(fs); !slices.Equal(got, pages[i-1]) {
			t.Errorf("prev of page %d = %q, want %q", i, got, pages[i-1])
		}
	}
	return pages
}

func testFeedsPage(t *testing.T, s digest.Store) {
	ctx := context.Background()
	fs, next, prev, err := s.FeedsPage(ctx, uid(t, s), "", "", 10, "")
	if err != nil || len(fs) != 0 || next != "" || prev != "" {
		t.Fatalf("FeedsPage of no feeds = %v, %q, %q, %v; want nothing", fs, next, prev, err)
	}
	// 23 feeds in three categories, titles in mixed case, some with the
	// same title, one renamed by the user, some failing.
	var all []*digest.Feed
	for i := range 23 {
		f := &digest.Feed{
			URL:      fmt.Sprintf("https://site%02d.example/feed", i),
			SiteURL:  fmt.Sprintf("https://www.outlet%02d.example/", i),
			Title:    []string{"alpha", "Beta", "gamma", "Delta", "beta"}[i%5] + fmt.Sprintf(" %d", i%7),
			Category: []string{"", "News", "Tech"}[i%3],
		}
		if err := s.CreateFeed(ctx, uid(t, s), f); err != nil {
			t.Fatal(err)
		}
		all = append(all, f)
	}
	all[4].Title = "Renamed 50% off_sale"
	if err := s.UpdateFeed(ctx, uid(t, s), all[4]); err != nil {
		t.Fatal(err)
	}
	failing := map[int64]int{all[3].ID: 2, all[10].ID: 5, all[17].ID: 2}
	var rs []digest.FetchResult
	for id, n := range failing {
		rs = append(rs, digest.FetchResult{FeedID: id, State: digest.FetchState{LastCheck: base, LastError: "server answered 500", ErrorCount: n}})
	}
	rs = append(rs, fetched(all[0].ID, entry("one", 1), entry("two", 2)))
	save(t, s, rs...)

	every, err := s.Feeds(ctx, uid(t, s))
	if err != nil {
		t.Fatal(err)
	}
	want := feedTitles(every)
	t.Run("pages in category order are the order of Feeds", func(t *testing.T) {
		for _, limit := range []int{1, 4, 23, 50} {
			var got []string
			for _, p := range allPages(t, s, "", "category", limit) {
				got = append(got, p...)
			}
			if !slices.Equal(got, want) {
				t.Errorf("limit %d: pages %q, want %q", limit, got, want)
			}
		}
		fs, _, _, err := s.FeedsPage(ctx, uid(t, s), "", "", 5, "")
		if err != nil || !slices.Equal(feedTitles(fs), want[:5]) {
			t.Errorf(`order "" = %q, %v; want the category order %q`, feedTitles(fs), err, want[:5])
		}
		if fs[0].Unread != every[slices.IndexFunc(every, func(f digest.Feed) bool { return f.ID == fs[0].ID })].Unread {
			t.Error("FeedsPage and Feeds disagree on unread counts")
		}
	})
	t.Run("title order ignores case and category", func(t *testing.T) {
		var got []digest.Feed
		cursor := ""
		for {
			fs, next, _, err := s.FeedsPage(ctx, uid(t, s), "", "title", 6, cursor)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fs...)
			if next == "" {
				break
			}
			cursor = next
		}
		if len(got) != len(all) {
			t.Fatalf("%d feeds, want %d", len(got), len(all))
		}
		for i := 1; i < len(got); i++ {
			a, b := strings.ToLower(got[i-1].Title), strings.ToLower(got[i].Title)
			if a > b || (a == b && got[i-1].ID > got[i].ID) {
				t.Errorf("title order broken at %d: %q (%d) before %q (%d)", i, got[i-1].Title, got[i-1].ID, got[i].Title, got[i].ID)
			}
		}
		allPages(t, s, "", "title", 5)
	})
	t.Run("errors order lists failing feeds first, most failures first", func(t *testing.T) {
		pages := allPages(t, s, "", "errors", 4)
		var got []string
		for _, p := range pages {
			got = append(got, p...)
		}
		fs, _, _, err := s.FeedsPage(ctx, uid(t, s), "", "errors", 500, "")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(feedTitles(fs), got) {
			t.Errorf("paged errors order %q differs from one page %q", got, feedTitles(fs))
		}
		if fs[0].ID != all[10].ID || fs[0].ErrorCount != 5 {
			t.Errorf("first feed %q with %d errors, want %q with 5", fs[0].Title, fs[0].ErrorCount, all[10].Title)
		}
		if fs[1].ErrorCount != 2 || fs[2].ErrorCount != 2 || fs[3].ErrorCount != 0 || fs[1].LastError == "" {
			t.Errorf("feeds 2-4 have %d, %d, %d errors; want 2, 2, 0", fs[1].ErrorCount, fs[2].ErrorCount, fs[3].ErrorCount)
		}
		// The rest follow in the category order.
		var rest, got2 []int64
		for _, f := range every {
			if failing[f.ID] == 0 {
				rest = append(rest, f.ID)
			}
		}
		for _, f := range fs[3:] {
			got2 = append(got2, f.ID)
		}
		if !slices.Equal(got2, rest) {
			t.Errorf("working feeds in errors order = %v, want the category order %v", got2, rest)
		}
	})
	t.Run("search matches title, URL and site URL ignoring case", func(t *testing.T) {
		tests := []struct {
			search string
			want   int
		}{
			{"BETA", 8},     // Beta and beta, in any case (one beta was renamed)
			{"site07", 1},   // the feed URL
			{"OUTLET1", 10}, // site URLs outlet10-19
			{"50%", 1},      // % is literal
			{"f_s", 1},      // _ is literal: "off_sale"
			{"_", 1},
			{"%", 1},
			{`\`, 0},
			{"nothing like it", 0},
			{"  ", 0},
			{"a\x00l\xffpha", 0},
		}
		for _, tc := range tests {
			fs, next, _, err := s.FeedsPage(ctx, uid(t, s), tc.search, "", 100, "")
			if err != nil {
				t.Fatalf("search %q: %v", tc.search, err)
			}
			if len(fs) != tc.want || next != "" {
				t.Errorf("search %q: %d feeds %q, want %d", tc.search, len(fs), feedTitles(fs), tc.want)
			}
			n, _, _, err := s.FeedTotals(ctx, uid(t, s), tc.search)
			if err != nil || n != tc.want {
				t.Errorf("FeedTotals(%q) = %d, %v; want %d", tc.search, n, err, tc.want)
			}
		}
		pages := allPages(t, s, "beta", "category", 3)
		if len(pages) != 3 || len(pages[2]) != 2 {
			t.Errorf("8 matches by 3 = pages %q", pages)
		}
	})
	t.Run("totals count feeds, unread articles and failing feeds", func(t *testing.T) {
		n, unread, failingN, err := s.FeedTotals(ctx, uid(t, s), "")
		if err != nil {
			t.Fatal(err)
		}
		if n != 23 || unread != 2 || failingN != 3 {
			t.Errorf("FeedTotals = %d feeds, %d unread, %d failing; want 23, 2, 3", n, unread, failingN)
		}
		if n, _, f, err := s.FeedTotals(ctx, uid(t, s), "gamma"); err != nil || n != 5 || f != 1 {
			t.Errorf(`FeedTotals("gamma") = %d feeds, %d failing, %v; want 5, 1`, n, f, err)
		}
	})
	t.Run("limits default to 50 and are capped at 500", func(t *testing.T) {
		for _, limit := range []int{0, -3, 1000} {
			fs, next, _, err := s.FeedsPage(ctx, uid(t, s), "", "", limit, "")
			if err != nil || len(fs) != 23 || next != "" {
				t.Errorf("limit %d: %d feeds, next %q, %v", limit, len(fs), next, err)
			}
		}
	})
	t.Run("bad input is EINVALID", func(t *testing.T) {
		_, next, _, err := s.FeedsPage(ctx, uid(t, s), "", "title", 5, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ name, order, cursor, search string }{
			{"unknown order", "newest", "", ""},
			{"garbage cursor", "", "not a cursor!", ""},
			{"base64 of garbage", "", "YS5i", ""},
			{"cursor with NUL", "", "\x00", ""},
			{"huge cursor", "", strings.Repeat("A", 10000), ""},
			{"cursor of another order", "category", next, ""},
			{"search of 1001 bytes", "", "", strings.Repeat("x", 1001)},
		} {
			_, _, _, err := s.FeedsPage(ctx, uid(t, s), tc.search, tc.order, 5, tc.cursor)
			wantCode(t, tc.name, err, digest.EINVALID)
		}
		_, _, _, err = s.FeedTotals(ctx, uid(t, s), strings.Repeat("x", 1001))
		wantCode(t, "FeedTotals search of 1001 bytes", err, digest.EINVALID)
	})
}

// testFeedsPageChanging checks that a cursor keeps its place when feeds
// are added, renamed and removed between pages.
func testFeedsPageChanging(t *testing.T, s digest.Store) {
	ctx := context.Background()
	var feeds []*digest.Feed
	for i := range 10 {
		f := &digest.Feed{URL: fmt.Sprintf("https://f%d.example/feed", i), Title: fmt.Sprintf("Feed %d", i)}
		if err := s.CreateFeed(ctx, uid(t, s), f); err != nil {
			t.Fatal(err)
		}
		feeds = append(feeds, f)
	}
	first, next, _, err := s.FeedsPage(ctx, uid(t, s), "", "", 4, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := feedTitles(first); !slices.Equal(got, []string{"Feed 0", "Feed 1", "Feed 2", "Feed 3"}) {
		t.Fatalf("first page %q", got)
	}
	// The cursor's own feed goes, one before it is added, one after it
	// is renamed to sort first.
	if err := s.DeleteFeed(ctx, uid(t, s), feeds[3].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFeed(ctx, uid(t, s), &digest.Feed{URL: "https://new.example/feed", Title: "Feed 00"}); err != nil {
		t.Fatal(err)
	}
	feeds[8].Title = "A feed"
	if err := s.UpdateFeed(ctx, uid(t, s), feeds[8]); err != nil {
		t.Fatal(err)
	}
	second, _, prev, err := s.FeedsPage(ctx, uid(t, s), "", "", 4, next)
	if err != nil {
		t.Fatal(err)
	}
	if got := feedTitles(second); !slices.Equal(got, []string{"Feed 4", "Feed 5", "Feed 6", "Feed 7"}) {
		t.Errorf("second page after changes = %q, want Feed 4-7", got)
	}
	back, _, prev2, err := s.FeedsPage(ctx, uid(t, s), "", "", 4, prev)
	if err != nil {
		t.Fatal(err)
	}
	if got := feedTitles(back); !slices.Equal(got, []string{"Feed 0", "Feed 00", "Feed 1", "Feed 2"}) {
		t.Errorf("page before the second = %q", got)
	}
	if prev2 == "" {
		t.Fatal("A feed sorts before: want a prev")
	}
	// Everything before the prev cursor removed: the first page instead.
	for _, f := range []*digest.Feed{feeds[0], feeds[1], feeds[2], feeds[8]} {
		if err := s.DeleteFeed(ctx, uid(t, s), f.ID); err != nil {
			t.Fatal(err)
		}
	}
	fs, _, prev3, err := s.FeedsPage(ctx, uid(t, s), "", "", 4, prev2)
	if err != nil {
		t.Fatal(err)
	}
	if got := feedTitles(fs); !slices.Equal(got, []string{"Feed 00", "Feed 4", "Feed 5", "Feed 6"}) || prev3 != "" {
		t.Errorf("prev with nothing before = %q, prev %q; want the first page", got, prev3)
	}
}

// testFeedsPageLongTitles pages through feeds whose titles and categories
// are longer than a cursor carries: the cursors stay short, and no feed is
// skipped, even when the feed a cursor came from is removed.
func testFeedsPageLongTitles(t *testing.T, s digest.Store) {
	ctx := context.Background()
	long := strings.Repeat("Ünïcode title ", 300) // 4,800 bytes, cut inside a character
	var ids []int64
	for i := range 9 {
		f := &digest.Feed{URL: fmt.Sprintf("https://l%d.example/feed", i), Title: long + fmt.Sprint(i%3), Category: long[:1000]}
		if i%4 == 0 {
			f.Title, f.Category = fmt.Sprintf("Short %d", i), "News"
		}
		if err := s.CreateFeed(ctx, uid(t, s), f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, f.ID)
	}
	every, err := s.Feeds(ctx, uid(t, s))
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range []string{"title", "errors", "category"} { // category last: it removes a feed
		var got []int64
		var cursors []string
		cursor := ""
		for range 20 {
			fs, next, _, err := s.FeedsPage(ctx, uid(t, s), "", order, 2, cursor)
			if err != nil {
				t.Fatalf("%s: %v", order, err)
			}
			for _, f := range fs {
				got = append(got, f.ID)
			}
			if len(next) > 2000 {
				t.Errorf("%s: cursor of %d bytes for a title of %d", order, len(next), len(long))
			}
			if next == "" {
				break
			}
			cursors = append(cursors, next)
			cursor = next
		}
		if len(got) != len(every) {
			t.Errorf("%s: paged %d feeds, want %d: %v", order, len(got), len(every), got)
		}
		if order == "category" {
			var want []int64
			for _, f := range every {
				want = append(want, f.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("category pages %v, want the order of Feeds %v", got, want)
			}
			// Remove the feed of the second cursor: its page repeats some
			// feeds but skips none of those after it.
			last := got[3]
			if err := s.DeleteFeed(ctx, uid(t, s), last); err != nil {
				t.Fatal(err)
			}
			fs, _, prev, err := s.FeedsPage(ctx, uid(t, s), "", order, 20, cursors[1])
			if err != nil {
				t.Fatal(err)
			}
			var after []int64
			for _, f := range fs {
				after = append(after, f.ID)
			}
			for _, id := range got[4:] {
				if !slices.Contains(after, id) {
					t.Errorf("after removing the cursor's feed, feed %d is skipped: %v", id, after)
				}
			}
			back, _, _, err := s.FeedsPage(ctx, uid(t, s), "", order, 20, prev)
			if err != nil {
				t.Fatal(err)
			}
			if len(back)+len(fs) < len(every)-1 {
				t.Errorf("back and forth from a removed feed's cursor: %d + %d feeds of %d", len(back), len(fs), len(every)-1)
			}
		}
	}
}

func testUpdateFeed(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f := createFeed(t, s, "https://a.example/feed")
	save(t, s, digest.FetchResult{FeedID: f.ID, State: digest.FetchState{ETag: `"v1"`, NextCheck: base}})
	f.Title, f.Category, f.Fetch = "Renamed", "Tech", digest.FetchNever
	f.ETag = "must not be saved"
	if err := s.UpdateFeed(ctx, uid(t, s), f); err != nil {
		t.Fatalf("UpdateFeed: %v", err)
	}
	got, err := s.Feed(ctx, uid(t, s), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Renamed" || got.Category != "Tech" || got.CategoryID == 0 || got.Fetch != digest.FetchNever {
		t.Errorf("after UpdateFeed: %+v", got)
	}
	if got.ETag != `"v1"` {
		t.Errorf("UpdateFeed changed the fetch state: ETag %q", got.ETag)
	}
	wantCode(t, "missing feed", s.UpdateFeed(ctx, uid(t, s), &digest.Feed{ID: 9999, Title: "x"}), digest.ENOTFOUND)
	bad := *got
	bad.Fetch = "weekly"
	wantCode(t, "bad fetch mode", s.UpdateFeed(ctx, uid(t, s), &bad), digest.EINVALID)
	wantCode(t, "missing feed's icon", s.SetFeedIcon(ctx, 9999, 1), digest.ENOTFOUND)

	icon := &digest.Icon{ContentType: "image/png", Data: []byte("png")}
	iconID, err := s.SaveIcon(ctx, icon)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetFeedIcon(ctx, f.ID, iconID); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Feed(ctx, uid(t, s), f.ID); g == nil || g.IconID != iconID {
		t.Errorf("icon not saved: %+v", g)
	}
}

func testDueFeeds(t *testing.T, s digest.Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	var fs []*digest.Feed
	for i := range 4 {
		f := createFeed(t, s, fmt.Sprintf("https://%d.example/feed", i))
		fs = append(fs, f)
		// feed 0 is the most overdue, feed 3 is not due.
		save(t, s, digest.FetchResult{FeedID: f.ID, State: digest.FetchState{NextCheck: now.Add(time.Duration(i-3) * time.Hour)}})
	}
	due, err := s.DueFeeds(ctx, now.Add(-time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, f := range due {
		got = append(got, f.ID)
	}
	if want := []int64{fs[0].ID, fs[1].ID, fs[2].ID}; !slices.Equal(got, want) {
		t.Errorf("DueFeeds = %v, want %v (most overdue first)", got, want)
	}
	if due, _ := s.DueFeeds(ctx, now, 2); len(due) != 2 || due[0].ID != fs[0].ID {
		t.Errorf("DueFeeds with limit 2 = %v", due)
	}
	if err := s.ScheduleNow(ctx, fs[3].ID); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	due, _ = s.DueFeeds(ctx, later, 10)
	if !slices.ContainsFunc(due, func(f digest.Feed) bool { return f.ID == fs[3].ID }) {
		t.Errorf("ScheduleNow(%d) did not make it due: %v", fs[3].ID, due)
	}
	save(t, s, digest.FetchResult{FeedID: fs[0].ID, State: digest.FetchState{NextCheck: now.Add(48 * time.Hour)}})
	if err := s.ScheduleNow(ctx); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.DueFeeds(ctx, later, 10); len(due) != 4 {
		t.Errorf("after ScheduleNow() %d feeds are due, want 4", len(due))
	}
}

func testSaveCreates(t *testing.T, s digest.Store) {
	f := createFeed(t, s, "https://a.example/feed")
	e1, e2 := entry("one", 1), entry("two", 2)
	e2.Published = time.Time{} // unknown: ingest time
	e1.Updated = base.Add(time.Hour + 1234*time.Nanosecond)
	before := time.Now().Add(-time.Second)
	res := save(t, s, fetched(f.ID, e1, e2))
	if len(res[0].Created) != 2 || len(res[0].Updated)+len(res[0].Linked) != 0 || res[0].FeedID != f.ID {
		t.Fatalf("SaveResult = %+v, want 2 created", res[0])
	}
	a := article(t, s, res[0].Created[0])
	if a.URL != e1.URL || a.Title != e1.Title || a.Author != e1.Author || a.Summary != e1.Summary ||
		a.Content != e1.Content || a.Text != e1.Text || a.Lang != "en" || a.FeedID != f.ID || a.Read || a.Starred {
		t.Errorf("Article = %+v", a)
	}
	if !a.Published.Equal(e1.Published) || !a.Updated.Equal(e1.Updated.Truncate(time.Microsecond)) {
		t.Errorf("times: published %v updated %v, want %v %v", a.Published, a.Updated, e1.Published, e1.Updated)
	}
	if a.WordCount != 3 || a.Created.Before(before) {
		t.Errorf("WordCount %d Created %v", a.WordCount, a.Created)
	}
	if len(a.Sources) != 1 {
		t.Fatalf("Sources = %+v", a.Sources)
	}
	src := a.Sources[0]
	if src.FeedID != f.ID || src.GUID != e1.GUID || src.URL != e1.Link || src.Title != e1.Title || !src.Original ||
		src.FeedTitle != f.Title || !src.Published.Equal(e1.Published) {
		t.Errorf("Source = %+v", src)
	}
	b := article(t, s, res[0].Created[1])
	if b.Published.Before(before) {
		t.Errorf("unknown published time became %v, want the ingest time", b.Published)
	}
	got := list(t, s, digest.ArticleQuery{UserID: uid(t, s)})
	if want := []int64{b.ID, a.ID}; !slices.Equal(ids(got), want) {
		t.Errorf("Articles = %v, want %v", ids(got), want)
	}
	if got[1].Content != "" || got[1].Title != e1.Title || len(got[1].Sources) != 1 {
		t.Errorf("listed article: content %q title %q sources %d (want no content, sources filled)", got[1].Content, got[1].Title, len(got[1].Sources))
	}
	_, err := s.Article(context.Background(), uid(t, s), 99999)
	wantCode(t, "missing article", err, digest.ENOTFOUND)

	// An entry with neither GUID nor URL cannot be matched again: skipped.
	res = save(t, s, fetched(f.ID, digest.Entry{Title: "anonymous", Hash: "h"}))
	if len(res[0].Created) != 0 {
		t.Errorf("entry without GUID and URL created %v", res[0].Created)
	}
	// An entry with a GUID but no URL is stored and matched by GUID.
	noURL := digest.Entry{GUID: "tag:x,2026:1", Title: "no link", Hash: "h1"}
	res = save(t, s, fetched(f.ID, noURL, digest.Entry{GUID: "tag:x,2026:2", Title: "no link 2", Hash: "h2"}))
	if len(res[0].Created) != 2 {
		t.Fatalf("entries without URL: %+v", res[0])
	}
	res = save(t, s, fetched(f.ID, noURL))
	if len(res[0].Created)+len(res[0].Updated)+len(res[0].Linked) != 0 {
		t.Errorf("entry without URL saved twice: %+v", res[0])
	}
}

func testSameURLTwoFeeds(t *testing.T, s digest.Store) {
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	ea := entry("story", 1)
	eb := ea
	eb.GUID, eb.Title, eb.Link, eb.Hash = "b-guid", "Aggregated title", "https://agg.example/r?u=story", "other-hash"
	first := save(t, s, fetched(a.ID, ea))
	second := save(t, s, fetched(b.ID, eb))
	if len(second[0].Created) != 0 || !slices.Equal(second[0].Linked, first[0].Created) {
		t.Fatalf("second feed: %+v, want linked to %v", second[0], first[0].Created)
	}
	art := article(t, s, first[0].Created[0])
	if len(art.Sources) != 2 || art.Sources[0].FeedID != a.ID || !art.Sources[0].Original ||
		art.Sources[1].FeedID != b.ID || art.Sources[1].Original || art.Sources[1].URL != eb.Link {
		t.Errorf("sources = %+v, want original a then b", art.Sources)
	}
	if art.Title != ea.Title || art.FeedID != a.ID {
		t.Errorf("the second feed changed the article: %+v", art)
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s)}); len(got) != 1 {
		t.Errorf("listing has %d articles, want 1", len(got))
	}
	// The other feed's entry changing does not rewrite the original's text.
	eb.Title, eb.Hash = "Aggregated title 2", "other-hash-2"
	res := save(t, s, fetched(b.ID, eb))
	if len(res[0].Updated) != 0 {
		t.Errorf("a non-original source's change updated the article: %+v", res[0])
	}
	art = article(t, s, art.ID)
	if art.Title != ea.Title || art.Sources[1].Title != "Aggregated title 2" {
		t.Errorf("after change of non-original source: title %q, source title %q", art.Title, art.Sources[1].Title)
	}
	for _, f := range []int64{a.ID, b.ID} {
		if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), FeedID: f}); len(got) != 1 {
			t.Errorf("feed %d lists %d articles, want 1", f, len(got))
		}
	}
}

func testRepublished(t *testing.T, s digest.Store) {
	f := createFeed(t, s, "https://a.example/feed")
	e := entry("story", 1)
	first := save(t, s, fetched(f.ID, e))
	e.GUID = "new-guid-after-cms-migration"
	res := save(t, s, fetched(f.ID, e))
	if len(res[0].Created) != 0 {
		t.Errorf("re-published entry created %v", res[0].Created)
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s)}); len(got) != 1 || got[0].ID != first[0].Created[0] {
		t.Errorf("listing = %v, want only %v", ids(got), first[0].Created)
	}
	// Both GUIDs now match without further writes.
	res = save(t, s, fetched(f.ID, entry("story", 1), e))
	if n := len(res[0].Created) + len(res[0].Updated) + len(res[0].Linked); n != 0 {
		t.Errorf("third fetch changed %d articles: %+v", n, res[0])
	}
}

func testChangedEntry(t *testing.T, s digest.Store) {
	f := createFeed(t, s, "https://a.example/feed")
	e := entry("story", 1)
	first := save(t, s, fetched(f.ID, e))
	id := first[0].Created[0]
	if _, err := s.MarkRead(context.Background(), uid(t, s), []int64{id}, true); err != nil {
		t.Fatal(err)
	}
	e.Title, e.Text, e.Content, e.Hash = "Corrected title", "corrected text here now", "<p>corrected</p>", "hash-2"
	e.Published = base.Add(time.Hour)
	res := save(t, s, fetched(f.ID, e))
	if !slices.Equal(res[0].Updated, []int64{id}) || len(res[0].Created) != 0 {
		t.Fatalf("SaveResult = %+v, want updated %d", res[0], id)
	}
	a := article(t, s, id)
	if a.Title != e.Title || a.Text != e.Text || a.Content != e.Content || a.WordCount != 4 || !a.Published.Equal(e.Published) {
		t.Errorf("not updated in place: %+v", a)
	}
	if !a.Read {
		t.Errorf("update lost the read state")
	}
	if a.Sources[0].Title != e.Title {
		t.Errorf("source title %q, want %q", a.Sources[0].Title, e.Title)
	}
	// The listing follows the new published time.
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s)}); len(got) != 1 || !got[0].Published.Equal(e.Published) {
		t.Errorf("listing after update: %+v", got)
	}
}

func testUnchangedEntry(t *testing.T, s digest.Store) {
	f := createFeed(t, s, "https://a.example/feed")
	var es []digest.Entry
	for i := range 20 {
		es = append(es, entry(fmt.Sprint("e", i), i))
	}
	save(t, s, fetched(f.ID, es...))
	wc, counts := s.(writeCounter)
	var before int64
	if counts {
		before = wc.WriteCount()
	}
	// Same hashes, different visible fields: the hash says nothing changed,
	// so nothing may be written.
	same := slices.Clone(es)
	for i := range same {
		same[i].Title = "should not be stored"
	}
	res := save(t, s, fetched(f.ID, same...))
	if n := len(res[0].Created) + len(res[0].Updated) + len(res[0].Linked); n != 0 {
		t.Errorf("unchanged entries changed %d articles", n)
	}
	for _, a := range list(t, s, digest.ArticleQuery{UserID: uid(t, s)}) {
		if a.Title == "should not be stored" {
			t.Fatalf("an unchanged entry was written: article %d", a.ID)
		}
	}
	if counts {
		if after := wc.WriteCount(); after != before {
			t.Errorf("unchanged entries wrote %d rows", after-before)
		}
		// One changed entry writes only its own rows.
		same[3] = es[3]
		same[3].Hash = "changed"
		save(t, s, fetched(f.ID, same...))
		if n := wc.WriteCount() - before; n == 0 || n > 3 {
			t.Errorf("one changed entry wrote %d rows, want 1 to 3", n)
		}
	}
}

func testFetchState(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f := createFeed(t, s, "https://a.example/feed")
	st := digest.FetchState{
		ETag: `W/"abc"`, LastModified: "Sun, 01 Mar 2026 12:00:00 GMT",
		LastCheck: base, NextCheck: base.Add(90 * time.Minute), LastError: "",
		ErrorCount: 0, Interval: 45 * time.Minute,
	}
	res := save(t, s, digest.FetchResult{FeedID: f.ID, State: st, Entries: []digest.Entry{entry("x", 1)},
		Title: "Fresh title", SiteURL: "https://a.example/home"})
	if len(res[0].Created) != 1 {
		t.Fatal("entry not saved with state")
	}
	got, err := s.Feed(ctx, uid(t, s), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.FetchState != st {
		t.Errorf("FetchState = %+v, want %+v", got.FetchState, st)
	}
	if got.Title != "Fresh title" || got.SiteURL != "https://a.example/home" || got.Unread != 1 {
		t.Errorf("feed metadata: %+v", got)
	}
	// A failure: state changes, empty title and site URL keep the old ones.
	st2 := digest.FetchState{ETag: st.ETag, LastModified: st.LastModified, LastCheck: base.Add(time.Hour),
		NextCheck: base.Add(3 * time.Hour), LastError: "503 Service Unavailable", ErrorCount: 2, Interval: st.Interval}
	save(t, s, digest.FetchResult{FeedID: f.ID, State: st2})
	got, _ = s.Feed(ctx, uid(t, s), f.ID)
	if got.FetchState != st2 || got.Title != "Fresh title" || got.SiteURL != "https://a.example/home" {
		t.Errorf("after failure: %+v", got)
	}
	// A user's own title wins over the feed's, which keeps updating underneath.
	got.Title = "My name for it"
	if err := s.UpdateFeed(ctx, uid(t, s), got); err != nil {
		t.Fatal(err)
	}
	save(t, s, digest.FetchResult{FeedID: f.ID, State: st2, Title: "Outlet renamed"})
	if g, _ := s.Feed(ctx, uid(t, s), f.ID); g.Title != "My name for it" {
		t.Errorf("user title %q, want it kept", g.Title)
	}
}

func testMissingFeedInBatch(t *testing.T, s digest.Store) {
	f := createFeed(t, s, "https://a.example/feed")
	res := save(t, s, fetched(98765, entry("lost", 1)), fetched(f.ID, entry("kept", 2)))
	if len(res[0].Created) != 0 || len(res[1].Created) != 1 {
		t.Errorf("results = %+v: the missing feed's entries must be skipped, the other saved", res)
	}
}

func testPaging(t *testing.T, s digest.Store) {
	f := createFeed(t, s, "https://a.example/feed")
	var es []digest.Entry
	for i := range 30 {
		es = append(es, entry(fmt.Sprint("p", i), i/3)) // groups of three share a published time
	}
	save(t, s, fetched(f.ID, es...))
	all := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Limit: 1000})
	if len(all) != 30 {
		t.Fatalf("%d articles, want 30", len(all))
	}
	for i := 1; i < len(all); i++ {
		p, c := all[i-1], all[i]
		if p.Published.Before(c.Published) || (p.Published.Equal(c.Published) && p.ID < c.ID) {
			t.Fatalf("order broken at %d: %v/%d before %v/%d", i, p.Published, p.ID, c.Published, c.ID)
		}
	}
	// Page by 7 while articles arrive between pages: new ones (newer, older
	// and with tied times) must not disturb the original sequence.
	ctx := context.Background()
	q := digest.ArticleQuery{UserID: uid(t, s), Limit: 7}
	var paged []int64
	seen := map[int64]bool{}
	for page := 0; ; page++ {
		p, err := s.Articles(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Articles) > 7 {
			t.Fatalf("page of %d > limit 7", len(p.Articles))
		}
		for _, a := range p.Articles {
			if seen[a.ID] {
				t.Fatalf("article %d on two pages", a.ID)
			}
			seen[a.ID] = true
			paged = append(paged, a.ID)
		}
		save(t, s, fetched(f.ID,
			entry(fmt.Sprint("new", page), 100+page),
			entry(fmt.Sprint("old", page), -100-page),
			entry(fmt.Sprint("tie", page), 5)))
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	var orig []int64
	for _, id := range paged {
		if slices.Contains(ids(all), id) {
			orig = append(orig, id)
		}
	}
	if !slices.Equal(orig, ids(all)) {
		t.Errorf("paging while inserting: original articles seen %v, want %v", orig, ids(all))
	}
	_, err := s.Articles(ctx, digest.ArticleQuery{UserID: uid(t, s), Cursor: "not a cursor!"})
	wantCode(t, "garbage cursor", err, digest.EINVALID)
	if p, err := s.Articles(ctx, digest.ArticleQuery{UserID: uid(t, s), Limit: 100000}); err != nil || len(p.Articles) > 500 {
		t.Errorf("limit is not capped at 500: %d, %v", len(p.Articles), err)
	}
}

func testFilters(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	ra := save(t, s, fetched(a.ID, entry("a1", 1), entry("a2", 2), entry("a3", 3)))[0].Created
	rb := save(t, s, fetched(b.ID, entry("b1", 4), entry("b2", 5)))[0].Created
	if _, err := s.MarkRead(ctx, uid(t, s), []int64{ra[0], rb[1]}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkStarred(ctx, uid(t, s), []int64{ra[1], rb[1]}, true); err != nil {
		t.Fatal(err)
	}
	story := &digest.Story{Headline: "h", ArticleIDs: []int64{ra[2], rb[0]}}
	if err := s.SaveStory(ctx, story); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    digest.ArticleQuery
		want []int64
	}{
		{"all articles newest first", digest.ArticleQuery{UserID: uid(t, s)}, []int64{rb[1], rb[0], ra[2], ra[1], ra[0]}},
		{"unread only", digest.ArticleQuery{UserID: uid(t, s), Unread: true}, []int64{rb[0], ra[2], ra[1]}},
		{"starred only", digest.ArticleQuery{UserID: uid(t, s), Starred: true}, []int64{rb[1], ra[1]}},
		{"one feed", digest.ArticleQuery{UserID: uid(t, s), FeedID: a.ID}, []int64{ra[2], ra[1], ra[0]}},
		{"one feed unread", digest.ArticleQuery{UserID: uid(t, s), FeedID: a.ID, Unread: true}, []int64{ra[2], ra[1]}},
		{"one story", digest.ArticleQuery{UserID: uid(t, s), StoryID: story.ID}, []int64{rb[0], ra[2]}},
		{"one story within one feed", digest.ArticleQuery{UserID: uid(t, s), StoryID: story.ID, FeedID: a.ID}, []int64{ra[2]}},
		{"search within one feed", digest.ArticleQuery{UserID: uid(t, s), Search: "a2", FeedID: a.ID}, []int64{ra[1]}},
		{"search within another feed", digest.ArticleQuery{UserID: uid(t, s), Search: "a2", FeedID: b.ID}, nil},
		{"one feed, starred, paged by one", digest.ArticleQuery{UserID: uid(t, s), FeedID: b.ID, Starred: true, Limit: 1}, []int64{rb[1]}},
		{"unread and starred", digest.ArticleQuery{UserID: uid(t, s), Unread: true, Starred: true}, []int64{ra[1]}},
		{"unknown feed is empty", digest.ArticleQuery{UserID: uid(t, s), FeedID: 9999}, nil},
		{"other user sees nothing", digest.ArticleQuery{UserID: otherUID(t, s)}, nil},
		{"paged by two", digest.ArticleQuery{UserID: uid(t, s), Limit: 2}, []int64{rb[1], rb[0], ra[2], ra[1], ra[0]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := list(t, s, tc.q)
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("Articles(%+v) = %v, want %v", tc.q, ids(got), tc.want)
			}
		})
	}
	for _, x := range list(t, s, digest.ArticleQuery{UserID: uid(t, s)}) {
		if wantRead := x.ID == ra[0] || x.ID == rb[1]; x.Read != wantRead {
			t.Errorf("article %d Read = %v, want %v", x.ID, x.Read, wantRead)
		}
		if wantStar := x.ID == ra[1] || x.ID == rb[1]; x.Starred != wantStar {
			t.Errorf("article %d Starred = %v, want %v", x.ID, x.Starred, wantStar)
		}
	}
}

// testFeedPageOrder checks that a feed's page follows its articles'
// published times wherever they change: by UpdateArticle, by a changed
// entry, and when a merge moves a source to an article published at
// another time. Pages of one article each cross every boundary.
func testFeedPageOrder(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	ra := save(t, s, fetched(a.ID, entry("a1", 1), entry("a2", 2), entry("a3", 3)))[0].Created
	rb := save(t, s, fetched(b.ID, entry("b1", 5), entry("b2", 4)))[0].Created
	check := func(what string, feed int64, want ...int64) {
		t.Helper()
		for _, limit := range []int{1, 50} {
			got := ids(list(t, s, digest.ArticleQuery{UserID: uid(t, s), FeedID: feed, Limit: limit}))
			if !slices.Equal(got, want) {
				t.Errorf("%s: feed %d pages of %d = %v, want %v", what, feed, limit, got, want)
			}
		}
	}
	check("as saved", a.ID, ra[2], ra[1], ra[0])

	a1 := article(t, s, ra[0])
	a1.Published = base.Add(10 * time.Minute)
	if err := s.UpdateArticle(ctx, a1); err != nil {
		t.Fatal(err)
	}
	check("after UpdateArticle", a.ID, ra[0], ra[2], ra[1])

	e := entry("a2", 20)
	e.Hash = "changed"
	save(t, s, fetched(a.ID, e))
	check("after a changed entry", a.ID, ra[1], ra[0], ra[2])

	// b1 (published at 5) merges into a3 (at 3): feed b now carries a3,
	// which sorts after b2 (at 4).
	if err := s.MergeArticles(ctx, ra[2], rb[0], ra[2]); err != nil {
		t.Fatal(err)
	}
	check("after a merge", b.ID, rb[1], ra[2])
	check("merge leaves the keeper's feed alone", a.ID, ra[1], ra[0], ra[2])
	// The unfiltered river agrees with the feed pages.
	if got, want := ids(list(t, s, digest.ArticleQuery{UserID: uid(t, s), Limit: 2})), []int64{ra[1], ra[0], rb[1], ra[2]}; !slices.Equal(got, want) {
		t.Errorf("river = %v, want %v", got, want)
	}
}

// testRepeatsInOneBatch saves, in one call, entries that repeat each other
// within a feed and across feeds, among more entries than one lookup
// statement takes: each copy must see what the earlier ones wrote.
func testRepeatsInOneBatch(t *testing.T, s digest.Store) {
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	first := entry("story", 100)
	again := first // the same entry twice in one document
	changed := first
	changed.Title, changed.Hash = "Title story v2", "hash-v2"
	newGUID := first
	newGUID.GUID = "guid-story-republished"
	var many []digest.Entry
	for i := range 40 {
		many = append(many, entry(fmt.Sprint("m", i), i))
	}
	fromB := first
	fromB.GUID = "guid-b-story"
	res := save(t, s,
		fetched(a.ID, append([]digest.Entry{first, again, changed, newGUID}, many...)...),
		fetched(b.ID, fromB))
	if len(res[0].Created) != 41 {
		t.Fatalf("created %d articles, want 41: %+v", len(res[0].Created), res[0])
	}
	story := res[0].Created[0]
	if !slices.Equal(res[0].Updated, []int64{story}) {
		t.Errorf("updated %v, want [%d]", res[0].Updated, story)
	}
	if len(res[1].Created) != 0 || !slices.Equal(res[1].Linked, []int64{story}) {
		t.Errorf("feed b: %+v, want the story linked", res[1])
	}
	got := article(t, s, story)
	if got.Title != "Title story v2" || len(got.Sources) != 3 {
		t.Errorf("story %q with %d sources, want the changed title and 3 sources", got.Title, len(got.Sources))
	}
	if n := len(list(t, s, digest.ArticleQuery{UserID: uid(t, s), FeedID: a.ID, Limit: 7})); n != 41 {
		t.Errorf("feed a lists %d articles, want 41 (the story once)", n)
	}
	// Again, with one more: only that one is written.
	res = save(t, s, fetched(a.ID, append(many, entry("m40", 40))...))
	if len(res[0].Created) != 1 || len(res[0].Updated)+len(res[0].Linked) != 0 {
		t.Errorf("second save: %+v, want one created", res[0])
	}
}

func testSearch(t *testing.T, s digest.Store) {
	f := createFeed(t, s, "https://a.example/feed")
	e1 := entry("x1", 1)
	e1.Title, e1.Text = "Parliament votes on budget", "The vote was close."
	e2 := entry("x2", 2)
	e2.Title, e2.Text = "Storm hits coast", "Heavy rain and wind; the budget for repairs is unclear."
	e3 := entry("x3", 3)
	e3.Title, e3.Text, e3.Summary = "Café opens", "Nothing to see.", "Crème brûlée on the menu"
	// Summaries cut from the start of the text, as feeds and the parser
	// make them: at a word's end, and in the middle of a word.
	e4 := entry("x4", 4)
	e4.Title, e4.Text, e4.Summary = "Harbour news", "Cranes stand idle after the strike.", "Cranes stand idle…"
	e5 := entry("x5", 5)
	e5.Title, e5.Text, e5.Summary = "Senate news", "Senators debate electoral reform.", "Senators debate elect…"
	r := save(t, s, fetched(f.ID, e1, e2, e3, e4, e5))[0].Created
	tests := []struct {
		name, search string
		want         []int64
	}{
		{"word in title or text", "budget", []int64{r[1], r[0]}},
		{"every word must match", "budget storm", []int64{r[1]}},
		{"case-insensitive", "PARLIAMENT", []int64{r[0]}},
		{"word in summary", "menu", []int64{r[2]}},
		{"word of a summary cut from the text", "idle", []int64{r[3]}},
		{"word cut short in the summary", "elect", []int64{r[4]}},
		{"word after the summary's cut", "reform", []int64{r[4]}},
		{"no match", "volcano", nil},
		{"query syntax is literal", `budget" OR "storm`, nil},
		{"operators and punctuation only", `* ( ) " : - NEAR`, nil},
		{"punctuation-only words are ignored", `budget -`, []int64{r[1], r[0]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: tc.search})
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("Search %q = %v, want %v", tc.search, ids(got), tc.want)
			}
		})
	}
	// A word in thousands of articles: still every match, newest first.
	var many []digest.Entry
	for i := range 2100 {
		e := entry(fmt.Sprint("common", i), 10+i)
		e.Text = "a common word"
		many = append(many, e)
	}
	save(t, s, fetched(f.ID, many...))
	got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: "common word", Limit: 500})
	if len(got) != len(many) || got[0].Title != many[len(many)-1].Title {
		t.Errorf("common word: %d matches (first %q), want %d newest first", len(got), got[0].Title, len(many))
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: "common budget", Limit: 500}); len(got) != 0 {
		t.Errorf("common word and a rare one that never meet: %v", ids(got))
	}

	// The index follows updates.
	a := article(t, s, r[0])
	a.Text = "Now about volcanoes and a volcano."
	if err := s.UpdateArticle(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Search: "volcano"}); !slices.Equal(ids(got), []int64{r[0]}) {
		t.Errorf("after UpdateArticle, search = %v", ids(got))
	}
}

func testReadState(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f := createFeed(t, s, "https://a.example/feed")
	r := save(t, s, fetched(f.ID, entry("a", 1), entry("b", 2)))[0].Created
	if _, err := s.MarkRead(ctx, uid(t, s), r, true); err != nil {
		t.Fatal(err)
	}
	// Another user's flags are theirs: they do not touch the default user's.
	if n, err := s.MarkRead(ctx, otherUID(t, s), r, false); err != nil || n != 0 {
		t.Fatalf("another user marked %d articles read (%v), want 0", n, err)
	}
	if n, err := s.MarkStarred(ctx, otherUID(t, s), r, true); err != nil || n != 0 {
		t.Fatalf("another user starred %d articles (%v), want 0", n, err)
	}
	for _, id := range r {
		a := article(t, s, id)
		if !a.Read || a.Starred {
			t.Errorf("article %d: read %v starred %v, want read, not starred", id, a.Read, a.Starred)
		}
	}
	if _, err := s.MarkRead(ctx, uid(t, s), r[:1], false); err != nil {
		t.Fatal(err)
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Unread: true}); !slices.Equal(ids(got), r[:1]) {
		t.Errorf("unread = %v, want %v", ids(got), r[:1])
	}
	// Unknown IDs and empty lists are harmless.
	if _, err := s.MarkRead(ctx, uid(t, s), []int64{424242}, true); err != nil {
		t.Errorf("MarkRead unknown id: %v", err)
	}
	if _, err := s.MarkStarred(ctx, uid(t, s), nil, true); err != nil {
		t.Errorf("MarkStarred no ids: %v", err)
	}
	// Many IDs at once.
	many := make([]int64, 2000)
	for i := range many {
		many[i] = int64(i + 1)
	}
	if _, err := s.MarkRead(ctx, uid(t, s), many, true); err != nil {
		t.Fatalf("MarkRead 2000 ids: %v", err)
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Unread: true}); len(got) != 0 {
		t.Errorf("still unread: %v", ids(got))
	}
}

func testUnreadCounts(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	createFeed(t, s, "https://c.example/feed")
	ra := save(t, s, fetched(a.ID, entry("a1", 1), entry("a2", 2), entry("shared", 3)))[0].Created
	shared := entry("shared", 3)
	shared.GUID = "b-shared"
	save(t, s, fetched(b.ID, entry("b1", 4), shared))
	if _, err := s.MarkRead(ctx, uid(t, s), ra[:1], true); err != nil {
		t.Fatal(err)
	}
	want := map[int64]int{a.ID: 2, b.ID: 2}
	check := func() {
		t.Helper()
		fs, err := s.Feeds(ctx, uid(t, s))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Unread != want[f.ID] {
				t.Errorf("Feeds: feed %d unread %d, want %d", f.ID, f.Unread, want[f.ID])
			}
			one, err := s.Feed(ctx, uid(t, s), f.ID)
			if err != nil {
				t.Fatal(err)
			}
			if one.Unread != want[f.ID] {
				t.Errorf("Feed(%d).Unread = %d, want %d", f.ID, one.Unread, want[f.ID])
			}
		}
	}
	check()
	// The shared article is read once and counts in neither feed.
	if _, err := s.MarkRead(ctx, uid(t, s), ra[2:], true); err != nil {
		t.Fatal(err)
	}
	want = map[int64]int{a.ID: 1, b.ID: 1}
	check()
}

func testDeleteFeed(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://a.example/feed")
	b := createFeed(t, s, "https://b.example/feed")
	ra := save(t, s, fetched(a.ID, entry("only-a", 1), entry("shared", 2)))[0].Created
	shared := entry("shared", 2)
	shared.GUID = "b-guid"
	rb := save(t, s, fetched(b.ID, entry("only-b", 3), shared))[0]
	if !slices.Equal(rb.Linked, ra[1:]) {
		t.Fatalf("shared article not linked: %+v", rb)
	}
	if _, err := s.MarkStarred(ctx, uid(t, s), ra[1:], true); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFeed(ctx, uid(t, s), a.ID); err != nil {
		t.Fatalf("DeleteFeed: %v", err)
	}
	_, err := s.Feed(ctx, uid(t, s), a.ID)
	wantCode(t, "deleted feed", err, digest.ENOTFOUND)
	_, err = s.Article(ctx, uid(t, s), ra[0])
	wantCode(t, "orphaned article", err, digest.ENOTFOUND)
	kept := article(t, s, ra[1])
	if len(kept.Sources) != 1 || kept.Sources[0].FeedID != b.ID || kept.FeedID != b.ID || !kept.Starred {
		t.Errorf("shared article after delete: feed %d starred %v sources %+v", kept.FeedID, kept.Starred, kept.Sources)
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s)}); len(got) != 2 {
		t.Errorf("%d articles left, want 2", len(got))
	}
	wantCode(t, "delete twice", s.DeleteFeed(ctx, uid(t, s), a.ID), digest.ENOTFOUND)
	// Subscribing again starts afresh.
	again := createFeed(t, s, a.URL)
	res := save(t, s, fetched(again.ID, entry("only-a", 1)))
	if len(res[0].Created) != 1 {
		t.Errorf("re-subscribed feed: %+v", res[0])
	}
}

func testMerge(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := createFeed(t, s, "https://wire.example/feed")
	b := createFeed(t, s, "https://paper.example/feed")
	orig := save(t, s, fetched(a.ID, entry("wire-story", 1)))[0].Created[0]
	copyID := save(t, s, fetched(b.ID, entry("paper-copy", 2)))[0].Created[0]
	if _, err := s.MarkRead(ctx, uid(t, s), []int64{orig}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkStarred(ctx, uid(t, s), []int64{copyID}, true); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "missing dup", s.MergeArticles(ctx, copyID, 99999, copyID), digest.ENOTFOUND)
	wantCode(t, "missing keep", s.MergeArticles(ctx, 99999, copyID, copyID), digest.ENOTFOUND)
	wantCode(t, "merge into itself", s.MergeArticles(ctx, copyID, copyID, copyID), digest.EINVALID)
	wantCode(t, "original is neither", s.MergeArticles(ctx, copyID, orig, 5), digest.EINVALID)

	// Keep the paper's copy (say, it has the full text) but credit the wire.
	if err := s.MergeArticles(ctx, copyID, orig, orig); err != nil {
		t.Fatalf("MergeArticles: %v", err)
	}
	_, err := s.Article(ctx, uid(t, s), orig)
	wantCode(t, "merged dup", err, digest.ENOTFOUND)
	k := article(t, s, copyID)
	if len(k.Sources) != 2 || k.Sources[0].FeedID != a.ID || !k.Sources[0].Original || k.Sources[1].Original {
		t.Errorf("sources after merge: %+v, want wire original first", k.Sources)
	}
	if k.FeedID != a.ID {
		t.Errorf("FeedID = %d, want the original's feed %d", k.FeedID, a.ID)
	}
	if !k.Read || !k.Starred {
		t.Errorf("state did not carry over: read %v starred %v", k.Read, k.Starred)
	}
	// The wire's next fetch of the same entry finds the merged article.
	res := save(t, s, fetched(a.ID, entry("wire-story", 1)))
	if n := len(res[0].Created) + len(res[0].Updated) + len(res[0].Linked); n != 0 {
		t.Errorf("refetch after merge changed things: %+v", res[0])
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), FeedID: a.ID}); !slices.Equal(ids(got), []int64{copyID}) {
		t.Errorf("wire feed lists %v, want %v", ids(got), []int64{copyID})
	}

	// A second copy merged in credits the same original: exactly one
	// source stays marked, however many merges came before.
	c := createFeed(t, s, "https://digest.example/feed")
	third := save(t, s, fetched(c.ID, entry("digest-copy", 3)))[0].Created[0]
	if err := s.MergeArticles(ctx, copyID, third, copyID); err != nil {
		t.Fatalf("second MergeArticles: %v", err)
	}
	k = article(t, s, copyID)
	originals := 0
	for _, src := range k.Sources {
		if src.Original {
			originals++
			if src.FeedID != a.ID {
				t.Errorf("original source is feed %d, want the wire %d", src.FeedID, a.ID)
			}
		}
	}
	if len(k.Sources) != 3 || originals != 1 {
		t.Errorf("after two merges: %d sources, %d marked original, want 3 and 1: %+v", len(k.Sources), originals, k.Sources)
	}
}

func testUpdateArticle(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f := createFeed(t, s, "https://a.example/feed")
	id := save(t, s, fetched(f.ID, entry("x", 1)))[0].Created[0]
	if _, err := s.MarkStarred(ctx, uid(t, s), []int64{id}, true); err != nil {
		t.Fatal(err)
	}
	a := article(t, s, id)
	a.Content, a.Text, a.WordCount, a.Extracted = "<p>full text</p>", "full text", 2, true
	a.SiteName, a.ImageURL, a.Author = "A Example", "https://a.example/i.jpg", "Jane Roe"
	a.URL = "https://elsewhere.example/" // identity: not changed
	if err := s.UpdateArticle(ctx, a); err != nil {
		t.Fatal(err)
	}
	got := article(t, s, id)
	if got.Content != a.Content || got.Text != a.Text || !got.Extracted || got.WordCount != 2 || got.SiteName != a.SiteName ||
		got.ImageURL != a.ImageURL || got.Author != a.Author {
		t.Errorf("not saved: %+v", got)
	}
	if got.URL != entry("x", 1).URL || !got.Starred || len(got.Sources) != 1 {
		t.Errorf("identity, state or sources changed: %+v", got)
	}
	wantCode(t, "missing article", s.UpdateArticle(ctx, &digest.Article{ID: 4242}), digest.ENOTFOUND)
}

func testIcons(t *testing.T, s digest.Store) {
	ctx := context.Background()
	png := &digest.Icon{ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nfake")}
	id1, err := s.SaveIcon(ctx, png)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.SaveIcon(ctx, &digest.Icon{ContentType: "image/png", Data: slices.Clone(png.Data)})
	if err != nil || id2 != id1 {
		t.Errorf("same data saved twice: ids %d, %d (%v), want one", id1, id2, err)
	}
	id3, err := s.SaveIcon(ctx, &digest.Icon{ContentType: "image/x-icon", Data: []byte{0, 0, 1, 0}})
	if err != nil || id3 == id1 {
		t.Errorf("different data: id %d (%v)", id3, err)
	}
	if _, err := s.Icon(ctx, uid(t, s), id1); !digest.IsNotFound(err) {
		t.Errorf("an icon of no feed of the user's: %v, want not found", err)
	}
	f := createFeed(t, s, "https://icons.example/feed")
	if err := s.SetFeedIcon(ctx, f.ID, id1); err != nil {
		t.Fatal(err)
	}
	got, err := s.Icon(ctx, uid(t, s), id1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Icon(ctx, otherUID(t, s), id1); !digest.IsNotFound(err) {
		t.Errorf("another user's feed's icon: %v, want not found", err)
	}
	if byID, err := s.IconByID(ctx, id3); err != nil || byID.ID != id3 {
		t.Errorf("IconByID(%d) = %v, %v", id3, byID, err)
	}
	if got.ID != id1 || got.ContentType != "image/png" || string(got.Data) != string(png.Data) || len(got.Hash) != 64 || got.Hash != png.Hash {
		t.Errorf("Icon = %+v", got)
	}
	_, err = s.Icon(ctx, uid(t, s), 99999)
	wantCode(t, "missing icon", err, digest.ENOTFOUND)
	_, err = s.SaveIcon(ctx, &digest.Icon{ContentType: "image/png", Data: []byte("x"), Hash: "00"})
	wantCode(t, "wrong hash", err, digest.EINVALID)
	_, err = s.SaveIcon(ctx, &digest.Icon{ContentType: "image/png"})
	wantCode(t, "no data", err, digest.EINVALID)
}

func testStories(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f := createFeed(t, s, "https://a.example/feed")
	r := save(t, s, fetched(f.ID, entry("s1", 1), entry("s2", 2), entry("s3", 3), entry("s4", 4), entry("s5", 5)))[0].Created
	st := &digest.Story{
		Headline: "Budget passes", Summary: "It passed.", Short: "Passed.", Follows: 4242, FirstSeen: base, LastSeen: base.Add(time.Hour),
		Importance: 2.5, Outlets: 2, ArticleIDs: []int64{r[0], r[1], 77777},
		Entities: []digest.Entity{{Name: "Jane Roe", Kind: digest.Person, Count: 3}, {Name: "Parliament", Kind: digest.Organization, Count: 5}},
	}
	if err := s.SaveStory(ctx, st); err != nil {
		t.Fatalf("SaveStory: %v", err)
	}
	if st.ID == 0 {
		t.Fatal("SaveStory did not set ID")
	}
	got, err := s.Story(ctx, uid(t, s), st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Headline != st.Headline || got.Summary != st.Summary || got.Short != st.Short || got.Follows != 4242 || !got.FirstSeen.Equal(base) || !got.LastSeen.Equal(st.LastSeen) ||
		got.Importance != 2.5 || got.Outlets != 2 || !slices.Equal(got.ArticleIDs, r[:2]) {
		t.Errorf("Story = %+v", got)
	}
	if len(got.Entities) != 2 || got.Entities[0].Name != "Parliament" || got.Entities[0].Count != 5 || got.Entities[0].Kind != digest.Organization || got.Entities[0].ID == 0 {
		t.Errorf("entities = %+v, want most mentioned first", got.Entities)
	}
	if a := article(t, s, r[0]); a.StoryID != st.ID {
		t.Errorf("article story = %d, want %d", a.StoryID, st.ID)
	}
	// Replace: one article leaves, one joins, entities replaced.
	st.ArticleIDs = []int64{r[1], r[2]}
	st.Entities = []digest.Entity{{Name: "Jane Roe", Kind: digest.Person, Count: 1}}
	st.Importance = 1
	st.Short, st.Follows = "Replaced.", 0
	if err := s.SaveStory(ctx, st); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Story(ctx, uid(t, s), st.ID)
	if !slices.Equal(got.ArticleIDs, r[1:3]) || len(got.Entities) != 1 || got.Short != "Replaced." || got.Follows != 0 {
		t.Errorf("replaced story = %+v", got)
	}
	if a := article(t, s, r[0]); a.StoryID != 0 {
		t.Errorf("article left the story but has story %d", a.StoryID)
	}
	other := &digest.Story{Headline: "Storm", Importance: 5, LastSeen: base, Entities: []digest.Entity{{Name: "Jane Roe", Kind: digest.Person, Count: 1}},
		ArticleIDs: r[3:4]}
	if err := s.SaveStory(ctx, other); err != nil {
		t.Fatal(err)
	}
	third := &digest.Story{Headline: "Minor", Importance: 1, LastSeen: base.Add(2 * time.Hour), ArticleIDs: r[4:5]}
	hidden := &digest.Story{Headline: "Nobody's", Importance: 9, LastSeen: base}
	if err := s.SaveStory(ctx, hidden); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Story(ctx, uid(t, s), hidden.ID); !digest.IsNotFound(err) {
		t.Errorf("a story of no article of the user's: %v, want not found", err)
	}
	if got, err := s.StoredStory(ctx, hidden.ID); err != nil || got.ID != hidden.ID {
		t.Errorf("StoredStory = %v, %v", got, err)
	}
	if list, err := s.Stories(ctx, otherUID(t, s), 10, 0); err != nil || len(list) != 0 {
		t.Errorf("another user's stories = %d (%v), want none", len(list), err)
	}
	if err := s.SaveStory(ctx, third); err != nil {
		t.Fatal(err)
	}
	list, err := s.Stories(ctx, uid(t, s), 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	var order []int64
	for _, x := range list {
		order = append(order, x.ID)
	}
	if want := []int64{other.ID, third.ID, st.ID}; !slices.Equal(order, want) {
		t.Errorf("Stories order = %v, want %v (importance, then last seen)", order, want)
	}
	if page, _ := s.Stories(ctx, uid(t, s), 1, 1); len(page) != 1 || page[0].ID != third.ID {
		t.Errorf("Stories(1, 1) = %+v", page)
	}
	spellings, es, err := s.EntityStories(ctx, uid(t, s), digest.Person, "Jane Roe", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].ID != st.ID || es[1].ID != other.ID {
		t.Errorf("EntityStories = %+v, want newest first", es)
	}
	if len(spellings) != 1 || spellings[0].Name != "Jane Roe" || spellings[0].Kind != digest.Person || spellings[0].Count != 2 || spellings[0].ID == 0 {
		t.Errorf("EntityStories spellings = %+v, want Jane Roe with 2 mentions", spellings)
	}
	_, _, err = s.EntityStories(ctx, uid(t, s), digest.Organization, "Parliament", 10)
	wantCode(t, "an entity no story names any more", err, digest.ENOTFOUND)
	if err := s.DeleteStory(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	_, err = s.Story(ctx, uid(t, s), st.ID)
	wantCode(t, "deleted story", err, digest.ENOTFOUND)
	if a := article(t, s, r[1]); a.StoryID != 0 {
		t.Errorf("article of deleted story has story %d", a.StoryID)
	}
	wantCode(t, "delete twice", s.DeleteStory(ctx, st.ID), digest.ENOTFOUND)
	wantCode(t, "replace missing", s.SaveStory(ctx, &digest.Story{ID: 55555}), digest.ENOTFOUND)
	wantCode(t, "bad entity kind", s.SaveStory(ctx, &digest.Story{Entities: []digest.Entity{{Name: "x", Kind: "GPE"}}}), digest.EINVALID)
}

func testHostile(t *testing.T, s digest.Store) {
	ctx := context.Background()
	f := createFeed(t, s, "https://a.example/feed?q='; DROP TABLE feeds; --")
	big := strings.Repeat("Ü", 1<<19) // 1 MiB of UTF-8
	tests := []struct {
		name      string
		e         digest.Entry
		wantTitle string
	}{
		{"NUL bytes are removed", digest.Entry{GUID: "nul", URL: "https://x.example/nul", Title: "a\x00b", Text: "c\x00d", Hash: "1"}, "ab"},
		{"invalid UTF-8 becomes U+FFFD", digest.Entry{GUID: "utf", URL: "https://x.example/utf", Title: "caf\xe9 \xff", Hash: "2"}, "caf\uFFFD \uFFFD"},
		{"1 MiB title is stored whole", digest.Entry{GUID: "big", URL: "https://x.example/big", Title: big, Hash: "3"}, big},
		{"SQL in strings is text", digest.Entry{GUID: "'; DELETE FROM articles; --", URL: "https://x.example/'", Title: "Robert'); DROP TABLE articles;--", Hash: "4"}, "Robert'); DROP TABLE articles;--"},
		{"GUID with NUL and bad UTF-8", digest.Entry{GUID: "g\x00\xfe", Title: "t", Hash: "5"}, "t"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := save(t, s, fetched(f.ID, tc.e))
			if len(res[0].Created) != 1 {
				t.Fatalf("not created: %+v", res[0])
			}
			a := article(t, s, res[0].Created[0])
			if a.Title != tc.wantTitle {
				t.Errorf("title = %.40q (len %d), want %.40q (len %d)", a.Title, len(a.Title), tc.wantTitle, len(tc.wantTitle))
			}
			for _, v := range []string{a.Title, a.Text, a.URL, a.Sources[0].GUID} {
				if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
					t.Errorf("stored text is not clean UTF-8: %q", v)
				}
			}
			// Saving the same entry again matches it.
			res = save(t, s, fetched(f.ID, tc.e))
			if len(res[0].Created) != 0 {
				t.Errorf("hostile entry not matched on refetch: %+v", res[0])
			}
		})
	}
	if got := list(t, s, digest.ArticleQuery{UserID: uid(t, s)}); len(got) != len(tests) {
		t.Errorf("%d articles, want %d", len(got), len(tests))
	}
	for _, q := range []string{"\x00", "\xff\xfe", `"unbalanced`, "NEAR(a b", "a*", "title:x", "-x", "^x", strings.Repeat("word ", 2000)} {
		if _, err := s.Articles(ctx, digest.ArticleQuery{UserID: uid(t, s), Search: q}); err != nil {
			t.Errorf("search %.20q: %v", q, err)
		}
	}
	for _, c := range []string{"\x00", "MTIz", "YS5i", "LTEuLTE", strings.Repeat("A", 10000)} {
		if _, err := s.Articles(ctx, digest.ArticleQuery{UserID: uid(t, s), Cursor: c}); digest.ErrorCode(err) != digest.EINVALID && err != nil {
			t.Errorf("cursor %.20q: %v, want EINVALID or a page", c, err)
		}
	}
	if fs, err := s.Feeds(ctx, uid(t, s)); err != nil || len(fs) != 1 {
		t.Errorf("feeds after hostile input: %v, %v", fs, err)
	}
}

func testCanceled(t *testing.T, s digest.Store) {
	f := createFeed(t, s, "https://a.example/feed")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, State: digest.FetchState{ETag: "x"}, Entries: []digest.Entry{entry("x", 1)}}})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("SaveFetches with canceled context: %v, want context.Canceled", err)
	}
	if _, err := s.Articles(ctx, digest.ArticleQuery{UserID: uid(t, s)}); !errors.Is(err, context.Canceled) {
		t.Errorf("Articles with canceled context: %v", err)
	}
	if _, err := s.Feeds(ctx, uid(t, s)); !errors.Is(err, context.Canceled) {
		t.Errorf("Feeds with canceled context: %v", err)
	}
	if _, err := s.MarkRead(ctx, uid(t, s), []int64{1}, true); !errors.Is(err, context.Canceled) {
		t.Errorf("MarkRead with canceled context: %v", err)
	}
	// Nothing of the canceled batch was stored, and the store still works.
	got, err := s.Feed(context.Background(), uid(t, s), f.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != "" || len(list(t, s, digest.ArticleQuery{UserID: uid(t, s)})) != 0 {
		t.Errorf("canceled batch left traces: etag %q", got.ETag)
	}
	save(t, s, fetched(f.ID, entry("x", 1)))
}

func testConcurrentSaves(t *testing.T, s digest.Store) {
	const writers, feedsPer, entries = 8, 3, 10
	var feeds [writers][]int64
	for w := range writers {
		for i := range feedsPer {
			feeds[w] = append(feeds[w], createFeed(t, s, fmt.Sprintf("https://w%d-%d.example/feed", w, i)).ID)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*2)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, fid := range feeds[w] {
				var es []digest.Entry
				for j := range entries {
					es = append(es, entry(fmt.Sprintf("w%d-f%d-e%d", w, i, j), j))
				}
				// Every writer also carries one article all the others carry.
				es = append(es, entry("everyone", 0))
				if _, err := s.SaveFetches(context.Background(), []digest.FetchResult{fetched(fid, es...)}); err != nil {
					errs <- err
					return
				}
				if _, err := s.Articles(context.Background(), digest.ArticleQuery{UserID: uid(t, s), Limit: 10}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent: %v", err)
	}
	got := list(t, s, digest.ArticleQuery{UserID: uid(t, s), Limit: 500})
	if want := writers*feedsPer*entries + 1; len(got) != want {
		t.Errorf("%d articles after concurrent saves, want %d", len(got), want)
	}
	for _, a := range got {
		if a.URL == entry("everyone", 0).URL && len(a.Sources) != writers*feedsPer {
			t.Errorf("shared article has %d sources, want %d", len(a.Sources), writers*feedsPer)
		}
	}
}

// uid returns the ID of the user the suite's tests read and write as,
// creating it on first use.
func uid(t testing.TB, s digest.Store) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := s.UserByName(ctx, "reader")
	if digest.IsNotFound(err) {
		u = &digest.User{Name: "reader", Role: digest.RoleUser}
		err = s.CreateUser(ctx, u)
	}
	if err != nil {
		t.Fatalf("test user: %v", err)
	}
	return u.ID
}

// otherUID returns the ID of a second user, who follows nothing unless a
// test subscribes them.
func otherUID(t testing.TB, s digest.Store) int64 {
	t.Helper()
	ctx := context.Background()
	u, err := s.UserByName(ctx, "other")
	if digest.IsNotFound(err) {
		u = &digest.User{Name: "other", Role: digest.RoleUser}
		err = s.CreateUser(ctx, u)
	}
	if err != nil {
		t.Fatalf("other user: %v", err)
	}
	return u.ID
}
