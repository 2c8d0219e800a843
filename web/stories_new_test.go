package web

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	digest "github.com/occasional-digest/digest"
)

func TestAPIStoriesNew(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	get := func(q string) newStoriesJSON {
		t.Helper()
		w := fx.do(t, "GET", "/api/v1/stories/new"+q, "")
		if w.Code != 200 {
			t.Fatalf("GET /api/v1/stories/new%s = %d %s", q, w.Code, w.Body)
		}
		var out newStoriesJSON
		decodeStrict(t, w.Body.Bytes(), &out)
		return out
	}
	if got := get(""); got != (newStoriesJSON{}) {
		t.Errorf("no stories: %+v, want zeros", got)
	}
	save := func(headline string, ids ...int64) int64 {
		st := &digest.Story{Headline: headline, FirstSeen: baseTime, LastSeen: baseTime, Outlets: 1, ArticleIDs: ids}
		if err := fx.store.SaveStory(context.Background(), st); err != nil {
			t.Fatal(err)
		}
		return st.ID
	}
	first := save("Winter", fx.articleIDs["budget"])
	if got := get(""); got.Latest != first || got.New != 1 {
		t.Errorf("one story, no after: %+v, want latest %d, new 1", got, first)
	}
	q := "?after=" + strconv.FormatInt(first, 10)
	if got := get(q); got.New != 0 || got.Latest != first {
		t.Errorf("nothing new after the latest: %+v", got)
	}
	second := save("Ferry", fx.articleIDs["ferry"])
	if got := get(q); got.New != 1 || got.Latest != second {
		t.Errorf("a story formed since: %+v, want new 1, latest %d", got, second)
	}
	w := fx.do(t, "GET", "/stories", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "data-new-stories") {
		t.Errorf("the stories page has no place for the notice: %d", w.Code)
	}
	for _, bad := range []string{"?after=-1", "?after=x", "?after=99999999999999999999"} {
		assertAPIError(t, fx.do(t, "GET", "/api/v1/stories/new"+bad, ""), 400, digest.EINVALID)
	}
}

// TestBrowserNewStoriesNotice: an open stories page learns of a story
// formed after it loaded and offers it, without reloading.
func TestBrowserNewStoriesNotice(t *testing.T) {
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	ctx := browser(t)
	signIn(t, ctx, fx, srv.URL)
	do(t, ctx, chromedp.Navigate(srv.URL+"/stories"), chromedp.WaitReady(chromedp.CSS(`[data-new-stories][data-latest]`)))
	if run(t, ctx, chromedp.Evaluate[bool](`document.querySelector("[data-new-stories]").hidden`)) != true {
		t.Fatal("the notice shows before anything is new")
	}
	st := &digest.Story{Headline: "Late news", FirstSeen: baseTime, LastSeen: baseTime, Outlets: 1, ArticleIDs: []int64{fx.articleIDs["budget"]}}
	if err := fx.store.SaveStory(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	// The page polls once a minute, and at once on coming back to the tab.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new Event("visibilitychange"))`),
		chromedp.WaitVisible(chromedp.CSS(`[data-new-stories] a`)))
	text := run(t, ctx, chromedp.Text(chromedp.CSS(`[data-new-stories]`)))
	if !strings.HasPrefix(text, "1 new story") {
		t.Errorf("notice = %q, want 1 new story", text)
	}
}
