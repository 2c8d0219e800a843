package main

import (
	"context"
	"errors"
)

func runCluster(ctx context.Context, env *Env, args []string) error {
	return errors.New("cluster: not implemented yet")
}
