package extract

import (
	"strings"

	"golang.org/x/net/html/atom"
)

// This file holds the rules that keep what is on the article's page but not
// the article's body out of Text: captions and credits (kept in the HTML as
// figures), bylines and datelines (the metadata has them), reader-engagement
// boxes and footers. They read the structure (figure, figcaption and the
// names CMSs give such parts), the shape of the text and its position
// before the first or after the last paragraph; none names a site.

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
// <figcaption> is a caption.
func markFigure(n *node) {
	switch {
	case n.tag == atom.Figcaption:
		n.flags |= fCaption
	case n.tag == atom.Figure:
		if !holdsProse(n) {
			n.flags |= fFigure
		}
	case n.tag == atom.Table && n.has(fDataTable), n.tag == atom.Caption:
	case (n.class() != "" || n.id() != "" || attr(n.h, "itemprop") != "") && n.chars <= maxCaptionChars &&
		captionName(n.class(), n.id(), attr(n.h, "itemprop")):
		if n.nImg > 0 || n.nEmbed > 0 || n.nVideo > 0 {
			if !holdsProse(n) {
				n.flags |= fFigure
			}
		} else {
			n.flags |= fCaption
		}
	}
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
func metaBlock(n *node) bool {
	class, id := n.class(), n.id()
	if ip := lower(attr(n.h, "itemprop")); ip != "" && n.chars < maxMetaChars {
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
func (d *doc) dropMeta(n, root *node) bool {
	if n == root || n.tag == atom.Body || inHeading(n) || d.protected(n) || !metaBlock(n) {
		return false
	}
	b := n
	if !blockTags[n.tag] {
		b = n.parent
		for b != nil && b != root && !blockTags[b.tag] {
			b = b.parent
		}
		if b == nil || b == root || b.has(fBlockKids) || b.chars > n.chars+30 {
			return false
		}
	}
	if d.protected(b) || inDataTable(b) {
		return false
	}
	d.dropped += int(b.chars)
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
