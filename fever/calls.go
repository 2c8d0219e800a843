package fever

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// response is one answer: the members a call asked for, absent otherwise.
type response struct {
	APIVersion    int          `json:"api_version"`
	Auth          int          `json:"auth"`
	LastRefreshed int64        `json:"last_refreshed_on_time"`
	Groups        *[]group     `json:"groups,omitempty"`
	Feeds         *[]feed      `json:"feeds,omitempty"`
	FeedsGroups   *[]feedGroup `json:"feeds_groups,omitempty"`
	Favicons      *[]favicon   `json:"favicons,omitempty"`
	Items         *[]item      `json:"items,omitempty"`
	TotalItems    *int         `json:"total_items,omitempty"`
	UnreadItemIDs *string      `json:"unread_item_ids,omitempty"`
	SavedItemIDs  *string      `json:"saved_item_ids,omitempty"`
	Links         *[]struct{}  `json:"links,omitempty"`
}

type group struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

type feedGroup struct {
	GroupID int64  `json:"group_id"`
	FeedIDs string `json:"feed_ids"` // comma-separated
}

type feed struct {
	ID          int64  `json:"id"`
	FaviconID   int64  `json:"favicon_id"`
	Title       string `json:"title"`
	URL         string `json:"url"`
	SiteURL     string `json:"site_url"`
	IsSpark     int    `json:"is_spark"`
	LastUpdated int64  `json:"last_updated_on_time"`
}

type favicon struct {
	ID   int64  `json:"id"`
	Data string `json:"data"` // "image/png;base64,...": a data URI without its scheme, as Fever sends it
}

type item struct {
	ID        int64  `json:"id"`
	FeedID    int64  `json:"feed_id"`
	Title     string `json:"title"`
	Author    string `json:"author"`
	HTML      string `json:"html"`
	URL       string `json:"url"`
	IsSaved   int    `json:"is_saved"`
	IsRead    int    `json:"is_read"`
	CreatedOn int64  `json:"created_on_time"`
}

// call performs the writes, then the reads, that params ask for.
func (h *Handler) call(r *http.Request, u *digest.User, params url.Values) (*response, error) {
	ctx := r.Context()
	resp := &response{APIVersion: APIVersion, Auth: 1}
	// Reads of state come after writes, so that a write answers with the
	// state it left.
	wantUnread, wantSaved, err := h.mark(ctx, u.ID, params)
	if err != nil {
		return nil, err
	}
	if params.Has("unread_recently_read") {
		// We do not record when an article was read; nothing to undo.
		wantUnread = true
	}
	feeds, err := h.store.Feeds(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range feeds {
		resp.LastRefreshed = max(resp.LastRefreshed, unix(f.LastCheck))
	}
	if params.Has("groups") || params.Has("feeds") {
		fg := feedsGroups(feeds)
		resp.FeedsGroups = &fg
	}
	if params.Has("groups") {
		cs, err := h.store.Categories(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		gs := make([]group, 0, len(cs))
		for _, c := range cs {
			gs = append(gs, group{ID: c.ID, Title: c.Title})
		}
		resp.Groups = &gs
	}
	if params.Has("feeds") {
		fs := make([]feed, 0, len(feeds))
		for _, f := range feeds {
			fs = append(fs, feed{ID: f.ID, FaviconID: f.IconID, Title: f.Title, URL: f.URL,
				SiteURL: f.SiteURL, LastUpdated: unix(f.LastCheck)})
		}
		resp.Feeds = &fs
	}
	if params.Has("favicons") {
		fav, err := h.favicons(ctx, u.ID, feeds)
		if err != nil {
			return nil, err
		}
		resp.Favicons = &fav
	}
	if params.Has("items") {
		items, err := h.items(ctx, u.ID, params, feeds)
		if err != nil {
			return nil, err
		}
		resp.Items = &items
		total, err := h.totalItems(ctx, u.ID, feeds)
		if err != nil {
			return nil, err
		}
		resp.TotalItems = &total
	}
	if wantUnread || params.Has("unread_item_ids") {
		s, err := h.idList(ctx, digest.ArticleQuery{UserID: u.ID, Unread: true})
		if err != nil {
			return nil, err
		}
		resp.UnreadItemIDs = &s
	}
	if wantSaved || params.Has("saved_item_ids") {
		s, err := h.idList(ctx, digest.ArticleQuery{UserID: u.ID, Starred: true})
		if err != nil {
			return nil, err
		}
		resp.SavedItemIDs = &s
	}
	if params.Has("links") {
		resp.Links = &[]struct{}{}
	}
	return resp, nil
}

// mark performs mark=item|feed|group. It reports which ID list the answer
// should carry.
func (h *Handler) mark(ctx context.Context, userID int64, params url.Values) (unread, saved bool, err error) {
	what := params.Get("mark")
	if what == "" {
		return false, false, nil
	}
	as := params.Get("as")
	idText := params.Get("id")
	switch what {
	case "item":
		id, ok := parseID(idText)
		if !ok {
			return false, false, bad("mark=item: id must be a positive integer")
		}
		ids := []int64{id}
		switch as {
		case "read", "unread":
			_, err = h.store.MarkRead(ctx, userID, ids, as == "read")
			return true, false, err
		case "saved", "unsaved":
			_, err = h.store.MarkStarred(ctx, userID, ids, as == "saved")
			return false, true, err
		}
		return false, false, bad("mark=item: as must be read, unread, saved or unsaved")
	case "feed", "group":
		if as != "read" {
			return false, false, bad("mark=" + what + ": as must be read")
		}
		before, err := parseBefore(params.Get("before"))
		if err != nil {
			return false, false, err
		}
		q := digest.ArticleQuery{UserID: userID}
		if what == "feed" {
			id, ok := parseID(idText)
			if !ok {
				return false, false, bad("mark=feed: id must be a positive integer")
			}
			q.FeedID = id
		} else {
			id, err := strconv.ParseInt(idText, 10, 64)
			switch {
			case err != nil || id < -1:
				return false, false, bad("mark=group: id must be a group id, 0 (Kindling) or -1 (Sparks)")
			case id == -1: // Sparks: we have none
				return true, false, nil
			case id > 0:
				q.CategoryID = id
			}
		}
		q.BeforeID, err = h.arrivedBefore(ctx, q, before)
		if err == nil && q.BeforeID >= 0 {
			_, err = h.store.MarkAllRead(ctx, q)
		}
		if digest.IsNotFound(err) {
			// A group or feed the user does not have: nothing to mark,
			// as for one that does not exist.
			err = nil
		}
		return true, false, err
	}
	return false, false, bad("mark must be item, feed or group")
}

// parseBefore parses the before of mark=feed|group: a Unix time. Empty
// or 0 means no bound: some clients leave it out when marking everything.
func parseBefore(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 253402300799 {
		return time.Time{}, bad("before must be a Unix time")
	}
	if n == 0 {
		return time.Time{}, nil
	}
	return time.Unix(n, 0), nil
}

// Bounds of the walk of arrivedBefore.
const (
	arrivalPage  = 500
	arrivalPages = 20
)

// arrivedBefore returns the BeforeID that keeps, of the unread articles q
// selects, those stored before the time before: Fever's before is the
// time of the client's last items call, so an article that arrived later
// (even one published long before) is one the client has not shown and
// must stay unread. IDs increase in arrival order, so the articles that
// arrived at or after before are the newest IDs: it walks them newest
// first. It returns 0 (no bound) when none arrived since, -1 when every
// unread article did (nothing to mark), and when more than arrivalPages
// pages arrived since, the lowest ID it saw: a bound that may keep too
// much unread, never too little.
func (h *Handler) arrivedBefore(ctx context.Context, q digest.ArticleQuery, before time.Time) (int64, error) {
	if before.IsZero() {
		return 0, nil
	}
	q.Unread, q.ByID, q.Oldest, q.Limit = true, true, false, arrivalPage
	bound := int64(0)
	for range arrivalPages {
		page, err := h.store.Articles(ctx, q)
		if err != nil {
			return 0, err
		}
		for _, a := range page.Articles {
			if a.Created.Before(before) {
				return bound, nil
			}
			bound = a.ID
		}
		if len(page.Articles) < arrivalPage {
			if bound != 0 {
				return -1, nil
			}
			return 0, nil
		}
		q.BeforeID = bound
	}
	return bound, nil
}

// feedsGroups lists, for each of the user's categories with feeds, its
// feeds.
func feedsGroups(feeds []digest.Feed) []feedGroup {
	byCat := map[int64][]string{}
	var order []int64
	for _, f := range feeds {
		if f.CategoryID == 0 {
			continue
		}
		if _, ok := byCat[f.CategoryID]; !ok {
			order = append(order, f.CategoryID)
		}
		byCat[f.CategoryID] = append(byCat[f.CategoryID], strconv.FormatInt(f.ID, 10))
	}
	out := make([]feedGroup, 0, len(order))
	for _, c := range order {
		out = append(out, feedGroup{GroupID: c, FeedIDs: strings.Join(byCat[c], ",")})
	}
	return out
}

// favicons lists the icons of the user's feeds, each once.
func (h *Handler) favicons(ctx context.Context, userID int64, feeds []digest.Feed) ([]favicon, error) {
	out := []favicon{}
	seen := map[int64]bool{}
	for _, f := range feeds {
		if f.IconID == 0 || seen[f.IconID] {
			continue
		}
		seen[f.IconID] = true
		ic, err := h.store.Icon(ctx, userID, f.IconID)
		if digest.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, favicon{ID: f.IconID,
			Data: ic.ContentType + ";base64," + base64.StdEncoding.EncodeToString(ic.Data)})
	}
	return out, nil
}

// items answers items: with_ids (up to 50 named items), since_id (the 50
// next items after it, in ID order), max_id (the 50 items before it,
// newest first; 0: the newest), or with none of them the newest 50.
func (h *Handler) items(ctx context.Context, userID int64, params url.Values, feeds []digest.Feed) ([]item, error) {
	q := digest.ArticleQuery{UserID: userID, ByID: true, WithContent: true, Limit: ItemsPerCall}
	switch {
	case params.Has("with_ids"):
		ids, err := ParseIDList(params.Get("with_ids"), MaxWithIDs)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return []item{}, nil
		}
		q.IDs, q.Oldest = ids, true
	case params.Has("since_id"):
		id, err := parseBound(params.Get("since_id"))
		if err != nil {
			return nil, bad("since_id must be an item id")
		}
		q.AfterID, q.Oldest = id, true
	case params.Has("max_id"):
		id, err := parseBound(params.Get("max_id"))
		if err != nil {
			return nil, bad("max_id must be an item id")
		}
		q.BeforeID = id
	}
	page, err := h.store.Articles(ctx, q)
	if err != nil {
		return nil, err
	}
	follows := make(map[int64]bool, len(feeds))
	for _, f := range feeds {
		follows[f.ID] = true
	}
	out := make([]item, 0, len(page.Articles))
	for i := range page.Articles {
		a := &page.Articles[i]
		html := a.Content
		if html == "" && a.Summary != "" {
			html = "<p>" + htmlEscaper.Replace(a.Summary) + "</p>"
		}
		out = append(out, item{ID: a.ID, FeedID: userFeed(a, follows), Title: a.Title, Author: a.Author,
			HTML: html, URL: a.URL, IsSaved: b2i(a.Starred), IsRead: b2i(a.Read), CreatedOn: unix(a.Published)})
	}
	return out, nil
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;")

// userFeed is the feed through which the user sees a: its own feed, or
// else the first of its sources the user follows.
func userFeed(a *digest.Article, follows map[int64]bool) int64 {
	if follows[a.FeedID] {
		return a.FeedID
	}
	for _, s := range a.Sources {
		if follows[s.FeedID] {
			return s.FeedID
		}
	}
	return a.FeedID
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// refsPage is how many IDs one store call returns for an ID list.
const refsPage = 100_000

// idList returns the IDs of the articles q selects, comma-separated, in ID
// order.
func (h *Handler) idList(ctx context.Context, q digest.ArticleQuery) (string, error) {
	q.ByID, q.Oldest, q.Limit = true, true, refsPage
	var b strings.Builder
	for {
		ids, err := h.store.ArticleIDs(ctx, q)
		if err != nil {
			return "", err
		}
		for _, id := range ids {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
		if len(ids) < refsPage {
			return b.String(), nil
		}
		q.AfterID = ids[len(ids)-1]
	}
}

// totals caches each user's total_items: counting a user's articles
// scans them all (88 ms at 120,000), and clients ask for items every
// sync. An entry holds while the user's newest article, set of feeds and
// rules' hidden articles stay the same: new articles raise the newest ID,
// subscribing and unsubscribing change the feeds, and every verdict that
// hides or shows an article changes the store's RuleJob.Hidden (a rule
// change re-applied, an age rule coming due). (A merge of two articles
// the user sees with nothing new stored leaves it one too high until the
// next arrival.)
type totals struct {
	mu sync.Mutex
	m  map[int64]totalEntry
}

type totalEntry struct {
	newest int64
	feeds  uint64 // hash of the feed IDs
	hidden int64  // digest.RuleJob.Hidden
	n      int
}

// maxTotals bounds the users whose totals are kept.
const maxTotals = 10_000

func (h *Handler) totalItems(ctx context.Context, userID int64, feeds []digest.Feed) (int, error) {
	newest, err := h.store.ArticleRefs(ctx, digest.ArticleQuery{UserID: userID, ByID: true, Limit: 1})
	if err != nil {
		return 0, err
	}
	key := totalEntry{}
	if len(newest) > 0 {
		key.newest = newest[0].ID
	}
	fh := fnv.New64a()
	var b [8]byte
	for _, f := range feeds {
		binary.LittleEndian.PutUint64(b[:], uint64(f.ID))
		fh.Write(b[:])
	}
	key.feeds = fh.Sum64()
	job, err := h.store.RuleJob(ctx, userID)
	if err != nil {
		return 0, err
	}
	key.hidden = job.Hidden
	h.totals.mu.Lock()
	e, ok := h.totals.m[userID]
	h.totals.mu.Unlock()
	if ok && e.newest == key.newest && e.feeds == key.feeds && e.hidden == key.hidden {
		return e.n, nil
	}
	n, err := h.store.CountArticles(ctx, digest.ArticleQuery{UserID: userID})
	if err != nil {
		return 0, err
	}
	key.n = n
	h.totals.mu.Lock()
	if h.totals.m == nil || len(h.totals.m) >= maxTotals {
		h.totals.m = map[int64]totalEntry{}
	}
	h.totals.m[userID] = key
	h.totals.mu.Unlock()
	return n, nil
}
