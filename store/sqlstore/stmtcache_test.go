package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

func TestStmtCacheKeepsOneStatementPerTextAndPool(t *testing.T) {
	ctx := context.Background()
	a, b := openRaw(t), openRaw(t)
	var c stmtCache
	get := func(pool *sql.DB, q string) *sql.Stmt {
		t.Helper()
		st, release := c.get(ctx, pool, q)
		release()
		return st
	}
	if get(a, "SELECT 1") != nil {
		t.Fatal("a text run once is not prepared")
	}
	s1 := get(a, "SELECT 1")
	if s1 == nil || get(a, "SELECT 1") != s1 {
		t.Fatal("a text run again is prepared once and kept")
	}
	// Held from here on, and used before everything below: the least
	// recently used statement once the cache is full.
	held, release := c.get(ctx, a, "SELECT 1")
	get(b, "SELECT 1")
	if s2 := get(b, "SELECT 1"); s2 == nil || s2 == s1 {
		t.Error("each pool has its own statement")
	}
	get(a, "SELECT FROM WHERE")
	if get(a, "SELECT FROM WHERE") != nil {
		t.Error("a statement that fails to prepare is not kept")
	}

	for i := len(c.stmts); i < stmtCacheMax; i++ {
		q := fmt.Sprintf("SELECT %d", i+2)
		get(a, q)
		if get(a, q) == nil {
			t.Fatalf("statement %d of %d not kept", i, stmtCacheMax)
		}
	}
	get(a, "SELECT 'one more'")
	if get(a, "SELECT 'one more'") == nil || len(c.stmts) != stmtCacheMax {
		t.Fatalf("a new text beyond %d takes the least recently used one's place (%d kept)", stmtCacheMax, len(c.stmts))
	}
	if _, ok := c.stmts[stmtKey{a, "SELECT 1"}]; ok {
		t.Error("the least recently used statement is still kept")
	}
	var n int
	if err := held.QueryRowContext(ctx).Scan(&n); err != nil || n != 1 {
		t.Errorf("an evicted statement still held: %d, %v, want it open until released", n, err)
	}
	release()
	if _, err := held.QueryContext(ctx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("an evicted statement after its release: %v, want closed", err)
	}

	kept := get(a, "SELECT 'one more'")
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.QueryContext(ctx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("a kept statement after close: %v, want closed", err)
	}
	get(a, "SELECT 'one more'")
	if get(a, "SELECT 'one more'") != nil {
		t.Error("a closed cache keeps nothing")
	}
}

// TestPreparedReadsAnswerLikeUnprepared runs the same reads through a store
// with and without PrepareReads, and a bad query through both.
func TestPreparedReadsAnswerLikeUnprepared(t *testing.T) {
	ctx := context.Background()
	db := openRaw(t)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')`); err != nil {
		t.Fatal(err)
	}
	prepared := testDialect
	prepared.PrepareReads = true
	for _, d := range []*Dialect{&testDialect, &prepared} {
		s := &Store{write: db, read: db, d: d}
		for range 3 {
			var v string
			if err := s.queryRow(ctx, `SELECT v FROM t WHERE id = ?`, 2).Scan(&v); err != nil || v != "b" {
				t.Errorf("prepared %v: row %q, %v", d.PrepareReads, v, err)
			}
			rows, err := s.query(ctx, `SELECT id FROM t WHERE id IN (?, ?) ORDER BY id`, 1, 3)
			if err != nil {
				t.Fatal(err)
			}
			ids, err := scanIDs(rows)
			if err != nil || fmt.Sprint(ids) != "[1 3]" {
				t.Errorf("prepared %v: ids %v, %v", d.PrepareReads, ids, err)
			}
		}
		if _, err := s.query(ctx, `SELECT nope FROM t`); err == nil || !strings.Contains(err.Error(), "nope") {
			t.Errorf("prepared %v: bad query: %v, want the database's error", d.PrepareReads, err)
		}
		if err := s.stmts.close(); err != nil {
			t.Fatal(err)
		}
	}
}
