package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/occasional-digest/digest/story/ner"
	"github.com/occasional-digest/digest/story/ner/conll"
)

// maxNERInput bounds the text "digest ner" reads.
const maxNERInput = 64 << 20

func runNER(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "ner", "ner [-conll] [-scheme iob1|iob2] [-json] [FILE|-]\n\n"+
		"Without -conll, prints the people, organisations and places of a text, one a line:\n"+
		"KIND<TAB>MENTIONS<TAB>NAME. With -conll, reads CoNLL-2003 (word POS chunk NER) and\n"+
		"prints every line with the predicted tag appended (conlleval's input format).")
	conllIn := fs.Bool("conll", false, "input is CoNLL-2003; print it with a predicted tag column")
	scheme := fs.String("scheme", "iob1", "tag scheme of -conll output: iob1 (as CoNLL-2003 writes its tags) or iob2")
	asJSON := fs.Bool("json", false, "print entities as a JSON array")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *scheme != "iob1" && *scheme != "iob2" {
		return usageErrorf("ner: unknown -scheme %q (want iob1 or iob2)", *scheme)
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return usageErrorf("ner: want at most one file, got %d", fs.NArg())
	}
	in := env.Stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("ner: %w", err)
		}
		defer f.Close()
		in = f
	}
	t, err := ner.New()
	if err != nil {
		return err
	}
	if *conllIn {
		return tagCoNLL(ctx, t, in, env.Stdout, *scheme == "iob1")
	}
	b, err := io.ReadAll(io.LimitReader(in, maxNERInput+1))
	if err != nil {
		return fmt.Errorf("ner: read input: %w", err)
	}
	if len(b) > maxNERInput {
		return fmt.Errorf("ner: input larger than %d bytes", maxNERInput)
	}
	ents := t.Entities(string(b))
	if *asJSON {
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(ents)
	}
	w := bufio.NewWriter(env.Stdout)
	for _, e := range ents {
		fmt.Fprintf(w, "%s\t%d\t%s\n", e.Kind, e.Count, e.Name)
	}
	return w.Flush()
}

// tagCoNLL tags a CoNLL file document by document and writes each line with
// the predicted tag appended; -DOCSTART- lines get "O", blank lines stay
// blank.
func tagCoNLL(ctx context.Context, t *ner.Tagger, in io.Reader, out io.Writer, iob1 bool) error {
	docs, err := conll.Read(in)
	if err != nil {
		return fmt.Errorf("ner: %w", err)
	}
	w := bufio.NewWriter(out)
	for _, d := range docs {
		if err := ctx.Err(); err != nil {
			return err
		}
		words := make([][]string, len(d.Sentences))
		for s := range d.Sentences {
			words[s] = d.Column(s, 0)
		}
		tags := t.TagDocument(words)
		pred := make([]string, len(d.Lines))
		for s, lines := range d.Sentences {
			ts := tags[s]
			if iob1 {
				ts = ner.IOB1(ts)
			}
			for i, li := range lines {
				pred[li] = ts[i]
			}
		}
		for i, line := range d.Lines {
			switch {
			case strings.TrimSpace(line) == "":
				w.WriteString("\n")
			case pred[i] == "":
				fmt.Fprintf(w, "%s O\n", line) // -DOCSTART-
			default:
				fmt.Fprintf(w, "%s %s\n", line, pred[i])
			}
		}
	}
	return w.Flush()
}
