package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rules"
)

func (fx *fixture) apiJSON(t *testing.T, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	return fx.do(t, method, target, body, "Content-Type", "application/json")
}

// TestAPIRules: create, list, get, update, preview, delete through the
// API, with the re-application job queued by each change (run within the
// request here: no runner) and the river following.
func TestAPIRules(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	wire := fx.feedIDs["wire"]
	storm := fx.articleIDs["storm"]
	visible := func() bool {
		_, err := fx.store.Article(ctx, fx.uid, storm)
		return err == nil
	}

	w := fx.apiJSON(t, "GET", "/api/v1/rules", "")
	if w.Code != 200 || !strings.HasPrefix(w.Body.String(), `{"rules":[],"job":{"state":"done"`) {
		t.Fatalf("no rules = %d %s", w.Code, w.Body)
	}

	// Preview first: nothing stored.
	w = fx.apiJSON(t, "POST", "/api/v1/rules/preview", `{"name":"p","match":"title:storm","action":"block","limit":5}`)
	var p previewJSON
	decodeStrict(t, w.Body.Bytes(), &p)
	if w.Code != 200 || p.Matched != 1 || len(p.Articles) != 1 || p.Articles[0].ID != storm || p.Scoped < 3 {
		t.Fatalf("preview = %d %s", w.Code, w.Body)
	}
	if rs, _ := fx.store.Rules(ctx, fx.uid); len(rs) != 0 {
		t.Fatalf("the preview stored a rule: %+v", rs)
	}

	w = fx.apiJSON(t, "POST", "/api/v1/rules", fmt.Sprintf(`{"name":"No storms","match":"title:storm","action":"block","feed_id":%d}`, wire))
	var r digest.Rule
	decodeStrict(t, w.Body.Bytes(), &r)
	if w.Code != http.StatusCreated || r.ID == 0 || !r.Enabled || r.FeedID != wire || w.Header().Get("Location") != "/api/v1/rules/"+strconv.FormatInt(r.ID, 10) {
		t.Fatalf("create = %d %s (Location %q)", w.Code, w.Body, w.Header().Get("Location"))
	}
	if visible() {
		t.Error("the blocked article is still visible")
	}
	w = fx.apiJSON(t, "GET", "/api/v1/rules/job", "")
	var j digest.RuleJob
	decodeStrict(t, w.Body.Bytes(), &j)
	if j.State != digest.RuleJobDone || j.Changed != 1 || j.Total == 0 || j.Done != j.Total {
		t.Errorf("job = %s", w.Body)
	}

	w = fx.apiJSON(t, "GET", "/api/v1/rules/"+strconv.FormatInt(r.ID, 10), "")
	var got digest.Rule
	decodeStrict(t, w.Body.Bytes(), &got)
	if w.Code != 200 || got.Name != "No storms" || got.Match != "title:storm" {
		t.Fatalf("get = %d %s", w.Code, w.Body)
	}

	// PATCH changes only what it names.
	w = fx.apiJSON(t, "PATCH", "/api/v1/rules/"+strconv.FormatInt(r.ID, 10), `{"action":"like","weight":2.5}`)
	decodeStrict(t, w.Body.Bytes(), &got)
	if w.Code != 200 || got.Action != digest.RuleLike || got.Weight != 2.5 || got.Name != "No storms" || got.FeedID != wire {
		t.Fatalf("patch = %d %s", w.Code, w.Body)
	}
	if !visible() {
		t.Error("a like rule still hides the article")
	}
	w = fx.apiJSON(t, "PATCH", "/api/v1/rules/"+strconv.FormatInt(r.ID, 10), `{"action":"block","enabled":false}`)
	if w.Code != 200 || !visible() {
		t.Errorf("a rule switched off = %d %s, visible %v", w.Code, w.Body, visible())
	}

	w = fx.apiJSON(t, "POST", "/api/v1/rules/job", "")
	decodeStrict(t, w.Body.Bytes(), &j)
	if w.Code != http.StatusAccepted || w.Header().Get("Location") != "/api/v1/rules/job" || j.State != digest.RuleJobDone {
		t.Errorf("re-apply = %d %s", w.Code, w.Body)
	}

	var list rulesJSON
	decodeStrict(t, fx.apiJSON(t, "GET", "/api/v1/rules", "").Body.Bytes(), &list)
	if len(list.Rules) != 1 || list.Rules[0].ID != r.ID || list.Job == nil {
		t.Errorf("list = %+v", list)
	}

	if w := fx.apiJSON(t, "DELETE", "/api/v1/rules/"+strconv.FormatInt(r.ID, 10), ""); w.Code != http.StatusNoContent {
		t.Fatalf("delete = %d %s", w.Code, w.Body)
	}
	assertAPIError(t, fx.apiJSON(t, "DELETE", "/api/v1/rules/"+strconv.FormatInt(r.ID, 10), ""), 404, digest.ENOTFOUND)
	assertAPIError(t, fx.apiJSON(t, "GET", "/api/v1/rules/"+strconv.FormatInt(r.ID, 10), ""), 404, digest.ENOTFOUND)
}

// TestAPIRulesHostileBodies: every malformed, oversized or out-of-bounds
// body is a 4xx with a message that says what is wrong, stores nothing,
// and never takes long.
func TestAPIRulesHostileBodies(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	other := &digest.User{Name: "other"}
	if err := fx.store.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	theirFeed := &digest.Feed{URL: "https://theirs.example/feed", Title: "Theirs", Category: "their-category"}
	if err := fx.store.CreateFeed(ctx, other.ID, theirFeed); err != nil {
		t.Fatal(err)
	}
	theirCats, _ := fx.store.Categories(ctx, other.ID)
	valid := func(extra string) string {
		return `{"name":"x","match":"title:x","action":"block"` + extra + `}`
	}
	cases := []struct {
		name, method, target, body string
		status                     int
		code, message              string
	}{
		{"empty body", "POST", "/api/v1/rules", "", 400, digest.EINVALID, "empty"},
		{"not JSON", "POST", "/api/v1/rules", "name=x", 400, digest.EINVALID, "invalid JSON"},
		{"truncated", "POST", "/api/v1/rules", `{"name":"x"`, 400, digest.EINVALID, "truncated"},
		{"two values", "POST", "/api/v1/rules", valid("") + valid(""), 400, digest.EINVALID, "more than one value"},
		{"an array", "POST", "/api/v1/rules", `[` + valid("") + `]`, 400, digest.EINVALID, "must be"},
		{"null", "POST", "/api/v1/rules", `null`, 400, digest.EINVALID, "unknown action"},
		{"unknown field", "POST", "/api/v1/rules", valid(`,"user_id":1`), 400, digest.EINVALID, "unknown field"},
		{"id in the body", "POST", "/api/v1/rules", valid(`,"id":5`), 400, digest.EINVALID, "unknown field"},
		{"weight as text", "POST", "/api/v1/rules", valid(`,"weight":"heavy"`), 400, digest.EINVALID, "weight"},
		{"weight out of range", "POST", "/api/v1/rules", valid(`,"weight":1e300`), 400, digest.EINVALID, "between 0 and 100"},
		{"weight beyond float64", "POST", "/api/v1/rules", valid(`,"weight":1e400`), 400, digest.EINVALID, "weight"},
		{"negative weight", "POST", "/api/v1/rules", valid(`,"weight":-1`), 400, digest.EINVALID, "between 0 and 100"},
		{"feed ID beyond int64", "POST", "/api/v1/rules", valid(`,"feed_id":99999999999999999999`), 400, digest.EINVALID, "feed_id"},
		{"negative feed ID", "POST", "/api/v1/rules", valid(`,"feed_id":-3`), 400, digest.EINVALID, "feed_id"},
		{"another's feed", "POST", "/api/v1/rules", valid(fmt.Sprintf(`,"feed_id":%d`, theirFeed.ID)), 400, digest.EINVALID, "not one of your feeds"},
		{"another's category", "POST", "/api/v1/rules", valid(fmt.Sprintf(`,"category_id":%d`, theirCats[0].ID)), 400, digest.EINVALID, "not one of your feeds or categories"},
		{"two scopes", "POST", "/api/v1/rules", valid(fmt.Sprintf(`,"feed_id":%d,"category_id":1`, fx.feedIDs["wire"])), 400, digest.EINVALID, "not both"},
		{"unknown action", "POST", "/api/v1/rules", `{"name":"x","match":"title:x","action":"explode"}`, 400, digest.EINVALID, "unknown action"},
		{"no name", "POST", "/api/v1/rules", `{"match":"title:x","action":"block"}`, 400, digest.EINVALID, "needs a name"},
		{"long name", "POST", "/api/v1/rules", `{"name":"` + strings.Repeat("n", rules.MaxName+1) + `","match":"title:x","action":"block"}`, 400, digest.EINVALID, "at most 200"},
		{"bad RE2 with its column", "POST", "/api/v1/rules", `{"name":"x","match":"author:x title:/a[/","action":"block"}`, 400, digest.EINVALID, "column 16"},
		{"Perl-only syntax", "POST", "/api/v1/rules", `{"name":"x","match":"title:/(?<=a)b/","action":"block"}`, 400, digest.EINVALID, "column"},
		{"match over 4 KB", "POST", "/api/v1/rules", `{"name":"x","match":"title:/` + strings.Repeat("a", rules.MaxExpr) + `/","action":"block"}`, 400, digest.EINVALID, "at most 4096"},
		{"body over 1 MiB", "POST", "/api/v1/rules", `{"name":"x","match":"title:/` + strings.Repeat("a", 1<<20) + `/","action":"block"}`, 413, ETOOLARGE, ""},
		{"deep nesting", "POST", "/api/v1/rules", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), 400, digest.EINVALID, "invalid JSON"},
		{"NUL alone in the match", "POST", "/api/v1/rules", `{"name":"x","match":"title:\u0000","action":"block"}`, 400, digest.EINVALID, "match"},
		{"text/plain", "POST", "/api/v1/rules", valid(""), 400, digest.EINVALID, "Content-Type"},
		{"preview with a bad regexp", "POST", "/api/v1/rules/preview", `{"name":"x","match":"title:/(/","action":"block"}`, 400, digest.EINVALID, "column"},
		{"preview limit 0", "POST", "/api/v1/rules/preview", valid(`,"limit":0`), 400, digest.EINVALID, "limit"},
		{"preview limit 1000", "POST", "/api/v1/rules/preview", valid(`,"limit":1000`), 400, digest.EINVALID, "limit"},
		{"limit on a rule", "POST", "/api/v1/rules", valid(`,"limit":5`), 400, digest.EINVALID, "only a preview"},
		{"a path ID that is not one", "GET", "/api/v1/rules/x", "", 400, digest.EINVALID, ""},
		{"PATCH of the preview path", "PATCH", "/api/v1/rules/preview", `{}`, 400, digest.EINVALID, ""},
		{"PUT", "PUT", "/api/v1/rules", valid(""), 405, EMETHOD, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ct := "application/json"
			if c.name == "text/plain" {
				ct = "text/plain"
			}
			start := time.Now()
			w := fx.do(t, c.method, c.target, c.body, "Content-Type", ct)
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("took %v", d) // a hang, not a measure
			}
			body := assertAPIError(t, w, c.status, c.code)
			if !strings.Contains(body.Error.Message, c.message) {
				t.Errorf("message %q, want it to say %q", body.Error.Message, c.message)
			}
		})
	}
	if rs, _ := fx.store.Rules(ctx, fx.uid); len(rs) != 0 {
		t.Errorf("hostile bodies stored rules: %+v", rs)
	}

	// A catastrophic pattern in a backtracking engine is linear in RE2:
	// stored, and its preview over every article is quick.
	w := fx.apiJSON(t, "POST", "/api/v1/rules/preview", `{"name":"x","match":"text:/(a+)+$/ title:/(x|x|x)*y/","action":"block"}`)
	if w.Code != 200 {
		t.Errorf("preview of a backtracking-hostile pattern = %d %s", w.Code, w.Body)
	}

	// At most rules.MaxRules rules a reader.
	for i := range rules.MaxRules {
		if err := fx.store.CreateRule(ctx, fx.uid, &digest.Rule{Name: fmt.Sprint("r", i), Match: "title:x" + strconv.Itoa(i), Action: digest.RuleBlock}); err != nil {
			t.Fatal(err)
		}
	}
	body := assertAPIError(t, fx.apiJSON(t, "POST", "/api/v1/rules", valid("")), 400, digest.EINVALID)
	if !strings.Contains(body.Error.Message, "the most there may be") {
		t.Errorf("the 1,001st rule: %q", body.Error.Message)
	}
}

// TestAPIRulesIsolated: another reader's rule is not found by any route,
// and their list and job are their own.
func TestAPIRulesIsolated(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	other, err := fx.auth.CreateUser(ctx, "other", digest.RoleUser, "other password")
	if err != nil {
		t.Fatal(err)
	}
	theirs := &digest.Rule{Name: "Their secret rule", Match: "title:secretword", Action: digest.RuleBlock, Enabled: true}
	if err := fx.store.CreateRule(ctx, other.ID, theirs); err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(theirs.ID, 10)
	for _, c := range []struct{ method, body string }{{"GET", ""}, {"PATCH", `{"enabled":false}`}, {"DELETE", ""}} {
		w := fx.apiJSON(t, c.method, "/api/v1/rules/"+id, c.body)
		assertAPIError(t, w, 404, digest.ENOTFOUND)
	}
	w := fx.apiJSON(t, "GET", "/api/v1/rules", "")
	if strings.Contains(w.Body.String(), "secret") {
		t.Errorf("the list shows another's rule: %s", w.Body)
	}
	var j digest.RuleJob
	if err := json.Unmarshal(fx.apiJSON(t, "GET", "/api/v1/rules/job", "").Body.Bytes(), &j); err != nil || j.State != digest.RuleJobDone {
		t.Errorf("my job shows another's queued one: %+v, %v", j, err)
	}
	if got, err := fx.store.Rule(ctx, other.ID, theirs.ID); err != nil || !got.Enabled || got.Name != theirs.Name {
		t.Errorf("their rule changed: %+v, %v", got, err)
	}
}
