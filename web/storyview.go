package web

import (
	"context"
	"encoding/binary"
	"hash/fnv"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Bounds of the story lists.
const (
	homeStories      = 12  // story cards on the front page
	storiesPageSize  = 20  // story cards per page of /stories
	entityStoriesMax = 50  // stories on an entity page and in its API answer
	maxStoriesLimit  = 100 // largest ?limit= of GET /api/v1/stories
	cardOutlets      = 3   // outlets named on a card ("X · also in Y, Z +2")
	cardChips        = 4   // entity chips on a card
	outletArticles   = 100 // articles read per story to name its outlets
)

// storyOutlet is one outlet that carries a story, as cards and the API show
// it.
type storyOutlet struct {
	FeedID  int64  `json:"feed_id"`
	Title   string `json:"title"`
	SiteURL string `json:"site_url,omitempty"`
	IconID  int64  `json:"icon_id,omitempty"`
	IconURL string `json:"icon_url,omitempty"`
}

// storyCard is a story as lists show it: headline, a short summary, the
// outlets that carry it and a few of the entities it names.
type storyCard struct {
	digest.Story
	Short   string
	Lead    *storyOutlet  // the outlet of the first original report
	Also    []storyOutlet // a few more outlets
	More    int           // outlets carried but not named
	Chips   []digest.Entity
	Outlets []storyOutlet // all of them, lead first
	// Updated is when the newest of the story's articles the reader
	// sees was published: the time on the card's line. The story's own
	// LastSeen counts articles of every reader's feeds, and can be hours
	// newer than anything this reader is shown.
	Updated time.Time
	// Keys makes the card an item of the j/k keyboard navigation, on
	// pages where stories are the list.
	Keys bool
	// Reason, Why and Score are the card's ranking for the reader on the
	// front page: the strongest reason in words, every part of the score
	// (they add up to Score), and the score.
	Reason string
	Why    []whyPart
	Score  float64
}

// storyOutlets names the distinct outlets that carry a story, the outlet of
// its earliest original report first. It reads the story's newest
// outletArticles articles with one indexed query (plus one for their
// sources); a bigger story's older outlets are counted in Story.Outlets but
// not named.
// It also returns the publication time of the newest of those articles.
func (s *Server) storyOutlets(ctx context.Context, userID, storyID int64) ([]storyOutlet, time.Time, error) {
	page, err := s.store.Articles(ctx, digest.ArticleQuery{UserID: userID, StoryID: storyID, Limit: outletArticles})
	if err != nil {
		return nil, time.Time{}, err
	}
	return outletsOf(page.Articles), newestOf(page.Articles), nil
}

// newestOf is the publication time of the newest article, zero for none.
func newestOf(articles []digest.Article) time.Time {
	var t time.Time
	for i := range articles {
		if articles[i].Published.After(t) {
			t = articles[i].Published
		}
	}
	return t
}

func newOutlet(feedID int64, title, siteURL, link string, iconID int64) storyOutlet {
	if title == "" {
		title = host(siteURL)
	}
	if title == "" {
		title = host(link)
	}
	o := storyOutlet{FeedID: feedID, Title: title, SiteURL: siteURL, IconID: iconID}
	if iconID != 0 {
		o.IconURL = "/icons/" + strconv.FormatInt(iconID, 10)
	}
	return o
}

// storyCards prepares stories for a list. A story's outlets cost one
// lookup (two indexed queries) unless the outlet cache holds them; callers
// bound the number of stories.
func (s *Server) storyCards(ctx context.Context, userID int64, stories []digest.Story) ([]storyCard, error) {
	out := make([]storyCard, len(stories))
	gen := s.cache.generation()
	for i, st := range stories {
		sig := outletSignature(&st, gen)
		outlets, newest, ok := s.outlets.get(st.ID, sig)
		if !ok {
			var err error
			if outlets, newest, err = s.storyOutlets(ctx, userID, st.ID); err != nil {
				return nil, err
			}
			s.outlets.put(st.ID, sig, outlets, newest)
		}
		out[i] = newStoryCard(st, outlets, newest)
	}
	return out, nil
}

// outletCache keeps the outlets of recently shown stories, so the front
// page does not look them up for every reader. An entry is used only while
// its story has the same articles and outlet count and no feed changed
// through this server, and for at most ttl: what can still go stale within
// ttl is a feed renamed elsewhere or a copy merged into an article the
// story already has.
type outletCache struct {
	ttl time.Duration
	now func() time.Time
	max int

	mu sync.Mutex
	m  map[int64]outletEntry
}

type outletEntry struct {
	sig     uint64
	at      time.Time
	outlets []storyOutlet // shared: never modified once stored
	newest  time.Time     // the newest article's publication time
}

func newOutletCache(ttl time.Duration, now func() time.Time) *outletCache {
	return &outletCache{ttl: ttl, now: now, max: 4096, m: map[int64]outletEntry{}}
}

func (c *outletCache) get(id int64, sig uint64) ([]storyOutlet, time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || e.sig != sig || c.now().Sub(e.at) >= c.ttl {
		return nil, time.Time{}, false
	}
	return e.outlets, e.newest, true
}

func (c *outletCache) put(id int64, sig uint64, outlets []storyOutlet, newest time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m) // rare: only after max distinct stories within ttl
	}
	c.m[id] = outletEntry{sig: sig, at: c.now(), outlets: outlets, newest: newest}
}

// outletSignature identifies what a story's outlets depend on: its
// article IDs, its outlet count and the feeds' generation.
func outletSignature(st *digest.Story, gen uint64) uint64 {
	h := fnv.New64a()
	var b [8]byte
	put := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		h.Write(b[:])
	}
	put(gen)
	put(uint64(st.Outlets))
	for _, id := range st.ArticleIDs {
		put(uint64(id))
	}
	return h.Sum64()
}

// newStoryCard makes a card of a story, its outlets and the publication
// time of the newest of its articles the reader sees (the story's
// LastSeen when zero).
func newStoryCard(st digest.Story, outlets []storyOutlet, newest time.Time) storyCard {
	c := storyCard{Story: st, Short: cardSummary(&st), Chips: pickChips(st.Entities, cardChips), Outlets: outlets, Updated: newest}
	if c.Updated.IsZero() {
		c.Updated = st.LastSeen
	}
	if c.Outlets == nil {
		c.Outlets = []storyOutlet{}
	}
	if len(outlets) > 0 {
		c.Lead = &outlets[0]
		c.Also = outlets[1:min(len(outlets), cardOutlets)]
	}
	total := max(st.Outlets, len(outlets))
	c.More = max(total-len(c.Also)-min(len(outlets), 1), 0)
	return c
}

// shortSummary is the first paragraph of a story summary, clipped.
// cardSummary is a story's summary for a card: the short one the engine
// wrote with the full one (about 40–60 words, whole sentences), or for a
// story saved without one the start of the summary.
func cardSummary(st *digest.Story) string {
	if st.Short != "" {
		return snippet(st.Short, 420)
	}
	return shortSummary(st.Summary, 260)
}

func shortSummary(s string, max int) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, "\n"); i > 0 {
		s = s[:i]
	}
	return snippet(s, max)
}

// kindRank orders entity kinds for display: people, places,
// organisations, then anything else.
func kindRank(k digest.EntityKind) int {
	switch k {
	case digest.Person:
		return 0
	case digest.Place:
		return 1
	case digest.Organization:
		return 2
	}
	return 3
}

// pickChips chooses up to n entities for a card: the most mentioned
// people, places and organisations first (the store lists a story's
// entities most mentioned first), MISC only to fill up, and no name that
// merely repeats a longer or shorter one already chosen ("Varga" next to
// "Ines Varga").
func pickChips(es []digest.Entity, n int) []digest.Entity {
	var out []digest.Entity
	for pass := 0; pass < 2 && len(out) < n; pass++ {
		for _, e := range es {
			if len(out) == n {
				break
			}
			if (pass == 0) != (e.Kind != digest.Misc) || strings.TrimSpace(e.Name) == "" {
				continue
			}
			if repeats(out, e.Name) {
				continue
			}
			out = append(out, e)
		}
	}
	return out
}

func repeats(chosen []digest.Entity, name string) bool {
	l := strings.ToLower(name)
	for _, c := range chosen {
		cl := strings.ToLower(c.Name)
		if strings.Contains(cl, l) || strings.Contains(l, cl) {
			return true
		}
	}
	return false
}

// entityURL is the page of an entity: /entities/{kind}/{name}.
func entityURL(e digest.Entity) string {
	return "/entities/" + strings.ToLower(string(e.Kind)) + "/" + url.PathEscape(e.Name)
}

// entityKindLabel names a kind for people.
func entityKindLabel(k digest.EntityKind) string {
	switch k {
	case digest.Person:
		return "Person"
	case digest.Place:
		return "Place"
	case digest.Organization:
		return "Organisation"
	}
	return "In the news"
}
