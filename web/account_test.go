package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
)

// cookieOf returns the Set-Cookie of a response by name prefix.
func cookieOf(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestSignInAndOut(t *testing.T) {
	fx := newFixture(t)
	fx.anon = true
	// A page sends an anonymous browser to the sign-in page and back.
	w := fx.do(t, "GET", "/feeds?order=title", "")
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next="+url.QueryEscape("/feeds?order=title") {
		t.Fatalf("anonymous GET /feeds = %d → %q", w.Code, w.Header().Get("Location"))
	}
	if w := fx.do(t, "GET", "/login?next=/feeds", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `name="next" value="/feeds"`) {
		t.Fatalf("login page = %d", w.Code)
	}
	// Wrong password and unknown name: the same page, the same words.
	wrong := fx.form(t, "/login", url.Values{"name": {"reader"}, "password": {"nope"}, "next": {"/feeds"}})
	unknown := fx.form(t, "/login", url.Values{"name": {"nobody"}, "password": {"nope"}, "next": {"/feeds"}})
	if wrong.Code != 401 || unknown.Code != 401 || cookieOf(wrong, "digest_session") != nil {
		t.Fatalf("wrong password = %d, unknown name = %d", wrong.Code, unknown.Code)
	}
	msg := regexp.MustCompile(`<p class="problem" role="alert">([^<]*)</p>`)
	if a, b := msg.FindString(wrong.Body.String()), msg.FindString(unknown.Body.String()); a == "" || a != b {
		t.Errorf("the answers differ: %q and %q", a, b)
	}
	// The right one: a session cookie, HttpOnly and SameSite=Lax, and back
	// to where the reader was going (never to another site).
	ok := fx.form(t, "/login", url.Values{"name": {"reader"}, "password": {"reader password"}, "next": {"/feeds"}})
	c := cookieOf(ok, "digest_session")
	if ok.Code != http.StatusSeeOther || ok.Header().Get("Location") != "/feeds" || c == nil {
		t.Fatalf("sign in = %d → %q, cookie %v", ok.Code, ok.Header().Get("Location"), c)
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
		t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", c)
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		w := fx.form(t, "/login", url.Values{"name": {"reader"}, "password": {"reader password"}, "next": {next}})
		if loc := w.Header().Get("Location"); loc != "/" {
			t.Errorf("next=%q sent the browser to %q", next, loc)
		}
	}
	cookie := "digest_session=" + c.Value
	if w := fx.do(t, "GET", "/feeds", "", "Cookie", cookie); w.Code != 200 {
		t.Fatalf("signed in, /feeds = %d", w.Code)
	}
	out := fx.do(t, "POST", "/logout", "", "Cookie", cookie, "Sec-Fetch-Site", "same-origin")
	if out.Code != http.StatusSeeOther || out.Header().Get("Location") != "/login" {
		t.Fatalf("sign out = %d", out.Code)
	}
	if w := fx.do(t, "GET", "/feeds", "", "Cookie", cookie); w.Code != http.StatusSeeOther {
		t.Errorf("after signing out, /feeds = %d", w.Code)
	}
	// The API answers 401 JSON and says how to authenticate.
	w = fx.do(t, "GET", "/api/v1/feeds", "")
	assertAPIError(t, w, 401, digest.EUNAUTHORIZED)
	if !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate = %q", w.Header().Get("WWW-Authenticate"))
	}
	for _, h := range []string{"Basic abc", "Bearer", "Bearer   ", "bearer nope", strings.Repeat("x", 5000)} {
		assertAPIError(t, fx.do(t, "GET", "/api/v1/feeds", "", "Authorization", h), 401, digest.EUNAUTHORIZED)
	}
	if w := fx.do(t, "GET", "/healthz", ""); w.Code != 200 {
		t.Errorf("healthz = %d, want open", w.Code)
	}
}

func TestSecureCookieBehindTLSProxy(t *testing.T) {
	fx := newFixture(t)
	fx.server = New(Config{Now: func() time.Time { return baseTime }, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}},
		fx.store, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	fx.anon = true
	post := func(remote string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"name": {"reader"}, "password": {"reader password"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("X-Forwarded-For", "203.0.113.9")
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, r)
		return w
	}
	w := post("192.0.2.10:5000")
	c := cookieOf(w, "__Host-digest_session")
	if c == nil || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Fatalf("behind a TLS proxy: cookie %+v, want __Host- and Secure", w.Result().Cookies())
	}
	ss, _ := fx.store.Sessions(context.Background(), fx.uid)
	if ss[0].Address != "203.0.113.9" {
		t.Errorf("session address %q, want the client's behind the proxy", ss[0].Address)
	}
	// An untrusted peer cannot claim TLS.
	if c := cookieOf(post("198.51.100.1:5000"), "digest_session"); c == nil || c.Secure {
		t.Errorf("an untrusted X-Forwarded-Proto made the cookie Secure")
	}
}

func TestAuthProxyHeader(t *testing.T) {
	fx := newFixture(t)
	fx.server = New(Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, AuthProxyHeader: "Remote-User"},
		fx.store, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	get := func(remote, user string) int {
		r := httptest.NewRequest("GET", "/feeds", nil)
		r.Header.Set("Remote-User", user)
		r.RemoteAddr = remote
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, r)
		return w.Code
	}
	if c := get("10.1.2.3:1", "reader"); c != 200 {
		t.Errorf("trusted proxy naming a user = %d", c)
	}
	if c := get("203.0.113.1:1", "reader"); c != http.StatusSeeOther {
		t.Errorf("an untrusted peer sending the header = %d, want the sign-in redirect", c)
	}
	if c := get("10.1.2.3:1", "nobody"); c != http.StatusSeeOther {
		t.Errorf("a proxy naming an unknown user = %d", c)
	}
}

func TestSetupLinkMakesTheFirstAdminOnce(t *testing.T) {
	st := openStore(t)
	a := auth.New(st, auth.Options{Params: auth.Params{Time: 1, Memory: 64, Threads: 1}})
	srv := New(Config{}, st, &storeFeeds{store: st}, a, nil)
	fx := &fixture{store: st, server: srv, h: srv.Handler(), auth: a, anon: true}
	token, err := a.SetupLink(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if w := fx.do(t, "GET", "/setup/"+token, ""); w.Code != 200 {
		t.Fatalf("setup page = %d", w.Code)
	}
	if w := fx.form(t, "/setup/"+token, url.Values{"name": {"admin"}, "password": {"long enough"}, "confirm": {"different"}}); w.Code != 400 {
		t.Errorf("mismatched passwords = %d", w.Code)
	}
	w := fx.form(t, "/setup/"+token, url.Values{"name": {"admin"}, "password": {"long enough"}, "confirm": {"long enough"}})
	if w.Code != http.StatusSeeOther || cookieOf(w, "digest_session") == nil {
		t.Fatalf("setup = %d", w.Code)
	}
	again := fx.form(t, "/setup/"+token, url.Values{"name": {"second"}, "password": {"long enough"}, "confirm": {"long enough"}})
	if again.Code != 401 {
		t.Errorf("the setup link used twice = %d, want 401", again.Code)
	}
	if w := fx.do(t, "GET", "/setup/"+token, ""); w.Code != 401 {
		t.Errorf("a used setup link's page = %d", w.Code)
	}
	if us, _ := st.Users(context.Background()); len(us) != 1 || us[0].Role != digest.RoleAdmin {
		t.Errorf("users = %+v", us)
	}
}

var secretRE = regexp.MustCompile(`<code class="secret-value">([a-z2-7]+)</code>`)

func TestSettingsKeysAppPasswordsAndSessions(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	if w := fx.do(t, "GET", "/settings", ""); w.Code != 200 || !strings.Contains(w.Body.String(), "this browser") {
		t.Fatalf("settings = %d", w.Code)
	}
	// An API key is shown once and opens the API.
	w := fx.form(t, "/settings/api-keys", url.Values{"name": {"backup"}})
	m := secretRE.FindStringSubmatch(w.Body.String())
	if w.Code != 200 || m == nil {
		t.Fatalf("new key page = %d, no key shown", w.Code)
	}
	key := m[1]
	fx.anon = true
	if w := fx.do(t, "GET", "/api/v1/feeds", "", "Authorization", "Bearer "+key); w.Code != 200 {
		t.Fatalf("the new key = %d", w.Code)
	}
	if w := fx.do(t, "GET", "/feeds", "", "Authorization", "Bearer "+key); w.Code != http.StatusSeeOther {
		t.Errorf("an API key opened a page: %d", w.Code)
	}
	fx.anon = false
	if w := fx.do(t, "GET", "/settings", ""); strings.Contains(w.Body.String(), key) {
		t.Error("the key is shown again")
	}
	keys, _ := fx.store.Credentials(context.Background(), fx.uid, digest.APIKey)
	if w := fx.form(t, "/settings/api-keys/"+strconv.FormatInt(keys[0].ID, 10)+"/delete", nil); w.Code != http.StatusSeeOther {
		t.Fatalf("revoke key = %d", w.Code)
	}
	fx.anon = true
	assertAPIError(t, fx.do(t, "GET", "/api/v1/feeds", "", "Authorization", "Bearer "+key), 401, digest.EUNAUTHORIZED)
	fx.anon = false
	// An app password comes with the addresses to paste into apps.
	w = fx.form(t, "/settings/app-passwords", url.Values{"name": {"phone"}})
	if !secretRE.MatchString(w.Body.String()) || !strings.Contains(w.Body.String(), "/fever/") {
		t.Errorf("app password page lacks the secret or the app addresses")
	}
	apps, _ := fx.store.Credentials(context.Background(), fx.uid, digest.AppPassword)
	if w := fx.form(t, "/settings/app-passwords/"+strconv.FormatInt(apps[0].ID, 10)+"/delete", nil); w.Code != http.StatusSeeOther {
		t.Errorf("revoke app password = %d", w.Code)
	}
	// Another session is listed and can be ended from here.
	_, other, _ := fx.auth.StartSession(context.Background(), fx.user, "Firefox on a phone", "198.51.100.4")
	if w := fx.do(t, "GET", "/settings", ""); !strings.Contains(w.Body.String(), "Firefox on a phone") {
		t.Error("the other session is not listed")
	}
	if w := fx.form(t, "/settings/sessions/"+strconv.FormatInt(other.ID, 10)+"/revoke", nil); w.Code != http.StatusSeeOther {
		t.Errorf("revoke session = %d", w.Code)
	}
	if ss, _ := fx.store.Sessions(context.Background(), fx.uid); len(ss) != 1 {
		t.Errorf("%d sessions after revoking the other", len(ss))
	}
	// Password: the current one is asked for.
	if w := fx.form(t, "/settings/password", url.Values{"current": {"wrong"}, "password": {"new password"}, "confirm": {"new password"}}); w.Code != 400 {
		t.Errorf("change with a wrong current password = %d", w.Code)
	}
	if w := fx.form(t, "/settings/password", url.Values{"current": {"reader password"}, "password": {"new password"}, "confirm": {"new password"}}); w.Code != 200 {
		t.Fatalf("change password = %d", w.Code)
	}
	if _, err := fx.auth.Login(context.Background(), "reader", "new password", "192.0.2.1"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}
	if w := fx.do(t, "GET", "/settings", ""); w.Code != 200 {
		t.Errorf("the session that changed the password ended: %d", w.Code)
	}
}

func TestAdminManagesUsersNotReading(t *testing.T) {
	fx := newFixture(t)
	if w := fx.do(t, "GET", "/admin/users", ""); w.Code != 200 {
		t.Fatalf("users page = %d", w.Code)
	}
	if w := fx.form(t, "/admin/users", url.Values{"name": {"bea"}, "password": {"short"}, "role": {"user"}}); w.Code != 400 {
		t.Errorf("weak password = %d", w.Code)
	}
	if w := fx.form(t, "/admin/users", url.Values{"name": {"bea"}, "password": {"long enough"}, "role": {"user"}}); w.Code != 200 {
		t.Fatalf("add user = %d", w.Code)
	}
	if w := fx.form(t, "/admin/users", url.Values{"name": {"BEA"}, "password": {"long enough"}}); w.Code != 409 {
		t.Errorf("same name = %d", w.Code)
	}
	bea, err := fx.store.UserByName(context.Background(), "bea")
	if err != nil || bea.Role != digest.RoleUser {
		t.Fatalf("bea = %+v, %v", bea, err)
	}
	// Bea is no admin: the users page is closed to her.
	tok, _, _ := fx.auth.StartSession(context.Background(), bea, "b", "192.0.2.9")
	if w := fx.do(t, "GET", "/admin/users", "", "Cookie", "digest_session="+tok); w.Code != 403 {
		t.Errorf("a user on the users page = %d, want 403", w.Code)
	}
	if w := fx.form(t, "/admin/users/"+strconv.FormatInt(fx.uid, 10)+"/role", url.Values{"role": {"user"}}); w.Code != 409 {
		t.Errorf("an admin demoting themselves = %d", w.Code)
	}
	if w := fx.form(t, "/admin/users/"+strconv.FormatInt(bea.ID, 10)+"/role", url.Values{"role": {"admin"}}); w.Code != http.StatusSeeOther {
		t.Errorf("promote = %d", w.Code)
	}
	if w := fx.form(t, "/admin/users/"+strconv.FormatInt(fx.uid, 10)+"/delete", nil); w.Code != 409 {
		t.Errorf("an admin removing themselves = %d", w.Code)
	}
	if w := fx.form(t, "/admin/users/"+strconv.FormatInt(bea.ID, 10)+"/delete", nil); w.Code != http.StatusSeeOther {
		t.Errorf("remove = %d", w.Code)
	}
	if _, err := fx.store.UserByName(context.Background(), "bea"); !digest.IsNotFound(err) {
		t.Errorf("bea after removal: %v", err)
	}
}

func TestBrowserNames(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36":     "Chrome on Linux",
		"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0":                                  "Firefox on Android",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1": "Safari on iPhone",
		"":            "an unknown browser",
		"SomeBot/1.0": "SomeBot/1.0",
	} {
		if got := browserName(ua); got != want {
			t.Errorf("browserName(%q) = %q, want %q", ua, got, want)
		}
	}
}
