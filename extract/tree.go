package extract

import (
	"bytes"
	"strings"
	"unsafe"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// hnode is one element of the page as the tree builder reads it. Text is
// kept the way lxml keeps it: an element's text is what comes before its
// first child element, its tail what comes after its end tag and before the
// next sibling. Comments, doctypes and processing instructions are dropped.
//
// The document itself is an hnode with tag 0 and no name.
type hnode struct {
	parent, first, next *hnode
	text, tail          string
	attrs               []hattr
	name                string // lower-case tag name
	tag                 atom.Atom
	ns                  uint8 // nsHTML, nsSVG or nsMath
}

const (
	nsHTML uint8 = iota
	nsSVG
	nsMath
)

type hattr struct{ key, val string }

// keptAttrs are the attributes the extractor reads; the others are not
// stored. The map gives the key strings every element shares.
var keptAttrs = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{
		"class", "id", "style", "role", "hidden", "aria-hidden", "itemprop", "rel", "href",
		"src", "data", "data-src", "data-lazy-src", "data-original", "data-url", "alt",
		"colspan", "rowspan", "datatable", "summary", "lang", "xml:lang", "name", "property",
		"content", "http-equiv", "type", "datetime", "pubdate", "encoding",
	} {
		m[k] = k
	}
	return m
}()

// maxDepth is the deepest an element may be nested; deeper start tags are
// dropped and their content goes to the element that is open there (the
// x/net/html tree builder refuses such pages outright).
const maxDepth = 512

// maxAttrs is the number of kept attributes read from one tag.
const maxAttrs = 64

// treeBuilder builds an hnode tree straight from the tokenizer by the HTML
// tree-construction rules, as golang.org/x/net/html's parser applies them:
// implied end tags (p, li, dd/dt, options, table parts), void elements, raw
// text, head and body placement, tables with implied bodies and foster
// parenting, the in-table mode, forms, select, foreign content (SVG,
// MathML), active formatting elements with their reconstruction and the
// adoption agency for misnested ones. On the extraction corpus every tree
// equals x/net/html's (TestTreeCorpus). Left out: framesets, fragments and
// scripting-off parsing; nesting deeper than maxDepth is flattened.
type treeBuilder struct {
	src     string // the input, for text taken without a copy
	z       *html.Tokenizer
	stack   []open
	doc     *hnode
	html    *hnode
	head    *hnode
	body    *hnode
	quirk   bool // quirks mode: a <table> does not end an open <p>
	skipNL  bool // the token before was <pre>, <listing> or <textarea>
	initial bool // nothing but white space and comments came yet
	inHead  int  // 0 before <head>, 1 in it, 2 after it

	headLast *hnode // the last child of <head>

	afe  []afeEntry // active formatting elements
	form *hnode     // the open <form>, if any
	sig  uint64     // the hash of the current tag's attributes

	pend      []byte  // text gathered for pendField
	pendField *string // the text or tail being gathered, if any
	count     int     // nodes made so far

	nodes []hnode
	attrs []hattr
	tmp   []hattr
}

// afeEntry is a formatting element in the list of active ones (n nil: a
// marker) with the hash of all its attributes, kept or not, which tells
// equal elements apart.
type afeEntry struct {
	n   *hnode
	sig uint64
}

type open struct {
	n      *hnode
	last   *hnode // last child element
	before *hnode // the element before n among its siblings
}

// parseTree reads src (UTF-8) into a tree and returns its root (the
// document) and its number of nodes. The tree's text aliases src, so
// src must not change while the tree is used, and text taken from the tree
// into a result must be copied.
func parseTree(src []byte) (*hnode, int) {
	b := &treeBuilder{z: html.NewTokenizer(bytes.NewReader(src)), quirk: true, initial: true}
	if len(src) > 0 {
		b.src = unsafe.String(&src[0], len(src))
	}
	b.doc = b.alloc()
	b.html = b.newElem(atom.Html, "html", nsHTML)
	b.appendTo(b.doc, nil, b.html)
	b.stack = append(b.stack, open{n: b.html})
	b.run()
	return b.doc, b.count
}

func (b *treeBuilder) alloc() *hnode {
	if len(b.nodes) == cap(b.nodes) {
		// Blocks start at about one element per 64 bytes of page and
		// double up to 8192 nodes.
		n := min(max(2*cap(b.nodes), len(b.src)/64, 32), 8192)
		b.nodes = make([]hnode, 0, n)
	}
	b.nodes = append(b.nodes, hnode{})
	b.count++
	return &b.nodes[len(b.nodes)-1]
}

func (b *treeBuilder) newElem(a atom.Atom, name string, ns uint8) *hnode {
	n := b.alloc()
	n.tag, n.name, n.ns = a, name, ns
	return n
}

// appendTo links c as the last child of p, whose last child is last.
func (b *treeBuilder) appendTo(p, last, c *hnode) {
	c.parent = p
	if last == nil {
		p.first = c
	} else {
		last.next = c
	}
}

func (b *treeBuilder) top() *open { return &b.stack[len(b.stack)-1] }

// insert adds an element as the current node's last child (or before the
// table it would otherwise land in) and, unless void, opens it.
func (b *treeBuilder) insert(n *hnode, void bool) {
	var before *hnode
	if b.fosterNeeded(n) {
		b.foster(n)
	} else {
		t := b.top()
		before = t.last
		b.appendTo(t.n, t.last, n)
		t.last = n
	}
	if !void && len(b.stack) < maxDepth {
		b.stack = append(b.stack, open{n: n, before: before})
		if isMarkerElem(n) {
			b.afe = append(b.afe, afeEntry{})
		}
	}
}

// fosterNeeded reports whether content placed now would land directly in a
// table's structure, which the HTML rules forbid: it goes before the table.
func (b *treeBuilder) fosterNeeded(n *hnode) bool {
	t := b.top().n
	if t.ns != nsHTML {
		return false
	}
	switch t.tag {
	case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr:
	default:
		return false
	}
	if n == nil {
		return true
	}
	switch n.tag {
	case atom.Caption, atom.Colgroup, atom.Col, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr,
		atom.Td, atom.Th, atom.Table, atom.Style, atom.Script, atom.Template:
		return false
	}
	return true
}

// tableOnStack returns the index of the innermost open table, or -1.
func (b *treeBuilder) tableOnStack() int {
	for i := len(b.stack) - 1; i >= 0; i-- {
		if b.stack[i].n.tag == atom.Table && b.stack[i].n.ns == nsHTML {
			return i
		}
	}
	return -1
}

// foster puts element n just before the innermost open table.
func (b *treeBuilder) foster(n *hnode) {
	ti := b.tableOnStack()
	if ti < 1 {
		t := b.top()
		b.appendTo(t.n, t.last, n)
		t.last = n
		return
	}
	e := &b.stack[ti]
	table := e.n
	p := table.parent
	n.parent = p
	n.next = table
	if e.before == nil {
		p.first = n
	} else {
		e.before.next = n
	}
	e.before = n
}

// fosterText adds text just before the innermost open table.
func (b *treeBuilder) fosterText(s string) {
	ti := b.tableOnStack()
	if ti < 1 {
		if t := b.top(); t.last == nil {
			b.appendText(&t.n.text, s)
		} else {
			b.appendText(&t.last.tail, s)
		}
		return
	}
	e := &b.stack[ti]
	if e.before == nil {
		b.appendText(&e.n.parent.text, s)
	} else {
		b.appendText(&e.before.tail, s)
	}
}

// appendText appends s to the text or tail *f. A text that is one stretch
// of the input stays a slice of it; pieces that are not (text around a
// dropped tag or a comment) are gathered in a buffer, written to the field
// when another field receives text or at the end.
func (b *treeBuilder) appendText(f *string, s string) {
	switch {
	case b.pendField == f:
		b.pend = append(b.pend, s...)
	case *f == "":
		*f = s
	case b.adjacent(*f, s):
		off := int(uintptr(unsafe.Pointer(unsafe.StringData(*f))) - uintptr(unsafe.Pointer(unsafe.StringData(b.src))))
		*f = b.src[off : off+len(*f)+len(s)]
	default:
		b.flush()
		b.pend = append(append(b.pend, *f...), s...)
		b.pendField = f
	}
}

// flush writes the gathered text to its field.
func (b *treeBuilder) flush() {
	if b.pendField != nil {
		*b.pendField = string(b.pend)
		b.pendField = nil
		b.pend = b.pend[:0]
	}
}

// adjacent reports whether s follows t directly in the input.
func (b *treeBuilder) adjacent(t, s string) bool {
	if len(b.src) == 0 || len(t) == 0 || len(s) == 0 {
		return false
	}
	base := uintptr(unsafe.Pointer(unsafe.StringData(b.src)))
	tp := uintptr(unsafe.Pointer(unsafe.StringData(t)))
	sp := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return tp >= base && tp+uintptr(len(t)) == sp && sp+uintptr(len(s)) <= base+uintptr(len(b.src))
}

func (b *treeBuilder) addText(s string) {
	if s == "" {
		return
	}
	if b.fosterNeeded(nil) && !isBlankHTML(s) {
		b.fosterText(s)
		return
	}
	t := b.top()
	if t.last == nil {
		b.appendText(&t.n.text, s)
	} else {
		b.appendText(&t.last.tail, s)
	}
}

func isBlankHTML(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r', '\f':
		default:
			return false
		}
	}
	return true
}

func (b *treeBuilder) pop() { b.popTo(len(b.stack) - 1) }

// popTo pops elements until the one at index i is popped.
func (b *treeBuilder) popTo(i int) {
	if i < 1 {
		i = 1 // <html> stays
	}
	for j := len(b.stack) - 1; j >= i; j-- {
		if isMarkerElem(b.stack[j].n) {
			b.clearToMarker()
		}
	}
	b.stack = b.stack[:i]
}

// isMarkerElem reports whether n puts a marker in the list of active
// formatting elements: formatting does not carry into it or out of it.
func isMarkerElem(n *hnode) bool {
	if n.ns != nsHTML {
		return false
	}
	switch n.tag {
	case atom.Applet, atom.Object, atom.Marquee, atom.Template, atom.Td, atom.Th, atom.Caption:
		return true
	}
	return false
}

func (b *treeBuilder) clearToMarker() {
	for len(b.afe) > 0 {
		e := b.afe[len(b.afe)-1].n
		b.afe = b.afe[:len(b.afe)-1]
		if e == nil {
			return
		}
	}
}

// maxFormatting bounds the list of active formatting elements (a page of
// distinct unclosed <b class=...> would otherwise make every text rebuild
// all of them).
const maxFormatting = 64

// pushFormatting adds a formatting element to the list, keeping at most
// three equal ones after the last marker.
func (b *treeBuilder) pushFormatting(n *hnode, sig uint64) {
	same, first := 0, -1
	for i := len(b.afe) - 1; i >= 0 && b.afe[i].n != nil; i-- {
		if e := b.afe[i]; e.n.tag == n.tag && e.n.ns == n.ns && e.sig == sig {
			same++
			first = i
		}
	}
	if same >= 3 {
		b.afe = append(b.afe[:first], b.afe[first+1:]...)
	}
	if len(b.afe) >= maxFormatting {
		b.afe = append(b.afe[:0], b.afe[1:]...)
	}
	b.afe = append(b.afe, afeEntry{n, sig})
}

func (b *treeBuilder) afeIndex(n *hnode) int {
	for i := len(b.afe) - 1; i >= 0; i-- {
		if b.afe[i].n == n {
			return i
		}
	}
	return -1
}

func (b *treeBuilder) afeRemove(i int) {
	if i >= 0 {
		b.afe = append(b.afe[:i], b.afe[i+1:]...)
	}
}

func (b *treeBuilder) stackIndex(n *hnode) int {
	for i := len(b.stack) - 1; i >= 0; i-- {
		if b.stack[i].n == n {
			return i
		}
	}
	return -1
}

func (b *treeBuilder) clone(n *hnode) *hnode {
	c := b.alloc()
	c.tag, c.name, c.ns, c.attrs = n.tag, n.name, n.ns, n.attrs
	return c
}

// reconstruct reopens the formatting elements that were closed by a block
// but still apply to the text that follows (<p><b>x</p>y: y is bold).
func (b *treeBuilder) reconstruct() {
	if len(b.afe) == 0 || len(b.stack) >= maxDepth {
		return
	}
	i := len(b.afe) - 1
	if e := b.afe[i].n; e == nil || b.stackIndex(e) >= 0 {
		return
	}
	for i > 0 {
		if e := b.afe[i-1].n; e == nil || b.stackIndex(e) >= 0 {
			break
		}
		i--
	}
	for ; i < len(b.afe) && len(b.stack) < maxDepth; i++ {
		c := b.clone(b.afe[i].n)
		b.insert(c, false)
		b.afe[i].n = c
	}
}

// entry returns n's entry on the stack, or nil.
func (b *treeBuilder) entry(n *hnode) *open {
	if i := b.stackIndex(n); i >= 0 {
		return &b.stack[i]
	}
	return nil
}

// detach takes n out of its parent; the text after it stays where it was.
func (b *treeBuilder) detach(n *hnode) {
	p := n.parent
	if p == nil {
		return
	}
	var prev *hnode
	for c := p.first; c != nil && c != n; c = c.next {
		prev = c
	}
	if prev == nil {
		p.first = n.next
	} else {
		prev.next = n.next
	}
	if n.tail != "" {
		b.flushIf(&n.tail)
		if prev == nil {
			b.appendText(&p.text, n.tail)
		} else {
			b.appendText(&prev.tail, n.tail)
		}
		b.flushIf(&n.tail)
		n.tail = ""
	}
	for i := range b.stack {
		e := &b.stack[i]
		if e.n == p && e.last == n {
			e.last = prev
		}
		if e.before == n {
			e.before = prev
		}
	}
	n.parent, n.next = nil, nil
}

// flushIf writes the gathered text if it belongs to f.
func (b *treeBuilder) flushIf(f *string) {
	if b.pendField == f {
		b.flush()
	}
}

// appendChild makes c the last child of p.
func (b *treeBuilder) appendChild(p, c *hnode) {
	e := b.entry(p)
	var last *hnode
	if e != nil {
		last = e.last
	} else {
		for x := p.first; x != nil; x = x.next {
			last = x
		}
	}
	b.appendTo(p, last, c)
	c.next = nil
	if e != nil {
		e.last = c
	}
}

// adoption is the HTML "adoption agency" for the end tag of formatting
// element a (or a start <a>/<nobr> while one is open): a formatting element
// that encloses the start of a block is split so that each part sits
// properly nested, as x/net/html does.
func (b *treeBuilder) adoption(a atom.Atom, name string) {
	if t := b.top().n; t.name == name && t.ns == nsHTML && b.afeIndex(t) < 0 {
		b.pop()
		return
	}
	for outer := 0; outer < 8; outer++ {
		var fe *hnode
		for j := len(b.afe) - 1; j >= 0 && b.afe[j].n != nil; j-- {
			if b.afe[j].n.tag == a {
				fe = b.afe[j].n
				break
			}
		}
		if fe == nil {
			b.endOther(a, name)
			return
		}
		fi := b.stackIndex(fe)
		if fi < 0 {
			b.afeRemove(b.afeIndex(fe))
			return
		}
		if b.inScope(scopeDefault, isTag(a)) < 0 {
			return
		}
		fbi := -1
		for i := fi; i < len(b.stack); i++ {
			if isSpecial(b.stack[i].n) {
				fbi = i
				break
			}
		}
		if fbi < 0 {
			b.popTo(fi)
			b.afeRemove(b.afeIndex(fe))
			return
		}
		fb := b.stack[fbi].n
		ca := b.stack[fi-1].n
		bookmark := b.afeIndex(fe)
		lastNode, x := fb, fbi
		for j := 1; ; j++ {
			x--
			node := b.stack[x].n
			if node == fe {
				break
			}
			if ni := b.afeIndex(node); j > 3 && ni > -1 {
				b.afeRemove(ni)
				if ni <= bookmark {
					bookmark--
				}
				continue
			}
			ni := b.afeIndex(node)
			if ni < 0 {
				b.stack = append(b.stack[:x], b.stack[x+1:]...)
				continue
			}
			c := b.clone(node)
			b.afe[ni].n = c
			b.stack[x] = open{n: c}
			if lastNode == fb {
				bookmark = ni + 1
			}
			b.detach(lastNode)
			b.appendChild(c, lastNode)
			lastNode = c
		}
		b.detach(lastNode)
		if isTableCtx(ca) && b.tableOnStack() >= 0 {
			b.foster(lastNode)
		} else {
			b.appendChild(ca, lastNode)
		}
		c := b.clone(fe)
		b.flushIf(&fb.text)
		c.text, fb.text = fb.text, ""
		c.first, fb.first = fb.first, nil
		for k := c.first; k != nil; k = k.next {
			k.parent = c
		}
		fbe := b.entry(fb)
		var cLast *hnode
		if fbe != nil {
			cLast = fbe.last
			fbe.last = nil
		}
		b.appendChild(fb, c)
		var sig uint64
		if old := b.afeIndex(fe); old != -1 {
			sig = b.afe[old].sig
			if old < bookmark {
				bookmark--
			}
			b.afeRemove(old)
		}
		bookmark = max(0, min(bookmark, len(b.afe)))
		b.afe = append(b.afe[:bookmark], append([]afeEntry{{c, sig}}, b.afe[bookmark:]...)...)
		si := b.stackIndex(fe)
		b.stack = append(b.stack[:si], b.stack[si+1:]...)
		at := b.stackIndex(fb) + 1
		b.stack = append(b.stack[:at], append([]open{{n: c, last: cLast}}, b.stack[at:]...)...)
	}
}

// scope boundaries: the elements an "in scope" search stops at.
const (
	scopeDefault = iota
	scopeButton
	scopeList
	scopeTable
)

func isScopeBoundary(n *hnode, kind int) bool {
	if n.ns != nsHTML {
		switch n.name {
		case "mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject", "foreignObject", "desc", "title":
			return kind != scopeTable
		}
		return false
	}
	switch n.tag {
	case atom.Html, atom.Table, atom.Template:
		return true
	case atom.Applet, atom.Caption, atom.Td, atom.Th, atom.Marquee, atom.Object, atom.Select:
		return kind != scopeTable
	case atom.Button:
		return kind == scopeButton
	case atom.Ol, atom.Ul:
		return kind == scopeList
	}
	return false
}

// inScope returns the stack index of the innermost open element matching
// match before a scope boundary, or -1.
func (b *treeBuilder) inScope(kind int, match func(*hnode) bool) int {
	for i := len(b.stack) - 1; i >= 0; i-- {
		n := b.stack[i].n
		if match(n) {
			return i
		}
		if isScopeBoundary(n, kind) {
			return -1
		}
	}
	return -1
}

func isTag(a atom.Atom) func(*hnode) bool {
	return func(n *hnode) bool { return n.tag == a && n.ns == nsHTML }
}

func isHeading(n *hnode) bool {
	switch n.tag {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return n.ns == nsHTML
	}
	return false
}

func (b *treeBuilder) closeP() {
	if i := b.inScope(scopeButton, isTag(atom.P)); i >= 0 {
		b.popTo(i)
	}
}

// special are the elements an unmatched end tag does not close across.
var special = map[atom.Atom]bool{
	atom.Address: true, atom.Applet: true, atom.Area: true, atom.Article: true, atom.Aside: true,
	atom.Base: true, atom.Basefont: true, atom.Bgsound: true, atom.Blockquote: true, atom.Body: true,
	atom.Br: true, atom.Button: true, atom.Caption: true, atom.Center: true, atom.Col: true,
	atom.Colgroup: true, atom.Dd: true, atom.Details: true, atom.Dir: true, atom.Div: true,
	atom.Dl: true, atom.Dt: true, atom.Embed: true, atom.Fieldset: true, atom.Figcaption: true,
	atom.Figure: true, atom.Footer: true, atom.Form: true, atom.Frame: true, atom.Frameset: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Head: true, atom.Header: true, atom.Hgroup: true, atom.Hr: true, atom.Html: true,
	atom.Iframe: true, atom.Img: true, atom.Input: true, atom.Keygen: true, atom.Li: true,
	atom.Link: true, atom.Listing: true, atom.Main: true, atom.Marquee: true, atom.Menu: true,
	atom.Meta: true, atom.Nav: true, atom.Noembed: true, atom.Noframes: true, atom.Noscript: true,
	atom.Object: true, atom.Ol: true, atom.P: true, atom.Param: true, atom.Plaintext: true,
	atom.Pre: true, atom.Script: true, atom.Search: true, atom.Section: true, atom.Select: true,
	atom.Source: true, atom.Style: true, atom.Summary: true, atom.Table: true, atom.Tbody: true,
	atom.Td: true, atom.Template: true, atom.Textarea: true, atom.Tfoot: true, atom.Th: true,
	atom.Thead: true, atom.Title: true, atom.Tr: true, atom.Track: true, atom.Ul: true,
	atom.Wbr: true, atom.Xmp: true,
}

func isSpecial(n *hnode) bool {
	if n.ns != nsHTML {
		return isScopeBoundary(n, scopeDefault)
	}
	return special[n.tag]
}

var voidTags = map[atom.Atom]bool{
	atom.Area: true, atom.Base: true, atom.Basefont: true, atom.Bgsound: true, atom.Br: true,
	atom.Col: true, atom.Embed: true, atom.Frame: true, atom.Hr: true, atom.Img: true,
	atom.Input: true, atom.Keygen: true, atom.Link: true, atom.Meta: true, atom.Param: true,
	atom.Source: true, atom.Track: true, atom.Wbr: true,
}

// closesP are the start tags that end an open <p>.
var closesP = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Center: true, atom.Details: true, atom.Dialog: true, atom.Dir: true, atom.Div: true,
	atom.Dl: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true,
	atom.Footer: true, atom.Header: true, atom.Hgroup: true, atom.Main: true, atom.Menu: true,
	atom.Nav: true, atom.Ol: true, atom.P: true, atom.Search: true, atom.Section: true,
	atom.Summary: true, atom.Ul: true, atom.Pre: true, atom.Listing: true, atom.Form: true,
	atom.Plaintext: true, atom.Hr: true, atom.Xmp: true,
}

// headTags may stay in <head>; any other content starts the body.
var headTags = map[atom.Atom]bool{
	atom.Base: true, atom.Basefont: true, atom.Bgsound: true, atom.Link: true, atom.Meta: true,
	atom.Title: true, atom.Noscript: true, atom.Noframes: true, atom.Style: true, atom.Script: true,
	atom.Template: true,
}

// breakout start tags end foreign (SVG, MathML) content.
var breakout = map[atom.Atom]bool{
	atom.B: true, atom.Big: true, atom.Blockquote: true, atom.Body: true, atom.Br: true,
	atom.Center: true, atom.Code: true, atom.Dd: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Em: true, atom.Embed: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true,
	atom.H5: true, atom.H6: true, atom.Head: true, atom.Hr: true, atom.I: true, atom.Img: true,
	atom.Li: true, atom.Listing: true, atom.Menu: true, atom.Meta: true, atom.Nobr: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Ruby: true, atom.S: true, atom.Small: true,
	atom.Span: true, atom.Strong: true, atom.Strike: true, atom.Sub: true, atom.Sup: true,
	atom.Table: true, atom.Tt: true, atom.U: true, atom.Ul: true, atom.Var: true,
}

// formatting elements close across inline elements only.
var formatting = map[atom.Atom]bool{
	atom.A: true, atom.B: true, atom.Big: true, atom.Code: true, atom.Em: true, atom.Font: true,
	atom.I: true, atom.Nobr: true, atom.S: true, atom.Small: true, atom.Strike: true,
	atom.Strong: true, atom.Tt: true, atom.U: true,
}

// htmlPoint reports whether HTML content inside foreign element n is HTML
// again (an integration point).
func htmlPoint(n *hnode) bool {
	switch n.ns {
	case nsSVG:
		switch n.name {
		case "foreignobject", "foreignObject", "desc", "title":
			return true
		}
	case nsMath:
		switch n.name {
		case "mi", "mo", "mn", "ms", "mtext":
			return true
		case "annotation-xml":
			for _, a := range n.attrs {
				if a.key == "encoding" {
					e := strings.ToLower(a.val)
					return e == "text/html" || e == "application/xhtml+xml"
				}
			}
		}
	}
	return false
}

// attrHash hashes one attribute (FNV-1a); the sum over a tag's attributes
// does not depend on their order.
func attrHash(k, v []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range k {
		h = (h ^ uint64(c)) * 1099511628211
	}
	h = (h ^ 0xff) * 1099511628211
	for _, c := range v {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// readAttrs reads the current tag's kept attributes; with sign set it also
// sets b.sig to the hash of all of them.
func (b *treeBuilder) readAttrs(more, sign bool) []hattr {
	b.tmp = b.tmp[:0]
	b.sig = 0
	for more {
		var k, v []byte
		k, v, more = b.z.TagAttr()
		if sign {
			b.sig += attrHash(k, v)
		}
		key, ok := keptAttrs[string(k)]
		if !ok || len(b.tmp) >= maxAttrs {
			continue
		}
		dup := false
		for _, a := range b.tmp {
			if a.key == key {
				dup = true // the first of repeated attributes counts
				break
			}
		}
		if !dup {
			b.tmp = append(b.tmp, hattr{key, string(v)})
		}
	}
	if len(b.tmp) == 0 {
		return nil
	}
	if cap(b.attrs)-len(b.attrs) < len(b.tmp) {
		// Blocks grow with the page, from a size a small page fills.
		b.attrs = make([]hattr, 0, max(min(2*cap(b.attrs), 4096), 64, len(b.tmp)))
	}
	start := len(b.attrs)
	b.attrs = append(b.attrs, b.tmp...)
	return b.attrs[start:len(b.attrs):len(b.attrs)]
}

func (b *treeBuilder) run() {
	z := b.z
	pos := 0
	for {
		tt := z.Next()
		raw := len(z.Raw())
		start := pos
		pos += raw
		switch tt {
		case html.ErrorToken:
			b.ensureBody()
			b.flush()
			return
		case html.TextToken:
			var s string
			if pos <= len(b.src) && strings.IndexAny(b.src[start:pos], "&\r\x00") < 0 {
				s = b.src[start:pos]
			} else {
				s = strings.ReplaceAll(string(z.Text()), "\x00", "")
			}
			if b.skipNL && s != "" && s[0] == '\n' {
				s = s[1:] // a newline right after <pre> is not content
			}
			b.skipNL = false
			if b.initial && !isBlankHTML(s) {
				b.initial = false
			}
			b.text(s)
		case html.StartTagToken, html.SelfClosingTagToken:
			b.initial = false
			name, more := z.TagName()
			a := atom.Lookup(name)
			b.start(a, name, more, tt == html.SelfClosingTagToken)
			b.skipNL = a == atom.Pre || a == atom.Listing || a == atom.Textarea
		case html.EndTagToken:
			b.initial, b.skipNL = false, false
			name, _ := z.TagName()
			b.end(name)
		case html.DoctypeToken:
			if b.initial {
				b.quirk = quirksDoctype(string(z.Text()))
			}
			b.initial = false
		}
	}
}

// quirksDoctype reports whether a doctype puts the page in quirks mode
// (where a <table> does not end an open <p>), as x/net/html decides it.
func quirksDoctype(s string) bool {
	var name, rest string
	if i := strings.IndexAny(s, " \t\n\f\r"); i >= 0 {
		name, rest = s[:i], s[i:]
	} else {
		name, rest = s, ""
	}
	quirks := name != "html" // case-sensitive, as x/net/html has it
	rest = strings.TrimLeft(rest, " \t\n\f\r")
	if len(rest) < 6 {
		return quirks || rest != ""
	}
	key := strings.ToLower(rest[:6])
	rest = rest[6:]
	var ids []string // public, then system
	var keys []string
	for key == "public" || key == "system" {
		rest = strings.TrimLeft(rest, " \t\n\f\r")
		if rest == "" {
			break
		}
		q := rest[0]
		if q != '"' && q != '\'' {
			break
		}
		rest = rest[1:]
		id := rest
		if i := strings.IndexByte(rest, q); i >= 0 {
			id, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		ids, keys = append(ids, id), append(keys, key)
		if key == "public" {
			key = "system"
		} else {
			key = ""
		}
	}
	if key != "" || rest != "" {
		return true
	}
	if len(ids) == 0 {
		return quirks
	}
	if keys[0] == "public" {
		pub := strings.ToLower(ids[0])
		switch pub {
		case "-//w3o//dtd w3 html strict 3.0//en//", "-/w3d/dtd html 4.0 transitional/en", "html":
			quirks = true
		default:
			for _, q := range quirkyIDs {
				if strings.HasPrefix(pub, q) {
					quirks = true
					break
				}
			}
		}
		if len(ids) == 1 && (strings.HasPrefix(pub, "-//w3c//dtd html 4.01 frameset//") ||
			strings.HasPrefix(pub, "-//w3c//dtd html 4.01 transitional//")) {
			quirks = true
		}
	}
	if keys[len(keys)-1] == "system" && strings.EqualFold(ids[len(ids)-1], "http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd") {
		quirks = true
	}
	return quirks
}

// quirkyIDs are the public identifiers of doctypes that mean quirks mode
// (the HTML standard's list).
var quirkyIDs = []string{
	"+//silmaril//dtd html pro v0r11 19970101//", "-//advasoft ltd//dtd html 3.0 aswedit + extensions//",
	"-//as//dtd html 3.0 aswedit + extensions//", "-//ietf//dtd html 2.0 level 1//", "-//ietf//dtd html 2.0 level 2//",
	"-//ietf//dtd html 2.0 strict level 1//", "-//ietf//dtd html 2.0 strict level 2//", "-//ietf//dtd html 2.0 strict//",
	"-//ietf//dtd html 2.0//", "-//ietf//dtd html 2.1e//", "-//ietf//dtd html 3.0//", "-//ietf//dtd html 3.2 final//",
	"-//ietf//dtd html 3.2//", "-//ietf//dtd html 3//", "-//ietf//dtd html level 0//", "-//ietf//dtd html level 1//",
	"-//ietf//dtd html level 2//", "-//ietf//dtd html level 3//", "-//ietf//dtd html strict level 0//",
	"-//ietf//dtd html strict level 1//", "-//ietf//dtd html strict level 2//", "-//ietf//dtd html strict level 3//",
	"-//ietf//dtd html strict//", "-//ietf//dtd html//", "-//metrius//dtd metrius presentational//",
	"-//microsoft//dtd internet explorer 2.0 html strict//", "-//microsoft//dtd internet explorer 2.0 html//",
	"-//microsoft//dtd internet explorer 2.0 tables//", "-//microsoft//dtd internet explorer 3.0 html strict//",
	"-//microsoft//dtd internet explorer 3.0 html//", "-//microsoft//dtd internet explorer 3.0 tables//",
	"-//netscape comm. corp.//dtd html//", "-//netscape comm. corp.//dtd strict html//",
	"-//o'reilly and associates//dtd html 2.0//", "-//o'reilly and associates//dtd html extended 1.0//",
	"-//o'reilly and associates//dtd html extended relaxed 1.0//",
	"-//softquad software//dtd hotmetal pro 6.0::19990601::extensions to html 4.0//",
	"-//softquad//dtd hotmetal pro 4.0::19971010::extensions to html 4.0//", "-//spyglass//dtd html 2.0 extended//",
	"-//sq//dtd html 2.0 hotmetal + extensions//", "-//sun microsystems corp.//dtd hotjava html//",
	"-//sun microsystems corp.//dtd hotjava strict html//", "-//w3c//dtd html 3 1995-03-24//",
	"-//w3c//dtd html 3.2 draft//", "-//w3c//dtd html 3.2 final//", "-//w3c//dtd html 3.2//",
	"-//w3c//dtd html 3.2s draft//", "-//w3c//dtd html 4.0 frameset//", "-//w3c//dtd html 4.0 transitional//",
	"-//w3c//dtd html experimental 19960712//", "-//w3c//dtd html experimental 970421//", "-//w3c//dtd w3 html//",
	"-//w3o//dtd w3 html 3.0//", "-//webtechs//dtd mozilla html 2.0//", "-//webtechs//dtd mozilla html//",
}

func (b *treeBuilder) ensureHead() {
	if b.head == nil {
		b.inHead = 1
		b.head = b.newElem(atom.Head, "head", nsHTML)
		t := &b.stack[0]
		b.appendTo(b.html, t.last, b.head)
		t.last = b.head
	}
}

// ensureBody opens <body> once anything of the body comes.
func (b *treeBuilder) ensureBody() {
	if b.body != nil {
		return
	}
	b.ensureHead()
	b.inHead = 2
	b.stack = b.stack[:1]
	b.body = b.newElem(atom.Body, "body", nsHTML)
	t := &b.stack[0]
	b.appendTo(b.html, t.last, b.body)
	t.last = b.body
	b.stack = append(b.stack, open{n: b.body})
}

func (b *treeBuilder) text(s string) {
	if b.body == nil {
		if len(b.stack) > 1 { // in <title>, <script>, <style> in the head
			b.addText(s)
			return
		}
		// Leading white space stays where the HTML rules put it: in
		// the head, after it, or nowhere before it.
		ws := len(s) - len(strings.TrimLeft(s, " \t\n\r\f"))
		if ws > 0 {
			switch b.inHead {
			case 1:
				if b.headLast == nil {
					b.appendText(&b.head.text, s[:ws])
				} else {
					b.appendText(&b.headLast.tail, s[:ws])
				}
			case 2:
				b.appendText(&b.head.tail, s[:ws])
			}
			s = s[ws:]
		}
		if s == "" {
			return
		}
		b.ensureBody()
	}
	if top := b.top().n; top.ns == nsHTML && !rawText[top.tag] && !(isBlankHTML(s) && b.fosterNeeded(nil)) {
		b.reconstruct()
	}
	b.addText(s)
}

// rawText elements hold text the tokenizer does not parse.
var rawText = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Title: true, atom.Textarea: true, atom.Xmp: true,
	atom.Iframe: true, atom.Noembed: true, atom.Noframes: true, atom.Noscript: true, atom.Plaintext: true,
}

func (b *treeBuilder) start(a atom.Atom, nameB []byte, more, selfClosing bool) {
	var name string
	if a != 0 {
		name = a.String()
	} else {
		name = string(nameB)
	}
	attrs := b.readAttrs(more, formatting[a])
	// Foreign content.
	if t := b.top().n; t.ns != nsHTML && !htmlPoint(t) {
		if breakout[a] || a == atom.Font && hasAnyAttr(attrs, "color", "face", "size") {
			for len(b.stack) > 1 && b.top().n.ns != nsHTML && !htmlPoint(b.top().n) {
				b.pop()
			}
		} else {
			b.foreign(a, name, t.ns, attrs, selfClosing)
			return
		}
	}
	if a == atom.Image {
		a, name = atom.Img, "img"
	}
	switch a {
	case atom.Html:
		b.html.attrs = mergeAttrs(b.html.attrs, attrs)
		return
	case atom.Head:
		if b.head == nil && b.body == nil {
			b.ensureHead()
			b.head.attrs = attrs
		}
		return
	case atom.Body:
		b.ensureBody()
		b.body.attrs = mergeAttrs(b.body.attrs, attrs)
		return
	case atom.Frameset, atom.Frame:
		return
	}
	if b.body == nil && !b.inTemplate() {
		// After </head> a <noscript> starts the body.
		if headTags[a] && !(a == atom.Noscript && b.inHead == 2) {
			b.ensureHead()
			n := b.elem(a, name, nsHTML, attrs)
			b.appendTo(b.head, b.headLast, n)
			b.headLast = n
			if !voidTags[a] {
				b.stack = append(b.stack[:1], open{n: n})
				if a == atom.Template {
					b.afe = append(b.afe, afeEntry{})
				}
			}
			return
		}
		b.ensureBody()
	}
	if a == atom.Form {
		// One form at a time: a <form> inside another is ignored.
		if b.form != nil && !b.inTemplate() {
			return
		}
		if b.inTableMode() {
			if b.inTemplate() {
				return
			}
			n := b.elem(a, name, nsHTML, attrs)
			b.appendTop(n)
			b.form = n
			return
		}
	}
	switch {
	case closesP[a]:
		b.closeP()
	case a == atom.Table:
		if b.inTableMode() || b.top().n.tag == atom.Caption || b.top().n.tag == atom.Colgroup {
			if i := b.inScope(scopeTable, isTag(atom.Table)); i >= 0 {
				b.popTo(i)
			}
		} else if !b.quirk {
			b.closeP()
		}
	case isHeading(&hnode{tag: a}):
		b.closeP()
		if isHeading(b.top().n) {
			b.pop()
		}
	case a == atom.Li || a == atom.Dd || a == atom.Dt:
		for i := len(b.stack) - 1; i >= 1; i-- {
			n := b.stack[i].n
			if n.ns == nsHTML && (a == atom.Li && n.tag == atom.Li || a != atom.Li && (n.tag == atom.Dd || n.tag == atom.Dt)) {
				b.popTo(i)
				break
			}
			if isSpecial(n) && n.tag != atom.Address && n.tag != atom.Div && n.tag != atom.P {
				break
			}
		}
		b.closeP()
	case a == atom.A:
		for j := len(b.afe) - 1; j >= 0 && b.afe[j].n != nil; j-- {
			if e := b.afe[j].n; e.tag == atom.A {
				b.adoption(atom.A, "a")
				b.afeRemove(b.afeIndex(e))
				if i := b.stackIndex(e); i >= 0 {
					b.stack = append(b.stack[:i], b.stack[i+1:]...)
				}
				break
			}
		}
	case a == atom.Nobr:
		b.reconstruct()
		if b.inScope(scopeDefault, isTag(atom.Nobr)) >= 0 {
			b.adoption(atom.Nobr, "nobr")
		}
	case a == atom.Button:
		if i := b.inScope(scopeDefault, isTag(atom.Button)); i >= 0 {
			b.popTo(i)
		}
	case a == atom.Option || a == atom.Optgroup:
		if b.inScope(scopeDefault, isTag(atom.Select)) >= 0 {
			b.impliedEnd(a == atom.Option)
		} else if t := b.top().n; t.tag == atom.Option && t.ns == nsHTML {
			b.pop()
		}
	case a == atom.Select:
		if i := b.inScope(scopeDefault, isTag(atom.Select)); i >= 0 {
			b.popTo(i)
			return
		}
	case a == atom.Input && b.inTableMode() && strings.EqualFold(attrVal(attrs, "type"), "hidden"):
		// A hidden input stays in the table.
		b.appendTop(b.elem(a, name, nsHTML, attrs))
		return
	case a == atom.Input:
		if i := b.inScope(scopeDefault, isTag(atom.Select)); i >= 0 {
			b.popTo(i)
		}
	case a == atom.Caption || a == atom.Colgroup || a == atom.Col || a == atom.Tbody || a == atom.Thead ||
		a == atom.Tfoot || a == atom.Tr || a == atom.Td || a == atom.Th:
		b.tablePart(a, name, attrs)
		return
	case a == atom.Svg || a == atom.Math:
		b.reconstruct()
		ns := nsSVG
		if a == atom.Math {
			ns = nsMath
		}
		b.foreign(a, name, ns, attrs, selfClosing)
		return
	}
	if a == atom.Hr && b.inScope(scopeDefault, isTag(atom.Select)) >= 0 {
		b.impliedEnd(false)
	}
	if a == atom.Xmp || !noReconstruct[a] {
		b.reconstruct()
	}
	n := b.elem(a, name, nsHTML, attrs)
	b.insert(n, voidTags[a])
	if a == atom.Form && !b.inTemplate() {
		b.form = n
	}
	if formatting[a] && b.top().n == n {
		b.pushFormatting(n, b.sig)
	}
}

// noReconstruct are the start tags with rules of their own that do not
// reopen formatting elements.
var noReconstruct = func() map[atom.Atom]bool {
	m := map[atom.Atom]bool{}
	for a := range closesP {
		m[a] = true
	}
	for _, a := range []atom.Atom{
		atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Li, atom.Dd, atom.Dt,
		atom.Table, atom.Hr, atom.Textarea, atom.Iframe, atom.Noembed, atom.Noscript, atom.Noframes,
		atom.Param, atom.Source, atom.Track, atom.Html, atom.Head, atom.Body, atom.Frameset, atom.Frame,
		atom.Base, atom.Basefont, atom.Bgsound, atom.Link, atom.Meta, atom.Script, atom.Style,
		atom.Template, atom.Title, atom.Caption, atom.Col, atom.Colgroup, atom.Tbody, atom.Td,
		atom.Tfoot, atom.Th, atom.Thead, atom.Tr, atom.Rb, atom.Rp, atom.Rt, atom.Rtc,
	} {
		m[a] = true
	}
	return m
}()

// impliedEnd pops the elements whose end tag may be left out (but an
// optgroup when keepGroup is set).
func (b *treeBuilder) impliedEnd(keepGroup bool) {
	for len(b.stack) > 1 {
		t := b.top().n
		if t.ns != nsHTML {
			return
		}
		switch t.tag {
		case atom.Dd, atom.Dt, atom.Li, atom.Option, atom.P, atom.Rb, atom.Rp, atom.Rt, atom.Rtc:
		case atom.Optgroup:
			if keepGroup {
				return
			}
		default:
			return
		}
		b.pop()
	}
}

// inTemplate reports whether a <template> in the head is open.
func (b *treeBuilder) inTemplate() bool {
	for i := len(b.stack) - 1; i >= 1; i-- {
		if n := b.stack[i].n; n.tag == atom.Template && n.ns == nsHTML {
			return true
		}
	}
	return false
}

// mergeAttrs adds to have the attributes of add it lacks.
func mergeAttrs(have, add []hattr) []hattr {
	if have == nil {
		return add
	}
	for _, a := range add {
		if attrVal(have, a.key) == "" && !hasAnyAttr(have, a.key) {
			have = append(have[:len(have):len(have)], a)
		}
	}
	return have
}

// inTableMode reports whether the builder is in the HTML "in table"
// insertion mode: the innermost open table part is a table, its body or a
// row (not a cell), even with elements placed before the table open above
// it.
func (b *treeBuilder) inTableMode() bool {
	for i := len(b.stack) - 1; i >= 1; i-- {
		n := b.stack[i].n
		if n.ns != nsHTML {
			return false
		}
		switch n.tag {
		case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr:
			return true
		case atom.Td, atom.Th, atom.Caption, atom.Colgroup, atom.Template, atom.Body, atom.Html:
			return false
		}
	}
	return false
}

// appendTop adds a void element as the current node's last child, never
// before a table.
func (b *treeBuilder) appendTop(n *hnode) {
	t := b.top()
	b.appendTo(t.n, t.last, n)
	t.last = n
}

func isTableCtx(n *hnode) bool {
	if n.ns != nsHTML {
		return false
	}
	switch n.tag {
	case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr:
		return true
	}
	return false
}

func hasAnyAttr(attrs []hattr, keys ...string) bool {
	for _, a := range attrs {
		for _, k := range keys {
			if a.key == k {
				return true
			}
		}
	}
	return false
}

func attrVal(attrs []hattr, key string) string {
	for _, a := range attrs {
		if a.key == key {
			return a.val
		}
	}
	return ""
}

func (b *treeBuilder) elem(a atom.Atom, name string, ns uint8, attrs []hattr) *hnode {
	n := b.newElem(a, name, ns)
	n.attrs = attrs
	return n
}

// foreign inserts an SVG or MathML element.
func (b *treeBuilder) foreign(a atom.Atom, name string, ns uint8, attrs []hattr, selfClosing bool) {
	if b.top().n.ns == nsMath && b.top().n.name == "annotation-xml" && a == atom.Svg {
		ns = nsSVG
	}
	if a == atom.Svg && b.top().n.ns == nsHTML {
		ns = nsSVG
	}
	if a == atom.Math && b.top().n.ns == nsHTML {
		ns = nsMath
	}
	n := b.elem(a, name, ns, attrs)
	b.insert(n, selfClosing)
	if !selfClosing {
		switch name {
		case "iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp":
			b.z.NextIsNotRawText()
		}
	}
}

// tablePart handles the start tags of a table's structure.
func (b *treeBuilder) tablePart(a atom.Atom, name string, attrs []hattr) {
	ti := b.inScope(scopeTable, isTag(atom.Table))
	if ti < 0 {
		return // outside a table these tags are ignored
	}
	clearTo := func(stop ...atom.Atom) {
		for len(b.stack) > ti+1 {
			t := b.top().n
			for _, s := range stop {
				if t.tag == s && t.ns == nsHTML {
					return
				}
			}
			b.pop()
		}
	}
	switch a {
	case atom.Caption, atom.Colgroup, atom.Tbody, atom.Thead, atom.Tfoot:
		clearTo()
		b.insert(b.elem(a, name, nsHTML, attrs), false)
	case atom.Col:
		if t := b.top().n; t.tag != atom.Colgroup {
			clearTo()
			b.insert(b.elem(atom.Colgroup, "colgroup", nsHTML, nil), false)
		}
		b.insert(b.elem(a, name, nsHTML, attrs), true)
	case atom.Tr:
		clearTo(atom.Tbody, atom.Thead, atom.Tfoot)
		if b.top().n.tag == atom.Table {
			b.insert(b.elem(atom.Tbody, "tbody", nsHTML, nil), false)
		}
		b.insert(b.elem(a, name, nsHTML, attrs), false)
	case atom.Td, atom.Th:
		clearTo(atom.Tr, atom.Tbody, atom.Thead, atom.Tfoot)
		switch b.top().n.tag {
		case atom.Table:
			b.insert(b.elem(atom.Tbody, "tbody", nsHTML, nil), false)
			b.insert(b.elem(atom.Tr, "tr", nsHTML, nil), false)
		case atom.Tbody, atom.Thead, atom.Tfoot:
			b.insert(b.elem(atom.Tr, "tr", nsHTML, nil), false)
		}
		b.insert(b.elem(a, name, nsHTML, attrs), false)
	}
}

func (b *treeBuilder) end(nameB []byte) {
	a := atom.Lookup(nameB)
	// Foreign content closes by name.
	if b.top().n.ns != nsHTML {
		for i := len(b.stack) - 1; i >= 1; i-- {
			n := b.stack[i].n
			if n.ns == nsHTML {
				break
			}
			if strings.EqualFold(n.name, string(nameB)) {
				b.popTo(i)
				return
			}
		}
	}
	if b.body == nil && !b.inTemplate() {
		// Before the body only a few end tags count.
		switch a {
		case atom.Head:
			if b.inHead == 1 {
				b.inHead = 2
			}
		case atom.Body, atom.Html:
			b.ensureBody()
		case atom.Br:
			b.ensureBody()
			b.insert(b.elem(atom.Br, "br", nsHTML, nil), true)
		default:
			if len(b.stack) > 1 && b.top().n.tag == a && a != 0 {
				b.pop()
			}
		}
		return
	}
	switch a {
	case atom.Head:
		if b.inHead == 1 {
			b.inHead = 2
		}
		return
	case atom.Body, atom.Html:
		return
	case atom.Br:
		b.ensureBody()
		b.reconstruct()
		b.insert(b.elem(atom.Br, "br", nsHTML, nil), true)
		return
	case atom.P:
		if b.inScope(scopeButton, isTag(atom.P)) < 0 {
			b.ensureBody()
			b.insert(b.elem(atom.P, "p", nsHTML, nil), true)
			return
		}
		b.closeP()
		return
	case atom.Li:
		if i := b.inScope(scopeList, isTag(atom.Li)); i >= 0 {
			b.popTo(i)
		}
		return
	case atom.Dd, atom.Dt:
		if i := b.inScope(scopeDefault, isTag(a)); i >= 0 {
			b.popTo(i)
		}
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		if i := b.inScope(scopeDefault, isHeading); i >= 0 {
			b.popTo(i)
		}
		return
	case atom.Form:
		if b.inTemplate() {
			if i := b.inScope(scopeDefault, isTag(atom.Form)); i >= 0 {
				b.impliedEnd(false)
				b.popTo(i)
			}
			return
		}
		n := b.form
		b.form = nil
		if n == nil || b.inScope(scopeDefault, func(h *hnode) bool { return h == n }) < 0 {
			return
		}
		b.impliedEnd(false)
		if i := b.stackIndex(n); i >= 0 {
			b.stack = append(b.stack[:i], b.stack[i+1:]...)
		}
		return
	case atom.Table, atom.Tbody, atom.Thead, atom.Tfoot, atom.Tr, atom.Td, atom.Th, atom.Caption, atom.Colgroup:
		if i := b.inScope(scopeTable, isTag(a)); i >= 0 {
			b.popTo(i)
		}
		return
	case atom.Address, atom.Article, atom.Aside, atom.Blockquote, atom.Button, atom.Center,
		atom.Details, atom.Dialog, atom.Dir, atom.Div, atom.Dl, atom.Fieldset, atom.Figcaption,
		atom.Figure, atom.Footer, atom.Header, atom.Hgroup, atom.Listing, atom.Main, atom.Menu,
		atom.Nav, atom.Ol, atom.Pre, atom.Search, atom.Section, atom.Summary, atom.Ul,
		atom.Applet, atom.Marquee, atom.Object, atom.Select:
		if i := b.inScope(scopeDefault, isTag(a)); i >= 0 {
			b.popTo(i)
		}
		return
	}
	if formatting[a] {
		b.adoption(a, a.String())
		return
	}
	name := ""
	if a != 0 {
		name = a.String()
	} else {
		name = string(nameB)
	}
	b.endOther(a, name)
}

// endOther closes the innermost open element named name, unless a special
// element comes first.
func (b *treeBuilder) endOther(a atom.Atom, name string) {
	for i := len(b.stack) - 1; i >= 1; i-- {
		n := b.stack[i].n
		if n.name == name && n.ns == nsHTML {
			b.popTo(i)
			return
		}
		if isSpecial(n) {
			return
		}
	}
}

// fromHTML copies an x/net/html tree into an hnode tree and returns it with
// its number of nodes.
func fromHTML(root *html.Node) (*hnode, int) {
	b := &treeBuilder{}
	var conv func(h *html.Node, n *hnode)
	conv = func(h *html.Node, n *hnode) {
		var last *hnode
		for c := h.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				if last == nil {
					n.text += c.Data
				} else {
					last.tail += c.Data
				}
			case html.ElementNode:
				ns := nsHTML
				switch c.Namespace {
				case "svg":
					ns = nsSVG
				case "math":
					ns = nsMath
				case "":
				default:
					ns = nsSVG
				}
				e := b.newElem(c.DataAtom, c.Data, ns)
				if c.DataAtom != 0 && c.Namespace == "" {
					e.name = c.DataAtom.String()
				}
				for _, a := range c.Attr {
					if k, ok := keptAttrs[a.Key]; ok && a.Namespace == "" && !hasAnyAttr(e.attrs, k) && len(e.attrs) < maxAttrs {
						e.attrs = append(e.attrs, hattr{k, a.Val})
					}
				}
				b.appendTo(n, last, e)
				last = e
				conv(c, e)
			case html.DocumentNode:
				conv(c, n)
			}
		}
	}
	doc := b.alloc()
	if root.Type == html.DocumentNode {
		conv(root, doc)
		return doc, b.count
	}
	wrap := &html.Node{Type: html.DocumentNode}
	wrap.FirstChild, wrap.LastChild = root, root
	conv(wrap, doc)
	return doc, b.count
}
