package extract

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// renderer writes the selected content as plain text and as sanitized HTML
// in one walk.
type renderer struct {
	base   *url.URL
	prefix string // scheme://host of base, for absolute paths
	text   strings.Builder
	out    strings.Builder

	brk      int  // pending text break: 0 none, 1 line, 2 paragraph
	space    bool // text ends in white space (or nothing)
	started  bool // some text was written
	openP    bool // an implicit <p> is open in out
	inline   int  // depth of elements that accept inline content
	pre      int
	linkOpen int

	quiet     int             // depth of figures and captions: written to the HTML only
	figure    int             // depth of figures open in the HTML
	caption   int             // depth of captions open in the HTML
	figures   map[string]bool // captions (or images) of the figures written
	nCaptions int             // captions written
	skip      *node           // a caption already written inside the figure before it

	captions   bool // figures and captions are written to the text too
	quietChars int  // characters of the text left out as captions
}

// outTags maps allowed elements to what they are written as. Elements not
// in the map are unwrapped; their content is kept.
var outTags = map[atom.Atom]string{
	atom.P: "p", atom.H1: "h2", atom.H2: "h2", atom.H3: "h3", atom.H4: "h4", atom.H5: "h5",
	atom.H6: "h6", atom.Ul: "ul", atom.Ol: "ol", atom.Li: "li", atom.Blockquote: "blockquote",
	atom.Pre: "pre", atom.Figure: "figure", atom.Figcaption: "figcaption", atom.Table: "table",
	atom.Thead: "thead", atom.Tbody: "tbody", atom.Tfoot: "tfoot", atom.Tr: "tr", atom.Td: "td",
	atom.Th: "th", atom.Caption: "caption", atom.Dl: "dl", atom.Dt: "dt", atom.Dd: "dd",
	atom.Hr: "hr", atom.Br: "br", atom.Img: "img", atom.A: "a", atom.Em: "em", atom.I: "em",
	atom.Strong: "strong", atom.B: "strong", atom.Code: "code", atom.Sub: "sub", atom.Sup: "sup",
	atom.Q: "q", atom.Cite: "cite", atom.Mark: "mark", atom.Del: "del", atom.Ins: "ins",
	atom.S: "s", atom.Small: "small", atom.Abbr: "abbr", atom.Kbd: "kbd",
}

// inlineHosts accept inline content directly.
var inlineHosts = map[atom.Atom]bool{
	atom.P: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Li: true, atom.Pre: true, atom.Figcaption: true, atom.Td: true,
	atom.Th: true, atom.Caption: true, atom.Dt: true, atom.Dd: true,
}

// render writes sel as text and HTML. Unless captions is set, figures and
// captions are left out of the text; quiet counts the characters they
// hold.
func (d *doc) render(sel []*node, captions bool) (text, htm string, quiet int) {
	r := &renderer{base: d.base, space: true, captions: captions}
	if b := d.base; b != nil && (b.Scheme == "http" || b.Scheme == "https") && b.Host != "" && b.User == nil {
		r.prefix = b.Scheme + "://" + b.Host
	}
	// Size the outputs once: growing a builder step by step allocates
	// several times its final size on long pages.
	size := 0
	for _, n := range sel {
		size += int(n.bytes)
	}
	// The text adds a line break or two per block to the page's text;
	// the HTML adds its tags.
	r.text.Grow(size + size/16 + 64)
	r.out.Grow(size + size/2 + 256)
	for _, n := range sel {
		r.node(n)
		r.closeP()
	}
	return r.text.String(), r.out.String(), r.quietChars
}

func (r *renderer) breakText(level int) {
	if level > r.brk {
		r.brk = level
	}
	r.space = true
}

func (r *renderer) writeText(s string) {
	if r.quiet > 0 {
		r.quietChars += utf8.RuneCountInString(s)
		return
	}
	if r.pre > 0 {
		if s == "" {
			return
		}
		r.flushBreak()
		r.text.WriteString(s)
		r.started = true
		r.space = false
		return
	}
	// Collapse white space; a space or break is written only before the
	// next visible character.
	for len(s) > 0 {
		i := 0
		for i < len(s) && isSpaceByte(s, i) {
			if s[i] == 0xC2 {
				i++
			}
			i++
		}
		if i > 0 {
			r.space = true
			s = s[min(i, len(s)):]
			continue
		}
		j := 0
		for j < len(s) && !isSpaceByte(s, j) {
			j++
		}
		r.flushBreak()
		r.text.WriteString(s[:j])
		r.started = true
		r.space = false
		s = s[j:]
	}
}

func isSpaceByte(s string, i int) bool {
	c := s[i]
	if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' {
		return true
	}
	return c == 0xC2 && i+1 < len(s) && s[i+1] == 0xA0
}

// flushBreak writes the pending paragraph or line break, or the pending
// space, before a visible character.
func (r *renderer) flushBreak() {
	if r.started {
		switch {
		case r.brk == 2:
			r.text.WriteString("\n\n")
		case r.brk == 1:
			r.text.WriteByte('\n')
		case r.space:
			r.text.WriteByte(' ')
		}
	}
	r.brk = 0
	r.space = false
}

func (r *renderer) openImplicitP() {
	if r.inline == 0 && !r.openP {
		r.out.WriteString("<p>")
		r.openP = true
	}
}

func (r *renderer) closeP() {
	if r.openP {
		r.out.WriteString("</p>")
		r.openP = false
	}
}

func (r *renderer) node(n *node) {
	if n.has(fRemoved) {
		return
	}
	if n == r.skip {
		r.skip = nil
		return
	}
	name, allowed := outTags[n.tag]
	block := blockTags[n.tag]
	switch n.tag {
	case atom.Br:
		if r.brk >= 1 {
			r.breakText(2) // two <br> in a row separate paragraphs
		} else {
			r.breakText(1)
		}
		if r.openP || r.inline > 0 {
			r.out.WriteString("<br>")
		}
		return
	case atom.Hr:
		r.breakText(2)
		r.closeP()
		if r.inline == 0 {
			r.out.WriteString("<hr>")
		}
		return
	case atom.Img:
		src := imgSrc(n)
		if src == "" {
			return
		}
		if u := r.resolve(src); u != "" {
			if r.inline == 0 && r.figure == 0 && !hasAncestorTag(n, atom.Figure, nil) {
				r.openImplicitP()
			}
			r.out.WriteString(`<img src="`)
			r.out.WriteString(html.EscapeString(u))
			r.out.WriteString(`"`)
			if alt := attr(n.h, "alt"); alt != "" {
				r.out.WriteString(` alt="`)
				r.out.WriteString(html.EscapeString(alt))
				r.out.WriteString(`"`)
			}
			r.out.WriteString(">")
		}
		return
	case atom.A:
		if r.linkOpen > 0 {
			allowed = false
			break
		}
		href := r.resolve(attr(n.h, "href"))
		if href == "" {
			allowed = false
			break
		}
		r.openImplicitP()
		r.out.WriteString(`<a href="`)
		r.out.WriteString(html.EscapeString(href))
		r.out.WriteString(`">`)
		r.linkOpen++
		r.children(n)
		r.linkOpen--
		r.out.WriteString("</a>")
		return
	}
	if n.has(fFigure | fCaption) {
		r.figureNode(n)
		return
	}
	lvl := 2
	switch n.tag {
	case atom.Li, atom.Tr, atom.Dt, atom.Dd:
		lvl = 1
	}
	if block {
		r.breakText(lvl)
		if n.tag == atom.Td || n.tag == atom.Th {
			r.brk = 0
			r.space = true
		}
	}
	if !allowed {
		if block {
			r.closeP()
		}
		r.children(n)
		if block {
			r.closeP()
			if n.tag != atom.Td && n.tag != atom.Th {
				r.breakText(lvl)
			}
		}
		return
	}
	if block {
		r.closeP()
	} else {
		r.openImplicitP()
	}
	r.out.WriteByte('<')
	r.out.WriteString(name)
	if n.tag == atom.Td || n.tag == atom.Th {
		for _, k := range [...]string{"colspan", "rowspan"} {
			if v := attr(n.h, k); v != "" && isDigits(v) {
				r.out.WriteString(" " + k + `="` + v + `"`)
			}
		}
	}
	r.out.WriteByte('>')
	host := inlineHosts[n.tag]
	saved := r.inline
	if host {
		r.inline++
	} else if block {
		r.inline = 0
	}
	if n.tag == atom.Pre {
		r.pre++
	}
	r.children(n)
	if n.tag == atom.Pre {
		r.pre--
	}
	if block {
		r.closeP()
	}
	r.inline = saved
	r.out.WriteString("</")
	r.out.WriteString(name)
	r.out.WriteByte('>')
	if block && n.tag != atom.Td && n.tag != atom.Th {
		r.breakText(lvl)
	}
}

// figureNode writes a figure or a caption to the HTML only: as <figure>,
// or as <figcaption> (inside a <figure> of its own when no figure holds
// it). A figure or caption already written (a gallery repeats its slides,
// a caption its text) is written once.
func (r *renderer) figureNode(n *node) {
	if r.figure == 0 && r.caption == 0 {
		// A figure is known by its caption, unless the caption is too
		// short to tell two apart (a credit: "Getty Images"); then by
		// its image too.
		key := n.innerText()
		if len(key) < minCaptionKey {
			key = firstImgSrc(n) + "\x00" + key
		}
		if key != "" {
			if r.figures[key] {
				return
			}
			if r.figures == nil {
				r.figures = map[string]bool{}
			}
			r.figures[key] = true
		}
	}
	r.breakText(2)
	quiet := 1
	if r.captions {
		quiet = 0
	}
	openFigure := r.figure == 0 && (n.has(fFigure) || r.caption == 0)
	openCaption := n.has(fCaption) && r.caption == 0
	if !openFigure && !openCaption {
		r.quiet += quiet
		r.children(n)
		r.quiet -= quiet
		return
	}
	r.closeP()
	saved := r.inline
	r.inline = 0
	r.quiet += quiet
	if openFigure {
		r.out.WriteString("<figure>")
		r.figure++
	}
	if openCaption {
		r.out.WriteString("<figcaption>")
		r.caption++
		r.inline++
	}
	if openCaption {
		r.nCaptions++
	}
	before := r.nCaptions
	r.children(n)
	r.closeP()
	if openCaption {
		r.out.WriteString("</figcaption>")
		r.caption--
	}
	// A caption right after a figure that has none is its caption.
	if openFigure && r.nCaptions == before {
		if c := nextCaption(n); c != nil {
			if key := c.innerText(); key != "" && (len(key) < minCaptionKey || !r.figures[key]) {
				if r.figures == nil {
					r.figures = map[string]bool{}
				}
				r.figures[key] = true
				r.out.WriteString("<figcaption>")
				r.caption++
				r.inline++
				r.nCaptions++
				r.children(c)
				r.closeP()
				r.inline--
				r.caption--
				r.out.WriteString("</figcaption>")
			}
			r.skip = c
		}
	}
	if openFigure {
		r.out.WriteString("</figure>")
		r.figure--
	}
	r.quiet -= quiet
	r.inline = saved
	r.breakText(2)
}

// minCaptionKey is the length from which a caption alone tells a figure.
const minCaptionKey = 25

// nextCaption returns the caption that follows figure n with nothing but
// white space between them, or nil.
func nextCaption(n *node) *node {
	if !isBlank(n.h.tail) {
		return nil
	}
	c := n.next
	for c != nil && c.has(fRemoved) {
		c = c.next
	}
	if c == nil || c.h != n.h.next || !c.has(fCaption) || c.has(fFigure) || c.nImg > 0 {
		return nil
	}
	return c
}

// firstImgSrc returns the source of the first image under n.
func firstImgSrc(n *node) string {
	var src string
	walk(n, func(c *node) bool {
		if src == "" && c.tag == atom.Img {
			src = imgSrc(c)
		}
		return src == ""
	})
	return src
}

func (r *renderer) children(n *node) {
	n.children(func(c *node, text string) {
		if c != nil {
			r.node(c)
			return
		}
		r.textNode(text)
	})
}

func (r *renderer) textNode(text string) {
	if r.pre == 0 && isBlank(text) {
		r.space = true
		if r.openP || r.inline > 0 {
			r.out.WriteByte(' ')
		}
		return
	}
	r.openImplicitP()
	r.writeText(text)
	r.out.WriteString(html.EscapeString(text))
}

func isDigits(s string) bool {
	if s == "" || len(s) > 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// imgSrc returns the URL of an image, preferring the lazy-loading
// attributes that hold the real one.
func imgSrc(n *node) string {
	var src, lazy string
	for _, a := range n.h.attrs {
		switch a.key {
		case "src":
			src = a.val
		case "data-src", "data-lazy-src", "data-original", "data-url":
			if lazy == "" {
				lazy = a.val
			}
		}
	}
	if lazy != "" && (src == "" || strings.HasPrefix(src, "data:")) {
		return lazy
	}
	if strings.HasPrefix(src, "data:") {
		return ""
	}
	return src
}

// resolve returns ref as an absolute http(s) or mailto URL, or "" when it is
// anything else (javascript:, data:, unparsable).
func (r *renderer) resolve(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") {
		return ""
	}
	// A plain absolute path on an http(s) base needs no parsing.
	if r.prefix != "" && len(ref) > 1 && ref[0] == '/' && ref[1] != '/' && plainPath(ref) {
		return r.prefix + ref
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if r.base != nil {
		u = r.base.ResolveReference(u)
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "mailto":
		return u.String()
	}
	return ""
}

// countWords counts runs of letters and digits; each Han, Hiragana,
// Katakana or Hangul character counts as a word.
func countWords(s string) int {
	n := 0
	in := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) {
			n++
			in = false
			continue
		}
		if isWordRune(r) {
			if !in {
				n++
			}
			in = true
		} else {
			in = false
		}
	}
	return n
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsNumber(r)
}

// plainPath reports whether p holds only characters that need no escaping
// or normalisation in a URL path and query.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c >= 0x7f || c == '\\' || c == '"' || c == '<' || c == '>' || c == '%' || c == '.' && (i+1 < len(p) && p[i+1] == '.' || p[i-1] == '/') {
			return false
		}
	}
	return true
}
