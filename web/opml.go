package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	digest "github.com/occasional-digest/digest"
)

// maxImportProblems bounds the problems listed after an import.
const maxImportProblems = 50

// opmlImport subscribes to the feeds of an uploaded OPML file.
func (s *Server) opmlImport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxImportBytes)
	file, _, err := r.FormFile("opml")
	if err != nil {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			err = digest.WrapError(digest.EINVALID, "choose an OPML file to import", err)
		}
		s.renderFeeds(w, r, httpStatus(err), feedsPage{Problem: errorMessage(err)})
		return
	}
	defer file.Close()
	if s.cfg.Imports != nil {
		s.startImport(w, r, file)
		return
	}
	n, problems, err := s.feeds.ImportOPML(r.Context(), uid(r), file)
	if err != nil {
		s.logError(r, err)
		s.renderFeeds(w, r, httpStatus(err), feedsPage{Problem: "The file could not be imported: " + errorMessage(err)})
		return
	}
	s.cache.invalidate()
	p := feedsPage{Notice: fmt.Sprintf("Imported %s.", plural(n, "feed", "feeds"))}
	for i, e := range problems {
		if i == maxImportProblems {
			p.Problems = append(p.Problems, "and "+strconv.Itoa(len(problems)-i)+" more")
			break
		}
		p.Problems = append(p.Problems, e.Error())
	}
	s.renderFeeds(w, r, http.StatusOK, p)
}

// opmlExport downloads the subscriptions as OPML.
func (s *Server) opmlExport(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	if err := s.feeds.ExportOPML(r.Context(), uid(r), &buf); err != nil {
		s.pageError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/x-opml; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="occasional-digest.opml"`)
	h.Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
