package greader_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/occasional-digest/digest/internal/testenv"
)

// TestQuirks: the forms in which clients send the same thing all work
// alike.
func TestQuirks(t *testing.T) {
	s := newServer(t, testenv.Options{})
	c := &client{t: t, base: s.URL}
	c.login(s.A.Name, s.A.AppPassword)
	alpha := feedID(t, s.A, "alpha")
	ids := s.articleIDs(t, s.A, alpha)
	id := ids[0]
	long := fmt.Sprintf("tag:google.com,2005:reader/item/%016x", id)

	t.Run("the stream in the path, escaped or not, in s=, or absent", func(t *testing.T) {
		f := strconv.FormatInt(alpha, 10)
		var want streamItems
		c.json(&want, "GET", "/reader/api/0/stream/contents?s=feed/"+f+"&n=50", "")
		for _, p := range []string{"/reader/api/0/stream/contents/feed/" + f + "?n=50", "/reader/api/0/stream/contents/feed%2F" + f + "?n=50",
			"/reader//api/0/stream/contents/feed/" + f + "?n=50&output=json"} {
			var got streamItems
			c.json(&got, "GET", p, "")
			if len(got.Items) != len(want.Items) || len(got.Items) != len(ids) || got.Items[0].ID != want.Items[0].ID {
				t.Fatalf("%s: %d items, s= gave %d", p, len(got.Items), len(want.Items))
			}
		}
		var all streamItems
		c.json(&all, "GET", "/reader/api/0/stream/contents?n=50", "")
		if len(all.Items) != 3*s.Items || all.ID != "user/-/state/com.google/reading-list" {
			t.Fatalf("no stream: %d items of %q", len(all.Items), all.ID)
		}
		var mine streamItems
		c.json(&mine, "GET", "/reader/api/0/stream/contents/user/"+strconv.FormatInt(s.A.ID, 10)+"/state/com.google/reading-list?n=50", "")
		if len(mine.Items) != 3*s.Items {
			t.Fatalf("user/ID/… of one's own ID: %d items", len(mine.Items))
		}
	})

	t.Run("states this server keeps nothing in are ignored", func(t *testing.T) {
		before := s.Snapshot(t)
		for _, tag := range []string{"like", "broadcast", "tracking-kept-unread", "tracking-body-link-used", "fresh"} {
			for _, op := range []string{"a", "r"} {
				if got := c.ok("POST", "/reader/api/0/edit-tag", "i="+long+"&"+op+"=user/-/state/com.google/"+tag); got != "OK" {
					t.Fatalf("%s=%s: %q", op, tag, got)
				}
			}
		}
		c.ok("POST", "/reader/api/0/edit-tag", "i="+long+"&a=user/-/label/Later")
		if s.Snapshot(t) != before {
			t.Fatal("ignored tags changed something")
		}
		var refs itemRefs
		c.json(&refs, "GET", "/reader/api/0/stream/items/ids?s=user/-/state/com.google/like", "")
		if len(refs.ItemRefs) != 0 {
			t.Fatal("the like stream is not empty")
		}
	})

	t.Run("newsboat's read and unread", func(t *testing.T) {
		// As newsboat's FeedHqApi sends them.
		c.ok("POST", "/reader/api/0/edit-tag", "i="+long+"&a=user/-/state/com.google/read&r=user/-/state/com.google/kept-unread&ac=edit&T=token\n")
		if !s.article(t, s.A, id).Read {
			t.Fatal("not read")
		}
		c.ok("POST", "/reader/api/0/edit-tag", "i="+long+"&r=user/-/state/com.google/read&a=user/-/state/com.google/kept-unread&a=user/-/state/com.google/tracking-kept-unread&ac=edit&T=token")
		if s.article(t, s.A, id).Read {
			t.Fatal("not unread")
		}
		c.ok("POST", "/reader/api/0/mark-all-as-read", "s=feed/"+strconv.FormatInt(alpha, 10)+"&T=token")
		for _, id := range ids {
			if !s.article(t, s.A, id).Read {
				t.Fatalf("article %d unread after newsboat's mark-all-as-read", id)
			}
		}
	})

	t.Run("T alone signs a POST in, as Miniflux's clients send it", func(t *testing.T) {
		token := c.auth
		anon := &client{t: t, base: s.URL}
		if got := anon.ok("POST", "/reader/api/0/edit-tag", "T="+token+"\n&i="+long+"&a=user/-/state/com.google/starred"); got != "OK" {
			t.Fatalf("%q", got)
		}
		if !s.article(t, s.A, id).Starred {
			t.Fatal("not starred")
		}
		if r := anon.do("GET", "/reader/api/0/user-info?T="+token, ""); r.Status != 401 {
			t.Fatalf("a GET with T alone: %d", r.Status)
		}
	})

	t.Run("mark-all-as-read honours ts in seconds, milliseconds and microseconds", func(t *testing.T) {
		beta := feedID(t, s.A, "beta")
		bids := s.articleIDs(t, s.A, beta) // newest first, an hour apart
		if _, err := s.Store.MarkRead(t.Context(), s.A.ID, bids, false); err != nil {
			t.Fatal(err)
		}
		third := s.article(t, s.A, bids[2]).Published // older than the two newest
		for i, ts := range []string{
			strconv.FormatInt(third.Unix(), 10),
			strconv.FormatInt(third.Add(30*60e9).UnixMilli(), 10),
			strconv.FormatInt(third.Add(90*60e9).UnixMicro(), 10),
		} {
			c.ok("POST", "/reader/api/0/mark-all-as-read", "s=feed/"+strconv.FormatInt(beta, 10)+"&ts="+ts)
			for j, id := range bids {
				// ts in seconds marks those strictly before the third; in
				// ms half an hour after it, the third too; in µs, 90
				// minutes after it, the second too.
				want := j > 2-i
				if got := s.article(t, s.A, id).Read; got != want {
					t.Fatalf("ts %s: article %d (%d newest) read=%v, want %v", ts, id, j, got, want)
				}
			}
		}
	})
}
