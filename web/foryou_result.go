package web

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/occasional-digest/digest/foryou"
)

// forYouCache keeps each reader's ranked front page stories (forYou's
// result, tens of milliseconds of ranking at 200,000 articles), so that
// readers reloading the front page while feeds pour in share one ranking
// rather than each waiting for their own. A result is used while nothing
// it depends on changed through this server: the reader's choices and
// signals (the taste cache's drops), feeds (the feed cache's generation,
// which Server.Changed moves for other processes' writes), and any other
// write request (marking read, starring, rules: the server's write
// count). Stories change with every refresh: a result is fresh while the
// store's content version (see contentVersion: on PostgreSQL the changes
// heard, on SQLite its data version) is the one it was ranked at, or for
// forYouTTL with a store that tells none; an older one is still served
// while one request ranks anew, so no reader waits for the ranking of a
// page it can be shown, and none is shown a ranking older than the one
// under way.
type forYouCache struct {
	mu      sync.Mutex
	entries map[forYouKey]*forYouEntry
}

type forYouKey struct {
	user int64
	n    int
}

// forYouResult is a ranking with the front page's part, made from it once
// (see frontOf).
type forYouResult struct {
	*foryou.Result
	front struct {
		mu   sync.Mutex
		done bool
		part frontPart
	}
	// cards is the front page's cards written out for the last request
	// that asked (see cardsHTML).
	cards struct {
		mu   sync.Mutex
		key  cardsKey
		html template.HTML
	}
}

// cardsKey is what the written cards depend on besides the ranking: the
// address their forms come back to, the time zone, and each card's
// story and relative time.
type cardsKey struct {
	back string
	loc  *time.Location
	agos string
}

// cardsHTML returns cards (made from r's front part with back as their
// Return) written out, reusing the last request's bytes when nothing on
// them changed: readers reloading the front page share one writing per
// ranking, as they share the ranking.
func (r *forYouResult) cardsHTML(c pageClock, cards []foryouCard, back string) template.HTML {
	var agos strings.Builder
	for i := range cards {
		agos.WriteString(strconv.FormatInt(cards[i].ID, 10))
		agos.WriteByte(' ')
		agos.WriteString(ago(c.now, cards[i].Updated.In(c.loc)))
		agos.WriteByte(0)
	}
	k := cardsKey{back: back, loc: c.loc, agos: agos.String()}
	r.cards.mu.Lock()
	defer r.cards.mu.Unlock()
	if r.cards.html == "" || r.cards.key != k {
		r.cards.key, r.cards.html = k, forYouCards(c, cards)
	}
	return r.cards.html
}

// forYouVersion is what a result depends on besides time.
type forYouVersion struct{ taste, feeds, writes uint64 }

type forYouEntry struct {
	v       forYouVersion
	data    int64         // the store's content version when ranked
	at      time.Time     // when ranked
	res     *forYouResult // nil while the first ranking runs
	err     error
	done    chan struct{} // closed when res or err is set (first ranking)
	ranking bool          // a request is ranking anew
}

const (
	forYouTTL         = 5 * time.Second
	forYouCacheReader = 1024
)

func (s *Server) forYouVersion() forYouVersion {
	return forYouVersion{taste: s.taste.version(), feeds: s.cache.generation(), writes: s.writes.Load()}
}

// forYouShared is forYou through the cache. The result is shared: callers
// must not modify it.
func (s *Server) forYouShared(ctx context.Context, userID int64, n int) (*forYouResult, error) {
	c := &s.forYouRes
	k := forYouKey{userID, n}
	for {
		v := s.forYouVersion()
		if reuse := s.cfg.RankReuse; reuse > 0 {
			c.mu.Lock()
			e := c.entries[k]
			if e != nil && e.v == v && e.res != nil && time.Since(e.at) < reuse {
				c.mu.Unlock()
				return e.res, nil // (the data version is not even asked)
			}
			c.mu.Unlock()
		}
		cv, dataOK := s.contentVersion(ctx)
		data := cv.store
		c.mu.Lock()
		if c.entries == nil || len(c.entries) >= forYouCacheReader {
			c.entries = map[forYouKey]*forYouEntry{}
		}
		e := c.entries[k]
		if e != nil && e.v == v {
			if e.res == nil && e.err == nil { // the first ranking is under way
				c.mu.Unlock()
				select {
				case <-e.done:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				if e.err != nil {
					if ctx.Err() == nil {
						continue // that request failed or went away: rank here
					}
					return nil, e.err
				}
				return e.res, nil
			}
			fresh := dataOK && e.data == data || !dataOK && time.Since(e.at) < forYouTTL
			if e.res != nil && (fresh || e.ranking) {
				c.mu.Unlock()
				return e.res, nil
			}
			if e.res != nil {
				// Stale: this request ranks anew, the others are served
				// this result meanwhile.
				e.ranking = true
				c.mu.Unlock()
				res, err := s.forYouWrapped(ctx, userID, n)
				c.mu.Lock()
				e.ranking = false
				if err == nil && c.entries[k] == e && s.forYouVersion() == v {
					c.entries[k] = &forYouEntry{v: v, data: data, at: time.Now(), res: res, done: closed}
				}
				c.mu.Unlock()
				return res, err
			}
		}
		e = &forYouEntry{v: v, data: data, done: make(chan struct{})}
		c.entries[k] = e
		c.mu.Unlock()
		res, err := s.forYouWrapped(ctx, userID, n)
		c.mu.Lock()
		if err != nil || s.forYouVersion() != v {
			// Not kept: waiters take the outcome, later requests rank.
			if c.entries[k] == e {
				delete(c.entries, k)
			}
			if err == nil {
				e.res = res
			} else {
				e.err = err
			}
		} else {
			e.res, e.at = res, time.Now()
		}
		close(e.done)
		c.mu.Unlock()
		return res, err
	}
}

// forYouWrapped is forYou's ranking as the cache keeps it, with its
// front page part made before it is shared: made on first use instead,
// every request arriving after a new ranking was published waited for
// the one making its cards (tens of milliseconds of story queries) while
// the previous ranking, ready to show, was no longer served (at 50
// readers on PostgreSQL, whose data version moves with every commit,
// 22 of 50 requests waited there).
func (s *Server) forYouWrapped(ctx context.Context, userID int64, n int) (*forYouResult, error) {
	r, err := s.forYou(ctx, userID, n)
	if err != nil {
		return nil, err
	}
	res := &forYouResult{Result: r}
	if _, err := s.frontOf(ctx, userID, res); err != nil {
		return nil, err
	}
	return res, nil
}

// dataVersion returns the store's data version (see
// sqlstore.Store.DataVersion), and false when it has none or fails to
// tell: caches then fall back on time.
func (s *Server) dataVersion(ctx context.Context) (int64, bool) {
	dv, ok := s.store.(interface {
		DataVersion(ctx context.Context) (int64, error)
	})
	if !ok {
		return 0, false
	}
	v, err := dv.DataVersion(ctx)
	return v, err == nil
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// countWrites counts the requests that may write (every method but GET,
// HEAD and OPTIONS), before and after they run: a result computed while
// one ran is not kept past it. After each, the auth service forgets the
// sessions and credentials it remembers (see auth.Options.CacheTTL): a
// sign-out, a revoked session or key, a changed role or password counts
// from the next request on, whichever handler wrote it to the store.
func (s *Server) countWrites(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			h.ServeHTTP(w, r)
			return
		}
		s.writes.Add(1)
		defer s.writes.Add(1)
		defer s.auth.Forget()
		h.ServeHTTP(w, r)
	})
}
