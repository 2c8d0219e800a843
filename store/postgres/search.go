package postgres

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/occasional-digest/digest/store/sqlstore"
)

// Search on PostgreSQL matches what SQLite's FTS5 index (tokenizer
// unicode61, remove_diacritics 2) matches: the store cuts text into words
// itself, lowers them and strips their diacritics, and hands PostgreSQL a
// ready tsvector (searchDocument) and tsquery (searchQuery) of those
// words. PostgreSQL's own parser and dictionaries would cut "covid-19"
// into "covid" and "-19", keep "example.com" whole, and fold letters by
// the database's locale, so that the same search would find other
// articles than on SQLite.

// PostgreSQL's limits on a tsvector: positions above maxPos count as
// maxPos (so a phrase deep in a very long text may not match), a lexeme
// keeps at most maxPositions positions and has at most maxLexeme bytes,
// and the lexemes with their positions take at most 1 MiB.
const (
	maxPos       = 16383
	maxPositions = 256
	maxLexeme    = 2047
	// maxDocBytes stays under the 1 MiB (1<<20 - 1 bytes) that
	// PostgreSQL counts; the words after it are not indexed.
	maxDocBytes = 1_000_000
)

// foldWord returns the index form of one word (a run of token runes):
// lowered, its combining marks (diacritics) removed.
func foldWord(w string) string {
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

// words calls fn with the index form of every word of text, in order.
func words(text string, fn func(w string)) {
	for {
		i := strings.IndexFunc(text, sqlstore.IsTokenRune)
		if i < 0 {
			return
		}
		text = text[i:]
		j := strings.IndexFunc(text, func(r rune) bool { return !sqlstore.IsTokenRune(r) })
		if j < 0 {
			j = len(text)
		}
		if w := foldWord(text[:j]); w != "" {
			fn(w)
		}
		text = text[j:]
	}
}

// lexeme is one distinct word of a document and where it stands.
type lexeme struct {
	word string
	pos  []uint16
}

// searchDocument returns the tsvector, in PostgreSQL's text form, of an
// article's title, summary and text: every word with its positions. A
// position is skipped between the three, so that a phrase does not run
// from one into the next (FTS5 indexes them as columns).
func searchDocument(title, summary, text string) string {
	index := map[string]int{}
	var lexemes []lexeme
	size, pos := 0, 0
	for _, field := range [3]string{title, summary, text} {
		words(field, func(w string) {
			pos = min(pos+1, maxPos)
			if len(w) > maxLexeme {
				return
			}
			i, ok := index[w]
			if !ok {
				// A lexeme takes its bytes, rounded up to even, and two
				// for its count of positions; each position two more.
				need := len(w) + len(w)%2 + 2 + 2
				if size+need > maxDocBytes {
					return
				}
				size += need
				index[w] = len(lexemes)
				lexemes = append(lexemes, lexeme{word: w, pos: []uint16{uint16(pos)}})
				return
			}
			l := &lexemes[i]
			if len(l.pos) >= maxPositions || l.pos[len(l.pos)-1] == uint16(pos) || size+2 > maxDocBytes {
				return
			}
			size += 2
			l.pos = append(l.pos, uint16(pos))
		})
		pos = min(pos+1, maxPos)
	}
	var b strings.Builder
	b.Grow(size * 2)
	for i, l := range lexemes {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeQuoted(&b, l.word)
		for j, p := range l.pos {
			if j == 0 {
				b.WriteByte(':')
			} else {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(p)))
		}
	}
	return b.String()
}

// writeQuoted writes a lexeme quoted for tsvector and tsquery input. Words
// hold no quotes or backslashes (they are letters, digits and private-use
// characters), but the input syntax is kept whatever the word.
func writeQuoted(b *strings.Builder, w string) {
	b.WriteByte('\'')
	for _, r := range w {
		switch r {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
}

// searchQuery turns search text into a tsquery, in PostgreSQL's text
// form, with the meaning sqlstore.FTS5Query gives it on SQLite: every
// whitespace-separated word must match, as a phrase of the index words
// it holds ("covid-19": "covid" followed by "19"); operators and syntax
// in the text match literally; words without a letter or digit are
// dropped. ok is false when no word is left, or when a word cannot be in
// any document.
func searchQuery(text string) (string, bool) {
	var terms []string
	seen := map[string]bool{}
	for _, f := range strings.Fields(text) {
		if !strings.ContainsFunc(f, sqlstore.IsWordRune) {
			continue
		}
		var phrase []string
		tooLong := false
		words(f, func(w string) {
			phrase = append(phrase, w)
			tooLong = tooLong || len(w) > maxLexeme
		})
		if tooLong {
			return "", false // never indexed: nothing matches every word
		}
		if len(phrase) == 0 {
			continue
		}
		var b strings.Builder
		if len(phrase) > 1 {
			b.WriteByte('(')
		}
		for i, w := range phrase {
			if i > 0 {
				b.WriteString(" <-> ")
			}
			writeQuoted(&b, w)
		}
		if len(phrase) > 1 {
			b.WriteByte(')')
		}
		if t := b.String(); !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		return "", false
	}
	return strings.Join(terms, " & "), true
}
