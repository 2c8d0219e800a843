package miniflux

import (
	"testing"
)

// FuzzEntryFilter checks that any query string either parses into a
// filter within our bounds or is refused with EINVALID; it never panics.
func FuzzEntryFilter(f *testing.F) {
	for _, s := range []string{
		"", "status=unread&limit=100", "status=read&status=unread&order=id&direction=desc",
		"limit=0&offset=0", "starred=1&search=go&category_id=2147483647", "before=1700000000&after_entry_id=5",
		"published_after=1&published_before=2&before_entry_id=9&feed_id=3", "tags=a&globally_visible=true",
		"limit=-1", "limit=1000000", "offset=99999999999", "order=x", "direction=up", "feed_id=-1",
		"status=removed", "changed_after=1", "%zz", "limit=1e3", "feed_id=0x10", "before=-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		fl, err := parseEntryFilter(raw)
		if err != nil {
			return
		}
		q := fl.Query
		if fl.Limit < 1 || fl.Limit > MaxLimit {
			t.Errorf("%q: limit %d", raw, fl.Limit)
		}
		if q.Offset < 0 || q.Offset > maxOffset {
			t.Errorf("%q: offset %d", raw, q.Offset)
		}
		for _, id := range []int64{q.FeedID, q.AfterID, q.BeforeID} {
			if id < 0 || id > maxID {
				t.Errorf("%q: id %d out of range", raw, id)
			}
		}
		if q.CategoryID < -1 || q.CategoryID > maxID || q.CategoryID == UncategorizedID {
			t.Errorf("%q: category %d", raw, q.CategoryID)
		}
		if q.Read && q.Unread {
			t.Errorf("%q: read and unread", raw)
		}
		if len(q.Search) > 1000 {
			t.Errorf("%q: search of %d bytes", raw, len(q.Search))
		}
	})
}

// FuzzParseID checks that an accepted path ID is positive and below 2^31.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "0", "-1", "2147483647", "2147483648", "abc", "+5", " 5", "007", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := parseID(s); ok && (id <= 0 || id > maxID) {
			t.Errorf("parseID(%q) = %d", s, id)
		}
	})
}

func TestOwns(t *testing.T) {
	for path, want := range map[string]bool{
		"/v1": true, "/v1/": true, "/v1/entries": true, "//v1/feeds": true, "/v1//entries": true,
		"/v10": false, "/api/v1/feeds": false, "/": false, "/fever/": false, "/v": false,
	} {
		if got := Owns(path); got != want {
			t.Errorf("Owns(%q) = %v, want %v", path, got, want)
		}
	}
}
