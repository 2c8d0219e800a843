package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rank"
)

// shownOfAll is what the reader's signals count of stories shown and
// passed over, all stories together.
func shownOfAll(t *testing.T, fx *fixture) (clicks, shown float64) {
	t.Helper()
	sigs, err := fx.store.Signals(context.Background(), fx.uid)
	if err != nil {
		t.Fatal(err)
	}
	for _, sg := range sigs {
		if sg.Key == rank.AllKey {
			return sg.Clicks, sg.Shown
		}
	}
	return 0, 0
}

// TestDismissFromForYou: "Dismiss" beside "less of this" takes the story
// off For you and the story list at once, says so with an Undo, leaves
// the story's page, search and read state alone, and counts as the story
// passed over once; Undo brings it back.
func TestDismissFromForYou(t *testing.T) {
	fx, quake, fair, tram := forYouFixture(t)
	ctx := context.Background()
	if _, err := fx.store.MarkRead(ctx, fx.uid, []int64{fx.articleIDs["tram"]}, true); err != nil {
		t.Fatal(err)
	}
	_, body := frontStories(t, fx)
	if want := fmt.Sprintf(`action="/stories/%d/dismiss"`, fair); !strings.Contains(body, want) {
		t.Fatal("no dismiss form on the fair's card")
	}
	_, shownBefore := shownOfAll(t, fx)

	w := fx.form(t, fmt.Sprintf("/stories/%d/dismiss", fair), url.Values{"return": {"/"}})
	back := fmt.Sprintf("/?dismissed=%d", fair)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != back {
		t.Fatalf("dismiss: %d %q, want 303 to %s", w.Code, w.Header().Get("Location"), back)
	}
	ids, body := frontStories(t, fx)
	if slices.Contains(ids, fair) || !slices.Contains(ids, quake) {
		t.Errorf("after dismissing the fair the front page shows %v", ids)
	}
	if strings.Contains(body, "dismissed-notice") {
		t.Error("the plain front page offers an undo: only the page the dismissal comes back to should")
	}
	page := fx.do(t, "GET", back, "").Body.String()
	if !strings.Contains(page, fmt.Sprintf(`action="/stories/%d/undismiss"`, fair)) || !strings.Contains(page, "Lindenfeld opens its winter fair") {
		t.Error("the page a dismissal comes back to offers no undo naming the story")
	}
	if _, shown := shownOfAll(t, fx); shown != shownBefore+learnDismiss {
		t.Errorf("after a dismissal the stories passed over count %v, want %v + %v", shown, shownBefore, float64(learnDismiss))
	}
	if list := fx.do(t, "GET", "/stories", "").Body.String(); strings.Contains(list, fmt.Sprintf(`href="/stories/%d"`, fair)) {
		t.Error("the story list still shows the dismissed story")
	}
	// Its page and search still find it; its article keeps its state.
	story := fx.do(t, "GET", fmt.Sprintf("/stories/%d", fair), "")
	if story.Code != 200 || !strings.Contains(story.Body.String(), "You dismissed this story") {
		t.Errorf("the dismissed story's page: %d, without the dismissed notice", story.Code)
	}
	if found := fx.do(t, "GET", "/?q=Lindenfeld", "").Body.String(); !strings.Contains(found, "Lindenfeld opens its winter fair") {
		t.Error("search no longer finds the dismissed story's article")
	}
	if a, err := fx.store.Article(ctx, fx.uid, fx.articleIDs["fair"]); err != nil || a.Read {
		t.Errorf("the dismissed story's article: %v read %v; want it unread as it was", err, a != nil && a.Read)
	}
	// A read story dismissed stays read.
	if w := fx.form(t, fmt.Sprintf("/stories/%d/dismiss", tram), url.Values{"return": {"/"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("dismiss the tram: %d", w.Code)
	}
	if a, err := fx.store.Article(ctx, fx.uid, fx.articleIDs["tram"]); err != nil || !a.Read {
		t.Errorf("the tram's article after its dismissal: %v, read %v; want read", err, a != nil && a.Read)
	}

	// Undo, from the notice.
	w = fx.form(t, fmt.Sprintf("/stories/%d/undismiss", fair), url.Values{"return": {back}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("undo: %d %q, want 303 to /", w.Code, w.Header().Get("Location"))
	}
	if ids, _ := frontStories(t, fx); !slices.Contains(ids, fair) || slices.Contains(ids, tram) {
		t.Errorf("after undoing the fair's dismissal the front page shows %v, want the fair and not the tram", ids)
	}
	// Undoing twice is no error; a story the reader does not see is.
	if w := fx.form(t, fmt.Sprintf("/stories/%d/undismiss", fair), url.Values{}); w.Code != http.StatusSeeOther {
		t.Errorf("a second undo: %d, want 303", w.Code)
	}
	for _, p := range []string{"/stories/999999/dismiss", "/stories/999999/undismiss"} {
		if w := fx.form(t, p, url.Values{}); w.Code != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p, w.Code)
		}
	}
}

// TestDismissFromTheStoryPage: the story's page dismisses it and shows
// the undo there.
func TestDismissFromTheStoryPage(t *testing.T) {
	fx, quake, _, _ := forYouFixture(t)
	path := fmt.Sprintf("/stories/%d", quake)
	page := fx.do(t, "GET", path, "").Body.String()
	if !strings.Contains(page, fmt.Sprintf(`action="%s/dismiss"`, path)) {
		t.Fatal("the story page has no dismiss form")
	}
	if w := fx.form(t, path+"/dismiss", url.Values{"return": {path}}); w.Code != http.StatusSeeOther || w.Header().Get("Location") != path {
		t.Fatalf("dismiss from the story page: %d %q", w.Code, w.Header().Get("Location"))
	}
	page = fx.do(t, "GET", path, "").Body.String()
	if !strings.Contains(page, "You dismissed this story") || !strings.Contains(page, fmt.Sprintf(`action="%s/undismiss"`, path)) {
		t.Error("the dismissed story's page offers no undo")
	}
	if ids, _ := frontStories(t, fx); slices.Contains(ids, quake) {
		t.Errorf("the story dismissed from its page is still on For you: %v", ids)
	}
	if w := fx.form(t, path+"/undismiss", url.Values{"return": {path}}); w.Code != http.StatusSeeOther || w.Header().Get("Location") != path {
		t.Fatalf("undo from the story page: %d %q", w.Code, w.Header().Get("Location"))
	}
	if ids, _ := frontStories(t, fx); !slices.Contains(ids, quake) {
		t.Errorf("after the undo the story is not back on For you: %v", ids)
	}
}

// TestDismissIsPerReader: one reader's dismissal leaves another reader
// of the same feeds their stories, and they cannot undo it for them.
func TestDismissIsPerReader(t *testing.T) {
	fx, quake, fair, _ := forYouFixture(t)
	ctx := context.Background()
	other, err := fx.auth.CreateUser(ctx, "other", digest.RoleUser, "other password")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"wire", "local"} {
		if err := fx.store.CreateFeed(ctx, other.ID, &digest.Feed{URL: "https://" + name + ".example/feed.xml"}); err != nil {
			t.Fatal(err)
		}
	}
	token, _, err := fx.auth.StartSession(ctx, other, "test", "192.0.2.2")
	if err != nil {
		t.Fatal(err)
	}
	mine := fx.cookie
	if w := fx.form(t, fmt.Sprintf("/stories/%d/dismiss", fair), url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("dismiss: %d", w.Code)
	}
	fx.cookie = "digest_session=" + token
	if ids, _ := frontStories(t, fx); !slices.Contains(ids, fair) || !slices.Contains(ids, quake) {
		t.Errorf("another reader's front page lost a story this one dismissed: %v", ids)
	}
	assertAPIError(t, fx.do(t, "DELETE", fmt.Sprintf("/api/v1/stories/%d/dismiss", fair), ""), 404, digest.ENOTFOUND)
	fx.cookie = mine
	if ids, _ := frontStories(t, fx); slices.Contains(ids, fair) {
		t.Errorf("the other reader undid this reader's dismissal: %v", ids)
	}
}

// TestDismissAPI: POST and DELETE /api/v1/stories/{id}/dismiss, and the
// story list of the API without the dismissed story.
func TestDismissAPI(t *testing.T) {
	fx, _, fair, _ := forYouFixture(t)
	api := fmt.Sprintf("/api/v1/stories/%d/dismiss", fair)
	listed := func() bool {
		var out storiesJSON
		w := fx.do(t, "GET", "/api/v1/stories", "")
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("GET /api/v1/stories: %d %v", w.Code, err)
		}
		for _, st := range out.Stories {
			if st.ID == fair {
				return true
			}
		}
		return false
	}
	w := fx.do(t, "POST", api, "")
	var got dismissedJSON
	if err := json.Unmarshal(w.Body.Bytes(), &got); w.Code != http.StatusOK || err != nil || got.ID != fair || !got.Dismissed || !got.At.Equal(baseTime) {
		t.Fatalf("POST %s: %d %s", api, w.Code, w.Body)
	}
	if listed() {
		t.Error("GET /api/v1/stories still lists the dismissed story")
	}
	if w := fx.do(t, "GET", fmt.Sprintf("/api/v1/stories/%d", fair), ""); w.Code != http.StatusOK {
		t.Errorf("GET the dismissed story: %d, want 200", w.Code)
	}
	if w := fx.do(t, "POST", api, ""); w.Code != http.StatusOK {
		t.Errorf("dismiss again: %d, want 200", w.Code)
	}
	if w := fx.do(t, "DELETE", api, ""); w.Code != http.StatusNoContent {
		t.Fatalf("DELETE %s: %d %s", api, w.Code, w.Body)
	}
	if !listed() {
		t.Error("after the undo GET /api/v1/stories does not list the story")
	}
	assertAPIError(t, fx.do(t, "DELETE", api, ""), 404, digest.ENOTFOUND)
	assertAPIError(t, fx.do(t, "POST", "/api/v1/stories/999999/dismiss", ""), 404, digest.ENOTFOUND)
	assertAPIError(t, fx.do(t, "POST", "/api/v1/stories/abc/dismiss", ""), 400, digest.EINVALID)
}

// TestStarLearnsInTheBackground: a star, by form or API, teaches For you
// the story was kept (learnStar clicks) once the background write ran;
// unstarring and starring again adds it again, a star of a starred
// article does not.
func TestStarLearnsInTheBackground(t *testing.T) {
	fx, _, fair, _ := forYouFixture(t)
	id := fx.articleIDs["fair"]
	if a, err := fx.store.Article(context.Background(), fx.uid, id); err != nil || a.StoryID != fair {
		t.Fatalf("the fair's article is not in its story: %v", err)
	}
	clicks, _ := shownOfAll(t, fx)
	if w := fx.form(t, fmt.Sprintf("/articles/%d/star", id), url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("star: %d", w.Code)
	}
	if c, _ := shownOfAll(t, fx); c != clicks+learnStar {
		t.Errorf("after a star by form, clicks %v, want %v", c, clicks+learnStar)
	}
	if w := fx.do(t, "POST", fmt.Sprintf("/api/v1/articles/%d/star", id), ""); w.Code != http.StatusNoContent {
		t.Fatalf("star again by API: %d", w.Code)
	}
	if c, _ := shownOfAll(t, fx); c != clicks+learnStar {
		t.Errorf("a star of a starred article learned again: clicks %v", c)
	}
	fx.do(t, "POST", fmt.Sprintf("/api/v1/articles/%d/unstar", id), "")
	if w := fx.do(t, "POST", fmt.Sprintf("/api/v1/articles/%d/star", id), ""); w.Code != http.StatusNoContent {
		t.Fatalf("star by API: %d", w.Code)
	}
	if c, _ := shownOfAll(t, fx); c != clicks+2*learnStar {
		t.Errorf("after a star by API, clicks %v, want %v", c, clicks+2*learnStar)
	}
}
