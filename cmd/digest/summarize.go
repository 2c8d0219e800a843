package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/occasional-digest/digest/story/summary"
)

// summarizeInput is one line of "digest summarize" input: one article
// (article, or text) or the articles of one story (articles).
type summarizeInput struct {
	ID       json.RawMessage `json:"id"`
	Article  *string         `json:"article"`
	Text     *string         `json:"text"`
	Articles []string        `json:"articles"`
}

// runSummarize reads JSON lines {"id", "article"} (one article) or
// {"id", "articles": [...]} (one story) and prints {"id", "summary"} lines
// in the same order. A bad line is reported on stderr and skipped; the
// command then fails after the other lines are done.
func runSummarize(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "summarize", "summarize [-in FILE.jsonl] [-words N]")
	in := fs.String("in", "-", `JSON lines {"id","article"} or {"id","articles":[...]}; "-" reads stdin`)
	words := fs.Int("words", 0, fmt.Sprintf("cap on a summary's length in words (0: %d for an article, %d for a story)", summary.DefaultArticleWords, summary.DefaultStoryWords))
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageErrorf("summarize: unexpected argument %q", fs.Arg(0))
	}
	if *words < 0 {
		return usageErrorf("summarize: -words must not be negative, got %d", *words)
	}
	r := env.Stdin
	if *in != "-" && *in != "" {
		f, err := os.Open(*in)
		if err != nil {
			return fmt.Errorf("summarize: %w", err)
		}
		defer f.Close()
		r = f
	}
	return summarizeLines(ctx, env, r, *words)
}

func summarizeLines(ctx context.Context, env *Env, r io.Reader, words int) error {
	br := bufio.NewReaderSize(r, 1<<16)
	out := bufio.NewWriter(env.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	bad := 0
	for line := 1; ; line++ {
		if err := ctx.Err(); err != nil {
			out.Flush()
			return fmt.Errorf("summarize: %w", err)
		}
		b, rerr := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			id, text, err := summarizeLine(b, words)
			if err != nil {
				bad++
				fmt.Fprintf(env.Stderr, "summarize: line %d: %v\n", line, err)
			} else if err := enc.Encode(struct {
				ID      json.RawMessage `json:"id"`
				Summary string          `json:"summary"`
			}{id, text}); err != nil {
				return fmt.Errorf("summarize: write: %w", err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			out.Flush()
			return fmt.Errorf("summarize: read line %d: %w", line, rerr)
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("summarize: write: %w", err)
	}
	if bad > 0 {
		return fmt.Errorf("summarize: %s skipped", count(bad, "bad input line", "bad input lines"))
	}
	return nil
}

// summarizeLine summarizes one input line.
func summarizeLine(b []byte, words int) (json.RawMessage, string, error) {
	var in summarizeInput
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, "", fmt.Errorf("not a JSON object with an id and an article or articles: %w", err)
	}
	if len(in.ID) == 0 || string(in.ID) == "null" {
		return nil, "", errors.New(`no "id"`)
	}
	switch {
	case in.Articles != nil:
		return in.ID, summary.Story(in.Articles, words), nil
	case in.Article != nil:
		return in.ID, summary.Article(*in.Article, words), nil
	case in.Text != nil:
		return in.ID, summary.Article(*in.Text, words), nil
	}
	return nil, "", errors.New(`no "article" or "articles"`)
}
