package story

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/story/ner"
	"github.com/occasional-digest/digest/story/summary"
)

// nerWords is how many opening words of an article the entity tagger
// reads: the people, places and organisations of an event are named in its
// lead, and tagging whole articles would cost several times the rest of
// the engine.
const nerWords = 40

// Standard returns DefaultOptions with the learned entity tagger (package
// ner, over the title and the lead) and the extractive story summarizer
// (package summary) wired in: the configuration of the server and of
// "digest cluster". It fails only if the embedded tagger model cannot be
// loaded.
func Standard() (Options, error) {
	tg, err := ner.New()
	if err != nil {
		return Options{}, fmt.Errorf("story: load entity tagger: %w", err)
	}
	o := DefaultOptions()
	o.Entities = func(title, text string) []digest.Entity {
		t := firstWords(text, nerWords)
		if title != "" {
			t = title + "\n\n" + t
		}
		return tg.Entities(t)
	}
	o.Summarize = func(headline string, leads []string) string {
		return summary.StoryLed(leads, 0)
	}
	o.Summaries = func(headline string, leads []string) (string, string) {
		return summary.StoryLedShort(leads, 0, summary.ShortStoryWords)
	}
	return o, nil
}

// firstWords returns the opening of text up to n whitespace-separated
// words, and past them the rest of a capitalised name the cut would split
// ("... said Amara | Velasquez" keeps "Velasquez"), up to maxNameRun words.
func firstWords(text string, n int) string {
	words := 0
	inWord := false
	prev := "" // the last word counted
	start := 0
	for i, r := range text {
		space := r == ' ' || r == '\n' || r == '\t' || r == '\r'
		if !space && !inWord {
			if words > 0 {
				prev = strings.TrimSpace(text[start:i])
			}
			start = i
			words++
			if words > n && (words > n+maxNameRun || !continuesName(prev, text[i:])) {
				return strings.TrimSpace(text[:i])
			}
		}
		inWord = !space
	}
	return text
}

// maxNameRun caps how far firstWords reads past its count to finish a name.
const maxNameRun = 4

// continuesName reports whether the word at the start of rest carries on
// the capitalised name that prev ends: both capitalised, no punctuation
// between them.
func continuesName(prev, rest string) bool {
	if prev == "" || strings.ContainsAny(prev[len(prev)-1:], ".,;:!?)\"”'’") {
		return false
	}
	p, _ := utf8.DecodeRuneInString(prev)
	r, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsUpper(p) && unicode.IsUpper(r)
}
