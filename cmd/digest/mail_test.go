package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/daily"
)

func parseMail(t *testing.T, vars map[string]string, args ...string) (*daily.SMTP, error) {
	t.Helper()
	env := &Env{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return vars[k] }}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var mc mailConfig
	finish := bindMail(fs, env, &mc)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return finish()
}

// TestSMTPSettings: flags win over the environment; the password comes
// from the environment or the first line of a file, never a flag, and
// is never in an error.
func TestSMTPSettings(t *testing.T) {
	if s, err := parseMail(t, nil); s != nil || err != nil {
		t.Errorf("no host: %v %v, want no mailer", s, err)
	}
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("from file\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := parseMail(t, map[string]string{"DIGEST_SMTP_HOST": "env.example.org", "DIGEST_SMTP_PORT": "2525", "DIGEST_SMTP_USER": "u",
		"DIGEST_SMTP_PASSWORD": "from env"}, "--smtp-host", "mx.example.org")
	if err != nil || s.Host != "mx.example.org" || s.Port != 2525 || s.TLS != daily.StartTLS || s.Username != "u" || s.Password != "from env" {
		t.Errorf("env and flags: %+v %v", s, err)
	}
	s, err = parseMail(t, map[string]string{"DIGEST_SMTP_PASSWORD": "from env"}, "--smtp-host", "mx.example.org", "--smtp-user", "u",
		"--smtp-password-file", pw, "--smtp-tls", "tls", "--smtp-port", "465", "--smtp-from", "Zoë's News <news@example.org>")
	if err != nil || s.Password != "from file" || s.TLS != daily.TLS || s.Port != 465 {
		t.Errorf("password file: %+v %v", s, err)
	}
	if strings.Contains(s.String(), "from file") {
		t.Errorf("String shows the password: %s", s)
	}
	for _, tc := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{nil, []string{"--smtp-host", "h", "--smtp-tls", "ssl"}, "TLS mode"},
		{nil, []string{"--smtp-host", "h", "--smtp-port", "70000"}, "port"},
		{nil, []string{"--smtp-host", "h", "--smtp-user", "u"}, "without a password"},
		{nil, []string{"--smtp-host", "h", "--smtp-password-file", "/nonexistent/pw"}, "password file"},
		{map[string]string{"DIGEST_SMTP_PORT": "x"}, nil, "DIGEST_SMTP_PORT"},
		{nil, []string{"--smtp-host", "h", "--smtp-from", "not an address\r\nBcc: x@y"}, "not an address"},
		{nil, []string{"--smtp-password", "secret"}, "not defined"},
	} {
		_, err := parseMail(t, tc.vars, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want an error saying %q", tc.vars, tc.args, err, tc.want)
		}
	}
}

// TestServeHelpListsSMTP: serve's help lists the SMTP settings.
func TestServeHelpListsSMTP(t *testing.T) {
	_, errs, st := digestCLI(t, nil, "serve", "--help")
	wantRun(t, st, exitOK, errs, []string{"-smtp-host", "-smtp-port", "-smtp-tls", "-smtp-user", "-smtp-password-file", "-smtp-from", "DIGEST_SMTP_PASSWORD"})
	_, errs, st = digestCLI(t, nil, "add", "--help")
	wantRun(t, st, exitOK, errs, []string{"Usage: digest add"}, "-smtp-host")
}
