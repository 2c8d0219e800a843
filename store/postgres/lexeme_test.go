package postgres

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/search"
)

// referenceLexemes is documentLexemes as first written, stemming every
// word met: the lexemes documentLexemes returns must be the same.
func referenceLexemes(title, summary, text string) ([]lexeme, int) {
	index := map[string]int{}
	var lexemes []lexeme
	size, pos := 0, 0
	for f, field := range [3]string{title, summary, text} {
		var weight uint16
		if f == 0 {
			weight = inTitle
		}
		search.Words(field, func(_, _ int, folded string) {
			w := search.Stem(folded)
			pos = min(pos+1, maxPos)
			if len(w) > maxLexeme {
				return
			}
			i, ok := index[w]
			if !ok {
				need := len(w) + len(w)%2 + 2 + 2
				if size+need > maxDocBytes {
					return
				}
				size += need
				index[w] = len(lexemes)
				lexemes = append(lexemes, lexeme{word: w, pos: []uint16{uint16(pos) | weight}})
				return
			}
			l := &lexemes[i]
			if len(l.pos) >= maxPositions || l.pos[len(l.pos)-1]&^inTitle == uint16(pos) || size+2 > maxDocBytes {
				return
			}
			size += 2
			l.pos = append(l.pos, uint16(pos)|weight)
		})
		pos = min(pos+1, maxPos)
	}
	return lexemes, size
}

// corpusTexts returns up to n texts of the stories corpus
// (../shared/corpus/stories/articles.jsonl), or skips when it is absent.
func corpusTexts(tb testing.TB, n int) []string {
	f, err := os.Open("../../../shared/corpus/stories/articles.jsonl")
	if err != nil {
		tb.Skip("stories corpus absent:", err)
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() && len(texts) < n {
		var a struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			tb.Fatal(err)
		}
		texts = append(texts, a.Text)
	}
	return texts
}

// TestDocumentLexemesStemsOnce checks that reusing the stem of a word met
// before changes no lexeme, position or size: on words that stem alike
// ("runs", "running"), on words past the limits of a tsvector and on
// corpus articles.
func TestDocumentLexemesStemsOnce(t *testing.T) {
	long := strings.Repeat("zeta alpha beta alphas ", 5000)
	docs := [][3]string{
		{"Runners running", "The runner runs; runs ran.", "Running runners, RUNNING running runs."},
		{"", "", ""},
		{"Café café CAFÉ", "naïve Naive", "covid-19 COVID 19 19"},
		{"alpha", long, long},
		{"", "", strings.Repeat("x", maxLexeme+1) + " " + strings.Repeat("x", maxLexeme+1) + " y"},
	}
	for i, text := range corpusTexts(t, 300) {
		title, _, _ := strings.Cut(text, "\n")
		docs = append(docs, [3]string{title, text[:min(len(text), 300)], text})
		if i == 0 {
			// One document past maxDocBytes: distinct words stop fitting.
			var b strings.Builder
			for j := range 120000 {
				b.WriteString(" w")
				b.WriteString(strings.Repeat("q", j%7))
				b.WriteString(string(rune('a' + j%26)))
				b.WriteString(string(rune('a' + j/26%26)))
				b.WriteString(string(rune('a' + j/676%26)))
			}
			docs = append(docs, [3]string{title, "", b.String()})
		}
	}
	for _, d := range docs {
		got, gotSize := documentLexemes(d[0], d[1], d[2])
		want, wantSize := referenceLexemes(d[0], d[1], d[2])
		if gotSize != wantSize || !reflect.DeepEqual(got, want) {
			t.Fatalf("document %.60q: %d lexemes of size %d, want %d of size %d", d[0], len(got), gotSize, len(want), wantSize)
		}
	}
}

// BenchmarkSearchVector measures the tsvector SaveFetches sends for each
// new article, over corpus articles.
func BenchmarkSearchVector(b *testing.B) {
	texts := corpusTexts(b, 200)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text := texts[i%len(texts)]
		title, _, _ := strings.Cut(text, "\n")
		searchVector(title, text[:min(len(text), 300)], text)
	}
}
