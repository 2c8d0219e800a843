package web

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// Offline reading. A service worker (static/sw.js, served at /sw.js so
// that its scope is the whole site) keeps the app's shell (the hashed CSS,
// JS and icons) and, for the signed-in session only, the pages listed by
// /offline.json: the front page, the stories list, the latest stories, the
// latest articles and the starred articles. Pages the reader opens are
// kept too. Offline, a kept page is served; any other page is a short
// "you are offline" page.
//
// Pages are kept per browser session: every page of a session carries the
// header offlineHeader with a key derived from the session, the worker
// keeps one cache named for that key and drops it as soon as a page comes
// without a key (signed out, session expired) or with another one (another
// reader signed in). Signing in and out also send Clear-Site-Data, which
// removes the caches and the worker itself.

// offlineHeader carries the session's offline key on every page of a
// signed-in browser session.
const offlineHeader = "Digest-Offline"

// Bounds of what /offline.json lists.
const (
	offlineStarred  = 50 // starred articles kept for offline reading
	offlineArticles = 30 // latest articles kept
)

// offlineKey names a browser session's offline cache. It is derived from
// the session's stored hash (itself a hash of the cookie's token), so it
// tells nothing about the cookie, and differs for every session.
func offlineKey(ss *digest.Session) string {
	sum := sha256.Sum256([]byte("occasional-digest offline cache\x00" + ss.Hash))
	return hex.EncodeToString(sum[:16])
}

// setOfflineKey adds the offline key header to a page of a browser
// session; pages without a session (signed out, API keys) get none.
func setOfflineKey(w http.ResponseWriter, r *http.Request) {
	if ss := sessionFrom(r.Context()); ss != nil {
		w.Header().Set(offlineHeader, offlineKey(ss))
	}
}

// clearSiteData tells the browser to drop its caches, the offline pages
// and the service worker: sent when a session starts or ends, so that no
// page of one session is ever shown in another.
func clearSiteData(w http.ResponseWriter) {
	w.Header().Set("Clear-Site-Data", `"cache", "storage"`)
}

// serviceWorker serves the service worker. It is a static file, but at
// the site's root (its scope is the path it is served from) and never
// cached for long, so that a new version is picked up at once.
func (s *Server) serviceWorker(w http.ResponseWriter, r *http.Request) {
	u, err := s.assets.url("sw.js")
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Service-Worker-Allowed", "/")
	s.serveAsset(w, r, s.assets.byName[strings.TrimPrefix(u, "/static/")], "no-cache")
}

// offlineList is what the service worker keeps for a session.
type offlineList struct {
	Key    string   `json:"key"`
	Pages  []string `json:"pages"`
	Assets []string `json:"assets"`
}

// offlineList lists the pages and assets the service worker keeps for
// the signed-in session.
func (s *Server) offlineList(w http.ResponseWriter, r *http.Request) {
	ss := sessionFrom(r.Context())
	if ss == nil {
		s.apiError(w, r, digest.Errorf(EFORBIDDEN, "offline reading is for browser sessions"))
		return
	}
	ctx := r.Context()
	l := offlineList{Key: offlineKey(ss), Pages: []string{"/", "/stories", "/?starred=1"}}
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			l.Pages = append(l.Pages, p)
		}
	}
	fy, err := s.forYouShared(ctx, uid(r), homeStories)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	for _, st := range fy.Stories {
		add("/stories/" + strconv.FormatInt(st.Story.ID, 10))
	}
	for _, q := range []digest.ArticleQuery{
		{UserID: uid(r), Limit: offlineArticles},
		{UserID: uid(r), Starred: true, Limit: offlineStarred},
	} {
		refs, err := s.store.ArticleRefs(ctx, q)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		for _, a := range refs {
			add("/articles/" + strconv.FormatInt(a.ID, 10))
		}
	}
	for _, name := range []string{"app.css", "app.js", "icon.svg", "favicon.ico", "icon-192.png"} {
		u, err := s.assets.url(name)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		l.Assets = append(l.Assets, u)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "application/json")
	setOfflineKey(w, r)
	json.NewEncoder(w).Encode(l)
}
