package main

import (
	"context"
	"sync"
	"time"
)

// pinger is the stores' Ping (sqlstore.Store, behind both backends).
type pinger interface {
	Ping(ctx context.Context) error
}

// dbHealth says whether the database answers, for /readyz and the
// metrics: a ping at most once a second, whatever the number of
// requests asking.
type dbHealth struct {
	store any // a pinger, or the store is taken to be up

	mu      sync.Mutex
	checked time.Time
	ok      bool
}

func (h *dbHealth) up() bool {
	p, ok := h.store.(pinger)
	if !ok {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.checked) < time.Second {
		return h.ok
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	h.ok = p.Ping(ctx) == nil
	h.checked = time.Now()
	return h.ok
}
