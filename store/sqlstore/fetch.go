package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// lookupChunk is the number of GUIDs or URLs one lookup statement of
// SaveFetches binds; shorter lists repeat their first element.
const lookupChunk = 32

// knownSource is a feed's source found by GUID.
type knownSource struct {
	articleID, origFeed, published int64 // published: the article's
	hash                           string
}

// knownArticle is an article found by canonical URL.
type knownArticle struct{ id, feed, published int64 }

// fetchStmts are the statements of one SaveFetches transaction, prepared
// once per call.
type fetchStmts struct {
	updateFeed, sourcesByGUID, articlesByURL, hasSource, insertArticle,
	insertSource, subscribers, insertState, updateSource, updateArticle, updateStates, updateSorts, addUnread, isUnread, queuePost *stmt

	index        *stmt // nil when the dialect has no SearchIndex
	indexNew     *stmt // Dialect.SearchInsert, or index
	lastInsertID bool  // see Dialect.LastInsertID
	// document is Dialect.SearchDocument.
	document func(title, summary, text string) any

	users []int64 // subscribers of the feed being saved
	// The feed's sources with the GUIDs of its entries, and the articles
	// with their URLs, looked up for all entries of a result at once and
	// kept up to date as entries are saved, so that an entry repeated
	// within the batch finds what its first copy wrote.
	sources  map[string]knownSource
	articles map[string]knownArticle
	keys     []string
	args     []any

	// With Dialect.NextIDs, new articles take IDs reserved ahead (ids)
	// and their rows wait in pend until flush writes them, before the
	// rules judge the articles or before a statement reads or updates
	// rows that may be pending. The pending articles by URL (newURLs)
	// and the feeds with pending sources (newFeeds) stand in for them
	// in lookup.
	nextIDs  *stmt
	ids      []int64
	pend     [len(batchInserts)]pendingRows
	newURLs  map[string]knownArticle
	newFeeds map[int64]bool
	tx       *sql.Tx
	d        *Dialect
	// conn is the connection of tx when the dialect copies rows
	// (Dialect.CopyRows), nil otherwise.
	conn *sql.Conn
	// Also with NextIDs, to save round trips: the subscribers of every
	// feed of the batch, read at once (subs); the unread counts added
	// to subscriptions, written at once at the end (unread); sources
	// and articles looked up by one statement (lookupBoth); and IDs
	// reserved for the entries of the feeds that follow too (left:
	// their entries).
	subs       map[int64][]int64
	unread     map[[2]int64]int64 // by user and feed
	lookupBoth *stmt
	left       int
}

// maxPending is the most new articles whose rows wait to be written:
// more made the statements' buffers (texts and all) grow by megabytes
// for no gain in speed.
const maxPending = 200

// pendingRows are the bind arguments of rows waiting for one multi-row
// statement of batchInserts.
type pendingRows struct {
	args []any
	n    int // rows
}

// Tables of batchInserts, in the order flush writes them: an article
// before the rows that refer to it.
const (
	batchArticles = iota
	batchSearch
	batchSources
	batchStates
	batchQueue
)

// batchInserts are the multi-row statements of new articles (see
// Dialect.NextIDs): a head, a row repeated once per pending row, and a
// tail. They write what insertArticle, SearchInsert, insertSource,
// insertState and queuePost write for one article. The search row is
// taken from Dialect.SearchInsert (see searchInsert).
var batchInserts = [...]struct{ head, row, tail string }{
	batchArticles: {`INSERT INTO articles (id, url, title, author, published, updated, lang, image_url,
		summary, content, text, word_count, extracted, created, feed_id) VALUES `, `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ``},
	batchSearch: {},
	batchSources: {`INSERT INTO sources (feed_id, guid, article_id, url, title, published, original, hash, created, article_published) VALUES `,
		`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ``},
	batchStates: {`INSERT INTO article_states (user_id, article_id, published, read, starred) VALUES `, `(?, ?, ?, FALSE, FALSE)`,
		` ON CONFLICT (user_id, article_id) DO NOTHING`},
	batchQueue: {`INSERT INTO post_queue (article_id, steps, attempts, next_try, last_error) VALUES `, `(?, ?, 0, ?, '')`,
		` ON CONFLICT (article_id) DO UPDATE SET steps = post_queue.steps | excluded.steps, next_try = excluded.next_try`},
}

// batchCopies are the tables and columns of batchInserts for
// Dialect.CopyRows, with the values the INSERTs write as constants,
// appended to each pending row (extra). The rows are those of new
// articles, whose IDs were just reserved: no state or queue row of them
// exists, so the INSERTs' ON CONFLICT clauses have nothing to do.
var batchCopies = [...]struct {
	table string
	cols  []string
	extra []any
}{
	batchArticles: {"articles", []string{"id", "url", "title", "author", "published", "updated", "lang", "image_url",
		"summary", "content", "text", "word_count", "extracted", "created", "feed_id"}, nil},
	batchSearch: {"articles_search", []string{"article_id", "doc"}, nil},
	batchSources: {"sources", []string{"feed_id", "guid", "article_id", "url", "title", "published", "original", "hash",
		"created", "article_published"}, nil},
	batchStates: {"article_states", []string{"user_id", "article_id", "published", "read", "starred"}, []any{false, false}},
	batchQueue:  {"post_queue", []string{"article_id", "steps", "next_try", "attempts", "last_error"}, []any{0, ""}},
}

// lookupBoth is sourcesByGUID and articlesByURL in one statement (kind
// 0: a source, with its GUID; 1: an article, with its URL), binding the
// feed, lookupChunk GUIDs and lookupChunk URLs.
var lookupBoth = `SELECT 0, s.guid, s.article_id, s.hash, COALESCE(a.feed_id, 0), a.published
	FROM sources s JOIN articles a ON a.id = s.article_id WHERE s.feed_id = ? AND s.guid IN (` + params(lookupChunk) + `)
	UNION ALL SELECT 1, url, id, '', COALESCE(feed_id, 0), published FROM articles WHERE url IN (` + params(lookupChunk) + `)`

var fetchQueries = map[string]string{
	"updateFeed": `UPDATE feeds SET etag = ?, last_modified = ?, last_check = ?, next_check = ?,
		last_error = ?, error_count = ?, interval_ns = ?, lease_until = 0, lease_owner = '',
		title = CASE WHEN ? = '' THEN title ELSE ? END,
		site_url = CASE WHEN ? = '' THEN site_url ELSE ? END
		WHERE id = ?`,
	"sourcesByGUID": `SELECT s.guid, s.article_id, s.hash, COALESCE(a.feed_id, 0), a.published
		FROM sources s JOIN articles a ON a.id = s.article_id WHERE s.feed_id = ? AND s.guid IN (` + params(lookupChunk) + `)`,
	"articlesByURL": `SELECT url, id, COALESCE(feed_id, 0), published FROM articles WHERE url IN (` + params(lookupChunk) + `)`,
	"hasSource":     `SELECT COUNT(*) FROM sources WHERE article_id = ? AND feed_id = ?`,
	"insertArticle": `INSERT INTO articles (url, title, author, published, updated, lang, image_url,
		summary, content, text, word_count, extracted, created, feed_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, // + RETURNING id unless Dialect.LastInsertID
	"insertSource": `INSERT INTO sources (feed_id, guid, article_id, url, title, published, original, hash, created, article_published)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	// Every subscriber of the feed sees the article, unread unless they
	// already had it through another feed. Statements in SaveFetches write
	// one row each, by key: in SQLite a statement that may write several
	// rows opens a savepoint, and every savepoint flushes the pending
	// full-text index to disk, which tripled the cost of an insert.
	"subscribers": `SELECT user_id FROM subscriptions WHERE feed_id = ?`,
	"insertState": `INSERT INTO article_states (user_id, article_id, published, read, starred)
		VALUES (?, ?, ?, FALSE, FALSE) ON CONFLICT (user_id, article_id) DO NOTHING`,
	"updateSource": `UPDATE sources SET url = ?, title = ?, published = ?, hash = ? WHERE feed_id = ? AND guid = ?`,
	"updateArticle": `UPDATE articles SET title = ?, author = ?, published = ?, updated = ?, lang = ?, image_url = ?,
		summary = ?, content = ?, text = ?, word_count = ?, extracted = ? WHERE id = ?`,
	"updateStates": `UPDATE article_states SET published = ? WHERE article_id = ? AND published <> ?`,
	"updateSorts":  `UPDATE sources SET article_published = ? WHERE article_id = ? AND article_published <> ?`,
	"addUnread":    `UPDATE subscriptions SET unread = unread + ? WHERE user_id = ? AND feed_id = ?`,
	// A linked article counts for a subscriber who has it unread.
	"isUnread": `SELECT COUNT(*) FROM article_states WHERE user_id = ? AND article_id = ? AND NOT read AND NOT hidden`,
	// An article's post-processing is queued with it: a crash after the
	// commit loses none of it. A changed article already queued keeps its
	// steps and gains the story's, due now.
	"queuePost": `INSERT INTO post_queue (article_id, steps, attempts, next_try, last_error) VALUES (?, ?, 0, ?, '')
		ON CONFLICT (article_id) DO UPDATE SET steps = post_queue.steps | excluded.steps, next_try = excluded.next_try`,
}

// stmt is a statement of SaveFetches. With Dialect.NextIDs (where each
// statement costs a round trip) an INSERT, or the NextIDs query, is kept
// as text, which the driver (pgx) prepares once per connection and
// keeps: preparing it anew for each transaction and deallocating it after
// cost two round trips apiece, more than an all-304 batch's own
// statements. Any other statement is prepared on its first use in the
// transaction, so that its plan is made for the table as it is: a plan
// kept for the connection's life, made while a table was empty, read the
// whole table for each lookup later.
type stmt struct {
	p     *sql.Stmt
	tx    *sql.Tx
	q     string
	perTx bool // prepare on first use (p is nil until then)
}

func (s *Store) prepare(ctx context.Context, tx *sql.Tx, q string) (*stmt, error) {
	q = s.d.rebind(q)
	if s.d.NextIDs != "" {
		return &stmt{tx: tx, q: q, perTx: !strings.HasPrefix(q, "INSERT ") && q != s.d.rebind(s.d.NextIDs)}, nil
	}
	p, err := tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &stmt{p: p}, nil
}

// ready prepares a per-transaction statement on its first use.
func (s *stmt) ready(ctx context.Context) error {
	if !s.perTx || s.p != nil {
		return nil
	}
	p, err := s.tx.PrepareContext(ctx, s.q)
	s.p = p
	return err
}

func (s *stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if s.p != nil {
		return s.p.ExecContext(ctx, args...)
	}
	return s.tx.ExecContext(ctx, s.q, args...)
}

func (s *stmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if s.p != nil {
		return s.p.QueryContext(ctx, args...)
	}
	return s.tx.QueryContext(ctx, s.q, args...)
}

// scanOne runs a statement returning one row and scans it into dest.
func (s *stmt) scanOne(ctx context.Context, dest any, args ...any) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if s.p != nil {
		return s.p.QueryRowContext(ctx, args...).Scan(dest)
	}
	return s.tx.QueryRowContext(ctx, s.q, args...).Scan(dest)
}

func (s *stmt) Close() error {
	if s.p != nil {
		return s.p.Close()
	}
	return nil
}

func (s *Store) prepareFetch(ctx context.Context, tx *sql.Tx) (*fetchStmts, error) {
	st := &fetchStmts{}
	targets := map[string]**stmt{
		"updateFeed": &st.updateFeed, "sourcesByGUID": &st.sourcesByGUID, "articlesByURL": &st.articlesByURL,
		"hasSource": &st.hasSource, "insertArticle": &st.insertArticle, "insertSource": &st.insertSource,
		"subscribers": &st.subscribers, "insertState": &st.insertState, "updateSource": &st.updateSource, "updateArticle": &st.updateArticle,
		"updateStates": &st.updateStates, "updateSorts": &st.updateSorts, "addUnread": &st.addUnread, "isUnread": &st.isUnread,
		"queuePost": &st.queuePost,
	}
	st.lastInsertID = s.d.LastInsertID
	if s.d.SearchValue != nil {
		st.document = s.d.SearchValue
	} else if s.d.SearchDocument != nil {
		doc := s.d.SearchDocument
		st.document = func(title, summary, text string) any { return doc(title, summary, text) }
	}
	for name, q := range fetchQueries {
		if name == "insertArticle" && !s.d.LastInsertID {
			q += " RETURNING id"
		}
		p, err := s.prepare(ctx, tx, q)
		if err != nil {
			st.close()
			return nil, err
		}
		*targets[name] = p
	}
	if s.d.SearchIndex != "" {
		p, err := s.prepare(ctx, tx, s.d.SearchIndex)
		if err != nil {
			st.close()
			return nil, err
		}
		st.index, st.indexNew = p, p
	}
	if s.d.SearchInsert != "" {
		p, err := s.prepare(ctx, tx, s.d.SearchInsert)
		if err != nil {
			st.close()
			return nil, err
		}
		st.indexNew = p
	}
	if s.d.NextIDs != "" {
		p, err := s.prepare(ctx, tx, s.d.NextIDs)
		if err != nil {
			st.close()
			return nil, err
		}
		st.nextIDs, st.tx, st.d = p, tx, s.d
		st.newURLs, st.newFeeds = map[string]knownArticle{}, map[int64]bool{}
		if st.lookupBoth, err = s.prepare(ctx, tx, lookupBoth); err != nil {
			st.close()
			return nil, err
		}
		st.subs, st.unread = map[int64][]int64{}, map[[2]int64]int64{}
	}
	st.sources = map[string]knownSource{}
	st.articles = map[string]knownArticle{}
	return st, nil
}

// params returns "?, ?, ?" for n parameters.
func params(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func (st *fetchStmts) close() {
	if st.indexNew == st.index {
		st.indexNew = nil
	}
	for _, p := range []*stmt{st.indexNew, st.updateFeed, st.sourcesByGUID, st.articlesByURL, st.hasSource, st.insertArticle,
		st.insertSource, st.subscribers, st.insertState, st.updateSource, st.updateArticle, st.updateStates, st.updateSorts, st.addUnread, st.isUnread, st.queuePost, st.index, st.nextIDs, st.lookupBoth} {
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
	err := s.saveTx(ctx, func(conn *sql.Conn, tx *sql.Tx) error {
		if s.d.SaveSetup != "" {
			if _, err := tx.ExecContext(ctx, s.d.SaveSetup); err != nil {
				return err
			}
		}
		st, err := s.prepareFetch(ctx, tx)
		if err != nil {
			return err
		}
		defer st.close()
		if st.nextIDs != nil && st.document != nil {
			st.conn = conn
		}
		// With NextIDs (a round trip per statement) every result's fetch
		// state is saved by one statement per batch: an all-304 refresh
		// is then a few statements per batch, not one per feed.
		var exists map[int64]bool
		if st.nextIDs != nil {
			if exists, err = st.saveStates(ctx, results); err != nil {
				return err
			}
			if err := st.loadSubscribers(ctx, results, exists); err != nil {
				return err
			}
			for i := range results {
				st.left += len(results[i].Entries)
			}
		} else {
			// Every state before any entry: the feeds' UPDATE has a
			// trigger (feed_facts_version), a statement with a trigger
			// opens a savepoint, and FTS5 writes its pending index out on
			// every savepoint (see SQLite's migration 0003). Saved between
			// feeds' entries, each feed flushed the index as a segment of
			// its own, merged again later: a tenth of a first refresh's CPU.
			exists = make(map[int64]bool, len(results))
			for i := range results {
				r := &results[i]
				ok, err := st.saveState(ctx, r)
				if err != nil {
					return wrapFeed(r.FeedID, err)
				}
				exists[r.FeedID] = ok
			}
		}
		for i := range results {
			r := &results[i]
			sr := digest.SaveResult{FeedID: r.FeedID}
			ok := exists[r.FeedID]
			st.left -= len(r.Entries)
			if ok && len(r.Entries) > 0 {
				if err := st.loadUsers(ctx, r.FeedID); err != nil {
					return wrapFeed(r.FeedID, err)
				}
				if err := st.lookup(ctx, r.FeedID, r.Entries); err != nil {
					return wrapFeed(r.FeedID, err)
				}
				if err := st.reserveIDs(ctx, r.Entries); err != nil {
					return wrapFeed(r.FeedID, err)
				}
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
					for _, u := range st.users {
						if err := st.addUnreadN(ctx, u, r.FeedID, len(sr.Created)); err != nil {
							return wrapFeed(r.FeedID, err)
						}
					}
				}
			} else {
				s.logger.DebugContext(ctx, "fetch result for missing feed skipped", "feed_id", r.FeedID)
			}
			out = append(out, sr)
		}
		if err := st.flush(ctx); err != nil {
			return err
		}
		if err := st.saveUnread(ctx); err != nil {
			return err
		}
		// The followers' rules judge what arrived, before anyone sees it.
		return s.rulesAfterSave(ctx, tx, out)
	})
	if err != nil {
		return nil, wrap("save fetches", err)
	}
	s.written.Add(rows)
	s.states.Add(states)
	return out, nil
}

// saveTx is writeTx for SaveFetches: with Dialect.CopyRows the
// transaction runs on a connection taken from the write pool, given to
// fn, through which rows are copied; otherwise conn is nil.
func (s *Store) saveTx(ctx context.Context, fn func(conn *sql.Conn, tx *sql.Tx) error) error {
	if s.d.CopyRows == nil || s.d.NextIDs == "" {
		return s.writeTx(ctx, func(tx *sql.Tx) error { return fn(nil, tx) })
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(conn, tx); err != nil {
		_ = tx.Rollback() // the error of fn is the one that matters
		return err
	}
	return tx.Commit()
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

// stateCols is the number of bind parameters of one row of saveStates.
const stateCols = 10

// saveStates saves the fetch state and metadata of every result, as
// saveState does, with one statement per Dialect.MaxParams parameters,
// and returns the IDs of the feeds that exist (the others were deleted
// while being fetched). A feed given twice gets its last result's state.
func (st *fetchStmts) saveStates(ctx context.Context, results []digest.FetchResult) (map[int64]bool, error) {
	last := make(map[int64]int, len(results))
	for i := range results {
		last[results[i].FeedID] = i
	}
	var rows []*digest.FetchResult
	for i := range results {
		if last[results[i].FeedID] == i {
			rows = append(rows, &results[i])
		}
	}
	exists := make(map[int64]bool, len(rows))
	most := len(rows)
	if st.d.MaxParams > 0 {
		most = max(1, st.d.MaxParams/stateCols)
	}
	for start := 0; start < len(rows); start += most {
		chunk := rows[start:min(start+most, len(rows))]
		var b strings.Builder
		b.WriteString(`UPDATE feeds SET etag = v.column2, last_modified = v.column3, last_check = v.column4,
			next_check = v.column5, last_error = v.column6, error_count = v.column7, interval_ns = v.column8,
			lease_until = 0, lease_owner = '',
			title = CASE WHEN v.column9 = '' THEN feeds.title ELSE v.column9 END,
			site_url = CASE WHEN v.column10 = '' THEN feeds.site_url ELSE v.column10 END
			FROM (VALUES `)
		args := make([]any, 0, len(chunk)*stateCols)
		for i, r := range chunk {
			if i == 0 {
				// The first row gives the columns their types.
				b.WriteString(`(CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT),
					CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT))`)
			} else {
				b.WriteString(", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
			}
			fs := &r.State
			args = append(args, r.FeedID, clean(fs.ETag), clean(fs.LastModified), dbTime(fs.LastCheck), dbTime(fs.NextCheck),
				clean(fs.LastError), fs.ErrorCount, int64(fs.Interval), clean(r.Title), clean(r.SiteURL))
		}
		b.WriteString(`) AS v WHERE feeds.id = v.column1 RETURNING feeds.id`)
		res, err := st.tx.QueryContext(ctx, st.d.rebind(b.String()), args...)
		if err != nil {
			return nil, err
		}
		for res.Next() {
			var id int64
			if err := res.Scan(&id); err != nil {
				res.Close()
				return nil, err
			}
			exists[id] = true
		}
		if err := res.Close(); err != nil {
			return nil, err
		}
		if err := res.Err(); err != nil {
			return nil, err
		}
	}
	return exists, nil
}

// saveEntry stores one entry and returns the number of rows it wrote.
func (st *fetchStmts) saveEntry(ctx context.Context, feedID int64, e *digest.Entry, now time.Time, sr *digest.SaveResult) (int64, error) {
	guid, url := entryKeys(e)
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
	var articleID, oldPublished int64
	if src, ok := st.sources[guid]; ok {
		articleID, oldPublished = src.articleID, src.published
		if src.hash == hash {
			return 0, nil
		}
		if err := st.flush(ctx); err != nil { // the rows updated below may be pending
			return 0, err
		}
		if _, err := st.updateSource.ExecContext(ctx, link, title, entryPublished, hash, feedID, guid); err != nil {
			return 0, err
		}
		src.hash = hash
		st.sources[guid] = src
		if src.origFeed != feedID {
			return 1, nil // another outlet's article: its text is not ours to change
		}
		if e.Published.IsZero() {
			published = oldPublished
		}
		text, summary := clean(e.Text), clean(e.Summary)
		if _, err := st.updateArticle.ExecContext(ctx, title, clean(e.Author), published, dbTime(e.Updated), clean(e.Lang),
			clean(e.ImageURL), summary, clean(e.Content), text, entryWords(e, text), e.Extracted, articleID); err != nil {
			return 0, err
		}
		if err := st.reindex(ctx, st.index, articleID, title, summary, text); err != nil {
			return 0, err
		}
		st.setPublished(articleID, published)
		written := int64(2)
		if published != oldPublished {
			res, err := st.updateStates.ExecContext(ctx, published, articleID, published)
			if err != nil {
				return 0, err
			}
			n, _ := res.RowsAffected()
			written += n
			if _, err := st.updateSorts.ExecContext(ctx, published, articleID, published); err != nil {
				return 0, err
			}
		}
		if _, err := st.queuePost.ExecContext(ctx, articleID, int64(digest.StepStory), dbTime(now)); err != nil {
			return 0, err
		}
		sr.Updated = append(sr.Updated, articleID)
		return written + 1, nil
	}

	// 2. The same article through another feed, or re-published by this
	// one under a new GUID.
	if url != "" {
		if a, ok := st.articles[url]; ok {
			articleID, oldPublished = a.id, a.published
			if err := st.flush(ctx); err != nil { // the rows read below may be pending
				return 0, err
			}
			var had int
			if err := st.hasSource.scanOne(ctx, &had, articleID, feedID); err != nil {
				return 0, err
			}
			if _, err := st.insertSource.ExecContext(ctx, feedID, guid, articleID, link, title, entryPublished, false, hash, dbTime(now), oldPublished); err != nil {
				return 0, err
			}
			st.sources[guid] = knownSource{articleID: articleID, origFeed: a.feed, published: oldPublished, hash: hash}
			n, err := st.insertStates(ctx, articleID, oldPublished)
			if err != nil {
				return 0, err
			}
			if had == 0 {
				sr.Linked = append(sr.Linked, articleID)
				for _, u := range st.users {
					var unread int
					if err := st.isUnread.scanOne(ctx, &unread, u, articleID); err != nil {
						return 0, err
					}
					if unread > 0 {
						if err := st.addUnreadN(ctx, u, feedID, 1); err != nil {
							return 0, err
						}
						n++
					}
				}
			}
			return 1 + n, nil
		}
	}

	// 3. A new article.
	var urlArg any
	if url != "" {
		urlArg = url
	}
	text, summary := clean(e.Text), clean(e.Summary)
	if st.nextIDs != nil && len(st.ids) > 0 {
		articleID, st.ids = st.ids[0], st.ids[1:]
		st.pending(batchArticles, articleID, urlArg, title, clean(e.Author), published, dbTime(e.Updated), clean(e.Lang),
			clean(e.ImageURL), summary, clean(e.Content), text, entryWords(e, text), e.Extracted, dbTime(now), feedID)
		if st.indexNew != nil {
			if st.document != nil {
				st.pending(batchSearch, articleID, st.document(title, SearchSummary(summary, text), text))
			} else {
				st.pending(batchSearch, articleID, title, SearchSummary(summary, text), text)
			}
		}
		st.pending(batchSources, feedID, guid, articleID, link, title, entryPublished, true, hash, dbTime(now), published)
		for _, u := range st.users {
			st.pending(batchStates, u, articleID, published)
		}
		st.pending(batchQueue, articleID, int64(digest.AllSteps), dbTime(now))
		st.sources[guid] = knownSource{articleID: articleID, origFeed: feedID, published: published, hash: hash}
		st.newFeeds[feedID] = true
		if url != "" {
			st.articles[url] = knownArticle{id: articleID, feed: feedID, published: published}
			st.newURLs[url] = st.articles[url]
		}
		sr.Created = append(sr.Created, articleID)
		if st.pend[batchArticles].n >= maxPending {
			if err := st.flush(ctx); err != nil {
				return 0, err
			}
		}
		// A new article's ID is in no article_states row yet: every
		// subscriber's row is inserted.
		return 3 + int64(len(st.users)), nil
	}
	args := []any{urlArg, title, clean(e.Author), published, dbTime(e.Updated), clean(e.Lang),
		clean(e.ImageURL), summary, clean(e.Content), text, entryWords(e, text), e.Extracted, dbTime(now), feedID}
	if st.lastInsertID {
		res, err := st.insertArticle.ExecContext(ctx, args...)
		if err != nil {
			return 0, err
		}
		if articleID, err = res.LastInsertId(); err != nil {
			return 0, err
		}
	} else if err := st.insertArticle.scanOne(ctx, &articleID, args...); err != nil {
		return 0, err
	}
	if err := st.reindex(ctx, st.indexNew, articleID, title, summary, text); err != nil {
		return 0, err
	}
	if _, err := st.insertSource.ExecContext(ctx, feedID, guid, articleID, link, title, entryPublished, true, hash, dbTime(now), published); err != nil {
		return 0, err
	}
	st.sources[guid] = knownSource{articleID: articleID, origFeed: feedID, published: published, hash: hash}
	if url != "" {
		st.articles[url] = knownArticle{id: articleID, feed: feedID, published: published}
	}
	n, err := st.insertStates(ctx, articleID, published)
	if err != nil {
		return 0, err
	}
	if _, err := st.queuePost.ExecContext(ctx, articleID, int64(digest.AllSteps), dbTime(now)); err != nil {
		return 0, err
	}
	sr.Created = append(sr.Created, articleID)
	return 3 + n, nil
}

// reindex indexes an article for search with stmt (st.index, or
// st.indexNew for a new article).
func (st *fetchStmts) reindex(ctx context.Context, stmt *stmt, id int64, title, summary, text string) error {
	if stmt == nil {
		return nil
	}
	if st.document != nil {
		_, err := stmt.ExecContext(ctx, id, st.document(title, SearchSummary(summary, text), text))
		return err
	}
	_, err := stmt.ExecContext(ctx, id, title, SearchSummary(summary, text), text)
	return err
}

// setPublished records a new published time of an article in the lookup
// maps.
func (st *fetchStmts) setPublished(id, published int64) {
	for k, src := range st.sources {
		if src.articleID == id {
			src.published = published
			st.sources[k] = src
		}
	}
	for k, a := range st.articles {
		if a.id == id {
			a.published = published
			st.articles[k] = a
		}
	}
}

// entryKeys returns the GUID (the URL when it has none; empty when it has
// neither) and canonical URL an entry is stored under.
func entryKeys(e *digest.Entry) (guid, url string) {
	url = clean(strings.TrimSpace(e.URL))
	guid = clean(e.GUID)
	if guid == "" {
		guid = url
	}
	return guid, url
}

// lookup loads into st.sources the feed's sources with the GUIDs of
// entries, and into st.articles the articles with the URLs of the other
// entries, lookupChunk keys per query.
func (st *fetchStmts) lookup(ctx context.Context, feedID int64, entries []digest.Entry) error {
	if st.newFeeds[feedID] {
		// The feed's sources written earlier in the batch must be found.
		if err := st.flush(ctx); err != nil {
			return err
		}
	}
	clear(st.sources)
	clear(st.articles)
	st.keys = st.keys[:0]
	seen := make(map[string]bool, len(entries))
	for i := range entries {
		if guid, _ := entryKeys(&entries[i]); guid != "" && !seen[guid] {
			seen[guid] = true
			st.keys = append(st.keys, guid)
		}
	}
	if st.lookupBoth != nil {
		return st.lookupAtOnce(ctx, feedID, entries)
	}
	err := st.lookupChunks(ctx, st.sourcesByGUID, []any{feedID}, func(rows *sql.Rows) error {
		var guid string
		var src knownSource
		if err := rows.Scan(&guid, &src.articleID, &src.hash, &src.origFeed, &src.published); err != nil {
			return err
		}
		st.sources[guid] = src
		return nil
	})
	if err != nil {
		return err
	}
	st.keys = st.keys[:0]
	clear(seen)
	for i := range entries {
		guid, url := entryKeys(&entries[i])
		if _, known := st.sources[guid]; !known && url != "" && !seen[url] {
			seen[url] = true
			st.keys = append(st.keys, url)
		}
	}
	err = st.lookupChunks(ctx, st.articlesByURL, nil, func(rows *sql.Rows) error {
		var url string
		var a knownArticle
		if err := rows.Scan(&url, &a.id, &a.feed, &a.published); err != nil {
			return err
		}
		st.articles[url] = a
		return nil
	})
	if err != nil {
		return err
	}
	// Articles of other feeds of the batch, not written yet.
	for _, url := range st.keys {
		if a, ok := st.newURLs[url]; ok {
			st.articles[url] = a
		}
	}
	return nil
}

// lookupChunks runs stmt with the leading arguments and st.keys,
// lookupChunk keys at a time, and calls scan for every row.
func (st *fetchStmts) lookupChunks(ctx context.Context, stmt *stmt, lead []any, scan func(*sql.Rows) error) error {
	for start := 0; start < len(st.keys); start += lookupChunk {
		chunk := st.keys[start:min(start+lookupChunk, len(st.keys))]
		st.args = append(st.args[:0], lead...)
		for i := range lookupChunk {
			if i < len(chunk) {
				st.args = append(st.args, chunk[i])
			} else {
				st.args = append(st.args, chunk[0])
			}
		}
		rows, err := stmt.QueryContext(ctx, st.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// loadUsers loads the subscribers of a feed into st.users.
func (st *fetchStmts) loadUsers(ctx context.Context, feedID int64) error {
	if st.subs != nil {
		st.users = st.subs[feedID]
		return nil
	}
	st.users = st.users[:0]
	rows, err := st.subscribers.QueryContext(ctx, feedID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var u int64
		if err := rows.Scan(&u); err != nil {
			return err
		}
		st.users = append(st.users, u)
	}
	return rows.Err()
}

// insertStates makes an article visible to the feed's subscribers and
// returns the number of rows inserted.
func (st *fetchStmts) insertStates(ctx context.Context, articleID, published int64) (int64, error) {
	var n int64
	for _, u := range st.users {
		res, err := st.insertState.ExecContext(ctx, u, articleID, published)
		if err != nil {
			return 0, err
		}
		m, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		n += m
	}
	return n, nil
}

// entryWords counts the words of an entry's text, or of its summary when it
// has no text.
func entryWords(e *digest.Entry, text string) int {
	if text != "" {
		return wordCount(text)
	}
	return wordCount(e.Summary)
}

// reserveIDs makes sure st.ids holds an ID for every entry that may be a
// new article (Dialect.NextIDs; nothing without it). IDs left over are
// used for the next result's new articles.
func (st *fetchStmts) reserveIDs(ctx context.Context, entries []digest.Entry) error {
	if st.nextIDs == nil {
		return nil
	}
	need := 0
	for i := range entries {
		guid, url := entryKeys(&entries[i])
		if guid == "" {
			continue
		}
		if _, ok := st.sources[guid]; ok {
			continue
		}
		if _, ok := st.articles[url]; ok && url != "" {
			continue
		}
		need++
	}
	if need <= len(st.ids) {
		return nil
	}
	// IDs for the new articles of the feeds that follow in the batch
	// too: one query then serves several feeds. Those left unused when
	// the batch ends are skipped (sequences have gaps anyway).
	rows, err := st.nextIDs.QueryContext(ctx, need-len(st.ids)+min(st.left, maxPending))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		st.ids = append(st.ids, id)
	}
	return rows.Err()
}

// pending adds a row to the pending rows of table t (batchArticles...).
func (st *fetchStmts) pending(t int, args ...any) {
	st.pend[t].args = append(st.pend[t].args, args...)
	st.pend[t].n++
}

// flush writes the pending rows, table by table in batchInserts order,
// as many rows a statement as Dialect.MaxParams allows.
func (st *fetchStmts) flush(ctx context.Context) error {
	for t := range st.pend {
		p := &st.pend[t]
		if p.n == 0 {
			continue
		}
		per := len(p.args) / p.n
		if st.conn != nil {
			if err := st.copyRows(ctx, t, per); err != nil {
				return err
			}
			continue
		}
		head, row, tail := batchInserts[t].head, batchInserts[t].row, batchInserts[t].tail
		if t == batchSearch {
			head, row, tail = st.searchInsert()
		}
		most := p.n
		if st.d.MaxParams > 0 {
			most = max(1, st.d.MaxParams/per)
		}
		for start := 0; start < p.n; start += most {
			n := min(most, p.n-start)
			var b strings.Builder
			b.WriteString(head)
			for i := range n {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(row)
			}
			b.WriteString(tail)
			if _, err := st.tx.ExecContext(ctx, st.d.rebind(b.String()), p.args[start*per:(start+n)*per]...); err != nil {
				return err
			}
		}
		clear(p.args)
		p.args, p.n = p.args[:0], 0
	}
	clear(st.newURLs)
	clear(st.newFeeds)
	return nil
}

// copyRows writes the pending rows of table t, of per values each, with
// Dialect.CopyRows, and empties them.
func (st *fetchStmts) copyRows(ctx context.Context, t, per int) error {
	p, c := &st.pend[t], &batchCopies[t]
	rows := make([][]any, p.n)
	for i := range rows {
		// Capped, so that appending the constants copies the row.
		row := p.args[i*per : (i+1)*per : (i+1)*per]
		if len(c.extra) > 0 {
			row = append(row, c.extra...)
		}
		rows[i] = row
	}
	err := st.conn.Raw(func(dc any) error { return st.d.CopyRows(ctx, dc, c.table, c.cols, rows) })
	clear(p.args)
	p.args, p.n = p.args[:0], 0
	return err
}

// searchInsert splits the dialect's statement indexing a new article
// (SearchInsert, else SearchIndex) into the head, row and tail of a
// multi-row statement: the row is the parenthesized list after VALUES.
func (st *fetchStmts) searchInsert() (head, row, tail string) {
	q := st.d.SearchInsert
	if q == "" {
		q = st.d.SearchIndex
	}
	i := strings.Index(q, "VALUES ") + len("VALUES ")
	depth, j := 0, i
	for ; j < len(q); j++ {
		if q[j] == '(' {
			depth++
		} else if q[j] == ')' {
			depth--
			if depth == 0 {
				j++
				break
			}
		}
	}
	return q[:i], q[i:j], q[j:]
}

// lookupAtOnce is lookup with one statement per lookupChunk GUIDs and
// URLs (lookupBoth), for st.keys, the GUIDs of entries. It looks up the
// URL of every entry, also of those whose GUID is known: saveEntry
// reads an article by URL only for an entry of unknown GUID, and an
// entry of unknown GUID with that URL would have asked for it.
func (st *fetchStmts) lookupAtOnce(ctx context.Context, feedID int64, entries []digest.Entry) error {
	guids := st.keys
	var urls []string
	seen := make(map[string]bool, len(entries))
	for i := range entries {
		if _, url := entryKeys(&entries[i]); url != "" && !seen[url] {
			seen[url] = true
			urls = append(urls, url)
		}
	}
	// An empty list binds "", which no GUID (an entry without one is
	// skipped) nor URL (an article without one has NULL) is.
	pad := func(args []any, keys []string) []any {
		for i := range lookupChunk {
			switch {
			case i < len(keys):
				args = append(args, keys[i])
			case len(keys) > 0:
				args = append(args, keys[0])
			default:
				args = append(args, "")
			}
		}
		return args
	}
	for len(guids) > 0 || len(urls) > 0 {
		g, u := guids[:min(lookupChunk, len(guids))], urls[:min(lookupChunk, len(urls))]
		guids, urls = guids[len(g):], urls[len(u):]
		st.args = pad(pad(append(st.args[:0], feedID), g), u)
		rows, err := st.lookupBoth.QueryContext(ctx, st.args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var kind int
			var key, hash string
			var id, feed, published int64
			if err := rows.Scan(&kind, &key, &id, &hash, &feed, &published); err != nil {
				rows.Close()
				return err
			}
			if kind == 0 {
				st.sources[key] = knownSource{articleID: id, origFeed: feed, published: published, hash: hash}
			} else {
				st.articles[key] = knownArticle{id: id, feed: feed, published: published}
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	// Articles of other feeds of the batch, not written yet.
	for url, a := range st.newURLs {
		if seen[url] {
			st.articles[url] = a
		}
	}
	return nil
}

// loadSubscribers reads the subscribers of the feeds of results that
// exist into st.subs, with one statement per Dialect.MaxParams feeds.
func (st *fetchStmts) loadSubscribers(ctx context.Context, results []digest.FetchResult, exists map[int64]bool) error {
	var ids []int64
	for i := range results {
		if id := results[i].FeedID; exists[id] && len(results[i].Entries) > 0 {
			if _, ok := st.subs[id]; !ok {
				st.subs[id] = nil
				ids = append(ids, id)
			}
		}
	}
	most := len(ids)
	if st.d.MaxParams > 0 {
		most = max(1, st.d.MaxParams)
	}
	for start := 0; start < len(ids); start += most {
		in, args := inList(ids[start:min(start+most, len(ids))])
		rows, err := st.tx.QueryContext(ctx, st.d.rebind(`SELECT s.feed_id, s.user_id FROM subscriptions s JOIN users u ON u.id = s.user_id
			WHERE s.feed_id IN (`+in+`)`+st.d.LockUsers), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var f, u int64
			if err := rows.Scan(&f, &u); err != nil {
				rows.Close()
				return err
			}
			st.subs[f] = append(st.subs[f], u)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// addUnreadN adds n to the unread count of user's subscription to feed:
// at once, or with NextIDs at the end of the batch (saveUnread).
func (st *fetchStmts) addUnreadN(ctx context.Context, user, feed int64, n int) error {
	if st.unread != nil {
		st.unread[[2]int64{user, feed}] += int64(n)
		return nil
	}
	_, err := st.addUnread.ExecContext(ctx, n, user, feed)
	return err
}

// saveUnread writes the unread counts addUnreadN gathered, with one
// statement per Dialect.MaxParams parameters.
func (st *fetchStmts) saveUnread(ctx context.Context) error {
	if len(st.unread) == 0 {
		return nil
	}
	keys := make([][2]int64, 0, len(st.unread))
	for k := range st.unread {
		keys = append(keys, k)
	}
	// In key order, so that two batches lock the rows in one order.
	slices.SortFunc(keys, func(a, b [2]int64) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	most := len(keys)
	if st.d.MaxParams > 0 {
		most = max(1, st.d.MaxParams/3)
	}
	for start := 0; start < len(keys); start += most {
		chunk := keys[start:min(start+most, len(keys))]
		var b strings.Builder
		b.WriteString(`UPDATE subscriptions SET unread = unread + v.column3 FROM (VALUES `)
		args := make([]any, 0, 3*len(chunk))
		for i, k := range chunk {
			if i == 0 {
				b.WriteString(`(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS INTEGER))`)
			} else {
				b.WriteString(`, (?, ?, ?)`)
			}
			args = append(args, k[0], k[1], st.unread[k])
		}
		b.WriteString(`) AS v WHERE subscriptions.user_id = v.column1 AND subscriptions.feed_id = v.column2`)
		if _, err := st.tx.ExecContext(ctx, st.d.rebind(b.String()), args...); err != nil {
			return err
		}
	}
	clear(st.unread)
	return nil
}
