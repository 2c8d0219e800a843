// Package icon finds and fetches a site's icon.
//
// Discover reads the candidates a page declares (<link rel="icon">,
// "shortcut icon", "apple-touch-icon", ...) and ranks them; Fetch tries them
// in order through a *fetch.Client, so the outbound guard, timeouts and
// size caps apply, and keeps the first that is really an image.
package icon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image"
	_ "image/gif" // DecodeConfig of GIF icons
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
	"golang.org/x/net/html"
)

// Limits of Fetch.
const (
	MaxBytes      = 256 << 10 // largest icon accepted
	MaxCandidates = 6         // candidates tried by Fetch
	maxPageBytes  = 2 << 20   // site page fetched when Fetch gets none
	maxScanBytes  = 1 << 20   // part of a page Discover reads
	maxDataURL    = MaxBytes*4/3 + 128
	maxDiscovered = 8 // candidates Discover returns, /favicon.ico excluded
	minDimension  = 8 // smaller raster images are tracking pixels, not icons
	maxDimension  = 4096
)

type candidate struct {
	url   string
	score int // lower is better
	order int
}

// Discover returns the icon URLs that page declares, best first, followed
// by /favicon.ico at the root of pageURL's host. Relative references are
// resolved against pageURL (the page's final URL, after redirects) and the
// page's <base href>. Only http, https and data:image URLs are returned.
//
// Raster icons whose declared size is 32–64 px come first, then SVG, then
// icons without sizes, then the others by how far they are from that range
// (apple-touch-icon, usually 180 px, counts as large). Ties keep document
// order.
func Discover(pageURL string, page []byte) []string {
	base, err := url.Parse(pageURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		base = nil
	}
	if len(page) > maxScanBytes {
		page = page[:maxScanBytes]
	}
	var cands []candidate
	seen := map[string]bool{}
	baseSet := false
	z := html.NewTokenizer(bytes.NewReader(page))
	for len(cands) < 4*maxDiscovered {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		switch string(name) {
		case "base":
			attrs := readAttrs(z, hasAttr)
			if href := strings.TrimSpace(attrs["href"]); href != "" && !baseSet && base != nil {
				baseSet = true
				if b, err := base.Parse(href); err == nil && (b.Scheme == "http" || b.Scheme == "https") {
					base = b
				}
			}
		case "link":
			attrs := readAttrs(z, hasAttr)
			score, ok := rank(attrs)
			if !ok {
				continue
			}
			u := resolve(base, attrs["href"])
			if u == "" || seen[u] {
				continue
			}
			seen[u] = true
			cands = append(cands, candidate{url: u, score: score, order: len(cands)})
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return a.score - b.score })
	if len(cands) > maxDiscovered {
		cands = cands[:maxDiscovered]
	}
	out := make([]string, 0, len(cands)+1)
	for _, c := range cands {
		out = append(out, c.url)
	}
	if base != nil {
		fav := (&url.URL{Scheme: base.Scheme, Host: base.Host, Path: "/favicon.ico"}).String()
		if !slices.Contains(out, fav) {
			out = append(out, fav)
		}
	}
	return out
}

func readAttrs(z *html.Tokenizer, more bool) map[string]string {
	attrs := map[string]string{}
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		if _, dup := attrs[string(k)]; !dup {
			attrs[string(k)] = string(v)
		}
	}
	return attrs
}

// rank scores a <link> as an icon candidate; ok is false when it is not
// one.
func rank(attrs map[string]string) (score int, ok bool) {
	icon, apple := false, false
	for _, r := range strings.Fields(strings.ToLower(attrs["rel"])) {
		switch r {
		case "icon":
			icon = true
		case "apple-touch-icon", "apple-touch-icon-precomposed":
			apple = true
		}
	}
	if !icon && !apple {
		return 0, false
	}
	href := strings.ToLower(strings.TrimSpace(attrs["href"]))
	svg := strings.EqualFold(strings.TrimSpace(attrs["type"]), "image/svg+xml") ||
		strings.HasSuffix(strings.SplitN(href, "?", 2)[0], ".svg") ||
		strings.HasPrefix(href, "data:image/svg+xml")
	size, anySize := bestSize(attrs["sizes"])
	switch {
	case svg:
		return 8, true
	case size > 0 && apple && !icon:
		return sizePenalty(size) + 2, true
	case size > 0:
		return sizePenalty(size), true
	case apple && !icon:
		return sizePenalty(180) + 2, true
	case anySize:
		return 9, true
	}
	return 10, true
}

// bestSize returns the declared size closest to the preferred range, 0 if
// none; anySize reports sizes="any".
func bestSize(sizes string) (best int, anySize bool) {
	bestPenalty := -1
	for _, s := range strings.Fields(strings.ToLower(sizes)) {
		if s == "any" {
			anySize = true
			continue
		}
		w, h, ok := strings.Cut(s, "x")
		if !ok {
			continue
		}
		wi, err1 := strconv.Atoi(w)
		hi, err2 := strconv.Atoi(h)
		if err1 != nil || err2 != nil || wi <= 0 || hi <= 0 || wi > 10000 || hi > 10000 {
			continue
		}
		n := max(wi, hi)
		if p := sizePenalty(n); bestPenalty < 0 || p < bestPenalty {
			best, bestPenalty = n, p
		}
	}
	return best, anySize
}

// sizePenalty is 0 for 32–64 px; smaller icons (blurry when scaled up) lose
// faster than larger ones (fine scaled down, only heavier).
func sizePenalty(n int) int {
	switch {
	case n < 32:
		return (32 - n) * 2
	case n > 64:
		return (n - 64) / 4
	}
	return 0
}

func resolve(base *url.URL, href string) string {
	href = strings.TrimSpace(href)
	if href == "" {
		return ""
	}
	if len(href) > 5 && strings.EqualFold(href[:5], "data:") {
		if len(href) <= maxDataURL && strings.HasPrefix(strings.ToLower(href), "data:image/") {
			return href
		}
		return ""
	}
	var u *url.URL
	var err error
	if base != nil {
		u, err = base.Parse(href)
	} else {
		u, err = url.Parse(href)
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Fragment = ""
	return u.String()
}

// Fetch returns the first usable icon of the site: the candidates Discover
// finds in page (fetched from siteURL when nil), at most MaxCandidates of
// them, /favicon.ico last. An icon is usable when it is at most MaxBytes
// and its bytes are an image (sniffed, whatever the server's Content-Type
// says; HTML error pages served as images are refused); SVG is accepted
// when declared as such and its markup is an <svg> document. The
// returned Icon has no ID; Hash is the hex SHA-256 of Data and ContentType
// the sniffed type.
//
// When no candidate is usable the error has code digest.ENOTFOUND and
// joins the error of every candidate tried. When ctx ends, its error is
// returned.
//
// SVG icons can carry scripts: whoever serves them must do so with
// Content-Type image/svg+xml, X-Content-Type-Options: nosniff and a
// Content-Security-Policy that forbids scripts.
func Fetch(ctx context.Context, c *fetch.Client, siteURL string, page []byte) (*digest.Icon, error) {
	if err := fetch.CheckURL(siteURL); err != nil {
		return nil, err
	}
	var errs []error
	if page == nil {
		res, err := c.Get(ctx, fetch.Request{URL: siteURL, Accept: fetch.AcceptHTML, MaxBytes: maxPageBytes})
		switch {
		case err == nil:
			page, siteURL = res.Body, res.URL
		case ctx.Err() != nil:
			return nil, err
		default:
			errs = append(errs, err)
		}
	}
	cands := Discover(siteURL, page)
	if len(cands) > MaxCandidates {
		// Keep /favicon.ico, the last resort.
		cands = append(cands[:MaxCandidates-1], cands[len(cands)-1])
	}
	for _, u := range cands {
		ic, err := fetchOne(ctx, c, u)
		if err == nil {
			return ic, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		errs = append(errs, &candidateError{url: u, err: err})
	}
	return nil, digest.WrapError(digest.ENOTFOUND, "no usable icon for "+redact(siteURL), errors.Join(errs...))
}

type candidateError struct {
	url string
	err error
}

func (e *candidateError) Error() string {
	u := e.url
	if len(u) > 80 {
		u = u[:80] + "…"
	}
	return u + ": " + e.err.Error()
}
func (e *candidateError) Unwrap() error { return e.err }

func redact(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	return s
}

func fetchOne(ctx context.Context, c *fetch.Client, u string) (*digest.Icon, error) {
	var data []byte
	declared := ""
	if strings.HasPrefix(u, "data:") {
		var err error
		if data, declared, err = decodeDataURL(u); err != nil {
			return nil, err
		}
	} else {
		res, err := c.Get(ctx, fetch.Request{URL: u, Accept: fetch.AcceptImage, MaxBytes: MaxBytes, Raw: true})
		if err != nil {
			return nil, err
		}
		data, declared = res.Body, res.ContentType
	}
	ct, err := Sniff(data, declared)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return &digest.Icon{Hash: hex.EncodeToString(sum[:]), ContentType: ct, Data: data}, nil
}

// Sniff returns the content type of an icon's bytes, or an error with code
// digest.EUPSTREAM saying why they are not a usable icon. declared is the
// media type the server sent, used only to accept SVG (and AVIF, which the
// standard sniffer does not know).
func Sniff(data []byte, declared string) (string, error) {
	if len(data) == 0 {
		return "", digest.Errorf(digest.EUPSTREAM, "empty icon")
	}
	if len(data) > MaxBytes {
		return "", digest.Errorf(digest.EUPSTREAM, "icon larger than %d bytes", MaxBytes)
	}
	sniffed, _, _ := strings.Cut(http.DetectContentType(data), ";")
	switch {
	case declared == "image/svg+xml" && isSVG(data):
		// Before the HTML check: the sniffer calls anything that starts
		// with a comment HTML.
		return "image/svg+xml", nil
	case sniffed == "text/html":
		return "", digest.Errorf(digest.EUPSTREAM, "an HTML page instead of an image")
	case sniffed == "image/png" || sniffed == "image/gif" || sniffed == "image/jpeg":
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return "", digest.WrapError(digest.EUPSTREAM, "corrupt "+sniffed+" icon", err)
		}
		if cfg.Width < minDimension || cfg.Height < minDimension || cfg.Width > maxDimension || cfg.Height > maxDimension {
			return "", digest.Errorf(digest.EUPSTREAM, "%s icon of %dx%d px", sniffed, cfg.Width, cfg.Height)
		}
		return sniffed, nil
	case strings.HasPrefix(sniffed, "image/"):
		return sniffed, nil
	case declared == "image/avif" && len(data) > 12 && string(data[4:12]) == "ftypavif":
		return "image/avif", nil
	}
	if declared != "" && declared != sniffed {
		return "", digest.Errorf(digest.EUPSTREAM, "not an image (%s, sent as %s)", sniffed, declared)
	}
	return "", digest.Errorf(digest.EUPSTREAM, "not an image (%s)", sniffed)
}

// isSVG reports whether data is an SVG document: its first element, after
// any XML declaration, comments and doctype, is <svg.
func isSVG(data []byte) bool {
	z := html.NewTokenizer(bytes.NewReader(data[:min(len(data), 4096)]))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			return string(name) == "svg"
		case html.TextToken:
			if len(bytes.TrimSpace(z.Text())) > 0 {
				return false
			}
		}
	}
}

// decodeDataURL decodes a data:image/...;base64, or percent-encoded data
// URL.
func decodeDataURL(u string) ([]byte, string, error) {
	meta, payload, ok := strings.Cut(u[len("data:"):], ",")
	if !ok {
		return nil, "", digest.Errorf(digest.EUPSTREAM, "malformed data URL")
	}
	params := strings.Split(meta, ";")
	media := strings.ToLower(strings.TrimSpace(params[0]))
	b64 := false
	for _, p := range params[1:] {
		if strings.EqualFold(strings.TrimSpace(p), "base64") {
			b64 = true
		}
	}
	var data []byte
	var err error
	if b64 {
		payload = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, payload)
		if p, uerr := url.PathUnescape(payload); uerr == nil {
			payload = p
		}
		data, err = base64.StdEncoding.DecodeString(payload)
		if err != nil {
			data, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(payload, "="))
		}
	} else {
		var s string
		s, err = url.PathUnescape(payload)
		data = []byte(s)
	}
	if err != nil {
		return nil, "", digest.WrapError(digest.EUPSTREAM, "undecodable data URL", err)
	}
	return data, media, nil
}
