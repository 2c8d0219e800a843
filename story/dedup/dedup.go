// Package dedup finds near-duplicate texts: the same article re-published by
// another outlet, wrapped in a digest site's boilerplate, lightly edited or
// cut short.
//
// Each text is reduced to a sketch: the k smallest 32-bit hashes of its word
// 5-shingles (a bottom-k MinHash; the top half of a 64-bit hash, which keeps
// its order). Bottom-k sketches estimate containment as
// well as resemblance: when text B is contained in text A, every shingle of B
// among A's k smallest is also among B's k smallest, so a truncated copy still
// matches. Candidates come from a hash table keyed by the few smallest hashes
// of each text (constant work per text however many are stored); each
// candidate is verified on the full sketches.
//
// An Index holds about 4·(K+Probe)+50 bytes per text (8·(K+Probe)+50 with
// 64-bit hashes: a 32-bit hash collides for two given shingles once in 4
// billion, far below the noise of a 64-entry sketch). It forgets texts by
// generation (see Rotate), so memory is bounded by what the caller keeps.
package dedup

import (
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// Options tune an Index. The zero value of a field means its default.
type Options struct {
	// Shingle is the number of words in a shingle (default 5).
	Shingle int
	// K is the sketch size (default 64).
	K int
	// Probe is how many of a sketch's smallest hashes are put in the
	// candidate table (default 8).
	Probe int
	// Containment is the share of the shorter text's shingles that must be
	// found in the longer one for the two to be duplicates (default 0.6).
	Containment float64
	// Resemblance is the Jaccard similarity above which two texts are
	// duplicates whatever their containment (default 0.5).
	Resemblance float64
	// MinObserved is the least number of comparable sketch entries a
	// verdict needs (default 6); shorter texts are compared exactly on their
	// whole shingle sets, which their sketches then are.
	MinObserved int
	// MinContained is the least number of shingles (about words) the
	// shorter text must have to be judged on containment alone (default
	// 25): a sentence quoted from an article is not a copy of it.
	MinContained int
	// MaxPosting caps how many texts one hash may point at; hashes shared by
	// more texts are boilerplate and stop being probed (default 32).
	MaxPosting int
}

func (o Options) withDefaults() Options {
	if o.Shingle <= 0 {
		o.Shingle = 5
	}
	if o.K <= 0 {
		o.K = 64
	}
	if o.Probe <= 0 || o.Probe > o.K {
		o.Probe = min(8, o.K)
	}
	if o.Containment <= 0 {
		o.Containment = 0.6
	}
	if o.Resemblance <= 0 {
		o.Resemblance = 0.5
	}
	if o.MinObserved <= 0 {
		o.MinObserved = 6
	}
	if o.MinContained <= 0 {
		o.MinContained = 25
	}
	if o.MaxPosting <= 0 {
		o.MaxPosting = 32
	}
	return o
}

// Sketch is the bottom-k sketch of one text: its smallest distinct shingle
// hashes in increasing order, and how many shingles (positions, repeats
// included) the text has.
type Sketch struct {
	Hashes   []uint32
	Shingles int
}

// Sketcher computes sketches. Its hashes are fixed (not seeded per
// process), so sketches are comparable across processes and results are
// reproducible.
type Sketcher struct {
	shingle int
	k       int
}

// NewSketcher returns a Sketcher for the given options.
func NewSketcher(opts Options) *Sketcher {
	o := opts.withDefaults()
	return &Sketcher{shingle: o.Shingle, k: o.K}
}

// Sketch returns the sketch of text. Words are runs of letters and digits,
// case-folded; punctuation, spacing and markup-free formatting changes do
// not alter the sketch. A text with fewer words than a shingle gets one
// shingle of all its words; an empty text gets an empty sketch.
func (s *Sketcher) Sketch(text string) Sketch {
	words := make([]uint64, 0, 256)
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	inWord := false
	for i := 0; i < len(text); {
		c := text[i]
		var r rune
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
				r = rune(c)
			case 'A' <= c && c <= 'Z':
				r = rune(c + 'a' - 'A')
			default:
				r = -1
			}
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(text[i:])
			i += size
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				r = unicode.ToLower(r)
			} else {
				r = -1
			}
		}
		if r >= 0 {
			h = (h ^ uint64(r)) * prime // FNV-1a over code points
			inWord = true
			continue
		}
		if inWord {
			words = append(words, mix(h))
			h = offset
			inWord = false
		}
	}
	if inWord {
		words = append(words, mix(h))
	}
	if len(words) == 0 {
		return Sketch{}
	}
	n := s.shingle
	if len(words) < n {
		n = len(words)
	}
	// A max-heap of the k smallest distinct shingle hashes.
	heap := make([]uint32, 0, s.k)
	positions := 0
	for i := 0; i+n <= len(words); i++ {
		x64 := uint64(0x9e3779b97f4a7c15)
		for _, w := range words[i : i+n] {
			x64 = mix(x64 ^ w)
		}
		x := uint32(x64 >> 32)
		positions++
		if len(heap) == s.k && x >= heap[0] {
			continue
		}
		// A candidate smaller than the heap's maximum: rare after the
		// first few hundred shingles, so a scan for repeats is cheaper
		// than a set.
		if slices.Contains(heap, x) {
			continue
		}
		if len(heap) < s.k {
			heap = append(heap, x)
			up(heap, len(heap)-1)
		} else {
			heap[0] = x
			down(heap, 0)
		}
	}
	slices.Sort(heap)
	return Sketch{Hashes: heap, Shingles: positions}
}

func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

func up(h []uint32, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p] >= h[i] {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func down(h []uint32, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		c := l
		if r := l + 1; r < len(h) && h[r] > h[l] {
			c = r
		}
		if h[i] >= h[c] {
			return
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
}

// Similarity is the estimated overlap of two sketches.
type Similarity struct {
	// Containment is the share of the shorter text's shingles found in the
	// longer one.
	Containment float64
	// Resemblance is the Jaccard similarity of the two shingle sets.
	Resemblance float64
	// Observed is how many sketch entries the estimate rests on.
	Observed int
}

// Compare estimates the containment and resemblance of two sketches made by
// the same Sketcher. Every shingle hash of a text at or below its sketch's
// largest entry is in its sketch (all of them when the sketch holds the whole
// text), so the two texts are compared exactly on the hashes at or below the
// smaller of the two maxima.
func Compare(a, b Sketch) Similarity {
	if len(a.Hashes) == 0 || len(b.Hashes) == 0 {
		return Similarity{}
	}
	if b.Shingles < a.Shingles { // a is the text with fewer shingles
		a, b = b, a
	}
	tau := min(horizon(a), horizon(b))
	var observed, shared, union int
	i, j := 0, 0
	for i < len(a.Hashes) || j < len(b.Hashes) {
		switch {
		case j >= len(b.Hashes) || (i < len(a.Hashes) && a.Hashes[i] < b.Hashes[j]):
			if a.Hashes[i] <= tau {
				observed++
				union++
			}
			i++
		case i >= len(a.Hashes) || b.Hashes[j] < a.Hashes[i]:
			if b.Hashes[j] <= tau {
				union++
			}
			j++
		default:
			if a.Hashes[i] <= tau {
				observed++
				shared++
				union++
			}
			i++
			j++
		}
	}
	sim := Similarity{Observed: observed}
	if observed > 0 {
		sim.Containment = float64(shared) / float64(observed)
	}
	if union > 0 {
		sim.Resemblance = float64(shared) / float64(union)
	}
	return sim
}

// horizon is the largest hash up to which a sketch holds every shingle of
// its text.
func horizon(s Sketch) uint32 {
	if s.Shingles <= len(s.Hashes) {
		return math.MaxUint32
	}
	return s.Hashes[len(s.Hashes)-1]
}

// Match is a stored text that a new one duplicates.
type Match struct {
	ID int64
	Similarity
}

type entry struct {
	id     int64
	sketch Sketch
	gen    uint32
}

// Index stores sketches and finds the stored texts a new text duplicates.
// It is not safe for concurrent use.
type Index struct {
	opts     Options
	sketcher *Sketcher
	gen      uint32
	docs     map[int64]*entry
	// one and many map a probe hash to the stored texts whose sketch
	// starts with it: one when it is a single text, many (two or more, or
	// what compaction left of them) otherwise; a hash is in one map at
	// most. Nearly every probe hash of distinct texts is a single text's,
	// and a map of IDs takes less than half the memory a map of
	// one-element lists did (about 28 bytes a hash, not 63, for each of
	// the 8 probes of every stored text). Entries of forgotten texts are
	// dropped lazily.
	one  map[uint32]int64
	many map[uint32][]int64
}

// New returns an empty Index.
func New(opts Options) *Index {
	o := opts.withDefaults()
	return &Index{
		opts:     o,
		sketcher: NewSketcher(o),
		docs:     make(map[int64]*entry),
		one:      make(map[uint32]int64),
		many:     make(map[uint32][]int64),
	}
}

// Sketch returns the sketch of text with the Index's hash seed.
func (x *Index) Sketch(text string) Sketch { return x.sketcher.Sketch(text) }

// Len returns the number of stored texts.
func (x *Index) Len() int { return len(x.docs) }

// Find returns the stored texts that sketch duplicates, best first (highest
// containment, then resemblance, then lowest ID). It returns nil for an
// empty sketch. Work is bounded by Probe·MaxPosting whatever the index size.
func (x *Index) Find(sk Sketch) []Match {
	return x.find(sk, x.opts.Containment)
}

// FindAt is Find with another containment threshold, for a caller that has
// other evidence of copying (a "source" link naming the stored text).
func (x *Index) FindAt(sk Sketch, containment float64) []Match {
	return x.find(sk, containment)
}

func (x *Index) find(sk Sketch, containment float64) []Match {
	if len(sk.Hashes) == 0 {
		return nil
	}
	var cands []int64
	for _, h := range sk.Hashes {
		if id, ok := x.one[h]; ok {
			if !slices.Contains(cands, id) {
				cands = append(cands, id)
			}
			continue
		}
		for _, id := range x.many[h] {
			if !slices.Contains(cands, id) {
				cands = append(cands, id)
			}
		}
	}
	var out []Match
	for _, id := range cands {
		e, ok := x.docs[id]
		if !ok {
			continue
		}
		sim := Compare(sk, e.sketch)
		if x.isDuplicate(sk, e.sketch, sim, containment) {
			out = append(out, Match{ID: id, Similarity: sim})
		}
	}
	slices.SortFunc(out, func(a, b Match) int {
		switch {
		case a.Containment != b.Containment:
			if a.Containment > b.Containment {
				return -1
			}
			return 1
		case a.Resemblance != b.Resemblance:
			if a.Resemblance > b.Resemblance {
				return -1
			}
			return 1
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

func (x *Index) isDuplicate(a, b Sketch, sim Similarity, containment float64) bool {
	if sim.Resemblance >= x.opts.Resemblance && sim.Observed >= min(x.opts.MinObserved, a.Shingles, b.Shingles) {
		return true
	}
	// A verdict on containment needs enough evidence, and a text long
	// enough to be an article rather than a quotation.
	if min(a.Shingles, b.Shingles) < x.opts.MinContained {
		return false
	}
	return sim.Observed >= x.opts.MinObserved && sim.Containment >= containment
}

// Add stores the sketch of text id in the current generation. Adding an id
// again replaces its sketch.
func (x *Index) Add(id int64, sk Sketch) {
	if old, ok := x.docs[id]; ok {
		x.unpost(old)
	}
	e := &entry{id: id, sketch: sk, gen: x.gen}
	x.docs[id] = e
	for _, h := range sk.Hashes[:min(len(sk.Hashes), x.opts.Probe)] {
		x.post(h, id)
	}
}

// post adds id to h's posting list, unless the list is full of texts
// still stored.
func (x *Index) post(h uint32, id int64) {
	first, single := x.one[h]
	p, listed := x.many[h]
	if !single && !listed {
		x.one[h] = id
		return
	}
	if single {
		p = []int64{first}
	}
	if len(p) >= x.opts.MaxPosting {
		p = x.compact(p)
		if len(p) >= x.opts.MaxPosting {
			if listed {
				x.many[h] = p
			}
			return // boilerplate shared by many texts: not a probe
		}
	}
	p = append(p, id)
	if single {
		delete(x.one, h)
	}
	x.setPosting(h, p)
}

// setPosting makes p h's posting list, in the map that fits its length.
func (x *Index) setPosting(h uint32, p []int64) {
	switch len(p) {
	case 0:
		delete(x.one, h)
		delete(x.many, h)
	case 1:
		delete(x.many, h)
		x.one[h] = p[0]
	default:
		x.many[h] = p
	}
}

// compact drops forgotten texts from a posting list.
func (x *Index) compact(p []int64) []int64 {
	out := p[:0]
	for _, id := range p {
		if _, ok := x.docs[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

func (x *Index) unpost(e *entry) {
	for _, h := range e.sketch.Hashes[:min(len(e.sketch.Hashes), x.opts.Probe)] {
		if id, ok := x.one[h]; ok {
			if id == e.id {
				delete(x.one, h)
			}
			continue
		}
		p, ok := x.many[h]
		if !ok {
			continue
		}
		if i := slices.Index(p, e.id); i >= 0 {
			p = slices.Delete(p, i, i+1)
		}
		x.setPosting(h, p)
	}
}

// Remove forgets one text.
func (x *Index) Remove(id int64) {
	if e, ok := x.docs[id]; ok {
		x.unpost(e)
		delete(x.docs, id)
	}
}

// Rotate starts a new generation and forgets every text stored more than
// keep generations ago. A caller that rotates once per time slice keeps
// texts for keep slices.
func (x *Index) Rotate(keep int) {
	x.gen++
	if keep < 0 {
		keep = 0
	}
	for id, e := range x.docs {
		if x.gen-e.gen > uint32(keep) {
			x.unpost(e)
			delete(x.docs, id)
		}
	}
}
