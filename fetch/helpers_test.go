package fetch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// loopbackNet is the exception tests make for their own httptest servers.
var loopbackNet = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

// newTestClient returns a client whose last dialing step refuses anything
// but loopback, so that a regression of the guard fails the test instead of
// sending a packet anywhere.
func newTestClient(t testing.TB, opts Options) *Client {
	t.Helper()
	c := New(opts)
	next := c.dialIP
	c.dialIP = func(ctx context.Context, network, addr string) (net.Conn, error) {
		ap, err := netip.ParseAddrPort(addr)
		if err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("the guard let a dial to %s through", addr)
			return nil, errors.New("test: dial to a non-loopback address blocked")
		}
		return next(ctx, network, addr)
	}
	t.Cleanup(c.Close)
	return c
}

// newServer starts an httptest server with h and closes it when the test
// ends.
func newServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

// hookLookup resolves the names in m and fails for others.
func hookLookup(m map[string][]netip.Addr) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		if a, ok := m[host]; ok {
			return a, nil
		}
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
}

// port returns the port of a test server's URL.
func port(t testing.TB, s *httptest.Server) string {
	t.Helper()
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// wantCode fails unless err is a *digest.Error with the code.
func wantCode(t testing.TB, err error, code string) *digest.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want code %q", code)
	}
	var de *digest.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %q (%T) is not a *digest.Error", err, err)
	}
	if de.Code != code {
		t.Fatalf("error %q has code %q, want %q", err, de.Code, code)
	}
	return de
}
