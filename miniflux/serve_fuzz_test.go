package miniflux_test

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/miniflux"
)

// FuzzServe sends arbitrary methods, paths, query strings and bodies, as
// B, to a real server aimed at A's resources: the answer is never a 500,
// and A's data never changes. Subscribing, discovering and importing are
// left out: they fetch whatever address the input names.
func FuzzServe(f *testing.F) {
	e := newEnv(f, 2)
	a := e.aliceOnly()
	h := miniflux.New(e.Store, e.Pipeline, e.Auth, miniflux.Options{})
	before := e.snapshot(e.A.ID)
	for _, ep := range miniflux.Endpoints() {
		method, path := a.fill(ep)
		f.Add(method, path, "status=unread&limit=5", a.body(method, path))
	}
	f.Add("GET", "/v1/entries", "limit=%zz&order=id", "")
	f.Add("PUT", "/v1/entries", "", `{"entry_ids":[1,2,-3],"status":"read"}`)
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		switch method {
		case "GET", "PUT", "DELETE":
		case "POST":
			p := strings.TrimRight(path, "/")
			if p == "/v1/feeds" || p == "/v1/discover" || p == "/v1/import" || strings.Contains(p, "//") {
				return
			}
		default:
			return
		}
		if !strings.HasPrefix(path, "/v1/") || strings.ContainsAny(path, " ?#\x00") {
			return
		}
		req := httptest.NewRequest(method, "/v1/", strings.NewReader(body))
		req.URL.Path, req.URL.RawQuery = path, query
		req.Header.Set("X-Auth-Token", e.B.APIKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s %q: %d %s", method, path, query, body, rec.Code, rec.Body)
		}
		et := *e
		et.t = t
		if after := et.snapshot(e.A.ID); !reflect.DeepEqual(before, after) {
			t.Fatalf("%s %s?%s %q changed A's data", method, path, query, body)
		}
	})
}
