// Package fetch is the one outbound HTTP client of Occasional Digest: every
// feed, article page and icon is fetched through a *Client.
//
// A Client bounds every request: a timeout that covers the body (slow-drip
// servers end there), a size cap applied after decompression (gzip, deflate
// and brotli bombs end there), a redirect limit with loop detection, and a
// per-host concurrency limit. It sends conditional requests and reports 304
// as NotModified, turns 429/503 Retry-After into a *StatusError, parses
// Cache-Control max-age, and converts text bodies to UTF-8.
//
// SSRF guard: unless Options.AllowPrivate is set, a Client refuses to
// connect to any address that is not globally reachable (loopback, RFC 1918
// and RFC 4193 private, link-local including 169.254.169.254, CGNAT,
// multicast, unspecified, documentation, benchmarking and reserved ranges,
// and IPv6 forms embedding those). The check runs on the resolved address
// at dial time, so it covers DNS rebinding and redirects alike.
// Options.AllowedNets makes explicit exceptions.
//
// Only http and https URLs are fetched, also as redirect targets. User
// information in a URL (https://user:pass@host/feed) is accepted and sent as
// basic authentication to that URL only, never to a redirect target
// without it; errors and logs show such URLs with the password redacted.
//
// Proxies from the environment (HTTP_PROXY and friends) are ignored on
// purpose: through a proxy the dial-time check would see the proxy's address
// instead of the target's.
//
// Errors are *digest.Error: digest.EINVALID for a malformed URL,
// digest.EREFUSED for a refused address or scheme, digest.EUPSTREAM for
// everything the remote side did wrong (HTTP errors, too large, redirect
// loops, timeouts, connection failures). Each wraps its cause with %w, so
// errors.As finds a *StatusError and errors.Is finds ErrTimeout,
// ErrTooLarge, ErrRedirectLoop and ErrTooManyRedirects. When the caller's
// own context ends, Get returns that context's error (wrapped), uncoded.
package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Defaults of Options.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBytes     = 10 << 20
	DefaultMaxRedirects = 5
	DefaultPerHost      = 8
)

// Accept headers for the kinds of documents the product fetches.
const (
	AcceptFeed  = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
	AcceptHTML  = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
	AcceptImage = "image/avif, image/webp, image/png, image/svg+xml, image/*;q=0.8, */*;q=0.5"
)

// UserAgent returns the User-Agent header of the given product version
// ("dev" when empty).
func UserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "OccasionalDigest/" + version + " (+https://github.com/occasional-digest/digest)"
}

// Options configure a Client. The zero value is a safe production client.
type Options struct {
	// UserAgent is sent with every request; default UserAgent("").
	UserAgent string
	// Timeout bounds a whole request, redirects and body read included;
	// default DefaultTimeout. Waiting for a per-host slot before the first
	// request is not counted (the caller's context bounds it).
	Timeout time.Duration
	// MaxBytes caps a body after decompression; default DefaultMaxBytes.
	// Request.MaxBytes overrides it per request.
	MaxBytes int64
	// MaxRedirects is how many redirects a request follows; default
	// DefaultMaxRedirects, negative: none.
	MaxRedirects int
	// PerHost is the number of concurrent requests per host name; default
	// DefaultPerHost. Idle keep-alive connections per host match it.
	PerHost int
	// AllowPrivate lets the client connect to any address (the demo and
	// tests). Leave it false in production.
	AllowPrivate bool
	// AllowedNets are addresses the client may connect to even when
	// AllowPrivate is false (e.g. 127.0.0.1/32 in tests, a LAN feed
	// server).
	AllowedNets []netip.Prefix
	// LookupIP resolves host names; nil uses the system resolver. Tests use
	// it to make a public-looking name resolve to a refused address. The
	// address policy applies to whatever it returns.
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
	// RootCAs verifies servers' certificates; nil uses the system roots.
	RootCAs *x509.CertPool
	// Logger receives debug records of requests and redirects; nil
	// discards them.
	Logger *slog.Logger
}

// Client fetches URLs under the Options it was made with. It is safe for
// concurrent use and should be shared: it holds the keep-alive connections
// and the per-host limits.
type Client struct {
	ua           string
	uaHeader     []string
	timeout      time.Duration
	maxBytes     int64
	maxRedirects int
	policy       policy
	lookup       lookupFunc
	hosts        hostLimiter
	log          *slog.Logger

	tr     *http.Transport
	dialer *net.Dialer
	// dialIP connects to one address that the policy accepted; tests
	// replace it with one that refuses anything but loopback.
	dialIP func(ctx context.Context, network, addr string) (net.Conn, error)

	gzipPool sync.Pool // *gzip.Reader
}

// New returns a Client; zero Options fields take their defaults.
func New(opts Options) *Client {
	c := &Client{
		ua:           opts.UserAgent,
		timeout:      opts.Timeout,
		maxBytes:     opts.MaxBytes,
		maxRedirects: opts.MaxRedirects,
		policy:       policy{allowPrivate: opts.AllowPrivate, allowed: append([]netip.Prefix(nil), opts.AllowedNets...)},
		lookup:       opts.LookupIP,
		log:          opts.Logger,
	}
	if c.ua == "" {
		c.ua = UserAgent("")
	}
	c.uaHeader = []string{c.ua}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxBytes
	}
	switch {
	case c.maxRedirects == 0:
		c.maxRedirects = DefaultMaxRedirects
	case c.maxRedirects < 0:
		c.maxRedirects = 0
	}
	perHost := opts.PerHost
	if perHost <= 0 {
		perHost = DefaultPerHost
	}
	c.hosts = hostLimiter{size: perHost, hosts: map[string]*hostSlot{}}
	if c.lookup == nil {
		c.lookup = defaultLookup
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	} else {
		c.log = c.log.With("component", "fetch")
	}
	c.dialer = &net.Dialer{
		Timeout:        10 * time.Second,
		KeepAlive:      30 * time.Second,
		ControlContext: c.policy.control,
	}
	c.dialIP = c.dialer.DialContext
	c.tr = &http.Transport{
		Proxy:                  nil, // see the package comment
		DialContext:            c.dialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    max(perHost, 2),
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
		DisableCompression:     true, // Get asks for and decodes encodings itself, under the size cap
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs},
	}
	return c
}

// Close releases idle connections. The Client stays usable.
func (c *Client) Close() {
	c.tr.CloseIdleConnections()
}

// Request is one GET.
type Request struct {
	URL string
	// ETag and LastModified are the validators of a previous response;
	// when set, the request is conditional and a 304 answer comes back as
	// Response.NotModified.
	ETag         string
	LastModified string
	// Accept is the Accept header; default "*/*". See AcceptFeed,
	// AcceptHTML, AcceptImage.
	Accept string
	// MaxBytes overrides Options.MaxBytes for this request when > 0.
	MaxBytes int64
	// Raw skips the conversion to UTF-8: Body is the bytes as sent (after
	// decompression). Use it for images and other binary bodies; binary
	// media types are never converted anyway.
	Raw bool
}

// Response is a successful answer: 2xx, or 304 to a conditional request.
type Response struct {
	URL        string // final URL, after redirects
	StatusCode int
	// NotModified reports a 304: Body is nil and the caller's copy is
	// still current.
	NotModified bool
	// PermanentRedirect reports that at least one redirect was followed and
	// all of them were permanent (301, 308): the caller may replace the URL
	// it stores with URL.
	PermanentRedirect bool
	// Body is the decompressed body. Unless Request.Raw was set or the
	// media type is binary, it is UTF-8: converted from the charset named
	// by, in order, a byte order mark, the Content-Type charset, the XML
	// declaration, an HTML <meta> charset, else UTF-8 if valid or
	// windows-1252. An XML declaration's encoding is rewritten to "utf-8";
	// an HTML <meta charset> is left as it was and must be ignored.
	Body []byte
	// ContentType is the media type, lowercase and without parameters
	// (sniffed from the body when the server sent none).
	ContentType string
	// Charset is the encoding Body was converted from ("utf-8" when it
	// already was UTF-8), "" when it was not converted.
	Charset string
	// ETag and LastModified are the response's validators, or the
	// request's when a 304 did not repeat them: store them as they are.
	ETag         string
	LastModified string
	// MaxAge is the freshness lifetime from Cache-Control max-age (or
	// Expires minus Date when there is no max-age); 0 when absent or with
	// no-cache / no-store.
	MaxAge time.Duration
	Header http.Header
}

// Errors found with errors.Is in the chain of Get's errors.
var (
	ErrTimeout          = errors.New("timed out")
	ErrTooLarge         = errors.New("response too large")
	ErrRedirectLoop     = errors.New("redirect loop")
	ErrTooManyRedirects = errors.New("too many redirects")
)

// RetryAfter returns the delay a server asked for with Retry-After (on a
// 429 or 503) in err's chain, and whether it asked for one.
func RetryAfter(err error) (time.Duration, bool) {
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return se.RetryAfter, true
	}
	return 0, false
}

// Get fetches req.URL, following redirects. It returns a *Response for 2xx
// answers and for a 304 to a conditional request; every other outcome is an
// error (see the package comment for their codes). A failed request leaves
// the Client usable.
func (c *Client) Get(ctx context.Context, req Request) (*Response, error) {
	u, err := parseURL(req.URL)
	if err != nil {
		return nil, err
	}
	if err := c.checkHost(u.Hostname()); err != nil {
		return nil, err
	}
	maxBytes := c.maxBytes
	if req.MaxBytes > 0 {
		maxBytes = req.MaxBytes
	}

	host := hostKey(u)
	slot, err := c.hosts.acquire(ctx, host)
	if err != nil {
		return nil, ctxError(u, err)
	}
	tctx, cancel := context.WithTimeoutCause(ctx, c.timeout, ErrTimeout)
	defer cancel()

	header := c.header(req)
	var visited [DefaultMaxRedirects + 1]string
	chain := visited[:0]
	permanent := false
	for hop := 0; ; hop++ {
		resp, err := c.do(tctx, u, header)
		if err != nil {
			c.hosts.release(host, slot)
			return nil, c.requestError(ctx, tctx, u, err)
		}
		if !isRedirect(resp.StatusCode) || resp.Header.Get("Location") == "" {
			res, err := c.finish(ctx, tctx, u, req, resp, maxBytes)
			c.hosts.release(host, slot)
			if res != nil {
				res.PermanentRedirect = permanent
			}
			return res, err
		}
		loc := resp.Header.Get("Location")
		discard(resp.Body)
		c.hosts.release(host, slot)

		next, err := u.Parse(loc)
		if err != nil {
			return nil, digest.WrapError(digest.EUPSTREAM, u.Redacted()+": redirect to an invalid location", unwrapURLError(err))
		}
		next.Fragment, next.RawFragment = "", ""
		if err := checkScheme(next); err != nil {
			return nil, digest.Errorf(digest.EREFUSED, "refused: %s redirects to %s: %s", u.Redacted(), next.Redacted(), err)
		}
		chain = append(chain, u.String())
		if slicesContains(chain, next.String()) {
			return nil, digest.WrapError(digest.EUPSTREAM, "redirect loop: "+strings.Join(redactAll(append(chain, next.String())), " → "), ErrRedirectLoop)
		}
		if hop >= c.maxRedirects {
			return nil, digest.WrapError(digest.EUPSTREAM, u.Redacted()+": more than "+itoa(c.maxRedirects)+" redirects", ErrTooManyRedirects)
		}
		if err := c.checkHost(next.Hostname()); err != nil {
			return nil, err
		}
		if hop == 0 {
			permanent = true
		}
		permanent = permanent && (resp.StatusCode == http.StatusMovedPermanently || resp.StatusCode == http.StatusPermanentRedirect)
		if c.log.Enabled(ctx, slog.LevelDebug) {
			c.log.LogAttrs(ctx, slog.LevelDebug, "redirect", slog.String("from", u.Redacted()), slog.String("to", next.Redacted()), slog.Int("status", resp.StatusCode))
		}
		u = next
		host = hostKey(u)
		if slot, err = c.hosts.acquire(tctx, host); err != nil {
			return nil, c.requestError(ctx, tctx, u, err)
		}
	}
}

var acceptEncoding = []string{"gzip, deflate, br"}

func (c *Client) header(req Request) http.Header {
	accept := req.Accept
	if accept == "" {
		accept = "*/*"
	}
	h := make(http.Header, 5)
	h["User-Agent"] = c.uaHeader // shared: RoundTrip does not modify headers
	h["Accept"] = []string{accept}
	h["Accept-Encoding"] = acceptEncoding
	if req.ETag != "" {
		h["If-None-Match"] = []string{req.ETag}
	}
	if req.LastModified != "" {
		h["If-Modified-Since"] = []string{req.LastModified}
	}
	return h
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// do sends one request, without following redirects (Get does, for per-hop
// host limits, loop detection and scheme checks). The Authorization header
// is set only for a URL with user information, so credentials never follow
// a redirect to another URL that lacks them.
func (c *Client) do(ctx context.Context, u *url.URL, header http.Header) (*http.Response, error) {
	hreq := &http.Request{
		Method:     http.MethodGet,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     header,
		Host:       u.Host,
	}
	if u.User != nil {
		if pass, ok := u.User.Password(); ok || u.User.Username() != "" {
			header["Authorization"] = []string{basicAuth(u.User.Username(), pass)}
		}
	} else {
		delete(header, "Authorization")
	}
	return c.tr.RoundTrip(hreq.WithContext(ctx))
}

// finish turns the last response of a request into a Response or an error.
// It always closes resp.Body.
func (c *Client) finish(ctx, tctx context.Context, u *url.URL, req Request, resp *http.Response, maxBytes int64) (*Response, error) {
	res := &Response{
		URL:          u.String(),
		StatusCode:   resp.StatusCode,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		Header:       resp.Header,
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		discard(resp.Body)
		if req.ETag == "" && req.LastModified == "" {
			return nil, digest.WrapError(digest.EUPSTREAM, u.Redacted()+": server answered 304 Not Modified to an unconditional request", &StatusError{Code: resp.StatusCode, URL: u.Redacted()})
		}
		res.NotModified = true
		if res.ETag == "" {
			res.ETag = req.ETag
		}
		if res.LastModified == "" {
			res.LastModified = req.LastModified
		}
		res.MaxAge = maxAge(resp.Header, time.Now())
		return res, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		discard(resp.Body)
		se := &StatusError{Code: resp.StatusCode, URL: u.Redacted()}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			se.RetryAfter = retryAfter(resp.Header, time.Now())
		}
		return nil, digest.WrapError(digest.EUPSTREAM, u.Redacted()+": server answered "+statusText(resp), se)
	}

	body, err := c.readBody(resp, maxBytes)
	switch {
	case err == nil:
	case errors.Is(err, ErrTooLarge):
		return nil, digest.WrapError(digest.EUPSTREAM, u.Redacted()+": response larger than "+itoa64(maxBytes)+" bytes", err)
	case ctx.Err() != nil || context.Cause(tctx) == ErrTimeout:
		return nil, c.requestError(ctx, tctx, u, err)
	case errors.Is(err, errEncoding):
		return nil, digest.WrapError(digest.EUPSTREAM, u.Redacted()+": undecodable body", err)
	default:
		return nil, c.requestError(ctx, tctx, u, err)
	}
	ct := resp.Header.Get("Content-Type")
	res.ContentType = mediaType(ct)
	if res.ContentType == "" && len(body) > 0 {
		// The sniffer's charset parameter is a guess; ToUTF8 guesses
		// better.
		ct = mediaType(http.DetectContentType(body))
		res.ContentType = ct
	}
	if !req.Raw && isText(res.ContentType, body) {
		body, res.Charset = ToUTF8(body, ct)
	}
	res.Body = body
	res.MaxAge = maxAge(resp.Header, time.Now())
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.LogAttrs(ctx, slog.LevelDebug, "fetched", slog.String("url", u.Redacted()), slog.Int("status", resp.StatusCode), slog.Int("bytes", len(body)))
	}
	return res, nil
}

func statusText(resp *http.Response) string {
	if resp.Status != "" {
		return resp.Status
	}
	return itoa(resp.StatusCode) + " " + http.StatusText(resp.StatusCode)
}

// requestError codes the error of a failed exchange. ctx is the caller's
// context and tctx the one carrying the client's timeout.
func (c *Client) requestError(ctx, tctx context.Context, u *url.URL, err error) error {
	if ctx.Err() != nil {
		return ctxError(u, context.Cause(ctx))
	}
	if context.Cause(tctx) == ErrTimeout {
		return digest.WrapError(digest.EUPSTREAM, u.Redacted()+": timed out after "+c.timeout.String(), ErrTimeout)
	}
	var ae *addrError
	if errors.As(err, &ae) {
		return refusedError(ae)
	}
	err = unwrapURLError(err)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return digest.WrapError(digest.EUPSTREAM, u.Redacted()+": cannot resolve "+u.Hostname(), err)
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return digest.WrapError(digest.EUPSTREAM, u.Redacted()+": invalid TLS certificate", err)
	}
	var opErr *net.OpError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return digest.WrapError(digest.EUPSTREAM, u.Redacted()+": connection closed before the response was complete", err)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return digest.WrapError(digest.EUPSTREAM, u.Redacted()+": cannot connect", err)
	}
	return digest.WrapError(digest.EUPSTREAM, u.Redacted()+": request failed", err)
}

func ctxError(u *url.URL, err error) error {
	return &wrapped{msg: "fetch " + u.Redacted(), err: err}
}

// wrapped is fmt.Errorf("%s: %w") without the formatting cost.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg + ": " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

// dialContext resolves addr's host, skips addresses the policy refuses and
// connects to the first that answers. The dialer's Control checks the
// address once more right before connecting.
func (c *Client) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = c.lookup(ctx, host)
		if err != nil {
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) {
				err = &net.DNSError{Err: err.Error(), Name: host}
			}
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
		addrs = append([]netip.Addr(nil), addrs...)
		orderAddrs(addrs)
	}
	var first error
	tried := 0
	for _, a := range addrs {
		if err := c.policy.check(a); err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		if tried == 4 {
			break
		}
		tried++
		conn, err := c.dialIP(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		var ae *addrError
		if first == nil || (errors.As(first, &ae) && !errors.As(err, &ae)) {
			// A connection error says more than a refusal of
			// another of the host's addresses.
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// orderAddrs puts IPv4 addresses first, keeping the resolver's order
// otherwise: a server-side fetcher cannot rely on working IPv6 and dials
// serially.
func orderAddrs(addrs []netip.Addr) {
	j := 0
	for i, a := range addrs {
		if a.Unmap().Is4() {
			a4 := a
			copy(addrs[j+1:i+1], addrs[j:i])
			addrs[j] = a4
			j++
		}
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// discard drains a little of a body so its connection can be reused, then
// closes it.
func discard(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}

func hostKey(u *url.URL) string {
	return strings.ToLower(u.Hostname())
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func redactAll(urls []string) []string {
	out := make([]string, len(urls))
	for i, s := range urls {
		if u, err := url.Parse(s); err == nil {
			out[i] = u.Redacted()
		} else {
			out[i] = s
		}
	}
	return out
}
