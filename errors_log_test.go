package digest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// A request that failed because its client went away is logged at Info as
// ended by the client; any other failure at Error. Neither logs the query.
func TestLogRequestFailure(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		cancel     bool
	}{
		{"server failure", `level=ERROR msg="request failed"`, false},
		{"client gone", `level=INFO msg="request ended by the client"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, nil))
			r := httptest.NewRequest("GET", "/api/v1/articles?token=secret", nil)
			ctx, cancel := context.WithCancel(r.Context())
			if tc.cancel {
				cancel()
			} else {
				defer cancel()
			}
			digest.LogRequestFailure(logger, r.WithContext(ctx), errors.New("query: boom"))
			out := buf.String()
			if !strings.Contains(out, tc.want) || !strings.Contains(out, `path=/api/v1/articles`) || !strings.Contains(out, "boom") {
				t.Errorf("log = %q, want %s with the path and the error", out, tc.want)
			}
			if strings.Contains(out, "secret") {
				t.Errorf("log %q shows the query string", out)
			}
		})
	}
}
