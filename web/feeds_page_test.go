package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chromedp/chromedp"

	digest "github.com/occasional-digest/digest"
)

// seedFeeds adds n feeds in three categories; every seventh is failing.
// Titles are "Outlet 000" upwards, URLs https://outletN.example/feed.xml.
func seedFeeds(t testing.TB, fx *fixture, n int) {
	t.Helper()
	ctx := context.Background()
	var failing []digest.FetchResult
	for i := range n {
		f := &digest.Feed{
			URL:      fmt.Sprintf("https://outlet%d.example/feed.xml", i),
			SiteURL:  fmt.Sprintf("https://outlet%d.example/", i),
			Title:    fmt.Sprintf("Outlet %03d", i),
			Category: []string{"Local", "World", "Science"}[i%3],
		}
		if err := fx.store.CreateFeed(ctx, fx.uid, f); err != nil {
			t.Fatal(err)
		}
		fx.feedIDs[f.Title] = f.ID
		if i%7 == 3 {
			failing = append(failing, digest.FetchResult{FeedID: f.ID, State: digest.FetchState{
				LastCheck: baseTime, LastError: "server answered 500", ErrorCount: 1 + i%4,
			}})
		}
	}
	if _, err := fx.store.SaveFetches(ctx, failing); err != nil {
		t.Fatal(err)
	}
}

var (
	feedAnchor = regexp.MustCompile(`<li class="feed[^"]*" id="feed-(\d+)"`)
	relLink    = regexp.MustCompile(`<a class="button" href="([^"]*)" rel="(next|prev)">`)
)

// feedPage is what a test reads from one page of the feed list.
type feedPage struct {
	status     int
	body       string
	ids        []int64
	next, prev string
}

func getFeedPage(t *testing.T, fx *fixture, target string) feedPage {
	t.Helper()
	target, _, _ = strings.Cut(target, "#") // as a browser does
	w := fx.do(t, "GET", target, "")
	p := feedPage{status: w.Code, body: w.Body.String()}
	for _, m := range feedAnchor.FindAllStringSubmatch(p.body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		p.ids = append(p.ids, id)
	}
	for _, m := range relLink.FindAllStringSubmatch(p.body, -1) {
		if m[2] == "next" {
			p.next = html.UnescapeString(m[1])
		} else {
			p.prev = html.UnescapeString(m[1])
		}
	}
	return p
}

func TestFeedsPagePagination(t *testing.T) {
	fx := newFixture(t)
	seedFeeds(t, fx, 120)
	all, err := fx.store.Feeds(context.Background(), fx.uid)
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, f := range all {
		want = append(want, f.ID)
	}

	first := getFeedPage(t, fx, "/feeds")
	if first.status != 200 {
		t.Fatalf("GET /feeds = %d", first.status)
	}
	if len(first.ids) != feedsPageSize || first.next == "" || first.prev != "" || strings.Contains(first.body, "First page") {
		t.Fatalf("first page: %d feeds, next %q, prev %q; want %d, a next and no prev", len(first.ids), first.next, first.prev, feedsPageSize)
	}
	for _, s := range []string{"120 feeds", "17 failing", "50 of 120 feeds on this page", `<h3 class="section-label">Local</h3>`} {
		if !strings.Contains(first.body, s) {
			t.Errorf("first page lacks %q", s)
		}
	}
	second := getFeedPage(t, fx, first.next)
	if second.status != 200 || len(second.ids) != feedsPageSize || second.next == "" || second.prev == "" || !strings.Contains(second.body, "First page") {
		t.Fatalf("second page (%s): %d, %d feeds, next %q, prev %q", first.next, second.status, len(second.ids), second.next, second.prev)
	}
	last := getFeedPage(t, fx, second.next)
	if last.status != 200 || len(last.ids) != 20 || last.next != "" || last.prev == "" {
		t.Fatalf("last page: %d, %d feeds, next %q, prev %q; want 20 feeds and no next", last.status, len(last.ids), last.next, last.prev)
	}
	got := slices.Concat(first.ids, second.ids, last.ids)
	if !slices.Equal(got, want) {
		t.Errorf("the pages list %v,\nwant every feed once in the store's order %v", got, want)
	}
	if back := getFeedPage(t, fx, last.prev); !slices.Equal(back.ids, second.ids) {
		t.Errorf("Previous from the last page lists %v, want the second page %v", back.ids, second.ids)
	}
	if back := getFeedPage(t, fx, second.prev); !slices.Equal(back.ids, first.ids) || back.prev != "" {
		t.Errorf("Previous from the second page lists %v (prev %q), want the first page", back.ids, back.prev)
	}
}

func TestFeedsPageOrdersAndFilter(t *testing.T) {
	fx := newFixture(t)
	seedFeeds(t, fx, 60)

	errs := getFeedPage(t, fx, "/feeds?order=errors")
	if errs.status != 200 || len(errs.ids) != feedsPageSize {
		t.Fatalf("errors first: %d, %d feeds", errs.status, len(errs.ids))
	}
	// Feeds 3, 10, 17, ... fail; 3, 31 and 59 (i%4 == 3) four times in a
	// row, and these lead, by category.
	for i, id := range errs.ids[:9] {
		f, err := fx.store.Feed(context.Background(), fx.uid, id)
		if err != nil {
			t.Fatal(err)
		}
		if f.ErrorCount == 0 {
			t.Errorf("errors first: feed %d (%s) at %d does not fail", id, f.Title, i)
		}
	}
	if lead := []int64{fx.feedIDs["Outlet 003"], fx.feedIDs["Outlet 059"], fx.feedIDs["Outlet 031"]}; !slices.Equal(errs.ids[:3], lead) || strings.Contains(errs.body, `class="section-label"`) {
		t.Errorf("errors first: the most failing feeds lead %v, and no category headings", errs.ids[:3])
	}
	if !strings.Contains(errs.body, `<option value="errors" selected>`) || !strings.Contains(errs.body, `Science <span class="sep"`) {
		t.Error("errors first: the order is not selected, or feeds do not name their category")
	}

	byTitle := getFeedPage(t, fx, "/feeds?order=title")
	if len(byTitle.ids) != feedsPageSize || byTitle.ids[0] != fx.feedIDs["Outlet 000"] || byTitle.ids[1] != fx.feedIDs["Outlet 001"] {
		t.Errorf("by title starts %v, want Outlet 000, Outlet 001", byTitle.ids[:2])
	}
	if !strings.Contains(byTitle.next, "order=title") {
		t.Errorf("the next page %q loses the order", byTitle.next)
	}

	tests := []struct {
		name   string
		target string
		want   []string // titles, in order
		says   string
	}{
		{"title substring in any case", "/feeds?q=OUTLET+05", []string{"Outlet 051", "Outlet 054", "Outlet 057", "Outlet 050", "Outlet 053", "Outlet 056", "Outlet 059", "Outlet 052", "Outlet 055", "Outlet 058"}, "10 feeds match “OUTLET 05”"},
		{"feed URL", "/feeds?q=outlet7.example", []string{"Outlet 007"}, "1 feed matches"},
		{"filter and order together", "/feeds?q=outlet+01&order=title", []string{"Outlet 010", "Outlet 011", "Outlet 012", "Outlet 013", "Outlet 014", "Outlet 015", "Outlet 016", "Outlet 017", "Outlet 018", "Outlet 019"}, "10 feeds match"},
		{"nothing matches", "/feeds?q=%25zz_", nil, "No feed matches “%zz_”"},
		{"spaces only is no filter", "/feeds?q=+++", nil, "60 feeds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := getFeedPage(t, fx, tc.target)
			if p.status != 200 || !strings.Contains(p.body, tc.says) {
				t.Fatalf("GET %s = %d, want a page saying %q", tc.target, p.status, tc.says)
			}
			if tc.want == nil {
				return
			}
			var titles []string
			for _, id := range p.ids {
				f, err := fx.store.Feed(context.Background(), fx.uid, id)
				if err != nil {
					t.Fatal(err)
				}
				titles = append(titles, f.Title)
			}
			if !slices.Equal(titles, tc.want) {
				t.Errorf("GET %s lists %q, want %q", tc.target, titles, tc.want)
			}
			if p.next != "" {
				t.Errorf("a single page of matches has a next page %q", p.next)
			}
		})
	}
	// Paging a filtered list keeps the filter.
	many := getFeedPage(t, fx, "/feeds?q=outlet")
	if !strings.Contains(many.next, "q=outlet") {
		t.Errorf("the next page %q of a filtered list loses the filter", many.next)
	}
	if rest := getFeedPage(t, fx, many.next); len(rest.ids) != 10 || rest.next != "" {
		t.Errorf("second page of 60 matches: %d feeds, next %q", len(rest.ids), rest.next)
	}
}

func TestFeedsPageBadParameters(t *testing.T) {
	fx := newFixture(t)
	seedFeeds(t, fx, 60)
	byTitle := getFeedPage(t, fx, "/feeds?order=title")
	cursor := strings.TrimPrefix(byTitle.next, "/feeds?")
	tests := []struct {
		name   string
		target string
		says   string
	}{
		{"garbage cursor", "/feeds?cursor=not-a-cursor", "This link to a page of the feed list is not valid (invalid cursor)"},
		{"cursor of another order", "/feeds?" + strings.Replace(cursor, "order=title", "order=errors", 1), "it belongs to another order"},
		{"cursor with bad UTF-8", "/feeds?cursor=%ff", "invalid cursor"},
		{"cursor too long", "/feeds?cursor=" + strings.Repeat("A", maxFeedCursor+1), "invalid cursor"},
		{"unknown order", "/feeds?order=newest", `invalid order &#34;newest&#34;: want category, title or errors`},
		{"filter with bad UTF-8", "/feeds?q=%ff%fe", "invalid q: not UTF-8 text"},
		{"filter with NUL", "/feeds?q=a%00b", "invalid q: not UTF-8 text"},
		{"filter too long", "/feeds?q=" + strings.Repeat("x", 501), "longer than 500 bytes"},
		{"malformed query", "/feeds?q=%zz", "invalid query string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := getFeedPage(t, fx, tc.target)
			if p.status != http.StatusBadRequest {
				t.Errorf("GET %.60s = %d, want 400", tc.target, p.status)
			}
			if !strings.Contains(p.body, `class="problem"`) || !strings.Contains(p.body, tc.says) {
				t.Errorf("GET %.60s does not say %q", tc.target, tc.says)
			}
			// It falls back to the first page of all feeds.
			if len(p.ids) != feedsPageSize || p.prev != "" || p.next == "" {
				t.Errorf("GET %.60s lists %d feeds (prev %q), want the first page", tc.target, len(p.ids), p.prev)
			}
		})
	}
}

func TestFeedsPageFormsComeBack(t *testing.T) {
	fx := newFixture(t)
	seedFeeds(t, fx, 60)
	first := getFeedPage(t, fx, "/feeds?order=title")
	second := getFeedPage(t, fx, first.next)
	id := second.ids[3]
	sid := strconv.FormatInt(id, 10)
	if !strings.Contains(second.body, `name="return" value="`+html.EscapeString(first.next)+`"`) {
		t.Fatalf("the forms of %s do not come back to it", first.next)
	}
	tests := []struct {
		name, action, back string
		want               string
	}{
		{"fetch mode comes back to the page, at the feed", "/feeds/" + sid + "/fetch-mode", first.next, first.next + "&saved=1#feed-" + sid},
		{"refresh comes back to the page, at the feed", "/feeds/" + sid + "/refresh", first.next, first.next + "&refreshing=1#feed-" + sid},
		{"an old notice is dropped", "/feeds/" + sid + "/refresh", "/feeds?refreshing=1&saved=1", "/feeds?refreshing=1#feed-" + sid},
		{"a foreign return goes to the list", "/feeds/" + sid + "/refresh", "https://evil.example/feeds", "/feeds?refreshing=1#feed-" + sid},
		{"a return to another page goes to the list", "/feeds/" + sid + "/refresh", "/articles/1", "/feeds?refreshing=1#feed-" + sid},
		{"refresh all comes back", "/feeds/refresh", "/feeds?q=outlet", "/feeds?q=outlet&refreshing=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := fx.form(t, tc.action, url.Values{"mode": {"always"}, "return": {tc.back}})
			if w.Code != http.StatusSeeOther {
				t.Fatalf("POST %s = %d: %s", tc.action, w.Code, w.Body)
			}
			if got, want := w.Header().Get("Location"), tc.want; !sameURL(got, want) {
				t.Errorf("POST %s came back to %q, want %q", tc.action, got, want)
			}
		})
	}
	f, err := fx.store.Feed(context.Background(), fx.uid, id)
	if err != nil || f.Fetch != digest.FetchAlways {
		t.Errorf("fetch mode of feed %d = %v, %v; want always", id, f, err)
	}
	back := getFeedPage(t, fx, first.next+"&saved=1")
	if !slices.Equal(back.ids, second.ids) || !strings.Contains(back.body, "Saved.") {
		t.Error("the page the form came back to is not the page it was sent from, with a notice")
	}

	// A new feed is shown alone, whatever page it sorts onto.
	w := fx.form(t, "/feeds", url.Values{"url": {"https://zzz-new.example/"}})
	loc := w.Header().Get("Location")
	if w.Code != http.StatusSeeOther || !strings.Contains(loc, "q=https") || !strings.Contains(loc, "added=") {
		t.Fatalf("POST /feeds = %d to %q", w.Code, loc)
	}
	added := getFeedPage(t, fx, loc)
	if len(added.ids) != 1 || !strings.Contains(added.body, "Subscribed.") || !strings.Contains(added.body, "zzz-new.example") {
		t.Errorf("after adding, %s lists %d feeds", loc, len(added.ids))
	}
	// A URL longer than a filter may be is shown by its start.
	longURL := "https://long.example/" + strings.Repeat("ä", 400)
	w = fx.form(t, "/feeds", url.Values{"url": {longURL}})
	added = getFeedPage(t, fx, w.Header().Get("Location"))
	if w.Code != http.StatusSeeOther || added.status != 200 || len(added.ids) != 1 || !strings.Contains(added.body, "Subscribed.") {
		t.Errorf("after adding a %d-byte URL: %d, then %d listing %d feeds", len(longURL), w.Code, added.status, len(added.ids))
	}
}

// sameURL compares two local URLs with their query parameters in any order.
func sameURL(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	return ua.Path == ub.Path && ua.Fragment == ub.Fragment && ua.Query().Encode() == ub.Query().Encode()
}

func TestAPIFeedsPaging(t *testing.T) {
	fx := newFixture(t)
	seedFeeds(t, fx, 120)
	type page struct {
		Feeds []digest.Feed `json:"feeds"`
		Next  *string       `json:"next"`
		Prev  *string       `json:"prev"`
		Total int           `json:"total"`
	}
	get := func(target string) (int, page) {
		t.Helper()
		w := fx.do(t, "GET", target, "")
		var p page
		if w.Code == 200 {
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatalf("GET %s: %v", target, err)
			}
		}
		return w.Code, p
	}
	// Without paging parameters: the first page of the category order,
	// the order of the full list it answered before paging; 120 feeds fit.
	code, all := get("/api/v1/feeds")
	if code != 200 || len(all.Feeds) != 120 || all.Next == nil || *all.Next != "" || all.Prev == nil || *all.Prev != "" || all.Total != 120 {
		t.Fatalf("GET /api/v1/feeds = %d, %d feeds, next %v, total %d; want all 120 on one page", code, len(all.Feeds), all.Next, all.Total)
	}
	var paged []int64
	target := "/api/v1/feeds?limit=50"
	for range 10 {
		code, p := get(target)
		if code != 200 || p.Next == nil || p.Prev == nil || p.Total != 120 {
			t.Fatalf("GET %s = %d, next %v, total %d", target, code, p.Next, p.Total)
		}
		for _, f := range p.Feeds {
			paged = append(paged, f.ID)
		}
		if *p.Next == "" {
			break
		}
		target = "/api/v1/feeds?limit=50&cursor=" + url.QueryEscape(*p.Next)
	}
	var want []int64
	for _, f := range all.Feeds {
		want = append(want, f.ID)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages of 50 list %v, want %v", paged, want)
	}
	if code, p := get("/api/v1/feeds?q=outlet11&order=title"); code != 200 || p.Total != 11 || len(p.Feeds) != 11 || p.Feeds[0].Title != "Outlet 011" {
		t.Errorf("search: %d, total %d, %d feeds", code, p.Total, len(p.Feeds))
	}
	if code, p := get("/api/v1/feeds?order=errors"); code != 200 || len(p.Feeds) != 120 || p.Feeds[0].ErrorCount == 0 {
		t.Errorf("errors first without a limit: %d, %d feeds", code, len(p.Feeds))
	}
	for _, bad := range []string{"limit=0", "limit=501", "limit=x", "cursor=nope", "order=newest", "q=%ff", "q=%zz"} {
		w := fx.do(t, "GET", "/api/v1/feeds?"+bad, "")
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if w.Code != 400 || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Code != digest.EINVALID || e.Error.Message == "" {
			t.Errorf("GET /api/v1/feeds?%s = %d %s, want a 400 JSON error", bad, w.Code, w.Body)
		}
	}
}

// TestAPIFeedsPagesWithoutParameters: a client that asks for the feeds
// without parameters gets one page of at most 500, and follows next for
// the rest.
func TestAPIFeedsPagesWithoutParameters(t *testing.T) {
	fx := newFixture(t)
	seedFeeds(t, fx, apiFeedsDefaultLimit+3)
	var got []int64
	target := "/api/v1/feeds"
	for pages := 0; target != ""; pages++ {
		if pages == 3 {
			t.Fatal("more than 2 pages")
		}
		w := fx.do(t, "GET", target, "")
		var p struct {
			Feeds []digest.Feed `json:"feeds"`
			Next  string        `json:"next"`
			Total int           `json:"total"`
		}
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Total != apiFeedsDefaultLimit+3 {
			t.Fatalf("GET %s = %d: %.200s", target, w.Code, w.Body)
		}
		if pages == 0 && len(p.Feeds) != apiFeedsDefaultLimit {
			t.Fatalf("first page has %d feeds, want %d", len(p.Feeds), apiFeedsDefaultLimit)
		}
		for _, f := range p.Feeds {
			got = append(got, f.ID)
		}
		target = ""
		if p.Next != "" {
			target = "/api/v1/feeds?cursor=" + url.QueryEscape(p.Next)
		}
	}
	slices.Sort(got)
	if len(slices.Compact(got)) != apiFeedsDefaultLimit+3 {
		t.Errorf("following next listed %d distinct feeds, want %d", len(got), apiFeedsDefaultLimit+3)
	}
}

// BenchmarkFeedsPage10k renders one page of the feed list of 10,000 feeds,
// and, for comparison, the JSON list of all of them.
func BenchmarkFeedsPage10k(b *testing.B) {
	fx := newFixture(b)
	seedFeeds(b, fx, 10000)
	for _, target := range []string{"/feeds", "/feeds?order=errors", "/feeds?q=outlet99", "/api/v1/feeds?limit=100", "/api/v1/feeds"} {
		b.Run(strings.TrimPrefix(target, "/"), func(b *testing.B) {
			benchGetAs(b, fx.server, fx.cookie, target)
		})
	}
}

// TestBrowserFeedsPages uses the paged feed list in a browser: the filter
// form, the order picker and the pager, at phone and desktop widths, with
// titles built to push the page sideways.
func TestBrowserFeedsPages(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	seedFeeds(t, fx, 70)
	long := strings.Repeat("Unbreakable", 12)
	for i := range 3 {
		f := &digest.Feed{URL: "https://" + long + strconv.Itoa(i) + ".example/feed", Title: long + " " + strconv.Itoa(i), Category: long}
		if err := fx.store.CreateFeed(context.Background(), fx.uid, f); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(fx.h)
	signIn(t, ctx, fx, srv.URL)
	defer srv.Close()

	second := getFeedPage(t, fx, "/feeds").next
	for _, vp := range []struct{ w, h int64 }{{360, 740}, {1280, 800}} {
		for _, p := range []string{"/feeds", second, "/feeds?order=errors", "/feeds?q=" + long, "/feeds?q=" + long + "x", "/feeds?cursor=bad"} {
			t.Run(fmt.Sprintf("%dx%d%.40s", vp.w, vp.h, p), func(t *testing.T) {
				do(t, ctx, chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(srv.URL+p), chromedp.WaitReady(chromedp.CSS("main")))
				m := run(t, ctx, chromedp.Evaluate[overflow](measureOverflow))
				if m.ScrollWidth > m.InnerWidth {
					t.Errorf("%s is %d px wide in a %d px window", p, m.ScrollWidth, m.InnerWidth)
				}
			})
		}
	}

	// Filter with the form, pick an order, then page with the buttons.
	count := `document.querySelectorAll(".feed-list > li").length`
	do(t, ctx,
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(srv.URL+"/feeds"),
		chromedp.WaitVisible(chromedp.CSS(".feed-filter")),
		chromedp.SendKeys(chromedp.CSS(`.feed-filter input[name="q"]`), "outlet 06"),
		chromedp.SetValue(chromedp.CSS(`.feed-filter select[name="order"]`), "title"),
		chromedp.Submit(chromedp.CSS(`.feed-filter input[name="q"]`)),
		// Only a filtered list offers to show all: the new page is there.
		chromedp.WaitVisible(chromedp.CSS(".list-status a")),
	)
	status := run(t, ctx, chromedp.Text(chromedp.CSS(".list-status")))
	first := run(t, ctx, chromedp.Text(chromedp.CSS(".feed-list > li .feed-title > span:last-child")))
	if n := run(t, ctx, chromedp.Evaluate[int](count)); n != 10 || !strings.Contains(status, "10 feeds match") || first != "Outlet 060" {
		t.Errorf("filtering for 'outlet 06' by title shows %d feeds (%q), first %q; want 10 from Outlet 060", n, status, first)
	}

	do(t, ctx,
		chromedp.Navigate(srv.URL+"/feeds"),
		chromedp.WaitVisible(chromedp.CSS(`.pager a[rel="next"]`)),
		tap(`.pager a[rel="next"]`),
		chromedp.WaitVisible(chromedp.CSS(`.pager a[rel="prev"]`)),
	)
	if n := run(t, ctx, chromedp.Evaluate[int](count)); n != 73-feedsPageSize {
		t.Errorf("the second page lists %d feeds, want %d", n, 73-feedsPageSize)
	}
	hasNext := run(t, ctx, chromedp.Evaluate[bool](`document.querySelector('.pager a[rel="next"]') !== null`))
	if hasNext {
		t.Error("the last page offers a next page")
	}
	do(t, ctx,
		tap(`.pager a[rel="prev"]`),
		chromedp.WaitVisible(chromedp.CSS(`.pager a[rel="next"]`)),
	)
	if n := run(t, ctx, chromedp.Evaluate[int](count)); n != feedsPageSize {
		t.Errorf("back on the first page: %d feeds, want %d", n, feedsPageSize)
	}
}

// FuzzFeedView parses arbitrary query strings of the feed list: a clean
// EINVALID or a view whose URL parses back to the same view.
func FuzzFeedView(f *testing.F) {
	for _, s := range []string{"", "q=bbc&order=title&cursor=eyJvIjoidGl0bGUifQ", "order=errors", "order=newest", "q=%FF", "q=a%00b", "cursor=" + strings.Repeat("A", 5000), "q=++x++&order=category"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fv, err := parseFeedView(v)
		if err != nil {
			if digest.ErrorCode(err) != digest.EINVALID || !utf8.ValidString(digest.ErrorMessage(err)) {
				t.Fatalf("error %v is not a clean EINVALID", err)
			}
			return
		}
		if len(fv.Q) > 500 || !utf8.ValidString(fv.Q) || len(fv.Cursor) > maxFeedCursor {
			t.Fatalf("accepted a bad view: %+v", fv)
		}
		u, err := url.Parse(fv.query(fv.Cursor))
		if err != nil || u.Path != "/feeds" {
			t.Fatalf("view %+v has the URL %q", fv, fv.query(fv.Cursor))
		}
		again, err := parseFeedView(u.Query())
		if err != nil {
			t.Fatalf("the URL of %+v does not parse: %v", fv, err)
		}
		if again.Order == "" {
			again.Order = fv.Order
		}
		if again.Q != fv.Q || again.Cursor != fv.Cursor || (again.Order != fv.Order && fv.Order != orderCategory) {
			t.Fatalf("view %+v came back as %+v", fv, again)
		}
	})
}

// FuzzFeedsReturn sends feed forms back to arbitrary return fields: always
// to the feed list on this site.
func FuzzFeedsReturn(f *testing.F) {
	for _, s := range []string{"/feeds?q=x&cursor=abc", "https://evil.example/feeds", "//evil.example/feeds", "/feeds?%zz", "/articles/1", "/feeds#x", "/feeds?added=1&saved=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, back string) {
		r := httptest.NewRequest("POST", "/feeds/1/refresh", strings.NewReader(url.Values{"return": {back}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got := feedsReturn(r, "refreshing", 7)
		u, err := url.Parse(got)
		if err != nil || u.Scheme != "" || u.Host != "" || u.Path != "/feeds" || u.Fragment != "feed-7" || u.Query().Get("refreshing") != "1" {
			t.Fatalf("return %q went to %q", back, got)
		}
	})
}

// TestFeedEditInThePage: a feed's title and category are changed from
// its entry on /feeds (no script), a new category is made, bad values
// are refused with the reason, and another reader's feed is not found.
func TestFeedEditInThePage(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	wire := fx.feedIDs["wire"]
	id := strconv.FormatInt(wire, 10)
	page := fx.do(t, "GET", "/feeds", "").Body.String()
	if !strings.Contains(page, `action="/feeds/`+id+`/edit"`) || !strings.Contains(page, `name="title" value="The Daily Wire Service"`) {
		t.Fatal("the feed list has no edit form with the feed's title")
	}
	w := fx.form(t, "/feeds/"+id+"/edit", url.Values{"title": {"  The Wire  "}, "category": {"World news"}, "return": {"/feeds"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/feeds?saved=1#feed-"+id {
		t.Fatalf("edit = %d → %q", w.Code, w.Header().Get("Location"))
	}
	f, err := fx.store.Feed(ctx, fx.uid, wire)
	if err != nil || f.Title != "The Wire" || f.Category != "World news" {
		t.Fatalf("after the edit: %+v, %v", f, err)
	}
	page = fx.do(t, "GET", "/feeds?saved=1", "").Body.String()
	if !strings.Contains(page, "Saved.") || !strings.Contains(page, `<option value="World news">`) {
		t.Error("the list does not show the saved edit and the new category")
	}
	if river := fx.do(t, "GET", "/", "").Body.String(); !strings.Contains(river, "World news") {
		t.Error("the river's categories lack the new one")
	}
	// Out of its category again.
	if w := fx.form(t, "/feeds/"+id+"/edit", url.Values{"title": {"The Wire"}, "category": {""}}); w.Code != http.StatusSeeOther {
		t.Fatalf("clearing the category = %d", w.Code)
	}
	if f, _ := fx.store.Feed(ctx, fx.uid, wire); f.Category != "" {
		t.Errorf("category %q after clearing it", f.Category)
	}
	for _, bad := range []url.Values{{"title": {"   "}, "category": {""}}, {"title": {strings.Repeat("t", 501)}}, {"title": {"x"}, "category": {strings.Repeat("c", 201)}}} {
		w := fx.form(t, "/feeds/"+id+"/edit", bad)
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "characters") {
			t.Errorf("edit with %v = %d", bad, w.Code)
		}
	}
	if f, _ := fx.store.Feed(ctx, fx.uid, wire); f.Title != "The Wire" {
		t.Errorf("a refused edit changed the title to %q", f.Title)
	}
	other, err := fx.auth.CreateUser(ctx, "other", digest.RoleUser, "other password")
	if err != nil {
		t.Fatal(err)
	}
	theirs := &digest.Feed{URL: "https://theirs.example/feed.xml", Title: "Theirs"}
	if err := fx.store.CreateFeed(ctx, other.ID, theirs); err != nil {
		t.Fatal(err)
	}
	if w := fx.form(t, "/feeds/"+strconv.FormatInt(theirs.ID, 10)+"/edit", url.Values{"title": {"Mine now"}}); w.Code != http.StatusNotFound {
		t.Errorf("editing another reader's feed = %d, want 404", w.Code)
	}
	if f, _ := fx.store.Feed(ctx, other.ID, theirs.ID); f.Title != "Theirs" {
		t.Errorf("their feed is now %q", f.Title)
	}
}

// TestFeedCategoryChangeReappliesRules: moving a feed into a category a
// rule is scoped to re-applies the rules (a job), so the rule now hides
// that feed's matching articles.
func TestFeedCategoryChangeReappliesRules(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	cat := fx.setCategory(t, "local", "Local")
	r := &digest.Rule{Name: "No storms here", Match: "title:storm", Action: digest.RuleBlock, CategoryID: cat, Enabled: true}
	if err := fx.store.CreateRule(ctx, fx.uid, r); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.store.ApplyRules(ctx, fx.uid); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.store.Article(ctx, fx.uid, fx.articleIDs["storm"]); err != nil {
		t.Fatal("the wire's storm is hidden before its feed moved")
	}
	w := fx.form(t, "/feeds/"+strconv.FormatInt(fx.feedIDs["wire"], 10)+"/edit", url.Values{"title": {"The Daily Wire Service"}, "category": {"Local"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d", w.Code)
	}
	if _, err := fx.store.Article(ctx, fx.uid, fx.articleIDs["storm"]); !digest.IsNotFound(err) {
		t.Errorf("the storm is still shown after its feed moved into the rule's category: %v", err)
	}
}
