package icon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/fetch"
)

func TestDiscover(t *testing.T) {
	tests := []struct {
		name    string
		pageURL string
		html    string
		want    []string
	}{
		{"page without links falls back to /favicon.ico at the host root",
			"https://news.example/world/story.html", `<html><head><title>x</title></head></html>`,
			[]string{"https://news.example/favicon.ico"}},
		{"sizes in 32-64 px come first, then SVG, then apple-touch, small and huge last",
			"https://news.example/",
			`<head>
			<link rel="icon" href="/i16.png" sizes="16x16">
			<link rel="apple-touch-icon" href="/apple.png">
			<link rel="icon" href="/i192.png" sizes="192x192">
			<link rel="icon" type="image/svg+xml" href="/icon.svg">
			<link rel="icon" href="/i32.png" sizes="32x32">
			</head>`,
			[]string{"https://news.example/i32.png", "https://news.example/icon.svg", "https://news.example/apple.png",
				"https://news.example/i16.png", "https://news.example/i192.png", "https://news.example/favicon.ico"}},
		{"shortcut icon and unsized icons keep document order",
			"http://news.example/a/b",
			`<LINK REL="Shortcut Icon" HREF="fav.ico"><link rel=icon href=/other.png>`,
			[]string{"http://news.example/a/fav.ico", "http://news.example/other.png", "http://news.example/favicon.ico"}},
		{"multi-size ico is ranked by its best size",
			"https://news.example/",
			`<link rel="icon" href="/small.png" sizes="16x16"><link rel="icon" href="/multi.ico" sizes="16x16 32x32 256x256">`,
			[]string{"https://news.example/multi.ico", "https://news.example/small.png", "https://news.example/favicon.ico"}},
		{"base href changes resolution, not the favicon host",
			"https://news.example/page",
			`<base href="https://cdn.example/assets/"><link rel="icon" href="icon.png">`,
			[]string{"https://cdn.example/assets/icon.png", "https://cdn.example/favicon.ico"}},
		{"explicit /favicon.ico is not repeated",
			"https://news.example/",
			`<link rel="icon" href="/favicon.ico">`,
			[]string{"https://news.example/favicon.ico"}},
		{"javascript, ftp and non-image data hrefs are dropped; data:image is kept",
			"https://news.example/",
			`<link rel="icon" href="javascript:alert(1)"><link rel="icon" href="ftp://x/y.ico"><link rel="icon" href="data:text/html,hi"><link rel="icon" href="data:image/png;base64,AAAA">`,
			[]string{"data:image/png;base64,AAAA", "https://news.example/favicon.ico"}},
		{"mask-icon, stylesheets and duplicates are ignored",
			"https://news.example/",
			`<link rel="mask-icon" href="/mask.svg"><link rel="stylesheet" href="/s.css"><link rel="icon" href="/a.png"><link rel="icon" href="/a.png#x">`,
			[]string{"https://news.example/a.png", "https://news.example/favicon.ico"}},
		{"protocol-relative href takes the page's scheme",
			"https://news.example/",
			`<link rel="icon" href="//static.example/i.png">`,
			[]string{"https://static.example/i.png", "https://news.example/favicon.ico"}},
		{"invalid page URL keeps absolute candidates only",
			"not a url",
			`<link rel="icon" href="/rel.png"><link rel="icon" href="https://abs.example/i.png">`,
			[]string{"https://abs.example/i.png"}},
		{"broken HTML does not stop discovery",
			"https://news.example/",
			`<head><link rel="icon" href="/a.png" sizes="48x48 junk 0x0 -1x5"><link rel="icon" href=`,
			[]string{"https://news.example/a.png", "https://news.example/favicon.ico"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Discover(tt.pageURL, []byte(tt.html))
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Discover =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func FuzzDiscover(f *testing.F) {
	f.Add("https://news.example/a/", `<base href="/b/"><link rel="icon" sizes="32x32" href="i.png"><link rel="apple-touch-icon" href="//x.example/a.png">`)
	f.Add("http://x", `<link rel="icon" href="data:image/svg+xml,<svg/>">`)
	f.Add("", `<link rel=icon href=`)
	f.Fuzz(func(t *testing.T, pageURL, page string) {
		got := Discover(pageURL, []byte(page))
		if len(got) > maxDiscovered+1 {
			t.Fatalf("%d candidates", len(got))
		}
		for _, u := range got {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(strings.ToLower(u), "data:image/") {
				t.Fatalf("candidate %q is not http(s) or data:image", u)
			}
		}
	})
}

// pngIcon returns a PNG of n×n pixels.
func pngIcon(t testing.TB, n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for i := 0; i < n; i++ {
		img.Set(i, i, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// icoIcon returns an ICO file wrapping a PNG.
func icoIcon(t testing.TB) []byte {
	p := pngIcon(t, 16)
	h := []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0}
	h = append(h, byte(len(p)), byte(len(p)>>8), 0, 0, 22, 0, 0, 0)
	return append(h, p...)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

type site struct {
	srv  *httptest.Server
	mu   sync.Mutex
	hits []string
}

func (s *site) requested() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.hits...)
}

func newSite(t *testing.T, files map[string]struct{ ct, body string }) *site {
	s := &site{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, r.URL.Path)
		s.mu.Unlock()
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", f.ct)
		w.Write([]byte(f.body))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func testClient() *fetch.Client {
	return fetch.New(fetch.Options{AllowedNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
}

func TestFetchTakesTheBestUsableCandidate(t *testing.T) {
	good := pngIcon(t, 32)
	ico := icoIcon(t)
	page := `<html><head>
		<link rel="icon" sizes="32x32" href="/missing.png">
		<link rel="icon" sizes="48x48" href="/soft404.png">
		<link rel="icon" sizes="64x64" href="/huge.png">
		<link rel="icon" type="image/svg+xml" href="/fake.svg">
		<link rel="apple-touch-icon" href="/pixel.png">
		<link rel="icon" href="/text.png">
	</head></html>`
	s := newSite(t, map[string]struct{ ct, body string }{
		"/":            {"text/html", page},
		"/soft404.png": {"image/png", "<!DOCTYPE html><html><body>Not found</body></html>"},
		"/huge.png":    {"image/png", string(good) + strings.Repeat("\x00", MaxBytes)},
		"/fake.svg":    {"image/svg+xml", "<html><body><svg></svg></body></html>"},
		"/pixel.png":   {"image/png", string(pngIcon(t, 1))},
		"/text.png":    {"image/png", "just some text"},
		"/favicon.ico": {"image/vnd.microsoft.icon", string(ico)},
		"/good.png":    {"image/png", string(good)},
	})
	c := testClient()
	ic, err := Fetch(context.Background(), c, s.srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ic.Data, ico) || ic.ContentType != "image/x-icon" || ic.Hash != sha(ico) {
		t.Fatalf("got %s %s (%d bytes)", ic.ContentType, ic.Hash, len(ic.Data))
	}
	want := []string{"/", "/missing.png", "/soft404.png", "/huge.png", "/fake.svg", "/text.png", "/favicon.ico"}
	if got := s.requested(); !reflect.DeepEqual(got, want) {
		t.Fatalf("requests %q, want %q (6 candidates at most, /favicon.ico kept)", got, want)
	}

	// With the page given, the first good candidate wins at once.
	s2 := newSite(t, map[string]struct{ ct, body string }{"/good.png": {"image/png", string(good)}})
	ic, err = Fetch(context.Background(), c, s2.srv.URL+"/", []byte(`<link rel="icon" sizes="32x32" href="/good.png">`))
	if err != nil || ic.ContentType != "image/png" || ic.Hash != sha(good) {
		t.Fatalf("got %+v, %v", ic, err)
	}
	if got := s2.requested(); !reflect.DeepEqual(got, []string{"/good.png"}) {
		t.Fatalf("requests %q", got)
	}
}

func TestFetchReportsEveryFailure(t *testing.T) {
	s := newSite(t, map[string]struct{ ct, body string }{
		"/soft404.png": {"image/png", "<html><body>gone</body></html>"},
		"/favicon.ico": {"text/html", "<!doctype html><title>home</title>"},
	})
	page := []byte(`<link rel="icon" href="/soft404.png"><link rel="icon" href="http://169.254.169.254/latest/meta-data/icon.png">`)
	_, err := Fetch(context.Background(), testClient(), s.srv.URL+"/news", page)
	if digest.ErrorCode(err) != digest.ENOTFOUND {
		t.Fatalf("err = %v, want ENOTFOUND", err)
	}
	msg := err.Error()
	for _, want := range []string{"soft404.png: an HTML page instead of an image", "refused: 169.254.169.254 is a link-local address", "favicon.ico: an HTML page instead of an image"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	var de *digest.Error
	if !errors.As(err, &de) || !strings.HasPrefix(de.Message, "no usable icon for ") {
		t.Fatalf("message %q", de.Message)
	}
}

func TestFetchDataAndSVGIcons(t *testing.T) {
	good := pngIcon(t, 48)
	svg := `<?xml version="1.0"?><!-- logo --><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>`
	s := newSite(t, map[string]struct{ ct, body string }{"/logo.svg": {"image/svg+xml", svg}})
	c := testClient()

	page := []byte(`<link rel="icon" sizes="48x48" href="data:image/png;base64,` + base64.StdEncoding.EncodeToString(good) + `">`)
	ic, err := Fetch(context.Background(), c, s.srv.URL+"/", page)
	if err != nil || !bytes.Equal(ic.Data, good) || ic.ContentType != "image/png" {
		t.Fatalf("data URL icon: %v", err)
	}
	if len(s.requested()) != 0 {
		t.Fatalf("data URL icon made requests: %q", s.requested())
	}

	ic, err = Fetch(context.Background(), c, s.srv.URL+"/", []byte(`<link rel="icon" href="/logo.svg">`))
	if err != nil || ic.ContentType != "image/svg+xml" || string(ic.Data) != svg {
		t.Fatalf("SVG icon: %+v %v", ic, err)
	}
}

func TestFetchHonoursCancellation(t *testing.T) {
	s := newSite(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Fetch(ctx, testClient(), s.srv.URL+"/", nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestFetchRejectsBadSiteURL(t *testing.T) {
	_, err := Fetch(context.Background(), testClient(), "file:///etc/passwd", nil)
	if digest.ErrorCode(err) != digest.EINVALID {
		t.Fatalf("err = %v", err)
	}
}

func TestSniff(t *testing.T) {
	good := pngIcon(t, 32)
	tests := []struct {
		name, data, declared, want string
	}{
		{"png is accepted whatever it is sent as", string(good), "text/plain", "image/png"},
		{"ico is accepted", string(icoIcon(t)), "image/vnd.microsoft.icon", "image/x-icon"},
		{"gif header is accepted", "GIF89a\x10\x00\x10\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x10\x00\x10\x00\x00\x02\x02D\x01\x00;", "image/gif", "image/gif"},
		{"svg declared as svg is accepted", `<svg xmlns="http://www.w3.org/2000/svg"/>`, "image/svg+xml", "image/svg+xml"},
		{"avif declared as avif is accepted", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00", "image/avif", "image/avif"},
		{"svg not declared as svg is refused", `<svg xmlns="http://www.w3.org/2000/svg"/>`, "text/plain", ""},
		{"HTML sent as png is refused", "<!DOCTYPE html><html></html>", "image/png", ""},
		{"HTML sent as svg is refused", "<html><svg/></html>", "image/svg+xml", ""},
		{"truncated png is refused", string(good[:20]), "image/png", ""},
		{"1x1 png is refused", string(pngIcon(t, 1)), "image/png", ""},
		{"empty is refused", "", "image/png", ""},
		{"text is refused", "hello", "image/png", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff([]byte(tt.data), tt.declared)
			if got != tt.want {
				t.Fatalf("Sniff = %q, %v; want %q", got, err, tt.want)
			}
			if tt.want == "" && digest.ErrorCode(err) != digest.EUPSTREAM {
				t.Fatalf("refusal %v is not EUPSTREAM", err)
			}
		})
	}
}

func FuzzSniff(f *testing.F) {
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x20\x00\x00\x00\x20\x08\x06\x00\x00\x00"), "image/png")
	f.Add([]byte(`<?xml version="1.0"?><svg/>`), "image/svg+xml")
	f.Add([]byte("<!-- c --><svg></svg>"), "image/svg+xml")
	f.Add([]byte("GIF89a\x10\x00\x10\x00"), "image/gif")
	f.Add([]byte("<html>"), "image/png")
	f.Fuzz(func(t *testing.T, data []byte, declared string) {
		ct, err := Sniff(data, declared)
		if (ct == "") == (err == nil) {
			t.Fatalf("Sniff = %q, %v", ct, err)
		}
		if err == nil && !strings.HasPrefix(ct, "image/") {
			t.Fatalf("accepted %q", ct)
		}
	})
}

func FuzzDecodeDataURL(f *testing.F) {
	f.Add("data:image/png;base64,iVBORw0KGgo=")
	f.Add("data:image/svg+xml,%3Csvg%2F%3E")
	f.Add("data:image/png;base64,iVBOR w0K\nGgo")
	f.Add("data:,")
	f.Fuzz(func(t *testing.T, u string) {
		if !strings.HasPrefix(u, "data:") {
			return
		}
		data, _, err := decodeDataURL(u)
		if err == nil && len(data) > len(u) {
			t.Fatalf("decoded %d bytes from %d", len(data), len(u))
		}
	})
}
