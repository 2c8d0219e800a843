package fetch

import (
	"context"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"

	digest "github.com/occasional-digest/digest"
)

// maxURLLen bounds the URLs CheckURL accepts; longer ones are almost always
// garbage or an attack on something downstream.
const maxURLLen = 4096

// CheckURL validates a URL given by a user before it is stored or fetched:
// it must parse, use the http or https scheme, name a host and contain no
// whitespace or control characters. It does not resolve the host or look at
// addresses; (*Client).CheckURL also applies the client's address policy to
// IP literals. Errors are *digest.Error with code digest.EINVALID.
//
// User information (https://user:pass@host/feed) is accepted: it is the only
// way to subscribe to a feed behind HTTP basic authentication. It is sent to
// that host only (never to the target of a redirect to another host) and
// errors show URLs with the password redacted.
func CheckURL(raw string) error {
	_, err := parseURL(raw)
	return err
}

// parseURL is CheckURL returning the parsed URL, without its fragment.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, digest.Errorf(digest.EINVALID, "empty URL")
	}
	if len(raw) > maxURLLen {
		return nil, digest.Errorf(digest.EINVALID, "URL longer than %d bytes", maxURLLen)
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c == 0x7f {
			return nil, digest.Errorf(digest.EINVALID, "URL contains a space or control character at byte %d", i)
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, digest.WrapError(digest.EINVALID, "invalid URL", unwrapURLError(err))
	}
	if err := checkScheme(u); err != nil {
		return nil, digest.Errorf(digest.EINVALID, "%s", err)
	}
	if u.Hostname() == "" {
		return nil, digest.Errorf(digest.EINVALID, "URL %s has no host", u.Redacted())
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, digest.Errorf(digest.EINVALID, "URL %s has an invalid port", u.Redacted())
		}
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

type schemeError string

func (e schemeError) Error() string {
	return "unsupported scheme " + string(e) + ": only http and https URLs can be fetched"
}

func checkScheme(u *url.URL) error {
	switch u.Scheme {
	case "http", "https":
		return nil
	case "":
		return schemeError(`""`)
	}
	s := strings.ToLower(u.Scheme)
	if s == "http" || s == "https" {
		u.Scheme = s
		return nil
	}
	return schemeError(`"` + u.Scheme + `"`)
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// CheckURL is the package's CheckURL followed by the client's address
// policy for hosts given as IP literals (and "localhost"), so that an
// obviously refused URL is reported when a user enters it rather than at the
// first fetch. Host names are resolved only when fetched: the guard that
// counts runs on every connection (see Client).
func (c *Client) CheckURL(raw string) error {
	u, err := parseURL(raw)
	if err != nil {
		return err
	}
	return c.checkHost(u.Hostname())
}

func (c *Client) checkHost(host string) error {
	if a, err := netip.ParseAddr(host); err == nil {
		if err := c.policy.check(a); err != nil {
			return refusedError(err)
		}
		return nil
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		if err := c.policy.check(netip.AddrFrom4([4]byte{127, 0, 0, 1})); err != nil {
			return digest.Errorf(digest.EREFUSED, "refused: %s is a loopback name", host)
		}
	}
	return nil
}

// policy decides which addresses the client may connect to.
type policy struct {
	allowPrivate bool
	allowed      []netip.Prefix
}

// addrError is a refusal of an address by the policy.
type addrError struct {
	addr   netip.Addr
	phrase string // "a link-local address"
}

func (e *addrError) Error() string {
	return "refused: " + e.addr.String() + " is " + e.phrase
}

func refusedError(err error) *digest.Error {
	return digest.Errorf(digest.EREFUSED, "%s", err.Error())
}

// check returns an *addrError when the policy refuses a, nil otherwise.
func (p *policy) check(a netip.Addr) error {
	a = a.WithZone("")
	for _, pf := range p.allowed {
		if pf.Contains(a) || (a.Is4In6() && pf.Contains(a.Unmap())) {
			return nil
		}
	}
	if p.allowPrivate {
		return nil
	}
	if phrase := nonGlobal(a); phrase != "" {
		return &addrError{addr: a, phrase: phrase}
	}
	return nil
}

// control is the net.Dialer's ControlContext: the last check, on the very
// address the socket is about to connect to, whatever resolved it.
func (p *policy) control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &addrError{phrase: "an unparsable address (" + address + ")"}
	}
	return p.check(ap.Addr())
}

type rangeKind struct {
	prefix netip.Prefix
	phrase string
}

// v4Ranges are the IPv4 ranges that are not globally reachable (IANA
// special-purpose registry), most specific first where they nest.
var v4Ranges = []rangeKind{
	{netip.MustParsePrefix("0.0.0.0/32"), "an unspecified address"},
	{netip.MustParsePrefix("0.0.0.0/8"), `a "this network" address`},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT) address"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved (IETF protocol) address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a reserved (6to4 relay) address"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast address"},
	{netip.MustParsePrefix("255.255.255.255/32"), "a broadcast address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
}

var v6Ranges = []rangeKind{
	{netip.MustParsePrefix("::/128"), "an unspecified address"},
	{netip.MustParsePrefix("::1/128"), "a loopback address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a local-use NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard-only address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("2001::/23"), "a reserved (IETF protocol or Teredo) address"},
	{netip.MustParsePrefix("3fff::/20"), "a documentation address"},
	{netip.MustParsePrefix("5f00::/16"), "a reserved (SRv6) address"},
	{netip.MustParsePrefix("fc00::/7"), "a private (unique local) address"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast address"},
}

var (
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4  = netip.MustParsePrefix("2002::/16")
	global6 = netip.MustParsePrefix("2000::/3")
)

// nonGlobal returns a phrase naming the kind of a when it is not a globally
// reachable unicast address, and "" when it is. IPv6 forms that embed an
// IPv4 address (IPv4-mapped, NAT64, 6to4) are judged by that address.
func nonGlobal(a netip.Addr) string {
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		for _, r := range v4Ranges {
			if r.prefix.Contains(a) {
				return r.phrase
			}
		}
		return ""
	}
	if !a.IsValid() {
		return "an invalid address"
	}
	for _, r := range v6Ranges {
		if r.prefix.Contains(a) {
			return r.phrase
		}
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		if p := nonGlobal(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); p != "" {
			return p + " (through NAT64)"
		}
		return ""
	case sixTo4.Contains(a):
		if p := nonGlobal(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})); p != "" {
			return p + " (through 6to4)"
		}
		return ""
	case !global6.Contains(a):
		// Everything outside 2000::/3 is unassigned or special
		// (IPv4-compatible ::/96 included).
		return "a reserved address"
	}
	return ""
}

// lookupFunc resolves a host name to addresses.
type lookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

func defaultLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}
