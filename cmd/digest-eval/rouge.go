package main

import (
	"context"
	"errors"
)

// runRouge is replaced by the summaries engineer's implementation.
func runRouge(ctx context.Context, env *Env, args []string) error {
	return errors.New("rouge: not implemented yet")
}
