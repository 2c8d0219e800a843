package fetch

import (
	"net/netip"
	"testing"

	digest "github.com/occasional-digest/digest"
)

func TestNonGlobal(t *testing.T) {
	tests := []struct {
		addr, want string
	}{
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"93.184.215.14", ""},
		{"2606:4700::1111", ""},
		{"2a00:1450:4001:81b::200e", ""},
		{"127.0.0.1", "a loopback address"},
		{"127.255.255.254", "a loopback address"},
		{"::1", "a loopback address"},
		{"10.0.0.1", "a private address"},
		{"172.16.0.1", "a private address"},
		{"172.31.255.255", "a private address"},
		{"172.32.0.1", ""},
		{"192.168.0.1", "a private address"},
		{"fc00::1", "a private (unique local) address"},
		{"fd12:3456::1", "a private (unique local) address"},
		{"169.254.169.254", "a link-local address"},
		{"fe80::1", "a link-local address"},
		{"fe80::1%eth0", "a link-local address"},
		{"100.64.0.1", "a shared (CGNAT) address"},
		{"100.127.255.255", "a shared (CGNAT) address"},
		{"100.128.0.1", ""},
		{"224.0.0.1", "a multicast address"},
		{"239.255.255.250", "a multicast address"},
		{"ff02::1", "a multicast address"},
		{"0.0.0.0", "an unspecified address"},
		{"0.1.2.3", `a "this network" address`},
		{"::", "an unspecified address"},
		{"255.255.255.255", "a broadcast address"},
		{"240.0.0.1", "a reserved address"},
		{"192.0.2.1", "a documentation address"},
		{"198.51.100.7", "a documentation address"},
		{"203.0.113.9", "a documentation address"},
		{"2001:db8::1", "a documentation address"},
		{"198.18.0.1", "a benchmarking address"},
		{"192.0.0.8", "a reserved (IETF protocol) address"},
		{"::ffff:127.0.0.1", "a loopback address"},
		{"::ffff:169.254.169.254", "a link-local address"},
		{"::ffff:8.8.8.8", ""},
		{"::127.0.0.1", "a reserved address"}, // IPv4-compatible, deprecated
		{"64:ff9b::a9fe:a9fe", "a link-local address (through NAT64)"},
		{"64:ff9b::808:808", ""},
		{"64:ff9b:1::1", "a local-use NAT64 address"},
		{"2002:a9fe:a9fe::1", "a link-local address (through 6to4)"},
		{"2002:0808:0808::1", ""},
		{"2001::1", "a reserved (IETF protocol or Teredo) address"},
		{"fec0::1", "a site-local address"},
		{"100::1", "a discard-only address"},
		{"4000::1", "a reserved address"},
	}
	for _, tt := range tests {
		if got := nonGlobal(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("nonGlobal(%s) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestPolicy(t *testing.T) {
	strict := policy{}
	if err := strict.check(netip.MustParseAddr("169.254.169.254")); err == nil || err.Error() != "refused: 169.254.169.254 is a link-local address" {
		t.Errorf("strict policy: %v", err)
	}
	allowLoop := policy{allowed: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	if err := allowLoop.check(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("allowed net refused: %v", err)
	}
	if err := allowLoop.check(netip.MustParseAddr("::ffff:127.0.0.1")); err != nil {
		t.Errorf("IPv4-mapped form of an allowed address refused: %v", err)
	}
	if err := allowLoop.check(netip.MustParseAddr("127.0.0.2")); err == nil {
		t.Error("address outside the allowed net accepted")
	}
	open := policy{allowPrivate: true}
	if err := open.check(netip.MustParseAddr("10.0.0.1")); err != nil {
		t.Errorf("AllowPrivate refused: %v", err)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		name, url, code string
	}{
		{"https feed is accepted", "https://example.com/feed.xml", ""},
		{"http with port and query is accepted", "http://example.com:8080/rss?x=1#top", ""},
		{"uppercase scheme is accepted", "HTTPS://example.com/", ""},
		{"userinfo is accepted", "https://user:pass@example.com/private.xml", ""},
		{"IDN host is accepted", "https://bücher.example/feed", ""},
		{"empty is invalid", "", digest.EINVALID},
		{"missing scheme is invalid", "example.com/feed", digest.EINVALID},
		{"ftp is invalid", "ftp://example.com/feed", digest.EINVALID},
		{"file is invalid", "file:///etc/passwd", digest.EINVALID},
		{"javascript is invalid", "javascript:alert(1)", digest.EINVALID},
		{"data is invalid", "data:text/html,hi", digest.EINVALID},
		{"missing host is invalid", "http:///feed", digest.EINVALID},
		{"opaque http is invalid", "http:example.com", digest.EINVALID},
		{"space is invalid", "http://example.com/a b", digest.EINVALID},
		{"newline is invalid", "http://example.com/\n", digest.EINVALID},
		{"port out of range is invalid", "http://example.com:70000/", digest.EINVALID},
		{"port zero is invalid", "http://example.com:0/", digest.EINVALID},
		{"unparsable is invalid", "http://[::1/", digest.EINVALID},
		{"overlong is invalid", "https://example.com/" + string(make([]byte, 5000)), digest.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckURL(tt.url)
			if got := digest.ErrorCode(err); got != tt.code {
				t.Fatalf("CheckURL(%.60q) = %v (code %q), want code %q", tt.url, err, got, tt.code)
			}
		})
	}
}

func TestClientCheckURL(t *testing.T) {
	strict := New(Options{})
	lan := New(Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("192.168.1.0/24")}})
	demo := New(Options{AllowPrivate: true})
	tests := []struct {
		name string
		c    *Client
		url  string
		code string
	}{
		{"public name passes (not resolved)", strict, "https://example.com/feed", ""},
		{"public literal passes", strict, "http://8.8.8.8/feed", ""},
		{"loopback literal is refused", strict, "http://127.0.0.1:8080/feed", digest.EREFUSED},
		{"metadata literal is refused", strict, "http://169.254.169.254/", digest.EREFUSED},
		{"IPv6 private literal is refused", strict, "http://[fd00::1]/", digest.EREFUSED},
		{"localhost is refused", strict, "http://localhost:8080/", digest.EREFUSED},
		{"localhost subdomain is refused", strict, "http://app.localhost/", digest.EREFUSED},
		{"allowed LAN net passes", lan, "http://192.168.1.20/feed", ""},
		{"other LAN net is refused", lan, "http://192.168.2.20/feed", digest.EREFUSED},
		{"AllowPrivate passes loopback", demo, "http://127.0.0.1:8080/feed", ""},
		{"AllowPrivate passes localhost", demo, "http://localhost:8080/feed", ""},
		{"syntax is checked first", demo, "gopher://127.0.0.1/", digest.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := digest.ErrorCode(tt.c.CheckURL(tt.url)); got != tt.code {
				t.Fatalf("CheckURL(%q) code %q, want %q", tt.url, got, tt.code)
			}
		})
	}
}
