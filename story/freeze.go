package story

import (
	"io"
	"maps"
	"slices"
)

// Frozen is a copy of an Engine's state as it was when Freeze was called,
// which the engine's later work does not change: a snapshot of it can be
// written while the engine goes on taking articles.
type Frozen struct{ e *Engine }

// Freeze returns a copy of the engine's state for WriteSnapshot. It shares
// what the engine never changes in place once made (article vectors,
// entity lists and texts, story centroids, duplicate sketches) and copies
// the rest: every map, the posting lists (compacted in place), and each
// article's and story's fields. It takes a fraction of the time writing
// the snapshot does, and memory for the maps and structs only. The caller
// serialises it with the engine's other methods, as Add.
func (e *Engine) Freeze() *Frozen {
	c := *e
	c.df = maps.Clone(e.df)
	c.urls = maps.Clone(e.urls)
	c.mergedTo = maps.Clone(e.mergedTo)
	c.postings = clonePostings(e.postings)
	c.forgets = slices.Clone(e.forgets)
	c.stories = make(map[int64]*story, len(e.stories))
	for id, s := range e.stories {
		c.stories[id] = s.frozen()
	}
	// Articles change in place (their story, feeds, credit, result) but
	// none of the slices they hold is written into: a copy of each struct
	// suffices. One allocation for all of them.
	n := len(e.articles) + len(e.past)
	all := make([]article, 0, n)
	c.articles = make(map[int64]*article, len(e.articles))
	c.past = make(map[int64]*article, len(e.past))
	for _, p := range []struct{ from, to map[int64]*article }{{e.articles, c.articles}, {e.past, c.past}} {
		for id, a := range p.from {
			all = append(all, *a)
			p.to[id] = &all[len(all)-1]
		}
	}
	c.dedup = e.dedup.Clone()
	return &Frozen{&c}
}

// frozen returns a copy of s whose maps and in-place-updated slices are
// its own.
func (s *story) frozen() *story {
	c := *s
	c.years, c.numbers, c.days, c.months = maps.Clone(s.years), maps.Clone(s.numbers), maps.Clone(s.days), maps.Clone(s.months)
	c.outletN = slices.Clone(s.outletN)
	c.outletAt = slices.Clone(s.outletAt)
	c.entities = slices.Clone(s.entities) // sorted and folded in place
	c.named = slices.Clone(s.named)
	// members, outlets and indexed only grow by append: the copy's
	// length keeps its view.
	return &c
}

// clonePostings copies posting lists, which compaction rewrites in place,
// into one backing array.
func clonePostings(p map[uint32][]int64) map[uint32][]int64 {
	n := 0
	for _, ids := range p {
		n += len(ids)
	}
	all := make([]int64, 0, n)
	out := make(map[uint32][]int64, len(p))
	for h, ids := range p {
		k := len(all)
		all = append(all, ids...)
		out[h] = all[k:len(all):len(all)]
	}
	return out
}

// WriteSnapshot writes the frozen state as Engine.WriteSnapshot would
// have written it when Freeze was called. It may run concurrently with
// the engine's methods, and more than once.
func (f *Frozen) WriteSnapshot(w io.Writer, salt string) error {
	return f.e.WriteSnapshot(w, salt)
}

// Size returns the number of articles the engine holds in open stories
// and of open stories.
func (e *Engine) Size() (articles, stories int) { return len(e.articles), len(e.stories) }
