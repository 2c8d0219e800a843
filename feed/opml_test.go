package feed

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	digest "github.com/occasional-digest/digest"
)

// generatedOPML builds an OPML 2.0 file with n good feeds in a few
// categories (some at the top level) and, mixed in, the broken entries a
// real export has. It returns the file and the number of broken entries.
func generatedOPML(n int) (string, int) {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Subscriptions</title><dateCreated>Sat, 28 Nov 2026 12:00:00 GMT</dateCreated></head>
  <body>
`)
	cats := []string{"News", "Tech &amp; Science", "Local", "Blogs"}
	broken := 0
	for i := 0; i < n; {
		cat := cats[rng.IntN(len(cats))]
		fmt.Fprintf(&b, "    <outline text=\"%s\" title=\"%s\">\n", cat, cat)
		for j := 0; j < 50 && i < n; j++ {
			fmt.Fprintf(&b, "      <outline type=\"rss\" text=\"Feed %d &amp; co\" xmlUrl=\"https://site%d.example/feed.xml\" htmlUrl=\"https://site%d.example/\"/>\n", i, i, i)
			i++
			switch rng.IntN(20) {
			case 0:
				b.WriteString("      <outline type=\"rss\" text=\"No URL\"/>\n")
				broken++
			case 1:
				b.WriteString("      <outline type=\"rss\" text=\"FTP\" xmlUrl=\"ftp://files.example/feed\"/>\n")
				broken++
			case 2:
				// The same feed again, spelled differently.
				fmt.Fprintf(&b, "      <outline type=\"rss\" text=\"Dup\" xmlUrl=\"HTTPS://SITE%d.example:443/feed.xml#x\"/>\n", i-1)
				broken++
			}
		}
		b.WriteString("    </outline>\n")
	}
	b.WriteString("    <outline type=\"rss\" text=\"Top level\" xmlUrl=\"https://top.example/rss\"/>\n")
	b.WriteString("  </body>\n</opml>\n")
	return b.String(), broken
}

func TestParseOPMLGenerated(t *testing.T) {
	doc, broken := generatedOPML(1000)
	outs, errs, err := ParseOPML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(outs) != 1001 {
		t.Errorf("got %d feeds, want 1001", len(outs))
	}
	if len(errs) != broken || broken == 0 {
		t.Errorf("got %d entry errors, want %d", len(errs), broken)
	}
	for _, e := range errs {
		if digest.ErrorCode(e) != digest.EINVALID || !strings.HasPrefix(digest.ErrorMessage(e), "OPML line ") {
			t.Errorf("entry error %v: want EINVALID with a line", e)
		}
	}
	if o := outs[0]; o.Title != "Feed 0 & co" || o.URL != "https://site0.example/feed.xml" || o.SiteURL != "https://site0.example/" || o.Category == "" {
		t.Errorf("first outline = %+v", o)
	}
	if last := outs[len(outs)-1]; last.Category != "" || last.URL != "https://top.example/rss" {
		t.Errorf("top-level outline = %+v", last)
	}
	cats := map[string]int{}
	for _, o := range outs {
		cats[o.Category]++
	}
	if cats["Tech & Science"] == 0 || len(cats) != 5 {
		t.Errorf("categories = %v", cats)
	}
}

func TestParseOPMLEntries(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?>
<opml version="1.0">
<head><title>Mes abonnements</title></head>
<body>
  <outline text="Actualit` + "\xe9" + `s">
    <outline text="Le Monde" type="rss" xmlurl="https://www.lemonde.fr/rss/une.xml"/>
    <outline text="Sous-dossier">
      <outline title="Only title" XMLURL="feed://deep.example/rss"/>
    </outline>
    <outline text="Back in parent" xmlUrl="feed:https://parent.example/atom"/>
  </outline>
  <outline text="Empty URL" xmlUrl="  "/>
  <outline text="Bad" xmlUrl="javascript:alert(1)"/>
  <outline text="Relative" xmlUrl="/feed.xml"/>
  <outline text="Tracked dup" xmlUrl="https://www.lemonde.fr/rss/une.xml?utm_source=opml"/>
  <outline text="&nbsp;Spaced &amp; entity&eacute;" xmlUrl="https://entity.example/"/>
</body>
</opml>`
	outs, errs, err := ParseOPML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []Outline{
		{Title: "Le Monde", URL: "https://www.lemonde.fr/rss/une.xml", Category: "Actualités"},
		{Title: "Only title", URL: "http://deep.example/rss", Category: "Sous-dossier"},
		{Title: "Back in parent", URL: "https://parent.example/atom", Category: "Actualités"},
		{Title: "Spaced & entityé", URL: "https://entity.example/"},
	}
	if len(outs) != len(want) {
		t.Fatalf("got %d outlines %+v, want %d", len(outs), outs, len(want))
	}
	for i := range want {
		if outs[i] != want[i] {
			t.Errorf("outline %d = %+v, want %+v", i, outs[i], want[i])
		}
	}
	wantErrs := []string{"has no xmlUrl", "is not an http(s) URL", "is not an http(s) URL", "is a duplicate of line 6"}
	if len(errs) != len(wantErrs) {
		t.Fatalf("errors = %v, want %d", errs, len(wantErrs))
	}
	for i, w := range wantErrs {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want it to say %q", i, errs[i], w)
		}
	}
}

func TestParseOPMLHostile(t *testing.T) {
	billion := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<opml version="2.0"><body>
<outline text="ok" xmlUrl="https://ok.example/rss"/>
<outline text="&lol9;" xmlUrl="https://lol.example/rss"/>
</body></opml>`
	deep := `<opml version="2.0"><body>` + strings.Repeat(`<outline text="d">`, 10000) + `<outline xmlUrl="https://deep.example/"/>` + strings.Repeat(`</outline>`, 10000) + `</body></opml>`
	tests := []struct {
		name      string
		doc       string
		wantFeeds int    // feeds still imported
		wholeErr  string // "" when the file as a whole is usable
	}{
		{"billion laughs entities are not expanded", billion, 1, ""},
		{"deep nesting is refused", deep, 0, "nested deeper than"},
		{"binary garbage", "\x00\x01\x02\xff\xfe\x89PNG\r\n\x1a\n", 0, "not a readable OPML file"},
		{"empty file", "", 0, "empty or not XML"},
		{"html page", "<!DOCTYPE html><html><body>hi</body></html>", 0, "not "},
		{"rss instead of opml", mustRead(t, "rss091.xml"), 0, "not an OPML file (its root element is <rss>)"},
		{"truncated after two feeds keeps them", `<opml><body><outline xmlUrl="https://a.example/"/><outline xmlUrl="https://b.example/"/><outline xmlUrl="https://c.exa`, 2, ""},
		{"unknown entity keeps earlier feeds", `<opml><body><outline xmlUrl="https://a.example/"/><outline text="&bogus;" xmlUrl="https://b.example/"/></body></opml>`, 1, ""},
		{"no body", `<opml version="2.0"><head/></opml>`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, errs, err := ParseOPML(strings.NewReader(tt.doc))
			if tt.wholeErr != "" {
				if err == nil || digest.ErrorCode(err) != digest.EINVALID || !strings.Contains(err.Error(), tt.wholeErr) {
					t.Fatalf("err = %v, want EINVALID containing %q", err, tt.wholeErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v (entry errors %v)", err, errs)
			}
			if len(outs) != tt.wantFeeds {
				t.Errorf("got %d feeds %+v, want %d (entry errors %v)", len(outs), outs, tt.wantFeeds, errs)
			}
			for _, o := range outs {
				if len(o.Title) > 1000 {
					t.Errorf("title of %d bytes: entities were expanded", len(o.Title))
				}
			}
		})
	}
}

func TestParseOPMLSizeLimit(t *testing.T) {
	r := io.MultiReader(strings.NewReader(`<opml><body><outline text="`), &repeatReader{b: 'a', n: MaxOPMLSize})
	_, _, err := ParseOPML(r)
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want a size error", err)
	}
}

// repeatReader yields n copies of one byte without holding them.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}

func TestWriteOPMLRoundTrip(t *testing.T) {
	feeds := []digest.Feed{
		{URL: "https://a.example/rss", SiteURL: "https://a.example/", Title: "A & <B>", Category: "News"},
		{URL: "https://b.example/atom", Title: "B \"quoted\"", Category: ""},
		{URL: "https://c.example/feed.json", SiteURL: "https://c.example/", Title: "Ç", Category: "Tech"},
		{URL: "https://d.example/rss?x=1&y=2", Title: "", Category: "News"},
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "My feeds", feeds); err != nil {
		t.Fatal(err)
	}
	written := buf.String()
	outs, errs, err := ParseOPML(&buf)
	if err != nil || len(errs) > 0 {
		t.Fatalf("read back: %v %v\n%s", err, errs, written)
	}
	// Written order: top level first, then categories alphabetically.
	want := []Outline{
		{Title: `B "quoted"`, URL: "https://b.example/atom"},
		{Title: "A & <B>", URL: "https://a.example/rss", SiteURL: "https://a.example/", Category: "News"},
		{Title: "https://d.example/rss?x=1&y=2", URL: "https://d.example/rss?x=1&y=2", Category: "News"},
		{Title: "Ç", URL: "https://c.example/feed.json", SiteURL: "https://c.example/", Category: "Tech"},
	}
	if len(outs) != len(want) {
		t.Fatalf("got %+v", outs)
	}
	for i := range want {
		if outs[i] != want[i] {
			t.Errorf("outline %d = %+v, want %+v", i, outs[i], want[i])
		}
	}
	if !strings.Contains(written, "<title>My feeds</title>") || !strings.Contains(written, `<opml version="2.0">`) {
		t.Errorf("no OPML 2.0 head in\n%s", written)
	}
}

func TestWriteOPMLGeneratedRoundTrip(t *testing.T) {
	doc, _ := generatedOPML(1000)
	outs, _, err := ParseOPML(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	feeds := make([]digest.Feed, len(outs))
	for i, o := range outs {
		feeds[i] = digest.Feed{URL: o.URL, SiteURL: o.SiteURL, Title: o.Title, Category: o.Category}
	}
	var buf bytes.Buffer
	if err := WriteOPML(&buf, "x", feeds); err != nil {
		t.Fatal(err)
	}
	back, errs, err := ParseOPML(&buf)
	if err != nil || len(errs) > 0 || len(back) != len(outs) {
		t.Fatalf("round trip: %d feeds (want %d), %v, %v", len(back), len(outs), err, errs)
	}
	byURL := map[string]Outline{}
	for _, o := range outs {
		byURL[o.URL] = o
	}
	for _, o := range back {
		if byURL[o.URL] != o {
			t.Errorf("round trip changed %+v into %+v", byURL[o.URL], o)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteOPMLReportsWriteErrors(t *testing.T) {
	if err := WriteOPML(failWriter{}, "x", []digest.Feed{{URL: "https://a.example/"}}); err == nil {
		t.Fatal("no error from a failing writer")
	}
}

func FuzzParseOPML(f *testing.F) {
	doc, _ := generatedOPML(30)
	f.Add(doc)
	f.Add(`<opml version="1.0"><body><outline text="c"><outline xmlUrl="https://a.example/"/></outline></body></opml>`)
	f.Add(`<?xml version="1.0" encoding="windows-1252"?><opml><body><outline text="` + "\x93q\x94" + `" xmlUrl="feed://x.example/"/></body></opml>`)
	f.Add(`<!DOCTYPE x [<!ENTITY a "&a;&a;">]><opml><body><outline text="&a;" xmlUrl="http://a/"/></body></opml>`)
	f.Add(string(utf16Bytes(`<?xml version="1.0" encoding="UTF-16"?><opml><body><outline text="é" xmlUrl="http://a/"/></body></opml>`, true, true)))
	f.Fuzz(func(t *testing.T, doc string) {
		outs, errs, err := ParseOPML(strings.NewReader(doc))
		if err != nil {
			if outs != nil || errs != nil || digest.ErrorCode(err) != digest.EINVALID {
				t.Fatalf("whole-file error %v with results %v %v", err, outs, errs)
			}
			return
		}
		seen := map[string]bool{}
		for _, o := range outs {
			c, err := CanonicalURL(o.URL)
			if err != nil || seen[c] {
				t.Fatalf("outline %+v: invalid or duplicate URL", o)
			}
			seen[c] = true
		}
		for _, e := range errs {
			if digest.ErrorCode(e) != digest.EINVALID {
				t.Fatalf("entry error %v has code %q", e, digest.ErrorCode(e))
			}
		}
	})
}

// utf16 encodes s as UTF-16 in the given byte order, after a byte order
// mark when bom is set.
func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var out []byte
	put := func(u uint16) {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	if bom {
		put(0xfeff)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		put(u)
	}
	return out
}

func TestParseOPMLUTF16(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-16"?>
<opml version="2.0"><head><title>Abonnements</title></head><body>
  <outline text="Actualités">
    <outline text="Zürich Nachrichten" type="rss" xmlUrl="https://zuerich.example/feed"/>
    <outline text="日本のニュース 🗾" type="rss" xmlUrl="https://nihon.example/rss" htmlUrl="https://nihon.example/"/>
  </outline>
</body></opml>`
	want := []Outline{
		{Title: "Zürich Nachrichten", URL: "https://zuerich.example/feed", Category: "Actualités"},
		{Title: "日本のニュース 🗾", URL: "https://nihon.example/rss", SiteURL: "https://nihon.example/", Category: "Actualités"},
	}
	for _, tt := range []struct {
		name           string
		bigEndian, bom bool
	}{
		{"little endian with BOM", false, true},
		{"big endian with BOM", true, true},
		{"little endian without BOM", false, false},
		{"big endian without BOM", true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			outs, errs, err := ParseOPML(bytes.NewReader(utf16Bytes(doc, tt.bigEndian, tt.bom)))
			if err != nil || len(errs) > 0 {
				t.Fatalf("ParseOPML: %v %v", err, errs)
			}
			if !slices.Equal(outs, want) {
				t.Errorf("outlines %+v, want %+v", outs, want)
			}
		})
	}
	// The same document in UTF-8 still reads, its label notwithstanding
	// (the decoder is given the bytes as they are).
	if _, _, err := ParseOPML(strings.NewReader(strings.Replace(doc, "UTF-16", "UTF-8", 1))); err != nil {
		t.Fatal(err)
	}
}
