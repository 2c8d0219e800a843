package names

import "testing"

func TestGiven(t *testing.T) {
	for _, n := range []string{"barack", "ines", "helga", "james"} {
		if !Given(n) {
			t.Errorf("Given(%q) = false", n)
		}
	}
	for _, n := range []string{"", "street", "library", "Barack"} {
		if Given(n) {
			t.Errorf("Given(%q) = true", n)
		}
	}
	if n := Len(); n < 20000 {
		t.Errorf("%d names, want the whole list", n)
	}
}
