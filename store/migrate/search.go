package migrate

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// searchSummary is the summary the store indexes for search beside an
// article's title and text (store/sqlstore's searchSummary, which is not
// exported): empty when every word of the summary is a word of the text.
// The copy builds PostgreSQL's search documents as the store does, so
// that a search finds the same articles after the move; a test checks
// that the store, reindexing a copied article, writes the same document.
func searchSummary(summary, text string) string {
	head := strings.TrimRight(strings.TrimSuffix(summary, "…"), " \t\n")
	if strings.HasPrefix(text, head) {
		last, _ := utf8.DecodeLastRuneInString(head)
		next, _ := utf8.DecodeRuneInString(text[len(head):])
		if head == "" || len(text) == len(head) || !isTokenRune(last) || !isTokenRune(next) {
			return ""
		}
	}
	rest := summary
	for {
		i := strings.IndexFunc(rest, isTokenRune)
		if i < 0 {
			return ""
		}
		rest = rest[i:]
		j := strings.IndexFunc(rest, notTokenRune)
		if j < 0 {
			j = len(rest)
		}
		if !hasWord(text, rest[:j]) {
			return summary
		}
		rest = rest[j:]
	}
}

// hasWord reports whether w is a whole word of text.
func hasWord(text, w string) bool {
	for from := 0; ; {
		i := strings.Index(text[from:], w)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(w)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if (start == 0 || !isTokenRune(before)) && (end == len(text) || !isTokenRune(after)) {
			return true
		}
		from = start + 1
	}
}

// isTokenRune reports whether the search index may count r as part of a
// word: letters, numbers, private-use characters and combining marks.
func isTokenRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.In(r, unicode.L, unicode.N, unicode.Co, unicode.Mn)
}

func notTokenRune(r rune) bool { return !isTokenRune(r) }
