package search

// Stem returns the Porter stem of one folded word (see Words), exactly as
// SQLite FTS5's porter tokenizer computes it, so that documents and
// queries stemmed here match what SQLite's index holds: words shorter
// than 3 bytes or longer than 64 are kept whole, and the rules look at
// bytes, so a byte outside ASCII counts as a consonant.
func Stem(w string) string {
	if len(w) < 3 || len(w) > 64 {
		return w
	}
	b := []byte(w)
	b = step1a(b)
	b = step1b(b)
	if n := len(b); b[n-1] == 'y' && hasVowel(b[:n-1]) {
		b[n-1] = 'i'
	}
	b = applyRules(b, step2Rules, measureGt0)
	b = applyRules(b, step3Rules, measureGt0)
	b = step4(b)
	if n := len(b); b[n-1] == 'e' {
		if measureGt1(b[:n-1]) || measureEq1(b[:n-1]) && !cvc(b[:n-1]) {
			b = b[:n-1]
		}
	}
	if n := len(b); n > 1 && b[n-1] == 'l' && b[n-2] == 'l' && measureGt1(b[:n-1]) {
		b = b[:n-1]
	}
	return string(b)
}

// isVowel: a, e, i, o, u, and y after a consonant (yIsVowel).
func isVowel(c byte, yIsVowel bool) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	case 'y':
		return yIsVowel
	}
	return false
}

// skipVC returns the length of the shortest prefix of s made of
// consonants, then vowels, then one consonant (one "VC" of Porter's
// measure), or 0 when s has none. prevCons says whether the letter before
// s was a consonant.
func skipVC(s []byte, prevCons bool) int {
	cons := prevCons
	i := 0
	for ; i < len(s); i++ {
		cons = !isVowel(s[i], cons)
		if !cons {
			break
		}
	}
	for i++; i < len(s); i++ {
		cons = !isVowel(s[i], cons)
		if cons {
			return i + 1
		}
	}
	return 0
}

func measureGt0(s []byte) bool { return skipVC(s, false) > 0 }

func measureGt1(s []byte) bool {
	n := skipVC(s, false)
	return n > 0 && skipVC(s[n:], true) > 0
}

func measureEq1(s []byte) bool {
	n := skipVC(s, false)
	return n > 0 && skipVC(s[n:], true) == 0
}

// cvc: s ends consonant-vowel-consonant, the last not w, x or y (*o).
func cvc(s []byte) bool {
	last := s[len(s)-1]
	if last == 'w' || last == 'x' || last == 'y' {
		return false
	}
	mask, cons := 0, false
	for _, c := range s {
		cons = !isVowel(c, cons)
		mask <<= 1
		if cons {
			mask |= 1
		}
	}
	return mask&7 == 5
}

// hasVowel (*v*): y counts as a vowel anywhere but first.
func hasVowel(s []byte) bool {
	for i, c := range s {
		if isVowel(c, i > 0) {
			return true
		}
	}
	return false
}

func hasSuffix(b []byte, suffix string) bool {
	return len(b) > len(suffix) && string(b[len(b)-len(suffix):]) == suffix
}

func step1a(b []byte) []byte {
	n := len(b)
	if b[n-1] != 's' {
		return b
	}
	switch {
	case b[n-2] == 'e' && (hasSuffix(b, "sses") || hasSuffix(b, "ies")):
		return b[:n-2]
	case b[n-2] != 's':
		return b[:n-1]
	}
	return b
}

func step1b(b []byte) []byte {
	removed := false
	switch {
	case hasSuffix(b, "eed"):
		if measureGt0(b[:len(b)-3]) {
			b = b[:len(b)-1]
		}
	case hasSuffix(b, "ed") && hasVowel(b[:len(b)-2]):
		b, removed = b[:len(b)-2], true
	case hasSuffix(b, "ing") && hasVowel(b[:len(b)-3]):
		b, removed = b[:len(b)-3], true
	}
	if !removed {
		return b
	}
	for _, s := range [...]string{"at", "bl", "iz"} {
		if hasSuffix(b, s) {
			return append(b, 'e')
		}
	}
	n := len(b)
	if c := b[n-1]; n > 1 && !isVowel(c, false) && c != 'l' && c != 's' && c != 'z' && c == b[n-2] {
		return b[:n-1]
	}
	if measureEq1(b) && cvc(b) {
		return append(b, 'e')
	}
	return b
}

// rule replaces a suffix by another when the stem before it qualifies.
type rule struct{ suffix, repl string }

// Steps 2 and 3: the first rule whose suffix the word ends with is the
// only one tried (rules of a step never end one another, but for
// "ational" before "tional").
var step2Rules = []rule{
	{"ational", "ate"}, {"tional", "tion"}, {"enci", "ence"}, {"anci", "ance"}, {"izer", "ize"},
	{"bli", "ble"}, {"alli", "al"}, {"entli", "ent"}, {"eli", "e"}, {"ousli", "ous"},
	{"ization", "ize"}, {"ation", "ate"}, {"ator", "ate"}, {"alism", "al"}, {"iveness", "ive"},
	{"fulness", "ful"}, {"ousness", "ous"}, {"aliti", "al"}, {"iviti", "ive"}, {"biliti", "ble"},
	{"logi", "log"},
}

var step3Rules = []rule{
	{"icate", "ic"}, {"ative", ""}, {"alize", "al"}, {"iciti", "ic"}, {"ical", "ic"}, {"ful", ""}, {"ness", ""},
}

func applyRules(b []byte, rules []rule, cond func([]byte) bool) []byte {
	for _, r := range rules {
		if hasSuffix(b, r.suffix) {
			stem := b[:len(b)-len(r.suffix)]
			if cond(stem) {
				return append(stem, r.repl...)
			}
			return b
		}
	}
	return b
}

// step4Suffixes, longest first where one ends another ("ement", "ment",
// "ent").
var step4Suffixes = []string{
	"al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent",
	"ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize",
}

func step4(b []byte) []byte {
	for _, s := range step4Suffixes {
		if !hasSuffix(b, s) {
			continue
		}
		stem := b[:len(b)-len(s)]
		ok := measureGt1(stem)
		if s == "ion" {
			last := stem[len(stem)-1]
			ok = ok && (last == 's' || last == 't')
		}
		if ok {
			return stem
		}
		return b
	}
	return b
}
