package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

// pathID parses the {id} path parameter: a positive decimal integer.
func pathID(r *http.Request) (int64, error) {
	return parseID(r.PathValue("id"))
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, digest.Errorf(digest.EINVALID, "invalid id %q: want a positive integer", clip(s, 40))
	}
	return id, nil
}

// query parses the request's query string strictly: a malformed one is
// an error instead of silently losing parameters.
func query(r *http.Request) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, digest.Errorf(digest.EINVALID, "invalid query string")
	}
	return v, nil
}

// maxQueryLimit is the largest page the store serves; larger limits are
// refused rather than silently capped, so clients notice.
const maxQueryLimit = 500

// parseArticleQuery reads the article filters shared by the river and the
// API: feed_id (or feed), category_id (or category), unread=1, starred=1,
// q, sort, limit and cursor.
// sort is "newest" (the default) or "relevance" (a search's most
// relevant matches first).
func parseArticleQuery(v url.Values, defaultLimit int) (digest.ArticleQuery, error) {
	q := digest.ArticleQuery{Limit: defaultLimit}
	feed := v.Get("feed_id")
	if feed == "" {
		feed = v.Get("feed")
	}
	if feed != "" {
		id, err := parseID(feed)
		if err != nil {
			return q, digest.Errorf(digest.EINVALID, "invalid feed_id %q: want a positive integer", clip(feed, 40))
		}
		q.FeedID = id
	}
	cat := v.Get("category_id")
	if cat == "" {
		cat = v.Get("category")
	}
	if cat != "" {
		id, err := parseID(cat)
		if err != nil {
			return q, digest.Errorf(digest.EINVALID, "invalid category_id %q: want a positive integer", clip(cat, 40))
		}
		q.CategoryID = id
	}
	var err error
	if q.Unread, err = parseFlag(v, "unread"); err != nil {
		return q, err
	}
	if q.Starred, err = parseFlag(v, "starred"); err != nil {
		return q, err
	}
	if s := v.Get("q"); s != "" {
		if !utf8.ValidString(s) {
			return q, digest.Errorf(digest.EINVALID, "invalid q: not UTF-8")
		}
		if len(s) > 500 {
			return q, digest.Errorf(digest.EINVALID, "invalid q: longer than 500 bytes")
		}
		q.Search = strings.TrimSpace(s)
	}
	switch s := v.Get("sort"); s {
	case "", "newest":
	case "relevance":
		q.Relevance = q.Search != ""
	default:
		return q, digest.Errorf(digest.EINVALID, "invalid sort %q: want newest or relevance", clip(s, 20))
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxQueryLimit {
			return q, digest.Errorf(digest.EINVALID, "invalid limit %q: want 1 to %d", clip(s, 20), maxQueryLimit)
		}
		q.Limit = n
	}
	if s := v.Get("cursor"); s != "" {
		if len(s) > 200 || !utf8.ValidString(s) {
			return q, digest.Errorf(digest.EINVALID, "invalid cursor")
		}
		q.Cursor = s
	}
	return q, nil
}

// parseFlag reads a boolean query parameter: absent, "", "0", "false" are
// false; "1", "true", "on" are true; anything else is an error.
func parseFlag(v url.Values, name string) (bool, error) {
	switch strings.ToLower(v.Get(name)) {
	case "", "0", "false", "off", "no":
		return false, nil
	case "1", "true", "on", "yes":
		return true, nil
	}
	return false, digest.Errorf(digest.EINVALID, "invalid %s %q: want 1 or 0", name, clip(v.Get(name), 20))
}

// localPath returns p if it is a path on this site, else fallback. It keeps
// form redirects from becoming open redirects.
func localPath(p, fallback string) string {
	if p == "" || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return fallback
	}
	return p
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
