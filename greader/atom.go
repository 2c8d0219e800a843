package greader

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Google Reader's Atom namespaces and the scheme of its state categories,
// which newsboat reads (its label is what it matches: "read", "fresh",
// "kept-unread").
const (
	atomNS       = "http://www.w3.org/2005/Atom"
	readerNS     = "http://www.google.com/schemas/reader/atom/"
	readerScheme = "http://www.google.com/reader/"
)

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

type atomSource struct {
	StreamID string   `xml:"gr:stream-id,attr"`
	ID       string   `xml:"id"`
	Title    atomText `xml:"title"`
	Link     atomLink `xml:"link"`
}

type atomEntry struct {
	Crawl      string         `xml:"gr:crawl-timestamp-msec,attr"`
	ID         string         `xml:"id"`
	Categories []atomCategory `xml:"category"`
	Title      atomText       `xml:"title"`
	Published  string         `xml:"published"`
	Updated    string         `xml:"updated"`
	Link       atomLink       `xml:"link"`
	Content    atomText       `xml:"content"`
	Author     *atomAuthor    `xml:"author,omitempty"`
	Source     *atomSource    `xml:"source,omitempty"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomFeed struct {
	XMLName      xml.Name    `xml:"feed"`
	NS           string      `xml:"xmlns,attr"`
	GR           string      `xml:"xmlns:gr,attr"`
	Generator    string      `xml:"generator"`
	ID           string      `xml:"id"`
	Title        atomText    `xml:"title"`
	Continuation string      `xml:"gr:continuation,omitempty"`
	Links        []atomLink  `xml:"link"`
	Author       atomAuthor  `xml:"author"`
	Updated      string      `xml:"updated"`
	Entries      []atomEntry `xml:"entry"`
}

// atom: GET /reader/atom/[STREAM]?n=&c=&r=&xt=&it=&ot=&nt= → the stream as
// an Atom feed, each entry with its item ID as <id> and its state as
// Google Reader categories (read, or fresh when unread; starred; the
// label), as newsboat's Google Reader source (urls-source "feedhq") reads
// them. The stream is the path after /reader/atom/, escaped or not.
func (h *Handler) atom(w http.ResponseWriter, r *request) {
	arts, sq, next, err := h.streamPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	views, err := h.views(r, arts)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	now := time.Now().UTC()
	f := atomFeed{
		NS: atomNS, GR: readerNS, Generator: "Occasional Digest",
		ID:           "tag:google.com,2005:reader/" + sq.id,
		Title:        atomText{Body: sq.title},
		Continuation: next,
		Links:        []atomLink{{Rel: "self", Href: h.selfURL(r.Request)}},
		Author:       atomAuthor{Name: r.user.Name},
		Updated:      now.Format(time.RFC3339),
	}
	if sq.feed != nil && sq.feed.SiteURL != "" {
		f.Links = append(f.Links, atomLink{Rel: "alternate", Href: sq.feed.SiteURL, Type: "text/html"})
	}
	for _, v := range views {
		f.Entries = append(f.Entries, atomEntryOf(v))
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(xml.Header))
	if err := xml.NewEncoder(w).Encode(f); err != nil {
		h.logger.Error("atom encode", "err", err)
	}
}

func atomEntryOf(v itemView) atomEntry {
	a := v.a
	updated := a.Updated
	if updated.IsZero() {
		updated = a.Published
	}
	e := atomEntry{
		Crawl:     itoa(a.Created.UnixMilli()),
		ID:        longItemID(a.ID),
		Title:     atomText{Type: "html", Body: htmlEscape(a.Title)},
		Published: a.Published.UTC().Format(time.RFC3339),
		Updated:   updated.UTC().Format(time.RFC3339),
		Link:      atomLink{Rel: "alternate", Href: a.URL, Type: "text/html"},
		Content:   atomText{Type: "html", Body: v.content()},
	}
	for _, c := range v.categories() {
		label, ok := strings.CutPrefix(c, labelPrefix)
		if !ok {
			label = c[strings.LastIndexByte(c, '/')+1:]
		}
		e.Categories = append(e.Categories, atomCategory{Term: c, Scheme: readerScheme, Label: label})
	}
	if a.Author != "" {
		e.Author = &atomAuthor{Name: a.Author}
	}
	if v.feed != nil {
		e.Source = &atomSource{StreamID: feedStreamID(v.feed.ID), ID: "tag:google.com,2005:reader/" + feedStreamID(v.feed.ID),
			Title: atomText{Body: feedTitle(v.feed)}, Link: atomLink{Rel: "alternate", Href: v.feed.SiteURL, Type: "text/html"}}
	}
	return e
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
