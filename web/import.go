package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	digest "github.com/occasional-digest/digest"
)

// Importer runs OPML imports as background jobs (ingest.Imports): the
// upload answers at once with the job, whose page and API show its
// progress and, at the end, what became of every outline.
type Importer interface {
	// Import stores the file as a new import of the user's.
	Import(ctx context.Context, userID int64, opml []byte) (int64, error)
	// Job returns one of the user's imports. ENOTFOUND.
	Job(ctx context.Context, userID, id int64) (*digest.ImportJob, error)
	// Outlines lists outlines of one of the user's imports after seq
	// after (-1: from the first), of the given outcomes if any. ENOTFOUND.
	Outlines(ctx context.Context, userID, id int64, after, limit int, outcomes ...digest.ImportOutcome) ([]digest.ImportOutline, error)
	// OnFinish has f called once each import ends: New drops the feed
	// cache then (the import added feeds in the background).
	OnFinish(f func(userID int64))
}

// importProblemsShown bounds the refused and broken outlines an import's
// page lists (the API pages through all of them).
const importProblemsShown = 100

// startImport stores an uploaded OPML file as an import job and sends the
// browser to its page.
func (s *Server) startImport(w http.ResponseWriter, r *http.Request, file io.Reader) {
	data, err := io.ReadAll(file)
	if err == nil {
		var id int64
		if id, err = s.cfg.Imports.Import(r.Context(), uid(r), data); err == nil {
			http.Redirect(w, r, "/imports/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return
		}
	}
	s.logError(r, err)
	s.renderFeeds(w, r, httpStatus(err), feedsPage{Problem: "The file could not be imported: " + errorMessage(err)})
}

type importPage struct {
	layout
	Job      *digest.ImportJob
	Finished bool
	Problems []digest.ImportOutline
	More     bool // more problems than listed
}

// importJob: GET /imports/{id}, an import's progress and outcome.
func (s *Server) importJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.importOf(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := importPage{layout: s.layout(r, "Import", "feeds"), Job: j,
		Finished: j.State == digest.ImportDone || j.State == digest.ImportFailed}
	if j.Counts.Refused+j.Counts.Broken > 0 {
		p.Problems, err = s.cfg.Imports.Outlines(r.Context(), uid(r), j.ID, -1, importProblemsShown+1, digest.OutlineRefused, digest.OutlineBroken)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		if len(p.Problems) > importProblemsShown {
			p.Problems, p.More = p.Problems[:importProblemsShown], true
		}
	}
	s.render(w, r, http.StatusOK, "import", p)
}

// apiImportCreate: POST /api/v1/imports with the OPML file as the body →
// 202 and the job, its URL in Location.
func (s *Server) apiImportCreate(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Imports == nil {
		s.apiError(w, r, digest.Errorf(digest.ENOTFOUND, "no background imports on this server"))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxImportBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = digest.Errorf(digest.EINVALID, "the file is larger than %d bytes", mbe.Limit)
		}
		s.apiError(w, r, err)
		return
	}
	id, err := s.cfg.Imports.Import(r.Context(), uid(r), data)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	j, err := s.cfg.Imports.Job(r.Context(), uid(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/imports/"+strconv.FormatInt(id, 10))
	s.writeJSON(w, http.StatusAccepted, j)
}

// apiImport: GET /api/v1/imports/{id} → the job with its counts.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	j, err := s.importOf(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, j)
}

// apiImportOutlines: GET /api/v1/imports/{id}/outlines?after=SEQ&limit=N
// &outcome=refused (repeatable) → {"outlines": [...], "next": URL or ""}.
func (s *Server) apiImportOutlines(w http.ResponseWriter, r *http.Request) {
	id, err := s.importID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	q := r.URL.Query()
	after, limit := -1, 100
	if v := q.Get("after"); v != "" {
		if after, err = strconv.Atoi(v); err != nil || after < -1 {
			s.apiError(w, r, digest.Errorf(digest.EINVALID, "after: want an outline's seq"))
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 1000 {
			s.apiError(w, r, digest.Errorf(digest.EINVALID, "limit: want 1 to 1000"))
			return
		}
	}
	var outcomes []digest.ImportOutcome
	for _, o := range q["outcome"] {
		switch oc := digest.ImportOutcome(o); oc {
		case digest.OutlineAdded, digest.OutlineExisting, digest.OutlineRefused, digest.OutlineBroken, digest.OutlinePending:
			outcomes = append(outcomes, oc)
		default:
			s.apiError(w, r, digest.Errorf(digest.EINVALID, "outcome: want added, existing, refused, broken or empty (pending)"))
			return
		}
	}
	os, err := s.cfg.Imports.Outlines(r.Context(), uid(r), id, after, limit, outcomes...)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if os == nil {
		os = []digest.ImportOutline{}
	}
	next := ""
	if len(os) == limit {
		nq := r.URL.Query()
		nq.Set("after", strconv.Itoa(os[len(os)-1].Seq))
		next = r.URL.Path + "?" + nq.Encode()
	}
	s.writeJSON(w, http.StatusOK, struct {
		Outlines []digest.ImportOutline `json:"outlines"`
		Next     string                 `json:"next"`
	}{os, next})
}

// importID is the import job named by the request's path; not found when
// this server runs imports at once (no Imports configured).
func (s *Server) importID(r *http.Request) (int64, error) {
	if s.cfg.Imports == nil {
		return 0, digest.Errorf(digest.ENOTFOUND, "no background imports on this server")
	}
	return pathID(r)
}

// importOf is the user's import job named by the request's path.
func (s *Server) importOf(r *http.Request) (*digest.ImportJob, error) {
	id, err := s.importID(r)
	if err != nil {
		return nil, err
	}
	return s.cfg.Imports.Job(r.Context(), uid(r), id)
}
