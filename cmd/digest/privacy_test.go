package main

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/web"
)

// privacyWorld is two users of one server: A (an admin, who owns the
// data under test) and B (a user, who must neither see nor change any of
// it), with every credential each can hold.
type privacyWorld struct {
	a        *app
	srv      *web.Server
	h        http.Handler
	alice    *digest.User
	bob      *digest.User
	bobCreds struct{ cookie, key, app, readerToken string }
	bobApp   *digest.Credential
	// A's resources by path parameter kind.
	ids map[string]int64
}

// aliceMarkers are strings only A's data holds: no answer to B may
// contain them.
var aliceMarkers = []string{"Alicesecret", "alice-only.example", "Alicia Secretperson", "alice-category"}

func newPrivacyWorld(t *testing.T) *privacyWorld {
	t.Helper()
	ctx := context.Background()
	env, _, _ := testEnv(nil)
	cfg := defaultConfig()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, cfg, env, appOptions{noPostProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	w := &privacyWorld{a: a, ids: map[string]int64{}}
	if w.alice, err = a.auth.CreateUser(ctx, "alice", digest.RoleAdmin, "alice password"); err != nil {
		t.Fatal(err)
	}
	if w.bob, err = a.auth.CreateUser(ctx, "bob", digest.RoleUser, "bob password"); err != nil {
		t.Fatal(err)
	}
	st := a.store
	// A's feed, articles, story, icon, session and credentials.
	f := &digest.Feed{URL: "https://alice-only.example/feed", Title: "Alicesecret Gazette", Category: "alice-category"}
	if err := st.CreateFeed(ctx, w.alice.ID, f); err != nil {
		t.Fatal(err)
	}
	w.ids["feed"] = f.ID
	res, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{
		{GUID: "a1", URL: "https://alice-only.example/1", Title: "Alicesecret one", Text: "Alicesecret text", Published: time.Now().Add(-time.Hour), Hash: "1"},
		{GUID: "a2", URL: "https://alice-only.example/2", Title: "Alicesecret two", Text: "Alicesecret text", Published: time.Now().Add(-2 * time.Hour), Hash: "2"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	w.ids["article"] = res[0].Created[0]
	story := &digest.Story{Headline: "Alicesecret story", LastSeen: time.Now(), ArticleIDs: res[0].Created,
		Entities: []digest.Entity{{Name: "Alicia Secretperson", Kind: digest.Person, Count: 2}}}
	if err := st.SaveStory(ctx, story); err != nil {
		t.Fatal(err)
	}
	w.ids["story"] = story.ID
	icon, err := st.SaveIcon(ctx, &digest.Icon{ContentType: "image/png", Data: []byte("\x89PNG alice")})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetFeedIcon(ctx, f.ID, icon); err != nil {
		t.Fatal(err)
	}
	w.ids["icon"] = icon
	cats, _ := st.Categories(ctx, w.alice.ID)
	w.ids["category"] = cats[0].ID
	_, ss, err := a.auth.StartSession(ctx, w.alice, "alice's browser", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	w.ids["session"] = ss.ID
	_, key, _ := a.auth.NewCredential(ctx, w.alice, digest.APIKey, "alice key", 0)
	w.ids["api-key"] = key.ID
	_, app, _ := a.auth.NewCredential(ctx, w.alice, digest.AppPassword, "alice phone", 0)
	w.ids["app-password"] = app.ID
	w.ids["user"] = w.alice.ID
	imp, err := a.imports.Import(ctx, w.alice.ID, []byte(`<opml version="2.0"><body><outline text="Alice's" xmlUrl="https://alice.example/feed"/></body></opml>`))
	if err != nil {
		t.Fatal(err)
	}
	w.ids["import"] = imp
	rule := &digest.Rule{Name: "Alicesecret rule", Match: `title:"Alicesecret never"`, Action: digest.RuleBlock, Enabled: true}
	if err := st.CreateRule(ctx, w.alice.ID, rule); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyRules(ctx, w.alice.ID); err != nil {
		t.Fatal(err)
	}
	w.ids["rule"] = rule.ID

	// B: a feed of his own, a session, a key, an app password and a
	// Google Reader token.
	bf := &digest.Feed{URL: "https://bob.example/feed", Title: "Bob's Bugle"}
	if err := st.CreateFeed(ctx, w.bob.ID, bf); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: bf.ID, Entries: []digest.Entry{
		{GUID: "b1", URL: "https://bob.example/1", Title: "Bob's news", Published: time.Now(), Hash: "b1"}}}}); err != nil {
		t.Fatal(err)
	}
	token, _, _ := a.auth.StartSession(ctx, w.bob, "bob's browser", "192.0.2.2")
	w.bobCreds.cookie = "digest_session=" + token
	w.bobCreds.key, _, _ = a.auth.NewCredential(ctx, w.bob, digest.APIKey, "bob key", 0)
	var bobApp *digest.Credential
	w.bobCreds.app, bobApp, _ = a.auth.NewCredential(ctx, w.bob, digest.AppPassword, "bob phone", 0)
	w.bobCreds.readerToken, _ = a.auth.NewReaderToken(ctx, w.bob, bobApp)
	w.bobApp = bobApp

	w.srv = a.webServer()
	w.h = w.srv.Handler()
	return w
}

// refreshBob gives B a live credential of each kind again: a route B
// may use (sign out, revoke, change password) can end the previous ones.
func (w *privacyWorld) refreshBob(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	bob, err := w.a.store.UserByName(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	w.bob = bob
	token, _, err := w.a.auth.StartSession(ctx, bob, "bob's browser", "192.0.2.2")
	if err != nil {
		t.Fatal(err)
	}
	w.bobCreds.cookie = "digest_session=" + token
	if w.bobCreds.key, _, err = w.a.auth.NewCredential(ctx, bob, digest.APIKey, "bob key", 0); err != nil {
		t.Fatal(err)
	}
	if w.bobCreds.app, w.bobApp, err = w.a.auth.NewCredential(ctx, bob, digest.AppPassword, "bob phone", 0); err != nil {
		t.Fatal(err)
	}
	if w.bobCreds.readerToken, err = w.a.auth.NewReaderToken(ctx, bob, w.bobApp); err != nil {
		t.Fatal(err)
	}
}

// aliceState is everything of A's that B could change.
func (w *privacyWorld) aliceState(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	st := w.a.store
	var b strings.Builder
	p, err := st.Articles(ctx, digest.ArticleQuery{UserID: w.alice.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Articles {
		fmt.Fprintf(&b, "article %d %q read=%v starred=%v\n", a.ID, a.Title, a.Read, a.Starred)
	}
	fs, _ := st.Feeds(ctx, w.alice.ID)
	for _, f := range fs {
		fmt.Fprintf(&b, "feed %d %q %q %s icon %d\n", f.ID, f.Title, f.Category, f.Fetch, f.IconID)
	}
	cs, _ := st.Categories(ctx, w.alice.ID)
	for _, c := range cs {
		fmt.Fprintf(&b, "category %d %q\n", c.ID, c.Title)
	}
	for _, k := range []digest.CredentialKind{digest.APIKey, digest.AppPassword, digest.ReaderToken} {
		list, _ := st.Credentials(ctx, w.alice.ID, k)
		for _, c := range list {
			fmt.Fprintf(&b, "%s %d %q\n", k, c.ID, c.Name)
		}
	}
	rs, _ := st.Rules(ctx, w.alice.ID)
	for _, r := range rs {
		fmt.Fprintf(&b, "rule %d %q %q %s %v %v\n", r.ID, r.Name, r.Match, r.Action, r.Weight, r.Enabled)
	}
	job, _ := st.RuleJob(ctx, w.alice.ID)
	fmt.Fprintf(&b, "rule job %+v\n", *job)
	ss, _ := st.Sessions(ctx, w.alice.ID)
	fmt.Fprintf(&b, "sessions %d\n", len(ss))
	us, _ := st.Users(ctx)
	for _, u := range us {
		fmt.Fprintf(&b, "user %d %s %s %s\n", u.ID, u.Name, u.Role, u.PasswordHash)
	}
	return b.String()
}

var pathParam = regexp.MustCompile(`\{[a-z]+\.*\}`)

// fill puts A's resources into a route's path parameters.
func (w *privacyWorld) fill(path string) string {
	id := func(kind string) string { return fmt.Sprint(w.ids[kind]) }
	switch {
	case path == "/{$}":
		return "/"
	case strings.HasPrefix(path, "/static/"):
		return "/static/app.css"
	case strings.HasPrefix(path, "/entities/"):
		return "/entities/per/Alicia%20Secretperson"
	case strings.HasPrefix(path, "/api/v1/entities/"):
		return "/api/v1/entities/per/Alicia%20Secretperson"
	}
	if !strings.Contains(path, "{") {
		// A protocol's example path: put A's resources where it names
		// one by example (ID 1).
		for _, r := range []struct{ re, kind string }{
			{`/v1/feeds/1\b`, "feed"}, {`/v1/categories/1\b`, "category"}, {`/v1/entries/1\b`, "article"},
			{`/v1/icons/1\b`, "icon"}, {`/v1/users/1\b`, "user"}, {`/feed/1\b`, "feed"},
			{`mark=item(&as=\w+)?&id=1\b`, "article"}, {`mark=feed(&as=\w+)?&id=1\b`, "feed"},
			{`with_ids=1\b`, "article"}, {`i=1\b`, "article"},
		} {
			re := regexp.MustCompile(r.re)
			path = re.ReplaceAllStringFunc(path, func(m string) string { return strings.TrimSuffix(m, "1") + id(r.kind) })
		}
		return path
	}
	kind := "article"
	for _, k := range []struct{ prefix, kind string }{
		{"/feeds/", "feed"}, {"/api/v1/feeds/", "feed"}, {"/stories/", "story"}, {"/api/v1/stories/", "story"},
		{"/icons/", "icon"}, {"/settings/sessions/", "session"}, {"/settings/api-keys/", "api-key"},
		{"/settings/app-passwords/", "app-password"}, {"/admin/users/", "user"},
		{"/imports/", "import"}, {"/api/v1/imports/", "import"},
		{"/rules/", "rule"}, {"/api/v1/rules/", "rule"},
	} {
		if strings.HasPrefix(path, k.prefix) {
			kind = k.kind
		}
	}
	return pathParam.ReplaceAllStringFunc(path, func(p string) string {
		if p == "{token}" {
			return "not-a-token"
		}
		return id(kind)
	})
}

// send makes one request with the given credentials and a same-origin
// browser's headers, and a small body of the kind the route expects.
func (w *privacyWorld) send(method, target string, api bool, set func(r *http.Request)) *httptest.ResponseRecorder {
	var body io.Reader
	if method != "GET" && method != "HEAD" {
		if api {
			body = strings.NewReader(`{"ids":[` + fmt.Sprint(w.ids["article"]) + `],"title":"Bob was here","category":"bob"}`)
		} else {
			body = strings.NewReader(url.Values{"name": {"bob-was-here"}, "title": {"Bob was here"}, "mode": {"always"},
				"role": {"user"}, "password": {"bob was here"}, "confirm": {"bob was here"}}.Encode())
		}
	}
	r := httptest.NewRequest(method, "http://127.0.0.1:8080"+target, body)
	r.RemoteAddr = "192.0.2.2:4321"
	if api {
		r.Header.Set("Content-Type", "application/json")
	} else if body != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	set(r)
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	return rec
}

// TestPrivacySweep walks the server's route table (so that a route added
// later is covered without editing this test) and checks, for every route
// and every credential B can hold, that B neither reads nor changes
// anything of A's; and that every route but the public ones refuses a
// request without credentials.
func TestPrivacySweep(t *testing.T) {
	w := newPrivacyWorld(t)
	routes := w.srv.Routes()
	if len(routes) < 40 {
		t.Fatalf("the route table has %d routes: is it complete?", len(routes))
	}
	bobAs := map[string]func(r *http.Request){
		"session": func(r *http.Request) { r.Header.Set("Cookie", w.bobCreds.cookie) },
		"api key": func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+w.bobCreds.key)
			r.Header.Set("X-Auth-Token", w.bobCreds.key)
		},
		"app password": func(r *http.Request) {
			r.SetBasicAuth("bob", w.bobCreds.app)
			q := r.URL.Query()
			q.Set("api_key", strings.ToLower(fmt.Sprintf("%x", md5sum("bob:"+w.bobCreds.app))))
			r.URL.RawQuery = q.Encode()
		},
		"reader token": func(r *http.Request) { r.Header.Set("Authorization", "GoogleLogin auth="+w.bobCreds.readerToken) },
	}
	before := w.aliceState(t)
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok {
			t.Errorf("route %q has no method", rt.Pattern)
			continue
		}
		target := w.fill(path)
		t.Run(rt.Pattern, func(t *testing.T) {
			// Without credentials.
			rec := w.send(method, target, rt.API, func(*http.Request) {})
			switch {
			case rt.Access == web.Public:
				if rec.Code >= 500 {
					t.Errorf("anonymous %s %s = %d", method, target, rec.Code)
				}
			case rt.API:
				if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Header().Get("Content-Type"), "json") {
					t.Errorf("anonymous %s %s = %d %s, want 401 JSON", method, target, rec.Code, rec.Header().Get("Content-Type"))
				}
			case method == "GET":
				if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
					t.Errorf("anonymous GET %s = %d → %q, want a redirect to the sign-in page", target, rec.Code, rec.Header().Get("Location"))
				}
			default:
				if rec.Code != http.StatusUnauthorized {
					t.Errorf("anonymous %s %s = %d, want 401", method, target, rec.Code)
				}
			}
			// As B, with each credential.
			for name, set := range bobAs {
				w.refreshBob(t)
				if name == "session" {
					// B is signed in: his own settings page answers.
					if rec := w.send("GET", "/settings", false, set); rec.Code != http.StatusOK {
						t.Fatalf("B's session does not work: GET /settings = %d", rec.Code)
					}
				}
				rec := w.send(method, target, rt.API, set)
				body := rec.Body.String()
				for _, m := range aliceMarkers {
					// An entity page that does not know the name echoes
					// the name B asked for; it must say not found.
					echo := strings.Contains(path, "/entities/") && m == "Alicia Secretperson" && rec.Code == http.StatusNotFound
					if strings.Contains(body, m) && !echo {
						t.Errorf("B (%s) %s %s = %d shows A's %q", name, method, target, rec.Code, m)
					}
				}
				if rec.Code >= 500 {
					t.Errorf("B (%s) %s %s = %d: %s", name, method, target, rec.Code, body)
				}
				if strings.Contains(path, "{") && !strings.Contains(path, "{$}") && rt.Access != web.Public && rec.Code < 300 {
					t.Errorf("B (%s) %s %s = %d, want 403 or 404 for A's resource", name, method, target, rec.Code)
				}
				if path == "/admin/users" || strings.HasPrefix(path, "/admin/") {
					if rec.Code != http.StatusForbidden && rec.Code != http.StatusUnauthorized && rec.Code != http.StatusSeeOther {
						t.Errorf("B (%s) %s %s = %d, want 403", name, method, target, rec.Code)
					}
				}
				if after := w.aliceState(t); after != before {
					t.Fatalf("B (%s) %s %s changed A's data:\nbefore:\n%s\nafter:\n%s", name, method, target, before, after)
				}
			}
			// CSRF: a page elsewhere makes A's browser send this, with A's
			// cookie: refused, nothing changed.
			if method != "GET" && method != "HEAD" && !strings.Contains(rt.Pattern, "{$}") {
				token, _, err := w.a.auth.StartSession(context.Background(), w.alice, "alice's browser", "192.0.2.1")
				if err != nil {
					t.Fatal(err)
				}
				rec := w.send(method, target, rt.API, func(r *http.Request) {
					r.Header.Set("Cookie", "digest_session="+token)
					r.Header.Set("Sec-Fetch-Site", "cross-site")
					r.Header.Set("Origin", "https://evil.example")
				})
				// The reader refuses it; a protocol does not take cookies
				// at all (Fever says so with "auth":0 and status 200, which
				// Unread expects).
				refused := rec.Code == http.StatusForbidden ||
					rt.Access == web.Public && (rec.Code == http.StatusUnauthorized || strings.Contains(rec.Body.String(), `"auth":0`))
				if !refused {
					t.Errorf("cross-site %s %s with A's cookie = %d, want 403", method, target, rec.Code)
				}
				if err := w.a.auth.EndSession(context.Background(), token); err != nil {
					t.Fatal(err)
				}
				if after := w.aliceState(t); after != before {
					t.Fatalf("cross-site %s %s changed A's data", method, target)
				}
			}
		})
	}
}

func md5sum(s string) [16]byte { return md5.Sum([]byte(s)) }
