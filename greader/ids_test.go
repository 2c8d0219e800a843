package greader

import (
	"strings"
	"testing"
)

func TestParseItemID(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want int64 // 0: invalid
	}{
		{"long form (NetNewsWire, newsboat)", "tag:google.com,2005:reader/item/00000000000001a4", 420},
		{"long form with upper-case hex", "tag:google.com,2005:reader/item/00000000000001A4", 420},
		{"long form unpadded (Miniflux accepts it)", "tag:google.com,2005:reader/item/1a4", 420},
		{"bare 16 hex digits (Fluent Reader)", "00000000000001a4", 420},
		{"bare 16 digits are hex", "0000000000000100", 256},
		{"decimal (Read You, Reeder, liferea)", "420", 420},
		{"decimal with spaces around", " 420 ", 420},
		{"largest int64", "9223372036854775807", 1<<63 - 1},
		{"empty is invalid", "", 0},
		{"zero is invalid", "0", 0},
		{"negative is invalid", "-5", 0},
		{"Google's negative short form is invalid here", "-355401917359550817", 0},
		{"above int64 is invalid", "9223372036854775808", 0},
		{"hex above int64 is invalid", "ffffffffffffffff", 0},
		{"long form above int64 is invalid", "tag:google.com,2005:reader/item/8000000000000000", 0},
		{"long form with 17 digits is invalid", "tag:google.com,2005:reader/item/00000000000000001", 0},
		{"long form without digits is invalid", "tag:google.com,2005:reader/item/", 0},
		{"non-numeric is invalid", "abc", 0},
		{"15 hex digits are not decimal", "00000000000001a", 0},
		{"prefix of another tag is invalid", "tag:google.com,2005:reader/feed/1", 0},
		{"plus sign is invalid", "+5", 0},
		{"exponent is invalid", "1e5", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseItemID(tc.in)
			if tc.want == 0 {
				if err == nil {
					t.Fatalf("parseItemID(%q) = %d, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("parseItemID(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestLongItemIDRoundTrip(t *testing.T) {
	for _, id := range []int64{1, 255, 1 << 40, 1<<63 - 1} {
		s := longItemID(id)
		if len(s) != len(itemPrefix)+16 {
			t.Fatalf("longItemID(%d) = %q: want 16 hex digits", id, s)
		}
		if got, err := parseItemID(s); err != nil || got != id {
			t.Fatalf("parseItemID(longItemID(%d)) = %d, %v", id, got, err)
		}
	}
}

func TestParseStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		kind streamKind
		feed int64
		url  string
		lbl  string
	}{
		{"reading list", "user/-/state/com.google/reading-list", streamReadingList, 0, "", ""},
		{"reading list of a user ID", "user/12/state/com.google/reading-list", streamReadingList, 0, "", ""},
		{"starred", "user/-/state/com.google/starred", streamStarred, 0, "", ""},
		{"read", "user/-/state/com.google/read", streamRead, 0, "", ""},
		{"kept unread", "user/-/state/com.google/kept-unread", streamKeptUnread, 0, "", ""},
		{"like is a state with nothing in it", "user/-/state/com.google/like", streamEmptyState, 0, "", ""},
		{"broadcast is a state with nothing in it", "user/-/state/com.google/broadcast", streamEmptyState, 0, "", ""},
		{"tracking states are states with nothing in them", "user/-/state/com.google/tracking-body-link-used", streamEmptyState, 0, "", ""},
		{"feed by ID", "feed/42", streamFeed, 42, "", ""},
		{"feed by URL", "feed/https://example.org/feed.xml", streamFeed, 0, "https://example.org/feed.xml", ""},
		{"label", "user/-/label/News", streamLabel, 0, "", "News"},
		{"label with spaces and slashes", "user/-/label/Tech / Science", streamLabel, 0, "", "Tech / Science"},
		{"empty is invalid", "", streamInvalid, 0, "", ""},
		{"feed 0 is invalid", "feed/0", streamInvalid, 0, "", ""},
		{"negative feed is invalid", "feed/-1", streamInvalid, 0, "", ""},
		{"feed above int64 is invalid", "feed/99999999999999999999", streamInvalid, 0, "", ""},
		{"feed of a non-URL is invalid", "feed/javascript:alert(1)", streamInvalid, 0, "", ""},
		{"empty label is invalid", "user/-/label/", streamInvalid, 0, "", ""},
		{"non-numeric user is invalid", "user/bob/label/News", streamInvalid, 0, "", ""},
		{"unknown kind is invalid", "user/-/tag/News", streamInvalid, 0, "", ""},
		{"state with a slash is invalid", "user/-/state/com.google/read/more", streamInvalid, 0, "", ""},
		{"garbage is invalid", "reading-list", streamInvalid, 0, "", ""},
		{"too long is invalid", "user/-/label/" + strings.Repeat("x", 3000), streamInvalid, 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := parseStream(tc.in)
			if tc.kind == streamInvalid {
				if err == nil {
					t.Fatalf("parseStream(%q) = %+v, want an error", tc.in, st)
				}
				return
			}
			if err != nil || st.kind != tc.kind || st.feedID != tc.feed || st.url != tc.url || st.label != tc.lbl {
				t.Fatalf("parseStream(%q) = %+v, %v", tc.in, st, err)
			}
		})
	}
}

func TestHeaderToken(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"as clients send it", "GoogleLogin auth=abc123", "abc123", true},
		{"any case", "googlelogin AUTH=abc123", "abc123", true},
		{"quoted", `GoogleLogin auth="abc123"`, "abc123", true},
		{"extra spaces", "  GoogleLogin   auth = abc123 ", "abc123", true},
		{"bearer is malformed", "Bearer abc123", "", false},
		{"no token is malformed", "GoogleLogin auth=", "", false},
		{"no auth= is malformed", "GoogleLogin abc123", "", false},
		{"two params are malformed", "GoogleLogin auth=a, other=b", "", false},
		{"scheme alone is malformed", "GoogleLogin", "", false},
		{"a long token is malformed", "GoogleLogin auth=" + strings.Repeat("a", 300), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := headerToken([]string{tc.in})
			if tc.ok != (err == nil && ok) || got != tc.want {
				t.Fatalf("headerToken(%q) = %q, %v, %v", tc.in, got, ok, err)
			}
		})
	}
	if _, ok, err := headerToken(nil); ok || err != nil {
		t.Fatal("no header must be no token and no error")
	}
	if _, _, err := headerToken([]string{"GoogleLogin auth=a", "GoogleLogin auth=b"}); err == nil {
		t.Fatal("two Authorization headers must be refused")
	}
}

func TestCollapseSlashes(t *testing.T) {
	for in, want := range map[string]string{
		"/reader/api/0/token":          "/reader/api/0/token",
		"//reader/api/0/token":         "/reader/api/0/token",
		"/reader//api/0///stream/x":    "/reader/api/0/stream/x",
		"//accounts/ClientLogin":       "/accounts/ClientLogin",
		"/reader/atom/feed%2F1?n=2//x": "/reader/atom/feed%2F1?n=2/x",
	} {
		if got := collapseSlashes(in); got != want {
			t.Errorf("collapseSlashes(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseItemID: no input panics, and every accepted ID is positive and
// round-trips through the long form.
func FuzzParseItemID(f *testing.F) {
	for _, s := range []string{"tag:google.com,2005:reader/item/00000000000001a4", "00000000000001a4", "420",
		"-355401917359550817", "0", "", "tag:google.com,2005:reader/item/", "ffffffffffffffff", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := parseItemID(s)
		if err != nil {
			return
		}
		if id <= 0 {
			t.Fatalf("parseItemID(%q) = %d", s, id)
		}
		if back, err := parseItemID(longItemID(id)); err != nil || back != id {
			t.Fatalf("round trip of %d: %d, %v", id, back, err)
		}
	})
}

// FuzzParseStream: no input panics; an accepted stream is of a known kind,
// and a feed stream names a positive ID or an http(s) URL.
func FuzzParseStream(f *testing.F) {
	for _, s := range []string{"user/-/state/com.google/reading-list", "user/7/label/News", "feed/12",
		"feed/https://example.org/rss", "user/-/state/com.google/tracking-kept-unread", "user//label/x", "feed/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, err := parseStream(s)
		if err != nil {
			return
		}
		switch st.kind {
		case streamFeed:
			if st.feedID <= 0 && !strings.HasPrefix(st.url, "http") {
				t.Fatalf("parseStream(%q) = %+v", s, st)
			}
		case streamLabel:
			if strings.TrimSpace(st.label) == "" {
				t.Fatalf("parseStream(%q): empty label", s)
			}
		case streamReadingList, streamStarred, streamRead, streamKeptUnread, streamEmptyState:
		default:
			t.Fatalf("parseStream(%q): kind %d", s, st.kind)
		}
	})
}
