package feed

import (
	"testing"

	digest "github.com/occasional-digest/digest"
)

func TestCanonicalURL(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"scheme and host are lower-cased, path is not", "HTTPS://News.Example.COM/Politics/Story", "https://news.example.com/Politics/Story"},
		{"default http port is dropped", "http://example.com:80/a", "http://example.com/a"},
		{"default https port is dropped", "https://example.com:443/a", "https://example.com/a"},
		{"other ports stay", "https://example.com:8443/a", "https://example.com:8443/a"},
		{"fragment is dropped", "https://example.com/a#comments", "https://example.com/a"},
		{"empty path becomes /", "https://example.com", "https://example.com/"},
		{"empty path with query becomes /", "https://example.com?b=1", "https://example.com/?b=1"},
		{"utm parameters are dropped", "https://example.com/a?utm_source=rss&utm_medium=feed&utm_campaign=x", "https://example.com/a"},
		{"click ids are dropped", "https://example.com/a?fbclid=IwAR1&gclid=C&yclid=1&igshid=z&mc_cid=1&mc_eid=2&_hsenc=p&ref_src=twsrc", "https://example.com/a"},
		{"tracking keys match case-insensitively", "https://example.com/a?UTM_Source=x&FBCLID=y&id=3", "https://example.com/a?id=3"},
		{"remaining parameters are sorted", "https://example.com/a?z=1&b=2&a=3", "https://example.com/a?a=3&b=2&z=1"},
		{"repeated parameters keep their order", "https://example.com/a?id=2&x=0&id=1", "https://example.com/a?id=2&id=1&x=0"},
		{"empty query pieces and a bare ? are dropped", "https://example.com/a?&&x=1&", "https://example.com/a?x=1"},
		{"trailing ? is dropped", "https://example.com/a?", "https://example.com/a"},
		{"encoding of values is kept", "https://example.com/s?q=a%20b&p=%2F", "https://example.com/s?p=%2F&q=a%20b"},
		{"user info is dropped", "https://user:pw@example.com/a", "https://example.com/a"},
		{"trailing dot of the host is dropped", "https://example.com./a", "https://example.com/a"},
		{"surrounding space is trimmed", "  https://example.com/a \n", "https://example.com/a"},
		{"IPv6 literal keeps its brackets", "http://[::1]:80/a", "http://[::1]/a"},
		{"IPv6 literal with port", "http://[2001:db8::1]:8080/", "http://[2001:db8::1]:8080/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalURL(tt.in)
			if err != nil {
				t.Fatalf("CanonicalURL(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("CanonicalURL(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalURLRejects(t *testing.T) {
	for _, in := range []string{
		"", "example.com/a", "/relative/path", "ftp://example.com/a", "javascript:alert(1)",
		"mailto:a@example.com", "data:text/html,x", "http://", "https:///path", "http:opaque", "http://%zz/",
		"feed://example.com/rss",
	} {
		t.Run(in, func(t *testing.T) {
			got, err := CanonicalURL(in)
			if err == nil {
				t.Fatalf("CanonicalURL(%q) = %q, want an error", in, got)
			}
			if code := digest.ErrorCode(err); code != digest.EINVALID {
				t.Errorf("code = %q, want %q", code, digest.EINVALID)
			}
		})
	}
}

func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{
		"https://example.com/a?utm_source=x&b=2&a=1#f",
		"HTTP://EXAMPLE.com:80",
		"http://[::1]:80/a?x=%20",
		"https://example.com/%7Euser/a b?q=1;2",
		"https://example.com/a?=&==&a=%zz",
		"http://a.example/../b/./c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := CanonicalURL(in)
		if err != nil {
			return
		}
		c2, err := CanonicalURL(c)
		if err != nil {
			t.Fatalf("CanonicalURL(%q) = %q, which it rejects: %v", in, c, err)
		}
		if c2 != c {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, c, c2)
		}
	})
}
