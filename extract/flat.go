package extract

import (
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// flatParse reads src with the tokenizer alone and returns a document with
// one paragraph per run of text between block tags, keeping the head
// elements the metadata needs. It is the fallback for pages the tree builder
// refuses (nesting deeper than it holds); structure is lost, text is not.
func flatParse(src io.Reader) *html.Node {
	doc := &html.Node{Type: html.DocumentNode}
	root := &html.Node{Type: html.ElementNode, Data: "html", DataAtom: atom.Html}
	head := &html.Node{Type: html.ElementNode, Data: "head", DataAtom: atom.Head}
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	doc.AppendChild(root)
	root.AppendChild(head)
	root.AppendChild(body)
	z := html.NewTokenizer(src)
	var p *html.Node
	var raw *html.Node // the <title> or <script> whose text comes next
	skip := 0          // inside <style> or a non-JSON script
	flush := func() { p = nil }
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return doc
		case html.TextToken:
			text := string(z.Text())
			if raw != nil {
				raw.AppendChild(&html.Node{Type: html.TextNode, Data: text})
				continue
			}
			if skip > 0 || strings.TrimSpace(text) == "" {
				continue
			}
			if p == nil {
				p = &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
				body.AppendChild(p)
			}
			p.AppendChild(&html.Node{Type: html.TextNode, Data: text})
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			switch t.DataAtom {
			case atom.Meta, atom.Link:
				head.AppendChild(&html.Node{Type: html.ElementNode, Data: t.Data, DataAtom: t.DataAtom, Attr: t.Attr})
			case atom.Title:
				raw = &html.Node{Type: html.ElementNode, Data: t.Data, DataAtom: t.DataAtom}
				head.AppendChild(raw)
			case atom.Script:
				if strings.Contains(attrOf(t.Attr, "type"), "ld+json") {
					raw = &html.Node{Type: html.ElementNode, Data: t.Data, DataAtom: t.DataAtom, Attr: t.Attr}
					head.AppendChild(raw)
				} else if tt == html.StartTagToken {
					skip++
				}
			case atom.Style:
				if tt == html.StartTagToken {
					skip++
				}
			case atom.Html:
				if root.Attr == nil {
					root.Attr = t.Attr
				}
			default:
				if blockTags[t.DataAtom] || t.DataAtom == atom.Br {
					flush()
				}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch {
			case a == atom.Title || raw != nil && a == atom.Script:
				raw = nil
			case a == atom.Script || a == atom.Style:
				if skip > 0 {
					skip--
				}
			case blockTags[a]:
				flush()
			}
		}
	}
}

func attrOf(attrs []html.Attribute, key string) string {
	for _, a := range attrs {
		if a.Key == key {
			return strings.ToLower(a.Val)
		}
	}
	return ""
}
