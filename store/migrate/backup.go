package migrate

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// BackupReport says what Backup wrote.
type BackupReport struct {
	Path   string       // the copy's absolute path
	Bytes  int64        // its size
	Schema int          // its schema version (schema_migrations)
	Tables []TableCount // rows per table of the copy (Source and Target equal)
}

// Backup writes a consistent copy of the SQLite database at src to the new
// file dst while other connections (a running server) may read and write
// it: SQLite's VACUUM INTO reads one snapshot of the database in a read
// transaction, which in WAL mode blocks no writer. The copy is written
// beside dst under a temporary name, checked (PRAGMA integrity_check,
// foreign keys, rows counted per table), and only then linked to dst, so a
// failed or interrupted backup never leaves a partial file under dst's
// name. It is readable by its owner only (it holds password hashes).
//
// Backup refuses to overwrite dst (fs.ErrExist) and fails with
// fs.ErrNotExist when there is no database at src.
func Backup(ctx context.Context, src, dst string) (*BackupReport, error) {
	if _, err := os.Stat(src); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = fs.ErrNotExist
		}
		return nil, fmt.Errorf("backup: no database at %s: %w", src, err)
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Lstat(abs); err == nil {
		return nil, fmt.Errorf("backup: %s already exists: %w", abs, fs.ErrExist)
	}
	tmpf, err := os.CreateTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO writes into an empty file, which keeps the mode
	// CreateTemp gave it (0600: the copy holds password hashes).
	tmp := tmpf.Name()
	tmpf.Close()
	defer os.Remove(tmp)

	db, err := openSQLite(src, false)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if err := checkSQLite(ctx, db); err != nil {
		return nil, fmt.Errorf("backup: %s is not a digest database: %w", src, err)
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return nil, fmt.Errorf("backup: copy %s: %w", src, err)
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	rep, err := checkCopy(ctx, tmp)
	if err != nil {
		return nil, fmt.Errorf("backup: the copy fails its check: %w", err)
	}
	// Link, unlike rename, fails when dst appeared meanwhile.
	if err := os.Link(tmp, abs); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("backup: %s already exists: %w", abs, fs.ErrExist)
		}
		return nil, fmt.Errorf("backup: %w", err)
	}
	rep.Path = abs
	if fi, err := os.Stat(abs); err == nil {
		rep.Bytes = fi.Size()
	}
	return rep, nil
}

// checkCopy checks a database file written by VACUUM INTO and counts its
// rows.
func checkCopy(ctx context.Context, path string) (*BackupReport, error) {
	db, err := openSQLite(path, true)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var problems []string
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, err
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		problems = append(problems, "a foreign key fails")
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		if len(problems) > 5 {
			problems = append(problems[:5], fmt.Sprintf("and %d more", len(problems)-5))
		}
		return nil, errors.New(strings.Join(problems, "; "))
	}
	rep := &BackupReport{}
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&rep.Schema); err != nil {
		return nil, err
	}
	tables, err := sqliteTables(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(t.name)).Scan(&n); err != nil {
			return nil, err
		}
		rep.Tables = append(rep.Tables, TableCount{Table: t.name, Source: n, Target: n})
	}
	return rep, nil
}

// openSQLite opens one connection to a SQLite file without migrating it;
// readOnly makes it refuse writes.
func openSQLite(path string, readOnly bool) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		// Not mode=ro: a read-only connection cannot remove the
		// write-ahead log files when it closes, and would leave them
		// beside the file.
		q.Add("_pragma", "query_only(1)")
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: abs}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// checkSQLite fails unless db has digest's schema bookkeeping.
func checkSQLite(ctx context.Context, db *sql.DB) error {
	var n int
	err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err == nil && n == 0 {
		err = errors.New("no schema_migrations table")
	}
	return err
}
