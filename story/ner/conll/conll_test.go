package conll

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestSpans(t *testing.T) {
	tests := []struct {
		name string
		tags string
		want string
	}{
		{"IOB1 entity starts with I", "I-PER I-PER O I-LOC", "PER[0,2) LOC[3,4)"},
		{"IOB1 B splits adjacent entities of one type", "I-PER B-PER I-PER", "PER[0,1) PER[1,3)"},
		{"IOB2 entities", "B-ORG I-ORG B-ORG O", "ORG[0,2) ORG[2,3)"},
		{"type change ends an entity", "I-PER I-LOC", "PER[0,1) LOC[1,2)"},
		{"IOB2 I after O starts an entity", "O I-MISC", "MISC[1,2)"},
		{"IOBES singles and ends", "S-PER B-LOC E-LOC S-LOC", "PER[0,1) LOC[1,3) LOC[3,4)"},
		{"entity at the end", "O B-PER I-PER", "PER[1,3)"},
		{"bare type is an inside tag", "PER PER O", "PER[0,2)"},
		{"all outside", "O O O", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range Spans(strings.Fields(tt.tags)) {
				got = append(got, fmt.Sprintf("%s[%d,%d)", s.Type, s.Start, s.End))
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("Spans(%s) = %s; want %s", tt.tags, g, tt.want)
			}
		})
	}
}

func TestScore(t *testing.T) {
	f, err := os.Open("testdata/tagged.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Score(f)
	if err != nil {
		t.Fatal(err)
	}
	// Counted by hand: gold EU/ORG, German/MISC, Peter Blackburn/PER,
	// BRUSSELS/LOC, Clinton/PER, Yeltsin/PER, New York/LOC. Predicted: EU,
	// German, Peter (wrong span), BRUSSELS/ORG (wrong type), Clinton,
	// Yeltsin, "New York ." (wrong span).
	want := map[string]Counts{
		"ORG":  {Gold: 1, Pred: 2, Correct: 1},
		"MISC": {Gold: 1, Pred: 1, Correct: 1},
		"PER":  {Gold: 3, Pred: 3, Correct: 2},
		"LOC":  {Gold: 2, Pred: 1, Correct: 0},
	}
	for typ, w := range want {
		if got := r.Types[typ]; got != w {
			t.Errorf("%s: got %+v, want %+v", typ, got, w)
		}
	}
	micro := r.Micro("PER", "LOC", "ORG")
	if micro != (Counts{Gold: 6, Pred: 6, Correct: 3}) {
		t.Errorf("micro = %+v", micro)
	}
	if p, rc, f1 := micro.Precision(), micro.Recall(), micro.F1(); p != 0.5 || rc != 0.5 || f1 != 0.5 {
		t.Errorf("P/R/F1 = %v/%v/%v; want 0.5 each", p, rc, f1)
	}
	if r.Tokens != 17 || r.CorrectTags != 14 || r.Sentences != 4 {
		t.Errorf("tokens %d, correct tags %d, sentences %d; want 17, 14, 4", r.Tokens, r.CorrectTags, r.Sentences)
	}
	var b bytes.Buffer
	if err := r.WriteReport(&b, []string{"PER", "LOC", "ORG"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"found: 7 phrases; correct: 4.", "micro(PER,LOC,ORG) precision:  50.00%"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, b.String())
		}
	}
}

func TestScoreBadInput(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
		tokens  int
	}{
		{"empty input scores nothing", "", "", 0},
		{"only blank lines", "\n\n\n", "", 0},
		{"one column is an error naming the line", "a O O\nb\n", "line 2", 0},
		{"invalid UTF-8 words are fine", "\xff\xfe X O O\n", "", 1},
		{"CRLF line endings", "a X I-PER I-PER\r\nb X O O\r\n", "", 2},
		{"over-long line is an error", strings.Repeat("x", MaxLineBytes+10) + " O O\n", "too long", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Score(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v; want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Tokens != tt.tokens {
				t.Errorf("tokens = %d; want %d", r.Tokens, tt.tokens)
			}
		})
	}
}

func TestScoreFlagsInconsistentColumns(t *testing.T) {
	r, err := Score(strings.NewReader("a X O O\nb O O\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r.InconsistentAt != 2 {
		t.Errorf("InconsistentAt = %d; want 2", r.InconsistentAt)
	}
}

func TestRead(t *testing.T) {
	in := "-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\nPeter NNP I-NP I-PER\n-DOCSTART- -X- O O\n\nHi X X O\n"
	docs, err := Read(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("%d documents; want 2", len(docs))
	}
	d := docs[0]
	if len(d.Sentences) != 2 || len(d.Lines) != 6 {
		t.Fatalf("first document: %d sentences, %d lines; want 2, 6", len(d.Sentences), len(d.Lines))
	}
	if got := strings.Join(d.Column(0, 0), " "); got != "EU rejects" {
		t.Errorf("words = %q", got)
	}
	if got := strings.Join(d.Column(0, -1), " "); got != "I-ORG O" {
		t.Errorf("tags = %q", got)
	}
	if got := docs[1].Column(0, 7); got[0] != "" {
		t.Errorf("missing column = %q; want empty", got[0])
	}
	// No -DOCSTART-: one document.
	docs, err = Read(strings.NewReader("a\nb\n\nc\n"))
	if err != nil || len(docs) != 1 || len(docs[0].Sentences) != 2 {
		t.Errorf("without DOCSTART: %d docs, err %v", len(docs), err)
	}
}

func FuzzScore(f *testing.F) {
	b, err := os.ReadFile("testdata/tagged.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(b))
	f.Add("a B-X I-Y\n\nb E-Z S-Q\n")
	f.Add("\xff O")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Score(strings.NewReader(s))
		if err != nil {
			return
		}
		for typ, c := range r.Types {
			if c.Correct > c.Gold || c.Correct > c.Pred {
				t.Fatalf("%s: %+v", typ, c)
			}
		}
		if _, err := Read(strings.NewReader(s)); err != nil {
			t.Fatalf("Read failed where Score did not: %v", err)
		}
	})
}
