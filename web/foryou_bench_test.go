package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/internal/testenv"
	"github.com/occasional-digest/digest/rank"
	"github.com/occasional-digest/digest/store/sqlite"
)

// Shape of the For you benchmark: testenv's 200,000 articles
// (testenv.BenchSize), forYouBenchStories open stories of
// forYouBenchPerStory articles each over the reader's newest articles,
// forYouBenchRules rules (like, dislike, block) with their verdicts
// stored, and a few follows, mutes and phrases.
const (
	forYouBenchStories  = 5000
	forYouBenchPerStory = 8
	forYouBenchRules    = 1000
	forYouBenchChoices  = 50
)

// forYouBench is the benchmark's reader and what they read from.
type forYouBench struct {
	store *sqlite.DB
	auth  *auth.Service
	user  *digest.User
	now   time.Time
}

// setupForYouBench fills a database for BenchmarkForYou. With
// DIGEST_BENCH_DIR set, the filled database is kept there
// (foryou-N.db, VACUUM INTO) and later runs start from a copy of it: a
// -count 10 run fills it once.
func setupForYouBench(b *testing.B) *forYouBench {
	ctx := context.Background()
	dir := os.Getenv("DIGEST_BENCH_DIR")
	kept := ""
	if dir != "" {
		kept = filepath.Join(dir, fmt.Sprintf("foryou-%d.db", testenv.BenchSize()))
		if _, err := os.Stat(kept); err == nil {
			path := filepath.Join(b.TempDir(), "digest.db")
			if err := copyFile(kept, path); err != nil {
				b.Fatal(err)
			}
			st, err := sqlite.Open(ctx, path, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { st.Close() })
			u, err := st.UserByName(ctx, "alice")
			if err != nil {
				b.Fatal(err)
			}
			return &forYouBench{store: st, auth: auth.New(st, auth.Options{Params: testenv.CheapParams}), user: u, now: forYouBenchNow(b, st, u.ID)}
		}
	}
	e := testenv.New(b, testenv.Options{})
	users := e.Populate(b, testenv.BenchSize())
	u := users[0]
	start := time.Now()
	now := forYouBenchNow(b, e.Store, u.ID)
	refs, err := e.Store.ArticleRefs(ctx, digest.ArticleQuery{UserID: u.ID, Limit: forYouBenchStories * forYouBenchPerStory})
	if err != nil {
		b.Fatal(err)
	}
	nStories := min(forYouBenchStories, len(refs)/forYouBenchPerStory)
	for i := range nStories {
		ids := make([]int64, forYouBenchPerStory)
		for j := range ids {
			ids[j] = refs[i*forYouBenchPerStory+j].ID
		}
		st := &digest.Story{
			Headline: "Story " + strconv.Itoa(i) + " about the harbour and the council", Summary: "What happened, in two sentences. Who said what.",
			FirstSeen: now.Add(-time.Duration(i+60) * time.Minute), LastSeen: now.Add(-time.Duration(i) * time.Minute),
			Importance: float64((i * 7919) % 1000), Outlets: forYouBenchPerStory,
			Entities: []digest.Entity{
				{Name: "Person " + strconv.Itoa(i%97), Kind: digest.Person, Count: 3},
				{Name: "Town " + strconv.Itoa(i%31), Kind: digest.Place, Count: 2},
				{Name: "Council " + strconv.Itoa(i%13), Kind: digest.Organization, Count: 1},
			},
			ArticleIDs: ids,
		}
		if err := e.Store.SaveStory(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
	feeds, err := e.Store.Feeds(ctx, u.ID)
	if err != nil {
		b.Fatal(err)
	}
	for i := range forYouBenchChoices {
		var c digest.Choice
		switch i % 5 {
		case 0:
			c = digest.Choice{Kind: digest.ChoiceEntity, Key: rank.EntityKey(digest.Person, "Person "+strconv.Itoa(i%97)), Value: 1}
		case 1:
			c = digest.Choice{Kind: digest.ChoicePhrase, Key: fmt.Sprintf("phrase number %d", i), Value: -1}
		case 2:
			c = digest.Choice{Kind: digest.ChoicePriority, Key: strconv.FormatInt(feeds[i%len(feeds)].ID, 10), Value: float64(i%5 - 2)}
		case 3:
			c = digest.Choice{Kind: digest.ChoiceSite, Key: fmt.Sprintf("outlet%d.example", 10000+i), Value: -1}
		case 4:
			c = digest.Choice{Kind: digest.ChoiceEntity, Key: rank.EntityKey(digest.Place, fmt.Sprintf("Nowhere %d", i)), Value: -1}
		}
		c.Label = c.Key
		if err := e.Store.SetChoice(ctx, u.ID, &c); err != nil {
			b.Fatal(err)
		}
	}
	var sigs []digest.Signal
	for i := range digest.MaxSignals {
		sigs = append(sigs, digest.Signal{Key: fmt.Sprintf("entity:per:person %d", i), Clicks: float64(i % 3), Shown: 5})
	}
	if err := e.Store.Learn(ctx, u.ID, now, rank.HalfLife, sigs); err != nil {
		b.Fatal(err)
	}
	nVerdicts := forYouBenchVerdicts(b, e.Store, u.ID)
	b.Logf("%d stories, %d rules (%d verdicts), %d choices, %d signals in %v", nStories, forYouBenchRules, nVerdicts,
		forYouBenchChoices, len(sigs), time.Since(start).Round(time.Millisecond))
	if kept != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		db, err := sql.Open("sqlite", e.Store.Path())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if _, err := db.ExecContext(ctx, `VACUUM INTO '`+strings.ReplaceAll(kept, "'", "''")+`'`); err != nil {
			b.Fatal(err)
		}
	}
	return &forYouBench{store: e.Store, auth: e.Auth, user: u.User, now: now}
}

// forYouBenchNow is the benchmark's clock: an hour after the reader's
// newest article.
func forYouBenchNow(b *testing.B, st *sqlite.DB, userID int64) time.Time {
	refs, err := st.ArticleRefs(context.Background(), digest.ArticleQuery{UserID: userID, Limit: 1})
	if err != nil || len(refs) == 0 {
		b.Fatalf("newest article: %v", err)
	}
	return refs[0].Published.Add(time.Hour)
}

// forYouBenchVerdicts stores forYouBenchRules rules for the user, a
// quarter each block, like, dislike and like-in-one-feed, and writes
// their verdicts in bulk, as ApplyRules would leave them had each rule
// matched its share of the user's articles: one article in 10 liked, one
// in 10 disliked, one in 100 hidden (each verdict naming one to three
// rules). Applying 1,000 rules to 200,000 articles here would take
// minutes; the ranking reads only the stored verdicts.
func forYouBenchVerdicts(b *testing.B, st *sqlite.DB, userID int64) int {
	ctx := context.Background()
	var rules []digest.Rule
	actions := []digest.RuleAction{digest.RuleBlock, digest.RuleLike, digest.RuleDislike, digest.RuleLike}
	for i := range forYouBenchRules {
		r := digest.Rule{Name: fmt.Sprintf("rule %d", i), Match: fmt.Sprintf(`title:"number f%d-"`, i), Action: actions[i%4], Enabled: true}
		if r.Action != digest.RuleBlock {
			r.Weight = float64(1 + i%3)
		}
		if err := st.CreateRule(ctx, userID, &r); err != nil {
			b.Fatal(err)
		}
		rules = append(rules, r)
	}
	byAction := map[digest.RuleAction][]digest.Rule{}
	for _, r := range rules {
		byAction[r.Action] = append(byAction[r.Action], r)
	}
	refs, err := st.ArticleRefs(ctx, digest.ArticleQuery{UserID: userID, ByID: true, Oldest: true, Limit: 1_000_000})
	if err != nil {
		b.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+st.Path()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO rule_verdicts (user_id, article_id, hidden, weight, reasons) VALUES (?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	hide, err := tx.PrepareContext(ctx, `UPDATE article_states SET hidden = 1 WHERE user_id = ? AND article_id = ?`)
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for k, ref := range refs {
		var action digest.RuleAction
		switch {
		case k%100 == 7:
			action = digest.RuleBlock
		case k%10 == 3:
			action = digest.RuleLike
		case k%10 == 6:
			action = digest.RuleDislike
		default:
			continue
		}
		pool := byAction[action]
		var v digest.Verdict
		for j := range 1 + k%3 {
			r := pool[(k/10+j*37)%len(pool)]
			w := r.Weight
			if action == digest.RuleDislike {
				w = -w
			}
			v.Reasons = append(v.Reasons, digest.RuleReason{RuleID: r.ID, Name: r.Name, Action: r.Action, Weight: w})
			v.Weight += w
		}
		v.Hidden = action == digest.RuleBlock
		if v.Hidden {
			v.Weight = 0
			if _, err := hide.ExecContext(ctx, userID, ref.ID); err != nil {
				b.Fatal(err)
			}
		}
		reasons, err := json.Marshal(v.Reasons)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ins.ExecContext(ctx, userID, ref.ID, v.Hidden, v.Weight, string(reasons)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return n
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// BenchmarkForYou ranks the front page for one reader: the target is a
// median under 30 ms at 200,000 articles, 5,000 open stories and 1,000
// rules. Rank is the ranking alone (every store read it makes, scoring,
// diversity); Page is the whole front page, with the river, the cards
// and the impressions written.
func BenchmarkForYou(b *testing.B) {
	ctx := context.Background()
	fb := setupForYouBench(b)
	u, now := fb.user, fb.now
	srv := New(Config{Now: func() time.Time { return now }}, fb.store, &storeFeeds{store: fb.store}, fb.auth, nil)

	b.Run("Rank", func(b *testing.B) {
		res, err := srv.forYou(ctx, u.ID, homeStories)
		if err != nil || len(res.Stories) != homeStories {
			b.Fatalf("forYou: %v", err)
		}
		cpu := cpuTime()
		testenv.Measure(b, func() {
			if _, err := srv.forYou(ctx, u.ID, homeStories); err != nil {
				b.Fatal(err)
			}
		})
		reportCPU(b, cpu)
	})
	b.Run("Page", func(b *testing.B) {
		token, _, err := fb.auth.StartSession(ctx, u, "bench", "127.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		h := srv.Handler()
		defer reportCPU(b, cpuTime())
		testenv.Measure(b, func() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, benchRequestAs("digest_session="+token, "/"))
			if w.Code != 200 {
				b.Fatalf("GET / = %d", w.Code)
			}
		})
	})
}

// reportCPU reports the process's CPU time per op since start: on a
// shared machine, what an op costs better than its wall time.
func reportCPU(b *testing.B, start time.Duration) {
	if d := cpuTime() - start; start > 0 && b.N > 0 {
		b.ReportMetric(float64(d.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}
