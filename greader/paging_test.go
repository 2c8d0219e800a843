package greader_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/occasional-digest/digest/internal/testenv"
)

// TestPaging: following continuations visits every article of a stream
// once, in order, whatever the stream and direction; the last page has no
// continuation.
func TestPaging(t *testing.T) {
	s := newServer(t, testenv.Options{Items: 23})
	c := &client{t: t, base: s.URL}
	c.login(s.A.Name, s.A.AppPassword)
	beta := strconv.FormatInt(feedID(t, s.A, "beta"), 10)
	all := s.articleIDs(t, s.A, 0)
	half := all[:len(all)/2]
	if _, err := s.Store.MarkRead(t.Context(), s.A.ID, half, true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		want        int
	}{
		{"reading list", "s=user/-/state/com.google/reading-list", len(all)},
		{"reading list oldest first", "r=o", len(all)},
		{"unread", "xt=user/-/state/com.google/read", len(all) - len(half)},
		{"read", "s=user/-/state/com.google/read", len(half)},
		{"a feed", "s=feed/" + beta, s.Items},
		{"a feed oldest first", "s=feed/" + beta + "&r=o", s.Items},
		{"a label", "s=user/-/label/News", 2 * s.Items},
	} {
		for _, ep := range []string{"/reader/api/0/stream/items/ids", "/reader/api/0/stream/contents"} {
			t.Run(tc.name+" "+ep, func(t *testing.T) {
				seen := map[string]bool{}
				q, _ := url.ParseQuery(tc.query)
				q.Set("n", "7")
				var last int64
				for pages := 0; ; pages++ {
					if pages > 100 {
						t.Fatal("continuations never end")
					}
					var ids []string
					var cont *string
					var times []int64
					if ep == "/reader/api/0/stream/contents" {
						var page streamItems
						c.json(&page, "GET", ep+"?"+q.Encode(), "")
						for _, it := range page.Items {
							ids = append(ids, it.ID)
							times = append(times, it.Published)
						}
						cont = page.Continuation
					} else {
						var page itemRefs
						c.json(&page, "GET", ep+"?"+q.Encode(), "")
						for _, r := range page.ItemRefs {
							ids = append(ids, r.ID)
							n, _ := strconv.ParseInt(r.ID, 10, 64)
							times = append(times, n)
						}
						cont = page.Continuation
					}
					for i, id := range ids {
						if seen[id] {
							t.Fatalf("%s twice", id)
						}
						seen[id] = true
						// items/ids lists a feed by publication, the rest by
						// arrival (the ID); contents always by publication.
						if ep == "/reader/api/0/stream/contents" || !strings.HasPrefix(tc.name, "a feed") {
							oldest := q.Get("r") == "o"
							if last != 0 && (oldest && times[i] < last || !oldest && times[i] > last) {
								t.Fatalf("out of order: %d after %d", times[i], last)
							}
							last = times[i]
						}
					}
					if cont == nil {
						break
					}
					if len(ids) != 7 {
						t.Fatalf("a page of %d before the end", len(ids))
					}
					q.Set("c", *cont)
				}
				if len(seen) != tc.want {
					t.Fatalf("%d articles, want %d", len(seen), tc.want)
				}
			})
		}
	}
}
