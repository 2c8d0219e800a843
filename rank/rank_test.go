package rank

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// world is a simulated newsroom: categories with their own words, items
// drawn from them, and readers with hidden tastes (two categories, a few
// names) whose clicks follow those tastes.
type world struct {
	rng   *rand.Rand
	cats  []string
	vocab map[string][]string
	names []string
}

func newWorld(seed uint64) *world {
	w := &world{rng: rand.New(rand.NewPCG(seed, 7)), vocab: map[string][]string{}}
	w.cats = []string{"sports", "politics", "tech", "science", "health", "business", "travel", "food"}
	for _, c := range w.cats {
		for i := range 40 {
			w.vocab[c] = append(w.vocab[c], fmt.Sprintf("%s%c%c", c[:3], 'a'+rune(i%26), 'a'+rune(i/26)))
		}
	}
	for i := range 60 {
		w.names = append(w.names, fmt.Sprintf("Name%c%c", 'a'+rune(i%26), 'a'+rune(i/26)))
	}
	return w
}

type simItem struct {
	Item
	name string
}

func (w *world) item(id int) simItem {
	c := w.cats[w.rng.IntN(len(w.cats))]
	words := func(n int) string {
		var b []string
		for range n {
			if w.rng.IntN(4) == 0 {
				b = append(b, []string{"today", "report", "week", "people", "city", "year"}[w.rng.IntN(6)])
			} else {
				b = append(b, w.vocab[c][w.rng.IntN(len(w.vocab[c]))])
			}
		}
		return strings.Join(b, " ")
	}
	name := w.names[w.rng.IntN(len(w.names))]
	return simItem{Item: Item{ID: fmt.Sprint(id), Title: name + " " + words(6), Abstract: words(15), Category: c,
		Popularity: math.Floor(math.Exp(w.rng.NormFloat64()*1.2 + 1))}, name: name}
}

type reader struct {
	cats  map[string]bool
	names map[string]bool
}

func (w *world) reader() reader {
	r := reader{cats: map[string]bool{}, names: map[string]bool{}}
	for len(r.cats) < 2 {
		r.cats[w.cats[w.rng.IntN(len(w.cats))]] = true
	}
	for len(r.names) < 4 {
		r.names[w.names[w.rng.IntN(len(w.names))]] = true
	}
	return r
}

// click is the hidden chance that the reader opens an item.
func (r reader) click(it simItem) float64 {
	p := 0.03 + 0.02*math.Log1p(it.Popularity)
	if r.cats[it.Category] {
		p += 0.25
	}
	if r.names[it.name] {
		p += 0.35
	}
	return min(p, 0.95)
}

// impression is one list shown to a reader: the history they opened, the
// candidates and which were clicked.
type impression struct {
	history, candidates []Item
	clicked             []bool
}

func (w *world) impression(r reader, id *int) impression {
	var imp impression
	for len(imp.history) < 25 {
		it := w.item(*id)
		*id++
		if w.rng.Float64() < r.click(it) {
			imp.history = append(imp.history, it.Item)
		}
	}
	for {
		imp.candidates, imp.clicked = nil, nil
		for range 20 {
			it := w.item(*id)
			*id++
			imp.candidates = append(imp.candidates, it.Item)
			imp.clicked = append(imp.clicked, w.rng.Float64() < r.click(it))
		}
		if slices.Contains(imp.clicked, true) && slices.Contains(imp.clicked, false) {
			return imp
		}
	}
}

// auc is the chance that a clicked candidate outscores an unclicked one.
func auc(scores []float64, clicked []bool) float64 {
	var pairs, wins float64
	for i := range scores {
		for j := range scores {
			if clicked[i] && !clicked[j] {
				pairs++
				switch {
				case scores[i] > scores[j]:
					wins++
				case scores[i] == scores[j]:
					wins += 0.5
				}
			}
		}
	}
	return wins / pairs
}

// TestRankerLearnsSimulatedTastes: on readers whose clicks follow hidden
// tastes, the blend ranks their clicks above their passes far better than
// chance and than importance alone, and every score is the sum of its
// parts.
func TestRankerLearnsSimulatedTastes(t *testing.T) {
	w := newWorld(42)
	m := New(Options{})
	id := 0
	var ours, popOnly, simOnly float64
	const n = 300
	for range n {
		imp := w.impression(w.reader(), &id)
		scores := m.Rank(imp.history, imp.candidates)
		var total, pop, sim []float64
		for i, s := range scores {
			sum := 0.0
			for _, p := range s.Parts {
				sum += p.Value
			}
			if math.Abs(sum-s.Total) > 1e-9 {
				t.Fatalf("parts add up to %v, total %v", sum, s.Total)
			}
			total = append(total, s.Total)
			pop = append(pop, imp.candidates[i].Popularity)
			v := 0.0
			for _, p := range s.Parts {
				if p.Name == "similar" {
					v = p.Value
				}
			}
			sim = append(sim, v)
		}
		ours += auc(total, imp.clicked)
		popOnly += auc(pop, imp.clicked)
		simOnly += auc(sim, imp.clicked)
	}
	ours, popOnly, simOnly = ours/n, popOnly/n, simOnly/n
	t.Logf("AUC over %d simulated impressions: blend %.3f, importance alone %.3f, similarity alone %.3f", n, ours, popOnly, simOnly)
	if ours < 0.68 || ours < popOnly+0.1 {
		t.Errorf("the blend does not learn the readers: AUC %.3f (importance alone %.3f, similarity alone %.3f)", ours, popOnly, simOnly)
	}
}

// TestANewReaderGetsImportance: with no history, only importance speaks,
// and the reason names the outlets.
func TestANewReaderGetsImportance(t *testing.T) {
	m := New(Options{})
	scores := m.Rank(nil, []Item{{ID: "a", Title: "Quake", Popularity: 5}, {ID: "b", Title: "Fair", Popularity: 1}})
	if !(scores[0].Total > scores[1].Total) {
		t.Errorf("scores %v: the story more outlets took up should lead", scores)
	}
	if got := scores[0].Strongest(); got != "5 outlets" {
		t.Errorf("reason %q, want \"5 outlets\"", got)
	}
	for _, s := range scores {
		for _, p := range s.Parts {
			if p.Name != "importance" {
				t.Errorf("a new reader's score has part %q", p.Name)
			}
		}
	}
}

func TestStemFoldsPlurals(t *testing.T) {
	for in, want := range map[string]string{"earthquakes": "earthquake", "earthquake": "earthquake", "stories": "story",
		"boxes": "box", "reading": "read", "passed": "pass"} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRank(f *testing.F) {
	f.Add("Quake shakes Port Alder", "news", 3.0, "Port Alder quake", "news")
	f.Add("", "", -1.0, "\xff\xfe", "")
	f.Fuzz(func(t *testing.T, title, cat string, pop float64, hist, hcat string) {
		m := New(Options{})
		s := m.Rank([]Item{{Title: hist, Category: hcat}}, []Item{{Title: title, Category: cat, Popularity: pop}})
		if len(s) != 1 || math.IsNaN(s[0].Total) || math.IsInf(s[0].Total, 0) {
			t.Fatalf("score %+v", s)
		}
	})
}
