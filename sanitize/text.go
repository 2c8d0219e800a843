package sanitize

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Text returns the plain text of an HTML fragment: tags removed, entities
// decoded, runs of white space collapsed to one space, paragraphs and other
// blocks separated by a blank line and <br> by a line break. The content of
// script, style, template, iframe and similar elements is not text and is
// left out. Input without markup comes back with entities decoded and white
// space collapsed the same way (a blank line in it stays a paragraph break).
func Text(s string) string {
	if !hasMarkup(s) {
		return plain(html.UnescapeString(s))
	}
	t := textWriter{}
	t.b.Grow(len(s))
	z := html.NewTokenizerFragment(strings.NewReader(s), "div")
	skip := 0 // depth inside elements whose content is not text
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return strings.TrimSpace(t.b.String())
		case html.TextToken:
			if skip == 0 {
				t.text(string(z.Text()))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case notText(a):
				if tt == html.StartTagToken {
					skip++
				}
			case a == atom.Br:
				t.brk(1)
			case isBlock(a):
				t.brk(2)
			case a == atom.Td || a == atom.Th:
				t.space = true
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case notText(a):
				if skip > 0 {
					skip--
				}
			case isBlock(a):
				t.brk(2)
			}
		}
	}
}

// plain collapses the white space of text without markup, keeping blank
// lines as paragraph breaks.
func plain(s string) string {
	t := textWriter{}
	t.b.Grow(len(s))
	for i, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if i > 0 {
			t.brk(2)
		}
		t.text(para)
	}
	return strings.TrimSpace(t.b.String())
}

// textWriter writes text with collapsed white space and at most one blank
// line between blocks.
type textWriter struct {
	b     strings.Builder
	nl    int  // line breaks owed before the next text
	space bool // a space is owed before the next text
}

func (t *textWriter) brk(n int) {
	if t.b.Len() > 0 && n > t.nl {
		t.nl = n
	}
	t.space = false
}

func (t *textWriter) text(s string) {
	if s == "" {
		return
	}
	if isSpace(s[0]) {
		t.space = true
	}
	for i, w := range strings.Fields(s) {
		switch {
		case t.nl > 0:
			t.b.WriteString("\n\n"[:t.nl])
			t.nl = 0
		case (i > 0 || t.space) && t.b.Len() > 0:
			t.b.WriteByte(' ')
		}
		t.b.WriteString(w)
		t.space = false
	}
	if isSpace(s[len(s)-1]) {
		t.space = true
	}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// notText lists elements whose content is never shown as text.
func notText(a atom.Atom) bool {
	switch a {
	case atom.Script, atom.Style, atom.Template, atom.Iframe, atom.Noscript, atom.Object,
		atom.Svg, atom.Math, atom.Select, atom.Textarea, atom.Head, atom.Title, atom.Button:
		return true
	}
	return false
}

// isBlock lists elements that start a new paragraph of text.
func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Ul, atom.Ol, atom.Li, atom.Dl, atom.Dt, atom.Dd, atom.Blockquote, atom.Pre,
		atom.Figure, atom.Figcaption, atom.Table, atom.Tr, atom.Caption, atom.Hr,
		atom.Section, atom.Article, atom.Aside, atom.Header, atom.Footer, atom.Nav,
		atom.Main, atom.Address, atom.Details, atom.Summary, atom.Fieldset, atom.Form:
		return true
	}
	return false
}
