package digest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Application error codes. Callers act on the code; the web package maps
// each to an HTTP status in one place.
const (
	ECONFLICT = "conflict"  // the thing already exists
	EINTERNAL = "internal"  // a bug or an unexpected failure
	EINVALID  = "invalid"   // the input is wrong; the message says how
	ENOTFOUND = "not_found" // no such thing
	EREFUSED  = "refused"   // a policy refused it (e.g. a private address)
	EUPSTREAM = "upstream"  // a remote server failed or sent something unusable

	EUNAUTHORIZED = "unauthorized"      // no credentials, or wrong ones
	EFORBIDDEN    = "forbidden"         // signed in, but not allowed
	ETHROTTLED    = "too_many_requests" // too many failed attempts; try later
)

// Error is an application error with a code and a message safe to show to
// users.
type Error struct {
	Code    string
	Message string
	Err     error // the cause, if any; not shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Message, e.Err)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message whose cause is err.
func WrapError(code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or a generic text for internal errors.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// IsNotFound reports whether err has the code ENOTFOUND.
func IsNotFound(err error) bool { return ErrorCode(err) == ENOTFOUND }

// LogRequestFailure logs a request's server-side failure where it ends.
// A request whose client went away (its context ended) is not a server
// failure: with PostgreSQL the query in flight then fails with the
// context's error, so it is logged at Info as ended by the client, with
// the error kept for the rare case of a real failure racing the cancel.
// Only the method and path are logged, never the query, headers or body.
func LogRequestFailure(logger *slog.Logger, r *http.Request, err error) {
	level, msg := slog.LevelError, "request failed"
	if r.Context().Err() != nil {
		level, msg = slog.LevelInfo, "request ended by the client"
	}
	logger.LogAttrs(r.Context(), level, msg,
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
}
