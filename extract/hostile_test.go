package extract

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestHostileInput(t *testing.T) {
	deep := strings.Repeat("<div>", 100000) + "deep text" + strings.Repeat("</div>", 100000)
	deepInline := "<p>" + strings.Repeat("<b>", 100000) + "x"
	var attrs strings.Builder
	attrs.WriteString("<div")
	for i := 0; i < 100000; i++ {
		attrs.WriteString(" a")
		attrs.WriteString(strings.Repeat("b", i%7))
		attrs.WriteString("=\"v\"")
	}
	attrs.WriteString("><p>After a tag with a hundred thousand attributes, the text is still found.</p></div>")
	var dates strings.Builder
	dates.WriteString("<div class=\"story\"><p>A paragraph of the story, long enough and with commas, to be chosen as the content, with more words.</p>")
	for i := 0; i < 50000; i++ {
		dates.WriteString(`<span class="date">May 5</span><br>`)
	}
	dates.WriteString("<p>Another paragraph of the story, long enough and with commas, to be chosen as the content as well.</p></div>")
	// Comments headings without end, left out for their names and kept,
	// each followed by a line: each would cost a walk of all the others.
	var heads strings.Builder
	heads.WriteString("<div class=\"story\"><p>" + strings.Repeat("The story goes on, with commas, for long enough to be chosen. ", 8) + "</p>")
	for i := 0; i < 30000; i++ {
		heads.WriteString(`<h2 id="comments">Comments</h2><h3>12 Comments</h3><p>Nice.</p>`)
	}
	heads.WriteString("</div>")
	rnd := rand.New(rand.NewPCG(1, 2))
	garbage := make([]byte, 1<<16)
	for i := range garbage {
		garbage[i] = byte(rnd.UintN(256))
	}
	cases := []struct {
		name    string
		in      []byte
		wantErr error  // nil: any outcome but a panic
		want    string // must be in Text when set
	}{
		{"empty input is not HTML", nil, ErrNotHTML, ""},
		{"white space is not HTML", []byte(" \n\t "), ErrNotHTML, ""},
		{"binary garbage is refused", garbage, ErrNotHTML, ""},
		{"script-only page has no text", []byte("<script>var x = '" + strings.Repeat("a", 5000) + "';</script>"), nil, ""},
		{"deep nesting is read", []byte(deep), nil, "deep text"},
		{"deep inline nesting does not hang", []byte(deepInline), nil, ""},
		{"huge attribute counts are read", []byte(attrs.String()), nil, "the text is still found"},
		{"invalid UTF-8 is repaired", []byte("<p>caf\xe9 cr\xe8me br\xfbl\xe9e, served with \xff\xfe bytes that are no UTF-8 at all in a paragraph long enough.</p>"), nil, "café crème brûlée"},
		{"unclosed everything", []byte("<html><body><div><p>An unclosed paragraph that goes on <table><tr><td>and a cell"), nil, ""},
		{"NUL bytes", []byte("<p>\x00\x00text\x00</p>"), nil, ""},
		{"endless sibling dates do not hang", []byte(dates.String()), nil, "Another paragraph"},
		{"endless comments headings do not hang", []byte(heads.String()), nil, "The story goes on"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := Extract(c.in, "https://example.com/x")
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				if c.want != "" {
					t.Fatalf("err = %v, want text %q", err, c.want)
				}
				return
			}
			if c.want != "" && !strings.Contains(a.Text, c.want) {
				t.Fatalf("text %q does not contain %q", trunc(a.Text), c.want)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	_, err := Extract(bytes.Repeat([]byte("a"), 100), "", WithMaxBytes(10))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func trunc(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
