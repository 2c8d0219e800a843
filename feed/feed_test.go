package feed

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	digest "github.com/occasional-digest/digest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fetchTime is "now" for every parse in these tests.
var fetchTime = time.Date(2026, 11, 28, 20, 0, 0, 0, time.UTC)

// samples are the well-formed feeds of testdata, one per format or quirk.
var samples = []string{
	"wordpress-rss2.xml", "rdf-rss1.xml", "rss091.xml", "atom03.xml", "atom10-xmlbase.xml",
	"jsonfeed10.json", "jsonfeed11.json", "entities-titles.xml", "duplicate-guids.xml", "wrong-charset.xml",
}

func feedURL(name string) string { return "https://feeds.example/" + name }

func parseSample(t *testing.T, name string) *Parsed {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(body, feedURL(name), fetchTime)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return p
}

// TestParseGolden compares the whole parse of every sample with
// testdata/golden/NAME.json (go test ./feed -run Golden -update rewrites
// them; review the diff).
func TestParseGolden(t *testing.T) {
	for _, name := range samples {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(parseSample(t, name), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("parse of %s differs from %s:\n%s", name, golden, firstDiff(string(want), string(got)))
			}
		})
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d\nwant %s\n got %s", i+1, w, g)
		}
	}
	return ""
}

// TestParseBehaviour states, sample by sample, what the golden files must
// show, so that a careless -update cannot bless a regression.
func TestParseBehaviour(t *testing.T) {
	t.Run("wordpress: content:encoded, dc:creator, sy:updatePeriod, tracking stripped", func(t *testing.T) {
		p := parseSample(t, "wordpress-rss2.xml")
		if p.Format != "rss 2.0" || p.Title != "The Harbour Gazette" || p.Lang != "en-GB" || p.TTL != time.Hour {
			t.Errorf("feed = %q %q %q %v", p.Format, p.Title, p.Lang, p.TTL)
		}
		if p.Description != "Local news from the harbour town – since 1892" {
			t.Errorf("description = %q", p.Description)
		}
		if len(p.Entries) != 2 {
			t.Fatalf("got %d entries, want 2", len(p.Entries))
		}
		e := p.Entries[0]
		if e.URL != "https://harbourgazette.example/2026/11/28/council-approves-bridge-repairs/" {
			t.Errorf("URL = %q, want utm_* stripped", e.URL)
		}
		if !strings.Contains(e.Link, "utm_source=rss") {
			t.Errorf("Link = %q, want it as given", e.Link)
		}
		if e.GUID != "https://harbourgazette.example/?p=48213" || e.Author != "Margaret Ellis" {
			t.Errorf("GUID %q Author %q", e.GUID, e.Author)
		}
		if e.Title != "Council approves harbour bridge repairs after 3\u2011year wait" {
			t.Errorf("Title = %q", e.Title)
		}
		if !e.Published.Equal(time.Date(2026, 11, 28, 17, 30, 0, 0, time.UTC)) || !e.Updated.IsZero() {
			t.Errorf("Published %v Updated %v", e.Published, e.Updated)
		}
		for _, bad := range []string{"pixel.wp.com", "<script", "wpcom_stats", `src="/wp-content`} {
			if strings.Contains(e.Content, bad) {
				t.Errorf("Content contains %q", bad)
			}
		}
		if !strings.Contains(e.Content, `src="https://harbourgazette.example/wp-content/uploads/2026/11/bridge-1024x683.jpg"`) {
			t.Errorf("Content image not resolved against the entry link: %s", e.Content)
		}
		if e.ImageURL != "https://harbourgazette.example/wp-content/uploads/2026/11/bridge-1024x683.jpg" {
			t.Errorf("ImageURL = %q, want the first content image", e.ImageURL)
		}
		if !strings.HasPrefix(e.Text, "The town council voted 9–2") || strings.Contains(e.Text, "<") {
			t.Errorf("Text = %q", e.Text)
		}
		if !strings.HasPrefix(e.Summary, "The town council voted") {
			t.Errorf("Summary = %q", e.Summary)
		}
		e2 := p.Entries[1]
		if strings.Contains(e2.Content, "feedburner") {
			t.Errorf("feedburner flare and pixel kept: %s", e2.Content)
		}
		if e2.ImageURL != "https://harbourgazette.example/wp-content/uploads/2026/11/lifeboat-150x150.jpg" {
			t.Errorf("ImageURL = %q, want media:thumbnail", e2.ImageURL)
		}
		if e2.Summary != "Two kayakers were brought ashore by the volunteer crew after being swept past the breakwater […]" {
			t.Errorf("Summary = %q, want the description", e2.Summary)
		}
	})
	t.Run("rss 1.0: dc:date, dc:creator, escaped HTML description, daily/4", func(t *testing.T) {
		p := parseSample(t, "rdf-rss1.xml")
		if p.Format != "rss 1.0" || p.TTL != 6*time.Hour || len(p.Entries) != 2 {
			t.Fatalf("format %q TTL %v entries %d", p.Format, p.TTL, len(p.Entries))
		}
		e := p.Entries[0]
		if !e.Published.Equal(time.Date(2026, 11, 28, 7, 15, 0, 0, time.UTC)) || e.Published.Location() != time.UTC {
			t.Errorf("Published = %v, want 07:15 UTC", e.Published)
		}
		if e.Author != "Anja Weber" || e.GUID != e.URL {
			t.Errorf("Author %q GUID %q", e.Author, e.GUID)
		}
		if got := p.Entries[1].Content; got != "<p>The Swiss monitoring network reports the <em>second-worst</em> year on record.</p>" {
			t.Errorf("Content = %q", got)
		}
	})
	t.Run("rss 0.91: no dates stay zero, GUID falls back to the canonical URL", func(t *testing.T) {
		p := parseSample(t, "rss091.xml")
		e := p.Entries[0]
		if !e.Published.IsZero() || e.GUID != "http://www.valleyradio.example/news/story.php?id=1042&section=local" {
			t.Errorf("Published %v GUID %q", e.Published, e.GUID)
		}
	})
	t.Run("atom 0.3: issued/modified, escaped content, feed author", func(t *testing.T) {
		p := parseSample(t, "atom03.xml")
		if p.Format != "atom 0.3" || len(p.Entries) != 2 {
			t.Fatalf("format %q, %d entries", p.Format, len(p.Entries))
		}
		e := p.Entries[0]
		if e.Author != "Ruth Kemp" || e.Content != "<p>After two years of work the <b>market hall</b> opened its doors again on Saturday.</p>" {
			t.Errorf("Author %q Content %q", e.Author, e.Content)
		}
		if !e.Updated.Equal(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("Updated = %v", e.Updated)
		}
		if e2 := p.Entries[1]; !e2.Published.Equal(e2.Updated) || e2.Published.IsZero() {
			t.Errorf("entry without issued: Published %v, want Updated %v", e2.Published, e2.Updated)
		}
	})
	t.Run("atom 1.0: xml:base, relative links, html title, future date clamped", func(t *testing.T) {
		p := parseSample(t, "atom10-xmlbase.xml")
		if p.SiteURL != "https://dev.example.net/blog/" || p.Description != "How we build Example" {
			t.Errorf("SiteURL %q Description %q", p.SiteURL, p.Description)
		}
		e := p.Entries[0]
		if e.Link != "https://dev.example.net/blog/2026/11/sqlite-queue.html" {
			t.Errorf("Link = %q, want resolved against xml:base", e.Link)
		}
		if e.Title != "Moving our queue to SQLite" {
			t.Errorf("Title = %q", e.Title)
		}
		if !strings.Contains(e.Content, `href="https://dev.example.net/blog/2026/11/sqlite-queue/diagram.html"`) ||
			!strings.Contains(e.Content, `src="https://dev.example.net/blog/2026/11/img/queue.png"`) {
			t.Errorf("Content URLs not resolved against the content's xml:base: %s", e.Content)
		}
		if e.Author != "Sam Okafor" || e.Summary != "Why we replaced a message broker with a table." {
			t.Errorf("Author %q Summary %q", e.Author, e.Summary)
		}
		e2 := p.Entries[1]
		if e2.Link != "https://dev.example.net/blog/2026/11/postmortem-nov-3.html" ||
			!strings.Contains(e2.Content, `href="https://dev.example.net/status/"`) {
			t.Errorf("xhtml entry: Link %q Content %s", e2.Link, e2.Content)
		}
		if e2.Author != "Example Engineering" {
			t.Errorf("Author = %q, want the feed's author", e2.Author)
		}
		if e3 := p.Entries[2]; !e3.Published.Equal(fetchTime) || !e3.Updated.Equal(fetchTime) {
			t.Errorf("future entry: Published %v Updated %v, want clamped to %v", e3.Published, e3.Updated, fetchTime)
		}
	})
	t.Run("json feed 1.0: untitled item gets its first words, content_text paragraphs", func(t *testing.T) {
		p := parseSample(t, "jsonfeed10.json")
		if p.Format != "json 1" || len(p.Entries) != 2 {
			t.Fatalf("format %q, %d entries", p.Format, len(p.Entries))
		}
		e := p.Entries[0]
		if !strings.HasPrefix(e.Title, "Tried the new roaster on Dock Street.") || e.Author != "Ines Duarte" {
			t.Errorf("Title %q Author %q", e.Title, e.Author)
		}
		if e.Content != "<p>Tried the new roaster on Dock Street. Smooth, a bit sweet.</p><p>Would go again.</p>" {
			t.Errorf("Content = %q", e.Content)
		}
		e2 := p.Entries[1]
		if e2.URL != "https://notes.example.com/episodes/41" || e2.ImageURL != "https://notes.example.com/art/41.jpg" {
			t.Errorf("URL %q ImageURL %q", e2.URL, e2.ImageURL)
		}
		if !e2.Updated.Equal(time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)) {
			t.Errorf("Updated = %v", e2.Updated)
		}
	})
	t.Run("json feed 1.1: authors, language, image", func(t *testing.T) {
		p := parseSample(t, "jsonfeed11.json")
		e := p.Entries[0]
		if p.Lang != "fr-FR" || e.Author != "Claire Martin" || e.ImageURL != "https://links.example.org/img/28.png" {
			t.Errorf("Lang %q Author %q ImageURL %q", p.Lang, e.Author, e.ImageURL)
		}
	})
	t.Run("entities in titles are decoded once or twice, markup removed", func(t *testing.T) {
		p := parseSample(t, "entities-titles.xml")
		want := []string{
			"AT&T shares jump 5% — best day since 2020",
			"Live: Fed holds rates – “patience” is the word",
			`Why "x < y" matters for bond traders`,
		}
		if p.Title != "Markets & Money" {
			t.Errorf("feed title = %q", p.Title)
		}
		for i, w := range want {
			if got := p.Entries[i].Title; got != w {
				t.Errorf("title %d = %q, want %q", i, got, w)
			}
		}
		if got := p.Entries[1].Published; !got.Equal(time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("EST date = %v", got)
		}
	})
	t.Run("duplicate GUIDs and URLs keep the first entry, empty items are dropped", func(t *testing.T) {
		p := parseSample(t, "duplicate-guids.xml")
		if len(p.Entries) != 2 {
			t.Fatalf("got %d entries, want 2: %+v", len(p.Entries), p.Entries)
		}
		if p.Entries[0].Title != "Storm warning for the coast" || p.Entries[1].GUID != "https://sloppy.example/ferry" {
			t.Errorf("entries: %q, %q", p.Entries[0].Title, p.Entries[1].GUID)
		}
		if p.TTL != time.Hour {
			t.Errorf("TTL = %v, want <ttl>60</ttl>", p.TTL)
		}
	})
	t.Run("a UTF-8 body labelled ISO-8859-1 is not decoded twice", func(t *testing.T) {
		p := parseSample(t, "wrong-charset.xml")
		if p.Title != "Zürcher Nachrichten" || p.Entries[0].Title != "Grossmünster: Renovation beginnt im Frühling" {
			t.Errorf("titles %q / %q", p.Title, p.Entries[0].Title)
		}
	})
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, body, msg string
	}{
		{"empty body", "", "parse feed: the document is empty"},
		{"white space only", " \n\t", "parse feed: the document is empty"},
		{"malformed XML says where", mustRead(t, "malformed.xml"), "parse feed: XML syntax error on line 7"},
		{"HTML page instead of a feed", mustRead(t, "html-page.html"), "parse feed: the document is an HTML page, not a feed"},
		{"plain text", "404 page not found", "parse feed: the document is not an RSS, Atom or JSON feed"},
		{"binary garbage", "\x00\x01\x02\xff\xfe garbage \x89PNG\r\n", "parse feed: the document is not an RSS, Atom or JSON feed"},
		{"truncated JSON feed", `{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": [`, "parse feed: "},
		{"unknown XML root", `<?xml version="1.0"?><sitemap><url/></sitemap>`, "parse feed: the document is not an RSS, Atom or JSON feed"},
		{"undefined entity", `<rss version="2.0"><channel><title>a &foo; b</title><item><title>x</title></item></channel></rss>`, "parse feed: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.body), "https://feeds.example/x", fetchTime)
			if err == nil {
				// An undefined entity may be tolerated; then the rest
				// must still parse.
				if tt.name == "undefined entity" && p != nil && len(p.Entries) == 1 {
					return
				}
				t.Fatalf("Parse succeeded: %+v", p)
			}
			if code := digest.ErrorCode(err); code != digest.EUPSTREAM {
				t.Errorf("code = %q, want %q", code, digest.EUPSTREAM)
			}
			if msg := digest.ErrorMessage(err); !strings.HasPrefix(msg, tt.msg) {
				t.Errorf("message = %q, want prefix %q", msg, tt.msg)
			}
		})
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func rssWith(items string) []byte {
	return []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://site.example/</link>` + items + `</channel></rss>`)
}

func TestParseEntryRules(t *testing.T) {
	one := func(t *testing.T, item string) digest.Entry {
		t.Helper()
		p, err := Parse(rssWith(item), "https://site.example/feed.xml", fetchTime)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 1 {
			t.Fatalf("got %d entries, want 1", len(p.Entries))
		}
		return p.Entries[0]
	}
	t.Run("relative link is resolved against the feed URL", func(t *testing.T) {
		e := one(t, `<item><title>a</title><link>/2026/a.html</link></item>`)
		if e.Link != "https://site.example/2026/a.html" || e.URL != e.Link {
			t.Errorf("Link %q URL %q", e.Link, e.URL)
		}
	})
	t.Run("permalink guid stands in for a missing link", func(t *testing.T) {
		e := one(t, `<item><title>a</title><guid isPermaLink="true">https://site.example/p/1</guid></item>`)
		if e.Link != "https://site.example/p/1" || e.GUID != "https://site.example/p/1" {
			t.Errorf("Link %q GUID %q", e.Link, e.GUID)
		}
	})
	for _, tt := range []struct{ name, item string }{
		{"guid that is not a permalink never stands in for a link",
			`<item><title>a</title><guid isPermaLink="false">https://site.example/?p=1</guid></item>`},
		{"guid that is not a permalink never stands in for an unusable link",
			`<item><title>a</title><link>javascript:alert(1)</link><guid isPermaLink="FALSE">https://site.example/p/1</guid></item>`},
		{"permalink guid that is not an absolute URL is no link",
			`<item><title>a</title><guid>48213</guid></item>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := one(t, tt.item)
			if e.Link != "" || e.URL != "" {
				t.Errorf("Link %q URL %q from the guid", e.Link, e.URL)
			}
			if e.GUID == "" || strings.HasPrefix(e.GUID, "sha256:") {
				t.Errorf("GUID %q, want the item's guid", e.GUID)
			}
		})
	}
	t.Run("javascript link is dropped, the entry kept by its title", func(t *testing.T) {
		e := one(t, `<item><title>a</title><link>javascript:alert(1)</link></item>`)
		if e.Link != "" || e.URL != "" || !strings.HasPrefix(e.GUID, "sha256:") {
			t.Errorf("Link %q URL %q GUID %q", e.Link, e.URL, e.GUID)
		}
	})
	t.Run("no guid and no link: GUID hashes title and date", func(t *testing.T) {
		a := one(t, `<item><title>a</title><pubDate>Fri, 27 Nov 2026 12:00:00 +0000</pubDate></item>`)
		b := one(t, `<item><title>a</title><pubDate>Fri, 27 Nov 2026 13:00:00 +0000</pubDate></item>`)
		if a.GUID == b.GUID || len(a.GUID) != len("sha256:")+64 {
			t.Errorf("GUIDs %q %q", a.GUID, b.GUID)
		}
	})
	t.Run("only updated date fills published", func(t *testing.T) {
		p, err := Parse([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>a</title><id>x</id><updated>2026-11-01T10:00:00Z</updated></entry></feed>`), "https://site.example/atom", fetchTime)
		if err != nil {
			t.Fatal(err)
		}
		if e := p.Entries[0]; !e.Published.Equal(time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("Published = %v", e.Published)
		}
	})
	t.Run("summary is cut on a word near 300 characters", func(t *testing.T) {
		long := strings.Repeat("lorem ipsum dolor ", 40)
		e := one(t, `<item><title>a</title><description>`+long+`</description></item>`)
		n := len([]rune(e.Summary))
		if n > SummaryLen+1 || n < SummaryLen*4/5 || !strings.HasSuffix(e.Summary, "…") {
			t.Errorf("Summary (%d chars) = %q", n, e.Summary)
		}
		if w := strings.TrimSuffix(e.Summary, "…"); !strings.HasSuffix(w, "lorem") && !strings.HasSuffix(w, "ipsum") && !strings.HasSuffix(w, "dolor") {
			t.Errorf("Summary not cut on a word: %q", e.Summary)
		}
		if e.Text != strings.TrimSpace(long) {
			t.Errorf("Text was cut too")
		}
	})
	t.Run("same URL under another GUID is a duplicate", func(t *testing.T) {
		p, err := Parse(rssWith(`<item><guid>a</guid><title>first</title><link>https://site.example/x</link></item>`+
			`<item><guid>b</guid><title>second</title><link>https://site.example/x?utm_medium=rss</link></item>`), "https://site.example/feed.xml", fetchTime)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Entries) != 1 || p.Entries[0].Title != "first" {
			t.Errorf("entries = %+v, want only the first", p.Entries)
		}
	})
	t.Run("image enclosure is the image", func(t *testing.T) {
		e := one(t, `<item><title>a</title><link>https://site.example/a</link><enclosure url="/img/a.jpg" type="image/jpeg" length="1"/></item>`)
		if e.ImageURL != "https://site.example/img/a.jpg" {
			t.Errorf("ImageURL = %q", e.ImageURL)
		}
	})
	t.Run("hash changes with title, link or content and only then", func(t *testing.T) {
		base := `<item><guid>g</guid><title>T</title><link>https://site.example/a</link><description>body</description><pubDate>Fri, 27 Nov 2026 12:00:00 +0000</pubDate></item>`
		h := one(t, base).Hash
		if one(t, base).Hash != h {
			t.Error("same entry, different hash")
		}
		if one(t, strings.Replace(base, "12:00", "13:00", 1)).Hash != h {
			t.Error("a new date alone changed the hash")
		}
		for _, change := range [][2]string{{"<title>T", "<title>T2"}, {"/a<", "/b<"}, {"body", "body!"}} {
			if one(t, strings.Replace(base, change[0], change[1], 1)).Hash == h {
				t.Errorf("changing %q kept the hash", change[0])
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`<rss><channel><item><link>//x</link></item></channel></rss>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":1}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Parse(body, "https://feeds.example/f", fetchTime)
		if err != nil {
			if digest.ErrorCode(err) != digest.EUPSTREAM {
				t.Fatalf("error %v has code %q", err, digest.ErrorCode(err))
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range p.Entries {
			if e.GUID == "" || e.Hash == "" || seen[e.GUID] {
				t.Fatalf("entry with empty or repeated GUID/hash: %+v", e)
			}
			seen[e.GUID] = true
			if e.Published.After(fetchTime) || e.Updated.After(fetchTime) {
				t.Fatalf("date in the future: %+v", e)
			}
			if strings.Contains(strings.ToLower(e.Content), "<script") {
				t.Fatalf("script in content: %q", e.Content)
			}
			if e.Link != "" && !strings.HasPrefix(e.Link, "http") {
				t.Fatalf("link %q is not http", e.Link)
			}
		}
	})
}

// benchFeed returns a 20-item RSS 2.0 feed of about 19 KB like the
// ingest benchmark's feed farm: plain-text descriptions of ~100 words.
func benchFeed() []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Farm feed 42</title><link>http://127.0.0.1:8090/site/42</link>
<description>Synthetic feed</description><language>en</language>
`)
	words := strings.Fields("the minister said on monday that the harbour authority would review the contract after the council in northport voted against the plan to expand the container terminal citing costs and the impact on fishing")
	for i := range 20 {
		fmt.Fprintf(&b, "<item><title>Harbour authority to review terminal contract %d</title><link>http://127.0.0.1:8090/a/42/%d</link>"+
			"<guid isPermaLink=\"false\">feedfarm-1-42-%d</guid><pubDate>%s</pubDate><category>politics</category><description>",
			i, i, i, fetchTime.Add(-time.Duration(i)*time.Hour).Format(time.RFC1123Z))
		for j := range 100 {
			b.WriteString(words[(i+j)%len(words)])
			b.WriteByte(' ')
		}
		b.WriteString("</description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	body := benchFeed()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body, "http://127.0.0.1:8090/feed/42.xml", fetchTime); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseWordPress(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "wordpress-rss2.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body, "https://harbourgazette.example/feed/", fetchTime); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGofeedOnly is the floor under BenchmarkParse: gofeed's universal
// parser alone on the same feed, so the cost of Parse's own work (URLs,
// sanitizing, text, hashes) reads as the difference.
func BenchmarkGofeedOnly(b *testing.B) {
	body := benchFeed()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := gofeed.NewParser().Parse(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
