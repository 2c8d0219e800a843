package web

import (
	"context"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// tasteCache keeps each reader's For you choices and learned signals,
// which only this server writes (choiceSet, choiceDelete, storyLike,
// recordShown, openedStory): every such write drops what it changed of
// the reader's entry, and a change of feeds through the server or from
// another process (the feed cache's generation, see Server.Changed)
// drops every entry. At most tasteCacheUsers readers are kept, each for
// tasteTTL at most: with several web processes on one database
// (serve --role web), a choice made through another process shows here
// within that time.
type tasteCache struct {
	feeds *feedCache

	mu    sync.Mutex
	users map[int64]*taste
	seq   uint64 // counts drops: a load that raced one is not kept
}

// taste is one reader's cached choices and signals, each nil until
// loaded; they are shared and read-only.
type taste struct {
	gen     uint64    // the feed cache's generation when loaded
	at      time.Time // when the entry was made
	choices []digest.Choice
	signals []digest.Signal
}

const (
	tasteCacheUsers = 256
	tasteTTL        = 30 * time.Second
)

func newTasteCache(feeds *feedCache) *tasteCache {
	return &tasteCache{feeds: feeds, users: map[int64]*taste{}}
}

// choices returns the user's choices (see digest.ForYouStore.Choices).
// Callers must not modify them.
func (c *tasteCache) choices(ctx context.Context, store digest.Store, user int64) ([]digest.Choice, error) {
	return load(c, user, func(t *taste) *[]digest.Choice { return &t.choices }, func() ([]digest.Choice, error) {
		return store.Choices(ctx, user)
	})
}

// signals returns the user's learned signals (see
// digest.ForYouStore.Signals). Callers must not modify them.
func (c *tasteCache) signals(ctx context.Context, store digest.Store, user int64) ([]digest.Signal, error) {
	return load(c, user, func(t *taste) *[]digest.Signal { return &t.signals }, func() ([]digest.Signal, error) {
		return store.Signals(ctx, user)
	})
}

// load returns the field of the user's entry, reading and keeping it
// when it is not cached.
func load[T any](c *tasteCache, user int64, field func(*taste) *[]T, read func() ([]T, error)) ([]T, error) {
	gen := c.feeds.generation()
	c.mu.Lock()
	if t := c.users[user]; t != nil && t.gen == gen && time.Since(t.at) < tasteTTL && *field(t) != nil {
		v := *field(t)
		c.mu.Unlock()
		return v, nil
	}
	seq := c.seq
	c.mu.Unlock()
	v, err := read()
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = []T{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq {
		return v, nil // dropped while read: what was read may be old
	}
	t := c.users[user]
	if t == nil || t.gen != gen || time.Since(t.at) >= tasteTTL {
		if len(c.users) >= tasteCacheUsers {
			clear(c.users)
		}
		t = &taste{gen: gen, at: time.Now()}
		c.users[user] = t
	}
	*field(t) = v
	return v, nil
}

// dropChoices forgets the user's choices: call it after writing them.
func (c *tasteCache) dropChoices(user int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	if t := c.users[user]; t != nil {
		t.choices = nil
	}
}

// dropSignals forgets the user's signals: call it after learning.
func (c *tasteCache) dropSignals(user int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	if t := c.users[user]; t != nil {
		t.signals = nil
	}
}

// version changes whenever an entry is dropped.
func (c *tasteCache) version() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}
