package story

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
)

func en(kind digest.EntityKind, name string, count int) digest.Entity {
	return digest.Entity{Name: name, Kind: kind, Count: count}
}

// TestStoryEntitiesFoldAcrossArticles adds articles' entity lists to a
// story one at a time, as the engine does, and checks the story's list.
func TestStoryEntitiesFoldAcrossArticles(t *testing.T) {
	const per, org, loc = digest.Person, digest.Organization, digest.Place
	tests := []struct {
		name     string
		articles [][]digest.Entity
		want     []digest.Entity
	}{
		{
			name:     "a first name in one article folds into the full name in a later one",
			articles: [][]digest.Entity{{en(per, "Amara", 1)}, {en(per, "Amara Velasquez", 1)}},
			want:     []digest.Entity{en(per, "Amara Velasquez", 2)},
		},
		{
			name: "title and surname in later articles fold into the full name",
			articles: [][]digest.Entity{{en(per, "Xi Jinping", 2), en(loc, "Moscow", 1)}, {en(per, "Mr Xi", 1)},
				{en(per, "Xi", 3)}},
			want: []digest.Entity{en(per, "Xi Jinping", 6), en(loc, "Moscow", 1)},
		},
		{
			name: "University of X in one article and X University in another are one",
			articles: [][]digest.Entity{{en(org, "Calder University", 1)}, {en(org, "University of Calder", 1)},
				{en(org, "University of Calder", 1)}},
			want: []digest.Entity{en(org, "University of Calder", 3)},
		},
		{
			name: "country names and abbreviations across articles are one place",
			articles: [][]digest.Entity{{en(loc, "U.S.", 1)}, {en(loc, "United States", 2)}, {en(loc, "US", 1)},
				{en(loc, "the United States", 1)}},
			want: []digest.Entity{en(loc, "United States", 5)},
		},
		{
			name:     "a company with and without Inc. and possessive across articles is one",
			articles: [][]digest.Entity{{en(org, "Apple Inc.", 1)}, {en(org, "Apple's", 1)}, {en(org, "Apple", 1)}},
			want:     []digest.Entity{en(org, "Apple", 3)},
		},
		{
			name:     "an organisation tagged as a place in another article is one entity",
			articles: [][]digest.Entity{{en(loc, "Ashby Falls", 2)}, {en(org, "Ashby Falls", 1)}},
			want:     []digest.Entity{en(loc, "Ashby Falls", 3)},
		},
		{
			name:     "two full names sharing a surname stay two across articles",
			articles: [][]digest.Entity{{en(per, "Hillary Clinton", 2)}, {en(per, "Bill Clinton", 1)}},
			want:     []digest.Entity{en(per, "Hillary Clinton", 2), en(per, "Bill Clinton", 1)},
		},
		{
			name: "a surname arriving after two full names that share it joins neither",
			articles: [][]digest.Entity{{en(per, "Hillary Clinton", 2)}, {en(per, "Bill Clinton", 1)},
				{en(per, "Clinton", 1)}},
			want: []digest.Entity{en(per, "Hillary Clinton", 2), en(per, "Bill Clinton", 1), en(per, "Clinton", 1)},
		},
		{
			name: "a surname folded while one full name was known stays folded",
			articles: [][]digest.Entity{{en(per, "Hillary Clinton", 1)}, {en(per, "Clinton", 1)},
				{en(per, "Bill Clinton", 1)}},
			want: []digest.Entity{en(per, "Hillary Clinton", 2), en(per, "Bill Clinton", 1)},
		},
		{
			name:     "a person and a place written alike stay two across articles",
			articles: [][]digest.Entity{{en(per, "Paris", 1)}, {en(loc, "Paris", 1)}},
			want:     []digest.Entity{en(per, "Paris", 1), en(loc, "Paris", 1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &story{}
			for _, a := range tt.articles {
				s.addEntities(a)
			}
			if !slices.Equal(s.entities, tt.want) {
				t.Errorf("entities %v; want %v", s.entities, tt.want)
			}
		})
	}
}

// TestStoryEntitiesAbsorb merges two stories: the variants on either side
// become one entity.
func TestStoryEntitiesAbsorb(t *testing.T) {
	a := &story{years: map[int]int{}, months: map[int]int{}}
	b := &story{years: map[int]int{}, months: map[int]int{}}
	a.addEntities([]digest.Entity{en(digest.Person, "Amara Velasquez", 2), en(digest.Organization, "Calder University", 1)})
	b.addEntities([]digest.Entity{en(digest.Person, "Dr Velasquez", 1), en(digest.Organization, "University of Calder", 2)})
	a.absorb(b, 100)
	want := []digest.Entity{en(digest.Person, "Amara Velasquez", 3), en(digest.Organization, "University of Calder", 3)}
	if !slices.Equal(a.entities, want) {
		t.Errorf("entities %v; want %v", a.entities, want)
	}
}

// TestStoryEntitiesStayCapped adds thousands of articles, each naming new
// people beside one recurring person: the list stays at the cap and keeps
// the most mentioned.
func TestStoryEntitiesStayCapped(t *testing.T) {
	s := &story{}
	for i := range 5000 {
		s.addEntities([]digest.Entity{
			en(digest.Person, "Ines Varga", 1),
			en(digest.Person, fmt.Sprintf("Witness%d Person%d", i, i), 1),
			en(digest.Organization, fmt.Sprintf("Agency%d", i), 1),
		})
		if len(s.entities) > maxStoryEntities {
			t.Fatalf("after %d articles: %d entities", i+1, len(s.entities))
		}
	}
	if s.entities[0] != en(digest.Person, "Ines Varga", 5000) {
		t.Errorf("first entity %v; want Ines Varga with 5000 mentions", s.entities[0])
	}
}

// TestStandardEngineNamesStoryEntitiesCanonically runs the tagger and the
// engine on two articles of one event that name a university and a
// scientist differently: the story names each once.
func TestStandardEngineNamesStoryEntitiesCanonically(t *testing.T) {
	o, err := Standard()
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(o)
	r1 := e.Add(Doc{ID: 1, Title: "Calder University team unveils wheat that survives six weeks without rain",
		Text: "Scientists at the University of Calder have bred a variety of wheat that survived six weeks without " +
			"water in field trials. The team, led by plant geneticist Amara Velasquez, crossed a commercial variety " +
			"with a wild grass. \"The plant simply closes down and waits,\" Dr Velasquez said.",
		Published: t0})
	r2 := e.Add(Doc{ID: 2, Title: "Drought-proof wheat? Farmers weigh Calder University's new variety",
		Text: "Farmers gave a cautious welcome on Wednesday to a new wheat variety from the University of Calder " +
			"that survived six weeks without water in field trials. Velasquez said the team was already testing barley.",
		Published: t0.Add(3600e9)})
	if r1.StoryID != r2.StoryID {
		t.Skipf("the two articles went to two stories (%d, %d): clustering, not entities, is under test elsewhere", r1.StoryID, r2.StoryID)
	}
	v, _ := e.Story(r1.StoryID)
	var unis, people []string
	for _, x := range v.Entities {
		if strings.Contains(x.Name, "Calder") && strings.Contains(x.Name, "University") {
			unis = append(unis, x.Name)
		}
		if strings.Contains(x.Name, "Velasquez") || x.Name == "Amara" {
			people = append(people, x.Name)
		}
	}
	if len(unis) != 1 || len(people) != 1 || people[0] != "Amara Velasquez" {
		t.Errorf("university as %q, scientist as %q in %v; want one each, Amara Velasquez", unis, people, v.Entities)
	}
}

// addExact is the aggregation before names were normalised (exact name
// and kind), kept as the benchmark's baseline.
func addExact(s *story, ents []digest.Entity) {
	for _, x := range ents {
		if x.Name == "" {
			continue
		}
		i := slices.IndexFunc(s.entities, func(y digest.Entity) bool { return y.Name == x.Name && y.Kind == x.Kind })
		if i >= 0 {
			s.entities[i].Count += max(x.Count, 1)
		} else {
			s.entities = append(s.entities, digest.Entity{Name: x.Name, Kind: x.Kind, Count: max(x.Count, 1)})
		}
	}
	slices.SortStableFunc(s.entities, func(a, b digest.Entity) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Name, b.Name)
	})
	if len(s.entities) > maxStoryEntities {
		s.entities = s.entities[:maxStoryEntities]
	}
}

// benchArticles returns n articles' entity lists for one story: recurring
// names in their variants, and new people, places and organisations in
// each article, so that the story's list is at its cap of 40.
func benchArticles(n int) [][]digest.Entity {
	recurring := [][]digest.Entity{
		{en(digest.Person, "Xi Jinping", 2), en(digest.Place, "United States", 1), en(digest.Organization, "European Union", 1)},
		{en(digest.Person, "Mr Xi", 1), en(digest.Place, "U.S.", 2), en(digest.Organization, "EU", 1)},
		{en(digest.Person, "Xi", 1), en(digest.Organization, "Apple Inc.", 1), en(digest.Organization, "University of Calder", 1)},
		{en(digest.Organization, "Apple's", 1), en(digest.Organization, "Calder University", 1), en(digest.Person, "Amara", 1)},
		{en(digest.Person, "Amara Velasquez", 1), en(digest.Place, "Beijing", 2), en(digest.Place, "the United States", 1)},
	}
	out := make([][]digest.Entity, n)
	for i := range out {
		l := slices.Clone(recurring[i%len(recurring)])
		l = append(l,
			en(digest.Person, fmt.Sprintf("Witness%d Person%d", i, i%13), 1),
			en(digest.Person, fmt.Sprintf("Person%d", i%13), 1),
			en(digest.Organization, fmt.Sprintf("Agency%d Corp.", i%31), 1),
			en(digest.Place, fmt.Sprintf("Town%d", i%17), 1))
		out[i] = l
	}
	return out
}

// BenchmarkStoryAddEntities measures one article's entities folded into a
// story whose list is at its cap (the per-article cost of addEntities),
// against the exact-match aggregation it replaced. The list is capped, so
// the cost does not grow with the story: "after-10000" adds to a story
// that has already taken 10,000 articles.
func BenchmarkStoryAddEntities(b *testing.B) {
	arts := benchArticles(1000)
	for _, bc := range []struct {
		name    string
		prefill int
		add     func(*story, []digest.Entity)
	}{
		{"normalized", 100, (*story).addEntities},
		{"normalized-after-10000", 10000, (*story).addEntities},
		{"exact-baseline", 100, addExact},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := &story{}
			for i := range bc.prefill {
				bc.add(s, arts[i%len(arts)])
			}
			i := 0
			cpu0 := cpuTime()
			for b.Loop() {
				bc.add(s, arts[i%len(arts)])
				i++
			}
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
