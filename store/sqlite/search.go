package sqlite

import (
	"strings"

	"github.com/occasional-digest/digest/search"
)

// ftsMatch turns a parsed search into an FTS5 MATCH expression. Every
// term becomes a quoted phrase of its text as typed, which FTS5's
// tokenizer cuts, folds and stems as it did the documents'; intitle: terms get the
// column filter "title :"; And, Or and Not become AND, OR and NOT (FTS5's
// NOT is binary: "(positive) NOT (excluded OR …)"). A match of
// exclusions alone is never passed here (see search.Split).
func ftsMatch(n search.Node) (string, bool) {
	var b strings.Builder
	writeMatch(&b, n)
	return b.String(), b.Len() > 0
}

func writeMatch(b *strings.Builder, n search.Node) {
	switch n := n.(type) {
	case *search.Term:
		if n.Title {
			b.WriteString("title : ")
		}
		b.WriteByte('"')
		// NUL would end the string in SQLite (the store removes it
		// from texts anyway: it is no word's part).
		b.WriteString(strings.NewReplacer(`"`, `""`, "\x00", " ").Replace(n.Text))
		b.WriteByte('"')
	case search.And:
		pos, neg := search.Split(n)
		if pos == nil {
			// Not reached: the store lists exclusions alone as an Or.
			pos, neg = search.Or(neg), nil
		}
		if and, ok := pos.(search.And); ok {
			if len(neg) == 0 {
				writeList(b, and, " AND ")
				return
			}
			b.WriteByte('(')
			writeList(b, and, " AND ")
			b.WriteString(" NOT ")
			writeList(b, neg, " OR ")
			b.WriteByte(')')
			return
		}
		if len(neg) == 0 {
			writeMatch(b, pos)
			return
		}
		b.WriteByte('(')
		writeMatch(b, pos)
		b.WriteString(" NOT ")
		writeList(b, neg, " OR ")
		b.WriteByte(')')
	case search.Or:
		writeList(b, n, " OR ")
	case *search.Not:
		writeMatch(b, n.Node) // Not reached: see search.Split.
	}
}

func writeList(b *strings.Builder, ns []search.Node, op string) {
	b.WriteByte('(')
	for i, c := range ns {
		if i > 0 {
			b.WriteString(op)
		}
		writeMatch(b, c)
	}
	b.WriteByte(')')
}
