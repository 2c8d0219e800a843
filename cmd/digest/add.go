package main

import (
	"context"
	"errors"
)

func runAdd(ctx context.Context, env *Env, args []string) error {
	return errors.New("add: not implemented yet")
}
