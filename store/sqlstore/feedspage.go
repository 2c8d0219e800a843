package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	digest "github.com/occasional-digest/digest"
)

// Orders of FeedsPage.
const (
	feedOrderCategory = "category"
	feedOrderTitle    = "title"
	feedOrderErrors   = "errors"
)

// maxFeedSearch bounds the search text of FeedsPage: LIKE patterns have a
// length limit in SQLite, and no title or address worth finding is longer.
const maxFeedSearch = 1000

// titleExpr is the title of a feed as the user of the subscription u
// sees it.
const titleExpr = `COALESCE(NULLIF(u.title, ''), f.title)`

// Key expressions of the feed orders. Every key sorts ascending, so that
// one row-value comparison finds the rows after (or before) a cursor. The
// title key is lower() of the title the user sees: SQLite lowers ASCII
// letters only, and Feeds sorts the same way (see compareFold).
const (
	keyFailCount = `0 - f.error_count`
	keyNoMessage = `CASE WHEN f.last_error = '' THEN 1 ELSE 0 END`
	keyCategory  = `u.category`
	keyTitle     = `lower(` + titleExpr + `)`
	keyID        = `f.id`
)

// feedKey is where a feed stands in a FeedsPage order; the fields an
// order does not use are zero. It is the content of a cursor, so that a
// page starts at the same place even when the feed the cursor came from
// was renamed, failed again or was removed since.
type feedKey struct {
	Order    string
	Before   bool  // the page before the key, not after it
	Fail     int64 // minus the consecutive failures
	NoMsg    int64 // 1 when the last fetch left no error message
	Category string
	Title    string // the title key (lowered)
	ID       int64
	// Cut says that Category or Title hold only the start of the key: a
	// cursor carries at most maxCursorText bytes of each.
	Cut bool
}

// maxCursorText bounds the text a cursor carries of a category or title
// key, so that a feed with a title of a megabyte still pages with a short
// link. A cut key is completed from the feed itself when the cursor is
// used (see completeKey).
const maxCursorText = 256

// cursorJSON is the encoding of a feedKey. Texts are bytes, so that a cut
// inside a character, or a title that is not UTF-8, comes back exactly.
type cursorJSON struct {
	O string `json:"o"`
	B bool   `json:"b,omitempty"`
	F int64  `json:"f,omitempty"`
	M int64  `json:"m,omitempty"`
	C []byte `json:"c,omitempty"`
	T []byte `json:"t,omitempty"`
	X bool   `json:"x,omitempty"`
	I int64  `json:"i"`
}

// keyExprs returns the SQL key expressions of an order.
func keyExprs(order string) []string {
	switch order {
	case feedOrderTitle:
		return []string{keyTitle, keyID}
	case feedOrderErrors:
		return []string{keyFailCount, keyNoMessage, keyCategory, keyTitle, keyID}
	}
	return []string{keyCategory, keyTitle, keyID}
}

// args returns the bind values of k for the order's key expressions.
func (k *feedKey) args() []any {
	switch k.Order {
	case feedOrderTitle:
		return []any{k.Title, k.ID}
	case feedOrderErrors:
		return []any{k.Fail, k.NoMsg, k.Category, k.Title, k.ID}
	}
	return []any{k.Category, k.Title, k.ID}
}

// dests returns scan destinations for the order's key expressions.
func (k *feedKey) dests() []any {
	switch k.Order {
	case feedOrderTitle:
		return []any{&k.Title, &k.ID}
	case feedOrderErrors:
		return []any{&k.Fail, &k.NoMsg, &k.Category, &k.Title, &k.ID}
	}
	return []any{&k.Category, &k.Title, &k.ID}
}

func (k feedKey) encode(before bool) string {
	cut := func(t string) []byte {
		if len(t) > maxCursorText {
			k.Cut = true
			t = t[:maxCursorText]
		}
		return []byte(t)
	}
	j := cursorJSON{O: k.Order, B: before, F: k.Fail, M: k.NoMsg, C: cut(k.Category), T: cut(k.Title), I: k.ID}
	j.X = k.Cut
	b, err := json.Marshal(j)
	if err != nil {
		return "" // cannot happen: bytes, strings and integers only
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeFeedCursor reads a cursor of FeedsPage made for order.
func decodeFeedCursor(c, order string) (*feedKey, error) {
	bad := digest.Errorf(digest.EINVALID, "invalid cursor")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, bad
	}
	var j cursorJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, bad
	}
	if j.O != order {
		return nil, digest.Errorf(digest.EINVALID, "invalid cursor: it belongs to another order")
	}
	return &feedKey{Order: j.O, Before: j.B, Fail: j.F, NoMsg: j.M, Category: string(j.C), Title: string(j.T), ID: j.I, Cut: j.X}, nil
}

// completeKey restores the texts of a cut cursor key from its feed, when
// that feed still starts with them. Otherwise the page starts at the edge
// of the feeds whose keys start with the cut texts, repeating some feeds,
// never skipping one: a page after it at their first, a page before it
// after their last.
func (s *Store) completeKey(ctx context.Context, user int64, k *feedKey) error {
	var category, title string
	err := s.queryRow(ctx, `SELECT `+keyCategory+`, `+keyTitle+` FROM subscriptions u JOIN feeds f ON f.id = u.feed_id
		WHERE u.user_id = ? AND f.id = ?`, user, k.ID).Scan(&category, &title)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return wrap("feeds page: cursor", err)
	}
	if err == nil && strings.HasPrefix(category, k.Category) && strings.HasPrefix(title, k.Title) {
		k.Category, k.Title = category, title
		return nil
	}
	if k.Before {
		// 0xFF is in no UTF-8 text: after every key that starts so.
		if len(k.Category) == maxCursorText {
			k.Category += "\xff"
		}
		if len(k.Title) == maxCursorText {
			k.Title += "\xff"
		}
	}
	return nil
}

// keyArgs returns the bind values of k. A cut key's text may end inside a
// character, or in completeKey's 0xFF; a dialect that takes valid UTF-8
// only (Dialect.ValidUTF8) gets instead the valid text that bounds the
// same feeds, with the key's later values at their least, so that the
// row-value comparison selects what it selects on SQLite.
func (s *Store) keyArgs(k *feedKey) []any {
	args := k.args()
	if !s.d.ValidUTF8 {
		return args
	}
	for i, a := range args {
		t, ok := a.(string)
		if !ok || utf8.ValidString(t) {
			continue
		}
		args[i] = validBound(t, k.Before)
		for j := i + 1; j < len(args); j++ {
			switch args[j].(type) {
			case string:
				args[j] = ""
			case int64:
				args[j] = int64(math.MinInt64)
			}
		}
		break
	}
	return args
}

// validBound returns valid UTF-8 that bounds valid texts as t does. After
// a key (before is false), t is a text cut inside its last character:
// a text sorts after t exactly when it sorts at or after the least
// character whose bytes follow t's last ones. Before a key, t is a cut
// text and 0xFF: a text sorts before it exactly when it sorts before the
// least character after every one that starts with the cut bytes.
// Anything else (a forged cursor) loses its invalid bytes.
func validBound(t string, before bool) string {
	orPrefix := !before
	if before {
		if !strings.HasSuffix(t, "\xff") {
			return strings.ToValidUTF8(t, "")
		}
		t = t[:len(t)-1]
	}
	// The last character's bytes, complete or cut.
	i := len(t)
	for i > 0 && len(t)-i < utf8.UTFMax-1 && t[i-1]&0xC0 == 0x80 {
		i--
	}
	if i > 0 {
		i-- // the first byte
	}
	head, last := t[:i], t[i:]
	if !utf8.ValidString(head) {
		return strings.ToValidUTF8(t, "")
	}
	// The least character r whose bytes sort after last's (and, before a
	// key, do not start with them): the tests are monotone in r.
	after := func(r rune) bool {
		b := runeBytes(r)
		return string(b) > last && (orPrefix || !strings.HasPrefix(string(b), last))
	}
	r := rune(sort.Search(unicode.MaxRune+1, func(n int) bool { return after(rune(n)) }))
	if r > unicode.MaxRune {
		// No character follows: the bound is the one after every text
		// that starts with head.
		if head == "" {
			return strings.Repeat(string(rune(unicode.MaxRune)), len(t)+1)
		}
		return validBound(head+"\xff", true)
	}
	if 0xD800 <= r && r < 0xE000 {
		r = 0xE000 // surrogates are no characters: the next one is
	}
	return head + string(r)
}

// runeBytes is utf8.AppendRune but for surrogates, which it encodes as
// their three bytes instead of U+FFFD, so that the bytes grow with r.
func runeBytes(r rune) []byte {
	if 0xD800 <= r && r < 0xE000 {
		return []byte{0xE0 | byte(r>>12), 0x80 | byte(r>>6)&0x3F, 0x80 | byte(r)&0x3F}
	}
	return utf8.AppendRune(nil, r)
}

// likePattern returns a LIKE pattern (with ESCAPE '\') matching text
// anywhere.
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(text) + "%"
}

// feedFilter returns the WHERE condition of FeedsPage and FeedTotals
// (feeds f joined with subscriptions u) and its arguments.
func (s *Store) feedFilter(user int64, search string) (string, []any, error) {
	cond := `u.user_id = ?`
	args := []any{user}
	search = clean(search)
	if search == "" {
		return cond, args, nil
	}
	if len(search) > maxFeedSearch {
		return "", nil, digest.Errorf(digest.EINVALID, "search is longer than %d bytes", maxFeedSearch)
	}
	p := likePattern(search)
	var terms []string
	for _, col := range []string{titleExpr, "f.url", "f.site_url"} {
		if s.d.FoldLike != "" {
			terms = append(terms, col+" "+s.d.FoldLike+` CAST(? AS TEXT) ESCAPE '\'`)
		} else {
			terms = append(terms, "lower("+col+`) LIKE lower(CAST(? AS TEXT)) ESCAPE '\'`)
		}
		args = append(args, p)
	}
	return cond + " AND (" + strings.Join(terms, " OR ") + ")", args, nil
}

// FeedsPage lists one page of the default user's feeds (see
// digest.Store). Pages are keyset-paginated on the order's key: feeds
// added, renamed or removed while paging neither shift nor repeat the
// others. A cursor of the page before the first page gives the first
// page. Search ignores the case of ASCII letters only, as the order does.
// EINVALID for an unknown order, a malformed cursor or a search longer
// than 1000 bytes.
func (s *Store) FeedsPage(ctx context.Context, user int64, search, order string, limit int, cursor string) ([]digest.Feed, string, string, error) {
	if order == "" {
		order = feedOrderCategory
	}
	if order != feedOrderCategory && order != feedOrderTitle && order != feedOrderErrors {
		return nil, "", "", digest.Errorf(digest.EINVALID, "unknown feed order %q: want %q, %q or %q",
			clipText(order, 40), feedOrderCategory, feedOrderTitle, feedOrderErrors)
	}
	switch {
	case limit <= 0:
		limit = 50
	case limit > 500:
		limit = 500
	}
	var at *feedKey
	if cursor != "" {
		k, err := decodeFeedCursor(cursor, order)
		if err != nil {
			return nil, "", "", err
		}
		if k.Cut {
			if err := s.completeKey(ctx, user, k); err != nil {
				return nil, "", "", err
			}
		}
		at = k
	}
	where, args, err := s.feedFilter(user, search)
	if err != nil {
		return nil, "", "", err
	}
	before := at != nil && at.Before
	fs, keys, err := s.feedRows(ctx, user, order, where, args, at, limit+1)
	if err != nil {
		return nil, "", "", err
	}
	if before && len(fs) == 0 {
		// Nothing before the cursor any more: the first page.
		before, at = false, nil
		if fs, keys, err = s.feedRows(ctx, user, order, where, args, nil, limit+1); err != nil {
			return nil, "", "", err
		}
	}
	more := len(fs) > limit
	if more {
		fs, keys = fs[:limit], keys[:limit]
	}
	if before {
		slices.Reverse(fs)
		slices.Reverse(keys)
	}
	var next, prev string
	if len(fs) > 0 {
		first, last := keys[0], keys[len(keys)-1]
		if before {
			// The cursor's own feed, or what followed it, comes next.
			next = last.encode(false)
			if more {
				prev = first.encode(true)
			}
		} else {
			if more {
				next = last.encode(false)
			}
			if at != nil {
				prev = first.encode(true)
			}
		}
	}
	if err := s.fillCategoryIDs(ctx, user, fs); err != nil {
		return nil, "", "", wrap("feeds page", err)
	}
	return fs, next, prev, nil
}

// feedRows reads up to n feeds in the order's key order after at (before
// it, in reverse order, when at.Before), with their keys.
func (s *Store) feedRows(ctx context.Context, user int64, order, where string, args []any, at *feedKey, n int) ([]digest.Feed, []feedKey, error) {
	exprs := keyExprs(order)
	keyList := strings.Join(exprs, ", ")
	dir := ""
	if at != nil {
		params := strings.TrimSuffix(strings.Repeat("?, ", len(exprs)), ", ")
		cmp := ">"
		if at.Before {
			cmp, dir = "<", " DESC"
		}
		where += ` AND (` + keyList + `) ` + cmp + ` (` + params + `)`
		args = append(slices.Clip(args), s.keyArgs(at)...)
	}
	if at == nil && order == feedOrderCategory {
		// Always true, but it lets SQLite walk the subscriptions by
		// category (index subscriptions_category) and sort only the
		// categories of the page by title.
		where += ` AND ` + keyCategory + ` >= ''`
	}
	orderBy := strings.Join(exprs, dir+", ") + dir
	// The page's feeds are chosen on their keys alone, then read whole:
	// the sorter then holds narrow rows, and only n feeds are read.
	q := `SELECT ` + feedCols + `, u.unread, ` + keyList + `
		FROM (SELECT f.id AS id FROM subscriptions u JOIN feeds f ON f.id = u.feed_id
			WHERE ` + where + ` ORDER BY ` + orderBy + ` LIMIT ?) p
		JOIN feeds f ON f.id = p.id JOIN subscriptions u ON u.feed_id = f.id AND u.user_id = ?
		ORDER BY ` + orderBy
	args = append(slices.Clip(args), n, user)
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, nil, wrap("feeds page", err)
	}
	defer rows.Close()
	var (
		fs   []digest.Feed
		keys []feedKey
	)
	for rows.Next() {
		var f digest.Feed
		k := feedKey{Order: order}
		if err := scanFeed(rows, &f, k.dests()...); err != nil {
			return nil, nil, wrap("feeds page", err)
		}
		fs = append(fs, f)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, wrap("feeds page", err)
	}
	return fs, keys, nil
}

// FeedTotals counts the user's feeds that match search, their
// unread articles and the failing ones (see digest.Store). EINVALID for a
// search longer than 1000 bytes.
func (s *Store) FeedTotals(ctx context.Context, user int64, search string) (feeds, unread, failing int, err error) {
	where, args, err := s.feedFilter(user, search)
	if err != nil {
		return 0, 0, 0, err
	}
	err = s.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(u.unread), 0),
		COALESCE(SUM(CASE WHEN f.error_count > 0 OR f.last_error <> '' THEN 1 ELSE 0 END), 0)
		FROM subscriptions u JOIN feeds f ON f.id = u.feed_id WHERE `+where, args...).Scan(&feeds, &unread, &failing)
	if err != nil {
		return 0, 0, 0, wrap("feed totals", err)
	}
	return feeds, unread, failing, nil
}

// clipText shortens s for an error message.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
