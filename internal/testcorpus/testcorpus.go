// Package testcorpus locates the shared development corpus for tests and
// benchmarks: ../shared/corpus beside the repository's root. Tests that
// need it skip with a message when it is absent, so the suite runs on a
// bare clone.
package testcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus directory, or skips t when it cannot be found.
func Dir(t testing.TB) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Skipf("corpus: %v", err)
	}
	c := filepath.Join(root, "..", "shared", "corpus")
	if _, err := os.Stat(c); err != nil {
		t.Skipf("corpus not found at %s: skipping", c)
	}
	return c
}

// Path returns a file or folder inside the corpus (e.g. "stories",
// "articles.jsonl"), or skips t when it is absent.
func Path(t testing.TB, elem ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Dir(t)}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("corpus file not found at %s: skipping", p)
	}
	return p
}

// repoRoot walks up from the working directory to the folder holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
