package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runClusterCmd(t *testing.T, input string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(input), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := run(context.Background(), env, append([]string{"cluster"}, args...))
	return out.String(), err
}

func TestClusterCommand(t *testing.T) {
	wire := "The city council voted on Tuesday to close the old harbour bridge for repairs lasting eighteen months, after engineers found corrosion in its main cables. Traffic will be diverted through the tunnel, and ferries will run every ten minutes during rush hours, the council said."
	in := strings.Join([]string{
		`{"id":"a1","title":"Harbour bridge to close","text":` + q(wire) + `,"published":"2026-05-16T08:00:00Z","url":"https://news.example/bridge","outlet":"News"}`,
		`{"id":"a2","text":` + q("Site icon Digest\n\nBridge closing\n\n"+wire+"\n\nSource link") + `,"published":"2026-05-16","source_url":"https://news.example/bridge"}`,
		``,
		`{"id":7,"text":"Completely unrelated: the football club signed a new goalkeeper from Portugal for a record fee."}`,
	}, "\n")
	out, err := runClusterCmd(t, in)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %q", out)
	}
	var rows []struct {
		ID          any   `json:"id"`
		Story       int64 `json:"story"`
		DuplicateOf any   `json:"duplicate_of"`
	}
	for _, l := range lines {
		var r struct {
			ID          any   `json:"id"`
			Story       int64 `json:"story"`
			DuplicateOf any   `json:"duplicate_of"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		rows = append(rows, r)
	}
	if rows[1].DuplicateOf != "a1" || rows[1].Story != rows[0].Story || rows[0].DuplicateOf != nil {
		t.Errorf("copy not credited to a1: %q", out)
	}
	if rows[2].ID != float64(7) || rows[2].Story == rows[0].Story {
		t.Errorf("unrelated article: %q", out)
	}
}

func q(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestClusterCommandRejectsBrokenInput(t *testing.T) {
	tests := []struct{ name, in string }{
		{"invalid JSON names the line", "{\"id\":1,\"text\":\"x\"}\n{oops\n"},
		{"missing id", `{"text":"no id"}`},
		{"bad date", `{"id":1,"text":"x","published":"yesterday"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := runClusterCmd(t, tc.in); err == nil {
				t.Error("no error")
			}
		})
	}
	if _, err := runClusterCmd(t, "", "-in", filepath.Join(t.TempDir(), "missing.jsonl")); err == nil {
		t.Error("missing file: no error")
	}
}

func TestClusterCommandReadsFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.jsonl")
	if err := os.WriteFile(p, []byte(`{"id":"x","text":"One article alone."}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runClusterCmd(t, "", "-in", p)
	if err != nil || !strings.Contains(out, `"id":"x"`) {
		t.Fatalf("%q %v", out, err)
	}
}
