package story

import (
	"math"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Streaming assignment decides on each article with the story as it is at
// that moment, so two events of one kind (two earthquakes, two trials of
// one person) that arrive interleaved can end up in one story: their
// first articles look alike before either event has its own vocabulary.
// As a story grows the engine looks again: it partitions the story's
// articles in two by a normalised cut of their pairwise model
// probabilities, and splits the story when the model does not take the two
// halves for one event.

// splitDue reports whether a story of n articles is checked for a split:
// on each of its first 8 articles from the fourth, every second up to 16,
// every fourth up to 64, then every sixteenth. A check compares at most
// maxSplit articles (about 2 ms at that size), so a large story costs
// about a tenth of a millisecond an article.
func splitDue(n int) bool {
	switch {
	case n < minSplit:
		return false
	case n <= 8:
		return true
	case n <= 16:
		return n%2 == 0
	case n <= 64:
		return n%4 == 0
	}
	return n%16 == 0
}

const (
	// minSplit is the smallest story checked for a split, and minSide the
	// smallest half of a split.
	minSplit = 4
	minSide  = 2
	// maxSplit caps the articles a split check compares (pairwise, so its
	// cost grows with the square): larger stories are checked on their
	// latest maxSplit articles, the rest following the half they resemble.
	maxSplit = 96
)

// pairFeatures are the features of two articles, as if one were a story of
// one article.
func pairFeatures(a, b *query) [nFeatures]float64 {
	var x [nFeatures]float64
	dot := cos(a.vec, b.vec)
	x[fBody] = dot
	x[fCentroid] = dot
	x[fNames] = cos(a.names, b.names)
	x[fLead] = cos(a.lead, b.lead)
	x[fYearConf], x[fYearSame] = listRelation(a.years, b.years)
	x[fMonthConf], x[fMonthSame] = listRelation(a.months, b.months)
	x[fNumConf], x[fNumSame] = listRelation(a.numbers, b.numbers)
	x[fDayConf], x[fDaySame] = listRelation(a.days, b.days)
	return x
}

// listRelation is yearRelation over two sorted lists.
func listRelation(a, b []int) (conflict, same float64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, 0
	}
	for _, y := range a {
		if _, ok := slices.BinarySearch(b, y); ok {
			return 0, 1
		}
	}
	return 1, 0
}

// maybeSplit checks s for two events and splits it when it holds two. It
// returns the story now holding the article id and the new story, if any.
func (e *Engine) maybeSplit(s *story, id int64) (*story, *story) {
	var kept []*article
	for _, m := range s.members {
		if a, ok := e.articles[m]; ok && a.dupOf == 0 && a.q != nil {
			kept = append(kept, a)
		}
	}
	if len(kept) < minSplit {
		return s, nil
	}
	cmp := kept
	if len(cmp) > maxSplit {
		cmp = cmp[len(cmp)-maxSplit:]
	}
	side := e.bisect(cmp)
	if side == nil {
		return s, nil
	}
	var halves [2]*story
	if len(kept) > len(cmp) {
		// Decide on the compared articles first: placing the others
		// costs a comparison each.
		halves = e.buildHalves(cmp, side)
		x := storyFeatures(halves[0], halves[1])
		if e.model.probWith(&x, storyContext(halves[0], halves[1])) >= e.opts.Split {
			return s, nil
		}
	}
	// The articles left out of the comparison follow the half whose
	// centroid they are closer to.
	in := make(map[int64]bool, len(kept))
	if len(kept) > len(cmp) {
		for _, a := range kept[:len(kept)-len(cmp)] {
			q := a.q.query()
			xa := e.features(&q, halves[0])
			xb := e.features(&q, halves[1])
			in[a.id] = e.model.probWith(&xb, articleContext(a.outlet, a.published, halves[1])) > e.model.probWith(&xa, articleContext(a.outlet, a.published, halves[0]))
		}
	}
	for i, a := range cmp {
		in[a.id] = side[i]
	}
	// The half holding the story's first article keeps its ID.
	if in[kept[0].id] {
		for k := range in {
			in[k] = !in[k]
		}
	}
	var a0, a1 []*article
	for _, a := range kept {
		if in[a.id] {
			a1 = append(a1, a)
		} else {
			a0 = append(a0, a)
		}
	}
	if len(a0) < minSide || len(a1) < minSide {
		return s, nil
	}
	h0, h1 := e.storyOf(a0), e.storyOf(a1)
	x := storyFeatures(h0, h1)
	if e.model.probWith(&x, storyContext(h0, h1)) >= e.opts.Split {
		return s, nil
	}
	// Split: rebuild s from its half and start a story for the other.
	n := e.newStory()
	old := s.members
	e.reset(s)
	for _, m := range old {
		a, ok := e.articles[m]
		if !ok {
			continue
		}
		k := a
		if a.dupOf != 0 {
			if kk, ok := e.articles[a.dupOf]; ok {
				k = kk
			}
		}
		dst := s
		if in[k.id] {
			dst = n
		}
		a.story = dst.id
		if a.dupOf != 0 || a.q == nil {
			dst.addCopy(a)
		} else {
			q := a.q.query()
			dst.add(a, &q, entitiesOf(a.ents), e.opts.CentroidTerms)
		}
	}
	e.index(n)
	e.dropMiddleLeads(s, 0)
	e.dropMiddleLeads(n, 0)
	holder := s
	if a, ok := e.articles[id]; ok && a.story == n.id {
		holder = n
	}
	return holder, n
}

// reset empties s for a rebuild, keeping its ID and index entries.
func (e *Engine) reset(s *story) {
	*s = story{id: s.id, indexed: s.indexed, follows: s.follows, years: make(map[int]int), months: make(map[int]int), numbers: make(map[int]int), days: make(map[int]int)}
}

// storyOf builds an unregistered story of the given articles.
func (e *Engine) storyOf(arts []*article) *story {
	s := &story{years: make(map[int]int), months: make(map[int]int), numbers: make(map[int]int), days: make(map[int]int)}
	// The running sums go back and forth between two buffers a channel,
	// and every article's query is read into one buffer: a sum and a
	// query allocated anew for each article were a seventh of all the
	// engine allocated.
	var spare [3][]term
	var buf []term
	for _, a := range arts {
		if a.outlet != "" && !slices.Contains(s.outlets, a.outlet) {
			s.outlets = append(s.outlets, a.outlet)
			s.outletN = append(s.outletN, 0)
			s.outletAt = append(s.outletAt, time.Time{})
		}
		s.countOutlet(a)
		if s.first.IsZero() || a.published.Before(s.first) {
			s.first = a.published
		}
		if a.published.After(s.last) {
			s.last = a.published
		}
		var q query
		q, buf = a.q.appendQuery(buf[:0])
		s.centroid, spare[0] = sumInto(spare[0], s.centroid, q.contrib), s.centroid
		s.names, spare[1] = sumInto(spare[1], s.names, q.names), s.names
		s.lead, spare[2] = sumInto(spare[2], s.lead, q.lead), s.lead
		s.vectors++
		for _, y := range q.years {
			s.years[y]++
		}
		for _, m := range q.months {
			s.months[m]++
		}
		for _, m := range q.numbers {
			s.numbers[m]++
		}
		for _, m := range q.days {
			s.days[m]++
		}
	}
	s.cnorm = norm(s.centroid)
	return s
}

func (e *Engine) buildHalves(arts []*article, side []bool) [2]*story {
	var p [2][]*article
	for i, a := range arts {
		if side[i] {
			p[1] = append(p[1], a)
		} else {
			p[0] = append(p[0], a)
		}
	}
	return [2]*story{e.storyOf(p[0]), e.storyOf(p[1])}
}

// bisect partitions articles in two by the normalised cut (Shi and Malik)
// of the graph weighted by the model's pairwise probabilities: the sign
// structure of the second eigenvector of D^-½ W D^-½, swept for the cut of
// least Ncut with at least minSide articles a side. It returns which side
// each article is on, or nil when no such cut exists.
func (e *Engine) bisect(arts []*article) []bool {
	n := len(arts)
	w := make([]float64, n*n)
	deg := make([]float64, n)
	qs := make([]query, n)
	terms := 0
	for _, a := range arts {
		terms += a.q.terms()
	}
	buf := make([]term, 0, terms)
	for i, a := range arts {
		qs[i], buf = a.q.appendQuery(buf)
	}
	for i := range n {
		for j := i + 1; j < n; j++ {
			x := pairFeatures(&qs[i], &qs[j])
			p := e.model.probWith(&x, articlesContext(arts[i], arts[j]))
			w[i*n+j], w[j*n+i] = p, p
			deg[i] += p
			deg[j] += p
		}
	}
	for i := range deg {
		if deg[i] <= 0 {
			deg[i] = 1e-9
		}
	}
	// First eigenvector of M = D^-½ W D^-½ is D^½ 1 (eigenvalue 1); the
	// second comes from power iteration on M + I, kept orthogonal to it.
	v1 := make([]float64, n)
	var s float64
	for i := range v1 {
		v1[i] = math.Sqrt(deg[i])
		s += deg[i]
	}
	s = math.Sqrt(s)
	for i := range v1 {
		v1[i] /= s
	}
	u := make([]float64, n)
	for i := range u {
		u[i] = float64(i%7) - 3 + float64(i)/float64(n) // fixed start: deterministic
	}
	// m = D^-½ W D^-½, computed once.
	m := make([]float64, n*n)
	for i := range n {
		si := math.Sqrt(deg[i])
		for j := range n {
			if wij := w[i*n+j]; wij != 0 {
				m[i*n+j] = wij / (si * math.Sqrt(deg[j]))
			}
		}
	}
	next := make([]float64, n)
	orthonormal(u, v1)
	for range 100 {
		for i := range n {
			row := m[i*n : i*n+n]
			acc := u[i] // the identity shift
			for j, x := range row {
				acc += x * u[j]
			}
			next[i] = acc
		}
		orthonormal(next, v1)
		var diff float64
		for i := range n {
			diff += math.Abs(next[i] - u[i])
		}
		u, next = next, u
		if diff < 1e-9*float64(n) {
			break
		}
	}
	order := make([]int, n)
	f := make([]float64, n)
	for i := range order {
		order[i] = i
		f[i] = u[i] / math.Sqrt(deg[i])
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case f[a] < f[b]:
			return -1
		case f[a] > f[b]:
			return 1
		}
		return a - b
	})
	// Sweep the cuts along the ordering.
	var vol float64
	for _, d := range deg {
		vol += d
	}
	inA := make([]bool, n)
	var cut, volA float64
	best, bestK := math.Inf(1), -1
	for k := 0; k < n-1; k++ {
		i := order[k]
		inA[i] = true
		volA += deg[i]
		for j := range n {
			if j == i {
				continue
			}
			if inA[j] {
				cut -= w[i*n+j]
			} else {
				cut += w[i*n+j]
			}
		}
		if k+1 < minSide || n-k-1 < minSide {
			continue
		}
		nc := cut/volA + cut/(vol-volA)
		if nc < best {
			best, bestK = nc, k
		}
	}
	if bestK < 0 {
		return nil
	}
	side := make([]bool, n)
	for k := 0; k <= bestK; k++ {
		side[order[k]] = true
	}
	return side
}

// orthonormal removes v's component along the unit vector v1 from u and
// normalises u.
func orthonormal(u, v1 []float64) {
	var d float64
	for i := range u {
		d += u[i] * v1[i]
	}
	var s float64
	for i := range u {
		u[i] -= d * v1[i]
		s += u[i] * u[i]
	}
	if s = math.Sqrt(s); s > 0 {
		for i := range u {
			u[i] /= s
		}
	}
}

// keptTerms and keptNames bound the vectors an article keeps for split
// checks (its heaviest terms): a split compares and rebuilds stories from
// them.
const keptTerms, keptNames = 128, 48

// compact returns the part of q an article keeps while its story is open:
// its heaviest terms.
func compact(q *query) *keptQuery {
	vec := pruneScratch(q.vec, keptTerms) // keepQuery copies
	return keepQuery(&query{vec: vec, contrib: vec, names: pruneScratch(q.names, keptNames), lead: pruneScratch(q.lead, keptNames),
		years: q.years, months: q.months, numbers: q.numbers, days: q.days})
}

// keptQuery is a query as an article keeps it while its story is open (its
// contrib is its vec), for split checks: the term hashes of its three
// vectors back to back and then their weights quantised to 16 bits, two
// to a word, in one slice (6 bytes a term where a term takes 8), and its
// four lists in another; 56 bytes and two allocations where a query's nine
// slices took 192 bytes and eight, for each of hundreds of thousands of
// articles. The weights are those of unit vectors (0 to 1): quantised to
// 1/65535, a cosine moves by less than 1e-4.
type keptQuery struct {
	slab                      []uint32 // hashes, then weights two to a word
	ints                      []int    // years, months, numbers, days
	nVec, nNames              uint16
	nYears, nMonths, nNumbers uint16
}

// weightScale maps a unit vector's weights (0 to 1) on 16 bits.
const weightScale = math.MaxUint16

func quantise(w float32) uint16 {
	return uint16(math.Round(float64(min(max(w, 0), 1)) * weightScale))
}

func dequantise(q uint16) float32 { return float32(float64(q) / weightScale) }

// keepQuery copies q (its vec standing for its contrib) into a keptQuery,
// each vector and list cut to its first 65,535 entries (compact keeps far
// fewer).
func keepQuery(q *query) *keptQuery {
	q = &query{vec: upTo16(q.vec), names: upTo16(q.names), lead: upTo16(q.lead),
		years: upTo16(q.years), months: upTo16(q.months), numbers: upTo16(q.numbers), days: upTo16(q.days)}
	k := &keptQuery{nVec: uint16(len(q.vec)), nNames: uint16(len(q.names)),
		nYears: uint16(len(q.years)), nMonths: uint16(len(q.months)), nNumbers: uint16(len(q.numbers))}
	if n := len(q.vec) + len(q.names) + len(q.lead); n > 0 {
		k.slab = make([]uint32, n+(n+1)/2)
		i := 0
		for _, v := range [][]term{q.vec, q.names, q.lead} {
			for _, t := range v {
				k.slab[i] = t.h
				k.slab[n+i/2] |= uint32(quantise(t.w)) << (16 * (i % 2))
				i++
			}
		}
	}
	if n := len(q.years) + len(q.months) + len(q.numbers) + len(q.days); n > 0 {
		k.ints = make([]int, 0, n)
		k.ints = append(append(append(append(k.ints, q.years...), q.months...), q.numbers...), q.days...)
	}
	return k
}

// terms returns the number of terms k holds.
func (k *keptQuery) terms() int { return len(k.slab) * 2 / 3 }

// query returns the kept query as a query: its vectors in one new slice
// (capped: appending to one copies it), its lists sharing k's memory.
func (k *keptQuery) query() query {
	q, _ := k.appendQuery(nil)
	return q
}

// appendQuery is query with the vectors appended to buf, which it
// returns grown: a caller reading many kept queries, one at a time or all
// at once, allocates once. The query's vectors stay valid as long as the
// caller does not overwrite their part of buf.
func (k *keptQuery) appendQuery(buf []term) (query, []term) {
	n := k.terms()
	start := len(buf)
	buf = slices.Grow(buf, n)
	for i := range n {
		buf = append(buf, term{k.slab[i], dequantise(uint16(k.slab[n+i/2] >> (16 * (i % 2))))})
	}
	ts := buf[start:]
	v, nn := int(k.nVec), int(k.nNames)
	y, m, num := int(k.nYears), int(k.nMonths), int(k.nNumbers)
	q := query{vec: part(ts, 0, v), names: part(ts, v, v+nn), lead: part(ts, v+nn, n),
		years: part(k.ints, 0, y), months: part(k.ints, y, y+m), numbers: part(k.ints, y+m, y+m+num), days: part(k.ints, y+m+num, len(k.ints))}
	q.contrib = q.vec
	return q, buf
}

func upTo16[T any](s []T) []T { return s[:min(len(s), math.MaxUint16)] }

// part returns s[i:j] with no room past j, or nil when it is empty.
func part[T any](s []T, i, j int) []T {
	if i == j {
		return nil
	}
	return s[i:j:j]
}

// keptEntity is one of an article's entities as the engine keeps it while
// the article's story is open, for rebuilding the story after a split: 24
// bytes where a digest.Entity takes 48, for some ten entities of each of
// hundreds of thousands of articles. It has no ID: the extractors set none.
type keptEntity struct {
	name  string // for a kind not in entityKinds: kind + "\x00" + name
	count int32
	kind  uint8 // index in entityKinds, or kindOther
}

// entityKinds are the kinds a keptEntity names by index.
var entityKinds = [...]digest.EntityKind{digest.Person, digest.Organization, digest.Place, digest.Misc}

const kindOther = 0xff

// keepEntities is what an article remembers of its entities while its
// story is open (the first maxStoryEntities).
func keepEntities(ents []digest.Entity) []keptEntity {
	if len(ents) > maxStoryEntities {
		ents = ents[:maxStoryEntities]
	}
	if len(ents) == 0 {
		return nil
	}
	out := make([]keptEntity, len(ents))
	for i, en := range ents {
		k := keptEntity{name: en.Name, count: int32(max(min(en.Count, math.MaxInt32), math.MinInt32)), kind: kindOther}
		if j := slices.Index(entityKinds[:], en.Kind); j >= 0 {
			k.kind = uint8(j)
		} else {
			k.name = string(en.Kind) + "\x00" + en.Name
		}
		out[i] = k
	}
	return out
}

// entitiesOf returns the entities an article kept.
func entitiesOf(ks []keptEntity) []digest.Entity {
	if len(ks) == 0 {
		return nil
	}
	out := make([]digest.Entity, len(ks))
	for i, k := range ks {
		en := digest.Entity{Name: k.name, Count: int(k.count)}
		if int(k.kind) < len(entityKinds) {
			en.Kind = entityKinds[k.kind]
		} else {
			kind, name, _ := strings.Cut(k.name, "\x00")
			en.Kind, en.Name = digest.EntityKind(kind), name
		}
		out[i] = en
	}
	return out
}

// entityKind returns the package constant for a kind, so that the
// entities an engine holds (tens per article) share four strings rather
// than each holding its own copy; other kinds are returned as they are.
func entityKind(k string) digest.EntityKind {
	for _, c := range [...]digest.EntityKind{digest.Person, digest.Organization, digest.Place, digest.Misc} {
		if k == string(c) {
			return c
		}
	}
	return digest.EntityKind(k)
}
