package feed

import (
	"net/url"
	"slices"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// trackingParams are query parameters that only identify a campaign or a
// click; they never change what a page shows. Keys are matched
// case-insensitively; any key starting with "utm_" is tracking too.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "li_fat_id": true, "igshid": true,
	"mc_cid": true, "mc_eid": true, "_hsenc": true, "_hsmi": true, "__hstc": true, "__hssc": true,
	"__hsfp": true, "hsctatracking": true, "mkt_tok": true, "ref_src": true, "ref_url": true,
	"_openstat": true, "oly_anon_id": true, "oly_enc_id": true, "vero_id": true, "vero_conv": true,
	"wickedid": true, "rb_clickid": true, "s_cid": true, "guccounter": true, "guce_referrer": true,
	"guce_referrer_sig": true, "cmpid": true, "sr_share": true, "at_medium": true, "at_campaign": true,
	"ncid": true, "ito": true,
}

// CanonicalURL returns the form of an http(s) URL used to recognise the same
// article across feeds: scheme and host in lower case, no default port, no
// user info, no fragment, an empty path as "/", tracking parameters (utm_*,
// fbclid, gclid, mc_cid, ...) removed and the remaining query parameters
// sorted by name (repeated names keep their order). It is idempotent.
//
// It fails with an *digest.Error of code EINVALID for anything that is not
// an absolute http or https URL with a host.
func CanonicalURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", digest.Errorf(digest.EINVALID, "canonical URL: cannot parse %q", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", digest.Errorf(digest.EINVALID, "canonical URL: %q is not an http or https URL", raw)
	}
	if u.Opaque != "" || u.Host == "" {
		return "", digest.Errorf(digest.EINVALID, "canonical URL: %q has no host", raw)
	}
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return "", digest.Errorf(digest.EINVALID, "canonical URL: %q has no host", raw)
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]" // IPv6 literal
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	u.RawQuery = canonicalQuery(u.RawQuery)
	u.ForceQuery = false
	return u.String(), nil
}

// canonicalQuery drops empty and tracking parameters from a raw query and
// sorts the rest by name, keeping each parameter's encoding as it was.
func canonicalQuery(q string) string {
	if q == "" {
		return ""
	}
	type param struct{ key, raw string }
	var params []param
	for p := range strings.SplitSeq(q, "&") {
		if p == "" {
			continue
		}
		k, _, _ := strings.Cut(p, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		lk := strings.ToLower(key)
		if trackingParams[lk] || strings.HasPrefix(lk, "utm_") {
			continue
		}
		params = append(params, param{key, p})
	}
	slices.SortStableFunc(params, func(a, b param) int { return strings.Compare(a.key, b.key) })
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.raw)
	}
	return b.String()
}
