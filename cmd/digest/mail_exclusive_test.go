package main

import (
	"context"
	"testing"

	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/store/postgres"
)

// TestDailyRoundExclusive: on PostgreSQL, a daily-digest round runs only
// in the process that holds the database's "daily" lock; while another
// session holds it, the round is skipped, and it runs again once freed.
func TestDailyRoundExclusive(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, pgtest.FreshSchema(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ran := 0
	round := func(context.Context) error { ran++; return nil }
	run := exclusive(db.Lock("daily"))

	_, release, ok, err := db.Lock("daily").TryLock(ctx) // another process's round
	if err != nil || !ok {
		t.Fatalf("take the lock: ok %v, %v", ok, err)
	}
	if err := run(ctx, round); err != nil {
		t.Fatal(err)
	}
	if ran != 0 {
		t.Errorf("the round ran %d times while another process held it", ran)
	}
	release()
	if err := run(ctx, round); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, round); err != nil { // the lock is released after each round
		t.Fatal(err)
	}
	if ran != 2 {
		t.Errorf("the round ran %d times once free, want 2", ran)
	}
}
