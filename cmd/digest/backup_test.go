package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// dataWithArticles makes a data directory whose database holds a user, a
// feed and n articles, one of them read.
func dataWithArticles(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(data, "digest.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u := &digest.User{Name: "reader", Role: digest.RoleAdmin}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	f := &digest.Feed{URL: "https://wire.example/feed", Title: "Wire"}
	if err := st.CreateFeed(ctx, u.ID, f); err != nil {
		t.Fatal(err)
	}
	var entries []digest.Entry
	for i := range n {
		link := "https://wire.example/" + strings.Repeat("x", i+1)
		entries = append(entries, digest.Entry{GUID: link, URL: link, Link: link, Title: "Report " + link,
			Text: "Text of the report.", Published: time.Date(2026, 1, 1, i, 0, 0, 0, time.UTC), Hash: link})
	}
	if _, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: entries}}); err != nil {
		t.Fatal(err)
	}
	p, err := st.Articles(ctx, digest.ArticleQuery{UserID: u.ID, Limit: 1})
	if err != nil || len(p.Articles) != 1 {
		t.Fatalf("articles: %v", err)
	}
	if _, err := st.MarkRead(ctx, u.ID, []int64{p.Articles[0].ID}, true); err != nil {
		t.Fatal(err)
	}
	return data
}

func TestBackupCommand(t *testing.T) {
	ctx := context.Background()
	data := dataWithArticles(t, 3)
	out := filepath.Join(t.TempDir(), "copy.db")

	env, stdout, stderr := testEnv(nil)
	if status := cli(ctx, env, []string{"backup", "--data", data, "--out", out}); status != exitOK {
		t.Fatalf("backup: status %d, stderr %q", status, stderr)
	}
	if s := stdout.String(); !strings.HasPrefix(s, "backup: "+out+" (") || !strings.Contains(s, "integrity ok") ||
		!strings.Contains(s, "\narticles ") || !strings.Contains(s, " 3\n") {
		t.Errorf("backup printed %q, want the path, the check and the counts", s)
	}
	st, err := sqlite.Open(ctx, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := st.Invariants(ctx)
	st.Close()
	if err != nil || inv.Articles != 3 {
		t.Errorf("the copy holds %+v (%v), want 3 articles", inv, err)
	}

	env, _, stderr = testEnv(nil)
	if status := cli(ctx, env, []string{"backup", "--data", data, "--out", out}); status != exitFailed ||
		!strings.Contains(stderr.String(), "already exists") {
		t.Errorf("a second backup to the same file: status %d, stderr %q; want 1 and the file named", status, stderr)
	}
	env, _, stderr = testEnv(nil)
	if status := cli(ctx, env, []string{"backup", "--data", t.TempDir()}); status != exitFailed ||
		!strings.Contains(stderr.String(), "no database at") {
		t.Errorf("a backup of an empty data directory: status %d, stderr %q; want 1 and no database", status, stderr)
	}
	env, _, stderr = testEnv(nil)
	if status := cli(ctx, env, []string{"backup", "--database", "postgres://u@127.0.0.1/db"}); status != exitFailed ||
		!strings.Contains(stderr.String(), "pg_dump") {
		t.Errorf("a backup of PostgreSQL: status %d, stderr %q; want 1 and pg_dump suggested", status, stderr)
	}
}
