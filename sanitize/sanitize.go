// Package sanitize turns untrusted HTML from feeds and web pages into HTML
// that is safe to embed in the reader, and into plain text.
//
// HTML runs in two passes. An allowlist policy (bluemonday), built once,
// keeps only reading markup: paragraphs, headings, lists, quotes, code,
// emphasis, figures, images, tables, links and a few media elements; it drops
// scripts, styles, forms, event handlers and every URL that is not http,
// https or (on links) mailto. A second pass over the policy's output resolves
// relative URLs against the document's URL, removes tracking pixels and
// elements left empty, and marks outbound links rel="noopener noreferrer"
// target="_blank".
//
// Embeds: an iframe survives only when its src is a YouTube
// (youtube.com or youtube-nocookie.com /embed/) or Vimeo (player.vimeo.com
// /video/) player, rewritten to https and sandboxed. Video is a large part of
// news coverage and those two players are what feeds embed; every other
// iframe is removed with its content.
package sanitize

import (
	"bytes"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// embedSrc is the allowlist of iframe players, with or without a scheme
// (protocol-relative "//www.youtube.com/embed/..." is common in feeds).
var embedSrc = regexp.MustCompile(`^(?i:https?:)?//(?i:(?:www\.)?youtube(?:-nocookie)?\.com/embed/|player\.vimeo\.com/video/)[A-Za-z0-9_-]+(?:[?/][^"'<>\s]*)?$`)

// policy is the allowlist, built once: bluemonday policies are safe for
// concurrent use once built and must not be modified afterwards.
var policy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs() // http, https, mailto; relative URLs; parseable only
	p.AllowURLSchemes("http", "https", "mailto")
	p.AddSpaceWhenStrippingTag(true) // "<section>a</section><section>b" must not become "ab"

	p.AllowElements("p", "br", "hr", "div",
		"h1", "h2", "h3", "h4", "h5", "h6",
		"ul", "ol", "li", "dl", "dt", "dd",
		"blockquote", "pre", "code", "kbd", "samp",
		"em", "strong", "b", "i", "u", "s", "del", "ins", "sub", "sup", "small", "mark", "cite", "q", "abbr",
		"figure", "figcaption",
		"table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td")
	p.AllowAttrs("cite").OnElements("blockquote", "q", "del", "ins")
	p.AllowAttrs("title").OnElements("abbr", "a", "img")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("src", "alt").OnElements("img")
	p.AllowAttrs("width", "height").Matching(bluemonday.NumberOrPercent).OnElements("img", "video", "iframe")
	// srcset is not a URL attribute to bluemonday: rewrite() validates
	// and resolves each candidate.
	p.AllowAttrs("srcset").Matching(regexp.MustCompile(`^[^<>"]*$`)).OnElements("img")
	p.AllowAttrs("src", "poster").OnElements("video", "audio", "source")
	p.AllowAttrs("controls").Matching(regexp.MustCompile(`^(?:controls)?$`)).OnElements("video", "audio")
	p.AllowAttrs("type").Matching(regexp.MustCompile(`^[a-z]+/[a-zA-Z0-9.+-]+$`)).OnElements("source")
	p.AllowElements("video", "audio", "source")
	p.AllowAttrs("src").Matching(embedSrc).OnElements("iframe")
	p.AllowAttrs("allowfullscreen").Matching(regexp.MustCompile(`^(?:allowfullscreen|true)?$`)).OnElements("iframe")
	return p
})

// HTML returns raw as safe HTML (see the package comment for what is kept).
// Relative URLs are resolved against baseURL, the address of the document
// raw came from; when baseURL is empty or not absolute they are kept as
// they are. Text without markup is escaped, and split into paragraphs at
// blank lines. HTML never fails: input it cannot make sense of yields less
// output, possibly "".
func HTML(raw, baseURL string) string {
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	if !hasMarkup(raw) {
		return paragraphs(html.UnescapeString(raw))
	}
	var base *url.URL
	if u, err := url.Parse(baseURL); err == nil && saneHost(u.Host) && (u.Scheme == "http" || u.Scheme == "https") {
		base = u
	}
	clean := policy().SanitizeReader(strings.NewReader(raw))
	return strings.TrimSpace(rewrite(clean.Bytes(), base))
}

// hasMarkup reports whether s has anything that an HTML parser would take
// for a tag, comment or doctype: a "<" followed by a letter, "/", "!" or "?".
func hasMarkup(s string) bool {
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 || i == len(s)-1 {
			return false
		}
		c := s[i+1]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '/' || c == '!' || c == '?' {
			return true
		}
		s = s[i+1:]
	}
}

// paragraphs returns plain text as HTML: escaped, and split into <p>
// elements at blank lines when it has more than one paragraph.
func paragraphs(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !strings.Contains(s, "\n\n") {
		return html.EscapeString(s)
	}
	var b strings.Builder
	for p := range strings.SplitSeq(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>")
			b.WriteString(html.EscapeString(p))
			b.WriteString("</p>")
		}
	}
	return b.String()
}

// open is an element whose end tag the rewrite has not seen yet.
type open struct {
	name    atom.Atom
	start   int  // offset of its start tag in the output
	content bool // it holds text or media: it is not empty
	unwrap  bool // its tags were dropped, its content stays
}

// removableEmpty lists the elements removed when nothing but whitespace and
// <br> is left inside them. Table cells are not in it: removing one would
// shift the columns of its row.
var removableEmpty = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.A: true, atom.Span: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Em: true, atom.Strong: true, atom.B: true, atom.I: true, atom.U: true, atom.S: true,
	atom.Del: true, atom.Ins: true, atom.Sub: true, atom.Sup: true, atom.Small: true, atom.Mark: true,
	atom.Cite: true, atom.Q: true, atom.Abbr: true, atom.Code: true, atom.Kbd: true, atom.Samp: true,
	atom.Pre: true, atom.Blockquote: true, atom.Figure: true, atom.Figcaption: true,
	atom.Ul: true, atom.Ol: true, atom.Li: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
}

// rewrite is the second pass over the policy's output: it resolves URLs,
// removes tracking pixels, refused embeds and empty elements, and marks
// outbound links.
func rewrite(in []byte, base *url.URL) string {
	z := html.NewTokenizer(bytes.NewReader(in))
	var out bytes.Buffer
	out.Grow(len(in) + len(in)/8)
	var stack []open

	markContent := func() {
		if len(stack) > 0 {
			stack[len(stack)-1].content = true
		}
	}
	closeTop := func() {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !e.content && removableEmpty[e.name] {
			out.Truncate(e.start)
			return
		}
		if e.unwrap {
			markContent()
			return
		}
		out.WriteString("</")
		out.WriteString(e.name.String())
		out.WriteByte('>')
		markContent()
	}

	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			for len(stack) > 0 {
				closeTop()
			}
			return out.String()
		case html.TextToken:
			raw := z.Raw()
			if len(bytes.TrimSpace(raw)) > 0 {
				markContent()
			}
			out.Write(raw)
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			void := tt == html.SelfClosingTagToken || isVoid(tok.DataAtom)
			switch tok.DataAtom {
			case 0:
				continue // the policy only lets known elements through
			case atom.Img:
				if !fixImg(&tok, base) {
					continue
				}
				markContent()
			case atom.A:
				if !fixLink(&tok, base) {
					// A link to nowhere is just its text.
					stack = append(stack, open{name: atom.A, start: out.Len(), unwrap: true})
					continue
				}
			case atom.Iframe:
				// An iframe's content is fallback text for browsers
				// without frames: skip it.
				for tt != html.ErrorToken && !(tt == html.EndTagToken && z.Token().DataAtom == atom.Iframe) && !void {
					tt = z.Next()
				}
				if fixEmbed(&tok) {
					writeStartTag(&out, &tok)
					out.WriteString("</iframe>")
					markContent()
				}
				continue
			case atom.Video, atom.Audio, atom.Source:
				resolveAttrs(&tok, base, "src", "poster")
				markContent()
			case atom.Blockquote, atom.Q, atom.Del, atom.Ins:
				resolveAttrs(&tok, base, "cite")
			case atom.Hr:
				markContent()
			}
			start := out.Len()
			writeStartTag(&out, &tok)
			if !void {
				stack = append(stack, open{name: tok.DataAtom, start: start})
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			// Close up to the matching element; an end tag that
			// matches nothing open is dropped.
			i := len(stack) - 1
			for i >= 0 && stack[i].name != a {
				i--
			}
			if i < 0 {
				continue
			}
			for len(stack) > i {
				closeTop()
			}
		}
		// Comments and doctypes cannot come out of the policy.
	}
}

func isVoid(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.Hr, atom.Img, atom.Source, atom.Wbr, atom.Col:
		return true
	}
	return false
}

func writeStartTag(out *bytes.Buffer, tok *html.Token) {
	out.WriteByte('<')
	out.WriteString(tok.Data)
	for _, a := range tok.Attr {
		out.WriteByte(' ')
		out.WriteString(a.Key)
		out.WriteString(`="`)
		out.WriteString(html.EscapeString(a.Val))
		out.WriteByte('"')
	}
	out.WriteByte('>')
}

// AbsoluteURL returns ref resolved against base when the result is an
// absolute http(s) URL with a sane host, "" otherwise. The feed parser uses
// it for entry and site links, so links are resolved one way everywhere.
func AbsoluteURL(base *url.URL, ref string) string {
	u := resolve(base, ref)
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return ""
	}
	return u
}

// resolve returns ref resolved against base, or "" when the result is not
// an http(s) URL (or a relative one when there is no base).
func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if !saneHost(u.Host) {
			return ""
		}
	case "":
		if base != nil {
			return ""
		}
	default:
		return ""
	}
	return u.String()
}

// saneHost reports whether host (with an optional port) is made of the
// characters of DNS names and IP literals only.
func saneHost(host string) bool {
	if host == "" {
		return false
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']' || c >= 0x80) {
			return false
		}
	}
	return true
}

func resolveAttrs(tok *html.Token, base *url.URL, keys ...string) {
	attrs := tok.Attr[:0]
	for _, a := range tok.Attr {
		for _, k := range keys {
			if a.Key == k {
				a.Val = resolve(base, a.Val)
				break
			}
		}
		if a.Val == "" && (a.Key == "src" || a.Key == "poster" || a.Key == "cite" || a.Key == "href") {
			continue
		}
		attrs = append(attrs, a)
	}
	tok.Attr = attrs
}

// fixLink resolves a link's href; an outbound (absolute http) link gets
// rel="noopener noreferrer" target="_blank". Links within the page
// ("#note-1") are left as they are. It reports false when no usable href
// is left.
func fixLink(tok *html.Token, base *url.URL) bool {
	href := ""
	attrs := tok.Attr[:0]
	for _, a := range tok.Attr {
		switch a.Key {
		case "href":
			v := strings.TrimSpace(a.Val)
			if strings.HasPrefix(v, "#") || strings.HasPrefix(strings.ToLower(v), "mailto:") {
				href = v // the policy checked the mailto: URL parses
			} else {
				href = resolve(base, a.Val)
			}
			continue
		case "rel", "target":
			continue
		}
		attrs = append(attrs, a)
	}
	if href != "" {
		attrs = append(attrs, html.Attribute{Key: "href", Val: href})
		if strings.HasPrefix(href, "http://") || strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "//") {
			attrs = append(attrs,
				html.Attribute{Key: "rel", Val: "noopener noreferrer"},
				html.Attribute{Key: "target", Val: "_blank"})
		}
	}
	tok.Attr = attrs
	return href != ""
}

// fixImg resolves an image's src and srcset and reports whether the image is
// worth keeping: false for images without a usable src and for tracking
// pixels.
func fixImg(tok *html.Token, base *url.URL) bool {
	attrs := tok.Attr[:0]
	src := ""
	for _, a := range tok.Attr {
		switch a.Key {
		case "src":
			src = resolve(base, a.Val)
			if !strings.HasPrefix(src, "http") {
				src = "" // relative, and no base to resolve it against
			}
			a.Val = src
		case "srcset":
			a.Val = resolveSrcset(base, a.Val)
		case "width", "height":
			if n, err := strconv.Atoi(strings.TrimSpace(a.Val)); err == nil && n <= 1 {
				return false // 1×1 or 0×0: a tracking pixel
			}
		}
		if a.Val == "" {
			continue
		}
		attrs = append(attrs, a)
	}
	if src == "" || isTracker(src) {
		return false
	}
	tok.Attr = attrs
	return true
}

// resolveSrcset resolves every candidate of a srcset ("a.jpg 1x, b.jpg 2x"),
// dropping those that are not http(s).
func resolveSrcset(base *url.URL, set string) string {
	var b strings.Builder
	for cand := range strings.SplitSeq(set, ",") {
		fields := strings.Fields(cand)
		if len(fields) == 0 || len(fields) > 2 {
			continue
		}
		u := resolve(base, fields[0])
		if !strings.HasPrefix(u, "http") {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(u)
		if len(fields) == 2 {
			b.WriteByte(' ')
			b.WriteString(fields[1])
		}
	}
	return b.String()
}

// fixEmbed reports whether an iframe is an allowed player, making its src
// https and adding a sandbox that lets the player run but not navigate the
// reader.
func fixEmbed(tok *html.Token) bool {
	ok := false
	for i, a := range tok.Attr {
		if a.Key == "src" && embedSrc.MatchString(a.Val) {
			v := a.Val
			if i := strings.Index(v, "//"); i >= 0 {
				v = "https:" + v[i:]
			}
			tok.Attr[i].Val = v
			ok = true
		}
	}
	if ok {
		tok.Attr = append(tok.Attr,
			html.Attribute{Key: "sandbox", Val: "allow-scripts allow-same-origin allow-popups allow-presentation"},
			html.Attribute{Key: "loading", Val: "lazy"})
	}
	return ok
}

// trackerHosts are hosts (and their subdomains) that serve only tracking
// images; trackerPrefixes are host+path prefixes of trackers on hosts that
// also serve real content.
var (
	trackerHosts = []string{
		"pixel.wp.com", "stats.wordpress.com", "doubleclick.net", "google-analytics.com",
		"googletagmanager.com", "scorecardresearch.com", "quantserve.com", "feedsportal.com",
		"feedblitz.com", "analytics.twitter.com", "pixel.facebook.com", "ads.pinterest.com",
		"bat.bing.com", "www.assoc-amazon.com",
	}
	trackerPrefixes = []string{
		"feeds.feedburner.com/~r/", "feeds.feedburner.com/~ff/", "feedproxy.google.com/~r/",
		"www.facebook.com/tr", "medium.com/_/stat",
	}
)

// isTracker reports whether an absolute image URL is a known tracker.
func isTracker(src string) bool {
	u, err := url.Parse(src)
	if err != nil {
		return true
	}
	host := strings.ToLower(u.Hostname())
	for _, h := range trackerHosts {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	hp := host + u.EscapedPath()
	for _, p := range trackerPrefixes {
		if strings.HasPrefix(hp, p) {
			return true
		}
	}
	return false
}
