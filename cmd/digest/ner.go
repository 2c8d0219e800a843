package main

import (
	"context"
	"errors"
)

func runNER(ctx context.Context, env *Env, args []string) error {
	return errors.New("ner: not implemented yet")
}
