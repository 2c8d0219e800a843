package daily

import (
	"encoding/xml"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

var entryHTML = htmltemplate.Must(htmltemplate.New("entry.html").ParseFS(templateFS, "templates/entry.html"))

// Entry is one entry of an Atom feed.
type Entry struct {
	ID      string // a URI, stable across renderings
	Title   string
	Link    string
	Updated time.Time
	// Summary is plain text; HTML, when not empty, is the content.
	Summary string
	HTML    string
}

// Feed is an Atom feed.
type Feed struct {
	ID      string
	Title   string
	Self    string // the feed's own URL (without its secret, when it has one: readers show it)
	Link    string // the page it mirrors
	Updated time.Time
	Entries []Entry
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID      string    `xml:"id"`
	Title   atomText  `xml:"title"`
	Link    atomLink  `xml:"link"`
	Updated string    `xml:"updated"`
	Summary *atomText `xml:"summary,omitempty"`
	Content *atomText `xml:"content,omitempty"`
}

type atomFeed struct {
	XMLName xml.Name   `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string     `xml:"id"`
	Title   atomText   `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []atomLink `xml:"link"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

// WriteAtom writes f as an Atom 1.0 document. Text that XML cannot carry
// (control characters) is dropped.
func WriteAtom(w io.Writer, f Feed) error {
	af := atomFeed{ID: f.ID, Title: atomText{Body: xmlSafe(f.Title)}, Updated: f.Updated.UTC().Format(time.RFC3339)}
	af.Author.Name = xmlSafe(f.Title)
	if f.Self != "" {
		af.Links = append(af.Links, atomLink{Rel: "self", Type: "application/atom+xml", Href: f.Self})
	}
	if f.Link != "" {
		af.Links = append(af.Links, atomLink{Rel: "alternate", Type: "text/html", Href: f.Link})
	}
	for _, e := range f.Entries {
		ae := atomEntry{ID: e.ID, Title: atomText{Body: xmlSafe(e.Title)}, Link: atomLink{Rel: "alternate", Href: e.Link},
			Updated: e.Updated.UTC().Format(time.RFC3339)}
		if e.Summary != "" {
			ae.Summary = &atomText{Type: "text", Body: xmlSafe(e.Summary)}
		}
		if e.HTML != "" {
			ae.Content = &atomText{Type: "html", Body: xmlSafe(e.HTML)}
		}
		af.Entries = append(af.Entries, ae)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(af); err != nil {
		return fmt.Errorf("atom: %w", err)
	}
	return nil
}

// xmlSafe drops the characters XML 1.0 cannot hold.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r < 0xE000:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// DigestEntry is the feed entry of one digest, its links on base.
func (s *Service) DigestEntry(u *digest.User, d *digest.DailyDigest, base string) (Entry, error) {
	v := s.ViewOf(u, d, base)
	var b strings.Builder
	if err := entryHTML.Execute(&b, v); err != nil {
		return Entry{}, fmt.Errorf("daily: render entry: %w", err)
	}
	return Entry{ID: "urn:occasional-digest:digest:" + itoa(u.ID) + ":" + d.Day, Title: Subject(s.opts.Title, v), Link: v.DigestURL,
		Updated: d.Built, HTML: b.String()}, nil
}
