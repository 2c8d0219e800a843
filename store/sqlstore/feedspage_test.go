package sqlstore

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestValidBound checks that the valid bounds keyArgs gives PostgreSQL
// select the valid texts that SQLite's comparison with the raw cut key
// selects, for keys cut at every byte of texts around the edges of
// UTF-8's encoding lengths.
func TestValidBound(t *testing.T) {
	alphabet := []rune{'a', 'z', 0x7F, 0x80, 'é', 0xFF, 0x100, 0x7FF, 0x800, '€', 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x1D11E, 0x10FFFF}
	var texts []string
	var grow func(s string, n int)
	grow = func(s string, n int) {
		texts = append(texts, s)
		if n == 0 {
			return
		}
		for _, r := range alphabet {
			grow(s+string(r), n-1)
		}
	}
	grow("", 3)
	for _, full := range texts {
		if utf8.RuneCountInString(full) > 2 {
			continue // keys from the shorter texts cover every cut
		}
		for cut := 1; cut <= len(full); cut++ {
			p := full[:cut]
			if !utf8.ValidString(p) {
				m := validBound(p, false)
				if !utf8.ValidString(m) {
					t.Fatalf("validBound(%q, after) = %q, not UTF-8", p, m)
				}
				for _, x := range texts {
					if (x > p) != (x >= m) {
						t.Fatalf("after %q: %q > key is %v, but bound %q says %v", p, x, x > p, m, x >= m)
					}
				}
			}
			if strings.Trim(p, "\U0010FFFF") == "" || p == "\xf4" || p == "\xf4\x8f" || p == "\xf4\x8f\xbf" {
				// Only U+10FFFF, the last character: no text bounds
				// every text after it.
				continue
			}
			k := p + "\xff"
			s := validBound(k, true)
			if !utf8.ValidString(s) {
				t.Fatalf("validBound(%q, before) = %q, not UTF-8", k, s)
			}
			for _, x := range texts {
				if (x < k) != (x < s) {
					t.Fatalf("before %q: %q < key is %v, but bound %q says %v", k, x, x < k, s, x < s)
				}
			}
		}
	}
}
