package search

import (
	"strings"
	"testing"
)

// TestStem checks the examples of Porter's paper ("An algorithm for
// suffix stripping", 1980) and of its reference vocabulary, with SQLite's
// departures from the paper (bli -> ble, logi -> log).
func TestStem(t *testing.T) {
	tests := map[string]string{
		// Step 1a.
		"caresses": "caress", "ponies": "poni", "ties": "ti", "caress": "caress", "cats": "cat",
		// Step 1b.
		"feed": "feed", "agreed": "agre", "plastered": "plaster", "bled": "bled", "motoring": "motor",
		"sing": "sing", "conflated": "conflat", "troubled": "troubl", "sized": "size", "hopping": "hop",
		"tanned": "tan", "falling": "fall", "hissing": "hiss", "fizzed": "fizz", "failing": "fail",
		"filing": "file",
		// Step 1c.
		"happy": "happi", "sky": "sky",
		// Step 2.
		"relational": "relat", "conditional": "condit", "rational": "ration", "valenci": "valenc",
		"hesitanci": "hesit", "digitizer": "digit", "conformabli": "conform", "radicalli": "radic",
		"differentli": "differ", "vileli": "vile", "analogousli": "analog", "vietnamization": "vietnam",
		"predication": "predic", "operator": "oper", "feudalism": "feudal", "decisiveness": "decis",
		"hopefulness": "hope", "callousness": "callous", "formaliti": "formal", "sensitiviti": "sensit",
		"sensibiliti": "sensibl",
		// Step 3.
		"triplicate": "triplic", "formative": "form", "formalize": "formal", "electriciti": "electr",
		"electrical": "electr", "hopeful": "hope", "goodness": "good",
		// Step 4.
		"revival": "reviv", "allowance": "allow", "inference": "infer", "airliner": "airlin",
		"gyroscopic": "gyroscop", "adjustable": "adjust", "defensible": "defens", "irritant": "irrit",
		"replacement": "replac", "adjustment": "adjust", "dependent": "depend", "adoption": "adopt",
		"homologou": "homolog", "communism": "commun", "activate": "activ", "angulariti": "angular",
		"homologous": "homolog", "effective": "effect", "bowdlerize": "bowdler",
		// Step 5.
		"probate": "probat", "rate": "rate", "cease": "ceas", "controll": "control", "roll": "roll",
		// Several steps.
		"generalizations": "gener", "oscillators": "oscil",
		// What readers search for.
		"earthquakes": "earthquak", "earthquake": "earthquak", "voted": "vote", "vote": "vote",
		"votes": "vote", "voting": "vote", "elections": "elect", "election": "elect",
		// Kept whole: shorter than 3 bytes, longer than 64, digits.
		"is": "is", "as": "as", "1990s": "1990", "covid": "covid",
		"pneumonoultramicroscopicsilicovolcanoconiosispneumonoultramicroscopicsilicovolcanoconiosis": "pneumonoultramicroscopicsilicovolcanoconiosispneumonoultramicroscopicsilicovolcanoconiosis",
	}
	for in, want := range tests {
		if got := Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
		// Snippet relies on it (stemPrefixes).
		if p := want[:max(1, len(want)-1)]; !strings.HasPrefix(in, p) {
			t.Errorf("%q does not start with its stem %q less its last letter", in, want)
		}
	}
}

// FuzzStem checks that any word stems without a panic to a word no
// longer than itself but for the e that step 1b may add.
func FuzzStem(f *testing.F) {
	for _, s := range []string{"caresses", "yyy", "aed", "ied", "sses", "\xffing", "e", "ll"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, w string) {
		s := Stem(w)
		if len(s) > len(w)+1 || s == "" && w != "" {
			t.Fatalf("Stem(%q) = %q", w, s)
		}
		// A word keeps its stem's start (see stemPrefixes).
		if s != "" && !strings.HasPrefix(w, s[:max(1, len(s)-1)]) {
			t.Fatalf("Stem(%q) = %q: not the word's start", w, s)
		}
	})
}
