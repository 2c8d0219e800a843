package web

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestFaviconAndManifestAreServed(t *testing.T) {
	fx := newFixture(t)
	fx.anon = true // browsers fetch both without credentials
	w := fx.do(t, "GET", "/favicon.ico", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(w.Body.String(), "\x00\x00\x01\x00") {
		t.Fatalf("GET /favicon.ico = %d %q, %d bytes", w.Code, w.Header().Get("Content-Type"), w.Body.Len())
	}
	w = fx.do(t, "GET", "/manifest.webmanifest", "")
	if w.Code != 200 || w.Header().Get("Content-Type") != "application/manifest+json" {
		t.Fatalf("GET /manifest.webmanifest = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	var m struct {
		Name, StartURL, Display string
		Icons                   []struct{ Src, Sizes, Type string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != "Occasional Digest" || len(m.Icons) < 3 {
		t.Fatalf("manifest %s", w.Body)
	}
	for _, ic := range m.Icons {
		r := fx.do(t, "GET", ic.Src, "")
		if r.Code != 200 || r.Header().Get("Content-Type") != ic.Type {
			t.Errorf("icon %s = %d %q, want %s", ic.Src, r.Code, r.Header().Get("Content-Type"), ic.Type)
		}
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "manifest-src 'self'") {
		t.Errorf("the CSP blocks the manifest: %s", csp)
	}
	fx.anon = false
	page := fx.do(t, "GET", "/", "").Body.String()
	for _, want := range []string{`rel="manifest" href="/manifest.webmanifest"`, `rel="icon" href="/static/favicon.`, `rel="icon" href="/static/icon.`, `rel="apple-touch-icon"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page head lacks %s", want)
		}
	}
}

func TestUnknownPathsGetTheStyledNotFoundPage(t *testing.T) {
	fx := newFixture(t)
	w := fx.do(t, "GET", "/no/such/page", "")
	if w.Code != 404 || !strings.Contains(w.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /no/such/page = %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	body := w.Body.String()
	for _, want := range []string{`class="error-page"`, "Not found", `href="/settings"`, "Go to the front page"} {
		if !strings.Contains(body, want) {
			t.Errorf("the 404 page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "404 page not found") {
		t.Error("the mux's plain 404 text leaks into the page")
	}
	// Known paths keep their 405, signed-out visitors are sent to sign in.
	if w := fx.do(t, "DELETE", "/feeds", ""); w.Code != 405 {
		t.Errorf("DELETE /feeds = %d, want 405", w.Code)
	}
	fx.anon = true
	if w := fx.do(t, "GET", "/no/such/page", ""); w.Code != 303 || !strings.HasPrefix(w.Header().Get("Location"), "/login?next=") {
		t.Errorf("signed out, GET /no/such/page = %d %q", w.Code, w.Header().Get("Location"))
	}
}

func TestPagesAndAssetsAreGzipped(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	page := fx.do(t, "GET", "/", "").Body.String()
	css := regexp.MustCompile(`/static/app\.[0-9a-f]+\.css`).FindString(page)
	js := regexp.MustCompile(`/static/app\.[0-9a-f]+\.js`).FindString(page)
	for _, target := range []string{"/", "/feeds", "/articles/" + strconv.FormatInt(fx.articleIDs["budget"], 10), "/no/such/page", css, js} {
		plain := fx.do(t, "GET", target, "")
		w := fx.do(t, "GET", target, "", "Accept-Encoding", "br, gzip;q=0.9")
		if w.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(w.Header().Get("Vary"), "Accept-Encoding") {
			t.Errorf("GET %s: Content-Encoding %q, Vary %q", target, w.Header().Get("Content-Encoding"), w.Header().Get("Vary"))
			continue
		}
		z, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		b, err := io.ReadAll(z)
		if err != nil || string(b) != plain.Body.String() {
			t.Errorf("GET %s: the gzipped body differs from the plain one (%v)", target, err)
		}
		if plain.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s without Accept-Encoding is compressed", target)
		}
		if w := fx.do(t, "GET", target, "", "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s with gzip;q=0 is compressed", target)
		}
	}
}

func TestNavigationMarksTodayOnTheFrontPageOnly(t *testing.T) {
	fx := newFixture(t)
	seedWide(t, fx)
	today := `<a href="/" aria-current="page">Today</a>`
	if body := fx.do(t, "GET", "/", "").Body.String(); !strings.Contains(body, today) {
		t.Errorf("the front page does not mark Today")
	}
	for _, p := range []string{
		"/articles/" + strconv.FormatInt(fx.articleIDs["ferry"], 10),
		"/stories/" + strconv.FormatInt(fx.articleIDs["story"], 10),
		"/entities/loc/Harbour%20Town",
	} {
		body := fx.do(t, "GET", p, "").Body.String()
		if strings.Contains(body, today) || strings.Contains(body, "the river") {
			t.Errorf("%s marks Today or speaks of the river", p)
		}
	}
}

// cssColors reads the custom properties of app.css: the light ones of
// :root, and the dark ones of the prefers-color-scheme: dark block.
func cssColors(t *testing.T) (light, dark map[string]string) {
	t.Helper()
	b, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(b)
	i := strings.Index(css, "@media (prefers-color-scheme: dark)")
	if i < 0 {
		t.Fatal("app.css has no dark scheme")
	}
	vars := func(s string) map[string]string {
		m := map[string]string{}
		for _, v := range regexp.MustCompile(`--([a-z0-9-]+):\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b`).FindAllStringSubmatch(s, -1) {
			hex := v[2]
			if len(hex) == 3 { // #fff
				hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
			}
			m[v[1]] = "#" + hex
		}
		return m
	}
	light = vars(css[:i])
	dark = vars(css[i : i+strings.Index(css[i:], "\n}\n")])
	for k, v := range light {
		if _, ok := dark[k]; !ok {
			dark[k] = v
		}
	}
	return light, dark
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colors.
func contrast(a, b string) float64 {
	lum := func(hex string) float64 {
		var rgb [3]float64
		for i := range rgb {
			n, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
			c := float64(n) / 255
			if c <= 0.03928 {
				rgb[i] = c / 12.92
			} else {
				rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestTextColorsMeetWCAGAA checks every text color of the stylesheet on
// every background it is shown on, light and dark, against WCAG AA's
// 4.5:1 for body text. It needs no browser; TestBrowserAccessibility runs
// axe-core on the rendered pages besides.
func TestTextColorsMeetWCAGAA(t *testing.T) {
	light, dark := cssColors(t)
	texts := []string{"ink", "ink-2", "ink-3", "accent", "link", "warn", "ok"}
	backgrounds := []string{"paper", "paper-2", "selected"}
	for _, scheme := range []struct {
		name string
		vars map[string]string
	}{{"light", light}, {"dark", dark}} {
		for _, fg := range texts {
			for _, bg := range backgrounds {
				f, b := scheme.vars[fg], scheme.vars[bg]
				if f == "" || b == "" {
					t.Fatalf("%s: no --%s or --%s in app.css", scheme.name, fg, bg)
				}
				if c := contrast(f, b); c < 4.5 {
					t.Errorf("%s: --%s %s on --%s %s is %.2f:1, want at least 4.5:1", scheme.name, fg, f, bg, b, c)
				} else if testing.Verbose() {
					fmt.Printf("%s: --%s on --%s: %.2f:1\n", scheme.name, fg, bg, c)
				}
			}
		}
		// Buttons and badges: the accent's own ink on the accent.
		if c := contrast(scheme.vars["accent-ink"], scheme.vars["accent"]); c < 4.5 {
			t.Errorf("%s: --accent-ink on --accent is %.2f:1", scheme.name, c)
		}
	}
}
