package postgres

import (
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/occasional-digest/digest/search"
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

// inTitle marks a position of the title in lexeme.pos: tsvector weight A,
// which intitle: terms ask for.
const inTitle = 0x8000

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
	lexemes, size := documentLexemes(title, summary, text)
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
			b.WriteString(strconv.Itoa(int(p &^ inTitle)))
			if p&inTitle != 0 {
				b.WriteByte('A')
			}
		}
	}
	return b.String()
}

// searchVector is searchDocument as a value pgx sends in PostgreSQL's
// binary form: the server then copies the lexemes instead of parsing
// text (parsing took an eighth of the server's time saving new
// articles).
func searchVector(title, summary, text string) any {
	lexemes, _ := documentLexemes(title, summary, text)
	v := pgtype.TSVector{Lexemes: make([]pgtype.TSVectorLexeme, len(lexemes)), Valid: true}
	n := 0
	for _, l := range lexemes {
		n += len(l.pos)
	}
	all := make([]pgtype.TSVectorPosition, 0, n)
	for i, l := range lexemes {
		start := len(all)
		for _, p := range l.pos {
			w := pgtype.TSVectorWeightD
			if p&inTitle != 0 {
				w = pgtype.TSVectorWeightA
			}
			all = append(all, pgtype.TSVectorPosition{Position: p &^ inTitle, Weight: w})
		}
		v.Lexemes[i] = pgtype.TSVectorLexeme{Word: l.word, Positions: all[start:len(all):len(all)]}
	}
	return v
}

// documentLexemes returns the distinct words of an article's title,
// summary and text with their positions, in the order they first
// appear, and the size PostgreSQL counts for them.
func documentLexemes(title, summary, text string) ([]lexeme, int) {
	index := map[string]int{}
	// The lexeme of each folded word seen: a word met again (a third of
	// a news text's words) is not stemmed again, which was half the
	// time of making a document.
	known := map[string]int{}
	var lexemes []lexeme
	size, pos := 0, 0
	for f, field := range [3]string{title, summary, text} {
		var weight uint16
		if f == 0 {
			weight = inTitle
		}
		search.Words(field, func(_, _ int, folded string) {
			pos = min(pos+1, maxPos)
			i, ok := known[folded]
			if !ok {
				w := search.Stem(folded)
				if len(w) > maxLexeme {
					return
				}
				if i, ok = index[w]; ok {
					known[folded] = i
				} else {
					// A lexeme takes its bytes, rounded up to even, and two
					// for its count of positions; each position two more.
					need := len(w) + len(w)%2 + 2 + 2
					if size+need > maxDocBytes {
						return
					}
					size += need
					index[w], known[folded] = len(lexemes), len(lexemes)
					lexemes = append(lexemes, lexeme{word: w, pos: []uint16{uint16(pos) | weight}})
					return
				}
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

// searchQuery turns a parsed search into a tsquery, in PostgreSQL's text
// form, with the meaning the FTS5 query of store/sqlite gives it: a term
// is a phrase (<->) of its stemmed words, of weight A (the title) for
// intitle:; And, Or and Not become &, | and !.
func searchQuery(n search.Node) (string, bool) {
	var b strings.Builder
	writeQuery(&b, n)
	return b.String(), b.Len() > 0
}

func writeQuery(b *strings.Builder, n search.Node) {
	switch n := n.(type) {
	case *search.Term:
		if len(n.Words) > 1 {
			b.WriteByte('(')
		}
		for i, w := range n.Words {
			if i > 0 {
				b.WriteString(" <-> ")
			}
			if len(w) > maxLexeme {
				// Never indexed, and too long for a tsquery: a lexeme
				// no document holds (words are letters and digits).
				w = "-"
			}
			writeQuoted(b, search.Stem(w))
			if n.Title {
				b.WriteString(":A")
			}
		}
		if len(n.Words) > 1 {
			b.WriteByte(')')
		}
	case search.And:
		writeList(b, n, " & ")
	case search.Or:
		writeList(b, n, " | ")
	case *search.Not:
		b.WriteString("!")
		writeQuery(b, n.Node)
	}
}

func writeList(b *strings.Builder, ns []search.Node, op string) {
	b.WriteByte('(')
	for i, c := range ns {
		if i > 0 {
			b.WriteString(op)
		}
		writeQuery(b, c)
	}
	b.WriteByte(')')
}
