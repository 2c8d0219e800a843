package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

type feedGroup struct {
	Category string
	Feeds    []digest.Feed
}

// feedsPageSize is the number of feeds one page of /feeds lists.
const feedsPageSize = 50

// Orders of the feed list, as FeedsPage names them.
const (
	orderCategory = "category"
	orderTitle    = "title"
	orderErrors   = "errors"
)

// feedOrders are the orders a reader can pick, in the picker's order.
var feedOrders = []struct{ Value, Label string }{
	{orderCategory, "By category"},
	{orderTitle, "By title"},
	{orderErrors, "Failing first"},
}

// feedView is what the feed list shows: a search, an order and the
// position of the page.
type feedView struct {
	Q      string
	Order  string // one of the orders; "" is orderCategory
	Cursor string
}

// query is the URL of the view at cursor; "/feeds" for the first page of
// the default view. extra are more parameters, in pairs.
func (v feedView) query(cursor string, extra ...string) string {
	q := url.Values{}
	if v.Q != "" {
		q.Set("q", v.Q)
	}
	if v.Order != "" && v.Order != orderCategory {
		q.Set("order", v.Order)
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	if len(q) == 0 {
		return "/feeds"
	}
	return "/feeds?" + q.Encode()
}

// maxFeedCursor bounds a cursor: it carries the start of a feed's title
// and category.
const maxFeedCursor = 4096

// maxFeedFilter bounds the filter of the feed list, in bytes.
const maxFeedFilter = 500

// parseFeedView reads q, order and cursor of the feed list and the feeds
// API. The store checks the cursor itself.
func parseFeedView(v url.Values) (feedView, error) {
	var fv feedView
	q := v.Get("q")
	if !utf8.ValidString(q) || strings.ContainsRune(q, 0) {
		return fv, digest.Errorf(digest.EINVALID, "invalid q: not UTF-8 text")
	}
	if len(q) > maxFeedFilter {
		return fv, digest.Errorf(digest.EINVALID, "invalid q: longer than %d bytes", maxFeedFilter)
	}
	fv.Q = strings.TrimSpace(q)
	switch o := v.Get("order"); o {
	case "", orderCategory, orderTitle, orderErrors:
		fv.Order = o
	default:
		return fv, digest.Errorf(digest.EINVALID, "invalid order %q: want %s, %s or %s", clip(o, 40), orderCategory, orderTitle, orderErrors)
	}
	if c := v.Get("cursor"); c != "" {
		if len(c) > maxFeedCursor || !utf8.ValidString(c) {
			return fv, digest.Errorf(digest.EINVALID, "invalid cursor")
		}
		fv.Cursor = c
	}
	return fv, nil
}

type feedsPage struct {
	layout
	View     feedView
	Orders   []orderOption
	Groups   []feedGroup
	Grouped  bool // the groups are categories, with headings
	Count    int  // every feed
	Unread   int
	Failing  int
	Matches  int // the feeds the search matches; Count without one
	Shown    int // the feeds on this page
	Next     string
	Prev     string
	First    string   // the first page of the view, "" on it
	Notice   string   // what the last action did
	Problem  string   // why the last action failed
	Problems []string // per-outline import problems
	URL      string   // the add form's values, kept after a failure
	Category string
	// CategoryNames are the reader's categories, offered by the edit form.
	CategoryNames []string
}

type orderOption struct {
	Value, Label string
	Selected     bool
}

// feedList shows one page of the subscriptions with unread counts and
// fetch errors. A malformed q, order or cursor is a 400 that shows the
// first page of the list, with the reason.
func (s *Server) feedList(w http.ResponseWriter, r *http.Request) {
	p := feedsPage{}
	v, err := query(r)
	if err == nil {
		p.View, err = parseFeedView(v)
	}
	if err != nil {
		p.View = feedView{}
		p.Problem = errorMessage(err) + ". Showing the first page of all feeds."
		s.renderFeeds(w, r, http.StatusBadRequest, p)
		return
	}
	switch {
	case v.Get("added") != "":
		p.Notice = "Subscribed. The first articles arrive with the next fetch."
	case v.Get("refreshing") != "":
		p.Notice = "Refresh scheduled."
	case v.Get("removed") != "":
		p.Notice = "Feed removed."
	case v.Get("saved") != "":
		p.Notice = "Saved."
	}
	s.renderFeeds(w, r, http.StatusOK, p)
}

// renderFeeds renders the page p.View of the feed list with fresh data
// from the store; p carries the notice or the problem of the action that
// led here. A cursor the store refuses gives the first page, with status
// 400 and the reason.
func (s *Server) renderFeeds(w http.ResponseWriter, r *http.Request, status int, p feedsPage) {
	ctx := r.Context()
	list, next, prev, err := s.store.FeedsPage(ctx, uid(r), p.View.Q, p.View.Order, feedsPageSize, p.View.Cursor)
	if digest.ErrorCode(err) == digest.EINVALID && p.View.Cursor != "" {
		p.Problem = "This link to a page of the feed list is not valid (" + errorMessage(err) + "). Showing the first page."
		p.View.Cursor = ""
		status = http.StatusBadRequest
		list, next, prev, err = s.store.FeedsPage(ctx, uid(r), p.View.Q, p.View.Order, feedsPageSize, "")
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.Count, p.Unread, p.Failing, err = s.store.FeedTotals(ctx, uid(r), ""); err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Matches = p.Count
	if p.View.Q != "" {
		if p.Matches, _, _, err = s.store.FeedTotals(ctx, uid(r), p.View.Q); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	cats, err := s.store.Categories(ctx, uid(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, c := range cats {
		p.CategoryNames = append(p.CategoryNames, c.Title)
	}
	p.layout = s.layout(r, "Feeds", "feeds")
	// Forms on the page come back to this page, without the notice.
	p.Return = p.View.query(p.View.Cursor)
	for _, o := range feedOrders {
		p.Orders = append(p.Orders, orderOption{o.Value, o.Label, o.Value == p.View.Order || (o.Value == orderCategory && p.View.Order == "")})
	}
	p.Shown = len(list)
	p.Grouped = p.View.Order == "" || p.View.Order == orderCategory
	for i, f := range list {
		if i == 0 || (p.Grouped && list[i-1].Category != f.Category) {
			p.Groups = append(p.Groups, feedGroup{Category: f.Category})
		}
		g := &p.Groups[len(p.Groups)-1]
		g.Feeds = append(g.Feeds, f)
	}
	if next != "" {
		p.Next = p.View.query(next)
	}
	if prev != "" {
		p.Prev = p.View.query(prev)
	}
	if p.View.Cursor != "" {
		p.First = p.View.query("")
	}
	s.render(w, r, status, "feeds", p)
}

// feedsReturn is where a feed form sends the browser back to: the page of
// the list it was sent from (its "return" field) with a notice, at the
// feed's entry when id is not 0.
func feedsReturn(r *http.Request, notice string, id int64) string {
	back := "/feeds"
	if u, err := url.Parse(localPath(r.PostFormValue("return"), "/feeds")); err == nil && u.Path == "/feeds" {
		q := u.Query()
		for _, k := range []string{"added", "refreshing", "removed", "saved"} {
			q.Del(k)
		}
		if notice != "" {
			q.Set(notice, "1")
		}
		if len(q) > 0 {
			back += "?" + q.Encode()
		}
	} else if notice != "" {
		back += "?" + notice + "=1"
	}
	if id != 0 {
		back += "#feed-" + strconv.FormatInt(id, 10)
	}
	return back
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
	f, err := s.feeds.Subscribe(r.Context(), uid(r), rawURL, category)
	if err != nil {
		fail(err)
		return
	}
	s.cache.invalidate()
	// The new feed may sort onto any page: show it alone, filtering by its
	// URL (its start, for a URL longer than a filter may be).
	q := f.URL
	for len(q) > maxFeedFilter || (len(q) < len(f.URL) && !utf8.RuneStart(f.URL[len(q)])) {
		q = q[:len(q)-1]
	}
	added := feedView{Q: strings.TrimSpace(q)}.query("", "added", strconv.FormatInt(f.ID, 10))
	http.Redirect(w, r, added+"#feed-"+strconv.FormatInt(f.ID, 10), http.StatusSeeOther)
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
	id, ok := s.formFor(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteFeed(r.Context(), uid(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.cache.invalidate()
	http.Redirect(w, r, feedsReturn(r, "removed", 0), http.StatusSeeOther)
}

// feedRefresh schedules one feed for a fetch now.
func (s *Server) feedRefresh(w http.ResponseWriter, r *http.Request) {
	id, ok := s.formFor(w, r)
	if !ok {
		return
	}
	if _, err := s.store.Feed(r.Context(), uid(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.feeds.Refresh(r.Context(), uid(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, feedsReturn(r, "refreshing", id), http.StatusSeeOther)
}

// feedRefreshAll schedules every feed for a fetch now.
func (s *Server) feedRefreshAll(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.feeds.Refresh(r.Context(), uid(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, feedsReturn(r, "refreshing", 0), http.StatusSeeOther)
}

// feedFetchMode sets when the feed's article pages are fetched for their
// full text (form field "mode": never, short or always).
func (s *Server) feedFetchMode(w http.ResponseWriter, r *http.Request) {
	id, ok := s.formFor(w, r)
	if !ok {
		return
	}
	mode := r.PostFormValue("mode")
	f, err := s.store.Feed(r.Context(), uid(r), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := (feedUpdate{FetchMode: &mode}).apply(f); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.store.UpdateFeed(r.Context(), uid(r), f); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.cache.invalidate()
	http.Redirect(w, r, feedsReturn(r, "saved", id), http.StatusSeeOther)
}

// feedEdit is POST /feeds/{id}/edit with title and category: rename a
// feed and move it to another category (a new one is made; "" is none).
// A bad value shows the list again with the reason. When the category
// changes and the reader has rules, they are re-applied (a rule may be
// scoped to a category).
func (s *Server) feedEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.formFor(w, r)
	if !ok {
		return
	}
	ctx, user := r.Context(), uid(r)
	f, err := s.store.Feed(ctx, user, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	title, category := r.PostFormValue("title"), r.PostFormValue("category")
	before := f.Category
	if err := (feedUpdate{Title: &title, Category: &category}).apply(f); err != nil {
		s.renderFeeds(w, r, http.StatusBadRequest, feedsPage{Problem: errorMessage(err)})
		return
	}
	if err := s.store.UpdateFeed(ctx, user, f); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.cache.invalidate()
	if f.Category != before {
		rs, err := s.store.Rules(ctx, user)
		if err == nil && len(rs) > 0 {
			if err = s.store.QueueRuleJob(ctx, user); err == nil {
				err = s.rulesChanged(ctx, user)
			}
		}
		if err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, feedsReturn(r, "saved", id), http.StatusSeeOther)
}
