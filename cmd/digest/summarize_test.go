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

func summarizeEnv(stdin string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}, &out, &errb
}

const bridgeArticle = "PORT ELLIS, Maine (Digest Wire) -- The Harbor Street bridge will close for eight months starting in March, city officials said Tuesday. " +
	"The 1962 span carries about 14,000 vehicles a day between downtown and the Eastside neighborhood. " +
	"Engineers found corrosion in 23 of its 40 deck panels during an inspection last fall. " +
	"The $31.5 million project is paid mostly by the U.S. Department of Transportation."

func decodeSummaries(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var v struct {
			ID      json.RawMessage `json:"id"`
			Summary string          `json:"summary"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("output line %q: %v", line, err)
		}
		got[string(v.ID)] = v.Summary
	}
	return got
}

func TestSummarizeArticlesAndStories(t *testing.T) {
	in, _ := json.Marshal(map[string]any{"id": "a1", "article": bridgeArticle})
	story, _ := json.Marshal(map[string]any{"id": 7, "articles": []string{bridgeArticle, "Port Ellis will shut the Harbor Street bridge for eight months from March to replace its deck. Most of the cost is federal money, officials said."}})
	env, out, _ := summarizeEnv(string(in) + "\n\n" + string(story) + "\n")
	if err := run(context.Background(), env, []string{"summarize", "-words", "30"}); err != nil {
		t.Fatal(err)
	}
	got := decodeSummaries(t, out.String())
	if s := got[`"a1"`]; !strings.HasPrefix(s, "The Harbor Street bridge will close") {
		t.Errorf("article summary = %q, want the lead without its dateline", s)
	}
	if s := got["7"]; s == "" || len(strings.Fields(s)) > 30 {
		t.Errorf("story summary = %q, want 1 to 30 words", s)
	}
}

func TestSummarizeReadsFileAndDefaultsLength(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.jsonl")
	in, _ := json.Marshal(map[string]any{"id": "a", "text": bridgeArticle})
	if err := os.WriteFile(path, in, 0o600); err != nil {
		t.Fatal(err)
	}
	env, out, _ := summarizeEnv("")
	if err := run(context.Background(), env, []string{"summarize", "-in", path}); err != nil {
		t.Fatal(err)
	}
	if s := decodeSummaries(t, out.String())[`"a"`]; len(strings.Fields(s)) < 20 {
		t.Errorf("default-length summary too short: %q", s)
	}
}

func TestSummarizeBadInput(t *testing.T) {
	good, _ := json.Marshal(map[string]any{"id": "ok", "article": bridgeArticle})
	tests := []struct {
		name    string
		args    []string
		stdin   string
		errHas  string
		stderr  string
		keepsOK bool
	}{
		{"broken JSON line is reported and the others kept", nil, "{\"id\": \"x\", \"art\n" + string(good) + "\n", "1 bad input line skipped", "line 1", true},
		{"line without an id is reported", nil, `{"article": "text here"}` + "\n" + string(good), "1 bad", `no "id"`, true},
		{"line without text is reported", nil, `{"id": "q"}` + "\n" + string(good), "1 bad", `no "article"`, true},
		{"invalid UTF-8 in JSON is summarized", nil, "{\"id\":\"u\",\"article\":\"The bridge \xff will close for eight months, officials said.\"}\n" + string(good), "", "", true},
		{"negative length is refused", []string{"-words", "-1"}, "", "must not be negative", "", false},
		{"missing file is an error", []string{"-in", "/nonexistent/x.jsonl"}, "", "no such file", "", false},
		{"stray argument is refused", []string{"extra"}, "", "unexpected argument", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, out, errb := summarizeEnv(tt.stdin)
			err := run(context.Background(), env, append([]string{"summarize"}, tt.args...))
			if tt.errHas == "" && err != nil || tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)) {
				t.Errorf("error = %v, want one containing %q", err, tt.errHas)
			}
			if !strings.Contains(errb.String(), tt.stderr) {
				t.Errorf("stderr = %q, want %q in it", errb.String(), tt.stderr)
			}
			if tt.keepsOK && !strings.Contains(out.String(), `"id":"ok"`) {
				t.Errorf("good line lost: stdout %q", out.String())
			}
		})
	}
}
