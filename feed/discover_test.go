package feed

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestIsFeed(t *testing.T) {
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"rss with declaration", `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0">`, true},
		{"rss after BOM, comment and stylesheet", "\xef\xbb\xbf\n<?xml version=\"1.0\"?>\n<!-- generator -->\n<?xml-stylesheet href=\"s.xsl\"?>\n<rss>", true},
		{"rdf", `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">`, true},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom">`, true},
		{"rss 0.91 with doctype", `<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91">`, true},
		{"doctype with internal subset", `<!DOCTYPE rss [<!ENTITY a "b">]><rss>`, true},
		{"json feed", `{"version": "https://jsonfeed.org/version/1.1", "items": []}`, true},
		{"other json", `{"name": "package", "version": "1.0"}`, false},
		{"html page", `<!DOCTYPE html><html><head>`, false},
		{"xhtml page", `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">`, false},
		{"sitemap", `<?xml version="1.0"?><urlset>`, false},
		{"empty", ``, false},
		{"unclosed comment", `<!-- <rss>`, false},
		{"binary", "\x89PNG\r\n\x1a\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsFeed([]byte(tt.body)); got != tt.want {
				t.Errorf("IsFeed(%q) = %v, want %v", tt.body, got, tt.want)
			}
		})
	}
	for _, name := range samples {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if !IsFeed(body) {
			t.Errorf("IsFeed(testdata/%s) = false", name)
		}
	}
}

func TestDiscover(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("testdata", "html-page.html"))
	if err != nil {
		t.Fatal(err)
	}
	common := []string{
		"https://harbourgazette.example/feed", "https://harbourgazette.example/rss", "https://harbourgazette.example/rss.xml",
		"https://harbourgazette.example/atom.xml", "https://harbourgazette.example/feed.xml",
		"https://harbourgazette.example/index.xml", "https://harbourgazette.example/feed.json",
	}
	tests := []struct {
		name, url, body string
		want            []string
	}{
		{"a feed is its own answer", "https://harbourgazette.example/feed/", mustRead(t, "wordpress-rss2.xml"),
			[]string{"https://harbourgazette.example/feed/"}},
		{"alternate links first, comment feeds after, then common paths", "https://harbourgazette.example/2026/11/some-story/", string(page),
			append([]string{
				"https://harbourgazette.example/feed/",
				"https://harbourgazette.example/feed/atom/",
				"https://harbourgazette.example/feed/json",
				"https://harbourgazette.example/comments/feed/",
			}, common...)},
		{"base element changes link resolution, not the site probed", "https://harbourgazette.example/x",
			`<html><head><base href="https://cdn.example/site/"><link rel="alternate" type="application/rss+xml" href="rss.xml"></head></html>`,
			append([]string{"https://cdn.example/site/rss.xml"}, common...)},
		{"rel and type match case-insensitively, with parameters", "https://harbourgazette.example/",
			`<link REL="Alternate Home" TYPE="Application/Atom+XML; charset=utf-8" href="/a.atom">`,
			append([]string{"https://harbourgazette.example/a.atom"}, common...)},
		{"stylesheets, icons and javascript: hrefs are ignored", "https://harbourgazette.example/",
			`<link rel="stylesheet" type="text/css" href="/s.css"><link rel="icon" href="/f.ico"><link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"><link rel="alternate" hreflang="fr" href="/fr/">`,
			common},
		{"a common path already linked is not repeated", "https://harbourgazette.example/",
			`<link rel="alternate" type="application/rss+xml" href="/rss.xml">`,
			append([]string{"https://harbourgazette.example/rss.xml"}, slices.DeleteFunc(slices.Clone(common), func(s string) bool { return s == "https://harbourgazette.example/rss.xml" })...)},
		{"garbage page gives the common paths", "http://site.example/", "\x00\xff<<<>>>", []string{
			"http://site.example/feed", "http://site.example/rss", "http://site.example/rss.xml", "http://site.example/atom.xml",
			"http://site.example/feed.xml", "http://site.example/index.xml", "http://site.example/feed.json"}},
		{"no page URL: only absolute links", "", `<link rel="alternate" type="application/rss+xml" href="/rel.xml"><link rel="alternate" type="application/rss+xml" href="https://abs.example/f">`,
			[]string{"https://abs.example/f"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Discover(tt.url, []byte(tt.body))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Discover(%q)\n got %q\nwant %q", tt.url, got, tt.want)
			}
		})
	}
}
