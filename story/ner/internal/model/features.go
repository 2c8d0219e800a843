// Package model is the named-entity tagger's learned part: feature
// extraction, the linear-chain model with Viterbi decoding, its compact
// binary form and the averaged structured perceptron that trains it.
//
// Feature extraction is shared by training and tagging, so a feature means
// the same thing in both.
package model

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/occasional-digest/digest/story/gazetteer"
	"github.com/occasional-digest/digest/story/ner/internal/clusters"
	"github.com/occasional-digest/digest/story/ner/internal/names"
)

// Case classes of a word, as the casing lexicon and document statistics
// record them.
const (
	caseUnknown byte = iota
	caseLower
	caseTitle
	caseUpper
	caseMixed
)

var caseNames = [...]string{"unk", "low", "title", "upper", "mixed"}

// Extractor turns documents into hashed features. It is immutable and safe
// for concurrent use.
type Extractor struct {
	lexicon map[string]byte // lower-cased word → its usual case in running text
	gaz     map[string][]phrase
}

type phrase struct {
	toks []string // lower-cased tokens after the first
	kind string
}

// NewExtractor returns an extractor with the casing lexicon and the
// gazetteer's names (nil for none).
func NewExtractor(lexicon map[string]byte, g *gazetteer.Gazetteer) *Extractor {
	x := &Extractor{lexicon: lexicon, gaz: map[string][]phrase{}}
	if g == nil {
		return x
	}
	seen := map[string]bool{}
	add := func(text, kind string) {
		toks := strings.Fields(strings.NewReplacer("-", " - ", ",", " , ").Replace(text))
		if len(toks) == 0 || len(toks) > 6 {
			return
		}
		for i := range toks {
			toks[i] = strings.ToLower(toks[i])
		}
		k := strings.Join(toks, " ") + "\x00" + kind
		if seen[k] {
			return
		}
		seen[k] = true
		x.gaz[toks[0]] = append(x.gaz[toks[0]], phrase{toks[1:], kind})
	}
	for _, n := range g.Names() {
		switch n.Kind {
		case gazetteer.CountryName:
			add(n.Text, "country")
		case gazetteer.DemonymName:
			add(n.Text, "demonym")
			add(n.Text+"s", "demonym")
		case gazetteer.CapitalName, gazetteer.CityName:
			add(n.Text, "city")
		}
	}
	return x
}

// Doc is a document: its sentences of tokens.
type Doc [][]string

// DocStats are the per-document statistics features use: how each word is
// written in the running text of the document (not in headlines, not first
// in a sentence).
type DocStats struct {
	cases map[string][5]uint16
	caps  []bool // per sentence: written in capitals (a headline)
}

func (x *Extractor) Stats(d Doc) *DocStats {
	st := &DocStats{cases: map[string][5]uint16{}, caps: make([]bool, len(d))}
	for s, sent := range d {
		st.caps[s] = capsSentence(sent)
		if st.caps[s] {
			continue
		}
		for i, w := range sent {
			if i == 0 || !hasLetter(w) {
				continue
			}
			lw := strings.ToLower(w)
			c := st.cases[lw]
			if c[0] < 65535 {
				c[0]++
				c[caseOf(w)]++
			}
			st.cases[lw] = c
		}
	}
	return st
}

func hasLetter(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// caseOf classifies how w is written.
func caseOf(w string) byte {
	up, low := 0, 0
	first := true
	firstUp := false
	for _, r := range w {
		if unicode.IsUpper(r) {
			up++
			if first {
				firstUp = true
			}
		} else if unicode.IsLower(r) {
			low++
		}
		if unicode.IsLetter(r) {
			first = false
		}
	}
	switch {
	case up == 0 && low == 0:
		return caseUnknown
	case up == 0:
		return caseLower
	case low == 0:
		return caseUpper
	case firstUp && up == 1:
		return caseTitle
	}
	return caseMixed
}

// capsSentence reports whether a sentence is a headline whose case says
// little: most of its words in capitals ("JAPAN WIN ASIAN CUP"), or in
// title case with nearly every word capitalised ("Japan Win Asian Cup
// Opener").
func capsSentence(sent []string) bool {
	words, upper, title := 0, 0, 0
	for _, w := range sent {
		switch caseOf(w) {
		case caseUpper:
			words++
			upper++
		case caseTitle, caseMixed:
			words++
			title++
		case caseLower:
			words++
		}
	}
	return words > 0 && upper*10 > words*6 || words >= 4 && (upper+title)*10 >= words*9
}

// dominant returns the most frequent case class in counts, or caseUnknown.
func dominant(c [5]uint16) byte {
	best, bc := caseUnknown, uint16(0)
	for k := caseLower; k <= caseMixed; k++ {
		if c[k] > bc {
			best, bc = k, c[k]
		}
	}
	return best
}

// BuildLexicon counts how each word is written in the running text of docs
// and returns the words usually not written in lower case, with their class.
func BuildLexicon(docs []Doc) map[string]byte {
	counts := map[string][5]uint16{}
	for _, d := range docs {
		for _, sent := range d {
			if capsSentence(sent) {
				continue
			}
			for i, w := range sent {
				if i == 0 || !hasLetter(w) {
					continue
				}
				lw := strings.ToLower(w)
				c := counts[lw]
				if c[0] < 65535 {
					c[0]++
					c[caseOf(w)]++
				}
				counts[lw] = c
			}
		}
	}
	lex := map[string]byte{}
	for w, c := range counts {
		if k := dominant(c); k != caseLower && k != caseUnknown {
			lex[w] = k
		}
	}
	return lex
}

// recase writes lw in case class k.
func recase(lw string, k byte) string {
	switch k {
	case caseUpper:
		return strings.ToUpper(lw)
	case caseTitle:
		r, n := utf8.DecodeRuneInString(lw)
		if r == utf8.RuneError {
			return lw
		}
		return string(unicode.ToUpper(r)) + lw[n:]
	}
	return lw
}

var typographic = strings.NewReplacer("’", "'", "‘", "'", "“", "\"", "”", "\"", "—", "--", "–", "-")

// normalize maps typographic quotes and dashes to their ASCII forms.
func normalize(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return typographic.Replace(w)
		}
	}
	return w
}

// shape maps letters to X or x, digits to d and collapses runs: "Brussels"
// → "Xx", "U.S." → "X.X.", "1996-08-22" → "d-d-d".
func shape(w string) string {
	var b [32]byte
	n := 0
	var last byte
	for _, r := range w {
		var c byte
		switch {
		case unicode.IsUpper(r):
			c = 'X'
		case unicode.IsLetter(r):
			c = 'x'
		case unicode.IsDigit(r):
			c = 'd'
		case r < utf8.RuneSelf:
			c = byte(r)
		default:
			c = '*'
		}
		if c == last {
			continue
		}
		last = c
		if n == len(b) {
			break
		}
		b[n] = c
		n++
	}
	return string(b[:n])
}

// lowerNorm lower-cases w and writes every digit as 0.
func lowerNorm(w string) string {
	lw := strings.ToLower(w)
	if strings.IndexAny(lw, "123456789") < 0 {
		return lw
	}
	b := []byte(lw)
	for i, c := range b {
		if c >= '1' && c <= '9' {
			b[i] = '0'
		}
	}
	return string(b)
}

// Feature hashing: FNV-1a over a template byte and the parts, folded to 32
// bits.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashStr(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fold(h uint64) uint32 { return uint32(h ^ h>>32) }

func f1(t byte, a string) uint32 {
	h := (fnvOffset ^ uint64(t)) * fnvPrime
	return fold(hashStr(h, a))
}

func f2(t byte, a, b string) uint32 {
	h := (fnvOffset ^ uint64(t)) * fnvPrime
	h = hashStr(h, a)
	h = (h ^ 0xff) * fnvPrime
	return fold(hashStr(h, b))
}

// Feature templates. Their numbers are part of the model format: never
// renumber, only append.
const (
	tBias byte = iota + 1
	tWord
	tLower
	tShape
	tLowerM1
	tLowerP1
	tLowerM2
	tLowerP2
	tShapeM1
	tShapeP1
	tShapeM1_0
	tShape0_P1
	tLowerM1_0
	tLower0_P1
	tPrefix
	tSuffix
	tFirst
	tCapsShape
	tGaz
	tGazM1
	tGazP1
	tDocCase
	tLexCase
	tDocCaseFirst
	tWordM1
	tWordP1
	tShapeM2
	tShapeP2
	tLen
	tLowerM1Shape0
	tLowerP1Shape0
	tNumSent
	tNumSentLower
	tCapRun
	tGiven    // a capitalised word on the given-name list ("Barack")
	tClusterC // the word's coarse cluster (GloVe vectors, k-means)
	tClusterF // its fine cluster
)

// clusterNames are the cluster numbers as feature values.
var clusterNames = func() []string {
	out := make([]string, 1025)
	for i := range out {
		out[i] = strconv.Itoa(i)
	}
	return out
}()

type tokInfo struct {
	form   string // the word as written, re-cased in capitalised headlines
	low    string // lower-cased
	lower  string // lower-cased, digits as 0
	shape  string // of form
	gaz    []string
	given  bool // capitalised and a given name ("Barack")
	cc, cf int  // coarse and fine word clusters (0: none)
}

// Sentence computes the features of sentence s of d, one list per token.
// st may be nil; it is computed from d then. buf is reused when it has room.
func (x *Extractor) Sentence(d Doc, s int, st *DocStats, buf [][]uint32) [][]uint32 {
	if st == nil {
		st = x.Stats(d)
	}
	sent := d[s]
	n := len(sent)
	caps := st.caps[s]
	info := make([]tokInfo, n)
	for i, w := range sent {
		w = normalize(w)
		lw := strings.ToLower(w)
		form := w
		lnorm := lw
		if strings.IndexAny(lw, "123456789") >= 0 {
			lnorm = lowerNorm(lw)
		}
		if k := caseOf(w); caps && (k == caseUpper || k == caseTitle) {
			k := dominant(st.cases[lw])
			if k == caseUnknown {
				k = x.lexicon[lw]
			}
			if k != caseUnknown {
				form = recase(lw, k)
			}
		}
		info[i] = tokInfo{form: form, low: lw, lower: lnorm, shape: shape(form)}
		if k := caseOf(form); (k == caseTitle || k == caseUpper) && names.Given(lw) {
			info[i].given = true
		}
		info[i].cc, info[i].cf = clusters.Of(lw)
	}
	x.gazetteer(info, caps)

	if cap(buf) < n {
		buf = make([][]uint32, n)
	}
	buf = buf[:n]
	const edge = "<s>"
	at := func(i int) (string, string, string) {
		if i < 0 || i >= n {
			return edge, edge, edge
		}
		return info[i].form, info[i].lower, info[i].shape
	}
	// Tables of results: many numbers in the sentence.
	nums := 0
	for _, t := range info {
		if t.shape != "" && (t.shape[0] == 'd' || t.shape[0] == '-' && len(t.shape) > 1 && t.shape[1] == 'd') {
			nums++
		}
	}
	numSent := n >= 3 && nums*10 >= n*4
	// Runs of capitalised words: each token's run length and position.
	runPos := make([]string, n)
	for i := 0; i < n; {
		if k := caseOf(info[i].form); k != caseTitle && k != caseUpper && k != caseMixed {
			i++
			continue
		}
		j := i + 1
		for j < n {
			if k := caseOf(info[j].form); k != caseTitle && k != caseUpper && k != caseMixed {
				break
			}
			j++
		}
		l := min(j-i, 4)
		for k := i; k < j; k++ {
			pos := "I"
			switch {
			case j-i == 1:
				pos = "S"
			case k == i:
				pos = "B"
			case k == j-1:
				pos = "E"
			}
			runPos[k] = pos + string(rune('0'+l))
		}
		i = j
	}
	for i := range n {
		fs := buf[i][:0]
		t := &info[i]
		wm1, lm1, sm1 := at(i - 1)
		wp1, lp1, sp1 := at(i + 1)
		_, lm2, sm2 := at(i - 2)
		_, lp2, sp2 := at(i + 2)
		fs = append(fs,
			f1(tBias, ""),
			f1(tWord, t.form),
			f1(tLower, t.lower),
			f1(tShape, t.shape),
			f1(tLowerM1, lm1),
			f1(tLowerP1, lp1),
			f1(tLowerM2, lm2),
			f1(tLowerP2, lp2),
			f1(tShapeM1, sm1),
			f1(tShapeP1, sp1),
			f1(tShapeM2, sm2),
			f1(tShapeP2, sp2),
			f2(tShapeM1_0, sm1, t.shape),
			f2(tShape0_P1, t.shape, sp1),
			f2(tLowerM1_0, lm1, t.lower),
			f2(tLower0_P1, t.lower, lp1),
			f1(tWordM1, wm1),
			f1(tWordP1, wp1),
			f2(tLowerM1Shape0, lm1, t.shape),
			f2(tLowerP1Shape0, lp1, t.shape),
		)
		// Affixes of up to four characters.
		lw := t.lower
		for k, r := 0, 0; k < len(lw) && r < 4; r++ {
			_, sz := utf8.DecodeRuneInString(lw[k:])
			k += sz
			if k < len(lw) {
				fs = append(fs, f1(tPrefix, lw[:k]))
			}
		}
		for k, r := len(lw), 0; k > 0 && r < 4; r++ {
			_, sz := utf8.DecodeLastRuneInString(lw[:k])
			k -= sz
			if k > 0 {
				fs = append(fs, f1(tSuffix, lw[k:]))
			}
		}
		l := utf8.RuneCountInString(t.form)
		if l > 8 {
			l = 8
		}
		fs = append(fs, f1(tLen, string(rune('0'+l))))
		if i == 0 {
			fs = append(fs, f1(tFirst, t.shape))
		}
		if numSent {
			fs = append(fs, f1(tNumSent, t.shape), f1(tNumSentLower, t.lower))
		}
		if runPos[i] != "" && !caps {
			fs = append(fs, f1(tCapRun, runPos[i]))
		}
		if caps {
			fs = append(fs, f1(tCapsShape, t.shape))
		}
		for _, g := range t.gaz {
			fs = append(fs, f1(tGaz, g))
		}
		if t.given {
			fs = append(fs, f1(tGiven, ""))
		}
		if t.cc != 0 && t.cf < len(clusterNames) && t.cc < len(clusterNames) {
			fs = append(fs, f1(tClusterC, clusterNames[t.cc]), f1(tClusterF, clusterNames[t.cf]))
		}
		if i > 0 {
			for _, g := range info[i-1].gaz {
				fs = append(fs, f1(tGazM1, g))
			}
		}
		if i+1 < n {
			for _, g := range info[i+1].gaz {
				fs = append(fs, f1(tGazP1, g))
			}
		}
		if hasLetter(t.form) {
			dc := dominant(st.cases[t.low])
			fs = append(fs, f1(tDocCase, caseNames[dc]), f1(tLexCase, caseNames[x.lexicon[t.low]]))
			if i == 0 || caps {
				fs = append(fs, f2(tDocCaseFirst, caseNames[dc], t.shape))
			}
		}
		buf[i] = fs
	}
	return buf
}

// gazetteer marks tokens covered by gazetteer names, longest match first,
// with B-kind or I-kind. Only capitalised words start a match.
func (x *Extractor) gazetteer(info []tokInfo, caps bool) {
	if len(x.gaz) == 0 {
		return
	}
	for i := 0; i < len(info); {
		k := caseOf(info[i].form)
		if k != caseTitle && k != caseUpper && k != caseMixed {
			i++
			continue
		}
		lw := info[i].low
		best := 0
		var kinds []string
		for _, p := range x.gaz[lw] {
			if i+1+len(p.toks) > len(info) || 1+len(p.toks) < best {
				continue
			}
			ok := true
			for j, pt := range p.toks {
				if info[i+1+j].low != pt {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			if l := 1 + len(p.toks); l > best {
				best, kinds = l, kinds[:0]
			}
			kinds = append(kinds, p.kind)
		}
		if best == 0 {
			i++
			continue
		}
		for j := range best {
			for _, kd := range kinds {
				if j == 0 {
					info[i+j].gaz = append(info[i+j].gaz, "B-"+kd)
				} else {
					info[i+j].gaz = append(info[i+j].gaz, "I-"+kd)
				}
			}
		}
		i += best
	}
}

// Features computes the features of every sentence of d.
func (x *Extractor) Features(d Doc) [][][]uint32 {
	st := x.Stats(d)
	out := make([][][]uint32, len(d))
	for s := range d {
		out[s] = x.Sentence(d, s, st, nil)
	}
	return out
}

// Second-stage templates: what the first stage predicted for the same word
// elsewhere in the document.
const (
	tHist byte = 100 + iota
	tHistMajor
	tHistNone
	tHistM1
	tHistP1
)

// History returns, for each token of d, features describing the labels a
// first-stage model predicted (pred[sentence][token], indices into labels)
// for the other occurrences of the same word in the document: which entity
// types, alone or within longer names, and the most frequent one. Only
// words with an upper-case letter get them.
func (x *Extractor) History(d Doc, pred [][]int, labels []string) [][][]uint32 {
	type key struct {
		w    string
		kind string // "PER/1" single-token entity, "PER/n" within a longer one, "O"
	}
	counts := map[key]int{}
	kinds := make([][]string, len(d))
	words := make([][]string, len(d))
	for s, sent := range d {
		kinds[s] = make([]string, len(sent))
		words[s] = make([]string, len(sent))
		ls := make([]string, len(pred[s]))
		for i, y := range pred[s] {
			ls[i] = labels[y]
		}
		for i, w := range sent {
			if !hasUpper(w) {
				continue
			}
			words[s][i] = strings.ToLower(normalize(w))
			k := "O"
			if l := ls[i]; l != "O" {
				typ := l[2:]
				single := (l[0] == 'B' || i == 0) && (i+1 >= len(ls) || ls[i+1] != "I-"+typ)
				if single {
					k = typ + "/1"
				} else {
					k = typ + "/n"
				}
			}
			kinds[s][i] = k
			counts[key{words[s][i], k}]++
		}
	}
	all := []string{"O", "PER/1", "PER/n", "LOC/1", "LOC/n", "ORG/1", "ORG/n", "MISC/1", "MISC/n"}
	out := make([][][]uint32, len(d))
	major := make([][]string, len(d))
	for s, sent := range d {
		out[s] = make([][]uint32, len(sent))
		major[s] = make([]string, len(sent))
		for i := range sent {
			w := words[s][i]
			if w == "" {
				continue
			}
			var fs []uint32
			best, bc := "", 0
			for _, k := range all {
				c := counts[key{w, k}]
				if k == kinds[s][i] {
					c-- // not this occurrence
				}
				if c <= 0 {
					continue
				}
				fs = append(fs, f1(tHist, k))
				if t := strings.TrimSuffix(strings.TrimSuffix(k, "/1"), "/n"); c > bc {
					best, bc = t, c
				}
			}
			if best == "" {
				fs = append(fs, f1(tHistNone, ""))
			} else {
				fs = append(fs, f1(tHistMajor, best))
			}
			out[s][i] = fs
			major[s][i] = best
		}
	}
	// The neighbours' most frequent types, for names whose other words
	// are known elsewhere ("Vladimir" before "Putin").
	for s, sent := range d {
		for i := range sent {
			if i > 0 && major[s][i-1] != "" {
				out[s][i] = append(out[s][i], f1(tHistM1, major[s][i-1]))
			}
			if i+1 < len(sent) && major[s][i+1] != "" {
				out[s][i] = append(out[s][i], f1(tHistP1, major[s][i+1]))
			}
		}
	}
	return out
}

func hasUpper(w string) bool {
	for _, r := range w {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}
