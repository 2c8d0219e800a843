// Command digest-eval scores the output of the digest commands against gold
// data: "digest-eval cluster" for story clustering, "digest-eval rouge" for
// summaries and "digest-eval conll" for named entities.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Env is what a subcommand gets from main, so tests can run it in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

func main() {
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	if err := run(context.Background(), env, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "digest-eval:", err)
		os.Exit(1)
	}
}

const usageText = `digest-eval scores digest output against gold data.

Usage: digest-eval COMMAND [flags]

Commands:
  cluster   pairwise and B-cubed P/R/F1 of stories against gold events
  rouge     ROUGE-1/2/L of summaries against reference summaries
  conll     entity-level P/R/F1 of CoNLL-2003 tagging

Run "digest-eval COMMAND -h" for a command's flags.
`

// run dispatches args to a subcommand.
func run(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usageText)
		return errors.New("missing command")
	}
	switch args[0] {
	case "cluster":
		return runCluster(ctx, env, args[1:])
	case "rouge":
		return runRouge(ctx, env, args[1:])
	case "conll":
		return runConll(ctx, env, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, usageText)
		return nil
	}
	fmt.Fprint(env.Stderr, usageText)
	return fmt.Errorf("unknown command %q", args[0])
}

// newFlagSet returns a flag set that writes its usage to env.Stderr and
// returns errors instead of exiting.
func newFlagSet(env *Env, name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: digest-eval %s\n\nFlags:\n", usageLine)
		fs.PrintDefaults()
	}
	return fs
}
