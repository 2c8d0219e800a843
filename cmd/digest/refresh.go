package main

import (
	"context"
	"errors"
)

func runRefresh(ctx context.Context, env *Env, args []string) error {
	return errors.New("refresh: not implemented yet")
}
