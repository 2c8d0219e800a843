package main

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/store/sqlite"
)

// TestOpenStoreSelects checks that --database picks the backend: a
// postgres:// URL goes to PostgreSQL (here an address where nothing
// listens, so the error says which database was tried, without its
// password), anything else is a SQLite file.
func TestOpenStoreSelects(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	for _, dsn := range []string{"postgres://digest:pw-secret@127.0.0.1:" + port + "/news", "postgresql://digest:pw-secret@127.0.0.1:" + port + "/news"} {
		st, err := openStore(ctx, dsn, log)
		if err == nil {
			st.Close()
			t.Fatalf("openStore(%s) succeeded with nothing listening", dsn)
		}
		if msg := err.Error(); !strings.Contains(msg, "open postgres digest@127.0.0.1:"+port+"/news") || strings.Contains(msg, "pw-secret") {
			t.Errorf("openStore(%s): %q, want an error naming the database and not the password", dsn, msg)
		}
	}
	st, err := openStore(ctx, filepath.Join(t.TempDir(), "digest.db"), log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, ok := st.(*sqlite.DB); !ok {
		t.Errorf("a path opened %T, want *sqlite.DB", st)
	}
}
