package sanitize

import (
	"net/url"
	"testing"
)

func TestAbsoluteURL(t *testing.T) {
	base, _ := url.Parse("https://news.example/section/page.html")
	cases := []struct{ name, ref, want string }{
		{"relative link is resolved", "../a.html", "https://news.example/a.html"},
		{"absolute link is kept", "http://other.example/x", "http://other.example/x"},
		{"javascript URL is dropped", "javascript:alert(1)", ""},
		{"mailto is not a page link", "mailto:a@b.example", ""},
		{"empty stays empty", "  ", ""},
		{"broken URL is dropped", "http://%zz", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := AbsoluteURL(base, c.ref); got != c.want {
				t.Fatalf("AbsoluteURL(%q) = %q, want %q", c.ref, got, c.want)
			}
		})
	}
	if got := AbsoluteURL(nil, "/relative"); got != "" {
		t.Fatalf("relative URL without base = %q, want empty", got)
	}
}
