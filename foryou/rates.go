package foryou

import (
	"context"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rank"
)

// rateTTL is how long a feed's publishing rate is kept: it moves by the
// day, and every reader's page reads it.
const rateTTL = time.Hour

// rateCache keeps how many articles a day each feed published over the
// last rank.RareWindow. A feed's rate is the same for every reader, so
// one entry serves all.
type rateCache struct {
	mu    sync.Mutex
	feeds map[int64]rateEntry
}

type rateEntry struct {
	perDay float64
	at     time.Time // the now it was counted at
}

// get returns the rates of the feeds carrying the stories, counting
// those not known or older than rateTTL (as of now).
func (c *rateCache) get(ctx context.Context, store digest.Store, list []digest.ForYouStory, now time.Time) (map[int64]float64, error) {
	out := map[int64]float64{}
	var missing []int64
	asked := map[int64]bool{}
	c.mu.Lock()
	if c.feeds == nil {
		c.feeds = map[int64]rateEntry{}
	}
	for i := range list {
		for _, fid := range list[i].Feeds {
			if asked[fid] {
				continue
			}
			asked[fid] = true
			if e, ok := c.feeds[fid]; ok && now.Sub(e.at) < rateTTL && !now.Before(e.at) {
				out[fid] = e.perDay
				continue
			}
			missing = append(missing, fid)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	counts, err := store.FeedRates(ctx, missing, now.Add(-rank.RareWindow))
	if err != nil {
		return nil, err
	}
	days := rank.RareWindow.Hours() / 24
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.feeds) > 100_000 {
		clear(c.feeds)
	}
	for _, fid := range missing {
		e := rateEntry{perDay: float64(counts[fid]) / days, at: now}
		c.feeds[fid] = e
		out[fid] = e.perDay
	}
	return out, nil
}
