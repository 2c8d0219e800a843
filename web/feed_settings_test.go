package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	digest "github.com/occasional-digest/digest"
)

func TestFeedFetchModeIsAPerFeedSetting(t *testing.T) {
	fx := newFixture(t)
	id := fx.addFeed(t, "wire", "Wire")
	sid := strconv.FormatInt(id, 10)
	mode := func() digest.FetchMode {
		f, err := fx.store.Feed(context.Background(), fx.uid, id)
		if err != nil {
			t.Fatal(err)
		}
		return f.Fetch
	}

	w := fx.do(t, "PATCH", "/api/v1/feeds/"+sid, `{"fetch_mode":"always","category":"Wires"}`, "Content-Type", "application/json")
	if w.Code != http.StatusOK || mode() != digest.FetchAlways {
		t.Fatalf("PATCH fetch_mode: %d %s, mode %q", w.Code, w.Body, mode())
	}
	for name, body := range map[string]string{
		"unknown mode":  `{"fetch_mode":"sometimes"}`,
		"empty title":   `{"title":"  "}`,
		"unknown field": `{"fetch":"never"}`,
		"not JSON":      `fetch_mode=never`,
	} {
		t.Run(name, func(t *testing.T) {
			w := fx.do(t, "PATCH", "/api/v1/feeds/"+sid, body, "Content-Type", "application/json")
			if w.Code != http.StatusBadRequest && w.Code != http.StatusUnsupportedMediaType {
				t.Fatalf("%s: %d %s", name, w.Code, w.Body)
			}
			if mode() != digest.FetchAlways {
				t.Fatalf("%s changed the mode to %q", name, mode())
			}
		})
	}
	assertAPIError(t, fx.do(t, "PATCH", "/api/v1/feeds/99999", `{"fetch_mode":"never"}`, "Content-Type", "application/json"), 404, digest.ENOTFOUND)

	// The feeds page's form does the same without JavaScript.
	if w := fx.form(t, "/feeds/"+sid+"/fetch-mode", url.Values{"mode": {"never"}}); w.Code != http.StatusSeeOther || mode() != digest.FetchNever {
		t.Fatalf("form: %d, mode %q", w.Code, mode())
	}
	if w := fx.form(t, "/feeds/"+sid+"/fetch-mode", url.Values{"mode": {"<script>"}}); w.Code != http.StatusBadRequest || mode() != digest.FetchNever {
		t.Fatalf("bad form value: %d, mode %q", w.Code, mode())
	}
}
