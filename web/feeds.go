package web

import (
	"net/http"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

type feedGroup struct {
	Category string
	Feeds    []digest.Feed
}

type feedsPage struct {
	layout
	Groups   []feedGroup
	Count    int
	Unread   int
	Failing  int
	Notice   string   // what the last action did
	Problem  string   // why the last action failed
	Problems []string // per-outline import problems
	URL      string   // the add form's values, kept after a failure
	Category string
}

// feedList shows the subscriptions with unread counts and fetch errors.
func (s *Server) feedList(w http.ResponseWriter, r *http.Request) {
	p := feedsPage{}
	switch v := r.URL.Query(); {
	case v.Get("added") != "":
		p.Notice = "Subscribed. The first articles arrive with the next fetch."
	case v.Get("refreshing") != "":
		p.Notice = "Refresh scheduled."
	case v.Get("removed") != "":
		p.Notice = "Feed removed."
	}
	s.renderFeeds(w, r, http.StatusOK, p)
}

// renderFeeds renders the feed page with fresh data from the store; p
// carries the notice or the problem of the action that led here.
func (s *Server) renderFeeds(w http.ResponseWriter, r *http.Request, status int, p feedsPage) {
	list, err := s.store.Feeds(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.layout = s.layout(r, "Feeds", "feeds")
	p.Count = len(list)
	for i, f := range list {
		p.Unread += f.Unread
		if f.ErrorCount > 0 || f.LastError != "" {
			p.Failing++
		}
		if i == 0 || list[i-1].Category != f.Category {
			p.Groups = append(p.Groups, feedGroup{Category: f.Category})
		}
		g := &p.Groups[len(p.Groups)-1]
		g.Feeds = append(g.Feeds, f)
	}
	s.render(w, r, status, "feeds", p)
}

// feedAdd subscribes to a feed or a site from the add form.
func (s *Server) feedAdd(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	rawURL := strings.TrimSpace(r.PostFormValue("url"))
	category := strings.TrimSpace(r.PostFormValue("category"))
	fail := func(err error) {
		s.logError(r, err)
		s.renderFeeds(w, r, httpStatus(err), feedsPage{Problem: errorMessage(err), URL: rawURL, Category: category})
	}
	if err := validateSubscription(rawURL, category); err != nil {
		fail(err)
		return
	}
	f, err := s.feeds.Subscribe(r.Context(), rawURL, category)
	if err != nil {
		fail(err)
		return
	}
	s.cache.invalidate()
	http.Redirect(w, r, "/feeds?added="+strconv.FormatInt(f.ID, 10)+"#feed-"+strconv.FormatInt(f.ID, 10), http.StatusSeeOther)
}

// validateSubscription checks what the web can check before handing a URL
// to the FeedService, which checks the rest (scheme, address policy).
func validateSubscription(rawURL, category string) error {
	if rawURL == "" {
		return digest.Errorf(digest.EINVALID, "a feed or site URL is required")
	}
	if len(rawURL) > 2048 {
		return digest.Errorf(digest.EINVALID, "the URL is longer than 2048 characters")
	}
	if len(category) > 200 {
		return digest.Errorf(digest.EINVALID, "the category is longer than 200 characters")
	}
	return nil
}

// feedDelete unsubscribes from a feed.
func (s *Server) feedDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.store.DeleteFeed(r.Context(), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.cache.invalidate()
	http.Redirect(w, r, "/feeds?removed=1", http.StatusSeeOther)
}

// feedRefresh schedules one feed for a fetch now.
func (s *Server) feedRefresh(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if _, err := s.store.Feed(r.Context(), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.feeds.Refresh(r.Context(), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/feeds?refreshing=1#feed-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// feedRefreshAll schedules every feed for a fetch now.
func (s *Server) feedRefreshAll(w http.ResponseWriter, r *http.Request) {
	if err := s.feeds.Refresh(r.Context()); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/feeds?refreshing=1", http.StatusSeeOther)
}

// feedFetchMode sets when the feed's article pages are fetched for their
// full text (form field "mode": never, short or always).
func (s *Server) feedFetchMode(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	mode := r.PostFormValue("mode")
	f, err := s.store.Feed(r.Context(), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := (feedUpdate{FetchMode: &mode}).apply(f); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.store.UpdateFeed(r.Context(), f); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.cache.invalidate()
	http.Redirect(w, r, "/feeds#feed-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
