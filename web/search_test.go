package web

import (
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// TestAPIArticlesSearch: a search answers snippets with the matched words
// (by stem) in <mark> and everything else escaped, orders by relevance on
// request, and refuses a malformed query or order with a message that
// says where.
func TestAPIArticlesSearch(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	w := fx.do(t, "GET", "/api/v1/articles?q=pass", "")
	if w.Code != 200 {
		t.Fatalf("= %d: %s", w.Code, w.Body)
	}
	var page digest.ArticlePage
	decodeStrict(t, w.Body.Bytes(), &page)
	if len(page.Articles) != 1 || page.Articles[0].ID != fx.articleIDs["budget"] {
		t.Fatalf("pass = %+v, want the budget article (\"passes\")", page.Articles)
	}
	if s, want := page.Articles[0].Snippet, "Council <mark>passes</mark> the harbour budget"; s != want {
		t.Errorf("snippet %q, want %q", s, want)
	}
	w = fx.do(t, "GET", "/api/v1/articles?q=tag", "")
	page = digest.ArticlePage{}
	decodeStrict(t, w.Body.Bytes(), &page)
	want := "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;Headline with &lt;b&gt;<mark>tags</mark>&lt;/b&gt;"
	if len(page.Articles) != 1 || page.Articles[0].Snippet != want {
		t.Errorf("tag = %+v, want the snippet %q", page.Articles, want)
	}
	w = fx.do(t, "GET", "/api/v1/articles?q=intitle:storm+OR+intitle:budget&sort=relevance", "")
	page = digest.ArticlePage{}
	decodeStrict(t, w.Body.Bytes(), &page)
	if w.Code != 200 || len(page.Articles) != 2 {
		t.Errorf("relevance = %d %s", w.Code, w.Body)
	}
	for _, q := range []string{"q=storm+OR", "q=date:2026-99-01", "q=storm&sort=oldest"} {
		w := fx.do(t, "GET", "/api/v1/articles?"+q, "")
		assertAPIError(t, w, 400, digest.EINVALID)
	}
	if w := fx.do(t, "GET", "/api/v1/articles?q=storm+OR", ""); !strings.Contains(w.Body.String(), "at character 7") {
		t.Errorf("error %s does not say where", w.Body)
	}
}

// TestRiverSearchSnippet: the river shows a search's snippet with its
// marks, and the article's own markup escaped.
func TestRiverSearchSnippet(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	w := fx.do(t, "GET", "/?q=closing&sort=relevance", "")
	if w.Code != 200 {
		t.Fatalf("= %d: %s", w.Code, w.Body)
	}
	body := w.Body.String()
	if !strings.Contains(body, "Storm <mark>closes</mark> the coast road") {
		t.Errorf("river search shows no marked snippet:\n%s", body)
	}
	if !strings.Contains(body, `<option value="relevance" selected>`) {
		t.Error("the order select does not keep relevance")
	}
}
