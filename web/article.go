package web

import (
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

type articlePage struct {
	layout
	Article digest.Article
	// Content is the stored body. The store keeps only sanitized HTML, so
	// this is the one field rendered unescaped.
	Content    template.HTML
	Outlet     string
	IconID     int64
	SourceURL  string // the original article, the page's "Source" link
	Sources    []digest.Source
	Story      *digest.Story
	Neighbours articleNav // the previous and next article of the list it was opened from
}

// article shows one article. It changes nothing: a GET may come from a
// link prefetcher or a crawler, not a reader. The page's script marks the
// article read (a same-origin POST to the API) once the page is shown to
// the reader; without the script its "Mark read" form does.
func (s *Server) article(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	a, err := s.store.Article(ctx, uid(r), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	byID, err := s.cache.lookup(ctx, uid(r), a.FeedID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f := byID[a.FeedID]
	p := articlePage{
		layout:    s.layout(r, a.Title, "river"),
		Article:   *a,
		Content:   template.HTML(wrapTables(a.Content)),
		Outlet:    outlet(f, a),
		SourceURL: sourceURL(a),
		Sources:   a.Sources,
	}
	if f != nil {
		p.IconID = f.IconID
	}
	if p.Neighbours, err = s.articleNavFor(r, a, byID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if a.StoryID != 0 {
		s.openedStory(r, a.StoryID)
		st, err := s.store.Story(ctx, uid(r), a.StoryID)
		switch {
		case err == nil:
			if len(st.ArticleIDs) > 1 {
				p.Story = st
			}
		case !digest.IsNotFound(err):
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "article", p)
}

var (
	tableOpen  = regexp.MustCompile(`(?i)<table\b`)
	tableClose = regexp.MustCompile(`(?i)</table\s*>`)
)

// wrapTables puts every table of sanitized HTML in a wrapper that scrolls
// sideways, so a wide table never widens the page. Sanitized HTML has no
// "<table" outside tags (text is escaped), so the rewrite cannot open a
// tag that was not there.
func wrapTables(html string) string {
	if !strings.Contains(strings.ToLower(html), "<table") {
		return html
	}
	html = tableOpen.ReplaceAllString(html, `<div class="table-wrap"><table`)
	return tableClose.ReplaceAllString(html, `</table></div>`)
}

// sourceURL is the link to the original: the article's canonical URL, or
// the link of its original source when it has none.
func sourceURL(a *digest.Article) string {
	if a.URL != "" {
		return a.URL
	}
	for _, src := range a.Sources {
		if src.Original && src.URL != "" {
			return src.URL
		}
	}
	for _, src := range a.Sources {
		if src.URL != "" {
			return src.URL
		}
	}
	return ""
}

type mark int

const (
	markRead mark = iota
	markUnread
	markStar
	markUnstar
)

// apply sets the flag the mark stands for on the signed-in user's
// articles, and returns how many of ids the user sees.
func (m mark) apply(r *http.Request, store digest.ArticleStore, ids []int64) (int, error) {
	ctx := r.Context()
	switch m {
	case markRead, markUnread:
		return store.MarkRead(ctx, uid(r), ids, m == markRead)
	default:
		return store.MarkStarred(ctx, uid(r), ids, m == markStar)
	}
}

// articleMark handles the read/unread/star/unstar forms, then sends the
// browser back to the page it came from.
func (s *Server) articleMark(m mark) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.formFor(w, r)
		if !ok {
			return
		}
		a, err := s.store.Article(r.Context(), uid(r), id)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if _, err := m.apply(r, s.store, []int64{id}); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.learnStarred(r, m, a)
		back := localPath(r.PostFormValue("return"), "/articles/"+strconv.FormatInt(id, 10))
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

// learnStarred learns, after the response, that the user starred an
// article of a story (kept, read to the end) when m newly stars a.
func (s *Server) learnStarred(r *http.Request, m mark, a *digest.Article) {
	if m == markStar && a.StoryID != 0 && !a.Starred {
		s.learnLater(r, "article starred", a.StoryID, learnStar, 0)
	}
}

// parseForm reads a urlencoded form body of at most MaxBodyBytes.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		if httpStatus(err) == http.StatusRequestEntityTooLarge {
			return err
		}
		return digest.WrapError(digest.EINVALID, "invalid form", err)
	}
	return nil
}

// formFor reads the ID in the path and the posted form of a form handler,
// answering the error page itself when either is bad.
func (s *Server) formFor(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return 0, false
	}
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return 0, false
	}
	return id, true
}
