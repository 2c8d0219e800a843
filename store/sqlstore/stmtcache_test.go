package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestStmtCacheKeepsOneStatementPerTextAndPool(t *testing.T) {
	ctx := context.Background()
	a, b := openRaw(t), openRaw(t)
	var c stmtCache
	s1 := c.get(ctx, a, "SELECT 1")
	if s1 == nil || c.get(ctx, a, "SELECT 1") != s1 {
		t.Fatal("the same text on the same pool is prepared once and kept")
	}
	if s2 := c.get(ctx, b, "SELECT 1"); s2 == nil || s2 == s1 {
		t.Error("each pool has its own statement")
	}
	if c.get(ctx, a, "SELECT FROM WHERE") != nil {
		t.Error("a statement that fails to prepare is not kept")
	}
	for i := len(c.stmts); i < stmtCacheMax; i++ {
		if c.get(ctx, a, fmt.Sprintf("SELECT %d", i)) == nil {
			t.Fatalf("statement %d of %d not kept", i, stmtCacheMax)
		}
	}
	if c.get(ctx, a, "SELECT 'one too many'") != nil || len(c.stmts) != stmtCacheMax {
		t.Errorf("beyond %d texts nothing more is kept (%d kept)", stmtCacheMax, len(c.stmts))
	}
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s1.QueryContext(ctx); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("a kept statement after close: %v, want closed", err)
	}
	if c.get(ctx, a, "SELECT 1") != nil {
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
