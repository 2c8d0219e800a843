package web

import (
	"fmt"
	"net/http"
)

// Warmup is a part of the server still warming up after a start.
type Warmup struct {
	Name  string `json:"name"`  // "stories"
	Done  int64  `json:"done"`  // items loaded so far
	Total int64  `json:"total"` // items to load; 0 while they are counted
}

func (s *Server) warming() []Warmup {
	if s.cfg.Warming == nil {
		return nil
	}
	return s.cfg.Warming()
}

// readyz answers 200 once nothing is warming up, and 503 before, with
// what is warming: {"ready": false, "warming": [{"name", "done", "total"}]}.
// /healthz answers 200 all along: the server is alive meanwhile, and
// serves pages.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ws := s.warming()
	status := http.StatusOK
	if len(ws) > 0 {
		status = http.StatusServiceUnavailable
	} else {
		ws = []Warmup{}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.writeJSON(w, status, struct {
		Ready   bool     `json:"ready"`
		Warming []Warmup `json:"warming"`
	}{len(ws) == 0, ws})
}

// warmingNotice is the reader's notice while something warms up.
func warmingNotice(ws []Warmup) string {
	for _, w := range ws {
		if w.Name != "stories" {
			continue
		}
		progress := ""
		if w.Total > 0 {
			progress = fmt.Sprintf(" (%d of %s)", w.Done, plural(int(w.Total), "article", "articles"))
		}
		return "Stories are warming up" + progress + ": new articles join their stories once it is done."
	}
	if len(ws) > 0 {
		return "Warming up: " + ws[0].Name + "."
	}
	return ""
}
