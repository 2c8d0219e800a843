// Package sqlstore implements digest.Store once for every SQL database. The
// query logic lives here; what differs between databases is a Dialect, and
// the packages store/sqlite and store/postgres only open the
// database, run their migrations and hand both to New.
//
// # Schema contract
//
// A dialect's migrations (see store/sqlite/migrations) must create the same
// tables and columns: users (with role, password_hash and settings), sessions,
// credentials, categories (per user, unique titles),
// icons, feeds, subscriptions (per user: title, category and the unread
// counter; indexed by (user_id, category, feed_id)), articles (one per canonical URL, NULL when unknown), sources
// (PRIMARY KEY (feed_id, guid); article_published copied from the article,
// indexed with (feed_id, article_published DESC, article_id DESC, guid)),
// article_states (per user: published copied from the article, read,
// starred; the row exists while the user sees the article), stories,
// entities (with name_key, base_key, first_word and last_word, each
// indexed: see entities.go; filled by the migration named entity_keys,
// whose Go step this package runs, and kept by RefreshEntityKeys with
// the fingerprint in entity_keys_version) and story_entities (with the story's
// last_seen, indexed by (entity_id, last_seen DESC, story_id DESC,
// count)), with the foreign keys'
// ON DELETE actions of the SQLite schema. Times are BIGINT microseconds
// since the epoch, 0 for unknown; durations are BIGINT nanoseconds; flags
// are BOOLEAN (SQLite: INTEGER 0/1), used with NOT, OR and TRUE/FALSE.
// Parameters whose type the database cannot infer are CAST. Text passed
// to the database never holds NUL bytes or invalid UTF-8.
//
// # Performance notes
//
// Listing pages scan article_states by (user_id, published DESC,
// article_id DESC), with partial indexes for unread and starred; a feed's
// page scans its sources by (feed_id, article_published DESC, article_id
// DESC). Both copies of an article's published time are updated with it. Unread
// counts per feed are maintained in subscriptions.unread by every write
// that changes them (SaveFetches, MarkRead, MergeArticles, CreateFeed);
// storetest checks them against a count after every test. SaveFetches
// writes single rows by key (see its statements for why) and looks up a
// result's known GUIDs and URLs with a few IN queries. Feeds is cached
// while Dialect.DataVersion says nothing was committed, and read as one
// packed value where the dialect can (Dialect.GroupConcat); lists of
// feeds for people use FeedsPage, which reads one page. Its orders compare
// text bytewise, as SQLite's BINARY collation does (PostgreSQL: COLLATE
// "C"). A search for
// words most articles contain checks each article of the walk
// (Dialect.SearchCheck) instead of listing every match.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/search"
)

// Store is a digest.Store on a SQL database. Writes go through one
// *sql.DB and reads through another, which may be the same: SQLite
// serialises writes through a single connection so that no write ever
// fails with "database is locked", while reads run concurrently.
type Store struct {
	write   *sql.DB
	read    *sql.DB
	bg      *sql.DB // reads of background work (digest.WithBackground); nil: read
	d       *Dialect
	logger  *slog.Logger
	now     func() time.Time
	written atomic.Int64 // rows written by SaveFetches for entries
	states  atomic.Int64 // fetch-state rows written by SaveFetches

	feedCache feedCache
	feedFacts feedFacts   // see Dialect.FeedFactsVersion
	stmts     stmtCache   // see Dialect.PrepareReads
	ruleSets  ruleSets    // compiled rules of running rule jobs
	version   versionConn // see DataVersion
}

var _ digest.Store = (*Store)(nil)

// New returns a Store writing through write and reading through read (they
// may be the same pool). The schema must already be migrated. The Store
// owns both and closes them in Close.
func New(write, read *sql.DB, d *Dialect, logger *slog.Logger) *Store {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Store{write: write, read: read, d: d, logger: logger, now: time.Now}
}

// SetBackgroundReads makes the reads of contexts marked with
// digest.WithBackground (post-processing, the story engine, rule jobs) go
// through bg instead of the read pool, so that readers and background
// work do not queue for each other's connections. Call it before the
// store is used; the Store owns bg and closes it in Close.
func (s *Store) SetBackgroundReads(bg *sql.DB) { s.bg = bg }

// reader returns the pool the reads of ctx go through.
func (s *Store) reader(ctx context.Context) *sql.DB {
	if s.bg != nil && digest.IsBackground(ctx) {
		return s.bg
	}
	return s.read
}

// Stats counts what SaveFetches wrote since the store was opened.
type Stats struct {
	// EntryRows is the number of rows inserted or updated for entries:
	// articles, sources and per-user article states. An unchanged entry
	// adds nothing.
	EntryRows int64
	// FetchStates is the number of feeds whose fetch state was saved.
	FetchStates int64
}

// Stats returns the write counters. They are updated after each committed
// SaveFetches.
func (s *Store) Stats() Stats {
	return Stats{EntryRows: s.written.Load(), FetchStates: s.states.Load()}
}

// WriteCount returns the number of entry rows SaveFetches has written
// (Stats().EntryRows).
func (s *Store) WriteCount() int64 { return s.written.Load() }

// Close closes the database handles.
func (s *Store) Close() error {
	s.feedCache.close()
	s.version.close()
	err := s.stmts.close()
	err = errors.Join(err, s.write.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	if s.bg != nil {
		err = errors.Join(err, s.bg.Close())
	}
	return err
}

// writeTx runs fn in a transaction on the writer and commits it if fn
// returns nil.
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // the error of fn is the one that matters
		return err
	}
	return tx.Commit()
}

// exec runs a statement on tx with the query rebound for the dialect.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, q string, args ...any) (sql.Result, error) {
	return tx.ExecContext(ctx, s.d.rebind(q), args...)
}

func (s *Store) txRow(ctx context.Context, tx *sql.Tx, q string, args ...any) *sql.Row {
	return tx.QueryRowContext(ctx, s.d.rebind(q), args...)
}

func (s *Store) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	pool, q := s.reader(ctx), s.d.rebind(q)
	if s.d.PrepareReads {
		if st, release := s.stmts.get(ctx, pool, q); st != nil {
			defer release() // the row keeps the statement until scanned
			return st.QueryRowContext(ctx, args...)
		}
	}
	return pool.QueryRowContext(ctx, q, args...)
}

func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	pool, q := s.reader(ctx), s.d.rebind(q)
	if s.d.PrepareReads {
		if st, release := s.stmts.get(ctx, pool, q); st != nil {
			defer release() // the rows keep the statement until closed
			return st.QueryContext(ctx, args...)
		}
	}
	return pool.QueryContext(ctx, q, args...)
}

// index (re)indexes an article for search.
func (s *Store) index(ctx context.Context, tx *sql.Tx, id int64, title, summary, text string) error {
	if s.d.SearchIndex == "" {
		return nil
	}
	if s.d.SearchDocument != nil {
		_, err := s.exec(ctx, tx, s.d.SearchIndex, id, s.d.SearchDocument(title, SearchSummary(summary, text), text))
		return err
	}
	_, err := s.exec(ctx, tx, s.d.SearchIndex, id, title, SearchSummary(summary, text), text)
	return err
}

// SearchSummary returns the summary to index for search (store/migrate
// builds PostgreSQL documents with it too): empty when
// every word of it is a word of the text (a summary cut from the start of
// the text, or made of its sentences, as feeds, the feed parser and the
// summariser make it), since its words are then indexed with the text.
// Indexing them twice took a third of the time of saving an entry. A word
// must appear whole and with the same case: a summary cut in the middle of
// a word is indexed, so the word's start still matches.
func SearchSummary(summary, text string) string {
	// Quick path: the start of the text, cut at a word's end.
	head := strings.TrimRight(strings.TrimSuffix(summary, "…"), " \t\n")
	if strings.HasPrefix(text, head) {
		last, _ := utf8.DecodeLastRuneInString(head)
		next, _ := utf8.DecodeRuneInString(text[len(head):])
		if head == "" || len(text) == len(head) || !isTokenRune(last) || !isTokenRune(next) {
			return ""
		}
	}
	rest := summary
	for {
		i := strings.IndexFunc(rest, isTokenRune)
		if i < 0 {
			return ""
		}
		rest = rest[i:]
		j := strings.IndexFunc(rest, notTokenRune)
		if j < 0 {
			j = len(rest)
		}
		if !hasWord(text, rest[:j]) {
			return summary
		}
		rest = rest[j:]
	}
}

// hasWord reports whether w is a whole word of text: not preceded or
// followed by a token character.
func hasWord(text, w string) bool {
	for from := 0; ; {
		i := strings.Index(text[from:], w)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(w)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if (start == 0 || !isTokenRune(before)) && (end == len(text) || !isTokenRune(after)) {
			return true
		}
		from = start + 1
	}
}

// isTokenRune reports whether the search index (SQLite FTS5 unicode61
// with diacritics removed) may count r as part of a word: letters,
// numbers, private-use characters and combining marks.
func isTokenRune(r rune) bool { return search.IsTokenRune(r) }

func notTokenRune(r rune) bool { return !isTokenRune(r) }

// unindex removes articles from the search index.
func (s *Store) unindex(ctx context.Context, tx *sql.Tx, ids ...int64) error {
	if s.d.SearchUnindex == "" {
		return nil
	}
	for _, id := range ids {
		if _, err := s.exec(ctx, tx, s.d.SearchUnindex, id); err != nil {
			return err
		}
	}
	return nil
}

// chunks splits ids into slices small enough for one statement's bind
// parameters, leaving room for reserve other parameters.
func (s *Store) chunks(ids []int64, reserve int) [][]int64 {
	n := 500
	if s.d.MaxParams > 0 {
		n = min(n, s.d.MaxParams-reserve)
	}
	var out [][]int64
	for len(ids) > n {
		out = append(out, ids[:n])
		ids = ids[n:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}

// inList returns "?, ?, ?" for n parameters and the ids as arguments.
func inList(ids []int64) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// dbTime converts t to microseconds since the epoch; the zero time is 0.
func dbTime(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// goTime is the inverse of dbTime, in UTC.
func goTime(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// nullID maps 0 to NULL for optional references.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// clean makes s storable in every dialect: PostgreSQL refuses NUL bytes and
// invalid UTF-8 in text, so both are removed (invalid sequences become
// U+FFFD) before any write, and every database stores the same text.
func clean(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// wordCount counts the words of plain text: what strings.Fields would
// return, without building the list.
func wordCount(text string) int {
	n := 0
	in := false
	for _, r := range text {
		space := unicode.IsSpace(r)
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// notFound returns an ENOTFOUND error.
func notFound(what string, id int64) error {
	return digest.Errorf(digest.ENOTFOUND, "%s %d not found", what, id)
}

// wrap adds the operation to err; a *digest.Error in the chain keeps its
// code and message for digest.ErrorCode and digest.ErrorMessage.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// scanIDs reads a column of IDs and closes rows.
func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
