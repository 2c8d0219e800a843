package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	digest "github.com/occasional-digest/digest"
)

// readerPages are the pages of the reader essentials: a category, a feed
// with its "mark all as read", an article with its previous and next.
func readerPages(t *testing.T, fx *fixture) map[string]string {
	t.Helper()
	news := fx.setCategory(t, "wire", "News")
	fx.setCategory(t, "local", "Local")
	wire := strconv.FormatInt(fx.feedIDs["wire"], 10)
	return map[string]string{
		"category":         "/?category=" + strconv.FormatInt(news, 10),
		"feed":             "/?feed=" + wire,
		"article-prevnext": "/articles/" + strconv.FormatInt(fx.articleIDs["storm"], 10) + "?feed=" + wire,
	}
}

// TestBrowserReaderPages: the category, feed and article pages with the
// reader essentials pass axe-core (WCAG 2.2 AA), light and dark, at 360
// and 1280 px, with 24 px tap targets and no sideways scrolling; their
// screenshots go to DIGEST_SCREENSHOTS when it is set.
func TestBrowserReaderPages(t *testing.T) {
	axe := axeScript(t)
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	pages := readerPages(t, fx)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	dir := os.Getenv("DIGEST_SCREENSHOTS")
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, p := range pages {
		for _, scheme := range []string{"light", "dark"} {
			for _, w := range []int64{360, 1280} {
				t.Run(fmt.Sprintf("%s-%s-%d", name, scheme, w), func(t *testing.T) {
					do(t, ctx, colorScheme(scheme), chromedp.EmulateViewport(w, 800), chromedp.Navigate(srv.URL+p), chromedp.WaitReady(chromedp.CSS("main")))
					axeCheck(t, ctx, axe)
					m := run(t, ctx, chromedp.Evaluate[layoutReport](measureLayout))
					for _, s := range m.SmallTargets {
						t.Errorf("tap target under 24 x 24 px: %s", s)
					}
					noOverflow(t, ctx, name)
					if dir != "" {
						png := run(t, ctx, chromedp.FullScreenshot(100))
						if err := os.WriteFile(fmt.Sprintf("%s/%s-%d-%s.png", dir, name, w, scheme), png, 0o644); err != nil {
							t.Fatal(err)
						}
					}
				})
			}
		}
	}
	do(t, ctx, colorScheme(""))
}

// TestBrowserArticleKeysAndMarkAll: on an article's page j and k go to
// the older and the newer article of the list it was opened from; on a
// feed's page, "mark all as read" marks the feed's articles.
func TestBrowserArticleKeysAndMarkAll(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	fx.seed(t)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	wire := strconv.FormatInt(fx.feedIDs["wire"], 10)
	do(t, ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(srv.URL+"/?feed="+wire),
		chromedp.WaitVisible(chromedp.CSS(".river")),
		tap(`.river [data-item]:nth-child(2) .item-title a`),
		chromedp.WaitVisible(chromedp.CSS("h1.headline")),
	)
	headline := func() string { return run(t, ctx, chromedp.Text(chromedp.CSS("h1.headline"))) }
	if h := headline(); h != "Storm closes the coast road" {
		t.Fatalf("opened %q, want the wire's second article", h)
	}
	do(t, ctx, chromedp.KeyEvent("j"), chromedp.WaitVisible(chromedp.CSS(`[data-article="`+strconv.FormatInt(fx.articleIDs["xss"], 10)+`"]`)))
	do(t, ctx, chromedp.KeyEvent("k"), chromedp.WaitVisible(chromedp.CSS(`[data-article="`+strconv.FormatInt(fx.articleIDs["storm"], 10)+`"]`)))
	do(t, ctx, chromedp.KeyEvent("k"), chromedp.WaitVisible(chromedp.CSS(`[data-article="`+strconv.FormatInt(fx.articleIDs["budget"], 10)+`"]`)))
	if loc := run(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "?feed="+wire) {
		t.Errorf("k left the feed's list: at %s", loc)
	}
	// Opened, the three were marked read: unread again, the Back link
	// returns to the feed, and "mark all as read" marks them there.
	if _, err := fx.store.MarkRead(context.Background(), fx.uid, []int64{fx.articleIDs["budget"], fx.articleIDs["storm"], fx.articleIDs["xss"]}, false); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		tap(".back a"),
		chromedp.WaitVisible(chromedp.CSS("form.mark-all button")),
		chromedp.Focus(chromedp.CSS("form.mark-all button")),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitNotPresent(chromedp.CSS(`.river [data-item]:not(.is-read)`)),
	)
	for _, name := range []string{"budget", "storm", "xss"} {
		if !fx.read(t, name) {
			t.Errorf("%s is unread after mark all as read", name)
		}
	}
	if fx.read(t, "ferry") {
		t.Error("another feed's article was marked read")
	}
}

// TestBrowserScreenshotsOfARunningServer: DIGEST_SCREENSHOTS_URL mode
// signs in with the login link of DIGEST_SCREENSHOTS_LOGIN and shoots the
// server's pages, not its sign-in page.
func TestBrowserScreenshotsOfARunningServer(t *testing.T) {
	if chromium() == "" {
		t.Skip("no Chromium")
	}
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	link, _, err := fx.auth.NewCredential(context.Background(), fx.user, digest.LoginLink, "screenshots", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Setenv("DIGEST_SCREENSHOTS", dir)
	t.Setenv("DIGEST_SCREENSHOTS_URL", srv.URL)
	t.Setenv("DIGEST_SCREENSHOTS_LOGIN", srv.URL+"/login/link/"+link)
	TestBrowserScreenshots(t)
	if t.Failed() {
		return
	}
	// The story page's shot is of the story, not of the sign-in form:
	// the signed-in story page is much taller than the form.
	story, err := os.ReadFile(dir + "/story-360-light.png")
	if err != nil {
		t.Fatal(err)
	}
	form, err := os.ReadFile(dir + "/notfound-360-light.png")
	if err != nil {
		t.Fatal(err)
	}
	if len(story) <= len(form) {
		t.Errorf("the story page's screenshot (%d bytes) is no bigger than the not-found page's (%d)", len(story), len(form))
	}
}
