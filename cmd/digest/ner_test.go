package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/ner/conll"
)

const nerCoNLLInput = `-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
. . O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER

BRUSSELS NNP I-NP I-LOC
1996-08-22 CD I-NP O
`

func runNERCommand(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := run(context.Background(), env, append([]string{"ner"}, args...))
	return out.String(), err
}

func TestNERCoNLLOutputIsConllevalInput(t *testing.T) {
	out, err := runNERCommand(t, nerCoNLLInput, "-conll")
	if err != nil {
		t.Fatal(err)
	}
	in := strings.Split(strings.TrimSuffix(nerCoNLLInput, "\n"), "\n")
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(got) != len(in) {
		t.Fatalf("%d output lines for %d input lines:\n%s", len(got), len(in), out)
	}
	for i := range in {
		switch {
		case in[i] == "":
			if got[i] != "" {
				t.Errorf("line %d: blank line became %q", i+1, got[i])
			}
		case !strings.HasPrefix(got[i], in[i]+" ") || len(strings.Fields(got[i])) != len(strings.Fields(in[i]))+1:
			t.Errorf("line %d: %q is not the input line plus a tag", i+1, got[i])
		}
	}
	if got[0] != "-DOCSTART- -X- O O O" {
		t.Errorf("DOCSTART line = %q", got[0])
	}
	r, err := conll.Score(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Micro("PER", "LOC", "ORG"); c.Gold != 3 || c.Correct < 2 {
		t.Errorf("scored %+v; want 3 gold entities, most found", c)
	}
	// IOB1 output: no B- tag where the previous token is not the same type.
	if strings.Contains(out, "B-") {
		t.Errorf("IOB1 output has a B- tag:\n%s", out)
	}
	out2, err := runNERCommand(t, nerCoNLLInput, "-conll", "-scheme", "iob2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out2, "Peter NNP I-NP I-PER B-PER") {
		t.Errorf("IOB2 output lacks B-PER for Peter:\n%s", out2)
	}
}

func TestNERText(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "article.txt")
	text := "Russian President Vladimir Putin met Chinese President Xi Jinping in Moscow. Putin said the U.S. was wrong."
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runNERCommand(t, "", p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PER\t2\tVladimir Putin\n", "LOC\t1\tUnited States\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = runNERCommand(t, text, "-json", "-")
	if err != nil {
		t.Fatal(err)
	}
	var ents []digest.Entity
	if err := json.Unmarshal([]byte(out), &ents); err != nil || len(ents) == 0 {
		t.Errorf("-json output %q: %v", out, err)
	}
}

func TestNERBadInput(t *testing.T) {
	tests := []struct {
		name, stdin string
		args        []string
		wantErr     string
	}{
		{"unknown scheme", "", []string{"-scheme", "bilou"}, "unknown -scheme"},
		{"two files", "", []string{"a", "b"}, "at most one file"},
		{"missing file", "", []string{filepath.Join(t.TempDir(), "nope.txt")}, "no such file"},
		{"empty text", "", nil, ""},
		{"binary garbage as text", "\x00\xff\xfe\x01GIF89a", nil, ""},
		{"binary garbage as CoNLL", "\x00\xff\xfe\x01\n\n\xff", []string{"-conll"}, ""},
		{"CoNLL line too long", strings.Repeat("x", conll.MaxLineBytes+1), []string{"-conll"}, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runNERCommand(t, tt.stdin, tt.args...)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v; want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestNERStdinTagsAPersonUnseenInTraining(t *testing.T) {
	out, err := runNERCommand(t, "Barack Obama visited Paris.\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"PER\t1\tBarack Obama\n", "LOC\t1\tParis\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
