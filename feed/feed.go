// Package feed reads syndication feeds: parsing RSS, Atom and JSON Feed into
// digest entries, canonical article URLs, feed discovery on web pages, OPML
// import and export, and the refresh policy that says when to fetch a feed
// again. It does no I/O of its own beyond the readers and writers it is
// given.
package feed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
	"github.com/mmcdole/gofeed/rss"
	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/sanitize"
)

// SummaryLen is the length, in characters, that Parse cuts an entry's
// summary to (on a word boundary, with an ellipsis).
const SummaryLen = 300

// Parsed is one parsed feed document.
type Parsed struct {
	Format      string // "rss", "atom" or "json", with the version: "rss 2.0", "atom 1.0", "json 1.1"
	Title       string // plain text
	SiteURL     string // the outlet's homepage, absolute; "" if the feed names none
	Description string // plain text
	Lang        string // as the feed gives it ("en-us"); "" if unknown
	// TTL is how long the publisher asks readers to wait between two
	// fetches (RSS <ttl>, sy:updatePeriod / sy:updateFrequency); 0 if
	// the feed says nothing.
	TTL time.Duration
	// Entries are in feed order; of several entries with the same GUID
	// or the same canonical URL only the first is kept.
	Entries []digest.Entry
}

// Parse parses an RSS (0.9x, 1.0/RDF, 2.0), Atom (0.3, 1.0) or JSON Feed
// (1.0, 1.1) document. body must already be UTF-8; feedURL is the address it
// was fetched from, against which relative links are resolved; now is the
// time of the fetch, used to clamp dates in the future.
//
// Every entry is complete: GUID, canonical URL, link, plain-text title and
// summary, sanitized content and its text, image and hash (see
// digest.Entry). Entries with neither link, title nor content are dropped.
//
// A document that is not a feed, or is too broken to read, gives an
// *digest.Error of code EUPSTREAM whose message says why (for example
// "parse feed: XML syntax error on line 3: unexpected EOF").
func Parse(body []byte, feedURL string, now time.Time) (*Parsed, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, digest.Errorf(digest.EUPSTREAM, "parse feed: the document is empty")
	}
	p := gofeed.NewParser()
	// The content image scan parses every item's HTML a second time;
	// Parse finds the first image in the sanitized content instead.
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	p.KeepOriginalFeed = true // for <ttl>, which the universal feed drops
	f, err := p.Parse(bytes.NewReader(dropEncodingLabel(body)))
	if err != nil {
		return nil, parseError(body, err)
	}

	base, err := url.Parse(strings.TrimSpace(feedURL))
	if err != nil || !base.IsAbs() {
		base = nil
	}
	out := &Parsed{
		Format:      strings.TrimSpace(f.FeedType + " " + strings.TrimPrefix(f.FeedVersion, "https://jsonfeed.org/version/")),
		Title:       cleanTitle(f.Title),
		SiteURL:     resolveHTTP(base, f.Link),
		Description: sanitize.Text(f.Description),
		Lang:        strings.TrimSpace(f.Language),
		TTL:         feedTTL(f),
		Entries:     make([]digest.Entry, 0, len(f.Items)),
	}
	feedAuthor := person(f.Authors)
	permalinks := rssPermalinks(f)
	seen := make(map[string]bool, len(f.Items))
	for i, it := range f.Items {
		if it == nil {
			continue
		}
		e, ok := entry(it, base, feedURL, now, permalinks == nil || permalinks[i])
		if !ok || seen[e.GUID] || (e.URL != "" && seen[e.URL]) {
			continue
		}
		seen[e.GUID] = true
		seen[e.URL] = true
		if e.Author == "" {
			e.Author = feedAuthor
		}
		e.Lang = out.Lang
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

// dropEncodingLabel removes the encoding from the XML declaration of a body
// that is valid UTF-8: the fetcher has already converted it, and a parser
// that believed an "ISO-8859-1" label would decode it a second time
// ("Zürich" becoming "ZÃ¼rich").
func dropEncodingLabel(body []byte) []byte {
	b := skipSpaceAndBOM(body)
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return body
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 || end > 256 {
		return body
	}
	decl := b[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return body
	}
	label := string(bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n=\"'"))
	if j := strings.IndexAny(label, "\"' "); j >= 0 {
		label = label[:j]
	}
	label = strings.ToLower(label)
	if label == "utf-8" || label == "utf8" || !utf8.Valid(body) {
		return body
	}
	out := make([]byte, 0, len(b))
	out = append(out, decl[:i]...)
	out = append(out, b[end:]...)
	return out
}

// parseError turns a gofeed error into an *digest.Error that says what the
// document was instead of a feed.
func parseError(body []byte, err error) error {
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		if looksLikeHTML(body) {
			return digest.Errorf(digest.EUPSTREAM, "parse feed: the document is an HTML page, not a feed")
		}
		return digest.Errorf(digest.EUPSTREAM, "parse feed: the document is not an RSS, Atom or JSON feed")
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return digest.Errorf(digest.EUPSTREAM, "parse feed: %s", strings.ToValidUTF8(msg, "\uFFFD"))
}

// rssPermalinks reports, for each item of an RSS feed, whether its guid
// is a permalink (isPermaLink absent or "true"); nil for other formats,
// whose ids may stand in for a missing link (JSON Feed: "ideally the id
// is the full URL of the resource").
func rssPermalinks(f *gofeed.Feed) []bool {
	rf, ok := f.OriginalFeed().(*rss.Feed)
	if !ok || len(rf.Items) != len(f.Items) {
		return nil
	}
	out := make([]bool, len(rf.Items))
	for i, it := range rf.Items {
		out[i] = it != nil && it.GUID != nil && !strings.EqualFold(strings.TrimSpace(it.GUID.IsPermalink), "false")
	}
	return out
}

// entry builds a digest.Entry from one item; ok is false for items with
// nothing to show. guidIsLink says the item's guid may be its address:
// false for an RSS guid with isPermaLink="false".
func entry(it *gofeed.Item, base *url.URL, feedURL string, now time.Time, guidIsLink bool) (e digest.Entry, ok bool) {
	e.Link = resolveHTTP(base, it.Link)
	guid := strings.TrimSpace(it.GUID)
	if e.Link == "" {
		// A JSON Feed item with only external_url, or an id that is
		// its address, without a usable link. An RSS guid with
		// isPermaLink="false" names the item without being its
		// address, and an id must be an absolute URL to be one:
		// "12345" resolved against the feed is no page.
		links := it.Links
		if guidIsLink {
			if l := resolveHTTP(nil, guid); l != "" {
				links = append([]string{l}, links...)
			}
		}
		for _, l := range links {
			if e.Link = resolveHTTP(base, l); e.Link != "" {
				break
			}
		}
	}
	if e.Link != "" {
		e.URL, _ = CanonicalURL(e.Link) // resolveHTTP made it http(s) with a host
	}

	rawContent, rawSummary := it.Content, it.Description
	if strings.TrimSpace(rawContent) == "" {
		rawContent, rawSummary = rawSummary, ""
	}
	contentBase := e.Link
	if contentBase == "" {
		contentBase = feedURL
	}
	e.Content = sanitize.HTML(rawContent, contentBase)
	e.Text = sanitize.Text(e.Content)
	summary := e.Text
	if strings.TrimSpace(rawSummary) != "" {
		summary = sanitize.Text(rawSummary)
	}
	e.Summary = truncate(summary, SummaryLen)

	e.Title = cleanTitle(it.Title)
	if e.Title == "" && e.Link == "" && e.Text == "" {
		return e, false
	}
	if e.Title == "" {
		// Microblog items (JSON Feed, some RSS) have no title; the
		// reader still needs a line to show.
		e.Title = truncate(strings.Join(strings.Fields(e.Text), " "), 80)
	}
	e.Author = person(it.Authors)

	if it.PublishedParsed != nil {
		e.Published = clamp(*it.PublishedParsed, now)
	}
	if it.UpdatedParsed != nil {
		e.Updated = clamp(*it.UpdatedParsed, now)
	}
	if e.Published.IsZero() {
		e.Published = e.Updated
	}

	e.ImageURL = image(it, base, e.Link, e.Content)

	switch {
	case guid != "":
		e.GUID = guid
	case e.URL != "":
		e.GUID = e.URL
	default:
		e.GUID = "sha256:" + hashOf(e.Title, e.Published.Format(time.RFC3339))
	}
	e.Hash = hashOf(e.Title, e.Link, e.Content)
	return e, true
}

// hashOf returns the hex SHA-256 of parts, each followed by a NUL so that
// ("ab", "c") and ("a", "bc") differ.
func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// clamp returns t in UTC, or now when t is in the future (publishers with
// wrong clocks or time zones would otherwise pin entries to the top).
func clamp(t, now time.Time) time.Time {
	if !now.IsZero() && t.After(now) {
		return now.UTC()
	}
	return t.UTC()
}

// cleanTitle returns a title as plain text: markup removed, entities decoded
// (twice-escaped ones too: "AT&amp;amp;T" is common), white space collapsed.
func cleanTitle(s string) string {
	if strings.ContainsAny(s, "<&") {
		s = sanitize.Text(s)
		if strings.Contains(s, "&") {
			s = sanitize.Text(strings.ReplaceAll(strings.ReplaceAll(s, "<", "&lt;"), ">", "&gt;"))
		}
	}
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts s to at most n characters, on a word boundary when there is
// one in the last fifth, adding an ellipsis.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	head := s[:cut]
	if i := strings.LastIndexAny(head, " \n\t"); i > len(head)*4/5 {
		head = head[:i]
	}
	return strings.TrimRight(head, " \n\t.,;:—–-") + "…"
}

// resolveHTTP resolves ref against base and returns it when it is an
// absolute http(s) URL with a host, "" otherwise.
func resolveHTTP(base *url.URL, ref string) string { return sanitize.AbsoluteURL(base, ref) }

// person returns the first author's name, or e-mail when it has no name.
func person(ps []*gofeed.Person) string {
	for _, p := range ps {
		if p == nil {
			continue
		}
		if n := cleanTitle(p.Name); n != "" {
			return n
		}
		if p.Email != "" {
			return strings.TrimSpace(p.Email)
		}
	}
	return ""
}

// image picks an entry's image: the feed's own (itunes:image, media:content
// of an image type, JSON Feed image), media:thumbnail, an image enclosure,
// then the first image of the sanitized content.
func image(it *gofeed.Item, base *url.URL, link, content string) string {
	var cands []string
	if it.Image != nil {
		cands = append(cands, it.Image.URL)
	}
	if media, ok := it.Extensions["media"]; ok {
		cands = append(cands, mediaImages(media)...)
		for _, g := range media["group"] {
			cands = append(cands, mediaImages(g.Children)...)
		}
	}
	for _, enc := range it.Enclosures {
		if enc != nil && strings.HasPrefix(enc.Type, "image/") {
			cands = append(cands, enc.URL)
		}
	}
	var lb *url.URL
	if link != "" {
		lb, _ = url.Parse(link)
	}
	for _, c := range cands {
		// Relative to the entry first: it already carries any xml:base.
		if u := resolveHTTP(lb, c); u != "" {
			return u
		}
		if u := resolveHTTP(base, c); u != "" {
			return u
		}
	}
	return firstImg(content)
}

// mediaImages lists the images of Media RSS elements: media:content of an
// image type or medium, then media:thumbnail.
func mediaImages(m map[string][]ext.Extension) []string {
	var out []string
	for _, c := range m["content"] {
		if strings.HasPrefix(c.Attrs["type"], "image/") || c.Attrs["medium"] == "image" {
			out = append(out, c.Attrs["url"])
		}
	}
	for _, c := range m["thumbnail"] {
		out = append(out, c.Attrs["url"])
	}
	return out
}

// firstImg returns the src of the first <img> in HTML written by
// sanitize.HTML, whose attributes are always double-quoted and absolute.
func firstImg(content string) string {
	i := strings.Index(content, "<img ")
	if i < 0 {
		return ""
	}
	tag := content[i:]
	if j := strings.IndexByte(tag, '>'); j >= 0 {
		tag = tag[:j]
	}
	_, after, ok := strings.Cut(tag, ` src="`)
	if !ok {
		return ""
	}
	src, _, _ := strings.Cut(after, `"`)
	return strings.ReplaceAll(src, "&amp;", "&")
}

// feedTTL reads the publisher's requested minimum delay between fetches:
// RSS <ttl> (minutes) and the Syndication module's updatePeriod /
// updateFrequency, whichever is longer.
func feedTTL(f *gofeed.Feed) time.Duration {
	var ttl time.Duration
	if rf, ok := f.OriginalFeed().(*rss.Feed); ok && rf != nil {
		if m, err := strconv.Atoi(strings.TrimSpace(rf.TTL)); err == nil && m > 0 && m < 60*24*365 {
			ttl = time.Duration(m) * time.Minute
		}
	}
	if sy, ok := f.Extensions["sy"]; ok {
		var period time.Duration
		switch strings.ToLower(strings.TrimSpace(first(sy["updatePeriod"]))) {
		case "hourly":
			period = time.Hour
		case "daily":
			period = 24 * time.Hour
		case "weekly":
			period = 7 * 24 * time.Hour
		case "monthly":
			period = 30 * 24 * time.Hour
		case "yearly":
			period = 365 * 24 * time.Hour
		}
		freq, err := strconv.Atoi(strings.TrimSpace(first(sy["updateFrequency"])))
		if err != nil || freq < 1 {
			freq = 1
		}
		if d := period / time.Duration(freq); d > ttl {
			ttl = d
		}
	}
	return ttl
}

func first(es []ext.Extension) string {
	if len(es) == 0 {
		return ""
	}
	return es[0].Value
}
