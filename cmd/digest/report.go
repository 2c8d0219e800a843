package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
)

// allowPrivateFix is what to do about a feed the SSRF guard refused.
const allowPrivateFix = "Addresses on loopback and private networks are refused by default (SSRF guard).\n" +
	"To allow them, run again with --allow-private (or set DIGEST_ALLOW_PRIVATE=true)."

// count is n with the noun in the right number: "1 feed", "2 feeds".
// Counts are written with it, never as "%d feeds", so that one is never
// "1 feeds".
func count[N int | int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// reason is the part of err a person needs: the message of a coded error
// without the URL they already typed at its start.
func reason(err error, url string) string {
	msg := err.Error()
	if code := digest.ErrorCode(err); code != digest.EINTERNAL {
		msg = digest.ErrorMessage(err)
	}
	for _, p := range []string{"fetch " + url + ": ", "fetch: " + url + ": ", url + ": ", "fetch: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	// "server answered 404 Not Found: HTTP 404" says the status twice.
	if i := strings.LastIndex(msg, ": HTTP "); i > 0 && strings.Contains(msg[:i], "answered "+msg[i+len(": HTTP "):]) {
		msg = msg[:i]
	}
	return msg
}

// explain turns the error of fetching or subscribing to url into what a
// one-shot command prints: "CMD URL: reason", with the fix when there is
// one.
func explain(cmd, url string, err error) error {
	ce := failure(url, err)
	ce.err = fmt.Errorf("%s %s: %w", cmd, url, ce.err)
	return ce
}

// failure is the reason url failed, without the URL, and its fix.
func failure(url string, err error) *cliError {
	ce := &cliError{status: exitFailed, err: errors.New(reason(err, url))}
	if digest.ErrorCode(err) == digest.EREFUSED {
		ce.fix = allowPrivateFix
	}
	return ce
}

// typedURL checks a URL given on the command line before anything is
// fetched, https:// added when it has no scheme. Its errors are usage
// errors that quote what was typed.
func typedURL(cmd, raw string) (string, error) {
	u := strings.TrimSpace(raw)
	const example = "Give a feed's or a site's address, e.g. https://example.org/feed.xml"
	if u == "" {
		return "", withFix(usageErrorf("%s: the URL is empty", cmd), example)
	}
	if i := strings.IndexFunc(u, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
		return "", withFix(usageErrorf("%s: %q is not a URL: it contains a space or a control character", cmd, raw),
			example+" (spaces in a path are written %20)")
	}
	if !strings.Contains(u, "://") {
		u = "https://" + u
	}
	if err := fetch.CheckURL(u); err != nil {
		return "", withFix(usageErrorf("%s: %q is not a URL that can be fetched: %s", cmd, raw, digest.ErrorMessage(err)), example)
	}
	return u, nil
}

// requireDatabase refuses to run a command that needs an account on a
// database that is not there, rather than creating an empty one.
func requireDatabase(cmd string, cfg Config) error {
	if strings.Contains(cfg.Database, "://") || strings.HasPrefix(cfg.Database, "file:") {
		return nil // a DSN: the driver says what is wrong
	}
	if _, err := os.Stat(cfg.Database); errors.Is(err, os.ErrNotExist) {
		return withFix(fmt.Errorf("%s: no database at %s (data directory %s)", cmd, cfg.Database, cfg.Data),
			"Point --data (or DIGEST_DATA) at your data directory, or start with \"digest user add NAME\" or \"digest serve\".")
	}
	return nil
}
