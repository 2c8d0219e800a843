package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
)

const userUsage = `user add|list|passwd|delete [flags] [NAME]

Manages accounts, for scripts and for the first admin:

  user add [--role admin|user] NAME   create a user (the first one is an admin)
  user list                           list users, one per line: NAME ROLE
  user passwd NAME                    set a user's password; their sessions end
  user delete NAME                    remove a user and their subscriptions

Passwords are read from the terminal without echo, or from the first line
of standard input when it is not a terminal. Never from a flag: flags end
up in shell histories and process lists.`

func runUser(ctx context.Context, env *Env, args []string) error {
	var role string
	extra := func(fs *flagSet) {
		fs.StringVar(&role, "role", "", "role of a new user: admin or user (default: admin for the first user, user after)")
	}
	_, rest, err := parseConfig(env, "user", userUsage, args, extra)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usageErrorf("user: want a subcommand: add, list, passwd or delete")
	}
	// Flags may come before or after the subcommand (digest user add
	// --data DIR NAME): parse them all again without it.
	sub := rest[0]
	before := args[:len(args)-len(rest)]
	cfg, rest, err := parseConfig(env, "user "+sub, userUsage, append(append([]string(nil), before...), rest[1:]...), extra)
	if err != nil {
		return err
	}
	want := map[string]int{"add": 1, "list": 0, "passwd": 1, "delete": 1}
	n, ok := want[sub]
	if !ok {
		return usageErrorf("user: unknown subcommand %q: want add, list, passwd or delete", sub)
	}
	if len(rest) != n {
		return usageErrorf("user %s: want %d argument(s), got %d", sub, n, len(rest))
	}
	if sub == "list" {
		if _, err := os.Stat(cfg.Database); errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("user list: no database at %s", cfg.Database)
		}
	}
	a, err := openApp(ctx, cfg, env, appOptions{noPostProcess: true})
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "list":
		us, err := a.store.Users(ctx)
		if err != nil {
			return err
		}
		for _, u := range us {
			fmt.Fprintf(env.Stdout, "%s %s\n", u.Name, u.Role)
		}
		return nil
	case "add":
		r := digest.Role(role)
		if role == "" {
			r = digest.RoleUser
			if n, err := a.store.CountUsers(ctx); err != nil {
				return err
			} else if n == 0 {
				r = digest.RoleAdmin
			}
		}
		if !r.Valid() {
			return usageErrorf("user add: role must be admin or user, got %q", role)
		}
		if err := auth.CheckName(rest[0]); err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		pw, err := readPassword(env, "Password for "+rest[0]+": ")
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		u, err := a.auth.CreateUser(ctx, rest[0], r, pw)
		if err != nil {
			return fmt.Errorf("user add: %w", err)
		}
		fmt.Fprintf(env.Stdout, "added %s (%s)\n", u.Name, u.Role)
		return nil
	case "passwd":
		u, err := a.store.UserByName(ctx, rest[0])
		if err != nil {
			return fmt.Errorf("user passwd: %w", err)
		}
		pw, err := readPassword(env, "New password for "+u.Name+": ")
		if err != nil {
			return fmt.Errorf("user passwd: %w", err)
		}
		if err := a.auth.SetPassword(ctx, u, pw, 0); err != nil {
			return fmt.Errorf("user passwd: %w", err)
		}
		fmt.Fprintf(env.Stdout, "password of %s changed; their sessions are signed out\n", u.Name)
		return nil
	default: // delete
		u, err := a.store.UserByName(ctx, rest[0])
		if err != nil {
			return fmt.Errorf("user delete: %w", err)
		}
		if err := a.store.DeleteUser(ctx, u.ID); err != nil {
			return fmt.Errorf("user delete: %w", err)
		}
		fmt.Fprintf(env.Stdout, "removed %s\n", u.Name)
		return nil
	}
}

// readPassword reads a password from the terminal without echo (asking
// twice), or the first line of stdin when it is not a terminal.
func readPassword(env *Env, prompt string) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(env.Stderr, prompt)
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(env.Stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two passwords differ")
		}
		return string(a), auth.CheckPasswordStrength(string(a))
	}
	line, err := bufio.NewReaderSize(io.LimitReader(env.Stdin, 4096), 4096).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on standard input")
	}
	return pw, auth.CheckPasswordStrength(pw)
}
