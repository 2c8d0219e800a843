package main

import (
	"context"
	"fmt"
	"os"

	"github.com/occasional-digest/digest/eval"
)

// runRouge scores predicted summaries against reference summaries, both
// JSON lines read by eval.ReadSummaries ({"id", "summary"}; references may
// key by "event" and hold "highlights").
func runRouge(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "rouge", "rouge -ref REF.jsonl -pred PRED.jsonl [-stem]")
	refPath := fs.String("ref", "", `reference JSON lines {"id"|"event", "summary"|"highlights"}`)
	predPath := fs.String("pred", "", `predicted JSON lines {"id", "summary"} (the output of "digest summarize")`)
	stem := fs.Bool("stem", false, "apply the Porter stemmer to tokens longer than three characters")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *refPath == "" || *predPath == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("rouge: -ref and -pred are required, and nothing else")
	}
	refs, err := readSummaryFile(*refPath)
	if err != nil {
		return fmt.Errorf("rouge: reference: %w", err)
	}
	if len(refs) == 0 {
		return fmt.Errorf("rouge: reference %s has no summaries", *refPath)
	}
	preds, err := readSummaryFile(*predPath)
	if err != nil {
		return fmt.Errorf("rouge: prediction: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rep := eval.ScoreSummaries(refs, preds, eval.RougeOptions{Stem: *stem})
	stemmed := "no stemming"
	if *stem {
		stemmed = "Porter stemming"
	}
	w := env.Stdout
	fmt.Fprintf(w, "summaries %d (missing predictions, scored as empty: %d; predictions without a reference: %d)\n", rep.Scored, rep.Missing, rep.Extra)
	fmt.Fprintf(w, "tokens    lower-cased ASCII letters and digits, %s\n", stemmed)
	for _, r := range []struct {
		name string
		s    eval.PRF
	}{{"ROUGE-1", rep.Mean.R1}, {"ROUGE-2", rep.Mean.R2}, {"ROUGE-L", rep.Mean.RL}} {
		fmt.Fprintf(w, "%s   F1 %6.2f  P %6.2f  R %6.2f\n", r.name, 100*r.s.F, 100*r.s.P, 100*r.s.R)
	}
	fmt.Fprintf(w, "length    %.1f words (mean of the predicted summaries)\n", rep.Words)
	return nil
}

func readSummaryFile(path string) ([]eval.Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := eval.ReadSummaries(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
