package postgres_test

import (
	"context"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/internal/pgtest"
	"github.com/occasional-digest/digest/store/postgres"
)

// freshStore opens a store on a fresh schema, closed when the test ends,
// with a user of that name unless user is "" (then u is nil), and returns
// the schema's DSN too, for a second store or plain SQL on the same
// schema.
func freshStore(t testing.TB, user string) (db *postgres.DB, dsn string, u *digest.User) {
	t.Helper()
	ctx := context.Background()
	dsn = pgtest.FreshSchema(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if user != "" {
		u = &digest.User{Name: user}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return db, dsn, u
}
