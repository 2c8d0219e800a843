package extract

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
)

// This file holds the rules that keep what is on the article's page but not
// the article's body out of Text: captions and credits (kept in the HTML as
// figures), bylines and datelines (the metadata has them), reader-engagement
// boxes and footers. They read the structure (figure, figcaption and the
// names CMSs give such parts), the shape of the text and its position
// before the first or after the last paragraph; none names a site.

// names are the attributes that name an element's role.
type names struct{ class, id, itemprop string }

// names reads n's class, id and itemprop in one pass over its attributes
// (the first of each, as attr does).
func (n *node) names() names {
	var nm names
	var seen [3]bool
	for _, a := range n.h.attrs {
		switch {
		case a.key == "class" && !seen[0]:
			nm.class, seen[0] = a.val, true
		case a.key == "id" && !seen[1]:
			nm.id, seen[1] = a.val, true
		case a.key == "itemprop" && !seen[2]:
			nm.itemprop, seen[2] = a.val, true
		}
	}
	return nm
}

// captionWords name an image's caption or credit in a class or id.
var captionWords = []string{"caption", "credit", "cutline"}

// captionName reports whether one of the element's class names, or its id
// or itemprop, names a caption or credit ("wp-caption-text",
// "photo_credit"). Names of a container that only says whether its image
// has one ("has-caption", "no-credit") do not count.
func captionName(class, id, itemprop string) bool {
	if strings.Contains(lower(itemprop), "caption") {
		return true
	}
	if id != "" && containsAny(lower(id), captionWords) {
		return true
	}
	if class == "" {
		return false
	}
	c := lower(class)
	if !containsAny(c, captionWords) {
		return false
	}
	for _, f := range strings.Fields(c) {
		if containsAny(f, captionWords) && !strings.HasPrefix(f, "has-") && !strings.HasPrefix(f, "no-") &&
			!strings.Contains(f, "-no-") && !strings.Contains(f, "settings") {
			return true
		}
	}
	return false
}

// maxCaptionChars is the longest block that a caption name alone takes out
// of the text: longer, it is a container of the story that happens to hold
// a caption's name.
const maxCaptionChars = 800

// markFigure flags n as a figure (an image with its caption, or a
// caption's container) or a caption, whose text stays out of Text. A
// <figure> that holds code, a table or a quotation is content; only its
// <figcaption> is a caption. A caption beside one image makes their
// container a figure; the parent of a figure is marked as a gallery.
func markFigure(n, root *node, nm names) {
	switch {
	case n.tag == atom.Figcaption:
		n.flags |= fCaption
	case n.tag == atom.Figure:
		if !holdsProse(n) {
			n.flags |= fFigure
		}
	case n.tag == atom.Table && n.has(fDataTable), n.tag == atom.Caption:
	case (nm.class != "" || nm.id != "" || nm.itemprop != "") && n.chars <= maxCaptionChars &&
		captionName(nm.class, nm.id, nm.itemprop):
		if n.nImg > 0 || n.nEmbed > 0 || n.nVideo > 0 {
			if !holdsProse(n) {
				n.flags |= fFigure
			}
			break
		}
		n.flags |= fCaption
		if p := n.parent; p != nil && p != root && p.nImg == 1 && p.chars <= n.chars+20 && !p.has(fFigure) && !holdsProse(p) {
			p.flags |= fFigure
			if p.parent != nil {
				p.parent.flags |= fGallery
			}
		} else {
			imageBefore(n)
		}
	}
	if n.has(fFigure) && n.parent != nil {
		n.parent.flags |= fGallery
	}
}

// imageBefore makes the block right before the caption n a figure when
// it is nothing but an image (a paragraph around an <img>, then its
// caption as the next paragraph): the HTML then shows them as one.
func imageBefore(n *node) {
	p := n.parent
	if p == nil || n.nImg > 0 {
		return
	}
	var prev *node
	k := 0
	for c := p.first; c != nil && c != n; c = c.next {
		if k++; k > maxLineSiblings {
			return // bounded work on pages of endless siblings
		}
		if !c.has(fRemoved) {
			prev = c
		}
	}
	if prev == nil || prev.h.next != n.h || !isBlank(prev.h.tail) || prev.nImg != 1 || prev.chars > 0 ||
		prev.has(fFigure|fCaption) || !blockTags[prev.tag] {
		return
	}
	prev.flags |= fFigure
	p.flags |= fGallery
}

// holdsProse reports whether n holds a listing, a table or a quotation.
func holdsProse(n *node) bool {
	found := false
	walk(n, func(c *node) bool {
		switch c.tag {
		case atom.Pre, atom.Code, atom.Table, atom.Blockquote:
			found = true
		}
		return !found
	})
	return found
}

// metaWords name the parts of a story's page around its body: bylines,
// datelines, author boxes. Matched as a whole word of a class or id
// ("byline", "article-date", "post_meta").
var metaWords = map[string]bool{
	"byline": true, "bylines": true, "dateline": true, "author": true, "authors": true,
	"date": true, "timestamp": true, "pubdate": true, "meta": true, "published": true,
	"posted": true, "postmeta": true, "entrymeta": true, "writer": true, "attribution": true,
}

// bioWords name an author's biography or contact box.
var bioWords = map[string]bool{"bio": true, "biography": true, "authorbio": true, "author-bio": true, "about-author": true, "contributor": true}

// nameWords splits a class or id into its words at anything that is not a
// letter or digit, lower-cased.
func nameWords(s string, fn func(w string) bool) bool {
	s = lower(s)
	for s != "" {
		i := 0
		for i < len(s) && !isNameByte(s[i]) {
			i++
		}
		j := i
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j > i && fn(s[i:j]) {
			return true
		}
		s = s[j:]
	}
	return false
}

func isNameByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 0x80 }

// maxMetaChars is the longest block that a byline or date name takes out;
// maxBioChars the longest author box.
const (
	maxMetaChars = 250
	maxBioChars  = 1200
)

// metaBlock reports whether n is named as a byline, dateline or author box
// and is short enough to be one.
func metaBlock(n *node, nm names) bool {
	class, id := nm.class, nm.id
	if ip := lower(nm.itemprop); ip != "" && n.chars < maxMetaChars {
		switch ip {
		case "author", "creator", "datepublished", "datemodified", "datecreated", "byline":
			return true
		}
	}
	if class == "" && id == "" {
		return false
	}
	if n.chars < maxBioChars && (nameWords(class, func(w string) bool { return bioWords[w] }) ||
		strings.Contains(lower(class), "author-bio") || strings.Contains(lower(class), "authorbio") ||
		strings.Contains(lower(id), "author-bio") || strings.Contains(lower(id), "authorbio")) {
		return true
	}
	if n.chars >= maxMetaChars {
		return false
	}
	is := func(w string) bool { return metaWords[w] }
	return nameWords(class, is) || nameWords(id, is)
}

// dropMeta removes bylines, datelines and author boxes named as such from
// the content. An inline element so named (a span around the author's name)
// takes its block with it when it is most of that block ("By <span
// class=author>…</span>"); inside a sentence it stays.
func (d *doc) dropMeta(n, root *node, nm names) bool {
	if nm == (names{}) || n == root || n.tag == atom.Body || !metaBlock(n, nm) || inHeading(n) || d.protected(n) {
		return false
	}
	b := n
	if !blockTags[n.tag] {
		b = n.parent
		for b != nil && b != root && !blockTags[b.tag] {
			b = b.parent
		}
		switch {
		case b == nil:
			return false
		case n.parent.has(fBlockKids) && aloneOnLine(n):
			// A line of its own among the blocks of the story.
			b = n
		case b == root || b.has(fBlockKids) || b.chars > n.chars+30:
			return false
		}
	}
	if d.protected(b) || inDataTable(b) {
		return false
	}
	d.dropped += int(b.chars) + 2 // and its paragraph break
	b.remove()
	return true
}

// inDataTable reports whether n is a cell of, or inside, a table of data.
func inDataTable(n *node) bool {
	for p := n; p != nil; p = p.parent {
		if p.tag == atom.Table && p.has(fDataTable) {
			return true
		}
	}
	return false
}

// leafBlocks returns the blocks of sel that hold text directly (no block
// inside them), in document order, leaving out figures and captions.
func leafBlocks(sel []*node) []*node {
	// Counted first, so that the slice is made once at its size.
	k := 0
	visitLeaves(sel, func(*node) { k++ })
	out := make([]*node, 0, k)
	visitLeaves(sel, func(n *node) { out = append(out, n) })
	return out
}

func visitLeaves(sel []*node, fn func(*node)) {
	for _, root := range sel {
		walk(root, func(n *node) bool {
			if n.has(fFigure | fCaption) {
				return false
			}
			if n.has(fBlockKids) || !blockTags[n.tag] || n.chars == 0 {
				return true
			}
			if n.tag == atom.Td || n.tag == atom.Th || n.tag == atom.Tr {
				return false
			}
			fn(n)
			return false
		})
	}
}

// Edge rules: how far from the body a block may be and still be judged by
// its shape.
const (
	maxEdgeChars  = 400 // a footer line or author box at the end
	maxShortChars = 80  // a label, a teaser headline, a button
	maxLineChars  = 160 // a byline, dateline or credit line
)

// dropEdges removes what sits before the first or after the last
// paragraph of the body and reads as a byline, dateline, photo credit or
// footer (copyright, citation, contact and follow lines, author bio,
// tags, sign-up and teaser prompts); at the end also short lines that are
// not sentences (but not a run of four or more: a list), blocks of links
// and teaser items. Inside the body, prompt lines ("Related: …", "Sign
// up …") go and credit lines become captions. A block whose text repeats
// an earlier one (a pull quote, a gallery's caption) goes too. All of it
// together never takes more than half of the text.
func (d *doc) dropEdges(sel []*node) {
	blocks := leafBlocks(sel)
	if len(blocks) == 0 {
		return
	}
	total := 0
	for _, b := range blocks {
		total += int(b.chars)
	}
	budget := total / 2 // the edges never take more than half of the text
	drop := func(b *node) bool {
		if d.protected(b) || int(b.chars) > budget {
			return false
		}
		budget -= int(b.chars)
		d.dropped += int(b.chars) + 2 // and its paragraph break
		b.remove()
		return true
	}
	text := func(i int) string { return blocks[i].innerText() }
	// Head: bylines, datelines and credits before the first paragraph.
	head := 0
	for ; head < len(blocks); head++ {
		b := blocks[head]
		if b.chars > maxLineChars {
			break
		}
		t := text(head)
		if d.bylineLine(t) || datelineLine(t) || creditLine(t) {
			if drop(b) {
				continue
			}
		}
		if b.chars >= maxShortChars || endsSentenceText(t) {
			break
		}
	}
	// Tail, from the end. Short lines that are not sentences go, but not a
	// run of them: four or more in a row are a list (ingredients,
	// screenings), where the tail ends.
	var tail []*node
	short := 0 // short plain lines in a row at the end of tail
	for i := len(blocks) - 1; i > head; i-- {
		b := blocks[i]
		if b.has(fRemoved) {
			continue
		}
		if b.chars > maxEdgeChars {
			break
		}
		t := text(i)
		if d.footerLine(t) || d.bylineLine(t) || datelineLine(t) || creditLine(t) || linkDensity(b) > linkBlockDensity || teaserItem(b) {
			tail = append(tail, b)
			short = 0
			continue
		}
		if b.chars < maxShortChars && !endsSentenceText(t) && b.tag != atom.Li && b.tag != atom.Dd && b.tag != atom.Dt {
			tail = append(tail, b)
			if short++; short >= 4 {
				tail = tail[:len(tail)-short]
				break
			}
			continue
		}
		break
	}
	for _, b := range tail {
		if !drop(b) {
			break
		}
		// A list whose items all went goes with them.
		if p := b.parent; p != nil && (p.tag == atom.Ul || p.tag == atom.Ol) && p.chars == 0 && p.nImg == 0 && !d.protected(p) {
			p.remove()
		}
	}
	// Body: credit lines are captions; repeated blocks go. Blocks are
	// known by a hash of their text, which costs no copy of it; the
	// hashes are sorted rather than kept in a map, which costs less.
	hashes := make([]blockHash, 0, len(blocks))
	for i, b := range blocks {
		if b.has(fRemoved) {
			continue
		}
		if b.chars <= maxLineChars && b.chars >= 6 && creditStart(b) && creditLine(text(i)) {
			b.flags |= fCaption
			imageBefore(b)
			continue
		}
		if b.chars <= maxLineChars && b.chars >= 6 && promptStart(b) && promptLine(text(i)) {
			drop(b)
			continue
		}
		if b.chars <= maxCreditCaptionChars && endsWithCredit(b) {
			b.flags |= fCaption
			imageBefore(b)
			continue
		}
		if b.chars < 20 || b.chars > 1000 || b.tag == atom.Li {
			continue
		}
		hashes = append(hashes, blockHash{b.textHash(), int32(i)})
	}
	slices.SortFunc(hashes, func(a, b blockHash) int {
		if c := cmp.Compare(a.hash, b.hash); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	repeats := false
	for k := 1; k < len(hashes); k++ {
		if hashes[k].hash == hashes[k-1].hash {
			blocks[hashes[k].i].flags |= fRepeat
			repeats = true
		}
	}
	if !repeats {
		return
	}
	for _, b := range blocks {
		if b.has(fRepeat) {
			b.flags &^= fRepeat
			drop(b)
		}
	}
}

// blockHash is the hash of the text of blocks[i].
type blockHash struct {
	hash uint64
	i    int32
}

// textHash is a 64-bit FNV-1a hash of n's text with runs of white space
// read as one space and none at either end.
func (n *node) textHash() uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	space, started := false, false
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			if isSpaceByte(s, i) {
				if s[i] == 0xC2 {
					i++
				}
				space = true
				continue
			}
			if space && started {
				h = (h ^ ' ') * prime
			}
			space, started = false, true
			h = (h ^ uint64(s[i])) * prime
		}
	}
	var walk func(*node)
	walk = func(n *node) {
		n.children(func(c *node, text string) {
			switch {
			case c == nil:
				add(text)
			case c.has(fRemoved):
			default:
				if c.tag == atom.Br || blockTags[c.tag] {
					space = true
				}
				walk(c)
			}
		})
	}
	walk(n)
	return h
}

// creditStart reports whether n's text starts as a credit line does (a
// credit word or a parenthesis), read from its first bytes without
// building its text.
func creditStart(n *node) bool {
	var buf [24]byte
	space := true
	p := n.appendPrefix(buf[:0], &space)
	if len(p) == 0 {
		return false
	}
	if p[0] == '(' {
		return true
	}
	for _, c := range creditPrefixes {
		k := min(len(c), len(p))
		if string(p[:k]) == c[:k] {
			return true
		}
	}
	return false
}

// appendPrefix appends the start of n's text to p, lower-cased (ASCII)
// with runs of white space as one space, until p is full.
func (n *node) appendPrefix(p []byte, space *bool) []byte {
	n.children(func(c *node, text string) {
		if len(p) == cap(p) {
			return
		}
		if c != nil {
			if !c.has(fRemoved) {
				p = c.appendPrefix(p, space)
			}
			return
		}
		for i := 0; i < len(text) && len(p) < cap(p); i++ {
			if isSpaceByte(text, i) {
				if text[i] == 0xC2 {
					i++
				}
				if !*space && len(p) > 0 {
					p = append(p, ' ')
				}
				*space = true
				continue
			}
			*space = false
			c := text[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			p = append(p, c)
		}
	})
	return p
}

// endsSentenceText reports whether t ends as a sentence does.
func endsSentenceText(t string) bool {
	t = strings.TrimRight(t, "”’\"')»] ")
	if t == "" {
		return false
	}
	switch t[len(t)-1] {
	case '.', '?', '!', ':', ';':
		return true
	}
	return strings.HasSuffix(t, "…") || strings.HasSuffix(t, "。") || strings.HasSuffix(t, "！") || strings.HasSuffix(t, "？")
}

// bylinePrefixes start a byline; datelinePrefixes a line with the
// story's date.
var (
	bylinePrefixes = []string{
		"by ", "by: ", "written by ", "posted by ", "story by ", "words by ", "report by ", "reported by ",
	}
	datelinePrefixes = []string{
		"posted on ", "posted at ", "published on ", "published ", "updated ", "last updated ",
		"first published ", "posted: ", "published: ", "updated: ",
	}
	bylineSuffixes = []string{" writer", " reporter", " correspondent", " editor", " contributor", " columnist"}
)

// bylineLine reports whether t is a byline: "By NAME", "Posted on DATE by
// NAME", "NAME, AGENCY Staff Writer", or a short line naming an author
// the metadata gives.
func (d *doc) bylineLine(t string) bool {
	if len(t) > maxLineChars*2 {
		return false
	}
	low := strings.ToLower(t)
	for _, p := range bylinePrefixes {
		if strings.HasPrefix(low, p) {
			rest := strings.TrimSpace(t[len(p):])
			if rest != "" && (rest[0] >= 'A' && rest[0] <= 'Z' || rest[0] >= 0x80) && len(strings.Fields(t)) <= 14 {
				return true
			}
		}
	}
	for _, p := range datelinePrefixes {
		if strings.HasPrefix(low, p) && len(strings.Fields(t)) <= 16 {
			if _, ok := parseFreeDate(t); ok {
				return true
			}
		}
	}
	if len(t) <= 100 && !endsSentenceText(t) {
		for _, w := range bylineSuffixes {
			if strings.HasSuffix(low, w) && strings.Contains(t, ",") {
				return true
			}
		}
		for _, a := range d.authors {
			if len(a) >= 5 && strings.Contains(t, a) && len(t) <= len(a)+60 {
				return true
			}
		}
	}
	return false
}

// datelineLine reports whether t is a date with at most a few words
// around it ("Updated 3:45 PM, Monday, May 5, 2018").
func datelineLine(t string) bool {
	if len(t) > 100 {
		return false
	}
	if _, ok := parseFreeDate(t); !ok && !datedLine(t) {
		return false
	}
	words := 0
	for _, f := range strings.FieldsFunc(t, func(r rune) bool { return !isWordRune(r) }) {
		if f[0] >= '0' && f[0] <= '9' {
			continue
		}
		l := strings.ToLower(f)
		if _, ok := monthNames[l]; ok {
			continue
		}
		if len(l) > 3 {
			if _, ok := monthNames[l[:3]]; ok {
				continue
			}
		}
		if _, ok := zoneOffsets[l]; ok {
			continue
		}
		switch l {
		case "am", "pm", "at", "on", "updated", "published", "posted", "monday", "tuesday", "wednesday",
			"thursday", "friday", "saturday", "sunday", "mon", "tue", "wed", "thu", "fri", "sat", "sun",
			"last", "modified", "ago":
			continue
		}
		words++
	}
	return words <= 4
}

// creditPrefixes start a photo credit.
var creditPrefixes = []string{
	"photo:", "photos:", "photo by ", "photos by ", "photograph:", "photograph by ", "photography:", "photography by ",
	"image:", "images:", "image by ", "image via ", "images via ", "image copyright", "image caption", "image source:",
	"picture:", "pictures:", "pic:", "credit:", "credits:", "photo credit", "image credit", "photo courtesy",
	"courtesy of ", "illustration:", "illustration by ", "graphic:", "video:", "top image", "featured image",
	"header image", "lead image",
}

// creditLine reports whether t is a photo credit: "Photo: NAME, AGENCY",
// "(AGENCY Photo/NAME)", "Image copyright AGENCY".
func creditLine(t string) bool {
	if len(t) > maxLineChars {
		return false
	}
	low := strings.ToLower(t)
	for _, p := range creditPrefixes {
		if strings.HasPrefix(low, p) {
			return true
		}
	}
	return strings.HasPrefix(low, "(") && strings.HasSuffix(low, ")") && (strings.Contains(low, "photo") || strings.Contains(low, "image"))
}

// footerPrefixes start a line of a story's footer or of an engagement box.
var footerPrefixes = []string{
	"citation:", "tags:", "tagged:", "tagged with", "tagged as", "filed under", "filed in", "posted in ", "categories:",
	"category:", "related:", "related topics", "related stories", "related articles", "related posts", "related links",
	"related content", "see also", "more:", "more on this", "more from", "more stories", "read more", "read next",
	"read also", "also read", "recommended", "you may also like", "you might also like", "this entry was posted",
	"share this", "share:", "like this", "want more", "sign up", "subscribe", "click here", "next post", "previous post",
	"next article", "previous article", "follow us", "follow me", "connect with", "contact us", "contact:", "email:",
	"e-mail:", "about the author", "copyright", "all rights reserved", "©", "(c)", "reprints", "trending:",
	"top stories", "most read", "most popular", "don't miss", "do not miss", "newsletter", "get the", "listen to",
	"watch:", "download ", "advertisement", "sponsored",
}

// footerLine reports whether t reads as a line of a footer or an
// engagement box: copyright and citation lines, contact and follow lines,
// an author's bio, tags, teaser and sign-up prompts.
func (d *doc) footerLine(t string) bool {
	low := strings.ToLower(t)
	for _, p := range footerPrefixes {
		if hasPrefixWord(low, p) {
			return true
		}
	}
	if strings.Contains(low, "©") || strings.Contains(low, "all rights reserved") || strings.Contains(low, "copyright ") && len(t) < 200 {
		return true
	}
	if strings.Contains(low, "retrieved") && strings.Contains(low, "from http") {
		return true
	}
	// A contact or follow line is one sentence, two at most; a paragraph
	// that happens to give an address is not one.
	if len(t) < 250 && strings.Count(t, ". ") < 2 && (hasEmail(t) ||
		strings.Contains(low, "follow ") && containsAny(low, []string{"twitter", "facebook", "instagram", "@"})) {
		return true
	}
	for _, a := range d.authors {
		if len(a) >= 5 && strings.HasPrefix(t, a) && strings.HasPrefix(t[len(a):], " is ") {
			return true // "NAME is a reporter for ..."
		}
	}
	return false
}

// hasEmail reports whether t holds an e-mail address.
func hasEmail(t string) bool {
	for i := strings.IndexByte(t, '@'); i >= 0; {
		if i > 0 && isWordRune(rune(t[i-1])) {
			rest := t[i+1:]
			if j := strings.IndexByte(rest, '.'); j > 0 && j+1 < len(rest) && isWordRune(rune(rest[j+1])) && !strings.ContainsAny(rest[:j], " \t\n") {
				return true
			}
		}
		k := strings.IndexByte(t[i+1:], '@')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return false
}

// promptPrefixes start a line that asks the reader to do something other
// than read on: sign up, follow, read another story.
var promptPrefixes = []string{
	"sign up", "sign-up", "newsletter", "subscribe", "don't miss", "don’t miss", "read more", "continue reading",
	"related:", "related stories", "related articles", "related posts", "related coverage", "see also", "click here",
	"people who liked", "you may also like", "you might also like", "recommended for you", "more stories",
	"more from", "follow us", "share this", "advertisement", "sponsored content", "get our", "want more",
}

// promptStart reports whether n's text may start a prompt, from its
// first bytes.
func promptStart(n *node) bool {
	var buf [24]byte
	space := true
	p := n.appendPrefix(buf[:0], &space)
	for _, c := range promptPrefixes {
		k := min(len(c), len(p))
		if k > 0 && string(p[:k]) == c[:k] {
			return true
		}
	}
	return false
}

// promptLine reports whether t is a prompt line: a short line that
// starts with one of promptPrefixes.
func promptLine(t string) bool {
	low := strings.ToLower(t)
	for _, p := range promptPrefixes {
		if hasPrefixWord(low, p) {
			return true
		}
	}
	return false
}

// maxCreditCaptionChars is the longest block that a credit at its end
// makes a caption.
const maxCreditCaptionChars = 300

// creditWords, inside a closing parenthesis, make it a photo credit:
// "(AP Photo/NAME)", "(@handle/Twitter)", "(Getty Images)".
var creditWords = []string{"photo", "image", "getty", "shutterstock", "reuters", "afp", "twitter", "instagram"}

// endsWithCredit reports whether n's text ends with a parenthesised photo
// credit, as captions do.
func endsWithCredit(n *node) bool {
	if lastTextByte(n) != ')' {
		return false // spares building the text of every short block
	}
	t := n.innerText()
	if !strings.HasSuffix(t, ")") {
		return false
	}
	i := strings.LastIndexByte(t, '(')
	if i < 0 || len(t)-i > 60 {
		return false
	}
	return containsAny(strings.ToLower(t[i:]), creditWords) && !strings.Contains(t[i:], "http")
}

// teaserItem reports whether b is an item of a teaser list: a headline
// link followed by a line of blurb.
func teaserItem(b *node) bool {
	if b.tag != atom.Li || linkDensity(b) < 0.3 {
		return false
	}
	first := b.first
	for first != nil && first.has(fRemoved) {
		first = first.next
	}
	if first == nil || b.h.text != "" && !isBlank(b.h.text) {
		return false
	}
	for first.tag != atom.A {
		// A headline wrapped in a heading or emphasis.
		if first.first == nil || first.h.text != "" && !isBlank(first.h.text) {
			return false
		}
		first = first.first
	}
	return first.has(fHref)
}

// lastTextByte returns the last byte of n's text that is not white space,
// or 0.
func lastTextByte(n *node) byte {
	var last byte
	n.children(func(c *node, text string) {
		if c != nil {
			if !c.has(fRemoved) {
				if b := lastTextByte(c); b != 0 {
					last = b
				}
			}
			return
		}
		for i := len(text) - 1; i >= 0; i-- {
			if c := text[i]; c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != '\f' && c != 0xA0 && c != 0xC2 {
				last = c
				return
			}
		}
	})
	return last
}

// maxLineSiblings is how far aloneOnLine looks back for the element
// before n.
const maxLineSiblings = 256

// aloneOnLine reports whether the inline element n stands on a line of its
// own: no text right before or after it, and a block, a <br> or nothing on
// either side.
func aloneOnLine(n *node) bool {
	h := n.h
	var prev *hnode
	k := 0
	for c := h.parent.first; c != nil && c != h; c = c.next {
		if k++; k > maxLineSiblings {
			return false // bounded work on pages of endless siblings
		}
		prev = c
	}
	if besideText(h, prev) {
		return false
	}
	lineEnd := func(s *hnode) bool {
		return s == nil || s.tag == atom.Br || blockTags[s.tag] || skipTags[s.tag]
	}
	return lineEnd(prev) && lineEnd(h.next)
}

// datedLine reports whether t is a date without a year ("Updated on
// September 24 at 2:06 p.m. ET") after a dateline word, or a time ago
// ("12 hr 33 min ago").
func datedLine(t string) bool {
	low := strings.ToLower(t)
	words := strings.FieldsFunc(low, func(r rune) bool { return !isWordRune(r) })
	if len(words) == 0 || len(words) > 12 {
		return false
	}
	if words[len(words)-1] == "ago" {
		for _, w := range words[:len(words)-1] {
			switch w {
			case "min", "mins", "minute", "minutes", "hr", "hrs", "hour", "hours", "day", "days", "week", "weeks", "sec", "secs", "seconds":
				return true
			}
		}
		return false
	}
	switch words[0] {
	case "updated", "published", "posted", "modified":
	default:
		return false
	}
	for _, w := range words[1:] {
		if _, ok := monthNames[w]; ok {
			return true
		}
		if len(w) > 3 {
			if m, ok := monthNames[w[:3]]; ok && strings.HasPrefix(monthLong(m), w) {
				return true
			}
		}
	}
	return strings.Contains(t, ":") && strings.IndexAny(t, "0123456789") >= 0
}

// hasPrefixWord reports whether s starts with p as a whole word ("subscribe"
// starts "subscribe now", not "subscribers").
func hasPrefixWord(s, p string) bool {
	if !strings.HasPrefix(s, p) {
		return false
	}
	if len(s) == len(p) || !isNameByte(p[len(p)-1]) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[len(p):])
	return !isWordRune(r)
}

// commentsHeadings are what the heading of a comments section says;
// countedHeadings say it only after a count ("12 Responses", "5 thoughts
// on …"): alone, "Response" heads a section of a technical article.
// Entries ending in a preposition go on with the story's title.
var (
	commentsHeadings = []string{
		"comments", "comment", "reader comments", "readers' comments", "user comments", "your comments",
		"leave a reply", "leave a comment", "post a comment", "add a comment", "add your comment",
		"join the discussion", "join the conversation", "have your say", "trackbacks", "pingbacks",
		"comments on", "comments to", "comments for",
	}
	countedHeadings = []string{
		"responses", "response", "replies", "reply", "responses to", "response to", "replies to",
		"thoughts on", "thought on",
	}
)

// commentsHeading reports whether t is the heading of a comments section.
func commentsHeading(t string) bool {
	if len(t) > 120 {
		return false
	}
	low := strings.ToLower(strings.TrimSpace(t))
	rest := strings.TrimLeft(low, "0123456789 ")
	counted := len(rest) < len(low)
	if w, r, ok := strings.Cut(rest, " "); ok {
		switch w {
		case "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "no":
			rest, counted = r, true
		}
	}
	rest = strings.TrimRight(rest, " :.!")
	if r := strings.TrimRight(rest, "0123456789()[] "); r != rest {
		rest, counted = r, true
	}
	match := func(heads []string) bool {
		for _, h := range heads {
			if rest == h || (strings.HasSuffix(h, " to") || strings.HasSuffix(h, " on") || strings.HasSuffix(h, " for")) &&
				strings.HasPrefix(rest, h+" ") {
				return true
			}
		}
		return false
	}
	return match(commentsHeadings) || counted && match(countedHeadings)
}

// minBeforeComments is how much text must come before a comments
// heading for it to end the article.
const minBeforeComments = 200

// maxCommentsTries is how many comments headings dropComments tries.
const maxCommentsTries = 8

var headingTags = map[atom.Atom]bool{
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
}

// dropComments removes a comments section from the end of the content:
// a heading that reads as one ("12 Comments", "Leave a Reply"), kept or
// left out of the index for its name, and everything after it, when the
// article's text comes before it.
func (d *doc) dropComments(sel []*node) {
	// Each try walks the children of the heading's parent: a page of
	// endless comments headings gets a few, not one per heading.
	tries := 0
	try := func(parent *node, h *hnode) {
		if tries++; tries <= maxCommentsTries {
			d.cutAfter(sel, parent, h)
		}
	}
	for _, sh := range d.strippedHeads {
		head := sh.h
		if !headingTags[head.tag] {
			head = leadHeading(head)
		}
		if sh.parent != nil && !sh.parent.has(fRemoved) && commentsHeading(nodeText(head, 120)) {
			try(sh.parent, sh.h)
		}
	}
	for _, root := range sel {
		walk(root, func(n *node) bool {
			if n.has(fRemoved) {
				return false
			}
			if headingTags[n.tag] {
				if tries < maxCommentsTries && n.chars <= 120 && n != root && commentsHeading(n.innerText()) {
					try(n.parent, n.h)
				}
				return false
			}
			return true
		})
	}
}

// leadHeading returns the heading that h starts with (a box whose first
// element, up to three levels down, is a heading with no text before
// it), or nil.
func leadHeading(h *hnode) *hnode {
	for depth := 0; depth < 3; depth++ {
		if !isBlank(h.text) {
			return nil
		}
		c := h.first
		for c != nil && (c.tag == atom.Script || c.tag == atom.Style) {
			if !isBlank(c.tail) {
				return nil
			}
			c = c.next
		}
		if c == nil {
			return nil
		}
		if headingTags[c.tag] {
			return c
		}
		h = c
	}
	return nil
}

// cutAfter removes what follows the child h of parent in sel (h too, when
// it is indexed), unless less than minBeforeComments of text would be
// left. The blocks the scores chose are kept.
func (d *doc) cutAfter(sel []*node, parent *node, h *hnode) {
	k := -1 // the selected block that holds parent
	for i, s := range sel {
		if s == parent || isAncestor(s, parent) {
			k = i
			break
		}
	}
	if k < 0 {
		return
	}
	total := 0
	for _, s := range sel {
		if !s.has(fRemoved) {
			total += int(s.chars)
		}
	}
	// The nodes to remove: the children of parent from h on, the
	// siblings after each ancestor up to the selected block, and the
	// selected blocks after it.
	cut := 0
	visit := func(fn func(*node)) {
		// The index's children of parent are the page's children of
		// parent.h less those left out, in the same order.
		after := false
		x := parent.h.first
		for c := parent.first; c != nil && x != nil; c = c.next {
			for ; x != nil && x != c.h; x = x.next {
				after = after || x == h
			}
			after = after || x == h
			if after && !c.has(fRemoved) && !d.protected(c) {
				fn(c)
			}
		}
		for a := parent; a != nil && a != sel[k]; a = a.parent {
			for s := a.next; s != nil; s = s.next {
				if !s.has(fRemoved) && !d.protected(s) {
					fn(s)
				}
			}
		}
		for _, s := range sel[k+1:] {
			if !s.has(fRemoved) && !d.protected(s) {
				fn(s)
			}
		}
	}
	visit(func(n *node) { cut += int(n.chars) })
	if cut == 0 || total-cut < minBeforeComments {
		return
	}
	visit(func(n *node) { n.remove() })
}
