package rank

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Candidate is a story as For you ranks it: its text and outlets as an
// Item (Popularity is the number of outlets), how long ago it was last
// seen, the reader's feeds that carry it (the original first) and the
// entities it names (the most mentioned first).
type Candidate struct {
	Item
	Age      time.Duration
	Sources  []Source
	Entities []Entity
}

// Source is one of the reader's feeds that carries a story.
type Source struct {
	Feed     int64
	Name     string // the feed's title as the reader sees it
	Site     string // host name of the outlet's site, "" when unknown
	Category string // the reader's category of the feed
	// PerDay is how many articles the feed published a day over the last
	// RareWindow, when RateKnown.
	PerDay    float64
	RateKnown bool
}

// Entity is a person, place or organisation a story names. Key is
// EntityKey of its kind and name.
type Entity struct {
	Key  string
	Name string
}

// EntityKey is the key of an entity in choices and signals: its kind and
// name folded to lower case, "loc:port alder".
func EntityKey(kind digest.EntityKind, name string) string {
	return strings.ToLower(string(kind)) + ":" + strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// Fold is how choices' keys of categories and phrases are written: lower
// case, spaces collapsed.
func Fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Extra is one more source of named parts of a story's score, beside the
// model's own: rules plug in here. Parts returns the parts it adds to c's
// score for the reader (each with a Name, a Value added to the total and
// a Reason in words), and hide, unless "", takes the story off the page
// for the reason given. Parts must not keep c.
type Extra interface {
	Parts(c *Candidate) (parts []Part, hide string)
}

// ForYouWeights are the multipliers of the parts For you adds to the
// Model's own.
type ForYouWeights struct {
	Recency  float64 // taken off per day since the story was last seen (up to a week)
	Follow   float64 // for the strongest followed thing a story has; a quarter for each further one
	Priority float64 // per step of the feed's priority (-2..+2)
	Phrase   float64 // per followed phrase in the headline or summary
	Liked    float64 // per unit of cosine similarity to stories marked "more like this"
	Disliked float64 // taken off per unit of similarity to stories marked "less like this"
	Learned  float64 // per unit of the learned log affinity (clipped to ±2)
	Rare     float64 // at most, for a story of a feed that publishes rarely (see RarePerDay)
}

// DefaultForYouWeights make a follow worth about as much as being carried
// by a dozen outlets, and a day of age about as much as one outlet.
var DefaultForYouWeights = ForYouWeights{Recency: 0.3, Follow: 1.5, Priority: 0.4, Phrase: 1, Liked: 3, Disliked: 3, Learned: 1, Rare: 0.8}

// A feed publishes rarely when it published fewer than RarePerDay
// articles a day over the last RareWindow: a story it carries gains up to
// ForYouWeights.Rare ("rare-feed"), more the rarer the feed, halved every
// RareHalfLife of the story's age, so that a weekly column is not buried
// under the wires' hourly news and does not stay on top either.
const (
	RarePerDay   = 1.0
	RareWindow   = 30 * 24 * time.Hour
	RareHalfLife = 24 * time.Hour
)

// Learning parameters of the reader's behaviour.
const (
	// HalfLife is how fast what a reader did fades: halved every two
	// weeks.
	HalfLife = 14 * 24 * time.Hour
	// learnedPrior is how many showings of prior a feature's open rate
	// starts from (the reader's overall rate).
	learnedPrior = 4
	// AllKey is the signal that counts every story shown and opened,
	// the reader's overall rate.
	AllKey = "*"
)

// Reader is one reader as For you knows them: the profile learned from
// what they read, their explicit choices, and what their behaviour
// taught.
type Reader struct {
	m       *Model
	profile *Profile
	w       ForYouWeights
	now     time.Time

	follow   map[string]string // feature key -> label
	mute     map[string]string
	priority map[int64]float64
	phrases  map[string][]phrase // by their first word
	hideIDs  map[string]bool     // stories marked "less like this"
	liked    map[string]float64
	disliked map[string]float64

	learned map[string]float64 // feature key -> log affinity
	extras  []Extra
}

type phrase struct {
	text  string // folded by foldWords, between spaces: " tram line "
	label string
	value float64
}

// NewReader builds a Reader from their history (oldest first), choices
// and learned signals as of now. extras add parts of their own.
func (m *Model) NewReader(history []Item, choices []digest.Choice, signals []digest.Signal, now time.Time, w ForYouWeights, extras ...Extra) *Reader {
	if w == (ForYouWeights{}) {
		w = DefaultForYouWeights
	}
	r := &Reader{m: m, profile: m.Profile(history), w: w, now: now, extras: extras,
		follow: map[string]string{}, mute: map[string]string{}, priority: map[int64]float64{}, hideIDs: map[string]bool{},
		phrases: map[string][]phrase{},
		learned: map[string]float64{}}
	var liked, disliked []Item
	for _, c := range choices {
		label := c.Label
		if label == "" {
			label = c.Key
		}
		switch c.Kind {
		case digest.ChoicePriority:
			if id, err := strconv.ParseInt(c.Key, 10, 64); err == nil {
				r.priority[id] = c.Value
			}
		case digest.ChoicePhrase:
			if k := foldWords(c.Key); k != "" {
				first, _, _ := strings.Cut(k, " ")
				r.phrases[first] = append(r.phrases[first], phrase{text: " " + k + " ", label: label, value: c.Value})
			}
		case digest.ChoiceStory:
			if c.Value < 0 {
				r.hideIDs[c.Key] = true
				disliked = append(disliked, Item{Title: c.Label})
			} else {
				liked = append(liked, Item{Title: c.Label})
			}
		case digest.ChoiceSite, digest.ChoiceFeed, digest.ChoiceEntity, digest.ChoiceCategory:
			k := string(c.Kind) + ":" + c.Key
			if c.Kind == digest.ChoiceCategory {
				k = string(c.Kind) + ":" + Fold(c.Key)
			}
			if c.Value < 0 {
				r.mute[k] = label
			} else if c.Value > 0 {
				r.follow[k] = label
			}
		}
	}
	r.liked, r.disliked = m.vector(liked), m.vector(disliked)
	r.learn(signals)
	return r
}

// vector is the unit tf-idf vector of items' words, nil for none.
func (m *Model) vector(items []Item) map[string]float64 {
	if len(items) == 0 {
		return nil
	}
	v := map[string]float64{}
	for _, it := range items {
		for t, tf := range terms(it) {
			v[t] += tf * m.idf(t)
		}
	}
	normalize(v)
	return v
}

// learn turns decayed counts into log affinities: a feature's open rate,
// smoothed towards the reader's overall rate by learnedPrior showings,
// over that overall rate. A story opened without being shown on For you
// (from the river, a link) counts as shown too.
func (r *Reader) learn(signals []digest.Signal) {
	var all digest.Signal
	for _, s := range signals {
		if s.Key == AllKey {
			all = s
		}
	}
	decay := func(s digest.Signal) (c, n float64) {
		f := 1.0
		if age := r.now.Sub(s.Updated); age > 0 {
			f = math.Exp2(-float64(age) / float64(HalfLife))
		}
		c, n = s.Clicks*f, s.Shown*f
		return c, max(n, c)
	}
	ca, na := decay(all)
	p0 := (ca + 1) / (na + 4) // a new reader opens about one story in four shown
	p0 = min(max(p0, 0.01), 0.9)
	for _, s := range signals {
		if s.Key == AllKey {
			continue
		}
		c, n := decay(s)
		if n < 0.05 {
			continue
		}
		rate := (c + learnedPrior*p0) / (n + learnedPrior)
		a := math.Log(rate / p0)
		if math.Abs(a) >= 0.01 {
			r.learned[s.Key] = min(max(a, -2), 2)
		}
	}
}

// Features are the keys of a candidate's features in choices and
// signals: its feeds, sites and categories, and its entities.
func (c *Candidate) Features() []string {
	var out []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, s := range c.Sources {
		add("feed:" + strconv.FormatInt(s.Feed, 10))
		if s.Site != "" {
			add("site:" + s.Site)
		}
		if s.Category != "" {
			add("category:" + Fold(s.Category))
		}
	}
	for _, e := range c.Entities {
		add("entity:" + e.Key)
	}
	return out
}

// labels names the candidate's features for reasons.
func (c *Candidate) labels() map[string]string {
	out := map[string]string{}
	for _, s := range c.Sources {
		out["feed:"+strconv.FormatInt(s.Feed, 10)] = s.Name
		if s.Site != "" {
			out["site:"+s.Site] = s.Name
		}
		if s.Category != "" {
			out["category:"+Fold(s.Category)] = s.Category
		}
	}
	for _, e := range c.Entities {
		out["entity:"+e.Key] = e.Name
	}
	return out
}

// Hidden reports why a story is off the reader's page, "" when it is
// not: everything that carries it is muted (its feeds, sites or
// categories), it names a muted entity or phrase, or the reader marked it
// "less like this".
func (r *Reader) hidden(c *Candidate, phrases []phrase) string {
	if r.hideIDs[c.ID] {
		return "You asked for less like this"
	}
	for _, e := range c.Entities {
		if l, ok := r.mute["entity:"+e.Key]; ok {
			return "You muted " + l
		}
	}
	for _, p := range phrases {
		if p.value < 0 {
			return "You muted “" + p.label + "”"
		}
	}
	if len(c.Sources) > 0 {
		why := ""
		for _, s := range c.Sources {
			l, ok := r.mute["feed:"+strconv.FormatInt(s.Feed, 10)]
			if !ok && s.Site != "" {
				l, ok = r.mute["site:"+s.Site]
			}
			if !ok && s.Category != "" {
				l, ok = r.mute["category:"+Fold(s.Category)]
			}
			if !ok {
				return ""
			}
			if why == "" {
				why = "You muted " + l
			}
		}
		return why
	}
	return ""
}

// ScoreStory scores one story for the reader: the Model's parts
// (importance, similar, category; categoryPrior as in Score) and For
// you's: recency, follow, priority, phrase, more-like-this,
// less-like-this, learned and the extras'. Hidden, unless "", says why
// the story is off the page; its parts are still computed.
func (r *Reader) ScoreStory(c *Candidate, categoryPrior float64) Score {
	s := r.m.Score(r.profile, c.Item, categoryPrior)
	add := func(name string, v float64, reason string) {
		s.Parts = append(s.Parts, Part{Name: name, Value: v, Reason: reason})
		s.Total += v
	}
	w := r.w
	text := " " + foldWords(c.Title+" "+c.Abstract) + " "
	phrases := r.matching(text)
	s.Hidden = r.hidden(c, phrases)

	days := min(max(c.Age.Hours()/24, 0), 7)
	if days > 0 {
		add("recency", -w.Recency*days, "")
	}

	// Follows: the strongest followed thing (an entity or feed before a
	// site, a site before a category), a quarter more for each other.
	var followed []string
	for _, e := range c.Entities {
		if l, ok := r.follow["entity:"+e.Key]; ok {
			followed = append(followed, l)
		}
	}
	for _, k := range []string{"feed", "site", "category"} {
		for _, src := range c.Sources {
			key := ""
			switch k {
			case "feed":
				key = "feed:" + strconv.FormatInt(src.Feed, 10)
			case "site":
				if src.Site != "" {
					key = "site:" + src.Site
				}
			case "category":
				if src.Category != "" {
					key = "category:" + Fold(src.Category)
				}
			}
			if l, ok := r.follow[key]; ok && key != "" && !slices.Contains(followed, l) {
				followed = append(followed, l)
			}
		}
	}
	if len(followed) > 0 {
		add("follow", w.Follow*(1+0.25*float64(min(len(followed)-1, 4))), "You follow "+followed[0])
	}

	best, bestName := 0.0, ""
	for _, src := range c.Sources {
		if p, ok := r.priority[src.Feed]; ok && (bestName == "" || p > best) {
			best, bestName = p, src.Name
		}
	}
	if bestName != "" && best != 0 {
		reason := ""
		if best > 0 {
			reason = "A priority feed: " + bestName
		}
		add("priority", w.Priority*best, reason)
	}

	if rare, name := r.rare(c); rare > 0 {
		reason := ""
		if rare >= 0.25 {
			reason = "From " + name + ", which publishes rarely"
		}
		add("rare-feed", rare, reason)
	}

	var phr float64
	reason := ""
	for _, p := range phrases {
		if p.value > 0 {
			phr += w.Phrase * p.value
			if reason == "" {
				reason = "You follow “" + p.label + "”"
			}
		}
	}
	if phr != 0 {
		add("phrase", phr, reason)
	}

	if r.liked != nil || r.disliked != nil {
		vec := map[string]float64{}
		for t, tf := range terms(c.Item) {
			vec[t] = tf * r.m.idf(t)
		}
		normalize(vec)
		if r.liked != nil {
			cos := dot(vec, r.liked)
			reason := ""
			if cos >= 0.15 {
				reason = "More like stories you asked for"
			}
			add("more-like-this", w.Liked*cos, reason)
		}
		if r.disliked != nil {
			add("less-like-this", -w.Disliked*dot(vec, r.disliked), "")
		}
	}

	if len(r.learned) > 0 {
		sum, top, topKey := 0.0, 0.0, ""
		for _, k := range c.Features() {
			a, ok := r.learned[k]
			if !ok {
				continue
			}
			sum += a
			if a > top {
				top, topKey = a, k
			}
		}
		if sum != 0 {
			sum = min(max(sum, -2), 2)
			reason := ""
			if topKey != "" && top >= 0.3 {
				reason = "You often open " + c.labels()[topKey]
			}
			add("learned", w.Learned*sum, reason)
		}
	}

	for _, x := range r.extras {
		parts, hide := x.Parts(c)
		for _, p := range parts {
			if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
				continue
			}
			add(p.Name, p.Value, p.Reason)
		}
		if hide != "" && s.Hidden == "" {
			s.Hidden = hide
		}
	}
	return s
}

// rare is the "rare-feed" part of a story and the feed that gives it:
// the rarest of its feeds that publishes fewer than RarePerDay articles a
// day, weighted by how far under that it is and decayed by the story's
// age.
func (r *Reader) rare(c *Candidate) (float64, string) {
	best, name := -1.0, ""
	for _, s := range c.Sources {
		if s.RateKnown && s.PerDay < RarePerDay && (best < 0 || s.PerDay < best) {
			best, name = s.PerDay, s.Name
		}
	}
	if best < 0 {
		return 0, ""
	}
	age := max(c.Age, 0)
	return r.w.Rare * (1 - best/RarePerDay) * math.Exp2(-float64(age)/float64(RareHalfLife)), name
}

func dot(a, b map[string]float64) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	d := 0.0
	for t, x := range a {
		d += x * b[t]
	}
	return d
}

// foldWords lowers s and keeps its words separated by single spaces, so
// that a phrase matches whole words: " tram line " in " new tram line ".
func foldWords(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r == '\'' || r == '-' || isWordRune(r))
	}), " ")
}

// matching returns the reader's phrases in text (folded by foldWords,
// between spaces), looking only at those whose first word is one of
// text's: a thousand phrases cost a map lookup per word.
func (r *Reader) matching(text string) []phrase {
	if len(r.phrases) == 0 {
		return nil
	}
	var out []phrase
	seen := map[string]bool{}
	for _, w := range strings.Fields(text) {
		if seen[w] {
			continue
		}
		seen[w] = true
		for _, p := range r.phrases[w] {
			if strings.Contains(text, p.text) {
				out = append(out, p)
			}
		}
	}
	return out
}

// Ranked is a candidate with its score.
type Ranked struct {
	*Candidate
	Score Score
}

// RankStories scores every candidate for the reader and returns the
// visible ones best first, spaced out by Diversify, at most n; hidden
// counts those taken off the page.
func (r *Reader) RankStories(cands []Candidate, n, maxRun int) (out []Ranked, hidden int) {
	prior := map[string]float64{}
	for i := range cands {
		prior[Fold(cands[i].Category)]++
	}
	list := make([]Ranked, 0, len(cands))
	for i := range cands {
		c := &cands[i]
		s := r.ScoreStory(c, prior[Fold(c.Category)]/float64(len(cands)))
		if s.Hidden != "" {
			hidden++
			continue
		}
		list = append(list, Ranked{Candidate: c, Score: s})
	}
	slices.SortStableFunc(list, func(a, b Ranked) int {
		switch {
		case a.Score.Total > b.Score.Total:
			return -1
		case a.Score.Total < b.Score.Total:
			return 1
		}
		return 0
	})
	return Diversify(list, n, maxRun), hidden
}

// Diversify picks up to n of list (sorted best first) so that no more
// than maxRun in a row come from one outlet (their first source's site,
// or feed) or name one entity among their two most mentioned, and no
// event is shown twice (two stories whose headlines share most of their
// words). A story moved down for it gains a "diversity" part that puts
// its total just under the one before it, so that the parts still add
// up and the page stays in score order. When every remaining story would
// break a run, the best is taken.
func Diversify(list []Ranked, n, maxRun int) []Ranked {
	if maxRun <= 0 {
		maxRun = 2
	}
	out := make([]Ranked, 0, min(n, len(list)))
	used := make([]bool, len(list))
	words := make([]map[string]bool, len(list)) // title words, as needed
	wordsOf := func(i int) map[string]bool {
		if words[i] == nil {
			words[i] = titleWords(list[i].Title)
		}
		return words[i]
	}
	var heads []map[string]bool // title words of those picked
	for len(out) < n {
		pick := -1
		for i := range list {
			if used[i] {
				continue
			}
			dup := false
			for _, h := range heads {
				if sameEvent(wordsOf(i), h) {
					dup = true
					break
				}
			}
			if dup {
				used[i] = true
				continue
			}
			if pick < 0 {
				pick = i
			}
			if !breaksRun(out, list[i].Candidate, maxRun) {
				pick = i
				break
			}
		}
		if pick < 0 {
			break
		}
		used[pick] = true
		heads = append(heads, wordsOf(pick))
		out = append(out, list[pick])
	}
	for i := 1; i < len(out); i++ {
		prev := out[i-1].Score.Total
		if out[i].Score.Total > prev {
			d := prev - out[i].Score.Total - 1e-6
			sc := out[i].Score
			sc.Parts = append(slices.Clip(sc.Parts), Part{Name: "diversity", Value: d, Reason: ""})
			sc.Total += d
			out[i].Score = sc
		}
	}
	return out
}

// runKeys are what a story counts as "from" for Diversify.
func runKeys(c *Candidate) []string {
	var out []string
	if len(c.Sources) > 0 {
		s := c.Sources[0]
		if s.Site != "" {
			out = append(out, "site:"+s.Site)
		} else {
			out = append(out, "feed:"+strconv.FormatInt(s.Feed, 10))
		}
	}
	for i, e := range c.Entities {
		if i == 2 {
			break
		}
		out = append(out, "entity:"+e.Key)
	}
	return out
}

func breaksRun(out []Ranked, c *Candidate, maxRun int) bool {
	if len(out) < maxRun {
		return false
	}
	last := out[len(out)-maxRun:]
	for _, k := range runKeys(c) {
		all := true
		for _, o := range last {
			if !slices.Contains(runKeys(o.Candidate), k) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func titleWords(s string) map[string]bool {
	out := map[string]bool{}
	for t := range terms(Item{Title: s}) {
		out[t] = true
	}
	return out
}

// sameEvent: headlines sharing at least 85% of the words of the shorter
// (of 5 words or more) tell of one event: the clustering missed that
// they are one story. Two events of one kind ("earthquake shakes Port
// Alder", "tremor rattles Ashby Falls") share far fewer.
func sameEvent(a, b map[string]bool) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 5 {
		return false
	}
	common := 0
	for w := range a {
		if b[w] {
			common++
		}
	}
	return float64(common) >= 0.85*float64(len(a))
}
