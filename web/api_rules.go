package web

import (
	"net/http"
	"strconv"

	digest "github.com/occasional-digest/digest"
)

// The rules API: a user's filter rules with the validation and bounds of
// the Rules page (the store's: 4,096 bytes of match, 200 of name, 1,000
// rules, RE2 errors with their column), a preview, and the job that
// re-applies the rules to stored articles after each change.

// ruleBody is the body of POST /api/v1/rules, PATCH /api/v1/rules/{id}
// and POST /api/v1/rules/preview: the fields to set (all optional on
// PATCH; on POST, enabled defaults to true).
type ruleBody struct {
	Name       *string  `json:"name"`
	Match      *string  `json:"match"`
	Action     *string  `json:"action"`
	Weight     *float64 `json:"weight"`
	FeedID     *int64   `json:"feed_id"`
	CategoryID *int64   `json:"category_id"`
	Enabled    *bool    `json:"enabled"`
	// Limit is how many matches a preview lists (1 to 100; 20).
	Limit *int `json:"limit"`
}

// apply sets the fields the body has on r; EINVALID for a negative ID or
// a limit where none belongs (the store checks the rest).
func (b ruleBody) apply(r *digest.Rule, preview bool) error {
	if b.Limit != nil && !preview {
		return digest.Errorf(digest.EINVALID, "limit: only a preview takes one")
	}
	if b.Name != nil {
		r.Name = *b.Name
	}
	if b.Match != nil {
		r.Match = *b.Match
	}
	if b.Action != nil {
		r.Action = digest.RuleAction(*b.Action)
	}
	if b.Weight != nil {
		r.Weight = *b.Weight
	}
	if b.FeedID != nil {
		if *b.FeedID < 0 {
			return digest.Errorf(digest.EINVALID, "feed_id: want a feed's ID, or 0 for none")
		}
		r.FeedID = *b.FeedID
	}
	if b.CategoryID != nil {
		if *b.CategoryID < 0 {
			return digest.Errorf(digest.EINVALID, "category_id: want a category's ID, or 0 for none")
		}
		r.CategoryID = *b.CategoryID
	}
	if b.Enabled != nil {
		r.Enabled = *b.Enabled
	}
	return nil
}

// rulesJSON is the answer of GET /api/v1/rules.
type rulesJSON struct {
	Rules []digest.Rule   `json:"rules"`
	Job   *digest.RuleJob `json:"job"`
}

// apiRules: GET /api/v1/rules → {"rules": [...], "job": {...}}, the
// rules by name, and the re-application job.
func (s *Server) apiRules(w http.ResponseWriter, r *http.Request) {
	ctx, user := r.Context(), uid(r)
	rs, err := s.store.Rules(ctx, user)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	j, err := s.store.RuleJob(ctx, user)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if rs == nil {
		rs = []digest.Rule{}
	}
	s.writeJSON(w, http.StatusOK, rulesJSON{Rules: rs, Job: j})
}

// apiRuleCreate: POST /api/v1/rules → 201 and the rule, its URL in
// Location; the re-application job is queued (GET /api/v1/rules/job).
func (s *Server) apiRuleCreate(w http.ResponseWriter, r *http.Request) {
	var b ruleBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	x := digest.Rule{Enabled: true}
	if err := b.apply(&x, false); err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx, user := r.Context(), uid(r)
	if err := s.store.CreateRule(ctx, user, &x); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.rulesChanged(ctx, user); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rules/"+strconv.FormatInt(x.ID, 10))
	s.writeJSON(w, http.StatusCreated, x)
}

// apiRule: GET /api/v1/rules/{id} → the rule.
func (s *Server) apiRule(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	x, err := s.store.Rule(r.Context(), uid(r), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, x)
}

// apiRuleUpdate: PATCH /api/v1/rules/{id} with the fields to change → the
// rule; the re-application job is queued.
func (s *Server) apiRuleUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b ruleBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx, user := r.Context(), uid(r)
	x, err := s.store.Rule(ctx, user, id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := b.apply(x, false); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.store.UpdateRule(ctx, user, x); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.rulesChanged(ctx, user); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, x)
}

// apiRuleDelete: DELETE /api/v1/rules/{id} → 204; the re-application job
// is queued.
func (s *Server) apiRuleDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ctx, user := r.Context(), uid(r)
	if err := s.store.DeleteRule(ctx, user, id); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.rulesChanged(ctx, user); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// previewJSON is the answer of POST /api/v1/rules/preview.
type previewJSON struct {
	Scoped   int              `json:"scoped"`
	Matched  int              `json:"matched"`
	Articles []digest.Article `json:"articles"`
}

// apiRulePreview: POST /api/v1/rules/preview with a rule (and "limit") →
// {"scoped", "matched", "articles"}: what the rule would catch among the
// stored articles, the newest matches first, without content. Nothing is
// stored.
func (s *Server) apiRulePreview(w http.ResponseWriter, r *http.Request) {
	var b ruleBody
	if err := s.decodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	x := digest.Rule{Enabled: true}
	if err := b.apply(&x, true); err != nil {
		s.apiError(w, r, err)
		return
	}
	limit := previewLimit
	if b.Limit != nil {
		if *b.Limit < 1 || *b.Limit > 100 {
			s.apiError(w, r, digest.Errorf(digest.EINVALID, "limit: want 1 to 100"))
			return
		}
		limit = *b.Limit
	}
	p, err := s.store.PreviewRule(r.Context(), uid(r), &x, limit)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := previewJSON{Scoped: p.Scoped, Matched: p.Matched, Articles: p.Articles}
	if out.Articles == nil {
		out.Articles = []digest.Article{}
	}
	s.writeJSON(w, http.StatusOK, out)
}

// apiRuleJob: GET /api/v1/rules/job → the re-application job: its state
// (queued, running, done), total, done and changed.
func (s *Server) apiRuleJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.store.RuleJob(r.Context(), uid(r))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, j)
}

// apiRuleJobStart: POST /api/v1/rules/job → 202 and the job, queued
// afresh (re-apply the rules to every stored article: after feeds moved
// between categories, say). Without a background runner the job is done
// before the answer, which then says so.
func (s *Server) apiRuleJobStart(w http.ResponseWriter, r *http.Request) {
	ctx, user := r.Context(), uid(r)
	err := s.store.QueueRuleJob(ctx, user)
	if err == nil {
		err = s.rulesChanged(ctx, user)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	j, err := s.store.RuleJob(ctx, user)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rules/job")
	s.writeJSON(w, http.StatusAccepted, j)
}
