package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// TestCheckTruth: digest check --truth counts the truth's entries stored
// (by GUID, in any feed), missing, and stored more than once, and fails
// on a missing or duplicated one; a truth it cannot read is a clear error.
func TestCheckTruth(t *testing.T) {
	ctx := context.Background()
	data, st, u := checkDB(t)
	// The same entry in two feeds is stored twice (two sources).
	for i, guids := range [][]string{{"g1", "g2"}, {"g2"}} {
		f := &digest.Feed{URL: "https://wire.example/feed" + string(rune('a'+i))}
		if err := st.CreateFeed(ctx, u.ID, f); err != nil {
			t.Fatal(err)
		}
		var es []digest.Entry
		for _, g := range guids {
			link := "https://wire.example/" + g + "/" + f.URL[len(f.URL)-1:]
			es = append(es, digest.Entry{GUID: g, URL: link, Link: link, Title: "Entry " + g, Text: "Text of " + g + " from " + f.URL,
				Published: time.Now().Add(-time.Hour), Hash: link})
		}
		if _, err := st.SaveFetches(ctx, []digest.FetchResult{{FeedID: f.ID, Entries: es}}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	write := func(body string) string {
		p := filepath.Join(t.TempDir(), "truth")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env, out, errb := testEnv(nil)
	truth := write(`{"id":"g1","event":1,"feed":0}` + "\n" + `{"id":"g2","event":1,"feed":0}` + "\n" + `{"id":"g3","event":2,"feed":1}` + "\n")
	status := cli(ctx, env, []string{"check", "--data", data, "--truth", truth})
	var rep checkReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%q: %v", out.String(), err)
	}
	if status == 0 || rep.TruthEntries == nil || *rep.TruthEntries != 3 || *rep.Missing != 1 || *rep.Duplicates != 1 ||
		!strings.Contains(strings.Join(rep.Errors, "\n"), "1 of the truth's 3 entries are not stored") ||
		!strings.Contains(strings.Join(rep.Errors, "\n"), "stored more than once") {
		t.Errorf("status %d, line %s, stderr %q; want 3 entries, 1 missing (g3), 1 duplicated (g2), and a failure", status, out, errb)
	}
	for _, tc := range []struct{ body, want string }{
		{"", "no entries"},
		{`{"event":1}`, `entry 1 has no "id"`},
		{`{"id":"g1"}` + "\n" + `{"id":"g1"}`, `id "g1" listed twice`},
		{`{"id":`, "entry 1"},
	} {
		env, out, errb := testEnv(nil)
		if status := cli(ctx, env, []string{"check", "--data", data, "--truth", write(tc.body)}); status == 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("truth %q: status %d, stdout %q, stderr %q; want an error naming %q", tc.body, status, out, errb, tc.want)
		}
	}
	env, _, errb = testEnv(nil)
	if status := cli(ctx, env, []string{"check", "--repair", "--database", "postgres://u@127.0.0.1:1/db"}); status != exitUsage || !strings.Contains(errb.String(), "SQLite only") {
		t.Errorf("--repair on PostgreSQL: status %d, stderr %q", status, errb)
	}
}
