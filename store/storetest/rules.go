package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

func ruleEntry(name, title string, n int) digest.Entry {
	e := entry(name, n)
	e.Title = title
	return e
}

func mustRule(t *testing.T, s digest.Store, user int64, r digest.Rule) *digest.Rule {
	t.Helper()
	r.Enabled = true
	if err := s.CreateRule(context.Background(), user, &r); err != nil {
		t.Fatalf("CreateRule(%+v): %v", r, err)
	}
	return &r
}

func visible(t *testing.T, s digest.Store, q digest.ArticleQuery) []int64 {
	t.Helper()
	return ids(list(t, s, q))
}

func testRules(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := uid(t, s)
	b := &digest.User{Name: "bea"}
	if err := s.CreateUser(ctx, b); err != nil {
		t.Fatal(err)
	}
	news := createFeed(t, s, "https://news.example/feed")
	sport := createFeed(t, s, "https://sport.example/feed")
	// Bea follows the news feed too; her rules are her own.
	if err := s.CreateFeed(ctx, b.ID, &digest.Feed{URL: news.URL}); err != nil {
		t.Fatal(err)
	}

	t.Run("CRUD, validation and isolation", func(t *testing.T) {
		r := &digest.Rule{Name: " Crypto ", Match: `title:/(?i)\bbitcoin/`, Action: digest.RuleBlock, Enabled: true}
		if err := s.CreateRule(ctx, a, r); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.Created.IsZero() || r.Name != "Crypto" {
			t.Errorf("CreateRule did not set ID, Created, trimmed name: %+v", r)
		}
		got, err := s.Rule(ctx, a, r.ID)
		if err != nil || got.Name != "Crypto" || got.Match != r.Match || got.Action != digest.RuleBlock || !got.Enabled {
			t.Errorf("Rule = %+v, %v", got, err)
		}
		wantCode(t, "bad regexp", s.CreateRule(ctx, a, &digest.Rule{Name: "x", Match: "title:/(/", Action: digest.RuleBlock}), digest.EINVALID)
		err = s.CreateRule(ctx, a, &digest.Rule{Name: "x", Match: "author:x title:/a[/", Action: digest.RuleBlock})
		if !strings.Contains(digest.ErrorMessage(err), "column 16") {
			t.Errorf("bad regexp message %q does not say where", digest.ErrorMessage(err))
		}
		wantCode(t, "1 MB pattern", s.CreateRule(ctx, a, &digest.Rule{Name: "x", Match: "title:/" + strings.Repeat("a", 1<<20) + "/", Action: digest.RuleBlock}), digest.EINVALID)
		wantCode(t, "unknown action", s.CreateRule(ctx, a, &digest.Rule{Name: "x", Match: "title:x", Action: "explode"}), digest.EINVALID)
		wantCode(t, "scope not the user's", s.CreateRule(ctx, b.ID, &digest.Rule{Name: "x", Match: "title:x", Action: digest.RuleBlock, FeedID: sport.ID}), digest.EINVALID)
		wantCode(t, "category not the user's", s.CreateRule(ctx, b.ID, &digest.Rule{Name: "x", Match: "title:x", Action: digest.RuleBlock, CategoryID: 999999}), digest.EINVALID)

		// Bea sees, changes and deletes none of Ada's rules.
		if _, err := s.Rule(ctx, b.ID, r.ID); !digest.IsNotFound(err) {
			t.Errorf("other user's Rule: %v", err)
		}
		if rs, err := s.Rules(ctx, b.ID); err != nil || len(rs) != 0 {
			t.Errorf("other user's Rules = %v, %v", rs, err)
		}
		theirs := *r
		theirs.Name = "mine now"
		wantCode(t, "other user's UpdateRule", s.UpdateRule(ctx, b.ID, &theirs), digest.ENOTFOUND)
		wantCode(t, "other user's DeleteRule", s.DeleteRule(ctx, b.ID, r.ID), digest.ENOTFOUND)
		if got, _ := s.Rule(ctx, a, r.ID); got == nil || got.Name != "Crypto" {
			t.Errorf("rule changed by another user: %+v", got)
		}

		r.Name, r.Action, r.Weight, r.Enabled = "Crypto down", digest.RuleDislike, 2, false
		if err := s.UpdateRule(ctx, a, r); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Rule(ctx, a, r.ID); got.Name != "Crypto down" || got.Action != digest.RuleDislike || got.Weight != 2 || got.Enabled {
			t.Errorf("updated rule = %+v", got)
		}
		r.Match = "title:/(/"
		wantCode(t, "update with a bad regexp", s.UpdateRule(ctx, a, r), digest.EINVALID)
		if err := s.DeleteRule(ctx, a, r.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "deleted twice", s.DeleteRule(ctx, a, r.ID), digest.ENOTFOUND)
	})

	t.Run("verdicts at ingest hide from every list of the user's only", func(t *testing.T) {
		block := mustRule(t, s, a, digest.Rule{Name: "No crypto", Match: `title:bitcoin`, Action: digest.RuleBlock})
		like := mustRule(t, s, a, digest.Rule{Name: "Harbour", Match: `text:harbour`, Action: digest.RuleLike, Weight: 2})
		created := save(t, s, fetched(news.ID,
			ruleEntry("btc", "Bitcoin falls again", 1),
			ruleEntry("harbour", "The harbour reopens", 2),
			ruleEntry("plain", "Council meets", 3),
		))[0].Created
		btc, harbour, plain := created[0], created[1], created[2]

		if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: news.ID}); !slices.Equal(got, []int64{plain, harbour}) {
			t.Errorf("Ada's feed lists %v, want %v", got, []int64{plain, harbour})
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: a}); slices.Contains(got, btc) {
			t.Errorf("Ada's river lists the blocked article: %v", got)
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: b.ID}); !slices.Contains(got, btc) {
			t.Errorf("Bea's river misses the article only Ada blocked: %v", got)
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: a, Search: "bitcoin"}); len(got) != 0 {
			t.Errorf("Ada's search finds the blocked article: %v", got)
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: b.ID, Search: "bitcoin"}); !slices.Equal(got, []int64{btc}) {
			t.Errorf("Bea's search = %v", got)
		}
		if n, err := s.CountArticles(ctx, digest.ArticleQuery{UserID: a, Unread: true}); err != nil || n != 2 {
			t.Errorf("Ada's unread count = %d, %v; want 2", n, err)
		}
		if got, err := s.ArticleIDs(ctx, digest.ArticleQuery{UserID: a, IDs: created}); err != nil || slices.Contains(got, btc) {
			t.Errorf("ArticleIDs by ID = %v, %v", got, err)
		}
		if _, err := s.Article(ctx, a, btc); !digest.IsNotFound(err) {
			t.Errorf("Article of a hidden article: %v", err)
		}
		f, err := s.Feed(ctx, a, news.ID)
		if err != nil || f.Unread != 2 {
			t.Errorf("Ada's unread counter = %d, %v; want 2", f.Unread, err)
		}
		if f, _ := s.Feed(ctx, b.ID, news.ID); f == nil || f.Unread != 3 {
			t.Errorf("Bea's unread counter = %+v, want 3", f)
		}
		// Marking everything read, hidden articles included, keeps the
		// counters true.
		if _, err := s.MarkRead(ctx, a, created, true); err != nil {
			t.Fatal(err)
		}
		if f, _ := s.Feed(ctx, a, news.ID); f.Unread != 0 {
			t.Errorf("unread after marking all read = %d", f.Unread)
		}
		if _, err := s.MarkRead(ctx, a, created, false); err != nil {
			t.Fatal(err)
		}
		if f, _ := s.Feed(ctx, a, news.ID); f.Unread != 2 {
			t.Errorf("unread after marking all unread = %d, want 2", f.Unread)
		}

		vs, err := s.Verdicts(ctx, a, created)
		if err != nil {
			t.Fatal(err)
		}
		if v := vs[btc]; !v.Hidden || len(v.Reasons) != 1 || v.Reasons[0].RuleID != block.ID || v.Reasons[0].Name != "No crypto" {
			t.Errorf("verdict of the blocked article = %+v", v)
		}
		if v := vs[harbour]; v.Hidden || v.Weight != 2 || len(v.Reasons) != 1 || v.Reasons[0].RuleID != like.ID || v.Reasons[0].Weight != 2 {
			t.Errorf("verdict of the liked article = %+v", v)
		}
		if _, ok := vs[plain]; ok {
			t.Errorf("a neutral article has a verdict: %+v", vs[plain])
		}
		if vs, _ := s.Verdicts(ctx, b.ID, created); len(vs) != 0 {
			t.Errorf("Bea has Ada's verdicts: %+v", vs)
		}

		// Stories: a story of hidden articles only is not Ada's.
		st := &digest.Story{Headline: "Crypto", FirstSeen: base, LastSeen: base, ArticleIDs: []int64{btc},
			Entities: []digest.Entity{{Name: "Satoshi Nakamoto", Kind: digest.Person, Count: 2}}}
		if err := s.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Story(ctx, a, st.ID); !digest.IsNotFound(err) {
			t.Errorf("Ada sees a story of hidden articles: %v", err)
		}
		if _, err := s.Story(ctx, b.ID, st.ID); err != nil {
			t.Errorf("Bea does not see the story: %v", err)
		}
		if list, err := s.Stories(ctx, a, 50, 0); err != nil || slices.ContainsFunc(list, func(x digest.Story) bool { return x.ID == st.ID }) {
			t.Errorf("Ada's stories list it: %v", err)
		}
		if _, stories, err := s.EntityStories(ctx, a, digest.Person, "Satoshi Nakamoto", 10); err != nil && !digest.IsNotFound(err) || len(stories) != 0 {
			t.Errorf("Ada's entity page lists it: %v, %v", stories, err)
		}

		// Re-apply: nothing changes while the rules do not.
		if n, err := s.ApplyRules(ctx, a); err != nil || n != 0 {
			t.Errorf("ApplyRules with unchanged rules = %d, %v; want 0", n, err)
		}
		// A disabled rule stops hiding once re-applied.
		block.Enabled = false
		if err := s.UpdateRule(ctx, a, block); err != nil {
			t.Fatal(err)
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: news.ID}); slices.Contains(got, btc) {
			t.Error("a rule's change reached stored articles before ApplyRules")
		}
		if n, err := s.ApplyRules(ctx, a); err != nil || n != 1 {
			t.Errorf("ApplyRules after disabling = %d, %v; want 1", n, err)
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: news.ID}); !slices.Equal(got, []int64{plain, harbour, btc}) {
			t.Errorf("after re-applying, Ada's feed lists %v", got)
		}
		if _, err := s.Story(ctx, a, st.ID); err != nil {
			t.Errorf("the story did not come back: %v", err)
		}
		checkUnread(t, s)
		// Every rule gone: every verdict goes.
		for _, r := range []*digest.Rule{block, like} {
			if err := s.DeleteRule(ctx, a, r.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.ApplyRules(ctx, a); err != nil || n != 1 {
			t.Errorf("ApplyRules without rules = %d, %v; want 1 (the like)", n, err)
		}
		if vs, _ := s.Verdicts(ctx, a, created); len(vs) != 0 {
			t.Errorf("verdicts left: %+v", vs)
		}

		// An entity rule takes effect when the story names the entity.
		ent := mustRule(t, s, a, digest.Rule{Name: "Not him", Match: `entity:"satoshi nakamoto"`, Action: digest.RuleSuperDislike})
		if n, err := s.ApplyRules(ctx, a); err != nil || n != 1 {
			t.Errorf("ApplyRules with an entity rule = %d, %v; want 1", n, err)
		}
		st.ArticleIDs = []int64{btc, plain}
		if err := s.SaveStory(ctx, st); err != nil {
			t.Fatal(err)
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: news.ID}); !slices.Equal(got, []int64{harbour}) {
			t.Errorf("after the story named the entity, Ada's feed lists %v, want %v", got, []int64{harbour})
		}
		if err := s.DeleteRule(ctx, a, ent.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplyRules(ctx, a); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("extracted text is judged when it arrives", func(t *testing.T) {
		mustRule(t, s, a, digest.Rule{Name: "No paywall", Match: `content:"subscribe to read"`, Action: digest.RuleBlock})
		id := save(t, s, fetched(news.ID, ruleEntry("pay", "A story", 10)))[0].Created[0]
		if got := visible(t, s, digest.ArticleQuery{UserID: a, IDs: []int64{id}}); len(got) != 1 {
			t.Fatalf("article hidden before its text: %v", got)
		}
		full := article(t, s, id)
		full.Text = "The first lines. Subscribe to read the rest."
		if err := s.UpdateArticle(ctx, full); err != nil {
			t.Fatal(err)
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: a, IDs: []int64{id}}); len(got) != 0 {
			t.Errorf("article not hidden after UpdateArticle: %v", got)
		}
	})

	t.Run("keep within a feed, and a new subscription is judged", func(t *testing.T) {
		mustRule(t, s, a, digest.Rule{Name: "Only finals", Match: `title:final`, Action: digest.RuleKeep, FeedID: sport.ID})
		r := save(t, s, fetched(sport.ID, ruleEntry("f1", "The final", 20), ruleEntry("f2", "A friendly", 21)),
			fetched(news.ID, ruleEntry("n1", "A friendly in the news", 22)))
		if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: sport.ID}); !slices.Equal(got, r[0].Created[:1]) {
			t.Errorf("kept %v, want %v", got, r[0].Created[:1])
		}
		if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: news.ID}); !slices.Contains(got, r[1].Created[0]) {
			t.Error("a keep rule of another feed hid a news article")
		}
		// Bea subscribes to the sport feed with a rule of her own: its
		// stored articles are judged as she subscribes.
		mustRule(t, s, b.ID, digest.Rule{Name: "No friendlies", Match: `title:friendly`, Action: digest.RuleBlock})
		if err := s.CreateFeed(ctx, b.ID, &digest.Feed{URL: sport.URL}); err != nil {
			t.Fatal(err)
		}
		got := visible(t, s, digest.ArticleQuery{UserID: b.ID, FeedID: sport.ID})
		if !slices.Equal(got, r[0].Created[:1]) {
			t.Errorf("Bea's new feed lists %v, want %v", got, r[0].Created[:1])
		}
		if f, _ := s.Feed(ctx, b.ID, sport.ID); f == nil || f.Unread != 1 {
			t.Errorf("Bea's new feed's unread = %+v, want 1", f)
		}
	})

	t.Run("preview counts and lists what a rule would catch", func(t *testing.T) {
		p, err := s.PreviewRule(ctx, a, &digest.Rule{Name: "p", Match: `title:friendly`, Action: digest.RuleBlock}, 20)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, x := range p.Articles {
			titles = append(titles, x.Title)
		}
		// The friendly of the sport feed is hidden by the keep rule:
		// previews look at every stored article of the user's.
		if p.Matched != 2 || !slices.Equal(titles, []string{"A friendly in the news", "A friendly"}) {
			t.Errorf("preview = %d %v", p.Matched, titles)
		}
		if p.Scoped < p.Matched+5 {
			t.Errorf("preview scoped %d articles", p.Scoped)
		}
		p, err = s.PreviewRule(ctx, a, &digest.Rule{Name: "p", Match: `title:friendly`, Action: digest.RuleBlock, FeedID: sport.ID}, 1)
		if err != nil || p.Matched != 1 || p.Scoped != 2 || len(p.Articles) != 1 {
			t.Errorf("scoped preview = %+v, %v", p, err)
		}
		_, err = s.PreviewRule(ctx, a, &digest.Rule{Name: "p", Match: `title:/(/`, Action: digest.RuleBlock}, 20)
		wantCode(t, "preview of a bad rule", err, digest.EINVALID)
		if rs, _ := s.Rules(ctx, a); slices.ContainsFunc(rs, func(r digest.Rule) bool { return r.Name == "p" }) {
			t.Error("a preview stored its rule")
		}
	})

	t.Run("age rules", func(t *testing.T) {
		old := mustRule(t, s, a, digest.Rule{Name: "Old news", Match: `older:30`, Action: digest.RuleBlock, FeedID: news.ID})
		e := ruleEntry("fresh", "Fresh", 0)
		e.Published = time.Now().Add(-time.Hour)
		fresh := save(t, s, fetched(news.ID, e))[0].Created[0]
		if _, err := s.ApplyRules(ctx, a); err != nil {
			t.Fatal(err)
		}
		got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: news.ID})
		if !slices.Equal(got, []int64{fresh}) {
			t.Errorf("older:30 leaves %v, want only the fresh article %d", got, fresh)
		}
		vs, _ := s.Verdicts(ctx, a, []int64{fresh})
		if _, ok := vs[fresh]; ok && vs[fresh].Hidden {
			t.Errorf("fresh article verdict %+v", vs[fresh])
		}
		if err := s.DeleteRule(ctx, a, old.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("deleting a user deletes their rules", func(t *testing.T) {
		if err := s.DeleteUser(ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		if rs, err := s.Rules(ctx, b.ID); err != nil || len(rs) != 0 {
			t.Errorf("rules of a deleted user: %v, %v", rs, err)
		}
	})
}

// testRuleJobs: a change of rules queues the user's re-application job,
// which judges a chunk of articles per call with its progress stored, so
// that another call (after a restart, in another process) resumes where
// it stopped; a change of rules under way starts it again; two runners of
// one job judge each article once.
func testRuleJobs(t *testing.T, s digest.Store) {
	ctx := context.Background()
	a := uid(t, s)
	f := createFeed(t, s, "https://jobs.example/feed")
	const n = 950 // more than two chunks of the SQL stores (400)
	var es []digest.Entry
	for i := range n {
		title := "Plain news"
		if i%10 == 0 {
			title = "Crypto news"
		}
		es = append(es, ruleEntry(fmt.Sprintf("j%d", i), title, i))
	}
	save(t, s, fetched(f.ID, es...))
	if j, err := s.RuleJob(ctx, a); err != nil || j.State != digest.RuleJobDone || j.Total != 0 {
		t.Fatalf("RuleJob of a user without rules = %+v, %v", j, err)
	}
	hidden0, _ := s.RuleJob(ctx, a)

	// Saving a rule queues the job; nothing is judged yet.
	r := mustRule(t, s, a, digest.Rule{Name: "No crypto", Match: `title:crypto`, Action: digest.RuleBlock})
	j, err := s.RuleJob(ctx, a)
	if err != nil || j.State != digest.RuleJobQueued || j.Done != 0 {
		t.Fatalf("after CreateRule, RuleJob = %+v, %v; want queued", j, err)
	}
	if due, err := s.RuleJobsDue(ctx); err != nil || !slices.Contains(due, a) {
		t.Fatalf("RuleJobsDue = %v, %v; want the user", due, err)
	}
	if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: f.ID, Limit: 1000}); len(got) != n {
		t.Fatalf("%d articles visible before the job ran, want %d", len(got), n)
	}

	// One step: part of the articles judged, the progress stored.
	done, err := s.RunRuleJob(ctx, a)
	if err != nil || done {
		t.Fatalf("first step = %v, %v; want not done", done, err)
	}
	j, _ = s.RuleJob(ctx, a)
	if j.State != digest.RuleJobRunning || j.Total != n || j.Done == 0 || j.Done >= n {
		t.Fatalf("after one step, RuleJob = %+v; want running with part of %d done", j, n)
	}
	hiddenFirst := n - len(visible(t, s, digest.ArticleQuery{UserID: a, FeedID: f.ID, Limit: 1000}))
	if hiddenFirst == 0 {
		t.Fatal("the first step hid nothing")
	}

	// The rule changes under way: the job starts again, from the first
	// article, with the new rule.
	r.Match = `title:plain`
	if err := s.UpdateRule(ctx, a, r); err != nil {
		t.Fatal(err)
	}
	if j, _ = s.RuleJob(ctx, a); j.State != digest.RuleJobQueued || j.Done != 0 {
		t.Fatalf("after UpdateRule under way, RuleJob = %+v; want queued from the start", j)
	}
	steps := 0
	for done = false; !done; steps++ {
		if done, err = s.RunRuleJob(ctx, a); err != nil {
			t.Fatal(err)
		}
		if steps > n {
			t.Fatal("the job never ends")
		}
	}
	j, _ = s.RuleJob(ctx, a)
	if j.State != digest.RuleJobDone || j.Done != n || j.Total != n || j.Finished.IsZero() {
		t.Errorf("finished job = %+v; want done with %d of %d", j, n, n)
	}
	if want := n - n/10 + hiddenFirst; j.Changed != want {
		t.Errorf("job changed %d verdicts, want %d (the plain articles hidden, the crypto ones of the first step shown again)", j.Changed, want)
	}
	if j.Hidden == hidden0.Hidden {
		t.Error("RuleJob.Hidden did not change when the job hid articles")
	}
	if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: f.ID, Limit: 1000}); len(got) != n/10 {
		t.Errorf("%d articles visible after the job, want the %d crypto ones", len(got), n/10)
	}
	if due, _ := s.RuleJobsDue(ctx); slices.Contains(due, a) {
		t.Error("a finished job is still due")
	}
	if done, err := s.RunRuleJob(ctx, a); !done || err != nil {
		t.Errorf("RunRuleJob of a finished job = %v, %v", done, err)
	}
	checkUnread(t, s)

	// Two runners of one job: every article judged once, the job done.
	if err := s.DeleteRule(ctx, a, r.ID); err != nil {
		t.Fatal(err)
	}
	mustRule(t, s, a, digest.Rule{Name: "No crypto", Match: `title:crypto`, Action: digest.RuleBlock})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			for i := 0; i < 4*n; i++ {
				done, err := s.RunRuleJob(ctx, a)
				if err != nil || done {
					errs <- err
					return
				}
			}
			errs <- fmt.Errorf("the job never ends")
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	j, _ = s.RuleJob(ctx, a)
	if j.State != digest.RuleJobDone || j.Done != n || j.Changed != n {
		t.Errorf("job of two runners = %+v; want done, %d judged, %d changed (all plain shown, all crypto hidden)", j, n, n)
	}
	if got := visible(t, s, digest.ArticleQuery{UserID: a, FeedID: f.ID, Limit: 1000}); len(got) != n-n/10 {
		t.Errorf("%d articles visible after the second job, want %d", len(got), n-n/10)
	}
	checkUnread(t, s)

	// ApplyRules runs the whole job at once.
	if changed, err := s.ApplyRules(ctx, a); err != nil || changed != 0 {
		t.Errorf("ApplyRules with unchanged rules = %d, %v", changed, err)
	}
	if j, _ = s.RuleJob(ctx, a); j.State != digest.RuleJobDone || j.Done != n {
		t.Errorf("after ApplyRules, RuleJob = %+v", j)
	}
	wantCode(t, "queue for no user", s.QueueRuleJob(ctx, 1<<40), digest.ENOTFOUND)
}
