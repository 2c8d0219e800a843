package rank

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func cand(id, title string, outlets int, age time.Duration, srcs []Source, ents ...Entity) Candidate {
	cat := ""
	if len(srcs) > 0 {
		cat = srcs[0].Category
	}
	return Candidate{Item: Item{ID: id, Title: title, Category: cat, Popularity: float64(outlets)}, Age: age, Sources: srcs, Entities: ents}
}

var (
	meridian = Source{Feed: 1, Name: "Meridian Wire", Site: "meridian.example", Category: "World"}
	harbor   = Source{Feed: 2, Name: "The Harbor Herald", Site: "harbor.example", Category: "Local"}
	valley   = Source{Feed: 3, Name: "Valley Courier", Site: "valley.example", Category: "Local"}
	portA    = Entity{Key: EntityKey(digest.Place, "Port Alder"), Name: "Port Alder"}
	linden   = Entity{Key: EntityKey(digest.Place, "Lindenfeld"), Name: "Lindenfeld"}
	varga    = Entity{Key: EntityKey(digest.Person, "Ines Varga"), Name: "Ines Varga"}
)

func sumOf(s Score) float64 {
	t := 0.0
	for _, p := range s.Parts {
		t += p.Value
	}
	return t
}

// TestFollowedThingsLeadWithTheirReason: a story naming a followed place
// outranks a bigger one, says so with its outlets ("You follow Port
// Alder · 5 outlets"), and every score is the sum of its parts.
func TestFollowedThingsLeadWithTheirReason(t *testing.T) {
	m := New(Options{})
	cands := []Candidate{
		cand("fair", "Lindenfeld opens its winter fair", 9, time.Hour, []Source{valley, harbor}, linden),
		cand("quake", "Quake damage counted in the harbour", 5, 2*time.Hour, []Source{meridian, harbor}, portA, varga),
	}
	r := m.NewReader(nil, []digest.Choice{{Kind: digest.ChoiceEntity, Key: portA.Key, Label: "Port Alder", Value: 1}}, nil, now, ForYouWeights{})
	out, hidden := r.RankStories(cands, 10, 2)
	if hidden != 0 || len(out) != 2 || out[0].ID != "quake" {
		t.Fatalf("ranked %v (hidden %d), want the followed quake first", ids(out), hidden)
	}
	if got := out[0].Score.Strongest(); got != "You follow Port Alder · 5 outlets" {
		t.Errorf("reason %q", got)
	}
	for _, o := range out {
		if math.Abs(sumOf(o.Score)-o.Score.Total) > 1e-9 {
			t.Errorf("%s: parts add up to %v, total %v", o.ID, sumOf(o.Score), o.Score.Total)
		}
	}
}

func ids(rs []Ranked) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// TestMutesTakeEffect: a muted entity, phrase or story leaves the page;
// a muted outlet takes the stories only it carries, not those others
// carry too; a muted category as an outlet.
func TestMutesTakeEffect(t *testing.T) {
	m := New(Options{})
	cands := []Candidate{
		cand("a", "Council votes on the tram line", 3, time.Hour, []Source{harbor}, linden),
		cand("b", "Mayor Varga visits the harbour", 2, time.Hour, []Source{meridian}, varga),
		cand("c", "Harbour wall cracked in Port Alder", 4, time.Hour, []Source{harbor, meridian}, portA),
		cand("d", "Rovers reach cup final", 1, time.Hour, []Source{valley}),
	}
	for _, tc := range []struct {
		name   string
		choice digest.Choice
		gone   string
	}{
		{"entity", digest.Choice{Kind: digest.ChoiceEntity, Key: varga.Key, Label: "Ines Varga", Value: -1}, "b"},
		{"phrase", digest.Choice{Kind: digest.ChoicePhrase, Key: "Tram Line", Label: "tram line", Value: -1}, "a"},
		{"outlet only it carries", digest.Choice{Kind: digest.ChoiceSite, Key: "valley.example", Label: "Valley Courier", Value: -1}, "d"},
		{"feed", digest.Choice{Kind: digest.ChoiceFeed, Key: "3", Label: "Valley Courier", Value: -1}, "d"},
		{"category", digest.Choice{Kind: digest.ChoiceCategory, Key: "world", Label: "World", Value: -1}, "b"},
		{"less like this", digest.Choice{Kind: digest.ChoiceStory, Key: "d", Label: "Rovers reach cup final", Value: -1}, "d"},
	} {
		r := m.NewReader(nil, []digest.Choice{tc.choice}, nil, now, ForYouWeights{})
		out, hidden := r.RankStories(cands, 10, 5)
		if hidden != 1 || len(out) != 3 {
			t.Errorf("%s: kept %v, hidden %d; want one hidden", tc.name, ids(out), hidden)
		}
		for _, o := range out {
			if o.ID == tc.gone {
				t.Errorf("%s: story %s is still shown", tc.name, o.ID)
			}
		}
	}
	// Muting the Harbor Herald leaves the story Meridian carries too.
	r := m.NewReader(nil, []digest.Choice{{Kind: digest.ChoiceSite, Key: "harbor.example", Value: -1}}, nil, now, ForYouWeights{})
	out, _ := r.RankStories(cands, 10, 5)
	if got := strings.Join(ids(out), ","); strings.Contains(got, "a") || !strings.Contains(got, "c") {
		t.Errorf("after muting an outlet: %s, want a gone and c kept", got)
	}
}

// TestPrioritiesPhrasesAndMoreLikeThis: each choice is a part of its own
// with its sign.
func TestPrioritiesPhrasesAndMoreLikeThis(t *testing.T) {
	m := New(Options{})
	cands := []Candidate{
		cand("a", "Council votes on the tram line for Lindenfeld", 3, time.Hour, []Source{harbor}, linden),
		cand("b", "Wheat that survives drought unveiled", 3, time.Hour, []Source{meridian}),
	}
	m.Observe(cands[0].Item, cands[1].Item)
	r := m.NewReader(nil, []digest.Choice{
		{Kind: digest.ChoicePriority, Key: "2", Label: "The Harbor Herald", Value: 2},
		{Kind: digest.ChoicePriority, Key: "1", Label: "Meridian Wire", Value: -1},
		{Kind: digest.ChoicePhrase, Key: "tram line", Label: "tram line", Value: 1},
		{Kind: digest.ChoiceStory, Key: "old", Label: "Drought wheat trial expands", Value: 1},
	}, nil, now, ForYouWeights{})
	a := r.ScoreStory(&cands[0], 0.5)
	b := r.ScoreStory(&cands[1], 0.5)
	want := map[string]func(Score) bool{
		"a priority +": func(s Score) bool { p, ok := s.Part("priority"); return ok && p.Value > 0 && p.Reason != "" },
		"a phrase +":   func(s Score) bool { p, ok := s.Part("phrase"); return ok && p.Value > 0 },
	}
	for name, ok := range want {
		if !ok(a) {
			t.Errorf("%s: parts %+v", name, a.Parts)
		}
	}
	if p, ok := b.Part("priority"); !ok || p.Value >= 0 {
		t.Errorf("a feed of priority -1 adds %+v", p)
	}
	if p, ok := b.Part("more-like-this"); !ok || p.Value <= 0 {
		t.Errorf("a story like one marked \"more like this\" gains %+v", p)
	}
	if p, _ := a.Part("more-like-this"); p.Value != 0 {
		t.Errorf("an unrelated story gains %v from \"more like this\"", p.Value)
	}
}

// TestLearnedIsSmoothedAndDecays: one click on a feature shown once moves
// little; many clicks over many showings move more; the same evidence two
// half-lives old moves less; passing over something shown often lowers
// it.
func TestLearnedIsSmoothedAndDecays(t *testing.T) {
	m := New(Options{})
	c := cand("x", "Something", 1, time.Hour, []Source{harbor})
	learned := func(sigs ...digest.Signal) float64 {
		r := m.NewReader(nil, nil, sigs, now, ForYouWeights{})
		p, _ := r.ScoreStory(&c, 0).Part("learned")
		return p.Value
	}
	all := digest.Signal{Key: AllKey, Clicks: 10, Shown: 100, Updated: now}
	once := learned(all, digest.Signal{Key: "feed:2", Clicks: 1, Shown: 1, Updated: now})
	many := learned(all, digest.Signal{Key: "feed:2", Clicks: 10, Shown: 12, Updated: now})
	old := learned(digest.Signal{Key: AllKey, Clicks: 10, Shown: 100, Updated: now.Add(-2 * HalfLife)},
		digest.Signal{Key: "feed:2", Clicks: 10, Shown: 12, Updated: now.Add(-2 * HalfLife)})
	passed := learned(all, digest.Signal{Key: "feed:2", Clicks: 0, Shown: 30, Updated: now})
	t.Logf("learned: once %.3f, many %.3f, old %.3f, passed over %.3f", once, many, old, passed)
	if !(0 < once && once < many) || !(old < many) || !(passed < 0) {
		t.Errorf("learned once %.3f, many %.3f, old %.3f, passed over %.3f", once, many, old, passed)
	}
	if p, _ := m.NewReader(nil, nil, []digest.Signal{all, {Key: "feed:2", Clicks: 10, Shown: 12, Updated: now}}, now, ForYouWeights{}).ScoreStory(&c, 0).Part("learned"); !strings.Contains(p.Reason, "The Harbor Herald") {
		t.Errorf("learned reason %q, want it to name the outlet", p.Reason)
	}
}

// TestDiversify: no more than maxRun stories in a row from one outlet or
// entity; the same event once; the parts still add up and the order is
// the scores' order.
func TestDiversify(t *testing.T) {
	m := New(Options{})
	var cands []Candidate
	for i := range 6 {
		cands = append(cands, cand(fmt.Sprint("h", i), fmt.Sprintf("Harbour news item %d about boats", i), 9-i, time.Hour, []Source{harbor}))
	}
	cands = append(cands, cand("v", "Valley fair draws crowd", 1, time.Hour, []Source{valley}))
	cands = append(cands, cand("p", "Port Alder mayor speaks", 1, time.Hour, []Source{meridian}, varga))
	cands = append(cands,
		cand("e1", "Magnitude 6.1 earthquake shakes Port Alder harbour", 8, time.Hour, []Source{meridian}, portA),
		cand("e2", "Magnitude 6.1 earthquake shakes Port Alder harbour, old town", 7, time.Hour, []Source{valley}, portA))
	r := m.NewReader(nil, nil, nil, now, ForYouWeights{})
	out, _ := r.RankStories(cands, 10, 2)
	run, prev := 0, ""
	events := 0
	for i, o := range out {
		site := o.Sources[0].Site
		if site == prev {
			run++
		} else {
			run, prev = 1, site
		}
		if run > 2 {
			t.Errorf("%v: three in a row from %s", ids(out), site)
		}
		if o.ID == "e1" || o.ID == "e2" {
			events++
		}
		if math.Abs(sumOf(o.Score)-o.Score.Total) > 1e-9 {
			t.Errorf("%s: parts add up to %v, total %v", o.ID, sumOf(o.Score), o.Score.Total)
		}
		if i > 0 && o.Score.Total > out[i-1].Score.Total {
			t.Errorf("%s scores %v above the one before it, %v", o.ID, o.Score.Total, out[i-1].Score.Total)
		}
	}
	if events != 1 {
		t.Errorf("%v: the earthquake shown %d times, want once", ids(out), events)
	}
}

type ruleStub struct{ word string }

// Parts of a stand-in rule: +0.5 for stories whose title has the word,
// hide those carried by the Valley Courier.
func (r ruleStub) Parts(c *Candidate) ([]Part, string) {
	for _, s := range c.Sources {
		if s.Feed == valley.Feed {
			return nil, "Rule: no Valley Courier"
		}
	}
	if strings.Contains(strings.ToLower(c.Title), r.word) {
		return []Part{{Name: "rule", Value: 0.5, Reason: "Rule: " + r.word}}, ""
	}
	return nil, ""
}

// TestExtrasPlugIn: an extra's parts join the score and its hide takes
// the story off.
func TestExtrasPlugIn(t *testing.T) {
	m := New(Options{})
	cands := []Candidate{
		cand("a", "Tram line vote", 1, time.Hour, []Source{harbor}),
		cand("b", "Fair opens", 1, time.Hour, []Source{valley}),
		cand("c", "Harbour news", 1, time.Hour, []Source{harbor}),
	}
	r := m.NewReader(nil, nil, nil, now, ForYouWeights{}, ruleStub{"tram"})
	out, hidden := r.RankStories(cands, 10, 5)
	if hidden != 1 || len(out) != 2 || out[0].ID != "a" {
		t.Fatalf("%v hidden %d", ids(out), hidden)
	}
	if p, ok := out[0].Score.Part("rule"); !ok || p.Value != 0.5 || out[0].Score.Strongest() != "Rule: tram" {
		t.Errorf("rule part %+v, reason %q", p, out[0].Score.Strongest())
	}
}

func FuzzForYou(f *testing.F) {
	f.Add("Quake shakes Port Alder", "port alder", "quake", 3.0, 1.5)
	f.Add("\xff\x00", "", "", -1.0, math.NaN())
	f.Fuzz(func(t *testing.T, title, entity, phrase string, outlets, value float64) {
		m := New(Options{})
		c := cand("x", title, int(outlets), time.Duration(outlets*float64(time.Hour)), []Source{harbor}, Entity{Key: entity, Name: entity})
		r := m.NewReader([]Item{{Title: phrase}}, []digest.Choice{
			{Kind: digest.ChoiceEntity, Key: entity, Value: value}, {Kind: digest.ChoicePhrase, Key: phrase, Value: value},
		}, []digest.Signal{{Key: "entity:" + entity, Clicks: math.Abs(value), Shown: outlets, Updated: now}}, now, ForYouWeights{})
		out, _ := r.RankStories([]Candidate{c}, 5, 2)
		for _, o := range out {
			if math.IsNaN(o.Score.Total) || math.IsInf(o.Score.Total, 0) || math.Abs(sumOf(o.Score)-o.Score.Total) > 1e-9 {
				t.Fatalf("score %+v", o.Score)
			}
		}
	})
}

// TestRareFeedBonus: a story of a feed publishing under RarePerDay a
// day gains a "rare-feed" part, more the rarer the feed, never more than
// the weight, halved every RareHalfLife of the story's age, with its
// reason; a busy feed's story or one of unknown rate gains nothing; the
// parts still add up, and the weekly column outranks a wire story of one
// outlet more.
func TestRareFeedBonus(t *testing.T) {
	m := New(Options{})
	weekly := Source{Feed: 4, Name: "The Sunday Column", Site: "column.example", PerDay: 1.0 / 7, RateKnown: true}
	wire := meridian
	wire.PerDay, wire.RateKnown = 40, true
	r := m.NewReader(nil, nil, nil, now, ForYouWeights{})
	part := func(c Candidate) (float64, string) {
		p, _ := r.ScoreStory(&c, 0).Part("rare-feed")
		return p.Value, p.Reason
	}
	fresh, reason := part(cand("col", "Why the ferry matters", 1, 0, []Source{weekly}))
	want := DefaultForYouWeights.Rare * (1 - 1.0/7)
	if math.Abs(fresh-want) > 1e-9 || reason != "From The Sunday Column, which publishes rarely" {
		t.Errorf("fresh story of a weekly feed: %v %q, want %v with its reason", fresh, reason, want)
	}
	if day, _ := part(cand("col", "Why the ferry matters", 1, RareHalfLife, []Source{weekly})); math.Abs(day-fresh/2) > 1e-9 {
		t.Errorf("a day old: %v, want half of %v", day, fresh)
	}
	never := weekly
	never.PerDay = 0
	if top, _ := part(cand("col", "Why the ferry matters", 1, 0, []Source{never})); top > DefaultForYouWeights.Rare+1e-9 || top <= fresh {
		t.Errorf("a feed that published nothing: %v, want more than %v and at most the weight", top, fresh)
	}
	for name, srcs := range map[string][]Source{"busy": {wire}, "unknown rate": {meridian}, "no feed": nil} {
		if v, _ := part(cand("x", "Budget passes", 3, 0, srcs)); v != 0 {
			t.Errorf("%s: rare-feed part %v, want none", name, v)
		}
	}
	// Carried by a busy and a rare feed: the rare one counts.
	if v, _ := part(cand("x", "Budget passes", 2, 0, []Source{wire, weekly})); math.Abs(v-fresh) > 1e-9 {
		t.Errorf("carried by both: %v, want %v", v, fresh)
	}
	out, _ := r.RankStories([]Candidate{
		cand("wire", "Markets close higher again", 2, 0, []Source{wire}),
		cand("col", "Why the ferry matters to the island", 1, 0, []Source{weekly}),
	}, 10, 2)
	if len(out) != 2 || out[0].ID != "col" {
		t.Errorf("ranked %v, want the weekly column first", ids(out))
	}
	for _, o := range out {
		if math.Abs(sumOf(o.Score)-o.Score.Total) > 1e-9 {
			t.Errorf("%s: parts add up to %v, total %v", o.ID, sumOf(o.Score), o.Score.Total)
		}
	}
}
