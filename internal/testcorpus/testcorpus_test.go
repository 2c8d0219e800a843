package testcorpus

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRootIsTheModuleRoot(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || len(b) == 0 {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	if filepath.Base(filepath.Dir(filepath.Join(root, "internal", "testcorpus"))) != "internal" {
		t.Fatalf("unexpected root %s", root)
	}
}

func TestPathSkipsWhenAbsent(t *testing.T) {
	ok := t.Run("missing", func(t *testing.T) {
		Path(t, "no-such-folder-here")
		t.Fatal("Path returned for a missing file")
	})
	if !ok {
		t.Fatal("a missing corpus file must skip, not fail")
	}
}
