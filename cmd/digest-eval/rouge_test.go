package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func runEval(args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}
	err := run(context.Background(), env, args)
	return out.String(), errb.String(), err
}

func TestRougeCommand(t *testing.T) {
	ref := writeFile(t, "ref.jsonl", `{"event":"e1","summary":"The bridge will close for eight months."}`+"\n"+
		`{"id":"e2","highlights":"Officials approved grants .\nShops fear losses ."}`+"\n")
	pred := writeFile(t, "pred.jsonl", `{"id":"e1","summary":"The bridge will close for eight months."}`+"\n"+
		`{"id":"e2","summary":"Officials approved grants. Shops fear losses."}`+"\n")
	out, _, err := runEval("rouge", "-ref", ref, "-pred", pred)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"summaries 2 ", "ROUGE-1   F1 100.00", "ROUGE-2   F1 100.00", "ROUGE-L   F1 100.00", "length    6.5 words", "no stemming"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRougeCommandStemAndMissing(t *testing.T) {
	ref := writeFile(t, "ref.jsonl", `{"id":"a","summary":"ponies running"}`+"\n"+`{"id":"b","summary":"unmatched"}`+"\n")
	pred := writeFile(t, "pred.jsonl", `{"id":"a","summary":"pony runs"}`+"\n")
	out, _, err := runEval("rouge", "-ref", ref, "-pred", pred, "-stem")
	if err != nil {
		t.Fatal(err)
	}
	// "a" matches fully once stemmed; "b" has no prediction and scores 0.
	for _, want := range []string{"missing predictions, scored as empty: 1", "ROUGE-1   F1  50.00", "Porter stemming"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRougeCommandBadInput(t *testing.T) {
	good := writeFile(t, "good.jsonl", `{"id":"a","summary":"x y"}`)
	broken := writeFile(t, "broken.jsonl", `{"id":"a","summary":"x"}`+"\n"+`{"id":`)
	empty := writeFile(t, "empty.jsonl", "")
	tests := []struct {
		name   string
		args   []string
		errHas string
	}{
		{"missing flags are refused", []string{"rouge"}, "required"},
		{"missing file is an error", []string{"rouge", "-ref", "/nonexistent.jsonl", "-pred", good}, "no such file"},
		{"broken prediction names the file and line", []string{"rouge", "-ref", good, "-pred", broken}, "broken.jsonl: line 2"},
		{"empty reference is refused", []string{"rouge", "-ref", empty, "-pred", good}, "no summaries"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runEval(tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("error = %v, want one containing %q", err, tt.errHas)
			}
		})
	}
}
