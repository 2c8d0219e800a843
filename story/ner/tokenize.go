package ner

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one word or punctuation mark of a text.
type Token struct {
	Text       string // the token as written (it may hold invalid UTF-8 if the input did)
	Start, End int    // byte offsets of Text in the input
}

// MaxSentenceTokens bounds a sentence: longer runs without a sentence end
// are cut, so that tagging stays linear in the input's length.
const MaxSentenceTokens = 200

// abbreviations keep their final period ("Mr.", "Inc."); "U.S."-like tokens
// and single initials ("J.") keep it too.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "gen": true, "sen": true, "rep": true,
	"gov": true, "lt": true, "col": true, "sgt": true, "capt": true, "cmdr": true, "adm": true, "maj": true,
	"st": true, "jr": true, "sr": true, "rev": true, "hon": true, "pres": true, "messrs": true, "mme": true,
	"inc": true, "corp": true, "co": true, "ltd": true, "bros": true, "plc": true, "llc": true, "cos": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true, "sep": true,
	"sept": true, "oct": true, "nov": true, "dec": true, "no": true, "vs": true, "etc": true, "mt": true,
	"ft": true, "ave": true, "approx": true, "dept": true, "univ": true, "est": true,
}

// clitics split off the end of a word, PTB style: "Xi's" → "Xi" "'s",
// "don't" → "do" "n't".
var clitics = []string{"n't", "'s", "'re", "'ve", "'ll", "'d", "'m"}

func isOpenPunct(r rune) bool {
	switch r {
	case '"', '\'', '(', '[', '{', '<', '“', '‘', '«', '‹', '¿', '¡', '`', '—', '–':
		return true
	}
	return false
}

func isClosePunct(r rune) bool {
	switch r {
	case '"', '\'', ')', ']', '}', '>', '”', '’', '»', '›', ',', ';', ':', '!', '?', '…', '—', '–':
		return true
	}
	return false
}

// Tokenize splits text into words and punctuation in the style of the
// CoNLL-2003 (Penn Treebank) tokens: punctuation and quotes apart,
// possessives and "n't" split off, abbreviations ("U.S.", "Mr.", "J.")
// and hyphenated words, numbers ("1,000.5") and times kept whole. It never
// fails; invalid UTF-8 bytes stay inside tokens.
func Tokenize(text string) []Token {
	var out []Token
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if unicode.IsSpace(r) {
				break
			}
			j += n
		}
		out = splitChunk(out, text, i, j)
		i = j
	}
	return out
}

// splitChunk tokenizes text[a:b], a run without spaces.
func splitChunk(out []Token, text string, a, b int) []Token {
	// Leading punctuation, one token each.
	for a < b {
		r, n := utf8.DecodeRuneInString(text[a:b])
		if !isOpenPunct(r) || (r == '\'' || r == '’') && isClitic(text[a:b]) {
			break
		}
		out = append(out, Token{text[a : a+n], a, a + n})
		a += n
	}
	// Trailing punctuation, collected in reverse.
	var tail []Token
	for a < b {
		r, n := utf8.DecodeLastRuneInString(text[a:b])
		if r == '.' {
			// "..." stays one token.
			e := b - n
			for e > a && text[e-1] == '.' {
				e--
			}
			if b-e > 1 {
				tail = append(tail, Token{text[e:b], e, b})
				b = e
				continue
			}
			if keepsPeriod(text[a : b-n]) {
				break
			}
		} else if !isClosePunct(r) {
			break
		}
		tail = append(tail, Token{text[b-n : b], b - n, b})
		b -= n
	}
	if a < b {
		// Em dashes join words without spaces: "war—and".
		for {
			k := strings.IndexAny(text[a:b], "—")
			if k <= 0 {
				break
			}
			out = appendWord(out, text, a, a+k)
			_, n := utf8.DecodeRuneInString(text[a+k:])
			out = append(out, Token{text[a+k : a+k+n], a + k, a + k + n})
			a += k + n
		}
		if a < b {
			out = appendWord(out, text, a, b)
		}
	}
	for k := len(tail) - 1; k >= 0; k-- {
		out = append(out, tail[k])
	}
	return out
}

// appendWord appends text[a:b], splitting off a clitic.
func appendWord(out []Token, text string, a, b int) []Token {
	w := text[a:b]
	lw := strings.ToLower(strings.ReplaceAll(w, "’", "'"))
	for _, c := range clitics {
		if strings.HasSuffix(lw, c) && len(lw) > len(c) {
			// The clitic's length in the original text (’ is 3 bytes).
			k := len(w)
			for range len(c) {
				_, n := utf8.DecodeLastRuneInString(w[:k])
				k -= n
			}
			if c == "n't" && k == 0 {
				break
			}
			return append(out, Token{w[:k], a, a + k}, Token{w[k:], a + k, b})
		}
	}
	return append(out, Token{w, a, b})
}

func isClitic(s string) bool {
	ls := strings.ToLower(strings.ReplaceAll(s, "’", "'"))
	for _, c := range clitics {
		if ls == c {
			return true
		}
	}
	return false
}

// keepsPeriod reports whether word followed by "." is an abbreviation:
// a known one, a single letter ("J."), or a dotted one ("U.S").
func keepsPeriod(word string) bool {
	if word == "" {
		return false
	}
	if abbreviations[strings.ToLower(word)] {
		return true
	}
	if utf8.RuneCountInString(word) == 1 {
		r, _ := utf8.DecodeRuneInString(word)
		return unicode.IsLetter(r)
	}
	// "U.S", "e.g", "a.m": letters with periods between.
	if !strings.Contains(word, ".") {
		return false
	}
	for _, r := range word {
		if r != '.' && !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// Sentences groups tokens of text into sentences: after ".", "!" or "?"
// (and any closing quotes or brackets) when the next token does not start
// with a lower-case letter, at every line break, and after
// MaxSentenceTokens tokens.
func Sentences(text string, toks []Token) [][]Token {
	var out [][]Token
	start := 0
	cut := func(i int) {
		if i > start {
			out = append(out, toks[start:i:i])
		}
		start = i
	}
	for i := 0; i < len(toks); i++ {
		if i > start && lineBreak(text, toks[i-1], toks[i]) {
			cut(i)
		}
		if i-start >= MaxSentenceTokens {
			cut(i)
		}
		if isFinal(toks[i].Text) {
			j := i + 1
			for j < len(toks) && isCloser(toks[j].Text) && !lineBreak(text, toks[j-1], toks[j]) {
				j++
			}
			if j >= len(toks) || !startsLower(toks[j].Text) {
				cut(j)
				i = j - 1
			}
		}
	}
	cut(len(toks))
	return out
}

func isCloser(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n == len(s) && (r == '"' || r == '\'' || r == ')' || r == ']' || r == '”' || r == '’' || r == '»')
}

func isFinal(t string) bool { return t == "." || t == "!" || t == "?" || t == "..." || t == "…" }

func lineBreak(text string, a, b Token) bool {
	return strings.ContainsAny(text[a.End:b.Start], "\n\r\u2028\u2029")
}

func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

// texts returns the text of each token.
func texts(toks []Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Text
	}
	return out
}
