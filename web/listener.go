package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"

	digest "github.com/occasional-digest/digest"
)

// Listener wraps the listener the server is served on, so that an API
// request net/http refuses before any handler sees it (a request line it
// cannot parse, such as a bad % escape in the path, or a malformed Host
// header) is answered in JSON like every other API error instead of
// net/http's plain text. Other answers pass through untouched.
//
// net/http writes those refusals itself, in one write, with a header
// block no handler's answer has (no Date); the connection remembers the
// start of what it read since its last write, the refused request's line,
// to tell an API request from a page's.
func Listener(ln net.Listener) net.Listener { return &apiListener{ln} }

type apiListener struct{ net.Listener }

func (l *apiListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &apiConn{Conn: c}, nil
}

// apiConn keeps the first bytes read since the last write.
type apiConn struct {
	net.Conn
	mu   sync.Mutex
	head []byte
}

// headBytes is how much of a request the connection remembers: enough for
// the method and the start of the target.
const headBytes = 64

func (c *apiConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if room := headBytes - len(c.head); room > 0 {
			c.head = append(c.head, p[:min(n, room)]...)
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *apiConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	head := c.head
	c.head = nil
	c.mu.Unlock()
	if status, text, ok := refusal(b); ok && isAPIRequestLine(head) {
		c.Conn.Write(apiRefusal(status, text))
		return len(b), nil // what net/http meant to write is answered
	}
	return c.Conn.Write(b)
}

// CloseWrite lets net/http half-close the connection after a refusal, as
// it does on the connection it wraps.
func (c *apiConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// refusalHeaders is the header block of net/http's own refusals.
const refusalHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// refusal recognises a 4xx answer written by net/http before routing and
// returns its status and the reason it gives.
func refusal(b []byte) (status int, text string, ok bool) {
	rest, found := bytes.CutPrefix(b, []byte("HTTP/1.1 "))
	if !found || len(rest) < 4 || rest[0] != '4' {
		return 0, "", false
	}
	line, body, found := bytes.Cut(rest, []byte(refusalHeaders))
	if !found || bytes.Contains(line, []byte("\r\n")) {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(line[:3]))
	if err != nil {
		return 0, "", false
	}
	text = string(body)
	if _, reason, found := bytes.Cut(body, []byte(": ")); found {
		text = string(reason)
	} else if status == http.StatusBadRequest {
		text = "malformed request line (a bad % escape in the path?)"
	}
	return status, text, true
}

// isAPIRequestLine reports whether the start of a request names a path
// under /api/. The line may have lost its first bytes to a read made
// before the previous answer was written.
func isAPIRequestLine(head []byte) bool {
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	fields := bytes.Fields(line)
	return len(fields) >= 2 && bytes.HasPrefix(fields[1], []byte("/api/"))
}

// apiRefusal is a complete HTTP/1.1 answer with the API's error body.
func apiRefusal(status int, text string) []byte {
	code := digest.EINVALID
	if status == http.StatusRequestHeaderFieldsTooLarge {
		code = ETOOLARGE
	}
	body, _ := json.Marshal(apiErrorBody{Error: apiErrorDetail{Code: code, Message: text}})
	body = append(body, '\n')
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: %d\r\n"+
		"Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n", status, http.StatusText(status), len(body))
	b.Write(body)
	return b.Bytes()
}
