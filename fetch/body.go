package fetch

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
)

// errEncoding marks a body whose Content-Encoding is unknown or corrupt.
var errEncoding = errors.New("bad content encoding")

type encodingError struct {
	msg string
	err error
}

func (e *encodingError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}
func (e *encodingError) Unwrap() []error { return []error{errEncoding, e.err} }

// maxEncodings bounds stacked Content-Encodings ("gzip, gzip, ...").
const maxEncodings = 2

// readBody reads resp.Body decoded, at most max bytes after decoding, and
// closes it. Beyond max it fails with ErrTooLarge without reading further.
func (c *Client) readBody(resp *http.Response, max int64) ([]byte, error) {
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	encs := contentEncodings(resp.Header)
	if len(encs) == 0 && resp.ContentLength > max {
		return nil, ErrTooLarge
	}
	if len(encs) > maxEncodings {
		return nil, &encodingError{msg: "more than " + itoa(maxEncodings) + " content encodings"}
	}
	var pooled *gzip.Reader // the common single gzip layer reuses decoders
	for i := len(encs) - 1; i >= 0; i-- {
		switch encs[i] {
		case "gzip", "x-gzip":
			var err error
			if len(encs) == 1 {
				if g, ok := c.gzipPool.Get().(*gzip.Reader); ok {
					err = g.Reset(r)
					pooled = g
				} else {
					pooled, err = gzip.NewReader(r)
				}
				r = pooled
			} else {
				r, err = gzip.NewReader(r)
			}
			if err != nil {
				return nil, &encodingError{msg: "invalid gzip body", err: err}
			}
		case "deflate":
			r = newDeflateReader(r)
		case "br":
			r = brotli.NewReader(r)
		default:
			return nil, &encodingError{msg: "unsupported content encoding " + quote(encs[i])}
		}
	}
	hint := 0
	if len(encs) == 0 && resp.ContentLength > 0 {
		hint = int(resp.ContentLength)
	}
	body, err := readLimited(r, max, hint)
	if pooled != nil && err == nil {
		c.gzipPool.Put(pooled)
	}
	if err != nil {
		if err != ErrTooLarge && len(encs) > 0 && !isNetErr(resp, err) {
			return nil, &encodingError{msg: "corrupt " + strings.Join(encs, ", ") + " body", err: err}
		}
		return nil, err
	}
	// Let the connection be reused: consume what the decoder left (a
	// zlib trailer, the final chunk).
	_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
	return body, nil
}

// isNetErr guesses whether a read error came from the connection rather
// than the decoder: the decoders report their own errors with distinct
// values, the transport's are anything else.
func isNetErr(_ *http.Response, err error) bool {
	switch {
	case errors.Is(err, gzip.ErrChecksum), errors.Is(err, gzip.ErrHeader),
		errors.Is(err, zlib.ErrChecksum), errors.Is(err, zlib.ErrHeader),
		errors.Is(err, io.ErrUnexpectedEOF):
		return false
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) {
		return false
	}
	if strings.HasPrefix(err.Error(), "brotli:") {
		return false
	}
	return true
}

func contentEncodings(h http.Header) []string {
	v := h.Get("Content-Encoding")
	if v == "" {
		return nil
	}
	var out []string
	for e := range strings.SplitSeq(v, ",") {
		e = strings.ToLower(strings.TrimSpace(e))
		if e == "" || e == "identity" {
			continue
		}
		out = append(out, e)
	}
	return out
}

// newDeflateReader reads "deflate" as the RFC says (zlib) or as many
// servers send it (raw DEFLATE), telling them apart by the zlib header.
func newDeflateReader(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, 512)
	h, _ := br.Peek(2)
	if len(h) == 2 && h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		z, err := zlib.NewReader(br)
		if err == nil {
			return z
		}
		return errReader{err}
	}
	return flate.NewReader(br)
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// readLimited reads r to EOF, failing with ErrTooLarge as soon as it has
// more than max bytes. hint is the expected size, 0 if unknown.
func readLimited(r io.Reader, max int64, hint int) ([]byte, error) {
	size := 4 << 10
	if hint > 0 {
		size = hint + 1 // +1 so the EOF read does not grow the buffer
	}
	if int64(size) > max+1 {
		size = int(max + 1)
	}
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			grow := cap(b)
			if int64(cap(b)+grow) > max+1 {
				grow = int(max+1) - cap(b)
			}
			b = append(b, make([]byte, grow)...)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > max {
			return nil, ErrTooLarge
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}
