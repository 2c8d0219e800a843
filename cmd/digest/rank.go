package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/occasional-digest/digest/foryou"
	"github.com/occasional-digest/digest/rank"
)

// rankLine is one impression of "digest rank"'s input.
type rankLine struct {
	ID      string `json:"id"`
	History []struct {
		Title    string `json:"title"`
		Category string `json:"category"`
		Abstract string `json:"abstract"`
	} `json:"history"`
	Candidates []struct {
		ID         string   `json:"id"`
		Title      string   `json:"title"`
		Category   string   `json:"category"`
		Abstract   string   `json:"abstract"`
		Popularity *float64 `json:"popularity"`
	} `json:"candidates"`
}

// maxRankLine bounds one input line (an impression with a long history).
const maxRankLine = 64 << 20

func runRank(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "rank", "rank -in FILE.jsonl\n\nScores each impression's candidates for its reader, learning the reader from\nthe history (articles opened, oldest first) with the model of the \"for you\"\npage.\nInput: one {\"id\", \"history\": [{\"title\", \"category\", \"abstract\"}...],\n\"candidates\": [{\"id\", \"title\", \"category\", \"abstract\", \"popularity\"}...]} per\nline. Output: one {\"id\", \"scores\": [...]} per line, a number per candidate in\ntheir order, higher first.")
	in := fs.String("in", "-", "input file of JSON lines (- for stdin)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("rank: unexpected arguments %q", fs.Args())
	}
	var r io.Reader = env.Stdin
	if *in != "-" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("rank: %w", err)
		}
		defer f.Close()
		r = f
	}
	m := rank.New(rank.Options{})
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), maxRankLine)
	w := bufio.NewWriter(env.Stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	n := 0
	for sc.Scan() {
		n++
		if ctx.Err() != nil {
			return ctx.Err()
		}
		line := sc.Bytes()
		if len(line) == 0 {
			continue
		}
		var imp rankLine
		if err := json.Unmarshal(line, &imp); err != nil {
			return fmt.Errorf("rank: line %d: %w", n, err)
		}
		hist := make([]rank.Item, len(imp.History))
		for i, h := range imp.History {
			hist[i] = rank.Item{Title: h.Title, Category: h.Category, Abstract: h.Abstract}
		}
		cands := make([]rank.Item, len(imp.Candidates))
		for i, c := range imp.Candidates {
			cands[i] = rank.Item{ID: c.ID, Title: c.Title, Category: c.Category, Abstract: c.Abstract}
			if c.Popularity != nil && *c.Popularity > 0 {
				cands[i].Popularity = *c.Popularity
			}
		}
		scores := foryou.Impression(m, hist, cands)
		out := struct {
			ID     string    `json:"id"`
			Scores []float64 `json:"scores"`
		}{ID: imp.ID, Scores: make([]float64, len(scores))}
		for i, s := range scores {
			out.Scores[i] = s.Total
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("rank: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("rank: line %d is longer than %d bytes", n+1, maxRankLine)
		}
		return fmt.Errorf("rank: %w", err)
	}
	return nil
}
