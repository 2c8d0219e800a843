package greader

import (
	"fmt"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// itemPrefix starts the long form of an item ID.
const itemPrefix = "tag:google.com,2005:reader/item/"

// longItemID is the long form of an article ID: the prefix and 16
// lower-case hex digits.
func longItemID(id int64) string { return fmt.Sprintf("%s%016x", itemPrefix, id) }

// parseItemID reads an item ID in any form clients send: the long form
// (tag:google.com,2005:reader/item/ and 1 to 16 hex digits), the 16 hex
// digits alone (Fluent Reader), or the decimal ID that stream/items/ids
// hands out (Read You, Reeder, liferea). Sixteen characters that are all
// hex digits are read as hex: a decimal ID that long would be above 10^15,
// which no store here reaches. Zero, negative and out-of-range IDs are
// EINVALID.
func parseItemID(s string) (int64, error) {
	s = strings.TrimSpace(s)
	var (
		id  uint64
		err error
	)
	switch {
	case strings.HasPrefix(s, itemPrefix):
		h := s[len(itemPrefix):]
		if len(h) == 0 || len(h) > 16 || !isHex(h) {
			return 0, badItemID(s)
		}
		id, err = strconv.ParseUint(h, 16, 64)
	case len(s) == 16 && isHex(s):
		id, err = strconv.ParseUint(s, 16, 64)
	case s != "" && len(s) <= 19 && isDigits(s):
		id, err = strconv.ParseUint(s, 10, 64)
	default:
		return 0, badItemID(s)
	}
	if err != nil || id == 0 || id > 1<<63-1 {
		return 0, badItemID(s)
	}
	return int64(id), nil
}

func badItemID(s string) error {
	return digest.Errorf(digest.EINVALID, "invalid item id %q", clip(s, 60))
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// streamKind is what a stream ID names.
type streamKind int

const (
	streamInvalid     streamKind = iota
	streamReadingList            // user/-/state/com.google/reading-list
	streamStarred                // user/-/state/com.google/starred
	streamRead                   // user/-/state/com.google/read
	streamKeptUnread             // user/-/state/com.google/kept-unread
	streamEmptyState             // a Google state no article has here: like, broadcast, tracking-*, fresh...
	streamFeed                   // feed/ID, or feed/URL
	streamLabel                  // user/-/label/NAME: one of the user's categories
)

// Stream IDs of the states.
const (
	stateReadingList = "user/-/state/com.google/reading-list"
	stateStarred     = "user/-/state/com.google/starred"
	stateRead        = "user/-/state/com.google/read"
	stateFresh       = "user/-/state/com.google/fresh"
	labelPrefix      = "user/-/label/"
)

// stream is a parsed stream ID.
type stream struct {
	kind   streamKind
	feedID int64  // streamFeed with a numeric ID
	url    string // streamFeed with a URL
	label  string // streamLabel
	// user is the user segment: "-" or a decimal user ID.
	user string
}

// parseStream reads a stream ID: feed/ID (or feed/URL), user/-/label/NAME,
// user/-/state/com.google/STATE, with "-" or the user's decimal ID as the
// user segment. The states Google Reader had and we keep no article in
// (like, broadcast, broadcast-friends, tracking-*, fresh, ...) parse as
// streamEmptyState. Anything else is EINVALID.
func parseStream(s string) (stream, error) {
	if len(s) > 2048 {
		return stream{}, digest.Errorf(digest.EINVALID, "stream id too long")
	}
	if rest, ok := strings.CutPrefix(s, "feed/"); ok {
		if rest != "" && isDigits(rest) {
			id, err := strconv.ParseInt(rest, 10, 64)
			if err != nil || id <= 0 {
				return stream{}, badStream(s)
			}
			return stream{kind: streamFeed, feedID: id}, nil
		}
		if strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://") {
			return stream{kind: streamFeed, url: rest}, nil
		}
		return stream{}, badStream(s)
	}
	rest, ok := strings.CutPrefix(s, "user/")
	if !ok {
		return stream{}, badStream(s)
	}
	user, rest, ok := strings.Cut(rest, "/")
	if !ok || (user != "-" && (user == "" || !isDigits(user) || len(user) > 19)) {
		return stream{}, badStream(s)
	}
	if name, ok := strings.CutPrefix(rest, "label/"); ok {
		if strings.TrimSpace(name) == "" {
			return stream{}, badStream(s)
		}
		return stream{kind: streamLabel, label: name, user: user}, nil
	}
	state, ok := strings.CutPrefix(rest, "state/com.google/")
	if !ok || state == "" || strings.Contains(state, "/") {
		return stream{}, badStream(s)
	}
	st := stream{user: user}
	switch state {
	case "reading-list":
		st.kind = streamReadingList
	case "starred":
		st.kind = streamStarred
	case "read":
		st.kind = streamRead
	case "kept-unread":
		st.kind = streamKeptUnread
	default:
		if !validState(state) {
			return stream{}, badStream(s)
		}
		st.kind = streamEmptyState
	}
	return st, nil
}

// validState accepts the shape of a Google Reader state name (letters,
// digits, "-" and "."), such as like, broadcast or tracking-body-link-used.
func validState(s string) bool {
	if len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func badStream(s string) error {
	return digest.Errorf(digest.EINVALID, "invalid stream id %q", clip(s, 80))
}

// ownedBy reports whether the stream's user segment names the user ("-"
// or their ID). Feed streams have none.
func (st stream) ownedBy(userID int64) bool {
	return st.user == "" || st.user == "-" || st.user == strconv.FormatInt(userID, 10)
}

// feedStreamID is the stream ID of a feed.
func feedStreamID(id int64) string { return "feed/" + strconv.FormatInt(id, 10) }

// labelStreamID is the stream ID of a category.
func labelStreamID(title string) string { return labelPrefix + title }
