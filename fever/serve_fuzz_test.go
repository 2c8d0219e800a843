package fever_test

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/fever"
)

// FuzzServe sends arbitrary query strings and bodies, with B's key, to a
// real server: the answer is never a 500 and never anything but JSON,
// and A's state never changes.
func FuzzServe(f *testing.F) {
	e := newEnv(f, 2)
	h := fever.New(e.Store, e.Pipeline, e.Auth, fever.Options{})
	before := e.state(e.A.ID)
	for _, ep := range fever.Endpoints() {
		_, target, _ := strings.Cut(ep, " ")
		_, q, _ := strings.Cut(target, "?")
		f.Add(q, "")
		f.Add("api", strings.TrimPrefix(q, "api&"))
	}
	f.Add("api&items&with_ids=1,2,x", "")
	f.Add("api&mark=group&as=read&id=1&before=-1", "")
	f.Add("api", "mark=item&as=saved&id=99999999999999999999")
	f.Fuzz(func(t *testing.T, query, body string) {
		if strings.Contains(body, "api_key") || strings.Contains(query, "api_key") {
			return // the key is the test's
		}
		key := "api_key=" + e.B.FeverKey
		if body != "" {
			body += "&"
		}
		req := httptest.NewRequest(http.MethodPost, "/fever/", strings.NewReader(body+key))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("?%q body %q: %d %s", query, body, rec.Code, rec.Body)
		}
		et := *e
		et.t = t
		if after := et.state(e.A.ID); !reflect.DeepEqual(before, after) {
			t.Fatalf("?%q body %q changed A's state", query, body)
		}
	})
}
