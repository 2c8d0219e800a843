package web

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/daily"
)

// digestFixture is a fixture with two stories of today.
func digestFixture(t *testing.T) *fixture {
	t.Helper()
	fx := newFixture(t)
	wire := fx.addFeed(t, "wire", "Wire")
	fx.addEntries(t, wire,
		entry("quake", "Earthquake damage counted in Port Alder harbour", time.Hour, "<p>x</p>"),
		entry("fair", "Lindenfeld opens its winter fair", 2*time.Hour, "<p>x</p>"),
	)
	saveStory(t, fx, &digest.Story{Headline: "Earthquake shakes Port Alder", Summary: "The harbour wall cracked.", Outlets: 5,
		Importance: 5, FirstSeen: baseTime.Add(-time.Hour), LastSeen: baseTime.Add(-time.Hour), ArticleIDs: []int64{fx.articleIDs["quake"]}})
	saveStory(t, fx, &digest.Story{Headline: "Winter fair opens in Lindenfeld", Summary: "Stalls and music.", Outlets: 2,
		Importance: 2, FirstSeen: baseTime.Add(-2 * time.Hour), LastSeen: baseTime.Add(-2 * time.Hour), ArticleIDs: []int64{fx.articleIDs["fair"]}})
	return fx
}

// TestDigestPage: /digest shows today's stories so far, most important
// first, with their sources; the settings form refuses what is not one
// address and saves what is.
func TestDigestPage(t *testing.T) {
	fx := digestFixture(t)
	w := fx.do(t, "GET", "/digest", "")
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("GET /digest: %d\n%s", w.Code, body)
	}
	q, f := strings.Index(body, "Earthquake shakes Port Alder"), strings.Index(body, "Winter fair opens")
	if q < 0 || f < 0 || q > f {
		t.Errorf("digest page lacks a story or has them out of order")
	}
	for _, want := range []string{"5 outlets", "https://news.example/quake?utm_source=rss", `aria-current="page">Digest`, "so far"} {
		if !strings.Contains(body, want) {
			t.Errorf("digest page lacks %q", want)
		}
	}
	if w := fx.do(t, "GET", "/digest/2026-01-01", ""); w.Code != http.StatusNotFound || !strings.Contains(w.Body.String(), "No digest that day") {
		t.Errorf("a day with no digest: %d", w.Code)
	}
	if w := fx.do(t, "GET", "/digest/not-a-day", ""); w.Code != http.StatusBadRequest {
		t.Errorf("a malformed day: %d", w.Code)
	}
	for _, bad := range []string{"not an address", "a@example.org\r\nBcc: victim@example.org", "a@example.org, b@example.org", "Name <a@example.org>"} {
		w := fx.form(t, "/digest/settings", url.Values{"enabled": {"1"}, "hour": {"7"}, "email": {bad}})
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "not an e-mail address") {
			t.Errorf("address %q: %d", bad, w.Code)
		}
	}
	for _, bad := range []string{"24", "-1", "seven", ""} {
		if w := fx.form(t, "/digest/settings", url.Values{"hour": {bad}}); w.Code != http.StatusBadRequest {
			t.Errorf("hour %q: %d", bad, w.Code)
		}
	}
	if ds, _ := fx.store.DailySettings(context.Background(), fx.uid); ds.Enabled || ds.Email != "" {
		t.Errorf("refused settings were saved: %+v", ds)
	}
	w = fx.form(t, "/digest/settings", url.Values{"enabled": {"1"}, "hour": {"18"}, "email": {" reader@example.org "}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save settings: %d", w.Code)
	}
	if ds, _ := fx.store.DailySettings(context.Background(), fx.uid); !ds.Enabled || ds.Hour != 18 || ds.Email != "reader@example.org" {
		t.Errorf("saved settings: %+v", ds)
	}
	fx.anon = true
	if w := fx.do(t, "GET", "/digest", ""); w.Code != http.StatusSeeOther {
		t.Errorf("/digest without sign-in: %d", w.Code)
	}
}

type atomDoc struct {
	Title   string `xml:"title"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Content string `xml:"content"`
		Summary string `xml:"summary"`
		Link    struct {
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

func readAtom(t *testing.T, w *httptest.ResponseRecorder) atomDoc {
	t.Helper()
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("feed: %d %s\n%s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	var d atomDoc
	if err := xml.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatalf("feed does not parse: %v", err)
	}
	return d
}

var secretURL = regexp.MustCompile(`/feed/([a-z0-9]+)/digest\.atom`)

// TestPrivateFeeds: a feed address opens the digest and the saved
// searches to a reader that cannot sign in, until it is revoked; it
// opens nothing of another user.
func TestPrivateFeeds(t *testing.T) {
	fx := digestFixture(t)
	w := fx.form(t, "/searches", url.Values{"name": {"Quakes"}, "q": {"earthquake"}})
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/?q=earthquake" {
		t.Fatalf("save search: %d %s", w.Code, w.Header().Get("Location"))
	}
	saved, err := fx.store.SavedSearches(context.Background(), fx.uid)
	if err != nil || len(saved) != 1 {
		t.Fatalf("saved searches %v %v", saved, err)
	}
	id := saved[0].ID
	if w := fx.form(t, "/searches", url.Values{"name": {"Quakes"}, "q": {"other"}}); w.Code != http.StatusConflict {
		t.Errorf("a second search of one name: %d", w.Code)
	}
	// The saved search is a view in the navigation, current when shown.
	body := fx.do(t, "GET", "/?q=earthquake", "").Body.String()
	if !strings.Contains(body, `<a href="/?q=earthquake" class="saved-search" aria-current="page"`) {
		t.Errorf("the navigation does not show the saved search as current")
	}
	if !strings.Contains(fx.do(t, "GET", "/?q=fair", "").Body.String(), `action="/searches"`) {
		t.Errorf("a search offers no way to save it")
	}
	if w := fx.do(t, "GET", "/searches/"+itoa(id), ""); w.Header().Get("Location") != "/?q=earthquake" {
		t.Errorf("the saved search's view: %d %s", w.Code, w.Header().Get("Location"))
	}

	w = fx.form(t, "/digest/feed-tokens", url.Values{"name": {"Reeder"}})
	m := secretURL.FindStringSubmatch(w.Body.String())
	if w.Code != http.StatusOK || m == nil {
		t.Fatalf("make a feed address: %d\n%s", w.Code, w.Body.String())
	}
	token := m[1]
	if !strings.Contains(w.Body.String(), "/feed/"+token+"/searches/"+itoa(id)+".atom") {
		t.Errorf("the saved search's feed address is not shown")
	}
	fx.anon = true
	d := readAtom(t, fx.do(t, "GET", "/feed/"+token+"/digest.atom", ""))
	if len(d.Entries) != 1 || !strings.Contains(d.Entries[0].Content, "Earthquake shakes Port Alder") || !strings.Contains(d.Entries[0].Content, "/stories/") {
		t.Errorf("digest feed: %+v", d)
	}
	d = readAtom(t, fx.do(t, "GET", "/feed/"+token+"/searches/"+itoa(id)+".atom", ""))
	if len(d.Entries) != 1 || d.Entries[0].Title != "Earthquake damage counted in Port Alder harbour" || d.Entries[0].Link.Href != "https://news.example/quake" {
		t.Errorf("search feed: %+v", d)
	}
	for _, p := range []string{
		"/feed/" + token + "x/digest.atom",
		"/feed/" + strings.Repeat("a", 300) + "/digest.atom",
		"/feed/" + token + "/searches/" + itoa(id),
		"/feed/" + token + "/searches/" + itoa(id+1) + ".atom",
		"/feed/" + token + "/searches/..%2f.atom",
	} {
		if w := fx.do(t, "GET", p, ""); w.Code != http.StatusNotFound && w.Code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
	}
	// Another user's token does not open this user's saved search.
	other, err := fx.auth.CreateUser(context.Background(), "other", digest.RoleUser, "other password")
	if err != nil {
		t.Fatal(err)
	}
	otherToken, _, err := fx.auth.NewCredential(context.Background(), other, digest.FeedToken, "x", 0)
	if err != nil {
		t.Fatal(err)
	}
	if w := fx.do(t, "GET", "/feed/"+otherToken+"/searches/"+itoa(id)+".atom", ""); w.Code != http.StatusNotFound {
		t.Errorf("another user's token opens the saved search: %d", w.Code)
	}
	fx.anon = false
	tokens, _ := fx.store.Credentials(context.Background(), fx.uid, digest.FeedToken)
	if len(tokens) != 1 {
		t.Fatalf("tokens %v", tokens)
	}
	if w := fx.form(t, "/digest/feed-tokens/"+itoa(tokens[0].ID)+"/delete", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("revoke: %d", w.Code)
	}
	if w := fx.do(t, "GET", "/feed/"+token+"/digest.atom", ""); w.Code != http.StatusNotFound {
		t.Errorf("a revoked address still answers: %d", w.Code)
	}
	if w := fx.form(t, "/searches/"+itoa(id)+"/delete", nil); w.Code != http.StatusSeeOther {
		t.Errorf("delete search: %d", w.Code)
	}
	if strings.Contains(fx.do(t, "GET", "/", "").Body.String(), "saved-search") {
		t.Errorf("a deleted search is still in the navigation")
	}
}

// digestMail renders the fixture user's digest as its mail and returns
// the message's headers and its HTML part.
func digestMail(t *testing.T, fx *fixture) (mail.Header, string) {
	t.Helper()
	ctx := context.Background()
	d, err := fx.server.daily.Build(ctx, fx.user, baseTime)
	if err != nil {
		t.Fatal(err)
	}
	d.To = "reader@example.org"
	msg, err := fx.server.daily.Message(ctx, fx.user, d, baseTime)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
			b, err := io.ReadAll(quotedprintable.NewReader(p))
			if err != nil {
				t.Fatal(err)
			}
			return m.Header, string(b)
		}
	}
	t.Fatal("no HTML part")
	return nil, ""
}

// TestUnsubscribeLink: the link of a mail's List-Unsubscribe header asks
// before it acts when opened (mail scanners open links), and the
// one-click POST of RFC 8058 turns the digest off without sign-in; a
// forged link does nothing.
func TestUnsubscribeLink(t *testing.T) {
	fx := digestFixture(t)
	ctx := context.Background()
	if err := fx.store.SetDailySettings(ctx, &digest.DailySettings{UserID: fx.uid, Enabled: true, Hour: 7, Email: "reader@example.org"}); err != nil {
		t.Fatal(err)
	}
	h, _ := digestMail(t, fx)
	u, err := url.Parse(strings.Trim(h.Get("List-Unsubscribe"), "<>"))
	if err != nil || !strings.HasPrefix(u.Path, "/unsubscribe/") {
		t.Fatalf("List-Unsubscribe %q", h.Get("List-Unsubscribe"))
	}
	fx.anon = true
	if w := fx.do(t, "GET", u.Path, ""); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Stop the e-mails") {
		t.Errorf("GET the link: %d", w.Code)
	}
	if ds, _ := fx.store.DailySettings(ctx, fx.uid); !ds.Enabled {
		t.Fatal("opening the link unsubscribed")
	}
	forged := "/unsubscribe/" + itoa(fx.uid) + ".AAAAAAAAAAAAAAAAAAAAAAAA"
	if w := fx.do(t, "POST", forged, "List-Unsubscribe=One-Click", "Content-Type", "application/x-www-form-urlencoded"); w.Code != http.StatusUnauthorized {
		t.Errorf("forged link: %d", w.Code)
	}
	// A mail provider's one-click POST: no cookie, no Origin.
	w := fx.do(t, "POST", u.Path, "List-Unsubscribe=One-Click", "Content-Type", "application/x-www-form-urlencoded")
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "no more digest e-mails") {
		t.Errorf("one-click POST: %d\n%s", w.Code, w.Body.String())
	}
	if ds, _ := fx.store.DailySettings(ctx, fx.uid); ds.Enabled {
		t.Error("still subscribed after the one-click POST")
	}
}

// TestBrowserDigestAt360: the mail's HTML part and the digest page fit a
// 360 px phone without scrolling sideways, with unbreakable words and
// long links in them.
func TestBrowserDigestAt360(t *testing.T) {
	ctx := browser(t)
	fx := digestFixture(t)
	long := strings.Repeat("Unbreakable", 14)
	fx.addEntries(t, fx.feedIDs["wire"], digest.Entry{GUID: "wide", URL: "https://news.example/" + long + "/" + long, Link: "https://news.example/" + long + "/" + long + "?" + long,
		Title: long, Published: baseTime.Add(-time.Hour), Summary: long, Hash: "wide"})
	saveStory(t, fx, &digest.Story{Headline: long + " headline", Summary: long + " " + long, Outlets: 9, Importance: 9,
		FirstSeen: baseTime.Add(-time.Hour), LastSeen: baseTime.Add(-time.Hour), ArticleIDs: []int64{fx.articleIDs["wide"]}})
	if err := fx.store.CreateSavedSearch(context.Background(), &digest.SavedSearch{UserID: fx.uid, Name: long, Query: long}); err != nil {
		t.Fatal(err)
	}
	_, html := digestMail(t, fx)
	if !strings.Contains(html, long) {
		t.Fatal("the mail lacks the wide story")
	}
	mailSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, html)
	}))
	defer mailSrv.Close()
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	for _, page := range []string{mailSrv.URL + "/mail.html", srv.URL + "/digest"} {
		do(t, ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(page), chromedp.WaitReady(chromedp.CSS("body")))
		m := run(t, ctx, chromedp.Evaluate[overflow](measureOverflow))
		if m.InnerWidth != 360 {
			t.Fatalf("innerWidth %d", m.InnerWidth)
		}
		if m.ScrollWidth > m.InnerWidth {
			t.Errorf("%s is %d px wide in a 360 px window", page, m.ScrollWidth)
		}
	}
}

// recordingMailer keeps what the digest service sends (the SMTP path
// itself is tested in package daily against a real server).
type recordingMailer struct{ msgs [][]byte }

func (m *recordingMailer) Send(_ context.Context, _ string, _ []string, msg []byte) error {
	m.msgs = append(m.msgs, msg)
	return nil
}

// TestDigestSettingsWeeklyAndSendNow: the settings save a weekly day and
// "mark as read when sent"; "send me one now" mails the digest at once,
// in its groups, and keeps nothing; without an address it says so.
func TestDigestSettingsWeeklyAndSendNow(t *testing.T) {
	fx := digestFixture(t)
	mailer := &recordingMailer{}
	d, err := daily.New(fx.store, daily.Options{Mailer: mailer, Now: func() time.Time { return baseTime }})
	if err != nil {
		t.Fatal(err)
	}
	fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10, Daily: d}, fx.store, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()

	if w := fx.form(t, "/digest/send", url.Values{}); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Save an e-mail address first") {
		t.Errorf("send now without an address: %d", w.Code)
	}
	if w := fx.form(t, "/digest/settings", url.Values{"hour": {"7"}, "weekly": {"1"}, "weekday": {"9"}}); w.Code != http.StatusBadRequest {
		t.Errorf("weekday 9: %d", w.Code)
	}
	w := fx.form(t, "/digest/settings", url.Values{"enabled": {"1"}, "hour": {"7"}, "email": {"reader@example.org"},
		"weekly": {"1"}, "weekday": {"5"}, "mark_read": {"1"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save settings: %d", w.Code)
	}
	ds, _ := fx.store.DailySettings(context.Background(), fx.uid)
	if !ds.Weekly || ds.Weekday != 5 || !ds.MarkRead {
		t.Errorf("saved settings %+v, want weekly on Friday, marked read when sent", ds)
	}
	body := fx.do(t, "GET", "/digest", "").Body.String()
	for _, want := range []string{`name="weekly" value="1" checked`, `<option value="5" selected>Friday</option>`, `name="mark_read" value="1" checked`,
		`action="/digest/send"`, `<h2 class="digest-group">From feeds that publish rarely</h2>`} {
		if !strings.Contains(body, want) {
			t.Errorf("digest page lacks %q", want)
		}
	}
	w = fx.form(t, "/digest/send", url.Values{})
	if w.Code != http.StatusSeeOther || len(mailer.msgs) != 1 {
		t.Fatalf("send now: %d, %d messages", w.Code, len(mailer.msgs))
	}
	if msg := string(mailer.msgs[0]); !strings.Contains(msg, "To: <reader@example.org>") && !strings.Contains(msg, "reader@example.org") {
		t.Errorf("message not to the reader:\n%.400s", msg)
	}
	if past, _ := fx.store.DailyDigests(context.Background(), fx.uid, 10); len(past) != 0 {
		t.Errorf("send now kept %d digests", len(past))
	}
	if body := fx.do(t, "GET", "/digest?sent=1", "").Body.String(); !strings.Contains(body, "on its way") {
		t.Errorf("no notice after sending")
	}
}
