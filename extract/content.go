package extract

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
)

// minArticleChars is the text length below which extraction is retried with
// fewer of its filters, keeping the longest result.
const minArticleChars = 500

// pass is one attempt at the main content with a set of filters on.
type pass struct {
	strip   bool // leave out subtrees named like boilerplate
	weights bool // class and id weights count in scores
	clean   bool // drop link-heavy and form-like blocks inside the content
}

// content finds the main content and writes Text, HTML and WordCount.
// It expects d.build(true) to have run.
func (d *doc) content(a *Article) {
	d.titleHint = a.Title
	d.siteName = a.SiteName
	d.authors = a.Authors
	p := pass{strip: true, weights: true, clean: true}
	var bestText, bestHTML string
	bestChars := -1
	var firstTop *hnode // the first pass's choice
	firstChars := 0
	for try := 0; ; try++ {
		if try > 0 {
			d.build(p.strip)
		}
		sel := d.grab(p)
		d.dropped = 0
		d.prepare(sel, p)
		text, htm, quiet := d.render(sel, false)
		// A page whose text is mostly its captions (a photo story, a
		// gallery told slide by slide) is told by them: they are its body.
		if body := utf8.RuneCountInString(text); quiet > body {
			text, htm, _ = d.render(sel, true)
			quiet = 0
		}
		// Passes are compared by the content they found, captions, bylines
		// and footers included (a content of nothing but those is none).
		chars := utf8.RuneCountInString(text) + quiet
		if chars > 0 {
			chars += d.dropped
		}
		if try == 0 && d.topNode != nil {
			firstTop, firstChars = d.topNode.h, chars
		}
		// A later pass that only wraps the first pass's block in more of
		// the page adds boilerplate to a short article: it does not win.
		superset := try > 0 && firstTop != nil && firstChars >= shortArticleChars && coversNode(sel, firstTop)
		// A later pass that finds its text only inside what the first pass
		// stripped (comments, a sidebar, a footer) has found the page
		// around a short article, not a longer one.
		stripped := try > 0 && firstChars > 0 && d.topNode != nil && inAside(d.topNode.h)
		// A page's footer is never its article: a pass that chose it
		// found none (an index or tag page gets an empty Text).
		footer := d.topNode != nil && inFooter(d.topNode)
		if chars > bestChars && !superset && !stripped && !footer {
			bestText, bestHTML, bestChars = text, htm, chars
		}
		if chars >= minArticleChars {
			break
		}
		switch {
		case p.strip:
			p.strip = false
		case p.weights:
			p.weights = false
		case p.clean:
			p.clean = false
		default:
			try = -1
		}
		if try < 0 {
			break
		}
	}
	a.Text = bestText
	a.HTML = bestHTML
	a.WordCount = countWords(bestText)
}

func (d *doc) weight(n *node, p pass) int16 {
	if !p.weights {
		return 0
	}
	return classWeight(n.class(), n.id())
}

func (d *doc) initScore(n *node, p pass) {
	n.flags |= fScored
	switch n.tag {
	case atom.Div:
		n.score = 5
	case atom.Pre, atom.Td, atom.Blockquote:
		n.score = 3
	case atom.Address, atom.Ol, atom.Ul, atom.Dl, atom.Dd, atom.Dt, atom.Li, atom.Form:
		n.score = -3
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Th:
		n.score = -5
	}
	n.score += float64(d.weight(n, p))
}

func linkDensity(n *node) float64 {
	if n.chars == 0 {
		return 0
	}
	return float64(n.linkChars) / float64(n.chars)
}

// divToPTags are the descendants that keep a <div> from counting as a
// paragraph.
var divToPTags = map[atom.Atom]bool{
	atom.Blockquote: true, atom.Dl: true, atom.Div: true, atom.Img: true, atom.Ol: true,
	atom.P: true, atom.Pre: true, atom.Table: true, atom.Ul: true,
}

// walk visits root's live subtree in document order; visit returns false to
// skip a node's children (it may remove the node it is given).
func walk(root *node, visit func(*node) bool) {
	if root == nil || root.has(fRemoved) || !visit(root) {
		return
	}
	n := root.first
	for n != nil {
		descend := false
		if !n.has(fRemoved) {
			descend = visit(n) && n.first != nil && !n.has(fRemoved)
		}
		if descend {
			n = n.first
			continue
		}
		for n != root && n.next == nil {
			n = n.parent
		}
		if n == root {
			return
		}
		n = n.next
	}
}

// grab scores the paragraphs of the page onto their ancestors and returns
// the top candidate with the siblings that belong to it.
func (d *doc) grab(p pass) []*node {
	d.topNode, d.bestNode = nil, nil
	if d.body == nil {
		return nil
	}
	// Mark divs that hold no block content: they score as paragraphs.
	for i := len(d.order) - 1; i >= 0; i-- {
		n := d.order[i]
		if n.parent == nil {
			continue
		}
		if divToPTags[n.tag] || n.has(fDeepBlock) {
			n.parent.flags |= fDeepBlock
		}
	}
	removedTitle := false
	var candidates []*node
	scoreUp := func(par *node, chars, commas int32) {
		if chars < 25 {
			return
		}
		// Two base points, as Readability.js gives (one for the paragraph,
		// one from counting its comma-separated pieces): paragraphs then
		// weigh more against the class-name and tag points of containers.
		score := 2 + float64(commas) + float64(min(chars/100, 3))
		level := 0
		for anc := par; anc != nil && level < 5; anc = anc.parent {
			if anc.has(fCollapsed) {
				continue
			}
			if anc.parent == nil {
				break
			}
			if !anc.has(fScored) {
				d.initScore(anc, p)
				candidates = append(candidates, anc)
			}
			div := 1.0
			switch {
			case level == 1:
				div = 2
			case level > 1:
				div = float64(level * 3)
			}
			anc.score += score / div
			level++
		}
	}
	// scoreRuns scores the runs of inline content of n as paragraphs: a run
	// that follows two <br> always, others only in a div-like element.
	scoreRuns := func(n *node, divLike bool) {
		var chars, commas int32
		active := divLike
		brs := 0 // <br> seen since the last text
		n.children(func(c *node, text string) {
			if c == nil {
				if isBlank(text) {
					return
				}
				if brs >= 2 {
					// Two <br> in a row start a paragraph.
					if active {
						scoreUp(n, chars, commas)
					}
					chars, commas, active = 0, 0, true
				}
				brs = 0
				k, m := textStats(text)
				chars += k
				commas += m
				return
			}
			if c.has(fRemoved) {
				return
			}
			if c.tag == atom.Br {
				brs++
				return
			}
			if blockTags[c.tag] || divToPTags[c.tag] {
				if active {
					scoreUp(n, chars, commas)
				}
				chars, commas, active, brs = 0, 0, divLike, 0
				return
			}
			if brs >= 2 {
				if active {
					scoreUp(n, chars, commas)
				}
				chars, commas, active = 0, 0, true
			}
			brs = 0
			chars += c.chars
			commas += c.commas
		})
		if active {
			scoreUp(n, chars, commas)
		}
	}
	walk(d.body, func(n *node) bool {
		if !removedTitle && (n.tag == atom.H1 || n.tag == atom.H2) && d.titleHint != "" {
			if textSimilarity(d.titleHint, n.innerText()) > 0.75 {
				removedTitle = true
				n.remove()
				return false
			}
		}
		switch n.tag {
		case atom.P:
			if n.has(fBrChain) {
				scoreRuns(n, true)
			} else {
				scoreUp(n.parent, n.chars, n.commas)
			}
		case atom.Td, atom.Pre, atom.Section, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			scoreUp(n.parent, n.chars, n.commas)
			if n.has(fBrChain) {
				scoreRuns(n, false)
			}
		case atom.Div:
			if !n.has(fDeepBlock) && !n.has(fBrChain) {
				scoreUp(n.parent, n.chars, n.commas)
				return true
			}
			// A div whose only element is one paragraph stands for it.
			if single := singleChild(n); single != nil && single.tag == atom.P && linkDensity(n) < 0.25 {
				n.flags |= fCollapsed
				return true
			}
			scoreRuns(n, true)
		default:
			if n.has(fBrChain) {
				scoreRuns(n, false)
			}
		}
		return true
	})

	for _, c := range candidates {
		c.score *= 1 - linkDensity(c)
	}
	var tops [5]*node
	for _, c := range candidates {
		for i := range tops {
			if tops[i] == nil || c.score > tops[i].score {
				copy(tops[i+1:], tops[i:len(tops)-1])
				tops[i] = c
				break
			}
		}
	}
	top := tops[0]
	if top == nil || top == d.body || top.tag == atom.Html {
		return []*node{d.body}
	}
	// A small block that won on its class name loses to a candidate that
	// scores nearly as well and holds several times its text.
	if massSwitch {
		for _, c := range tops[1:] {
			if c != nil && c.score >= 0.75*top.score && c.chars >= 3*top.chars && linkDensity(c) < 0.25 && !isAncestor(c, top) {
				top = c
				break
			}
		}
	}
	// A page that repeats one article template (an endless scroll of
	// stories) shows its own story first: an earlier block of the same
	// template that scores at least half as well wins over a later one.
	if top.class() != "" {
		for _, c := range candidates {
			if c == top {
				break
			}
			if c.tag == top.tag && c.class() == top.class() && c.score >= 0.5*top.score && c.parent != top.parent &&
				!isAncestor(c, top) && !isAncestor(top, c) && linkDensity(c) < 0.25 {
				top = c
				break
			}
		}
	}
	// Several strong candidates under one ancestor: the ancestor is the
	// article (a story split into blocks by ads or images).
	var alts []*node
	for _, c := range tops[1:] {
		if c != nil && c.score/top.score >= 0.75 {
			alts = append(alts, c)
		}
	}
	if len(alts) >= 3 {
		for anc := top.parent; anc != nil && anc != d.body; anc = anc.parent {
			k := 0
			for _, c := range alts {
				if isAncestor(anc, c) {
					k++
				}
			}
			if k >= 3 {
				top = anc
				break
			}
		}
	}
	if !top.has(fScored) {
		d.initScore(top, p)
	}
	// Climb while the parent scores about as well.
	last := top.score
	threshold := last / 3
	for anc := top.parent; anc != nil && anc != d.body; anc = anc.parent {
		if !anc.has(fScored) {
			continue
		}
		if anc.score < threshold {
			break
		}
		if anc.score > last {
			top = anc
			break
		}
		last = anc.score
	}
	for anc := top.parent; anc != nil && anc != d.body && countElems(anc) == 1; anc = anc.parent {
		top = anc
	}
	if !top.has(fScored) {
		d.initScore(top, p)
	}
	d.topNode, d.bestNode = top, tops[0]
	par := top.parent
	if par == nil {
		return []*node{top}
	}
	sibThreshold := max(10, top.score*0.2)
	var sel []*node
	for s := par.first; s != nil; s = s.next {
		if s.has(fRemoved) {
			continue
		}
		if s == top {
			sel = append(sel, s)
			continue
		}
		bonus := 0.0
		if s.class() != "" && s.class() == top.class() {
			bonus = top.score * 0.2
		}
		if s.has(fScored) && s.score+bonus >= sibThreshold {
			sel = append(sel, s)
			continue
		}
		// An image with its caption beside the story (its lead image)
		// goes with it; its caption stays out of the text.
		if s.tag == atom.Figure && s.nImg > 0 && s.chars <= maxCaptionChars && linkDensity(s) < 0.5 {
			sel = append(sel, s)
			continue
		}
		if s.tag == atom.P || (s.tag == atom.Div && !s.has(fDeepBlock)) {
			ld := linkDensity(s)
			if s.chars > 80 && ld < 0.25 {
				sel = append(sel, s)
			} else if s.chars < 80 && s.chars > 0 && ld == 0 && endsSentence(s) {
				sel = append(sel, s)
			}
		}
	}
	return sel
}

const massSwitch = true

func endsSentence(n *node) bool {
	t := n.innerText()
	return strings.HasSuffix(t, ".") || strings.Contains(t, ". ")
}

func singleChild(n *node) *node {
	var one *node
	many := false
	n.children(func(c *node, text string) {
		switch {
		case c == nil:
			if !isBlank(text) {
				many = true
			}
		case c.has(fRemoved):
		case one != nil:
			many = true
		default:
			one = c
		}
	})
	if many {
		return nil
	}
	return one
}

func countElems(n *node) int {
	k := 0
	for c := n.first; c != nil; c = c.next {
		if !c.has(fRemoved) {
			k++
		}
	}
	return k
}

func isAncestor(anc, n *node) bool {
	for p := n.parent; p != nil; p = p.parent {
		if p == anc {
			return true
		}
	}
	return false
}

func hasAncestorTag(n *node, tag atom.Atom, stop *node) bool {
	for p := n.parent; p != nil && p != stop; p = p.parent {
		if p.tag == tag {
			return true
		}
	}
	return false
}

// prepare removes what does not belong to the article from inside the
// selected blocks.
func (d *doc) prepare(sel []*node, p pass) {
	var conds []*node // candidates for conditional removal, document order
	for _, root := range sel {
		walk(root, func(n *node) bool {
			if n == root {
				if n.tag == atom.Figure {
					markFigure(n, nil, n.names()) // a lead image chosen beside the story
				}
				return true
			}
			switch n.tag {
			case atom.Footer, atom.Aside, atom.Nav:
				n.remove()
				return false
			case atom.H1, atom.H2:
				if d.weight(n, p) < 0 {
					n.remove()
					return false
				}
			case atom.Table:
				if isDataTable(n) {
					n.flags |= fDataTable
				}
			}
			nm := n.names()
			markFigure(n, root, nm)
			if d.dropMeta(n, root, nm) {
				return false
			}
			// An element of a heading is named after its text ("id=
			// Eich_CEO_promotion_controversy"), not its role: no name
			// check applies inside a heading.
			if (nm.class != "" || nm.id != "") && !inHeading(n) {
				if n.chars < 500 && (strings.Contains(lower(nm.class), "share") || strings.Contains(lower(nm.id), "share")) {
					n.remove()
					return false
				}
				if p.clean && n.tag != atom.P && n.chars < boilerMaxChars && isBoilerplate(nm.class, nm.id) {
					n.remove()
					return false
				}
			}
			switch n.tag {
			case atom.Form, atom.Fieldset, atom.Table, atom.Ul:
				conds = append(conds, n)
			case atom.Div:
				conds = append(conds, n)
			}
			return true
		})
	}
	if p.clean {
		// Innermost first, as later decisions read the updated counts.
		for i := len(conds) - 1; i >= 0; i-- {
			n := conds[i]
			if d.protected(n) {
				continue // the blocks the scores chose are never cleaned away
			}
			if !n.has(fRemoved) && d.shouldClean(n, p) {
				n.remove()
			}
		}
	}
	if p.clean {
		d.dropLinkBlocks(sel)
	}
	d.dropSourceLinks(sel)
	d.dropComments(sel)
	d.dropSiteNameEdges(sel)
	d.dropEdges(sel)
	// Empty paragraphs.
	for _, root := range sel {
		walk(root, func(n *node) bool {
			if n.tag == atom.P && n.chars == 0 && n.nImg == 0 && n.nEmbed == 0 {
				n.remove()
				return false
			}
			return true
		})
	}
}

func isDataTable(n *node) bool {
	if a := attr(n.h, "role"); a == "presentation" {
		return false
	}
	if attr(n.h, "datatable") == "0" {
		return false
	}
	if attr(n.h, "summary") != "" {
		return true
	}
	rows, cols := 0, 0
	nested := false
	data := false
	walk(n, func(c *node) bool {
		if c == n {
			return true
		}
		switch c.tag {
		case atom.Table:
			nested = true
			return false
		case atom.Caption, atom.Col, atom.Colgroup, atom.Tfoot, atom.Thead, atom.Th:
			data = true
		case atom.Tr:
			rows++
			k := 0
			for td := c.first; td != nil; td = td.next {
				if td.tag == atom.Td || td.tag == atom.Th {
					k++
				}
			}
			cols = max(cols, k)
		}
		return true
	})
	if nested {
		return false
	}
	if data {
		return true
	}
	return rows >= 10 || cols > 4 || rows*cols > 10
}

// shouldClean decides whether a block inside the content is boilerplate
// from its statistics.
func (d *doc) shouldClean(n *node, p pass) bool {
	if n.tag == atom.Table && n.has(fDataTable) {
		return false
	}
	for a := n.parent; a != nil; a = a.parent {
		if a.tag == atom.Code || (a.tag == atom.Table && a.has(fDataTable)) {
			return false
		}
	}
	isList := n.tag == atom.Ul || n.tag == atom.Ol
	if !isList && n.chars > 0 && float64(n.listChars)/float64(n.chars) > 0.9 {
		isList = true
	}
	w := d.weight(n, p)
	if n.tag == atom.Div && !n.has(fDeepBlock) {
		// A div of inline content only is a paragraph (Readability
		// rewrites it as one): a caption or a short line is not cleaned
		// away for its class name or length as a box would be, only for
		// being mostly links.
		ld := linkDensity(n)
		return w < 25 && ld > 0.2 || ld > 0.5
	}
	if w < 0 {
		return true
	}
	if n.nVideo > 0 {
		return false
	}
	if n.commas >= 10 {
		return false
	}
	np, img, li, input := n.nP, n.nImg, n.nLi-100, n.nInput
	headDensity := 0.0
	if n.chars > 0 {
		headDensity = float64(n.headChars) / float64(n.chars)
	}
	ld := linkDensity(n)
	inFigure := hasAncestorTag(n, atom.Figure, nil)
	switch {
	case img > 1 && float64(np)/float64(img) < 0.5 && !inFigure && !n.has(fGallery):
		return true
	case !isList && li > np:
		return true
	case input > np/3:
		return true
	case !isList && headDensity < 0.9 && n.chars < 25 && (img == 0 || img > 2) && !inFigure && !n.has(fGallery|fFigure) && !(ld == 0 && shortSentence(n)):
		return true
	case !isList && w < 25 && ld > 0.2:
		return true
	case w >= 25 && ld > 0.5:
		return true
	case n.nEmbed == 1 && n.chars < 75 || n.nEmbed > 1:
		return true
	}
	return false
}

// textSimilarity is the share of b's words (by length) that also occur in a.
func textSimilarity(a, b string) float64 {
	ta := wordsLower(a)
	tb := wordsLower(b)
	if len(ta) == 0 || len(tb) == 0 {
		return 0
	}
	in := make(map[string]bool, len(ta))
	for _, w := range ta {
		in[w] = true
	}
	total, miss := 0, 0
	for i, w := range tb {
		if i > 0 {
			total++
		}
		total += len(w)
		if !in[w] {
			miss += len(w) + 1
		}
	}
	if total == 0 {
		return 0
	}
	return 1 - float64(miss)/float64(total)
}

func wordsLower(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !isWordRune(r)
	})
}

// dropLinkBlocks removes blocks that are mostly links (navigation, "most
// read", related stories) from the content: readability keeps lists of
// links, we do not.
func (d *doc) dropLinkBlocks(sel []*node) {
	for _, root := range sel {
		walk(root, func(n *node) bool {
			if n == root {
				return true
			}
			switch n.tag {
			case atom.Ul, atom.Ol, atom.Dl, atom.Div, atom.Section, atom.Table:
				if n.has(fDataTable) {
					return false
				}
				if n.chars > 0 && linkDensity(n) > linkBlockDensity && n.commas < 10 && (n.tag != atom.Ul && n.tag != atom.Ol || linkItems(n) && !textFollows(n, root)) {
					n.remove()
					return false
				}
			}
			return true
		})
	}
}

const linkBlockDensity = 0.5

// linkItems reports whether most items of a list are nothing but a link.
func linkItems(n *node) bool {
	items, links := 0, 0
	for c := n.first; c != nil; c = c.next {
		if c.tag != atom.Li || c.has(fRemoved) {
			continue
		}
		items++
		if c.chars == 0 || float64(c.linkChars) >= 0.8*float64(c.chars) {
			links++
		}
	}
	return items > 0 && links*10 >= items*7
}

// sourceLinkTexts are the anchors a republishing site puts under a copied
// story to point at the original.
var sourceLinkTexts = []string{
	"source link", "source", "original article", "original source", "read the original article",
	"read the original", "read original article", "read full article", "read the full article",
	"read full story", "read the full story", "view original", "view original article",
	"continue reading at the source", "go to source", "link to source",
}

// dropSourceLinks removes a paragraph that is nothing but a "Source link"
// to the outlet the story was copied from, and keeps its URL.
func (d *doc) dropSourceLinks(sel []*node) {
	for _, root := range sel {
		walk(root, func(n *node) bool {
			if n.tag != atom.P && n.tag != atom.Div || n.has(fDeepBlock) || n.chars == 0 || n.chars > 60 {
				return true
			}
			if float64(n.linkChars) < 0.9*float64(n.chars) {
				return false
			}
			t := strings.ToLower(strings.Trim(n.innerText(), " :»›→.…"))
			for _, s := range sourceLinkTexts {
				if t == s {
					if d.sourceURL == "" {
						d.sourceURL = firstHref(n)
					}
					n.remove()
					return false
				}
			}
			return false
		})
	}
}

func firstHref(n *node) string {
	var href string
	walk(n, func(c *node) bool {
		if href == "" && c.tag == atom.A {
			href = attr(c.h, "href")
		}
		return href == ""
	})
	return href
}

// dropSiteNameEdges removes a short first or last block that names the
// site ("Occasional Digest - a story for you", "© 2024 Example News"): a
// tagline or footer caught at the edge of the content.
func (d *doc) dropSiteNameEdges(sel []*node) {
	site := strings.ToLower(d.siteName)
	if len([]rune(site)) < 4 {
		return
	}
	var first, last *node
	for _, root := range sel {
		walk(root, func(n *node) bool {
			if n.has(fBlockKids) || !blockTags[n.tag] || n.chars == 0 {
				return true
			}
			if first == nil {
				first = n
			}
			last = n
			return false
		})
	}
	for _, n := range []*node{first, last} {
		if n == nil || n.has(fRemoved) || n.chars > 80 {
			continue
		}
		if strings.Contains(strings.ToLower(n.innerText()), site) {
			n.remove()
		}
	}
}

// protected reports whether n is, or holds, the top candidate or the
// best-scoring block.
func (d *doc) protected(n *node) bool {
	for _, t := range [...]*node{d.topNode, d.bestNode} {
		if t != nil && (n == t || isAncestor(n, t)) {
			return true
		}
	}
	return false
}

// asideWords name the parts of a page beside its article that a
// stripping build leaves out and that hold text of their own: comments,
// sidebars, footers.
var asideWords = []string{"comment", "disqus", "replies", "sidebar", "footer"}

// inAside reports whether h is inside (or is) a footer, or an element
// named as comments, a sidebar or a footer. Taxonomy classes that name
// the story's own tags and categories ("tag-comments",
// "category-sidebar") do not count.
func inAside(h *hnode) bool {
	for p := h; p != nil; p = p.parent {
		switch p.tag {
		case atom.Body, atom.Html:
			return false
		case atom.Footer:
			return true
		}
		for _, a := range p.attrs {
			if a.key != "class" && a.key != "id" {
				continue
			}
			for _, f := range strings.Fields(lower(a.val)) {
				if containsAny(f, asideWords) && !strings.HasPrefix(f, "tag-") && !strings.Contains(f, "category") {
					return true
				}
			}
		}
	}
	return false
}

// inFooter reports whether n is, or is inside, a <footer> element.
func inFooter(n *node) bool {
	for p := n; p != nil; p = p.parent {
		if p.tag == atom.Footer {
			return true
		}
	}
	return false
}

// shortArticleChars is the length from which a first pass's text is kept
// against later passes that merely add the page around it.
const shortArticleChars = 140

// coversNode reports whether one of sel holds h (or is h).
func coversNode(sel []*node, h *hnode) bool {
	for _, s := range sel {
		for p := h; p != nil; p = p.parent {
			if p == s.h {
				return true
			}
		}
	}
	return false
}

// inHeading reports whether n is inside an h1-h6 element.
func inHeading(n *node) bool {
	for p := n.parent; p != nil; p = p.parent {
		switch p.tag {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			return true
		case atom.Body, atom.Article, atom.Section, atom.Div:
			return false
		}
	}
	return false
}

// textFollows reports whether the article goes on after n: the blocks
// after it, up to root, hold a few sentences of text that is not links.
// A list of links in the middle of an article is part of it.
func textFollows(n, root *node) bool {
	var plain float32
	for a := n; a != nil && a != root; a = a.parent {
		for s := a.next; s != nil; s = s.next {
			if !s.has(fRemoved) {
				plain += float32(s.chars) - s.linkChars
			}
		}
	}
	return plain >= textFollowsChars
}

const textFollowsChars = 300

// shortSentence reports whether n's text ends a sentence (a line of
// dialogue, a one-line paragraph) rather than labels a box.
func shortSentence(n *node) bool {
	t := strings.TrimRight(n.innerText(), "”’\"')» ")
	return strings.HasSuffix(t, ".") || strings.HasSuffix(t, "?") || strings.HasSuffix(t, "!") || strings.HasSuffix(t, "…")
}
