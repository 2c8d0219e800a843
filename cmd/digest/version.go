package main

import (
	"context"
	"errors"
)

func runVersion(ctx context.Context, env *Env, args []string) error {
	return errors.New("version: not implemented yet")
}
