package extract

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzExtract checks that no input makes Extract panic or return a text
// that is not UTF-8. Seeds: the golden pages and a few broken fragments.
func FuzzExtract(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "pages", "*.html"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, "https://example.com/2020/01/02/a")
		}
	}
	for _, s := range []string{
		"", "<", "<p>", "<html><body><div><p>text</div>", "<table><tr><td><br><br>x",
		`<script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","author":{"name":1}}]}</script>`,
		"<meta property=article:published_time content='2020-99-99'>", "\xff\xfe<\x00p\x00>", "<svg><title>x</title></svg>",
	} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, b []byte, u string) {
		a, err := Extract(b, u)
		if err != nil {
			return
		}
		for _, s := range []string{a.Text, a.HTML, a.Title, a.Description} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in output: %q", s)
			}
		}
	})
}
