package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// The reader's essentials, as a Miniflux reader expects them: reading by
// category, unread counts beside the feeds and categories, "mark all as
// read" on a list (up to what the list showed, never an article that
// arrived since), and the next and previous article from an article's
// page.

// readerNav is what the river shows around its list: the categories with
// their unread counts, and the "mark all as read" form of the list.
type readerNav struct {
	// Categories are the reader's categories with unread counts, for the
	// category links; empty when the reader has none.
	Categories []navCategory
	// Unread is the reader's unread articles in all feeds.
	Unread int
	// AllURL is the river without a category, keeping the other filters.
	AllURL string
	// MarkAll, when set, is the "mark all as read" form of the list.
	MarkAll *markAllForm
}

type navCategory struct {
	ID      int64
	Title   string
	Unread  int
	URL     string
	Current bool
}

// markAllForm is a "mark all as read" form: the list's filters and the
// newest article it showed.
type markAllForm struct {
	FeedID     int64
	CategoryID int64
	Starred    bool
	// UpTo is the highest article ID the list showed: articles that
	// arrive later have higher IDs and are never marked.
	UpTo int64
	// Newest is the newest publication time the list showed, in
	// RFC 3339 with nanoseconds.
	Newest string
	Label  string // "Mark all as read", "Mark this feed as read", ...
	Return string
}

// readerNav fills the river page's categories, counts and "mark all as
// read" form from the reader's cached feeds (unread counts may be as old
// as the feed cache's TTL; marking all read refreshes them).
func (s *Server) readerNav(p *riverPage, feeds []digest.Feed) {
	f := p.Filter
	byCat := map[int64]*navCategory{}
	var cats []*navCategory
	for i := range feeds {
		fd := &feeds[i]
		p.Reader.Unread += fd.Unread
		if fd.CategoryID == 0 {
			continue
		}
		c := byCat[fd.CategoryID]
		if c == nil {
			nf := f
			nf.CategoryID, nf.FeedID, nf.Q, nf.Sort = fd.CategoryID, 0, "", ""
			c = &navCategory{ID: fd.CategoryID, Title: fd.Category, URL: nf.query(""), Current: fd.CategoryID == f.CategoryID}
			byCat[fd.CategoryID] = c
			cats = append(cats, c)
		}
		c.Unread += fd.Unread
	}
	slices.SortFunc(cats, func(a, b *navCategory) int {
		return strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title))
	})
	for _, c := range cats {
		p.Reader.Categories = append(p.Reader.Categories, *c)
		if c.Current && p.FeedTitle == "" {
			p.FeedTitle = c.Title
			p.Title = c.Title
		}
	}
	all := f
	all.CategoryID, all.FeedID, all.Q, all.Sort = 0, 0, "", ""
	p.Reader.AllURL = all.query("")
	if f.Q == "" {
		list := f
		list.Sort = ""
		if ctx := list.query(""); ctx != "/" {
			for i := range p.Items {
				p.Items[i].Context = strings.TrimPrefix(ctx, "/")
			}
		}
	}
	// A search is not a list the store can mark (MarkAllRead ignores the
	// words); nor is a later page, whose newest article is not the
	// newest the reader saw.
	if f.Q != "" || !p.First || len(p.Items) == 0 {
		return
	}
	m := &markAllForm{FeedID: f.FeedID, CategoryID: f.CategoryID, Starred: f.Starred, Return: f.query("")}
	var newest time.Time
	for _, it := range p.Items {
		m.UpTo = max(m.UpTo, it.ID)
		if it.Published.After(newest) {
			newest = it.Published
		}
	}
	m.Newest = newest.UTC().Format(time.RFC3339Nano)
	switch {
	case f.FeedID != 0:
		m.Label = "Mark this feed as read"
	case f.CategoryID != 0:
		m.Label = "Mark this category as read"
	case f.Starred:
		m.Label = "Mark the starred as read"
	default:
		m.Label = "Mark all as read"
	}
	p.Reader.MarkAll = m
}

// markAllRead handles "mark all as read": it marks read the reader's
// unread articles of the list (a feed, a category, the starred or all)
// that the list had shown when it was drawn: IDs up to up_to (articles
// arriving later get higher IDs) and published no later than newest.
// Nothing newer than what the reader saw is marked.
func (s *Server) markAllRead(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	q, err := markAllQuery(r.PostForm, s.now())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q.UserID = uid(r)
	if q.FeedID != 0 {
		if _, err := s.store.Feed(r.Context(), q.UserID, q.FeedID); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if _, err := s.store.MarkAllRead(r.Context(), q); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.cache.invalidate() // the unread counts
	http.Redirect(w, r, localPath(r.PostFormValue("return"), "/"), http.StatusSeeOther)
}

// markAllOlder are the ages "mark as read" may be limited to (the form's
// older=): what Miniflux and FreshRSS offer, a day and a week.
var markAllOlder = map[string]time.Duration{"day": 24 * time.Hour, "week": 7 * 24 * time.Hour}

// markAllQuery reads a "mark all as read" form: up_to and newest are
// required, so that a form can never mean "everything, whenever"; older
// (day or week) keeps what was published since then unread.
func markAllQuery(v url.Values, now time.Time) (digest.ArticleQuery, error) {
	var q digest.ArticleQuery
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"feed", &q.FeedID}, {"category", &q.CategoryID}, {"up_to", &q.BeforeID}} {
		s := v.Get(f.name)
		if s == "" {
			continue
		}
		id, err := parseID(s)
		if err != nil {
			return q, digest.Errorf(digest.EINVALID, "invalid %s %q: want a positive integer", f.name, clip(s, 40))
		}
		*f.dst = id
	}
	if q.BeforeID == 0 {
		return q, digest.Errorf(digest.EINVALID, "up_to is missing: the form must say up to which article it marks")
	}
	q.BeforeID++ // BeforeID is exclusive; up_to was shown
	newest, err := time.Parse(time.RFC3339Nano, v.Get("newest"))
	if err != nil {
		return q, digest.Errorf(digest.EINVALID, "invalid newest %q: want an RFC 3339 time", clip(v.Get("newest"), 40))
	}
	// The store keeps microseconds: "before newest + 1 µs" keeps newest.
	q.Before = newest.Truncate(time.Microsecond).Add(time.Microsecond)
	if older := v.Get("older"); older != "" {
		age, ok := markAllOlder[older]
		if !ok {
			return q, digest.Errorf(digest.EINVALID, "invalid older %q: want day or week", clip(older, 20))
		}
		if cut := now.Add(-age).Truncate(time.Microsecond); cut.Before(q.Before) {
			q.Before = cut
		}
	}
	if q.Starred, err = parseFlag(v, "starred"); err != nil {
		return q, err
	}
	return q, nil
}

// articleNav is the previous (newer) and next (older) article of the list
// an article page was opened from.
type articleNav struct {
	Prev, Next string // URLs, "" at either end
	Context    string // the list's query ("?feed=3"), "" for the river
	Back       string // the list itself
	Label      string // the list's name, "" for the river
}

// articleList reads the list an article page was opened from: the river's
// filters (feed, category, unread, starred) in the page's query. A search
// is not kept: its order is not the river's.
func articleList(r *http.Request) (digest.ArticleQuery, riverFilter, error) {
	v, err := query(r)
	if err != nil {
		return digest.ArticleQuery{}, riverFilter{}, err
	}
	v.Del("q")
	v.Del("sort")
	v.Del("cursor")
	v.Del("limit")
	q, err := parseArticleQuery(v, 1)
	if err != nil {
		return q, riverFilter{}, err
	}
	q.UserID = uid(r)
	return q, riverFilter{Unread: q.Unread, Starred: q.Starred, FeedID: q.FeedID, CategoryID: q.CategoryID}, nil
}

// neighbourWindow is how many rows a neighbour query reads at once: the
// article itself and the articles published at the same instant come
// first, and are skipped.
const neighbourWindow = 8

// neighbours finds the articles before and after a in the list q (newest
// published first, ties by descending ID, as the river): one query each
// way, reading at most neighbourWindow rows, and two more only when more
// articles than that share a's publication time.
func (s *Server) neighbours(ctx context.Context, q digest.ArticleQuery, a *digest.Article) (prev, next int64, err error) {
	at := a.Published.Truncate(time.Microsecond)
	first := func(q digest.ArticleQuery, skip func(digest.ArticleRef) bool) (int64, bool, error) {
		refs, err := s.store.ArticleRefs(ctx, q)
		if err != nil {
			return 0, false, err
		}
		for _, r := range refs {
			if !skip(r) {
				return r.ID, true, nil
			}
		}
		return 0, len(refs) < q.Limit, nil // done when the list ended
	}
	// Older: published no later than a, the same instant only with a
	// lower ID.
	older := q
	older.Before, older.Limit = at.Add(time.Microsecond), neighbourWindow
	next, done, err := first(older, func(r digest.ArticleRef) bool { return r.Published.Equal(at) && r.ID >= a.ID })
	if err != nil {
		return 0, 0, err
	}
	if !done {
		// Many at a's instant: the nearest lower ID there, else the
		// newest published before.
		tie := q
		tie.After, tie.Before, tie.BeforeID, tie.Limit = at.Add(-time.Microsecond), at.Add(time.Microsecond), a.ID, 1
		if next, _, err = first(tie, func(digest.ArticleRef) bool { return false }); err != nil {
			return 0, 0, err
		}
		if next == 0 {
			strict := q
			strict.Before, strict.Limit = at, 1
			if next, _, err = first(strict, func(digest.ArticleRef) bool { return false }); err != nil {
				return 0, 0, err
			}
		}
	}
	// Newer: published no earlier than a, oldest first, the same instant
	// only with a higher ID.
	newer := q
	newer.After, newer.Oldest, newer.Limit = at.Add(-time.Microsecond), true, neighbourWindow
	prev, done, err = first(newer, func(r digest.ArticleRef) bool { return r.Published.Equal(at) && r.ID <= a.ID })
	if err != nil {
		return 0, 0, err
	}
	if !done {
		tie := q
		tie.After, tie.Before, tie.AfterID, tie.Oldest, tie.Limit = at.Add(-time.Microsecond), at.Add(time.Microsecond), a.ID, true, 1
		if prev, _, err = first(tie, func(digest.ArticleRef) bool { return false }); err != nil {
			return 0, 0, err
		}
		if prev == 0 {
			strict := q
			strict.After, strict.Oldest, strict.Limit = at, true, 1
			if prev, _, err = first(strict, func(digest.ArticleRef) bool { return false }); err != nil {
				return 0, 0, err
			}
		}
	}
	return prev, next, nil
}

// articleNavFor builds the previous/next links of an article page.
func (s *Server) articleNavFor(r *http.Request, a *digest.Article, feeds map[int64]*digest.Feed) (articleNav, error) {
	q, f, err := articleList(r)
	if err != nil {
		return articleNav{}, err
	}
	ctx := ""
	if back := f.query(""); back != "/" {
		ctx = strings.TrimPrefix(back, "/")
	}
	nav := articleNav{Context: ctx, Back: f.query("")}
	switch {
	case f.FeedID != 0:
		nav.Label = outlet(feeds[f.FeedID], nil)
	case f.CategoryID != 0:
		for _, fd := range feeds {
			if fd.CategoryID == f.CategoryID {
				nav.Label = fd.Category
				break
			}
		}
	case f.Starred:
		nav.Label = "Starred"
	case f.Unread:
		nav.Label = "Unread"
	}
	prev, next, err := s.neighbours(r.Context(), q, a)
	if err != nil {
		return nav, err
	}
	if prev != 0 {
		nav.Prev = "/articles/" + strconv.FormatInt(prev, 10) + ctx
	}
	if next != 0 {
		nav.Next = "/articles/" + strconv.FormatInt(next, 10) + ctx
	}
	return nav, nil
}
