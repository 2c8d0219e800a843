package main

import (
	"context"
	"errors"
)

func runExtract(ctx context.Context, env *Env, args []string) error {
	return errors.New("extract: not implemented yet")
}
