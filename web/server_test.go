package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

func TestHealthz(t *testing.T) {
	fx := newFixture(t)
	w := fx.do(t, "GET", "/healthz", "")
	if w.Code != 200 || w.Body.String() != "ok" {
		t.Fatalf("GET /healthz = %d %q, want 200 ok", w.Code, w.Body.String())
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	for _, target := range []string{"/", "/feeds", "/articles/" + strconv.FormatInt(fx.articleIDs["budget"], 10), "/api/v1/articles", "/nope", "/api/v1/nope"} {
		w := fx.do(t, "GET", target, "")
		h := w.Header()
		if got := h.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") || !strings.Contains(got, "script-src 'self'") || !strings.Contains(got, "frame-ancestors 'none'") {
			t.Errorf("GET %s: CSP = %q", target, got)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", target)
		}
		if h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("GET %s: Referrer-Policy = %q", target, h.Get("Referrer-Policy"))
		}
	}
}

func TestRiver(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	w := fx.do(t, "GET", "/", "")
	if w.Code != 200 {
		t.Fatalf("GET / = %d: %s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		"Council passes the harbour budget",
		"Ferry timetable changes for winter",
		"The Daily Wire Service",
		"Harbour Town Gazette",
		"1 h ago",
		`href="/articles/` + strconv.FormatInt(fx.articleIDs["budget"], 10) + `"`,
		"The first lines of Council passes the harbour budget",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("river lacks %q", want)
		}
	}
	// Newest first.
	if strings.Index(body, "Council passes") > strings.Index(body, "Ferry timetable") {
		t.Error("river is not newest first")
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("a stored title reached the page unescaped")
	}
	if !strings.Contains(body, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;Headline with &lt;b&gt;tags&lt;/b&gt;") {
		t.Error("the hostile title is not shown escaped")
	}
	// Assets are linked by hashed URL, scripts only from files.
	if !strings.Contains(body, `<link rel="stylesheet" href="/static/app.`) || !strings.Contains(body, `<script src="/static/app.`) {
		t.Error("assets not linked by hashed URL")
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") || strings.Contains(body, "style=") {
		t.Error("page has inline script, handler or style, which the CSP forbids")
	}
}

func TestRiverFiltersAndPaging(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	if _, err := fx.store.MarkRead(ctx, fx.uid, []int64{fx.articleIDs["budget"]}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.store.MarkStarred(ctx, fx.uid, []int64{fx.articleIDs["storm"]}, true); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name          string
		target        string
		want, notWant []string
	}{
		{"unread hides read articles", "/?unread=1", []string{"Storm closes", "Ferry timetable"}, []string{"Council passes"}},
		{"starred shows starred only", "/?starred=1", []string{"Storm closes"}, []string{"Council passes", "Ferry timetable"}},
		{"feed shows one outlet", "/?feed=" + strconv.FormatInt(fx.feedIDs["local"], 10), []string{"Ferry timetable", "<h1 id=\"river-title\" class=\"section-title\">Harbour Town Gazette</h1>"}, []string{"Storm closes"}},
		{"search finds words", "/?q=ferry", []string{"Ferry timetable"}, []string{"Storm closes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := fx.do(t, "GET", tt.target, "")
			if w.Code != 200 {
				t.Fatalf("GET %s = %d: %s", tt.target, w.Code, w.Body)
			}
			for _, s := range tt.want {
				if !strings.Contains(w.Body.String(), s) {
					t.Errorf("lacks %q", s)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(w.Body.String(), s) {
					t.Errorf("has %q", s)
				}
			}
		})
	}

	// Paging: with a page size of 10, 25 articles take three pages and
	// every article appears exactly once.
	fx2 := newFixture(t)
	id := fx2.addFeed(t, "many", "Many Things")
	var entries []digest.Entry
	for i := range 25 {
		entries = append(entries, entry("item-"+strconv.Itoa(i), "Numbered headline "+strconv.Itoa(i)+" end", time.Duration(i)*time.Minute, ""))
	}
	fx2.addEntries(t, id, entries...)
	seen := map[string]int{}
	target := "/"
	pages := 0
	for target != "" && pages < 10 {
		pages++
		w := fx2.do(t, "GET", target, "")
		if w.Code != 200 {
			t.Fatalf("GET %s = %d", target, w.Code)
		}
		body := w.Body.String()
		for i := range 25 {
			if strings.Contains(body, "Numbered headline "+strconv.Itoa(i)+" end") {
				seen[strconv.Itoa(i)]++
			}
		}
		target = ""
		if i := strings.Index(body, `rel="next"`); i >= 0 {
			start := strings.LastIndex(body[:i], `href="`) + len(`href="`)
			end := strings.Index(body[start:], `"`)
			target = htmlUnescape(body[start : start+end])
		}
	}
	if pages != 3 {
		t.Errorf("25 articles took %d pages of 10, want 3", pages)
	}
	for i := range 25 {
		if seen[strconv.Itoa(i)] != 1 {
			t.Errorf("article %d seen %d times over the pages", i, seen[strconv.Itoa(i)])
		}
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#61;", "=", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'").Replace(s)
}

func TestRiverEmptyStateInvitesToAddFeeds(t *testing.T) {
	fx := newFixture(t)
	w := fx.do(t, "GET", "/", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `href="/feeds"`) || !strings.Contains(w.Body.String(), "Nothing to read yet") {
		t.Fatalf("empty river = %d, want an invitation to add feeds:\n%s", w.Code, w.Body)
	}
}

func TestRiverRejectsBadParameters(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	for _, target := range []string{"/?feed=abc", "/?feed=-1", "/?unread=maybe", "/?limit=0", "/?limit=100000", "/?cursor=%FF%FE", "/?q=" + strings.Repeat("x", 600)} {
		w := fx.do(t, "GET", target, "")
		if w.Code != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", target, w.Code)
		}
		if !strings.Contains(w.Body.String(), "Error 400") {
			t.Errorf("GET %s: not an error page: %s", target, w.Body)
		}
	}
	if w := fx.do(t, "GET", "/?feed=999999", ""); w.Code != http.StatusNotFound {
		t.Errorf("GET /?feed=999999 = %d, want 404", w.Code)
	}
	if w := fx.do(t, "GET", "/?cursor=garbage", ""); w.Code != http.StatusBadRequest {
		t.Errorf("GET /?cursor=garbage = %d, want 400", w.Code)
	}
}

func TestArticlePage(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	id := fx.articleIDs["ferry"]
	w := fx.do(t, "GET", "/articles/"+strconv.FormatInt(id, 10), "")
	if w.Code != 200 {
		t.Fatalf("GET article = %d: %s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		`<h1 class="headline">Ferry timetable changes for winter</h1>`,
		`By Ada Reporter`,
		`Harbour Town Gazette`,
		`<a class="source-link" href="https://news.example/ferry" rel="noopener noreferrer" target="_blank" data-source>Source`,
		`<div class="table-wrap"><table>`,
		`<pre><code>ferry --route`,
		`datetime="2026-11-28T10:00:00Z"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("article page lacks %q", want)
		}
	}
	a, err := fx.store.Article(context.Background(), fx.uid, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Read {
		t.Error("a GET of the article marked it read")
	}
	sid := strconv.FormatInt(id, 10)
	if !strings.Contains(body, `action="/articles/`+sid+`/read" data-toggle="read" data-id="`+sid+`" data-active="false" data-read-on-view>`) {
		t.Errorf("the unread article offers no mark-read form for its script to use:\n%s", body)
	}
	// The form marks it read (without a script), then offers to undo it.
	w = fx.do(t, "POST", "/articles/"+sid+"/read", "return=%2Farticles%2F"+sid, "Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin")
	if w.Code != http.StatusSeeOther {
		t.Fatalf("POST read = %d: %s", w.Code, w.Body)
	}
	if a, err := fx.store.Article(context.Background(), fx.uid, id); err != nil || !a.Read {
		t.Fatalf("POST read did not mark it read (%v)", err)
	}
	body = fx.do(t, "GET", "/articles/"+sid, "").Body.String()
	if !strings.Contains(body, `action="/articles/`+sid+`/unread"`) || strings.Contains(body, "data-read-on-view") {
		t.Error("the read article offers no mark-unread form, or would be marked again")
	}
}

// TestArticleGetChangesNothing: prefetchers, prerenderers and crawlers
// GET pages; none of their requests marks an article read.
func TestArticleGetChangesNothing(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	id := fx.articleIDs["ferry"]
	target := "/articles/" + strconv.FormatInt(id, 10)
	for _, tc := range []struct {
		name    string
		method  string
		headers []string
	}{
		{"a link prefetch", "GET", []string{"Sec-Purpose", "prefetch", "Sec-Fetch-Dest", "document"}},
		{"a prerender", "GET", []string{"Sec-Purpose", "prefetch;prerender"}},
		{"a crawler", "GET", []string{"User-Agent", "Googlebot/2.1"}},
		{"a HEAD", "HEAD", nil},
		{"a reader's navigation", "GET", []string{"Sec-Fetch-Mode", "navigate", "Sec-Fetch-Site", "same-origin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if w := fx.do(t, tc.method, target, "", tc.headers...); w.Code != 200 {
				t.Fatalf("%s %s = %d", tc.method, target, w.Code)
			}
			if a, err := fx.store.Article(context.Background(), fx.uid, id); err != nil || a.Read {
				t.Errorf("%s marked the article read (%v)", tc.name, err)
			}
		})
	}
	if w := fx.do(t, "GET", "/articles/"+strconv.FormatInt(id, 10)+"/read", ""); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET of the mark-read URL = %d, want 405", w.Code)
	}
}

func TestArticleTitleIsEscaped(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	w := fx.do(t, "GET", "/articles/"+strconv.FormatInt(fx.articleIDs["xss"], 10), "")
	if w.Code != 200 {
		t.Fatalf("GET = %d", w.Code)
	}
	if strings.Contains(w.Body.String(), `<script>alert`) {
		t.Error("hostile title rendered as markup")
	}
	if !strings.Contains(w.Body.String(), `<title>&lt;script&gt;`) {
		t.Error("hostile title not escaped in <title>")
	}
}

func TestArticleShowsAllSourcesWithOriginal(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	// The local paper carries the wire's storm story under its own URL.
	fx.addEntries(t, fx.feedIDs["local"], entry("storm-copy", "Storm closes the coast road (Wire)", 2*time.Hour, "<p>Winds reached 120 km/h.</p>"))
	keep, dup := fx.articleIDs["storm"], fx.articleIDs["storm-copy"]
	if err := fx.store.MergeArticles(ctx, keep, dup, keep); err != nil {
		t.Fatalf("merge: %v", err)
	}
	w := fx.do(t, "GET", "/articles/"+strconv.FormatInt(keep, 10), "")
	if w.Code != 200 {
		t.Fatalf("GET = %d", w.Code)
	}
	body := w.Body.String()
	if !strings.Contains(body, `id="sources-title"`) {
		t.Fatalf("no sources section:\n%s", body)
	}
	for _, want := range []string{"Original", "Syndicated copy", "https://news.example/storm-copy?utm_source=rss", "Harbour Town Gazette"} {
		if !strings.Contains(body, want) {
			t.Errorf("sources lack %q", want)
		}
	}
}

func TestArticleBadIDs(t *testing.T) {
	fx := newFixture(t)
	tests := []struct {
		target string
		status int
	}{
		{"/articles/abc", 400},
		{"/articles/0", 400},
		{"/articles/-5", 400},
		{"/articles/99999999999999999999999", 400},
		{"/articles/424242", 404},
		{"/articles/1%00", 400},
	}
	for _, tt := range tests {
		w := fx.do(t, "GET", tt.target, "")
		if w.Code != tt.status {
			t.Errorf("GET %s = %d, want %d", tt.target, w.Code, tt.status)
		}
	}
}

func TestArticleMarkForms(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	id := fx.articleIDs["storm"]
	sid := strconv.FormatInt(id, 10)
	steps := []struct {
		action        string
		read, starred bool
	}{
		{"read", true, false},
		{"star", true, true},
		{"unread", false, true},
		{"unstar", false, false},
	}
	for _, st := range steps {
		w := fx.form(t, "/articles/"+sid+"/"+st.action, url.Values{"return": {"/?unread=1"}})
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/?unread=1" {
			t.Fatalf("POST %s = %d to %q, want 303 to /?unread=1", st.action, w.Code, w.Header().Get("Location"))
		}
		a, err := fx.store.Article(ctx, fx.uid, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Read != st.read || a.Starred != st.starred {
			t.Errorf("after %s: read=%v starred=%v, want %v %v", st.action, a.Read, a.Starred, st.read, st.starred)
		}
	}
}

func TestFormRedirectStaysOnSite(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	sid := strconv.FormatInt(fx.articleIDs["storm"], 10)
	fallback := "/articles/" + sid
	tests := []struct{ name, ret, want string }{
		{"an absolute URL is replaced", "https://evil.example/", fallback},
		{"a protocol-relative URL is replaced", "//evil.example/", fallback},
		{"a backslash trick is replaced", "/\\evil.example", fallback},
		{"a javascript URL is replaced", "javascript:alert(1)", fallback},
		{"no return goes to the article", "", fallback},
		{"a local path is kept", "/?starred=1", "/?starred=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := fx.form(t, "/articles/"+sid+"/read", url.Values{"return": {tt.ret}})
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != tt.want {
				t.Errorf("return=%q: %d to %q, want 303 to %q", tt.ret, w.Code, w.Header().Get("Location"), tt.want)
			}
		})
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	sid := strconv.FormatInt(fx.articleIDs["storm"], 10)
	tests := []struct {
		name, method, target, body string
		headers                    []string
	}{
		{"form from another site", "POST", "/articles/" + sid + "/read", "", []string{"Sec-Fetch-Site", "cross-site"}},
		{"form with a foreign Origin", "POST", "/feeds", "url=https://a.example/", []string{"Origin", "https://evil.example", "Content-Type", "application/x-www-form-urlencoded"}},
		{"delete from another site", "POST", "/feeds/" + strconv.FormatInt(fx.feedIDs["wire"], 10) + "/delete", "", []string{"Sec-Fetch-Site", "cross-site"}},
		{"API from another site", "POST", "/api/v1/articles/read", `{"ids":[1]}`, []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"}},
		{"API delete with a foreign Origin", "DELETE", "/api/v1/feeds/" + strconv.FormatInt(fx.feedIDs["wire"], 10), "", []string{"Origin", "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := fx.do(t, tt.method, tt.target, tt.body, tt.headers...)
			if w.Code != http.StatusForbidden {
				t.Fatalf("= %d, want 403: %s", w.Code, w.Body)
			}
		})
	}
	a, err := fx.store.Article(context.Background(), fx.uid, fx.articleIDs["storm"])
	if err != nil {
		t.Fatal(err)
	}
	if a.Read {
		t.Error("a refused request still marked the article read")
	}
	if _, err := fx.store.Feed(context.Background(), fx.uid, fx.feedIDs["wire"]); err != nil {
		t.Errorf("a refused request deleted the feed: %v", err)
	}
	// The API answers in JSON.
	w := fx.do(t, "POST", "/api/v1/feeds/refresh", "", "Sec-Fetch-Site", "cross-site")
	assertAPIError(t, w, 403, EFORBIDDEN)
}

func TestFeedsPage(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	if _, err := fx.store.SaveFetches(ctx, []digest.FetchResult{{
		FeedID: fx.feedIDs["local"],
		State:  digest.FetchState{LastCheck: baseTime, LastError: "server answered 500 <b>Internal</b>", ErrorCount: 3},
	}}); err != nil {
		t.Fatal(err)
	}
	w := fx.do(t, "GET", "/feeds", "")
	if w.Code != 200 {
		t.Fatalf("GET /feeds = %d", w.Code)
	}
	body := w.Body.String()
	for _, want := range []string{
		"The Daily Wire Service", "Harbour Town Gazette",
		"Failed 3 times in a row: server answered 500 &lt;b&gt;Internal&lt;/b&gt;",
		`action="/feeds/` + strconv.FormatInt(fx.feedIDs["wire"], 10) + `/refresh"`,
		`action="/feeds/` + strconv.FormatInt(fx.feedIDs["wire"], 10) + `/delete"`,
		`action="/import" enctype="multipart/form-data"`,
		`href="/export.opml"`,
		"1 failing",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("feeds page lacks %q", want)
		}
	}
	// Unread counts: the wire has three unread articles.
	if !strings.Contains(body, `<span class="count" title="unread">3</span>`) {
		t.Error("feeds page does not show the wire's 3 unread")
	}
}

func TestFeedAddForm(t *testing.T) {
	tests := []struct {
		name    string
		url     string
		status  int
		message string
	}{
		{"a site is subscribed", "https://new.example/", http.StatusSeeOther, ""},
		{"an empty address is asked for", "", 400, "a feed or site URL is required"},
		{"a non-http address is invalid", "ftp://files.example/", 400, "is not an http or https URL"},
		{"a private address is refused", "http://private.test/", 422, "private addresses are refused"},
		{"a site without feed is not found", "https://nofeed.test/", 404, "no feed found"},
		{"a failing site is an upstream error", "https://down.test/", 502, "the server answered 503"},
		{"an existing feed conflicts", "https://wire.example/feed.xml", 409, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.seed(t)
			w := fx.form(t, "/feeds", url.Values{"url": {tt.url}, "category": {"News"}})
			if w.Code != tt.status {
				t.Fatalf("POST /feeds url=%q = %d, want %d: %s", tt.url, w.Code, tt.status, w.Body)
			}
			if tt.status == http.StatusSeeOther {
				if !strings.HasPrefix(w.Header().Get("Location"), "/feeds?added=") {
					t.Errorf("redirected to %q", w.Header().Get("Location"))
				}
				page := fx.do(t, "GET", "/feeds", "")
				if !strings.Contains(page.Body.String(), "new.example") {
					t.Error("the new feed is not listed")
				}
				return
			}
			if !strings.Contains(w.Body.String(), `class="problem"`) || !strings.Contains(w.Body.String(), tt.message) {
				t.Errorf("the page does not say %q:\n%s", tt.message, w.Body)
			}
			if tt.url != "" && !strings.Contains(w.Body.String(), `value="`+tt.url+`"`) {
				t.Error("the form lost the typed address")
			}
		})
	}
}

func TestFeedDeleteAndRefresh(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	wire := strconv.FormatInt(fx.feedIDs["wire"], 10)

	w := fx.form(t, "/feeds/"+wire+"/refresh", nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("refresh = %d", w.Code)
	}
	if len(fx.feeds.refreshed) != 1 || len(fx.feeds.refreshed[0]) != 1 || fx.feeds.refreshed[0][0] != fx.feedIDs["wire"] {
		t.Errorf("refreshed %v, want [[wire]]", fx.feeds.refreshed)
	}
	if w := fx.form(t, "/feeds/refresh", nil); w.Code != http.StatusSeeOther || len(fx.feeds.refreshed) != 2 || len(fx.feeds.refreshed[1]) != 0 {
		t.Errorf("refresh all = %d, refreshed %v", w.Code, fx.feeds.refreshed)
	}
	if w := fx.form(t, "/feeds/4242/refresh", nil); w.Code != 404 {
		t.Errorf("refresh of a missing feed = %d, want 404", w.Code)
	}

	// The river caches feed titles; deleting must show at once.
	if w := fx.do(t, "GET", "/", ""); !strings.Contains(w.Body.String(), "The Daily Wire Service") {
		t.Fatal("river lacks the wire before deletion")
	}
	w = fx.form(t, "/feeds/"+wire+"/delete", nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("delete = %d", w.Code)
	}
	if _, err := fx.store.Feed(ctx, fx.uid, fx.feedIDs["wire"]); !digest.IsNotFound(err) {
		t.Errorf("feed still there after delete: %v", err)
	}
	if w := fx.do(t, "GET", "/", ""); strings.Contains(w.Body.String(), "The Daily Wire Service") || strings.Contains(w.Body.String(), "Council passes") {
		t.Error("river still shows the deleted feed")
	}
	if w := fx.form(t, "/feeds/"+wire+"/delete", nil); w.Code != 404 {
		t.Errorf("second delete = %d, want 404", w.Code)
	}
	if w := fx.form(t, "/feeds/x/delete", nil); w.Code != 400 {
		t.Errorf("delete of a bad id = %d, want 400", w.Code)
	}
}

func multipartBody(t *testing.T, field, filename, content string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if field != "" {
		fw, err := mw.CreateFormFile(field, filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

func TestOPMLImportAndExport(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	doc := `<?xml version="1.0"?><opml version="2.0"><head><title>mine</title></head><body>
<outline text="Science"><outline text="Lab" type="rss" xmlUrl="https://lab.example/rss"/>
<outline text="Bad" type="rss" xmlUrl="http://private.test/rss"/></outline>
<outline text="Wire again" type="rss" xmlUrl="https://wire.example/feed.xml"/></body></opml>`
	body, ct := multipartBody(t, "opml", "subs.opml", doc)
	w := fx.do(t, "POST", "/import", body, "Content-Type", ct, "Sec-Fetch-Site", "same-origin")
	if w.Code != 200 {
		t.Fatalf("import = %d: %s", w.Code, w.Body)
	}
	page := w.Body.String()
	for _, want := range []string{"Imported 1 feed.", "private addresses are refused", "lab.example"} {
		if !strings.Contains(page, want) {
			t.Errorf("import page lacks %q", want)
		}
	}

	w = fx.do(t, "GET", "/export.opml", "")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/x-opml") || !strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("export = %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"))
	}
	for _, want := range []string{`xmlUrl="https://lab.example/rss"`, `xmlUrl="https://wire.example/feed.xml"`} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("export lacks %q", want)
		}
	}
}

func TestOPMLImportHostileInput(t *testing.T) {
	fx := newFixture(t)
	fx.server.cfg.MaxImportBytes = 4096
	fx.h = fx.server.routes()
	tests := []struct {
		name   string
		field  string
		body   string
		status int
		says   string
	}{
		{"no file is asked for", "", "", 400, "choose an OPML file"},
		{"a broken document is refused", "opml", "<opml><body><outline", 400, "not an OPML document"},
		{"a huge upload is refused", "opml", strings.Repeat("x", 10000), 413, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartBody(t, tt.field, "f.opml", tt.body)
			w := fx.do(t, "POST", "/import", body, "Content-Type", ct, "Sec-Fetch-Site", "same-origin")
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.says) {
				t.Errorf("= %d, want %d saying %q:\n%s", w.Code, tt.status, tt.says, w.Body)
			}
		})
	}
	w := fx.do(t, "POST", "/import", "not multipart", "Content-Type", "text/plain", "Sec-Fetch-Site", "same-origin")
	if w.Code != 400 {
		t.Errorf("non-multipart import = %d, want 400", w.Code)
	}
}

func TestIcons(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\nnot really")
	pngID, err := fx.store.SaveIcon(ctx, iconOf("image/png", png))
	if err != nil {
		t.Fatal(err)
	}
	svgID, err := fx.store.SaveIcon(ctx, iconOf("image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)))
	if err != nil {
		t.Fatal(err)
	}
	htmlID, err := fx.store.SaveIcon(ctx, iconOf("text/html", []byte(`<script>alert(1)</script>`)))
	if err != nil {
		t.Fatal(err)
	}
	// A reader sees the icons of their own feeds.
	for i, id := range []int64{pngID, svgID, htmlID} {
		f := fx.addFeed(t, fmt.Sprintf("icon%d", i), "Icon feed")
		if err := fx.store.SetFeedIcon(ctx, f, id); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name        string
		id          int64
		contentType string
	}{
		{"a png is served as png", pngID, "image/png"},
		{"an svg is served as svg", svgID, "image/svg+xml"},
		{"html posing as an icon is not served as html", htmlID, "application/octet-stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := fx.do(t, "GET", "/icons/"+strconv.FormatInt(tt.id, 10), "")
			if w.Code != 200 {
				t.Fatalf("= %d", w.Code)
			}
			h := w.Header()
			if h.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", h.Get("Content-Type"), tt.contentType)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			if !strings.Contains(h.Get("Cache-Control"), "max-age=31536000") {
				t.Errorf("Cache-Control = %q", h.Get("Cache-Control"))
			}
			if !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("CSP = %q, want a sandbox", h.Get("Content-Security-Policy"))
			}
		})
	}
	if w := fx.do(t, "GET", "/icons/"+strconv.FormatInt(pngID, 10), ""); !bytes.Equal(w.Body.Bytes(), png) {
		t.Error("icon bytes differ")
	}
	if w := fx.do(t, "GET", "/icons/999", ""); w.Code != 404 {
		t.Errorf("missing icon = %d", w.Code)
	}
	if w := fx.do(t, "GET", "/icons/zz", ""); w.Code != 400 {
		t.Errorf("bad icon id = %d", w.Code)
	}
}

func TestStaticAssets(t *testing.T) {
	fx := newFixture(t)
	for _, name := range []string{"app.css", "app.js"} {
		u, err := fx.server.assets.url(name)
		if err != nil {
			t.Fatal(err)
		}
		w := fx.do(t, "GET", u, "")
		if w.Code != 200 {
			t.Fatalf("GET %s = %d", u, w.Code)
		}
		if !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control = %q", u, w.Header().Get("Cache-Control"))
		}
		want := map[string]string{"app.css": "text/css", "app.js": "text/javascript"}[name]
		if !strings.HasPrefix(w.Header().Get("Content-Type"), want) {
			t.Errorf("%s: Content-Type = %q", u, w.Header().Get("Content-Type"))
		}
		etag := w.Header().Get("ETag")
		if w := fx.do(t, "GET", u, "", "If-None-Match", etag); w.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag = %d, want 304", u, w.Code)
		}
	}
	for _, bad := range []string{"/static/app.css", "/static/app.0000.css", "/static/..%2Fserver.go"} {
		if w := fx.do(t, "GET", bad, ""); w.Code != 404 {
			t.Errorf("GET %s = %d, want 404", bad, w.Code)
		}
	}
}

func TestStoriesAndEntities(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	// Without stories, the front page shows no story block.
	if w := fx.do(t, "GET", "/", ""); strings.Contains(w.Body.String(), "Top stories") {
		t.Error("front page shows a story block with no stories")
	}
	st := &digest.Story{
		Headline: "Harbour town braces for winter", Summary: "Budget, storm and ferry changes, together.",
		FirstSeen: baseTime.Add(-5 * time.Hour), LastSeen: baseTime.Add(-time.Hour), Importance: 3, Outlets: 2,
		Entities:   []digest.Entity{{Name: "Harbour Town", Kind: digest.Place, Count: 3}, {Name: "Mary <Mayor>", Kind: digest.Person, Count: 1}},
		ArticleIDs: []int64{fx.articleIDs["budget"], fx.articleIDs["ferry"]},
	}
	if err := fx.store.SaveStory(ctx, st); err != nil {
		t.Fatal(err)
	}
	w := fx.do(t, "GET", "/", "")
	if !strings.Contains(w.Body.String(), "Top stories") || !strings.Contains(w.Body.String(), `href="/stories/`+strconv.FormatInt(st.ID, 10)+`"`) {
		t.Error("front page lacks the top story")
	}

	w = fx.do(t, "GET", "/stories/"+strconv.FormatInt(st.ID, 10), "")
	if w.Code != 200 {
		t.Fatalf("GET story = %d: %s", w.Code, w.Body)
	}
	body := w.Body.String()
	for _, want := range []string{
		"Harbour town braces for winter", "Budget, storm and ferry changes",
		`href="/entities/loc/Harbour%20Town"`, "Mary &lt;Mayor&gt;",
		"Council passes the harbour budget", "Ferry timetable changes",
		`href="https://news.example/ferry" rel="noopener noreferrer" target="_blank" data-source>Source`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("story page lacks %q", want)
		}
	}
	// The article page links to its story.
	if w := fx.do(t, "GET", "/articles/"+strconv.FormatInt(fx.articleIDs["budget"], 10), ""); !strings.Contains(w.Body.String(), "Part of a story") {
		t.Error("article page does not link its story")
	}

	w = fx.do(t, "GET", "/entities/loc/Harbour%20Town", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Harbour town braces for winter") {
		t.Errorf("entity page = %d:\n%s", w.Code, w.Body)
	}
	for target, status := range map[string]int{
		"/entities/xyz/Harbour": 400,
		"/entities/per/Nobody":  404,
		"/stories/0":            400,
		"/stories/77777":        404,
	} {
		if w := fx.do(t, "GET", target, ""); w.Code != status {
			t.Errorf("GET %s = %d, want %d", target, w.Code, status)
		}
	}
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	fx := newFixture(t)
	if w := fx.do(t, "GET", "/nowhere", ""); w.Code != 404 {
		t.Errorf("GET /nowhere = %d", w.Code)
	}
	if w := fx.do(t, "DELETE", "/feeds", ""); w.Code != 405 {
		t.Errorf("DELETE /feeds = %d, want 405", w.Code)
	}
}

func iconOf(contentType string, data []byte) *digest.Icon {
	sum := sha256.Sum256(data)
	return &digest.Icon{Hash: hex.EncodeToString(sum[:]), ContentType: contentType, Data: data}
}

// assertAPIError checks a JSON error answer.
func assertAPIError(t *testing.T, w interface {
	Result() *http.Response
}, status int, code string) apiErrorBody {
	t.Helper()
	res := w.Result()
	var body apiErrorBody
	dec := json.NewDecoder(res.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("error body is not the error JSON: %v", err)
	}
	if res.StatusCode != status || body.Error.Code != code || body.Error.Message == "" {
		t.Fatalf("= %d %+v, want %d with code %q and a message", res.StatusCode, body, status, code)
	}
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type = %q", res.Header.Get("Content-Type"))
	}
	return body
}
