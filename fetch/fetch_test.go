package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	digest "github.com/occasional-digest/digest"
)

func TestGetConditionalRequest(t *testing.T) {
	const etag = `"v1"`
	const lastMod = "Sat, 28 Nov 2026 10:00:00 GMT"
	var conditional atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Cache-Control", "public, max-age=600")
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><rss/>`)
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	ctx := context.Background()

	first, err := c.Get(ctx, Request{URL: srv.URL + "/feed", Accept: AcceptFeed})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || first.StatusCode != 200 || string(first.Body) != `<?xml version="1.0" encoding="UTF-8"?><rss/>` {
		t.Fatalf("first response = %+v", first)
	}
	if first.ETag != etag || first.LastModified != lastMod || first.MaxAge != 10*time.Minute || first.ContentType != "application/rss+xml" {
		t.Fatalf("validators/max-age/type = %q %q %v %q", first.ETag, first.LastModified, first.MaxAge, first.ContentType)
	}

	second, err := c.Get(ctx, Request{URL: srv.URL + "/feed", ETag: first.ETag, LastModified: first.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.Body != nil || second.StatusCode != http.StatusNotModified {
		t.Fatalf("second response = %+v, want NotModified without body", second)
	}
	if second.ETag != etag || second.LastModified != lastMod {
		t.Fatalf("304 lost the validators: %q %q", second.ETag, second.LastModified)
	}
	if conditional.Load() != 1 {
		t.Fatalf("server saw %d conditional requests, want 1", conditional.Load())
	}
}

func TestGetSendsHeaders(t *testing.T) {
	var got http.Header
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet, UserAgent: UserAgent("1.2.3")})
	if _, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if ua := got.Get("User-Agent"); ua != "OccasionalDigest/1.2.3 (+https://github.com/occasional-digest/digest)" {
		t.Errorf("User-Agent = %q", ua)
	}
	if ae := got.Get("Accept-Encoding"); ae != "gzip, deflate, br" {
		t.Errorf("Accept-Encoding = %q", ae)
	}
	if a := got.Get("Accept"); a != "*/*" {
		t.Errorf("Accept = %q", a)
	}
	if got.Get("If-None-Match") != "" || got.Get("If-Modified-Since") != "" {
		t.Errorf("unconditional request sent validators: %v", got)
	}
}

func TestGetDecodesContentEncodings(t *testing.T) {
	text := strings.Repeat("Occasional Digest decodes every encoding it asks for. ", 200)
	encode := map[string]func(io.Writer) io.WriteCloser{
		"gzip":       func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) },
		"x-gzip":     func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) },
		"deflate":    func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) },
		"br":         func(w io.Writer) io.WriteCloser { return brotli.NewWriter(w) },
		"identity":   func(w io.Writer) io.WriteCloser { return nopCloser{w} },
		"gzip, gzip": func(w io.Writer) io.WriteCloser { return gzip.NewWriter(gzip.NewWriter(w)) },
	}
	tests := []struct {
		name, encoding string
		raw            bool // raw DEFLATE as many servers send for "deflate"
	}{
		{"gzip body is decoded", "gzip", false},
		{"x-gzip body is decoded", "x-gzip", false},
		{"zlib deflate body is decoded", "deflate", false},
		{"raw deflate body is decoded", "deflate", true},
		{"brotli body is decoded", "br", false},
		{"identity body is passed through", "identity", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.Header().Set("Content-Encoding", tt.encoding)
				var enc io.WriteCloser
				if tt.raw {
					enc, _ = flate.NewWriter(w, flate.DefaultCompression)
				} else {
					enc = encode[tt.encoding](w)
				}
				io.WriteString(enc, text)
				enc.Close()
			}))
			c := newTestClient(t, Options{AllowedNets: loopbackNet})
			for i := 0; i < 2; i++ { // the second uses a pooled decoder
				res, err := c.Get(context.Background(), Request{URL: srv.URL})
				if err != nil {
					t.Fatal(err)
				}
				if string(res.Body) != text {
					t.Fatalf("body = %.60q… (%d bytes), want the text", res.Body, len(res.Body))
				}
			}
		})
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// zeros is an endless reader of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestGetStopsDecompressionBombs(t *testing.T) {
	const gib = 1 << 30
	tests := []struct {
		name     string
		encoding string
		write    func(ctx context.Context, w io.Writer)
	}{
		{"gzip bomb of 1 GiB of zeros in one member is cut at the cap", "gzip", func(ctx context.Context, w io.Writer) {
			gz, _ := gzip.NewWriterLevel(w, gzip.BestSpeed)
			for i := 0; i < 1024 && ctx.Err() == nil; i++ {
				if _, err := io.CopyN(gz, zeros{}, gib/1024); err != nil {
					return
				}
			}
			gz.Close()
		}},
		{"gzip bomb of 1 GiB of zeros in 1024 members (~1 MB on the wire) is cut at the cap", "gzip", func(ctx context.Context, w io.Writer) {
			var member bytes.Buffer
			gz, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
			io.CopyN(gz, zeros{}, gib/1024)
			gz.Close()
			for i := 0; i < 1024 && ctx.Err() == nil; i++ {
				if _, err := w.Write(member.Bytes()); err != nil {
					return
				}
			}
		}},
		{"brotli bomb of 1 GiB of zeros is cut at the cap", "br", func(ctx context.Context, w io.Writer) {
			br := brotli.NewWriterLevel(w, brotli.BestSpeed)
			for i := 0; i < 1024 && ctx.Err() == nil; i++ {
				if _, err := io.CopyN(br, zeros{}, gib/1024); err != nil {
					return
				}
			}
			br.Close()
		}},
		{"deflate bomb of 1 GiB of zeros is cut at the cap", "deflate", func(ctx context.Context, w io.Writer) {
			z, _ := zlib.NewWriterLevel(w, zlib.BestSpeed)
			for i := 0; i < 1024 && ctx.Err() == nil; i++ {
				if _, err := io.CopyN(z, zeros{}, gib/1024); err != nil {
					return
				}
			}
			z.Close()
		}},
	}
	var ok atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			ok.Add(1)
			io.WriteString(w, "fine")
			return
		}
		for _, tt := range tests {
			if r.URL.Query().Get("case") == tt.name {
				w.Header().Set("Content-Type", "application/xml")
				w.Header().Set("Content-Encoding", tt.encoding)
				tt.write(r.Context(), w)
				return
			}
		}
		http.NotFound(w, r)
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(context.Background(), Request{URL: srv.URL + "/bomb?case=" + urlEscape(tt.name)})
			de := wantCode(t, err, digest.EUPSTREAM)
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %q is not ErrTooLarge", err)
			}
			if !strings.Contains(de.Message, "larger than 10485760 bytes") {
				t.Errorf("message %q does not state the cap", de.Message)
			}
			res, err := c.Get(context.Background(), Request{URL: srv.URL + "/ok"})
			if err != nil || string(res.Body) != "fine" {
				t.Fatalf("client unusable after the bomb: %v", err)
			}
		})
	}
}

func urlEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, " ", "+"), "(", "%28")
}

func TestGetCapsLargeBodies(t *testing.T) {
	const size = 20 << 20
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		if r.URL.Query().Get("length") == "1" {
			w.Header().Set("Content-Length", fmt.Sprint(size))
		}
		if r.URL.Query().Get("small") == "1" {
			w.Write(make([]byte, 2000))
			return
		}
		chunk := make([]byte, 64<<10)
		for n := 0; n < size && r.Context().Err() == nil; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	tests := []struct {
		name     string
		query    string
		maxBytes int64
		wantCap  string
	}{
		{"20 MB body with Content-Length is refused before reading", "length=1", 0, "10485760"},
		{"20 MB chunked body is cut at the cap", "length=0", 0, "10485760"},
		{"per-request cap overrides the client's", "small=1", 1000, "1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(context.Background(), Request{URL: srv.URL + "/?" + tt.query, MaxBytes: tt.maxBytes})
			de := wantCode(t, err, digest.EUPSTREAM)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(de.Message, tt.wantCap) {
				t.Fatalf("error %q: want ErrTooLarge stating %s", err, tt.wantCap)
			}
		})
	}
	res, err := c.Get(context.Background(), Request{URL: srv.URL + "/?small=1", MaxBytes: 2000})
	if err != nil || len(res.Body) != 2000 {
		t.Fatalf("a body of exactly MaxBytes must pass: %v", err)
	}
}

func TestGetRedirects(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "feed") })
	mux.Handle("/moved", http.RedirectHandler("/feed", http.StatusMovedPermanently))
	mux.Handle("/moved-twice", http.RedirectHandler("/moved", http.StatusPermanentRedirect))
	mux.Handle("/found", http.RedirectHandler("/moved", http.StatusFound))
	mux.Handle("/a", http.RedirectHandler("/b", http.StatusFound))
	mux.Handle("/b", http.RedirectHandler("/a", http.StatusFound))
	mux.Handle("/self", http.RedirectHandler("/self#frag", http.StatusFound))
	mux.HandleFunc("/chain/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusFound)
	})
	mux.Handle("/ftp", http.RedirectHandler("ftp://example.com/feed", http.StatusFound))
	mux.Handle("/file", http.RedirectHandler("file:///etc/passwd", http.StatusFound))
	mux.HandleFunc("/nolocation", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusFound) })
	mux.HandleFunc("/badlocation", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://[::1")
		w.WriteHeader(http.StatusFound)
	})
	srv := newServer(t, mux)
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	ctx := context.Background()

	t.Run("permanent redirects are followed and reported", func(t *testing.T) {
		res, err := c.Get(ctx, Request{URL: srv.URL + "/moved-twice"})
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Body) != "feed" || res.URL != srv.URL+"/feed" || !res.PermanentRedirect {
			t.Fatalf("got %q at %s permanent=%v", res.Body, res.URL, res.PermanentRedirect)
		}
	})
	t.Run("a temporary redirect in the chain is not permanent", func(t *testing.T) {
		res, err := c.Get(ctx, Request{URL: srv.URL + "/found"})
		if err != nil {
			t.Fatal(err)
		}
		if res.PermanentRedirect || res.URL != srv.URL+"/feed" {
			t.Fatalf("got %s permanent=%v", res.URL, res.PermanentRedirect)
		}
	})
	t.Run("no redirect is not permanent", func(t *testing.T) {
		res, err := c.Get(ctx, Request{URL: srv.URL + "/feed"})
		if err != nil || res.PermanentRedirect {
			t.Fatalf("err=%v permanent=%v", err, res != nil && res.PermanentRedirect)
		}
	})

	hostile := []struct {
		name, path string
		code       string
		is         error
		msg        string
	}{
		{"redirect loop A→B→A is reported as a loop", "/a", digest.EUPSTREAM, ErrRedirectLoop, "redirect loop: " + srv.URL + "/a → " + srv.URL + "/b → " + srv.URL + "/a"},
		{"redirect to itself is a loop", "/self", digest.EUPSTREAM, ErrRedirectLoop, "redirect loop"},
		{"endless redirect chain stops after the limit", "/chain/0", digest.EUPSTREAM, ErrTooManyRedirects, "more than 5 redirects"},
		{"redirect to ftp is refused", "/ftp", digest.EREFUSED, nil, `unsupported scheme "ftp"`},
		{"redirect to file is refused", "/file", digest.EREFUSED, nil, `unsupported scheme "file"`},
		{"redirect without Location is a status error", "/nolocation", digest.EUPSTREAM, nil, "302"},
		{"redirect to an unparsable Location is an upstream error", "/badlocation", digest.EUPSTREAM, nil, "invalid location"},
	}
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(ctx, Request{URL: srv.URL + tt.path})
			de := wantCode(t, err, tt.code)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			if !strings.Contains(de.Message, tt.msg) {
				t.Errorf("message %q does not contain %q", de.Message, tt.msg)
			}
			if res, err := c.Get(ctx, Request{URL: srv.URL + "/feed"}); err != nil || string(res.Body) != "feed" {
				t.Fatalf("client unusable afterwards: %v", err)
			}
		})
	}

	t.Run("negative MaxRedirects follows none", func(t *testing.T) {
		c := newTestClient(t, Options{AllowedNets: loopbackNet, MaxRedirects: -1})
		_, err := c.Get(ctx, Request{URL: srv.URL + "/moved"})
		if !errors.Is(err, ErrTooManyRedirects) {
			t.Fatalf("err = %v, want ErrTooManyRedirects", err)
		}
	})
}

func TestGetTimesOutSlowServers(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/drip", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; i < 600; i++ { // ends by itself after a minute at most
			if _, err := w.Write([]byte{'x'}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
			}
		}
	})
	mux.HandleFunc("/silent", func(w http.ResponseWriter, r *http.Request) {
		select { // never sends headers
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	})
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := newServer(t, mux)
	c := newTestClient(t, Options{AllowedNets: loopbackNet, Timeout: time.Second})
	for _, path := range []string{"/drip", "/silent"} {
		t.Run("server "+path+" ends in a timeout", func(t *testing.T) {
			_, err := c.Get(context.Background(), Request{URL: srv.URL + path})
			de := wantCode(t, err, digest.EUPSTREAM)
			if !errors.Is(err, ErrTimeout) || !strings.Contains(de.Message, "timed out after 1s") {
				t.Fatalf("error %q is not a timeout", err)
			}
			if res, err := c.Get(context.Background(), Request{URL: srv.URL + "/ok"}); err != nil || string(res.Body) != "ok" {
				t.Fatalf("client unusable afterwards: %v", err)
			}
		})
	}
}

func TestGetCallerCancellationIsNotUpstreamError(t *testing.T) {
	started := make(chan struct{})
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	_, err := c.Get(ctx, Request{URL: srv.URL})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if code := digest.ErrorCode(err); code == digest.EUPSTREAM || code == digest.EREFUSED {
		t.Fatalf("caller's cancellation coded %q", code)
	}
}

func TestGetStatusErrors(t *testing.T) {
	const date = "Sun, 29 Nov 2026 01:00:00 GMT"
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if v := q.Get("retry"); v != "" {
			w.Header().Set("Retry-After", v)
		}
		if q.Get("date") != "" {
			w.Header().Set("Date", date)
		}
		var code int
		fmt.Sscan(q.Get("code"), &code)
		w.WriteHeader(code)
		io.WriteString(w, "error page")
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	tests := []struct {
		name  string
		query string
		code  int
		retry time.Duration
	}{
		{"429 with Retry-After seconds carries the delay", "code=429&retry=120", 429, 2 * time.Minute},
		{"429 with Retry-After HTTP date is measured against Date", "code=429&date=1&retry=" + urlq("Sun, 29 Nov 2026 01:05:00 GMT"), 429, 5 * time.Minute},
		{"503 with Retry-After HTTP date in the past has no delay", "code=503&date=1&retry=" + urlq("Sun, 29 Nov 2026 00:05:00 GMT"), 503, 0},
		{"503 with an unparsable Retry-After has no delay", "code=503&retry=soon", 503, 0},
		{"absurd Retry-After is clamped to a week", "code=429&retry=99999999999", 429, 7 * 24 * time.Hour},
		{"404 is a status error", "code=404", 404, 0},
		{"500 is a status error", "code=500", 500, 0},
		{"Retry-After on a 404 is ignored", "code=404&retry=60", 404, 0},
		{"304 to an unconditional request is an error", "code=304", 304, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(context.Background(), Request{URL: srv.URL + "/?" + tt.query})
			de := wantCode(t, err, digest.EUPSTREAM)
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("error %q carries no *StatusError", err)
			}
			if se.Code != tt.code || se.RetryAfter != tt.retry {
				t.Fatalf("StatusError = %+v, want code %d retry %v", se, tt.code, tt.retry)
			}
			if !strings.Contains(de.Message, fmt.Sprint(tt.code)) {
				t.Errorf("message %q does not state the status", de.Message)
			}
		})
	}
}

func urlq(s string) string {
	return strings.NewReplacer(" ", "%20", ",", "%2C", ":", "%3A").Replace(s)
}

func TestGetRefusesNonPublicAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	p := port(t, srv)
	lookup := hookLookup(map[string][]netip.Addr{
		"public.test":   {netip.MustParseAddr("127.0.0.1")},
		"metadata.test": {netip.MustParseAddr("169.254.169.254")},
		"loop6.test":    {netip.MustParseAddr("::1")},
		"private.test":  {netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("fd00::1")},
		"mapped.test":   {netip.MustParseAddr("::ffff:127.0.0.1")},
		"mixed.test":    {netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("127.0.0.1")},
	})

	strict := newTestClient(t, Options{LookupIP: lookup})
	literal := []struct{ name, url, msg string }{
		{"loopback literal is refused", srv.URL, "refused: 127.0.0.1 is a loopback address"},
		{"IPv6 loopback literal is refused", "http://[::1]:" + p + "/", "refused: ::1 is a loopback address"},
		{"cloud metadata literal is refused", "http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"},
		{"IPv4-mapped metadata literal is refused", "http://[::ffff:169.254.169.254]/", "is a link-local address"},
		{"private literal is refused", "http://192.168.1.1/", "refused: 192.168.1.1 is a private address"},
		{"unspecified literal is refused", "http://0.0.0.0:" + p + "/", "refused: 0.0.0.0 is an unspecified address"},
		{"localhost is refused by name", "http://localhost:" + p + "/", "refused: localhost is a loopback name"},
		{"name resolving to loopback is refused", "http://public.test:" + p + "/", "refused: 127.0.0.1 is a loopback address"},
		{"name resolving to metadata is refused", "http://metadata.test/", "refused: 169.254.169.254 is a link-local address"},
		{"name resolving to IPv6 loopback is refused", "http://loop6.test:" + p + "/", "refused: ::1 is a loopback address"},
		{"name resolving to private addresses only is refused", "http://private.test/", "refused: 10.1.2.3 is a private address"},
		{"name resolving to mapped loopback is refused", "http://mapped.test:" + p + "/", "is a loopback address"},
	}
	for _, tt := range literal {
		t.Run(tt.name, func(t *testing.T) {
			_, err := strict.Get(context.Background(), Request{URL: tt.url})
			de := wantCode(t, err, digest.EREFUSED)
			if !strings.Contains(de.Message, tt.msg) {
				t.Fatalf("message %q does not contain %q", de.Message, tt.msg)
			}
		})
	}
	if hits.Load() != 0 {
		t.Fatalf("the strict client reached the server %d times", hits.Load())
	}

	// A client allowed to reach 127.0.0.1 only, which the server then
	// redirects elsewhere.
	c := newTestClient(t, Options{AllowedNets: loopbackNet, LookupIP: lookup})
	redirects := []struct{ name, to, msg string }{
		{"redirect to IPv6 loopback is refused", "http://[::1]:" + p + "/", "refused: ::1 is a loopback address"},
		{"redirect to another loopback address is refused", "http://127.0.0.2:" + p + "/", "refused: 127.0.0.2 is a loopback address"},
		{"redirect to cloud metadata is refused", "http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a link-local address"},
		{"redirect to a name resolving to metadata is refused", "http://metadata.test/", "refused: 169.254.169.254 is a link-local address"},
		{"redirect to a name resolving to private addresses is refused", "http://private.test/", "refused: 10.1.2.3 is a private address"},
	}
	for _, tt := range redirects {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			_, err := c.Get(context.Background(), Request{URL: srv.URL + "/?to=" + tt.to})
			de := wantCode(t, err, digest.EREFUSED)
			if !strings.Contains(de.Message, tt.msg) {
				t.Fatalf("message %q does not contain %q", de.Message, tt.msg)
			}
			if hits.Load() != before+1 {
				t.Fatalf("server hits went from %d to %d, want only the redirecting one", before, hits.Load())
			}
			if res, err := c.Get(context.Background(), Request{URL: srv.URL}); err != nil || string(res.Body) != "ok" {
				t.Fatalf("client unusable afterwards: %v", err)
			}
		})
	}
	t.Run("name with a refused and an allowed address connects to the allowed one", func(t *testing.T) {
		res, err := c.Get(context.Background(), Request{URL: "http://mixed.test:" + p + "/"})
		if err != nil || string(res.Body) != "ok" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("AllowPrivate reaches loopback", func(t *testing.T) {
		open := newTestClient(t, Options{AllowPrivate: true})
		if _, err := open.Get(context.Background(), Request{URL: srv.URL}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDialControlRefusesWhateverResolvedTheAddress(t *testing.T) {
	// The Control hook is the last line: even a dial that skipped the
	// resolver-side check is refused before connect.
	c := newTestClient(t, Options{})
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("server reached")
	}))
	_, err := c.dialer.DialContext(context.Background(), "tcp", srv.Listener.Addr().String())
	var ae *addrError
	if !errors.As(err, &ae) || ae.phrase != "a loopback address" {
		t.Fatalf("err = %v, want a refusal by Control", err)
	}
}

func TestGetInvalidURLs(t *testing.T) {
	c := newTestClient(t, Options{LookupIP: hookLookup(nil)})
	for _, raw := range []string{"", "feed.example.com/rss", "ftp://example.com/", "javascript:alert(1)", "http://", "http:///path", "http://exa mple.com/", "http://example.com:99999999/"} {
		_, err := c.Get(context.Background(), Request{URL: raw})
		wantCode(t, err, digest.EINVALID)
	}
}

func TestPerHostLimit(t *testing.T) {
	const limit, requests = 3, 12
	var inflight, maxInflight atomic.Int32
	release := make(chan struct{})
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "other.test:"+r.URL.Query().Get("p") {
			io.WriteString(w, "other")
			return
		}
		n := inflight.Add(1)
		for {
			m := maxInflight.Load()
			if n <= m || maxInflight.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		inflight.Add(-1)
	}))
	p := port(t, srv)
	c := newTestClient(t, Options{
		AllowedNets: loopbackNet,
		PerHost:     limit,
		LookupIP:    hookLookup(map[string][]netip.Addr{"other.test": {netip.MustParseAddr("127.0.0.1")}}),
	})
	errs := make(chan error, requests)
	for i := 0; i < requests; i++ {
		go func() {
			_, err := c.Get(context.Background(), Request{URL: srv.URL + "/slow"})
			errs <- err
		}()
	}
	// Wait until every request holds or waits for a slot of the host.
	deadline := time.Now().Add(30 * time.Second)
	for {
		holders, waiters := c.hosts.waiting("127.0.0.1")
		if holders == limit && waiters == requests-limit && inflight.Load() == limit {
			break
		}
		if time.Now().After(deadline) {
			close(release)
			t.Fatalf("never saw %d holders and %d waiters: %d, %d, %d at the server", limit, requests-limit, holders, waiters, inflight.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Another host is not held up by the full one.
	res, err := c.Get(context.Background(), Request{URL: "http://other.test:" + p + "/?p=" + p})
	if err != nil || string(res.Body) != "other" {
		t.Fatalf("other host blocked: %v", err)
	}
	// A waiter gives up when its context ends.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Get(ctx, Request{URL: srv.URL + "/slow"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting with a cancelled context: %v", err)
	}

	close(release)
	for i := 0; i < requests; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if m := maxInflight.Load(); m != limit {
		t.Fatalf("server saw at most %d concurrent requests, want exactly %d", m, limit)
	}
	if h, w := c.hosts.waiting("127.0.0.1"); h != 0 || w != 0 {
		t.Fatalf("slots leaked: %d holders, %d waiters", h, w)
	}
}

func TestGetConvertsCharsetAndLeavesImagesAlone(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xe9\xff")
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/latin1":
			w.Header().Set("Content-Type", "application/rss+xml; charset=windows-1252")
			w.Write([]byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss><title>Caf\xe9 \x93quoted\x94</title></rss>"))
		case "/image":
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		case "/untyped":
			w.Header()["Content-Type"] = nil
			w.Write([]byte("<html><head><meta charset=\"koi8-r\"></head><body>\xf0\xd2\xc9\xd7\xc5\xd4</body></html>"))
		}
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	res, err := c.Get(context.Background(), Request{URL: srv.URL + "/latin1"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `<?xml version="1.0" encoding="utf-8"?><rss><title>Café “quoted”</title></rss>`; string(res.Body) != want || res.Charset != "windows-1252" {
		t.Fatalf("body %q charset %q", res.Body, res.Charset)
	}
	res, err = c.Get(context.Background(), Request{URL: srv.URL + "/image"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Body, png) || res.Charset != "" || res.ContentType != "image/png" {
		t.Fatalf("image altered: %q %q", res.Body, res.Charset)
	}
	res, err = c.Get(context.Background(), Request{URL: srv.URL + "/untyped"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(res.Body), "Привет") || res.ContentType != "text/html" {
		t.Fatalf("untyped page: %q %q", res.Body, res.ContentType)
	}
	res, err = c.Get(context.Background(), Request{URL: srv.URL + "/latin1", Raw: true})
	if err != nil || !bytes.Contains(res.Body, []byte("Caf\xe9")) || res.Charset != "" {
		t.Fatalf("Raw converted the body: %q %v", res.Body, err)
	}
}

func TestGetHostileEncodings(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fake-gzip":
			w.Header().Set("Content-Encoding", "gzip")
			io.WriteString(w, "this is not gzip at all")
		case "/truncated-gzip":
			var b bytes.Buffer
			gz := gzip.NewWriter(&b)
			io.WriteString(gz, strings.Repeat("truncated ", 1000))
			gz.Close()
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(b.Bytes()[:b.Len()/2])
		case "/unknown":
			w.Header().Set("Content-Encoding", "zstd")
			io.WriteString(w, "zstd frame")
		case "/stacked":
			w.Header().Set("Content-Encoding", "gzip, gzip, gzip")
			io.WriteString(w, "x")
		case "/ok":
			io.WriteString(w, "ok")
		}
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	for _, tt := range []struct{ name, path, msg string }{
		{"body that is not gzip is an upstream error", "/fake-gzip", "invalid gzip body"},
		{"truncated gzip is an upstream error", "/truncated-gzip", "corrupt gzip body"},
		{"unknown encoding is an upstream error", "/unknown", `unsupported content encoding "zstd"`},
		{"too many stacked encodings is an upstream error", "/stacked", "more than 2 content encodings"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Get(context.Background(), Request{URL: srv.URL + tt.path})
			wantCode(t, err, digest.EUPSTREAM)
			if !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("error %q does not contain %q", err, tt.msg)
			}
			if res, err := c.Get(context.Background(), Request{URL: srv.URL + "/ok"}); err != nil || string(res.Body) != "ok" {
				t.Fatalf("client unusable afterwards: %v", err)
			}
		})
	}
}

func TestGetOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "proto %d", r.ProtoMajor)
	}))
	t.Cleanup(srv.Close)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	c := newTestClient(t, Options{AllowedNets: loopbackNet, RootCAs: pool})
	res, err := c.Get(context.Background(), Request{URL: srv.URL})
	if err != nil || string(res.Body) != "proto 1" {
		t.Fatalf("got %v %v", res, err)
	}
	untrusting := newTestClient(t, Options{AllowedNets: loopbackNet})
	_, err = untrusting.Get(context.Background(), Request{URL: srv.URL})
	de := wantCode(t, err, digest.EUPSTREAM)
	if !strings.Contains(de.Message, "TLS certificate") {
		t.Fatalf("message %q", de.Message)
	}
}

func TestGetUserinfoIsSentAsBasicAuthAndRedacted(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != "reader" || pass != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, "private feed")
	}))
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	u := strings.Replace(srv.URL, "http://", "http://reader:s3cret@", 1)
	res, err := c.Get(context.Background(), Request{URL: u})
	if err != nil || string(res.Body) != "private feed" {
		t.Fatalf("got %v", err)
	}
	_, err = c.Get(context.Background(), Request{URL: strings.Replace(u, "s3cret", "wrong", 1)})
	wantCode(t, err, digest.EUPSTREAM)
	if strings.Contains(err.Error(), "wrong") {
		t.Fatalf("error leaks the password: %q", err)
	}
}

func TestGetReusesConnections(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		switch r.URL.Path {
		case "/gzip":
			w.Header().Set("Content-Encoding", "gzip")
			gz := gzip.NewWriter(w)
			io.WriteString(gz, strings.Repeat("feed ", 500))
			gz.Close()
		case "/deflate":
			w.Header().Set("Content-Encoding", "deflate")
			z := zlib.NewWriter(w)
			io.WriteString(z, strings.Repeat("feed ", 500))
			z.Close()
		case "/404":
			http.NotFound(w, r)
		default:
			io.WriteString(w, "feed")
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newTestClient(t, Options{AllowedNets: loopbackNet})
	for i := 0; i < 20; i++ {
		for _, r := range []Request{{URL: srv.URL + "/plain"}, {URL: srv.URL + "/gzip"}, {URL: srv.URL + "/deflate"}, {URL: srv.URL, ETag: `"x"`}, {URL: srv.URL + "/404"}} {
			if _, err := c.Get(context.Background(), r); err != nil && !strings.Contains(err.Error(), "404") {
				t.Fatal(err)
			}
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("100 sequential requests used %d connections, want 1", n)
	}
}
