package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/daily"
)

// savedNavMax is how many saved searches the navigation lists, and
// savedNavName how many characters of a name it shows.
const (
	savedNavMax  = 8
	savedNavName = 24
)

// savedLink is a saved search in the navigation.
type savedLink struct {
	Name, URL string
	Current   bool
}

// savedLinks returns the navigation's saved searches of the user. A
// failure leaves them out of the page rather than failing it, and is
// logged.
func (s *Server) savedLinks(r *http.Request, userID int64) []savedLink {
	list, err := s.savedSearches(r.Context(), userID)
	if err != nil {
		s.logError(r, err)
		return nil
	}
	q := ""
	if r.URL.Path == "/" {
		q = strings.TrimSpace(r.URL.Query().Get("q"))
	}
	out := make([]savedLink, 0, min(len(list), savedNavMax))
	for _, ss := range list[:min(len(list), savedNavMax)] {
		name := ss.Name
		if rs := []rune(name); len(rs) > savedNavName {
			name = string(rs[:savedNavName-1]) + "…"
		}
		out = append(out, savedLink{Name: name, URL: searchURL(ss.Query), Current: q != "" && q == ss.Query})
	}
	return out
}

func searchURL(q string) string { return "/?" + url.Values{"q": {q}}.Encode() }

// savedCreate saves the search in the form under a name, and shows it.
func (s *Server) savedCreate(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	ss := &digest.SavedSearch{UserID: uid(r), Name: r.PostForm.Get("name"), Query: r.PostForm.Get("q")}
	if strings.TrimSpace(ss.Name) == "" {
		ss.Name = ss.Query
	}
	if err := s.store.CreateSavedSearch(r.Context(), ss); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, searchURL(ss.Query), http.StatusSeeOther)
}

// savedDelete removes a saved search.
func (s *Server) savedDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.store.DeleteSavedSearch(r.Context(), uid(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/digest#searches", http.StatusSeeOther)
}

// savedView shows a saved search: the river with its query.
func (s *Server) savedView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ss, err := s.store.SavedSearch(r.Context(), uid(r), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, searchURL(ss.Query), http.StatusSeeOther)
}

// savedFeed is a saved search as a private Atom feed: its 50 newest
// matching articles. The path's last segment is "ID.atom".
func (s *Server) savedFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, err := s.feedUser(ctx, r)
	if err != nil {
		s.feedError(w, r, err)
		return
	}
	file := r.PathValue("file")
	id, err := parseID(strings.TrimSuffix(file, ".atom"))
	if err != nil || !strings.HasSuffix(file, ".atom") {
		s.feedError(w, r, digest.Errorf(digest.ENOTFOUND, "no such feed"))
		return
	}
	ss, err := s.store.SavedSearch(ctx, u.ID, id)
	if err != nil {
		s.feedError(w, r, err)
		return
	}
	page, err := s.store.Articles(ctx, digest.ArticleQuery{UserID: u.ID, Search: ss.Query, Limit: 50})
	if err != nil {
		s.feedError(w, r, err)
		return
	}
	base := s.baseURL(r)
	f := daily.Feed{ID: "urn:occasional-digest:search:" + strconv.FormatInt(ss.ID, 10), Title: ss.Name + " · " + s.cfg.Title,
		Link: base + searchURL(ss.Query), Updated: ss.Created}
	for _, a := range page.Articles {
		if a.Published.After(f.Updated) {
			f.Updated = a.Published
		}
		f.Entries = append(f.Entries, daily.Entry{ID: "urn:occasional-digest:article:" + strconv.FormatInt(a.ID, 10),
			Title: a.Title, Link: a.URL, Updated: a.Published, Summary: a.Summary})
	}
	s.writeFeed(w, r, f)
}
