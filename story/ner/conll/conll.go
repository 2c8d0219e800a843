// Package conll reads CoNLL-2003 files and scores tagged ones the way the
// shared task's conlleval script does: exact-span precision, recall and F1
// per entity type, and micro-averaged over a set of types.
package conll

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// MaxLineBytes is the longest line Read and Score accept.
const MaxLineBytes = 1 << 20

// Document is one -DOCSTART- delimited part of a CoNLL file, kept line by
// line so that a tagger's output can repeat the input exactly.
type Document struct {
	// Lines holds every line as read, without its line ending: the
	// -DOCSTART- line, blank lines and token lines.
	Lines []string
	// Sentences holds, for each sentence, the indices into Lines of its
	// token lines.
	Sentences [][]int
}

// Column returns column col of every token of sentence s; a negative col
// counts from the end (-1 is the last column). A line without that column
// gives "".
func (d *Document) Column(s, col int) []string {
	out := make([]string, len(d.Sentences[s]))
	for i, li := range d.Sentences[s] {
		f := strings.Fields(d.Lines[li])
		c := col
		if c < 0 {
			c += len(f)
		}
		if c >= 0 && c < len(f) {
			out[i] = f[c]
		}
	}
	return out
}

// IsDocStart reports whether a line starts a document.
func IsDocStart(line string) bool { return strings.HasPrefix(line, "-DOCSTART-") }

// Read splits a CoNLL file into documents. A file without -DOCSTART- lines
// is one document. It fails only on read errors and over-long lines.
func Read(r io.Reader) ([]Document, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes)
	var docs []Document
	var cur *Document
	inSent := false
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if cur == nil || IsDocStart(line) {
			docs = append(docs, Document{})
			cur = &docs[len(docs)-1]
			inSent = false
		}
		cur.Lines = append(cur.Lines, line)
		switch {
		case strings.TrimSpace(line) == "" || IsDocStart(line):
			inSent = false
		default:
			if !inSent {
				cur.Sentences = append(cur.Sentences, nil)
				inSent = true
			}
			s := &cur.Sentences[len(cur.Sentences)-1]
			*s = append(*s, len(cur.Lines)-1)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("conll: line longer than %d bytes: %w", MaxLineBytes, err)
		}
		return nil, fmt.Errorf("conll: %w", err)
	}
	return docs, nil
}

// Span is one entity: tokens [Start, End) of a sentence, of type Type.
type Span struct {
	Start, End int
	Type       string
}

func splitTag(t string) (prefix byte, typ string) {
	if t == "" || t == "O" {
		return 'O', ""
	}
	if len(t) > 2 && t[1] == '-' {
		return t[0], t[2:]
	}
	return 'I', t // a bare type, as some taggers write it
}

// Spans returns the entities of a tag sequence in IOB1, IOB2 or IOBES, by
// conlleval's rules: an entity starts at B- or S-, or at I-/E- after O, E-,
// S- or another type, and ends before the next start or O.
func Spans(tags []string) []Span {
	var out []Span
	start, typ := -1, ""
	prevP := byte('O')
	for i, t := range tags {
		p, ty := splitTag(t)
		if start >= 0 && endsChunk(prevP, p, typ, ty) {
			out = append(out, Span{start, i, typ})
			start = -1
		}
		if startsChunk(prevP, p, typ, ty) {
			start, typ = i, ty
		}
		if p == 'O' {
			typ = ""
		} else {
			typ = ty
		}
		prevP = p
	}
	if start >= 0 {
		out = append(out, Span{start, len(tags), typ})
	}
	return out
}

func endsChunk(prev, p byte, prevType, typ string) bool {
	switch {
	case prev == 'O':
		return false
	case prev == 'E' || prev == 'S':
		return true
	case p == 'B' || p == 'S' || p == 'O':
		return true
	}
	return prevType != typ
}

func startsChunk(prev, p byte, prevType, typ string) bool {
	switch {
	case p == 'O':
		return false
	case p == 'B' || p == 'S':
		return true
	case prev == 'O' || prev == 'E' || prev == 'S':
		return true
	}
	return prevType != typ
}

// Counts are the entity counts of one type.
type Counts struct {
	Gold, Pred, Correct int
}

// Precision is Correct/Pred, 0 when nothing was predicted.
func (c Counts) Precision() float64 { return ratio(c.Correct, c.Pred) }

// Recall is Correct/Gold, 0 when there is no gold entity.
func (c Counts) Recall() float64 { return ratio(c.Correct, c.Gold) }

// F1 is the harmonic mean of precision and recall.
func (c Counts) F1() float64 {
	p, r := c.Precision(), c.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Result is the score of a tagged file.
type Result struct {
	Types          map[string]Counts
	Tokens         int // token lines
	CorrectTags    int // tokens whose predicted tag equals the gold tag
	Sentences      int
	InconsistentAt int // first line (1-based) whose column count differs; 0 if none
}

// Micro sums the counts of the given types (every type when none given).
func (r *Result) Micro(types ...string) Counts {
	var c Counts
	for t, tc := range r.Types {
		if len(types) > 0 && !slices.Contains(types, t) {
			continue
		}
		c.Gold += tc.Gold
		c.Pred += tc.Pred
		c.Correct += tc.Correct
	}
	return c
}

// Add scores one sentence's gold and predicted tags, which must have the
// same length.
func (r *Result) Add(gold, pred []string) error {
	if len(gold) != len(pred) {
		return fmt.Errorf("conll: %d gold tags, %d predicted", len(gold), len(pred))
	}
	if r.Types == nil {
		r.Types = map[string]Counts{}
	}
	r.Sentences++
	r.Tokens += len(gold)
	for i := range gold {
		if gold[i] == pred[i] {
			r.CorrectTags++
		}
	}
	gs, ps := Spans(gold), Spans(pred)
	inGold := make(map[Span]bool, len(gs))
	for _, s := range gs {
		inGold[s] = true
		c := r.Types[s.Type]
		c.Gold++
		r.Types[s.Type] = c
	}
	for _, s := range ps {
		c := r.Types[s.Type]
		c.Pred++
		if inGold[s] {
			c.Correct++
		}
		r.Types[s.Type] = c
	}
	return nil
}

// Score reads a file in conlleval's input format, whose last two columns are
// the gold and the predicted tag, and scores it. -DOCSTART- and blank lines
// end sentences. A token line with fewer than two columns is an error.
func Score(in io.Reader) (*Result, error) {
	r := &Result{Types: map[string]Counts{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), MaxLineBytes)
	var gold, pred []string
	flush := func() {
		if len(gold) > 0 {
			r.Add(gold, pred) // same length by construction
		}
		gold, pred = gold[:0], pred[:0]
	}
	line, cols := 0, 0
	for sc.Scan() {
		line++
		text := sc.Text()
		f := strings.Fields(text)
		if len(f) == 0 || IsDocStart(text) {
			flush()
			continue
		}
		if len(f) < 2 {
			return nil, fmt.Errorf("conll: line %d: want at least 2 columns (gold and predicted tag), got %d", line, len(f))
		}
		if cols == 0 {
			cols = len(f)
		} else if len(f) != cols && r.InconsistentAt == 0 {
			r.InconsistentAt = line
		}
		gold = append(gold, f[len(f)-2])
		pred = append(pred, f[len(f)-1])
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("conll: line %d: %w", line+1, err)
	}
	flush()
	return r, nil
}

// WriteReport writes the result in a conlleval-like table: token accuracy,
// every type, and the micro average over micro (all types when empty).
func (r *Result) WriteReport(w io.Writer, micro []string) error {
	all := r.Micro()
	types := make([]string, 0, len(r.Types))
	for t := range r.Types {
		types = append(types, t)
	}
	slices.Sort(types)
	var b strings.Builder
	fmt.Fprintf(&b, "processed %d tokens with %d phrases; found: %d phrases; correct: %d.\n",
		r.Tokens, all.Gold, all.Pred, all.Correct)
	fmt.Fprintf(&b, "accuracy: %6.2f%%\n", 100*ratio(r.CorrectTags, r.Tokens))
	row := func(name string, c Counts) {
		fmt.Fprintf(&b, "%-12s precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  gold %d, found %d, correct %d\n",
			name, 100*c.Precision(), 100*c.Recall(), 100*c.F1(), c.Gold, c.Pred, c.Correct)
	}
	for _, t := range types {
		row(t, r.Types[t])
	}
	name := "micro(all)"
	if len(micro) > 0 {
		name = "micro(" + strings.Join(micro, ",") + ")"
	}
	row(name, r.Micro(micro...))
	if r.InconsistentAt > 0 {
		fmt.Fprintf(&b, "warning: line %d has a different number of columns than the first token line\n", r.InconsistentAt)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
