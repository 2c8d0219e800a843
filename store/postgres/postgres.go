// Package postgres is the digest.Store on PostgreSQL (13 or later),
// through pgx's database/sql driver. The queries live in store/sqlstore,
// shared with SQLite; this package opens the database, migrates its schema
// (migrations/, mirroring SQLite's file by file) and supplies the
// Dialect: $n parameters, full-text search on tsvector with the words
// SQLite's FTS5 index holds (see search.go), unique violations by
// SQLSTATE.
//
// Writes of one process go through one connection, as on SQLite, so that
// the store's read-then-write steps (looking an article up by URL before
// inserting it) never race each other; reads use a pool.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/occasional-digest/digest/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Dialect returns PostgreSQL's dialect for store/sqlstore.
func Dialect() *sqlstore.Dialect {
	return &sqlstore.Dialect{
		Name:        "postgres",
		Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
		SearchIDs:   "SELECT article_id AS id FROM articles_search WHERE doc @@ CAST(? AS tsquery)",
		SearchQuery: searchQuery,
		// ts_rank weighs the title (weight A) ten times the rest (D).
		// Only the 2,000 newest matches are ranked (Dialect.SearchRank).
		SearchRank: `SELECT s.article_id AS id, -ts_rank(s.doc, q.q) AS rank
			FROM (SELECT CAST(? AS tsquery) AS q) q CROSS JOIN LATERAL (SELECT article_id, doc FROM articles_search
				WHERE doc @@ q.q ORDER BY article_id DESC LIMIT 2000) s`,
		// A filtered search by relevance: the words' newest matches,
		// walked (SearchBefore); its candidates ranked by ID
		// (SearchRankAmong) and listed in their order (SearchRanked).
		SearchBefore: `SELECT article_id FROM articles_search WHERE doc @@ CAST(? AS tsquery) AND article_id < ?
			ORDER BY article_id DESC LIMIT ?`,
		SearchRankAmong: "SELECT article_id AS id, -ts_rank(doc, CAST(? AS tsquery)) AS rank FROM articles_search WHERE article_id IN (%s)",
		SearchRanked: `SELECT CAST(t.value AS BIGINT) AS id, t.ord AS rank
			FROM json_array_elements_text(CAST(? AS json)) WITH ORDINALITY AS t(value, ord)`,
		SearchCheck: "EXISTS (SELECT 1 FROM articles_search WHERE article_id = %s AND doc @@ CAST(? AS tsquery))",
		SearchAmong: "SELECT article_id FROM articles_search WHERE doc @@ CAST(? AS tsquery) AND article_id IN (%s)",
		// The planner's estimate comes from the statistics of the words
		// of the documents (most_common_elems): counting 14,000 of
		// 80,000 matches of "said" read 18,000 documents (970 ms).
		SearchEstimate: "EXPLAIN (FORMAT JSON) SELECT 1 FROM articles_search WHERE doc @@ CAST(? AS tsquery)",
		// Searches of titles alone read the index of the titles' words
		// (migrations/0031_search_titles.sql).
		TitleSearch: titleDialect(),
		SearchIndex: `INSERT INTO articles_search (article_id, doc) VALUES (?, CAST(? AS tsvector))
			ON CONFLICT (article_id) DO UPDATE SET doc = excluded.doc`,
		SearchInsert:   "INSERT INTO articles_search (article_id, doc) VALUES (?, CAST(? AS tsvector))",
		SearchDocument: searchDocument,
		SearchValue:    searchVector,
		// SearchUnindex is empty: index rows go with their article (ON
		// DELETE CASCADE).
		NextIDs: "SELECT nextval(pg_get_serial_sequence('articles', 'id')) FROM generate_series(1, CAST(? AS BIGINT))",
		// The connection's force_custom_plan (see OpenOptions) is for
		// reads; a batch of new articles plans its inserts once.
		SaveSetup:         "SET LOCAL plan_cache_mode = auto",
		CopyRows:          copyRows,
		IsUniqueViolation: isUniqueViolation,
		MaxParams:         65535,
		ValidUTF8:         true,
		// ILIKE on COLLATE "C" text folds ASCII letters only, as SQLite's
		// LIKE does (see migrations/0001_init.sql).
		FoldLike:    "ILIKE",
		GroupConcat: "string_agg(%s, '')",
		// The snapshot (the oldest running transaction, the next one and
		// those running between) changes with every commit anywhere in
		// the cluster, and only then or when a transaction starts or
		// aborts: a change of its 64-bit hash tells the feed cache to
		// read again. A commit that left the hash unchanged would go
		// unseen with a chance of 1 in 2^64.
		DataVersion: "SELECT hashtextextended(CAST(pg_current_snapshot() AS TEXT), 0)",
		SkipLocked:  " FOR UPDATE SKIP LOCKED",
		Arrays:      true,
		// A page of articles and their sources in one round trip.
		PageWithSources: true,
		// State rows no longer check their user by foreign key (see
		// migrations/0023_ingest_writes.sql).
		LockUsers: " FOR KEY SHARE OF u",
	}
}

// titleDoc is the expression of an article's title words: the positions
// of weight A of its document. The index articles_search_title is on it
// (migrations/0031_search_titles.sql), and a query uses the index only
// when written the same.
const titleDoc = "ts_filter(doc, '{a}')"

// titleDialect is the search part of the dialect for searches of titles
// alone (Dialect.TitleSearch): the same statements on titleDoc, and a
// tsquery without the weight A. A weight makes PostgreSQL check every
// document its index finds (intitle:police read each of the 24,000
// articles saying "police" anywhere at 100,000 articles), where a word
// of titleDoc is found by the index alone; ranks are those of the whole
// document, as ts_rank ignores a query's weights.
func titleDialect() *sqlstore.Dialect {
	return &sqlstore.Dialect{
		Name:        "postgres titles",
		Placeholder: func(n int) string { return "$" + strconv.Itoa(n) },
		SearchIDs:   "SELECT article_id AS id FROM articles_search WHERE " + titleDoc + " @@ CAST(? AS tsquery)",
		SearchQuery: titleQuery,
		// "article_id + 0": the 2,000 newest matches are sorted out of
		// those the index lists. Walking the primary key from the newest
		// article, as the planner chose, read every article's document
		// to take its title's words (intitle:police at 1,000,000
		// articles: 95,000 documents, 5 s), a cost the planner does not
		// see.
		SearchRank: `SELECT s.article_id AS id, -ts_rank(s.doc, q.q) AS rank
			FROM (SELECT CAST(? AS tsquery) AS q) q CROSS JOIN LATERAL (SELECT article_id, doc FROM articles_search
				WHERE ` + titleDoc + ` @@ q.q ORDER BY article_id + 0 DESC LIMIT 2000) s`,
		SearchBefore: `SELECT article_id FROM articles_search WHERE ` + titleDoc + ` @@ CAST(? AS tsquery) AND article_id + 0 < ?
			ORDER BY article_id + 0 DESC LIMIT ?`,
		SearchCheck:    "EXISTS (SELECT 1 FROM articles_search WHERE article_id = %s AND " + titleDoc + " @@ CAST(? AS tsquery))",
		SearchAmong:    "SELECT article_id FROM articles_search WHERE " + titleDoc + " @@ CAST(? AS tsquery) AND article_id IN (%s)",
		SearchEstimate: "EXPLAIN (FORMAT JSON) SELECT 1 FROM articles_search WHERE " + titleDoc + " @@ CAST(? AS tsquery)",
	}
}

// copyRows is Dialect.CopyRows: pgx's CopyFrom, in binary, on the
// driver connection conn.
func copyRows(ctx context.Context, conn any, table string, cols []string, rows [][]any) error {
	c, ok := conn.(*stdlib.Conn)
	if !ok {
		return fmt.Errorf("copy into %s: %T is not a pgx connection", table, conn)
	}
	n, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy into %s: %w", table, err)
	}
	if n != int64(len(rows)) {
		return fmt.Errorf("copy into %s: %d rows of %d written", table, n, len(rows))
	}
	return nil
}

func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505" // unique_violation
}

// IsDSN reports whether s names a PostgreSQL database rather than a SQLite
// file: a postgres:// or postgresql:// URL.
func IsDSN(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// DB is a digest.Store on a PostgreSQL database. Besides the digest.Store
// methods it has those of *sqlstore.Store: Stats and WriteCount.
type DB struct {
	*sqlstore.Store
	name   string
	cfg    *pgx.ConnConfig // for the connections of locks and listeners
	logger *slog.Logger
	// content and listening answer ContentVersion: bumped by the
	// notifications Changes hears, and the number of live listeners.
	content   atomic.Uint64
	listening atomic.Int32
}

// Name returns the database as user@host:port/database, without the
// password.
func (db *DB) Name() string { return db.name }

// Options tune the connection pools. The zero value means the defaults.
type Options struct {
	// ReadConns is the size of the read pool. Default max(4, GOMAXPROCS).
	ReadConns int
}

// Open connects to the PostgreSQL database of dsn (a URL,
// postgres://user:password@host:port/database?sslmode=..., or pgx's
// key=value form; libpq's PG* environment variables fill what it leaves
// out) and brings its schema up to date. It fails, naming the database
// but not the password, when the database cannot be reached or refuses
// the login, and when its schema is newer than this program knows. Other
// processes may open the same database at the same time: migrations are
// applied by one of them. logger may be nil.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*DB, error) {
	return OpenOptions(ctx, dsn, logger, Options{})
}

// OpenOptions is Open with pool settings.
func OpenOptions(ctx context.Context, dsn string, logger *slog.Logger, opts Options) (*DB, error) {
	if opts.ReadConns <= 0 {
		opts.ReadConns = max(4, runtime.GOMAXPROCS(0))
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "store")
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message shows the DSN with its password masked.
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		// Without connect_timeout a host that drops packets would hold
		// the start until the system gives up, minutes later.
		cfg.ConnectTimeout = 15 * time.Second
	}
	if _, set := cfg.RuntimeParams["plan_cache_mode"]; !set {
		// pgx prepares each statement once per connection, and after five
		// runs PostgreSQL may plan it once for any parameters. For a
		// feed's page that generic plan reads every source of the feed
		// for each row of the page (a feed of 2,000 articles: 12 ms
		// instead of 0.3 ms), where the plan made for the feed's own
		// numbers reads one index entry. Planning each run costs a
		// fraction of a millisecond.
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	if _, set := cfg.RuntimeParams["random_page_cost"]; !set {
		// PostgreSQL's default (4) prices a random read as a spinning
		// disk's, so that the story queries of the front page (a few
		// hundred stories' articles, their sources, the reader's states)
		// hash-joined whole tables: at 106,000 articles 593 ms instead
		// of 49 ms through the indexes. 1.1 is the usual value for SSDs
		// and for a database the page cache holds; a DSN may set its own.
		cfg.RuntimeParams["random_page_cost"] = "1.1"
	}
	name := fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	fail := func(err error, pools ...*sql.DB) (*DB, error) {
		for _, p := range pools {
			p.Close()
		}
		return nil, fmt.Errorf("open postgres %s: %w", name, err)
	}
	write := stdlib.OpenDB(*cfg)
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	if err := write.PingContext(ctx); err != nil {
		return fail(err, write)
	}
	if err := migrate(ctx, cfg, write, logger); err != nil {
		return fail(err, write)
	}
	read := stdlib.OpenDB(*cfg)
	// Two more for the connections the store keeps to check its feed
	// cache and to answer DataVersion (Dialect.DataVersion).
	read.SetMaxOpenConns(opts.ReadConns + 2)
	read.SetMaxIdleConns(opts.ReadConns + 2)
	return &DB{Store: sqlstore.New(write, read, Dialect(), logger), name: name, cfg: cfg, logger: logger}, nil
}

// migrateLock is the key of the advisory lock that lets one process at a
// time migrate a database (any number 64 bits hold; this one spells
// "digest" with a version).
const migrateLock = 0x6469676573740001

// migrate applies the migrations on write and recomputes stale entity
// keys, holding the migration lock meanwhile on a connection of its own:
// closing it releases the lock whatever happened.
func migrate(ctx context.Context, cfg *pgx.ConnConfig, write *sql.DB, logger *slog.Logger) error {
	ms, err := sqlstore.ReadMigrations(migrationFS, "migrations")
	if err != nil {
		return err
	}
	lock, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer lock.Close(context.WithoutCancel(ctx))
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	d := Dialect()
	if err := sqlstore.Migrate(ctx, write, d, ms, logger); err != nil {
		return err
	}
	n, err := sqlstore.RefreshEntityKeys(ctx, write, d)
	if n > 0 {
		logger.Info("entity lookup keys recomputed", slog.Int("entities", n))
	}
	return err
}
