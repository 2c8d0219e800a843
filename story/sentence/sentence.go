// Package sentence splits text into sentences.
//
// It is a rule-based splitter tuned for news text: one linear pass over the
// bytes, no allocation beyond the result slice. It knows abbreviations
// ("Mr.", "Gen.", "Inc."), initials and initialisms ("J. R. R.", "U.S.",
// "p.m."), decimals and numbered lists ("3.5", "1. First"), ellipses,
// closing quotes and brackets after the final mark (`said "go." Then`),
// URLs and e-mail addresses, paragraph and line breaks, and the sentence
// marks of Chinese, Japanese, Devanagari and Arabic script (。！？ । ؟).
//
// Ambiguous cases lean towards not splitting: a sentence wrongly glued to
// the next one reads better in a summary than a fragment such as "Apple Inc.".
package sentence

import (
	"unicode"
	"unicode/utf8"
)

// Split returns the sentences of text in order. Each is a substring of text
// with the white space around it trimmed; pieces with no letter or digit
// (a lone "***") are dropped. Invalid UTF-8 is kept as it is, byte for
// byte. Split never panics and runs in time linear in len(text).
func Split(text string) []string {
	return Append(nil, text)
}

// Append appends the sentences of text to dst, as Split returns them, and
// returns the extended slice. It lets a caller reuse one slice.
func Append(dst []string, text string) []string {
	start := 0
	emit := func(end int) {
		if s := trim(text[start:end]); hasAlnum(s) {
			dst = append(dst, s)
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '\n':
			if br, next := lineBreak(text, start, i); br {
				emit(i)
				start = next
				i = next
				continue
			}
			i++
		case c == '.' || c == '!' || c == '?' || c == 0xE2 && isEllipsisAt(text, i):
			end, br := western(text, i)
			if br {
				emit(end)
				start = end
			}
			i = end
		case c >= 0xC0:
			r, size := utf8.DecodeRuneInString(text[i:])
			if isFullStop(r) {
				end := skipClosers(text, i+size)
				emit(end)
				start = end
				i = end
				continue
			}
			i += size
		default:
			i++
		}
	}
	emit(len(text))
	return dst
}

// isFullStop reports whether r ends a sentence in a script that needs no
// space after it (CJK) or whose marks are never abbreviation dots.
func isFullStop(r rune) bool {
	switch r {
	case '。', '！', '？', '｡', '．', '।', '॥', '؟', '۔', '‼', '⁇', '⁈', '⁉':
		return true
	}
	return false
}

// isEllipsisAt reports whether text[i:] starts with "…" (U+2026).
func isEllipsisAt(text string, i int) bool {
	return i+2 < len(text) && text[i+1] == 0x80 && text[i+2] == 0xA6
}

// western decides whether the run of final marks starting at text[i] ends
// a sentence. It returns the index just past the marks and any closing
// quotes or brackets, and whether that index is a sentence boundary.
func western(text string, i int) (end int, boundary bool) {
	j := i
	dots, others := 0, 0
	for j < len(text) {
		switch c := text[j]; {
		case c == '.':
			dots++
			j++
			continue
		case c == '!' || c == '?':
			others++
			j++
			continue
		case c == 0xE2 && isEllipsisAt(text, j):
			dots += 3
			j += 3
			continue
		}
		break
	}
	k := skipClosers(text, j)
	k = skipCitations(text, k)
	if k == len(text) {
		return k, true
	}
	if d := footnote(text, i, j, k, dots, others); d > 0 {
		return d, true
	}
	if sp, _ := spaceAt(text, k); !sp {
		// No space after the mark: a decimal, a URL, an e-mail address,
		// "U.S" inside an initialism, or text glued by a careless
		// extraction ("ended.The"), which we split only in a clear case.
		if dots == 1 && others == 0 && k == j && gluedSentence(text, i, k) {
			return k, true
		}
		return j, false
	}
	// Look at what follows the white space. A line break after the marks
	// ends the sentence unless the next line starts in lower case.
	n, newline := k, false
	for n < len(text) {
		sp, size := spaceAt(text, n)
		if !sp {
			break
		}
		if text[n] == '\n' {
			newline = true
		}
		n += size
	}
	if n == len(text) {
		return k, true
	}
	next, _ := utf8.DecodeRuneInString(text[n:])
	if unicode.IsLower(next) {
		return k, false // "Really?" he asked. / e.g. this
	}
	if others > 0 || dots > 1 || newline {
		return k, true // ?, !, ellipsis before a capital, quote or digit
	}
	// A single dot: is the word before it an abbreviation?
	w, ws := wordBefore(text, i)
	switch {
	case w == "":
		return k, true
	case isInitialism(w):
		// "U.S.", "p.m.", "J.", "George W. Bush": a boundary only before
		// a word that usually starts sentences.
		return k, isStarter(text, n)
	case isDigits(w) && len(w) <= 3 && atLineStart(text, ws):
		return k, false // "1. First item"
	}
	switch abbrevKind(w) {
	case abbrevTitle:
		return k, false // "Mr. Smith", "Gen. Lee", "St. Louis"
	case abbrevNumber:
		if next >= '0' && next <= '9' {
			return k, false // "No. 5", "p. 12"
		}
	case abbrevMaybe:
		return k, isStarter(text, n) // "Apple Inc. said" / "... Inc. The"
	}
	return k, true
}

// skipCitations returns the index past reference marks such as "[12]" or
// "[3][4]" at text[k:], which belong to the sentence they follow.
func skipCitations(text string, k int) int {
	for k < len(text) && text[k] == '[' {
		p := k + 1
		for p < len(text) && p-k <= 4 && text[p] >= '0' && text[p] <= '9' {
			p++
		}
		if p == k+1 || p >= len(text) || text[p] != ']' {
			return k
		}
		k = p + 1
	}
	return k
}

// footnote returns the index past a footnote number glued to the full
// stop at text[i] ("countries.57 Studies found"), when the number is
// followed by a space and a capital and the word before the stop is a
// plain word; otherwise 0.
func footnote(text string, i, j, k, dots, others int) int {
	if dots != 1 || others != 0 || k != j || k >= len(text) || text[k] < '0' || text[k] > '9' {
		return 0
	}
	d := k
	for d < len(text) && d-k < 3 && text[d] >= '0' && text[d] <= '9' {
		d++
	}
	if d+1 >= len(text) || text[d] != ' ' || !isUpperASCII(text[d+1]) {
		return 0
	}
	if w, _ := wordBefore(text, i); !plainWord(w) || abbrevKind(w) != abbrevNone {
		return 0
	}
	return d
}

// plainWord reports whether w is a word of ASCII letters ending in two
// lower-case ones ("ended", "Wednesday"), not an initialism or a code.
func plainWord(w string) bool {
	if len(w) < 2 || !isLowerASCII(w[len(w)-1]) || !isLowerASCII(w[len(w)-2]) {
		return false
	}
	for p := 0; p < len(w); p++ {
		if !isLetterASCII(w[p]) {
			return false
		}
	}
	return true
}

// gluedSentence reports whether the dot at text[i], directly followed by
// text[k], joins two sentences ("ended.The next", "Wednesday.NTSB said")
// rather than being part of a domain name, file name or initialism: a
// plain word before it, an upper-case letter then another letter after it,
// and nothing URL-like in the word.
func gluedSentence(text string, i, k int) bool {
	if k+1 >= len(text) || !isUpperASCII(text[k]) || !isLetterASCII(text[k+1]) {
		return false
	}
	w, _ := wordBefore(text, i)
	if !plainWord(w) {
		return false
	}
	// The next word must not continue as a domain or path ("site.Com/x").
	for p := k; p < len(text); p++ {
		c := text[p]
		if c == ' ' || c == '\n' || c == '\t' {
			break
		}
		if c == '/' || c == '@' || c == '.' && p+1 < len(text) && text[p+1] != ' ' && text[p+1] != '\n' {
			return false
		}
	}
	return abbrevKind(w) == abbrevNone
}

// skipClosers returns the index past any closing quotes and brackets at
// text[j:].
func skipClosers(text string, j int) int {
	for j < len(text) {
		c := text[j]
		if c == '"' || c == '\'' || c == ')' || c == ']' || c == '*' {
			j++
			continue
		}
		if c < 0x80 {
			return j
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		switch r {
		case '”', '’', '»', '›', '」', '』', '）', '】', '〕', '〉', '》', '］':
			j += size
			continue
		}
		return j
	}
	return j
}

// lineBreak decides whether the line break at text[i] ends a sentence that
// started at start. A blank line always does. A single line break does
// unless the next line starts in lower case or the line ends with a comma,
// semicolon, hyphen or ampersand: then it is taken for a wrapped line.
func lineBreak(text string, start, i int) (boundary bool, next int) {
	n := i + 1
	blank := false
	for n < len(text) {
		sp, size := spaceAt(text, n)
		if !sp {
			break
		}
		if text[n] == '\n' {
			blank = true
		}
		n += size
	}
	if blank || n == len(text) {
		return true, n
	}
	// Last non-space byte of the line.
	p := i - 1
	for p >= start && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r') {
		p--
	}
	if p < start {
		return true, n // the sentence so far is empty
	}
	switch text[p] {
	case ',', ';', '-', '&':
		return false, n
	}
	r, _ := utf8.DecodeRuneInString(text[n:])
	if unicode.IsLower(r) {
		return false, n
	}
	return true, n
}

// spaceAt reports whether text[i:] starts with white space and its size.
func spaceAt(text string, i int) (bool, int) {
	c := text[i]
	if c < 0x80 {
		return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v', 1
	}
	r, size := utf8.DecodeRuneInString(text[i:])
	return unicode.IsSpace(r) || r == '\u200b', size
}

// wordBefore returns the word that ends just before text[i] (the run of
// non-space bytes), stripped of opening quotes and brackets, and its start.
func wordBefore(text string, i int) (string, int) {
	p := i
	for p > 0 {
		c := text[p-1]
		if c == ' ' || c == '\n' || c == '\t' || c == '\r' {
			break
		}
		if c == 0xA0 && p >= 2 && text[p-2] == 0xC2 { // no-break space
			break
		}
		p--
	}
	for p < i {
		c := text[p]
		if c == '(' || c == '[' || c == '"' || c == '\'' || c == '-' {
			p++
			continue
		}
		if c == 0xE2 && p+2 < i && text[p+1] == 0x80 && (text[p+2] == 0x9C || text[p+2] == 0x98 || text[p+2] == 0x94 || text[p+2] == 0x93) {
			p += 3 // “ ‘ — –
			continue
		}
		if c == 0xC2 && p+1 < i && text[p+1] == 0xAB { // «
			p += 2
			continue
		}
		break
	}
	return text[p:i], p
}

// isInitialism reports whether w is one letter ("J", "W") or letters
// separated by dots with at most two between dots ("U.S", "p.m", "Ph.D").
func isInitialism(w string) bool {
	if len(w) == 1 {
		return isLetterASCII(w[0])
	}
	seg, dots := 0, 0
	for p := 0; p < len(w); p++ {
		c := w[p]
		switch {
		case c == '.':
			if seg == 0 {
				return false
			}
			dots++
			seg = 0
		case isLetterASCII(c):
			seg++
			if seg > 2 {
				return false
			}
		default:
			return false
		}
	}
	return dots > 0 && seg > 0
}

// atLineStart reports whether only spaces precede text[i] on its line.
func atLineStart(text string, i int) bool {
	for p := i - 1; p >= 0; p-- {
		switch text[p] {
		case '\n':
			return true
		case ' ', '\t', '\r':
		default:
			return false
		}
	}
	return true
}

// isStarter reports whether the word at text[n:] is capitalised and is one
// that commonly opens a sentence in news text.
func isStarter(text string, n int) bool {
	for n < len(text) && (text[n] == '"' || text[n] == '\'') {
		n++
	}
	if n == len(text) {
		return false
	}
	if !isUpperASCII(text[n]) {
		// A digit, a non-Latin letter or an opening quote in another
		// script: a new sentence only after the quote.
		r, _ := utf8.DecodeRuneInString(text[n:])
		return r == '“' || r == '‘' || r == '«'
	}
	var buf [12]byte
	m := 0
	for p := n; p < len(text) && isLetterASCII(text[p]); p++ {
		if m == len(buf) {
			return false
		}
		buf[m] = text[p] | 0x20
		m++
	}
	_, ok := starters[string(buf[:m])]
	return ok
}

// starters are words that often open a sentence and rarely follow an
// abbreviation inside one.
var starters = setOf(
	"a", "an", "the", "he", "she", "it", "its", "they", "we", "i", "you",
	"his", "her", "their", "our", "my", "this", "that", "these", "those",
	"there", "here", "but", "and", "or", "so", "yet", "in", "on", "at",
	"for", "after", "before", "when", "while", "if", "as", "what", "who",
	"why", "how", "where", "some", "many", "most", "all", "both", "no",
	"not", "also", "however", "meanwhile", "still", "then", "now", "yes",
	"according", "during", "since", "despite", "though", "although",
	"last", "earlier", "later", "by", "with", "from", "to", "one", "two",
	"officials", "police", "authorities", "people", "today", "yesterday",
	"instead", "even", "just", "such", "each", "every", "other", "another",
	"more", "other", "under", "over", "about", "because", "until", "unless",
	"thus", "hence", "indeed", "perhaps", "maybe", "only", "several",
)

// abbreviation kinds.
const (
	abbrevNone   = iota
	abbrevTitle  // precedes a name or a place: never ends a sentence
	abbrevNumber // precedes a number: "No. 5", "p. 12"
	abbrevMaybe  // may end a sentence: "Inc.", "Jr.", "Calif.", "Jan."
)

// abbrevKind returns the kind of the abbreviation w (without its dot), or
// abbrevNone.
func abbrevKind(w string) int {
	var buf [8]byte
	if len(w) > len(buf) {
		return abbrevNone
	}
	for p := 0; p < len(w); p++ {
		c := w[p]
		if !isLetterASCII(c) {
			return abbrevNone
		}
		buf[p] = c | 0x20
	}
	return abbrevs[string(buf[:len(w)])]
}

var abbrevs = func() map[string]int {
	m := make(map[string]int)
	for _, w := range []string{
		"mr", "mrs", "ms", "mssrs", "messrs", "dr", "drs", "prof", "rev",
		"hon", "sen", "sens", "rep", "reps", "gov", "gen", "col", "lt",
		"sgt", "capt", "cmdr", "cdr", "adm", "maj", "cpl", "pvt", "spc",
		"supt", "det", "insp", "insp", "amb", "atty", "fr", "pres", "mme",
		"mlle", "st", "ste", "mt", "ft", "vs", "v", "cf", "approx", "ca",
		"viz", "lieut", "brig", "gens", "cmdt", "govs", "judg",
	} {
		m[w] = abbrevTitle
	}
	for _, w := range []string{"no", "nos", "vol", "vols", "pp", "p", "art", "fig", "figs", "sec", "ch", "para", "op", "pg", "nr", "tel", "ed"} {
		m[w] = abbrevNumber
	}
	for _, w := range []string{
		"inc", "ltd", "co", "corp", "llc", "plc", "jr", "sr", "bros", "etc",
		"esq", "dept", "univ", "assn", "est", "ave", "blvd", "rd", "hwy",
		"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
		"oct", "nov", "dec",
		"ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla", "ga",
		"ill", "ind", "kan", "kans", "ky", "la", "md", "mass", "mich",
		"minn", "miss", "mo", "mont", "neb", "nev", "okla", "ore", "pa",
		"tenn", "tex", "va", "vt", "wash", "wis", "wyo", "wva",
		"min", "mins", "hr", "hrs", "yr", "yrs", "mo", "mos", "wk", "wks",
		"al", "govt", "intl", "natl", "mfg", "gov't",
	} {
		m[w] = abbrevMaybe
	}
	return m
}()

func setOf(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

func isDigits(w string) bool {
	for p := 0; p < len(w); p++ {
		if w[p] < '0' || w[p] > '9' {
			return false
		}
	}
	return w != ""
}

func isLetterASCII(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isUpperASCII(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLowerASCII(c byte) bool  { return c >= 'a' && c <= 'z' }

// trim removes white space (including Unicode spaces) around s.
func trim(s string) string {
	for len(s) > 0 {
		sp, size := spaceAt(s, 0)
		if !sp {
			break
		}
		s = s[size:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c < 0x80 {
			if c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v' {
				s = s[:len(s)-1]
				continue
			}
			break
		}
		r, size := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) && r != '\u200b' {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

// hasAlnum reports whether s holds a letter or a digit.
func hasAlnum(s string) bool {
	for p := 0; p < len(s); p++ {
		c := s[p]
		if c < 0x80 {
			if isLetterASCII(c) || c >= '0' && c <= '9' {
				return true
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[p:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
		p += size - 1
	}
	return false
}
