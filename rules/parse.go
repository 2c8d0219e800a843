// Package rules parses and applies a user's filter rules (Miniflux's block
// and keep rules, NewsBlur's like, dislike and super-dislike): pure
// functions over domain types, no storage and no HTTP.
//
// A rule's match expression is a list of conditions separated by spaces,
// every one of which must hold:
//
//	title:word  title:"a phrase"  title:/RE2 regexp/
//	content:…   author:…   url:…   text:… (title or content)
//	entity:"Port Alder"   (a person, place or organisation of the article's story)
//	feed:12               (one of the user's feeds, by ID)
//	older:7               (published more than 7 days ago; "7d" too)
//
// A condition preceded by "-" must not hold. Phrases match ignoring case;
// a regexp is RE2 (linear time, no backtracking), case-sensitive unless it
// starts with (?i). Hostile input is bounded: an expression longer than
// MaxExpr bytes is refused before it is parsed, only the first MaxText
// bytes of an article's text are matched, and a user has at most MaxRules
// rules, so one article costs at most MaxRules × (MaxText + title) steps
// of each regexp.
package rules

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on what a user's rules may cost.
const (
	// MaxExpr is the longest match expression, in bytes.
	MaxExpr = 4096
	// MaxRules is the most rules one user may have.
	MaxRules = 1000
	// MaxText is how much of an article's text (content) is matched, in
	// bytes; titles, authors and URLs are matched whole up to MaxField.
	MaxText = 32 << 10
	// MaxField bounds the title, author and URL matched.
	MaxField = 2048
	// MaxName is the longest rule name, in bytes.
	MaxName = 200
	// maxDays bounds older: (a century).
	maxDays = 36500
)

// Field is what a condition looks at.
type Field string

// Fields of a condition.
const (
	Title   Field = "title"
	Content Field = "content"
	Text    Field = "text" // title or content
	Author  Field = "author"
	URL     Field = "url"
	Entity  Field = "entity"
	Feed    Field = "feed"
	Older   Field = "older"
)

var fields = map[string]Field{
	"title": Title, "content": Content, "text": Text, "author": Author, "url": URL,
	"entity": Entity, "feed": Feed, "older": Older,
}

// Error is a match expression that does not parse: Col is the 1-based
// byte column where the problem is.
type Error struct {
	Col int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("column %d: %s", e.Col, e.Msg) }

// Cond is one condition of an expression.
type Cond struct {
	Field  Field
	Not    bool
	Phrase string         // lower-cased; "" when Re or for feed/older
	Re     *regexp.Regexp // nil for a phrase
	lit    literal        // every match of Re contains it
	FeedID int64          // feed:
	Days   int            // older:
	Col    int            // where the condition starts
}

// Expr is a parsed match expression: every condition must hold.
type Expr struct {
	Conds []Cond
}

// Parse parses a match expression. Errors are *Error.
func Parse(s string) (*Expr, error) {
	if len(s) > MaxExpr {
		return nil, &Error{Col: 1, Msg: fmt.Sprintf("the rule is %d bytes long; at most %d", len(s), MaxExpr)}
	}
	if !utf8.ValidString(s) {
		return nil, &Error{Col: invalidAt(s), Msg: "invalid UTF-8"}
	}
	e := &Expr{}
	i := 0
	for {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			break
		}
		c, next, err := parseCond(s, i)
		if err != nil {
			return nil, err
		}
		e.Conds = append(e.Conds, c)
		i = next
	}
	if len(e.Conds) == 0 {
		return nil, &Error{Col: 1, Msg: "empty rule: give at least one condition such as title:word"}
	}
	return e, nil
}

func invalidAt(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i + 1
			}
		}
	}
	return 1
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func fieldNames() string {
	return "title, content, text, author, url, entity, feed, older"
}

// parseCond parses the condition at s[i:] and returns the index after it.
func parseCond(s string, i int) (Cond, int, error) {
	c := Cond{Col: i + 1}
	if s[i] == '-' {
		c.Not = true
		i++
	}
	start := i
	for i < len(s) && s[i] != ':' && !isSpace(s[i]) {
		i++
	}
	name := strings.ToLower(s[start:i])
	if i >= len(s) || s[i] != ':' {
		return c, 0, &Error{Col: start + 1, Msg: fmt.Sprintf("expected field:value, found %q (fields: %s)", clip(s[start:i]), fieldNames())}
	}
	f, ok := fields[name]
	if !ok {
		return c, 0, &Error{Col: start + 1, Msg: fmt.Sprintf("unknown field %q (fields: %s)", clip(name), fieldNames())}
	}
	c.Field = f
	i++ // ':'
	vcol := i + 1
	if i >= len(s) || isSpace(s[i]) {
		return c, 0, &Error{Col: vcol, Msg: fmt.Sprintf("%s: missing value", f)}
	}
	switch f {
	case Feed, Older:
		j := i
		for j < len(s) && !isSpace(s[j]) {
			j++
		}
		v := s[i:j]
		if f == Older {
			v = strings.TrimSuffix(strings.ToLower(v), "d")
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			want := "a feed ID (a positive number)"
			if f == Older {
				want = "a number of days, such as 7 or 7d"
			}
			return c, 0, &Error{Col: vcol, Msg: fmt.Sprintf("%s: %q is not %s", f, clip(s[i:j]), want)}
		}
		if f == Older {
			if n > maxDays {
				return c, 0, &Error{Col: vcol, Msg: fmt.Sprintf("older: at most %d days", maxDays)}
			}
			c.Days = int(n)
		} else {
			c.FeedID = n
		}
		return c, j, nil
	}
	switch s[i] {
	case '/':
		src, j, err := scanRegexp(s, i)
		if err != nil {
			return c, 0, err
		}
		if src == "" {
			return c, 0, &Error{Col: vcol, Msg: fmt.Sprintf("%s: empty regexp", f)}
		}
		re, err := regexp.Compile(src)
		if err != nil {
			return c, 0, &Error{Col: vcol, Msg: fmt.Sprintf("%s: bad regexp: %v", f, err)}
		}
		c.Re = re
		c.lit = requiredLiteral(src)
		return c, j, nil
	case '"':
		p, j, err := scanQuoted(s, i)
		if err != nil {
			return c, 0, err
		}
		if strings.TrimSpace(p) == "" {
			return c, 0, &Error{Col: vcol, Msg: fmt.Sprintf("%s: empty phrase", f)}
		}
		c.Phrase = fold(p)
		return c, j, nil
	}
	j := i
	for j < len(s) && !isSpace(s[j]) {
		j++
	}
	c.Phrase = fold(s[i:j])
	return c, j, nil
}

// scanRegexp reads /…/ at s[i:]: "\/" stands for "/", any other escape is
// the regexp's own.
func scanRegexp(s string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 < len(s) && s[j+1] == '/' {
				b.WriteByte('/')
			} else if j+1 < len(s) {
				b.WriteByte('\\')
				b.WriteByte(s[j+1])
			} else {
				b.WriteByte('\\')
			}
			j++
		case '/':
			if j+1 < len(s) && !isSpace(s[j+1]) {
				return "", 0, &Error{Col: j + 2, Msg: "expected a space after the regexp's closing /"}
			}
			return b.String(), j + 1, nil
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, &Error{Col: i + 1, Msg: "regexp not closed: missing /"}
}

// scanQuoted reads "…" at s[i:], with \" and \\ as escapes.
func scanQuoted(s string, i int) (string, int, error) {
	var b strings.Builder
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\') {
				b.WriteByte(s[j+1])
				j++
				continue
			}
			b.WriteByte('\\')
		case '"':
			if j+1 < len(s) && !isSpace(s[j+1]) {
				return "", 0, &Error{Col: j + 2, Msg: "expected a space after the closing quote"}
			}
			return b.String(), j + 1, nil
		default:
			b.WriteByte(s[j])
		}
	}
	return "", 0, &Error{Col: i + 1, Msg: "phrase not closed: missing \""}
}

// fold lower-cases s and collapses its runs of white space, as the text
// it is matched against is.
func fold(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), unicode.IsSpace), " ")
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return s + "…"
	}
	return s
}

// String returns the expression in canonical form: Parse(e.String())
// gives an expression with the same String.
func (e *Expr) String() string {
	var b strings.Builder
	for i, c := range e.Conds {
		if i > 0 {
			b.WriteByte(' ')
		}
		if c.Not {
			b.WriteByte('-')
		}
		b.WriteString(string(c.Field))
		b.WriteByte(':')
		switch {
		case c.Field == Feed:
			b.WriteString(strconv.FormatInt(c.FeedID, 10))
		case c.Field == Older:
			b.WriteString(strconv.Itoa(c.Days))
		case c.Re != nil:
			b.WriteByte('/')
			src := c.Re.String()
			for j := 0; j < len(src); j++ {
				switch {
				case src[j] == '\\' && j+1 < len(src):
					b.WriteString(src[j : j+2])
					j++
				case src[j] == '/':
					b.WriteString(`\/`)
				default:
					b.WriteByte(src[j])
				}
			}
			b.WriteByte('/')
		default:
			b.WriteByte('"')
			b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(c.Phrase))
			b.WriteByte('"')
		}
	}
	return b.String()
}

// NeedsText reports whether a condition looks at the article's text.
func (e *Expr) NeedsText() bool {
	for _, c := range e.Conds {
		if c.Field == Content || c.Field == Text {
			return true
		}
	}
	return false
}

// NeedsEntities reports whether a condition looks at the story's
// entities.
func (e *Expr) NeedsEntities() bool {
	for _, c := range e.Conds {
		if c.Field == Entity {
			return true
		}
	}
	return false
}
