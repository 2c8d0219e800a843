package rules

import (
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A regexp is only run on a text that holds a literal every match must
// contain: strings.Index is some hundred times faster than running the
// regexp over a text that cannot match (1,000 rules over 5 KB articles:
// see the benchmarks).

// literal is a string every match of a regexp contains; fold says the
// regexp ignores its case (then it is in canonical fold form: see
// canonFold).
type literal struct {
	s    string
	fold bool
}

// requiredLiteral returns the longest literal every match of src
// contains, or "" when it finds none.
func requiredLiteral(src string) literal {
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return literal{}
	}
	l := required(re.Simplify())
	if l.fold {
		l.s = canonFold(l.s)
	}
	return l
}

func required(re *syntax.Regexp) literal {
	switch re.Op {
	case syntax.OpLiteral:
		return literal{s: string(re.Rune), fold: re.Flags&syntax.FoldCase != 0}
	case syntax.OpCapture:
		return required(re.Sub[0])
	case syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		// Adjacent literals of the same case mode join; the longest run
		// of them, or the longest required literal of a part, is kept.
		var best, run literal
		flush := func() {
			if len(run.s) > len(best.s) {
				best = run
			}
			run = literal{}
		}
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral {
				fold := sub.Flags&syntax.FoldCase != 0
				if run.s != "" && run.fold != fold {
					flush()
				}
				run.s += string(sub.Rune)
				run.fold = fold
				continue
			}
			flush()
			if l := required(sub); len(l.s) > len(best.s) {
				best = l
			}
		}
		flush()
		return best
	}
	return literal{}
}

// canonFold maps every character to the least of the characters that
// simple case folding makes equal to it (as RE2's (?i) compares them),
// so that two strings equal under (?i) have the same canonFold.
func canonFold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}
