package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// TestCheckFindsAndRepairsArticlesWithoutStory: a database whose articles
// never reached the story engine (the pipeline stopped before) fails the
// check; --repair puts them in stories, and the check passes after.
func TestCheckFindsAndRepairsArticlesWithoutStory(t *testing.T) {
	ctx := context.Background()
	data, st, u := checkDB(t)
	f := &digest.Feed{URL: "https://wire.example/feed", Title: "Wire"}
	if err := st.CreateFeed(ctx, u.ID, f); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	var entries []digest.Entry
	for i := range 4 {
		link := fmt.Sprintf("https://wire.example/%d", i)
		text := fmt.Sprintf("Report %d: the harbour authority of town %d approved plan %d for the north channel on Monday.", i, i, i*7)
		entries = append(entries, digest.Entry{GUID: link, URL: link, Link: link, Title: fmt.Sprintf("Plan %d approved", i),
			Text: text, Summary: text, Published: now.Add(-time.Duration(i) * time.Hour), Hash: link})
	}
	res, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: entries}})
	if err != nil {
		t.Fatal(err)
	}
	// Their queued steps are lost (given up, or never recorded).
	var gone []digest.PendingPost
	for _, id := range res[0].Created {
		gone = append(gone, digest.PendingPost{ArticleID: id})
	}
	if err := st.SavePosts(ctx, gone); err != nil {
		t.Fatal(err)
	}
	st.Close()

	check := func(args ...string) (checkReport, error) {
		t.Helper()
		env, out, _ := testEnv(nil)
		err := run(ctx, env, append([]string{"check", "--data", data, "--log-level", "error"}, args...))
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var rep checkReport
		if len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &rep) != nil {
			t.Fatalf("check %v printed %q, want one JSON line", args, out)
		}
		return rep, err
	}
	rep, err := check()
	if err == nil || rep.Articles != 4 || rep.WithoutStory != 4 || rep.Pending != 0 || rep.Stories != 0 || len(rep.Errors) != 1 || rep.Repaired != nil {
		t.Fatalf("before repair: %+v, %v; want 4 articles in no story and an error", rep, err)
	}
	rep, err = check("--repair")
	if err != nil || rep.WithoutStory != 0 || rep.Stories == 0 || rep.EmptyStories != 0 || rep.Repaired == nil || *rep.Repaired != 4 {
		t.Fatalf("repair: %+v, %v", rep, err)
	}
	// Their story steps were queued before the engine ran (the server
	// works them off; an interrupted repair would have left them queued).
	if rep.Queued == nil || *rep.Queued != 4 || rep.Pending != 4 {
		t.Fatalf("repair queued %v story steps, %d pending; want 4", rep.Queued, rep.Pending)
	}
	if rep, err := check(); err != nil || rep.WithoutStory != 0 || len(rep.Errors) != 0 {
		t.Fatalf("after repair: %+v, %v", rep, err)
	}
	if err := run(ctx, &Env{Stdout: &strings.Builder{}, Stderr: &strings.Builder{}, Getenv: func(string) string { return "" }},
		[]string{"check", "--data", filepath.Join(data, "nothing")}); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Errorf("check of a missing directory: %v", err)
	}
}

// checkDB opens a new SQLite database in a temporary data directory with
// one user, for the check command's tests; the caller closes the store
// before running digest check on data.
func checkDB(t *testing.T) (data string, st *sqlite.DB, u *digest.User) {
	t.Helper()
	ctx := context.Background()
	data = t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(data, "digest.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	u = &digest.User{Name: "reader"}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return data, st, u
}
