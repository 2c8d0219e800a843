package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// emptyPostgres returns the DSN of a fresh schema in the test database
// (DIGEST_TEST_POSTGRES, or the one scripts/test.sh starts), dropped when
// the test ends; the test is skipped when there is no PostgreSQL.
func emptyPostgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("DIGEST_TEST_POSTGRES")
	if dsn == "" {
		c, err := net.DialTimeout("tcp", "127.0.0.1:5432", 2*time.Second)
		if err != nil {
			t.Skipf("no PostgreSQL: DIGEST_TEST_POSTGRES is unset and nothing answers at 127.0.0.1:5432 (%v)", err)
		}
		c.Close()
		dsn = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to the test database: %v", err)
	}
	defer conn.Close(ctx)
	var b [6]byte
	rand.Read(b[:])
	schema := "digest_test_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
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
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	data := dataWithArticles(t, 4)
	dsn := emptyPostgres(t)

	env, stdout, stderr := testEnv(nil)
	if status := cli(ctx, env, []string{"migrate", "--data", data, "--to", dsn, "--batch", "2"}); status != exitOK {
		t.Fatalf("migrate: status %d, stderr %q", status, stderr)
	}
	s := stdout.String()
	for _, want := range []string{" copied to ", "\nusers ", "\narticles ", "\narticle_states ", "\narticles_search "} {
		if !strings.Contains(s, want) {
			t.Errorf("migrate printed %q, lacking %q", s, want)
		}
	}
	if strings.Contains(s, "MISMATCH") || !strings.Contains(s, "4       4       ok") {
		t.Errorf("migrate printed %q, want every count alike", s)
	}

	env, _, stderr = testEnv(nil)
	if status := cli(ctx, env, []string{"migrate", "--data", data, "--to", dsn}); status != exitFailed ||
		!strings.Contains(stderr.String(), "already holds data") {
		t.Errorf("a second migrate into the copy: status %d, stderr %q; want 1 and the target refused", status, stderr)
	}
}

func TestMigrateCommandLine(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		args   []string
		status int
		says   string
	}{
		{"no target", []string{"migrate"}, exitUsage, "--to is missing"},
		{"a target that is no PostgreSQL URL", []string{"migrate", "--to", "/tmp/x.db"}, exitUsage, "not a PostgreSQL URL"},
		{"a PostgreSQL source", []string{"migrate", "--from", "postgres://u@h/db", "--to", "postgres://u@h/db2"}, exitUsage, "only a SQLite database"},
		{"a missing source", []string{"migrate", "--from", "sqlite:/nonexistent/digest.db", "--to", "postgres://u@127.0.0.1:1/db"}, exitFailed, "no database at /nonexistent/digest.db"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env, _, stderr := testEnv(nil)
			if status := cli(ctx, env, c.args); status != c.status || !strings.Contains(stderr.String(), c.says) {
				t.Errorf("%v: status %d, stderr %q; want %d saying %q", c.args, status, stderr, c.status, c.says)
			}
		})
	}
}
