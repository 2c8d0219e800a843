package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	digest "github.com/occasional-digest/digest"
)

// Dismissing a story takes it off the reader's For you page, digest and
// story list (see digest.ForYouStore.DismissStory); its page, search and
// its articles' read state are left as they were. For you learns it as
// the story passed over once more (learnDismiss showings of each of its
// features, a third of "less of this"), in the "What you open and pass
// over" part of "why this"; an undo takes the story back but not that
// showing, which decays like any other.

// dismissParam names, in the page a dismiss form comes back to, the story
// just dismissed: the page offers to undo it.
const dismissParam = "dismissed"

// dismissStory dismisses a story for the signed-in user and learns it.
func (s *Server) dismissStory(ctx context.Context, r *http.Request, id int64) error {
	if err := s.store.DismissStory(ctx, uid(r), id, s.now()); err != nil {
		return err
	}
	s.learnLater(r, "story dismissed", id, 0, learnDismiss)
	return nil
}

// storyDismiss is POST /stories/{id}/dismiss: dismiss the story, then
// back to the form's return path (the front page by default), which
// then offers to undo it.
func (s *Server) storyDismiss(w http.ResponseWriter, r *http.Request) {
	id, ok := s.formFor(w, r)
	if !ok {
		return
	}
	if err := s.dismissStory(r.Context(), r, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	back, page := localPath(r.PostFormValue("return"), "/"), "/stories/"+strconv.FormatInt(id, 10)
	if back != page { // the story's page says so itself
		back = withParam(back, dismissParam, strconv.FormatInt(id, 10))
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// storyUndismiss is POST /stories/{id}/undismiss: bring the story back,
// then back to the form's return path (the story's page by default).
// Undoing what is not dismissed is no error: a second tap, or another
// tab's, finds it done.
func (s *Server) storyUndismiss(w http.ResponseWriter, r *http.Request) {
	id, ok := s.formFor(w, r)
	if !ok {
		return
	}
	if _, err := s.store.Story(r.Context(), uid(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.store.UndismissStory(r.Context(), uid(r), id); err != nil && !digest.IsNotFound(err) {
		s.pageError(w, r, err)
		return
	}
	back := localPath(r.PostFormValue("return"), "/stories/"+strconv.FormatInt(id, 10))
	http.Redirect(w, r, withoutParam(back, dismissParam), http.StatusSeeOther)
}

// dismissedJSON is the answer of the dismiss API.
type dismissedJSON struct {
	ID        int64     `json:"id"`
	Dismissed bool      `json:"dismissed"`
	At        time.Time `json:"dismissed_at,omitzero"`
}

// apiStoryDismiss: POST /api/v1/stories/{id}/dismiss → {"id",
// "dismissed": true, "dismissed_at"}; dismissing again keeps the first
// time. 404 for a story the reader does not see.
func (s *Server) apiStoryDismiss(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.dismissStory(ctx, r, id); err != nil {
		s.apiError(w, r, err)
		return
	}
	at, err := s.store.Dismissed(ctx, uid(r), []int64{id})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, dismissedJSON{ID: id, Dismissed: true, At: at[id]})
}

// apiStoryUndismiss: DELETE /api/v1/stories/{id}/dismiss → 204, the story
// back in the reader's lists. 404 when it is not dismissed.
func (s *Server) apiStoryUndismiss(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.store.UndismissStory(r.Context(), uid(r), id); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// undoDismiss is the notice a page shows right after a dismissal made
// without script: the story and a form to bring it back.
type undoDismiss struct {
	Story  digest.Story
	Return string // the page without the dismissed parameter
}

// undoOf reads the dismissed parameter of the request: the story it
// names when the user sees it and it is still dismissed, else nil.
func (s *Server) undoOf(ctx context.Context, r *http.Request) (*undoDismiss, error) {
	v := r.URL.Query().Get(dismissParam)
	if v == "" {
		return nil, nil
	}
	id, err := parseID(v)
	if err != nil {
		return nil, nil // a hand-made parameter: no notice, no error
	}
	at, err := s.store.Dismissed(ctx, uid(r), []int64{id})
	if err != nil || at[id].IsZero() {
		return nil, err
	}
	st, err := s.store.Story(ctx, uid(r), id)
	if digest.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &undoDismiss{Story: *st, Return: withoutParam(r.URL.RequestURI(), dismissParam)}, nil
}

// withParam sets a query parameter of a local path.
func withParam(p, name, value string) string {
	u, err := url.Parse(p)
	if err != nil {
		return p
	}
	q := u.Query()
	q.Set(name, value)
	u.RawQuery = q.Encode()
	return u.RequestURI()
}

// withoutParam removes a query parameter from a local path.
func withoutParam(p, name string) string {
	u, err := url.Parse(p)
	if err != nil || !u.Query().Has(name) {
		return p
	}
	q := u.Query()
	q.Del(name)
	u.RawQuery = q.Encode()
	return u.RequestURI()
}
