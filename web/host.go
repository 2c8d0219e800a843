package web

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// hostPolicy decides which Host headers the server answers, against DNS
// rebinding: a page on a domain the attacker controls, once its name
// resolves to this server, is same-origin with it in the victim's browser
// and could read and write everything; only its Host header betrays it.
//
// A Host naming a loopback address (localhost, 127.0.0.0/8, ::1) is always
// accepted: no rebinding domain can be named so, and local tools and
// health checks use these names. Beyond that the server answers the host
// of Config.BaseURL (any port: proxies differ in whether they pass it).
// Without a base URL, a server listening on loopback answers loopback
// names only; one listening beyond loopback answers every Host, since
// it cannot know the names it is reached by (New warns).
type hostPolicy struct {
	check bool   // false: every Host is answered
	base  string // the base URL's host name, lower case; "" if none
}

func newHostPolicy(baseURL, listenAddr string) hostPolicy {
	if baseURL != "" {
		if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
			return hostPolicy{check: true, base: normalHost(u.Hostname())}
		}
	}
	return hostPolicy{check: listensOnLoopback(listenAddr)}
}

// allows reports whether the server answers a request for host (a Host
// header: name or address, with or without a port).
func (p hostPolicy) allows(host string) bool {
	if !p.check {
		return true
	}
	name := normalHost(hostname(host))
	if name == "" {
		return false
	}
	return name == p.base || isLoopbackName(name)
}

// listensOnLoopback reports whether addr (host:port, as net.Listener.Addr
// gives it) is a loopback address. The empty address is not.
func listensOnLoopback(addr string) bool {
	if addr == "" {
		return false
	}
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		h = addr
	}
	return isLoopbackName(normalHost(h))
}

// isLoopbackName reports whether a normalised host name is localhost or a
// loopback address.
func isLoopbackName(name string) bool {
	if name == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(name)
	return err == nil && a.Unmap().IsLoopback()
}

// hostname strips the port and IPv6 brackets from a Host header.
func hostname(host string) string {
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return ""
		}
		rest := host[end+1:]
		if rest != "" && !strings.HasPrefix(rest, ":") {
			return ""
		}
		return host[1:end]
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		if strings.Count(host, ":") > 1 {
			return host // a bare IPv6 address
		}
		return host[:i]
	}
	return host
}

// normalHost lower-cases a host name and drops the trailing dot of a fully
// qualified one ("localhost." names localhost too).
func normalHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

// checkHost refuses requests for hosts the policy does not answer with
// 421 Misdirected Request: JSON under /api/, plain text for the reader-app
// protocols (mount says whether one owns the path), a page elsewhere.
// /healthz and /readyz answer any Host, for health checks that name the server by
// its container or service name.
func (s *Server) checkHost(w http.ResponseWriter, r *http.Request, mount bool) bool {
	if s.hosts.allows(r.Host) || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
		return true
	}
	err := digest.Errorf(EMISDIRECTED, "this server does not answer for host %q: reach it at its own address, or set --base-url to the address it is reached at", r.Host)
	switch {
	case mount:
		http.Error(w, errorMessage(err), httpStatus(err))
	case isAPI(r):
		s.apiError(w, r, err)
	default:
		s.pageError(w, r, err)
	}
	return false
}
