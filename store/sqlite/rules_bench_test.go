package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// The rules benchmarks: what verdicts cost when judged as articles are
// stored, when re-applied, and what hiding costs the lists.
const (
	rulesBenchFeeds   = 20
	rulesBenchPerFeed = 1000 // 20,000 articles
)

func rulesBenchEntry(feed, n int) digest.Entry {
	name := fmt.Sprintf("f%d-%d", feed, n)
	topic := []string{"harbour", "council", "storm", "budget"}[n%4]
	text := strings.Repeat(fmt.Sprintf("The %s of town %d met on Tuesday to discuss the %s. ", topic, n, topic), 12)
	return digest.Entry{GUID: name, URL: "https://bench.example/" + name, Link: "https://bench.example/" + name,
		Title: fmt.Sprintf("The %s of town %d, item %d", topic, feed, n), Author: "Reporter",
		Published: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Minute),
		Summary:   "Summary", Content: "<p>" + text + "</p>", Text: text, Hash: name}
}

// rulesBenchDB opens a store with one reader following 20 feeds of
// 1,000 articles each.
func rulesBenchDB(b *testing.B) (*sqlite.DB, int64, []int64) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "rules.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	u := &digest.User{Name: "bench"}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	var feeds []int64
	for f := range rulesBenchFeeds {
		feed := &digest.Feed{URL: fmt.Sprintf("https://bench.example/%d/feed", f)}
		if err := db.CreateFeed(ctx, u.ID, feed); err != nil {
			b.Fatal(err)
		}
		feeds = append(feeds, feed.ID)
		for start := 0; start < rulesBenchPerFeed; start += 250 {
			r := digest.FetchResult{FeedID: feed.ID}
			for n := start; n < start+250; n++ {
				r.Entries = append(r.Entries, rulesBenchEntry(f, n))
			}
			if _, err := db.SaveFetches(ctx, []digest.FetchResult{r}); err != nil {
				b.Fatal(err)
			}
		}
	}
	return db, u.ID, feeds
}

// addBenchRules gives the user n rules of every kind that match little,
// as the rules package's benchmark has them.
func addBenchRules(b *testing.B, db *sqlite.DB, user int64, n int) {
	b.Helper()
	for i := range n {
		var m string
		switch i % 6 {
		case 0:
			m = fmt.Sprintf(`title:/(?i)\bword%d(s|ing)?\b/`, i)
		case 1:
			m = fmt.Sprintf(`content:"phrase number %d"`, i)
		case 2:
			m = fmt.Sprintf(`author:"Writer %d"`, i)
		case 3:
			m = fmt.Sprintf(`url:site%d.example`, i)
		case 4:
			m = fmt.Sprintf(`content:/\bterm%d\b.*\bother%d\b/`, i, i)
		case 5:
			m = fmt.Sprintf(`text:topic%d -title:exception%d`, i, i)
		}
		r := &digest.Rule{Name: fmt.Sprintf("rule %d", i), Match: m, Action: digest.RuleDislike, Enabled: true}
		if err := db.CreateRule(context.Background(), user, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRulesApply re-applies 10 and 1,000 rules to 20,000 stored
// articles (one op is the whole re-apply); one rule of them hides a
// quarter, so that verdicts are written.
func BenchmarkRulesApply(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			db, user, _ := rulesBenchDB(b)
			addBenchRules(b, db, user, n-1)
			if err := db.CreateRule(context.Background(), user, &digest.Rule{Name: "storms", Match: "title:storm", Action: digest.RuleBlock, Enabled: true}); err != nil {
				b.Fatal(err)
			}
			cpu := cpuTime()
			for b.Loop() {
				if _, err := db.ApplyRules(context.Background(), user); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/(rulesBenchFeeds*rulesBenchPerFeed), "µs/article")
			b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkRulesSaveFetches saves 100 new articles with no rule and with
// 1,000 rules of their one follower: the price of judging at ingest.
func BenchmarkRulesSaveFetches(b *testing.B) {
	for _, n := range []int{0, 1000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			db, user, feeds := rulesBenchDB(b)
			addBenchRules(b, db, user, n)
			round := 0
			for b.Loop() {
				r := digest.FetchResult{FeedID: feeds[round%len(feeds)]}
				for i := range 100 {
					r.Entries = append(r.Entries, rulesBenchEntry(round%len(feeds), rulesBenchPerFeed+round*100+i))
				}
				round++
				if _, err := db.SaveFetches(context.Background(), []digest.FetchResult{r}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRulesRiver reads the first page of the river and counts the
// unread, without rules and with a quarter of the articles hidden.
func BenchmarkRulesRiver(b *testing.B) {
	for _, hide := range []bool{false, true} {
		b.Run(fmt.Sprintf("hidden=%v", hide), func(b *testing.B) {
			db, user, _ := rulesBenchDB(b)
			ctx := context.Background()
			if hide {
				if err := db.CreateRule(ctx, user, &digest.Rule{Name: "storms", Match: "title:storm", Action: digest.RuleBlock, Enabled: true}); err != nil {
					b.Fatal(err)
				}
				if _, err := db.ApplyRules(ctx, user); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				if _, err := db.Articles(ctx, digest.ArticleQuery{UserID: user, Limit: 50}); err != nil {
					b.Fatal(err)
				}
				if _, err := db.CountArticles(ctx, digest.ArticleQuery{UserID: user, Unread: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
