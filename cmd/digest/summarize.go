package main

import (
	"context"
	"errors"
)

func runSummarize(ctx context.Context, env *Env, args []string) error {
	return errors.New("summarize: not implemented yet")
}
