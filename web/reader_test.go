package web

import (
	"context"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// formValues reads the hidden inputs of the first form posting to action
// in a page.
func formValues(t *testing.T, page, action string) url.Values {
	t.Helper()
	i := strings.Index(page, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form posting to %s in the page", action)
	}
	form := page[i:]
	form = form[:strings.Index(form, "</form>")]
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(form, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

func (fx *fixture) read(t *testing.T, name string) bool {
	t.Helper()
	a, err := fx.store.Article(context.Background(), fx.uid, fx.articleIDs[name])
	if err != nil {
		t.Fatal(err)
	}
	return a.Read
}

// setCategory puts a seeded feed in a category and returns its ID.
func (fx *fixture) setCategory(t *testing.T, feed, category string) int64 {
	t.Helper()
	ctx := context.Background()
	f, err := fx.store.Feed(ctx, fx.uid, fx.feedIDs[feed])
	if err != nil {
		t.Fatal(err)
	}
	f.Category = category
	if err := fx.store.UpdateFeed(ctx, fx.uid, f); err != nil {
		t.Fatal(err)
	}
	fx.server.cache.invalidate()
	return f.CategoryID
}

// TestMarkAllReadMarksOnlyWhatTheListShowed: "mark all as read" on a
// feed's page marks that feed's articles the page showed and older ones,
// never an article that arrived after the page was drawn (newer, or
// backdated), nor another feed's.
func TestMarkAllReadMarksOnlyWhatTheListShowed(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	wire := fx.feedIDs["wire"]
	page := fx.do(t, "GET", "/?feed="+strconv.FormatInt(wire, 10), "").Body.String()
	if !strings.Contains(page, "Mark this feed as read") {
		t.Fatal("a feed's page has no mark-all-read form")
	}
	v := formValues(t, page, "/mark-read")
	// After the page was drawn: one article newer than anything shown,
	// one backdated into the middle of what was shown.
	fx.addEntries(t, wire,
		entry("late-new", "Harbour lights switched on", 10*time.Minute, "<p>Lights.</p>"),
		entry("late-old", "Yesterday's tide tables, published late", 4*time.Hour, "<p>Tides.</p>"),
	)
	w := fx.form(t, "/mark-read", v)
	if w.Code != 303 || w.Header().Get("Location") != "/?feed="+strconv.FormatInt(wire, 10) {
		t.Fatalf("POST /mark-read = %d to %q, want 303 back to the feed", w.Code, w.Header().Get("Location"))
	}
	for name, want := range map[string]bool{"budget": true, "storm": true, "xss": true, "late-new": false, "late-old": false, "ferry": false} {
		if got := fx.read(t, name); got != want {
			t.Errorf("%s read = %v, want %v", name, got, want)
		}
	}
}

// TestMarkAllReadRefusesFormsThatSayTooLittle: a form must say up to
// which article it marks; bad values and other readers' feeds are
// refused and mark nothing; a cross-site post is refused.
func TestMarkAllReadRefusesFormsThatSayTooLittle(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	other, err := fx.auth.CreateUser(context.Background(), "other", digest.RoleUser, "other password")
	if err != nil {
		t.Fatal(err)
	}
	theirs := &digest.Feed{URL: "https://theirs.example/feed.xml", Title: "Theirs"}
	if err := fx.store.CreateFeed(context.Background(), other.ID, theirs); err != nil {
		t.Fatal(err)
	}
	up := strconv.FormatInt(fx.articleIDs["ferry"]+100, 10)
	now := baseTime.Format(time.RFC3339)
	for _, tt := range []struct {
		name   string
		values url.Values
		status int
	}{
		{"no up_to", url.Values{"newest": {now}}, 400},
		{"no newest", url.Values{"up_to": {up}}, 400},
		{"up_to not a number", url.Values{"up_to": {"x"}, "newest": {now}}, 400},
		{"newest not a time", url.Values{"up_to": {up}, "newest": {"yesterday"}}, 400},
		{"negative feed", url.Values{"up_to": {up}, "newest": {now}, "feed": {"-1"}}, 400},
		{"another reader's feed", url.Values{"up_to": {up}, "newest": {now}, "feed": {strconv.FormatInt(theirs.ID, 10)}}, 404},
		{"unknown category", url.Values{"up_to": {up}, "newest": {now}, "category": {"987654"}}, 404},
		{"bad starred flag", url.Values{"up_to": {up}, "newest": {now}, "starred": {"maybe"}}, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if w := fx.form(t, "/mark-read", tt.values); w.Code != tt.status {
				t.Errorf("POST /mark-read = %d, want %d", w.Code, tt.status)
			}
		})
	}
	w := fx.do(t, "POST", "/mark-read", url.Values{"up_to": {up}, "newest": {now}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site")
	if w.Code != 403 {
		t.Errorf("a cross-site mark-all-read = %d, want 403", w.Code)
	}
	for _, name := range []string{"budget", "storm", "xss", "ferry"} {
		if fx.read(t, name) {
			t.Errorf("%s was marked read by a refused form", name)
		}
	}
}

// TestCategoryPage: a category's page lists its feeds' articles alone,
// the navigation shows each category's unread count, and mark-all-read
// there marks the category's articles alone.
func TestCategoryPage(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	news := fx.setCategory(t, "wire", "News")
	local := fx.setCategory(t, "local", "Local")
	w := fx.do(t, "GET", "/?category="+strconv.FormatInt(news, 10), "")
	if w.Code != 200 {
		t.Fatalf("GET a category = %d", w.Code)
	}
	page := w.Body.String()
	if !strings.Contains(page, "<title>News · ") || !strings.Contains(page, "Council passes the harbour budget") || strings.Contains(page, "Ferry timetable") {
		t.Errorf("the News page does not list News alone:\n%s", page)
	}
	nav := page[strings.Index(page, `<nav class="categories"`):]
	nav = nav[:strings.Index(nav, "</nav>")]
	for _, want := range []string{
		`All <span class="count">4<`,
		`href="/?category=` + strconv.FormatInt(local, 10) + `">Local <span class="count">1<`,
		`href="/?category=` + strconv.FormatInt(news, 10) + `" aria-current="page">News <span class="count">3<`,
	} {
		if !strings.Contains(nav, want) {
			t.Errorf("the categories lack %s:\n%s", want, nav)
		}
	}
	// Articles opened from the category keep it for previous and next.
	if !strings.Contains(page, `href="/articles/`+strconv.FormatInt(fx.articleIDs["storm"], 10)+`?category=`+strconv.FormatInt(news, 10)+`"`) {
		t.Error("the category's articles do not link with the category")
	}
	v := formValues(t, page, "/mark-read")
	if w := fx.form(t, "/mark-read", v); w.Code != 303 {
		t.Fatalf("mark the category read = %d", w.Code)
	}
	if !fx.read(t, "budget") || !fx.read(t, "xss") || fx.read(t, "ferry") {
		t.Error("mark-all-read on News did not mark News alone")
	}
	// The counts follow at once.
	page = fx.do(t, "GET", "/", "").Body.String()
	if !strings.Contains(page, `All <span class="count">1<`) {
		t.Error("the unread count did not follow the marking")
	}
	if w := fx.do(t, "GET", "/api/v1/articles?category_id="+strconv.FormatInt(local, 10), ""); w.Code != 200 ||
		!strings.Contains(w.Body.String(), "Ferry timetable") || strings.Contains(w.Body.String(), "harbour budget") {
		t.Errorf("the API's category_id: %d %s", w.Code, w.Body)
	}
	if w := fx.do(t, "GET", "/api/v1/articles?category_id=987654", ""); w.Code != 404 {
		t.Errorf("the API with an unknown category_id: %d, want 404", w.Code)
	}
	if w := fx.do(t, "GET", "/?category=0", ""); w.Code != 400 {
		t.Errorf("category=0: %d, want 400", w.Code)
	}
	if w := fx.do(t, "GET", "/?category=987654", ""); w.Code != 404 {
		t.Errorf("an unknown category: %d, want 404", w.Code)
	}
	// A search is not a list mark-all-read can mark.
	if page := fx.do(t, "GET", "/?q=harbour", "").Body.String(); strings.Contains(page, `action="/mark-read"`) {
		t.Error("a search offers mark all as read")
	}
}

// TestArticlePreviousAndNext: an article's page links the newer and the
// older article of the list it was opened from (the river by default),
// ties in time ordered by ID as the river does.
func TestArticlePreviousAndNext(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	// Two articles published at the same instant as storm.
	fx.addEntries(t, fx.feedIDs["local"],
		entry("tie-a", "Tie A", 3*time.Hour, "<p>A.</p>"),
		entry("tie-b", "Tie B", 3*time.Hour, "<p>B.</p>"),
	)
	// Twelve at 4 h: more than one query's window of ties.
	var many []digest.Entry
	for i := range 12 {
		many = append(many, entry("many-"+strconv.Itoa(i), "Many "+strconv.Itoa(i), 4*time.Hour, "<p>M.</p>"))
	}
	fx.addEntries(t, fx.feedIDs["local"], many...)
	id := func(name string) string { return strconv.FormatInt(fx.articleIDs[name], 10) }
	// The river's order: budget (1 h), ferry (2 h), then the three of
	// 3 h by descending ID, the twelve of 4 h likewise, then xss (5 h).
	order := []string{"budget", "ferry", "tie-b", "tie-a", "storm"}
	for i := 11; i >= 0; i-- {
		order = append(order, "many-"+strconv.Itoa(i))
	}
	order = append(order, "xss")
	if !(fx.articleIDs["tie-b"] > fx.articleIDs["tie-a"] && fx.articleIDs["tie-a"] > fx.articleIDs["storm"]) {
		t.Fatal("the fixture's IDs are not in arrival order")
	}
	links := func(target string) (prev, next string) {
		t.Helper()
		w := fx.do(t, "GET", target, "")
		if w.Code != 200 {
			t.Fatalf("GET %s = %d", target, w.Code)
		}
		body := w.Body.String()
		if m := regexp.MustCompile(`href="([^"]*)" rel="prev"`).FindStringSubmatch(body); m != nil {
			prev = html.UnescapeString(m[1])
		}
		if m := regexp.MustCompile(`href="([^"]*)" rel="next"`).FindStringSubmatch(body); m != nil {
			next = html.UnescapeString(m[1])
		}
		return prev, next
	}
	for i, name := range order {
		prev, next := links("/articles/" + id(name))
		wantPrev, wantNext := "", ""
		if i > 0 {
			wantPrev = "/articles/" + id(order[i-1])
		}
		if i < len(order)-1 {
			wantNext = "/articles/" + id(order[i+1])
		}
		if prev != wantPrev || next != wantNext {
			t.Errorf("%s: prev %q next %q, want %q and %q", name, prev, next, wantPrev, wantNext)
		}
	}
	// From a feed's list: the feed's articles alone, the context kept.
	wire := strconv.FormatInt(fx.feedIDs["wire"], 10)
	prev, next := links("/articles/" + id("storm") + "?feed=" + wire)
	if prev != "/articles/"+id("budget")+"?feed="+wire || next != "/articles/"+id("xss")+"?feed="+wire {
		t.Errorf("storm in the wire's list: prev %q next %q", prev, next)
	}
	// Unread only: a read article is skipped.
	if _, err := fx.store.MarkRead(context.Background(), fx.uid, []int64{fx.articleIDs["ferry"]}, true); err != nil {
		t.Fatal(err)
	}
	prev, _ = links("/articles/" + id("tie-b") + "?unread=1")
	if prev != "/articles/"+id("budget")+"?unread=1" {
		t.Errorf("tie-b among the unread: prev %q, want budget", prev)
	}
	if w := fx.do(t, "GET", "/articles/"+id("storm")+"?feed=x", ""); w.Code != 400 {
		t.Errorf("a bad list on an article page: %d, want 400", w.Code)
	}
}

// TestStoryLineUsesTheReadersNewestArticle: a story's line says when the
// newest article the reader sees was published, not the story's last
// time over every reader's feeds.
func TestStoryLineUsesTheReadersNewestArticle(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	st := &digest.Story{Headline: "Storms along the coast", Summary: "Roads closed.", Importance: 1, Outlets: 1,
		FirstSeen: baseTime.Add(-5 * time.Hour), LastSeen: baseTime.Add(-2 * time.Hour),
		ArticleIDs: []int64{fx.articleIDs["xss"]}} // 5 h old
	if err := fx.store.SaveStory(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/stories", "/stories/" + strconv.FormatInt(st.ID, 10), "/"} {
		body := fx.do(t, "GET", p, "").Body.String()
		i := strings.Index(body, "Storms along the coast")
		if i < 0 {
			t.Fatalf("%s does not show the story", p)
		}
		// The line follows the headline (a card) or precedes it (the
		// story page's kicker): look on both sides.
		around := body[max(0, i-1500):min(len(body), i+2500)]
		if strings.Contains(around, "2 h ago") || !strings.Contains(around, "5 h ago") {
			t.Errorf("%s: the story's line does not say 5 h ago:\n%s", p, around)
		}
	}
}

// TestOfflineKeyAndServiceWorker: the service worker is served at the
// root with the right type and freshness; pages of a browser session
// carry its offline key, distinct per session, and signed-out pages none;
// signing in and out clear the site's data; the offline list names the
// stories and the starred articles.
func TestOfflineKeyAndServiceWorker(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	fx.anon = true
	w := fx.do(t, "GET", "/sw.js", "")
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") ||
		w.Header().Get("Cache-Control") != "no-cache" || !strings.Contains(w.Body.String(), "addEventListener(\"fetch\"") {
		t.Fatalf("GET /sw.js = %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"))
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "worker-src 'self'") || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("CSP %q", csp)
	}
	login := fx.do(t, "GET", "/login", "")
	if login.Header().Get(offlineHeader) != "" {
		t.Error("a signed-out page carries an offline key")
	}
	if w := fx.do(t, "GET", "/offline.json", ""); w.Code == 200 {
		t.Error("the offline list answers without a session")
	}
	fx.anon = false
	key := fx.do(t, "GET", "/", "").Header().Get(offlineHeader)
	if len(key) != 32 {
		t.Fatalf("the front page's offline key is %q", key)
	}
	// Another session of the same reader has another key.
	token, _, err := fx.auth.StartSession(context.Background(), fx.user, "test", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if other := fx.do(t, "GET", "/", "", "Cookie", "digest_session="+token).Header().Get(offlineHeader); other == "" || other == key {
		t.Errorf("a second session's key %q, first %q", other, key)
	}
	// An API key opens pages of no browser session: nothing kept.
	if _, err := fx.store.MarkStarred(context.Background(), fx.uid, []int64{fx.articleIDs["storm"]}, true); err != nil {
		t.Fatal(err)
	}
	st := &digest.Story{Headline: "Winter", LastSeen: baseTime, Importance: 1, ArticleIDs: []int64{fx.articleIDs["budget"], fx.articleIDs["ferry"]}}
	if err := fx.store.SaveStory(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	w = fx.do(t, "GET", "/offline.json", "")
	var list offlineList
	if w.Code != 200 || w.Header().Get(offlineHeader) != key {
		t.Fatalf("GET /offline.json = %d, key %q", w.Code, w.Header().Get(offlineHeader))
	}
	if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	body := w.Body.String()
	for _, want := range []string{`"/"`, `"/?starred=1"`, `"/stories/` + strconv.FormatInt(st.ID, 10) + `"`, `"/articles/` + strconv.FormatInt(fx.articleIDs["storm"], 10) + `"`, `/static/app.`} {
		if !strings.Contains(body, want) {
			t.Errorf("the offline list lacks %s: %s", want, body)
		}
	}
	if list.Key != key {
		t.Errorf("the list's key %q, the pages' %q", list.Key, key)
	}
	for _, a := range list.Assets {
		if r := fx.do(t, "GET", a, ""); r.Code != 200 {
			t.Errorf("asset %s = %d", a, r.Code)
		}
	}
	// Signing out clears the site's data (the kept pages, the worker).
	out := fx.form(t, "/logout", url.Values{})
	if out.Code != 303 || !strings.Contains(out.Header().Get("Clear-Site-Data"), `"storage"`) {
		t.Errorf("sign out = %d, Clear-Site-Data %q", out.Code, out.Header().Get("Clear-Site-Data"))
	}
	fx.anon = true
	in := fx.form(t, "/login", url.Values{"name": {"reader"}, "password": {"reader password"}})
	if in.Code != 303 || !strings.Contains(in.Header().Get("Clear-Site-Data"), `"storage"`) {
		t.Errorf("sign in = %d, Clear-Site-Data %q", in.Code, in.Header().Get("Clear-Site-Data"))
	}
}

// TestMarkAllReadOlderThan: "older than a day" and "older than a week"
// mark only what the list showed that was published before then.
func TestMarkAllReadOlderThan(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	wire := fx.feedIDs["wire"]
	fx.addEntries(t, wire,
		entry("two-days", "Two days old", 49*time.Hour, "<p>a</p>"),
		entry("ten-days", "Ten days old", 240*time.Hour, "<p>b</p>"),
	)
	page := fx.do(t, "GET", "/?feed="+strconv.FormatInt(wire, 10), "").Body.String()
	for _, want := range []string{`name="older" value="day"`, `name="older" value="week"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("the mark-all form lacks %s", want)
		}
	}
	v := formValues(t, page, "/mark-read")
	v.Set("older", "week")
	if w := fx.form(t, "/mark-read", v); w.Code != 303 {
		t.Fatalf("older than a week = %d", w.Code)
	}
	for name, want := range map[string]bool{"budget": false, "two-days": false, "ten-days": true} {
		if got := fx.read(t, name); got != want {
			t.Errorf("after older than a week, %s read = %v, want %v", name, got, want)
		}
	}
	v.Set("older", "day")
	if w := fx.form(t, "/mark-read", v); w.Code != 303 {
		t.Fatalf("older than a day = %d", w.Code)
	}
	for name, want := range map[string]bool{"budget": false, "storm": false, "xss": false, "two-days": true, "ten-days": true, "ferry": false} {
		if got := fx.read(t, name); got != want {
			t.Errorf("after older than a day, %s read = %v, want %v", name, got, want)
		}
	}
	v.Set("older", "year")
	if w := fx.form(t, "/mark-read", v); w.Code != 400 {
		t.Errorf("older than a year = %d, want 400", w.Code)
	}
}
