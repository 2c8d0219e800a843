package web

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

// TestEntityAcrossStories: outlets spell one entity differently; its page
// is one, under its most mentioned spelling, and every other spelling
// leads there.
func TestEntityAcrossStories(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	e := func(name string, k digest.EntityKind, n int) digest.Entity {
		return digest.Entity{Name: name, Kind: k, Count: n}
	}
	summit := saveStory(t, fx, &digest.Story{Headline: "Summit opens", FirstSeen: baseTime.Add(-5 * time.Hour), LastSeen: baseTime.Add(-4 * time.Hour), Outlets: 1,
		Entities:   []digest.Entity{e("NATO", digest.Organization, 4), e("Donald J. Trump", digest.Person, 1), e("Xi Jinping", digest.Person, 2)},
		ArticleIDs: []int64{fx.articleIDs["storm"]}})
	talks := saveStory(t, fx, &digest.Story{Headline: "Talks end", FirstSeen: baseTime.Add(-3 * time.Hour), LastSeen: baseTime.Add(-2 * time.Hour), Outlets: 1,
		Entities:   []digest.Entity{e("Nato", digest.Organization, 1), e("Donald Trump", digest.Person, 3), e("Xi", digest.Person, 1), e("Harbour Town", digest.Place, 1)},
		ArticleIDs: []int64{fx.articleIDs["budget"]}})

	redirects := []struct{ name, from, to string }{
		{"another outlet's case", "/entities/org/Nato", "/entities/org/NATO"},
		{"lower case", "/entities/org/nato", "/entities/org/NATO"},
		{"a possessive", "/entities/org/NATO%27s", "/entities/org/NATO"},
		{"a middle initial", "/entities/per/Donald%20J.%20Trump", "/entities/per/Donald%20Trump"},
		{"a title", "/entities/per/President%20Trump", ""}, // "Trump" alone is a one-word name: see below
		{"a one-word name of one person", "/entities/per/Xi", "/entities/per/Xi%20Jinping"},
		{"an honorific", "/entities/per/Mr%20Xi", "/entities/per/Xi%20Jinping"},
		{"a kind in capitals", "/entities/PER/Xi%20Jinping", "/entities/per/Xi%20Jinping"},
		{"an organisation asked as a person", "/entities/per/NATO", "/entities/org/NATO"},
	}
	for _, tc := range redirects {
		t.Run(tc.name, func(t *testing.T) {
			w := fx.do(t, "GET", tc.from, "")
			if tc.to == "" {
				if w.Code != 308 && w.Code != 200 {
					t.Errorf("GET %s = %d", tc.from, w.Code)
				}
				return
			}
			if w.Code != 308 || w.Header().Get("Location") != tc.to {
				t.Fatalf("GET %s = %d to %q, want 308 to %q", tc.from, w.Code, w.Header().Get("Location"), tc.to)
			}
			if w := fx.do(t, "HEAD", tc.from, ""); w.Code != 308 {
				t.Errorf("HEAD %s = %d, want 308", tc.from, w.Code)
			}
		})
	}

	body := fx.do(t, "GET", "/entities/org/NATO", "").Body.String()
	if !strings.Contains(body, `href="/stories/`+strconv.FormatInt(summit, 10)+`"`) || !strings.Contains(body, `href="/stories/`+strconv.FormatInt(talks, 10)+`"`) {
		t.Errorf("NATO page lacks a story of one of its spellings:\n%s", body)
	}
	if !strings.Contains(body, `Also written <span>Nato</span>`) {
		t.Error("NATO page does not say it is also written Nato")
	}
	if strings.Contains(body, `href="/entities/org/Nato"`) {
		t.Error("a chip of the NATO page names NATO under another spelling")
	}
	body = fx.do(t, "GET", "/entities/per/Xi%20Jinping", "").Body.String()
	if !strings.Contains(body, "Named in 2 stories") {
		t.Errorf("Xi Jinping page does not list the story that says only Xi:\n%s", body)
	}

	// The API answers any spelling with the canonical name.
	var got entityJSON
	w := fx.do(t, "GET", "/api/v1/entities/org/nato", "")
	if w.Code != 200 {
		t.Fatalf("API nato = %d: %s", w.Code, w.Body)
	}
	decodeStrict(t, w.Body.Bytes(), &got)
	if cl := w.Header().Get("Content-Location"); cl != "/api/v1/entities/org/NATO" {
		t.Errorf("Content-Location = %q, want the canonical entity's", cl)
	}
	if w := fx.do(t, "GET", "/api/v1/entities/org/NATO", ""); w.Header().Get("Content-Location") != "" {
		t.Error("the canonical request has a Content-Location")
	}
	if got.Entity.Name != "NATO" || got.Entity.Kind != digest.Organization || got.Entity.Count != 5 || len(got.Stories) != 2 ||
		len(got.Spellings) != 2 || got.Spellings[1].Name != "Nato" {
		t.Errorf("API nato = %+v", got)
	}
	w = fx.do(t, "GET", "/api/v1/entities/per/Xi", "")
	decodeStrict(t, w.Body.Bytes(), &got)
	if w.Code != 200 || got.Entity.Name != "Xi Jinping" || len(got.Stories) != 2 || got.Stories[0].ID != talks {
		t.Errorf("API Xi = %d %+v", w.Code, got)
	}
	assertAPIError(t, fx.do(t, "GET", "/api/v1/entities/per/%FF", ""), 400, digest.EINVALID)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/entities/per/..%2E", ""), 400, digest.EINVALID)
	assertAPIError(t, fx.do(t, "GET", "/api/v1/entities/per/"+strings.Repeat("%C3%A9", 101), ""), 400, digest.EINVALID)
}

// TestEntityPathEdges: what the router does before the handler with empty
// segments and dot segments still ends in a clear 4xx.
func TestEntityPathEdges(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	saveStory(t, fx, &digest.Story{Headline: "H", FirstSeen: baseTime, LastSeen: baseTime,
		Entities: []digest.Entity{{Name: "AC/DC", Kind: digest.Organization}}, ArticleIDs: []int64{fx.articleIDs["budget"]}})
	for _, target := range []string{"/entities//NATO", "/entities/org/..", "/entities/org/", "/entities/org/%2E%2E", "/api/v1/entities//x", "/entities/%20/x"} {
		w := fx.do(t, "GET", target, "")
		for hops := 0; w.Code >= 300 && w.Code < 400 && hops < 5; hops++ {
			w = fx.do(t, "GET", w.Header().Get("Location"), "")
		}
		if w.Code < 400 || w.Code >= 500 {
			t.Errorf("GET %s ends in %d, want a 4xx", target, w.Code)
		}
	}
	// A slash in a name is escaped in its link and found again.
	if w := fx.do(t, "GET", entityURL(digest.Entity{Name: "AC/DC", Kind: digest.Organization}), ""); w.Code != 200 {
		t.Errorf("AC/DC page = %d", w.Code)
	}
}

// FuzzParseEntityRef: any kind and name parse to a clear error or to a
// kind and a name that a link writes and the router reads back alike.
func FuzzParseEntityRef(f *testing.F) {
	for _, s := range [][2]string{{"per", "Xi Jinping"}, {"ORG", "NATO's"}, {"loc", " U.S. "}, {"misc", "\xff"}, {"", "x"},
		{"per", ".."}, {"org", "AC/DC"}, {"org", "a\x00b"}, {"per", strings.Repeat("é", 101)}, {"LoC", hostileName}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kindText, nameText string) {
		kind, name, err := parseEntityRef(kindText, nameText)
		if err != nil {
			if errorCode(err) != digest.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if !utf8.ValidString(name) || name == "" || len(name) > maxEntityName || strings.ContainsFunc(name, unicode.IsControl) ||
			strings.TrimSpace(name) != name {
			t.Fatalf("accepted name %q", name)
		}
		u := entityURL(digest.Entity{Name: name, Kind: kind})
		rest, ok := strings.CutPrefix(u, "/entities/")
		if !ok {
			t.Fatalf("entityURL = %q", u)
		}
		k, n, _ := strings.Cut(rest, "/")
		un, err := url.PathUnescape(n)
		if err != nil || un != name || strings.Contains(n, "/") {
			t.Fatalf("entityURL(%q) = %q, reads back %q (%v)", name, u, un, err)
		}
		if k2, n2, err := parseEntityRef(k, un); err != nil || k2 != kind || n2 != name {
			t.Fatalf("link %q parses to %s %q (%v), want %s %q", u, k2, n2, err, kind, name)
		}
	})
}
