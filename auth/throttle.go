package auth

import (
	"sync"
	"time"
)

// throttle counts failed attempts per key (an account name or a client
// address) and locks a key out for a while once it has failed too often:
// after free failures, each further one doubles the lockout, from one
// second up to max. A key's count is forgotten an hour after its last
// failure. The map is bounded: when full, entries without a lockout in
// force are dropped first.
type throttle struct {
	mu      sync.Mutex
	free    int
	max     time.Duration
	entries map[string]*throttleEntry
	limit   int
}

type throttleEntry struct {
	failures int
	last     time.Time
	until    time.Time
}

const forgetAfter = time.Hour

func newThrottle(free int, max time.Duration, limit int) *throttle {
	return &throttle{free: free, max: max, limit: limit, entries: map[string]*throttleEntry{}}
}

// locked returns when key may try again, or the zero time when it may now.
func (t *throttle) locked(key string, now time.Time) time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[key]
	if e == nil || !now.Before(e.until) {
		return time.Time{}
	}
	return e.until
}

// fail records a failed attempt of key.
func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[key]
	if e != nil && now.Sub(e.last) > forgetAfter {
		e = nil
	}
	if e == nil {
		if len(t.entries) >= t.limit {
			t.prune(now)
		}
		e = &throttleEntry{}
		t.entries[key] = e
	}
	e.failures++
	e.last = now
	if over := e.failures - t.free; over > 0 {
		d := time.Second << min(over-1, 30)
		if d > t.max || d <= 0 {
			d = t.max
		}
		e.until = now.Add(d)
	}
}

// succeed forgets key's failures.
func (t *throttle) succeed(key string) {
	t.mu.Lock()
	delete(t.entries, key)
	t.mu.Unlock()
}

// prune drops forgotten entries, then, if still full, every entry whose
// lockout is not in force.
func (t *throttle) prune(now time.Time) {
	for k, e := range t.entries {
		if now.Sub(e.last) > forgetAfter {
			delete(t.entries, k)
		}
	}
	if len(t.entries) < t.limit {
		return
	}
	for k, e := range t.entries {
		if !now.Before(e.until) {
			delete(t.entries, k)
		}
	}
}
