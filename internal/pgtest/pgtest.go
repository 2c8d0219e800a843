// Package pgtest gives tests a PostgreSQL database of their own: the
// server of DIGEST_TEST_POSTGRES (default: the one scripts/test.sh starts)
// and a fresh schema per test, dropped when the test ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultDSN is the database the tests use when DIGEST_TEST_POSTGRES is
// unset: the one scripts/test.sh starts.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DSN returns the DSN of the test database. A test is skipped only when
// DIGEST_TEST_POSTGRES is unset and nothing listens at the default
// address; with the variable set, an unreachable server fails it.
func DSN(t testing.TB) string {
	t.Helper()
	if dsn := os.Getenv("DIGEST_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	c, err := net.DialTimeout("tcp", "127.0.0.1:5432", 2*time.Second)
	if err != nil {
		t.Skipf("no PostgreSQL: DIGEST_TEST_POSTGRES is unset and nothing answers at 127.0.0.1:5432 (%v); scripts/test.sh starts one", err)
	}
	c.Close()
	return DefaultDSN
}

// FreshSchema creates an empty schema in the test database, dropped when
// the test ends, and returns a DSN whose connections use it.
func FreshSchema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database (DIGEST_TEST_POSTGRES): %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "digest_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return WithParam(t, dsn, "search_path", schema)
}

// WithParam returns dsn with a connection parameter set.
func WithParam(t testing.TB, dsn, key, value string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("DIGEST_TEST_POSTGRES must be a URL: %v", err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}
