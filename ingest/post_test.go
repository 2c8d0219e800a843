package ingest

import (
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/extract"
)

func TestMergeExtractedSummaries(t *testing.T) {
	text := "The council approved the tram line on Monday. It will cost 410 million crowns. Work starts next spring. Opponents warned of disruption on Market Street."
	cases := []struct {
		name, feedSummary string
		keep              bool
	}{
		{"an editor's standfirst is kept", "Trams are coming back after sixty years.", true},
		{"a cut lead of the text is replaced", "The council approved the tram line on Monday. It will…", false},
		{"no summary gets one", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &digest.Article{Summary: c.feedSummary, URL: "https://example.org/a"}
			mergeExtracted(a, &extract.Article{Text: text, HTML: "<p>" + text + "</p>", WordCount: 27})
			if c.keep && a.Summary != c.feedSummary {
				t.Fatalf("summary %q replaced by %q", c.feedSummary, a.Summary)
			}
			if !c.keep && (a.Summary == c.feedSummary || a.Summary == "") {
				t.Fatalf("summary %q not replaced (got %q)", c.feedSummary, a.Summary)
			}
			if !a.Extracted || a.Text != text || a.WordCount != 27 {
				t.Fatalf("extracted text not merged: %+v", a)
			}
		})
	}
}

func TestMergeExtractedKeepsTheSourceLink(t *testing.T) {
	a := &digest.Article{URL: "https://digest.example/copy"}
	mergeExtracted(a, &extract.Article{Text: "Body.", HTML: "<p>Body.</p>", SourceURL: "https://wire.example/original?a=1&b=2"})
	d := docOf(a)
	if d.SourceURL != "https://wire.example/original?a=1&b=2" {
		t.Fatalf("story doc source %q from content %q", d.SourceURL, a.Content)
	}
}
