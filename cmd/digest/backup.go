package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/occasional-digest/digest/store/migrate"
	"github.com/occasional-digest/digest/store/postgres"
)

const backupUsage = `backup [--data DIR] [--out FILE]

Writes a consistent copy of the SQLite database (DATA/digest.db, or
--database) to a new file while digest may be running, checks the copy
(integrity, foreign keys, rows per table) and prints where it is and what
it holds. The copy is a complete database: restore it by stopping digest
and putting it in place of digest.db (removing digest.db-wal and
digest.db-shm), or serve it with --database FILE. An existing file is
never overwritten. The default --out is DATA/backup-YYYYMMDD-HHMMSS.db.`

// storageFlags are the settings the storage commands (backup, migrate)
// take; the other settings are read from the environment but not shown.
var storageFlags = []string{"data", "database", "log-level"}

// parseStorageConfig parses the flags of a storage command as a one-shot
// command's: quiet unless -v or --log-level says otherwise.
func parseStorageConfig(env *Env, name, usage string, args []string, extra func(fs *flagSet)) (Config, []string, error) {
	fs := newFlagSet(env, name, usage)
	var cfg Config
	finish := bindConfig(fs, env, &cfg, storageFlags)
	verbose := fs.Bool("v", false, "verbose: log what happens, at info level (--log-level debug for more)")
	if f := fs.Lookup("log-level"); f != nil && env.Getenv("DIGEST_LOG_LEVEL") == "" {
		f.DefValue = "error"
	}
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return cfg, nil, err
	}
	if err := finish(); err != nil {
		return cfg, nil, &cliError{status: exitUsage, err: err}
	}
	if !flagGiven(args, "log-level") && env.Getenv("DIGEST_LOG_LEVEL") == "" {
		cfg.LogLevel = "error"
		if *verbose {
			cfg.LogLevel = "info"
		}
	}
	return cfg, fs.Args(), nil
}

func runBackup(ctx context.Context, env *Env, args []string) error {
	var out string
	cfg, rest, err := parseStorageConfig(env, "backup", backupUsage, args, func(fs *flagSet) {
		fs.StringVar(&out, "out", "", "the new file to write (default DATA/backup-YYYYMMDD-HHMMSS.db)")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("backup: unexpected arguments %q", rest)
	}
	if postgres.IsDSN(cfg.Database) {
		return withFix(fmt.Errorf("backup: %s is a PostgreSQL database; backup copies SQLite databases", cfg.Database),
			"Back PostgreSQL up with its own tools: pg_dump -Fc -f digest.dump DATABASE.")
	}
	if out == "" {
		out = filepath.Join(cfg.Data, "backup-"+time.Now().UTC().Format("20060102-150405")+".db")
	}
	rep, err := migrate.Backup(ctx, cfg.Database, out)
	switch {
	case errors.Is(err, fs.ErrExist):
		return withFix(err, "Choose another --out: a backup never overwrites a file.")
	case errors.Is(err, fs.ErrNotExist):
		return withFix(err, "Point --data (or DIGEST_DATA) at your data directory, or --database at the database file.")
	case err != nil:
		return err
	}
	fmt.Fprintf(env.Stdout, "backup: %s (%s, schema version %d, integrity ok)\n", rep.Path, sizeOf(rep.Bytes), rep.Schema)
	printCounts(env.Stdout, rep.Tables, false)
	return nil
}

// printCounts prints rows per table: one column, or source and target.
func printCounts(w io.Writer, tables []migrate.TableCount, both bool) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	if both {
		fmt.Fprintln(tw, "table\tsource\ttarget\t")
	} else {
		fmt.Fprintln(tw, "table\trows")
	}
	for _, t := range tables {
		if !both {
			fmt.Fprintf(tw, "%s\t%d\n", t.Table, t.Target)
			continue
		}
		mark := "ok"
		if t.Source != t.Target {
			mark = "MISMATCH"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", t.Table, t.Source, t.Target, mark)
	}
	tw.Flush()
}

// sizeOf formats a byte count for people.
func sizeOf(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %siB", float64(n)/float64(div), strings.Split("K M G T P", " ")[exp])
}
