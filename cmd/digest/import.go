package main

import (
	"context"
	"errors"
)

func runImport(ctx context.Context, env *Env, args []string) error {
	return errors.New("import: not implemented yet")
}
