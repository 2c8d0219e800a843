package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// fetchStmts are the statements of one SaveFetches transaction, prepared
// once per call.
type fetchStmts struct {
	updateFeed, sourceByGUID, articleByURL, hasSource, insertArticle,
	insertSource, insertStates, updateSource, updateArticle, updateStates, addUnread, linkUnread *sql.Stmt
}

var fetchQueries = map[string]string{
	"updateFeed": `UPDATE feeds SET etag = ?, last_modified = ?, last_check = ?, next_check = ?,
		last_error = ?, error_count = ?, interval_ns = ?,
		title = CASE WHEN ? = '' THEN title ELSE ? END,
		site_url = CASE WHEN ? = '' THEN site_url ELSE ? END
		WHERE id = ?`,
	"sourceByGUID": `SELECT s.article_id, s.hash, COALESCE(a.feed_id, 0), a.published
		FROM sources s JOIN articles a ON a.id = s.article_id WHERE s.feed_id = ? AND s.guid = ?`,
	"articleByURL": `SELECT id, published FROM articles WHERE url = ?`,
	"hasSource":    `SELECT COUNT(*) FROM sources WHERE article_id = ? AND feed_id = ?`,
	"insertArticle": `INSERT INTO articles (url, title, author, published, updated, lang, image_url,
		summary, content, text, word_count, extracted, created, feed_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
	"insertSource": `INSERT INTO sources (feed_id, guid, article_id, url, title, published, original, hash, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	// Every subscriber of the feed sees the article, unread unless they
	// already had it through another feed.
	"insertStates": `INSERT INTO article_states (user_id, article_id, published, read, starred)
		SELECT user_id, ?, ?, FALSE, FALSE FROM subscriptions WHERE feed_id = ?
		ON CONFLICT (user_id, article_id) DO NOTHING`,
	"updateSource": `UPDATE sources SET url = ?, title = ?, published = ?, hash = ? WHERE feed_id = ? AND guid = ?`,
	"updateArticle": `UPDATE articles SET title = ?, author = ?, published = ?, updated = ?, lang = ?, image_url = ?,
		summary = ?, content = ?, text = ?, word_count = ?, extracted = ? WHERE id = ?`,
	"updateStates": `UPDATE article_states SET published = ? WHERE article_id = ? AND published <> ?`,
	"addUnread":    `UPDATE subscriptions SET unread = unread + ? WHERE feed_id = ?`,
	// A linked article counts for the subscribers who have it unread.
	"linkUnread": `UPDATE subscriptions SET unread = unread + 1 WHERE feed_id = ?
		AND user_id IN (SELECT user_id FROM article_states WHERE article_id = ? AND NOT read)`,
}

func (s *Store) prepareFetch(ctx context.Context, tx *sql.Tx) (*fetchStmts, error) {
	st := &fetchStmts{}
	targets := map[string]**sql.Stmt{
		"updateFeed": &st.updateFeed, "sourceByGUID": &st.sourceByGUID, "articleByURL": &st.articleByURL,
		"hasSource": &st.hasSource, "insertArticle": &st.insertArticle, "insertSource": &st.insertSource,
		"insertStates": &st.insertStates, "updateSource": &st.updateSource, "updateArticle": &st.updateArticle,
		"updateStates": &st.updateStates, "addUnread": &st.addUnread, "linkUnread": &st.linkUnread,
	}
	for name, q := range fetchQueries {
		p, err := tx.PrepareContext(ctx, s.d.rebind(q))
		if err != nil {
			st.close()
			return nil, err
		}
		*targets[name] = p
	}
	return st, nil
}

func (st *fetchStmts) close() {
	for _, p := range []*sql.Stmt{st.updateFeed, st.sourceByGUID, st.articleByURL, st.hasSource, st.insertArticle,
		st.insertSource, st.insertStates, st.updateSource, st.updateArticle, st.updateStates, st.addUnread, st.linkUnread} {
		if p != nil {
			p.Close()
		}
	}
}

// SaveFetches saves each result's fetch state and entries in one
// transaction. For each entry it looks for the feed's source with the same
// GUID (the URL when GUID is empty; an entry with neither is skipped), then
// for an article with the same canonical URL from any feed, which gains
// the feed as a source; otherwise it inserts a new article, visible and
// unread to every subscriber of the feed. A matched source whose Hash
// differs is updated, and so is its article's content when the feed is the
// article's original one; an entry whose Hash is unchanged writes nothing.
// A zero Published becomes the time of saving. Results for feeds that no
// longer exist (deleted while being fetched) are skipped and get an empty
// SaveResult.
func (s *Store) SaveFetches(ctx context.Context, results []digest.FetchResult) ([]digest.SaveResult, error) {
	if len(results) == 0 {
		return nil, nil
	}
	now := s.now().UTC()
	out := make([]digest.SaveResult, 0, len(results))
	var rows, states int64
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		st, err := s.prepareFetch(ctx, tx)
		if err != nil {
			return err
		}
		defer st.close()
		for i := range results {
			r := &results[i]
			sr := digest.SaveResult{FeedID: r.FeedID}
			ok, err := st.saveState(ctx, r)
			if err != nil {
				return wrapFeed(r.FeedID, err)
			}
			if ok {
				states++
				for j := range r.Entries {
					n, err := st.saveEntry(ctx, r.FeedID, &r.Entries[j], now, &sr)
					if err != nil {
						return wrapFeed(r.FeedID, err)
					}
					rows += n
				}
				// New articles are unread for every subscriber.
				if len(sr.Created) > 0 {
					if _, err := st.addUnread.ExecContext(ctx, len(sr.Created), r.FeedID); err != nil {
						return wrapFeed(r.FeedID, err)
					}
				}
			} else {
				s.logger.DebugContext(ctx, "fetch result for missing feed skipped", "feed_id", r.FeedID)
			}
			out = append(out, sr)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("save fetches", err)
	}
	s.written.Add(rows)
	s.states.Add(states)
	return out, nil
}

func wrapFeed(id int64, err error) error {
	return wrap("feed "+itoa(id), err)
}

// saveState saves r's fetch state and metadata; false if the feed is gone.
func (st *fetchStmts) saveState(ctx context.Context, r *digest.FetchResult) (bool, error) {
	fs := &r.State
	title, site := clean(r.Title), clean(r.SiteURL)
	res, err := st.updateFeed.ExecContext(ctx, clean(fs.ETag), clean(fs.LastModified), dbTime(fs.LastCheck), dbTime(fs.NextCheck),
		clean(fs.LastError), fs.ErrorCount, int64(fs.Interval), title, title, site, site, r.FeedID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// saveEntry stores one entry and returns the number of rows it wrote.
func (st *fetchStmts) saveEntry(ctx context.Context, feedID int64, e *digest.Entry, now time.Time, sr *digest.SaveResult) (int64, error) {
	url := clean(strings.TrimSpace(e.URL))
	guid := clean(e.GUID)
	if guid == "" {
		guid = url
	}
	if guid == "" {
		return 0, nil
	}
	hash := clean(e.Hash)
	published := dbTime(e.Published)
	if published == 0 {
		published = dbTime(now)
	}
	title, link := clean(e.Title), clean(e.Link)
	entryPublished := dbTime(e.Published)

	// 1. The feed's own entry, seen before.
	var articleID, origFeed, oldPublished int64
	var oldHash string
	err := st.sourceByGUID.QueryRowContext(ctx, feedID, guid).Scan(&articleID, &oldHash, &origFeed, &oldPublished)
	switch {
	case err == nil:
		if oldHash == hash {
			return 0, nil
		}
		if _, err := st.updateSource.ExecContext(ctx, link, title, entryPublished, hash, feedID, guid); err != nil {
			return 0, err
		}
		if origFeed != feedID {
			return 1, nil // another outlet's article: its text is not ours to change
		}
		if e.Published.IsZero() {
			published = oldPublished
		}
		text := clean(e.Text)
		if _, err := st.updateArticle.ExecContext(ctx, title, clean(e.Author), published, dbTime(e.Updated), clean(e.Lang),
			clean(e.ImageURL), clean(e.Summary), clean(e.Content), text, entryWords(e, text), e.Extracted, articleID); err != nil {
			return 0, err
		}
		written := int64(2)
		if published != oldPublished {
			res, err := st.updateStates.ExecContext(ctx, published, articleID, published)
			if err != nil {
				return 0, err
			}
			n, _ := res.RowsAffected()
			written += n
		}
		sr.Updated = append(sr.Updated, articleID)
		return written, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, err
	}

	// 2. The same article through another feed, or re-published by this
	// one under a new GUID.
	if url != "" {
		err := st.articleByURL.QueryRowContext(ctx, url).Scan(&articleID, &oldPublished)
		switch {
		case err == nil:
			var had int
			if err := st.hasSource.QueryRowContext(ctx, articleID, feedID).Scan(&had); err != nil {
				return 0, err
			}
			if _, err := st.insertSource.ExecContext(ctx, feedID, guid, articleID, link, title, entryPublished, false, hash, dbTime(now)); err != nil {
				return 0, err
			}
			res, err := st.insertStates.ExecContext(ctx, articleID, oldPublished, feedID)
			if err != nil {
				return 0, err
			}
			n, _ := res.RowsAffected()
			if had == 0 {
				sr.Linked = append(sr.Linked, articleID)
				res, err := st.linkUnread.ExecContext(ctx, feedID, articleID)
				if err != nil {
					return 0, err
				}
				m, _ := res.RowsAffected()
				n += m
			}
			return 1 + n, nil
		case !errors.Is(err, sql.ErrNoRows):
			return 0, err
		}
	}

	// 3. A new article.
	var urlArg any
	if url != "" {
		urlArg = url
	}
	text := clean(e.Text)
	if err := st.insertArticle.QueryRowContext(ctx, urlArg, title, clean(e.Author), published, dbTime(e.Updated), clean(e.Lang),
		clean(e.ImageURL), clean(e.Summary), clean(e.Content), text, entryWords(e, text), e.Extracted, dbTime(now), feedID).Scan(&articleID); err != nil {
		return 0, err
	}
	if _, err := st.insertSource.ExecContext(ctx, feedID, guid, articleID, link, title, entryPublished, true, hash, dbTime(now)); err != nil {
		return 0, err
	}
	res, err := st.insertStates.ExecContext(ctx, articleID, published, feedID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	sr.Created = append(sr.Created, articleID)
	return 2 + n, nil
}

// entryWords counts the words of an entry's text, or of its summary when it
// has no text.
func entryWords(e *digest.Entry, text string) int {
	if text != "" {
		return wordCount(text)
	}
	return wordCount(e.Summary)
}
