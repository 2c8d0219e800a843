package story

import (
	"math"
)

// The engine decides whether an article belongs to a story (and whether
// two stories are one) with a logistic model of P(same event) over a few
// similarity channels, after Miranda et al. (EMNLP 2018, "Multilingual
// clustering of streaming news"). The weights were fitted on the
// development files (Multi-News and ECB+, weighted equally) by
// TestTrainModel; they are data of this package, not options.

// Pair features of an article (or a story) against a story. Between two
// stories (merges, splits) the year, month, number and weekday features
// compare the stories' mentions as histograms (see histRelation), so one
// stray mention does not hide a conflict.
const (
	fBody      = iota // mean TF-IDF cosine with the story's articles
	fCentroid         // cosine with the story's centroid (size-free topicality)
	fNames            // mean cosine of the capitalised-name channel
	fLead             // mean cosine of the title and lead channel
	fYearConf         // both mention years and share none
	fYearSame         // both mention years and share one
	fMonthConf        // both name months near their openings and share none
	fMonthSame        // both name months near their openings and share one
	fSize             // ln of the story's articles
	fNumConf          // both give specifics (numbers, places) near their openings and share none
	fNumSame          // both give specifics (numbers, places) near their openings and share one
	fDayConf          // both name weekdays near their openings and share none
	fDaySame          // both name weekdays near their openings and share one
	nFeatures
)

var featureNames = [nFeatures]string{"body", "centroid", "names", "lead", "yearConflict", "yearShared", "monthConflict", "monthShared", "lnSize", "numConflict", "numShared", "dayConflict", "dayShared"}

// model is a logistic regression over the pair features.
type model struct {
	w [nFeatures]float64
	b float64
}

// learned are the shipped weights (see TestTrainModel).
var learned = model{
	w: [nFeatures]float64{3.5128, 4.6573, 4.3080, 3.2073, -0.8357, 0.9841, -0.9053, 0.9380, -0.3737, -0.3952, 0.0809, -0.9799, 0.2937},
	b: -4.6103,
}

// prob returns P(same event) for the features x.
func (m *model) prob(x *[nFeatures]float64) float64 {
	z := m.b
	for i, v := range x {
		z += m.w[i] * v
	}
	return 1 / (1 + math.Exp(-z))
}

// query is an article prepared for comparison: unit vectors per channel.
type query struct {
	vec, contrib []term
	names, lead  []term
	years        []int
	months       []int
	numbers      []int
	days         []int
}

// features computes the pair features of q against s.
func (e *Engine) features(q *query, s *story) [nFeatures]float64 {
	var x [nFeatures]float64
	n := float64(max(s.vectors, 1))
	dot := cos(q.vec, s.centroid)
	x[fBody] = dot / n
	if nc := s.cnorm; nc > 0 {
		x[fCentroid] = dot / nc
	}
	x[fNames] = cos(q.names, s.names) / n
	x[fLead] = cos(q.lead, s.lead) / n
	x[fYearConf], x[fYearSame] = yearRelation(q.years, s.years)
	x[fMonthConf], x[fMonthSame] = yearRelation(q.months, s.months)
	x[fNumConf], x[fNumSame] = yearRelation(q.numbers, s.numbers)
	x[fDayConf], x[fDaySame] = yearRelation(q.days, s.days)
	x[fSize] = math.Log(n)
	return x
}

// wordScore is the model's logit from the word channel alone (mean and
// centroid cosines), for ranking candidates cheaply.
func (m *model) wordScore(q *query, s *story) float64 {
	n := float64(max(s.vectors, 1))
	dot := cos(q.vec, s.centroid)
	z := m.w[fBody] * dot / n
	if s.cnorm > 0 {
		z += m.w[fCentroid] * dot / s.cnorm
	}
	return z
}

// storyFeatures computes the pair features of two stories (average link).
func storyFeatures(a, b *story) [nFeatures]float64 {
	var x [nFeatures]float64
	n := float64(max(a.vectors, 1) * max(b.vectors, 1))
	dot := cos(a.centroid, b.centroid)
	x[fBody] = dot / n
	if na, nb := a.cnorm, b.cnorm; na > 0 && nb > 0 {
		x[fCentroid] = dot / (na * nb)
	}
	x[fNames] = cos(a.names, b.names) / n
	x[fLead] = cos(a.lead, b.lead) / n
	x[fYearConf], x[fYearSame] = histRelation(a.years, b.years)
	x[fMonthConf], x[fMonthSame] = histRelation(a.months, b.months)
	x[fNumConf], x[fNumSame] = histRelation(a.numbers, b.numbers)
	x[fDayConf], x[fDaySame] = histRelation(a.days, b.days)
	x[fSize] = math.Log(float64(max(a.vectors+b.vectors, 1)))
	return x
}

func yearRelation(years []int, s map[int]int) (conflict, same float64) {
	if len(years) == 0 || len(s) == 0 {
		return 0, 0
	}
	for _, y := range years {
		if s[y] > 0 {
			return 0, 1
		}
	}
	return 1, 0
}

func norm(v []term) float64 {
	var s float64
	for _, t := range v {
		s += float64(t.w) * float64(t.w)
	}
	return math.Sqrt(s)
}

// histRelation compares two stories' year (or month) mentions as
// histograms: same is their overlap (the sum of the smaller shares), and
// conflict its complement, when both mention any.
func histRelation(a, b map[int]int) (conflict, same float64) {
	var na, nb int
	for _, n := range a {
		na += n
	}
	for _, n := range b {
		nb += n
	}
	if na == 0 || nb == 0 {
		return 0, 0
	}
	for y, n := range a {
		same += math.Min(float64(n)/float64(na), float64(b[y])/float64(nb))
	}
	return 1 - same, same
}
