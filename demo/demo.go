// Package demo is a bundled, fictional newswire: five invented outlets
// whose feeds (RSS 2.0, RSS 1.0, Atom 1.0, JSON Feed 1.1), article pages
// and icons are served from memory, so "digest demo" shows the whole
// pipeline with no network at all. Two outlets carry summaries only (their
// pages are extracted), several cover the same events, two different
// earthquakes test that same topic is not same event, and one outlet
// republishes a wire story with a "Source link" footer.
package demo

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
)

//go:embed newswire
var files embed.FS

// Outlet is one fictional news outlet.
type Outlet struct {
	Key         string
	Name        string
	Tagline     string
	Format      string // rss2, rdf, atom, json
	FullContent bool   // the feed carries the whole article
	WordPress   bool   // a WordPress mobile theme with a "Source link" footer
	Color       color.RGBA
	Section     string

	// Set per request: absolute URLs on the host the client used.
	Home, FeedURL string
}

// FeedType is the media type of the outlet's feed.
func (o Outlet) FeedType() string {
	switch o.Format {
	case "atom":
		return "application/atom+xml"
	case "json":
		return "application/feed+json"
	case "rdf":
		return "application/rdf+xml"
	}
	return "application/rss+xml"
}

func (o Outlet) feedPath() string {
	switch o.Format {
	case "atom":
		return "atom.xml"
	case "json":
		return "feed.json"
	case "rdf":
		return "index.rdf"
	}
	return "feed/"
}

var outlets = []Outlet{
	{Key: "meridian", Name: "Meridian Wire", Tagline: "Fictional wire service of the Calder region", Format: "json", FullContent: true, Color: color.RGBA{0x1f, 0x5f, 0xa8, 255}, Section: "World"},
	{Key: "harbor", Name: "The Harbor Herald", Tagline: "Port Alder's invented daily since 1871", Format: "rss2", Color: color.RGBA{0xb0, 0x3a, 0x2e, 255}, Section: "Local"},
	{Key: "northwind", Name: "Northwind Times", Tagline: "Imaginary news from the north", Format: "atom", FullContent: true, Color: color.RGBA{0x2e, 0x7d, 0x4f, 255}, Section: "Region"},
	{Key: "valley", Name: "Valley Courier", Tagline: "The Ashby valley's make-believe weekly", Format: "rdf", Color: color.RGBA{0x8a, 0x5a, 0x1c, 255}, Section: "Valley"},
	{Key: "pocket", Name: "Pocket Post", Tagline: "a story for you", Format: "rss2", FullContent: true, WordPress: true, Color: color.RGBA{0x6b, 0x3f, 0xa0, 255}, Section: "Digest"},
}

// Article is one fictional article.
type Article struct {
	Outlet    string
	Slug      string
	HoursAgo  int
	Author    string
	Title     string
	Summary   string
	Paras     []string
	Published time.Time

	// Set per request.
	URL, GUID, SourceURL string
}

// HTML is the article body as paragraphs.
func (a Article) HTML() template.HTML {
	var b strings.Builder
	for _, p := range a.Paras {
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(p))
		b.WriteString("</p>\n")
	}
	return template.HTML(b.String())
}

// PubRFC3339 and friends format the publication time for each format.
func (a Article) PubRFC3339() string { return a.Published.Format(time.RFC3339) }
func (a Article) PubRFC1123() string { return a.Published.Format(time.RFC1123Z) }
func (a Article) PubHuman() string   { return a.Published.Format("2 January 2006, 15:04 MST") }
func (a Article) Section() string    { return sectionOf(a.Outlet) }

// JSONLD is the page's NewsArticle metadata.
func (a Article) JSONLD() template.JS {
	b, _ := json.Marshal(map[string]any{
		"@context":      "https://schema.org",
		"@type":         "NewsArticle",
		"headline":      a.Title,
		"datePublished": a.PubRFC3339(),
		"author":        map[string]string{"@type": "Person", "name": a.Author},
		"publisher":     map[string]string{"@type": "Organization", "name": outletByKey(a.Outlet).Name},
		"description":   a.Summary,
	})
	return template.JS(b)
}

func sectionOf(key string) string { return outletByKey(key).Section }

func outletByKey(key string) Outlet {
	for _, o := range outlets {
		if o.Key == key {
			return o
		}
	}
	return Outlet{}
}

// Newswire serves the fictional outlets. Its content and times are fixed
// when it is created, so validators stay stable and conditional GETs get
// 304s.
type Newswire struct {
	base     time.Time
	articles []Article
	tmpl     *template.Template     // HTML pages
	xml      *texttemplate.Template // feeds; values escaped with the xml function
	icons    sync.Map               // outlet key -> []byte
}

// New parses the bundled articles, dating them relative to now.
func New(now time.Time) (*Newswire, error) {
	raw, err := files.ReadFile("newswire/articles.txt")
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	arts, err := parseArticles(string(raw))
	if err != nil {
		return nil, err
	}
	base := now.UTC().Truncate(time.Minute)
	for i := range arts {
		arts[i].Published = base.Add(-time.Duration(arts[i].HoursAgo) * time.Hour)
	}
	sort.SliceStable(arts, func(i, j int) bool { return arts[i].Published.After(arts[j].Published) })
	t, err := template.ParseFS(files, "newswire/*.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("demo: templates: %w", err)
	}
	x, err := texttemplate.New("").Funcs(texttemplate.FuncMap{"xml": xmlEscape}).ParseFS(files, "newswire/*.xml.tmpl")
	if err != nil {
		return nil, fmt.Errorf("demo: templates: %w", err)
	}
	return &Newswire{base: base, articles: arts, tmpl: t, xml: x}, nil
}

// Outlets lists the outlets' feed URLs on base (e.g. "http://127.0.0.1:4567").
func (n *Newswire) FeedURLs(base string) []string {
	var urls []string
	for _, o := range outlets {
		urls = append(urls, base+"/"+o.Key+"/"+o.feedPath())
	}
	return urls
}

func parseArticles(s string) ([]Article, error) {
	var out []Article
	var cur *Article
	var para []string
	flush := func() {
		if cur != nil && len(para) > 0 {
			cur.Paras = append(cur.Paras, strings.Join(para, " "))
		}
		para = nil
	}
	for i, line := range strings.Split(s, "\n") {
		switch {
		case strings.HasPrefix(line, "#") && cur == nil:
		case strings.HasPrefix(line, "=== "):
			flush()
			f := strings.Split(strings.TrimPrefix(line, "=== "), " | ")
			if len(f) != 5 {
				return nil, fmt.Errorf("demo: articles.txt:%d: want 5 fields, got %d", i+1, len(f))
			}
			h, err := strconv.Atoi(f[2])
			if err != nil {
				return nil, fmt.Errorf("demo: articles.txt:%d: hours: %w", i+1, err)
			}
			if outletByKey(f[0]).Key == "" {
				return nil, fmt.Errorf("demo: articles.txt:%d: unknown outlet %q", i+1, f[0])
			}
			out = append(out, Article{Outlet: f[0], Slug: f[1], HoursAgo: h, Author: f[3], Title: f[4]})
			cur = &out[len(out)-1]
		case cur == nil:
		case strings.TrimSpace(line) == "":
			flush()
		case strings.HasPrefix(line, "summary: ") && len(cur.Paras) == 0 && len(para) == 0:
			cur.Summary = strings.TrimPrefix(line, "summary: ")
		default:
			para = append(para, strings.TrimSpace(line))
		}
	}
	flush()
	for i := range out {
		if out[i].Summary == "" && len(out[i].Paras) > 0 {
			out[i].Summary = out[i].Paras[0]
		}
	}
	return out, nil
}

// ServeHTTP serves the home pages, feeds, article pages and icons.
func (n *Newswire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	base := "http://" + r.Host
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	o := outletByKey(parts[0])
	if o.Key == "" {
		if r.URL.Path == "/" {
			n.serveIndex(w, r, base)
			return
		}
		http.NotFound(w, r)
		return
	}
	o.Home = base + "/" + o.Key + "/"
	o.FeedURL = o.Home + o.feedPath()
	rest := ""
	if len(parts) == 2 {
		rest = parts[1]
	}
	arts := n.outletArticles(o.Key, base)
	var body bytes.Buffer
	var ctype string
	var err error
	switch {
	case rest == "":
		ctype = "text/html; charset=utf-8"
		err = n.tmpl.ExecuteTemplate(&body, "home.html.tmpl", map[string]any{"Outlet": o, "Articles": arts})
	case rest == o.feedPath():
		ctype, err = n.renderFeed(&body, o, arts)
	case rest == "icon.png":
		ctype = "image/png"
		_, err = body.Write(n.icon(o))
	case strings.HasPrefix(rest, "news/") && strings.HasSuffix(rest, ".html"):
		slug := strings.TrimSuffix(strings.TrimPrefix(rest, "news/"), ".html")
		for _, a := range arts {
			if a.Slug == slug {
				ctype = "text/html; charset=utf-8"
				err = n.tmpl.ExecuteTemplate(&body, "article.html.tmpl", map[string]any{"Outlet": o, "A": a, "Related": related(arts, slug)})
			}
		}
		if ctype == "" {
			http.NotFound(w, r)
			return
		}
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(body.Bytes())
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:8])+`"`)
	http.ServeContent(w, r, "", n.base, bytes.NewReader(body.Bytes()))
}

func related(arts []Article, slug string) []Article {
	var out []Article
	for _, a := range arts {
		if a.Slug != slug && len(out) < 3 {
			out = append(out, a)
		}
	}
	return out
}

func (n *Newswire) outletArticles(key, base string) []Article {
	var out []Article
	for _, a := range n.articles {
		if a.Outlet != key {
			continue
		}
		a.URL = base + "/" + key + "/news/" + a.Slug + ".html"
		a.GUID = key + "-" + a.Slug
		if key == "pocket" {
			// Pocket Post republishes wire copy and links its source.
			a.SourceURL = base + "/meridian/news/" + a.Slug + ".html"
		}
		out = append(out, a)
	}
	return out
}

func (n *Newswire) renderFeed(w *bytes.Buffer, o Outlet, arts []Article) (string, error) {
	data := map[string]any{"Outlet": o, "Articles": arts, "Updated": n.base.Format(time.RFC3339)}
	switch o.Format {
	case "atom":
		return "application/atom+xml; charset=utf-8", n.xml.ExecuteTemplate(w, "atom.xml.tmpl", data)
	case "rdf":
		return "application/rdf+xml; charset=utf-8", n.xml.ExecuteTemplate(w, "rdf.xml.tmpl", data)
	case "json":
		type item struct {
			ID            string              `json:"id"`
			URL           string              `json:"url"`
			Title         string              `json:"title"`
			ContentHTML   string              `json:"content_html"`
			Summary       string              `json:"summary"`
			DatePublished string              `json:"date_published"`
			Authors       []map[string]string `json:"authors"`
			Tags          []string            `json:"tags"`
		}
		feed := struct {
			Version     string `json:"version"`
			Title       string `json:"title"`
			HomePageURL string `json:"home_page_url"`
			FeedURL     string `json:"feed_url"`
			Description string `json:"description"`
			Icon        string `json:"icon"`
			Language    string `json:"language"`
			Items       []item `json:"items"`
		}{"https://jsonfeed.org/version/1.1", o.Name, o.Home, o.FeedURL, o.Tagline, o.Home + "icon.png", "en", []item{}}
		items := []item{}
		for _, a := range arts {
			items = append(items, item{ID: a.GUID, URL: a.URL, Title: a.Title, ContentHTML: string(a.HTML()),
				Summary: a.Summary, DatePublished: a.PubRFC3339(),
				Authors: []map[string]string{{"name": a.Author}}, Tags: []string{o.Section}})
		}
		feed.Items = items
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return "application/feed+json; charset=utf-8", enc.Encode(feed)
	}
	return "application/rss+xml; charset=utf-8", n.xml.ExecuteTemplate(w, "rss2.xml.tmpl", data)
}

func (n *Newswire) serveIndex(w http.ResponseWriter, r *http.Request, base string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Demo newswire</title></head><body><h1>Demo newswire (fictional)</h1><ul>")
	for _, o := range outlets {
		fmt.Fprintf(&b, `<li><a href="%s/%s/">%s</a></li>`, base, o.Key, html.EscapeString(o.Name))
	}
	b.WriteString("</ul></body></html>")
	http.ServeContent(w, r, "", n.base, strings.NewReader(b.String()))
}

// icon draws the outlet's icon: a square in its colour with a lighter
// inner square, 32×32 PNG.
func (n *Newswire) icon(o Outlet) []byte {
	if b, ok := n.icons.Load(o.Key); ok {
		return b.([]byte)
	}
	img := image.NewRGBA(image.Rect(0, 0, 32, 32))
	light := color.RGBA{uint8(min(255, int(o.Color.R)+90)), uint8(min(255, int(o.Color.G)+90)), uint8(min(255, int(o.Color.B)+90)), 255}
	for y := range 32 {
		for x := range 32 {
			c := o.Color
			if x >= 10 && x < 22 && y >= 10 && y < 22 {
				c = light
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // encoding an in-memory RGBA image cannot fail
	n.icons.Store(o.Key, buf.Bytes())
	return buf.Bytes()
}

// xmlEscape escapes a value for XML text and attributes.
func xmlEscape(v any) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(fmt.Sprint(v))) // a strings.Builder never fails
	return b.String()
}
