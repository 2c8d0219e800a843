package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// unplugged serves h until down is set; then every request's connection
// is closed unanswered, as when the network is gone, whatever the browser
// emulates.
func unplugged(h http.Handler, down *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		h.ServeHTTP(w, r)
	})
}

// offline switches DevTools' network emulation, for the page and its
// service worker: offline, no request reaches the network.
func offline(on bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		sw := on
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &sw,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: on, DownloadThroughput: -1, UploadThroughput: -1}},
		}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: on, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	})
}

// bodyText navigates to u and returns the text of the page shown, also
// when the navigation itself fails (the browser's own error page).
func bodyText(t *testing.T, ctx context.Context, u string) string {
	t.Helper()
	_ = chromedp.Do(ctx, chromedp.Navigate(u)) // an error page is a page too
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		t.Fatalf("read %s: %v", u, err)
	}
	return text
}

// TestBrowserReadsOffline: a signed-in reader loads the front page once;
// then, with the network gone (DevTools offline emulation, and the server
// hanging up), the latest stories and the starred articles still read,
// pages never kept say they are offline; after signing out, nothing of
// the session is shown offline.
func TestBrowserReadsOffline(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	starred := fx.articleIDs["storm"] // on no story, never opened before going offline
	if _, err := fx.store.MarkStarred(context.Background(), fx.uid, []int64{starred}, true); err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	srv := httptest.NewServer(unplugged(fx.h, &down))
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	do(t, ctx,
		chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(srv.URL+"/"),
	)
	if failed := offlineSynced(t, ctx); failed != "" {
		t.Fatalf("the service worker could not keep the session's pages: %s", failed)
	}
	if !run(t, ctx, chromedp.Evaluate[bool](`!!navigator.serviceWorker.controller`)) {
		t.Fatal("no service worker controls the page")
	}

	down.Store(true)
	do(t, ctx, offline(true))
	if run(t, ctx, chromedp.Evaluate[bool](`navigator.onLine`)) {
		t.Error("navigator.onLine is still true under offline emulation")
	}
	story := "/stories/" + strconv.FormatInt(fx.articleIDs["story"], 10)
	if text := bodyText(t, ctx, srv.URL+story); !strings.Contains(text, "Winter comes to the harbour") {
		t.Errorf("offline, the top story does not read:\n%s", text)
	}
	if text := bodyText(t, ctx, srv.URL+"/articles/"+strconv.FormatInt(starred, 10)); !strings.Contains(text, "Storm closes the coast road") || !strings.Contains(text, "Winds reached 120 km/h") {
		t.Errorf("offline, the starred article does not read:\n%s", text)
	}
	// Reached from the starred list, the same article (another address).
	if text := bodyText(t, ctx, srv.URL+"/?starred=1"); !strings.Contains(text, "Storm closes the coast road") {
		t.Errorf("offline, the starred list does not read:\n%s", text)
	}
	do(t, ctx, tap(".river .item-title a"), chromedp.WaitVisible(chromedp.CSS("h1.headline")))
	if h := run(t, ctx, chromedp.Text(chromedp.CSS("h1.headline"))); h != "Storm closes the coast road" {
		t.Errorf("offline, the starred list's link opened %q", h)
	}
	// The page is styled offline too: the shell is kept.
	if run(t, ctx, chromedp.Evaluate[int](`document.styleSheets.length ? document.styleSheets[0].cssRules.length : 0`)) < 50 {
		t.Error("offline, the stylesheet is missing")
	}
	if text := bodyText(t, ctx, srv.URL+"/settings"); !strings.Contains(text, "You are offline") {
		t.Errorf("offline, a page never kept shows:\n%s", text)
	}

	// Back online: sign out. Offline again, the session's pages are gone.
	down.Store(false)
	do(t, ctx, offline(false),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("button.nav-button")),
		tap("button.nav-button"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="password"]`)),
	)
	down.Store(true)
	do(t, ctx, offline(true))
	for _, p := range []string{story, "/articles/" + strconv.FormatInt(starred, 10), "/"} {
		if text := bodyText(t, ctx, srv.URL+p); strings.Contains(text, "Winter comes to the harbour") || strings.Contains(text, "Storm closes") {
			t.Errorf("signed out and offline, %s still shows the session's page:\n%s", p, text)
		}
	}
	do(t, ctx, offline(false))
}

// TestBrowserOfflineSyncRetries: when the offline list fails to load (a
// busy or restarting server), the page asks the service worker to sync
// again, backing off; after three failures in a row it says so on
// <html data-offline-failed> instead of waiting for ever.
func TestBrowserOfflineSyncRetries(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	var failFirst, lists atomic.Int64
	failFirst.Store(2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/offline.json" && lists.Add(1) <= failFirst.Load() {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fx.h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	do(t, ctx, chromedp.Navigate(srv.URL+"/"))
	if failed := offlineSynced(t, ctx); failed != "" {
		t.Fatalf("two failed syncs, then none: the page gave up with %q", failed)
	}
	if n := lists.Load(); n != 3 {
		t.Errorf("the offline list was asked for %d times, want 3 (two failures, then the sync that worked)", n)
	}

	// Failing for good: the page gives up and says why.
	failFirst.Store(1 << 40)
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`caches.keys().then(function (ks) { return Promise.all(ks.map(function (k) { return caches.delete(k) })) })`),
		chromedp.Navigate(srv.URL+"/?again=1"))
	if failed := offlineSynced(t, ctx); !strings.Contains(failed, "503") {
		t.Errorf("a sync that always fails: data-offline-failed = %q, want the status 503 named", failed)
	}
}

// offlineSynced waits until the page says the service worker kept the
// session's pages (<html data-offline-ready>: it returns "") or gave up
// (data-offline-failed: it returns the error). A script polls the
// attributes: a query for the html element's attributes missed the
// change at times.
func offlineSynced(t *testing.T, ctx context.Context) string {
	t.Helper()
	got := run(t, ctx, chromedp.Poll[string](`document.documentElement.hasAttribute("data-offline-failed") ? (document.documentElement.getAttribute("data-offline-failed") || "failed") : (document.documentElement.hasAttribute("data-offline-ready") ? "ready" : false)`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(0)))
	if got == "ready" {
		return ""
	}
	return got
}
