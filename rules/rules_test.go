package rules

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

func TestParse(t *testing.T) {
	good := []struct {
		name, in, canon string
	}{
		{"a word", "title:crypto", `title:"crypto"`},
		{"a phrase ignores case and spacing", `title:"Bitcoin   Price"`, `title:"bitcoin price"`},
		{"a regexp keeps its escapes", `content:/\d+ dead/`, `content:/\d+ dead/`},
		{"an escaped slash in a regexp", `url:/example\.org\/sport/`, `url:/example\.org\/sport/`},
		{"negation and several conditions", `  -author:"Jane Doe" older:7d feed:12 `, `-author:"jane doe" older:7 feed:12`},
		{"an entity", `entity:"Port Alder"`, `entity:"port alder"`},
		{"field names ignore case", `TITLE:x`, `title:"x"`},
		{"a quote inside a word", `title:a"b`, `title:"a\"b"`},
	}
	for _, c := range good {
		t.Run(c.name, func(t *testing.T) {
			e, err := Parse(c.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.in, err)
			}
			if got := e.String(); got != c.canon {
				t.Errorf("String() = %q, want %q", got, c.canon)
			}
		})
	}
	bad := []struct {
		name, in string
		col      int
		msg      string
	}{
		{"empty", "   ", 1, "empty rule"},
		{"no field", "crypto", 1, "expected field:value"},
		{"unknown field", "body:x", 1, `unknown field "body"`},
		{"missing value", "title: x", 7, "missing value"},
		{"bad regexp says where", `author:x title:/(unclosed/`, 16, "bad regexp: error parsing regexp: missing closing )"},
		{"unclosed regexp", `title:/abc`, 7, "regexp not closed"},
		{"unclosed phrase", `title:"abc`, 7, "phrase not closed"},
		{"empty regexp", `title://`, 7, "empty regexp"},
		{"empty phrase", `title:"  "`, 7, "empty phrase"},
		{"text after a regexp", `title:/a/b`, 10, "after the regexp"},
		{"older is days", `older:week`, 7, "number of days"},
		{"older is bounded", `older:99999999`, 7, "at most"},
		{"feed is an ID", `feed:-3`, 6, "not a feed ID"},
		{"invalid UTF-8", "title:a\xffb", 8, "invalid UTF-8"},
		{"a repeat beyond RE2's limit", `title:/a{1001}/`, 7, "invalid repeat count"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.in)
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %v, want *Error", c.in, err)
			}
			if pe.Col != c.col || !strings.Contains(pe.Msg, c.msg) {
				t.Errorf("Parse(%q) = column %d %q; want column %d containing %q", c.in, pe.Col, pe.Msg, c.col, c.msg)
			}
		})
	}
}

// Hostile patterns are refused by size before any work, and what RE2
// accepts cannot backtrack: the bounds are asserted, not the time.
func TestHostile(t *testing.T) {
	t.Run("a 1 MB pattern is refused by its size", func(t *testing.T) {
		_, err := Parse("title:/" + strings.Repeat("a", 1<<20) + "/")
		var pe *Error
		if !errors.As(err, &pe) || !strings.Contains(pe.Msg, fmt.Sprintf("at most %d", MaxExpr)) {
			t.Fatalf("err = %v, want the size limit", err)
		}
	})
	t.Run("a 1 MB rule is refused by Validate with EINVALID", func(t *testing.T) {
		r := digest.Rule{Name: "big", Action: digest.RuleBlock, Match: "title:" + strings.Repeat("x", 1<<20)}
		if _, err := Validate(&r); digest.ErrorCode(err) != digest.EINVALID {
			t.Fatalf("err = %v, want EINVALID", err)
		}
	})
	t.Run("nested repeats that blow up RE2's program are refused", func(t *testing.T) {
		_, err := Parse(`title:/((((a{100}){100}){100}){100})/`)
		if err == nil || !strings.Contains(err.Error(), "bad regexp") {
			t.Fatalf("err = %v, want a bad regexp", err)
		}
	})
	t.Run("catastrophic backtracking patterns run in RE2 on capped text", func(t *testing.T) {
		pats := []string{`(a*)*b`, `(a|aa)+$x`, `(.*a){20}z`, `^(\w+\s?)*$z`}
		text := strings.Repeat("a", 4*MaxText) // longer than what is matched
		for _, p := range pats {
			s := mustSet(t, digest.Rule{ID: 1, Name: p, Action: digest.RuleBlock, Match: "content:/" + p + "/", Enabled: true})
			v, _ := s.Judge(&Article{Text: text}, time.Now())
			if v.Hidden {
				t.Errorf("%s matched", p)
			}
		}
	})
	t.Run("only the first MaxText bytes of the text are matched", func(t *testing.T) {
		s := mustSet(t, digest.Rule{ID: 1, Name: "late", Action: digest.RuleBlock, Match: "content:needle", Enabled: true})
		early := strings.Repeat("x ", MaxText/4) + "needle"
		late := strings.Repeat("x ", MaxText) + "needle"
		if v, _ := s.Judge(&Article{Text: early}, time.Now()); !v.Hidden {
			t.Error("needle before the cap not found")
		}
		if v, _ := s.Judge(&Article{Text: late}, time.Now()); v.Hidden {
			t.Error("needle after the cap found: the text is not capped")
		}
	})
	t.Run("more than MaxRules rules are refused", func(t *testing.T) {
		rs := make([]digest.Rule, MaxRules+1)
		for i := range rs {
			rs[i] = digest.Rule{ID: int64(i + 1), Name: "r", Action: digest.RuleBlock, Match: "title:x", Enabled: true}
		}
		if _, err := Compile(rs); digest.ErrorCode(err) != digest.EINVALID {
			t.Fatalf("err = %v, want EINVALID", err)
		}
		if _, err := Compile(rs[:MaxRules]); err != nil {
			t.Fatalf("MaxRules rules: %v", err)
		}
	})
}

func mustSet(t testing.TB, rs ...digest.Rule) *Set {
	t.Helper()
	s, err := Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestJudge(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	crypto := &Article{ID: 1, Title: "Bitcoin price falls again", Author: "Jane Doe", URL: "https://coins.example/b",
		Text: "Markets said the coin fell.", Published: now.Add(-2 * time.Hour), Feeds: []int64{10}, Categories: []int64{100}}
	quake := &Article{ID: 2, Title: "Earthquake in Port Alder", Author: "Sam Roe", URL: "https://news.example/q",
		Text: "A strong earthquake struck.", Published: now.Add(-10 * 24 * time.Hour), Feeds: []int64{20}, Entities: []string{"Port Alder"}}
	r := func(id int64, action digest.RuleAction, match string) digest.Rule {
		return digest.Rule{ID: id, Name: fmt.Sprintf("r%d", id), Action: action, Match: match, Enabled: true}
	}
	cases := []struct {
		name    string
		rules   []digest.Rule
		a       *Article
		hidden  bool
		weight  float64
		reasons []int64
	}{
		{"no rules: neutral", nil, crypto, false, 0, nil},
		{"block on a title word", []digest.Rule{r(1, digest.RuleBlock, "title:bitcoin")}, crypto, true, 0, []int64{1}},
		{"a phrase matches whole words only", []digest.Rule{r(1, digest.RuleBlock, "content:ai")}, crypto, false, 0, nil},
		{"a regexp on the author", []digest.Rule{r(1, digest.RuleBlock, `author:/^Jane\b/`)}, crypto, true, 0, []int64{1}},
		{"a URL substring", []digest.Rule{r(1, digest.RuleSuperDislike, "url:coins.ex")}, crypto, true, 0, []int64{1}},
		{"negation", []digest.Rule{r(1, digest.RuleBlock, "title:bitcoin -author:jane")}, crypto, false, 0, nil},
		{"disabled rules do nothing", []digest.Rule{{ID: 1, Name: "off", Action: digest.RuleBlock, Match: "title:bitcoin"}}, crypto, false, 0, nil},
		{"like and dislike add up", []digest.Rule{
			{ID: 1, Name: "quakes", Action: digest.RuleLike, Weight: 2, Match: "title:earthquake", Enabled: true},
			{ID: 2, Name: "roe", Action: digest.RuleDislike, Weight: 0.5, Match: "author:roe", Enabled: true},
		}, quake, false, 1.5, []int64{1, 2}},
		{"like without weight weighs 1", []digest.Rule{r(1, digest.RuleLike, `entity:"port alder"`)}, quake, false, 1, []int64{1}},
		{"entity is the whole name", []digest.Rule{r(1, digest.RuleLike, `entity:port`)}, quake, false, 0, nil},
		{"older than", []digest.Rule{r(1, digest.RuleBlock, "older:7")}, quake, true, 0, []int64{1}},
		{"not yet older", []digest.Rule{r(1, digest.RuleBlock, "older:7")}, crypto, false, 0, nil},
		{"keep hides what does not match", []digest.Rule{r(1, digest.RuleKeep, "title:earthquake")}, crypto, true, 0, []int64{1}},
		{"keep shows what matches", []digest.Rule{r(1, digest.RuleKeep, "title:earthquake")}, quake, false, 0, nil},
		{"keep scoped to another feed leaves the article", []digest.Rule{{ID: 1, Name: "k", Action: digest.RuleKeep, Match: "title:x", FeedID: 20, Enabled: true}}, crypto, false, 0, nil},
		{"keep rules of one scope combine with OR", []digest.Rule{r(1, digest.RuleKeep, "title:x"), r(2, digest.RuleKeep, "title:bitcoin")}, crypto, false, 0, nil},
		{"block scoped to a category", []digest.Rule{{ID: 1, Name: "c", Action: digest.RuleBlock, Match: "text:coin", CategoryID: 100, Enabled: true}}, crypto, true, 0, []int64{1}},
		{"block scoped to another category", []digest.Rule{{ID: 1, Name: "c", Action: digest.RuleBlock, Match: "text:coin", CategoryID: 101, Enabled: true}}, crypto, false, 0, nil},
		{"feed condition", []digest.Rule{r(1, digest.RuleDislike, "feed:10")}, crypto, false, -1, []int64{1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, _ := mustSet(t, c.rules...).Judge(c.a, now)
			var ids []int64
			for _, r := range v.Reasons {
				ids = append(ids, r.RuleID)
			}
			if v.Hidden != c.hidden || v.Weight != c.weight || fmt.Sprint(ids) != fmt.Sprint(c.reasons) {
				t.Errorf("verdict = hidden %v weight %v reasons %v; want %v %v %v", v.Hidden, v.Weight, ids, c.hidden, c.weight, c.reasons)
			}
			if v.ArticleID != c.a.ID {
				t.Errorf("ArticleID = %d", v.ArticleID)
			}
		})
	}
	t.Run("an age condition not yet true asks for a recheck", func(t *testing.T) {
		s := mustSet(t, r(1, digest.RuleBlock, "older:1"))
		_, recheck := s.Judge(crypto, now)
		if want := crypto.Published.Add(24 * time.Hour); !recheck.Equal(want) {
			t.Errorf("recheck = %v, want %v", recheck, want)
		}
		if v, _ := s.Judge(crypto, recheck.Add(time.Second)); !v.Hidden {
			t.Error("not hidden after the recheck time")
		}
	})
}

func TestPart(t *testing.T) {
	s := mustSet(t,
		digest.Rule{ID: 1, Name: "Quakes", Action: digest.RuleLike, Weight: 2, Match: "title:earthquake", Enabled: true},
		digest.Rule{ID: 2, Name: "Roe", Action: digest.RuleDislike, Weight: 0.5, Match: "author:roe", Enabled: true},
		digest.Rule{ID: 3, Name: "Old", Action: digest.RuleBlock, Match: "older:1", Enabled: true},
	)
	v, _ := s.Judge(&Article{Title: "Earthquake", Author: "Sam Roe", Published: time.Now().Add(-48 * time.Hour)}, time.Now())
	name, w, ok := Part(v)
	if !ok || name != "Rule: Quakes, Roe" || w != 1.5 {
		t.Errorf("Part = %q %v %v", name, w, ok)
	}
	if _, _, ok := Part(digest.Verdict{Hidden: true, Reasons: []digest.RuleReason{{Name: "x", Action: digest.RuleBlock}}}); ok {
		t.Error("a block verdict is a ranking part")
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		r    digest.Rule
		msg  string
	}{
		{"unknown action", digest.Rule{Name: "a", Action: "delete", Match: "title:x"}, "unknown action"},
		{"no name", digest.Rule{Name: " ", Action: digest.RuleBlock, Match: "title:x"}, "needs a name"},
		{"two scopes", digest.Rule{Name: "a", Action: digest.RuleBlock, Match: "title:x", FeedID: 1, CategoryID: 2}, "not both"},
		{"negative weight", digest.Rule{Name: "a", Action: digest.RuleLike, Match: "title:x", Weight: -1}, "weight"},
		{"bad match says where", digest.Rule{Name: "a", Action: digest.RuleBlock, Match: "title:/(/"}, "match: column 7: title: bad regexp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Validate(&c.r)
			if digest.ErrorCode(err) != digest.EINVALID || !strings.Contains(digest.ErrorMessage(err), c.msg) {
				t.Errorf("err = %v (%s), want EINVALID with %q", err, digest.ErrorMessage(err), c.msg)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`title:crypto`, `title:"a phrase" -author:/^x/`, `url:/example\.org\/a/ older:7d feed:3`,
		`entity:"Port Alder"`, `content:/(a*)*b/`, `title:"a\"b\\c"`, `-text:x`, `title:/\\\//`, "title:\"", "title:/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Col < 1 || pe.Col > len(s)+1 {
				t.Fatalf("Parse(%q): error %v without a column in the input", s, err)
			}
			return
		}
		canon := e.String()
		e2, err := Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) ok but its String %q fails: %v", s, canon, err)
		}
		if got := e2.String(); got != canon {
			t.Fatalf("String not stable: %q -> %q", canon, got)
		}
		e.match(prepare(&Article{Title: s, Text: s, Author: s, URL: s, Entities: []string{s}}), time.Now())
	})
}

func TestStoryVerdict(t *testing.T) {
	like := digest.RuleReason{RuleID: 1, Name: "Harbour", Action: digest.RuleLike, Weight: 2}
	dislike := digest.RuleReason{RuleID: 2, Name: "Roe", Action: digest.RuleDislike, Weight: -0.5}
	block := digest.RuleReason{RuleID: 3, Name: "Crypto", Action: digest.RuleBlock}
	vs := map[int64]digest.Verdict{
		10: {ArticleID: 10, Weight: 2, Reasons: []digest.RuleReason{like}},
		11: {ArticleID: 11, Weight: 1.5, Reasons: []digest.RuleReason{like, dislike}},
		12: {ArticleID: 12, Hidden: true, Reasons: []digest.RuleReason{block}},
	}
	v := StoryVerdict(vs, []int64{10, 11, 12, 13})
	name, w, ok := Part(v)
	if !ok || name != "Rule: Harbour, Roe" || w != 1.5 || v.Hidden {
		t.Errorf("story verdict = %+v; part %q %v %v", v, name, w, ok)
	}
	if v := StoryVerdict(vs, []int64{12}); !v.Hidden {
		t.Error("a story of hidden articles only is not hidden")
	}
	if v := StoryVerdict(vs, []int64{12, 13}); v.Hidden {
		t.Error("a story with a visible article is hidden")
	}
}
