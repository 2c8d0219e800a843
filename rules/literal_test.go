package rules

import (
	"regexp"
	"strings"
	"testing"
)

func TestRequiredLiteral(t *testing.T) {
	cases := []struct {
		re, lit string
		fold    bool
	}{
		{`\bterm5\b.*\bother55\b`, "other55", false},
		{`(?i)crypto(currency)?`, "CRYPTO", true},
		{`a|b`, "", false},
		{`(abc)+x`, "abc", false},
		{`x*`, "", false},
		{`ab(?i:cde)`, "CDE", true},
	}
	for _, c := range cases {
		l := requiredLiteral(c.re)
		if l.s != c.lit || (l.s != "" && l.fold != c.fold) {
			t.Errorf("requiredLiteral(%q) = %q fold %v; want %q %v", c.re, l.s, l.fold, c.lit, c.fold)
		}
	}
}

// The literal must never make a regexp miss a match, whatever case
// folding RE2 applies (the Kelvin sign K is k under (?i); ſ is s).
func TestLiteralNeverMisses(t *testing.T) {
	cases := []struct{ re, text string }{
		{`(?i)kelvin`, "\u212Aelvin scale"},
		{`(?i)best`, "be\u017Ft"},
		{`(?i)straße`, "STRASSE STRAẞE Straße"},
		{`(?i)ΣΑΣ`, "σας"},
		{`(?i)kelvin`, strings.Repeat("filler text ", 100) + "\u212Aelvin scale"}, // long: through the trigram filter
		{`\bneedle\b`, strings.Repeat("hay ", 1000) + "needle"},
	}
	for _, c := range cases {
		cond := Cond{Re: regexp.MustCompile(c.re), lit: requiredLiteral(c.re), Field: Content}
		p := prepare(&Article{Text: c.text})
		if want := cond.Re.MatchString(c.text); !want || cond.re(&p.text) != want {
			t.Errorf("%s on %q: regexp says %v, with the literal %v", c.re, c.text, want, !want)
		}
	}
}

func FuzzLiteral(f *testing.F) {
	f.Add(`(?i)kelvin`, "\u212Aelvin")
	f.Add(`ab+c(d|e)`, "xxabbbcd")
	f.Add(`(?i)σ{2,}x`, "ΣςX")
	f.Fuzz(func(t *testing.T, src, text string) {
		if len(src) > 200 || len(text) > 1000 {
			return
		}
		re, err := regexp.Compile(src)
		if err != nil || !re.MatchString(text) {
			return
		}
		l := requiredLiteral(src)
		hay := text
		if l.fold {
			hay = canonFold(text)
		}
		if !strings.Contains(hay, l.s) {
			t.Fatalf("%q matches %q but the required literal %q (fold %v) is not in %q", src, text, l.s, l.fold, hay)
		}
	})
}
