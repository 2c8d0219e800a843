// Package rank orders stories for one reader and says why. A score is a
// sum of named parts, each shown to the reader in words: how important
// the story is (how many outlets or readers took it up), how close it is
// to what the reader opened before (words, weighted by how rare they are,
// with older reading counting less), and how much of the reader's reading
// is in its category. Nothing is learned outside the reader's own server:
// the profile is built from the reader's history alone.
//
// The package is pure: no HTTP, no SQL. The web's "for you" page and the
// batch command "digest rank" call the same Model.
package rank

import (
	"math"
	"strconv"
	"strings"
	"unicode"
)

// Item is what the ranker knows of a story or an article.
type Item struct {
	ID       string
	Title    string
	Abstract string
	Category string
	// Popularity is how many outlets or readers took the item up before;
	// 0 when unknown.
	Popularity float64
}

// Weights are the multipliers of the score's parts.
type Weights struct {
	Importance float64 // per unit of log(1 + popularity)
	Similar    float64 // per unit of cosine similarity to the history
	Category   float64 // per unit of log affinity to the category
}

// DefaultWeights balance the parts so that none drowns the others at
// their usual ranges: log(1+popularity) runs 0–8, similarity 0–0.5, the
// category's log affinity −2–2.
var DefaultWeights = Weights{Importance: 0.25, Similar: 4, Category: 0.6}

// Options configure a Model.
type Options struct {
	Weights Weights
	// Decay is the weight of each older history item relative to the
	// next newer one (recent reading counts more); 0.97 when 0.
	Decay float64
	// CategorySmoothing is how many items of prior the category shares
	// start from (a new reader is at the prior); 5 when 0.
	CategorySmoothing float64
}

// Model holds the document frequencies the similarity part weighs words
// by. It learns them from every text it sees (Observe), so that a word in
// every title weighs little; it holds no reader's data.
type Model struct {
	opts Options
	df   map[string]float64
	docs float64
}

// New returns a Model.
func New(opts Options) *Model {
	if opts.Weights == (Weights{}) {
		opts.Weights = DefaultWeights
	}
	if opts.Decay <= 0 || opts.Decay > 1 {
		opts.Decay = 0.97
	}
	if opts.CategorySmoothing <= 0 {
		opts.CategorySmoothing = 5
	}
	return &Model{opts: opts, df: map[string]float64{}}
}

// Observe counts the words of items for the document frequencies.
func (m *Model) Observe(items ...Item) {
	for _, it := range items {
		m.docs++
		for w := range terms(it) {
			m.df[w]++
		}
	}
}

func (m *Model) idf(w string) float64 {
	return math.Log((m.docs + 1) / (m.df[w] + 1))
}

// Profile is one reader as the ranker knows them: the words and
// categories of what they opened, recent reading weighing more.
type Profile struct {
	vec     map[string]float64 // tf-idf of the history, decayed, unit length
	cats    map[string]float64 // decayed counts by category
	n       float64            // total decayed weight
	history int
}

// Profile builds a reader's profile from the items they opened, oldest
// first.
func (m *Model) Profile(history []Item) *Profile {
	p := &Profile{vec: map[string]float64{}, cats: map[string]float64{}, history: len(history)}
	w := 1.0
	for i := len(history) - 1; i >= 0; i-- { // newest first, each older one decayed
		it := history[i]
		for t, tf := range terms(it) {
			p.vec[t] += w * tf * m.idf(t)
		}
		if c := strings.ToLower(strings.TrimSpace(it.Category)); c != "" {
			p.cats[c] += w
		}
		p.n += w
		w *= m.opts.Decay
	}
	normalize(p.vec)
	return p
}

// Part is one named component of a score.
type Part struct {
	Name  string  `json:"name"`  // "importance", "similar", "category"
	Value float64 `json:"value"` // its contribution to the score
	// Reason says it in a few words for the reader, "" when the part
	// says nothing worth showing.
	Reason string `json:"reason,omitempty"`
}

// Score is an item's score for a reader and its parts, which add up to
// Total.
type Score struct {
	Total float64 `json:"total"`
	Parts []Part  `json:"parts"`
	// Hidden, unless "", says why the story is off the reader's page
	// (For you only: a mute, "less like this", a rule).
	Hidden string `json:"hidden,omitempty"`
}

// Strongest returns the reason of the part that adds the most, or "";
// when that is not the importance part, the importance's reason follows
// it: "You follow Port Alder · 5 outlets".
func (s Score) Strongest() string {
	best, reason, name := 0.0, "", ""
	for _, p := range s.Parts {
		if p.Reason != "" && p.Value > best {
			best, reason, name = p.Value, p.Reason, p.Name
		}
	}
	if name != "" && name != "importance" {
		if p, ok := s.Part("importance"); ok && p.Reason != "" {
			reason += " · " + p.Reason
		}
	}
	return reason
}

// StrongestPart returns the name of the part whose reason Strongest
// gives, "" for none.
func (s Score) StrongestPart() string {
	best, name := 0.0, ""
	for _, p := range s.Parts {
		if p.Reason != "" && p.Value > best {
			best, name = p.Value, p.Name
		}
	}
	return name
}

// Part returns the part of that name.
func (s Score) Part(name string) (Part, bool) {
	for _, p := range s.Parts {
		if p.Name == name {
			return p, true
		}
	}
	return Part{}, false
}

// Score scores one item for a reader. categoryPrior is the share of all
// items in the item's category (0 when unknown: the part is then left
// out).
func (m *Model) Score(p *Profile, it Item, categoryPrior float64) Score {
	var s Score
	add := func(name string, v float64, reason string) {
		s.Parts = append(s.Parts, Part{Name: name, Value: v, Reason: reason})
		s.Total += v
	}
	w := m.opts.Weights
	if it.Popularity > 0 {
		v := w.Importance * math.Log1p(it.Popularity)
		reason := ""
		if it.Popularity >= 3 {
			reason = plural(int(it.Popularity), "outlet", "outlets")
		}
		add("importance", v, reason)
	}
	if p != nil && len(p.vec) > 0 {
		vec := map[string]float64{}
		for t, tf := range terms(it) {
			vec[t] = tf * m.idf(t)
		}
		normalize(vec)
		cos := 0.0
		for t, x := range vec {
			cos += x * p.vec[t]
		}
		reason := ""
		if cos >= 0.15 {
			reason = "like what you read"
		}
		add("similar", w.Similar*cos, reason)
	}
	if c := strings.ToLower(strings.TrimSpace(it.Category)); p != nil && c != "" && categoryPrior > 0 {
		a := m.opts.CategorySmoothing
		share := (p.cats[c] + a*categoryPrior) / (p.n + a)
		v := w.Category * math.Log(share/categoryPrior)
		reason := ""
		if share >= 2*categoryPrior && p.cats[c] >= 1 {
			reason = "you read " + it.Category
		}
		add("category", v, reason)
	}
	return s
}

// Rank scores candidates for a reader with the given history and returns
// their scores in the candidates' order. The category priors are the
// candidates' own shares.
func (m *Model) Rank(history, candidates []Item) []Score {
	m.Observe(history...)
	m.Observe(candidates...)
	p := m.Profile(history)
	prior := map[string]float64{}
	for _, c := range candidates {
		prior[strings.ToLower(strings.TrimSpace(c.Category))]++
	}
	for _, h := range history {
		prior[strings.ToLower(strings.TrimSpace(h.Category))]++
	}
	total := float64(len(candidates) + len(history))
	out := make([]Score, len(candidates))
	for i, c := range candidates {
		out[i] = m.Score(p, c, prior[strings.ToLower(strings.TrimSpace(c.Category))]/total)
	}
	return out
}

// terms returns the item's words with their term frequencies: title words
// count twice.
func terms(it Item) map[string]float64 {
	tf := map[string]float64{}
	add := func(s string, w float64) {
		for _, word := range strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) }) {
			word = strings.ToLower(word)
			if len(word) < 3 || stop[word] {
				continue
			}
			tf[stem(word)] += w
		}
	}
	add(it.Title, 2)
	add(it.Abstract, 1)
	return tf
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// stem folds the commonest English endings, so that "earthquakes" and
// "earthquake" meet.
func stem(w string) string {
	for _, suf := range []string{"ies", "ing", "ed", "es", "s"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			if suf == "ies" {
				return w[:len(w)-3] + "y"
			}
			if suf == "es" && !strings.HasSuffix(w, "ses") && !strings.HasSuffix(w, "xes") && !strings.HasSuffix(w, "ches") && !strings.HasSuffix(w, "shes") {
				return w[:len(w)-1]
			}
			return w[:len(w)-len(suf)]
		}
	}
	return w
}

func normalize(v map[string]float64) {
	n := 0.0
	for _, x := range v {
		n += x * x
	}
	if n == 0 {
		return
	}
	n = math.Sqrt(n)
	for k := range v {
		v[k] /= n
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

var stop = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and for with that this from are was were has have had not but its his her their they them
	you your our who what when where which will would can could should may might into over after before about than then there
	here also more most some such only other new says said one two three all any out off been being just like how why`) {
		stop[w] = true
	}
}
