// Command digest is Occasional Digest: a self-hosted news digest in one
// binary. Run "digest help" for its subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand. run parses its own flags from args; it writes
// results to stdout and returns an error instead of exiting.
type command struct {
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// Env is what a subcommand gets from main: its streams and the process
// environment, so that tests can run commands in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

func commands() map[string]command {
	return map[string]command{
		"serve":     {"run the reader and the ingest pipeline", runServe},
		"demo":      {"serve a bundled fictional newswire with no network", runDemo},
		"add":       {"subscribe to a feed or a site (discovering its feed)", runAdd},
		"import":    {"import subscriptions from an OPML file", runImport},
		"export":    {"print subscriptions as OPML", runExport},
		"refresh":   {"fetch every feed once and exit", runRefresh},
		"check":     {"check the database's invariants (--repair what can be)", runCheck},
		"user":      {"add, list, change or remove accounts", runUser},
		"version":   {"print the version", runVersion},
		"extract":   {"extract the article from an HTML page", runExtract},
		"parse":     {"parse a feed file and print its entries", runParse},
		"fetch":     {"fetch one URL through the hardened client", runFetch},
		"ner":       {"tag named entities (CoNLL-2003 in, conlleval out)", runNER},
		"summarize": {"summarize articles or stories from JSON lines", runSummarize},
		"cluster":   {"cluster articles into stories from JSON lines", runCluster},
		"rank":      {"score candidates for a reader from JSON lines (the \"for you\" model)", runRank},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := run(ctx, env, os.Args[1:])
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "digest:", err)
		}
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(1)
	}
}

// run dispatches args to a subcommand.
func run(ctx context.Context, env *Env, args []string) error {
	cmds := commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(env.Stdout, cmds)
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		usage(env.Stderr, cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return c.run(ctx, env, args[1:])
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Occasional Digest: a self-hosted news digest.\n\nUsage: digest COMMAND [flags] [args]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"digest COMMAND --help\" for a command's flags.")
}

// newFlagSet returns a flag set for a subcommand that writes its usage to
// env.Stderr and returns errors instead of exiting.
func newFlagSet(env *Env, name, usageLine string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: digest %s\n\nFlags:\n", usageLine)
		fs.PrintDefaults()
	}
	return fs
}
