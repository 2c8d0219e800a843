package web

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
)

// The replay: a newswire of the demo's outlets, places, people and
// organisations (package demo) publishes stories day after day; readers
// with hidden tastes (an outlet, two entities, a topic) open For you each
// day and open the stories their tastes pick. Everything goes through the
// server and a real store: impressions recorded on the front page,
// openings learned on the story page, mutes posted as forms.

// wireOutlets are the demo newswire's outlets, with its sections as the
// readers' categories.
var wireOutlets = []struct{ key, name, section string }{
	{"meridian", "Meridian Wire", "World"},
	{"harbor", "The Harbor Herald", "Local"},
	{"northwind", "Northwind Times", "Region"},
	{"valley", "Valley Courier", "Valley"},
	{"pocket", "Pocket Post", "Digest"},
}

// wireEntities are named in the demo newswire's articles.
var wireEntities = []digest.Entity{
	{Name: "Port Alder", Kind: digest.Place}, {Name: "Lindenfeld", Kind: digest.Place}, {Name: "Ashby Falls", Kind: digest.Place},
	{Name: "Sorrel Islands", Kind: digest.Place}, {Name: "Calder", Kind: digest.Place},
	{Name: "Ines Varga", Kind: digest.Person}, {Name: "Tomas Brandt", Kind: digest.Person}, {Name: "Lena Okafor", Kind: digest.Person},
	{Name: "Calder University", Kind: digest.Organization}, {Name: "Harbour Rovers", Kind: digest.Organization},
	{Name: "Calder Geological Survey", Kind: digest.Organization}, {Name: "Lindenfeld Council", Kind: digest.Organization},
}

// wireTopics are the demo's kinds of news, each with its words.
var wireTopics = map[string][]string{
	"quake":   {"earthquake", "tremor", "aftershock", "harbour wall", "seismologist", "magnitude"},
	"transit": {"tram", "line", "council vote", "ferry", "rail", "timetable"},
	"farming": {"wheat", "drought", "harvest", "farmers", "variety", "rain"},
	"sport":   {"cup", "final", "winner", "league", "coach", "stadium"},
	"labour":  {"strike", "pay deal", "union", "walkout", "talks", "wages"},
	"culture": {"festival", "bread", "crowd", "music", "fair", "exhibition"},
}

type wireStory struct {
	id       int64
	topic    string
	outlets  []int // indexes in wireOutlets, the original first
	entities []digest.Entity
}

// wireReader is a simulated reader and their hidden tastes.
type wireReader struct {
	name     string
	cookie   string
	uid      int64
	outlet   int
	entities []string
	topic    string
}

func (r *wireReader) likes(s *wireStory) (outlet, entity, topic bool) {
	outlet = s.outlets[0] == r.outlet
	for _, e := range s.entities {
		entity = entity || slices.Contains(r.entities, e.Name)
	}
	return outlet, entity, s.topic == r.topic
}

func (r *wireReader) matches(s *wireStory) bool {
	o, e, t := r.likes(s)
	return o || e || t
}

// click is the hidden chance that the reader opens a story shown.
func (r *wireReader) click(s *wireStory) float64 {
	o, e, t := r.likes(s)
	p := 0.03
	if o {
		p += 0.35
	}
	if e {
		p += 0.45
	}
	if t {
		p += 0.35
	}
	return min(p, 0.95)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var cardLink = regexp.MustCompile(`<li class="story-card">\s*<h3 class="story-card-title"[^>]*><a href="/stories/(\d+)"`)

// TestReplayLearnsReadersTastes: over simulated days the share of each
// reader's top 10 that matches their hidden tastes rises, with no
// explicit choice made; then a mute takes effect on the next page.
func TestReplayLearnsReadersTastes(t *testing.T) {
	if testing.Short() {
		t.Skip("replays ten days")
	}
	ctx := context.Background()
	st := openStore(t)
	clk := &clock{t: baseTime}
	authSvc := auth.New(st, auth.Options{Params: auth.Params{Time: 1, Memory: 64, Threads: 1}})
	srv := New(Config{Now: clk.now, FeedCacheTTL: time.Nanosecond}, st, &storeFeeds{store: st}, authSvc, nil)
	h := srv.Handler()
	rng := rand.New(rand.NewPCG(9, 9))

	names := []string{"ana", "ben", "cleo", "dev", "eli", "fay"}
	var readers []*wireReader
	feedIDs := make([]int64, len(wireOutlets))
	topics := slices.Sorted(func(yield func(string) bool) {
		for k := range wireTopics {
			if !yield(k) {
				return
			}
		}
	})
	for i, n := range names {
		u, err := authSvc.CreateUser(ctx, n, digest.RoleUser, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := authSvc.StartSession(ctx, u, "replay", "192.0.2.1")
		if err != nil {
			t.Fatal(err)
		}
		r := &wireReader{name: n, cookie: "digest_session=" + token, uid: u.ID, outlet: i % len(wireOutlets), topic: topics[(2*i+1)%len(topics)]}
		for len(r.entities) < 2 {
			e := wireEntities[rng.IntN(len(wireEntities))].Name
			if !slices.Contains(r.entities, e) {
				r.entities = append(r.entities, e)
			}
		}
		for k, o := range wireOutlets {
			f := &digest.Feed{URL: "https://" + o.key + ".example/feed", SiteURL: "https://" + o.key + ".example/", Title: o.name, Category: o.section}
			if err := st.CreateFeed(ctx, u.ID, f); err != nil {
				t.Fatal(err)
			}
			feedIDs[k] = f.ID
		}
		readers = append(readers, r)
	}
	get := func(r *wireReader, target string) string {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Cookie", r.cookie)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		srv.signals.flush() // the opening is learned in the background
		if w.Code != http.StatusOK {
			t.Fatalf("%s: GET %s = %d: %s", r.name, target, w.Code, w.Body)
		}
		return w.Body.String()
	}
	post := func(r *wireReader, target string, v url.Values) {
		req := httptest.NewRequest("POST", target, strings.NewReader(v.Encode()))
		req.Header.Set("Cookie", r.cookie)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusSeeOther {
			t.Fatalf("%s: POST %s = %d: %s", r.name, target, w.Code, w.Body)
		}
	}

	stories := map[int64]*wireStory{}
	seq := 0
	publish := func(day time.Time, n int) {
		for range n {
			seq++
			topic := topics[rng.IntN(len(topics))]
			words := wireTopics[topic]
			ws := &wireStory{topic: topic}
			for len(ws.outlets) < 1+rng.IntN(3) {
				o := rng.IntN(len(wireOutlets))
				if !slices.Contains(ws.outlets, o) {
					ws.outlets = append(ws.outlets, o)
				}
			}
			for len(ws.entities) < 1+rng.IntN(2) {
				e := wireEntities[rng.IntN(len(wireEntities))]
				if !slices.ContainsFunc(ws.entities, func(x digest.Entity) bool { return x.Name == e.Name }) {
					e.Count = 3 - len(ws.entities)
					ws.entities = append(ws.entities, e)
				}
			}
			when := day.Add(time.Duration(rng.IntN(20)) * time.Hour)
			headline := fmt.Sprintf("%s: %s and %s, report %d", ws.entities[0].Name, words[rng.IntN(len(words))], words[rng.IntN(len(words))], seq)
			var ids []int64
			for k, o := range ws.outlets {
				guid := fmt.Sprintf("w%d-%d", seq, k)
				res, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: feedIDs[o], State: digest.FetchState{LastCheck: when}, Entries: []digest.Entry{{
					GUID: guid, URL: "https://" + wireOutlets[o].key + ".example/" + guid, Title: headline, Published: when,
					Summary: "What happened: " + strings.Join(words[:3], ", ") + ".", Text: headline, Hash: guid,
				}}}})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, res[0].Created...)
			}
			s := &digest.Story{Headline: headline, Summary: "What happened.", FirstSeen: when, LastSeen: when,
				Importance: float64(len(ws.outlets)) + rng.Float64(), Outlets: len(ws.outlets), Entities: ws.entities, ArticleIDs: ids}
			if err := st.SaveStory(ctx, s); err != nil {
				t.Fatal(err)
			}
			ws.id = s.ID
			stories[s.ID] = ws
		}
	}
	topTen := func(r *wireReader) []*wireStory {
		var out []*wireStory
		for _, m := range cardLink.FindAllStringSubmatch(get(r, "/"), -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			if ws := stories[id]; ws != nil && len(out) < 10 {
				out = append(out, ws)
			}
		}
		if len(out) < 10 {
			t.Fatalf("%s sees %d stories on For you, want 10", r.name, len(out))
		}
		return out
	}

	const days = 10
	share := make([]float64, days)
	for d := range days {
		day := baseTime.Add(time.Duration(d) * 24 * time.Hour)
		publish(day, 30)
		clk.set(day.Add(21 * time.Hour))
		for _, r := range readers {
			top := topTen(r)
			hits := 0
			for _, ws := range top {
				if r.matches(ws) {
					hits++
				}
			}
			share[d] += float64(hits) / 10 / float64(len(readers))
			for _, ws := range top {
				if rng.Float64() < r.click(ws) {
					get(r, "/stories/"+strconv.FormatInt(ws.id, 10))
				}
			}
		}
	}
	var base float64 // the share of all stories that match, for scale
	for _, r := range readers {
		n := 0
		for _, ws := range stories {
			if r.matches(ws) {
				n++
			}
		}
		base += float64(n) / float64(len(stories)) / float64(len(readers))
	}
	t.Logf("share of the top 10 matching the hidden tastes, day by day: %.2f (all stories: %.2f)", share, base)
	// Day 1 is before any click: importance and recency alone.
	first := share[0]
	last := (share[days-3] + share[days-2] + share[days-1]) / 3
	if last < first+0.15 || last < base+0.2 {
		t.Errorf("For you does not learn the readers: the share of their top 10 went %.2f -> %.2f (all stories %.2f)", first, last, base)
	}

	// Mutes take effect at once: the reader mutes their outlet and one
	// of their entities; the next page has no story only that outlet
	// carries and none naming the entity.
	for _, r := range readers {
		o := wireOutlets[r.outlet]
		post(r, "/foryou/choices", url.Values{"kind": {"site"}, "key": {o.key + ".example"}, "label": {o.name}, "value": {"mute"}})
		var ent digest.Entity
		for _, e := range wireEntities {
			if e.Name == r.entities[0] {
				ent = e
			}
		}
		post(r, "/foryou/choices", url.Values{"kind": {"entity"}, "key": {strings.ToLower(string(ent.Kind)) + ":" + strings.ToLower(ent.Name)}, "label": {ent.Name}, "value": {"mute"}})
		for _, ws := range topTen(r) {
			if len(ws.outlets) == 1 && ws.outlets[0] == r.outlet {
				t.Errorf("%s muted %s, still sees story %d only it carries", r.name, o.name, ws.id)
			}
			for _, e := range ws.entities {
				if e.Name == ent.Name {
					t.Errorf("%s muted %s, still sees story %d naming it", r.name, ent.Name, ws.id)
				}
			}
		}
	}
}
