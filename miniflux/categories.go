package miniflux

import (
	"net/http"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// listCategories: GET /v1/categories[?counts=true] → the user's categories
// by title and Uncategorized last; with counts, each one's feed_count and
// total_unread.
func (h *Handler) listCategories(w http.ResponseWriter, r *http.Request) {
	u := user(r)
	cs, err := h.store.Categories(r.Context(), u.ID)
	if err != nil {
		h.error(w, r, err)
		return
	}
	counts := r.URL.Query().Get("counts") == "true"
	out := make([]categoryJSON, 0, len(cs)+1)
	for _, c := range cs {
		cj := categoryJSON{ID: c.ID, Title: c.Title, UserID: u.ID}
		if counts {
			cj.FeedCount, cj.TotalUnread = new(c.Feeds), new(c.Unread)
		}
		out = append(out, cj)
	}
	unc := categoryJSON{ID: UncategorizedID, Title: uncategorizedTitle, UserID: u.ID}
	if counts {
		fs, err := h.store.Feeds(r.Context(), u.ID)
		if err != nil {
			h.error(w, r, err)
			return
		}
		n, unread := 0, 0
		for _, f := range fs {
			if f.CategoryID == 0 {
				n++
				unread += f.Unread
			}
		}
		unc.FeedCount, unc.TotalUnread = &n, &unread
	}
	writeJSON(w, http.StatusOK, append(out, unc))
}

// category returns the user's category of the path value id (the
// Uncategorized one too); ENOTFOUND for another user's.
func (h *Handler) category(r *http.Request) (*digest.Category, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if id == UncategorizedID {
		return &digest.Category{ID: UncategorizedID, Title: uncategorizedTitle}, nil
	}
	cs, err := h.store.Categories(r.Context(), user(r).ID)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		if cs[i].ID == id {
			return &cs[i], nil
		}
	}
	return nil, digest.Errorf(digest.ENOTFOUND, "category not found")
}

// queryCategory is the ArticleQuery.CategoryID of a category.
func queryCategory(id int64) int64 {
	if id == UncategorizedID {
		return -1
	}
	return id
}

type categoryRequest struct {
	Title *string `json:"title"`
}

func (req categoryRequest) title() (string, error) {
	if req.Title == nil {
		return "", digest.Errorf(digest.EINVALID, "The title is mandatory")
	}
	t := strings.TrimSpace(*req.Title)
	if t == "" {
		return "", digest.Errorf(digest.EINVALID, "The title is mandatory")
	}
	if len(t) > 1000 {
		return "", digest.Errorf(digest.EINVALID, "The title is too long")
	}
	return t, nil
}

// createCategory: POST /v1/categories {"title"} → 201 with the category;
// 400 when the user has one of that title.
func (h *Handler) createCategory(w http.ResponseWriter, r *http.Request) {
	var req categoryRequest
	if err := decode(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	t, err := req.title()
	if err != nil {
		h.error(w, r, err)
		return
	}
	u := user(r)
	c, err := h.store.CreateCategory(r.Context(), u.ID, t)
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, categoryJSON{ID: c.ID, Title: c.Title, UserID: u.ID})
}

// updateCategory: PUT /v1/categories/{id} {"title"} → 201 with the
// category, as Miniflux answers.
func (h *Handler) updateCategory(w http.ResponseWriter, r *http.Request) {
	c, err := h.category(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var req categoryRequest
	if err := decode(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if req.Title == nil { // hide_globally alone: nothing we keep
		writeJSON(w, http.StatusCreated, categoryJSON{ID: c.ID, Title: c.Title, UserID: user(r).ID})
		return
	}
	t, err := req.title()
	if err != nil {
		h.error(w, r, err)
		return
	}
	if c.ID == UncategorizedID {
		h.error(w, r, digest.Errorf(digest.EINVALID, "Uncategorized holds the feeds of no category: it cannot be renamed"))
		return
	}
	u := user(r)
	if err := h.store.RenameCategory(r.Context(), u.ID, c.ID, t); err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, categoryJSON{ID: c.ID, Title: t, UserID: u.ID})
}

// deleteCategory: DELETE /v1/categories/{id} → 204; its feeds stay, in
// Uncategorized.
func (h *Handler) deleteCategory(w http.ResponseWriter, r *http.Request) {
	c, err := h.category(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if c.ID == UncategorizedID {
		h.error(w, r, digest.Errorf(digest.EINVALID, "Uncategorized holds the feeds of no category: it cannot be deleted"))
		return
	}
	if err := h.store.DeleteCategory(r.Context(), user(r).ID, c.ID); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// categoryFeedList returns the user's feeds in category c.
func (h *Handler) categoryFeedList(r *http.Request, c *digest.Category) ([]digest.Feed, error) {
	fs, err := h.store.Feeds(r.Context(), user(r).ID)
	if err != nil {
		return nil, err
	}
	want := c.ID
	if want == UncategorizedID {
		want = 0
	}
	var out []digest.Feed
	for _, f := range fs {
		if f.CategoryID == want {
			out = append(out, f)
		}
	}
	return out, nil
}

// categoryFeeds: GET /v1/categories/{id}/feeds → the category's feeds.
func (h *Handler) categoryFeeds(w http.ResponseWriter, r *http.Request) {
	c, err := h.category(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	fs, err := h.categoryFeedList(r, c)
	if err != nil {
		h.error(w, r, err)
		return
	}
	u := user(r)
	out := make([]feedJSON, 0, len(fs))
	for i := range fs {
		out = append(out, toFeed(u.ID, &fs[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// categoryEntries: GET /v1/categories/{id}/entries?... → its entries.
func (h *Handler) categoryEntries(w http.ResponseWriter, r *http.Request) {
	c, err := h.category(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.entries(w, r, 0, c.ID)
}

// categoryEntry: GET /v1/categories/{id}/entries/{entryID} → one entry of
// a feed of the category.
func (h *Handler) categoryEntry(w http.ResponseWriter, r *http.Request) {
	c, err := h.category(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	want := c.ID
	if want == UncategorizedID {
		want = 0
	}
	h.entry(w, r, func(a *digest.Article, f *digest.Feed) bool { return f != nil && f.CategoryID == want })
}

// markCategoryRead: PUT /v1/categories/{id}/mark-all-as-read → 204.
func (h *Handler) markCategoryRead(w http.ResponseWriter, r *http.Request) {
	c, err := h.category(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	q := digest.ArticleQuery{UserID: user(r).ID, CategoryID: queryCategory(c.ID)}
	if _, err := h.store.MarkAllRead(r.Context(), q); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// refreshCategory: PUT /v1/categories/{id}/refresh → 204 once the
// category's feeds are due.
func (h *Handler) refreshCategory(w http.ResponseWriter, r *http.Request) {
	c, err := h.category(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	fs, err := h.categoryFeedList(r, c)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if len(fs) == 0 { // Refresh with no IDs would refresh every feed
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ids := make([]int64, len(fs))
	for i, f := range fs {
		ids[i] = f.ID
	}
	if err := h.feeds.Refresh(r.Context(), user(r).ID, ids...); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
