// Package extract turns an HTML page into an Article: its main text with the
// page's boilerplate (navigation, share bars, related lists, comments, cookie
// and newsletter boxes) left out, the same content as sanitized HTML, and the
// page's metadata (title, authors, dates, site, language, image, canonical
// URL, description, section and tags).
//
// The package reads each page once with golang.org/x/net/html's tokenizer
// into a compact tree of its own, built by the HTML tree-construction rules
// (the same tree x/net/html's parser builds, with text kept as slices of the
// page), indexes it with per-subtree text statistics, and scores blocks on
// that index. A page costs under 7 times its size in memory at the peak,
// the page itself included. It makes no network calls and keeps no state
// between calls, so Extract may be called from many goroutines at once.
package extract

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Article is what Extract finds in a page. Fields the page does not provide
// are left empty; times are zero when unknown and otherwise carry the zone the
// page gave (UTC when it gave none).
type Article struct {
	Title        string    `json:"title"`
	Authors      []string  `json:"authors,omitempty"`
	Published    time.Time `json:"published,omitzero"`
	Modified     time.Time `json:"modified,omitzero"`
	SiteName     string    `json:"site_name,omitempty"`
	Lang         string    `json:"lang,omitempty"` // BCP 47 primary tag, e.g. "en", "pt-BR" as given
	Image        string    `json:"image,omitempty"`
	CanonicalURL string    `json:"canonical_url,omitempty"`
	Description  string    `json:"description,omitempty"`
	Section      string    `json:"section,omitempty"`
	Tags         []string  `json:"tags,omitempty"`
	// Text is the article's body: one block (paragraph, subhead, list
	// item, table row) per paragraph, paragraphs separated by a blank line.
	// Captions and photo credits, bylines and datelines, sign-up and
	// teaser boxes and footers are left out (the captions stay in HTML); a
	// story told by its captions (a photo story) keeps them.
	Text string `json:"text"`
	// HTML is the main content rebuilt from an allowlist of elements
	// (paragraphs, headings, lists, blockquotes, figures with captions,
	// tables, links with absolute http(s) or mailto URLs); it carries no
	// attributes other than href, src, alt, title, colspan and rowspan.
	// Images with their captions are written as <figure> and
	// <figcaption>, each figure once however often the page repeats it.
	HTML      string `json:"html"`
	WordCount int    `json:"word_count"`
	// SourceURL is the original outlet's URL when the page republishes a
	// story and says so with a "Source link" (or "Original article") link,
	// which is then left out of Text and HTML.
	SourceURL string `json:"source_url,omitempty"`
	// Charset is the character set the page was decoded from.
	Charset string `json:"charset,omitempty"`
}

// Errors Extract may return (wrapped).
var (
	// ErrNotHTML means the input holds no markup or text at all (empty,
	// binary or only scripts); no Article is returned.
	ErrNotHTML = errors.New("extract: no HTML content")
	// ErrTooLarge means the input exceeds the MaxBytes option.
	ErrTooLarge = errors.New("extract: page too large")
)

// DefaultMaxBytes is the largest page Extract accepts unless told otherwise.
const DefaultMaxBytes = 64 << 20

type options struct {
	contentType string
	maxBytes    int
	now         time.Time
}

// Option changes how Extract works.
type Option func(*options)

// WithContentType passes the HTTP Content-Type header of the response, whose
// charset parameter is used when the page has no byte-order mark and is not
// valid UTF-8.
func WithContentType(ct string) Option { return func(o *options) { o.contentType = ct } }

// WithMaxBytes sets the largest input accepted (DefaultMaxBytes by default);
// larger inputs fail with ErrTooLarge before any parsing.
func WithMaxBytes(n int) Option { return func(o *options) { o.maxBytes = n } }

// WithNow sets the reference time used to reject dates in the future (the
// current time by default).
func WithNow(t time.Time) Option { return func(o *options) { o.now = t } }

// Extract reads the page in b (any charset: a byte-order mark, the
// Content-Type option, a <meta> declaration or detection decide; invalid
// UTF-8 is repaired) fetched from pageURL (may be empty; used to resolve
// relative links and to read dates from the path) and returns its Article.
//
// It fails only with ErrTooLarge or ErrNotHTML; a page whose main text cannot
// be found still yields its metadata and an empty Text. b must not change
// during the call; the Article keeps no reference to it.
func Extract(b []byte, pageURL string, opts ...Option) (*Article, error) {
	o := options{maxBytes: DefaultMaxBytes}
	for _, f := range opts {
		f(&o)
	}
	if o.now.IsZero() {
		o.now = time.Now()
	}
	if o.maxBytes > 0 && len(b) > o.maxBytes {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), o.maxBytes)
	}
	if isBinary(b) {
		return nil, ErrNotHTML
	}
	src, cs := decode(b, o.contentType)
	if !looksLikeText(src) {
		return nil, ErrNotHTML
	}
	// The tree is built straight from the tokenizer: no copy of the page
	// and no node per text run (x/net/html's tree takes about five times
	// the page), and nesting deeper than maxDepth is flattened rather than
	// refused. Its text is read from src in place, so nothing of it may
	// reach the Article uncopied.
	root, count := parseTree(src)
	base, _ := url.Parse(pageURL)
	if base != nil && base.Scheme == "" && base.Host == "" {
		base = nil
	}
	return extractDoc(root, count, base, pageURL, cs, o)
}

// ExtractNode is Extract for a page that is already parsed. The tree is only
// read.
func ExtractNode(root *html.Node, pageURL string, opts ...Option) (*Article, error) {
	o := options{}
	for _, f := range opts {
		f(&o)
	}
	if o.now.IsZero() {
		o.now = time.Now()
	}
	base, _ := url.Parse(pageURL)
	if base != nil && base.Scheme == "" && base.Host == "" {
		base = nil
	}
	h, count := fromHTML(root)
	return extractDoc(h, count, base, pageURL, "", o)
}

func extractDoc(root *hnode, count int, base *url.URL, pageURL, cs string, o options) (*Article, error) {
	d := newDoc(root, base)
	d.order = make([]*node, 0, count)
	d.nodes = make([]node, count)
	d.build(true)
	if d.nElems <= 3 && d.totalText == 0 && len(d.meta.metas) == 0 && d.meta.title == "" {
		return nil, ErrNotHTML
	}
	a := &Article{Charset: cs}
	d.metadata(a, pageURL, o.now)
	d.content(a)
	if d.sourceURL != "" {
		if u := resolveAgainst(base, d.sourceURL); u != "" {
			a.SourceURL = u
		}
	}
	if a.Lang == "" {
		a.Lang = detectLang(a.Text)
	}
	return a, nil
}

// isBinary reports whether the start of b has the control bytes of a binary
// file rather than text (UTF-16 with a byte-order mark is text).
func isBinary(b []byte) bool {
	if len(b) >= 2 && (b[0] == 0xFF && b[1] == 0xFE || b[0] == 0xFE && b[1] == 0xFF) {
		return false
	}
	n := min(len(b), 8192)
	ctl := 0
	for _, c := range b[:n] {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' {
			ctl++
		}
	}
	return ctl*20 > n
}

// looksLikeText reports whether s is plausibly a document: not empty and not
// mostly control bytes.
func looksLikeText(s []byte) bool {
	if len(bytes.TrimSpace(s)) == 0 {
		return false
	}
	n := len(s)
	if n > 4096 {
		n = 4096
	}
	bad := 0
	for i := 0; i < n; {
		r, size := utf8.DecodeRune(s[i:])
		if (r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f') || r == utf8.RuneError && size == 1 {
			bad++
		}
		i += size
	}
	return bad*10 < n
}

func resolveAgainst(base *url.URL, ref string) string {
	r := renderer{base: base}
	return r.resolve(ref)
}
