package fetch

import (
	"context"
	"sync"
)

// hostLimiter bounds concurrent requests per host name with one counting
// semaphore per host.
type hostLimiter struct {
	size int

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

type hostSlot struct {
	ch   chan struct{}
	refs int // holders and waiters
}

// keepSlots is how many idle hosts keep their semaphore between requests;
// past it, a host's entry goes when its last request ends, so the map does
// not grow with every host ever fetched.
const keepSlots = 256

// acquire takes a slot of host, waiting while all are taken or until ctx
// ends. The caller passes the returned slot to release.
func (l *hostLimiter) acquire(ctx context.Context, host string) (*hostSlot, error) {
	l.mu.Lock()
	s := l.hosts[host]
	if s == nil {
		s = &hostSlot{ch: make(chan struct{}, l.size)}
		l.hosts[host] = s
	}
	s.refs++
	l.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
		return s, nil
	default:
	}
	select {
	case s.ch <- struct{}{}:
		return s, nil
	case <-ctx.Done():
		l.drop(host, s)
		return nil, ctx.Err()
	}
}

func (l *hostLimiter) release(host string, s *hostSlot) {
	<-s.ch
	l.drop(host, s)
}

func (l *hostLimiter) drop(host string, s *hostSlot) {
	l.mu.Lock()
	s.refs--
	if s.refs == 0 && len(l.hosts) > keepSlots {
		delete(l.hosts, host)
	}
	l.mu.Unlock()
}

// waiting reports how many requests hold or wait for a slot of host (for
// tests).
func (l *hostLimiter) waiting(host string) (holders, waiters int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.hosts[host]
	if s == nil {
		return 0, 0
	}
	return len(s.ch), s.refs - len(s.ch)
}
