package greader_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/internal/testenv"
)

func TestClientLogin(t *testing.T) {
	s := newServer(t, testenv.Options{})
	c := &client{t: t, base: s.URL}
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"app password in the form", "POST", "/accounts/ClientLogin", form("Email", s.A.Name, "Passwd", s.A.AppPassword), 200, "Auth="},
		{"app password in the query", "GET", "/accounts/ClientLogin?" + form("Email", s.A.Name, "Passwd", s.A.AppPassword), "", 200, "Auth="},
		{"JSON with output=json", "POST", "/accounts/ClientLogin", form("Email", s.A.Name, "Passwd", s.A.AppPassword, "output", "json"), 200, `"Auth":"`},
		{"name in another case", "POST", "/accounts/ClientLogin", form("Email", strings.ToUpper(s.A.Name), "Passwd", s.A.AppPassword), 200, "Auth="},
		{"the login password is refused", "POST", "/accounts/ClientLogin", form("Email", s.A.Name, "Passwd", testenv.Password), 401, "Error=BadAuthentication"},
		{"another user's app password is refused", "POST", "/accounts/ClientLogin", form("Email", s.A.Name, "Passwd", s.B.AppPassword), 401, "Error=BadAuthentication"},
		{"an unknown user is refused alike", "POST", "/accounts/ClientLogin", form("Email", "nobody", "Passwd", s.A.AppPassword), 401, "Error=BadAuthentication"},
		{"no password", "POST", "/accounts/ClientLogin", form("Email", s.A.Name), 401, "Error=BadAuthentication"},
		{"a malformed form", "POST", "/accounts/ClientLogin", "Email=%zz", 400, "Error=BadRequest"},
		{"PUT is not allowed", "PUT", "/accounts/ClientLogin", "", 405, "Error="},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, tc.body, "X-Test-Addr", "10.0.0."+strconv.Itoa(len(tc.name)))
			if r.Status != tc.status || !strings.Contains(r.Body, tc.want) || !strings.HasPrefix(r.Header.Get("Content-Type"), map[bool]string{true: "application/json", false: "text/plain"}[strings.HasPrefix(tc.want, `"`)]) {
				t.Fatalf("%d %q (%s), want %d with %q", r.Status, r.Body, r.Header.Get("Content-Type"), tc.status, tc.want)
			}
		})
	}
}

// TestThrottling: wrong tokens from one address lock that address out
// (429), never the others.
func TestThrottling(t *testing.T) {
	s := newServer(t, testenv.Options{})
	good := &client{t: t, base: s.URL}
	good.login(s.A.Name, s.A.AppPassword)
	bad := &client{t: t, base: s.URL, auth: "wrong"}
	last := 0
	for i := 0; i < 40 && last != http.StatusTooManyRequests; i++ {
		last = bad.do("GET", "/reader/api/0/user-info", "", "X-Test-Addr", "192.0.2.9").Status
		if last != 401 && last != 429 {
			t.Fatalf("wrong token: %d", last)
		}
	}
	if last != http.StatusTooManyRequests {
		t.Fatal("40 wrong tokens from one address were never throttled")
	}
	if r := good.do("GET", "/reader/api/0/user-info", "", "X-Test-Addr", "192.0.2.10"); r.Status != 200 {
		t.Fatalf("another address: %d", r.Status)
	}
	r := good.do("POST", "/accounts/ClientLogin", form("Email", s.A.Name, "Passwd", s.A.AppPassword), "X-Test-Addr", "192.0.2.9", "Authorization", "")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("ClientLogin from the locked address: %d %q", r.Status, r.Body)
	}
}

// TestBadInput: malformed authentication, wrong tokens, too many or
// malformed IDs, bad n, unknown streams and oversized bodies get a clear
// 4xx in the protocol's shape (plain text), change nothing and never
// cause a 500.
func TestBadInput(t *testing.T) {
	s := newServer(t, testenv.Options{})
	c := &client{t: t, base: s.URL}
	c.login(s.A.Name, s.A.AppPassword)
	ids := s.articleIDs(t, s.A, 0)
	id := strconv.FormatInt(ids[0], 10)
	many := strings.Repeat("i="+id+"&", 10000) + "a=user/-/state/com.google/read"
	tooMany := strings.Repeat("i="+id+"&", 1001) + "a=user/-/state/com.google/read"
	big := "i=" + id + "&a=user/-/state/com.google/read&pad=" + strings.Repeat("x", 300<<10)
	before := s.Snapshot(t)

	for _, tc := range []struct {
		name, method, path, body string
		header                   []string
		status                   int
	}{
		{"no Authorization header", "GET", "/reader/api/0/user-info", "", []string{"Authorization", ""}, 401},
		{"Bearer instead of GoogleLogin", "GET", "/reader/api/0/user-info", "", []string{"Authorization", "Bearer " + c.auth}, 401},
		{"GoogleLogin without auth=", "GET", "/reader/api/0/user-info", "", []string{"Authorization", "GoogleLogin " + c.auth}, 401},
		{"GoogleLogin with an empty token", "GET", "/reader/api/0/user-info", "", []string{"Authorization", "GoogleLogin auth="}, 401},
		{"a token with a space", "GET", "/reader/api/0/user-info", "", []string{"Authorization", "GoogleLogin auth=a b"}, 401},
		{"a wrong token", "POST", "/reader/api/0/edit-tag", "i=" + id + "&a=user/-/state/com.google/read", []string{"Authorization", "GoogleLogin auth=" + strings.Repeat("a", 32)}, 401},
		{"a wrong header wins over a right T", "POST", "/reader/api/0/edit-tag", "T=" + c.auth + "&i=" + id + "&a=user/-/state/com.google/read", []string{"Authorization", "GoogleLogin auth=wrong"}, 401},
		{"a wrong T without header", "POST", "/reader/api/0/edit-tag", "T=wrong&i=" + id + "&a=user/-/state/com.google/read", []string{"Authorization", ""}, 401},
		{"the app password is no token", "GET", "/reader/api/0/user-info", "", []string{"Authorization", "GoogleLogin auth=" + s.A.AppPassword}, 401},
		{"10,000 i=", "POST", "/reader/api/0/edit-tag", many, nil, 400},
		{"1,001 i=", "POST", "/reader/api/0/edit-tag", tooMany, nil, 400},
		{"1,001 i= for contents", "POST", "/reader/api/0/stream/items/contents", tooMany, nil, 400},
		{"non-numeric id", "POST", "/reader/api/0/edit-tag", "i=abc&a=user/-/state/com.google/read", nil, 400},
		{"negative id", "POST", "/reader/api/0/edit-tag", "i=-5&a=user/-/state/com.google/read", nil, 400},
		{"a bad id among good ones changes nothing", "POST", "/reader/api/0/edit-tag", "i=" + id + "&i=x1&a=user/-/state/com.google/read", nil, 400},
		{"zero id", "POST", "/reader/api/0/edit-tag", "i=0&a=user/-/state/com.google/read", nil, 400},
		{"id above int64", "POST", "/reader/api/0/edit-tag", "i=99999999999999999999&a=user/-/state/com.google/read", nil, 400},
		{"no id", "POST", "/reader/api/0/edit-tag", "a=user/-/state/com.google/read", nil, 400},
		{"read added and removed", "POST", "/reader/api/0/edit-tag", "i=" + id + "&a=user/-/state/com.google/read&r=user/-/state/com.google/read", nil, 400},
		{"a tag that is no stream", "POST", "/reader/api/0/edit-tag", "i=" + id + "&a=read", nil, 400},
		{"another user's state", "POST", "/reader/api/0/edit-tag", "i=" + id + "&a=user/999/state/com.google/read", nil, 404},
		{"a body over the cap", "POST", "/reader/api/0/edit-tag", big, nil, 413},
		{"a malformed body", "POST", "/reader/api/0/edit-tag", "i=%zz", nil, 400},
		{"a malformed query", "GET", "/reader/api/0/stream/items/ids?n=%zz", "", nil, 400},
		{"n not a number", "GET", "/reader/api/0/stream/items/ids?n=abc", "", nil, 400},
		{"negative n", "GET", "/reader/api/0/stream/items/ids?n=-1", "", nil, 400},
		{"n above int64", "GET", "/reader/api/0/stream/items/ids?n=99999999999999999999999", "", nil, 400},
		{"n above int64 for contents", "GET", "/reader/api/0/stream/contents?n=99999999999999999999999", "", nil, 400},
		{"a continuation that is not an ID", "GET", "/reader/api/0/stream/items/ids?c=abc", "", nil, 400},
		{"a continuation that is not ours", "GET", "/reader/api/0/stream/contents?c=!!!", "", nil, 400},
		{"a continuation of garbage", "GET", "/reader/api/0/stream/contents?c=Z2FyYmFnZQ", "", nil, 400},
		{"ot not a number", "GET", "/reader/api/0/stream/items/ids?ot=yesterday", "", nil, 400},
		{"a malformed stream", "GET", "/reader/api/0/stream/contents?s=reading-list", "", nil, 400},
		{"a malformed stream in the path", "GET", "/reader/api/0/stream/contents/nothing", "", nil, 400},
		{"an unknown feed", "GET", "/reader/api/0/stream/items/ids?s=feed/999999", "", nil, 404},
		{"an unknown label", "GET", "/reader/api/0/stream/contents/user/-/label/Nope", "", nil, 404},
		{"another user's label", "GET", "/reader/atom/user/999/label/News", "", nil, 404},
		{"xt of a feed", "GET", "/reader/api/0/stream/items/ids?xt=feed/1", "", nil, 400},
		{"21 filters", "GET", "/reader/api/0/stream/items/ids?" + strings.Repeat("it=user/-/label/News&", 21), "", nil, 400},
		{"a feed's continuation that is an ID", "GET", "/reader/api/0/stream/items/ids?s=feed/" + strconv.FormatInt(feedID(t, s.A, "alpha"), 10) + "&c=12", "", nil, 400},
		{"an unknown endpoint", "GET", "/reader/api/0/nothing", "", nil, 404},
		{"an unknown path", "GET", "/reader/elsewhere", "", nil, 404},
		{"edit-tag by GET", "GET", "/reader/api/0/edit-tag?i=" + id + "&a=user/-/state/com.google/read", "", nil, 405},
		{"mark-all-as-read with a bad ts", "POST", "/reader/api/0/mark-all-as-read", "s=user/-/state/com.google/reading-list&ts=soon", nil, 400},
		{"mark-all-as-read of an unknown feed", "POST", "/reader/api/0/mark-all-as-read", "s=feed/999999", nil, 404},
		{"mark-all-as-read of garbage", "POST", "/reader/api/0/mark-all-as-read", "s=everything", nil, 400},
		{"an unknown subscription action", "POST", "/reader/api/0/subscription/edit", "ac=delete&s=feed/1", nil, 400},
		{"unsubscribe from an unknown feed", "POST", "/reader/api/0/subscription/edit", "ac=unsubscribe&s=feed/999999", nil, 404},
		{"subscribe without URL", "POST", "/reader/api/0/subscription/edit", "ac=subscribe&s=feed/12", nil, 400},
		{"quickadd without URL", "POST", "/reader/api/0/subscription/quickadd", "quickadd=", nil, 400},
		{"rename an unknown tag", "POST", "/reader/api/0/rename-tag", "s=user/-/label/Nope&dest=user/-/label/Yes", nil, 404},
		{"rename to nothing", "POST", "/reader/api/0/rename-tag", "s=user/-/label/News&dest=user/-/label/", nil, 400},
		{"disable an unknown tag among known ones", "POST", "/reader/api/0/disable-tag", "s=user/-/label/News&s=user/-/label/Nope", nil, 404},
		{"import nothing", "POST", "/reader/api/0/subscription/import", "", nil, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(tc.method, tc.path, tc.body, tc.header...)
			if r.Status != tc.status {
				t.Fatalf("%d %q, want %d", r.Status, r.Body, tc.status)
			}
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") || strings.TrimSpace(r.Body) == "" {
				t.Fatalf("answer %q (%s): want a plain text message", r.Body, r.Header.Get("Content-Type"))
			}
			if r.Status == 401 && (r.Body != "Unauthorized\n" || r.Header.Get("X-Reader-Google-Bad-Token") != "true") {
				t.Fatalf("401 answered %q", r.Body)
			}
		})
	}
	if after := s.Snapshot(t); after != before {
		t.Fatalf("bad requests changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// A huge n is served as the cap, with the continuation.
	var refs itemRefs
	c.json(&refs, "GET", "/reader/api/0/stream/items/ids?n=200000", "")
	if len(refs.ItemRefs) != len(ids) {
		t.Fatalf("n=200000 gave %d IDs, want %d", len(refs.ItemRefs), len(ids))
	}
}
