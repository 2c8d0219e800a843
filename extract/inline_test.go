package extract

import (
	"strings"
	"testing"
)

func TestInlineContentKept(t *testing.T) {
	para := `<p>This paragraph is long enough to be the article, with commas, clauses, and words that make it read like real content on a page.</p>`
	tests := []struct {
		name, body string
		want       []string
		not        []string
	}{
		{
			name: "MathML formula reads as its symbols and its TeX annotation is left out",
			body: para + `<p>When <math><semantics><mi>a</mi><mo>≠</mo><mn>0</mn><annotation encoding="application/x-tex">a \neq 0</annotation></semantics></math>, there are two solutions.</p>` + para,
			want: []string{"When a≠0, there are two solutions."},
			not:  []string{`\neq`},
		},
		{
			name: "custom element between words of a sentence is not cleaned away as a small block",
			body: para + `<p>Words</p><x-formula><math><mi>x</mi></math></x-formula>, then more words of the same sentence follow here.` + para,
			want: []string{"x, then more words"},
		},
		{
			name: "one short line of dialogue wrapped in divs stays, a short label does not",
			body: para + `<div><div><span>“Gotcha.”</span></div></div><div><div><span>Advertisement</span></div></div>` + para,
			want: []string{"“Gotcha.”"},
			not:  []string{"Advertisement"},
		},
		{
			name: "heading whose id spells its text with a boilerplate word stays",
			body: para + `<h3><span class="mw-headline" id="CEO_promotion_controversy">CEO promotion controversy</span></h3>` + para,
			want: []string{"CEO promotion controversy"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := `<html><head><title>T</title></head><body><div class="article">` + tt.body + `</div></body></html>`
			a, err := Extract([]byte(page), "https://example.com/a")
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(a.Text, w) {
					t.Errorf("text lacks %q:\n%s", w, a.Text)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(a.Text, w) {
					t.Errorf("text holds %q:\n%s", w, a.Text)
				}
			}
		})
	}
}

func TestLinkListPlace(t *testing.T) {
	para := `<p>This paragraph is long enough to be the article, with commas, clauses, and words that make it read like real content on a page.</p>`
	list := `<ul><li><a href="/1">Bug 101 – Fullscreen window is affected by switching source</a></li><li><a href="/2">Bug 102 – Add telemetry for tracking usage of several windows</a></li><li><a href="/3">Bug 103 – Prevent windows from opening on top of one another</a></li></ul>`
	tests := []struct {
		name, body string
		keep       bool
	}{
		{"list of links in the middle of the article is kept", para + list + para + para + para, true},
		{"list of links after the article is dropped", para + para + para + list, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := `<html><head><title>T</title></head><body><div class="article">` + tt.body + `</div></body></html>`
			a, err := Extract([]byte(page), "https://example.com/a")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(a.Text, "Bug 102"); got != tt.keep {
				t.Errorf("list kept = %v, want %v:\n%s", got, tt.keep, a.Text)
			}
		})
	}
}

func TestRepeatedTemplateFirstStory(t *testing.T) {
	story := func(words string, n int) string {
		var sb strings.Builder
		sb.WriteString(`<article><div class="story"><div class="post_content">`)
		for i := 0; i < n; i++ {
			sb.WriteString(`<p>` + words + `, and this sentence, with its commas, goes on for a while so that it scores as a paragraph.</p>`)
		}
		sb.WriteString(`</div></div></article>`)
		return sb.String()
	}
	page := `<html><head><title>First story</title></head><body>` + story("The first story", 6) + story("The next story", 9) + `</body></html>`
	a, err := Extract([]byte(page), "https://example.com/a")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Text, "The first story") || strings.Contains(a.Text, "The next story") {
		t.Errorf("want the first story only, got:\n%s", a.Text)
	}
}
