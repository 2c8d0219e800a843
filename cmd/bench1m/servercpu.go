package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/occasional-digest/digest/store/postgres"
)

// serverCPU measures the CPU time PostgreSQL's backends spend for this
// process: the run time (/proc/PID/schedstat, nanoseconds) of every
// backend connected to the benchmark's database but its own. Only
// meaningful when the server runs on this machine and nothing else uses
// that database; on a loaded machine it is steadier than wall time.
type serverCPU struct {
	db *sql.DB
}

// newServerCPU returns nil for a SQLite file: its work is this
// process's own CPU time.
func newServerCPU(dsn string) (*serverCPU, error) {
	if !postgres.IsDSN(dsn) {
		return nil, nil
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return &serverCPU{db: db}, nil
}

func (s *serverCPU) Close() error { return s.db.Close() }

// Now returns the summed run time of the database's other backends.
func (s *serverCPU) Now(ctx context.Context) (time.Duration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var total time.Duration
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return 0, err
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
		if err != nil {
			continue // the backend ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("schedstat of %d: %w", pid, err)
		}
		total += time.Duration(ns)
	}
	return total, rows.Err()
}
