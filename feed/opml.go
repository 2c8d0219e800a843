package feed

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	digest "github.com/occasional-digest/digest"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/unicode"
)

// OPML limits: a larger or deeper file is refused as a whole. Real
// subscription lists are a few hundred KB and two or three levels deep.
const (
	MaxOPMLSize  = 16 << 20
	MaxOPMLDepth = 32 // nested outlines
)

// fromUTF16 returns a UTF-16 document (recognised by its byte order mark,
// or without one by its first character, "<", being ASCII) as UTF-8
// without the encoding label of its declaration, which would make the
// XML decoder read the UTF-8 as UTF-16 again. Anything else is returned
// as it is.
func fromUTF16(data []byte) []byte {
	var order unicode.Endianness
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}), bytes.HasPrefix(data, []byte{'<', 0}):
		order = unicode.LittleEndian
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}), bytes.HasPrefix(data, []byte{0, '<'}):
		order = unicode.BigEndian
	default:
		return data
	}
	out, err := unicode.UTF16(order, unicode.UseBOM).NewDecoder().Bytes(data)
	if err != nil {
		return data // cannot happen: malformed units become U+FFFD
	}
	return dropEncodingLabel(out)
}

// Outline is one feed of an OPML subscription list.
type Outline struct {
	Title    string // the outline's text (or title) attribute; may be empty
	URL      string // the feed's xmlUrl, trimmed, "feed:" scheme turned into http(s)
	SiteURL  string // htmlUrl; may be empty
	Category string // the title of the folder outline it sits in; "" at the top level
}

// ParseOPML reads an OPML 1.0 or 2.0 subscription list, in UTF-8, in
// UTF-16 (little or big endian, with or without a byte order mark; Windows
// tools write it), or in the encoding its XML declaration names.
//
// It returns the feeds it could read, in document order, and one error per
// outline it skipped (no xmlUrl, a URL that is not http(s), a duplicate of
// an earlier feed), each an *digest.Error of code EINVALID whose message
// gives the line. A file that breaks off (an XML error after some feeds)
// keeps the feeds read so far and reports the break as one more skipped
// entry.
//
// The last result is non-nil (an *digest.Error, EINVALID) only when the file
// as a whole is unusable: not XML, not OPML, larger than MaxOPMLSize, nested
// deeper than MaxOPMLDepth, or broken before its first feed. The feed
// category is the nearest enclosing outline without an xmlUrl.
func ParseOPML(r io.Reader) ([]Outline, []error, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxOPMLSize+1))
	if err != nil {
		return nil, nil, digest.WrapError(digest.EINVALID, "import OPML: cannot read the file", err)
	}
	if len(data) > MaxOPMLSize {
		return nil, nil, digest.Errorf(digest.EINVALID, "import OPML: the file is larger than %d MB", MaxOPMLSize>>20)
	}
	data = fromUTF16(data)
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Entity = xml.HTMLEntity // "&nbsp;" and friends appear in titles
	d.CharsetReader = charset.NewReaderLabel

	var (
		outs    []Outline
		errs    []error
		seen    = map[string]int{} // canonical URL -> line of its first outline
		stack   []string           // category of each open outline
		sawRoot bool
		inBody  bool
	)
	fail := func(format string, args ...any) ([]Outline, []error, error) {
		return nil, nil, digest.Errorf(digest.EINVALID, "import OPML: "+format, args...)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			msg := err.Error()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				msg = se.Msg
				line = se.Line
			}
			if !sawRoot || len(outs) == 0 {
				return fail("not a readable OPML file: line %d: %s", line, msg)
			}
			errs = append(errs, digest.Errorf(digest.EINVALID, "OPML line %d: %s; the rest of the file was skipped", line, msg))
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if !sawRoot {
				if name != "opml" {
					return fail("not an OPML file (its root element is <%s>)", t.Name.Local)
				}
				sawRoot = true
				continue
			}
			if name == "body" {
				inBody = true
				continue
			}
			if name != "outline" || !inBody {
				if len(stack) > 0 {
					// Unknown elements inside outlines nest too.
					stack = append(stack, stack[len(stack)-1])
				}
				continue
			}
			if len(stack) >= MaxOPMLDepth {
				return fail("outlines nested deeper than %d levels", MaxOPMLDepth)
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			o, isFeed := outline(t)
			if !isFeed {
				stack = append(stack, o.Title) // a folder: its title is the category
				continue
			}
			stack = append(stack, parent)
			line, _ := d.InputPos()
			o.Category = parent
			canon, err := CanonicalURL(o.URL)
			switch {
			case o.URL == "":
				errs = append(errs, digest.Errorf(digest.EINVALID, "OPML line %d: outline %q has no xmlUrl", line, o.Title))
			case err != nil:
				errs = append(errs, digest.Errorf(digest.EINVALID, "OPML line %d: outline %q: %q is not an http(s) URL", line, o.Title, clip(o.URL, 100)))
			case seen[canon] > 0:
				errs = append(errs, digest.Errorf(digest.EINVALID, "OPML line %d: %q is a duplicate of line %d", line, clip(o.URL, 100), seen[canon]))
			default:
				seen[canon] = line
				outs = append(outs, o)
			}
		case xml.EndElement:
			switch name := strings.ToLower(t.Name.Local); {
			case name == "body":
				inBody = false
			case len(stack) > 0:
				stack = stack[:len(stack)-1]
			}
		}
	}
	if !sawRoot {
		return fail("the file is empty or not XML")
	}
	return outs, errs, nil
}

// outline reads an <outline>'s attributes (names compared
// case-insensitively: exporters write xmlUrl, xmlurl and XMLURL). isFeed is
// true for outlines that name a feed or say they are one (type="rss").
func outline(t xml.StartElement) (o Outline, isFeed bool) {
	var text, title, typ string
	hasURL := false
	for _, a := range t.Attr {
		switch strings.ToLower(a.Name.Local) {
		case "xmlurl":
			o.URL, hasURL = feedScheme(strings.TrimSpace(a.Value)), true
		case "htmlurl":
			o.SiteURL = strings.TrimSpace(a.Value)
		case "text":
			text = a.Value
		case "title":
			title = a.Value
		case "type":
			typ = strings.ToLower(strings.TrimSpace(a.Value))
		}
	}
	// Attribute values are plain text once XML has decoded them.
	o.Title = strings.Join(strings.Fields(text), " ")
	if o.Title == "" {
		o.Title = strings.Join(strings.Fields(title), " ")
	}
	return o, hasURL || typ == "rss" || typ == "atom" || typ == "feed"
}

// feedScheme turns the "feed:" pseudo-scheme ("feed://host/x",
// "feed:https://host/x") into a fetchable URL.
func feedScheme(u string) string {
	low := strings.ToLower(u)
	switch {
	case strings.HasPrefix(low, "feed:http://"), strings.HasPrefix(low, "feed:https://"):
		return u[len("feed:"):]
	case strings.HasPrefix(low, "feed://"):
		return "http://" + u[len("feed://"):]
	}
	return u
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

type opmlDoc struct {
	XMLName xml.Name      `xml:"opml"`
	Version string        `xml:"version,attr"`
	Title   string        `xml:"head>title"`
	Body    []opmlOutline `xml:"body>outline"`
}

type opmlOutline struct {
	Text     string        `xml:"text,attr"`
	Title    string        `xml:"title,attr,omitempty"`
	Type     string        `xml:"type,attr,omitempty"`
	XMLURL   string        `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string        `xml:"htmlUrl,attr,omitempty"`
	Children []opmlOutline `xml:"outline"`
}

// WriteOPML writes feeds as an OPML 2.0 subscription list: feeds without a
// category at the top level, then one folder outline per category in
// alphabetical order, feeds in the order given. ParseOPML reads it back to
// the same feeds, titles, site URLs and categories.
func WriteOPML(w io.Writer, title string, feeds []digest.Feed) error {
	doc := opmlDoc{Version: "2.0", Title: title}
	folders := map[string]*opmlOutline{}
	var cats []string
	for _, f := range feeds {
		o := opmlOutline{Text: f.Title, Title: f.Title, Type: "rss", XMLURL: f.URL, HTMLURL: f.SiteURL}
		if o.Text == "" {
			o.Text = f.URL // text is required by OPML 2.0
			o.Title = ""
		}
		if f.Category == "" {
			doc.Body = append(doc.Body, o)
			continue
		}
		folder, ok := folders[f.Category]
		if !ok {
			folder = &opmlOutline{Text: f.Category, Title: f.Category}
			folders[f.Category] = folder
			cats = append(cats, f.Category)
		}
		folder.Children = append(folder.Children, o)
	}
	slices.Sort(cats)
	for _, c := range cats {
		doc.Body = append(doc.Body, *folders[c])
	}
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	bw.WriteByte('\n')
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write OPML: %w", err)
	}
	return nil
}
