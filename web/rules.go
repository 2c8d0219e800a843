package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// The Rules page: a user's filter rules (block, keep, like, dislike,
// super-dislike), a preview of what a rule would catch before it is
// saved, and "re-apply" to stored articles. Every change is applied to
// the stored articles at once, so that the page never shows a rule that
// is not in force; new articles are judged as they arrive (the store).

// previewLimit is how many of a preview's matches are listed.
const previewLimit = 20

type rulesPage struct {
	layout
	Rules   []ruleRow
	Form    ruleForm
	Scopes  []scopeOption
	Actions []actionOption
	Preview *digest.RulePreview
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
	p.Actions = ruleActions
	p.layout = s.layout(r, "Rules", "settings")
	s.render(w, r, status, "rules", p)
}

// rulesList is GET /rules: the rules and an empty form.
func (s *Server) rulesList(w http.ResponseWriter, r *http.Request) {
	p := rulesPage{Form: ruleForm{Action: string(digest.RuleBlock), Enabled: true}}
	switch r.URL.Query().Get("done") {
	case "saved":
		p.Notice = "Rule saved and applied to your stored articles."
	case "deleted":
		p.Notice = "Rule deleted; what it hid is back."
	case "toggled":
		p.Notice = "Rule switched and applied to your stored articles."
	}
	if n := r.URL.Query().Get("applied"); n != "" {
		if _, err := strconv.Atoi(n); err == nil {
			p.Notice = "Rules re-applied to your stored articles: " + plural(mustAtoi(n), "verdict", "verdicts") + " changed."
		}
	}
	s.renderRules(w, r, http.StatusOK, p)
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
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
		_, err = s.store.ApplyRules(ctx, user)
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
	if _, err := s.store.ApplyRules(r.Context(), uid(r)); err != nil {
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
	if _, err := s.store.ApplyRules(ctx, user); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/rules?done=toggled", http.StatusSeeOther)
}

// rulesApply is POST /rules/apply: re-apply every rule to the stored
// articles (after feeds changed category, say).
func (s *Server) rulesApply(w http.ResponseWriter, r *http.Request) {
	n, err := s.store.ApplyRules(r.Context(), uid(r))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/rules?applied="+strconv.Itoa(n), http.StatusSeeOther)
}
