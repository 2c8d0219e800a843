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
)

// TestBrowserDismiss dismisses a story at a phone's and a desktop's
// width (no sideways scrolling; screenshots when DIGEST_SCREENSHOTS is
// set): on For you with the script, in place and undone in place without
// a reload; from the story's page; and on For you without a script, by
// the form and the Undo of the page it comes back to.
func TestBrowserDismiss(t *testing.T) {
	fx, quake, fair, _ := forYouFixture(t)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	bg := context.Background()
	dismissed := func(id int64) bool {
		t.Helper()
		at, err := fx.store.Dismissed(bg, fx.uid, []int64{id})
		if err != nil {
			t.Fatal(err)
		}
		return !at[id].IsZero()
	}
	cards := func(ctx context.Context, id int64) int {
		return run(t, ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('.story-card-title a[href="/stories/%d"]').length`, id)))
	}
	fairButton := fmt.Sprintf(`form[action="/stories/%d/dismiss"] button`, fair)

	for _, w := range []int64{360, 1280} {
		t.Run(strconv.FormatInt(w, 10), func(t *testing.T) {
			ctx := browser(t)
			signIn(t, ctx, fx, srv.URL)

			// With the script: in place, no reload, and Undo in place.
			do(t, ctx, colorScheme("light"), chromedp.EmulateViewport(w, 800),
				chromedp.Navigate(srv.URL+"/"),
				chromedp.WaitVisible(chromedp.CSS(fairButton)))
			noOverflow(t, ctx, "For you with its dismiss buttons")
			shoot(t, ctx, fmt.Sprintf("foryou-dismiss-%d-light", w))
			do(t, ctx,
				chromedp.Evaluate[chromedp.Void](`(function(){ var m = document.createElement("div"); m.id = "same-page"; document.body.appendChild(m) })()`),
				chromedp.Evaluate[chromedp.Void](`document.querySelector(`+strconv.Quote(fairButton)+`).click()`),
				chromedp.WaitVisible(chromedp.CSS(`.dismissed-line [data-undo-dismiss]`)))
			if run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#same-page").length`)) != 1 {
				t.Error("dismissing with the script reloaded the page")
			}
			if !dismissed(fair) {
				t.Error("the script's dismissal is not stored")
			}
			if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('.story-card:not(.is-dismissed) .story-card-title').length`)); n != 2 {
				t.Errorf("after a dismissal in place %d cards still show, want 2", n)
			}
			noOverflow(t, ctx, "For you with a card dismissed in place")
			shoot(t, ctx, fmt.Sprintf("foryou-dismissed-inplace-%d-light", w))
			do(t, ctx,
				chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-undo-dismiss]").click()`),
				chromedp.WaitNotPresent(chromedp.CSS(`.dismissed-line`)),
				chromedp.WaitVisible(chromedp.CSS(fairButton)))
			if dismissed(fair) {
				t.Error("Undo in place did not bring the story back")
			}

			// From the story's page (a form, with or without script).
			do(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/stories/%d", srv.URL, quake)), chromedp.WaitVisible(chromedp.CSS(`#story-dismiss`)))
			clickAndLoad(t, ctx, `#story-dismiss`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.dismissed-notice #undo-dismiss`)))
			if !dismissed(quake) {
				t.Error("the story page's Dismiss is not stored")
			}
			noOverflow(t, ctx, "a dismissed story's page")
			shoot(t, ctx, fmt.Sprintf("story-dismissed-%d-light", w))
			clickAndLoad(t, ctx, `#undo-dismiss`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#story-dismiss`)))
			if dismissed(quake) {
				t.Error("the story page's Undo did not bring the story back")
			}

			// Without a script: the form, then the Undo of the page it
			// comes back to.
			do(t, ctx,
				chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
					return err
				}),
				chromedp.Navigate(srv.URL+"/"),
				chromedp.WaitVisible(chromedp.CSS(fairButton)))
			clickAndLoad(t, ctx, fairButton)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`#dismissed-notice #undo-dismiss`)))
			if !dismissed(fair) || cards(ctx, fair) != 0 {
				t.Errorf("without a script: stored %v, %d cards of the story left", dismissed(fair), cards(ctx, fair))
			}
			noOverflow(t, ctx, "For you with the undo notice")
			shoot(t, ctx, fmt.Sprintf("foryou-dismiss-undo-%d-light", w))
			clickAndLoad(t, ctx, `#undo-dismiss`)
			do(t, ctx, chromedp.WaitVisible(chromedp.CSS(fairButton)))
			if dismissed(fair) || cards(ctx, fair) != 1 {
				t.Errorf("after Undo without a script: stored %v, %d cards of the story", dismissed(fair), cards(ctx, fair))
			}
		})
	}
}
