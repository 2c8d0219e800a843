// Package search parses the search box's language into a query tree that
// the stores translate (SQLite: an FTS5 MATCH expression; PostgreSQL: a
// tsquery of the same words, stemmed here) and marks matches in snippets.
//
// The language: plain words must all match (AND); "an exact phrase";
// -word or -"phrase" excludes; OR between two terms matches either;
// intitle:word or intitle:"phrase" matches in the title only; author:name
// keeps articles whose author contains name; feed:name-or-id keeps
// articles of a feed by ID or by a part of its title; entity:name keeps
// articles whose story names that person, place or organisation (any
// spelling the entity pages count as the same entity); date: keeps
// articles published in a range of UTC days (date:2026-11-01,
// date:2026-11-01..2026-11-30, date:>2026-11-01, date:>=, date:<,
// date:<=, date:today, date:7d for the last seven days). Words are
// matched by their stems: "earthquakes" finds "earthquake".
package search

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

// Limits on one query.
const (
	MaxQueryBytes = 16 << 10
	MaxTerms      = 64
)

// Query is a parsed search.
type Query struct {
	// Match is the condition on the words of title, summary and text;
	// nil when the query has filters only.
	Match Node
	// Authors are parts of the author's name, each of which must occur
	// (ignoring the case of ASCII letters).
	Authors []string
	// Feeds each keep the articles of the feeds they name: an ID, or a
	// part of the feed's title.
	Feeds []string
	// Entities each keep the articles whose story names the entity
	// (a person, place or organisation of any kind) they name.
	Entities []string
	// Dates each keep articles published at or after From and before To
	// (a zero time is no bound).
	Dates []DateRange
}

// DateRange is a half-open range of time [From, To).
type DateRange struct{ From, To time.Time }

// Node is a condition on an article's words: *Term, And, Or or *Not.
type Node interface{ node() }

// Term matches an article containing its words in a row (one word, a
// word with inner punctuation such as "covid-19", or a quoted phrase).
type Term struct {
	// Words are folded (Fold) but not stemmed: a store stems them as its
	// index does.
	Words []string
	// Text is the term as typed (without quotes), for a store whose
	// index cuts and folds words itself (SQLite FTS5).
	Text string
	// Title restricts the match to the title.
	Title bool
}

// And matches when all its nodes match.
type And []Node

// Or matches when any of its nodes matches. None is a *Not.
type Or []Node

// Not excludes the articles its node matches: it is Query.Match or a node
// of the top-level And, never inside an Or.
type Not struct{ Node Node }

// Split returns the nodes of a match that must hold (nil: none) and the
// nodes it excludes: an article matches when pos matches and none of neg
// does. FTS5 cannot express a query of exclusions alone, so the stores
// need the two apart.
func Split(n Node) (pos Node, neg []Node) {
	var keep And
	switch n := n.(type) {
	case *Not:
		return nil, []Node{n.Node}
	case And:
		for _, c := range n {
			if x, ok := c.(*Not); ok {
				neg = append(neg, x.Node)
			} else {
				keep = append(keep, c)
			}
		}
	default:
		return n, nil
	}
	switch len(keep) {
	case 0:
		return nil, neg
	case 1:
		return keep[0], neg
	}
	return keep, neg
}

func (*Term) node() {}
func (And) node()   {}
func (Or) node()    {}
func (*Not) node()  {}

// Stems returns the stems of the words a match on n looks for (not those
// it excludes), for highlighting.
func Stems(n Node) map[string]bool {
	out := map[string]bool{}
	var walk func(Node)
	walk = func(n Node) {
		switch n := n.(type) {
		case *Term:
			for _, w := range n.Words {
				out[Stem(w)] = true
			}
		case And:
			for _, c := range n {
				walk(c)
			}
		case Or:
			for _, c := range n {
				walk(c)
			}
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

// token is one lexical element of a query.
type token struct {
	pos    int    // 1-based character position in the text
	neg    bool   // preceded by "-"
	field  string // "intitle", "author", "feed", "entity", "date" or ""
	text   string // the word, the phrase's text or the field's value
	quoted bool
	or     bool // the operator OR
}

var fields = map[string]bool{"intitle": true, "author": true, "feed": true, "entity": true, "date": true}

// errorf returns an EINVALID error naming the character position.
func errorf(pos int, format string, args ...any) error {
	return digest.Errorf(digest.EINVALID, "search: %s (at character %d)", fmt.Sprintf(format, args...), pos)
}

func lex(text string) ([]token, error) {
	var toks []token
	pos := func(i int) int { return utf8.RuneCountInString(text[:i]) + 1 }
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsSpace(r) {
			i += size
			continue
		}
		t := token{pos: pos(i)}
		if text[i] == '-' && i+1 < len(text) {
			if r, _ := utf8.DecodeRuneInString(text[i+1:]); !unicode.IsSpace(r) && r != '-' {
				t.neg = true
				i++
			}
		}
		// field:value
		if j := strings.IndexByte(text[i:], ':'); j > 0 {
			name := strings.ToLower(text[i : i+j])
			if fields[name] && !strings.ContainsFunc(name, unicode.IsSpace) {
				t.field = name
				i += j + 1
				if i >= len(text) || text[i] == ' ' || unicode.IsSpace(rune(text[i])) {
					return nil, errorf(t.pos, "%s: needs a value", name)
				}
			}
		}
		if i < len(text) && text[i] == '"' {
			// An unclosed quote runs to the end, as people type it.
			end := strings.IndexByte(text[i+1:], '"')
			if end < 0 {
				end = len(text) - i - 1
			}
			t.text, t.quoted = text[i+1:i+1+end], true
			i = min(len(text), i+end+2)
		} else {
			end := strings.IndexFunc(text[i:], func(r rune) bool { return unicode.IsSpace(r) || r == '"' })
			if end < 0 {
				end = len(text) - i
			}
			t.text = text[i : i+end]
			i += end
		}
		if t.field == "" && !t.neg && !t.quoted && t.text == "OR" {
			t.or = true
		}
		toks = append(toks, t)
	}
	return toks, nil
}

// Parse parses search text; now is the time date:today and date:7d count
// from. EINVALID, with what is wrong and where, for a malformed query.
func Parse(text string, now time.Time) (*Query, error) {
	if len(text) > MaxQueryBytes {
		return nil, digest.Errorf(digest.EINVALID, "search: longer than %d bytes", MaxQueryBytes)
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	q := &Query{}
	var and And
	terms := 0
	seen := map[string]bool{}
	// add adds a node to the top-level AND unless it is there already.
	add := func(n Node) {
		if k := fmt.Sprint(n); !seen[k] {
			seen[k] = true
			and = append(and, n)
		}
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.or {
			return nil, errorf(t.pos, "OR needs a term before it")
		}
		// A run of terms joined by OR.
		group := []token{t}
		for i+2 < len(toks) && toks[i+1].or {
			if toks[i+2].or {
				return nil, errorf(toks[i+2].pos, "OR needs a term after it")
			}
			group = append(group, toks[i+2])
			i += 2
		}
		if i+1 < len(toks) && toks[i+1].or && i+2 >= len(toks) {
			return nil, errorf(toks[i+1].pos, "OR needs a term after it")
		}
		if len(group) == 1 {
			switch t.field {
			case "author", "feed", "entity", "date":
				if t.neg {
					return nil, errorf(t.pos, "-%s: is not supported", t.field)
				}
				if err := q.addFilter(t, now); err != nil {
					return nil, err
				}
				continue
			}
			n, err := term(t)
			if err != nil {
				return nil, err
			}
			if n == nil {
				continue
			}
			if t.neg {
				n = &Not{n}
			}
			add(n)
			if len(and) > MaxTerms {
				return nil, errorf(t.pos, "more than %d terms", MaxTerms)
			}
			continue
		}
		var or Or
		for _, g := range group {
			if g.field != "" && g.field != "intitle" {
				return nil, errorf(g.pos, "OR cannot join %s:, only words, phrases and intitle:", g.field)
			}
			if g.neg {
				return nil, errorf(g.pos, "an excluded term cannot be a side of OR")
			}
			n, err := term(g)
			if err != nil {
				return nil, err
			}
			if n == nil {
				continue
			}
			if terms++; terms > MaxTerms {
				return nil, errorf(g.pos, "more than %d terms", MaxTerms)
			}
			or = append(or, n)
		}
		switch len(or) {
		case 0:
		case 1:
			add(or[0])
		default:
			add(or)
		}
	}
	switch len(and) {
	case 0:
	case 1:
		q.Match = and[0]
	default:
		q.Match = and
	}
	return q, nil
}

// term returns the node of a word, phrase or intitle: term; nil when it
// holds no searchable word.
func term(t token) (Node, error) {
	if !strings.ContainsFunc(t.text, IsWordRune) {
		return nil, nil
	}
	n := &Term{Title: t.field == "intitle", Text: t.text}
	Words(t.text, func(_, _ int, w string) { n.Words = append(n.Words, w) })
	if len(n.Words) == 0 {
		return nil, nil
	}
	return n, nil
}

func (q *Query) addFilter(t token, now time.Time) error {
	v := strings.TrimSpace(t.text)
	if v == "" {
		return errorf(t.pos, "%s: needs a value", t.field)
	}
	switch t.field {
	case "author":
		q.Authors = append(q.Authors, v)
	case "feed":
		q.Feeds = append(q.Feeds, v)
	case "entity":
		q.Entities = append(q.Entities, v)
	case "date":
		r, err := parseDate(v, now)
		if err != nil {
			return errorf(t.pos, "date:%s: %s", v, err)
		}
		q.Dates = append(q.Dates, r)
	}
	return nil
}

const day = 24 * time.Hour

// parseDate parses a date: value into a range of UTC days.
func parseDate(v string, now time.Time) (DateRange, error) {
	today := now.UTC().Truncate(day)
	switch {
	case v == "today":
		return DateRange{From: today}, nil
	case v == "yesterday":
		return DateRange{From: today.Add(-day), To: today}, nil
	case strings.HasSuffix(v, "d") && len(v) > 1:
		n, err := strconv.Atoi(v[:len(v)-1])
		if err != nil || n <= 0 || n > 36500 {
			return DateRange{}, fmt.Errorf("want a number of days such as 7d")
		}
		return DateRange{From: now.UTC().Add(-time.Duration(n) * day)}, nil
	case strings.HasPrefix(v, ">="):
		d, err := parseDay(v[2:])
		return DateRange{From: d}, err
	case strings.HasPrefix(v, ">"):
		d, err := parseDay(v[1:])
		return DateRange{From: d.Add(day)}, err
	case strings.HasPrefix(v, "<="):
		d, err := parseDay(v[2:])
		return DateRange{To: d.Add(day)}, err
	case strings.HasPrefix(v, "<"):
		d, err := parseDay(v[1:])
		return DateRange{To: d}, err
	}
	if from, to, ok := strings.Cut(v, ".."); ok {
		r := DateRange{}
		var err error
		if from != "" {
			if r.From, err = parseDay(from); err != nil {
				return r, err
			}
		}
		if to != "" {
			d, err := parseDay(to)
			if err != nil {
				return r, err
			}
			r.To = d.Add(day)
		}
		if from == "" && to == "" {
			return r, fmt.Errorf("want a day on at least one side of ..")
		}
		if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
			return r, fmt.Errorf("the range ends before it starts")
		}
		return r, nil
	}
	d, err := parseDay(v)
	return DateRange{From: d, To: d.Add(day)}, err
}

func parseDay(s string) (time.Time, error) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want a day as YYYY-MM-DD, a range DAY..DAY, >DAY, <DAY, today or a number of days such as 7d")
	}
	return d, nil
}

// String returns the term in the query language.
func (t *Term) String() string {
	s := strings.Join(t.Words, " ")
	if len(t.Words) > 1 {
		s = `"` + s + `"`
	}
	if t.Title {
		s = "intitle:" + s
	}
	return s
}

func (a And) String() string { return "(" + joinNodes(a, " ") + ")" }
func (o Or) String() string  { return "(" + joinNodes(o, " OR ") + ")" }
func (n *Not) String() string {
	return "-" + fmt.Sprint(n.Node)
}

func joinNodes(ns []Node, sep string) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, sep)
}
