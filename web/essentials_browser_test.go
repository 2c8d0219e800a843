package web

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/occasional-digest/digest/ingest"
)

// TestBrowserReaderEssentials walks the reader essentials added to the
// pages, without a script doing the work, at a phone's and a desktop's
// width (no sideways scrolling; screenshots when DIGEST_SCREENSHOTS is
// set): a feed's title edited in /feeds, "mark as read older than a
// week", a story marked read from its page, the time zone setting and
// the rules page while a re-apply job waits.
func TestBrowserReaderEssentials(t *testing.T) {
	fx := newFixture(t)
	seedWide(t, fx)
	jobs := ingest.NewRuleJobs(fx.store, ingest.RuleJobsOptions{Poll: time.Hour}) // not started: the job waits
	defer jobs.Close()
	fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10, RuleJobs: jobs}, fx.store, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	bg := context.Background()
	wire := fx.feedIDs["wire"]
	fx.addEntries(t, wire, entry("old-week", "Ten days old", 240*time.Hour, "<p>Old.</p>"))
	story := strconv.FormatInt(fx.articleIDs["story"], 10)

	for _, w := range []int64{360, 1280} {
		t.Run(strconv.FormatInt(w, 10), func(t *testing.T) {
			ctx := browser(t) // one each: a browser has two minutes
			signIn(t, ctx, fx, srv.URL)
			// Rename a feed from its entry on /feeds.
			title := fmt.Sprintf("Wire at %d px", w)
			do(t, ctx, colorScheme("light"), chromedp.EmulateViewport(w, 800),
				chromedp.Navigate(srv.URL+"/feeds"),
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#feed-%d .feed-edit summary`, wire))),
				tap(fmt.Sprintf(`#feed-%d .feed-edit summary`, wire)),
				chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#feed-%d .feed-edit input[name="title"]`, wire))))
			noOverflow(t, ctx, "/feeds with a feed's edit form open")
			shoot(t, ctx, fmt.Sprintf("feeds-edit-%d-light", w))
			do(t, ctx,
				chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`#feed-%d .feed-edit input[name="title"]`, wire)), title),
				chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`#feed-%d .feed-edit input[name="category"]`, wire)), "World"))
			clickAndLoad(t, ctx, fmt.Sprintf(`#feed-%d .feed-edit button[type="submit"]`, wire))
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.notice`)))
			if f, err := fx.store.Feed(bg, fx.uid, wire); err != nil || f.Title != title || f.Category != "World" {
				t.Errorf("after the edit in the page: %+v, %v", f, err)
			}

			// Mark only what is older than a week as read.
			do(t, ctx, chromedp.Navigate(srv.URL+"/?feed="+strconv.FormatInt(wire, 10)),
				chromedp.WaitVisible(chromedp.CSS(`.mark-all button[value="week"]`)))
			noOverflow(t, ctx, "a feed's page with its mark-as-read choices")
			shoot(t, ctx, fmt.Sprintf("markall-older-%d-light", w))
			clickAndLoad(t, ctx, `.mark-all button[value="week"]`)
			if !fx.read(t, "old-week") || fx.read(t, "storm") {
				t.Errorf("older than a week: old-week read %v, storm read %v; want true, false", fx.read(t, "old-week"), fx.read(t, "storm"))
			}
			if _, err := fx.store.MarkRead(bg, fx.uid, []int64{fx.articleIDs["old-week"]}, false); err != nil {
				t.Fatal(err)
			}

			// Mark a story read from its page, then unread again.
			do(t, ctx, chromedp.Navigate(srv.URL+"/stories/"+story), chromedp.WaitVisible(chromedp.CSS(`.story-mark button`)))
			noOverflow(t, ctx, "a story page with its mark-read button")
			clickAndLoad(t, ctx, `.story-mark button`)
			if run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('form.story-mark[action$="/unread"]').length`)) != 1 {
				t.Error("a story marked read does not offer to mark it unread")
			}
			shoot(t, ctx, fmt.Sprintf("story-read-%d-light", w))
			clickAndLoad(t, ctx, `.story-mark button`)

			// The time zone: set in Settings, dates then shown in it.
			do(t, ctx, chromedp.Navigate(srv.URL+"/settings#time-zone"),
				chromedp.WaitVisible(chromedp.CSS(`input[name="zone"]`)),
				chromedp.SetValue(chromedp.CSS(`input[name="zone"]`), "Asia/Tokyo"))
			clickAndLoad(t, ctx, `#time-zone button[type="submit"]`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.notice`)))
			noOverflow(t, ctx, "the settings page with the time zone")
			shoot(t, ctx, fmt.Sprintf("settings-zone-%d-light", w))
			long := run(t, ctx, chromedp.Evaluate[string](`(function(){ var e = document.querySelector("time[title]"); return e ? e.title : "" })()`))
			do(t, ctx, chromedp.Navigate(srv.URL+"/articles/"+strconv.FormatInt(fx.articleIDs["storm"], 10)), chromedp.WaitVisible(chromedp.CSS(`time[data-long]`)))
			// Published 09:00 UTC: 18:00 in Tokyo, whether the server wrote
			// it ("JST") or the script rewrote it ("GMT+9").
			if long = run(t, ctx, chromedp.Text(chromedp.CSS(`time[data-long]`))); !strings.Contains(long, "18:00") {
				t.Errorf("the article's date %q is not in the reader's zone", long)
			}
			if _, err := fx.store.MarkRead(bg, fx.uid, []int64{fx.articleIDs["storm"]}, false); err != nil { // read on view
				t.Fatal(err)
			}
			fx.form(t, "/settings/time-zone", url.Values{"zone": {""}}) // back to UTC for the next width

			// The rules page while the re-apply job waits.
			do(t, ctx, chromedp.Navigate(srv.URL+"/rules"),
				chromedp.WaitVisible(chromedp.CSS(`input[name="match"]`)),
				chromedp.SetValue(chromedp.CSS(`input[name="name"]`), fmt.Sprintf("No storms %d", w)),
				chromedp.SetValue(chromedp.CSS(`input[name="match"]`), "title:storm"))
			// A job queued earlier (the category change above) may already
			// show: wait for the page the save leads to, not the old one.
			clickAndLoad(t, ctx, `button[value="save"]`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#rule-job`)))
			noOverflow(t, ctx, "the rules page with a job under way")
			rulesAxe(t, ctx)
			shoot(t, ctx, fmt.Sprintf("rules-job-%d-light", w))
		})
	}
}

// clickAndLoad clicks the element and waits until the page it leads to
// (a form's answer, a redirect) has loaded. The click is the element's
// own click(), which submits its form as a tap would: a mouse click aims
// at coordinates, and a page still scrolling to an anchor (CI failed on
// /settings#time-zone) moves the button from under it.
func clickAndLoad(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](`(function(){ var m = document.createElement("div"); m.id = "stale-page"; document.body.appendChild(m) })()`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(sel)+`).click()`),
		chromedp.WaitNotPresent(chromedp.CSS("#stale-page")),
		chromedp.WaitReady(chromedp.CSS("main")))
}
