package web

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
)

// Access says who may use a route.
type Access int

// Route accesses.
const (
	Public Access = iota // anyone, signed in or not
	Signed               // a signed-in user (session, API key or proxy)
	Admin                // a signed-in admin
)

// Route is one entry of the server's route table: what the privacy tests
// walk, so that a route added later is covered without editing them.
type Route struct {
	Pattern string // as given to http.ServeMux: "METHOD /path/{param}"
	Access  Access
	API     bool // under /api/v1: answers JSON
}

// Routes returns the route table: the server's own routes and the mounted
// protocol handlers' patterns (Access Public: they authenticate
// themselves).
func (s *Server) Routes() []Route { return append([]Route(nil), s.table...) }

// sessionCookie is the name of the session cookie: with the __Host-
// prefix when served over TLS (the browser then refuses it without
// Secure, a Domain or a Path other than /).
func sessionCookie(secure bool) string {
	if secure {
		return "__Host-digest_session"
	}
	return "digest_session"
}

// secure reports whether the request reached us over TLS: directly, or
// through a trusted proxy that says so.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		return true
	}
	return strings.HasPrefix(s.cfg.BaseURL, "https://")
}

// remoteIP is the address of the peer of the connection.
func remoteIP(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, _ := netip.ParseAddr(host)
	return a.Unmap()
}

func (s *Server) fromTrustedProxy(r *http.Request) bool {
	ip := remoteIP(r)
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ClientAddr is the client's address for throttling and the sessions
// list: the connection's peer, or, behind trusted proxies, the last
// address of X-Forwarded-For that is not a trusted proxy.
func (s *Server) ClientAddr(r *http.Request) string { return ClientAddr(r, s.cfg.TrustedProxies) }

// ClientAddr is Server.ClientAddr for a given list of trusted proxies, for
// the protocol handlers served beside the reader.
func ClientAddr(r *http.Request, trusted []netip.Prefix) string {
	ip := remoteIP(r)
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	if !isTrusted(ip) {
		return ip.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if a = a.Unmap(); !isTrusted(a) {
			return a.String()
		}
	}
	return ip.String()
}

// identify finds the user of a request: a trusted proxy's header, an API
// key (Authorization: Bearer, for /api/v1 only), or the session cookie.
// No credentials is (nil, nil, nil); wrong ones an auth error.
func (s *Server) identify(r *http.Request) (*digest.User, *digest.Session, error) {
	ctx := r.Context()
	if h := s.cfg.AuthProxyHeader; h != "" && s.fromTrustedProxy(r) {
		if name := r.Header.Get(h); name != "" {
			u, err := s.auth.ProxyUser(ctx, name)
			return u, nil, err
		}
	}
	if isAPI(r) {
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, key, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
				return nil, nil, digest.Errorf(digest.EUNAUTHORIZED, "Authorization must be \"Bearer API-KEY\"")
			}
			u, err := s.auth.APIKeyUser(ctx, strings.TrimSpace(key), s.ClientAddr(r))
			return u, nil, err
		}
	}
	c, err := r.Cookie(sessionCookie(s.secure(r)))
	if err != nil || c.Value == "" {
		return nil, nil, nil
	}
	return s.auth.SessionUser(ctx, c.Value)
}

type sessionKey struct{}

// sessionFrom returns the browser session of a request, or nil (API key,
// proxy).
func sessionFrom(ctx context.Context) *digest.Session {
	ss, _ := ctx.Value(sessionKey{}).(*digest.Session)
	return ss
}

// userOf returns the signed-in user of a request; routes of Access Signed
// and Admin always have one.
func userOf(r *http.Request) *digest.User { return digest.UserFrom(r.Context()) }

// uid returns the ID of the signed-in user.
func uid(r *http.Request) int64 {
	if u := userOf(r); u != nil {
		return u.ID
	}
	return 0
}

// guard wraps a route's handler: it identifies the user and enforces the
// route's access. Without credentials an API route answers 401 JSON and a
// page redirects to the sign-in page; a signed-in user on an admin route
// gets 403.
func (s *Server) guard(access Access, h http.Handler) http.Handler {
	if access == Public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ss, err := s.identify(r)
		if err != nil && !auth.IsAuthError(err) {
			s.fail(w, r, err)
			return
		}
		if u != nil {
			ctx := digest.WithUser(r.Context(), u)
			if ss != nil {
				ctx = context.WithValue(ctx, sessionKey{}, ss)
			}
			r = r.WithContext(ctx)
		}
		switch {
		case u == nil && isAPI(r):
			w.Header().Set("WWW-Authenticate", `Bearer realm="Occasional Digest"`)
			if err == nil {
				err = digest.Errorf(digest.EUNAUTHORIZED, "sign in or send Authorization: Bearer API-KEY")
			}
			s.apiError(w, r, err)
			return
		case u == nil:
			if err != nil && digest.ErrorCode(err) == digest.ETHROTTLED {
				s.pageError(w, r, err)
				return
			}
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				s.pageError(w, r, digest.Errorf(digest.EUNAUTHORIZED, "sign in first"))
				return
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		case access == Admin && !u.IsAdmin():
			s.fail(w, r, digest.Errorf(digest.EFORBIDDEN, "only an admin may do that"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fail answers an error in the shape of the route: JSON under /api/v1,
// a page elsewhere.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		s.apiError(w, r, err)
		return
	}
	s.pageError(w, r, err)
}
