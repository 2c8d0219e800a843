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
	hs := make([]uint32, 0, x.Postings())
	hs = slices.AppendSeq(hs, maps.Keys(x.one))
	hs = slices.AppendSeq(hs, maps.Keys(x.many))
	slices.Sort(hs)
	var one [1]int64
	for _, h := range hs {
		if id, ok := x.one[h]; ok {
			one[0] = id
			fn(h, one[:])
		} else {
			fn(h, x.many[h])
		}
	}
}

// Postings returns the number of probe hashes.
func (x *Index) Postings() int { return len(x.one) + len(x.many) }

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
	for h, ids := range postings {
		x.setPosting(h, ids)
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
	c.one = maps.Clone(x.one)
	n := 0
	for _, ids := range x.many {
		n += len(ids)
	}
	all := make([]int64, 0, n)
	c.many = make(map[uint32][]int64, len(x.many))
	for h, ids := range x.many {
		k := len(all)
		all = append(all, ids...)
		c.many[h] = all[k:len(all):len(all)]
	}
	return &c
}
