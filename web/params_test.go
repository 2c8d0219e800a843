package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

func TestParseArticleQuery(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  digest.ArticleQuery
		err   bool
	}{
		{"no parameters keep the default limit", "", digest.ArticleQuery{Limit: 30}, false},
		{"every filter is read", "feed_id=7&unread=1&starred=true&q=+harbour+&limit=5&cursor=abc", digest.ArticleQuery{FeedID: 7, Unread: true, Starred: true, Search: "harbour", Limit: 5, Cursor: "abc"}, false},
		{"feed is an alias of feed_id", "feed=3", digest.ArticleQuery{FeedID: 3, Limit: 30}, false},
		{"zero flags are false", "unread=0&starred=false", digest.ArticleQuery{Limit: 30}, false},
		{"a non-numeric feed is refused", "feed_id=seven", digest.ArticleQuery{}, true},
		{"a negative feed is refused", "feed_id=-7", digest.ArticleQuery{}, true},
		{"an unknown flag value is refused", "unread=perhaps", digest.ArticleQuery{}, true},
		{"limit zero is refused", "limit=0", digest.ArticleQuery{}, true},
		{"a limit over the maximum is refused", "limit=501", digest.ArticleQuery{}, true},
		{"an overflowing limit is refused", "limit=99999999999999999999", digest.ArticleQuery{}, true},
		{"a search that is not UTF-8 is refused", "q=%FF", digest.ArticleQuery{}, true},
		{"a huge cursor is refused", "cursor=" + strings.Repeat("a", 201), digest.ArticleQuery{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseArticleQuery(v, 30)
			if tt.err {
				if digest.ErrorCode(err) != digest.EINVALID {
					t.Fatalf("error %v, want EINVALID", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("= %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func FuzzParseArticleQuery(f *testing.F) {
	for _, s := range []string{"", "feed_id=7&unread=1&starred=1&q=harbour&limit=5&cursor=abc", "limit=500", "feed=-1", "q=%FF", "unread=yes&unread=no"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseArticleQuery(v, 30)
		if err != nil {
			if digest.ErrorCode(err) != digest.EINVALID || !utf8.ValidString(digest.ErrorMessage(err)) {
				t.Fatalf("error %v is not a clean EINVALID", err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > maxQueryLimit || q.FeedID < 0 || len(q.Cursor) > 200 || !utf8.ValidString(q.Search) {
			t.Fatalf("accepted a bad query: %+v", q)
		}
	})
}

func TestLocalPath(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a path is kept", "/?unread=1&cursor=x", "/?unread=1&cursor=x"},
		{"the root is kept", "/", "/"},
		{"empty falls back", "", "/f"},
		{"an absolute URL falls back", "https://evil.example/", "/f"},
		{"a scheme-relative URL falls back", "//evil.example", "/f"},
		{"a backslash falls back", "/\\evil.example", "/f"},
		{"a relative path falls back", "articles/1", "/f"},
		{"a header injection falls back", "/a\r\nSet-Cookie: x=1", "/f"},
		{"a javascript URL falls back", "javascript:alert(1)", "/f"},
	}
	for _, tt := range tests {
		if got := localPath(tt.in, "/f"); got != tt.want {
			t.Errorf("%s: localPath(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/?a=b", "//x", "/\\x", "https://x", "/%2F%2Fx", "\t/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := localPath(p, "/fallback")
		if got == "/fallback" {
			return
		}
		if got != p || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\t") {
			t.Fatalf("localPath(%q) = %q", p, got)
		}
		// A browser resolving it against the site must stay on the site.
		u, err := url.Parse("https://site.example" + got)
		if err != nil || u.Host != "site.example" {
			t.Fatalf("localPath(%q) = %q leaves the site", p, got)
		}
	})
}

func TestSnippet(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short text is kept", "A calm day.", 100, "A calm day."},
		{"whitespace is collapsed", "  A\n\tcalm   day. ", 100, "A calm day."},
		{"long text is cut at a word", "The council voted seven to two on the harbour budget", 30, "The council voted seven to two…"},
		{"an unbroken word is cut inside", strings.Repeat("x", 50), 10, strings.Repeat("x", 10) + "…"},
		{"runes are not split", strings.Repeat("é", 20), 5, "ééééé…"},
		{"trailing punctuation goes", "One, two, three, four, five, six", 17, "One, two, three…"},
	}
	for _, tt := range tests {
		if got := snippet(tt.in, tt.max); got != tt.want {
			t.Errorf("%s: snippet(%q, %d) = %q, want %q", tt.name, tt.in, tt.max, got, tt.want)
		}
	}
}

// snippetOfAll is snippet as it was written first: the whole text's
// words joined by single spaces, then cut. snippet must give the same
// while reading only the start.
func snippetOfAll(text string, max int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	end, n := len(text), 0
	for i := range text {
		if n == max {
			end = i
			break
		}
		n++
	}
	s := text[:end]
	if text[end] != ' ' {
		if i := strings.LastIndexByte(s, ' '); i > len(s)*2/3 {
			s = s[:i]
		}
	}
	return strings.TrimRight(s, " ,;:.-") + "…"
}

func FuzzSnippet(f *testing.F) {
	for _, s := range []string{"", "a b c", strings.Repeat("word ", 100), "\xff\xfe", "é", " \u00a0lead and\u0085trail \t",
		"ten chars. next", "ten chars \xffnext", "one, two, three,   four", "x\u2003y\u3000z  "} {
		for _, max := range []int{1, 3, 9, 10, 11, 280} {
			f.Add(s, max)
		}
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max < 1 || max > 1000 {
			return
		}
		got := snippet(s, max)
		if want := snippetOfAll(s, max); got != want {
			t.Fatalf("snippet(%q, %d) = %q, the whole text's normal form gives %q", s, max, got, want)
		}
		if n := utf8.RuneCountInString(got); n > max+1 {
			t.Fatalf("snippet of %d runes for max %d", n, max)
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("snippet(%q) = %q is not UTF-8", s, got)
		}
	})
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{-time.Hour, "just now"}, // a date in the future is shown as now
		{5 * time.Minute, "5 min ago"},
		{3 * time.Hour, "3 h ago"},
		{30 * time.Hour, "yesterday"},
		{4 * 24 * time.Hour, "4 days ago"},
		{30 * 24 * time.Hour, "29 Oct"},
		{400 * 24 * time.Hour, "24 Oct 2025"},
	}
	for _, tt := range tests {
		if got := ago(now, now.Add(-tt.d)); got != tt.want {
			t.Errorf("ago(%v before) = %q, want %q", tt.d, got, tt.want)
		}
	}
	if ago(now, time.Time{}) != "" {
		t.Error("a zero time is not shown")
	}
}

func TestWrapTables(t *testing.T) {
	in := `<p>a</p><TABLE class="x"><tr><td><table><tr><td>1</td></tr></table></td></tr></Table ><p>&lt;table&gt;</p>`
	want := `<p>a</p><div class="table-wrap"><table class="x"><tr><td><div class="table-wrap"><table><tr><td>1</td></tr></table></div></td></tr></table></div><p>&lt;table&gt;</p>`
	if got := wrapTables(in); got != want {
		t.Errorf("wrapTables =\n%s\nwant\n%s", got, want)
	}
	if got := wrapTables("<p>no tables</p>"); got != "<p>no tables</p>" {
		t.Errorf("wrapTables changed a body without tables: %s", got)
	}
}

// FuzzAPIBody sends arbitrary bodies to the JSON endpoints: every answer
// is a success or a clean client error, never a 500.
func FuzzAPIBody(f *testing.F) {
	fx := newFixture(f)
	fx.seed(f)
	for _, s := range []string{`{"ids":[1,2]}`, `{"url":"https://x.example/","category":"c"}`, `{"ids":[1],"x":1}`, `[`, `null`, `{"ids":[-1]}`, `{"url":"http://private.test/"}`, `"\ud800"`} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, body string, feeds bool) {
		target := "/api/v1/articles/read"
		if feeds {
			target = "/api/v1/feeds"
		}
		req := httptest.NewRequest("POST", target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		fx.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("POST %s %q = %d: %s", target, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			var e apiErrorBody
			if err := decodeJSONStrict(w.Body.String(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("error answer %q is not the error JSON: %v", w.Body, err)
			}
		}
		if w.Code == http.StatusCreated {
			fx.server.cache.invalidate()
		}
	})
}
