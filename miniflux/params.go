package miniflux

import (
	"net/url"
	"strconv"
	"time"

	digest "github.com/occasional-digest/digest"
)

// entryFilter is what the query string of an entry list asks for.
type entryFilter struct {
	Query digest.ArticleQuery // without UserID, FeedID and CategoryID of the path
	Limit int                 // 1..MaxLimit
	// None is set when the filter can match nothing we store (status
	// "removed" alone, or tags).
	None bool
}

// maxUnix bounds the timestamps we accept (the year 9999).
const maxUnix = 253402300799

// maxQuery bounds the query string's size and its number of values.
const (
	maxQueryBytes  = 8 << 10
	maxQueryValues = 100
)

// parseEntryFilter parses Miniflux's entry filters: status (repeatable:
// read, unread, removed), limit, offset, order, direction, starred,
// search, category_id, feed_id, before, after, published_before,
// published_after, before_entry_id, after_entry_id, tags and
// globally_visible. EINVALID names the first bad parameter.
func parseEntryFilter(rawQuery string) (entryFilter, error) {
	var f entryFilter
	if len(rawQuery) > maxQueryBytes {
		return f, digest.Errorf(digest.EINVALID, "query string too long")
	}
	v, err := url.ParseQuery(rawQuery)
	if err != nil {
		return f, digest.Errorf(digest.EINVALID, "malformed query string")
	}
	n := 0
	for _, vs := range v {
		n += len(vs)
	}
	if n > maxQueryValues {
		return f, digest.Errorf(digest.EINVALID, "too many query parameters")
	}
	q := &f.Query

	var read, unread, removed bool
	for _, s := range v["status"] {
		switch s {
		case "read":
			read = true
		case "unread":
			unread = true
		case "removed":
			removed = true
		default:
			return f, digest.Errorf(digest.EINVALID, "Invalid status value: %q", clip(s, 20))
		}
	}
	switch {
	case removed && !read && !unread:
		f.None = true
	case read && !unread:
		q.Read = true
	case unread && !read:
		q.Unread = true
	}

	f.Limit = DefaultLimit
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		switch {
		case err != nil || n < 0:
			return f, digest.Errorf(digest.EINVALID, "Limit value should be >= 0")
		case n > MaxLimit:
			return f, digest.Errorf(digest.EINVALID, "Limit value should be <= %d", MaxLimit)
		case n == 0: // Miniflux: no limit
			n = MaxLimit
		}
		f.Limit = n
	}
	if s := v.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return f, digest.Errorf(digest.EINVALID, "Offset value should be >= 0")
		}
		if n > maxOffset {
			return f, digest.Errorf(digest.EINVALID, "Offset value should be <= %d", maxOffset)
		}
		q.Offset = n
	}

	switch o := v.Get("order"); o {
	case "", "published_at", "changed_at", "status", "category_title", "category_id", "title", "author":
		// Publication time: the only other order the store keeps.
	case "id", "created_at":
		q.ByID = true
	default:
		return f, digest.Errorf(digest.EINVALID, "Invalid order value: %q", clip(o, 20))
	}
	switch d := v.Get("direction"); d {
	case "", "asc":
		// Miniflux's API lists oldest first unless told otherwise.
		q.Oldest = true
	case "desc":
	default:
		return f, digest.Errorf(digest.EINVALID, "Invalid direction value: %q", clip(d, 20))
	}

	if s := v.Get("starred"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return f, digest.Errorf(digest.EINVALID, "Invalid starred value: %q", clip(s, 20))
		}
		if !b {
			return f, digest.Errorf(digest.EINVALID, "starred=false is not supported")
		}
		q.Starred = true
	}
	if s := v.Get("search"); s != "" {
		if len(s) > 1000 {
			return f, digest.Errorf(digest.EINVALID, "search is too long")
		}
		q.Search = s
	}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"category_id", &q.CategoryID}, {"feed_id", &q.FeedID}, {"before_entry_id", &q.BeforeID}, {"after_entry_id", &q.AfterID}} {
		s := v.Get(p.name)
		if s == "" {
			continue
		}
		id, ok := parseID(s)
		if !ok {
			return f, digest.Errorf(digest.EINVALID, "Invalid %s value: %q", p.name, clip(s, 20))
		}
		*p.dst = id
	}
	if q.CategoryID == UncategorizedID {
		q.CategoryID = -1
	}
	for _, name := range []string{"before", "published_before", "after", "published_after"} {
		s := v.Get(name)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > maxUnix {
			return f, digest.Errorf(digest.EINVALID, "Invalid %s value: %q: want a Unix time", name, clip(s, 20))
		}
		t := time.Unix(n, 0).UTC()
		if name == "before" || name == "published_before" {
			if q.Before.IsZero() || t.Before(q.Before) {
				q.Before = t
			}
		} else if t.After(q.After) {
			q.After = t
		}
	}
	for _, name := range []string{"changed_before", "changed_after"} {
		if v.Has(name) {
			return f, digest.Errorf(digest.EINVALID, "%s is not supported", name)
		}
	}
	if len(v["tags"]) > 0 { // no entry of ours has tags
		f.None = true
	}
	return f, nil
}
