package ingest

import (
	"sync"

	digest "github.com/occasional-digest/digest"
)

// budget is a counting semaphore over bytes: it bounds the memory held by
// fetch results between the workers and the store.
type budget struct {
	mu    sync.Mutex
	cond  sync.Cond
	limit int64
	used  int64
	// waiting is the number of acquire calls waiting: each holds a
	// result the budget does not count yet (for tests).
	waiting int
}

func newBudget(limit int64) *budget {
	b := &budget{limit: limit}
	b.cond.L = &b.mu
	return b
}

// acquire waits until n more bytes fit the limit, then takes them. When
// nothing is taken, any n fits, so a result larger than the limit still
// passes alone and never deadlocks.
func (b *budget) acquire(n int64) {
	b.mu.Lock()
	if b.used > 0 && b.used+n > b.limit {
		b.waiting++
		for b.used > 0 && b.used+n > b.limit {
			b.cond.Wait()
		}
		b.waiting--
	}
	b.used += n
	b.mu.Unlock()
}

// release returns n bytes taken by acquire.
func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// waiters returns the number of acquire calls waiting.
func (b *budget) waiters() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waiting
}

// inUse returns the bytes taken.
func (b *budget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Fixed overheads counted per result and per entry: the structs, slice
// headers and allocator rounding that the strings' lengths miss.
const (
	resultOverhead = 512
	entryOverhead  = 384
)

// resultSize approximates the memory a fetch result holds.
func resultSize(r *digest.FetchResult) int64 {
	n := int64(resultOverhead + len(r.Title) + len(r.SiteURL) + len(r.State.LastError) + len(r.State.ETag) + len(r.State.LastModified))
	for i := range r.Entries {
		e := &r.Entries[i]
		n += int64(entryOverhead + len(e.GUID) + len(e.URL) + len(e.Link) + len(e.Title) + len(e.Author) +
			len(e.Summary) + len(e.Content) + len(e.Text) + len(e.ImageURL) + len(e.Lang) + len(e.Hash))
	}
	return n
}
