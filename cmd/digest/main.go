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
	"strings"
	"syscall"
	_ "time/tzdata" // readers' time zones, where the system has no zoneinfo (distroless)
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
		"backup":    {"write a consistent copy of the SQLite database, while digest runs", runBackup},
		"migrate":   {"copy a SQLite database into PostgreSQL (resumable)", runMigrate},
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
	status := cli(ctx, env, os.Args[1:])
	stop()
	os.Exit(status)
}

// Exit statuses, as the README documents them for scripts.
const (
	exitOK     = 0 // everything asked for was done
	exitFailed = 1 // something failed (some feeds of a refresh, a refused URL, ...)
	exitUsage  = 2 // the command line itself is wrong
)

// cli runs a command line, reports an error on env.Stderr with its reason
// and, when there is one, its fix, and returns the exit status.
func cli(ctx context.Context, env *Env, args []string) int {
	err := run(ctx, env, args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ce *cliError
	if !errors.As(err, &ce) {
		fmt.Fprintln(env.Stderr, "digest:", err)
		return exitFailed
	}
	if !ce.printed {
		fmt.Fprintln(env.Stderr, "digest:", err)
	}
	fix := ce.fix
	if fix == "" && !ce.printed && ce.status == exitUsage {
		if _, ok := commands()[args[0]]; ok {
			fix = fmt.Sprintf("Run \"digest %s --help\" for its usage.", args[0])
		}
	}
	if fix != "" {
		fmt.Fprintln(env.Stderr, "  "+strings.ReplaceAll(fix, "\n", "\n  "))
	}
	return ce.status
}

// cliError is an error with the exit status it ends the process with and
// what the person at the terminal can do about it.
type cliError struct {
	status  int
	err     error
	fix     string // shown under the error; "" when there is nothing to suggest
	printed bool   // the error was already written (by the flag package)
}

func (e *cliError) Error() string { return e.err.Error() }

func (e *cliError) Unwrap() error { return e.err }

// usageErrorf is a mistake in the command line: exit status 2.
func usageErrorf(format string, args ...any) error {
	return &cliError{status: exitUsage, err: fmt.Errorf(format, args...)}
}

// withFix adds a suggestion to err, keeping its exit status (1 unless err
// already says otherwise).
func withFix(err error, fix string) error {
	var ce *cliError
	if errors.As(err, &ce) {
		c := *ce
		c.fix = fix
		return &c
	}
	return &cliError{status: exitFailed, err: err, fix: fix}
}

// parseFlags parses a command's flags; a wrong flag is a usage error that
// the flag package has already reported with the command's usage.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &cliError{status: exitUsage, err: err, printed: true}
}

// run dispatches args to a subcommand.
func run(ctx context.Context, env *Env, args []string) error {
	cmds := commands()
	if len(args) == 0 {
		usage(env.Stderr, cmds)
		return &cliError{status: exitUsage, err: errors.New("no command"), printed: true}
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		usage(env.Stdout, cmds)
		return nil
	}
	c, ok := cmds[args[0]]
	if !ok {
		return withFix(usageErrorf("unknown command %q", args[0]), `"digest help" lists the commands`)
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
	fmt.Fprintln(w, "\nRun \"digest COMMAND --help\" for a command's flags. Exit status: 0 when all\nwas done, 1 when something failed (the reasons are on standard error),\n2 for a wrong command line.")
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
