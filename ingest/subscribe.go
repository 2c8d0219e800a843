package ingest

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/feed"
	"github.com/occasional-digest/digest/fetch"
)

// maxCandidates bounds how many discovered URLs Subscribe probes.
const maxCandidates = 8

// Subscribe discovers the feed at rawURL (a feed URL or a site's page),
// subscribes the user to it and schedules its first fetch. Errors:
// EINVALID for a malformed URL, EREFUSED for a refused address, ENOTFOUND
// when no feed is found, ECONFLICT when already subscribed, EUPSTREAM when
// the site fails.
func (p *Pipeline) Subscribe(ctx context.Context, userID int64, rawURL, category string) (*digest.Feed, error) {
	u, err := p.subscribeURL(rawURL)
	if err != nil {
		return nil, err
	}
	found, err := p.discover(ctx, u)
	if err != nil {
		return nil, err
	}
	f := &digest.Feed{
		URL:      found.url,
		Title:    found.parsed.Title,
		SiteURL:  found.parsed.SiteURL,
		Category: strings.TrimSpace(category),
		Fetch:    digest.FetchShort,
	}
	f.NextCheck = p.opts.Now()
	if f.Title == "" {
		f.Title = f.URL
	}
	if err := p.store.CreateFeed(ctx, userID, f); err != nil {
		return nil, fmt.Errorf("subscribe %s: %w", f.URL, err)
	}
	p.Nudge()
	return f, nil
}

// subscribeURL checks a URL a user typed, https:// added when it has no
// scheme, with the client's rule: the address policy the fetches obey
// (loopback and private addresses refused unless allowed) applies to IP
// literals and "localhost" at once.
func (p *Pipeline) subscribeURL(rawURL string) (string, error) {
	u := strings.TrimSpace(rawURL)
	if u == "" {
		return "", digest.Errorf(digest.EINVALID, "the feed URL is empty")
	}
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	if err := p.client.CheckURL(u); err != nil {
		return "", err
	}
	return u, nil
}

// Discover lists the feeds at rawURL: the feed itself, or the feeds a
// page advertises (at most 8 tried) that parse. Errors as Subscribe's.
func (p *Pipeline) Discover(ctx context.Context, rawURL string) ([]digest.DiscoveredFeed, error) {
	u, err := p.subscribeURL(rawURL)
	if err != nil {
		return nil, err
	}
	resp, err := p.client.Get(ctx, fetch.Request{URL: u, Accept: feedAccept + ", text/html;q=0.8"})
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	one := func(url string, body []byte) (digest.DiscoveredFeed, bool) {
		if !feed.IsFeed(body) {
			return digest.DiscoveredFeed{}, false
		}
		parsed, err := feed.Parse(body, url, p.opts.Now())
		if err != nil {
			return digest.DiscoveredFeed{}, false
		}
		return digest.DiscoveredFeed{URL: url, Title: parsed.Title, Type: feedType(body)}, true
	}
	if d, ok := one(resp.URL, resp.Body); ok {
		return []digest.DiscoveredFeed{d}, nil
	}
	cands := feed.Discover(resp.URL, resp.Body)
	if len(cands) > maxCandidates {
		cands = cands[:maxCandidates]
	}
	out := []digest.DiscoveredFeed{}
	var lastErr error
	for _, c := range cands {
		if c == resp.URL {
			continue
		}
		r, err := p.client.Get(ctx, fetch.Request{URL: c, Accept: feedAccept})
		if err != nil {
			lastErr = err
			continue
		}
		if d, ok := one(r.URL, r.Body); ok {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		if lastErr != nil && digest.ErrorCode(lastErr) == digest.EREFUSED {
			return nil, lastErr
		}
		return nil, digest.Errorf(digest.ENOTFOUND, "no feed found at %s", u)
	}
	return out, nil
}

// feedType names a feed document's format from its first bytes.
func feedType(body []byte) string {
	head := strings.TrimLeft(string(body[:min(len(body), 512)]), " \t\r\n\ufeff")
	switch {
	case strings.HasPrefix(head, "{"):
		return "json"
	case strings.Contains(head, "<feed"):
		return "atom"
	}
	return "rss"
}

type discovered struct {
	url    string
	parsed *feed.Parsed
}

// discover fetches u; if it is a feed, that is the answer, else the feeds
// the page links to are tried in order. A feed that answers only at a
// guessed path (/rss.xml, /feed) is not taken: the page does not say it is
// the site's feed (it may be a stale one, or another site's under the same
// host), so the error names it for the user to subscribe to by its
// address, as "digest add" does.
func (p *Pipeline) discover(ctx context.Context, u string) (*discovered, error) {
	resp, err := p.client.Get(ctx, fetch.Request{URL: u, Accept: feedAccept + ", text/html;q=0.8"})
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	if feed.IsFeed(resp.Body) {
		parsed, err := feed.Parse(resp.Body, resp.URL, p.opts.Now())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", resp.URL, err)
		}
		return &discovered{url: resp.URL, parsed: parsed}, nil
	}
	var linked []string
	for _, c := range feed.Links(resp.URL, resp.Body) {
		if c != resp.URL {
			linked = append(linked, c)
		}
	}
	var guesses []string
	for _, c := range feed.CommonPaths(resp.URL) {
		if c != resp.URL && !slices.Contains(linked, c) {
			guesses = append(guesses, c)
		}
	}
	var lastErr error
	try := func(c string) *discovered {
		r, err := p.client.Get(ctx, fetch.Request{URL: c, Accept: feedAccept})
		if err != nil {
			lastErr = err
			return nil
		}
		if !feed.IsFeed(r.Body) {
			return nil
		}
		parsed, err := feed.Parse(r.Body, r.URL, p.opts.Now())
		if err != nil {
			lastErr = err
			return nil
		}
		return &discovered{url: r.URL, parsed: parsed}
	}
	for _, c := range linked[:min(len(linked), maxCandidates)] {
		if d := try(c); d != nil {
			return d, nil
		}
	}
	if lastErr != nil && digest.ErrorCode(lastErr) == digest.EREFUSED {
		return nil, lastErr
	}
	if len(linked) > 0 {
		return nil, digest.Errorf(digest.ENOTFOUND, "no feed found at %s: the page links to %s, but none answers with a feed",
			u, count(len(linked), "feed", "feeds"))
	}
	for _, g := range guesses[:min(len(guesses), maxCandidates)] {
		if d := try(g); d != nil {
			return nil, digest.Errorf(digest.ENOTFOUND, "no feed found at %s: the page links to no feed; one answers at %s, "+
				"but the page does not name it (subscribe to that address if it is the feed you want)", u, d.url)
		}
	}
	return nil, digest.Errorf(digest.ENOTFOUND, "no feed found at %s", u)
}

// count is n with the noun in the right number: "1 feed", "2 feeds".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ImportOPML subscribes to every feed of an OPML document without fetching
// them (the scheduler fetches them at once). Broken entries, refused URLs
// and feeds already subscribed are reported in problems; the rest is
// imported. err is set only when the document is unusable.
func (p *Pipeline) ImportOPML(ctx context.Context, userID int64, r io.Reader) (imported int, problems []error, err error) {
	outlines, problems, err := feed.ParseOPML(r)
	if err != nil {
		return 0, problems, err
	}
	now := p.opts.Now()
	for _, o := range outlines {
		// The client's rule, as for Subscribe: a loopback or private
		// feed the fetches would refuse is refused here, not stored to
		// fail on every refresh.
		if err := p.client.CheckURL(o.URL); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", o.URL, err))
			continue
		}
		f := &digest.Feed{URL: o.URL, Title: o.Title, SiteURL: o.SiteURL, Category: o.Category, Fetch: digest.FetchShort}
		f.NextCheck = now
		if f.Title == "" {
			f.Title = o.URL
		}
		if err := p.store.CreateFeed(ctx, userID, f); err != nil {
			if ctx.Err() != nil {
				return imported, problems, ctx.Err()
			}
			problems = append(problems, fmt.Errorf("%s: %w", o.URL, err))
			continue
		}
		imported++
	}
	p.Nudge()
	return imported, problems, nil
}

// ExportOPML writes the user's subscriptions as OPML 2.0 with categories.
func (p *Pipeline) ExportOPML(ctx context.Context, userID int64, w io.Writer) error {
	feeds, err := p.store.Feeds(ctx, userID)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return feed.WriteOPML(w, "Occasional Digest subscriptions", feeds)
}
