package postgres_test

import (
	"context"
	"github.com/occasional-digest/digest/internal/pgtest"
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/postgres"
	"github.com/occasional-digest/digest/store/storetest"
)

func openFresh(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.FreshSchema(t), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) digest.Store { return openFresh(t) })
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.FreshSchema(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, dsn, nil)
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), "9999") {
		t.Fatalf("Open of a newer schema: %v, want an error naming version 9999 as newer", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.FreshSchema(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := &digest.User{Name: "reader"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: "https://a.example/feed"}
	if err := db.CreateFeed(ctx, u.ID, f); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: []digest.Entry{{GUID: "1", URL: "https://a.example/1", Title: "Kept café", Hash: "h"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	p, err := db.Articles(ctx, digest.ArticleQuery{UserID: u.ID, Search: "CAFE kept"})
	if err != nil || len(p.Articles) != 1 {
		t.Fatalf("after reopen: %+v, %v", p, err)
	}
}

// TestOpenConcurrently opens one new database from several processes'
// worth of stores at once: one migrates, the others wait and find it
// done.
func TestOpenConcurrently(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.FreshSchema(t)
	errs := make(chan error, 4)
	dbs := make(chan *postgres.DB, 4)
	for range 4 {
		go func() {
			db, err := postgres.Open(ctx, dsn, nil)
			if err == nil {
				dbs <- db
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Open: %v", err)
		}
	}
	close(dbs)
	for db := range dbs {
		db.Close()
	}
}

func TestOpenBadDSN(t *testing.T) {
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	// A port nothing listens on: found by listening and closing.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	withUser := func(user, password string) string {
		v := *u
		v.User = url.UserPassword(user, password)
		return v.String()
	}
	withDB := func(name string) string {
		v := *u
		v.User = url.UserPassword(u.User.Username(), "s3cret-pw")
		v.Path = "/" + name
		return v.String()
	}
	withHost := func(host string) string {
		v := *u
		v.User = url.UserPassword(u.User.Username(), "s3cret-pw")
		v.Host = host
		return v.String()
	}
	tests := []struct {
		name, dsn string
		want      []string // in the message, besides "open postgres"
	}{
		{"malformed URL", "postgres://user:s3cret-pw@[::1/db", []string{"cannot parse"}},
		{"unknown parameter value", withDB("x") + "&sslmode=sometimes", []string{"sslmode"}},
		{"nothing listens", withHost("127.0.0.1:" + strconv.Itoa(closedPort)), []string{"127.0.0.1:" + strconv.Itoa(closedPort), "refused"}},
		{"no such database", withDB("digest_no_such_db"), []string{"digest_no_such_db", "does not exist"}},
		{"no such user", withUser("digest_no_such_user", "s3cret-pw"), []string{"digest_no_such_user"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			db, err := postgres.Open(ctx, tc.dsn, nil)
			if err == nil {
				db.Close()
				t.Fatalf("Open(%s) succeeded", tc.dsn)
			}
			msg := err.Error()
			for _, w := range append(tc.want, "open postgres") {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not say %q", msg, w)
				}
			}
			if strings.Contains(msg, "s3cret-pw") {
				t.Errorf("error shows the password: %q", msg)
			}
		})
	}
}

func TestIsDSN(t *testing.T) {
	for s, want := range map[string]bool{
		"postgres://u@h/db":     true,
		"postgresql://u@h/db":   true,
		"POSTGRES://u@h/db":     true,
		"data/digest.db":        false,
		"/var/lib/digest.db":    false,
		"postgres.db":           false,
		"file:postgres://x.db":  false,
		"sqlite:///tmp/x.db":    false,
		"./postgres://weird.db": false,
	} {
		if got := postgres.IsDSN(s); got != want {
			t.Errorf("IsDSN(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestSearchHugeText saves texts past PostgreSQL's tsvector limits (1 MiB
// of lexemes, 16,383 positions, 2,047-byte words): the article is saved
// and its first words are found.
func TestSearchHugeText(t *testing.T) {
	ctx := context.Background()
	db := openFresh(t)
	defer db.Close()
	u := &digest.User{Name: "reader"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: "https://a.example/feed"}
	if err := db.CreateFeed(ctx, u.ID, f); err != nil {
		t.Fatal(err)
	}
	var distinct strings.Builder
	distinct.WriteString("opening words ")
	for i := range 250_000 {
		distinct.WriteString("w" + strconv.Itoa(i) + "x ")
	}
	long := "opening " + strings.Repeat("é", 3000) + " words " + strings.Repeat("again and again ", 30_000) + "closing words"
	es := []digest.Entry{
		{GUID: "1", URL: "https://a.example/1", Title: "Distinct", Text: distinct.String(), Hash: "1"},
		{GUID: "2", URL: "https://a.example/2", Title: "Long", Text: long, Hash: "2"},
	}
	if _, err := db.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: es}}); err != nil {
		t.Fatalf("SaveFetches: %v", err)
	}
	for q, want := range map[string]int{"opening": 2, "w17x": 1, "closing": 1, strings.Repeat("É", 3000): 0, "again": 1} {
		p, err := db.Articles(ctx, digest.ArticleQuery{UserID: u.ID, Search: q})
		if err != nil {
			t.Fatalf("search %.20q: %v", q, err)
		}
		if len(p.Articles) != want {
			t.Errorf("search %.20q: %d articles, want %d", q, len(p.Articles), want)
		}
	}
}
