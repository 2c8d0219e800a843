package web

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// decodeStrict decodes a JSON answer, failing on fields the test does not
// expect, so the API's shape is pinned.
func decodeStrict(t *testing.T, body []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
}

func decodeJSONStrict(s string, v any) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func TestAPIArticles(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	w := fx.do(t, "GET", "/api/v1/articles?limit=2", "")
	if w.Code != 200 {
		t.Fatalf("= %d: %s", w.Code, w.Body)
	}
	// Exactly {"articles": [...], "next": "..."}.
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 2 || raw["articles"] == nil || raw["next"] == nil {
		t.Fatalf("top-level keys of %s, want exactly articles and next", w.Body)
	}
	var page digest.ArticlePage
	decodeStrict(t, w.Body.Bytes(), &page)
	if len(page.Articles) != 2 || page.Next == "" {
		t.Fatalf("got %d articles, next %q; want 2 and a cursor", len(page.Articles), page.Next)
	}
	a := page.Articles[0]
	if a.ID != fx.articleIDs["budget"] || a.Title != "Council passes the harbour budget" || a.URL != "https://news.example/budget" || a.FeedID != fx.feedIDs["wire"] || !a.Published.Equal(baseTime.Add(-time1h)) {
		t.Errorf("first article = %+v", a)
	}
	if a.Content != "" {
		t.Error("the list carries content")
	}
	// Follow the cursor to the end.
	seen := len(page.Articles)
	for page.Next != "" {
		w := fx.do(t, "GET", "/api/v1/articles?limit=2&cursor="+page.Next, "")
		if w.Code != 200 {
			t.Fatalf("next page = %d: %s", w.Code, w.Body)
		}
		page = digest.ArticlePage{}
		decodeStrict(t, w.Body.Bytes(), &page)
		seen += len(page.Articles)
	}
	if seen != 4 {
		t.Errorf("paged through %d articles, want 4", seen)
	}

	// Filters.
	w = fx.do(t, "GET", "/api/v1/articles?feed_id="+strconv.FormatInt(fx.feedIDs["local"], 10), "")
	page = digest.ArticlePage{}
	decodeStrict(t, w.Body.Bytes(), &page)
	if len(page.Articles) != 1 || page.Articles[0].ID != fx.articleIDs["ferry"] || page.Next != "" {
		t.Errorf("feed filter = %+v", page)
	}
	// An empty result is [], not null.
	w = fx.do(t, "GET", "/api/v1/articles?starred=1", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"articles":[]`) {
		t.Errorf("empty page = %d %s", w.Code, w.Body)
	}
}

const time1h = 3600 * 1e9

func TestAPIArticlesBadQueries(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	for _, q := range []string{"feed_id=x", "feed_id=0", "unread=2", "starred=yes-please", "limit=-1", "limit=501", "limit=1e3", "cursor=%%%", "cursor=not-a-cursor"} {
		t.Run(q, func(t *testing.T) {
			w := fx.do(t, "GET", "/api/v1/articles?"+q, "")
			if w.Code == 400 {
				assertAPIError(t, w, 400, digest.EINVALID)
				return
			}
			t.Errorf("?%s = %d, want 400: %s", q, w.Code, w.Body)
		})
	}
}

func TestAPIArticle(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	id := fx.articleIDs["ferry"]
	w := fx.do(t, "GET", "/api/v1/articles/"+strconv.FormatInt(id, 10), "")
	if w.Code != 200 {
		t.Fatalf("= %d", w.Code)
	}
	var a digest.Article
	decodeStrict(t, w.Body.Bytes(), &a)
	if a.ID != id || !strings.Contains(a.Content, "<table>") || len(a.Sources) != 1 || a.Sources[0].URL != "https://news.example/ferry?utm_source=rss" {
		t.Errorf("article = %+v", a)
	}
	if a.Read {
		t.Error("reading through the API marked the article read")
	}
	assertAPIError(t, fx.do(t, "GET", "/api/v1/articles/123456", ""), 404, digest.ENOTFOUND)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/articles/abc", ""), 400, digest.EINVALID)
}

func TestAPIMarkArticles(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	id := fx.articleIDs["storm"]
	sid := strconv.FormatInt(id, 10)
	state := func() (bool, bool) {
		a, err := fx.store.Article(ctx, fx.uid, id)
		if err != nil {
			t.Fatal(err)
		}
		return a.Read, a.Starred
	}
	for _, st := range []struct {
		verb          string
		read, starred bool
	}{{"read", true, false}, {"star", true, true}, {"unread", false, true}, {"unstar", false, false}} {
		w := fx.do(t, "POST", "/api/v1/articles/"+sid+"/"+st.verb, "")
		if w.Code != http.StatusNoContent {
			t.Fatalf("%s = %d: %s", st.verb, w.Code, w.Body)
		}
		if r, s := state(); r != st.read || s != st.starred {
			t.Errorf("after %s: read=%v starred=%v", st.verb, r, s)
		}
	}
	assertAPIError(t, fx.do(t, "POST", "/api/v1/articles/999999/read", ""), 404, digest.ENOTFOUND)

	// Bulk.
	ids := []int64{fx.articleIDs["budget"], fx.articleIDs["storm"], fx.articleIDs["ferry"]}
	body, _ := json.Marshal(map[string]any{"ids": ids})
	if w := fx.do(t, "POST", "/api/v1/articles/read", string(body), "Content-Type", "application/json"); w.Code != http.StatusNoContent {
		t.Fatalf("bulk read = %d: %s", w.Code, w.Body)
	}
	page, err := fx.store.Articles(ctx, digest.ArticleQuery{UserID: fx.uid, Unread: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Articles) != 1 || page.Articles[0].ID != fx.articleIDs["xss"] {
		t.Errorf("unread after bulk read: %+v", page.Articles)
	}
	if w := fx.do(t, "POST", "/api/v1/articles/unread", string(body), "Content-Type", "application/json"); w.Code != http.StatusNoContent {
		t.Fatalf("bulk unread = %d", w.Code)
	}
	if page, _ = fx.store.Articles(ctx, digest.ArticleQuery{UserID: fx.uid, Unread: true}); len(page.Articles) != 4 {
		t.Errorf("unread after bulk unread = %d, want 4", len(page.Articles))
	}
}

func TestAPIRejectsBadBodies(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	fx.server.cfg.MaxBodyBytes = 1024
	huge := `{"ids":[` + strings.Repeat("1,", 2000) + `1]}`
	many := `{"ids":[` + strings.Repeat("1,", 1000) + `1]}`
	tests := []struct {
		name, target, body, contentType string
		status                          int
		code, says                      string
	}{
		{"an empty body is refused", "/api/v1/articles/read", "", "application/json", 400, digest.EINVALID, "empty"},
		{"broken JSON is refused", "/api/v1/articles/read", `{"ids":[1,`, "application/json", 400, digest.EINVALID, "truncated"},
		{"a syntax error says where", "/api/v1/articles/read", `{"ids":[1,]}`, "application/json", 400, digest.EINVALID, "at byte"},
		{"an unknown field is refused", "/api/v1/articles/read", `{"ids":[1],"all":true}`, "application/json", 400, digest.EINVALID, `unknown field "all"`},
		{"a wrong type is named", "/api/v1/articles/read", `{"ids":"1"}`, "application/json", 400, digest.EINVALID, "ids must be"},
		{"two values are refused", "/api/v1/articles/read", `{"ids":[1]}{"ids":[2]}`, "application/json", 400, digest.EINVALID, "more than one"},
		{"no ids are refused", "/api/v1/articles/read", `{"ids":[]}`, "application/json", 400, digest.EINVALID, "ids is required"},
		{"a negative id is refused", "/api/v1/articles/read", `{"ids":[-3]}`, "application/json", 400, digest.EINVALID, "invalid id -3"},
		{"too many ids are refused", "/api/v1/articles/read", many, "", 413, ETOOLARGE, "too large"},
		{"a huge body is refused", "/api/v1/articles/read", huge, "application/json", 413, ETOOLARGE, "too large"},
		{"a form body is refused", "/api/v1/feeds", "url=https://a.example/", "application/x-www-form-urlencoded", 400, digest.EINVALID, "application/json"},
		{"null is not a subscription", "/api/v1/feeds", `null`, "application/json", 400, digest.EINVALID, "required"},
		{"a subscription needs a URL", "/api/v1/feeds", `{"category":"x"}`, "application/json", 400, digest.EINVALID, "required"},
		{"an array is not a subscription", "/api/v1/feeds", `[1,2]`, "application/json", 400, digest.EINVALID, "must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.contentType != "" {
				h = []string{"Content-Type", tt.contentType}
			}
			w := fx.do(t, "POST", tt.target, tt.body, h...)
			body := assertAPIError(t, w, tt.status, tt.code)
			if !strings.Contains(body.Error.Message, tt.says) {
				t.Errorf("message %q does not say %q", body.Error.Message, tt.says)
			}
		})
	}
	// The bulk limit itself, within the body limit.
	fx.server.cfg.MaxBodyBytes = 1 << 20
	w := fx.do(t, "POST", "/api/v1/articles/read", many, "Content-Type", "application/json")
	assertAPIError(t, w, 400, digest.EINVALID)
}

func TestAPIFeeds(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	w := fx.do(t, "GET", "/api/v1/feeds", "")
	var list struct {
		Feeds      []digest.Feed `json:"feeds"`
		Next, Prev string
		Total      int
	}
	decodeStrict(t, w.Body.Bytes(), &list)
	if w.Code != 200 || len(list.Feeds) != 2 || list.Next != "" || list.Total != 2 {
		t.Fatalf("= %d, %d feeds, next %q, total %d", w.Code, len(list.Feeds), list.Next, list.Total)
	}
	for _, f := range list.Feeds {
		if f.ID == fx.feedIDs["wire"] && f.Unread != 3 {
			t.Errorf("wire unread = %d, want 3", f.Unread)
		}
	}

	w = fx.do(t, "POST", "/api/v1/feeds", `{"url":" https://new.example/ ","category":"Science"}`, "Content-Type", "application/json")
	if w.Code != http.StatusCreated {
		t.Fatalf("create = %d: %s", w.Code, w.Body)
	}
	var f digest.Feed
	decodeStrict(t, w.Body.Bytes(), &f)
	if f.ID == 0 || f.URL != "https://new.example/" || f.Category != "Science" || w.Header().Get("Location") != "/api/v1/feeds/"+strconv.FormatInt(f.ID, 10) {
		t.Errorf("created %+v at %q", f, w.Header().Get("Location"))
	}
	if w := fx.do(t, "GET", w.Header().Get("Location"), ""); w.Code != 200 {
		t.Errorf("GET Location = %d", w.Code)
	}

	for _, tt := range []struct {
		url    string
		status int
		code   string
	}{
		{"https://new.example/", 409, digest.ECONFLICT},
		{"gopher://x.example/", 400, digest.EINVALID},
		{"http://private.test/", 422, digest.EREFUSED},
		{"http://nofeed.test/", 404, digest.ENOTFOUND},
		{"http://down.test/", 502, digest.EUPSTREAM},
	} {
		w := fx.do(t, "POST", "/api/v1/feeds", `{"url":"`+tt.url+`"}`)
		assertAPIError(t, w, tt.status, tt.code)
	}

	sid := strconv.FormatInt(f.ID, 10)
	if w := fx.do(t, "POST", "/api/v1/feeds/"+sid+"/refresh", ""); w.Code != http.StatusAccepted {
		t.Errorf("refresh = %d", w.Code)
	}
	if w := fx.do(t, "POST", "/api/v1/feeds/refresh", ""); w.Code != http.StatusAccepted {
		t.Errorf("refresh all = %d", w.Code)
	}
	if len(fx.feeds.refreshed) != 2 || len(fx.feeds.refreshed[0]) != 1 || fx.feeds.refreshed[0][0] != f.ID || len(fx.feeds.refreshed[1]) != 0 {
		t.Errorf("refreshed %v", fx.feeds.refreshed)
	}
	assertAPIError(t, fx.do(t, "POST", "/api/v1/feeds/4242/refresh", ""), 404, digest.ENOTFOUND)

	if w := fx.do(t, "DELETE", "/api/v1/feeds/"+sid, ""); w.Code != http.StatusNoContent {
		t.Errorf("delete = %d", w.Code)
	}
	assertAPIError(t, fx.do(t, "DELETE", "/api/v1/feeds/"+sid, ""), 404, digest.ENOTFOUND)
	assertAPIError(t, fx.do(t, "DELETE", "/api/v1/feeds/x", ""), 400, digest.EINVALID)
}

func TestAPIStories(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	w := fx.do(t, "GET", "/api/v1/stories", "")
	if w.Code != 200 || strings.TrimSpace(w.Body.String()) != `{"stories":[],"next":""}` {
		t.Fatalf("no stories = %d %s", w.Code, w.Body)
	}
	st := &digest.Story{Headline: "Winter", Summary: "s", FirstSeen: baseTime, LastSeen: baseTime, Outlets: 2,
		Entities: []digest.Entity{{Name: "Harbour Town", Kind: digest.Place}}, ArticleIDs: []int64{fx.articleIDs["budget"], fx.articleIDs["ferry"]}}
	if err := fx.store.SaveStory(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	w = fx.do(t, "GET", "/api/v1/stories?limit=5", "")
	var list storiesJSON
	decodeStrict(t, w.Body.Bytes(), &list)
	if len(list.Stories) != 1 || list.Stories[0].Headline != "Winter" {
		t.Errorf("stories = %+v", list)
	}
	w = fx.do(t, "GET", "/api/v1/stories/"+strconv.FormatInt(st.ID, 10), "")
	var one storyJSON
	decodeStrict(t, w.Body.Bytes(), &one)
	if one.ID != st.ID || len(one.Articles) != 2 || len(one.Entities) != 1 {
		t.Errorf("story = %+v", one)
	}
	assertAPIError(t, fx.do(t, "GET", "/api/v1/stories/999", ""), 404, digest.ENOTFOUND)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/stories?limit=0", ""), 400, digest.EINVALID)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/stories?offset=-1", ""), 400, digest.EINVALID)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/stories?cursor=x", ""), 400, digest.EINVALID)
}

// TestAPIStoriesPageWithNext: a client that wants every story follows
// next, as on the other lists.
func TestAPIStoriesPageWithNext(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	want := map[int64]bool{}
	for i, name := range []string{"budget", "storm", "ferry"} {
		st := &digest.Story{Headline: name, Summary: "s", FirstSeen: baseTime, LastSeen: baseTime, Outlets: 1,
			Importance: float64(i), ArticleIDs: []int64{fx.articleIDs[name]}}
		if err := fx.store.SaveStory(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		want[st.ID] = true
	}
	got := map[int64]bool{}
	target := "/api/v1/stories?limit=2"
	for pages := 0; target != ""; pages++ {
		if pages == 3 {
			t.Fatal("more than 2 pages")
		}
		w := fx.do(t, "GET", target, "")
		var list storiesJSON
		decodeStrict(t, w.Body.Bytes(), &list)
		if pages == 0 && (len(list.Stories) != 2 || list.Next == "") {
			t.Fatalf("first page: %d stories, next %q", len(list.Stories), list.Next)
		}
		for _, st := range list.Stories {
			got[st.ID] = true
		}
		target = ""
		if list.Next != "" {
			target = "/api/v1/stories?limit=2&cursor=" + url.QueryEscape(list.Next)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("following next listed %v, want %v", got, want)
	}
}

func TestAPIUnknownEndpointsAnswerJSON(t *testing.T) {
	fx := newFixture(t)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/nothing", ""), 404, digest.ENOTFOUND)
	w := fx.do(t, "PUT", "/api/v1/articles", "")
	assertAPIError(t, w, 405, EMETHOD)
	if !strings.Contains(w.Header().Get("Allow"), "GET") {
		t.Errorf("Allow = %q", w.Header().Get("Allow"))
	}
	assertAPIError(t, fx.do(t, "DELETE", "/api/v1/articles/1", ""), 405, EMETHOD)
}

func TestErrorStatusMapping(t *testing.T) {
	tests := []struct {
		code   string
		status int
	}{
		{digest.ENOTFOUND, 404}, {digest.EINVALID, 400}, {digest.ECONFLICT, 409},
		{digest.EREFUSED, 422}, {digest.EUPSTREAM, 502}, {digest.EINTERNAL, 500},
		{EFORBIDDEN, 403}, {ETOOLARGE, 413}, {EMETHOD, 405}, {EMISDIRECTED, 421}, {"something new", 500},
	}
	for _, tt := range tests {
		if got := httpStatus(digest.Errorf(tt.code, "x")); got != tt.status {
			t.Errorf("httpStatus(%s) = %d, want %d", tt.code, got, tt.status)
		}
	}
	if got := httpStatus(&http.MaxBytesError{Limit: 1}); got != 413 {
		t.Errorf("MaxBytesError = %d", got)
	}
}
