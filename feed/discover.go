package feed

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// sniffLen bounds how much of a document IsFeed looks at: the root element
// of a feed comes after at most an XML declaration, a doctype, comments and
// processing instructions.
const sniffLen = 64 << 10

// IsFeed reports whether body looks like an RSS, RDF, Atom or JSON feed,
// from its first bytes only (the root element's name, or a JSON Feed
// version URL). It does not validate the document; Parse does.
func IsFeed(body []byte) bool {
	b := skipSpaceAndBOM(body)
	if len(b) > sniffLen {
		b = b[:sniffLen]
	}
	if len(b) == 0 {
		return false
	}
	if b[0] == '{' {
		if len(b) > 4096 {
			b = b[:4096]
		}
		return bytes.Contains(b, []byte("jsonfeed.org/version"))
	}
	switch strings.ToLower(rootElement(b)) {
	case "rss", "rdf", "feed":
		return true
	}
	return false
}

// looksLikeHTML reports whether body is an HTML page (the usual thing a
// feed URL returns when it is wrong).
func looksLikeHTML(body []byte) bool {
	b := skipSpaceAndBOM(body)
	if len(b) > 1024 {
		b = b[:1024]
	}
	low := bytes.ToLower(b)
	if bytes.HasPrefix(low, []byte("<!doctype html")) {
		return true
	}
	switch strings.ToLower(rootElement(b)) {
	case "html", "head", "body":
		return true
	}
	return false
}

func skipSpaceAndBOM(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.TrimLeft(b, " \t\r\n")
}

// rootElement returns the local name of the first element of an XML
// document ("RDF" for "<rdf:RDF"), skipping the declaration, processing
// instructions, comments and the doctype; "" if none is found in b.
func rootElement(b []byte) string {
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		if len(b) < 2 || b[0] != '<' {
			return ""
		}
		var end int
		switch {
		case bytes.HasPrefix(b, []byte("<?")):
			end = bytes.Index(b, []byte("?>")) + 2
		case bytes.HasPrefix(b, []byte("<!--")):
			end = bytes.Index(b, []byte("-->")) + 3
		case bytes.HasPrefix(b, []byte("<!")):
			// A doctype, possibly with an internal subset in [...].
			end = bytes.IndexByte(b, '>') + 1
			if i := bytes.IndexByte(b, '['); i >= 0 && i < end {
				end = bytes.Index(b, []byte("]>")) + 2
			}
		default:
			name := b[1:]
			if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
				name = name[:i]
			}
			if i := bytes.LastIndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
			return string(name)
		}
		if end <= 1 { // Index returned -1: the construct is not closed in b
			return ""
		}
		b = b[end:]
	}
}

// feedTypes are the link types that announce a feed.
var feedTypes = map[string]bool{
	"application/rss+xml": true, "application/atom+xml": true, "application/rdf+xml": true,
	"application/feed+json": true, "application/json": true, "application/x.atom+xml": true,
	"application/x-atom+xml": true,
}

// commonPaths are where sites without feed links usually keep their feed.
var commonPaths = []string{"/feed", "/rss", "/rss.xml", "/atom.xml", "/feed.xml", "/index.xml", "/feed.json"}

// Discover lists the feed URLs a web page leads to, most likely first. When
// body is itself a feed the answer is just pageURL. Otherwise it lists the
// page's <link rel="alternate"> feeds (RSS, Atom, JSON; comment feeds
// last), resolved against the page's <base> or pageURL, then the common feed
// paths of the site (/feed, /rss, /rss.xml, /atom.xml, /feed.xml,
// /index.xml, /feed.json), which the caller should probe in order. The list
// has no duplicates; it is empty only when pageURL is not an absolute http
// URL and the page has no absolute feed links.
func Discover(pageURL string, body []byte) []string {
	if IsFeed(body) {
		return []string{pageURL}
	}
	return dedupe(append(Links(pageURL, body), CommonPaths(pageURL)...))
}

// CommonPaths lists the common feed paths of pageURL's site (the tail of
// Discover's list), or nothing when pageURL is not an absolute http URL.
// A feed found there is a guess: the site does not say it is its feed.
func CommonPaths(pageURL string) []string {
	page, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil || (page.Scheme != "http" && page.Scheme != "https") || page.Host == "" {
		return nil
	}
	out := make([]string, 0, len(commonPaths))
	root := url.URL{Scheme: page.Scheme, Host: page.Host}
	for _, p := range commonPaths {
		root.Path = p
		out = append(out, root.String())
	}
	return out
}

// Links lists the feeds a web page links to (the head of Discover's list,
// without the common paths): its <link rel="alternate"> feeds, comment
// feeds last, with no duplicates. When body is itself a feed the answer
// is just pageURL.
func Links(pageURL string, body []byte) []string {
	if IsFeed(body) {
		return []string{pageURL}
	}
	base, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		base = nil
	}
	var feeds, comments []string
	z := html.NewTokenizer(bytes.NewReader(body))
	for done := false; !done; {
		switch z.Next() {
		case html.ErrorToken:
			done = true
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.DataAtom {
			case atom.Base:
				if href := attr(tok, "href"); href != "" {
					if u := resolveHTTP(base, href); u != "" {
						base, _ = url.Parse(u)
					}
				}
			case atom.Link:
				if !hasToken(attr(tok, "rel"), "alternate") {
					continue
				}
				typ, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(attr(tok, "type"))), ";")
				if !feedTypes[strings.TrimSpace(typ)] {
					continue
				}
				u := resolveHTTP(base, attr(tok, "href"))
				if u == "" {
					continue
				}
				if isCommentFeed(attr(tok, "title"), u) {
					comments = append(comments, u)
				} else {
					feeds = append(feeds, u)
				}
			case atom.Body:
				// Feed links belong in <head>; some pages put them
				// at the top of <body> too, so keep reading.
			}
		}
	}
	return dedupe(append(feeds, comments...))
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// hasToken reports whether a space-separated list (a rel value) contains
// tok, case-insensitively.
func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if strings.EqualFold(f, tok) {
			return true
		}
	}
	return false
}

func isCommentFeed(title, u string) bool {
	t := strings.ToLower(title)
	return strings.Contains(t, "comment") || strings.Contains(strings.ToLower(u), "/comments/")
}

func dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
