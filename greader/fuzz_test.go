package greader_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/greader"
	"github.com/occasional-digest/digest/internal/testenv"
)

// FuzzRequests sends A's authenticated requests of any path, query and
// body to the handler over the real store: none may panic or answer 5xx.
func FuzzRequests(f *testing.F) {
	e := testenv.New(f, testenv.Options{})
	h := greader.New(e.Store, e.Pipeline, e.Auth, greader.Options{})
	c := &client{t: f, base: ""}
	ts := httptest.NewServer(h)
	c.base = ts.URL
	c.login(e.A.Name, e.A.AppPassword)
	ts.Close()
	token := c.auth
	for _, ep := range greader.Endpoints() {
		method, path, _ := strings.Cut(ep, " ")
		f.Add(method == "POST", path, "n=5&s=user/-/state/com.google/reading-list", "i=1&a=user/-/state/com.google/read")
	}
	f.Add(true, "/reader/api/0/edit-tag", "", "i=tag:google.com,2005:reader/item/0000000000000001&r=user/-/state/com.google/starred")
	f.Add(false, "/reader/api/0/stream/items/ids", "c=1_2&n=3&r=o&ot=1&nt=99999999999", "")
	f.Add(false, "/reader/atom/feed%2F1", "it=user/-/label/News&xt=user/-/state/com.google/read", "")
	f.Add(true, "/reader/api/0/subscription/edit", "", "ac=edit&s=feed/1&a=user/-/label/Other&t=New")
	f.Fuzz(func(t *testing.T, post bool, path, query, body string) {
		method := "GET"
		if post {
			method = "POST"
		}
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		target := "http://x" + path
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(method, target, strings.NewReader(body))
		if err != nil {
			return // not a request a client can send
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "GoogleLogin auth="+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: %d %s", method, path, query, body, rec.Code, rec.Body)
		}
	})
}
