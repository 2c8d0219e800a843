package eval

import (
	"strings"
)

// PRF is a precision, recall and F1 triple, each in [0, 1].
type PRF struct {
	P, R, F float64
}

func prf(overlap, predTotal, refTotal int) PRF {
	var s PRF
	if predTotal > 0 {
		s.P = float64(overlap) / float64(predTotal)
	}
	if refTotal > 0 {
		s.R = float64(overlap) / float64(refTotal)
	}
	if s.P+s.R > 0 {
		s.F = 2 * s.P * s.R / (s.P + s.R)
	}
	return s
}

// RougeScores holds ROUGE-1, ROUGE-2 and ROUGE-L of one summary.
type RougeScores struct {
	R1, R2, RL PRF
}

// RougeOptions choose how texts are tokenized before scoring.
type RougeOptions struct {
	// Stem applies the Porter stemmer to tokens of more than three
	// characters, as Google's rouge-score package does.
	Stem bool
}

// RougeTokens returns the tokens ROUGE compares: the text lower-cased and
// cut into runs of ASCII letters and digits (every other byte separates
// tokens), as the reference scorers do; with stem, tokens longer than three
// characters are replaced by their Porter stem.
func RougeTokens(text string, stem bool) []string {
	var toks []string
	var buf []byte
	flush := func() {
		if len(buf) == 0 {
			return
		}
		t := string(buf)
		if stem && len(t) > 3 {
			t = porterStem(t)
		}
		toks = append(toks, t)
		buf = buf[:0]
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			buf = append(buf, c)
		case c >= 'A' && c <= 'Z':
			buf = append(buf, c+'a'-'A')
		default:
			flush()
		}
	}
	flush()
	return toks
}

// Rouge scores the summary pred against the reference ref: ROUGE-1 and
// ROUGE-2 (clipped n-gram overlap) and ROUGE-L (longest common subsequence
// of the whole token sequences, not split into sentences). ROUGE-L costs
// time proportional to the product of the two lengths.
func Rouge(ref, pred string, opt RougeOptions) RougeScores {
	r := RougeTokens(ref, opt.Stem)
	p := RougeTokens(pred, opt.Stem)
	return RougeScores{
		R1: RougeN(r, p, 1),
		R2: RougeN(r, p, 2),
		RL: RougeL(r, p),
	}
}

// RougeN returns ROUGE-N of the tokens pred against ref: the n-grams they
// share, each counted at most as often as it occurs in either, over the
// n-grams of pred (precision) and of ref (recall). n < 1 is taken as 1.
func RougeN(ref, pred []string, n int) PRF {
	if n < 1 {
		n = 1
	}
	refGrams := ngrams(ref, n)
	total := 0
	for _, c := range refGrams {
		total += c
	}
	overlap, predTotal := 0, 0
	for i := 0; i+n <= len(pred); i++ {
		g := strings.Join(pred[i:i+n], " ")
		predTotal++
		if refGrams[g] > 0 {
			refGrams[g]--
			overlap++
		}
	}
	return prf(overlap, predTotal, total)
}

func ngrams(toks []string, n int) map[string]int {
	m := make(map[string]int, len(toks))
	for i := 0; i+n <= len(toks); i++ {
		m[strings.Join(toks[i:i+n], " ")]++
	}
	return m
}

// RougeL returns ROUGE-L of the tokens pred against ref: the length of
// their longest common subsequence over the length of pred (precision) and
// of ref (recall).
func RougeL(ref, pred []string) PRF {
	return prf(lcs(ref, pred), len(pred), len(ref))
}

// lcs returns the length of the longest common subsequence of a and b in
// O(len(a)·len(b)) time and O(len(b)) memory.
func lcs(a, b []string) int {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	// Compare small integers rather than strings.
	ids := make(map[string]int32, len(a))
	ai := make([]int32, len(a))
	for i, t := range a {
		id, ok := ids[t]
		if !ok {
			id = int32(len(ids))
			ids[t] = id
		}
		ai[i] = id
	}
	bi := make([]int32, len(b))
	for i, t := range b {
		id, ok := ids[t]
		if !ok {
			id = -1 // in b only: never matches
		}
		bi[i] = id
	}
	prev := make([]int32, len(b)+1)
	cur := make([]int32, len(b)+1)
	for _, x := range ai {
		for j, y := range bi {
			switch {
			case x == y:
				cur[j+1] = prev[j] + 1
			case prev[j+1] >= cur[j]:
				cur[j+1] = prev[j+1]
			default:
				cur[j+1] = cur[j]
			}
		}
		prev, cur = cur, prev
	}
	return int(prev[len(b)])
}

// RougeMean accumulates the scores of many summaries and their lengths.
// The zero value is ready to use.
type RougeMean struct {
	N     int         // summaries added
	Sum   RougeScores // sums of each figure
	Words int         // sum of the summaries' lengths in words
}

// Add counts one summary's scores and its length in words (see Words).
func (m *RougeMean) Add(s RougeScores, words int) {
	m.N++
	m.Words += words
	for _, p := range [][2]*PRF{{&m.Sum.R1, &s.R1}, {&m.Sum.R2, &s.R2}, {&m.Sum.RL, &s.RL}} {
		p[0].P += p[1].P
		p[0].R += p[1].R
		p[0].F += p[1].F
	}
}

// Mean returns the mean of each figure (macro average over summaries) and
// the mean length in words; zeros when nothing was added.
func (m *RougeMean) Mean() (RougeScores, float64) {
	if m.N == 0 {
		return RougeScores{}, 0
	}
	n := float64(m.N)
	d := func(p PRF) PRF { return PRF{p.P / n, p.R / n, p.F / n} }
	return RougeScores{d(m.Sum.R1), d(m.Sum.R2), d(m.Sum.RL)}, float64(m.Words) / n
}

// Words returns the number of words in text: runs of characters between
// white space, the unit summary lengths are given in.
func Words(text string) int {
	return len(strings.Fields(text))
}
