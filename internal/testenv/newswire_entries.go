package testenv

import (
	"fmt"
	"math/rand/v2"
	"time"

	digest "github.com/occasional-digest/digest"
)

// NewswireEntry is one article of the newswire text as a feed would carry
// it, with the feed that carries it.
type NewswireEntry struct {
	digest.Entry
	Feed int // 0 to Feeds-1
}

// Entries calls fn with n articles cut from the newswire text as Build cuts
// them (real sentences of the corpus, real authors), published step apart
// from start, on feeds picked at random among nw.Feeds (default 1,000),
// without a store: for benchmarks of what consumes articles (the story
// engine) at sizes Build takes long to store. It stops when fn returns
// false.
func (nw Newswire) Entries(n int, start time.Time, step time.Duration, fn func(k int, e NewswireEntry) bool) error {
	if nw.Feeds <= 0 {
		nw.Feeds = 1000
	}
	text, err := loadNewswireText(nw.CorpusDir)
	if err != nil {
		return fmt.Errorf("newswire entries: %w", err)
	}
	r := rand.New(rand.NewPCG(nw.Seed, 42))
	authorZipf := rand.NewZipf(r, 1.1, 4, uint64(len(text.people)-1))
	for k := range n {
		e := text.article(r, k)
		e.Author = text.people[authorZipf.Uint64()]
		e.Published = start.Add(time.Duration(k) * step)
		if !fn(k, NewswireEntry{Entry: e, Feed: r.IntN(nw.Feeds)}) {
			break
		}
	}
	return nil
}
