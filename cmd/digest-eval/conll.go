package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/occasional-digest/digest/story/ner/conll"
)

// runConll scores a file in conlleval's input format (last two columns: gold
// tag, predicted tag), such as the output of "digest ner -conll".
func runConll(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "conll", "conll [-types PER,LOC,ORG] [FILE|-]")
	types := fs.String("types", "PER,LOC,ORG", "entity types of the micro average, comma-separated (empty: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return fmt.Errorf("conll: want at most one file, got %d", fs.NArg())
	}
	in := env.Stdin
	if name := fs.Arg(0); name != "" && name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("conll: %w", err)
		}
		defer f.Close()
		in = f
	}
	r, err := conll.Score(in)
	if err != nil {
		return err
	}
	if r.Tokens == 0 {
		return fmt.Errorf("conll: no token lines in the input")
	}
	var micro []string
	for _, t := range strings.Split(*types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			micro = append(micro, t)
		}
	}
	return r.WriteReport(env.Stdout, micro)
}
