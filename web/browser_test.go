package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	digest "github.com/occasional-digest/digest"
)

// chromium finds a Chromium binary, or "".
func chromium() string {
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser starts a headless Chromium with a fresh profile. The deadline
// only stops a hung browser; no assertion depends on time.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		t.Skip("no Chromium at /usr/bin/chromium: install the Debian package chromium (scripts/test.sh does) to run the browser tests")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelCtx := chromedp.NewContext(allocCtx)
	// The first run starts the browser and must have no deadline, or the
	// deadline would end the browser.
	if err := chromedp.Do(browserCtx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start chromium %s: %v", path, err)
	}
	// A bound against a hung browser, not a speed check: generous, since
	// a loaded machine runs the longer walkthroughs past two minutes.
	ctx, cancelTimeout := context.WithTimeout(browserCtx, 5*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// seedWide fills a fixture with content built to push a page sideways:
// unbroken words in titles and summaries, a wide image, a table and code.
func seedWide(t *testing.T, fx *fixture) {
	t.Helper()
	fx.seed(t)
	long := strings.Repeat("Unbreakable", 12)
	var entries []digest.Entry
	for i := range 12 {
		e := entry("wide-"+strconv.Itoa(i), "Headline "+strconv.Itoa(i)+" "+long, time.Duration(6+i)*time.Hour, wideContent)
		e.Summary = "See https://example.com/" + strings.Repeat("path/", 40) + " and " + long + long
		entries = append(entries, e)
	}
	fx.addEntries(t, fx.feedIDs["local"], entries...)
	// A syndicated copy from an outlet with an unbroken name, merged
	// into the wire's budget report.
	wide := fx.addFeed(t, "wide", "The "+long+" Gazette")
	fx.addEntries(t, wide, entry("budget-copy", "Council passes the harbour budget", 50*time.Minute, "<p>The council voted.</p>"))
	if err := fx.store.MergeArticles(context.Background(), fx.articleIDs["budget"], fx.articleIDs["budget-copy"], fx.articleIDs["budget"]); err != nil {
		t.Fatal(err)
	}
	st := &digest.Story{
		Headline: "Winter comes to the harbour " + long, Summary: "Everything at once " + long,
		FirstSeen: baseTime.Add(-5 * time.Hour), LastSeen: baseTime.Add(-time.Hour), Importance: 1, Outlets: 2,
		Entities:   []digest.Entity{{Name: "Harbour Town", Kind: digest.Place}, {Name: long, Kind: digest.Person}},
		ArticleIDs: []int64{fx.articleIDs["budget"], fx.articleIDs["ferry"]},
	}
	if err := fx.store.SaveStory(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	fx.articleIDs["story"] = st.ID
	// A rule that matches nothing, with a match as long and unbroken as
	// the rest, for the Rules page.
	if err := fx.store.CreateRule(context.Background(), fx.uid, &digest.Rule{Name: "Quiet " + long, Action: digest.RuleLike, Enabled: true,
		Match: `title:/zz-no-headline-` + long + `/ -author:"` + long + `"`}); err != nil {
		t.Fatal(err)
	}
	// More stories, so the front page fills up as it does in use.
	for i := range 6 {
		more := &digest.Story{
			Headline: "Another story " + strconv.Itoa(i) + " " + long, Summary: "A summary " + long + long,
			FirstSeen: baseTime.Add(-8 * time.Hour), LastSeen: baseTime.Add(-time.Duration(2+i) * time.Hour), Importance: 0.5,
			Entities:   []digest.Entity{{Name: long + strconv.Itoa(i), Kind: digest.Organization}, {Name: "Harbour Town", Kind: digest.Place}},
			ArticleIDs: []int64{fx.articleIDs["wide-"+strconv.Itoa(i)]},
		}
		if err := fx.store.SaveStory(context.Background(), more); err != nil {
			t.Fatal(err)
		}
	}
}

// do runs browser steps, failing the test on an error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// tap waits until an element matching sel is shown and clicks it with
// its own click(), as a tap does: a link follows, a button submits, a
// summary opens. chromedp's mouse click finds the node, then clicks at
// its coordinates, and fails ("No node with given id found") or misses
// when the page changes in between (a script's rewrite, a smooth scroll);
// here finding and clicking are one step in the page. The click runs
// just after the poll answers, so a navigation it starts cannot cut the
// answer off.
func tap(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`(function () {
		var e = document.querySelector(`+strconv.Quote(sel)+`);
		if (!e || !e.getClientRects().length || getComputedStyle(e).visibility === "hidden") return false;
		setTimeout(function () { e.click(); }, 0);
		return true;
	})()`, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(0))
}

// run runs one browser action and returns its value, failing the test on
// an error.
func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

type overflow struct {
	ScrollWidth int `json:"scrollWidth"`
	InnerWidth  int `json:"innerWidth"`
}

const measureOverflow = `({scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth})`

func TestBrowserNoHorizontalOverflow(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	signIn(t, ctx, fx, srv.URL)
	defer srv.Close()

	paths := []string{
		"/",
		"/articles/" + strconv.FormatInt(fx.articleIDs["ferry"], 10),
		"/articles/" + strconv.FormatInt(fx.articleIDs["wide-0"], 10),
		"/stories/" + strconv.FormatInt(fx.articleIDs["story"], 10),
		"/stories",
		"/entities/per/" + url.PathEscape(strings.Repeat("Unbreakable", 12)),
		"/entities/loc/Harbour%20Town",
		"/feeds",
		"/rules",
		"/foryou",
		"/digest",
		"/?q=nothingmatches",
	}
	for _, vp := range []struct{ w, h int64 }{{360, 740}, {1280, 800}} {
		for _, p := range paths {
			t.Run(fmt.Sprintf("%dx%d%s", vp.w, vp.h, p), func(t *testing.T) {
				err := chromedp.Do(ctx,
					chromedp.EmulateViewport(vp.w, vp.h),
					chromedp.Navigate(srv.URL+p),
					chromedp.WaitReady(chromedp.CSS("main")),
				)
				if err != nil {
					t.Fatal(err)
				}
				title, err := chromedp.Run(ctx, chromedp.Title())
				if err != nil {
					t.Fatal(err)
				}
				m, err := chromedp.Run(ctx, chromedp.Evaluate[overflow](measureOverflow))
				if err != nil {
					t.Fatal(err)
				}
				if m.InnerWidth != int(vp.w) {
					t.Fatalf("innerWidth = %d, want %d", m.InnerWidth, vp.w)
				}
				if m.ScrollWidth > m.InnerWidth {
					t.Errorf("page %q is %d px wide in a %d px window", title, m.ScrollWidth, m.InnerWidth)
				}
			})
		}
	}

	// The wide parts scroll inside themselves instead.
	type scrollers struct {
		Pre, Table bool
		Img        float64
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(srv.URL+"/articles/"+strconv.FormatInt(fx.articleIDs["ferry"], 10)),
		chromedp.WaitReady(chromedp.CSS(".prose")),
	)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := chromedp.Run(ctx, chromedp.Evaluate[scrollers](`({
			pre: (function(e){ return e.scrollWidth > e.clientWidth })(document.querySelector(".prose pre")),
			table: (function(e){ return e.scrollWidth > e.clientWidth })(document.querySelector(".prose .table-wrap")),
			img: document.querySelector(".prose img").getBoundingClientRect().width
		})`))
	if err != nil {
		t.Fatal(err)
	}
	if !inner.Pre || !inner.Table {
		t.Errorf("code and table should scroll inside themselves at 360 px: pre %v, table %v", inner.Pre, inner.Table)
	}
	if inner.Img > 360 || inner.Img == 0 {
		t.Errorf("the 2400 px image is %.0f px wide at 360 px", inner.Img)
	}
}

func TestBrowserReadAnArticle(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	signIn(t, ctx, fx, srv.URL)
	defer srv.Close()

	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(srv.URL+"/?unread=1"),
		chromedp.WaitVisible(chromedp.CSS(".river")),
		tap(".river .item-title a"),
		chromedp.WaitVisible(chromedp.CSS("h1.headline")),
		chromedp.WaitVisible(chromedp.CSS("a.source-link")),
	)
	if err != nil {
		t.Fatal(err)
	}
	headline := run(t, ctx, chromedp.Text(chromedp.CSS("h1.headline")))
	source := run(t, ctx, chromedp.Text(chromedp.CSS("a.source-link")))
	href := run(t, ctx, chromedp.AttributeValue(chromedp.CSS("a.source-link"), "href")).Value
	rel := run(t, ctx, chromedp.AttributeValue(chromedp.CSS("a.source-link"), "rel")).Value
	if headline != "Council passes the harbour budget" {
		t.Errorf("opened %q, want the newest article", headline)
	}
	if !strings.HasPrefix(strings.TrimSpace(source), "Source") || href != "https://news.example/budget" || rel != "noopener noreferrer" {
		t.Errorf("source link %q -> %q rel %q", source, href, rel)
	}
	// The page's script marks it read once shown: the form turns into
	// "Mark unread" when the POST has been answered.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`[data-article].is-read form[data-toggle="read"][data-active="true"]`)))
	a, err := fx.store.Article(context.Background(), fx.uid, fx.articleIDs["budget"])
	if err != nil {
		t.Fatal(err)
	}
	if !a.Read {
		t.Error("the opened article is not marked read")
	}
	if b := run(t, ctx, chromedp.Text(chromedp.CSS(`form[data-toggle="read"] button`))); b != "Mark unread" {
		t.Errorf("read button says %q, want Mark unread", b)
	}
	// m on the article page marks it unread again, and reloading the page
	// does not mark it read behind the reader's back... until shown again.
	do(t, ctx, chromedp.KeyEvent("m"), chromedp.WaitVisible(chromedp.CSS(`form[data-toggle="read"][data-active="false"]`)))
	if a, err := fx.store.Article(context.Background(), fx.uid, fx.articleIDs["budget"]); err != nil || a.Read {
		t.Errorf("m on the article page left it read (%v)", err)
	}
	// An article read and starred before: its page is not marked again,
	// and m and s undo what the server says is set.
	ferry := fx.articleIDs["ferry"]
	if _, err := fx.store.MarkRead(context.Background(), fx.uid, []int64{ferry}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.store.MarkStarred(context.Background(), fx.uid, []int64{ferry}, true); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/articles/"+strconv.FormatInt(ferry, 10)),
		chromedp.WaitVisible(chromedp.CSS(`form[data-toggle="read"][data-active="true"]`)),
		chromedp.KeyEvent("m"),
		chromedp.WaitVisible(chromedp.CSS(`form[data-toggle="read"][data-active="false"]`)),
		chromedp.KeyEvent("s"),
		chromedp.WaitVisible(chromedp.CSS(`form[data-toggle="star"][data-active="false"]`)),
	)
	if a, err := fx.store.Article(context.Background(), fx.uid, ferry); err != nil || a.Read || a.Starred {
		t.Errorf("m and s on a read, starred article: %+v (%v), want unread and unstarred", a, err)
	}
}

// TestBrowserMarkReadWithoutScript: with scripts off, opening an article
// leaves it unread, and its "Mark read" button marks it.
func TestBrowserMarkReadWithoutScript(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	fx.seed(t)
	srv := httptest.NewServer(fx.h)
	signIn(t, ctx, fx, srv.URL)
	defer srv.Close()
	id := fx.articleIDs["ferry"]
	do(t, ctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}),
		chromedp.Navigate(srv.URL+"/articles/"+strconv.FormatInt(id, 10)),
		chromedp.WaitVisible(chromedp.CSS("h1.headline")),
	)
	if a, err := fx.store.Article(context.Background(), fx.uid, id); err != nil || a.Read {
		t.Fatalf("opening the article without a script marked it read (%v)", err)
	}
	do(t, ctx,
		// A mouse click: with scripts off, tap's click() would never run.
		chromedp.Click(chromedp.CSS(`form[data-toggle="read"] button`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(".river")), // the form returns to the river
	)
	if a, err := fx.store.Article(context.Background(), fx.uid, id); err != nil || !a.Read {
		t.Errorf("the Mark read button did not mark the article read (%v)", err)
	}
}

func TestBrowserKeyboard(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	signIn(t, ctx, fx, srv.URL)
	defer srv.Close()

	selected := `Array.prototype.indexOf.call(document.querySelectorAll("[data-item]"), document.querySelector("[data-item].is-selected"))`
	do(t, ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(".river")),
		chromedp.KeyEvent("j"),
	)
	afterJ := run(t, ctx, chromedp.Evaluate[int](selected))
	do(t, ctx, chromedp.KeyEvent("j"))
	afterJJ := run(t, ctx, chromedp.Evaluate[int](selected))
	do(t, ctx, chromedp.KeyEvent("k"))
	afterK := run(t, ctx, chromedp.Evaluate[int](selected))
	do(t, ctx, chromedp.KeyEvent("?"), chromedp.WaitVisible(chromedp.CSS("#help")))
	helpShown := run(t, ctx, chromedp.Evaluate[bool](`!document.getElementById("help").hidden`))
	do(t, ctx, chromedp.KeyEvent(kb.Escape), chromedp.WaitNotVisible(chromedp.CSS("#help")))
	helpHidden := run(t, ctx, chromedp.Evaluate[bool](`document.getElementById("help").hidden`))
	if afterJ != 0 || afterJJ != 1 || afterK != 0 {
		t.Errorf("j, j, k selected items %d, %d, %d; want 0, 1, 0", afterJ, afterJJ, afterK)
	}
	if !helpShown || !helpHidden {
		t.Errorf("? showed help %v, Escape hid it %v", helpShown, helpHidden)
	}

	// m marks the selected (first) item read in place, through the API.
	do(t, ctx, chromedp.KeyEvent("m"), chromedp.WaitVisible(chromedp.CSS(`[data-item].is-selected.is-read`)))
	a, err := fx.store.Article(context.Background(), fx.uid, fx.articleIDs["budget"])
	if err != nil {
		t.Fatal(err)
	}
	if !a.Read {
		t.Error("m did not mark the article read in the store")
	}

	// o opens the selected item.
	do(t, ctx, chromedp.KeyEvent("j"), chromedp.KeyEvent("o"), chromedp.WaitVisible(chromedp.CSS("h1.headline")))
	headline := run(t, ctx, chromedp.Text(chromedp.CSS("h1.headline")))
	if headline != "Ferry timetable changes for winter" {
		t.Errorf("o opened %q, want the second item", headline)
	}

	// On the stories list, j and o open a story.
	do(t, ctx,
		chromedp.Navigate(srv.URL+"/stories"),
		chromedp.WaitVisible(chromedp.CSS(".story-list")),
		chromedp.KeyEvent("j"), chromedp.KeyEvent("o"),
		chromedp.WaitVisible(chromedp.CSS(".story-page h1.headline")),
	)
	headline = run(t, ctx, chromedp.Text(chromedp.CSS("h1.headline")))
	if !strings.HasPrefix(headline, "Winter comes to the harbour") {
		t.Errorf("j, o on /stories opened %q, want the most important story", headline)
	}
}

// colorScheme emulates prefers-color-scheme.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			// Reduced motion too: a smooth scroll to an anchor moves the
			// elements a mouse click aims at while it runs.
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}, {Name: "prefers-reduced-motion", Value: "reduce"}},
		})
		return err
	})
}

func TestBrowserDarkMode(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	fx.seed(t)
	srv := httptest.NewServer(fx.h)
	signIn(t, ctx, fx, srv.URL)
	defer srv.Close()
	type colors struct {
		Background, Text string
	}
	read := `({background: getComputedStyle(document.body).backgroundColor, text: getComputedStyle(document.body).color})`
	for _, tt := range []struct {
		scheme   string
		darkBody bool
	}{{"light", false}, {"dark", true}} {
		do(t, ctx, colorScheme(tt.scheme), chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady(chromedp.CSS("main")))
		c := run(t, ctx, chromedp.Evaluate[colors](read))
		bg, text := brightness(t, c.Background), brightness(t, c.Text)
		if (bg < text) != tt.darkBody {
			t.Errorf("%s scheme: background %s, text %s", tt.scheme, c.Background, c.Text)
		}
	}
	do(t, ctx, colorScheme(""))
}

// brightness sums the channels of a CSS "rgb(r, g, b)" color.
func brightness(t *testing.T, css string) int {
	t.Helper()
	var r, g, b int
	if _, err := fmt.Sscanf(css, "rgb(%d, %d, %d)", &r, &g, &b); err != nil {
		t.Fatalf("color %q: %v", css, err)
	}
	return r + g + b
}

// TestBrowserScreenshots writes screenshots of the main pages to the
// directory in DIGEST_SCREENSHOTS, for a person to look at the design.
//
// DIGEST_SCREENSHOTS_URL=http://127.0.0.1:8080 shoots a running server
// (e.g. "digest demo") instead of the test fixture. Its pages need a
// signed-in browser: DIGEST_SCREENSHOTS_LOGIN gives a one-time login link
// (the "login:" line "digest demo" prints; "digest user add" and the
// server's setup link make accounts elsewhere), which the browser opens
// first; the pages' IDs are then read through the API with that session.
func TestBrowserScreenshots(t *testing.T) {
	dir := os.Getenv("DIGEST_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DIGEST_SCREENSHOTS=dir to write screenshots of the pages")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	base := os.Getenv("DIGEST_SCREENSHOTS_URL")
	login := os.Getenv("DIGEST_SCREENSHOTS_LOGIN")
	if base != "" && login == "" {
		t.Fatal("DIGEST_SCREENSHOTS_URL needs DIGEST_SCREENSHOTS_LOGIN: a one-time login link of that server " +
			"(digest demo prints it as \"login: URL\"), to sign the browser in")
	}
	ctx := browser(t)
	storyID, articleID := int64(0), int64(0)
	entity := "/entities/loc/Harbour%20Town"
	if base == "" {
		fx := newFixture(t)
		seedWide(t, fx)
		srv := httptest.NewServer(fx.h)
		defer srv.Close()
		base = srv.URL
		signIn(t, ctx, fx, base)
		storyID, articleID = fx.articleIDs["story"], fx.articleIDs["ferry"]
	} else {
		base = strings.TrimSuffix(base, "/")
		do(t, ctx, chromedp.Navigate(login), chromedp.WaitReady(chromedp.CSS("main")))
		if loc := run(t, ctx, chromedp.Location()); strings.Contains(loc, "/login") {
			t.Fatalf("DIGEST_SCREENSHOTS_LOGIN did not sign the browser in (a login link works once): at %s", loc)
		}
		type firstIDs struct {
			Story   int64  `json:"story"`
			Article int64  `json:"article"`
			Entity  string `json:"entity"`
		}
		ids := run(t, ctx, chromedp.Evaluate[firstIDs](`Promise.all([
			fetch("/api/v1/stories?limit=1", {credentials: "same-origin"}).then(r => r.json()),
			fetch("/api/v1/articles?limit=1", {credentials: "same-origin"}).then(r => r.json())
		]).then(([s, a]) => {
			const st = (s.stories || [])[0], ar = (a.articles || [])[0];
			const e = st && st.entities && st.entities[0];
			return {story: st ? st.id : 0, article: ar ? ar.id : 0,
				entity: e ? "/entities/" + e.kind.toLowerCase() + "/" + encodeURIComponent(e.name) : "/stories"};
		})`, chromedp.EvalAwaitPromise))
		storyID, articleID, entity = ids.Story, ids.Article, ids.Entity
	}
	pages := map[string]string{
		"river":    "/",
		"article":  "/articles/" + strconv.FormatInt(articleID, 10),
		"story":    "/stories/" + strconv.FormatInt(storyID, 10),
		"feeds":    "/feeds",
		"stories":  "/stories",
		"entity":   entity,
		"settings": "/settings",
		"rules":    "/rules",
		"digest":   "/digest",
		"foryou":   "/foryou",
		"users":    "/admin/users",
		"notfound": "/no/such/page",
	}
	for name, p := range pages {
		for _, vp := range []struct {
			w, h   int64
			scheme string
		}{{360, 740, "light"}, {1280, 800, "light"}, {360, 740, "dark"}, {1280, 800, "dark"}} {
			do(t, ctx, colorScheme(vp.scheme), chromedp.EmulateViewport(vp.w, vp.h), chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("main")))
			png := run(t, ctx, chromedp.FullScreenshot(100))
			file := fmt.Sprintf("%s/%s-%d-%s.png", dir, name, vp.w, vp.scheme)
			if err := os.WriteFile(file, png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// signIn signs the browser in as the fixture's reader through a one-time
// login link, as "digest demo" does.
func signIn(t *testing.T, ctx context.Context, fx *fixture, base string) {
	t.Helper()
	link, _, err := fx.auth.NewCredential(context.Background(), fx.user, digest.LoginLink, "browser test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Navigate(base+"/login/link/"+link), chromedp.WaitReady(chromedp.CSS("main")))
	if loc := run(t, ctx, chromedp.Location()); strings.Contains(loc, "/login") {
		t.Fatalf("the login link did not sign the browser in: at %s", loc)
	}
}

// TestBrowserSignInReadSignOut is a newcomer's first visit at a phone's
// and a desktop's width: the river sends them to the sign-in page, the
// form signs them in and back to where they were going, a story reads,
// and signing out ends the session.
func TestBrowserSignInReadSignOut(t *testing.T) {
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	storyID := strconv.FormatInt(fx.articleIDs["story"], 10)
	for _, width := range []int64{360, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			ctx := browser(t) // a fresh profile: no cookie yet
			do(t, ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(srv.URL+"/stories/"+storyID),
				chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
			if loc := run(t, ctx, chromedp.Location()); !strings.Contains(loc, "/login?next=") {
				t.Fatalf("signed out, a story page went to %s, want the sign-in page", loc)
			}
			noOverflow(t, ctx, "sign-in page")
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "reader"),
				chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "wrong password"),
				chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
				chromedp.WaitVisible(chromedp.CSS(`.problem`)),
			)
			// The form comes back with the name kept and the password empty.
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "reader password"),
				chromedp.Submit(chromedp.CSS(`input[name="password"]`)),
				chromedp.WaitVisible(chromedp.CSS(`.story-page h1`)),
			)
			loc, title := run(t, ctx, chromedp.Location()), run(t, ctx, chromedp.Text(chromedp.CSS(`.story-page h1`)))
			if !strings.HasSuffix(loc, "/stories/"+storyID) || title == "" {
				t.Fatalf("after signing in: at %s with heading %q, want the story", loc, title)
			}
			noOverflow(t, ctx, "story page")
			do(t, ctx, tap(`button.nav-button`), chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
			if loc := run(t, ctx, chromedp.Location()); !strings.Contains(loc, "/login") {
				t.Fatalf("after signing out: at %s", loc)
			}
			do(t, ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)))
			if loc := run(t, ctx, chromedp.Location()); !strings.Contains(loc, "/login") {
				t.Errorf("the session outlived signing out: / is at %s", loc)
			}
		})
	}
}

// noOverflow fails when the page scrolls sideways.
func noOverflow(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if run(t, ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`)) {
		t.Errorf("%s scrolls sideways", what)
	}
}
