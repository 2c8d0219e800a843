package extract

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// metaSource is what the build walk collects for the metadata: every
// source is read in one pass over the tree and resolved afterwards.
type metaSource struct {
	title    string
	htmlLang string
	metas    []metaTag
	links    []linkTag
	ldjson   []string
	times    []timeTag
	props    []propTag
	bylines  []string
	dates    []string // text of elements whose class or id names a date
	h1       []string
}

type metaTag struct{ key, content string } // key: lower-cased name, property or itemprop
type linkTag struct{ rel, href string }
type timeTag struct {
	datetime string
	text     string
	pub      bool // marked as the publication time (pubdate, itemprop, class)
}
type propTag struct{ prop, value string }

// dateClassWords name the elements that print a story's date.
var dateClassWords = []string{"date", "time", "posted", "publish", "dateline", "byline", "meta"}

const (
	maxTimes   = 32
	maxProps   = 128
	maxBylines = 16
)

// collectMeta records head-like elements: <title>, <meta>, <link>, JSON-LD
// scripts and the root's lang.
func (d *doc) collectMeta(h *hnode) {
	m := &d.meta
	switch h.tag {
	case atom.Html:
		if m.htmlLang == "" {
			m.htmlLang = attr(h, "lang")
			if m.htmlLang == "" {
				m.htmlLang = attr(h, "xml:lang")
			}
		}
	case atom.Title:
		if m.title == "" && (h.text != "" || h.first != nil) && !isSVGAncestor(h) {
			m.title = collapse(nodeText(h, 2048))
		}
	case atom.Meta:
		var key, content, equiv string
		for _, a := range h.attrs {
			switch a.key {
			case "name", "property", "itemprop":
				if key == "" || a.key == "property" {
					key = strings.ToLower(strings.TrimSpace(a.val))
				}
			case "content":
				content = a.val
			case "http-equiv":
				equiv = strings.ToLower(a.val)
			}
		}
		if key == "" && equiv == "content-language" {
			key = "content-language"
		}
		if key != "" && strings.TrimSpace(content) != "" && len(m.metas) < 512 {
			m.metas = append(m.metas, metaTag{key, strings.TrimSpace(content)})
		}
	case atom.Link:
		rel, href := strings.ToLower(attr(h, "rel")), attr(h, "href")
		if rel != "" && href != "" && len(m.links) < 256 {
			m.links = append(m.links, linkTag{rel, strings.TrimSpace(href)})
		}
	case atom.Script:
		if t := strings.ToLower(attr(h, "type")); strings.Contains(t, "ld+json") && len(m.ldjson) < 16 {
			m.ldjson = append(m.ldjson, nodeText(h, 1<<20))
		}
	}
}

func isSVGAncestor(h *hnode) bool {
	for p := h.parent; p != nil; p = p.parent {
		if p.tag == atom.Svg {
			return true
		}
	}
	return false
}

// collectBodyMeta records microdata, <time>, rel=author and byline
// elements. With scan set it reads the attributes itself.
func (d *doc) collectBodyMeta(h *hnode, class, id, itemprop, rel string, scan bool) {
	m := &d.meta
	if scan {
		for _, a := range h.attrs {
			switch a.key {
			case "class":
				class = a.val
			case "id":
				id = a.val
			case "itemprop":
				itemprop = a.val
			case "rel":
				rel = a.val
			}
		}
	}
	if h.tag == atom.Time && len(m.times) < maxTimes {
		dt := attr(h, "datetime")
		t := timeTag{datetime: dt, text: collapse(nodeText(h, 200))}
		_, pubAttr := attrOK(h, "pubdate")
		t.pub = pubAttr || strings.Contains(strings.ToLower(itemprop), "datepublished") ||
			strings.Contains(lower(class), "publish")
		m.times = append(m.times, t)
	}
	if h.tag == atom.H1 && len(m.h1) < 4 {
		m.h1 = append(m.h1, collapse(nodeText(h, 1024)))
	}
	if itemprop != "" && h.tag != atom.Meta && len(m.props) < maxProps {
		p := strings.ToLower(itemprop)
		var v string
		switch {
		case h.tag == atom.Time || h.tag == atom.Link || h.tag == atom.A && p != "author":
			v = attr(h, "datetime")
			if v == "" {
				v = attr(h, "href")
			}
			if v == "" {
				v = attr(h, "content")
			}
		case h.tag == atom.Img:
			v = attr(h, "src")
		default:
			v = attr(h, "content")
			if v == "" {
				v = collapse(nodeText(h, 300))
			}
		}
		if v != "" {
			m.props = append(m.props, propTag{p, v})
		}
	}
	if len(m.dates) < maxBylines && (class != "" || id != "") && h.tag != atom.Body && h.tag != atom.Html {
		cl := lower(class) + " " + lower(id)
		if containsAny(cl, dateClassWords) && !strings.Contains(cl, "update") {
			if t := collapse(nodeText(h, 200)); t != "" && len(t) < 160 {
				m.dates = append(m.dates, t)
			}
		}
	}
	if len(m.bylines) < maxBylines {
		if strings.Contains(strings.ToLower(rel), "author") && h.tag == atom.A {
			m.bylines = append(m.bylines, collapse(nodeText(h, 200)))
		} else if (class != "" || id != "") && h.tag != atom.Body && h.tag != atom.Html {
			cl := lower(class) + " " + lower(id)
			if strings.Contains(cl, "byline") || strings.Contains(cl, "author") && !strings.Contains(cl, "author-bio") && !strings.Contains(cl, "comment") {
				if t := collapse(nodeText(h, 300)); t != "" && len(t) < 120 {
					m.bylines = append(m.bylines, t)
				}
			}
		}
	}
}

func attrOK(h *hnode, key string) (string, bool) {
	for _, a := range h.attrs {
		if a.key == key {
			return a.val, true
		}
	}
	return "", false
}

// nodeText returns the text under h, at most limit bytes.
func nodeText(h *hnode, limit int) string {
	var sb strings.Builder
	var walk func(h *hnode)
	walk = func(h *hnode) {
		sb.WriteString(h.text)
		for c := h.first; c != nil && sb.Len() < limit; c = c.next {
			if c.tag != atom.Script && c.tag != atom.Style {
				if blockTags[c.tag] || c.tag == atom.Br {
					sb.WriteByte(' ')
				}
				walk(c)
			}
			if sb.Len() < limit {
				sb.WriteString(c.tail)
			}
		}
	}
	walk(h)
	s := sb.String()
	if len(s) > limit {
		s = s[:limit]
	}
	return s
}

// collapse trims s and turns runs of white space into one space.
func collapse(s string) string {
	var sb strings.Builder
	appendCollapsed(&sb, s, true)
	return strings.TrimSpace(sb.String())
}

func (m *metaSource) get(keys ...string) string {
	for _, k := range keys {
		for _, t := range m.metas {
			if t.key == k {
				return t.content
			}
		}
	}
	return ""
}

func (m *metaSource) all(key string) []string {
	var out []string
	for _, t := range m.metas {
		if t.key == key {
			out = append(out, t.content)
		}
	}
	return out
}

func (m *metaSource) prop(keys ...string) string {
	for _, k := range keys {
		for _, p := range m.props {
			if p.prop == k {
				return p.value
			}
		}
	}
	return ""
}

func (m *metaSource) link(rel string) string {
	for _, l := range m.links {
		for _, r := range strings.Fields(l.rel) {
			if r == rel {
				return l.href
			}
		}
	}
	return ""
}

// ld is the article object found in the page's JSON-LD, with the site's.
type ld struct {
	headline, description, section, lang, url, image string
	authors                                          []string
	published, modified                              string
	keywords                                         []string
	publisher, website                               string
}

var articleTypes = map[string]int{
	"newsarticle": 3, "article": 3, "reportagenewsarticle": 3, "analysisnewsarticle": 3,
	"opinionnewsarticle": 3, "reviewnewsarticle": 3, "backgroundnewsarticle": 3,
	"blogposting": 3, "liveblogposting": 3, "techarticle": 2, "scholarlyarticle": 2,
	"report": 2, "socialmediaposting": 2, "posting": 2, "review": 1, "webpage": 1,
	"itempage": 1, "medicalwebpage": 1,
}

// parseLD reads the JSON-LD blocks and returns the best article object.
func parseLD(blocks []string) *ld {
	var best map[string]any
	bestRank := 0
	out := &ld{}
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 6 {
			return
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				visit(e, depth+1)
			}
		case map[string]any:
			if g, ok := x["@graph"]; ok {
				visit(g, depth+1)
			}
			rank := 0
			for _, t := range ldTypes(x["@type"]) {
				rank = max(rank, articleTypes[t])
				if t == "website" && out.website == "" {
					out.website = ldString(x["name"])
				}
				if (t == "organization" || t == "newsmediaorganization") && out.publisher == "" && depth <= 2 {
					out.publisher = ldString(x["name"])
				}
			}
			if rank > bestRank {
				best, bestRank = x, rank
			}
		}
	}
	for _, b := range blocks {
		b = strings.TrimSpace(b)
		b = strings.TrimPrefix(b, "<!--")
		b = strings.TrimSuffix(b, "-->")
		b = strings.TrimSuffix(strings.TrimSpace(b), ";")
		var v any
		if err := json.Unmarshal([]byte(b), &v); err != nil {
			continue // a broken block is common; the other sources remain
		}
		visit(v, 0)
	}
	if best == nil {
		if out.website == "" && out.publisher == "" {
			return nil
		}
		return out
	}
	out.headline = ldString(best["headline"])
	if out.headline == "" && bestRank > 1 {
		out.headline = ldString(best["name"])
	}
	out.description = ldString(best["description"])
	out.section = ldFirst(best["articleSection"])
	out.lang = ldString(best["inLanguage"])
	out.url = ldURL(best["url"])
	if out.url == "" {
		out.url = ldURL(best["mainEntityOfPage"])
	}
	out.image = ldURL(best["image"])
	if out.image == "" {
		out.image = ldURL(best["thumbnailUrl"])
	}
	out.authors = ldNames(best["author"])
	if len(out.authors) == 0 {
		out.authors = ldNames(best["creator"])
	}
	out.published = ldString(best["datePublished"])
	if out.published == "" {
		out.published = ldString(best["dateCreated"])
	}
	out.modified = ldString(best["dateModified"])
	switch k := best["keywords"].(type) {
	case string:
		out.keywords = splitList(k)
	case []any:
		for _, e := range k {
			if s := ldString(e); s != "" {
				out.keywords = append(out.keywords, s)
			}
		}
	}
	if p, ok := best["publisher"].(map[string]any); ok {
		if n := ldString(p["name"]); n != "" {
			out.publisher = n
		}
	}
	return out
}

func ldTypes(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{strings.ToLower(strings.TrimPrefix(t, "http://schema.org/"))}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, strings.ToLower(strings.TrimPrefix(s, "http://schema.org/")))
			}
		}
		return out
	}
	return nil
}

func ldString(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(html.UnescapeString(t))
	case float64:
		return ""
	case []any:
		if len(t) > 0 {
			return ldString(t[0])
		}
	case map[string]any:
		if s := ldString(t["name"]); s != "" {
			return s
		}
		return ldString(t["@value"])
	}
	return ""
}

func ldFirst(v any) string {
	if a, ok := v.([]any); ok {
		for _, e := range a {
			if s := ldString(e); s != "" {
				return s
			}
		}
		return ""
	}
	return ldString(v)
}

func ldURL(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case []any:
		for _, e := range t {
			if s := ldURL(e); s != "" {
				return s
			}
		}
	case map[string]any:
		if s := ldURL(t["url"]); s != "" {
			return s
		}
		if s := ldURL(t["@id"]); s != "" {
			return s
		}
		return ldURL(t["contentUrl"])
	}
	return ""
}

func ldNames(v any) []string {
	var out []string
	switch t := v.(type) {
	case string:
		out = append(out, splitAuthors(t)...)
	case []any:
		for _, e := range t {
			out = append(out, ldNames(e)...)
		}
	case map[string]any:
		if n := ldString(t["name"]); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// metadata fills a's metadata fields. Precedence: JSON-LD, then OpenGraph
// and article:*, Twitter cards, Dublin Core, microdata, plain <meta>, then
// what the body shows (<time>, bylines, headings) and the URL's path.
func (d *doc) metadata(a *Article, pageURL string, now time.Time) {
	m := &d.meta
	l := parseLD(m.ldjson)
	if l == nil {
		l = &ld{}
	}
	a.Title = firstNonEmpty(
		l.headline,
		m.get("og:title"),
		m.get("twitter:title"),
		m.get("dc.title", "dcterms.title"),
		m.prop("headline", "name"),
		cleanTitle(m.title, m.h1, m.get("og:site_name")),
	)
	if a.Title == "" && len(m.h1) > 0 {
		a.Title = m.h1[0]
	}
	a.Title = collapse(html.UnescapeString(a.Title))

	authors := l.authors
	if len(authors) == 0 {
		for _, k := range []string{"author", "article:author", "dc.creator", "dcterms.creator", "parsely-author", "sailthru.author", "byl"} {
			for _, v := range m.all(k) {
				if !strings.HasPrefix(v, "http") {
					authors = append(authors, splitAuthors(v)...)
				}
			}
			if len(authors) > 0 {
				break
			}
		}
	}
	if len(authors) == 0 {
		for _, p := range m.props {
			if p.prop == "author" || p.prop == "creator" {
				authors = append(authors, splitAuthors(p.value)...)
			}
		}
	}
	if len(authors) == 0 {
		for _, b := range m.bylines {
			if as := splitAuthors(b); len(as) > 0 {
				authors = as
				break
			}
		}
	}
	a.Authors = dedupe(authors, 8)

	pub := []string{
		l.published,
		m.get("article:published_time", "og:published_time", "og:article:published_time"),
		m.prop("datepublished"),
		m.get("datepublished"),
		m.get("dc.date.issued", "dcterms.issued", "dcterms.created", "dc.date.created", "dc.date", "dcterms.date"),
		m.get("date", "pubdate", "publishdate", "publish-date", "publish_date", "article.published", "sailthru.date", "parsely-pub-date", "cxenseparse:recs:publishtime", "originalpublicationdate", "displaydate", "dc.date.published"),
	}
	for _, s := range pub {
		if t, ok := parseDate(s); ok && !t.After(now.Add(48*time.Hour)) {
			a.Published = t
			break
		}
	}
	if a.Published.IsZero() {
		a.Published = timeFromTimes(m.times, now)
	}
	if a.Published.IsZero() {
		// Dates printed in the page: "Posted on January 14, 2008".
		for _, s := range m.dates {
			if t, ok := parseDate(s); ok && !t.After(now.Add(48*time.Hour)) {
				a.Published = t
				break
			}
		}
	}
	if a.Published.IsZero() {
		if t, ok := dateFromURL(pageURL); ok && !t.After(now.Add(48*time.Hour)) {
			a.Published = t
		}
	}
	mod := []string{
		l.modified,
		m.get("article:modified_time", "og:updated_time", "article:updated_time"),
		m.prop("datemodified"),
		m.get("datemodified"),
		m.get("dcterms.modified", "dc.date.modified", "last-modified", "lastmod"),
	}
	for _, s := range mod {
		if t, ok := parseDate(s); ok && !t.After(now.Add(48*time.Hour)) {
			a.Modified = t
			break
		}
	}

	a.SiteName = collapse(firstNonEmpty(m.get("og:site_name"), l.publisher, l.website, m.get("application-name"), m.get("dc.publisher", "dcterms.publisher")))
	a.Description = collapse(html.UnescapeString(firstNonEmpty(m.get("og:description"), l.description, m.get("description"), m.get("twitter:description"), m.get("dc.description", "dcterms.description"))))
	a.Section = collapse(firstNonEmpty(l.section, m.get("article:section"), m.get("parsely-section", "section", "category")))

	base, _ := url.Parse(pageURL)
	abs := func(s string) string {
		s = strings.TrimSpace(s)
		if s == "" {
			return ""
		}
		u, err := url.Parse(s)
		if err != nil {
			return ""
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return ""
		}
		return u.String()
	}
	a.Image = abs(firstNonEmpty(m.get("og:image", "og:image:url", "og:image:secure_url"), l.image, m.get("twitter:image", "twitter:image:src"), m.prop("image", "thumbnailurl"), m.link("image_src")))
	a.CanonicalURL = abs(firstNonEmpty(m.link("canonical"), m.get("og:url"), l.url))

	var tags []string
	tags = append(tags, m.all("article:tag")...)
	tags = append(tags, l.keywords...)
	if len(tags) == 0 {
		for _, k := range []string{"news_keywords", "keywords", "parsely-tags"} {
			if v := m.get(k); v != "" {
				tags = splitList(v)
				break
			}
		}
	}
	a.Tags = dedupe(tags, 32)

	lang := firstNonEmpty(m.htmlLang, m.get("content-language"), m.get("dc.language", "dcterms.language"), l.lang, m.get("og:locale"))
	a.Lang = normLang(lang)
}

func timeFromTimes(ts []timeTag, now time.Time) time.Time {
	for pass := 0; pass < 2; pass++ {
		for _, t := range ts {
			if pass == 0 && !t.pub {
				continue
			}
			for _, s := range []string{t.datetime, t.text} {
				if v, ok := parseDate(s); ok && !v.After(now.Add(48*time.Hour)) {
					return v
				}
			}
		}
	}
	return time.Time{}
}

// normLang turns "en_US", "EN-us" or "en-US,fr" into "en-US"; it returns ""
// for values that are not language tags.
func normLang(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, ",; "); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, "_", "-")
	parts := strings.Split(s, "-")
	if len(parts[0]) < 2 || len(parts[0]) > 3 {
		return ""
	}
	for _, c := range parts[0] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return ""
		}
	}
	parts[0] = strings.ToLower(parts[0])
	if len(parts) > 1 && len(parts[1]) == 2 {
		parts[1] = strings.ToUpper(parts[1])
	}
	return strings.Join(parts[:min(len(parts), 2)], "-")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func dedupe(ss []string, limit int) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		s = collapse(html.UnescapeString(s))
		k := strings.ToLower(s)
		if s == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
		if len(out) == limit {
			break
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitAuthors reads a byline ("By Jane Doe and John Roe, Reuters") into
// names.
func splitAuthors(s string) []string {
	s = collapse(s)
	low := strings.ToLower(s)
	for _, p := range []string{"written by ", "posted by ", "by: ", "by ", "von ", "par ", "por ", "di ", "door "} {
		if strings.HasPrefix(low, p) {
			s = s[len(p):]
			break
		}
	}
	if i := strings.Index(s, "|"); i >= 0 {
		s = s[:i]
	}
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '&' }) {
		for _, name := range strings.Split(part, " and ") {
			name = strings.TrimSpace(name)
			if name == "" || len(name) > 60 || strings.HasPrefix(name, "http") || strings.HasPrefix(name, "@") {
				continue
			}
			if n := len(strings.Fields(name)); n > 5 {
				continue
			}
			if looksLikeDate(name) {
				continue
			}
			out = append(out, name)
		}
	}
	return out
}

func looksLikeDate(s string) bool {
	_, ok := parseDate(s)
	return ok
}

// cleanTitle strips the site name from a <title>: "Headline | Site" gives
// "Headline".
func cleanTitle(t string, h1 []string, site string) string {
	t = collapse(t)
	if t == "" {
		return ""
	}
	for _, h := range h1 {
		if h != "" && strings.Contains(t, h) && len(h) > len(t)/3 {
			return h
		}
	}
	for _, sep := range []string{" | ", " - ", " – ", " — ", " :: ", " » ", " · ", " / "} {
		if i := strings.LastIndex(t, sep); i > 0 {
			head, tail := t[:i], t[i+len(sep):]
			if site != "" && strings.EqualFold(strings.TrimSpace(head), site) {
				return strings.TrimSpace(tail)
			}
			if len(strings.Fields(head)) >= 3 || len(head) >= len(tail) {
				return strings.TrimSpace(head)
			}
			if j := strings.Index(t, sep); j > 0 && len(strings.Fields(t[j+len(sep):])) >= 3 {
				return strings.TrimSpace(t[j+len(sep):])
			}
		}
	}
	return t
}
