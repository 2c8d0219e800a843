package web

import (
	"net/http"
	"strconv"

	digest "github.com/occasional-digest/digest"
)

// storyItemJSON is a story in a list: its fields, entities and article
// IDs, plus the outlets that carry it, the outlet of the first original
// report first.
type storyItemJSON struct {
	digest.Story
	Feeds []storyOutlet `json:"feeds"`
}

type storiesJSON struct {
	Stories []storyItemJSON `json:"stories"`
	// Next is the cursor of the next page, "" on the last one.
	Next string `json:"next"`
}

func storyItems(cards []storyCard) []storyItemJSON {
	out := make([]storyItemJSON, len(cards))
	for i, c := range cards {
		out[i] = storyItemJSON{Story: c.Story, Feeds: c.Outlets}
	}
	return out
}

// apiStories: GET /api/v1/stories?limit=&cursor= → {"stories": [...],
// "next"}, by descending importance. limit is 1 to maxStoriesLimit (20 by
// default): each story costs one outlet lookup. The cursor is the offset
// of the page (also accepted as offset=, as before cursors).
func (s *Server) apiStories(w http.ResponseWriter, r *http.Request) {
	v, err := query(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	limit, err := intParam(v.Get("limit"), "limit", 20, 1, maxStoriesLimit)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	name, at := "offset", v.Get("offset")
	if v.Has("cursor") {
		name, at = "cursor", v.Get("cursor")
	}
	offset, err := intParam(at, name, 0, 0, maxStoriesOffset)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.store.Stories(r.Context(), uid(r), limit+1, offset)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	next := ""
	if len(list) > limit {
		list = list[:limit]
		if offset+limit <= maxStoriesOffset {
			next = strconv.Itoa(offset + limit)
		}
	}
	cards, err := s.storyCards(r.Context(), uid(r), list)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, storiesJSON{Stories: storyItems(cards), Next: next})
}

// maxStoriesOffset bounds how deep GET /api/v1/stories pages.
const maxStoriesOffset = 1_000_000

// storyJSON is a story with its outlets and its articles (with sources,
// without content).
type storyJSON struct {
	storyItemJSON
	Articles []digest.Article `json:"articles"`
}

// apiStory: GET /api/v1/stories/{id} → the story, its outlets and its
// articles.
func (s *Server) apiStory(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.store.Story(r.Context(), uid(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := s.store.Articles(r.Context(), digest.ArticleQuery{UserID: uid(r), StoryID: id, Limit: maxStoryArticles})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	item := storyItems([]storyCard{newStoryCard(*st, outletsOf(page.Articles), newestOf(page.Articles))})[0]
	out := storyJSON{storyItemJSON: item, Articles: page.Articles}
	if out.Articles == nil {
		out.Articles = []digest.Article{}
	}
	s.writeJSON(w, http.StatusOK, out)
}

type entityJSON struct {
	Entity digest.Entity `json:"entity"`
	// Spellings are the stored names of the entity, canonical (Entity)
	// first, each with its mentions in all stories.
	Spellings []digest.Entity `json:"spellings"`
	Stories   []storyItemJSON `json:"stories"`
}

// apiEntity: GET /api/v1/entities/{kind}/{name} → {"entity": {...},
// "spellings": [...], "stories": [...]}, the stories most recent first.
// kind is PER, LOC, ORG or MISC in any case; the name may be any spelling
// of the entity (see Store.EntityStories), and entity is the canonical
// one. 404 when no story names the entity.
func (s *Server) apiEntity(w http.ResponseWriter, r *http.Request) {
	res, err := s.entityStories(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	cards, err := s.storyCards(r.Context(), uid(r), res.Stories)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if !res.Canonical {
		// The answer is the canonical entity's: say where it lives.
		w.Header().Set("Content-Location", "/api/v1"+entityURL(res.Entity))
	}
	s.writeJSON(w, http.StatusOK, entityJSON{Entity: res.Entity, Spellings: res.Spellings, Stories: storyItems(cards)})
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
