package fetch

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// StatusError is an HTTP answer that is neither 2xx nor a followed
// redirect nor a 304 to a conditional request. Find it with errors.As in
// the chain of Get's error.
type StatusError struct {
	Code int    // HTTP status code
	URL  string // the URL that answered, password redacted
	// RetryAfter is the delay the server asked for with Retry-After on a
	// 429 or 503 (seconds or an HTTP date, measured against the response's
	// Date header); 0 when it did not.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	s := "HTTP " + strconv.Itoa(e.Code)
	if e.RetryAfter > 0 {
		s += ", retry after " + e.RetryAfter.String()
	}
	return s
}

// maxRetryAfter bounds what a server can ask for; anything longer is
// clamped (a scheduler should not park a feed for years on one header).
const maxRetryAfter = 7 * 24 * time.Hour

// retryAfter parses the Retry-After header: delay-seconds or an HTTP date.
// An HTTP date is measured against the response's Date header when it has
// one (so clock skew between us and the server does not matter), against
// now otherwise.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(n) * time.Second
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		now = d
	}
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return min(d.Round(time.Second), maxRetryAfter)
}

// maxMaxAge bounds a freshness lifetime (RFC 9111 suggests 2^31 seconds).
const (
	maxSecs   = 1<<31 - 1
	maxMaxAge = maxSecs * time.Second
)

// maxAge returns the freshness lifetime a response declares: Cache-Control
// max-age, else Expires minus Date. no-cache and no-store make it 0.
// s-maxage is for shared caches and ignored.
func maxAge(h http.Header, now time.Time) time.Duration {
	found := false
	var age time.Duration
	for _, line := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(line, ",") {
			d = strings.TrimSpace(d)
			name, val, _ := strings.Cut(d, "=")
			name = strings.TrimSpace(name)
			switch {
			case strings.EqualFold(name, "no-cache"), strings.EqualFold(name, "no-store"):
				return 0
			case strings.EqualFold(name, "max-age") && !found:
				val = strings.Trim(strings.TrimSpace(val), `"`)
				n, err := strconv.ParseInt(val, 10, 64)
				switch {
				case err == nil:
				case errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(val, "-"):
					n = maxSecs
				default:
					continue
				}
				found = true
				if n > 0 {
					age = time.Duration(min(n, maxSecs)) * time.Second
				}
			}
		}
	}
	if found {
		return age
	}
	exp := h.Get("Expires")
	if exp == "" {
		return 0
	}
	t, err := http.ParseTime(exp)
	if err != nil {
		return 0
	}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		now = d
	}
	if d := t.Sub(now); d > 0 {
		return min(d, maxMaxAge)
	}
	return 0
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
