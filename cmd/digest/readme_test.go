package main

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEGetsANewcomerStarted keeps what a newcomer needs from the
// README: the two set-up commands first, how to build the binary and why
// the first build is slow, what the demo shows, where the data lives, and
// the exit statuses scripts rely on.
func TestREADMEGetsANewcomerStarted(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	lines := strings.Split(readme, "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[3], "go run ./cmd/digest demo ") || !strings.HasPrefix(lines[4], "./scripts/test.sh ") {
		t.Errorf("the README no longer opens with the two set-up commands:\n%s", strings.Join(lines[:min(6, len(lines))], "\n"))
	}
	for _, want := range []string{
		"go build -o digest ./cmd/digest",
		"The first build takes a few minutes",
		"modernc.org/sqlite",
		"What the demo shows",
		"Where the data lives",
		"`digest.db`",
		"| `0` | everything asked for was done",
		"| `1` | something failed",
		"| `2` | the command line is wrong",
		"--allow-private",
		"`-v`",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("the README does not say %q", want)
		}
	}
	for name := range commands() {
		if !strings.Contains(readme, "| `digest "+name) {
			t.Errorf("the README's command table lacks %s", name)
		}
	}
}
