package web

import (
	"net/http"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// maxStoryArticles bounds the articles shown on a story page.
const maxStoryArticles = 200

// storyArticle is one outlet's article in a story, with every feed entry
// that carries it.
type storyArticle struct {
	item
	SourceURL string
}

type entityGroup struct {
	Label    string
	Entities []digest.Entity
}

type storyPage struct {
	layout
	Story    digest.Story
	Articles []storyArticle
	Entities []entityGroup
}

// story shows one story: its summary, the people and places it names and
// every outlet's article.
func (s *Server) story(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	st, err := s.store.Story(ctx, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	page, err := s.store.Articles(ctx, digest.ArticleQuery{StoryID: id, Limit: maxStoryArticles})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ids := make([]int64, len(page.Articles))
	for i, a := range page.Articles {
		ids[i] = a.FeedID
	}
	byID, err := s.cache.lookup(ctx, ids...)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := storyPage{layout: s.layout(r, st.Headline, "river"), Story: *st, Entities: groupEntities(st.Entities)}
	for _, it := range s.items(byID, page.Articles, r.URL.RequestURI()) {
		// Lists carry no sources; a story has few articles, so each one
		// with syndicated copies costs one bounded extra read.
		if len(it.Sources) == 0 {
			full, err := s.store.Article(ctx, it.ID)
			if err != nil && !digest.IsNotFound(err) {
				s.pageError(w, r, err)
				return
			}
			if full != nil {
				it.Sources = full.Sources
			}
		}
		p.Articles = append(p.Articles, storyArticle{item: it, SourceURL: sourceURL(&it.Article)})
	}
	s.render(w, r, http.StatusOK, "story", p)
}

func groupEntities(es []digest.Entity) []entityGroup {
	labels := []struct {
		kind  digest.EntityKind
		label string
	}{{digest.Person, "People"}, {digest.Place, "Places"}, {digest.Organization, "Organisations"}, {digest.Misc, "Also named"}}
	var out []entityGroup
	for _, l := range labels {
		g := entityGroup{Label: l.label}
		for _, e := range es {
			if e.Kind == l.kind {
				g.Entities = append(g.Entities, e)
			}
		}
		if len(g.Entities) > 0 {
			out = append(out, g)
		}
	}
	return out
}

type entityPage struct {
	layout
	Entity  digest.Entity
	Label   string
	Stories []digest.Story
}

// parseEntityKind accepts the CoNLL kinds in any case.
func parseEntityKind(s string) (digest.EntityKind, error) {
	k := digest.EntityKind(strings.ToUpper(s))
	switch k {
	case digest.Person, digest.Organization, digest.Place, digest.Misc:
		return k, nil
	}
	return "", digest.Errorf(digest.EINVALID, "invalid entity kind %q: want PER, ORG, LOC or MISC", clip(s, 20))
}

// entity lists the stories that name a person, organisation or place.
func (s *Server) entity(w http.ResponseWriter, r *http.Request) {
	kind, err := parseEntityKind(r.PathValue("kind"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	name := strings.TrimSpace(r.PathValue("name"))
	if name == "" || len(name) > 200 {
		s.pageError(w, r, digest.Errorf(digest.EINVALID, "invalid entity name"))
		return
	}
	stories, err := s.store.EntityStories(r.Context(), kind, name, 50)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(stories) == 0 {
		s.pageError(w, r, digest.Errorf(digest.ENOTFOUND, "no stories about %s yet", name))
		return
	}
	labels := map[digest.EntityKind]string{digest.Person: "Person", digest.Place: "Place", digest.Organization: "Organisation", digest.Misc: "Named"}
	s.render(w, r, http.StatusOK, "entity", entityPage{
		layout:  s.layout(r, name, "river"),
		Entity:  digest.Entity{Name: name, Kind: kind},
		Label:   labels[kind],
		Stories: stories,
	})
}
