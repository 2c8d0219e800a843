package web

import (
	"math"
	"net/http"
)

// maxNewStories bounds the stories apiStoriesNew looks through: the most
// important ones, where new coverage ranks.
const maxNewStories = 500

// newStoriesJSON is the answer of GET /api/v1/stories/new.
type newStoriesJSON struct {
	New    int   `json:"new"`
	Latest int64 `json:"latest"`
}

// apiStoriesNew: GET /api/v1/stories/new?after=ID → {"new": N, "latest":
// ID}: how many of the stories the user sees were formed after story ID
// (IDs grow as stories form), among the maxNewStories most important, and
// the highest ID of those. An open stories page asks once without after,
// then polls with the latest it got to say "N new stories" without
// reloading.
func (s *Server) apiStoriesNew(w http.ResponseWriter, r *http.Request) {
	v, err := query(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	after, err := intParam(v.Get("after"), "after", 0, 0, math.MaxInt)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.store.Stories(r.Context(), uid(r), maxNewStories, 0)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var out newStoriesJSON
	for _, st := range list {
		if st.ID > int64(after) {
			out.New++
		}
		out.Latest = max(out.Latest, st.ID)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, http.StatusOK, out)
}
