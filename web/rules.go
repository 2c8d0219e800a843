package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// The Rules page: a user's filter rules (block, keep, like, dislike,
// super-dislike), a preview of what a rule would catch before it is
// saved, and "re-apply" to stored articles. Every change queues the
// re-application of the user's rules to their stored articles (a job the
// store keeps): with a RuleJobs runner the request answers at once and
// the page shows the job's progress; without one the job is run within
// the request. New articles are judged as they arrive (the store).

// RuleJobs runs the re-application of rules in the background
// (ingest.RuleJobs).
type RuleJobs interface {
	// Wake tells the runner that a job was queued.
	Wake()
	// OnFinish has f called each time a user's job ends: New drops the
	// feed cache (its unread counts) then.
	OnFinish(f func(userID int64))
}

// rulesChanged has the user's queued job carried out: by the runner, or
// here when there is none.
func (s *Server) rulesChanged(ctx context.Context, userID int64) error {
	if s.cfg.RuleJobs != nil {
		s.cfg.RuleJobs.Wake()
		return nil
	}
	_, err := s.store.ApplyRules(ctx, userID)
	s.cache.invalidate() // unread counts
	return err
}

// previewLimit is how many of a preview's matches are listed.
const previewLimit = 20

type rulesPage struct {
	layout
	Rules   []ruleRow
	Form    ruleForm
	Scopes  []scopeOption
	Actions []actionOption
	Preview *digest.RulePreview
	Job     *digest.RuleJob // the re-application of the rules
	Running bool            // Job is queued or running
	Notice  string
	Problem string
}

type ruleRow struct {
	digest.Rule
	Scope  string // in words
	Effect string // the action in words
}

// ruleForm is the add or edit form, as posted.
type ruleForm struct {
	ID      int64
	Name    string
	Match   string
	Action  string
	Weight  string
	Scope   string // "", "feed:ID" or "category:ID"
	Enabled bool
}

type scopeOption struct{ Value, Label string }

type actionOption struct{ Value, Label string }

var ruleActions = []actionOption{
	{string(digest.RuleBlock), "Block: hide what matches"},
	{string(digest.RuleKeep), "Keep only: within the scope, hide what does not match"},
	{string(digest.RuleLike), "Like: rank what matches higher"},
	{string(digest.RuleDislike), "Dislike: rank what matches lower"},
	{string(digest.RuleSuperDislike), "Super-dislike: hide what matches"},
}

func effect(r digest.Rule) string {
	switch r.Action {
	case digest.RuleBlock:
		return "blocks"
	case digest.RuleKeep:
		return "keeps only"
	case digest.RuleLike:
		return fmt.Sprintf("likes (+%g)", r.Weight)
	case digest.RuleDislike:
		return fmt.Sprintf("dislikes (−%g)", r.Weight)
	case digest.RuleSuperDislike:
		return "super-dislikes"
	}
	return string(r.Action)
}

func formOf(r digest.Rule) ruleForm {
	f := ruleForm{ID: r.ID, Name: r.Name, Match: r.Match, Action: string(r.Action), Enabled: r.Enabled}
	if r.Weight != 0 {
		f.Weight = strconv.FormatFloat(r.Weight, 'g', -1, 64)
	}
	switch {
	case r.FeedID != 0:
		f.Scope = "feed:" + strconv.FormatInt(r.FeedID, 10)
	case r.CategoryID != 0:
		f.Scope = "category:" + strconv.FormatInt(r.CategoryID, 10)
	}
	return f
}

// rule turns the posted form into a rule; EINVALID for a malformed
// weight or scope (the store checks the rest).
func (f ruleForm) rule() (digest.Rule, error) {
	r := digest.Rule{ID: f.ID, Name: f.Name, Match: f.Match, Action: digest.RuleAction(f.Action), Enabled: f.Enabled}
	if w := strings.TrimSpace(f.Weight); w != "" {
		v, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return r, digest.Errorf(digest.EINVALID, "the weight %q is not a number", clipText(w, 20))
		}
		r.Weight = v
	}
	if f.Scope != "" {
		kind, id, _ := strings.Cut(f.Scope, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 || (kind != "feed" && kind != "category") {
			return r, digest.Errorf(digest.EINVALID, "unknown scope")
		}
		if kind == "feed" {
			r.FeedID = n
		} else {
			r.CategoryID = n
		}
	}
	return r, nil
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func postedRule(r *http.Request, id int64) ruleForm {
	return ruleForm{
		ID:      id,
		Name:    r.PostForm.Get("name"),
		Match:   r.PostForm.Get("match"),
		Action:  r.PostForm.Get("action"),
		Weight:  r.PostForm.Get("weight"),
		Scope:   r.PostForm.Get("scope"),
		Enabled: r.PostForm.Get("enabled") != "",
	}
}

// renderRules shows the page with the user's rules and the form f.
func (s *Server) renderRules(w http.ResponseWriter, r *http.Request, status int, p rulesPage) {
	ctx := r.Context()
	user := uid(r)
	rules, err := s.store.Rules(ctx, user)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	feeds, err := s.store.Feeds(ctx, user)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	cats, err := s.store.Categories(ctx, user)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	names := map[string]string{}
	p.Scopes = []scopeOption{{"", "Everything"}}
	for _, c := range cats {
		v := "category:" + strconv.FormatInt(c.ID, 10)
		names[v] = "category " + c.Title
		p.Scopes = append(p.Scopes, scopeOption{v, "Category: " + c.Title})
	}
	for _, f := range feeds {
		v := "feed:" + strconv.FormatInt(f.ID, 10)
		names[v] = f.Title
		p.Scopes = append(p.Scopes, scopeOption{v, "Feed: " + clipText(f.Title, 60)})
	}
	for _, x := range rules {
		row := ruleRow{Rule: x, Effect: effect(x), Scope: "everything"}
		if v := formOf(x).Scope; v != "" {
			row.Scope = names[v]
			if row.Scope == "" {
				row.Scope = "a feed you left"
			}
		}
		p.Rules = append(p.Rules, row)
	}
	job, err := s.store.RuleJob(ctx, user)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Job, p.Running = job, job.State != digest.RuleJobDone
	p.Actions = ruleActions
	p.layout = s.layout(r, "Rules", "settings")
	s.render(w, r, status, "rules", p)
}

// rulesList is GET /rules: the rules and an empty form.
func (s *Server) rulesList(w http.ResponseWriter, r *http.Request) {
	p := rulesPage{Form: ruleForm{Action: string(digest.RuleBlock), Enabled: true}}
	switch r.URL.Query().Get("done") {
	case "saved":
		p.Notice = "Rule saved."
	case "deleted":
		p.Notice = "Rule deleted."
	case "toggled":
		p.Notice = "Rule switched."
	case "applied":
		p.Notice = "Re-applying your rules."
	}
	s.renderRules(w, r, http.StatusOK, p)
}

// ruleEdit is GET /rules/{id}: the rules with the form filled with one.
func (s *Server) ruleEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	x, err := s.store.Rule(r.Context(), uid(r), id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderRules(w, r, http.StatusOK, rulesPage{Form: formOf(*x)})
}

// ruleSave is POST /rules (a new rule) and POST /rules/{id}: with
// op=preview, it shows what the rule would catch and saves nothing.
func (s *Server) ruleSave(w http.ResponseWriter, r *http.Request) {
	var id int64
	if r.PathValue("id") != "" {
		var err error
		if id, err = pathID(r); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	f := postedRule(r, id)
	x, err := f.rule()
	ctx, user := r.Context(), uid(r)
	if err == nil {
		switch {
		case r.PostForm.Get("op") == "preview":
			var p *digest.RulePreview
			if p, err = s.store.PreviewRule(ctx, user, &x, previewLimit); err == nil {
				s.renderRules(w, r, http.StatusOK, rulesPage{Form: f, Preview: p})
				return
			}
		case id == 0:
			err = s.store.CreateRule(ctx, user, &x)
		default:
			err = s.store.UpdateRule(ctx, user, &x)
		}
	}
	if err == nil {
		err = s.rulesChanged(ctx, user)
		if err == nil {
			http.Redirect(w, r, "/rules?done=saved", http.StatusSeeOther)
			return
		}
	}
	if digest.ErrorCode(err) != digest.EINVALID {
		s.pageError(w, r, err)
		return
	}
	s.renderRules(w, r, http.StatusBadRequest, rulesPage{Form: f, Problem: errorMessage(err)})
}

// ruleDelete is POST /rules/{id}/delete.
func (s *Server) ruleDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.formFor(w, r)
	if !ok {
		return
	}
	if err := s.store.DeleteRule(r.Context(), uid(r), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.rulesChanged(r.Context(), uid(r)); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/rules?done=deleted", http.StatusSeeOther)
}

// ruleToggle is POST /rules/{id}/enabled with enabled=true or false.
func (s *Server) ruleToggle(w http.ResponseWriter, r *http.Request) {
	id, ok := s.formFor(w, r)
	if !ok {
		return
	}
	ctx, user := r.Context(), uid(r)
	x, err := s.store.Rule(ctx, user, id)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	x.Enabled = r.PostForm.Get("enabled") == "true"
	if err := s.store.UpdateRule(ctx, user, x); err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.rulesChanged(ctx, user); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/rules?done=toggled", http.StatusSeeOther)
}

// rulesApply is POST /rules/apply: re-apply every rule to the stored
// articles (after feeds changed category, say).
func (s *Server) rulesApply(w http.ResponseWriter, r *http.Request) {
	ctx, user := r.Context(), uid(r)
	err := s.store.QueueRuleJob(ctx, user)
	if err == nil {
		err = s.rulesChanged(ctx, user)
	}
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/rules?done=applied", http.StatusSeeOther)
}
