package search

import (
	"html"
	"strings"
	"unicode/utf8"
)

// SnippetBytes is about the length of the text a snippet shows.
const SnippetBytes = 240

// Snippet returns safe HTML showing where text matches: about
// SnippetBytes of it around the first place where one of the stems
// (Stems) occurs, everything escaped, each matching word wrapped in
// <mark>. Without a match it shows the start of text. "…" marks text left
// out at either end.
func Snippet(text string, stems map[string]bool) string {
	type span struct{ start, end int }
	var marks []span
	first := -1
	prefixes := stemPrefixes(stems)
	// Words past the window, which ends before first+SnippetBytes, are
	// not read: a long text costs no more than its matched part.
	wordsWhile(text, func(start, end int, w string) bool {
		if first >= 0 && start >= first+SnippetBytes {
			return false
		}
		if hasPrefix(w, prefixes) && stems[Stem(w)] {
			if first < 0 {
				first = start
			}
			marks = append(marks, span{start, end})
		}
		return true
	})
	// The window starts a little before the first match, at a word.
	from := 0
	if first > SnippetBytes/4 {
		from = first - SnippetBytes/4
		for !utf8.RuneStart(text[from]) {
			from++
		}
		for from < first {
			r, size := utf8.DecodeRuneInString(text[from:])
			if !IsTokenRune(r) {
				break
			}
			from += size
		}
		for from < first && (text[from] == ' ' || text[from] == '\n' || text[from] == '\t') {
			from++
		}
	}
	to := min(len(text), from+SnippetBytes)
	for to < len(text) && !utf8.RuneStart(text[to]) {
		to++
	}
	// Do not cut a word at the end.
	if to < len(text) {
		if i := strings.LastIndexAny(text[from:to], " \n\t"); i > 0 {
			to = from + i
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, m := range marks {
		if m.start < from || m.end > to {
			continue
		}
		b.WriteString(html.EscapeString(text[at:m.start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m.start:m.end]))
		b.WriteString("</mark>")
		at = m.end
	}
	b.WriteString(html.EscapeString(strings.TrimRight(text[at:to], " \n\t")))
	if to < len(text) {
		b.WriteString("…")
	}
	return strings.TrimSpace(b.String())
}

// stemPrefixes returns the start of every word whose stem is one of
// stems: the stem less its last byte. Porter's stemmer keeps a word's
// start and changes at most its stem's last letter ("happy", "happi";
// "hoping", "hope"; none of the 587,000 distinct words of the shared
// corpus breaks the rule), so a word without one of these prefixes need
// not be stemmed: snippets of texts that do not match (a title match) cut
// and stemmed every word, 5 of 17 CPU ms of a search's page.
func stemPrefixes(stems map[string]bool) []string {
	out := make([]string, 0, len(stems))
	for s := range stems {
		if s != "" {
			out = append(out, s[:max(1, len(s)-1)])
		}
	}
	return out
}

func hasPrefix(w string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}
