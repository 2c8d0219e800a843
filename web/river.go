package web

import (
	"html"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// item is one article as lists show it.
type item struct {
	digest.Article
	Outlet string
	IconID int64
	// Snippet is the summary's start, escaped, or for a search the
	// store's snippet: escaped text with the matched words in <mark>.
	Snippet template.HTML
	Return  string // where the item's forms come back to
	// Context is the query of the list the item is shown in ("?feed=3"),
	// carried to the article's page for its previous and next links.
	Context string
}

type riverFilter struct {
	Unread     bool
	Starred    bool
	FeedID     int64
	CategoryID int64
	Q          string
	Sort       string // "relevance" or "" (newest first)
}

// Any reports whether any filter is set.
func (f riverFilter) Any() bool {
	return f.Unread || f.Starred || f.FeedID != 0 || f.CategoryID != 0 || f.Q != ""
}

// query encodes the filter, plus a cursor when not empty.
func (f riverFilter) query(cursor string) string {
	v := url.Values{}
	if f.Unread {
		v.Set("unread", "1")
	}
	if f.Starred {
		v.Set("starred", "1")
	}
	if f.FeedID != 0 {
		v.Set("feed", strconv.FormatInt(f.FeedID, 10))
	}
	if f.CategoryID != 0 {
		v.Set("category", strconv.FormatInt(f.CategoryID, 10))
	}
	if f.Q != "" {
		v.Set("q", f.Q)
	}
	if f.Sort != "" && f.Q != "" {
		v.Set("sort", f.Sort)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

type riverPage struct {
	layout
	Filter      riverFilter
	FeedTitle   string // the filtered feed's title
	Feeds       []digest.Feed
	ForYou      []foryouCard // the front page's stories ranked for the reader
	MoreStories bool         // more stories than the front page shows
	Hidden      int          // stories the reader's mutes took off
	Onboard     *onboarding  // a new reader's first choices to make
	Undo        *undoDismiss // the story just dismissed, to bring back
	Items       []item
	Next        string // URL of the next (older) page, "" on the last
	First       bool   // no cursor: the newest page
	Newest      string // URL of the first page with the same filters
	HasFeeds    bool
	MoreFeeds   bool // the picker shows only some outlets; /feeds lists all
	Tabs        []tab
	Reader      readerNav // categories with unread counts, mark all read
	// ForYouHTML and ItemsHTML are ForYou and Items written out (see
	// renderRiver).
	ForYouHTML template.HTML
	ItemsHTML  template.HTML
	FeedsHTML  template.HTML // the picker's Feeds
	forYou     *forYouResult // the ranking ForYou comes from, nil for none
}

type tab struct {
	Label   string
	URL     string
	Current bool
}

// tabs are the All / Unread / Starred switches, keeping the feed and the
// search.
func (f riverFilter) tabs() []tab {
	all, unread, starred := f, f, f
	all.Unread, all.Starred = false, false
	unread.Unread, unread.Starred = true, false
	starred.Unread, starred.Starred = false, true
	return []tab{
		{"All", all.query(""), !f.Unread && !f.Starred},
		{"Unread", unread.query(""), f.Unread && !f.Starred},
		{"Starred", starred.query(""), f.Starred},
	}
}

// river is the front page: top stories when there are any, then the
// latest articles, newest first, filtered and paged by cursor.
func (s *Server) river(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := query(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	q, err := parseArticleQuery(v, s.cfg.PageSize)
	q.UserID = uid(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	kept, err := s.articlePage(ctx, q)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page := kept.page
	f := riverFilter{Unread: q.Unread, Starred: q.Starred, FeedID: q.FeedID, CategoryID: q.CategoryID, Q: q.Search}
	if q.Relevance {
		f.Sort = "relevance"
	}
	ids := make([]int64, 0, len(page.Articles)+1)
	for _, a := range page.Articles {
		ids = append(ids, a.FeedID)
	}
	if f.FeedID != 0 {
		ids = append(ids, f.FeedID)
	}
	byID, err := s.cache.lookup(ctx, uid(r), ids...)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	fe, err := s.cache.entry(ctx, uid(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	list := fe.list
	picked, pickedHTML := fe.picker()
	p := riverPage{
		layout:    s.layout(r, "", "river"),
		Filter:    f,
		Feeds:     picked,
		FeedsHTML: pickedHTML,
		MoreFeeds: len(list) > maxPickerFeeds,
		Items:     s.itemsWith(byID, page.Articles, kept.snippetsOf(), r.URL.RequestURI()),
		First:     q.Cursor == "",
		Newest:    f.query(""),
		Tabs:      f.tabs(),
		HasFeeds:  len(list) > 0,
	}
	if f.FeedID != 0 {
		fd, ok := byID[f.FeedID]
		if !ok {
			s.pageError(w, r, digest.Errorf(digest.ENOTFOUND, "no feed %d", f.FeedID))
			return
		}
		p.FeedTitle = outlet(fd, nil)
		p.Title = p.FeedTitle
	}
	if page.Next != "" {
		p.Next = f.query(page.Next)
	}
	s.readerNav(&p, list)
	// The items written out: the same bytes while the page, the return
	// address, the list's context, the zone and every item's outlet,
	// icon and relative time are.
	c := s.pagesFor(r).clock()
	var key strings.Builder
	key.WriteString(r.URL.RequestURI())
	key.WriteByte(0)
	key.WriteString(c.loc.String())
	for i := range p.Items {
		it := &p.Items[i]
		key.WriteByte(0)
		key.WriteString(it.Context)
		key.WriteByte(0)
		key.WriteString(it.Outlet)
		key.WriteByte(0)
		key.WriteString(strconv.FormatInt(it.IconID, 10))
		key.WriteByte(0)
		key.WriteString(ago(c.now, it.Published.In(c.loc)))
	}
	p.ItemsHTML = kept.itemsHTML(key.String(), func() template.HTML { return riverItems(c, p.Items) })
	if p.First && !f.Any() {
		if err := s.forYouInto(ctx, r, &p); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderRiver(w, r, &p)
}

// renderRiver writes out p's story cards and items in Go (riverhtml.go)
// and renders the page around them. Rendering them with html/template
// cost most of the page's CPU (reflective field lookups and function
// calls per item).
func (s *Server) renderRiver(w http.ResponseWriter, r *http.Request, p *riverPage) {
	c := s.pagesFor(r).clock()
	if p.forYou != nil && len(p.ForYou) > 0 {
		p.ForYouHTML = p.forYou.cardsHTML(c, p.ForYou, p.ForYou[0].Return)
	} else {
		p.ForYouHTML = forYouCards(c, p.ForYou)
	}
	if p.ItemsHTML == "" {
		p.ItemsHTML = riverItems(c, p.Items)
	}
	if p.FeedsHTML == "" {
		p.FeedsHTML = pickerFeedsHTML(p.Feeds)
	}
	s.render(w, r, http.StatusOK, "river", *p)
}

// items prepares articles for a list; feeds come from the cache.
func (s *Server) items(byID map[int64]*digest.Feed, articles []digest.Article, back string) []item {
	return s.itemsWith(byID, articles, nil, back)
}

// itemSnippet is the snippet an item shows of a: the summary's start,
// escaped, or the store's snippet of a search.
func itemSnippet(a *digest.Article) template.HTML {
	if a.Snippet != "" {
		return template.HTML(a.Snippet) // escaped by the store (search.Snippet)
	}
	return template.HTML(html.EscapeString(snippet(a.Summary, 280)))
}

// itemsWith is items with the snippets made already (snippets[i] is
// articles[i]'s; nil: made here).
func (s *Server) itemsWith(byID map[int64]*digest.Feed, articles []digest.Article, snippets []template.HTML, back string) []item {
	out := make([]item, len(articles))
	for i, a := range articles {
		f := byID[a.FeedID]
		it := item{Article: a, Outlet: outlet(f, &a), Return: back}
		if snippets != nil {
			it.Snippet = snippets[i]
		} else {
			it.Snippet = itemSnippet(&a)
		}
		if f != nil {
			it.IconID = f.IconID
		}
		out[i] = it
	}
	return out
}

// maxPickerFeeds bounds the outlets listed in the river's picker: a reader
// with thousands of feeds must not pay for rendering them on every page.
const maxPickerFeeds = 40

// pickerFeeds returns up to n feeds for the picker: those with the most
// unread articles, in the list's order (category, title).
func pickerFeeds(list []digest.Feed, n int) []digest.Feed {
	if len(list) <= n {
		return list
	}
	idx := make([]int, len(list))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return list[b].Unread - list[a].Unread })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]digest.Feed, n)
	for i, j := range idx {
		out[i] = list[j]
	}
	return out
}
