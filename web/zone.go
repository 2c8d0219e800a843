package web

import (
	"net/http"
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Times in the reader's time zone: the reader's Settings.TimeZone (set on
// /settings; the daily digest uses it too) decides how pages show dates
// and times to people ("2 Jan", "Monday 7 December 2026, 13:42 CET", the
// front page's dateline); datetime attributes stay in UTC. Templates bind
// their functions when parsed, so each zone in use has its own parsed
// set, made on first use.

// zonePages are the page sets of the time zones in use.
type zonePages struct {
	mu sync.Mutex
	m  map[string]*pages
}

// maxZonePages bounds the zones whose page sets are kept.
const maxZonePages = 32

// maxZoneName bounds a time zone's name (the longest IANA names are
// about 30 bytes).
const maxZoneName = 64

// pagesFor returns the page set for the request's reader: in their time
// zone, or UTC.
func (s *Server) pagesFor(r *http.Request) *pages {
	u := userOf(r)
	if u == nil || u.Settings.TimeZone == "" || u.Settings.TimeZone == "UTC" {
		return s.pages
	}
	name := u.Settings.TimeZone
	s.zones.mu.Lock()
	defer s.zones.mu.Unlock()
	if p, ok := s.zones.m[name]; ok {
		return p
	}
	loc, err := loadZone(name)
	if err != nil {
		return s.pages // a zone this system no longer knows: UTC
	}
	p, err := parsePages(templateFS, s.assets, s.now, loc)
	if err != nil {
		return s.pages // the UTC set parsed, so this cannot happen
	}
	if s.zones.m == nil || len(s.zones.m) >= maxZonePages {
		s.zones.m = map[string]*pages{}
	}
	s.zones.m[name] = p
	return p
}

// loadZone is time.LoadLocation for a reader's zone: an IANA name, never
// "Local" (the server's own zone) or a path.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	if len(name) > maxZoneName || name == "Local" || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return nil, digest.Errorf(digest.EINVALID, "%q is not a time zone: give one such as Europe/Oslo or America/New_York", clip(name, 40))
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, digest.Errorf(digest.EINVALID, "%q is not a time zone: give one such as Europe/Oslo or America/New_York", clip(name, 40))
	}
	return loc, nil
}

// setTimeZone is POST /settings/time-zone with zone: the zone the
// reader's pages and daily digest use ("" or UTC: UTC).
func (s *Server) setTimeZone(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	name := strings.TrimSpace(r.PostForm.Get("zone"))
	loc, err := loadZone(name)
	if err != nil {
		s.renderSettings(w, r, http.StatusBadRequest, settingsPage{Problem: errorMessage(err), Zone: name})
		return
	}
	u, err := s.store.User(ctx, uid(r)) // fresh: the request's copy may be older
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	u.Settings.TimeZone = loc.String()
	if loc == time.UTC {
		u.Settings.TimeZone = ""
	}
	if err := s.store.UpdateUser(ctx, u); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings?zone=saved#time-zone", http.StatusSeeOther)
}
