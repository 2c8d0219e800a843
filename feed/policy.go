package feed

import (
	"hash/fnv"
	"slices"
	"strconv"
	"time"
)

// Policy bounds how often feeds are fetched. Zero durations take the
// defaults of DefaultPolicy.
type Policy struct {
	Min        time.Duration // shortest interval between two fetches of a feed (default 5 min)
	Max        time.Duration // longest interval while a feed works (default 24 h)
	Default    time.Duration // interval while nothing is known of a feed's rhythm (default 1 h)
	MaxBackoff time.Duration // longest delay after consecutive errors (default 48 h)
	// Jitter is the largest fraction of the delay added, spread by feed
	// ID, so that feeds subscribed together are not fetched together
	// forever. 0 adds none.
	Jitter float64
}

// DefaultPolicy returns the policy the scheduler uses unless configured
// otherwise.
func DefaultPolicy() Policy {
	return Policy{
		Min:        5 * time.Minute,
		Max:        24 * time.Hour,
		Default:    time.Hour,
		MaxBackoff: 48 * time.Hour,
		Jitter:     0.1,
	}
}

func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.Min <= 0 {
		p.Min = d.Min
	}
	if p.Max <= 0 {
		p.Max = d.Max
	}
	if p.Max < p.Min {
		p.Max = p.Min
	}
	if p.Default <= 0 {
		p.Default = d.Default
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = d.MaxBackoff
	}
	if p.MaxBackoff < p.Max {
		p.MaxBackoff = p.Max
	}
	if p.Jitter < 0 {
		p.Jitter = 0
	}
	return p
}

// Signals is what a fetch tells about when to fetch a feed again.
type Signals struct {
	FeedID int64 // seeds the jitter; the same feed gets the same jitter
	// Published are the publication dates of the feed's entries from
	// this fetch (any order; zero times are ignored). Empty after a 304
	// or an error.
	Published []time.Time
	// Interval is the previous estimate (digest.FetchState.Interval),
	// used when Published has fewer than two dates.
	Interval   time.Duration
	TTL        time.Duration // the feed's <ttl> or sy:updatePeriod (Parsed.TTL)
	MaxAge     time.Duration // the response's Cache-Control max-age
	RetryAfter time.Duration // the response's Retry-After (on 429 or 503)
	ErrorCount int           // consecutive failures, including this fetch's
}

// recentEntries is how many of the newest entries the posting rhythm is
// measured on.
const recentEntries = 10

// maxRetryAfter caps how long a server's Retry-After can silence a feed.
const maxRetryAfter = 7 * 24 * time.Hour

// NextCheck returns when to fetch a feed next and the posting interval to
// remember for it (store it as digest.FetchState.Interval).
//
// The interval is the median gap between the feed's recent entries, or
// half the time since its newest entry when that is longer (a feed that
// went quiet is polled less), clamped to [Min, Max]; without dates it is the
// previous interval, or Default. The publisher's TTL and Cache-Control
// max-age raise it (up to Max: a reader never waits more than Max for a
// working feed). After consecutive errors the delay doubles per error, up to
// MaxBackoff. A Retry-After is always honoured (up to a week). The jitter
// then adds up to Jitter × delay, the same fraction for the same feed.
func NextCheck(p Policy, now time.Time, s Signals) (next time.Time, interval time.Duration) {
	p = p.withDefaults()
	interval = estimate(p, now, s)
	for _, floor := range []time.Duration{s.TTL, s.MaxAge} {
		interval = max(interval, min(floor, p.Max))
	}

	delay := interval
	if s.ErrorCount > 0 {
		delay = backoff(interval, s.ErrorCount, p.MaxBackoff)
	}
	delay += jitter(s.FeedID, delay, p.Jitter)
	if s.RetryAfter > delay {
		delay = min(s.RetryAfter, maxRetryAfter)
	}
	return now.Add(delay), interval
}

// estimate is the posting interval from the entries' dates.
func estimate(p Policy, now time.Time, s Signals) time.Duration {
	dates := make([]time.Time, 0, len(s.Published))
	for _, t := range s.Published {
		if !t.IsZero() && !t.After(now) {
			dates = append(dates, t)
		}
	}
	if len(dates) < 2 {
		if s.Interval > 0 {
			return clampDur(s.Interval, p.Min, p.Max)
		}
		return clampDur(p.Default, p.Min, p.Max)
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return b.Compare(a) }) // newest first
	if len(dates) > recentEntries {
		dates = dates[:recentEntries]
	}
	gaps := make([]time.Duration, 0, len(dates)-1)
	for i := 1; i < len(dates); i++ {
		gaps = append(gaps, dates[i-1].Sub(dates[i]))
	}
	slices.Sort(gaps)
	median := gaps[len(gaps)/2]
	if len(gaps)%2 == 0 {
		median = (gaps[len(gaps)/2-1] + gaps[len(gaps)/2]) / 2
	}
	quiet := now.Sub(dates[0]) / 2
	return clampDur(max(median, quiet), p.Min, p.Max)
}

// backoff doubles d per error, up to limit (and never below d).
func backoff(d time.Duration, errors int, limit time.Duration) time.Duration {
	if d >= limit {
		return d
	}
	for range min(errors, 32) {
		d *= 2
		if d >= limit {
			return limit
		}
	}
	return d
}

// jitter returns a fraction in [0, frac) of d, fixed for a feed.
func jitter(feedID int64, d time.Duration, frac float64) time.Duration {
	if frac <= 0 || d <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(feedID, 10)))
	u := float64(h.Sum64()>>11) / float64(1<<53) // uniform in [0, 1)
	return time.Duration(u * frac * float64(d))
}

func clampDur(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
}
