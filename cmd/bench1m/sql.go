package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// sqlRun runs one statement on a SQLite file (or a postgres:// URL) with
// its wall and CPU time, printing up to 40 rows: for EXPLAIN QUERY PLAN
// and EXPLAIN ANALYZE while tuning.
func sqlRun(ctx context.Context, db, q string) error {
	driver := "sqlite"
	if strings.HasPrefix(db, "postgres") {
		driver = "pgx"
	}
	conn, err := sql.Open(driver, db)
	if err != nil {
		return err
	}
	defer conn.Close()
	t, c := time.Now(), cpuNow()
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	n := 0
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if n++; n <= 40 {
			fmt.Println(vals...)
		}
	}
	fmt.Printf("%d rows, wall %v, cpu %v\n", n, time.Since(t).Round(time.Microsecond), (cpuNow() - c).Round(time.Microsecond))
	return rows.Err()
}

// oneSearch runs one search rounds times and prints each run's wall and
// CPU time: for profiling one query.
func oneSearch(ctx context.Context, st store, q string, relevance bool, rounds int) error {
	u, err := st.UserByName(ctx, "alice")
	if err != nil {
		return err
	}
	for range rounds {
		t, c := time.Now(), cpuNow()
		p, err := st.Articles(ctx, digest.ArticleQuery{UserID: u.ID, Search: q, Relevance: relevance})
		if err != nil {
			return err
		}
		fmt.Printf("%d articles, wall %v, cpu %v\n", len(p.Articles), time.Since(t).Round(time.Microsecond), (cpuNow() - c).Round(time.Microsecond))
	}
	return nil
}
