package fetch

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// rawServer accepts connections on loopback and answers each request with
// whatever respond writes, bypassing net/http's server.
func rawServer(t *testing.T, respond func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				// Read the request head before answering.
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				respond(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestGetHostileServers(t *testing.T) {
	tests := []struct {
		name    string
		respond func(c net.Conn)
		msg     string
	}{
		{"garbage instead of HTTP is an upstream error", func(c net.Conn) {
			io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n\r\n")
		}, "request failed"},
		{"connection closed before any answer is an upstream error", func(c net.Conn) {}, "connection closed before the response was complete"},
		{"body shorter than its Content-Length is an upstream error", func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\nonly a little")
		}, "connection closed before the response was complete"},
		{"header larger than 1 MiB is an upstream error", func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: ")
			c.Write([]byte(strings.Repeat("a", 2<<20)))
			io.WriteString(c, "\r\n\r\n")
		}, "request failed"},
		{"malformed chunked encoding is an upstream error", func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
		}, "request failed"},
		{"redirect status without a usable Location is an upstream error", func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 301 Moved\r\nLocation: http://%zz/\r\nContent-Length: 0\r\n\r\n")
		}, "invalid location"},
	}
	ok := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	c := newTestClient(t, Options{AllowedNets: loopbackNet, Timeout: 5 * time.Second})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := rawServer(t, tt.respond)
			_, err := c.Get(context.Background(), Request{URL: u + "/feed"})
			de := wantCode(t, err, digest.EUPSTREAM)
			if !strings.Contains(de.Message, tt.msg) {
				t.Fatalf("message %q does not contain %q (error %q)", de.Message, tt.msg, err)
			}
			if res, err := c.Get(context.Background(), Request{URL: ok.URL}); err != nil || string(res.Body) != "ok" {
				t.Fatalf("client unusable afterwards: %v", err)
			}
		})
	}
}

func TestGetConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	_, err = c.Get(context.Background(), Request{URL: "http://" + addr + "/"})
	de := wantCode(t, err, digest.EUPSTREAM)
	if !strings.Contains(de.Message, "cannot connect") {
		t.Fatalf("message %q", de.Message)
	}
}

func FuzzCacheHeaders(f *testing.F) {
	f.Add("public, max-age=600", "120", "Sun, 29 Nov 2026 02:00:00 GMT", "Sun, 29 Nov 2026 01:00:00 GMT")
	f.Add(`no-cache, max-age="5"`, "Sun, 29 Nov 2026 01:05:00 GMT", "0", "")
	f.Add("max-age=99999999999999999999999", "-1", "garbage", "Sunday, 29-Nov-26 01:00:00 GMT")
	now := time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, cc, ra, expires, date string) {
		h := http.Header{"Cache-Control": {cc}, "Retry-After": {ra}, "Expires": {expires}, "Date": {date}}
		if d := maxAge(h, now); d < 0 || d > maxMaxAge {
			t.Fatalf("maxAge = %v", d)
		}
		if d := retryAfter(h, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("retryAfter = %v", d)
		}
	})
}

func TestGetDNSRebindingIsCheckedOnEveryDial(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	var mu sync.Mutex
	calls := 0
	lookup := func(_ context.Context, host string) ([]netip.Addr, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil // the allowed answer
		}
		return []netip.Addr{netip.MustParseAddr("169.254.169.254")}, nil // rebound
	}
	c := newTestClient(t, Options{AllowedNets: loopbackNet, LookupIP: lookup})
	u := "http://rebind.test:" + port(t, srv) + "/"
	if _, err := c.Get(context.Background(), Request{URL: u}); err != nil {
		t.Fatal(err)
	}
	c.Close() // drop the kept-alive connection: the next request dials again
	_, err := c.Get(context.Background(), Request{URL: u})
	de := wantCode(t, err, digest.EREFUSED)
	if de.Message != "refused: 169.254.169.254 is a link-local address" {
		t.Fatalf("message %q", de.Message)
	}
}
