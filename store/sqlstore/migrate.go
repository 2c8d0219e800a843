package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migration is one schema change: the file NNNN_name.sql of a dialect's
// migrations directory.
type Migration struct {
	Version int
	Name    string
	SQL     string
	// After, unless nil, runs in the migration's transaction after SQL:
	// a backfill that needs Go (ReadMigrations sets it from the steps
	// this package knows, by the name after the version: "entity_keys").
	After func(ctx context.Context, tx *sql.Tx, d *Dialect) error
}

// goSteps are the Go parts of migrations, by the file name's part after
// the version and before ".sql". Every dialect's migration of that name
// gets the step.
var goSteps = map[string]func(ctx context.Context, tx *sql.Tx, d *Dialect) error{
	"entity_keys":     backfillEntityKeys,
	"search_stemming": reindexSearch,
}

// ReadMigrations reads the migrations in dir of fsys. File names must start
// with a positive version number followed by "_" and end in ".sql"; versions
// must be unique. They are returned in ascending order.
func ReadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("read migrations: bad file name %q (want NNNN_name.sql)", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("read migrations: %q and %q have the same version", prev, name)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migrations: %w", err)
		}
		_, stem, _ := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b), After: goSteps[stem]})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// Migrate applies the migrations the database lacks, each in its own
// transaction together with its row in schema_migrations. It refuses a
// database whose schema is newer than the newest migration it knows, since
// this program would corrupt data it does not understand. logger may be
// nil.
func Migrate(ctx context.Context, db *sql.DB, d *Dialect, ms []Migration, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		applied BIGINT NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	known := 0
	for _, m := range ms {
		known = max(known, m.Version)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if current > known {
		return fmt.Errorf("migrate: database schema version %d is newer than this program knows (%d): upgrade digest or use another database", current, known)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, db, d, m, logger); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, d *Dialect, m Migration, logger *slog.Logger) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	// Checked inside the transaction: another process may have applied it.
	var n int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&n); err != nil {
		return fmt.Errorf("migrate %s: %w", m.Name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("migrate %s: %w", m.Name, err)
	}
	if m.After != nil {
		if err := m.After(ctx, tx, d); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`),
		m.Version, m.Name, time.Now().UTC().UnixMicro()); err != nil {
		return fmt.Errorf("migrate %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate %s: commit: %w", m.Name, err)
	}
	logger.Info("applied migration", slog.String("dialect", d.Name), slog.String("migration", m.Name))
	return nil
}
