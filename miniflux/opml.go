package miniflux

import (
	"bytes"
	"net/http"
	"strings"

	digest "github.com/occasional-digest/digest"
)

type discoverRequest struct {
	URL string `json:"url"`
}

// discover: POST /v1/discover {"url"} → [{"title", "url", "type"}]; 404
// when no feed is found there, as Miniflux answers.
func (h *Handler) discover(w http.ResponseWriter, r *http.Request) {
	var req discoverRequest
	if err := decode(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	req.URL = strings.TrimSpace(req.URL)
	if req.URL == "" || len(req.URL) > 2000 {
		h.error(w, r, digest.Errorf(digest.EINVALID, "The URL is required"))
		return
	}
	found, err := h.feeds.Discover(r.Context(), req.URL)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if len(found) == 0 {
		h.error(w, r, digest.Errorf(digest.ENOTFOUND, "Unable to find any subscription"))
		return
	}
	out := make([]subscriptionJSON, len(found))
	for i, f := range found {
		out[i] = subscriptionJSON{Title: f.Title, URL: f.URL, Type: f.Type}
	}
	writeJSON(w, http.StatusOK, out)
}

// export: GET /v1/export → the user's subscriptions as OPML.
func (h *Handler) export(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := h.feeds.ExportOPML(r.Context(), user(r).ID, &buf); err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.Write(buf.Bytes())
}

type messageJSON struct {
	Message string `json:"message"`
}

// importOPML: POST /v1/import (an OPML body) → 201 {"message"}; 400 when
// the document is unusable. Outlines that fail are skipped, as the import
// command does.
func (h *Handler) importOPML(w http.ResponseWriter, r *http.Request) {
	// Read the whole body first, so that an oversized one changes nothing.
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r.Body); err != nil {
		h.error(w, r, err)
		return
	}
	_, problems, err := h.feeds.ImportOPML(r.Context(), user(r).ID, &buf)
	if err != nil {
		if digest.ErrorCode(err) == digest.EINTERNAL {
			h.error(w, r, err)
			return
		}
		h.error(w, r, digest.WrapError(digest.EINVALID, "Invalid OPML document: "+digest.ErrorMessage(err), err))
		return
	}
	msg := "Feeds imported successfully"
	if len(problems) > 0 {
		msg = "Feeds imported successfully; some were skipped"
	}
	writeJSON(w, http.StatusCreated, messageJSON{Message: msg})
}
