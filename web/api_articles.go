package web

import (
	"net/http"

	digest "github.com/occasional-digest/digest"
)

// apiArticles: GET /api/v1/articles?feed_id=&unread=1&starred=1&q=&sort=&limit=&cursor=
// → the digest.ArticlePage: {"articles": [...], "next": "..."}. With q,
// each article has a snippet (safe HTML, matches in <mark>); sort=relevance
// lists the most relevant first.
func (s *Server) apiArticles(w http.ResponseWriter, r *http.Request) {
	v, err := query(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	q, err := parseArticleQuery(v, 0)
	q.UserID = uid(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.articlePage(r.Context(), q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	b, err := page.encoded() // as writeJSON would, once per page kept
	if err != nil {
		s.writeJSON(w, http.StatusOK, page.page) // fails the same way, and answers so
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// apiArticle: GET /api/v1/articles/{id} → the article with content and
// sources. Reading it through the API does not mark it read.
func (s *Server) apiArticle(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := s.store.Article(r.Context(), uid(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, a)
}

// apiArticleMark: POST /api/v1/articles/{id}/read|unread|star|unstar → 204;
// 404 for an unknown article.
func (s *Server) apiArticleMark(m mark) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		a, err := s.store.Article(r.Context(), uid(r), id)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		if _, err := m.apply(r, s.store, []int64{id}); err != nil {
			s.apiError(w, r, err)
			return
		}
		s.learnStarred(r, m, a)
		w.WriteHeader(http.StatusNoContent)
	}
}

// maxBulkIDs bounds a bulk request.
const maxBulkIDs = 1000

type idsRequest struct {
	IDs []int64 `json:"ids"`
}

// apiArticlesMark: POST /api/v1/articles/read|unread {"ids": [...]} → 204.
// Unknown IDs are ignored: marking is idempotent.
func (s *Server) apiArticlesMark(m mark) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req idsRequest
		if err := s.decodeJSON(w, r, &req); err != nil {
			s.apiError(w, r, err)
			return
		}
		if len(req.IDs) == 0 {
			s.apiError(w, r, digest.Errorf(digest.EINVALID, "ids is required: a non-empty list of article ids"))
			return
		}
		if len(req.IDs) > maxBulkIDs {
			s.apiError(w, r, digest.Errorf(digest.EINVALID, "too many ids: at most %d per request", maxBulkIDs))
			return
		}
		for _, id := range req.IDs {
			if id <= 0 {
				s.apiError(w, r, digest.Errorf(digest.EINVALID, "invalid id %d: want a positive integer", id))
				return
			}
		}
		if _, err := m.apply(r, s.store, req.IDs); err != nil {
			s.apiError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
