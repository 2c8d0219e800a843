package fetch

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

func TestMaxAge(t *testing.T) {
	now := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string][]string
		want   time.Duration
	}{
		{"max-age is read", map[string][]string{"Cache-Control": {"public, max-age=900"}}, 15 * time.Minute},
		{"quoted max-age is read", map[string][]string{"Cache-Control": {`max-age="60"`}}, time.Minute},
		{"uppercase directive is read", map[string][]string{"Cache-Control": {"Max-Age=30"}}, 30 * time.Second},
		{"directive on a second header line is read", map[string][]string{"Cache-Control": {"public", "max-age=120"}}, 2 * time.Minute},
		{"no-cache wins over max-age", map[string][]string{"Cache-Control": {"max-age=600, no-cache"}}, 0},
		{"no-store wins over max-age", map[string][]string{"Cache-Control": {"no-store, max-age=600"}}, 0},
		{"s-maxage is ignored", map[string][]string{"Cache-Control": {"s-maxage=600"}}, 0},
		{"negative max-age is 0", map[string][]string{"Cache-Control": {"max-age=-5"}}, 0},
		{"garbage max-age is ignored", map[string][]string{"Cache-Control": {"max-age=soon"}}, 0},
		{"huge max-age is clamped", map[string][]string{"Cache-Control": {"max-age=999999999999999999999"}}, maxMaxAge},
		{"Expires minus Date without max-age", map[string][]string{"Expires": {"Sun, 29 Nov 2026 02:00:00 GMT"}, "Date": {"Sun, 29 Nov 2026 01:30:00 GMT"}}, 30 * time.Minute},
		{"Expires minus now without Date", map[string][]string{"Expires": {"Sun, 29 Nov 2026 02:00:00 GMT"}}, time.Hour},
		{"max-age wins over Expires", map[string][]string{"Cache-Control": {"max-age=60"}, "Expires": {"Sun, 29 Nov 2026 02:00:00 GMT"}}, time.Minute},
		{"Expires 0 is expired", map[string][]string{"Expires": {"0"}}, 0},
		{"nothing is 0", map[string][]string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maxAge(http.Header(tt.header), now); got != tt.want {
				t.Fatalf("maxAge = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string][]string
		want   time.Duration
	}{
		{"seconds", map[string][]string{"Retry-After": {"120"}}, 2 * time.Minute},
		{"seconds with spaces", map[string][]string{"Retry-After": {" 5 "}}, 5 * time.Second},
		{"zero", map[string][]string{"Retry-After": {"0"}}, 0},
		{"negative", map[string][]string{"Retry-After": {"-10"}}, 0},
		{"HTTP date against now", map[string][]string{"Retry-After": {"Sun, 29 Nov 2026 01:10:00 GMT"}}, 10 * time.Minute},
		{"HTTP date against the Date header", map[string][]string{"Retry-After": {"Sun, 29 Nov 2026 01:10:00 GMT"}, "Date": {"Sun, 29 Nov 2026 01:09:00 GMT"}}, time.Minute},
		{"RFC 850 date", map[string][]string{"Retry-After": {"Sunday, 29-Nov-26 01:00:30 GMT"}}, 30 * time.Second},
		{"past date", map[string][]string{"Retry-After": {"Sat, 28 Nov 2026 01:10:00 GMT"}}, 0},
		{"far future is clamped", map[string][]string{"Retry-After": {"Sun, 29 Nov 2099 01:10:00 GMT"}}, maxRetryAfter},
		{"garbage", map[string][]string{"Retry-After": {"tomorrow"}}, 0},
		{"absent", map[string][]string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := retryAfter(http.Header(tt.header), now); got != tt.want {
				t.Fatalf("retryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRetryAfterHelper(t *testing.T) {
	err := fmt.Errorf("refresh feed 3: %w", digest.WrapError(digest.EUPSTREAM, "x", &StatusError{Code: 429, RetryAfter: time.Minute}))
	if d, ok := RetryAfter(err); !ok || d != time.Minute {
		t.Fatalf("RetryAfter = %v %v", d, ok)
	}
	if _, ok := RetryAfter(digest.WrapError(digest.EUPSTREAM, "x", &StatusError{Code: 503})); ok {
		t.Fatal("503 without Retry-After reported a delay")
	}
	if _, ok := RetryAfter(nil); ok {
		t.Fatal("nil reported a delay")
	}
}
