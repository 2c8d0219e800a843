package summary

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Story returns a summary of a story: sentences drawn from all its
// articles' plain texts, at most maxWords words (DefaultStoryWords when
// maxWords <= 0).
//
// Each sentence is scored by how much it shares the vocabulary common to
// the story's articles (a centroid in which a word counts for each article
// that uses it) and by how early it comes in its article; sentences are
// taken best first, passing over any that repeat one already taken (as the
// same wire copy does across outlets) or that do not fit the remaining
// room. The picked sentences are put in the order of their position in
// their articles, and a sentence opening with a pronoun or a connective is
// not put first. The result is "" when no text holds a word.
func Story(texts []string, maxWords int) string {
	return storyWith(texts, maxWords, defaultTuning, false)
}

// StoryLed is Story opening with the lead sentence of texts[0]: give the
// article whose headline the reader sees first, and the summary goes on
// from what that headline announces rather than from another article's
// angle. The other sentences are chosen and ordered as Story chooses them.
func StoryLed(texts []string, maxWords int) string {
	return storyWith(texts, maxWords, defaultTuning, true)
}

// StoryLedShort returns StoryLed at maxWords and at shortWords, the
// story page's summary and the home page's, for the cost of one.
func StoryLedShort(texts []string, maxWords, shortWords int) (full, short string) {
	sents := scoredSentences(texts, defaultTuning)
	return render(texts, sents, maxWords, defaultTuning, true), render(texts, sents, shortWords, defaultTuning, true)
}

func storyWith(texts []string, maxWords int, tu tuning, led bool) string {
	return render(texts, scoredSentences(texts, tu), maxWords, tu, led)
}

// scoredSentences returns the usable sentences of texts with their scores.
func scoredSentences(texts []string, tu tuning) []sent {
	var sents []sent
	for i, t := range texts {
		sents = usable(t, sents, i, 0)
	}
	if len(sents) > 0 {
		scoreSentences(sents, tu)
	}
	return sents
}

// render picks and orders a summary of at most maxWords words from the
// scored sentences of texts; it does not change sents.
func render(texts []string, sents []sent, maxWords int, tu tuning, led bool) string {
	if maxWords <= 0 {
		maxWords = DefaultStoryWords
	}
	if len(sents) == 0 {
		for _, t := range texts {
			if s := cutFirst(t, nil, maxWords); s != "" {
				return s
			}
		}
		return ""
	}
	first := -1
	if led && sents[0].art == 0 && sents[0].words <= maxWords {
		first = 0
	}
	picked := pick(sents, maxWords, tu, first)
	if len(picked) == 0 {
		return cutFirst("", sents[:1], maxWords)
	}
	if first >= 0 {
		if len(picked) > 1 {
			order(picked[1:])
		}
	} else {
		order(picked)
	}
	out := make([]string, len(picked))
	for i, s := range picked {
		out[i] = s.text
	}
	return strings.Join(out, " ")
}

// tuning holds the weights of Story; defaultTuning was chosen on the
// Multi-News development split (see corpus_test.go).
type tuning struct {
	// position is how much a sentence's position counts against its
	// content: the score is multiplied by 1 + position/(1+pos)^decay.
	position, decay float64
	// lengthNorm is the power of the number of content words the summed
	// centroid weight is divided by.
	lengthNorm float64
	// redundant is the share of a sentence's content words, already in a
	// picked sentence, at or above which it is taken for a repeat.
	redundant float64
	// dangling multiplies the score of a sentence that opens with a
	// pronoun or a connective.
	dangling float64
	// artPower is the power of the number of articles using a word in
	// its centroid weight.
	artPower float64
	// numberRepeat passes over a sentence that gives a number already
	// given; namesRepeat over one whose names and numbers are all given.
	numberRepeat, namesRepeat bool
	// factOverlap and yearOverlap are the shares of a sentence's content
	// words already in the summary below which a number or a year given
	// again is taken for context rather than a repeat.
	factOverlap, yearOverlap float64
}

var defaultTuning = tuning{position: 6, decay: 1, lengthNorm: 0.7, redundant: 0.45, dangling: 0.8, artPower: 2, numberRepeat: true, namesRepeat: true, factOverlap: 0.4, yearOverlap: 0.2}

// scoreSentences sets each sentence's terms and score.
func scoreSentences(sents []sent, tu tuning) {
	// For each distinct term, the articles that use it (counted once per
	// article) and its total frequency; sentences refer to terms by index.
	type stat struct {
		arts, lastArt, tf int
		weight            float64
	}
	index := make(map[uint64]int32, 1024)
	var stats []stat
	var hashes []uint64
	all := make([]int32, 0, 16*len(sents))
	for i := range sents {
		s := &sents[i]
		hashes = terms(s.text, hashes[:0])
		start := len(all)
		for _, h := range hashes {
			k, ok := index[h]
			if !ok {
				k = int32(len(stats))
				index[h] = k
				stats = append(stats, stat{lastArt: -1})
			}
			st := &stats[k]
			st.tf++
			if st.lastArt != s.art {
				st.arts++
				st.lastArt = s.art
			}
			all = append(all, k)
		}
		s.terms = all[start:len(all):len(all)]
		slices.Sort(s.terms)
		s.facts = factsOf(s.text)
	}
	for i := range stats {
		st := &stats[i]
		st.weight = math.Pow(float64(st.arts), tu.artPower) * (1 + math.Log(float64(st.tf)))
	}
	for i := range sents {
		s := &sents[i]
		if len(s.terms) == 0 {
			continue
		}
		var sum float64
		for _, k := range s.terms {
			sum += stats[k].weight
		}
		s.score = sum / math.Pow(float64(len(s.terms)), tu.lengthNorm) * (1 + tu.position/math.Pow(float64(1+s.pos), tu.decay))
		if danglingStart(s.text) {
			s.score *= tu.dangling
		}
	}
}

// pick takes sentences best first while they fit in maxWords and do not
// repeat a picked one; sents[first], when first >= 0, is taken before all.
func pick(sents []sent, maxWords int, tu tuning, first int) []sent {
	idx := make([]int, len(sents))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		if a == first {
			return -1
		}
		if b == first {
			return 1
		}
		return cmp.Compare(sents[b].score, sents[a].score)
	})
	var picked []sent
	said := map[uint64]bool{}
	saidTerms := map[int32]bool{}
	words := 0
	for _, i := range idx {
		s := sents[i]
		if words+s.words > maxWords || s.score == 0 {
			continue
		}
		if repeats(s, picked, tu.redundant) || repeatsFacts(s, said, saidTerms, tu) {
			continue
		}
		picked = append(picked, s)
		for _, f := range s.facts {
			said[f] = true
		}
		for _, k := range s.terms {
			saidTerms[k] = true
		}
		words += s.words
		if maxWords-words < minWords {
			break
		}
	}
	return picked
}

// repeatsFacts reports whether a sentence states again a fact the summary
// has stated: a number ("410 million crowns", "in 2031", "magnitude 6.1")
// already given, or nothing but names and numbers already given.
func repeatsFacts(s sent, said map[uint64]bool, saidTerms map[int32]bool, tu tuning) bool {
	if len(s.facts) == 0 || len(said) == 0 {
		return false
	}
	known := 0
	for _, k := range s.terms {
		if saidTerms[k] {
			known++
		}
	}
	overlap := float64(known) / float64(max(1, len(s.terms)))
	old := 0
	for _, f := range s.facts {
		if !said[f] {
			continue
		}
		switch {
		case f&3 == 1 && tu.numberRepeat && overlap >= tu.factOverlap:
			return true // "410 million crowns" again
		case f&3 == 3 && tu.numberRepeat && overlap >= tu.yearOverlap:
			return true // "in 2031" again, in a sentence that adds little
		}
		old++
	}
	return tu.namesRepeat && old == len(s.facts) && old >= 2
}

// factsOf returns the facts a sentence states, as hashes whose low two
// bits say the kind: its numbers of two or more digits or with a decimal
// part ("23", "410", "6.1"; thousands separators dropped) end in 01, years
// ("2031") in 11, and its capitalised words after the first in 00.
func factsOf(text string) []uint64 {
	var out []uint64
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c >= '0' && c <= '9':
			j := i
			var b []byte
			for j < len(text) && (text[j] >= '0' && text[j] <= '9' || (text[j] == ',' || text[j] == '.') && j+1 < len(text) && text[j+1] >= '0' && text[j+1] <= '9' && j > i) {
				if text[j] != ',' {
					b = append(b, text[j])
				}
				j++
			}
			if len(b) >= 2 {
				h := hashWord(string(b))&^3 | 1
				if len(b) == 4 && (b[0] == '1' && b[1] == '9' || b[0] == '2' && b[1] == '0') {
					h |= 3 // a year
				}
				out = append(out, h)
			}
			i = j
		case c >= 'A' && c <= 'Z' && i > 0:
			j := i
			for j < len(text) && (text[j] >= 'a' && text[j] <= 'z' || text[j] >= 'A' && text[j] <= 'Z') {
				j++
			}
			if j-i >= 2 && (text[i-1] == ' ' || text[i-1] == '(') {
				h := hashWord(strings.ToLower(text[i:j]))
				if _, stop := stopHashes[h]; !stop {
					out = append(out, h&^3)
				}
			}
			i = j
		default:
			i++
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// repeats reports whether most of s's content words are in one picked
// sentence.
func repeats(s sent, picked []sent, redundant float64) bool {
	for _, p := range picked {
		shared := intersect(s.terms, p.terms)
		small := min(len(s.terms), len(p.terms))
		if small == 0 || float64(shared) >= redundant*float64(small) {
			return true
		}
	}
	return false
}

// intersect counts the values in both sorted slices.
func intersect(a, b []int32) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}

// order sorts picked sentences by their position in their articles, then
// by article, and moves a sentence that does not open with a pronoun or a
// connective to the front.
func order(picked []sent) {
	slices.SortStableFunc(picked, func(a, b sent) int {
		if c := cmp.Compare(a.pos, b.pos); c != 0 {
			return c
		}
		return cmp.Compare(a.art, b.art)
	})
	if !danglingStart(picked[0].text) {
		return
	}
	for i := 1; i < len(picked); i++ {
		if !danglingStart(picked[i].text) {
			s := picked[i]
			copy(picked[1:i+1], picked[:i])
			picked[0] = s
			return
		}
	}
}

// danglingStart reports whether s opens with a word that refers back to
// something before it ("He", "They", "But", "However").
func danglingStart(s string) bool {
	end := 0
	for end < len(s) && end < 12 && (s[end] >= 'a' && s[end] <= 'z' || s[end] >= 'A' && s[end] <= 'Z') {
		end++
	}
	if end == 0 || end == len(s) || end >= 12 {
		return false
	}
	_, ok := dangling[strings.ToLower(s[:end])]
	return ok
}

var dangling = map[string]struct{}{
	"he": {}, "she": {}, "they": {}, "it": {}, "his": {}, "her": {}, "their": {},
	"its": {}, "this": {}, "these": {}, "those": {}, "that": {}, "but": {},
	"and": {}, "however": {}, "also": {}, "so": {}, "yet": {}, "still": {},
	"meanwhile": {}, "then": {}, "there": {}, "him": {}, "them": {},
	"instead": {}, "moreover": {}, "furthermore": {}, "thus": {},
	"or": {}, "nor": {}, "both": {}, "such": {},
}

// terms appends to dst the distinct content words of s, as sorted 64-bit
// FNV-1a hashes of their lower-case form: letters and digits, stop words
// and one-letter words dropped, a final plural "s" removed; each Chinese
// or Japanese character is a term of its own.
func terms(s string, dst []uint64) []uint64 {
	const offset = 14695038869568106037
	start := len(dst)
	h, before, n := uint64(offset), uint64(offset), 0
	var last, prev rune
	flush := func() {
		if n >= 2 {
			if n > 3 && last == 's' && prev != 's' {
				h = before // a plural: the hash without the "s"
			}
			if _, stop := stopHashes[h]; !stop {
				dst = append(dst, h)
			}
		}
		h, n = offset, 0
	}
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= 0x80 {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		switch {
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r >= 0x80 && isCJK(r):
			flush()
			h = hashRune(offset, r)
			dst = append(dst, h)
			h = offset
			continue
		case r >= 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			r = unicode.ToLower(r)
		default:
			flush()
			continue
		}
		prev, last = last, r
		before, h = h, hashRune(h, r)
		n++
	}
	flush()
	t := dst[start:]
	slices.Sort(t)
	return append(dst[:start], slices.Compact(t)...)
}

func hashRune(h uint64, r rune) uint64 {
	const prime = 1099511628211
	if r < 0x80 {
		return (h ^ uint64(r)) * prime
	}
	var b [4]byte
	n := utf8.EncodeRune(b[:], r)
	for _, c := range b[:n] {
		h = (h ^ uint64(c)) * prime
	}
	return h
}

// hashWord returns the term hash of a lower-case word.
func hashWord(w string) uint64 {
	h := uint64(14695038869568106037)
	for _, r := range w {
		h = hashRune(h, r)
	}
	return h
}

var stopHashes = func() map[uint64]struct{} {
	m := make(map[uint64]struct{})
	for _, w := range strings.Fields(stopWords) {
		m[hashWord(w)] = struct{}{}
	}
	return m
}()

// stopWords are English function words and reporting verbs that say
// nothing of a story's subject.
const stopWords = `a about above after again against all also am an and any are as at be
because been before being below between both but by can could did do does doing
down during each few for from further had has have having he her here hers herself
him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours yourself yourselves said
says say told according would could may might must shall one two new also like
get got us mr mrs ms dr last year years week day time people many much even
still back well way since just around made make many including another s t don
didn re ve ll`
