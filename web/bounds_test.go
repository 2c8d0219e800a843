package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// countingBody is a request body of n bytes, prefix then 'a's, that
// counts what was read.
type countingBody struct {
	prefix  string
	n, read int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.read >= b.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), b.n-b.read)
	for i := range p[:k] {
		if at := b.read + int64(i); at < int64(len(b.prefix)) {
			p[i] = b.prefix[at]
		} else {
			p[i] = 'a'
		}
	}
	b.read += k
	return int(k), nil
}

func (b *countingBody) Close() error { return nil }

// TestRequestBodiesAreBounded sends bodies far over the limits to every
// route that takes one and to a reader-app protocol: none reads more than
// its limit, whatever the handler does with the body.
func TestRequestBodiesAreBounded(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	const small, large = 64 << 10, 256 << 10
	fx.withConfig(t, Config{MaxBodyBytes: small, MaxImportBytes: large})
	send := func(method, target, contentType, prefix string, size int64) (*httptest.ResponseRecorder, *countingBody) {
		body := &countingBody{prefix: prefix, n: size}
		req := httptest.NewRequest(method, target, nil)
		req.Body, req.ContentLength = body, size
		// A session of its own: some routes end theirs.
		token, _, err := fx.auth.StartSession(t.Context(), fx.user, "test", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", "digest_session="+token)
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, req)
		return w, body
	}
	id := strconv.FormatInt(fx.feedIDs["wire"], 10)
	path := strings.NewReplacer("{id}", id, "{token}", "x", "{kind}", "per", "{name}", "x", "{$}", "")
	for _, rt := range fx.server.table {
		method, pattern, _ := strings.Cut(rt.Pattern, " ")
		if method == "GET" || strings.HasPrefix(pattern, "/fever/") {
			continue
		}
		target := path.Replace(strings.Replace(pattern, "/admin/users/{id}", "/admin/users/999", 1))
		limit := int64(small)
		if target == "/import" {
			limit = large
		}
		ct, prefix := "application/x-www-form-urlencoded", "url="
		if rt.API {
			ct, prefix = "application/json", `{"url":"`
		}
		if _, body := send(method, target, ct, prefix, 5<<20); body.read > limit+1 {
			t.Errorf("%s read %d bytes, over its limit of %d", rt.Pattern, body.read, limit)
		}
	}
	if _, body := send("POST", "/fever/?api", "application/x-www-form-urlencoded", "", 5<<20); body.read > large+1 {
		t.Errorf("a protocol read %d bytes, over the limit of %d", body.read, large)
	}
	w, body := send("POST", "/api/v1/feeds", "application/json", `{"url":"`, 5<<20)
	if body.read > small+1 || w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("the API read %d bytes and answered %d, want 413", body.read, w.Code)
	}
	// Within the limits, bodies pass whole.
	if _, body := send("POST", "/fever/?api", "application/x-www-form-urlencoded", "", 200<<10); body.read != 200<<10 {
		t.Errorf("a protocol read %d of %d bytes", body.read, 200<<10)
	}
}
