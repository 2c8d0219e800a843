package fever

import (
	"testing"
)

// FuzzParseIDList checks that an accepted with_ids list holds at most
// MaxWithIDs distinct positive IDs, and that whatever is refused is
// refused with EINVALID (a 400), never a panic.
func FuzzParseIDList(f *testing.F) {
	for _, s := range []string{"", "1", "1,2,3", " 4 , 5 ,", "1,,2", "1,1,1", "-1", "0", "a,b", "9223372036854775807",
		"9223372036854775808", "1;2", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ParseIDList(s, MaxWithIDs)
		if err != nil {
			return
		}
		if len(ids) > MaxWithIDs {
			t.Errorf("%q: %d ids", s, len(ids))
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if id <= 0 || seen[id] {
				t.Errorf("%q: id %d (positive, once)", s, id)
			}
			seen[id] = true
		}
	})
}

// FuzzBounds checks since_id, max_id and before parsing: an accepted
// value is never negative.
func FuzzBounds(f *testing.F) {
	for _, s := range []string{"", "0", "1", "-1", "abc", "99999999999999999999", " 7", "1e5", "253402300799", "253402300800"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if n, err := parseBound(s); err == nil && n < 0 {
			t.Errorf("parseBound(%q) = %d", s, n)
		}
		if tm, err := parseBefore(s); err == nil && !tm.IsZero() && tm.Unix() < 0 {
			t.Errorf("parseBefore(%q) = %v", s, tm)
		}
	})
}

func TestOwns(t *testing.T) {
	for path, want := range map[string]bool{
		"/fever": true, "/fever/": true, "/fever/index.php": true, "//fever/": true,
		"/feverish": false, "/v1/": false, "/": false,
	} {
		if got := Owns(path); got != want {
			t.Errorf("Owns(%q) = %v, want %v", path, got, want)
		}
	}
}
