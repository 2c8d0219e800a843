package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

//go:embed templates
var templateFS embed.FS

// pages holds one parsed template set per page, each the layout plus the
// page's own blocks, parsed once in New.
type pages struct {
	set map[string]*template.Template
	now func() time.Time
	loc *time.Location // where times are shown to people
}

// layout is what every page passes to the layout template.
type layout struct {
	Site   string
	Title  string       // the page's title, "" on the front page
	Nav    string       // the active navigation entry: "river", "feeds"
	Return string       // the current path and query, where forms come back to
	Me     *digest.User // the signed-in user, nil on public pages
	// Warming, when not "", says what is still warming up (a notice).
	Warming string
	// Saved are the user's saved searches, shown in the navigation.
	Saved []savedLink
}

func mustParsePages(a *assets, now func() time.Time) *pages {
	p, err := parsePages(templateFS, a, now, time.UTC)
	if err != nil {
		panic(fmt.Sprintf("web: embedded templates: %v", err))
	}
	return p
}

// parsePages parses the page templates with times shown in loc.
func parsePages(fsys fs.FS, a *assets, now func() time.Time, loc *time.Location) (*pages, error) {
	base, err := template.New("").Funcs(templateFuncs(a, now, loc)).ParseFS(fsys, "templates/layout/*.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{set: map[string]*template.Template{}, now: now, loc: loc}
	for _, n := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(fsys, n); err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		p.set[name] = t
	}
	return p, nil
}

// templateFuncs are the helpers templates may call, with times shown to
// people in loc (the reader's time zone; machine-readable ones in UTC).
// There is deliberately no function that marks a string as safe HTML:
// only article Content, set as template.HTML in Go, is rendered
// unescaped.
func templateFuncs(a *assets, now func() time.Time, loc *time.Location) template.FuncMap {
	return template.FuncMap{
		"asset":      a.url,
		"ago":        func(t time.Time) string { return ago(now().In(loc), t.In(loc)) },
		"isotime":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"longdate":   func(t time.Time) string { return longDate(t.In(loc)) },
		"host":       host,
		"plural":     plural,
		"pathesc":    url.PathEscape,
		"lower":      strings.ToLower,
		"today":      func(layout string) string { return now().In(loc).Format(layout) },
		"initial":    initial,
		"entityurl":  entityURL,
		"paras":      paragraphs,
		"badge":      func(id int64, name string) iconBadge { return iconBadge{IconID: id, Name: name} },
		"browser":    browserName,
		"choiceForm": func(o choiceOption, back string) choiceForm { return choiceForm{Option: o, Return: back} },
	}
}

// iconBadge is what the "icon" template draws: the stored icon, or the
// first letter of the name when there is none.
type iconBadge struct {
	IconID int64
	Name   string
}

// initial is the upper-case first letter of a name, for icon placeholders.
func initial(name string) string {
	for _, r := range strings.TrimSpace(name) {
		return strings.ToUpper(string(r))
	}
	return "·"
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.pagesFor(r).set[name]
	if !ok {
		s.pageError(w, r, fmt.Errorf("no page template %q", name))
		return
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout", data); err != nil {
		if name == "error" {
			s.logError(r, err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		s.pageError(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	setOfflineKey(w, r)
	h.Set("Vary", "Accept-Encoding")
	body := buf.Bytes()
	if len(body) > 1024 && acceptsGzip(r) {
		z := bufPool.Get().(*bytes.Buffer)
		z.Reset()
		defer bufPool.Put(z)
		gw := gzipPool.Get().(*gzip.Writer)
		gw.Reset(z)
		gw.Write(body)
		gw.Close()
		gzipPool.Put(gw)
		h.Set("Content-Encoding", "gzip")
		body = z.Bytes()
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// gzipPool keeps the writers that compress pages (each holds buffers
// worth reusing).
var gzipPool = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

// styledNotFound answers a path no route of mux has with the styled "not
// found" page, after sign-in as every page, instead of the mux's plain
// text. A known path asked with another method keeps its 405.
func (s *Server) styledNotFound(mux *http.ServeMux) http.Handler {
	page := s.guard(Signed, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.pageError(w, r, digest.Errorf(digest.ENOTFOUND, "There is no page at this address. It may have moved, or the link may be mistyped."))
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&notFoundWriter{ResponseWriter: w, page: page, r: r}, r)
	})
}

// notFoundWriter turns the mux's plain 404 into the styled page and lets
// any other answer (a 405, a redirect to the cleaned path) through.
type notFoundWriter struct {
	http.ResponseWriter
	page     http.Handler
	r        *http.Request
	replaced bool
}

func (w *notFoundWriter) WriteHeader(code int) {
	if code != http.StatusNotFound {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.replaced = true
	h := w.ResponseWriter.Header()
	h.Del("Content-Type")
	h.Del("Content-Length")
	w.page.ServeHTTP(w.ResponseWriter, w.r)
}

func (w *notFoundWriter) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

type errorPage struct {
	layout
	Status  int
	Heading string
	Message string
}

// pageError answers a page request with an error page whose status comes
// from httpStatus.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	s.logError(r, err)
	status := httpStatus(err)
	heading := "Something went wrong"
	switch status {
	case http.StatusNotFound:
		heading = "Not found"
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusConflict:
		heading = "That did not work"
	case http.StatusForbidden:
		heading = "Refused"
	case http.StatusMisdirectedRequest:
		heading = "Wrong address"
	case http.StatusBadGateway:
		heading = "The other site did not answer well"
	}
	s.render(w, r, status, "error", errorPage{
		layout:  s.layout(r, heading, ""),
		Status:  status,
		Heading: heading,
		Message: errorMessage(err),
	})
}

func (s *Server) layout(r *http.Request, title, nav string) layout {
	// "Today" is the front page alone: an article, a story or an entity
	// reached from it is not the front page.
	if nav == "river" && r.URL.Path != "/" {
		nav = ""
	}
	l := layout{Site: s.cfg.Title, Title: title, Nav: nav, Return: r.URL.RequestURI(), Me: userOf(r)}
	if l.Me != nil {
		l.Warming = warmingNotice(s.warming())
		l.Saved = s.savedLinks(r, l.Me.ID)
	}
	return l
}

// ago is a calm relative time: "just now", "5 min ago", "3 h ago",
// "yesterday", "4 days ago", then the date.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	case d < 48*time.Hour:
		return "yesterday"
	case d < 7*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	case t.Year() == now.Year():
		return t.Format("2 Jan")
	default:
		return t.Format("2 Jan 2006")
	}
}

func longDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("Monday 2 January 2006, 15:04 MST")
}

// host is the host name of a URL without "www.", for showing where a link
// goes.
func host(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.TrimPrefix(u.Hostname(), "www.")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// paragraphs splits a plain text at its line breaks into trimmed,
// non-empty paragraphs.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n") {
		if p = strings.Join(strings.Fields(p), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// snippet returns the first lines of a plain text: at most max runes, cut
// at a word boundary when there is one nearby. It is
// snippetOf(strings.Join(strings.Fields(text), " "), max) but reads no
// further into text than the snippet needs: summaries run to kilobytes,
// and the river makes thirty snippets per page.
func snippet(text string, max int) string {
	var b strings.Builder
	b.Grow(min(len(text), 4*max+4))
	n := 0         // runes written
	space := false // whitespace seen since the last word
	over := false  // more than max runes: next is the first left out
	var next byte
	for i := 0; i < len(text) && !over; {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r != utf8.RuneError && unicode.IsSpace(r) {
			space = b.Len() > 0
			i += size
			continue
		}
		if space {
			if n == max {
				over, next = true, ' '
				break
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		if n == max {
			over, next = true, text[i]
			break
		}
		b.WriteString(text[i : i+size])
		n++
		i += size
	}
	s := b.String()
	if !over {
		return s
	}
	// Cut at the last space unless the cut already falls between words.
	if next != ' ' {
		if i := strings.LastIndexByte(s, ' '); i > len(s)*2/3 {
			s = s[:i]
		}
	}
	return strings.TrimRight(s, " ,;:.-") + "…"
}

// outlet names a feed for display.
func outlet(f *digest.Feed, a *digest.Article) string {
	switch {
	case f != nil && f.Title != "":
		return f.Title
	case a != nil && a.SiteName != "":
		return a.SiteName
	case f != nil:
		if h := host(f.SiteURL); h != "" {
			return h
		}
		return host(f.URL)
	case a != nil:
		return host(a.URL)
	}
	return ""
}

// browserName says which browser and system a User-Agent names, in the
// words of the sessions list ("Firefox on Android"); the raw string when
// it names none it knows.
func browserName(ua string) string {
	var b, sys string
	for _, c := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"HeadlessChrome/", "Headless Chrome"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"newsboat", "newsboat"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, c.token) {
			b = c.name
			break
		}
	}
	for _, c := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, c.token) {
			sys = c.name
			break
		}
	}
	switch {
	case b != "" && sys != "":
		return b + " on " + sys
	case b != "":
		return b
	case ua == "":
		return "an unknown browser"
	}
	return clip(ua, 80)
}
