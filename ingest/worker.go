package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
)

// feedAccept is the Accept header of feed requests.
const feedAccept = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5"

// fetchFeed fetches and parses one feed. It never fails: a fetch or parse
// error becomes the feed's recorded error in the returned state.
func (p *Pipeline) fetchFeed(ctx context.Context, f digest.Feed) digest.FetchResult {
	now := p.opts.Now()
	res := digest.FetchResult{FeedID: f.ID}
	resp, err := p.client.Get(ctx, fetch.Request{
		URL:          f.URL,
		ETag:         f.ETag,
		LastModified: f.LastModified,
		Accept:       feedAccept,
	})
	p.stats.Fetched.Add(1)
	if err != nil {
		p.stats.Errors.Add(1)
		var retry time.Duration
		var se *fetch.StatusError
		if errors.As(err, &se) {
			retry = se.RetryAfter
		}
		res.State = p.nextState(f, now, nil, 0, 0, retry, fmt.Errorf("fetch: %w", err))
		return res
	}
	if resp.NotModified {
		p.stats.NotModified.Add(1)
		res.State = p.nextState(f, now, nil, 0, resp.MaxAge, 0, nil)
		return res
	}
	parsed, err := p.parse(f.ID, resp.Body, resp.URL, now) // under a parse slot: see budget_parse.go
	if err != nil {
		p.stats.Errors.Add(1)
		// Validators are not saved: the next fetch must get the body again.
		res.State = p.nextState(f, now, nil, 0, resp.MaxAge, 0, err)
		res.State.ETag, res.State.LastModified = "", ""
		return res
	}
	published := make([]time.Time, 0, len(parsed.Entries))
	for _, e := range parsed.Entries {
		if !e.Published.IsZero() {
			published = append(published, e.Published)
		}
	}
	res.State = p.nextState(f, now, published, parsed.TTL, resp.MaxAge, 0, nil)
	res.State.ETag = resp.ETag
	res.State.LastModified = resp.LastModified
	res.Entries = parsed.Entries
	if f.Title == "" || f.Title == f.URL {
		res.Title = parsed.Title
	}
	if f.SiteURL == "" {
		res.SiteURL = parsed.SiteURL
	}
	return res
}
