package clusters

import "testing"

func TestOf(t *testing.T) {
	if n := Len(); n < 90000 {
		t.Fatalf("%d words, want the whole table", n)
	}
	c1, f1 := Of("john")
	c2, f2 := Of("smith")
	if c1 == 0 || f1 == 0 || c2 == 0 {
		t.Fatalf("common words without clusters: %d/%d %d/%d", c1, f1, c2, f2)
	}
	if c, f := Of("no-such-word-anywhere"); c != 0 || f != 0 {
		t.Errorf("unknown word in clusters %d/%d", c, f)
	}
}
