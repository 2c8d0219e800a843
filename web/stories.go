package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

// maxStoryArticles bounds the articles shown on a story page.
const maxStoryArticles = 200

// storyArticle is one article of a story with the feed entries that carry
// it: the original report and the outlets that republished it.
type storyArticle struct {
	item
	SourceURL string
	// Original is the source marked as the original of syndicated copies;
	// nil when the article has a single source or none is marked.
	Original *digest.Source
	// Copies are the article's other sources: republished copies when
	// Original is set, otherwise the same article reached through more
	// feeds.
	Copies []digest.Source
}

// newStoryArticle splits an article's sources into the one original and
// its copies. At most one source is ever shown as the original, even if
// the data marks several.
func newStoryArticle(it item) storyArticle {
	sa := storyArticle{item: it, SourceURL: sourceURL(&it.Article)}
	if len(it.Sources) < 2 {
		return sa
	}
	lead := -1
	for i, src := range it.Sources {
		if src.Original {
			lead = i
			break
		}
	}
	if lead < 0 {
		// Nothing marked: the article's own feed leads, unbadged.
		lead = 0
		for i, src := range it.Sources {
			if src.FeedID == it.FeedID {
				lead = i
				break
			}
		}
		for i, src := range it.Sources {
			if i != lead {
				sa.Copies = append(sa.Copies, src)
			}
		}
		return sa
	}
	orig := it.Sources[lead]
	sa.Original = &orig
	for i, src := range it.Sources {
		if i != lead {
			sa.Copies = append(sa.Copies, src)
		}
	}
	if orig.URL != "" && !sameDocument(orig.URL, sa.SourceURL) {
		// The kept row is a copy's: link the original's own page, not
		// the copy's canonical URL.
		sa.SourceURL = orig.URL
	}
	if orig.FeedID != 0 {
		// The card's outlet line names the original's outlet.
		sa.FeedID, sa.IconID = orig.FeedID, orig.IconID
		if orig.FeedTitle != "" {
			sa.Outlet = orig.FeedTitle
		}
	}
	return sa
}

// sameDocument reports whether two URLs name the same page, ignoring the
// query (tracking parameters), the fragment and "www.".
func sameDocument(a, b string) bool {
	ua, err := url.Parse(a)
	if err != nil {
		return false
	}
	ub, err := url.Parse(b)
	if err != nil {
		return false
	}
	return host(a) != "" && strings.EqualFold(host(a), host(b)) && strings.TrimSuffix(ua.EscapedPath(), "/") == strings.TrimSuffix(ub.EscapedPath(), "/")
}

type entityGroup struct {
	Label    string
	Entities []digest.Entity
}

type storyPage struct {
	layout
	Story    digest.Story
	Card     storyCard
	Articles []storyArticle
	Entities []entityGroup
	// Earlier is the story this one follows ("earlier in this story"),
	// when the reader sees it.
	Earlier *digest.Story
	// AllRead: every article of the story is read (the page offers to
	// mark it unread again).
	AllRead bool
	// Dismissed is when the reader dismissed the story (zero: not
	// dismissed); the page then offers to bring it back.
	Dismissed time.Time
}

// story shows one story: its summary, the outlets that carry it, the
// people, places and organisations it names, and every article with all
// its sources.
func (s *Server) story(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	st, err := s.store.Story(ctx, uid(r), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.openedStory(r, id)
	// Articles come with their sources: one query for the articles, one
	// for all their sources.
	page, err := s.store.Articles(ctx, digest.ArticleQuery{UserID: uid(r), StoryID: id, Limit: maxStoryArticles})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ids := make([]int64, len(page.Articles))
	for i, a := range page.Articles {
		ids[i] = a.FeedID
	}
	byID, err := s.cache.lookup(ctx, uid(r), ids...)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := storyPage{
		layout:   s.layout(r, st.Headline, "river"),
		Story:    *st,
		Card:     newStoryCard(*st, outletsOf(page.Articles), newestOf(page.Articles)),
		Entities: groupEntities(st.Entities),
	}
	p.AllRead = len(page.Articles) > 0
	for _, it := range s.items(byID, page.Articles, r.URL.RequestURI()) {
		p.Articles = append(p.Articles, newStoryArticle(it))
		p.AllRead = p.AllRead && it.Read
	}
	dismissed, err := s.store.Dismissed(ctx, uid(r), []int64{id})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Dismissed = dismissed[id]
	if st.Follows != 0 && st.Follows != st.ID {
		earlier, err := s.store.Story(ctx, uid(r), st.Follows)
		switch {
		case err == nil:
			p.Earlier = earlier
		case digest.IsNotFound(err):
			// Gone, or none of its articles is the reader's: no link.
		default:
			s.pageError(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "story", p)
}

// outletsOf names the distinct outlets of a story's articles (newest
// first, as the store lists them), the earliest original first.
func outletsOf(articles []digest.Article) []storyOutlet {
	seen := map[int64]bool{}
	var out []storyOutlet
	for i := len(articles) - 1; i >= 0; i-- {
		a := &articles[i]
		for _, src := range a.Sources {
			if !seen[src.FeedID] {
				seen[src.FeedID] = true
				out = append(out, newOutlet(src.FeedID, src.FeedTitle, src.SiteURL, src.URL, src.IconID))
			}
		}
		if len(a.Sources) == 0 && !seen[a.FeedID] {
			seen[a.FeedID] = true
			out = append(out, newOutlet(a.FeedID, a.SiteName, "", a.URL, 0))
		}
	}
	return out
}

// groupEntities groups a story's entities by kind: people, places,
// organisations, and the unclassified last.
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

type storiesPage struct {
	layout
	Stories []storyCard
	Page    int
	Prev    string
	Next    string
}

// stories lists every story by importance, storiesPageSize per page.
func (s *Server) stories(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, err := query(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	n, err := intParam(v.Get("page"), "page", 1, 1, 10_000)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	list, err := s.store.Stories(ctx, uid(r), storiesPageSize+1, (n-1)*storiesPageSize)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := storiesPage{layout: s.layout(r, "Stories", "stories"), Page: n}
	if len(list) > storiesPageSize {
		list = list[:storiesPageSize]
		p.Next = "/stories?page=" + strconv.Itoa(n+1)
	}
	if n > 1 {
		p.Prev = "/stories"
		if n > 2 {
			p.Prev += "?page=" + strconv.Itoa(n-1)
		}
	}
	if p.Stories, err = s.storyCards(ctx, uid(r), list); err != nil {
		s.pageError(w, r, err)
		return
	}
	for i := range p.Stories {
		p.Stories[i].Keys = true
	}
	s.render(w, r, http.StatusOK, "stories", p)
}

type entityPage struct {
	layout
	Entity  digest.Entity
	Label   string
	Also    []string // the other spellings stored
	Stories []storyCard
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

// maxEntityName is the longest entity name a path may carry, in bytes.
const maxEntityName = 200

// parseEntityRef checks the {kind} and {name} of an entity path (already
// unescaped): a known kind in any case, and a name of 1 to maxEntityName
// bytes of valid UTF-8 without control characters, space around it
// ignored.
func parseEntityRef(kindText, nameText string) (digest.EntityKind, string, error) {
	kind, err := parseEntityKind(kindText)
	if err != nil {
		return "", "", err
	}
	if !utf8.ValidString(nameText) {
		return "", "", digest.Errorf(digest.EINVALID, "invalid entity name: not UTF-8")
	}
	name := strings.TrimSpace(nameText)
	if name == "" || len(name) > maxEntityName {
		return "", "", digest.Errorf(digest.EINVALID, "invalid entity name: want 1 to %d bytes", maxEntityName)
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return "", "", digest.Errorf(digest.EINVALID, "invalid entity name: control characters")
	}
	return kind, name, nil
}

// entityResult is an entity, its other spellings and the stories that
// name it.
type entityResult struct {
	Entity    digest.Entity
	Spellings []digest.Entity // canonical first
	Stories   []digest.Story
	// Canonical says the path named the entity as its page does; if not,
	// pages redirect to entityURL(Entity).
	Canonical bool
}

// entityStories reads the {kind}/{name} path parameters and finds the
// entity they name in any spelling (Store.EntityStories), with its stories,
// most recent first. ENOTFOUND when no story names it.
func (s *Server) entityStories(r *http.Request) (entityResult, error) {
	kindText, nameText := r.PathValue("kind"), r.PathValue("name")
	kind, name, err := parseEntityRef(kindText, nameText)
	if err != nil {
		return entityResult{}, err
	}
	spellings, stories, err := s.store.EntityStories(r.Context(), uid(r), kind, name, entityStoriesMax)
	if err != nil {
		return entityResult{}, err
	}
	if len(stories) == 0 {
		return entityResult{}, digest.Errorf(digest.ENOTFOUND, "no stories about %s yet", clip(name, 80))
	}
	e := spellings[0]
	e.Count = 0 // mentions under every spelling
	for _, x := range spellings {
		e.Count += x.Count
	}
	return entityResult{
		Entity:    e,
		Spellings: spellings,
		Stories:   stories,
		Canonical: kindText == strings.ToLower(string(e.Kind)) && nameText == e.Name,
	}, nil
}

// otherSpellings lists the distinct names of spellings after the first.
func otherSpellings(spellings []digest.Entity) []string {
	var out []string
	for _, x := range spellings[1:] {
		if x.Name != spellings[0].Name && !slices.Contains(out, x.Name) {
			out = append(out, x.Name)
		}
	}
	return out
}

// entity lists the stories that name a person, organisation or place.
// A path that names it otherwise (another spelling, case or kind) is
// redirected to its page. The redirect is permanent but revalidated:
// which spelling is canonical may change as stories come in, and a
// cached permanent redirect could then loop.
func (s *Server) entity(w http.ResponseWriter, r *http.Request) {
	res, err := s.entityStories(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	e := res.Entity
	if !res.Canonical {
		target := entityURL(e)
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.Redirect(w, r, target, http.StatusPermanentRedirect)
		return
	}
	cards, err := s.storyCards(r.Context(), uid(r), res.Stories)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	// The page is about e: its chips show who and what else is named.
	self := make(map[int64]bool, len(res.Spellings))
	for _, x := range res.Spellings {
		self[x.ID] = true
	}
	for i := range cards {
		var others []digest.Entity
		for _, x := range cards[i].Story.Entities {
			if !self[x.ID] {
				others = append(others, x)
			}
		}
		cards[i].Chips = pickChips(others, cardChips)
		cards[i].Keys = true
	}
	s.render(w, r, http.StatusOK, "entity", entityPage{
		layout:  s.layout(r, e.Name, "river"),
		Entity:  e,
		Label:   entityKindLabel(e.Kind),
		Also:    otherSpellings(res.Spellings),
		Stories: cards,
	})
}

// storyMark is POST /stories/{id}/read and /stories/{id}/unread: mark
// every article of the story the reader sees read (or unread again), then
// back to the page it was sent from (return), the story's by default.
func (s *Server) storyMark(read bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.formFor(w, r)
		if !ok {
			return
		}
		ctx, user := r.Context(), uid(r)
		if _, err := s.store.Story(ctx, user, id); err != nil {
			s.pageError(w, r, err)
			return
		}
		ids, err := s.store.ArticleIDs(ctx, digest.ArticleQuery{UserID: user, StoryID: id, Limit: maxStoryArticles})
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if _, err := s.store.MarkRead(ctx, user, ids, read); err != nil {
			s.pageError(w, r, err)
			return
		}
		s.cache.invalidate() // the unread counts
		http.Redirect(w, r, localPath(r.PostFormValue("return"), "/stories/"+strconv.FormatInt(id, 10)), http.StatusSeeOther)
	}
}
