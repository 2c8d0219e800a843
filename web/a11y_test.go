package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeScript returns the source of axe-core: the file in DIGEST_AXE, or the
// copy scripts/test.sh installs with npm in the user's cache directory
// (never in the repository). The test is skipped without it.
func axeScript(t *testing.T) string {
	t.Helper()
	path := os.Getenv("DIGEST_AXE")
	if path == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			path = filepath.Join(dir, "occasional-digest", "axe", "node_modules", "axe-core", "axe.min.js")
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no axe-core at %q (scripts/test.sh installs it with npm; or set DIGEST_AXE=path/to/axe.min.js): %v", path, err)
	}
	return string(b)
}

// axeViolation is one failed axe rule with the elements that fail it.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// a11yPages are the pages every reader sees, for the accessibility tests.
func a11yPages(fx *fixture) []string {
	return []string{
		"/",
		"/?unread=1",
		"/articles/" + strconv.FormatInt(fx.articleIDs["ferry"], 10),
		"/stories/" + strconv.FormatInt(fx.articleIDs["story"], 10),
		"/stories",
		"/entities/per/" + url.PathEscape(strings.Repeat("Unbreakable", 12)),
		"/entities/loc/Harbour%20Town",
		"/feeds",
		"/settings",
		"/admin/users",
		"/no/such/page",
	}
}

// TestBrowserAccessibility runs axe-core on every page, light and dark, at
// a phone's and a desktop's width: no WCAG 2.0, 2.1 or 2.2 A or AA
// violation (2.2 AA brings the 24 px target size).
func TestBrowserAccessibility(t *testing.T) {
	axe := axeScript(t)
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	check := func(t *testing.T) { t.Helper(); axeCheck(t, ctx, axe) }
	for _, scheme := range []string{"light", "dark"} {
		for _, w := range []int64{360, 1280} {
			for _, p := range a11yPages(fx) {
				t.Run(fmt.Sprintf("%s-%d%s", scheme, w, p), func(t *testing.T) {
					do(t, ctx, colorScheme(scheme), chromedp.EmulateViewport(w, 800), chromedp.Navigate(srv.URL+p), chromedp.WaitReady(chromedp.CSS("body")))
					check(t)
				})
			}
		}
	}
	// The sign-in page, signed out.
	t.Run("sign-in", func(t *testing.T) {
		do(t, ctx, colorScheme("light"), chromedp.EmulateViewport(360, 800), chromedp.Navigate(srv.URL+"/"))
		do(t, ctx, tap(`button.nav-button`), chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
		check(t)
	})
}

// axeCheck runs axe-core (its source in axe) on the page shown and fails
// on each WCAG 2.0, 2.1 or 2.2 A or AA violation.
func axeCheck(t *testing.T, ctx context.Context, axe string) {
	t.Helper()
	if !run(t, ctx, chromedp.Evaluate[bool](`typeof axe === "object"`)) {
		// Evaluated through the DevTools protocol, so the page's CSP
		// (script-src 'self') does not apply to it.
		run(t, ctx, chromedp.Evaluate[bool](axe+";true"))
	}
	vs := run(t, ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
		resultTypes: ["violations"]
	}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	for _, v := range vs {
		var where []string
		for i, n := range v.Nodes {
			if i == 4 {
				where = append(where, fmt.Sprintf("... %d more", len(v.Nodes)-4))
				break
			}
			where = append(where, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		t.Errorf("%s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
}

// layoutReport is what TestBrowserLayoutForEveryReader measures on a page.
type layoutReport struct {
	SmallTargets []string `json:"smallTargets"` // controls under 24 x 24 px
	Dangling     []string `json:"dangling"`     // a "·" that ends a line
	BrokenTimes  []string `json:"brokenTimes"`  // a short <time> ("1 h ago") over two lines
}

// measureLayout finds the small tap targets, the dots left at a line's end
// and the times broken over two lines of the page shown.
const measureLayout = `(function () {
  function visible(el) { var r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"; }
  function name(el) { return el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().replace(/\s+/g, ".") : "") + " " + JSON.stringify((el.textContent || el.value || "").trim().slice(0, 30)); }
  var out = {smallTargets: [], dangling: [], brokenTimes: []};
  var controls = ".link-button, .nav a, .nav-button, .help-button, .tabs a, .chip, .button, .outlet, .feed-picker summary, " +
    ".more-stories a, .back a, .source-list a, .feed-title, .pager a, .source-link, select, button, " +
    "input:not([type=hidden]):not([type=file])";
  document.querySelectorAll("main " + controls.split(", ").join(", main ") + ", header " + controls.split(", ").join(", header ")).forEach(function (el) {
    if (!visible(el)) return;
    var r = el.getBoundingClientRect();
    if (r.width < 24 || r.height < 24) out.smallTargets.push(name(el) + " " + Math.round(r.width) + "x" + Math.round(r.height));
  });
  document.querySelectorAll(".sep").forEach(function (sep) {
    if (!visible(sep)) return;
    var w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    w.currentNode = sep.lastChild || sep;
    var n, i = -1;
    while ((n = w.nextNode())) {
      i = n.data.search(/\S/);
      if (i >= 0 && n.parentElement && visible(n.parentElement)) break;
    }
    if (!n) return;
    var range = document.createRange();
    range.setStart(n, i); range.setEnd(n, i + 1);
    var next = range.getBoundingClientRect(), dot = sep.getBoundingClientRect();
    if (next.top >= dot.bottom - 1) out.dangling.push(name(sep.parentElement));
  });
  document.querySelectorAll("time:not([data-long])").forEach(function (el) {
    if (visible(el) && el.getClientRects().length > 1) out.brokenTimes.push(name(el));
  });
  return out;
})()`

// TestBrowserLayoutForEveryReader checks, on every page at a phone's and
// a desktop's width: controls are 24 x 24 px tap targets at least, no "·"
// ends a line, no time ("1 h ago") breaks; and that the desktop uses its
// width while the phone keeps one column.
func TestBrowserLayoutForEveryReader(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	for _, w := range []int64{360, 1280} {
		for _, p := range a11yPages(fx) {
			t.Run(fmt.Sprintf("%d%s", w, p), func(t *testing.T) {
				do(t, ctx, colorScheme("light"), chromedp.EmulateViewport(w, 800), chromedp.Navigate(srv.URL+p), chromedp.WaitReady(chromedp.CSS("main")))
				m := run(t, ctx, chromedp.Evaluate[layoutReport](measureLayout))
				for _, s := range m.SmallTargets {
					t.Errorf("tap target under 24 x 24 px: %s", s)
				}
				for _, s := range m.Dangling {
					t.Errorf("a line ends with a dot in %s", s)
				}
				for _, s := range m.BrokenTimes {
					t.Errorf("time broken over two lines: %s", s)
				}
			})
		}
	}

	type box struct{ Left, Right, Top, Bottom float64 }
	type pair struct{ A, B box }
	rects := func(a, b string) pair {
		return run(t, ctx, chromedp.Evaluate[pair](fmt.Sprintf(`(function () {
			function r(s) { var b = document.querySelector(s).getBoundingClientRect(); return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; }
			return {a: r(%q), b: r(%q)};
		})()`, a, b)))
	}
	for _, c := range []struct{ path, a, b string }{
		{"/", ".stories", ".river-section"},
		{"/feeds", ".feed-browser", ".card"},
	} {
		do(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(srv.URL+c.path), chromedp.WaitReady(chromedp.CSS("main")))
		if p := rects(c.a, c.b); !(p.A.Right <= p.B.Left || p.B.Right <= p.A.Left) || p.A.Top > p.B.Bottom || p.B.Top > p.A.Bottom {
			t.Errorf("at 1280 px on %s, %s (%+v) and %s (%+v) are not side by side", c.path, c.a, p.A, c.b, p.B)
		}
		if p := rects("main", "main"); p.A.Right-p.A.Left < 1000 {
			t.Errorf("at 1280 px on %s, the page is %.0f px wide", c.path, p.A.Right-p.A.Left)
		}
		do(t, ctx, chromedp.EmulateViewport(360, 800), chromedp.Navigate(srv.URL+c.path), chromedp.WaitReady(chromedp.CSS("main")))
		if p := rects(c.a, c.b); p.A.Top < p.B.Bottom && p.B.Top < p.A.Bottom {
			t.Errorf("at 360 px on %s, %s (%+v) and %s (%+v) share a row", c.path, c.a, p.A, c.b, p.B)
		}
	}
}

// TestBrowserDatesInLocalTime: the server writes UTC; the reader sees the
// long dates and the dates on hover in their own time zone.
func TestBrowserDatesInLocalTime(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	fx.seed(t)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	do(t, ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Tokyo"})
			return err
		}),
		chromedp.Navigate(srv.URL+"/articles/"+strconv.FormatInt(fx.articleIDs["ferry"], 10)),
		chromedp.WaitVisible(chromedp.CSS("h1.headline")),
	)
	// The ferry article is 2 h older than the tests' clock, 12:00 UTC:
	// 10:00 UTC is 19:00 in Tokyo.
	text := run(t, ctx, chromedp.Text(chromedp.CSS(".article-head time")))
	if !strings.Contains(text, "19:00") || strings.Contains(text, "UTC") {
		t.Errorf("the article's date reads %q, want Tokyo's 19:00", text)
	}
	do(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(".river")))
	if title := run(t, ctx, chromedp.AttributeValue(chromedp.CSS(".river time"), "title")).Value; strings.Contains(title, "UTC") {
		t.Errorf("a river date's title is in UTC: %q", title)
	}
}
