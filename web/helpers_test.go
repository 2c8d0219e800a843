package web

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/store/sqlite"
)

// baseTime is the clock of the tests: the server's Now and the articles'
// dates are relative to it.
var baseTime = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

// openStore opens a fresh SQLite store in a temporary directory.
func openStore(t testing.TB) digest.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "digest.db"), nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// storeFeeds is a FeedService over the store with no network: it
// subscribes by creating the feed and refuses or fails on reserved hosts,
// so that handlers meet every error the real one returns.
type storeFeeds struct {
	store     digest.Store
	refreshed [][]int64
}

func (f *storeFeeds) Subscribe(ctx context.Context, userID int64, rawURL, category string) (*digest.Feed, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, digest.Errorf(digest.EINVALID, "%q is not an http or https URL", rawURL)
	}
	switch u.Hostname() {
	case "private.test":
		return nil, digest.Errorf(digest.EREFUSED, "private addresses are refused")
	case "nofeed.test":
		return nil, digest.Errorf(digest.ENOTFOUND, "no feed found at %s", rawURL)
	case "down.test":
		return nil, digest.Errorf(digest.EUPSTREAM, "the server answered 503")
	}
	feed := &digest.Feed{URL: rawURL, SiteURL: u.Scheme + "://" + u.Host + "/", Title: u.Hostname(), Category: category, Fetch: digest.FetchShort}
	if err := f.store.CreateFeed(ctx, userID, feed); err != nil {
		return nil, err
	}
	if err := f.store.ScheduleNow(ctx, feed.ID); err != nil {
		return nil, err
	}
	return feed, nil
}

func (f *storeFeeds) Refresh(ctx context.Context, userID int64, ids ...int64) error {
	f.refreshed = append(f.refreshed, ids)
	_, err := f.store.ScheduleUserFeeds(ctx, userID, ids...)
	return err
}

func (f *storeFeeds) Discover(ctx context.Context, rawURL string) ([]digest.DiscoveredFeed, error) {
	return []digest.DiscoveredFeed{{URL: rawURL, Title: rawURL, Type: "rss"}}, nil
}

type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Outlines []opmlOutline `xml:"outline"`
}

func (f *storeFeeds) ImportOPML(ctx context.Context, userID int64, r io.Reader) (int, []error, error) {
	var doc opmlDoc
	if err := xml.NewDecoder(r).Decode(&doc); err != nil {
		return 0, nil, digest.WrapError(digest.EINVALID, "not an OPML document", err)
	}
	n := 0
	var problems []error
	var walk func(os []opmlOutline, category string)
	walk = func(os []opmlOutline, category string) {
		for _, o := range os {
			if o.XMLURL == "" {
				walk(o.Outlines, o.Text)
				continue
			}
			if _, err := f.Subscribe(ctx, userID, o.XMLURL, category); err != nil {
				problems = append(problems, fmt.Errorf("%s: %w", o.XMLURL, err))
				continue
			}
			n++
		}
	}
	walk(doc.Body, "")
	return n, problems, nil
}

func (f *storeFeeds) ExportOPML(ctx context.Context, userID int64, w io.Writer) error {
	feeds, err := f.store.Feeds(ctx, userID)
	if err != nil {
		return err
	}
	doc := opmlDoc{Version: "2.0", Title: "Occasional Digest"}
	for _, fd := range feeds {
		doc.Body = append(doc.Body, opmlOutline{Text: fd.Title, Type: "rss", XMLURL: fd.URL, HTMLURL: fd.SiteURL})
	}
	io.WriteString(w, xml.Header)
	return xml.NewEncoder(w).Encode(doc)
}

// fixture is a server over a seeded store.
type fixture struct {
	store  digest.Store
	feeds  *storeFeeds
	server *Server
	h      http.Handler
	auth   *auth.Service
	// user is the signed-in reader; cookie its session cookie, which do
	// sends unless anon is set or the request sets a Cookie itself.
	user   *digest.User
	uid    int64
	cookie string
	anon   bool
	// The seeded feeds and articles, by name.
	feedIDs    map[string]int64
	articleIDs map[string]int64
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st := openStore(t)
	fx := &fixture{store: st, feeds: &storeFeeds{store: st}, feedIDs: map[string]int64{}, articleIDs: map[string]int64{}}
	// Sessions and keys are remembered as in a served process (and far
	// longer): the tests see that every change made through the server
	// counts at once.
	fx.auth = auth.New(st, auth.Options{Params: auth.Params{Time: 1, Memory: 64, Threads: 1}, CacheTTL: time.Hour})
	fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10}, st, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	ctx := context.Background()
	u, err := fx.auth.CreateUser(ctx, "reader", digest.RoleAdmin, "reader password")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := fx.auth.StartSession(ctx, u, "test", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	fx.user, fx.uid, fx.cookie = u, u.ID, "digest_session="+token
	return fx
}

// addFeed creates a feed directly in the store.
func (fx *fixture) addFeed(t testing.TB, name, title string) int64 {
	t.Helper()
	f := &digest.Feed{URL: "https://" + name + ".example/feed.xml", SiteURL: "https://" + name + ".example/", Title: title, Fetch: digest.FetchShort}
	if err := fx.store.CreateFeed(context.Background(), fx.uid, f); err != nil {
		t.Fatalf("create feed %s: %v", name, err)
	}
	fx.feedIDs[name] = f.ID
	return f.ID
}

// addEntries saves entries of one feed through SaveFetches and records the
// created article IDs by GUID.
func (fx *fixture) addEntries(t testing.TB, feedID int64, entries ...digest.Entry) {
	t.Helper()
	res, err := fx.store.SaveFetches(context.Background(), []digest.FetchResult{{
		FeedID:  feedID,
		State:   digest.FetchState{LastCheck: baseTime, NextCheck: baseTime.Add(time.Hour)},
		Entries: entries,
	}})
	if err != nil {
		t.Fatalf("save entries: %v", err)
	}
	if len(res) != 1 {
		t.Fatalf("SaveFetches returned %d results, want 1", len(res))
	}
	// Look each entry up by URL: SaveResult lists IDs, not GUIDs.
	for _, e := range entries {
		page, err := fx.store.Articles(context.Background(), digest.ArticleQuery{UserID: fx.uid, FeedID: feedID, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Articles {
			if a.URL == e.URL {
				fx.articleIDs[e.GUID] = a.ID
			}
		}
	}
}

func entry(guid, title string, age time.Duration, content string) digest.Entry {
	return digest.Entry{
		GUID:      guid,
		URL:       "https://news.example/" + guid,
		Link:      "https://news.example/" + guid + "?utm_source=rss",
		Title:     title,
		Author:    "Ada Reporter",
		Published: baseTime.Add(-age),
		Summary:   "The first lines of " + title + ", told plainly.",
		Content:   content,
		Text:      title,
		Hash:      guid + title,
	}
}

// do sends a request through the handler. Extra headers come in pairs.
func (fx *fixture) do(t testing.TB, method, target, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, r)
	if !fx.anon && fx.cookie != "" {
		req.Header.Set("Cookie", fx.cookie)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	fx.h.ServeHTTP(w, req)
	// What the page taught is written after it, in the background: the
	// tests look once it is.
	fx.server.signals.flush()
	return w
}

// form posts a urlencoded form the way a same-origin browser does.
func (fx *fixture) form(t testing.TB, target string, values url.Values) *httptest.ResponseRecorder {
	t.Helper()
	return fx.do(t, "POST", target, values.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com")
}

// seed fills the fixture with two outlets, a syndicated copy, an XSS
// attempt and a long article.
func (fx *fixture) seed(t testing.TB) {
	t.Helper()
	wire := fx.addFeed(t, "wire", "The Daily Wire Service")
	local := fx.addFeed(t, "local", "Harbour Town Gazette")
	fx.addEntries(t, wire,
		entry("budget", "Council passes the harbour budget", time.Hour, "<p>The council voted <strong>7 to 2</strong>.</p>"),
		entry("storm", "Storm closes the coast road", 3*time.Hour, "<p>Winds reached 120 km/h.</p>"),
		entry("xss", `<script>alert("x")</script>Headline with <b>tags</b>`, 5*time.Hour, `<p>Body.</p>`),
	)
	fx.addEntries(t, local,
		entry("ferry", "Ferry timetable changes for winter", 2*time.Hour, wideContent),
	)
}

// wideContent has everything that could push a page sideways.
const wideContent = `<p>Pneumonoultramicroscopicsilicovolcanoconiosis` + `Supercalifragilisticexpialidocious` +
	`AVeryLongUnbrokenWordThatKeepsGoingAndGoingWithoutAnySpaceToBreakAtAllAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA` +
	` and https://example.com/a/very/long/path/that/never/ends/with/query?and=parameters&that=go&on=and&on=and&on=forever-and-ever-and-ever</p>` +
	`<p><img src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%222400%22 height=%22300%22%3E%3Crect width=%222400%22 height=%22300%22 fill=%22%23688%22/%3E%3C/svg%3E" width="2400" height="300" alt="a wide image"></p>` +
	`<table><tr><th>Route</th><th>Monday</th><th>Tuesday</th><th>Wednesday</th><th>Thursday</th><th>Friday</th><th>Saturday</th><th>Sunday</th><th>Holidays</th></tr>` +
	`<tr><td>Harbour–Island</td><td>06:00 07:30 09:00</td><td>06:00 07:30 09:00</td><td>06:00 07:30 09:00</td><td>06:00 07:30 09:00</td><td>06:00 07:30 09:00</td><td>08:00 10:00</td><td>08:00 10:00</td><td>none</td></tr></table>` +
	`<pre><code>ferry --route harbour-island --depart 06:00 --return 18:00 --passengers 300 --vehicles 40 --weather-check strict</code></pre>` +
	`<p>The new timetable runs from December.</p>`
