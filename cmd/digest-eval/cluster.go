package main

import (
	"context"
	"fmt"
	"os"

	"github.com/occasional-digest/digest/eval"
)

func runCluster(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "cluster", "cluster -gold GOLD.jsonl -pred PRED.jsonl")
	goldPath := fs.String("gold", "", `gold JSON lines {"id", "event", "topic"?}`)
	predPath := fs.String("pred", "", `predicted JSON lines {"id", "story"} (the output of "digest cluster")`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *goldPath == "" || *predPath == "" {
		fs.Usage()
		return fmt.Errorf("cluster: -gold and -pred are required")
	}
	gf, err := os.Open(*goldPath)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer gf.Close()
	gold, topic, err := eval.GoldClusters(gf)
	if err != nil {
		return fmt.Errorf("cluster: gold %s: %w", *goldPath, err)
	}
	pf, err := os.Open(*predPath)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer pf.Close()
	pred, err := eval.PredClusters(pf)
	if err != nil {
		return fmt.Errorf("cluster: pred %s: %w", *predPath, err)
	}
	if len(gold) == 0 {
		return fmt.Errorf("cluster: gold %s has no items", *goldPath)
	}
	s := eval.ScoreClusters(gold, pred, topic)
	fmt.Fprintf(env.Stdout, "items     %d (missing from pred: %d)\n", s.Items, s.Missing)
	fmt.Fprintf(env.Stdout, "pairwise  %s\n", s.Pairwise)
	fmt.Fprintf(env.Stdout, "b-cubed   %s\n", s.BCubed)
	fmt.Fprintf(env.Stdout, "stories   %d (gold events %d)\n", s.Stories, s.Events)
	if s.SiblingMerge >= 0 {
		fmt.Fprintf(env.Stdout, "sibling-merge %.3f\n", s.SiblingMerge)
	}
	return nil
}
