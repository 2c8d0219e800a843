package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// IsTokenRune reports whether the search index (SQLite FTS5's unicode61
// tokenizer with diacritics removed) counts r as part of a word: letters,
// numbers, private-use characters and combining marks.
func IsTokenRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.In(r, unicode.L, unicode.N, unicode.Co, unicode.Mn)
}

// IsWordRune reports whether r makes a word of search text searchable: a
// word without a letter or digit is dropped.
func IsWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// Fold returns the index form of one word (a run of token runes) before
// stemming: lowered, its combining marks (diacritics) removed.
func Fold(w string) string {
	ascii := true
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		for i := 0; i < len(w); i++ {
			if 'A' <= w[i] && w[i] <= 'Z' {
				return strings.ToLower(w)
			}
		}
		return w
	}
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range norm.NFD.String(w) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Words calls fn with every word of text in order: its byte offsets in
// text and its folded form (Fold; empty words are skipped).
func Words(text string, fn func(start, end int, w string)) {
	wordsWhile(text, func(start, end int, w string) bool {
		fn(start, end, w)
		return true
	})
}

// wordsWhile is Words stopping after the first word fn returns false for.
func wordsWhile(text string, fn func(start, end int, w string) bool) {
	off := 0
	for {
		i := strings.IndexFunc(text[off:], IsTokenRune)
		if i < 0 {
			return
		}
		start := off + i
		j := strings.IndexFunc(text[start:], func(r rune) bool { return !IsTokenRune(r) })
		end := len(text)
		if j >= 0 {
			end = start + j
		}
		if w := Fold(text[start:end]); w != "" && !fn(start, end, w) {
			return
		}
		off = end
	}
}
