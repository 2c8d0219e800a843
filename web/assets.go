package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file, served under a name that carries a
// hash of its content so it can be cached forever.
type asset struct {
	data        []byte
	gz          []byte // data gzipped, for text assets; nil when not worth it
	contentType string
	etag        string
}

// contentTypes are the types of static files the mime package may not
// know on every system.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
	".ico": "image/x-icon",
	".png": "image/png",
}

// assets maps logical names ("app.css") to hashed URLs and hashed names to
// content.
type assets struct {
	urls   map[string]string // "app.css" -> "/static/app.1a2b3c4d5e.css"
	byName map[string]asset  // "app.1a2b3c4d5e.css" -> content
}

func mustLoadAssets() *assets {
	a, err := loadAssets(staticFS)
	if err != nil {
		panic(fmt.Sprintf("web: embedded assets: %v", err))
	}
	return a
}

func loadAssets(fsys fs.FS) (*assets, error) {
	a := &assets{urls: map[string]string{}, byName: map[string]asset{}}
	entries, err := fs.ReadDir(fsys, "static")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(fsys, "static/"+e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + h + ext
		ct := contentTypes[ext]
		if ct == "" {
			ct = mime.TypeByExtension(ext)
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		f := asset{data: data, contentType: ct, etag: `"` + h + `"`}
		if strings.HasPrefix(ct, "text/") || ct == "image/svg+xml" {
			if z := gzipBytes(data); len(z) < len(data)*9/10 {
				f.gz = z
			}
		}
		a.urls[e.Name()] = "/static/" + hashed
		a.byName[hashed] = f
	}
	return a, nil
}

// url returns the hashed URL of a logical asset name; templates call it.
func (a *assets) url(name string) (string, error) {
	u, ok := a.urls[name]
	if !ok {
		return "", fmt.Errorf("no asset %q", name)
	}
	return u, nil
}

func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.byName[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.serveAsset(w, r, f, "public, max-age=31536000, immutable")
}

// serveAsset writes an embedded file, gzipped when the client takes it.
func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request, f asset, cacheControl string) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", f.etag)
	if f.gz != nil {
		h.Set("Vary", "Accept-Encoding")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && match == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.data
	if f.gz != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// favicon serves the icon browsers ask for at /favicon.ico.
func (s *Server) favicon(w http.ResponseWriter, r *http.Request) {
	u, _ := s.assets.url("favicon.ico")
	s.serveAsset(w, r, s.assets.byName[strings.TrimPrefix(u, "/static/")], "public, max-age=86400")
}

// webManifest is the web app manifest: it makes the reader installable
// as an app with its own icon. The icons' URLs carry their hashes, so it
// is written here rather than kept as a static file.
func (s *Server) webManifest(w http.ResponseWriter, r *http.Request) {
	icon := func(name, sizes, typ string) map[string]string {
		u, _ := s.assets.url(name)
		return map[string]string{"src": u, "sizes": sizes, "type": typ, "purpose": "any"}
	}
	m := map[string]any{
		"name":             s.cfg.Title,
		"short_name":       "Digest",
		"description":      "The news from the outlets you follow, grouped into stories.",
		"start_url":        "/",
		"scope":            "/",
		"display":          "standalone",
		"background_color": "#fbf9f4",
		"theme_color":      "#fbf9f4",
		"icons": []map[string]string{
			icon("icon.svg", "any", "image/svg+xml"),
			icon("icon-192.png", "192x192", "image/png"),
			icon("icon-512.png", "512x512", "image/png"),
		},
	}
	b, err := json.Marshal(m)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(b)
}

// acceptsGzip reports whether the request's Accept-Encoding takes gzip
// (and does not refuse it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), "gzip") {
			continue
		}
		q := strings.ReplaceAll(params, " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	z, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	z.Write(b)
	z.Close()
	return buf.Bytes()
}
