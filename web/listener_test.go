package web

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	digest "github.com/occasional-digest/digest"
)

// serveRaw serves the fixture on a loopback listener wrapped by Listener
// and returns a function that sends raw requests on one connection and
// reads one answer each.
func serveRaw(t *testing.T, fx *fixture) func(raw string) *http.Response {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: fx.h}
	go hs.Serve(Listener(ln))
	t.Cleanup(func() { hs.Close() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	br := bufio.NewReader(conn)
	return func(raw string) *http.Response {
		t.Helper()
		if _, err := io.WriteString(conn, raw); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
}

func apiErrorOf(t *testing.T, res *http.Response) apiErrorBody {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("%d with Content-Type %q: %q", res.StatusCode, ct, body)
	}
	var e apiErrorBody
	if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBadEscapeInAnAPIPathIsAJSONError(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	send := serveRaw(t, fx)
	// A good request first: the refused one comes on a used connection.
	res := send("GET /api/v1/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: " + fx.cookie + "\r\n\r\n")
	io.Copy(io.Discard, res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("good request = %d", res.StatusCode)
	}
	res = send("GET /api/v1/entities/per/Ines%zzVarga HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	if e := apiErrorOf(t, res); res.StatusCode != 400 || e.Error.Code != "invalid" || e.Error.Message == "" {
		t.Errorf("bad escape = %d %+v", res.StatusCode, e)
	}
}

func TestNetHTTPRefusalsOfAPIRequestsAreJSON(t *testing.T) {
	fx := newFixture(t)
	for _, tt := range []struct {
		name, raw string
		status    int
		json      bool
	}{
		{"bad escape in the path", "PATCH /api/v1/feeds/%2 HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, true},
		{"malformed Host", "GET /api/v1/feeds HTTP/1.1\r\nHost: a b\r\n\r\n", 400, true},
		{"a page keeps net/http's answer", "GET /feeds/%zz HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := serveRaw(t, fx)(tt.raw)
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d", res.StatusCode, tt.status)
			}
			if !tt.json {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("Content-Type %q, want net/http's text/plain", ct)
				}
				return
			}
			if e := apiErrorOf(t, res); e.Error.Code != "invalid" || e.Error.Message == "" {
				t.Errorf("error %+v", e)
			}
		})
	}
}

func TestBadEscapeInAnAPIQueryIsAJSONError(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	for _, target := range []string{"/api/v1/articles?q=%zz", "/api/v1/feeds?q=%", "/api/v1/feeds/1?x=%g0", "/api/v1/stories?limit=1;2"} {
		assertAPIError(t, fx.do(t, "GET", target, ""), 400, digest.EINVALID)
	}
}
