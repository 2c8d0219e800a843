// Package sqlite is the default digest.Store: SQLite through the pure-Go
// driver modernc.org/sqlite, in WAL mode. All writes go through one
// connection, so concurrent writers queue instead of failing with
// "database is locked"; reads use a pool and run concurrently with them.
// The queries live in store/sqlstore; this package opens the database and
// migrates its schema.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/occasional-digest/digest/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Dialect returns SQLite's dialect for store/sqlstore: FTS5 full-text
// search maintained by the store, LastInsertId instead of RETURNING on the
// hot insert.
func Dialect() *sqlstore.Dialect {
	return &sqlstore.Dialect{
		Name:        "sqlite",
		SearchIDs:   "SELECT rowid AS id FROM articles_fts WHERE articles_fts MATCH ?",
		SearchQuery: ftsMatch,
		// No SearchRank: the store ranks the newest matches itself
		// (SearchNewest), weighing a match as bm25(articles_fts, 10.0,
		// 2.0, 1.0) did without its count of every match in the index.
		SearchNewest: "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid DESC LIMIT ?",
		SearchBody:   "{summary text} : %s",
		SearchAnd:    "(%s) AND (%s)",
		// LIMIT -1 keeps the list a subquery of its own, whose IDs look
		// up the states by key: flattened, a date: filter made SQLite
		// scan the reader's states in the date range for every ID (19 s).
		SearchRanked: "SELECT CAST(value AS INTEGER) AS id, CAST(key AS INTEGER) AS rank FROM json_each(?) LIMIT -1",
		SearchCheck:  "EXISTS (SELECT 1 FROM articles_fts WHERE articles_fts MATCH ? AND rowid = %s)",
		SearchRange:  "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ?",
		SearchBefore: "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
		SearchRangeListed: `SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? AND rowid BETWEEN ? AND ?
			AND rowid + 0 IN (SELECT value FROM json_each(?))`,
		LastInsertID:      true,
		PageIDsFirst:      true,
		SearchIndex:       "INSERT OR REPLACE INTO articles_fts (rowid, title, summary, text) VALUES (?, ?, ?, ?)",
		SearchInsert:      "INSERT INTO articles_fts (rowid, title, summary, text) VALUES (?, ?, ?, ?)",
		SearchUnindex:     "DELETE FROM articles_fts WHERE rowid = ?",
		IsUniqueViolation: isUniqueViolation,
		MaxParams:         32766,
		DataVersion:       "PRAGMA data_version",
		FoldLike:          "LIKE", // case_sensitive_like is never set
		GroupConcat:       "group_concat(%s, '')",
		FeedFactsVersion:  "(SELECT n FROM feed_facts_version)",
		PrepareReads:      true,
	}
}

func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// DB is a digest.Store on one SQLite file. Besides the digest.Store
// methods it has those of *sqlstore.Store: Stats and WriteCount.
type DB struct {
	*sqlstore.Store
	path string
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// Options tune the memory SQLite uses. The zero value means the defaults.
type Options struct {
	// WriteCacheKiB is the page cache of the one write connection, in
	// KiB (SQLite's count; modernc.org/libc's allocator rounds each
	// 4 KiB page with its header up to 8 KiB, so the memory held is
	// nearly twice that). Default 4000 (about 8 MB held; it was 8000,
	// 16 MB, the largest part of a small install's memory): the writer
	// inserts into large indexes and the full-text index. Side by side on
	// the first refresh of 5,000 farm feeds, 2000 held 4 MB less than
	// 4000 but ran 6% fewer feeds per CPU-second.
	WriteCacheKiB int
	// CheckpointPages is the write-ahead log's size, in pages, that makes
	// a commit copy it back into the database (wal_autocheckpoint).
	// Default 10000 (40 MB of 4 KiB pages, on disk): the writer commits
	// often, and a checkpoint after every commit would copy the same
	// index pages again and again. SQLite's own default is 1000.
	CheckpointPages int
	// ReadCacheKiB is the page cache of each read connection, in KiB.
	// Default 4000: reads touch few pages, and the operating system's
	// file cache serves the rest.
	ReadCacheKiB int
	// ReadConns is the size of the read pool. Default max(4, GOMAXPROCS).
	ReadConns int
	// BackgroundConns is the size of a second read pool kept for
	// background work (contexts marked with digest.WithBackground:
	// post-processing, the story engine, rule jobs), so that readers
	// never wait for a connection held by the pipeline's backlog, nor the
	// backlog for one held by readers. Default 2. A bigger pool is not
	// faster: the reads are CPU-bound, and modernc.org/libc serialises
	// SQLite's allocations behind one process-wide lock.
	BackgroundConns int
}

func (o *Options) setDefaults() {
	if o.WriteCacheKiB <= 0 {
		o.WriteCacheKiB = 4000
	}
	if o.CheckpointPages <= 0 {
		o.CheckpointPages = 10000
	}
	if o.ReadCacheKiB <= 0 {
		o.ReadCacheKiB = 4000
	}
	if o.ReadConns <= 0 {
		o.ReadConns = max(4, runtime.GOMAXPROCS(0))
	}
	if o.BackgroundConns <= 0 {
		o.BackgroundConns = 2
	}
}

// Open opens (creating it and its directory if needed) the SQLite database
// at path with the default Options and brings its schema up to date. It
// fails if the database's schema is newer than this program knows. logger
// may be nil.
func Open(ctx context.Context, path string, logger *slog.Logger) (*DB, error) {
	return OpenOptions(ctx, path, logger, Options{})
}

// OpenOptions is Open with memory settings.
func OpenOptions(ctx context.Context, path string, logger *slog.Logger, opts Options) (*DB, error) {
	opts.setDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "store")
	if path == "" {
		return nil, errors.New("open sqlite: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write, err := openPool(abs, writePool, opts)
	if err != nil {
		return nil, err
	}
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	d := Dialect()
	ms, err := sqlstore.ReadMigrations(migrationFS, "migrations")
	if err == nil {
		err = sqlstore.Migrate(ctx, write, d, ms, logger)
	}
	if err == nil {
		var n int
		if n, err = sqlstore.RefreshEntityKeys(ctx, write, d); n > 0 {
			logger.Info("entity lookup keys recomputed", slog.Int("entities", n))
		}
	}
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read, err := openPool(abs, readPool, opts)
	if err != nil {
		write.Close()
		return nil, err
	}
	bg, err := openPool(abs, backgroundPool, opts)
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	st := sqlstore.New(write, read, d, logger)
	st.SetBackgroundReads(bg)
	return &DB{Store: st, path: abs}, nil
}

// pool is what a pool of connections is for.
type pool int

const (
	writePool      pool = iota // the one writer
	readPool                   // the readers'
	backgroundPool             // background work's reads
)

// openPool opens the writer (one connection, transactions begin
// IMMEDIATE so they never fail upgrading a read lock) or a read pool.
func openPool(path string, kind pool, opts Options) (*sql.DB, error) {
	opts.setDefaults()
	writer := kind == writePool
	cache := opts.ReadCacheKiB
	if writer {
		cache = opts.WriteCacheKiB
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cache))
	// No memory-mapped I/O (SQLite's default, said here so that it stays
	// so): mapped database pages would count in the process's resident
	// memory on top of the page caches, without a bound of our own.
	q.Add("_pragma", "mmap_size(0)")
	if writer {
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", opts.CheckpointPages))
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	n := 1
	switch kind {
	case readPool:
		// Two more for the connections the store keeps to check its feed
		// cache and to answer DataVersion (Dialect.DataVersion).
		n = opts.ReadConns + 2
	case backgroundPool:
		n = opts.BackgroundConns
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}
