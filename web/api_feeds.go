package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// feedsPageJSON is a page of GET /api/v1/feeds.
type feedsPageJSON struct {
	Feeds []digest.Feed `json:"feeds"`
	Next  string        `json:"next"`  // "" on the last page
	Prev  string        `json:"prev"`  // "" on the first page
	Total int           `json:"total"` // feeds matching q
}

// apiFeedsDefaultLimit is the page size of GET /api/v1/feeds without a
// limit: the largest page, so that a client written when the route
// answered every feed in one list still sees all of a list up to 500 long.
const apiFeedsDefaultLimit = maxQueryLimit

// apiFeeds: GET /api/v1/feeds?q=&order=&limit=&cursor= → one page,
// {"feeds", "next", "prev", "total"}; without parameters the first page
// of the category order, which is the order of the full list it answered
// before paging existed.
func (s *Server) apiFeeds(w http.ResponseWriter, r *http.Request) {
	v, err := query(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	fv, err := parseFeedView(v)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	limit := apiFeedsDefaultLimit
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > maxQueryLimit {
			s.apiError(w, r, digest.Errorf(digest.EINVALID, "invalid limit %q: want 1 to %d", clip(l, 20), maxQueryLimit))
			return
		}
		limit = n
	}
	list, next, prev, err := s.store.FeedsPage(r.Context(), uid(r), fv.Q, fv.Order, limit, fv.Cursor)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	total, _, _, err := s.store.FeedTotals(r.Context(), uid(r), fv.Q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if list == nil {
		list = []digest.Feed{}
	}
	s.writeJSON(w, http.StatusOK, feedsPageJSON{Feeds: list, Next: next, Prev: prev, Total: total})
}

// apiFeed: GET /api/v1/feeds/{id} → the feed.
func (s *Server) apiFeed(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.store.Feed(r.Context(), uid(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, f)
}

type subscribeRequest struct {
	URL      string `json:"url"`
	Category string `json:"category"`
}

// apiFeedCreate: POST /api/v1/feeds {"url", "category"} → 201 and the feed.
func (s *Server) apiFeedCreate(w http.ResponseWriter, r *http.Request) {
	var req subscribeRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		s.apiError(w, r, err)
		return
	}
	req.URL, req.Category = strings.TrimSpace(req.URL), strings.TrimSpace(req.Category)
	if err := validateSubscription(req.URL, req.Category); err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.feeds.Subscribe(r.Context(), uid(r), req.URL, req.Category)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.cache.invalidate()
	w.Header().Set("Location", "/api/v1/feeds/"+strconv.FormatInt(f.ID, 10))
	s.writeJSON(w, http.StatusCreated, f)
}

// apiFeedDelete: DELETE /api/v1/feeds/{id} → 204.
func (s *Server) apiFeedDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.store.DeleteFeed(r.Context(), uid(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.cache.invalidate()
	w.WriteHeader(http.StatusNoContent)
}

type scheduledJSON struct {
	Status string `json:"status"`
}

// apiFeedRefresh: POST /api/v1/feeds/{id}/refresh → 202.
func (s *Server) apiFeedRefresh(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.store.Feed(r.Context(), uid(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.feeds.Refresh(r.Context(), uid(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusAccepted, scheduledJSON{Status: "scheduled"})
}

// apiFeedRefreshAll: POST /api/v1/feeds/refresh → 202.
func (s *Server) apiFeedRefreshAll(w http.ResponseWriter, r *http.Request) {
	if err := s.feeds.Refresh(r.Context(), uid(r)); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusAccepted, scheduledJSON{Status: "scheduled"})
}

// feedUpdate is the body of PATCH /api/v1/feeds/{id}: the fields to change.
type feedUpdate struct {
	Title     *string `json:"title"`
	Category  *string `json:"category"`
	FetchMode *string `json:"fetch_mode"`
}

// apply validates u and applies it to f.
func (u feedUpdate) apply(f *digest.Feed) error {
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		if t == "" || len(t) > 500 {
			return digest.Errorf(digest.EINVALID, "a feed title must have 1 to 500 characters")
		}
		f.Title = t
	}
	if u.Category != nil {
		c := strings.TrimSpace(*u.Category)
		if len(c) > 200 {
			return digest.Errorf(digest.EINVALID, "a category must have at most 200 characters")
		}
		f.Category = c
	}
	if u.FetchMode != nil {
		m := digest.FetchMode(*u.FetchMode)
		if !m.Valid() {
			return digest.Errorf(digest.EINVALID, "fetch_mode must be %q, %q or %q", digest.FetchNever, digest.FetchShort, digest.FetchAlways)
		}
		f.Fetch = m
	}
	return nil
}

// apiFeedUpdate: PATCH /api/v1/feeds/{id} {"title", "category",
// "fetch_mode"} (each optional) → the feed.
func (s *Server) apiFeedUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var u feedUpdate
	if err := s.decodeJSON(w, r, &u); err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.store.Feed(r.Context(), uid(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	before := f.Category
	if err := u.apply(f); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.store.UpdateFeed(r.Context(), uid(r), f); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.cache.invalidate()
	if f.Category != before {
		if err := s.categoryChanged(r.Context(), uid(r)); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	s.writeJSON(w, http.StatusOK, f)
}

// categoryChanged re-applies the user's rules after one of their feeds
// moved to another category, as the feed's edit form does: a rule may be
// scoped to a category. The durable rule job does it (see
// Store.QueueRuleJob), so a restart does not lose it.
func (s *Server) categoryChanged(ctx context.Context, userID int64) error {
	rs, err := s.store.Rules(ctx, userID)
	if err != nil || len(rs) == 0 {
		return err
	}
	if err := s.store.QueueRuleJob(ctx, userID); err != nil {
		return err
	}
	return s.rulesChanged(ctx, userID)
}
