package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, name, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClusterCommand(t *testing.T) {
	gold := write(t, "gold.jsonl", `{"id":"a","event":"1_1","topic":"1"}
{"id":"b","event":"1_1","topic":"1"}
{"id":"c","event":"1_2","topic":"1"}
`)
	pred := write(t, "pred.jsonl", `{"id":"a","story":5,"duplicate_of":null}
{"id":"b","story":5,"duplicate_of":"a"}
{"id":"c","story":5,"duplicate_of":null}
`)
	var out bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &out}
	if err := run(context.Background(), env, []string{"cluster", "-gold", gold, "-pred", pred}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"pairwise  P 0.333 R 1.000 F1 0.500", "stories   1 (gold events 2)", "sibling-merge 1.000"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestClusterCommandErrors(t *testing.T) {
	good := write(t, "g.jsonl", `{"id":"a","event":"e"}`)
	bad := write(t, "b.jsonl", "{nope")
	tests := []struct {
		name string
		args []string
	}{
		{"no flags", []string{"cluster"}},
		{"missing gold file", []string{"cluster", "-gold", filepath.Join(t.TempDir(), "none"), "-pred", good}},
		{"broken pred", []string{"cluster", "-gold", good, "-pred", bad}},
		{"empty gold", []string{"cluster", "-gold", write(t, "e.jsonl", ""), "-pred", good}},
		{"unknown command", []string{"nope"}},
		{"no command", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(context.Background(), &Env{Stdout: &out, Stderr: &out}, tc.args); err == nil {
				t.Error("no error")
			}
		})
	}
}
