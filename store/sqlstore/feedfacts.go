package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"sync"

	digest "github.com/occasional-digest/digest"
)

// feedFacts keeps what a source shows of its feed to one reader (the
// reader's title for it, its site and icon, and whether they follow it),
// so that a page's sources are read without joining feeds and
// subscriptions to every row: the join cost a third of
// /api/v1/articles's CPU time, for facts that change a few times a day.
// Every entry was read at one value of Dialect.FeedFactsVersion, which
// any committed change to those facts changes (SQLite: triggers,
// migration 0034), in this process or another; the sources statement
// reads the value too, and finds the facts of its snapshot in memory
// only when it is the same.
type feedFacts struct {
	mu      sync.RWMutex
	version int64
	facts   map[factKey]feedFact
}

// factKey is a reader (0: the pipeline, which sees every feed under its
// own title) and a feed.
type factKey struct{ user, feed int64 }

type feedFact struct {
	title, site string
	icon        int64
	follows     bool // the reader follows the feed (always, for user 0)
}

// feedFactsMax bounds the entries kept; the map starts afresh beyond it.
const feedFactsMax = 100_000

// lookup returns the facts of (user, feed) if they were read at version.
func (c *feedFacts) lookup(version, user, feed int64) (feedFact, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.version != version {
		return feedFact{}, false
	}
	f, ok := c.facts[factKey{user, feed}]
	return f, ok
}

// keep stores facts read at version. Facts of another version replace
// the older ones; facts older than those kept are not kept.
func (c *feedFacts) keep(version, user int64, facts map[int64]feedFact) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if version < c.version {
		return
	}
	if version != c.version || c.facts == nil || len(c.facts)+len(facts) > feedFactsMax {
		c.facts = make(map[factKey]feedFact, len(facts))
		c.version = version
	}
	for id, f := range facts {
		c.facts[factKey{user, id}] = f
	}
}

// sourceRow is a source as read before its feed's facts are added.
type sourceRow struct {
	article int64
	created int64
	src     digest.Source
}

// fillSourcesCached is fillSources with Dialect.FeedFactsVersion: the
// sources are read alone, with the version, and their feeds' facts come
// from feedFacts, or for the feeds it lacks at that version from one
// query (feedFactsOf).
func (s *Store) fillSourcesCached(ctx context.Context, userID int64, as []digest.Article, index map[int64]int, ids []int64) error {
	var rows []sourceRow
	var version int64
	for _, c := range s.chunks(ids, 0) {
		in, args := inList(c)
		r, err := s.query(ctx, `SELECT s.article_id, s.feed_id, s.guid, s.url, s.title, s.published, s.original, s.created,
			`+s.d.FeedFactsVersion+` FROM sources s WHERE s.article_id IN (`+in+`)`, args...)
		if err != nil {
			return err
		}
		for r.Next() {
			var row sourceRow
			var published int64
			if err := r.Scan(&row.article, &row.src.FeedID, &row.src.GUID, &row.src.URL, &row.src.Title, &published,
				&row.src.Original, &row.created, &version); err != nil {
				r.Close()
				return err
			}
			row.src.Published = goTime(published)
			rows = append(rows, row)
		}
		if err := r.Close(); err != nil {
			return err
		}
		if err := r.Err(); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// Chunks may see different versions; the last one read stands for
	// all: facts do not depend on which chunk's snapshot they come from.
	facts := make(map[int64]feedFact, len(rows))
	var missing []int64
	for _, row := range rows {
		id := row.src.FeedID
		if _, ok := facts[id]; ok {
			continue
		}
		if f, ok := s.feedFacts.lookup(version, userID, id); ok {
			facts[id] = f
		} else if !slices.Contains(missing, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		read, err := s.feedFactsOf(ctx, userID, missing)
		if err != nil {
			return err
		}
		for id, f := range read {
			facts[id] = f
		}
	}
	// As the join ordered them: original first, then by first seen.
	slices.SortFunc(rows, func(a, b sourceRow) int {
		if a.src.Original != b.src.Original {
			if a.src.Original {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.created, b.created), cmp.Compare(a.src.FeedID, b.src.FeedID), cmp.Compare(a.src.GUID, b.src.GUID))
	})
	for _, row := range rows {
		f, ok := facts[row.src.FeedID]
		if !ok || !f.follows {
			continue // the feed is gone, or the reader does not follow it
		}
		row.src.FeedTitle, row.src.SiteURL, row.src.IconID = f.title, f.site, f.icon
		a := &as[index[row.article]]
		a.Sources = append(a.Sources, row.src)
	}
	return nil
}

// feedFactsOf reads the facts of feeds for a reader (userID 0: the
// pipeline), keeps them, and returns them; a feed that no longer exists
// is left out.
func (s *Store) feedFactsOf(ctx context.Context, userID int64, feeds []int64) (map[int64]feedFact, error) {
	out := make(map[int64]feedFact, len(feeds))
	for _, c := range s.chunks(feeds, 1) {
		in, args := inList(c)
		q := `SELECT f.id, f.title, f.site_url, COALESCE(f.icon_id, 0), TRUE, ` + s.d.FeedFactsVersion + `
			FROM feeds f WHERE f.id IN (` + in + `)`
		if userID != 0 {
			q = `SELECT f.id, COALESCE(NULLIF(u.title, ''), f.title), f.site_url, COALESCE(f.icon_id, 0),
				u.feed_id IS NOT NULL, ` + s.d.FeedFactsVersion + `
				FROM feeds f LEFT JOIN subscriptions u ON u.user_id = ? AND u.feed_id = f.id
				WHERE f.id IN (` + in + `)`
			args = append([]any{userID}, args...)
		}
		rows, err := s.query(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		var version int64
		read := make(map[int64]feedFact, len(c))
		for rows.Next() {
			var id int64
			var f feedFact
			if err := rows.Scan(&id, &f.title, &f.site, &f.icon, &f.follows, &version); err != nil {
				rows.Close()
				return nil, err
			}
			read[id] = f
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if len(read) > 0 {
			s.feedFacts.keep(version, userID, read)
		}
		for id, f := range read {
			out[id] = f
		}
	}
	return out, nil
}
