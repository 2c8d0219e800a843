package ingest

import (
	"sync"
	"time"

	"github.com/occasional-digest/digest/feed"
)

// parseSlots bound the parsed feeds that the pending budget does not count
// yet. Fetching is I/O and many fetches overlap; parsing is CPU work, and a
// parsed feed is only counted against the pending budget once its size is
// known, after parsing. Without a bound, every fetch worker could hold a
// parsed feed (and the parser's garbage) while it waits for the budget.
//
// A worker takes a slot before it parses and keeps it until its result has
// been handed to the writer (under the pending budget), so at any moment
// at most len(slots) parsed results exist outside the budget. Bodies
// waiting for a slot are as many as the fetch workers at most, each no
// larger than the fetch client's size cap.
type parseSlots struct {
	slots chan struct{}

	mu   sync.Mutex
	held map[int64]bool // feeds whose worker holds a slot
	// waiting is the number of workers waiting for a slot (for tests).
	waiting int
}

func newParseSlots(n int) *parseSlots {
	return &parseSlots{slots: make(chan struct{}, n), held: make(map[int64]bool, n)}
}

// parse parses a fetched feed body once a slot is free, and keeps the slot
// for the feed until handedOver.
func (p *Pipeline) parse(feedID int64, body []byte, url string, now time.Time) (*feed.Parsed, error) {
	s := p.parsing
	s.mu.Lock()
	s.waiting++
	s.mu.Unlock()
	s.slots <- struct{}{}
	s.mu.Lock()
	s.waiting--
	s.held[feedID] = true
	s.mu.Unlock()
	return feed.Parse(body, url, now)
}

// handedOver frees the parse slot the feed's worker holds, if any: its
// result now counts against the pending budget.
func (s *parseSlots) handedOver(feedID int64) {
	s.mu.Lock()
	held := s.held[feedID]
	delete(s.held, feedID)
	s.mu.Unlock()
	if held {
		<-s.slots
	}
}

// waiters returns the number of workers waiting for a slot.
func (s *parseSlots) waiters() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}
