package ingest_test

import (
	"context"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// reader is the user the tests subscribe as: the first user of a new
// database.
const reader int64 = 1

func mustReader(tb testing.TB, st digest.UserStore) {
	tb.Helper()
	u := &digest.User{Name: "reader"}
	if err := st.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
	if u.ID != reader {
		tb.Fatalf("first user has ID %d, want %d", u.ID, reader)
	}
}
