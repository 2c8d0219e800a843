package extract

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// node is one element or text node of the page in the compact index the
// extractor works on. Its statistics cover its whole subtree; they are
// filled once after the tree is built and kept up to date when a subtree is
// dropped.
type node struct {
	h      *html.Node
	tag    atom.Atom // 0 for text nodes
	parent *node
	first  *node
	last   *node
	lastBr *node // the last child, while building, if it is a <br>
	next   *node

	flags uint16
	class string
	id    string

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
	c := n.first
	for h := n.h.FirstChild; h != nil; h = h.NextSibling {
		switch {
		case h.Type == html.TextNode:
			fn(nil, h.Data)
		case c != nil && c.h == h:
			fn(c, "")
			c = c.next
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
)

func (n *node) has(f uint16) bool { return n.flags&f != 0 }

// doc is one page being extracted.
type doc struct {
	root *html.Node
	base *url.URL

	slabs  [][]node
	order  []*node // pre-order; reverse order visits children before parents
	body   *node
	top    *node // the tree's root element (html)
	nElems int

	totalText int
	meta      metaSource

	titleHint string // the page title, to drop a heading that repeats it
	sourceURL string // the "Source link" of a republished story
	siteName  string
	topNode   *node // the top candidate of the current pass
	bestNode  *node // the best-scoring block of the current pass
}

func newDoc(root *html.Node, base *url.URL) *doc {
	return &doc{root: root, base: base}
}

func (d *doc) alloc() *node {
	if len(d.slabs) == 0 || len(d.slabs[len(d.slabs)-1]) == cap(d.slabs[len(d.slabs)-1]) {
		size := 512
		if len(d.slabs) > 0 {
			size = 2 * cap(d.slabs[len(d.slabs)-1])
			if size > 16384 {
				size = 16384
			}
		}
		d.slabs = append(d.slabs, make([]node, 0, size))
	}
	s := &d.slabs[len(d.slabs)-1]
	*s = append(*s, node{})
	return &(*s)[len(*s)-1]
}

func (n *node) appendChild(c *node) {
	c.parent = n
	if n.last == nil {
		n.first, n.last = c, c
		return
	}
	n.last.next = c
	n.last = c
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

type frame struct {
	h       *html.Node
	parent  *node
	inTable int32
	skip    bool // outside the content tree: only collect metadata
}

// build copies the parse tree into the index. With strip set, subtrees that
// look like boilerplate by their class, id, role or tag are left out.
// Metadata sources are collected on the first build only.
func (d *doc) build(strip bool) {
	collect := d.order == nil
	d.slabs = d.slabs[:0]
	d.order = d.order[:0]
	d.body, d.top = nil, nil
	d.nElems = 0
	d.totalText = 0

	var stack []frame
	for c := d.root.LastChild; c != nil; c = c.PrevSibling {
		stack = append(stack, frame{h: c})
	}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		h := f.h
		if f.skip {
			if h.Type == html.ElementNode && collect {
				d.collectMeta(h)
				d.collectBodyMeta(h, "", "", "", "", true)
				for c := h.LastChild; c != nil; c = c.PrevSibling {
					if c.Type == html.ElementNode {
						stack = append(stack, frame{h: c, skip: true})
					}
				}
			}
			continue
		}
		switch h.Type {
		case html.TextNode:
			if f.parent == nil {
				continue
			}
			// Text stays in the parse tree; its statistics go to the
			// element that holds it.
			p := f.parent
			c, k := textStats(h.Data)
			p.chars += c
			p.commas += k
			p.bytes += int32(min(len(h.Data), 1<<30))
			d.totalText += int(c)
			if c > 0 {
				p.lastBr = nil
			}
			continue
		case html.ElementNode:
		default:
			continue
		}
		if collect {
			d.collectMeta(h)
		}
		a := h.DataAtom
		// MathML is text (formulas read as their symbols, as a browser's
		// textContent gives them); its TeX source annotation is not.
		mathML := h.Namespace == "math" && a != atom.Annotation && h.Data != "annotation-xml"
		if !mathML && (skipTags[a] || h.Namespace != "") {
			if collect && (a == atom.Head || a == atom.Noscript || a == atom.Svg || a == atom.Template) {
				for c := h.LastChild; c != nil; c = c.PrevSibling {
					if c.Type == html.ElementNode {
						stack = append(stack, frame{h: c, skip: true})
					}
				}
			}
			if a == atom.Input && f.parent != nil {
				f.parent.nInput++
			}
			if (a == atom.Iframe || a == atom.Object || a == atom.Embed || a == atom.Video) && f.parent != nil {
				if isVideo(h) {
					f.parent.nVideo++
				} else {
					f.parent.nEmbed++
				}
			}
			continue
		}
		if a == 0 && h.Data == "" {
			continue
		}
		n := d.alloc()
		n.h = h
		n.tag = a
		if mathML {
			n.tag = atom.Span // formulas run inline with their sentence
		} else if n.tag == 0 {
			n.tag = atom.Span // unknown elements behave as inline
			if strings.Contains(h.Data, "-") && (f.parent == nil || blockTags[f.parent.tag] && f.parent.tag != atom.P) && !besideText(h) {
				n.tag = atom.Div // custom elements are usually containers, except in a sentence
			}
		}
		d.nElems++
		var style, role, ariaHidden, itemprop, rel string
		hidden := false
		for _, at := range h.Attr {
			switch at.Key {
			case "class":
				n.class = at.Val
			case "id":
				n.id = at.Val
			case "style":
				style = at.Val
			case "role":
				role = at.Val
			case "hidden":
				hidden = true
			case "aria-hidden":
				ariaHidden = at.Val
			case "itemprop":
				itemprop = at.Val
			case "rel":
				rel = at.Val
			case "href":
				if a == atom.A {
					n.flags |= fHref
					if strings.HasPrefix(at.Val, "#") {
						n.flags |= fHashLink
					}
				}
			}
		}
		if collect {
			d.collectBodyMeta(h, n.class, n.id, itemprop, rel, false)
		}
		skipKids := func() {
			if collect {
				for c := h.LastChild; c != nil; c = c.PrevSibling {
					if c.Type == html.ElementNode {
						stack = append(stack, frame{h: c, skip: true})
					}
				}
			}
		}
		if hidden || (ariaHidden == "true" && !strings.Contains(n.class, "fallback-image")) || isHiddenStyle(style) {
			if a != atom.Body && a != atom.Html {
				skipKids()
				continue
			}
		}
		if f.parent != nil && blockTags[n.tag] {
			f.parent.flags |= fBlockKids
		}
		inTable := f.inTable
		if a == atom.Table || a == atom.Code || a == atom.Pre {
			inTable++
		}
		if strip && f.parent != nil && a != atom.Body && a != atom.A && a != atom.Html {
			if unlikelyRole(role) || a == atom.Nav || a == atom.Aside {
				skipKids()
				continue
			}
			if inTable == 0 && (n.class != "" || n.id != "") && isUnlikely(n.class, n.id) {
				skipKids()
				continue
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
		if f.parent != nil {
			if a == atom.Br {
				if f.parent.lastBr != nil {
					f.parent.flags |= fBrChain
				}
				f.parent.lastBr = n
			} else {
				f.parent.lastBr = nil
			}
			f.parent.appendChild(n)
		} else if d.top == nil {
			d.top = n
		}
		d.order = append(d.order, n)
		for c := h.LastChild; c != nil; c = c.PrevSibling {
			stack = append(stack, frame{h: c, parent: n, inTable: inTable})
		}
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

func attr(h *html.Node, key string) string {
	for _, a := range h.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
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

func isVideo(h *html.Node) bool {
	if h.DataAtom == atom.Video {
		return true
	}
	for _, a := range h.Attr {
		if a.Key == "src" || a.Key == "data" || a.Key == "data-src" {
			if containsAny(lower(a.Val), videoHosts) {
				return true
			}
		}
	}
	return false
}

// besideText reports whether the element next to h on either side is
// text with something visible in it: h is then part of a sentence.
func besideText(h *html.Node) bool {
	for _, s := range [...]*html.Node{h.PrevSibling, h.NextSibling} {
		if s != nil && s.Type == html.TextNode && !isBlank(s.Data) {
			return true
		}
	}
	return false
}
