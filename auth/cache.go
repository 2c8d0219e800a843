package auth

import (
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// credCache remembers, for Options.CacheTTL, the user and session (or
// credential) a secret's hash resolved to, so that a reader's every page
// view and API call does not ask the store twice before its real work.
//
// Forget drops everything at once. Each filling is tagged with the
// generation it began in and kept only if no Forget came in between: a
// lookup that read a session before a logout committed, and finished
// after, cannot put the ended session back.
type credCache struct {
	ttl time.Duration // 0: nothing is cached
	mu  sync.Mutex
	gen uint64
	m   map[credKey]credEntry
}

// credCacheMax bounds the entries; a full cache starts over.
const credCacheMax = 10_000

type credKey struct {
	kind digest.CredentialKind // "" for a browser session
	alt  bool                  // looked up as Hash2
	hash string
}

type credEntry struct {
	at   time.Time
	user digest.User
	sess digest.Session    // for a browser session
	cred digest.Credential // for a credential
}

// generation returns the generation a lookup begins in (see put).
func (c *credCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns the entry of k when it is younger than the TTL at now.
func (c *credCache) get(k credKey, now time.Time) (credEntry, bool) {
	if c.ttl <= 0 {
		return credEntry{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || now.Sub(e.at) >= c.ttl || now.Before(e.at) {
		return credEntry{}, false
	}
	return e, true
}

// put keeps e under k unless a Forget came since gen.
func (c *credCache) put(k credKey, gen uint64, e credEntry) {
	if c.ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= credCacheMax {
		c.m = map[credKey]credEntry{}
	}
	c.m[k] = e
}

// forget drops every entry and refuses the fillings under way.
func (c *credCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// Forget drops what the service remembers of sessions and credentials
// (see Options.CacheTTL): the next use of each asks the store. Call it
// after a change of users, sessions or credentials made around the
// service (straight on the store), in this process or, when told of it,
// in another; the service's own changes call it themselves.
func (s *Service) Forget() { s.cache.forget() }
