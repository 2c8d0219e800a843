package greader_test

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/occasional-digest/digest/internal/testenv"
)

// TestPaging: following continuations visits every article of a stream
// once, in order, whatever the stream and direction; the last page has no
// continuation.
func TestPaging(t *testing.T) {
	s := newServer(t, testenv.Options{Items: 23})
	// Ten more in beta published at the same instant: pages must cut
	// through ties.
	tie := testenv.Base.Add(90 * time.Minute)
	for i := range 10 {
		s.AddItem("beta", testenv.Item{GUID: fmt.Sprintf("tie-%d", i), Title: fmt.Sprintf("Tie %d", i),
			Link: fmt.Sprintf("%s/beta/tie-%d.html", s.Feeds.URL, i), Description: "Published with nine others.", Published: tie})
	}
	s.Refresh(t)
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
		{"a feed", "s=feed/" + beta, s.Items + 10},
		{"a feed oldest first", "s=feed/" + beta + "&r=o", s.Items + 10},
		{"a feed since a time", "s=feed/" + beta + "&ot=" + strconv.FormatInt(tie.Add(-time.Second).Unix(), 10), s.Items - 1 + 10},
		{"a feed up to a time", "s=feed/" + beta + "&nt=" + strconv.FormatInt(tie.Add(time.Second).Unix(), 10), 1 + 10},
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
						var page struct {
							ItemRefs []struct {
								ID            string `json:"id"`
								TimestampUsec string `json:"timestampUsec"`
							} `json:"itemRefs"`
							Continuation *string `json:"continuation"`
						}
						c.json(&page, "GET", ep+"?"+q.Encode(), "")
						for _, r := range page.ItemRefs {
							ids = append(ids, r.ID)
							us, _ := strconv.ParseInt(r.TimestampUsec, 10, 64)
							times = append(times, us/1e6)
						}
						cont = page.Continuation
					}
					for i, id := range ids {
						if seen[id] {
							t.Fatalf("%s twice", id)
						}
						seen[id] = true
						oldest := q.Get("r") == "o"
						if last != 0 && (oldest && times[i] < last || !oldest && times[i] > last) {
							t.Fatalf("out of order: %d after %d", times[i], last)
						}
						last = times[i]
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
