package ner

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, in, want string // want: tokens joined by "|"
	}{
		{"punctuation is split off", `Hello, world!`, `Hello|,|world|!`},
		{"dotted abbreviation stays whole", `The U.S. economy grew.`, `The|U.S.|economy|grew|.`},
		{"title abbreviation keeps its period", `Mr. Xi met Dr. Smith.`, `Mr.|Xi|met|Dr.|Smith|.`},
		{"initial keeps its period", `George W. Bush`, `George|W.|Bush`},
		{"possessive is split", `Putin's plan`, `Putin|'s|plan`},
		{"curly possessive is split", `Putin’s plan`, `Putin|’s|plan`},
		{"plural possessive quote is split", `the players' union`, `the|players|'|union`},
		{"negation is split PTB style", `They don't know`, `They|do|n't|know`},
		{"quotes are split", `"We won," he said.`, `"|We|won|,|"|he|said|.`},
		{"curly quotes are split", `“Yes” — no`, `“|Yes|”|—|no`},
		{"brackets are split", `(Reuters) - ok`, `(|Reuters|)|-|ok`},
		{"hyphenated word stays whole", `a pro-Western stance`, `a|pro-Western|stance`},
		{"numbers stay whole", `1,000.5 and 1996-08-22`, `1,000.5|and|1996-08-22`},
		{"ellipsis is one token", `Wait... what`, `Wait|...|what`},
		{"em dash between words splits", `war—and peace`, `war|—|and|peace`},
		{"sentence-final abbreviation keeps period", `He works for Acme Inc.`, `He|works|for|Acme|Inc.`},
		{"empty text", ``, ``},
		{"only spaces", " \t\n ", ``},
		{"lone quote", `'`, `'`},
		{"lone clitic", `'s`, `'s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(texts(Tokenize(tt.in)), "|")
			if got != tt.want {
				t.Errorf("Tokenize(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // sentences, tokens joined by " "
	}{
		{"two sentences", "He left. She stayed.", []string{"He left .", "She stayed ."}},
		{"abbreviation does not end a sentence", "Mr. Xi met U.S. officials. Then he left.", []string{"Mr. Xi met U.S. officials .", "Then he left ."}},
		{"lower-case after a period continues", "It cost 5 p.m. and so on. Yes.", []string{"It cost 5 p.m. and so on .", "Yes ."}},
		{"closing quote belongs to the sentence", `"Go home." He went.`, []string{`" Go home . "`, "He went ."}},
		{"line break ends a sentence", "HEADLINE HERE\nBody text", []string{"HEADLINE HERE", "Body text"}},
		{"question and exclamation", "Why? Because!", []string{"Why ?", "Because !"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range Sentences(tt.in, Tokenize(tt.in)) {
				got = append(got, strings.Join(texts(s), " "))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSentencesAreBounded(t *testing.T) {
	text := strings.Repeat("word ", 5*MaxSentenceTokens)
	for _, s := range Sentences(text, Tokenize(text)) {
		if len(s) > MaxSentenceTokens {
			t.Fatalf("sentence of %d tokens", len(s))
		}
	}
}

// checkTokens verifies the tokenizer's invariants: tokens are non-empty,
// in order, do not overlap, match the text at their offsets and cover every
// non-space rune.
func checkTokens(t *testing.T, text string, toks []Token) {
	t.Helper()
	prev := 0
	covered := 0
	for _, tk := range toks {
		if tk.Start < prev || tk.End <= tk.Start || tk.End > len(text) {
			t.Fatalf("bad token %+v after offset %d in %q", tk, prev, text)
		}
		if text[tk.Start:tk.End] != tk.Text {
			t.Fatalf("token %+v does not match text %q", tk, text[tk.Start:tk.End])
		}
		if strings.TrimSpace(text[prev:tk.Start]) != "" && utf8.ValidString(text[prev:tk.Start]) {
			t.Fatalf("text %q between tokens is not space", text[prev:tk.Start])
		}
		covered += tk.End - tk.Start
		prev = tk.End
	}
	_ = covered
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"Mr. Xi's U.S. visit—\"historic,\" they said.", "BRUSSELS 1996-08-22", "don't", "'s", "...", "\xff\xfe'",
		"Москва и 北京 — “quotes”", "(a)", "a.b.c.", "", " ", "’", "n't",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks := Tokenize(s)
		checkTokens(t, s, toks)
		n := 0
		for _, sent := range Sentences(s, toks) {
			if len(sent) == 0 || len(sent) > MaxSentenceTokens {
				t.Fatalf("sentence of %d tokens", len(sent))
			}
			n += len(sent)
		}
		if n != len(toks) {
			t.Fatalf("sentences hold %d tokens of %d", n, len(toks))
		}
	})
}

func BenchmarkTokenize(b *testing.B) {
	text := strings.Repeat(`WASHINGTON (Reuters) - U.S. President Joe Biden said on Sunday that "American forces" would defend Taiwan's 23.5 million people. `, 100)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Sentences(text, Tokenize(text))
	}
}
