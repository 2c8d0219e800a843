package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestTimesInTheReadersZone: a reader sets a time zone on /settings, and
// dates and times on their pages are shown in it (datetime attributes
// stay UTC); another reader's pages stay in UTC; a name that is not a
// zone is refused with the reason.
func TestTimesInTheReadersZone(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	budget := "/articles/" + strconv.FormatInt(fx.articleIDs["budget"], 10) // published 11:00 UTC
	if page := fx.do(t, "GET", budget, "").Body.String(); !strings.Contains(page, "Saturday 28 November 2026, 11:00 UTC") {
		t.Fatalf("before a zone is set the article is not dated in UTC")
	}
	for _, bad := range []string{"Mars/Olympus_Mons", "Local", "../../etc/passwd", "/etc/localtime", strings.Repeat("A", 65)} {
		w := fx.form(t, "/settings/time-zone", url.Values{"zone": {bad}})
		if w.Code != 400 || !strings.Contains(w.Body.String(), "is not a time zone") {
			t.Errorf("zone %q = %d", bad, w.Code)
		}
	}
	w := fx.form(t, "/settings/time-zone", url.Values{"zone": {" Asia/Tokyo "}})
	if w.Code != 303 || w.Header().Get("Location") != "/settings?zone=saved#time-zone" {
		t.Fatalf("set zone = %d → %q", w.Code, w.Header().Get("Location"))
	}
	u, err := fx.store.User(context.Background(), fx.uid)
	if err != nil || u.Settings.TimeZone != "Asia/Tokyo" {
		t.Fatalf("stored zone = %+v, %v", u, err)
	}
	page := fx.do(t, "GET", budget, "").Body.String()
	if !strings.Contains(page, "Saturday 28 November 2026, 20:00 JST") || !strings.Contains(page, `datetime="2026-11-28T11:00:00Z"`) {
		t.Errorf("the article is not dated in Tokyo time (with a UTC datetime):\n%s", page)
	}
	if settings := fx.do(t, "GET", "/settings?zone=saved", "").Body.String(); !strings.Contains(settings, `value="Asia/Tokyo"`) || !strings.Contains(settings, "Time zone saved") {
		t.Error("the settings page does not show the saved zone")
	}
	// The front page's dateline: 12:00 UTC on the 28th is 21:00 in Tokyo,
	// 01:00 on the 29th in Kiritimati (UTC+14).
	fx.form(t, "/settings/time-zone", url.Values{"zone": {"Pacific/Kiritimati"}})
	if river := fx.do(t, "GET", "/", "").Body.String(); !strings.Contains(river, "Sunday 29 November") {
		t.Error("the dateline is not the reader's day")
	}
	// Another reader stays in UTC.
	other, err := fx.auth.CreateUser(context.Background(), "other", "user", "other password")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := fx.auth.StartSession(context.Background(), other, "test", "192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	if river := fx.do(t, "GET", "/", "", "Cookie", "digest_session="+token).Body.String(); !strings.Contains(river, "Saturday 28 November") {
		t.Error("another reader's dateline moved with this reader's zone")
	}
	// Empty: back to UTC.
	fx.form(t, "/settings/time-zone", url.Values{"zone": {""}})
	if page := fx.do(t, "GET", budget, "").Body.String(); !strings.Contains(page, "11:00 UTC") {
		t.Error("clearing the zone did not go back to UTC")
	}
}
