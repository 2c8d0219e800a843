package greader

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

type jsonCategory struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Type  string `json:"type,omitempty"`
}

type jsonSubscription struct {
	ID         string         `json:"id"`
	Title      string         `json:"title"`
	Categories []jsonCategory `json:"categories"` // never null: NetNewsWire requires it
	URL        string         `json:"url"`
	HTMLURL    string         `json:"htmlUrl"`
	IconURL    string         `json:"iconUrl"`
	SortID     string         `json:"sortid"`
	FirstItem  string         `json:"firstitemmsec"`
}

// subscriptionList: GET /reader/api/0/subscription/list → the user's
// feeds, each as feed/ID with its category as a folder.
func (h *Handler) subscriptionList(w http.ResponseWriter, r *request) {
	feeds, err := h.store.Feeds(r.ctx(), r.user.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	subs := make([]jsonSubscription, 0, len(feeds))
	for _, f := range feeds {
		s := jsonSubscription{
			ID: feedStreamID(f.ID), Title: feedTitle(&f), Categories: []jsonCategory{},
			URL: f.URL, HTMLURL: f.SiteURL, SortID: strconv.FormatInt(f.ID, 16),
			FirstItem: strconv.FormatInt(f.Created.UnixMilli(), 10),
		}
		if f.Category != "" {
			s.Categories = append(s.Categories, jsonCategory{ID: labelStreamID(f.Category), Label: f.Category, Type: "folder"})
		}
		subs = append(subs, s)
	}
	writeJSON(w, map[string]any{"subscriptions": subs})
}

// feedTitle is the title a client shows: the feed's, or its URL.
func feedTitle(f *digest.Feed) string {
	if f.Title != "" {
		return f.Title
	}
	return f.URL
}

// subscriptionExport: GET /reader/api/0/subscription/export → OPML.
func (h *Handler) subscriptionExport(w http.ResponseWriter, r *request) {
	var b bytes.Buffer
	if err := h.feeds.ExportOPML(r.ctx(), r.user.ID, &b); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// subscriptionImport: POST /reader/api/0/subscription/import with an
// OPML body (NetNewsWire) → "OK"; 400 when the document is unusable.
// Outlines that cannot be imported are skipped.
func (h *Handler) subscriptionImport(w http.ResponseWriter, r *request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		h.fail(w, r, bodyError(err))
		return
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// A form body was already consumed: the OPML may be its opml=.
		body = []byte(r.form.Get("opml"))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		h.fail(w, r, digest.Errorf(digest.EINVALID, "no OPML document in the body"))
		return
	}
	if _, _, err := h.feeds.ImportOPML(r.ctx(), r.user.ID, bytes.NewReader(body)); err != nil {
		if digest.ErrorCode(err) == digest.EINTERNAL {
			h.fail(w, r, err)
			return
		}
		h.fail(w, r, digest.WrapError(digest.EINVALID, "unusable OPML document: "+digest.ErrorMessage(err), err))
		return
	}
	writeText(w, http.StatusOK, "OK")
}

// userFeed resolves a feed stream to one of the user's feeds: feed/ID, or
// feed/URL among their subscriptions. ENOTFOUND otherwise.
func (h *Handler) userFeed(r *request, st stream) (*digest.Feed, error) {
	if st.kind != streamFeed {
		return nil, digest.Errorf(digest.EINVALID, "not a feed stream")
	}
	if st.feedID != 0 {
		return h.store.Feed(r.ctx(), r.user.ID, st.feedID)
	}
	feeds, err := h.store.Feeds(r.ctx(), r.user.ID)
	if err != nil {
		return nil, err
	}
	for i := range feeds {
		if feeds[i].URL == st.url {
			return &feeds[i], nil
		}
	}
	return nil, digest.Errorf(digest.ENOTFOUND, "no subscription to %s", clip(st.url, 100))
}

// labelName returns the category name of a label stream ("user/-/label/X")
// or, for rename-tag's dest and clients that send it bare, of a name. A
// label of another user segment is ENOTFOUND.
func labelName(r *request, s string) (string, error) {
	if strings.HasPrefix(s, "user/") {
		st, err := parseStream(s)
		if err != nil {
			return "", err
		}
		if st.kind != streamLabel {
			return "", digest.Errorf(digest.EINVALID, "not a label: %q", clip(s, 80))
		}
		if !st.ownedBy(r.user.ID) {
			return "", digest.Errorf(digest.ENOTFOUND, "no such label")
		}
		return strings.TrimSpace(st.label), nil
	}
	name := strings.TrimSpace(s)
	if name == "" || len(name) > 200 {
		return "", digest.Errorf(digest.EINVALID, "invalid label %q", clip(s, 80))
	}
	return name, nil
}

// category returns the user's category of that title (exact, else
// ignoring case). ENOTFOUND.
func (h *Handler) category(r *request, title string) (*digest.Category, error) {
	cats, err := h.store.Categories(r.ctx(), r.user.ID)
	if err != nil {
		return nil, err
	}
	for i := range cats {
		if cats[i].Title == title {
			return &cats[i], nil
		}
	}
	for i := range cats {
		if strings.EqualFold(cats[i].Title, title) {
			return &cats[i], nil
		}
	}
	return nil, digest.Errorf(digest.ENOTFOUND, "no label %q", clip(title, 80))
}

// subscriptionEdit: POST /reader/api/0/subscription/edit with ac=subscribe
// (s=feed/URL, optional a=label and t=title), ac=unsubscribe (one or more
// s=feed/ID or feed/URL) or ac=edit (s=feed/ID; t renames, a=label moves
// into a category, r=label alone takes the feed out of it) → "OK". Every
// stream is checked before anything changes.
func (h *Handler) subscriptionEdit(w http.ResponseWriter, r *request) {
	ac := r.form.Get("ac")
	ss := r.form["s"]
	if len(ss) == 0 || len(ss) > maxItemIDs {
		h.fail(w, r, digest.Errorf(digest.EINVALID, "subscription/edit needs 1 to %d s=", maxItemIDs))
		return
	}
	var add, remove string
	var err error
	if a := r.form.Get("a"); a != "" {
		if add, err = labelName(r, a); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if rm := r.form.Get("r"); rm != "" {
		if remove, err = labelName(r, rm); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	title := strings.TrimSpace(r.form.Get("t"))
	switch ac {
	case "subscribe":
		st, err := parseStream(ss[0])
		if err == nil && st.url == "" {
			err = digest.Errorf(digest.EINVALID, "subscribe takes s=feed/URL")
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		f, err := h.feeds.Subscribe(r.ctx(), r.user.ID, st.url, add)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if title != "" {
			f.Title = title
			if err := h.store.UpdateFeed(r.ctx(), r.user.ID, f); err != nil {
				h.fail(w, r, err)
				return
			}
		}
	case "unsubscribe":
		feeds, err := h.userFeeds(r, ss)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, f := range feeds {
			if err := h.store.DeleteFeed(r.ctx(), r.user.ID, f.ID); err != nil && !digest.IsNotFound(err) {
				h.fail(w, r, err)
				return
			}
		}
	case "edit":
		feeds, err := h.userFeeds(r, ss)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, f := range feeds {
			changed := false
			if title != "" && len(feeds) == 1 {
				f.Title, changed = title, true
			}
			switch {
			case add != "":
				f.Category, changed = add, true
			case remove != "" && strings.EqualFold(f.Category, remove):
				f.Category, changed = "", true
			}
			if !changed {
				continue
			}
			if err := h.store.UpdateFeed(r.ctx(), r.user.ID, f); err != nil {
				h.fail(w, r, err)
				return
			}
		}
	default:
		h.fail(w, r, digest.Errorf(digest.EINVALID, "unknown action ac=%q: want subscribe, unsubscribe or edit", clip(ac, 40)))
		return
	}
	writeText(w, http.StatusOK, "OK")
}

// quickAdd: POST /reader/api/0/subscription/quickadd with quickadd=URL (a
// feed or a site) → {"numResults":1,"query","streamId","streamName"}; when
// nothing can be subscribed, {"numResults":0,"error":...} with 200, as
// Google Reader answered (NetNewsWire reads the error). An existing
// subscription to that URL answers as a new one would.
func (h *Handler) quickAdd(w http.ResponseWriter, r *request) {
	raw := strings.TrimSpace(r.form.Get("quickadd"))
	raw = strings.TrimPrefix(raw, "feed/")
	if raw == "" || len(raw) > 2048 {
		h.fail(w, r, digest.Errorf(digest.EINVALID, "quickadd needs a URL"))
		return
	}
	f, err := h.feeds.Subscribe(r.ctx(), r.user.ID, raw, "")
	if digest.ErrorCode(err) == digest.ECONFLICT {
		if existing, ferr := h.userFeed(r, stream{kind: streamFeed, url: raw}); ferr == nil {
			f, err = existing, nil
		}
	}
	switch digest.ErrorCode(err) {
	case "":
		writeJSON(w, map[string]any{"numResults": 1, "query": raw, "streamId": feedStreamID(f.ID), "streamName": feedTitle(f)})
	case digest.EINTERNAL:
		h.fail(w, r, err)
	default:
		writeJSON(w, map[string]any{"numResults": 0, "query": raw, "error": digest.ErrorMessage(err)})
	}
}

// tagList: GET /reader/api/0/tag/list → the starred state and the user's
// categories as folders.
func (h *Handler) tagList(w http.ResponseWriter, r *request) {
	cats, err := h.store.Categories(r.ctx(), r.user.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type tag struct {
		ID     string `json:"id"`
		Label  string `json:"label,omitempty"`
		Type   string `json:"type,omitempty"`
		SortID string `json:"sortid,omitempty"`
		Unread *int   `json:"unread_count,omitempty"`
	}
	tags := []tag{{ID: stateStarred}}
	for _, c := range cats {
		unread := c.Unread
		tags = append(tags, tag{ID: labelStreamID(c.Title), Label: c.Title, Type: "folder",
			SortID: strconv.FormatInt(c.ID, 16), Unread: &unread})
	}
	writeJSON(w, map[string]any{"tags": tags})
}

// renameTag: POST /reader/api/0/rename-tag with s=user/-/label/OLD and
// dest=user/-/label/NEW (or NEW alone) → "OK"; 404 for an unknown label,
// 409 when NEW is taken.
func (h *Handler) renameTag(w http.ResponseWriter, r *request) {
	from, err := labelName(r, r.form.Get("s"))
	if err != nil {
		if r.form.Get("s") == "" && r.form.Get("t") != "" {
			from, err = labelName(r, r.form.Get("t"))
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	to, err := labelName(r, r.form.Get("dest"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.category(r, from)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if c.Title != to {
		if err := h.store.RenameCategory(r.ctx(), r.user.ID, c.ID, to); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	writeText(w, http.StatusOK, "OK")
}

// disableTag: POST /reader/api/0/disable-tag with s=user/-/label/NAME (or
// t=NAME), one or more → "OK": the categories go, their feeds stay in
// none. 404 when one is unknown, and then none goes.
func (h *Handler) disableTag(w http.ResponseWriter, r *request) {
	names := append(append([]string(nil), r.form["s"]...), r.form["t"]...)
	if len(names) == 0 || len(names) > maxItemIDs {
		h.fail(w, r, digest.Errorf(digest.EINVALID, "disable-tag needs s=user/-/label/NAME"))
		return
	}
	var ids []int64
	for _, s := range names {
		name, err := labelName(r, s)
		var c *digest.Category
		if err == nil {
			c, err = h.category(r, name)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		ids = append(ids, c.ID)
	}
	for _, id := range ids {
		if err := h.store.DeleteCategory(r.ctx(), r.user.ID, id); err != nil && !digest.IsNotFound(err) {
			h.fail(w, r, err)
			return
		}
	}
	writeText(w, http.StatusOK, "OK")
}

// unreadCount: GET /reader/api/0/unread-count → each feed's, each
// category's and the reading list's unread count. newestItemTimestampUsec
// is the feed's last check: it moves whenever there may be something new.
func (h *Handler) unreadCount(w http.ResponseWriter, r *request) {
	feeds, err := h.store.Feeds(r.ctx(), r.user.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type count struct {
		ID     string `json:"id"`
		Count  int    `json:"count"`
		Newest string `json:"newestItemTimestampUsec"`
	}
	counts := make([]count, 0, len(feeds)+8)
	total, newest := 0, int64(0)
	cats := map[string]*count{}
	var order []string
	for _, f := range feeds {
		usec := max(f.LastCheck.UnixMicro(), 0)
		counts = append(counts, count{ID: feedStreamID(f.ID), Count: f.Unread, Newest: strconv.FormatInt(usec, 10)})
		total += f.Unread
		newest = max(newest, usec)
		if f.Category == "" {
			continue
		}
		c := cats[f.Category]
		if c == nil {
			c = &count{ID: labelStreamID(f.Category), Newest: "0"}
			cats[f.Category] = c
			order = append(order, f.Category)
		}
		c.Count += f.Unread
		if n, _ := strconv.ParseInt(c.Newest, 10, 64); usec > n {
			c.Newest = strconv.FormatInt(usec, 10)
		}
	}
	for _, name := range order {
		counts = append(counts, *cats[name])
	}
	counts = append(counts, count{ID: stateReadingList, Count: total, Newest: strconv.FormatInt(newest, 10)})
	writeJSON(w, map[string]any{"max": total, "unreadcounts": counts})
}

// userFeeds resolves stream IDs (feed/…) to the user's feeds, all or an
// error: an edit changes nothing unless every stream names one.
func (h *Handler) userFeeds(r *request, ss []string) ([]*digest.Feed, error) {
	feeds := make([]*digest.Feed, 0, len(ss))
	for _, s := range ss {
		st, err := parseStream(s)
		if err != nil {
			return nil, err
		}
		f, err := h.userFeed(r, st)
		if err != nil {
			return nil, err
		}
		feeds = append(feeds, f)
	}
	return feeds, nil
}
