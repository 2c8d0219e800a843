package greader

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
)

// streamQuery is the article query of a stream request: the stream (s=,
// or the path, or the reading list when absent) narrowed by xt=, it=, ot=,
// nt= and r=. empty is true when the request can select nothing (it=like,
// both read and unread): the store is not asked.
type streamQuery struct {
	q      digest.ArticleQuery
	id     string // the stream ID as asked, for the answer
	title  string
	empty  bool
	feed   *digest.Feed
	oldest bool
}

func (h *Handler) streamQuery(r *request) (*streamQuery, error) {
	id := r.stream
	if id == "" {
		id = r.form.Get("s")
	}
	if id == "" {
		id = stateReadingList
	}
	sq := &streamQuery{q: digest.ArticleQuery{UserID: r.user.ID}, id: id}
	if len(r.form["xt"])+len(r.form["it"]) > maxFilters {
		return nil, digest.Errorf(digest.EINVALID, "at most %d xt= and it= a request", maxFilters)
	}
	st, err := parseStream(id)
	if err != nil {
		return nil, err
	}
	if err := h.narrow(r, sq, st, false); err != nil {
		return nil, err
	}
	for _, x := range r.form["xt"] {
		st, err := parseStream(x)
		if err != nil {
			return nil, err
		}
		switch st.kind {
		case streamRead:
			sq.q.Unread = true
		case streamReadingList:
			sq.empty = true
		case streamEmptyState, streamKeptUnread:
			// nothing is kept unread or liked here: excluding it excludes nothing
		default:
			return nil, digest.Errorf(digest.EINVALID, "xt=%s is not supported", clip(x, 80))
		}
	}
	for _, x := range r.form["it"] {
		st, err := parseStream(x)
		if err != nil {
			return nil, err
		}
		if err := h.narrow(r, sq, st, true); err != nil {
			return nil, err
		}
	}
	if sq.q.Read && sq.q.Unread {
		sq.empty = true
	}
	if sq.q.After, err = unixParam(r, "ot"); err != nil {
		return nil, err
	}
	if sq.q.Before, err = unixParam(r, "nt"); err != nil {
		return nil, err
	}
	if !sq.q.After.IsZero() && !sq.q.Before.IsZero() && !sq.q.After.Before(sq.q.Before) {
		sq.empty = true
	}
	sq.oldest = r.form.Get("r") == "o"
	sq.q.Oldest = sq.oldest
	return sq, nil
}

// maxFilters bounds the xt= and it= of a request: each may cost a
// look-up.
const maxFilters = 20

// narrow adds the filter of a stream to sq: the stream itself (which
// also names the answer) or an it=. A stream of someone else's user
// segment, feed or category is ENOTFOUND.
func (h *Handler) narrow(r *request, sq *streamQuery, st stream, include bool) error {
	if !st.ownedBy(r.user.ID) {
		return digest.Errorf(digest.ENOTFOUND, "no such stream")
	}
	title := ""
	switch st.kind {
	case streamReadingList:
		title = "Reading list"
	case streamStarred:
		sq.q.Starred = true
		title = "Starred items"
	case streamRead:
		sq.q.Read = true
		title = "Read items"
	case streamKeptUnread:
		sq.q.Unread = true
		title = "Kept unread"
	case streamEmptyState:
		sq.empty = true
	case streamFeed:
		f, err := h.userFeed(r, st)
		if err != nil {
			return err
		}
		if sq.q.FeedID != 0 && sq.q.FeedID != f.ID {
			sq.empty = true
		}
		sq.q.FeedID, sq.feed = f.ID, f
		title = feedTitle(f)
	case streamLabel:
		c, err := h.category(r, st.label)
		if err != nil {
			return err
		}
		if sq.q.CategoryID != 0 && sq.q.CategoryID != c.ID {
			sq.empty = true
		}
		sq.q.CategoryID = c.ID
		title = c.Title
	default:
		return digest.Errorf(digest.EINVALID, "invalid stream")
	}
	if !include {
		sq.title = title
	}
	return nil
}

// unixParam reads a time in Unix seconds (ot, nt); zero when absent or 0.
func unixParam(r *request, name string) (time.Time, error) {
	s := strings.TrimSpace(r.form.Get(name))
	if s == "" || s == "0" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return time.Time{}, digest.Errorf(digest.EINVALID, "invalid %s=%q: want Unix seconds", name, clip(s, 30))
	}
	return time.Unix(n, 0).UTC(), nil
}

// count reads n: absent or 0 is def, above max is max (RSS Guard asks
// n=200000 and follows the continuation), anything but a non-negative
// integer is EINVALID.
func count(r *request, def, max int) (int, error) {
	s := strings.TrimSpace(r.form.Get("n"))
	if s == "" {
		return def, nil
	}
	if !isDigits(s) {
		return 0, digest.Errorf(digest.EINVALID, "invalid n=%q: want a positive integer", clip(s, 30))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, digest.Errorf(digest.EINVALID, "n=%s is too large", clip(s, 30))
	}
	switch {
	case n == 0:
		return def, nil
	case n > int64(max):
		return max, nil
	}
	return int(n), nil
}

type itemRef struct {
	ID            string `json:"id"`
	TimestampUsec string `json:"timestampUsec"`
}

// itemIDs: GET /reader/api/0/stream/items/ids?s=STREAM&n=&c=&r=&xt=&it=&ot=&nt=
// → {"itemRefs":[{"id":"DECIMAL","timestampUsec"}...],"continuation":"..."},
// newest published first (r=o: oldest), the order of stream/contents and
// of the store's indexes: walking a user's articles by ID to pick their
// few unread or starred ones would read them all. IDs are decimal, as
// Google Reader gave them; continuation is absent on the last page.
func (h *Handler) itemIDs(w http.ResponseWriter, r *request) {
	n, err := count(r, 20, maxIDsPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sq, err := h.streamQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var from *refKey
	if c := strings.TrimSpace(r.form.Get("c")); c != "" {
		k, err := parseRefKey(c)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		from = &k
	}
	out := struct {
		ItemRefs     []itemRef `json:"itemRefs"`
		Continuation string    `json:"continuation,omitempty"`
	}{ItemRefs: []itemRef{}}
	if !sq.empty {
		refs, err := h.refsAfter(r, sq.q, n+1, from)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if len(refs) > n {
			refs = refs[:n]
			out.Continuation = refKey{refs[n-1].Published, refs[n-1].ID}.String()
		}
		out.ItemRefs = make([]itemRef, len(refs))
		for i, ref := range refs {
			out.ItemRefs[i] = itemRef{ID: strconv.FormatInt(ref.ID, 10), TimestampUsec: strconv.FormatInt(ref.Published.UnixMicro(), 10)}
		}
	}
	writeJSON(w, out)
}

// refKey is the place of an article in publication order, the
// continuation of stream/items/ids: "UNIXNANO_ID".
type refKey struct {
	published time.Time
	id        int64
}

func (k refKey) String() string {
	return strconv.FormatInt(k.published.UnixNano(), 10) + "_" + strconv.FormatInt(k.id, 10)
}

func parseRefKey(s string) (refKey, error) {
	bad := digest.Errorf(digest.EINVALID, "invalid continuation")
	t, id, ok := strings.Cut(s, "_")
	if !ok || !isDigits(t) || !isDigits(id) {
		return refKey{}, bad
	}
	ns, err1 := strconv.ParseInt(t, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || n <= 0 {
		return refKey{}, bad
	}
	return refKey{time.Unix(0, ns).UTC(), n}, nil
}

// refsAfter returns up to limit refs of q in its order (newest published
// first, ties by descending ID; or the reverse), after from when not nil.
// ArticleRefs has no cursor, and its time and ID bounds are separate, so
// the page after (p, id) is read in two parts: the articles published at
// p itself with IDs past id (asked in a window around p and kept only
// when published exactly at p, whatever the store's time resolution),
// then those published strictly past p.
func (h *Handler) refsAfter(r *request, q digest.ArticleQuery, limit int, from *refKey) ([]digest.ArticleRef, error) {
	q.Limit = limit
	if from == nil {
		return h.store.ArticleRefs(r.ctx(), q)
	}
	p := from.published
	ties := q
	ties.After = later(q.After, p.Add(-time.Microsecond))
	ties.Before = earlier(q.Before, p.Add(time.Microsecond))
	rest := q
	if q.Oldest {
		ties.AfterID = max(q.AfterID, from.id)
		rest.After = later(q.After, p)
	} else {
		ties.BeforeID = from.id
		if q.BeforeID != 0 {
			ties.BeforeID = min(q.BeforeID, from.id)
		}
		rest.Before = earlier(q.Before, p)
	}
	var out []digest.ArticleRef
	if ties.After.Before(ties.Before) {
		refs, err := h.store.ArticleRefs(r.ctx(), ties)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			if ref.Published.Equal(p) {
				out = append(out, ref)
			}
		}
	}
	if len(out) >= limit || (!rest.After.IsZero() && !rest.Before.IsZero() && !rest.After.Before(rest.Before)) {
		return out, nil
	}
	rest.Limit = limit - len(out)
	refs, err := h.store.ArticleRefs(r.ctx(), rest)
	if err != nil {
		return nil, err
	}
	return append(out, refs...), nil
}

// later and earlier pick a bound of a range, the zero time being none.
func later(a, b time.Time) time.Time {
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}

// itemContents: POST (or GET) /reader/api/0/stream/items/contents with
// i=ID repeated (any form, at most 1,000) → the articles the user sees
// among them, with content; the others are absent.
func (h *Handler) itemContents(w http.ResponseWriter, r *request) {
	ids, err := itemIDsParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	oldest := r.form.Get("r") == "o"
	var arts []digest.Article
	for start := 0; start < len(ids); start += storePage {
		chunk := ids[start:min(start+storePage, len(ids))]
		page, err := h.store.Articles(r.ctx(), digest.ArticleQuery{UserID: r.user.ID, IDs: chunk,
			WithContent: true, Limit: len(chunk), Oldest: oldest})
		if err != nil {
			h.fail(w, r, err)
			return
		}
		arts = append(arts, page.Articles...)
	}
	items, err := h.items(r, arts)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, h.streamJSON(r, stateReadingList, "Reading list", items, ""))
}

// itemIDsParam reads the i= of a request: 1 to maxItemIDs, each valid,
// duplicates dropped.
func itemIDsParam(r *request) ([]int64, error) {
	raw := r.form["i"]
	if len(raw) == 0 {
		return nil, digest.Errorf(digest.EINVALID, "no item id: want i=")
	}
	if len(raw) > maxItemIDs {
		return nil, digest.Errorf(digest.EINVALID, "too many item ids: at most %d a request", maxItemIDs)
	}
	ids := make([]int64, 0, len(raw))
	seen := make(map[int64]bool, len(raw))
	for _, s := range raw {
		id, err := parseItemID(s)
		if err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// streamContents: GET /reader/api/0/stream/contents[/STREAM]?s=&n=&c=&r=&xt=&it=&ot=&nt=
// → a page of the stream's articles with content, newest published first
// (r=o: oldest), and a continuation string unless it is the last page.
func (h *Handler) streamContents(w http.ResponseWriter, r *request) {
	arts, sq, next, err := h.streamPage(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	items, err := h.items(r, arts)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, h.streamJSON(r, sq.id, sq.title, items, next))
}

// streamPage reads the page a stream request asks for (stream/contents and
// the Atom streams): n articles (default 20, at most 1,000) with content,
// from continuation c.
func (h *Handler) streamPage(r *request) ([]digest.Article, *streamQuery, string, error) {
	n, err := count(r, 20, maxContentsPage)
	if err != nil {
		return nil, nil, "", err
	}
	sq, err := h.streamQuery(r)
	if err != nil {
		return nil, nil, "", err
	}
	cursor := ""
	if c := strings.TrimSpace(r.form.Get("c")); c != "" {
		if cursor, err = decodeCursor(c); err != nil {
			return nil, nil, "", err
		}
	}
	if sq.empty {
		return nil, sq, "", nil
	}
	arts, next, err := h.pages(r, sq.q, n, cursor, true)
	if err != nil {
		return nil, nil, "", err
	}
	if next != "" {
		next = encodeCursor(next)
	}
	return arts, sq, next, nil
}

// pages reads n articles of q from the store's cursor, a store page
// (500) at a time, and returns the cursor after them ("" at the end).
func (h *Handler) pages(r *request, q digest.ArticleQuery, n int, cursor string, content bool) ([]digest.Article, string, error) {
	var arts []digest.Article
	for len(arts) < n {
		q := q
		q.WithContent = content
		q.Limit = min(n-len(arts), storePage)
		q.Cursor = cursor
		page, err := h.store.Articles(r.ctx(), q)
		if err != nil {
			if digest.ErrorCode(err) == digest.EINVALID && cursor != "" {
				err = digest.Errorf(digest.EINVALID, "invalid continuation")
			}
			return nil, "", err
		}
		arts = append(arts, page.Articles...)
		cursor = page.Next
		if cursor == "" || len(page.Articles) == 0 {
			return arts, "", nil
		}
	}
	return arts, cursor, nil
}

// A continuation of stream/contents is the store's cursor in URL-safe
// base64: clients append it to URLs unescaped.
func encodeCursor(c string) string { return base64.RawURLEncoding.EncodeToString([]byte(c)) }

func decodeCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b) > 1024 {
		return "", digest.Errorf(digest.EINVALID, "invalid continuation")
	}
	return string(b), nil
}

type jsonLink struct {
	Href string `json:"href"`
	Type string `json:"type,omitempty"`
}

type jsonContent struct {
	Direction string `json:"direction"`
	Content   string `json:"content"`
}

type jsonOrigin struct {
	StreamID string `json:"streamId"`
	Title    string `json:"title"`
	HTMLURL  string `json:"htmlUrl"`
}

type jsonItem struct {
	ID            string      `json:"id"`
	CrawlTimeMsec string      `json:"crawlTimeMsec"`
	TimestampUsec string      `json:"timestampUsec"`
	Published     int64       `json:"published"`
	Updated       int64       `json:"updated"`
	Title         string      `json:"title"`
	Author        string      `json:"author,omitempty"`
	Categories    []string    `json:"categories"`
	Alternate     []jsonLink  `json:"alternate"`
	Canonical     []jsonLink  `json:"canonical"`
	Summary       jsonContent `json:"summary"`
	Content       jsonContent `json:"content"`
	Origin        jsonOrigin  `json:"origin"`
	Enclosure     []jsonLink  `json:"enclosure"`
}

// itemView is an article as one user sees it: the feed it reaches them
// through, and that feed's category.
type itemView struct {
	a    *digest.Article
	feed *digest.Feed // nil when none of the user's feeds carries it any more
}

// views pairs each article with the user's feed it comes through: its
// original feed when the user follows that, else the first source they
// follow. Clients file an item under origin.streamId and drop (Fluent
// Reader) or fail on (Read You) one whose feed they do not know.
func (h *Handler) views(r *request, arts []digest.Article) ([]itemView, error) {
	if len(arts) == 0 {
		return nil, nil
	}
	feeds, err := h.store.Feeds(r.ctx(), r.user.ID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*digest.Feed, len(feeds))
	for i := range feeds {
		byID[feeds[i].ID] = &feeds[i]
	}
	out := make([]itemView, len(arts))
	for i := range arts {
		a := &arts[i]
		v := itemView{a: a, feed: byID[a.FeedID]}
		for j := 0; v.feed == nil && j < len(a.Sources); j++ {
			v.feed = byID[a.Sources[j].FeedID]
		}
		out[i] = v
	}
	return out, nil
}

// categories are the Google Reader categories of an item.
func (v itemView) categories() []string {
	cs := []string{stateReadingList}
	if v.a.Read {
		cs = append(cs, stateRead)
	} else {
		cs = append(cs, stateFresh)
	}
	if v.a.Starred {
		cs = append(cs, stateStarred)
	}
	if v.feed != nil && v.feed.Category != "" {
		cs = append(cs, labelStreamID(v.feed.Category))
	}
	return cs
}

func (v itemView) content() string {
	if v.a.Content != "" {
		return v.a.Content
	}
	return htmlEscape(v.a.Summary)
}

func (h *Handler) items(r *request, arts []digest.Article) ([]jsonItem, error) {
	views, err := h.views(r, arts)
	if err != nil {
		return nil, err
	}
	items := make([]jsonItem, 0, len(views))
	for _, v := range views {
		a := v.a
		updated := a.Updated
		if updated.IsZero() {
			updated = a.Published
		}
		body := jsonContent{Direction: "ltr", Content: v.content()}
		it := jsonItem{
			ID:            longItemID(a.ID),
			CrawlTimeMsec: strconv.FormatInt(a.Created.UnixMilli(), 10),
			TimestampUsec: strconv.FormatInt(a.Published.UnixMicro(), 10),
			Published:     a.Published.Unix(),
			Updated:       updated.Unix(),
			Title:         a.Title,
			Author:        a.Author,
			Categories:    v.categories(),
			Alternate:     []jsonLink{{Href: a.URL, Type: "text/html"}},
			Canonical:     []jsonLink{{Href: a.URL}},
			Summary:       body,
			Content:       body,
			Enclosure:     []jsonLink{},
		}
		if a.ImageURL != "" {
			it.Enclosure = append(it.Enclosure, jsonLink{Href: a.ImageURL, Type: "image/*"})
		}
		if v.feed != nil {
			it.Origin = jsonOrigin{StreamID: feedStreamID(v.feed.ID), Title: feedTitle(v.feed), HTMLURL: v.feed.SiteURL}
		} else {
			// Unsubscribed while the page was read: name no feed of
			// anyone else's.
			it.Origin = jsonOrigin{StreamID: stateReadingList, Title: a.SiteName}
		}
		items = append(items, it)
	}
	return items, nil
}

func (h *Handler) streamJSON(r *request, id, title string, items []jsonItem, next string) any {
	if items == nil {
		items = []jsonItem{}
	}
	now := time.Now()
	return struct {
		Direction    string     `json:"direction"`
		ID           string     `json:"id"`
		Title        string     `json:"title"`
		Author       string     `json:"author"`
		Self         []jsonLink `json:"self"`
		Updated      int64      `json:"updated"`
		UpdatedUsec  string     `json:"updatedUsec"`
		Items        []jsonItem `json:"items"`
		Continuation string     `json:"continuation,omitempty"`
	}{"ltr", id, title, r.user.Name, []jsonLink{{Href: h.selfURL(r.Request)}}, now.Unix(),
		strconv.FormatInt(now.UnixMicro(), 10), items, next}
}

// selfURL is the URL of the request without its query.
func (h *Handler) selfURL(r *http.Request) string {
	base := h.opts.BaseURL
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + collapseSlashes(r.URL.EscapedPath())
}

// editTag: POST /reader/api/0/edit-tag with i=ID repeated and a=TAG / r=TAG
// → "OK". read, kept-unread and starred change state; every other state
// (tracking-*, like, broadcast, fresh...) and item labels are ignored.
// Articles the user does not see are ignored. Everything is checked
// before anything changes.
func (h *Handler) editTag(w http.ResponseWriter, r *request) {
	ids, err := itemIDsParam(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var read, starred *bool
	set := func(p **bool, v bool, tag string) error {
		if *p != nil && **p != v {
			return digest.Errorf(digest.EINVALID, "conflicting tags for %s", tag)
		}
		*p = &v
		return nil
	}
	for _, op := range []struct {
		key string
		add bool
	}{{"a", true}, {"r", false}} {
		for _, tag := range r.form[op.key] {
			st, err := parseStream(strings.TrimSpace(tag))
			if err != nil {
				h.fail(w, r, err)
				return
			}
			if !st.ownedBy(r.user.ID) {
				h.fail(w, r, digest.Errorf(digest.ENOTFOUND, "no such tag"))
				return
			}
			switch st.kind {
			case streamRead:
				err = set(&read, op.add, "read")
			case streamKeptUnread:
				err = set(&read, !op.add, "read")
			case streamStarred:
				err = set(&starred, op.add, "starred")
			case streamEmptyState, streamLabel, streamReadingList:
				// states and labels of items this server does not keep
			default:
				err = digest.Errorf(digest.EINVALID, "cannot tag an item with %s", clip(tag, 80))
			}
			if err != nil {
				h.fail(w, r, err)
				return
			}
		}
	}
	if read != nil {
		if _, err := h.store.MarkRead(r.ctx(), r.user.ID, ids, *read); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if starred != nil {
		if _, err := h.store.MarkStarred(r.ctx(), r.user.ID, ids, *starred); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	writeText(w, http.StatusOK, "OK")
}

// markAllAsRead: POST /reader/api/0/mark-all-as-read with s=STREAM (a feed,
// a label, the reading list or starred; absent: the reading list) and
// optional ts (Unix seconds; milliseconds when it has 13 to 15 digits,
// microseconds when 16 or more: only articles published before it) → "OK".
func (h *Handler) markAllAsRead(w http.ResponseWriter, r *request) {
	sq, err := h.streamQuery(&request{Request: r.Request, user: r.user, form: onlyStream(r.form)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ts := strings.TrimSpace(r.form.Get("ts")); ts != "" {
		n, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || n < 0 || !isDigits(ts) {
			h.fail(w, r, digest.Errorf(digest.EINVALID, "invalid ts=%q", clip(ts, 30)))
			return
		}
		switch {
		case len(ts) >= 16:
			sq.q.Before = time.UnixMicro(n).UTC()
		case len(ts) >= 13:
			sq.q.Before = time.UnixMilli(n).UTC()
		case n > 0:
			sq.q.Before = time.Unix(n, 0).UTC()
		}
	}
	if !sq.empty && !sq.q.Read { // the read stream is read already
		if _, err := h.store.MarkAllRead(r.ctx(), sq.q); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	writeText(w, http.StatusOK, "OK")
}

// onlyStream keeps the s= of a form: mark-all-as-read takes no filters.
func onlyStream(form map[string][]string) map[string][]string {
	return map[string][]string{"s": form["s"]}
}

// htmlEscape escapes plain text for a field clients read as HTML.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}
