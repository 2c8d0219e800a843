package extract

import (
	"net/url"
	"strings"

	"golang.org/x/net/html/atom"
)

// node is one element or text node of the page in the compact index the
// extractor works on. Its statistics cover its whole subtree; they are
// filled once after the tree is built and kept up to date when a subtree is
// dropped.
type node struct {
	h      *hnode
	tag    atom.Atom // 0 for text nodes
	parent *node
	first  *node
	next   *node

	flags uint16

	chars     int32   // visible characters, runs of white space counted once
	bytes     int32   // bytes of text, white space included
	linkChars float32 // characters inside links (in-page links count 0.3)
	commas    int32
	nP        int32
	nImg      int32
	nLi       int32
	nInput    int32
	nEmbed    int32
	nVideo    int32 // embedded players of known video sites
	headChars int32 // characters inside h1-h6
	listChars int32 // characters inside ul/ol

	score float64
}

// children calls fn for each child of n in document order: an element of
// the index (c, "") or a text node of the parse tree (nil, text). Removed
// elements are passed too; elements left out of the index are not.
func (n *node) children(fn func(c *node, text string)) {
	if n.h.text != "" {
		fn(nil, n.h.text)
	}
	c := n.first
	for h := n.h.first; h != nil; h = h.next {
		if c != nil && c.h == h {
			fn(c, "")
			c = c.next
		}
		if h.tail != "" {
			fn(nil, h.tail)
		}
	}
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSpaceByte(s, i) {
			return false
		}
		if s[i] == 0xC2 {
			i++
		}
	}
	return true
}

const (
	fRemoved     uint16 = 1 << iota
	fScored             // has a content score
	fBlockKids          // has a block-level element child
	fHashLink           // an <a> whose href is in-page
	fHref               // an <a> with an href
	fDataTable          // a table holding data, not layout
	fBoilerplate        // class/id says boilerplate (share, related, ...)
	fCandidate          // added to the candidate list
	fDeepBlock          // has a descendant that keeps a div from being a paragraph
	fCollapsed          // a div that only wraps one paragraph
	fBrChain            // has two <br> in a row among its children
	fCaption            // a caption or credit: shown with its figure in the HTML, not in the text
	fFigure             // an image with its caption: written as <figure>, not in the text
	fGallery            // holds figures: not cleaned away for its images
	fRepeat             // a block whose text an earlier block has (while dropEdges runs)
)

func (n *node) has(f uint16) bool { return n.flags&f != 0 }

// class and id return the element's attributes (read from the tree, not
// copied into every node).
func (n *node) class() string { return attr(n.h, "class") }
func (n *node) id() string    { return attr(n.h, "id") }

// doc is one page being extracted.
type doc struct {
	root *hnode
	base *url.URL

	nodes  []node // the index's nodes; the first used are taken
	used   int
	order  []*node // pre-order; reverse order visits children before parents
	body   *node
	top    *node // the tree's root element (html)
	nElems int

	totalText int
	meta      metaSource
	collected bool // the metadata sources were collected

	titleHint string // the page title, to drop a heading that repeats it
	sourceURL string // the "Source link" of a republished story
	siteName  string
	authors   []string // the authors the metadata names, to know a byline by
	topNode   *node    // the top candidate of the current pass
	bestNode  *node    // the best-scoring block of the current pass
	dropped   int      // characters of bylines, datelines and footers the current pass took out of its content
	// strippedHeads are the headings a stripping build left out for their
	// names, with their parents: one may head a comments section.
	strippedHeads []strippedHead
}

// strippedHead is a heading, or a box that starts with one, left out of
// the index, under parent.
type strippedHead struct {
	h      *hnode
	parent *node
}

func newDoc(root *hnode, base *url.URL) *doc {
	return &doc{root: root, base: base}
}

// alloc returns a zeroed node. Nodes come from one block sized for the
// page (an element of the index is an element of the tree), reused by
// every build.
func (d *doc) alloc() *node {
	if d.used == len(d.nodes) {
		// The block was too small: start another (the nodes handed out
		// keep the old one alive).
		d.nodes = make([]node, max(len(d.nodes), 64))
		d.used = 0
	}
	n := &d.nodes[d.used]
	*n = node{}
	d.used++
	return n
}

// skipTags are never part of the content.
var skipTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Svg: true, atom.Select: true, atom.Option: true, atom.Button: true,
	atom.Textarea: true, atom.Canvas: true, atom.Audio: true, atom.Video: true,
	atom.Head: true, atom.Link: true, atom.Meta: true, atom.Title: true, atom.Base: true,
	atom.Dialog: true, atom.Menu: true, atom.Object: true, atom.Embed: true, atom.Iframe: true,
	atom.Input: true, atom.Picture: false, atom.Source: true, atom.Track: true, atom.Map: true,
}

// blockTags end a run of inline text.
var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Center: true, atom.Details: true, atom.Dd: true, atom.Div: true, atom.Dl: true,
	atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true,
	atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true, atom.Hgroup: true,
	atom.Hr: true, atom.Li: true, atom.Main: true, atom.Nav: true, atom.Ol: true,
	atom.P: true, atom.Pre: true, atom.Section: true, atom.Table: true, atom.Ul: true,
	atom.Tr: true, atom.Td: true, atom.Th: true, atom.Tbody: true, atom.Thead: true,
	atom.Tfoot: true, atom.Caption: true, atom.Summary: true, atom.Body: true, atom.Html: true,
	atom.Br: false, atom.Img: false, atom.Select: true, atom.Textarea: true, atom.Iframe: true,
	atom.Object: true, atom.Embed: true, atom.Video: true, atom.Audio: true, atom.Canvas: true,
	atom.Menu: true, atom.Dialog: true, atom.Noscript: true, atom.Picture: false,
}

// addText adds the statistics of a text of p's to p and returns its
// visible characters.
func (d *doc) addText(p *node, s string) int32 {
	c, k := textStats(s)
	p.chars += c
	p.commas += k
	p.bytes += int32(min(len(s), 1<<30))
	d.totalText += int(c)
	return c
}

// build copies the parse tree into the index. With strip set, subtrees that
// look like boilerplate by their class, id, role or tag are left out.
// Metadata sources are collected on the first build only.
func (d *doc) build(strip bool) {
	collect := !d.collected
	d.collected = true
	d.used = 0
	d.order = d.order[:0]
	d.body, d.top = nil, nil
	d.nElems = 0
	d.totalText = 0
	d.strippedHeads = d.strippedHeads[:0]
	var prev *hnode
	for h := d.root.first; h != nil; h = h.next {
		d.visit(h, nil, prev, 0, strip, collect)
		prev = h
	}
	if d.body == nil {
		d.body = d.top
	}
	// Children come after their parents in d.order: a reverse sweep adds
	// every subtree's statistics into its parent.
	for i := len(d.order) - 1; i >= 0; i-- {
		n := d.order[i]
		switch n.tag {
		case atom.A:
			if n.has(fHref) {
				if n.has(fHashLink) {
					n.linkChars = 0.3 * float32(n.chars)
				} else {
					n.linkChars = float32(n.chars)
				}
			}
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			n.headChars = n.chars
		case atom.Ul, atom.Ol:
			n.listChars = n.chars
		}
		if p := n.parent; p != nil {
			p.add(n, 1)
		}
	}
}

// Kinds of element visit returns: what the element means for a run of
// <br> in its parent.
const (
	visitNone  = iota // not in the index
	visitBr           // a <br>
	visitOther        // any other element
)

// collectSkipped collects the metadata of h's subtree, which is not part of
// the content.
func (d *doc) collectSkipped(h *hnode) {
	for c := h.first; c != nil; c = c.next {
		d.collectMeta(c)
		d.collectBodyMeta(c, "", "", "", "", true)
		d.collectSkipped(c)
	}
}

// visit adds element h, a child of parent (nil at the top) that follows
// prev, and its subtree to the index, or collects the metadata it holds.
// It returns the node made for h (nil when h is left out) and its kind.
// Recursion is bounded: the tree is at most maxDepth deep.
func (d *doc) visit(h *hnode, parent *node, prev *hnode, inTable int32, strip, collect bool) (*node, int) {
	if collect {
		d.collectMeta(h)
	}
	a := h.tag
	// MathML is text (formulas read as their symbols, as a browser's
	// textContent gives them); its TeX source annotation is not.
	mathML := h.ns == nsMath && a != atom.Annotation && h.name != "annotation-xml"
	if !mathML && (skipTags[a] || h.ns != nsHTML) {
		if collect && (a == atom.Head || a == atom.Noscript || a == atom.Svg || a == atom.Template) {
			d.collectSkipped(h)
		}
		if a == atom.Input && parent != nil {
			parent.nInput++
		}
		if (a == atom.Iframe || a == atom.Object || a == atom.Embed || a == atom.Video) && parent != nil {
			if isVideo(h) {
				parent.nVideo++
			} else {
				parent.nEmbed++
			}
		}
		return nil, visitNone
	}
	if h.name == "" {
		return nil, visitNone
	}
	n := d.alloc()
	n.h = h
	n.tag = a
	if mathML {
		n.tag = atom.Span // formulas run inline with their sentence
	} else if n.tag == 0 {
		n.tag = atom.Span // unknown elements behave as inline
		if strings.Contains(h.name, "-") && (parent == nil || blockTags[parent.tag] && parent.tag != atom.P) && !besideText(h, prev) {
			n.tag = atom.Div // custom elements are usually containers, except in a sentence
		}
	}
	d.nElems++
	var class, id, style, role, ariaHidden, itemprop, rel string
	hidden := false
	for _, at := range h.attrs {
		switch at.key {
		case "class":
			class = at.val
		case "id":
			id = at.val
		case "style":
			style = at.val
		case "role":
			role = at.val
		case "hidden":
			hidden = true
		case "aria-hidden":
			ariaHidden = at.val
		case "itemprop":
			itemprop = at.val
		case "rel":
			rel = at.val
		case "href":
			if a == atom.A {
				n.flags |= fHref
				if strings.HasPrefix(at.val, "#") {
					n.flags |= fHashLink
				}
			}
		}
	}
	if collect {
		d.collectBodyMeta(h, class, id, itemprop, rel, false)
	}
	skipKids := func() {
		if collect {
			d.collectSkipped(h)
		}
	}
	if hidden || (ariaHidden == "true" && !strings.Contains(class, "fallback-image")) || isHiddenStyle(style) {
		if a != atom.Body && a != atom.Html {
			skipKids()
			return nil, visitNone
		}
	}
	if parent != nil && blockTags[n.tag] {
		parent.flags |= fBlockKids
	}
	if a == atom.Table || a == atom.Code || a == atom.Pre {
		inTable++
	}
	if strip && parent != nil && a != atom.Body && a != atom.A && a != atom.Html {
		if unlikelyRole(role) || a == atom.Nav || a == atom.Aside {
			skipKids()
			return nil, visitNone
		}
		if inTable == 0 && (class != "" || id != "") && isUnlikely(class, id) {
			if headingTags[a] || leadHeading(h) != nil {
				d.strippedHeads = append(d.strippedHeads, strippedHead{h, parent})
			}
			skipKids()
			return nil, visitNone
		}
	}
	switch a {
	case atom.P:
		n.nP = 1
	case atom.Img:
		n.nImg = 1
	case atom.Li:
		n.nLi = 1
	case atom.Body:
		if d.body == nil {
			d.body = n
		}
	}
	n.parent = parent
	if parent == nil && d.top == nil {
		d.top = n
	}
	d.order = append(d.order, n)
	if h.text != "" {
		d.addText(n, h.text)
	}
	var last *node
	br := false // the last child was a <br>, with no text since
	var cprev *hnode
	for c := h.first; c != nil; c = c.next {
		cn, kind := d.visit(c, n, cprev, inTable, strip, collect)
		if cn != nil {
			if last == nil {
				n.first = cn
			} else {
				last.next = cn
			}
			last = cn
		}
		switch kind {
		case visitBr:
			if br {
				n.flags |= fBrChain
			}
			br = true
		case visitOther:
			br = false
		}
		// The text after an element belongs to its parent.
		if c.tail != "" && d.addText(n, c.tail) > 0 {
			br = false
		}
		cprev = c
	}
	if a == atom.Br {
		return n, visitBr
	}
	return n, visitOther
}

// add adds (sign 1) or subtracts (sign -1) c's statistics to n's.
func (n *node) add(c *node, sign int32) {
	n.chars += sign * c.chars
	n.bytes += sign * c.bytes
	n.linkChars += float32(sign) * c.linkChars
	n.commas += sign * c.commas
	n.nP += sign * c.nP
	n.nImg += sign * c.nImg
	n.nLi += sign * c.nLi
	n.nInput += sign * c.nInput
	n.nEmbed += sign * c.nEmbed
	n.nVideo += sign * c.nVideo
	n.headChars += sign * c.headChars
	n.listChars += sign * c.listChars
}

// remove drops n from the tree and its statistics from its ancestors'.
func (n *node) remove() {
	if n.has(fRemoved) {
		return
	}
	n.flags |= fRemoved
	for p := n.parent; p != nil; p = p.parent {
		p.add(n, -1)
	}
}

// textStats counts the characters of s with each run of white space counted
// once, and its commas (Latin, Arabic, CJK).
func textStats(s string) (chars, commas int32) {
	space := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f':
			if !space {
				chars++
				space = true
			}
		case c < 0x80:
			chars++
			space = false
			if c == ',' {
				commas++
			}
		case c >= 0xC0:
			// First byte of a multi-byte rune.
			chars++
			space = false
			if i+2 < len(s) {
				switch {
				case c == 0xEF && s[i+1] == 0xBC && s[i+2] == 0x8C: // U+FF0C
					commas++
				case c == 0xD8 && s[i+1] == 0x8C: // U+060C
					commas++
				case c == 0xE3 && s[i+1] == 0x80 && s[i+2] == 0x81: // U+3001
					commas++
				case c == 0xC2 && s[i+1] == 0xA0: // nbsp
					chars--
					if !space {
						chars++
					}
					space = true
				}
			}
		}
	}
	return chars, commas
}

func isHiddenStyle(s string) bool {
	if s == "" {
		return false
	}
	s = strings.ToLower(s)
	return strings.Contains(strings.ReplaceAll(s, " ", ""), "display:none") ||
		strings.Contains(strings.ReplaceAll(s, " ", ""), "visibility:hidden")
}

func unlikelyRole(r string) bool {
	switch r {
	case "menu", "menubar", "complementary", "navigation", "alert", "alertdialog", "dialog":
		return true
	}
	return false
}

func attr(h *hnode, key string) string {
	return attrVal(h.attrs, key)
}

// innerText returns the text of n's subtree with white space collapsed.
func (n *node) innerText() string {
	var sb strings.Builder
	space := true
	var walk func(*node)
	walk = func(n *node) {
		n.children(func(c *node, text string) {
			if c == nil {
				space = appendCollapsed(&sb, text, space)
				return
			}
			if c.has(fRemoved) {
				return
			}
			if c.tag == atom.Br || (blockTags[c.tag] && !space) {
				sb.WriteByte(' ')
				space = true
			}
			walk(c)
		})
	}
	walk(n)
	return strings.TrimSpace(sb.String())
}

// appendCollapsed writes s to sb with runs of white space as one space;
// space says whether sb already ends in white space. It returns the new
// state.
func appendCollapsed(sb *strings.Builder, s string, space bool) bool {
	start := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		ws := c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f'
		if !ws && c == 0xC2 && i+1 < len(s) && s[i+1] == 0xA0 {
			ws = true
		}
		if ws {
			if start >= 0 {
				sb.WriteString(s[start:i])
				start = -1
			}
			if !space {
				sb.WriteByte(' ')
				space = true
			}
			if c == 0xC2 {
				i++
			}
			continue
		}
		if start < 0 {
			start = i
		}
		space = false
	}
	if start >= 0 {
		sb.WriteString(s[start:])
	}
	return space
}

// videoHosts are embedded players whose block is content, not an ad.
var videoHosts = []string{
	"youtube.com", "youtube-nocookie.com", "youtu.be", "player.vimeo.com", "dailymotion.com",
	"v.qq.com", "archive.org", "upload.wikimedia.org", "player.twitch.tv", "embed.ted.com",
	"brightcove", "jwplayer", "players.", "player.", "video",
}

func isVideo(h *hnode) bool {
	if h.tag == atom.Video {
		return true
	}
	for _, a := range h.attrs {
		if a.key == "src" || a.key == "data" || a.key == "data-src" {
			if containsAny(lower(a.val), videoHosts) {
				return true
			}
		}
	}
	return false
}

// besideText reports whether the text right before h (prev is the
// element before it) or right after it has something visible in it: h is
// then part of a sentence.
func besideText(h, prev *hnode) bool {
	before := h.parent.text
	if prev != nil {
		before = prev.tail
	}
	return !isBlank(before) || !isBlank(h.tail)
}
