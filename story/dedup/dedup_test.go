package dedup

import (
	"bufio"
	"encoding/json"
	"fmt"
	"github.com/occasional-digest/digest/internal/testcorpus"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

const wire = `Chinese President Xi Jinping and Russian President Vladimir Putin have condemned what they cast as increasingly aggressive US behaviour and pledged to deepen their countries' already close defence and military ties.

In a snub to Washington, whose top diplomat flew into China last month to try to persuade Beijing to scale back its relationship with Moscow, Mr Xi signalled Beijing and Moscow saw eye to eye on a range of important issues, including on Ukraine, and would resist Western pressure to downgrade their ties.

"The China-Russia relationship today is hard-earned, and the two sides need to cherish and nurture it," Mr Xi told Mr Putin at the meeting on Thursday.

A joint statement said both countries were opposed to a drawn-out conflict in Ukraine and spoke of concerns about what were described as US efforts to violate the strategic nuclear balance.

Mr Putin, on his first overseas trip since his inauguration this month for a new presidential term, described Moscow and Beijing's cooperation in world affairs as one of the main stabilising factors in the international arena.`

// other is a different report of the same event: same names, same quote,
// its own sentences.
const other = `Vladimir Putin arrived in Beijing on Thursday for a two-day state visit, his first trip abroad since he was sworn in for a fifth term as Russia's president.

Xi Jinping greeted him with a ceremony outside the Great Hall of the People before the two leaders held talks on trade, energy and the war in Ukraine.

"The China-Russia relationship today is hard-earned, and the two sides need to cherish and nurture it," Mr Xi told Mr Putin at the meeting on Thursday.

Analysts said the visit showed how dependent Moscow has become on Chinese purchases of oil and gas since Western sanctions cut it off from European buyers.

Trade between the two countries reached a record last year, but Chinese banks have grown wary of processing payments for fear of American penalties.`

func wrapDigest(title, text string) string {
	return "Site icon Occasional Digest\n\n" + title + "\n\nOccasional Digest - a story for you\n\n" + text + "\n\n\nSource link\n\nExit mobile version"
}

func TestFindDuplicates(t *testing.T) {
	words := strings.Fields(wire)
	tests := []struct {
		name string
		text string
		dup  bool
	}{
		{"identical text is a duplicate", wire, true},
		{"digest site copy with boilerplate is a duplicate", wrapDigest("Xi and Putin pledge closer ties", wire), true},
		{"copy cut to its first half is a duplicate", strings.Join(words[:len(words)/2], " "), true},
		{"copy with its last paragraph dropped and case changed is a duplicate",
			strings.ToUpper(wire[:strings.LastIndex(wire, "\n\n")]), true},
		{"copy with a few words changed is a duplicate",
			strings.NewReplacer("condemned", "criticised", "Thursday", "Friday", "ties", "links").Replace(wire), true},
		{"different article of the same event is not a duplicate", other, false},
		{"shared quote alone is not a duplicate",
			`"The China-Russia relationship today is hard-earned, and the two sides need to cherish and nurture it," Mr Xi told Mr Putin at the meeting on Thursday.`, false},
		{"empty text matches nothing", "", false},
		{"one word matches nothing", "Ukraine", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := New(Options{})
			x.Add(1, x.Sketch(wire))
			x.Add(2, x.Sketch("An unrelated text about the price of wheat in Kansas, which rose for the third week as dry weather hurt crops."))
			got := x.Find(x.Sketch(tc.text))
			if tc.dup && (len(got) == 0 || got[0].ID != 1) {
				t.Fatalf("want a match with 1, got %+v", got)
			}
			if !tc.dup && len(got) > 0 {
				t.Fatalf("want no match, got %+v", got)
			}
		})
	}
}

func TestCompareIsExactOnShortTexts(t *testing.T) {
	s := NewSketcher(Options{})
	a := s.Sketch("one two three four five six seven eight nine ten")
	b := s.Sketch("one two three four five six seven eight")
	if a.Shingles != 6 || b.Shingles != 4 {
		t.Fatalf("shingles %d %d, want 6 4", a.Shingles, b.Shingles)
	}
	sim := Compare(a, b)
	if sim.Containment != 1 || sim.Resemblance != 4.0/6 || sim.Observed != 4 {
		t.Errorf("got %+v, want containment 1, resemblance 0.667 on 4", sim)
	}
	if sim := Compare(a, Sketch{}); sim != (Similarity{}) {
		t.Errorf("empty sketch: %+v", sim)
	}
}

func TestSketchIsDeterministicAndIgnoresFormatting(t *testing.T) {
	s1, s2 := NewSketcher(Options{}), NewSketcher(Options{})
	a := s1.Sketch(wire)
	b := s2.Sketch(strings.Join(strings.Fields(strings.ToUpper(wire)), "  "))
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("sketches of the same words differ")
	}
	if len(a.Hashes) != 64 {
		t.Errorf("sketch size %d, want 64", len(a.Hashes))
	}
}

func TestRemoveAndRotateForget(t *testing.T) {
	x := New(Options{})
	x.Add(1, x.Sketch(wire))
	x.Rotate(1)
	x.Add(2, x.Sketch(other))
	if x.Len() != 2 {
		t.Fatalf("len %d", x.Len())
	}
	x.Rotate(1) // generation 2: article 1 (generation 0) is two behind
	if x.Len() != 1 || len(x.Find(x.Sketch(wire))) != 0 {
		t.Errorf("rotation kept article 1: len %d", x.Len())
	}
	if got := x.Find(x.Sketch(other)); len(got) != 1 || got[0].ID != 2 {
		t.Errorf("rotation lost article 2: %+v", got)
	}
	x.Remove(2)
	x.Remove(3) // unknown: no-op
	if x.Len() != 0 || x.Postings() != 0 {
		t.Errorf("after removal: len %d, %d postings", x.Len(), x.Postings())
	}
	// Adding an id again replaces its sketch.
	x.Add(5, x.Sketch(wire))
	x.Add(5, x.Sketch(other))
	if got := x.Find(x.Sketch(wire)); len(got) != 0 {
		t.Errorf("replaced sketch still found: %+v", got)
	}
}

func TestBoilerplatePostingsAreCapped(t *testing.T) {
	x := New(Options{MaxPosting: 4})
	footer := " Source link Exit mobile version Share this article on Facebook Twitter"
	for i := range 20 {
		x.Add(int64(i), x.Sketch(fmt.Sprintf("story number %d about item %d", i, i*7)+footer))
	}
	x.EachPosting(func(h uint32, p []int64) {
		if len(p) > 4 {
			t.Fatalf("posting %x has %d entries", h, len(p))
		}
	})
}

func FuzzSketch(f *testing.F) {
	f.Add(wire, other)
	f.Add("", "x")
	f.Add("ÄÖÜ 日本語のテキスト 123,456.78 — ", "\xff\xfe bad utf8")
	f.Add(strings.Repeat("a ", 1000), strings.Repeat("a b ", 500))
	f.Fuzz(func(t *testing.T, a, b string) {
		s := NewSketcher(Options{K: 16})
		sa, sb := s.Sketch(a), s.Sketch(b)
		if fmt.Sprint(sa) != fmt.Sprint(s.Sketch(a)) {
			t.Fatal("sketch not deterministic")
		}
		sim := Compare(sa, sb)
		if sim.Containment < 0 || sim.Containment > 1 || sim.Resemblance < 0 || sim.Resemblance > 1 {
			t.Fatalf("out of range: %+v", sim)
		}
		if len(sa.Hashes) > 0 {
			if self := Compare(sa, sa); self.Containment != 1 || self.Resemblance != 1 {
				t.Fatalf("self comparison %+v", self)
			}
		}
		x := New(Options{K: 16})
		x.Add(1, sa)
		x.Find(sb)
	})
}

// --- corpus evaluation ---

type corpusDoc struct {
	ID, Event, Text string
}

func loadStories(t testing.TB, name string) []corpusDoc {
	t.Helper()
	f, err := os.Open(testcorpus.Path(t, "stories", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusDoc
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var d corpusDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// mutate returns a copy of text as syndication changes it: kind 0 cuts it
// short, 1 edits words and drops a paragraph, 2 wraps it in a digest site's
// boilerplate, 3 wraps and cuts it.
func mutate(r *rand.Rand, text string, kind int) string {
	words := strings.Fields(text)
	switch kind {
	case 0:
		n := len(words) * (40 + r.IntN(40)) / 100
		return strings.Join(words[:max(n, 1)], " ")
	case 1:
		paras := strings.Split(text, "\n\n")
		if len(paras) > 2 {
			i := 1 + r.IntN(len(paras)-1)
			paras = append(paras[:i], paras[i+1:]...)
		}
		words = strings.Fields(strings.Join(paras, "\n\n"))
		for range len(words) / 30 {
			words[r.IntN(len(words))] = "edited"
		}
		return strings.Join(words, " ")
	case 2:
		return wrapDigest("A headline of the copying site", text)
	default:
		n := len(words) * (50 + r.IntN(40)) / 100
		return wrapDigest("Another headline", strings.Join(words[:max(n, 1)], " "))
	}
}

// dedupScore builds the test set from docs: positives are mutated copies
// of every doc of at least minWords words; negatives are the pairs of
// different docs of one event. It returns recall on positives and the
// number of negative pairs wrongly matched out of all negative pairs.
func dedupScore(docs []corpusDoc, minWords int) (recall float64, pos, fp, neg int, fps []string) {
	r := rand.New(rand.NewPCG(1, 2))
	x := New(Options{})
	byEvent := map[string][]int{}
	var used []int
	for i, d := range docs {
		if len(strings.Fields(d.Text)) < minWords {
			continue
		}
		used = append(used, i)
		x.Add(int64(i), x.Sketch(d.Text))
		byEvent[d.Event] = append(byEvent[d.Event], i)
	}
	hit := 0
	for _, i := range used {
		for kind := range 4 {
			pos++
			for _, m := range x.Find(x.Sketch(mutate(r, docs[i].Text, kind))) {
				if m.ID == int64(i) {
					hit++
					break
				}
			}
		}
	}
	// Negatives: each doc against the others of its event, in an index of
	// that one doc.
	for _, ids := range byEvent {
		for a := range ids {
			for b := a + 1; b < len(ids); b++ {
				neg++
				y := New(Options{})
				y.Add(1, y.Sketch(docs[ids[a]].Text))
				if m := y.Find(y.Sketch(docs[ids[b]].Text)); len(m) > 0 {
					fp++
					fps = append(fps, fmt.Sprintf("%s ~ %s (containment %.2f on %d)", docs[ids[a]].ID, docs[ids[b]].ID, m[0].Containment, m[0].Observed))
				}
			}
		}
	}
	return float64(hit) / float64(max(pos, 1)), pos, fp, neg, fps
}

// TestDedupCorpus scores duplicate detection on mutated copies of
// Multi-News articles (truncated, edited, wrapped in boilerplate) against
// the pairs of different articles of one event. By default it runs on the
// first 150 articles; DIGEST_EVAL=1 runs all of them.
func TestDedupCorpus(t *testing.T) {
	docs := loadStories(t, "articles.jsonl")
	if os.Getenv("DIGEST_EVAL") != "1" {
		docs = docs[:min(len(docs), 150)]
	}
	recall, pos, fp, neg, fps := dedupScore(docs, 50)
	t.Logf("Multi-News: recall %.3f on %d mutated copies; %d of %d same-event pairs matched", recall, pos, fp, neg)
	for _, s := range fps {
		t.Logf("  same-event match: %s", s)
	}
	if recall < 0.95 {
		t.Errorf("recall %.3f, want >= 0.95", recall)
	}
	if float64(fp) > 0.02*float64(neg) {
		t.Errorf("%d of %d different same-event articles matched", fp, neg)
	}
}

func BenchmarkSketch(b *testing.B) {
	s := NewSketcher(Options{})
	text := strings.Repeat(wire+"\n\n"+other+"\n\n", 2) // about 800 words
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		s.Sketch(text)
	}
}

// BenchmarkFind measures a lookup in an index of 200,000 synthetic texts.
func BenchmarkFind(b *testing.B) {
	x := New(Options{})
	r := rand.New(rand.NewPCG(3, 4))
	vocab := strings.Fields(wire + " " + other)
	for i := range 200_000 {
		sk := Sketch{Shingles: 500}
		for range 64 {
			sk.Hashes = append(sk.Hashes, r.Uint32()>>8)
		}
		sortU64(sk.Hashes)
		x.Add(int64(i), sk)
	}
	words := make([]string, 400)
	for i := range words {
		words[i] = vocab[r.IntN(len(vocab))]
	}
	sk := x.Sketch(strings.Join(words, " "))
	for b.Loop() {
		x.Find(sk)
	}
}

func sortU64(v []uint32) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j] < v[j-1]; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}

func TestDistinctTextsPostOneIDWithoutAList(t *testing.T) {
	x := New(Options{})
	sketches := make([]Sketch, 2000)
	for i := range sketches {
		sketches[i] = x.Sketch(fmt.Sprintf("dispatch %d of the night desk: item %d filed at %d, by reporter %d", i, i*31, i*7, i%13))
	}
	for i := range 1000 {
		x.Add(int64(i), sketches[i])
	}
	next := 1000
	// A list of one ID per probe hash was 8 allocations a text.
	allocs := testing.AllocsPerRun(500, func() {
		x.Add(int64(next), sketches[next])
		next++
	})
	if allocs >= 4 {
		t.Errorf("Add of a distinct text: %.1f allocations, want a few (its entry and the maps' growth)", allocs)
	}
	for i := range sketches[:next] {
		if got := x.Find(sketches[i]); len(got) == 0 || got[0].ID != int64(i) {
			t.Fatalf("text %d not found: %+v", i, got)
		}
	}
}

// TestPostingsMatchPlainLists checks the postings against plain lists
// kept as the Index kept them before single IDs were held inline: the
// same lists in the same order, through adds, boilerplate caps, removals,
// replacements, clones and restores.
func TestPostingsMatchPlainLists(t *testing.T) {
	for _, maxPosting := range []int{1, 2, 3, 32} {
		opts := Options{K: 8, Probe: 4, MaxPosting: maxPosting}
		x := New(opts)
		ref := map[uint32][]int64{}
		live := map[int64]Sketch{}
		refCompact := func(p []int64) []int64 {
			var out []int64
			for _, id := range p {
				if _, ok := live[id]; ok {
					out = append(out, id)
				}
			}
			return out
		}
		refUnpost := func(id int64, sk Sketch) {
			for _, h := range sk.Hashes[:min(len(sk.Hashes), 4)] {
				p := ref[h]
				if i := slices.Index(p, id); i >= 0 {
					p = slices.Delete(slices.Clone(p), i, i+1)
				}
				if len(p) == 0 {
					delete(ref, h)
				} else {
					ref[h] = p
				}
			}
		}
		refAdd := func(id int64, sk Sketch) {
			if old, ok := live[id]; ok {
				refUnpost(id, old)
			}
			live[id] = sk
			for _, h := range sk.Hashes[:min(len(sk.Hashes), 4)] {
				p := ref[h]
				if len(p) >= maxPosting {
					p = refCompact(p)
					if len(p) >= maxPosting {
						ref[h] = p
						continue
					}
				}
				ref[h] = append(slices.Clone(p), id)
			}
		}
		r := rand.New(rand.NewPCG(uint64(maxPosting), 9))
		// Few words: texts share shingles, so hashes are shared too.
		words := []string{"alpha", "beta", "gamma", "delta", "eps", "zeta"}
		text := func() string {
			var b strings.Builder
			for range 3 + r.IntN(6) {
				b.WriteString(words[r.IntN(len(words))] + " ")
			}
			return b.String()
		}
		check := func(step int, x *Index) {
			t.Helper()
			got := map[uint32][]int64{}
			x.EachPosting(func(h uint32, ids []int64) { got[h] = slices.Clone(ids) })
			want := map[uint32][]int64{}
			for h, p := range ref {
				if len(p) > 0 {
					want[h] = p
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("max %d, step %d: postings\n%v\nwant\n%v", maxPosting, step, got, want)
			}
			if x.Postings() != len(want) {
				t.Fatalf("max %d, step %d: %d postings, want %d", maxPosting, step, x.Postings(), len(want))
			}
			for h, p := range want {
				if !slices.Equal(x.posting(h), p) {
					t.Fatalf("max %d, step %d: posting %x = %v, want %v", maxPosting, step, h, x.posting(h), p)
				}
			}
		}
		for step := range 1000 {
			id := int64(r.IntN(60))
			switch k := r.IntN(10); {
			case k < 6:
				sk := x.Sketch(text())
				x.Add(id, sk)
				refAdd(id, sk)
			case k < 8:
				if sk, ok := live[id]; ok {
					refUnpost(id, sk)
					delete(live, id)
				}
				x.Remove(id)
			case k < 9:
				c := x.Clone()
				check(step, c)
				// The clone goes its own way.
				c.Add(1000, c.Sketch(text()))
			default:
				var texts = map[int64]RestoredText{}
				x.EachText(func(id int64, sk Sketch, gen uint32) { texts[id] = RestoredText{Sketch: sk, Gen: gen} })
				postings := map[uint32][]int64{}
				x.EachPosting(func(h uint32, ids []int64) { postings[h] = slices.Clone(ids) })
				x = Restore(opts, x.Generation(), texts, postings)
			}
			check(step, x)
		}
	}
}

// posting returns h's posting list.
func (x *Index) posting(h uint32) []int64 {
	if id, ok := x.one[h]; ok {
		return []int64{id}
	}
	return x.many[h]
}
