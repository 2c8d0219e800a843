package web

import (
	"net/http"
	"strconv"

	digest "github.com/occasional-digest/digest"
)

type storiesJSON struct {
	Stories []digest.Story `json:"stories"`
}

// apiStories: GET /api/v1/stories?limit=&offset= → {"stories": [...]}, by
// descending importance.
func (s *Server) apiStories(w http.ResponseWriter, r *http.Request) {
	v, err := query(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	limit, err := intParam(v.Get("limit"), "limit", 20, 1, maxQueryLimit)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	offset, err := intParam(v.Get("offset"), "offset", 0, 0, 1_000_000)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.store.Stories(r.Context(), limit, offset)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if list == nil {
		list = []digest.Story{}
	}
	s.writeJSON(w, http.StatusOK, storiesJSON{Stories: list})
}

// storyJSON is a story with its articles (without content).
type storyJSON struct {
	digest.Story
	Articles []digest.Article `json:"articles"`
}

// apiStory: GET /api/v1/stories/{id} → the story and its articles.
func (s *Server) apiStory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.store.Story(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.store.Articles(r.Context(), digest.ArticleQuery{StoryID: id, Limit: maxStoryArticles})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := storyJSON{Story: *st, Articles: page.Articles}
	if out.Articles == nil {
		out.Articles = []digest.Article{}
	}
	s.writeJSON(w, http.StatusOK, out)
}

// intParam parses an optional integer query parameter within [min, max].
func intParam(s, name string, def, min, max int) (int, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		return 0, digest.Errorf(digest.EINVALID, "invalid %s %q: want %d to %d", name, clip(s, 20), min, max)
	}
	return n, nil
}
