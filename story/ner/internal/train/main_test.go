package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/story/ner/internal/model"
)

func TestIOB2(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"IOB1 starts become B", "I-PER I-PER O I-LOC", "B-PER I-PER O B-LOC"},
		{"IOB1 B stays B", "I-PER B-PER", "B-PER B-PER"},
		{"type change starts an entity", "I-ORG I-LOC", "B-ORG B-LOC"},
		{"IOB2 is unchanged", "B-MISC I-MISC O", "B-MISC I-MISC O"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(IOB2(strings.Fields(tt.in)), " "); got != tt.want {
				t.Errorf("IOB2(%s) = %s; want %s", tt.in, got, tt.want)
			}
		})
	}
}

// TestRunWritesReadableModel trains both stages on a tiny file and reads
// the model back.
func TestRunWritesReadableModel(t *testing.T) {
	out := filepath.Join(t.TempDir(), "model.bin.gz")
	log := slog.New(slog.DiscardHandler)
	if err := run(log, "testdata/tiny.conll", "testdata/tiny.conll", out, 3, 1, 0, 3); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := model.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if p.First == nil || p.Second == nil || p.First.Features() == 0 {
		t.Fatalf("model without both stages: %+v", p)
	}
}

func TestRunBadInput(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conll")
	if err := os.WriteFile(bad, []byte("word POS chunk B-WHAT\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"missing file": filepath.Join(dir, "none"), "unknown tag": bad} {
		if err := run(log, path, "", filepath.Join(dir, "m.gz"), 1, 1, 0, 0); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
