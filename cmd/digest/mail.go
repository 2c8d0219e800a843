package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/occasional-digest/digest/daily"
	"github.com/occasional-digest/digest/store/postgres"
)

// mailConfig is how serve reaches an SMTP server for the daily digest.
// The password is read from DIGEST_SMTP_PASSWORD or a file, never from a
// flag (a command line is visible to every user of the machine), and is
// never printed or logged.
type mailConfig struct {
	Host         string // --smtp-host, DIGEST_SMTP_HOST; "" sends no mail
	Port         int    // --smtp-port, DIGEST_SMTP_PORT
	TLS          string // --smtp-tls, DIGEST_SMTP_TLS: starttls, tls or none
	User         string // --smtp-user, DIGEST_SMTP_USER
	PasswordFile string // --smtp-password-file, DIGEST_SMTP_PASSWORD_FILE
	From         string // --smtp-from, DIGEST_SMTP_FROM
	password     string
}

// bindMail registers the SMTP flags of serve on fs, with defaults from
// the environment. The returned function, called after parsing, returns
// the mailer (nil when no host is set).
func bindMail(fs *flagSet, env *Env, mc *mailConfig) func() (*daily.SMTP, error) {
	var errs []error
	str := func(p *string, name, envName, def, help string) {
		*p = def
		if v := env.Getenv(envName); v != "" {
			*p = v
		}
		fs.StringVar(p, name, *p, help+" (env "+envName+")")
	}
	str(&mc.Host, "smtp-host", "DIGEST_SMTP_HOST", "", "SMTP server that sends the daily digest; none: no e-mail")
	str(&mc.TLS, "smtp-tls", "DIGEST_SMTP_TLS", daily.StartTLS, "SMTP encryption: starttls (required), tls (port 465) or none (a relay on loopback only)")
	str(&mc.User, "smtp-user", "DIGEST_SMTP_USER", "", "SMTP user name (AUTH PLAIN); its password comes from DIGEST_SMTP_PASSWORD or --smtp-password-file")
	str(&mc.PasswordFile, "smtp-password-file", "DIGEST_SMTP_PASSWORD_FILE", "", "file whose first line is the SMTP password")
	str(&mc.From, "smtp-from", "DIGEST_SMTP_FROM", "", "sender of the digest, e.g. \"News <news@example.org>\" (default digest@ the base URL's host)")
	mc.Port = 587
	if v := env.Getenv("DIGEST_SMTP_PORT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DIGEST_SMTP_PORT: %w", err))
		}
		mc.Port = n
	}
	fs.IntVar(&mc.Port, "smtp-port", mc.Port, "SMTP port (env DIGEST_SMTP_PORT)")
	return func() (*daily.SMTP, error) {
		if len(errs) > 0 {
			return nil, errs[0]
		}
		if mc.Host == "" {
			return nil, nil
		}
		mc.password = env.Getenv("DIGEST_SMTP_PASSWORD")
		if mc.PasswordFile != "" {
			b, err := os.ReadFile(mc.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("smtp password file: %w", err)
			}
			first, _, _ := strings.Cut(string(b), "\n")
			mc.password = strings.TrimSuffix(first, "\r")
		}
		s := &daily.SMTP{Host: mc.Host, Port: mc.Port, TLS: mc.TLS, Username: mc.User, Password: mc.password}
		if err := s.Validate(); err != nil {
			return nil, err
		}
		if mc.From != "" {
			if _, err := daily.New(nil, daily.Options{From: mc.From}); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
}

// startDaily makes the daily digest's service of serve: its links on
// base, its mail through smtp (none when nil). It starts with the server.
func (a *app) startDaily(base, from string, smtp *daily.SMTP) error {
	o := daily.Options{BaseURL: base, From: from, Logger: a.log}
	if smtp != nil {
		o.Mailer = smtp
		if a.cfg.BaseURL == "" {
			a.log.Warn("the daily digest's links point to the listen address: set --base-url to the address readers reach", "base", base)
		}
		a.log.Info("daily digest e-mail", "smtp", smtp)
	}
	if db, ok := a.store.(*postgres.DB); ok {
		// Several processes may share the database: one at a time runs a
		// round, so no digest is built or sent twice.
		o.Exclusive = exclusive(db.Lock("daily"))
	}
	d, err := daily.New(a.store, o)
	if err != nil {
		return &cliError{status: exitUsage, err: fmt.Errorf("config: %w", err)}
	}
	a.daily = d
	return nil
}

// exclusive runs a round while holding lock, or not at all when another
// process holds it; the round's context ends if the lock is lost.
func exclusive(lock *postgres.Lock) func(context.Context, func(context.Context) error) error {
	return func(ctx context.Context, round func(context.Context) error) error {
		lost, release, ok, err := lock.TryLock(ctx)
		if err != nil || !ok {
			return err
		}
		defer release()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			select {
			case <-lost:
				cancel()
			case <-ctx.Done():
			}
		}()
		return round(ctx)
	}
}
