package dedup

import (
	"maps"
	"slices"
)

// The methods below let a caller save an Index and rebuild it exactly (the
// story engine's snapshot): its generation, its texts and its probe
// posting lists in their order, which decides what compaction keeps.

// Generation returns the Index's current generation (see Rotate).
func (x *Index) Generation() uint32 { return x.gen }

// EachText calls fn for every stored text by increasing ID, with its
// sketch (which fn must not modify) and the generation it was stored in.
func (x *Index) EachText(fn func(id int64, sk Sketch, gen uint32)) {
	for _, id := range slices.Sorted(maps.Keys(x.docs)) {
		e := x.docs[id]
		fn(id, e.sketch, e.gen)
	}
}

// EachPosting calls fn for every probe hash by increasing hash, with the
// stored texts it points at in their order (which fn must not modify).
func (x *Index) EachPosting(fn func(h uint32, ids []int64)) {
	for _, h := range slices.Sorted(maps.Keys(x.postings)) {
		fn(h, x.postings[h])
	}
}

// Postings returns the number of probe hashes.
func (x *Index) Postings() int { return len(x.postings) }

// Restore returns an Index holding exactly what the Each methods listed of
// a saved one: the generation, the texts and the posting lists, which it
// keeps (the caller gives them up).
func Restore(opts Options, gen uint32, texts map[int64]RestoredText, postings map[uint32][]int64) *Index {
	x := New(opts)
	x.gen = gen
	x.docs = make(map[int64]*entry, len(texts))
	for id, t := range texts {
		x.docs[id] = &entry{id: id, sketch: t.Sketch, gen: t.Gen}
	}
	x.postings = postings
	if x.postings == nil {
		x.postings = make(map[uint32][]int64)
	}
	return x
}

// RestoredText is one stored text of a saved Index.
type RestoredText struct {
	Sketch Sketch
	Gen    uint32
}

// Clone returns a copy of the Index that later changes to x do not
// change: the maps and posting lists are copied, the sketches (never
// changed once made) shared.
func (x *Index) Clone() *Index {
	c := *x
	c.docs = maps.Clone(x.docs)
	n := 0
	for _, ids := range x.postings {
		n += len(ids)
	}
	all := make([]int64, 0, n)
	c.postings = make(map[uint32][]int64, len(x.postings))
	for h, ids := range x.postings {
		k := len(all)
		all = append(all, ids...)
		c.postings[h] = all[k:len(all):len(all)]
	}
	return &c
}
