// Package summary writes extractive summaries of news: a few sentences of
// one article (Article) or of all the articles of a story (Story).
//
// Both are pure and deterministic: the same input gives the same summary,
// with no state kept between calls. They pick whole sentences from the
// input (found by package sentence), skip page furniture (bylines, photo
// credits, "Click here", share text), questions and fragments, strip
// datelines such as "WASHINGTON (Reuters) -", and never repeat a sentence.
// A sentence is cut only when the first one alone is longer than the
// length cap; the cut ends with "…".
package summary

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/occasional-digest/digest/story/sentence"
)

// Default lengths, used when the caller passes maxWords <= 0.
const (
	// DefaultArticleWords caps an article summary: about two or three
	// news sentences.
	DefaultArticleWords = 70
	// DefaultStoryWords caps a story summary.
	DefaultStoryWords = 120
	// ShortStoryWords caps the short summary of a story on the home page
	// (about 40–60 words: three or four lines on a phone).
	ShortStoryWords = 60
)

// ArticleSentences is the number of sentences an article summary holds at
// most.
const ArticleSentences = 3

// Sentence length limits, in words, for a sentence to be picked: shorter
// ones are mostly fragments and captions, longer ones run-on text from a
// failed split.
const (
	minWords         = 5
	maxSentenceWords = 80
	// maxWordRunes is where truncate cuts a word; maxSentenceBytes is
	// where a sentence is taken for junk whatever its word count.
	maxWordRunes     = 40
	maxSentenceBytes = maxSentenceWords * 20
)

// Article returns a summary of one article's plain text: its leading
// sentences, at most ArticleSentences of them and at most maxWords words
// (DefaultArticleWords when maxWords <= 0), skipping furniture and
// questions. News puts the gist first, so the lead is kept in order; one
// sentence too long for the remaining room may be passed over for the next.
// When the first sentence alone is longer than maxWords it is cut. The
// result is "" when text holds no words.
func Article(text string, maxWords int) string {
	if maxWords <= 0 {
		maxWords = DefaultArticleWords
	}
	sents := usable(text, nil, 0, ArticleSentences+1)
	if len(sents) == 0 || sents[0].words > maxWords {
		return cutFirst(text, sents, maxWords)
	}
	out := []string{sents[0].text}
	words, skipped := sents[0].words, 0
	for _, s := range sents[1:] {
		if len(out) == ArticleSentences {
			break
		}
		if slices.Contains(out, s.text) {
			continue // a repeated paragraph, as pages sometimes have
		}
		if words+s.words > maxWords {
			// Pass over one long sentence for a shorter next one, no
			// more: a summary of far-apart sentences loses the thread.
			if skipped++; skipped > 1 {
				break
			}
			continue
		}
		out = append(out, s.text)
		words += s.words
	}
	return strings.Join(out, " ")
}

// cutFirst returns the first usable sentence (or, when none is usable, the
// start of the text) cut to maxWords words and ended with "…".
func cutFirst(text string, sents []sent, maxWords int) string {
	src := text
	if len(sents) > 0 {
		src = sents[0].text
	} else if !utf8.ValidString(src) {
		src = strings.ToValidUTF8(src, "")
	}
	return truncate(src, maxWords)
}

// sent is one candidate sentence.
type sent struct {
	text  string
	words int
	art   int // index of its article
	pos   int // index among the usable sentences of its article
	lead  bool
	terms []int32  // distinct content words, as sorted indexes (Story only)
	facts []uint64 // numbers and names it states (Story only), see factsOf
	score float64
}

// usable returns the sentences of text that may go in a summary, cleaned
// (datelines stripped, valid UTF-8, white space collapsed), appended to dst;
// it stops after limit of them when limit > 0.
func usable(text string, dst []sent, art, limit int) []sent {
	pos := 0
	for i, raw := range sentence.Split(text) {
		if len(raw) > 2*maxSentenceBytes {
			continue
		}
		s := clean(raw, i < 2)
		n := countWords(s)
		if n < minWords || n > maxSentenceWords || len(s) > maxSentenceBytes || boilerplate(s) {
			continue
		}
		dst = append(dst, sent{text: s, words: n, art: art, pos: pos})
		pos++
		if pos == limit {
			break
		}
	}
	return dst
}

// clean makes s valid UTF-8, strips a leading dateline when s opens its
// text (lead) and collapses white space.
func clean(s string, lead bool) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	if lead {
		s = stripDateline(s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\n' || c == '\t' || c == '\r' || c == ' ' && i+1 < len(s) && s[i+1] == ' ' {
			s = strings.Join(strings.Fields(s), " ")
			break
		}
	}
	return balanceQuotes(s)
}

// countWords counts words: runs of non-space characters, except that each
// Chinese or Japanese character counts as a word, since those scripts put
// no spaces between words.
func countWords(s string) int {
	n, in := 0, false
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			sp := c == ' ' || c == '\n' || c == '\t' || c == '\r'
			if !sp && !in {
				n++
			}
			in = !sp
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case isCJK(r):
			n++
			in = true // punctuation glued to it is part of it
		case unicode.IsSpace(r):
			in = false
		default:
			if !in {
				n++
			}
			in = true
		}
	}
	return n
}

// isCJK reports whether r is a Han, Hiragana or Katakana character.
func isCJK(r rune) bool {
	return r >= 0x3040 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// truncate returns the first maxWords words of s (counted as countWords
// does), white space collapsed, followed by "…" when s was longer. Words
// are cut after maxWordRunes characters so that a text without spaces
// cannot make a long summary.
func truncate(s string, maxWords int) string {
	var b strings.Builder
	n, runes := 0, 0
	in, space := false, false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = space || in
			in = false
			continue
		}
		if isCJK(r) || !in {
			if n == maxWords {
				b.WriteString("…")
				return b.String()
			}
			n++
			runes = 0
		}
		in = true
		if runes++; runes > maxWordRunes {
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stripDateline removes a leading dateline: "(CNN)", "WASHINGTON (Reuters)
// - ", "LONDON, England (CNN) -- ", "TOKYO — ", "MONDAY, Jan. 25, 2016
// (HealthDay News) -- ". The part before the dash must hold no lower-case
// letter outside parentheses, or end with a parenthesised agency.
func stripDateline(s string) string {
	if strings.HasPrefix(s, "(") {
		if end := strings.IndexByte(s, ')'); end > 0 && end < 30 {
			rest := strings.TrimLeft(s[end+1:], " -—–")
			if agency := s[1:end]; rest != "" && !strings.ContainsAny(agency, "().!?") && countWords(agency) <= 3 {
				r, _ := utf8.DecodeRuneInString(rest)
				if unicode.IsUpper(r) || r == '"' || r == '“' {
					return rest
				}
			}
		}
	}
	limit := min(len(s), 90)
	for _, dash := range []string{" -- ", " — ", " – ", " - ", "—", " -"} {
		i := strings.Index(s[:limit], dash)
		if i <= 0 {
			continue
		}
		prefix := s[:i]
		if !datelinePrefix(prefix) {
			continue
		}
		rest := strings.TrimSpace(s[i+len(dash):])
		if r, _ := utf8.DecodeRuneInString(rest); unicode.IsUpper(r) || r == '"' || r == '“' {
			return rest
		}
	}
	// "(CNN)" glued after a place: "Fall River, Massachusetts (CNN)Shayanna".
	if i := strings.Index(s[:limit], "(CNN)"); i > 0 {
		rest := strings.TrimLeft(s[i+5:], " -—–")
		if r, _ := utf8.DecodeRuneInString(rest); unicode.IsUpper(r) {
			return rest
		}
	}
	return s
}

// datelinePrefix reports whether p looks like the place/agency part of a
// dateline.
func datelinePrefix(p string) bool {
	if strings.HasSuffix(p, ")") && strings.Contains(p, "(") {
		open := strings.LastIndexByte(p, '(')
		return countWords(p[:open]) <= 6 && countWords(p[open:]) <= 3
	}
	if countWords(p) > 5 {
		return false
	}
	depth, letters := 0, 0
	for _, r := range p {
		switch {
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0 && unicode.IsLower(r):
			return false
		case unicode.IsLetter(r):
			letters++
		}
	}
	return letters >= 2
}

// furniture are phrases that mark a sentence as page furniture rather than
// part of the story, matched case-sensitively anywhere in the sentence.
// Each is at least four bytes long (see hasFurniture).
var furniture = []string{
	"Click here", "click here", "Advertisement", "ADVERTISEMENT", "Photo:",
	"Photo credit", "Image copyright", "Image caption", "Media caption",
	"Media playback", "Getty Images", "AP Photo", "Subscribe", "Sign up",
	"sign up for", "newsletter", "Follow us", "follow us on", "Share this",
	"Read more", "READ MORE", "All rights reserved", "Copyright ©",
	"Continue reading", "Related:", "RELATED:", "Published:", "Updated:",
	"Last modified", "Like us on Facebook", "Story highlights",
	"Watch the video", "WATCH:", "Scroll down", "file photo", "FILE -",
	"Caption:", "Email this", "This article", "this article",
	"Please enable", "JavaScript", "cookies", "Terms of Use",
	"Privacy Policy", "contributed to this report", "Reporting by",
	"Editing by", "Follow @", "Twitter:", "Facebook:", "http",
	"www.", "(Photo", "Photograph by", "Illustration by", "Video:",
	"Listen:", "Sponsored", "Download the", "on Twitter", "on Facebook",
	"on Instagram", "Tweet", "Permalink", "Posted by", "Posted on",
	"Check out", "check out", "Click to", "Watch:", "Read:",
}

// balanceQuotes closes a double quotation that s opens but does not close
// (the quotation goes on in the next sentence) and opens one that s closes
// without opening, so that a sentence taken alone does not leave a quote
// hanging. Straight and curly marks are counted apart; nested quotations
// in single marks are left alone.
func balanceQuotes(s string) string {
	straight, depth, unopened := 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			straight++
		case 0xE2:
			if i+2 < len(s) && s[i+1] == 0x80 {
				switch s[i+2] {
				case 0x9C: // “
					depth++
				case 0x9D: // ”
					if depth == 0 {
						unopened++
					} else {
						depth--
					}
				}
			}
		}
	}
	if straight%2 == 1 {
		// Whether the lone mark opens or closes: an opening mark is
		// followed by a letter, a closing one preceded by punctuation or
		// a letter and followed by a space or the end.
		i := strings.IndexByte(s, '"')
		if i == 0 || i > 0 && s[i-1] == ' ' {
			s += `"`
		} else {
			s = `"` + s
		}
	}
	if unopened > 0 {
		s = strings.Repeat("“", unopened) + s
	}
	if depth > 0 {
		s += strings.Repeat("”", depth)
	}
	return s
}

// furnitureKeys has a bit set for a hash of the first four bytes of each
// furniture phrase, so that hasFurniture compares phrases only where one
// may start.
var furnitureKeys = func() *[1 << 16 / 64]uint64 {
	var t [1 << 16 / 64]uint64
	for _, f := range furniture {
		k := key4(f, 0)
		t[k/64] |= 1 << (k % 64)
	}
	return &t
}()

// key4 hashes s[i:i+4] to 16 bits.
func key4(s string, i int) uint32 {
	v := uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
	return v * 2654435761 >> 16
}

// hasFurniture reports whether s contains a furniture phrase or an "@".
func hasFurniture(s string) bool {
	if strings.IndexByte(s, '@') >= 0 {
		return true
	}
	for i := 0; i+4 <= len(s); i++ {
		k := key4(s, i)
		if furnitureKeys[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		for _, f := range furniture {
			if strings.HasPrefix(s[i:], f) {
				return true
			}
		}
	}
	return false
}

// boilerplate reports whether s is page furniture, a question or a
// headline-like fragment.
func boilerplate(s string) bool {
	if s == "" {
		return true
	}
	if strings.HasPrefix(s, "By ") || strings.HasPrefix(s, "BY ") {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(strings.TrimRight(s, `"'”’)»`))
	switch last {
	case '?', ':', ',', ';', '!':
		return true // questions, exclamations, cut-off text
	}
	switch s[0] {
	case '(', '[', '*', '-', '|', '>':
		return true // asides, captions, credits, bullets of a list
	}

	// Headlines and captions have no final mark.
	if last != '.' && last != '!' && last != '…' && last != '。' && last != '！' && last != '।' {
		return true
	}
	if hasFurniture(s) {
		return true
	}
	// A sentence that starts in lower case is a fragment of a bad split; a
	// shouted one is a headline.
	r, _ := utf8.DecodeRuneInString(s)
	if unicode.IsLower(r) {
		return true
	}
	upper, lower := 0, 0
	for _, r := range s {
		if unicode.IsUpper(r) {
			upper++
		} else if unicode.IsLower(r) {
			lower++
		}
	}
	return upper > 8 && upper > lower
}
