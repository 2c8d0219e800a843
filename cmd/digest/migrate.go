package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/occasional-digest/digest/store/migrate"
	"github.com/occasional-digest/digest/store/postgres"
)

const migrateUsage = `migrate [--from sqlite:PATH] --to postgres://USER@HOST:5432/DB [--batch N]

Copies everything of a SQLite database (the data directory's, unless
--from names one) into an empty PostgreSQL database: users, sessions and
credentials, categories, feeds with their fetch state, subscriptions,
icons, articles with their content and sources, every user's read and
starred marks, stories and entities, with the same IDs. The target's
schema is created first; its search index is built from the articles.

The copy goes in batches, each committed with a record of how far it got:
when it is interrupted (Ctrl-C, a lost connection), run the same command
again and it continues where it stopped. As pg_restore does, the
target's indexes and foreign keys are added back after the rows, so the
target is ready to serve only once the command succeeds. At the end it
counts every table on both sides, prints the counts, and exits 1 if any
differ.

Stop digest before migrating (or migrate a "digest backup" copy): a
database that changes between an interrupted run and the next would
copy inconsistently. A target that holds other data is refused.`

func runMigrate(ctx context.Context, env *Env, args []string) error {
	var from, to string
	var batch int
	cfg, rest, err := parseStorageConfig(env, "migrate", migrateUsage, args, func(fs *flagSet) {
		fs.StringVar(&from, "from", "", "the SQLite database to copy, sqlite:PATH (default: the data directory's)")
		fs.StringVar(&to, "to", "", "the PostgreSQL database to copy into, postgres://USER:PASSWORD@HOST:5432/DB?sslmode=disable")
		fs.IntVar(&batch, "batch", 2000, "rows copied per transaction")
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("migrate: unexpected arguments %q", rest)
	}
	if to == "" {
		return usageErrorf("migrate: --to is missing: the PostgreSQL database to copy into")
	}
	if !postgres.IsDSN(to) {
		return withFix(usageErrorf("migrate: --to %q is not a PostgreSQL URL", to),
			"Give it as postgres://USER:PASSWORD@HOST:5432/DATABASE?sslmode=disable.")
	}
	if batch < 1 {
		return usageErrorf("migrate: --batch must be at least 1, got %d", batch)
	}
	src := cfg.Database
	if from != "" {
		path, ok := strings.CutPrefix(from, "sqlite:")
		if !ok && postgres.IsDSN(from) {
			return usageErrorf("migrate: --from %q: only a SQLite database can be copied (sqlite:PATH)", from)
		}
		src = path
	}
	if postgres.IsDSN(src) {
		return usageErrorf("migrate: the source %s is a PostgreSQL database: give --from sqlite:PATH", src)
	}
	log := newLogger(env, cfg.LogLevel)
	rep, err := migrate.Copy(ctx, src, to, migrate.Options{BatchRows: batch, Logger: log,
		AfterBatch: func(table string, rows int) {
			log.Debug("batch copied", slog.String("table", table), slog.Int("rows", rows))
		}})
	if rep != nil {
		for _, w := range rep.Warnings {
			fmt.Fprintln(env.Stderr, "digest: migrate: warning:", w)
		}
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return withFix(err, "Give the SQLite file as --from sqlite:PATH, or point --data at the data directory.")
	case errors.Is(err, migrate.ErrTargetNotEmpty):
		return withFix(err, "Create an empty database (createdb digest) and copy into it.")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return withFix(fmt.Errorf("migrate: interrupted after %d rows", rep.Copied),
			"Run the same command again: it continues where it stopped.")
	case errors.Is(err, migrate.ErrCountMismatch):
		printMigrateReport(env, rep)
		return withFix(err, "Was the source changed between an interrupted run and the next? Copy again into an empty database.")
	case err != nil:
		if rep != nil && rep.Copied > 0 {
			return withFix(err, fmt.Sprintf("%d rows were copied; after fixing the cause, run the same command again to continue.", rep.Copied))
		}
		return err
	}
	printMigrateReport(env, rep)
	return nil
}

func printMigrateReport(env *Env, rep *migrate.Report) {
	verb := "copied"
	if rep.Resumed {
		verb = "copied (resumed)"
	}
	secs := max(rep.Elapsed.Seconds(), 1e-3)
	fmt.Fprintf(env.Stdout, "migrate: %s %s to %s: %d rows in %.1fs (%.0f rows/s)\n",
		rep.Source, verb, rep.Target, rep.Copied, rep.Elapsed.Seconds(), float64(rep.Copied)/secs)
	printCounts(env.Stdout, rep.Tables, true)
}
