package web

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// iconTypes are the image types served as themselves; anything else is
// served as an opaque download so a browser never renders it as a page.
var iconTypes = map[string]bool{
	"image/png":                true,
	"image/x-icon":             true,
	"image/vnd.microsoft.icon": true,
	"image/gif":                true,
	"image/jpeg":               true,
	"image/webp":               true,
	"image/avif":               true,
	"image/bmp":                true,
	"image/svg+xml":            true,
}

// icon serves a stored site icon. An icon ID always names the same bytes
// (icons are stored once per hash), so it is cached for a year.
func (s *Server) icon(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.plainError(w, r, err)
		return
	}
	ic, err := s.store.Icon(r.Context(), uid(r), id)
	if err != nil {
		s.plainError(w, r, err)
		return
	}
	ct := iconType(ic.ContentType)
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	// An SVG is a document that can carry scripts: sandbox it even when
	// opened directly.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	if ct == "application/octet-stream" {
		h.Set("Content-Disposition", "attachment")
	}
	if ic.Hash != "" {
		etag := `"` + ic.Hash + `"`
		h.Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(ic.Data)))
	w.Write(ic.Data)
}

func iconType(stored string) string {
	mt, _, err := mime.ParseMediaType(stored)
	if err != nil {
		return "application/octet-stream"
	}
	mt = strings.ToLower(mt)
	if !iconTypes[mt] {
		return "application/octet-stream"
	}
	return mt
}

// plainError answers with a short text error, for responses that are not
// pages (icons).
func (s *Server) plainError(w http.ResponseWriter, r *http.Request, err error) {
	s.logError(r, err)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, errorMessage(err), httpStatus(err))
}
