package story

import (
	"cmp"
	"sync"

	"bytes"
	"github.com/occasional-digest/digest/story/gazetteer"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// term is a hashed, case-folded, lightly stemmed word with a weight. Both
// halves are 32 bits: the engine holds a vector per article of an open
// story and three per story (hundreds of thousands of terms at 200,000
// articles), and 8 bytes a term instead of 16 halve the engine's largest
// consumer of memory. A 32-bit hash collides for about one pair in a
// vocabulary of 90,000 words (V²/2³³), too rare to move a score; float32
// weights carry 7 digits, more than the model's features need. Sums and
// dot products are accumulated in float64.
type term struct {
	h uint32
	w float32
}

// termHash is the hash a term is known by: the low half of its fnv hash
// (whose final mixing spreads every input bit over it).
func termHash[S ~string | ~[]byte](s S) uint32 { return uint32(fnv(s)) }

// textFeatures is what clustering keeps of one article's text.
type textFeatures struct {
	terms  []term // sorted by h; tf weights (not yet idf-weighted)
	names  []term // capitalised words not opening a sentence, salted hashes
	lead   []term // title and lead words only (hashes as in terms)
	years  []int  // distinct years mentioned, sorted
	months []int  // distinct months named near the opening, sorted
	// numbers are hashes of the specifics near the opening: numbers
	// (decimals such as a magnitude, and numbers of three digits or more
	// that are not years) and the cities and countries of the gazetteer,
	// sorted: two events of one kind differ in them (two riots after a
	// police shooting, one in Athens and one in Brooklyn).
	numbers []int
	days    []int // distinct weekdays (1–7) named near the opening, sorted
	words   int   // words read
}

// nameSalt separates the hashes of the names channel from those of words.
const nameSalt uint32 = 0x7f4a7c15

// maxWords caps how much of a text feeds clustering: the lead and the first
// screens carry the event; a 5 MB text costs no more than a long article.
const maxWords = 1500

// leadWords is how many opening words of the text count as its lead.
const leadWords = 60

func fnv[S ~string | ~[]byte](s S) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * prime
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// features extracts weighted terms and year mentions from a title and a
// text. Title words count titleBoost times, lead words leadBoost times and
// proper nouns (capitalised words not opening a sentence) properBoost times.
func features(title, text string, o Options) textFeatures {
	return readText(title, text, o, true)
}

// wordTerms is features without the names and lead channels.
func wordTerms(title, text string, o Options) []term {
	return readText(title, text, o, false).terms
}

func readText(title, text string, o Options, channels bool) textFeatures {
	tf := make(map[uint32]float64, 256)
	var names, leadTF map[uint32]float64
	if channels {
		names = make(map[uint32]float64, 64)
		leadTF = make(map[uint32]float64, 64)
	}
	var years, months, numbers, days []int
	buf := make([]byte, 0, 64)
	prevCap := "" // the previous word, when capitalised
	addWords := func(s string, base float64, lead int, limit int, title bool) int {
		caps := mostlyUpper(s)
		n := 0
		scanWords(s, func(w string, sentStart bool) bool {
			if n >= limit {
				return false
			}
			n++
			if y := yearOf(w); y > 0 && (o.YearWords <= 0 || n <= o.YearWords) && !slices.Contains(years, y) {
				years = append(years, y)
			}
			if (o.YearWords <= 0 || n <= o.YearWords) && specificNumber(w) {
				if h := int(fnv(w) & 0x7fffffff); !slices.Contains(numbers, h) {
					numbers = append(numbers, h)
				}
			}
			if o.YearWords <= 0 || n <= o.YearWords {
				if r, _ := utf8.DecodeRuneInString(w); unicode.IsUpper(r) {
					if h, ok := placeOf(w, prevCap); ok && !slices.Contains(numbers, h) {
						numbers = append(numbers, h)
					}
					prevCap = w
				} else {
					prevCap = ""
				}
			}
			buf = lower(buf[:0], w)
			if o.YearWords <= 0 || n <= o.YearWords {
				if m := monthOf(buf, w, sentStart); m > 0 && !slices.Contains(months, m) {
					months = append(months, m)
				}
				if d := dayOf(buf, w); d > 0 && !slices.Contains(days, d) {
					days = append(days, d)
				}
			}
			if len(buf) < 2 || stopword(string(buf)) || utf8.RuneCount(buf) < 2 {
				return true
			}
			wt := base
			first, _ := utf8.DecodeRuneInString(w)
			proper := !caps && !sentStart && unicode.IsUpper(first)
			if proper {
				wt *= o.ProperBoost
			}
			buf = stem(buf)
			h := termHash(buf)
			if title {
				if channels {
					leadTF[h] += wt
				}
			} else if n <= lead {
				if channels {
					leadTF[h] += wt
				}
				wt *= o.LeadBoost
			}
			tf[h] += wt
			if proper && channels {
				names[h^nameSalt]++
			}
			return true
		})
		return n
	}
	if title != "" {
		addWords(title, o.TitleBoost, 0, 64, true)
	}
	words := addWords(text, 1, leadWords, max(o.MaxWords, 1), false)
	slices.Sort(years)
	slices.Sort(months)
	slices.Sort(numbers)
	slices.Sort(days)
	return textFeatures{terms: tfTerms(tf), names: tfTerms(names), lead: tfTerms(leadTF), years: years, months: months, numbers: numbers, days: days, words: words}
}

// tfTerms turns raw counts into sublinear tf weights sorted by term.
func tfTerms(tf map[uint32]float64) []term {
	terms := make([]term, 0, len(tf))
	for h, w := range tf {
		terms = append(terms, term{h, float32(1 + ln(w))})
	}
	slices.SortFunc(terms, byTerm)
	return terms
}

// lower appends w case-folded to dst (ASCII without allocating).
func lower(dst []byte, w string) []byte {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return append(dst[:0], strings.ToLower(w)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// byTerm orders terms by hash, the order of every vector.
func byTerm(a, b term) int { return cmp.Compare(a.h, b.h) }

// scanWords calls fn for each word of s (letters and digits; a '.' or ','
// between two digits stays inside a number) with whether it opens a
// sentence, until fn returns false.
func scanWords(s string, fn func(w string, sentStart bool) bool) {
	sentStart := true
	start := -1
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && (r == '.' || r == ',') && i > 0 && isDigitByte(s[i-1]) && i+1 < len(s) && isDigitByte(s[i+1]) {
			continue
		}
		if start >= 0 {
			if !fn(s[start:i], sentStart) {
				return
			}
			sentStart = false
			start = -1
		}
		switch r {
		case '.', '!', '?', '\n', ':', '"', '“', '”':
			sentStart = true
		}
	}
	if start >= 0 {
		fn(s[start:], sentStart)
	}
}

func isDigitByte(b byte) bool { return b >= '0' && b <= '9' }

// mostlyUpper reports whether most letters of s are capitals (a shouted
// text, where case says nothing about proper nouns).
func mostlyUpper(s string) bool {
	up, low := 0, 0
	for i, r := range s {
		if i > 4000 {
			break
		}
		if unicode.IsUpper(r) {
			up++
		} else if unicode.IsLower(r) {
			low++
		}
	}
	return up > low
}

// yearOf returns the year a word names (1900–2099), or 0.
func yearOf(w string) int {
	if len(w) != 4 || (w[:2] != "19" && w[:2] != "20") {
		return 0
	}
	y := 0
	for i := 0; i < 4; i++ {
		if !isDigitByte(w[i]) {
			return 0
		}
		y = y*10 + int(w[i]-'0')
	}
	return y
}

var monthNames = []string{"january", "february", "march", "april", "may", "june", "july", "august",
	"september", "october", "november", "december"}

// monthOf returns the month (1–12) a capitalised word names, or 0. "May"
// and "March" count only inside a sentence (at its start they are as
// likely the verb).
func monthOf(low []byte, w string, sentStart bool) int {
	if len(w) < 3 || w[0] < 'A' || w[0] > 'Z' {
		return 0
	}
	for i, m := range monthNames {
		if string(low) == m || (len(low) == 3 && m[:3] == string(low) && m != "may") {
			if (m == "may" || m == "march") && sentStart {
				return 0
			}
			return i + 1
		}
	}
	return 0
}

// stem strips the commonest English inflections in place, enough to match
// "killed" with "kill" and "earthquakes" with "earthquake".
func stem(w []byte) []byte {
	n := len(w)
	switch {
	case n > 4 && bytes.HasSuffix(w, []byte("ies")):
		return append(w[:n-3], 'y')
	case n > 5 && bytes.HasSuffix(w, []byte("ing")):
		return w[:n-3]
	case n > 4 && bytes.HasSuffix(w, []byte("ed")) && !bytes.HasSuffix(w, []byte("eed")):
		return w[:n-2]
	case n > 3 && w[n-1] == 's' && w[n-2] != 's' && w[n-2] != 'u' && w[n-2] != 'i':
		return w[:n-1]
	}
	return w
}

var stopwords = func() map[string]struct{} {
	m := make(map[string]struct{})
	for _, w := range strings.Fields(`a about above after again against all almost also although am among an and any are
aren as at be because been before being below between both but by can cannot could couldn did didn do does doesn doing
don down during each either else ever every few for from further get gets got had hadn has hasn have haven having he
her here hers herself him himself his how however i if in into is isn it its itself just least less let like made make
many may me might more most much must my myself neither no nor not now of off often on once one only or other ought our
ours ourselves out over own per quite rather really said same say says shall she should shouldn since so some still
such than that the their theirs them themselves then there these they this those though through thus to too two under
until up upon us very via was wasn we were weren what when where whether which while who whom whose why will with
within without won would wouldn yet you your yours yourself yourselves s t ll ve re d m
mr mrs ms dr told according also new news year years time times week day days people just told
monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow`) {
		m[w] = struct{}{}
	}
	return m
}()

func stopword(w string) bool {
	_, ok := stopwords[w]
	return ok
}

// specificNumber reports whether w is a number specific to an event: a
// decimal ("4.6"), or an integer of three digits or more ("162", "1,400")
// that is not a year.
func specificNumber(w string) bool {
	if len(w) < 3 || !isDigitByte(w[0]) || yearOf(w) > 0 {
		return false
	}
	dot := false
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '.':
			dot = true
		case c == ',':
		case !isDigitByte(c):
			return false
		}
	}
	return dot || len(w) >= 3
}

var dayNames = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

// dayOf returns the weekday (1–7) a capitalised word names, or 0: the day
// an event happened, which its reports name near their openings.
func dayOf(low []byte, w string) int {
	if len(w) < 6 || w[0] < 'A' || w[0] > 'Z' {
		return 0
	}
	for i, d := range dayNames {
		if string(low) == d {
			return i + 1
		}
	}
	return 0
}

// places is the gazetteer, loaded on first use (nil if it cannot be read,
// and places are then not specifics).
var places = sync.OnceValue(func() *gazetteer.Gazetteer {
	g, err := gazetteer.Load()
	if err != nil {
		return nil
	}
	return g
})

// placeOf returns the hash of the city or country a capitalised word
// names, or the two words prev and w together ("New York").
func placeOf(w, prev string) (int, bool) {
	g := places()
	if g == nil {
		return 0, false
	}
	for _, name := range []string{prev + " " + w, w} {
		if name[0] == ' ' {
			continue
		}
		for _, n := range g.Lookup(name) {
			switch n.Kind {
			case gazetteer.CountryName, gazetteer.CapitalName, gazetteer.CityName:
				c, _ := g.Canonical(name)
				return int(fnv("place:"+c) & 0x7fffffff), true
			}
		}
	}
	return 0, false
}
