package postgres

import (
	"strconv"
	"strings"
	"sync"

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
// appear, and the size PostgreSQL counts for them. The positions of all
// lexemes share one array, filled once every word has been seen: a
// slice per lexeme, grown position by position, made a third of the
// allocations of a new article.
func documentLexemes(title, summary, text string) ([]lexeme, int) {
	d := docPool.Get().(*docState)
	defer d.release()
	var lexemes []lexeme
	size, pos := 0, 0
	for f, field := range [3]string{title, summary, text} {
		var weight uint16
		if f == 0 {
			weight = inTitle
		}
		search.Words(field, func(_, _ int, folded string) {
			pos = min(pos+1, maxPos)
			i, ok := d.known[folded]
			if !ok {
				w := stems.stem(folded)
				if len(w) > maxLexeme {
					return
				}
				if i, ok = d.index[w]; ok {
					d.known[folded] = i
				} else {
					// A lexeme takes its bytes, rounded up to even, and two
					// for its count of positions; each position two more.
					need := len(w) + len(w)%2 + 2 + 2
					if size+need > maxDocBytes {
						return
					}
					size += need
					i = len(lexemes)
					d.index[w], d.known[folded] = i, i
					lexemes = append(lexemes, lexeme{word: w})
					d.counts = append(d.counts, 1)
					d.last = append(d.last, uint16(pos))
					d.occ = append(d.occ, occurrence{lexeme: int32(i), pos: uint16(pos) | weight})
					return
				}
			}
			if d.counts[i] >= maxPositions || d.last[i] == uint16(pos) || size+2 > maxDocBytes {
				return
			}
			size += 2
			d.counts[i]++
			d.last[i] = uint16(pos)
			d.occ = append(d.occ, occurrence{lexeme: int32(i), pos: uint16(pos) | weight})
		})
		pos = min(pos+1, maxPos)
	}
	all := make([]uint16, len(d.occ))
	off := 0
	for i := range lexemes {
		n := int(d.counts[i])
		lexemes[i].pos = all[off : off : off+n]
		off += n
	}
	for _, o := range d.occ {
		l := &lexemes[o.lexeme]
		l.pos = append(l.pos, o.pos)
	}
	return lexemes, size
}

// occurrence is a position of a lexeme of documentLexemes.
type occurrence struct {
	lexeme int32
	pos    uint16
}

// docState is documentLexemes' working memory, kept for the next
// document (docPool): its maps and arrays grow to a document's words
// once, not again for each article.
type docState struct {
	index  map[string]int // lexemes by word
	known  map[string]int // lexemes by folded word (not stemmed again)
	counts []uint16       // positions kept by lexeme
	last   []uint16       // last position by lexeme
	occ    []occurrence   // positions kept, in document order
}

var docPool = sync.Pool{New: func() any {
	return &docState{index: map[string]int{}, known: map[string]int{}}
}}

// release empties d and returns it to docPool; a state grown by a very
// long document is dropped rather than kept.
func (d *docState) release() {
	if len(d.occ) > 1<<16 {
		return
	}
	clear(d.index)
	clear(d.known)
	d.counts, d.last, d.occ = d.counts[:0], d.last[:0], d.occ[:0]
	docPool.Put(d)
}

// stemCache remembers the stems of folded words across documents: most
// words of an article were met in the articles before it, and stemming
// them again was a third of the time of making a document (a first
// refresh of the feed farm). It holds at
// most stemCacheSize words and starts over when full.
type stemCache struct {
	mu sync.Mutex
	m  map[string]string
}

const stemCacheSize = 1 << 15

var stems = stemCache{m: map[string]string{}}

// stem returns search.Stem(w).
func (c *stemCache) stem(w string) string {
	c.mu.Lock()
	s, ok := c.m[w]
	c.mu.Unlock()
	if ok {
		return s
	}
	s = search.Stem(w)
	if len(w) > 64 {
		return s // Stem leaves long words as they are: not worth keeping
	}
	// The folded word may point into the document's text (Fold returns
	// its input when there is nothing to fold), and so may its stem when
	// it is the word itself: a copy keeps the cache from holding the text.
	w = strings.Clone(w)
	if s == w {
		s = w
	}
	c.mu.Lock()
	if len(c.m) >= stemCacheSize {
		clear(c.m)
	}
	c.m[w] = s
	c.mu.Unlock()
	return s
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
	writeQuery(&b, n, true)
	return b.String(), b.Len() > 0
}

// titleQuery is searchQuery for a search of titles alone, matched
// against the title's words (titleDoc): without the weight A, which
// every position there has.
func titleQuery(n search.Node) (string, bool) {
	var b strings.Builder
	writeQuery(&b, n, false)
	return b.String(), b.Len() > 0
}

// writeQuery writes n as a tsquery; weights says that intitle: terms
// ask for weight A.
func writeQuery(b *strings.Builder, n search.Node, weights bool) {
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
			if n.Title && weights {
				b.WriteString(":A")
			}
		}
		if len(n.Words) > 1 {
			b.WriteByte(')')
		}
	case search.And:
		writeList(b, n, " & ", weights)
	case search.Or:
		writeList(b, n, " | ", weights)
	case *search.Not:
		b.WriteString("!")
		writeQuery(b, n.Node, weights)
	}
}

func writeList(b *strings.Builder, ns []search.Node, op string, weights bool) {
	b.WriteByte('(')
	for i, c := range ns {
		if i > 0 {
			b.WriteString(op)
		}
		writeQuery(b, c, weights)
	}
	b.WriteByte(')')
}
