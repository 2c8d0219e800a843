package miniflux

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"net/http"
	"sync"

	digest "github.com/occasional-digest/digest"
)

// storePage is the most articles one store call returns.
const storePage = 500

// listEntries: GET /v1/entries?... → {"total", "entries"}.
func (h *Handler) listEntries(w http.ResponseWriter, r *http.Request) {
	h.entries(w, r, 0, 0)
}

// entries answers an entry list; feedID or categoryID, when not 0, come
// from the path and override the query's.
func (h *Handler) entries(w http.ResponseWriter, r *http.Request, feedID, categoryID int64) {
	f, err := parseEntryFilter(r.URL.RawQuery)
	if err != nil {
		h.error(w, r, err)
		return
	}
	u := user(r)
	q := f.Query
	q.UserID = u.ID
	if feedID != 0 {
		q.FeedID = feedID
	}
	if categoryID != 0 {
		q.CategoryID = queryCategory(categoryID)
	}
	out := entriesJSON{Entries: []entryJSON{}}
	if f.None {
		writeJSON(w, http.StatusOK, out)
		return
	}
	fs, err := h.store.Feeds(r.Context(), u.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	feeds := toFeedSet(u.ID, fs)
	total, ok := unreadTotal(q, fs)
	if !ok {
		total, err = h.count(r.Context(), q, fs)
		if err != nil {
			h.error(w, r, err)
			return
		}
	}
	out.Total = total
	q.WithContent = true
	for left := f.Limit; left > 0; {
		q.Limit = min(left, storePage)
		page, err := h.store.Articles(r.Context(), q)
		if err != nil {
			h.error(w, r, err)
			return
		}
		for i := range page.Articles {
			out.Entries = append(out.Entries, feeds.entry(u.ID, &page.Articles[i]))
		}
		left -= len(page.Articles)
		if len(page.Articles) < q.Limit {
			break
		}
		q.Offset += len(page.Articles)
	}
	writeJSON(w, http.StatusOK, out)
}

// count counts the articles q selects. A count with no filter on state,
// time or text (all of a user's articles, or a feed's, or a category's)
// is cached while the user's newest article and set of feeds stay the
// same: counting scans every article (90 ms at 120,000), and clients list
// entries without a status on every sync. (A merge of two articles with
// nothing new stored leaves it one too high until the next arrival.)
func (h *Handler) count(ctx context.Context, q digest.ArticleQuery, fs []digest.Feed) (int, error) {
	if q.Unread || q.Read || q.Starred || q.Search != "" || len(q.IDs) > 0 || q.StoryID != 0 ||
		!q.After.IsZero() || !q.Before.IsZero() || q.AfterID != 0 || q.BeforeID != 0 {
		return h.store.CountArticles(ctx, q)
	}
	newest, err := h.store.ArticleRefs(ctx, digest.ArticleQuery{UserID: q.UserID, ByID: true, Limit: 1})
	if err != nil {
		return 0, err
	}
	key := totalKey{user: q.UserID, feed: q.FeedID, category: q.CategoryID}
	if len(newest) > 0 {
		key.newest = newest[0].ID
	}
	fh := fnv.New64a()
	var b [8]byte
	for _, f := range fs {
		binary.LittleEndian.PutUint64(b[:], uint64(f.ID))
		fh.Write(b[:])
	}
	key.feeds = fh.Sum64()
	h.totals.mu.Lock()
	n, ok := h.totals.m[key]
	h.totals.mu.Unlock()
	if ok {
		return n, nil
	}
	n, err = h.store.CountArticles(ctx, q)
	if err != nil {
		return 0, err
	}
	h.totals.mu.Lock()
	if h.totals.m == nil || len(h.totals.m) >= maxTotals {
		h.totals.m = map[totalKey]int{}
	}
	h.totals.m[key] = n
	h.totals.mu.Unlock()
	return n, nil
}

// totals caches counts; see count.
type totals struct {
	mu sync.Mutex
	m  map[totalKey]int
}

type totalKey struct {
	user, feed, category, newest int64
	feeds                        uint64 // hash of the user's feed IDs
}

// maxTotals bounds the cached counts.
const maxTotals = 10_000

// feedSet is the user's feeds by ID, converted once per request.
type feedSet map[int64]*feedJSON

func toFeedSet(userID int64, fs []digest.Feed) feedSet {
	m := make(feedSet, len(fs))
	for i := range fs {
		fj := toFeed(userID, &fs[i])
		m[fs[i].ID] = &fj
	}
	return m
}

// unreadTotal answers the total of an unread list from the feeds' unread
// counters, which the store keeps, instead of counting the articles (a
// scan of every unread article: 130 ms at 80,000). It applies when q
// filters by status unread and at most a feed or a category. The total of
// one feed is exact; across feeds, an article carried by two feeds the
// user follows counts twice, as in the reader's own totals.
func unreadTotal(q digest.ArticleQuery, fs []digest.Feed) (int, bool) {
	if !q.Unread || q.Read || q.Starred || q.Search != "" || len(q.IDs) > 0 || q.StoryID != 0 ||
		!q.After.IsZero() || !q.Before.IsZero() || q.AfterID != 0 || q.BeforeID != 0 {
		return 0, false
	}
	n := 0
	for _, f := range fs {
		switch {
		case q.FeedID != 0 && f.ID != q.FeedID:
		case q.CategoryID == -1 && f.CategoryID != 0:
		case q.CategoryID > 0 && f.CategoryID != q.CategoryID:
		default:
			n += f.Unread
		}
	}
	return n, true
}

// entry converts a, naming as its feed one the user follows: the
// article's own feed, or else the first of its sources the user follows.
func (fs feedSet) entry(userID int64, a *digest.Article) entryJSON {
	if _, ok := fs[a.FeedID]; !ok {
		for _, s := range a.Sources {
			if _, ok := fs[s.FeedID]; ok {
				a.FeedID = s.FeedID
				break
			}
		}
	}
	return toEntry(userID, a, fs[a.FeedID])
}

// entryArticle returns the user's article of the path value entryID (or
// id): ENOTFOUND for one the user does not see.
func (h *Handler) entryArticle(r *http.Request, name string) (*digest.Article, error) {
	id, err := pathID(r, name)
	if err != nil {
		return nil, err
	}
	a, err := h.store.Article(r.Context(), user(r).ID, id)
	if digest.IsNotFound(err) {
		return nil, digest.Errorf(digest.ENOTFOUND, "entry not found")
	}
	return a, err
}

// entry answers the article of the path's entryID when keep accepts it
// (with the user's feed of it), 404 otherwise.
func (h *Handler) entry(w http.ResponseWriter, r *http.Request, keep func(*digest.Article, *digest.Feed) bool) {
	a, err := h.entryArticle(r, "entryID")
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.writeEntry(w, r, a, keep)
}

func (h *Handler) writeEntry(w http.ResponseWriter, r *http.Request, a *digest.Article, keep func(*digest.Article, *digest.Feed) bool) {
	u := user(r)
	fs, err := h.store.Feeds(r.Context(), u.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	set := toFeedSet(u.ID, fs)
	byID := make(map[int64]*digest.Feed, len(fs))
	for i := range fs {
		byID[fs[i].ID] = &fs[i]
	}
	e := set.entry(u.ID, a)
	if keep != nil && !keep(a, byID[a.FeedID]) {
		h.error(w, r, digest.Errorf(digest.ENOTFOUND, "entry not found"))
		return
	}
	writeJSON(w, http.StatusOK, e)
}

// getEntry: GET /v1/entries/{id} → the entry with its content.
func (h *Handler) getEntry(w http.ResponseWriter, r *http.Request) {
	a, err := h.entryArticle(r, "id")
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.writeEntry(w, r, a, nil)
}

type fetchContentJSON struct {
	Content     string `json:"content"`
	ReadingTime int    `json:"reading_time"`
}

// fetchContent: GET /v1/entries/{id}/fetch-content → {"content",
// "reading_time"}: the
// content we hold (the pipeline extracts pages itself).
func (h *Handler) fetchContent(w http.ResponseWriter, r *http.Request) {
	a, err := h.entryArticle(r, "id")
	if err != nil {
		h.error(w, r, err)
		return
	}
	e := toEntry(0, a, nil)
	writeJSON(w, http.StatusOK, fetchContentJSON{Content: e.Content, ReadingTime: e.ReadingTime})
}

type updateEntriesRequest struct {
	EntryIDs []int64 `json:"entry_ids"`
	Status   string  `json:"status"`
	Starred  *bool   `json:"starred"`
}

// updateEntries: PUT /v1/entries {"entry_ids", "status"} or {"entry_ids",
// "starred"} → 204. IDs the user does not see are ignored, as in
// Miniflux; every ID is checked before anything changes.
func (h *Handler) updateEntries(w http.ResponseWriter, r *http.Request) {
	var req updateEntriesRequest
	if err := decode(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if len(req.EntryIDs) == 0 {
		h.error(w, r, digest.Errorf(digest.EINVALID, "The list of entries cannot be empty"))
		return
	}
	if len(req.EntryIDs) > MaxIDs {
		h.error(w, r, digest.Errorf(digest.EINVALID, "Too many entries: at most %d per request", MaxIDs))
		return
	}
	for _, id := range req.EntryIDs {
		if id <= 0 || id > maxID {
			h.error(w, r, digest.Errorf(digest.EINVALID, "Invalid entry ID %d", id))
			return
		}
	}
	if req.Status == "" && req.Starred == nil {
		h.error(w, r, digest.Errorf(digest.EINVALID, "Give a status or starred"))
		return
	}
	if req.Status != "" && req.Status != "read" && req.Status != "unread" {
		h.error(w, r, digest.Errorf(digest.EINVALID, "Invalid status value: %q", clip(req.Status, 20)))
		return
	}
	uid := user(r).ID
	if req.Status != "" {
		if _, err := h.store.MarkRead(r.Context(), uid, req.EntryIDs, req.Status == "read"); err != nil {
			h.error(w, r, err)
			return
		}
	}
	if req.Starred != nil {
		if _, err := h.store.MarkStarred(r.Context(), uid, req.EntryIDs, *req.Starred); err != nil {
			h.error(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// toggleStar: PUT /v1/entries/{id}/bookmark (or /star) → 204, the starred
// flag flipped.
func (h *Handler) toggleStar(w http.ResponseWriter, r *http.Request) {
	a, err := h.entryArticle(r, "id")
	if err != nil {
		h.error(w, r, err)
		return
	}
	if _, err := h.store.MarkStarred(r.Context(), user(r).ID, []int64{a.ID}, !a.Starred); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
