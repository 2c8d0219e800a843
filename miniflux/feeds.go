package miniflux

import (
	"net/http"
	"runtime"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// me: GET /v1/me → the user.
func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, toUser(user(r)))
}

// version: GET /v1/version → the Miniflux version we follow.
func (h *Handler) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, versionJSON{Version: h.opts.Version, GoVersion: runtime.Version(),
		Compiler: runtime.Compiler, Arch: runtime.GOARCH, OS: runtime.GOOS})
}

// markUserRead: PUT /v1/users/{id}/mark-all-as-read → 204; 403 for
// another user's ID.
func (h *Handler) markUserRead(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.error(w, r, err)
		return
	}
	u := user(r)
	if id != u.ID {
		h.error(w, r, digest.Errorf(digest.EFORBIDDEN, "Access Forbidden"))
		return
	}
	if _, err := h.store.MarkAllRead(r.Context(), digest.ArticleQuery{UserID: u.ID}); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// listFeeds: GET /v1/feeds → every feed of the user.
func (h *Handler) listFeeds(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	fs, err := h.store.Feeds(r.Context(), u.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	out := make([]feedJSON, 0, len(fs))
	for i := range fs {
		out = append(out, toFeed(u.ID, &fs[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// feed returns the user's feed of the path value id: ENOTFOUND for
// another user's.
func (h *Handler) feed(r *http.Request) (*digest.Feed, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	f, err := h.store.Feed(r.Context(), user(r).ID, id)
	if digest.IsNotFound(err) {
		return nil, digest.Errorf(digest.ENOTFOUND, "feed not found")
	}
	return f, err
}

// getFeed: GET /v1/feeds/{id} → the feed.
func (h *Handler) getFeed(w http.ResponseWriter, r *http.Request) {
	f, err := h.feed(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toFeed(user(r).ID, f))
}

type createFeedRequest struct {
	FeedURL    string `json:"feed_url"`
	CategoryID int64  `json:"category_id"`
	Crawler    bool   `json:"crawler"`
}

type createFeedResponse struct {
	FeedID int64 `json:"feed_id"`
}

// createFeed: POST /v1/feeds {"feed_url", "category_id", "crawler"} → 201
// {"feed_id"}. Other Miniflux options are ignored.
func (h *Handler) createFeed(w http.ResponseWriter, r *http.Request) {
	var req createFeedRequest
	if err := decode(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	req.FeedURL = strings.TrimSpace(req.FeedURL)
	if req.FeedURL == "" || len(req.FeedURL) > 2000 {
		h.error(w, r, digest.Errorf(digest.EINVALID, "The feed URL is required"))
		return
	}
	u := user(r)
	title, err := h.categoryTitle(r, req.CategoryID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	f, err := h.feeds.Subscribe(r.Context(), u.ID, req.FeedURL, title)
	if err != nil {
		if digest.IsNotFound(err) {
			// "no feed at that address" is the request's fault, not a
			// missing route: Miniflux answers 400.
			err = digest.WrapError(digest.EINVALID, digest.ErrorMessage(err), err)
		}
		h.error(w, r, err)
		return
	}
	if req.Crawler && f.Fetch != digest.FetchAlways {
		f.Fetch = digest.FetchAlways
		if err := h.store.UpdateFeed(r.Context(), u.ID, f); err != nil {
			h.error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusCreated, createFeedResponse{FeedID: f.ID})
}

// categoryTitle returns the title of the user's category id for a feed
// to be put in: "" for none (0 or UncategorizedID); EINVALID when the
// user has no such category, as Miniflux answers.
func (h *Handler) categoryTitle(r *http.Request, id int64) (string, error) {
	if id == 0 || id == UncategorizedID {
		return "", nil
	}
	if id < 0 || id > maxID {
		return "", digest.Errorf(digest.EINVALID, "This category does not exist or does not belong to this user")
	}
	cs, err := h.store.Categories(r.Context(), user(r).ID)
	if err != nil {
		return "", err
	}
	for _, c := range cs {
		if c.ID == id {
			return c.Title, nil
		}
	}
	return "", digest.Errorf(digest.EINVALID, "This category does not exist or does not belong to this user")
}

type updateFeedRequest struct {
	FeedURL    *string `json:"feed_url"`
	SiteURL    *string `json:"site_url"`
	Title      *string `json:"title"`
	CategoryID *int64  `json:"category_id"`
	Crawler    *bool   `json:"crawler"`
}

// updateFeed: PUT /v1/feeds/{id} {"title", "category_id", "crawler"} →
// 201 with the feed, as Miniflux answers. A different feed_url or site_url
// is refused; other options are ignored.
func (h *Handler) updateFeed(w http.ResponseWriter, r *http.Request) {
	f, err := h.feed(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var req updateFeedRequest
	if err := decode(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if req.FeedURL != nil && *req.FeedURL != "" && *req.FeedURL != f.URL {
		h.error(w, r, digest.Errorf(digest.EINVALID, "changing a feed's URL is not supported: subscribe to the new URL"))
		return
	}
	if req.SiteURL != nil && *req.SiteURL != "" && *req.SiteURL != f.SiteURL {
		h.error(w, r, digest.Errorf(digest.EINVALID, "changing a feed's site URL is not supported"))
		return
	}
	if req.Title != nil {
		t := strings.TrimSpace(*req.Title)
		if t == "" || len(t) > 1000 {
			h.error(w, r, digest.Errorf(digest.EINVALID, "The feed title is required"))
			return
		}
		f.Title = t
	}
	if req.CategoryID != nil {
		title, err := h.categoryTitle(r, *req.CategoryID)
		if err != nil {
			h.error(w, r, err)
			return
		}
		f.Category = title
		if title == "" {
			f.CategoryID = 0
		}
	}
	if req.Crawler != nil {
		switch {
		case *req.Crawler:
			f.Fetch = digest.FetchAlways
		case f.Fetch == digest.FetchAlways:
			f.Fetch = digest.FetchShort
		}
	}
	u := user(r)
	if err := h.store.UpdateFeed(r.Context(), u.ID, f); err != nil {
		h.error(w, r, err)
		return
	}
	f, err = h.store.Feed(r.Context(), u.ID, f.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toFeed(u.ID, f))
}

// deleteFeed: DELETE /v1/feeds/{id} → 204.
func (h *Handler) deleteFeed(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.store.DeleteFeed(r.Context(), user(r).ID, id); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// refreshFeed: PUT /v1/feeds/{id}/refresh → 204 once the feed is due.
func (h *Handler) refreshFeed(w http.ResponseWriter, r *http.Request) {
	f, err := h.feed(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.feeds.Refresh(r.Context(), user(r).ID, f.ID); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// refreshAll: PUT /v1/feeds/refresh → 204 once every feed of the user is
// due.
func (h *Handler) refreshAll(w http.ResponseWriter, r *http.Request) {
	if err := h.feeds.Refresh(r.Context(), user(r).ID); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// counters: GET /v1/feeds/counters → {"reads": {feed: n}, "unreads":
// {feed: n}}, feeds with no such article left out as in Miniflux.
// Unreads are the store's counters; reads come from one walk over the
// user's read articles (a count per feed costs a query each: 900 ms for
// 600 feeds at 200,000 articles), each counted in its own feed.
func (h *Handler) counters(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	fs, err := h.store.Feeds(r.Context(), u.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	out := countersJSON{Reads: map[int64]int{}, Unreads: map[int64]int{}}
	follows := make(map[int64]bool, len(fs))
	for _, f := range fs {
		follows[f.ID] = true
		if f.Unread > 0 {
			out.Unreads[f.ID] = f.Unread
		}
	}
	q := digest.ArticleQuery{UserID: u.ID, Read: true, ByID: true, Oldest: true, Limit: refsPage}
	for {
		refs, err := h.store.ArticleRefs(r.Context(), q)
		if err != nil {
			h.error(w, r, err)
			return
		}
		for _, ref := range refs {
			if follows[ref.FeedID] {
				out.Reads[ref.FeedID]++
			}
		}
		if len(refs) < refsPage {
			break
		}
		q.AfterID = refs[len(refs)-1].ID
	}
	writeJSON(w, http.StatusOK, out)
}

// refsPage is how many references one store call returns.
const refsPage = 100_000

// feedIcon: GET /v1/feeds/{id}/icon → the icon; 404 when the feed has
// none.
func (h *Handler) feedIcon(w http.ResponseWriter, r *http.Request) {
	f, err := h.feed(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if f.IconID == 0 {
		h.error(w, r, digest.Errorf(digest.ENOTFOUND, "This feed doesn't have any icon"))
		return
	}
	h.writeIcon(w, r, f.IconID)
}

// writeIcon answers an icon of one of the user's feeds.
func (h *Handler) writeIcon(w http.ResponseWriter, r *http.Request, iconID int64) {
	ic, err := h.store.Icon(r.Context(), user(r).ID, iconID)
	if digest.IsNotFound(err) {
		err = digest.Errorf(digest.ENOTFOUND, "This feed doesn't have any icon")
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toIcon(ic))
}

// icon: GET /v1/icons/{id} → an icon of one of the user's feeds; 404 for
// any other icon (the store checks).
func (h *Handler) icon(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.writeIcon(w, r, id)
}

// feedEntries: GET /v1/feeds/{id}/entries?... → the feed's entries.
func (h *Handler) feedEntries(w http.ResponseWriter, r *http.Request) {
	f, err := h.feed(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.entries(w, r, f.ID, 0)
}

// feedEntry: GET /v1/feeds/{id}/entries/{entryID} → one entry of the feed.
func (h *Handler) feedEntry(w http.ResponseWriter, r *http.Request) {
	f, err := h.feed(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.entry(w, r, func(a *digest.Article, fe *digest.Feed) bool { return inFeed(a, f.ID) })
}

// inFeed reports whether feed carries a.
func inFeed(a *digest.Article, feed int64) bool {
	if a.FeedID == feed {
		return true
	}
	for _, s := range a.Sources {
		if s.FeedID == feed {
			return true
		}
	}
	return false
}

// markFeedRead: PUT /v1/feeds/{id}/mark-all-as-read → 204.
func (h *Handler) markFeedRead(w http.ResponseWriter, r *http.Request) {
	f, err := h.feed(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if _, err := h.store.MarkAllRead(r.Context(), digest.ArticleQuery{UserID: user(r).ID, FeedID: f.ID}); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
