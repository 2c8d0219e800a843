package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// focusReport is what tabTo reads of the focused element.
type focusReport struct {
	Match   bool    `json:"match"`
	Name    string  `json:"name"`
	Outline string  `json:"outline"` // outline style
	Width   float64 `json:"width"`   // outline width, px
	InView  bool    `json:"inView"`  // inside the viewport
}

const readFocus = `(function (sel) {
  var el = document.activeElement;
  if (!el || el === document.body) return {match: false, name: "body"};
  var cs = getComputedStyle(el), r = el.getBoundingClientRect();
  return {
    match: el.matches(sel),
    name: el.tagName.toLowerCase() + " " + JSON.stringify((el.textContent || el.value || el.name || "").trim().slice(0, 40)),
    outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth) || 0,
    inView: r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth && r.width > 0
  };
})(%q)`

// loaded waits for the page's load event: its stylesheet applies, so
// focus rings are the site's.
func loaded(t *testing.T, ctx context.Context) {
	t.Helper()
	run(t, ctx, chromedp.Evaluate[bool](`new Promise(function (r) {
		if (document.readyState === "complete") r(true); else addEventListener("load", function () { r(true); });
	})`, chromedp.EvalAwaitPromise))
}

// tabTo presses Tab (Shift+Tab when back) until the focused element
// matches selector, failing after max presses. Every element the focus
// lands on must show a visible focus ring inside the window.
func tabTo(t *testing.T, ctx context.Context, selector string, back bool, max int) {
	t.Helper()
	var opts []chromedp.KeyOption
	if back {
		opts = append(opts, chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	loaded(t, ctx)
	var path []string
	for range max {
		do(t, ctx, chromedp.KeyEvent(kb.Tab, opts...))
		f := run(t, ctx, chromedp.Evaluate[focusReport](fmt.Sprintf(readFocus, selector)))
		path = append(path, f.Name)
		if f.Name != "body" && (f.Outline == "none" || f.Width < 2 || !f.InView) {
			t.Errorf("focus on %s is not visible: outline %s %.1f px, in view %v", f.Name, f.Outline, f.Width, f.InView)
		}
		if f.Match {
			return
		}
	}
	t.Fatalf("%d presses of Tab never reached %s; focus went through %v", max, selector, path)
}

// TestBrowserKeyboardOnlyWalkthrough: a reader who uses no mouse signs in,
// opens a story and one of its articles, marks it read and unread, stars
// it, goes to the feeds and adds one, with Tab, Enter and Space alone
// (and typing into the fields); the skip link comes first, and every
// focused control shows where the focus is.
func TestBrowserKeyboardOnlyWalkthrough(t *testing.T) {
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	ctx := browser(t) // signed out
	// Focus scrolls the page to the focused control; with reduced motion
	// it does so at once instead of smoothly, so the control is in view
	// when the test looks.
	reduced := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
		})
		return err
	})
	do(t, ctx, reduced, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))

	// Sign in: the name field has the focus already.
	if f := run(t, ctx, chromedp.Evaluate[focusReport](fmt.Sprintf(readFocus, `input[name="name"]`))); !f.Match {
		t.Fatalf("the sign-in page opens with the focus on %s, want the name field", f.Name)
	}
	do(t, ctx, chromedp.KeyEvent("reader"))
	tabTo(t, ctx, `input[name="password"]`, false, 5)
	do(t, ctx, chromedp.KeyEvent("reader password"), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".stories")))

	// On the front page the first Tab reaches the skip link, shown while
	// focused; Enter on it goes to the content.
	tabTo(t, ctx, "a.skip", false, 1)
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	if h := run(t, ctx, chromedp.Evaluate[string](`location.hash`)); h != "#main" {
		t.Errorf("the skip link led to %q", h)
	}

	// Open the first story, then its first article.
	tabTo(t, ctx, ".story-card-title a", false, 40)
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(".story-page h1.headline")))
	tabTo(t, ctx, ".coverage .item-title a", false, 60)
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS("article.article h1.headline")))
	id, err := strconv.ParseInt(run(t, ctx, chromedp.AttributeValue(chromedp.CSS("[data-article]"), "data-article")).Value, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	// Shown, the article is marked read by the page; Space on the button
	// marks it unread, and again read.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`form[data-toggle="read"][data-active="true"]`)))
	tabTo(t, ctx, `form[data-toggle="read"] button`, false, 30)
	do(t, ctx, chromedp.KeyEvent(" "), chromedp.WaitVisible(chromedp.CSS(`form[data-toggle="read"][data-active="false"]`)))
	if a, err := fx.store.Article(context.Background(), fx.uid, id); err != nil || a.Read {
		t.Fatalf("Space on Mark unread: read %v (%v)", a.Read, err)
	}
	do(t, ctx, chromedp.KeyEvent(" "), chromedp.WaitVisible(chromedp.CSS(`form[data-toggle="read"][data-active="true"]`)))
	tabTo(t, ctx, `form[data-toggle="star"] button`, false, 3)
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`form[data-toggle="star"][data-active="true"]`)))
	if a, err := fx.store.Article(context.Background(), fx.uid, id); err != nil || !a.Read || !a.Starred {
		t.Fatalf("after Space and Enter: %+v (%v), want read and starred", a, err)
	}

	// Back up to the navigation, to the feeds, and add one.
	tabTo(t, ctx, `.nav a[href="/feeds"]`, true, 30)
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`input[name="url"]`)))
	tabTo(t, ctx, `input[name="url"]`, false, 40)
	do(t, ctx, chromedp.KeyEvent("https://keyboard.example/feed.xml"))
	tabTo(t, ctx, `form[action="/feeds"] button[type="submit"]`, false, 3)
	// The answer is the feeds page saying the feed is subscribed.
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`.feeds-page .notice`)))
	feeds, err := fx.store.Feeds(context.Background(), fx.uid)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range feeds {
		found = found || f.URL == "https://keyboard.example/feed.xml"
	}
	if !found {
		t.Error("the feed added with the keyboard is not subscribed")
	}
}
