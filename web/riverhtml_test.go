package web

import (
	"html/template"
	"strings"
	"testing"
)

// escapeCases are strings that meet every rule of html/template's
// escapers: markup, quotes, plus, NUL, percent escapes valid and not,
// schemes safe and not, and text that is not UTF-8.
var escapeCases = []string{
	"", "plain", "a <b> & \"c\" 'd' + e", "\x00nul", "100% sure", "%2F%zz%4", "é ünïcode ✓", "bad \xff\xfe utf8",
	"https://news.example/a?x=1&y=<2>#frag", "HTTP://Example.com/", "mailto:a@b.example", "javascript:alert(1)",
	"JavaScript:x", "data:text/html,x", "/relative/path:with:colons", "?feed=3&q=a b", "//host/x y", "a'b(c)d",
	"[ipv6]:80/~user/!$*,;=@", "tab\there\nnewline",
}

// TestEscapersMatchTemplate checks that htmlWriter escapes each string
// as html/template does in the same context.
func TestEscapersMatchTemplate(t *testing.T) {
	for _, s := range escapeCases {
		checkEscapers(t, s)
	}
}

func FuzzEscapersMatchTemplate(f *testing.F) {
	for _, s := range escapeCases {
		f.Add(s)
	}
	f.Fuzz(checkEscapers)
}

var escapeTmpl = template.Must(template.New("").Parse(`<p title="{{.}}">{{.}}</p><a href="{{.}}"></a><a href="/x/{{.}}"></a>`))

func checkEscapers(t *testing.T, s string) {
	var want strings.Builder
	if err := escapeTmpl.Execute(&want, s); err != nil {
		t.Fatal(err)
	}
	var w htmlWriter
	w.raw(`<p title="`)
	w.text(s)
	w.raw(`">`)
	w.text(s)
	w.raw(`</p><a href="`)
	w.url(s)
	w.raw(`"></a><a href="/x/`)
	w.urlPart(s)
	w.raw(`"></a>`)
	if got := w.b.String(); got != want.String() {
		t.Errorf("%q:\ngot  %s\nwant %s", s, got, want.String())
	}
}
