package rules

import (
	"fmt"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// benchRules returns n rules of every kind, as a heavy user would have:
// a quarter regexps, phrases on every field, scopes on a few feeds.
func benchRules(n int) []digest.Rule {
	actions := []digest.RuleAction{digest.RuleBlock, digest.RuleLike, digest.RuleDislike, digest.RuleSuperDislike}
	rs := make([]digest.Rule, n)
	for i := range rs {
		var m string
		switch i % 8 {
		case 0:
			m = fmt.Sprintf(`title:/(?i)\bword%d(s|ing)?\b/`, i)
		case 1:
			m = fmt.Sprintf(`content:"phrase number %d"`, i)
		case 2:
			m = fmt.Sprintf(`author:"Writer %d"`, i)
		case 3:
			m = fmt.Sprintf(`url:site%d.example`, i)
		case 4:
			m = fmt.Sprintf(`entity:"Person %d"`, i)
		case 5:
			m = fmt.Sprintf(`content:/\bterm%d\b.*\bother%d\b/`, i, i)
		case 6:
			m = fmt.Sprintf(`text:topic%d -title:exception%d`, i, i)
		case 7:
			m = fmt.Sprintf(`title:headline%d older:30`, i)
		}
		rs[i] = digest.Rule{ID: int64(i + 1), Name: fmt.Sprintf("rule %d", i), Action: actions[i%len(actions)], Match: m, Enabled: true}
		if i%10 == 9 {
			rs[i].FeedID = int64(i % 50)
		}
	}
	return rs
}

func benchArticle(i int) *Article {
	words := strings.Repeat(fmt.Sprintf("The council of town %d met on Tuesday to discuss the budget and the harbour. ", i), 60) // ~5 KB
	return &Article{
		ID: int64(i), Title: fmt.Sprintf("Council of town %d approves harbour budget", i), Author: "Reporter",
		URL: fmt.Sprintf("https://news.example/2026/%d", i), Text: words,
		Published: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Feeds: []int64{int64(i % 50)},
		Entities: []string{"Port Alder", fmt.Sprintf("Mayor %d", i)},
	}
}

// BenchmarkJudge1000Rules1Article: 1,000 rules against one article.
func BenchmarkJudge1000Rules1Article(b *testing.B) {
	s := mustSet(b, benchRules(1000)...)
	a := benchArticle(1)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		s.Judge(a, now)
	}
}

// BenchmarkJudge1000Rules5000Articles: 1,000 rules against 5,000
// articles (one op is all 5,000).
func BenchmarkJudge1000Rules5000Articles(b *testing.B) {
	s := mustSet(b, benchRules(1000)...)
	as := make([]*Article, 5000)
	for i := range as {
		as[i] = benchArticle(i)
	}
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range as {
			s.Judge(a, now)
		}
	}
}

// BenchmarkCompile1000Rules: compiling a heavy user's set once.
func BenchmarkCompile1000Rules(b *testing.B) {
	rs := benchRules(1000)
	for b.Loop() {
		if _, err := Compile(rs); err != nil {
			b.Fatal(err)
		}
	}
}
