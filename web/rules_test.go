package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/ingest"
)

func postRule(name, match, action, scope string) url.Values {
	return url.Values{"name": {name}, "match": {match}, "action": {action}, "scope": {scope}, "enabled": {"1"}, "op": {"save"}}
}

func TestRulesPage(t *testing.T) {
	fx := newFixture(t)
	fx.seed(t)
	ctx := context.Background()
	river := func() string { return fx.do(t, "GET", "/", "").Body.String() }
	if !strings.Contains(river(), "Storm closes the coast road") {
		t.Fatal("the seeded storm article is not on the river")
	}
	if w := fx.do(t, "GET", "/rules", ""); w.Code != 200 || !strings.Contains(w.Body.String(), "No rules yet") {
		t.Fatalf("GET /rules = %d", w.Code)
	}

	t.Run("preview counts and lists and saves nothing", func(t *testing.T) {
		v := postRule("No storms", "title:storm", "block", "")
		v.Set("op", "preview")
		w := fx.form(t, "/rules", v)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, "Would catch 1 article of") || !strings.Contains(body, "Storm closes the coast road") {
			t.Fatalf("preview = %d\n%s", w.Code, body)
		}
		if !strings.Contains(body, `value="title:storm"`) {
			t.Error("the form lost what was typed")
		}
		if rs, _ := fx.store.Rules(ctx, fx.uid); len(rs) != 0 {
			t.Errorf("preview saved a rule: %+v", rs)
		}
	})

	t.Run("a bad regexp is refused with where it is", func(t *testing.T) {
		w := fx.form(t, "/rules", postRule("Bad", "title:/(unclosed/", "block", ""))
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "column 7") || !strings.Contains(w.Body.String(), "missing closing )") {
			t.Fatalf("bad regexp = %d\n%s", w.Code, w.Body.String())
		}
		v := postRule("Huge", "title:/"+strings.Repeat("a", 1<<19)+"/", "block", "")
		if w := fx.form(t, "/rules", v); w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "at most 4096") {
			t.Errorf("huge pattern = %d", w.Code)
		}
	})

	var id int64
	t.Run("save hides from the river at once", func(t *testing.T) {
		w := fx.form(t, "/rules", postRule("No storms", "title:storm", "block", "feed:"+strconv.FormatInt(fx.feedIDs["wire"], 10)))
		if w.Code != http.StatusSeeOther {
			t.Fatalf("save = %d\n%s", w.Code, w.Body.String())
		}
		if strings.Contains(river(), "Storm closes the coast road") {
			t.Error("the blocked article is still on the river")
		}
		rs, _ := fx.store.Rules(ctx, fx.uid)
		if len(rs) != 1 {
			t.Fatalf("rules = %+v", rs)
		}
		id = rs[0].ID
		body := fx.do(t, "GET", "/rules", "").Body.String()
		if !strings.Contains(body, "No storms") || !strings.Contains(body, "blocks in The Daily Wire Service") {
			t.Errorf("the list does not show the rule in words:\n%s", body)
		}
	})

	t.Run("edit, turn off, turn on, delete", func(t *testing.T) {
		sid := strconv.FormatInt(id, 10)
		if w := fx.do(t, "GET", "/rules/"+sid, ""); w.Code != 200 || !strings.Contains(w.Body.String(), `Edit “No storms”`) {
			t.Fatalf("edit form = %d", w.Code)
		}
		if w := fx.form(t, "/rules/"+sid, postRule("Storm titles", "title:storm", "dislike", "")); w.Code != http.StatusSeeOther {
			t.Fatalf("update = %d", w.Code)
		}
		if !strings.Contains(river(), "Storm closes the coast road") {
			t.Error("a dislike rule hid the article")
		}
		vs, _ := fx.store.Verdicts(ctx, fx.uid, []int64{fx.articleIDs["storm"]})
		if v := vs[fx.articleIDs["storm"]]; v.Weight != -1 || len(v.Reasons) != 1 || v.Reasons[0].Name != "Storm titles" {
			t.Errorf("verdict after the edit = %+v", v)
		}
		if w := fx.form(t, "/rules/"+sid, postRule("Storm titles", "title:storm", "super_dislike", "")); w.Code != http.StatusSeeOther {
			t.Fatalf("update = %d", w.Code)
		}
		if strings.Contains(river(), "Storm closes the coast road") {
			t.Error("super-dislike did not hide")
		}
		if w := fx.form(t, "/rules/"+sid+"/enabled", url.Values{"enabled": {"false"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("turn off = %d", w.Code)
		}
		if !strings.Contains(river(), "Storm closes the coast road") {
			t.Error("a rule turned off still hides")
		}
		if w := fx.form(t, "/rules/"+sid+"/enabled", url.Values{"enabled": {"true"}}); w.Code != http.StatusSeeOther {
			t.Fatalf("turn on = %d", w.Code)
		}
		if strings.Contains(river(), "Storm closes the coast road") {
			t.Error("a rule turned on does not hide")
		}
		w := fx.form(t, "/rules/apply", nil)
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/rules?done=applied" {
			t.Errorf("re-apply = %d → %s", w.Code, w.Header().Get("Location"))
		}
		if body := fx.do(t, "GET", w.Header().Get("Location"), "").Body.String(); !strings.Contains(body, "Your rules are in force on all your stored articles (0 verdicts changed)") {
			t.Error("re-apply says nothing")
		}
		if w := fx.form(t, "/rules/"+sid+"/delete", nil); w.Code != http.StatusSeeOther {
			t.Fatalf("delete = %d", w.Code)
		}
		if !strings.Contains(river(), "Storm closes the coast road") {
			t.Error("the article did not come back after the rule was deleted")
		}
	})

	t.Run("another user's rules are not found", func(t *testing.T) {
		other := &digest.User{Name: "other"}
		if err := fx.store.CreateUser(ctx, other); err != nil {
			t.Fatal(err)
		}
		theirs := &digest.Rule{Name: "Theirs", Match: "title:x", Action: digest.RuleBlock, Enabled: true}
		if err := fx.store.CreateRule(ctx, other.ID, theirs); err != nil {
			t.Fatal(err)
		}
		sid := strconv.FormatInt(theirs.ID, 10)
		for _, w := range []*httptest.ResponseRecorder{
			fx.do(t, "GET", "/rules/"+sid, ""),
			fx.form(t, "/rules/"+sid, postRule("Mine", "title:y", "block", "")),
			fx.form(t, "/rules/"+sid+"/delete", nil),
			fx.form(t, "/rules/"+sid+"/enabled", url.Values{"enabled": {"false"}}),
		} {
			if w.Code != http.StatusNotFound {
				t.Errorf("another user's rule: %d", w.Code)
			}
		}
		if body := fx.do(t, "GET", "/rules", "").Body.String(); strings.Contains(body, "Theirs") {
			t.Error("the list shows another user's rule")
		}
		if got, _ := fx.store.Rule(ctx, other.ID, theirs.ID); got == nil || got.Name != "Theirs" || !got.Enabled {
			t.Errorf("another user's rule changed: %+v", got)
		}
	})

	t.Run("access", func(t *testing.T) {
		fx.anon = true
		w := fx.do(t, "GET", "/rules", "")
		fx.anon = false
		if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/login") {
			t.Errorf("anonymous GET /rules = %d → %s", w.Code, w.Header().Get("Location"))
		}
		w = fx.do(t, "POST", "/rules/apply", "", "Sec-Fetch-Site", "cross-site")
		if w.Code != http.StatusForbidden {
			t.Errorf("cross-site POST = %d, want 403", w.Code)
		}
	})
}

// TestBrowserRules writes a rule in the browser, previews it and saves
// it, at a phone's and a desktop's width: no sideways scrolling, no axe
// violation on the preview, screenshots when DIGEST_SCREENSHOTS is set.
func TestBrowserRules(t *testing.T) {
	ctx := browser(t)
	fx := newFixture(t)
	seedWide(t, fx)
	srv := httptest.NewServer(fx.h)
	defer srv.Close()
	signIn(t, ctx, fx, srv.URL)
	for _, w := range []int64{360, 1280} {
		t.Run(strconv.FormatInt(w, 10), func(t *testing.T) {
			do(t, ctx, colorScheme("light"), chromedp.EmulateViewport(w, 800), chromedp.Navigate(srv.URL+"/rules"),
				chromedp.WaitVisible(chromedp.CSS(`input[name="match"]`)),
				chromedp.SetValue(chromedp.CSS(`input[name="name"]`), "Unbreakable headlines"),
				chromedp.SetValue(chromedp.CSS(`input[name="match"]`), `title:/Headline \d+ Unbreakable/`),
				tap(`button[value="preview"]`),
				chromedp.WaitVisible(chromedp.CSS(`#preview-title`)))
			head := run(t, ctx, chromedp.Text(chromedp.CSS(`#preview-title`)))
			if !strings.Contains(head, "Would catch 12 articles") {
				t.Errorf("preview heading %q", head)
			}
			if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".preview-list li").length`)); n != 12 {
				t.Errorf("preview lists %d titles, want 12", n)
			}
			noOverflow(t, ctx, "the rules page with a preview")
			rulesAxe(t, ctx)
			shoot(t, ctx, fmt.Sprintf("rules-preview-%d-light", w))
		})
	}
	// Save it: the headlines leave the river.
	// The preview page may show a notice already (the re-apply job of
	// seedWide's rule): wait for the page the save leads to.
	clickAndLoad(t, ctx, `button[value="save"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.notice`)))
	if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll(".rule-row").length`)); n != 2 {
		t.Fatalf("%d rules listed after saving, want 2 (seedWide's and this one)", n)
	}
	// The list, light and dark, at both widths (TestBrowserAccessibility
	// leaves this page to this test: its browser has two minutes for all
	// the others).
	for _, scheme := range []string{"light", "dark"} {
		for _, w := range []int64{360, 1280} {
			do(t, ctx, colorScheme(scheme), chromedp.EmulateViewport(w, 800), chromedp.Navigate(srv.URL+"/rules"), chromedp.WaitReady(chromedp.CSS("main")))
			noOverflow(t, ctx, fmt.Sprintf("the rules page with rules, %s at %d px", scheme, w))
			rulesAxe(t, ctx)
			shoot(t, ctx, fmt.Sprintf("rules-list-%d-%s", w, scheme))
		}
	}
	page, err := fx.store.Articles(context.Background(), digest.ArticleQuery{UserID: fx.uid, Search: "Unbreakable"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range page.Articles {
		if strings.HasPrefix(a.Title, "Headline ") {
			t.Errorf("a blocked headline is still listed: %q", a.Title)
		}
	}
}

// rulesAxe runs axe-core on the page shown, when it is installed.
func rulesAxe(t *testing.T, ctx context.Context) {
	t.Helper()
	if os.Getenv("DIGEST_AXE") == "" {
		if dir, err := os.UserCacheDir(); err != nil || !fileExists(dir+"/occasional-digest/axe/node_modules/axe-core/axe.min.js") {
			t.Log("no axe-core: accessibility not checked (scripts/test.sh installs it)")
			return
		}
	}
	axeCheck(t, ctx, axeScript(t))
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// shoot writes a screenshot of the page shown to DIGEST_SCREENSHOTS, if
// set.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("DIGEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png := run(t, ctx, chromedp.FullScreenshot(100))
	if err := os.WriteFile(dir+"/"+name+".png", png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// rulesJobFixture is a fixture whose server re-applies rules in the
// background with a real runner over its store, not started yet.
func rulesJobFixture(t *testing.T) (*fixture, *ingest.RuleJobs) {
	t.Helper()
	fx := newFixture(t)
	fx.seed(t)
	jobs := ingest.NewRuleJobs(fx.store, ingest.RuleJobsOptions{Poll: time.Hour})
	t.Cleanup(func() { jobs.Close() })
	fx.server = New(Config{Now: func() time.Time { return baseTime }, PageSize: 10, RuleJobs: jobs}, fx.store, fx.feeds, fx.auth, nil)
	fx.h = fx.server.Handler()
	return fx, jobs
}

// waitRuleJob waits for the runner to say that the user's job ended.
func waitRuleJob(t *testing.T, finished <-chan int64, user int64) {
	t.Helper()
	deadline := time.NewTimer(5 * time.Minute) // a hang, not a measure
	defer deadline.Stop()
	for {
		select {
		case u := <-finished:
			if u == user {
				return
			}
		case <-deadline.C:
			t.Fatal("the rule job never finished")
		}
	}
}

// TestRulesApplyInBackground: with a runner, saving a rule answers at once
// and leaves the stored articles to the job, whose progress /rules shows
// (queued, then part done) until it ends; then the river and the unread
// counts follow the rule.
func TestRulesApplyInBackground(t *testing.T) {
	fx, jobs := rulesJobFixture(t)
	ctx := context.Background()
	wire := fx.feedIDs["wire"]
	var es []digest.Entry
	for i := range 450 { // more than one chunk of the job
		es = append(es, entry(fmt.Sprintf("calm%d", i), fmt.Sprintf("Calm day %d", i), time.Duration(i+10)*time.Hour, ""))
	}
	if _, err := fx.store.SaveFetches(ctx, []digest.FetchResult{{FeedID: wire, Entries: es}}); err != nil {
		t.Fatal(err)
	}
	river := func() string { return fx.do(t, "GET", "/", "").Body.String() }
	unread := func() int {
		f, err := fx.store.Feed(ctx, fx.uid, wire)
		if err != nil {
			t.Fatal(err)
		}
		return f.Unread
	}
	before := unread()

	w := fx.form(t, "/rules", postRule("No storms", "title:storm", "block", ""))
	if w.Code != http.StatusSeeOther {
		t.Fatalf("save = %d\n%s", w.Code, w.Body.String())
	}
	if !strings.Contains(river(), "Storm closes the coast road") {
		t.Fatal("the request judged the stored articles itself")
	}
	page := fx.do(t, "GET", "/rules?done=saved", "").Body.String()
	if !strings.Contains(page, "Rule saved.") || !strings.Contains(page, "will be applied to your stored articles in a moment") {
		t.Errorf("/rules does not say the job is queued:\n%s", page)
	}

	// One chunk, as a runner in another process would judge it.
	if done, err := fx.store.RunRuleJob(ctx, fx.uid); err != nil || done {
		t.Fatalf("one chunk = %v, %v", done, err)
	}
	j, _ := fx.store.RuleJob(ctx, fx.uid)
	page = fx.do(t, "GET", "/rules", "").Body.String()
	want := fmt.Sprintf("Applying your rules to your stored articles: %d of %d so far", j.Done, j.Total)
	if !strings.Contains(page, want) || !strings.Contains(page, fmt.Sprintf(`<progress max="%d" value="%d">`, j.Total, j.Done)) {
		t.Errorf("/rules does not show the progress %q:\n%s", want, page)
	}

	finished := make(chan int64, 4)
	jobs.OnFinish(func(u int64) { finished <- u })
	jobs.Start(ctx)
	waitRuleJob(t, finished, fx.uid)
	if strings.Contains(river(), "Storm closes the coast road") {
		t.Error("the job did not hide the article")
	}
	if got := unread(); got != before-1 {
		t.Errorf("unread = %d after the job, want %d", got, before-1)
	}
	page = fx.do(t, "GET", "/rules?done=saved", "").Body.String()
	if strings.Contains(page, "Applying your rules") || !strings.Contains(page, "Your rules are in force on all your stored articles (1 verdict changed)") {
		t.Errorf("/rules after the job:\n%s", page)
	}
}
