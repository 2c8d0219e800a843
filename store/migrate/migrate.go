// Package migrate moves a digest database: Copy copies a SQLite database
// into PostgreSQL, table by table and row for row with IDs preserved,
// resumably; Backup writes a consistent copy of a SQLite database while a
// server may be using it. It is storage plumbing: it speaks SQL to both
// databases and knows the schema only as far as the order of its tables
// and the search index PostgreSQL keeps beside the articles; tables and
// columns it does not know are copied as they are.
package migrate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/sqlite"
	"github.com/occasional-digest/digest/store/sqlstore"
)

// ProgressTable is the table in the target that records, per source
// table, the key of the last row copied. A run that finds it resumes
// after those keys; a finished copy whose counts agree drops it.
const ProgressTable = "digest_migrate_progress"

// order is the order of the tables this program's schema has: each after
// those it refers to. Tables it does not know come after them, ordered by
// their own foreign keys.
var order = []string{
	"users", "icons", "feeds", "categories", "subscriptions", "sessions", "credentials",
	"stories", "entities", "story_entities", "articles", "sources", "article_states",
}

// bookkeeping tables belong to each database: the target's were written
// when this program opened it (its own migrations, its entity key
// fingerprint), and are not copied; nor is SQLite's feed_facts_version,
// a counter its triggers keep for the store's cache of feed facts
// (PostgreSQL has none).
var bookkeeping = map[string]bool{"schema_migrations": true, "entity_keys_version": true, "feed_facts_version": true, ProgressTable: true, DeferredTable: true}

// searchTable is PostgreSQL's full-text index of the articles (SQLite's
// is a virtual table, not copied): Copy builds its rows from the articles
// it copies, as the store would.
const searchTable = "articles_search"

// ErrTargetNotEmpty is returned when the target holds data and no
// unfinished copy of the same source.
var ErrTargetNotEmpty = errors.New("the target database already holds data")

// ErrCountMismatch is returned, with the Report, when a table's rows in
// the target are not as many as in the source after the copy.
var ErrCountMismatch = errors.New("row counts differ between source and target")

// Options tune Copy. The zero value means the defaults.
type Options struct {
	// BatchRows is the number of rows read and committed at a time.
	// Default 2000.
	BatchRows int
	// Logger, unless nil, is told of each table copied.
	Logger *slog.Logger
	// AfterBatch, unless nil, is called after each batch is committed to
	// the target with the table and the rows the batch copied.
	AfterBatch func(table string, rows int)
}

// TableCount is one table's rows in the source and in the target.
type TableCount struct {
	Table  string
	Source int64
	Target int64
}

// Report says what Copy did.
type Report struct {
	Source, Target string // the source's path; the target as user@host:port/database
	Resumed        bool   // a previous, interrupted run had copied part
	Copied         int64  // rows this run copied (search index rows aside)
	Elapsed        time.Duration
	// Tables are the rows of every table copied, in copy order, each
	// followed by the rows with each of its flags set ("article_states.read")
	// and, after articles, by the search index's rows.
	Tables   []TableCount
	Warnings []string // tables and columns skipped
}

// Mismatches returns the tables whose counts differ.
func (r *Report) Mismatches() []TableCount {
	var out []TableCount
	for _, t := range r.Tables {
		if t.Source != t.Target {
			out = append(out, t)
		}
	}
	return out
}

// Copy copies the SQLite database at src into the PostgreSQL database of
// the DSN dst: every table of the source that the target has (a table or
// column the target lacks is skipped with a warning in the Report), in
// dependency order, in batches of Options.BatchRows rows, each committed
// with a record of the last key copied (ProgressTable), so that a run
// cut short (a cancelled ctx, a killed process) is resumed by the next
// one. IDs are kept; the target's ID sequences continue after them.
// Both schemas are brought up to this program's version first, as
// opening them in digest would.
//
// Like pg_restore, Copy drops the target's foreign keys and secondary
// indexes while it loads the rows and restores them at the end
// (DeferredTable): a target whose copy is unfinished is not ready to
// serve.
//
// The source is read in one transaction, so one run copies one consistent
// snapshot; for the copy to be consistent across an interruption the
// source must not change in between (stop the server, or copy a Backup).
// The target must hold no data, or an unfinished copy of the same file
// (ErrTargetNotEmpty otherwise). When every table is copied, the rows
// are counted on both sides: ErrCountMismatch, with the Report, when they
// differ; otherwise the progress table is dropped.
func Copy(ctx context.Context, src, dst string, opts Options) (*Report, error) {
	start := time.Now()
	if opts.BatchRows <= 0 {
		opts.BatchRows = 2000
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "migrate")
	abs, err := filepath.Abs(src)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if _, err := os.Stat(abs); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fs.ErrNotExist
		}
		return nil, fmt.Errorf("migrate: no database at %s: %w", src, err)
	}
	// Opening a SQLite file as a store creates digest's tables in it:
	// first make sure it is a digest database.
	db, err := openSQLite(abs, true)
	if err == nil {
		err = checkSQLite(ctx, db)
		db.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("migrate: %s is not a digest database: %w", src, err)
	}
	// Bring both schemas to this program's version: the copy assumes
	// they are the same.
	s, err := sqlite.Open(ctx, abs, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate: source: %w", err)
	}
	s.Close()
	p, err := postgres.Open(ctx, dst, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate: target: %w", err)
	}
	rep := &Report{Source: abs, Target: p.Name()}
	p.Close()

	sdb, err := openSQLite(abs, true)
	if err != nil {
		return nil, fmt.Errorf("migrate: source: %w", err)
	}
	defer sdb.Close()
	sconn, err := sdb.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: source: %w", err)
	}
	defer sconn.Close()
	// One read transaction: one snapshot of the source for the whole run.
	if _, err := sconn.ExecContext(ctx, `BEGIN`); err != nil {
		return nil, fmt.Errorf("migrate: source: %w", err)
	}
	defer sconn.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`)

	cfg, err := pgx.ParseConfig(dst)
	if err != nil {
		return nil, fmt.Errorf("migrate: target: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 15 * time.Second
	}
	pconn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("migrate: target %s: %w", rep.Target, err)
	}
	defer pconn.Close(context.WithoutCancel(ctx))
	// Commits need not wait for the disk: a crash of the target loses
	// the last batches together with their progress, and the next run
	// copies them again. The indexes built at the end get more memory
	// than the default 64 MB.
	if _, err := pconn.Exec(ctx, `SET synchronous_commit = off; SET maintenance_work_mem = '256MB'`); err != nil {
		return nil, fmt.Errorf("migrate: target %s: %w", rep.Target, err)
	}

	c := &copier{src: sconn, dst: pconn, opts: opts, log: log, rep: rep}
	if err := c.plan(ctx); err != nil {
		return rep, fmt.Errorf("migrate: %w", err)
	}
	if err := c.start(ctx, abs); err != nil {
		return rep, fmt.Errorf("migrate: %w", err)
	}
	for _, t := range c.tables {
		if err := c.copyTable(ctx, t); err != nil {
			rep.Elapsed = time.Since(start)
			return rep, fmt.Errorf("migrate: table %s: %w", t.name, err)
		}
	}
	if err := c.finish(ctx); err != nil {
		rep.Elapsed = time.Since(start)
		return rep, fmt.Errorf("migrate: %w", err)
	}
	rep.Elapsed = time.Since(start)
	if len(rep.Mismatches()) > 0 {
		return rep, fmt.Errorf("migrate: %w", ErrCountMismatch)
	}
	return rep, nil
}

// querier is a SQLite connection or pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// table is a table of the source, with what the copy needs of the target.
type table struct {
	name string
	cols []string // the source's columns, in order
	pk   []string // primary key columns; none: the rowid is the key
	refs []string // tables its foreign keys refer to

	copyCols []string                 // columns both databases have
	conv     []func(any) (any, error) // per copyCols: to the target's type
	keyIdx   []int                    // positions of pk in copyCols; nil: rowid (read first)

	// progress
	lastKey []any
	done    bool
	rows    int64
}

// sqliteTables lists the source's ordinary tables (no virtual tables
// and their shadow tables, no SQLite internals) with columns, primary key
// and foreign keys.
func sqliteTables(ctx context.Context, q querier) ([]*table, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, COALESCE(sql, '') FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var names, virtual []string
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return nil, err
		}
		if strings.HasPrefix(strings.ToUpper(ddl), "CREATE VIRTUAL") {
			virtual = append(virtual, name)
			continue
		}
		names = append(names, name)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []*table
	for _, name := range names {
		if slices.ContainsFunc(virtual, func(v string) bool { return strings.HasPrefix(name, v+"_") }) {
			continue // a virtual table's shadow table
		}
		t := &table{name: name}
		type pkCol struct {
			name string
			pos  int
		}
		var pks []pkCol
		rows, err := q.QueryContext(ctx, `SELECT name, pk FROM pragma_table_info(?) ORDER BY cid`, name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var col string
			var pk int
			if err := rows.Scan(&col, &pk); err != nil {
				rows.Close()
				return nil, err
			}
			t.cols = append(t.cols, col)
			if pk > 0 {
				pks = append(pks, pkCol{col, pk})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		slices.SortFunc(pks, func(a, b pkCol) int { return a.pos - b.pos })
		for _, p := range pks {
			t.pk = append(t.pk, p.name)
		}
		rows, err = q.QueryContext(ctx, `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`, name)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var ref string
			if err := rows.Scan(&ref); err != nil {
				rows.Close()
				return nil, err
			}
			if ref != name {
				t.refs = append(t.refs, ref)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// sortTables orders tables so that each comes after the tables it refers
// to, known tables in their known order first. A cycle is broken in that
// same order.
func sortTables(ts []*table) []*table {
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	rest := slices.Clone(ts)
	slices.SortStableFunc(rest, func(a, b *table) int {
		if ra, rb := rank(a.name), rank(b.name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.name, b.name)
	})
	present := map[string]bool{}
	for _, t := range ts {
		present[t.name] = true
	}
	placed := map[string]bool{}
	var out []*table
	for len(rest) > 0 {
		pick := 0 // a cycle: take the first
		for i, t := range rest {
			if !slices.ContainsFunc(t.refs, func(r string) bool { return present[r] && !placed[r] }) {
				pick = i
				break
			}
		}
		t := rest[pick]
		out = append(out, t)
		placed[t.name] = true
		rest = slices.Delete(rest, pick, pick+1)
	}
	return out
}

type copier struct {
	src  *sql.Conn
	dst  *pgx.Conn
	opts Options
	log  *slog.Logger
	rep  *Report

	tables    []*table
	pgCols    map[string]map[string]pgColumn // table -> column -> type
	hasSearch bool
}

type pgColumn struct {
	dataType string
	serial   bool // an identity column or one a sequence fills
}

// plan lists the tables to copy and how to convert their columns.
func (c *copier) plan(ctx context.Context) error {
	ts, err := sqliteTables(ctx, c.src)
	if err != nil {
		return fmt.Errorf("read the source's tables: %w", err)
	}
	c.pgCols = map[string]map[string]pgColumn{}
	rows, err := c.dst.Query(ctx, `SELECT table_name, column_name, data_type,
		is_identity = 'YES' OR COALESCE(column_default, '') LIKE 'nextval(%'
		FROM information_schema.columns WHERE table_schema = current_schema()`)
	if err != nil {
		return fmt.Errorf("read the target's tables: %w", err)
	}
	for rows.Next() {
		var tbl, col, typ string
		var serial bool
		if err := rows.Scan(&tbl, &col, &typ, &serial); err != nil {
			rows.Close()
			return err
		}
		if c.pgCols[tbl] == nil {
			c.pgCols[tbl] = map[string]pgColumn{}
		}
		c.pgCols[tbl][col] = pgColumn{dataType: typ, serial: serial}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the target's tables: %w", err)
	}
	c.hasSearch = c.pgCols[searchTable] != nil
	for _, t := range sortTables(ts) {
		if bookkeeping[t.name] {
			continue
		}
		cols := c.pgCols[t.name]
		if cols == nil {
			c.warn("table %s: the target has no such table; not copied", t.name)
			continue
		}
		for _, col := range t.cols {
			pc, ok := cols[col]
			if !ok {
				c.warn("table %s: the target has no column %s; not copied", t.name, col)
				continue
			}
			t.copyCols = append(t.copyCols, col)
			t.conv = append(t.conv, converter(pc.dataType))
		}
		for _, k := range t.pk {
			i := slices.Index(t.copyCols, k)
			if i < 0 {
				t.keyIdx = nil // walk by rowid
				break
			}
			t.keyIdx = append(t.keyIdx, i)
		}
		c.tables = append(c.tables, t)
	}
	return nil
}

func (c *copier) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.rep.Warnings = append(c.rep.Warnings, msg)
	c.log.Warn(msg)
}

// start reads the progress of an earlier run, or checks that the target
// is empty and records that a copy of source began.
func (c *copier) start(ctx context.Context, source string) error {
	var exists bool
	if err := c.dst.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = $1)`, ProgressTable).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return c.resume(ctx, source)
	}
	var full []string
	for _, t := range c.tables {
		var any bool
		if err := c.dst.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+quote(t.name)+`)`).Scan(&any); err != nil {
			return err
		}
		if any {
			full = append(full, t.name)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("%w (%s): copy into an empty database", ErrTargetNotEmpty, strings.Join(full, ", "))
	}
	tx, err := c.dst.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `CREATE TABLE `+ProgressTable+` (
		tbl      TEXT PRIMARY KEY,
		source   TEXT NOT NULL,
		last_key TEXT NOT NULL DEFAULT '',
		done     BOOLEAN NOT NULL DEFAULT FALSE,
		rows     BIGINT NOT NULL DEFAULT 0
	)`); err != nil {
		return fmt.Errorf("create %s: %w", ProgressTable, err)
	}
	for _, t := range c.tables {
		if _, err := tx.Exec(ctx, `INSERT INTO `+ProgressTable+` (tbl, source) VALUES ($1, $2)`, t.name, source); err != nil {
			return err
		}
	}
	if err := c.defer_(ctx, tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// DeferredTable is the table in the target that holds, while a copy runs,
// the definitions of the foreign keys and secondary indexes Copy dropped
// to load the rows faster, as pg_restore does: checked and built once at
// the end, they cost a fraction of keeping them up to date row by row
// (360,000 read states: 9 s with them, 0.4 s without, 1.5 s to add them
// back). Copy restores them before it counts the rows.
const DeferredTable = "digest_migrate_deferred"

// defer_ records and drops the foreign keys and the non-unique secondary
// indexes of the tables to copy, in tx.
func (c *copier) defer_(ctx context.Context, tx pgx.Tx) error {
	names := []string{searchTable}
	for _, t := range c.tables {
		names = append(names, t.name)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE `+DeferredTable+` (
		seq  INTEGER PRIMARY KEY,
		tbl  TEXT NOT NULL,
		name TEXT NOT NULL,
		kind TEXT NOT NULL,
		def  TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create %s: %w", DeferredTable, err)
	}
	// Indexes are restored first, then foreign keys (seq order); they are
	// dropped the other way round.
	if _, err := tx.Exec(ctx, `INSERT INTO `+DeferredTable+` (seq, tbl, name, kind, def)
		SELECT row_number() OVER (ORDER BY kind, tbl, name), tbl, name, kind, def FROM (
			SELECT t.relname AS tbl, i.relname AS name, 'index' AS kind, pg_get_indexdef(i.oid) AS def
			FROM pg_index x
			JOIN pg_class i ON i.oid = x.indexrelid
			JOIN pg_class t ON t.oid = x.indrelid
			JOIN pg_namespace n ON n.oid = t.relnamespace
			WHERE n.nspname = current_schema() AND t.relname = ANY($1) AND NOT x.indisunique AND NOT x.indisprimary
				AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
			UNION ALL
			SELECT t.relname, k.conname, 'key', pg_get_constraintdef(k.oid)
			FROM pg_constraint k
			JOIN pg_class t ON t.oid = k.conrelid
			JOIN pg_namespace n ON n.oid = t.relnamespace
			WHERE n.nspname = current_schema() AND t.relname = ANY($1) AND k.contype = 'f'
		) d`, names); err != nil {
		return fmt.Errorf("record indexes and foreign keys: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT tbl, name, kind FROM `+DeferredTable+` ORDER BY seq DESC`)
	if err != nil {
		return err
	}
	var drops []string
	for rows.Next() {
		var tbl, name, kind string
		if err := rows.Scan(&tbl, &name, &kind); err != nil {
			rows.Close()
			return err
		}
		if kind == "key" {
			drops = append(drops, `ALTER TABLE `+quote(tbl)+` DROP CONSTRAINT `+quote(name))
		} else {
			drops = append(drops, `DROP INDEX `+quote(name))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, q := range drops {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// restore builds the indexes and adds the foreign keys defer_ dropped,
// each in a transaction with the removal of its record, so that an
// interrupted restore continues where it stopped.
func (c *copier) restore(ctx context.Context) error {
	var exists bool
	if err := c.dst.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name = $1)`, DeferredTable).Scan(&exists); err != nil || !exists {
		return err
	}
	for {
		var seq int
		var tbl, name, kind, def string
		err := c.dst.QueryRow(ctx, `SELECT seq, tbl, name, kind, def FROM `+DeferredTable+` ORDER BY seq LIMIT 1`).Scan(&seq, &tbl, &name, &kind, &def)
		if errors.Is(err, pgx.ErrNoRows) {
			break
		}
		if err != nil {
			return err
		}
		start := time.Now()
		q := def // CREATE INDEX ...
		if kind == "key" {
			q = `ALTER TABLE ` + quote(tbl) + ` ADD CONSTRAINT ` + quote(name) + ` ` + def
		}
		tx, err := c.dst.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, q); err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			return fmt.Errorf("restore %s of %s: %w", name, tbl, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM `+DeferredTable+` WHERE seq = $1`, seq); err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
			return err
		}
		if err := tx.Commit(ctx); err != nil {
			return err
		}
		c.log.Debug("restored", slog.String("table", tbl), slog.String(kind, name), slog.Duration("elapsed", time.Since(start)))
	}
	_, err := c.dst.Exec(ctx, `DROP TABLE `+DeferredTable)
	return err
}

func (c *copier) resume(ctx context.Context, source string) error {
	rows, err := c.dst.Query(ctx, `SELECT tbl, source, last_key, done, rows FROM `+ProgressTable)
	if err != nil {
		return err
	}
	byName := map[string]*table{}
	for _, t := range c.tables {
		byName[t.name] = t
	}
	seen := map[string]bool{}
	for rows.Next() {
		var name, from, key string
		var done bool
		var n int64
		if err := rows.Scan(&name, &from, &key, &done, &n); err != nil {
			rows.Close()
			return err
		}
		if from != source {
			rows.Close()
			return fmt.Errorf("%w: an unfinished copy of %s (table %s); finish it, or copy into another database", ErrTargetNotEmpty, from, ProgressTable)
		}
		t := byName[name]
		if t == nil {
			continue
		}
		seen[name] = true
		t.done, t.rows = done, n
		if key != "" {
			d := json.NewDecoder(strings.NewReader(key))
			d.UseNumber()
			var vs []any
			if err := d.Decode(&vs); err != nil {
				rows.Close()
				return fmt.Errorf("%s: bad key %q of table %s: %w", ProgressTable, key, name, err)
			}
			for i, v := range vs {
				if n, ok := v.(json.Number); ok {
					if x, err := n.Int64(); err == nil {
						vs[i] = x
					} else if f, err := n.Float64(); err == nil {
						vs[i] = f
					}
				}
			}
			t.lastKey = vs
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, t := range c.tables {
		if !seen[t.name] {
			if _, err := c.dst.Exec(ctx, `INSERT INTO `+ProgressTable+` (tbl, source) VALUES ($1, $2)`, t.name, source); err != nil {
				return err
			}
		}
	}
	c.rep.Resumed = true
	c.log.Info("resuming an interrupted copy")
	return nil
}

// maxBatchBytes caps the text and bytes of one batch, so that a batch of
// long articles stays small in memory.
const maxBatchBytes = 16 << 20

// batch is a run of rows read from the source, ready for the target.
type batch struct {
	rows [][]any
	key  []any    // the last row's key; nil when rows is empty
	more bool     // rows may follow
	ids  []int64  // articles: the search index rows
	docs []string //
}

// copyTable copies t's rows after its last key, a batch per transaction.
// The next batch is read from the source (and its search documents built)
// while the target writes the last one.
func (c *copier) copyTable(ctx context.Context, t *table) error {
	if t.done {
		return nil
	}
	start, copied := time.Now(), int64(0)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan batch, 1)
	var rerr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ch)
		rerr = c.readTable(rctx, t, ch)
	}()
	var werr error
	for b := range ch {
		if werr != nil {
			continue // drain until the reader stops
		}
		if werr = c.write(ctx, t, b); werr != nil {
			cancel()
			continue
		}
		copied += int64(len(b.rows))
		if c.opts.AfterBatch != nil && len(b.rows) > 0 {
			c.opts.AfterBatch(t.name, len(b.rows))
		}
	}
	wg.Wait()
	if werr != nil {
		return werr
	}
	if rerr != nil {
		return rerr
	}
	el := time.Since(start)
	c.log.Info("table copied", slog.String("table", t.name), slog.Int64("rows", copied),
		slog.Duration("elapsed", el), slog.Int("rows_per_s", int(float64(copied)/max(el.Seconds(), 1e-9))))
	return nil
}

// readTable reads t from its last key on and sends the batches to ch, the
// last with more false.
func (c *copier) readTable(ctx context.Context, t *table, ch chan<- batch) error {
	cols := make([]string, len(t.copyCols))
	for i, col := range t.copyCols {
		cols[i] = quote(col)
	}
	keyCols := t.pk
	first := 0 // the first copied column in a row read
	if t.keyIdx == nil {
		keyCols = []string{"rowid"}
		cols = append([]string{"rowid"}, cols...)
		first = 1
	}
	qk := make([]string, len(keyCols))
	ph := make([]string, len(keyCols))
	for i, k := range keyCols {
		qk[i], ph[i] = quote(k), "?"
	}
	sel := `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + quote(t.name)
	var after string
	if len(keyCols) == 1 {
		after = ` WHERE ` + qk[0] + ` > ?`
	} else {
		after = ` WHERE (` + strings.Join(qk, ", ") + `) > (` + strings.Join(ph, ", ") + `)`
	}
	orderBy := ` ORDER BY ` + strings.Join(qk, ", ") + ` LIMIT ?`
	search := t.name == "articles" && c.hasSearch
	idCol, titleCol := slices.Index(t.copyCols, "id"), slices.Index(t.copyCols, "title")
	summaryCol, textCol := slices.Index(t.copyCols, "summary"), slices.Index(t.copyCols, "text")
	search = search && idCol >= 0 && titleCol >= 0 && summaryCol >= 0 && textCol >= 0
	doc := postgres.Dialect().SearchDocument

	lastKey := t.lastKey
	for {
		q, args := sel+orderBy, []any{c.opts.BatchRows}
		if lastKey != nil {
			q = sel + after + orderBy
			args = append(slices.Clone(lastKey), c.opts.BatchRows)
		}
		b, err := c.read(ctx, t, q, args, first)
		if err != nil {
			return err
		}
		if search {
			b.ids = make([]int64, len(b.rows))
			b.docs = make([]string, len(b.rows))
			for i, r := range b.rows {
				b.ids[i], _ = r[idCol].(int64)
				title, _ := r[titleCol].(string)
				summary, _ := r[summaryCol].(string)
				text, _ := r[textCol].(string)
				b.docs[i] = doc(title, sqlstore.SearchSummary(summary, text), text)
			}
		}
		select {
		case ch <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !b.more {
			return nil
		}
		lastKey = b.key
	}
}

// write commits one batch to the target with the progress it makes.
func (c *copier) write(ctx context.Context, t *table, b batch) error {
	key := b.key
	if key == nil {
		key = t.lastKey
	}
	keyText := ""
	if key != nil {
		k, err := json.Marshal(key)
		if err != nil {
			return err
		}
		keyText = string(k)
	}
	tx, err := c.dst.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if len(b.rows) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.copyCols, pgx.CopyFromRows(b.rows)); err != nil {
			return err
		}
	}
	if len(b.docs) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO `+searchTable+` (article_id, doc)
			SELECT id, CAST(d AS tsvector) FROM unnest($1::bigint[], $2::text[]) AS t (id, d)`, b.ids, b.docs); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE `+ProgressTable+` SET last_key = $1, rows = rows + $2, done = $3 WHERE tbl = $4`,
		keyText, len(b.rows), !b.more, t.name); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	t.lastKey, t.done = key, !b.more
	t.rows += int64(len(b.rows))
	c.rep.Copied += int64(len(b.rows))
	return nil
}

// read runs one batch's query on the source and returns its rows,
// converted for the target, and the key of the last. It stops early, with
// more set, when the rows hold more than maxBatchBytes.
func (c *copier) read(ctx context.Context, t *table, q string, args []any, first int) (batch, error) {
	var b batch
	rows, err := c.src.QueryContext(ctx, q, args...)
	if err != nil {
		return b, err
	}
	defer rows.Close()
	n := len(t.copyCols) + first
	size := 0
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return b, err
		}
		if first == 1 {
			b.key = []any{vals[0]}
		} else {
			b.key = make([]any, len(t.keyIdx))
			for i, k := range t.keyIdx {
				b.key[i] = vals[k]
			}
		}
		r := vals[first:]
		for i, conv := range t.conv {
			switch v := r[i].(type) {
			case string:
				size += len(v)
			case []byte:
				size += len(v)
			}
			v, err := conv(r[i])
			if err != nil {
				return b, fmt.Errorf("column %s: %w", t.copyCols[i], err)
			}
			r[i] = v
		}
		b.rows = append(b.rows, r)
		if size > maxBatchBytes {
			b.more = true
			return b, nil
		}
	}
	b.more = len(b.rows) == c.opts.BatchRows
	return b, rows.Err()
}

// finish sets the target's ID sequences after the copied IDs, counts
// every table on both sides, updates the planner's statistics and, when
// the counts agree, drops the progress table.
func (c *copier) finish(ctx context.Context) error {
	if err := c.restore(ctx); err != nil {
		return err
	}
	for _, t := range c.tables {
		for _, col := range t.copyCols {
			if !c.pgCols[t.name][col].serial {
				continue
			}
			qt, qc := quote(t.name), quote(col)
			if _, err := c.dst.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(`+qc+`), 1), MAX(`+qc+`) IS NOT NULL) FROM `+qt,
				qt, col); err != nil {
				return fmt.Errorf("sequence of %s.%s: %w", t.name, col, err)
			}
		}
	}
	for _, t := range c.tables {
		tc := TableCount{Table: t.name}
		if err := c.src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t.name)).Scan(&tc.Source); err != nil {
			return fmt.Errorf("count %s: %w", t.name, err)
		}
		if err := c.dst.QueryRow(ctx, `SELECT COUNT(*) FROM `+quote(t.name)).Scan(&tc.Target); err != nil {
			return fmt.Errorf("count %s: %w", t.name, err)
		}
		c.rep.Tables = append(c.rep.Tables, tc)
		// Flags (read, starred, ...) are counted too: the rows that
		// have them set.
		for _, col := range t.copyCols {
			if c.pgCols[t.name][col].dataType != "boolean" {
				continue
			}
			fc := TableCount{Table: t.name + "." + col}
			if err := c.src.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t.name)+` WHERE `+quote(col)+` <> 0`).Scan(&fc.Source); err != nil {
				return fmt.Errorf("count %s: %w", fc.Table, err)
			}
			if err := c.dst.QueryRow(ctx, `SELECT COUNT(*) FROM `+quote(t.name)+` WHERE `+quote(col)).Scan(&fc.Target); err != nil {
				return fmt.Errorf("count %s: %w", fc.Table, err)
			}
			c.rep.Tables = append(c.rep.Tables, fc)
		}
		if t.name == "articles" && c.hasSearch {
			sc := TableCount{Table: searchTable, Source: tc.Source}
			if err := c.dst.QueryRow(ctx, `SELECT COUNT(*) FROM `+searchTable).Scan(&sc.Target); err != nil {
				return fmt.Errorf("count %s: %w", searchTable, err)
			}
			c.rep.Tables = append(c.rep.Tables, sc)
		}
	}
	if _, err := c.dst.Exec(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	if len(c.rep.Mismatches()) > 0 {
		return nil
	}
	if _, err := c.dst.Exec(ctx, `DROP TABLE `+ProgressTable); err != nil {
		return fmt.Errorf("drop %s: %w", ProgressTable, err)
	}
	return nil
}

// converter returns the conversion of a SQLite value (int64, float64,
// string, []byte or nil) for a PostgreSQL column of the given type.
func converter(pgType string) func(any) (any, error) {
	switch pgType {
	case "boolean":
		return func(v any) (any, error) {
			switch x := v.(type) {
			case nil, bool:
				return x, nil
			case int64:
				return x != 0, nil
			case float64:
				return x != 0, nil
			}
			return nil, fmt.Errorf("%T %v is not a boolean", v, v)
		}
	case "smallint", "integer", "bigint":
		return func(v any) (any, error) {
			switch x := v.(type) {
			case nil, int64:
				return x, nil
			case float64:
				if x == float64(int64(x)) {
					return int64(x), nil
				}
			case string:
				if n, err := strconv.ParseInt(x, 10, 64); err == nil {
					return n, nil
				}
			}
			return nil, fmt.Errorf("%T %v is not an integer", v, v)
		}
	case "double precision", "real", "numeric":
		return func(v any) (any, error) {
			switch x := v.(type) {
			case nil, float64:
				return x, nil
			case int64:
				return float64(x), nil
			}
			return nil, fmt.Errorf("%T %v is not a number", v, v)
		}
	case "bytea":
		return func(v any) (any, error) {
			if s, ok := v.(string); ok {
				return []byte(s), nil
			}
			return v, nil
		}
	case "json", "jsonb":
		return func(v any) (any, error) {
			if s, ok := v.(string); ok {
				return []byte(s), nil
			}
			return v, nil
		}
	case "text", "character varying", "character":
		return func(v any) (any, error) {
			switch x := v.(type) {
			case []byte:
				return string(x), nil
			case int64:
				return strconv.FormatInt(x, 10), nil
			case float64:
				return strconv.FormatFloat(x, 'g', -1, 64), nil
			}
			return v, nil
		}
	}
	return func(v any) (any, error) { return v, nil }
}

// quote quotes an identifier, in both dialects.
func quote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
