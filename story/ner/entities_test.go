package ner

import (
	"strings"
	"testing"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

func entityMap(es []digest.Entity) map[string]digest.Entity {
	m := map[string]digest.Entity{}
	for _, e := range es {
		m[e.Name] = e
	}
	return m
}

func TestEntities(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		name  string
		kind  digest.EntityKind
		count int
	}
	tests := []struct {
		name   string
		text   string
		want   []want
		absent []string // names that must not appear
	}{
		{
			name:   "surname and honorific resolve to the full name",
			text:   "Chinese President Xi Jinping arrived in Moscow on Monday. Mr Xi said the talks were useful. Xi then left.",
			want:   []want{{"Xi Jinping", digest.Person, 3}, {"Moscow", digest.Place, 1}},
			absent: []string{"Xi", "Mr Xi"},
		},
		{
			name:   "title is stripped and surname resolves",
			text:   "Russian President Vladimir Putin spoke on Tuesday. President Putin said sanctions had failed. Putin left.",
			want:   []want{{"Vladimir Putin", digest.Person, 3}},
			absent: []string{"Putin", "President Putin"},
		},
		{
			name:   "country abbreviations share the gazetteer's name",
			text:   "Officials in the United States said on Friday that U.S. exports rose. The US economy grew.",
			want:   []want{{"United States", digest.Place, 3}},
			absent: []string{"U.S.", "US"},
		},
		{
			name:   "acronym resolves to the organisation it abbreviates",
			text:   "The European Union said on Monday it would respond. The EU has 27 members.",
			want:   []want{{"European Union", digest.Organization, 2}},
			absent: []string{"EU"},
		},
		{
			name:   "headline in capitals is written in its usual case",
			text:   "OBAMA MEETS MERKEL IN BERLIN\nU.S. President Barack Obama met German Chancellor Angela Merkel in Berlin on Thursday.",
			want:   []want{{"Barack Obama", digest.Person, 2}, {"Berlin", digest.Place, 2}},
			absent: []string{"BERLIN", "OBAMA"},
		},
		{
			name: "organisation and person",
			text: "Apple Inc. said on Monday that Tim Cook would visit Germany. Cook met workers in Munich.",
			want: []want{{"Tim Cook", digest.Person, 2}, {"Germany", digest.Place, 1}, {"Munich", digest.Place, 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tg.Entities(tt.text)
			m := entityMap(got)
			for _, w := range tt.want {
				e, ok := m[w.name]
				if !ok {
					t.Errorf("no entity %q in %+v", w.name, got)
					continue
				}
				if e.Kind != w.kind || e.Count != w.count {
					t.Errorf("%q: kind %s count %d; want %s %d", w.name, e.Kind, e.Count, w.kind, w.count)
				}
			}
			for _, a := range tt.absent {
				if _, ok := m[a]; ok {
					t.Errorf("unresolved entity %q in %+v", a, got)
				}
			}
		})
	}
}

func TestEntitiesOrderedByMentions(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	es := tg.Entities("Angela Merkel visited Paris. Merkel met Emmanuel Macron in Paris. Merkel then returned to Berlin.")
	for i := 1; i < len(es); i++ {
		if es[i].Count > es[i-1].Count {
			t.Fatalf("not ordered by count: %+v", es)
		}
	}
	if len(es) == 0 || es[0].Name != "Angela Merkel" {
		t.Errorf("most mentioned = %+v; want Angela Merkel first", es)
	}
}

func TestEntitiesOfOddInput(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		text string
		max  int // at most this many entities
	}{
		{"empty text", "", 0},
		{"one word", "hello", 0},
		{"only punctuation", "?!... ,,, ---", 0},
		{"all caps text", "PRESIDENT JOE BIDEN MET LEADERS IN WASHINGTON ON MONDAY. THE TALKS ENDED.", 5},
		{"non-English text", "Владимир Путин встретился с Си Цзиньпином в Москве. 習近平在北京會見了普京。", 10},
		{"mixed scripts", "Путин met Xi Jinping in 北京 and Paris.", 10},
		{"invalid UTF-8", "\xff\xfeAngela \xc3Merkel in Ber\xfflin \xed\xa0\x80", 5},
		{"one very long word", strings.Repeat("A", 100_000), 1},
		{"long run without punctuation", strings.Repeat("Paris ", 2000), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es := tg.Entities(tt.text)
			if es == nil {
				t.Fatal("nil result; want an empty slice")
			}
			if len(es) > tt.max {
				t.Errorf("%d entities, want at most %d: %+v", len(es), tt.max, es)
			}
			for _, e := range es {
				if !utf8.ValidString(e.Name) || e.Name == "" || e.Count < 1 {
					t.Errorf("bad entity %+v", e)
				}
			}
		})
	}
}

// TestEntitiesOfLargeText tags 5 MB of text: it must finish with sensible
// counts (every mention of the repeated names found) rather than fail.
func TestEntitiesOfLargeText(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	para := "Chancellor Angela Merkel met French President Emmanuel Macron in Paris on Tuesday, officials said.\n"
	n := 5<<20/len(para) + 1
	es := tg.Entities(strings.Repeat(para, n))
	m := entityMap(es)
	if m["Angela Merkel"].Count != n || m["Paris"].Count != n {
		t.Errorf("in %d paragraphs: %+v", n, es)
	}
}

func TestKey(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	same := [][2]string{{"U.S.", "United States"}, {"US", "the United States"}, {"United States of America", "U.S."}}
	for _, p := range same {
		if a, b := tg.Key(digest.Place, p[0]), tg.Key(digest.Place, p[1]); a != b {
			t.Errorf("Key(%q) = %q, Key(%q) = %q; want equal", p[0], a, p[1], b)
		}
	}
	if a, b := tg.Key(digest.Person, "Mr. Xi Jinping"), tg.Key(digest.Person, "XI JINPING"); a != b {
		t.Errorf("person keys differ: %q, %q", a, b)
	}
	if a, b := tg.Key(digest.Person, "Paris"), tg.Key(digest.Place, "Paris"); a == b {
		t.Errorf("kinds share a key: %q", a)
	}
}

func FuzzEntities(f *testing.F) {
	tg, err := New()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"Mr Xi met President Putin in Moscow. Xi left.", "THE U.S. AND CHINA", "\xff", "", "Путин 北京 Paris",
		"(EU) \"European Union\" EU's", "Dr.", "Mr",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range tg.Mentions(s) {
			if m.Start < 0 || m.End > len(s) || m.Start >= m.End || !utf8.ValidString(m.Name) || m.Name == "" {
				t.Fatalf("bad mention %+v", m)
			}
		}
		for _, e := range tg.Entities(s) {
			if e.Count < 1 {
				t.Fatalf("bad entity %+v", e)
			}
		}
	})
}

func TestEntitiesTitleCaseHeadline(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	text := "Xi Jinping Visits Moscow For Talks With Putin\n" +
		"Chinese leader Xi Jinping arrived in Moscow on Monday for talks with Russian President Vladimir Putin."
	m := entityMap(tg.Entities(text))
	for _, w := range []string{"Xi Jinping", "Moscow", "Vladimir Putin"} {
		if m[w].Count != 2 {
			t.Errorf("%q: %+v; want 2 mentions (headline and body)", w, m[w])
		}
	}
	for _, bad := range []string{"Visits", "Talks", "For Talks With Putin"} {
		if _, ok := m[bad]; ok {
			t.Errorf("headline word %q taken for a name: %+v", bad, m)
		}
	}
}

const benchArticle = `Biden Says U.S. Will Defend Taiwan
WASHINGTON (Reuters) - U.S. President Joe Biden said on Sunday that American forces would defend Taiwan in the event of an attack by China, a statement that drew a sharp rebuke from Beijing. Mr Biden told CBS's "60 Minutes" programme that the United States would come to the island's defence.
Chinese foreign ministry spokeswoman Mao Ning said on Monday that Beijing had lodged stern representations with Washington. The European Union urged restraint, and EU foreign policy chief Josep Borrell said he would travel to Tokyo and Seoul next week.
Taiwan's presidential office thanked Biden for his support. Shares of Taiwan Semiconductor Manufacturing Co fell 2 percent in Taipei, while the Nikkei in Tokyo was flat.`

func BenchmarkEntities(b *testing.B) {
	tg, err := New()
	if err != nil {
		b.Fatal(err)
	}
	n := len(Tokenize(benchArticle))
	cpu0 := cpuTime()
	for b.Loop() {
		tg.Entities(benchArticle)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "tokens/cpu-s")
	}
}

func TestMerge(t *testing.T) {
	tg, err := New()
	if err != nil {
		t.Fatal(err)
	}
	a := []digest.Entity{{Name: "Vladimir Putin", Kind: digest.Person, Count: 3}, {Name: "United States", Kind: digest.Place, Count: 1}}
	b := []digest.Entity{{Name: "Putin", Kind: digest.Person, Count: 2}, {Name: "U.S.", Kind: digest.Place, Count: 2}}
	c := []digest.Entity{{Name: "EU", Kind: digest.Organization, Count: 1}, {Name: "European Union", Kind: digest.Organization, Count: 1},
		{Name: "", Kind: digest.Person, Count: 5}}
	got := tg.Merge(a, b, c)
	want := []digest.Entity{
		{Name: "Vladimir Putin", Kind: digest.Person, Count: 5},
		{Name: "United States", Kind: digest.Place, Count: 3},
		{Name: "European Union", Kind: digest.Organization, Count: 2},
	}
	if len(got) != len(want) {
		t.Fatalf("Merge = %+v; want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Merge[%d] = %+v; want %+v", i, got[i], want[i])
		}
	}
	if m := tg.Merge(); len(m) != 0 {
		t.Errorf("Merge() = %+v; want empty", m)
	}
}
