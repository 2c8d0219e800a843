package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/rank"
)

// TestFrontPageRanksForTheReader: a new reader gets the stories most
// outlets carry first; one who has read about the quake gets the quake
// story first, with the reason in words and every part of its score.
func TestFrontPageRanksForTheReader(t *testing.T) {
	fx := newFixture(t)
	wire := fx.addFeed(t, "wire", "Wire")
	fx.addEntries(t, wire,
		entry("q1", "Earthquake damage counted in Port Alder harbour", time.Hour, "<p>x</p>"),
		entry("q2", "Port Alder earthquake: engineers inspect the harbour wall", 2*time.Hour, "<p>x</p>"),
		entry("fair", "Lindenfeld opens its winter fair", 3*time.Hour, "<p>x</p>"),
		entry("quake-story", "Aftershock earthquake rattles Port Alder harbour", 4*time.Hour, "<p>x</p>"),
	)
	saveStory(t, fx, &digest.Story{Headline: "Winter fair opens in Lindenfeld", Summary: "Stalls and music.", Outlets: 6,
		Importance: 6, FirstSeen: baseTime, LastSeen: baseTime, ArticleIDs: []int64{fx.articleIDs["fair"]}})
	saveStory(t, fx, &digest.Story{Headline: "Aftershock earthquake rattles Port Alder harbour", Summary: "Engineers inspect the harbour.",
		Outlets: 1, Importance: 1, FirstSeen: baseTime, LastSeen: baseTime, ArticleIDs: []int64{fx.articleIDs["quake-story"]}})
	first := func() string {
		body := fx.do(t, "GET", "/", "").Body.String()
		fair, quake := strings.Index(body, "Winter fair opens"), strings.Index(body, "Aftershock earthquake rattles")
		if fair < 0 || quake < 0 {
			t.Fatalf("front page lacks a story")
		}
		if fair < quake {
			return "fair"
		}
		return "quake"
	}
	if got := first(); got != "fair" {
		t.Errorf("a new reader's first story is the %s one, want the one of 6 outlets", got)
	}
	if body := fx.do(t, "GET", "/", "").Body.String(); !strings.Contains(body, "6 outlets") {
		t.Error("the fair story does not say why: 6 outlets")
	}
	if _, err := fx.store.MarkRead(context.Background(), fx.uid, []int64{fx.articleIDs["q1"], fx.articleIDs["q2"]}, true); err != nil {
		t.Fatal(err)
	}
	if got := first(); got != "quake" {
		t.Errorf("after reading about the quake, the first story is the %s one", got)
	}
	body := fx.do(t, "GET", "/", "").Body.String()
	if !strings.Contains(body, "like what you read") || !strings.Contains(body, "Like what you read") || !strings.Contains(body, `class="why-total"`) {
		t.Error("the quake story does not show its reason and parts")
	}
}

// forYouFixture is a reader with three stories on the front page: the
// quake (4 outlets, naming Port Alder), the fair and the tram vote.
func forYouFixture(t *testing.T) (fx *fixture, quake, fair, tram int64) {
	t.Helper()
	fx = newFixture(t)
	wire := fx.addFeed(t, "wire", "Wire")
	local := fx.addFeed(t, "local", "Harbour Gazette")
	fx.addEntries(t, wire,
		entry("q", "Aftershock rattles Port Alder harbour", time.Hour, "<p>x</p>"),
		entry("fair", "Lindenfeld opens its winter fair", 2*time.Hour, "<p>x</p>"))
	fx.addEntries(t, local, entry("tram", "Council backs the tram line", 3*time.Hour, "<p>x</p>"))
	quake = saveStory(t, fx, &digest.Story{Headline: "Aftershock rattles Port Alder harbour", Summary: "Engineers inspect the wall.", Outlets: 4,
		Importance: 4, FirstSeen: baseTime, LastSeen: baseTime, ArticleIDs: []int64{fx.articleIDs["q"]},
		Entities: []digest.Entity{{Name: "Port Alder", Kind: digest.Place, Count: 3}}})
	fair = saveStory(t, fx, &digest.Story{Headline: "Lindenfeld opens its winter fair", Summary: "Stalls and music.", Outlets: 6,
		Importance: 6, FirstSeen: baseTime, LastSeen: baseTime, ArticleIDs: []int64{fx.articleIDs["fair"]},
		Entities: []digest.Entity{{Name: "Lindenfeld", Kind: digest.Place, Count: 2}}})
	tram = saveStory(t, fx, &digest.Story{Headline: "Council backs the tram line", Summary: "A vote after a long debate.", Outlets: 2,
		Importance: 2, FirstSeen: baseTime, LastSeen: baseTime, ArticleIDs: []int64{fx.articleIDs["tram"]}})
	return fx, quake, fair, tram
}

// frontStories returns the story IDs of the front page's cards, in order.
func frontStories(t *testing.T, fx *fixture) ([]int64, string) {
	t.Helper()
	w := fx.do(t, "GET", "/", "")
	if w.Code != 200 {
		t.Fatalf("GET / = %d", w.Code)
	}
	body := w.Body.String()
	var ids []int64
	for _, m := range cardLink.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids, body
}

// TestFollowAndMuteFromTheCard: following a place from a card puts its
// story first with the reason in words; muting it takes the story off
// at once and says so; undoing the mute brings it back.
func TestFollowAndMuteFromTheCard(t *testing.T) {
	fx, quake, fair, _ := forYouFixture(t)
	ids, body := frontStories(t, fx)
	if len(ids) != 3 || ids[0] != fair {
		t.Fatalf("a new reader's front page: %v, want the fair (6 outlets) first", ids)
	}
	if !strings.Contains(body, `value="loc:port alder"`) || !strings.Contains(body, "Follow Port Alder") {
		t.Fatal("the quake's card offers no way to follow Port Alder")
	}
	follow := url.Values{"kind": {"entity"}, "key": {"loc:port alder"}, "label": {"Port Alder"}, "value": {"follow"}, "return": {"/"}}
	if w := fx.form(t, "/foryou/choices", follow); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/" {
		t.Fatalf("follow: %d %s", w.Code, w.Header().Get("Location"))
	}
	ids, body = frontStories(t, fx)
	if ids[0] != quake {
		t.Errorf("after following Port Alder the first story is %d, want the quake %d", ids[0], quake)
	}
	if !strings.Contains(body, "You follow Port Alder · 4 outlets") {
		t.Error(`the quake's reason is not "You follow Port Alder · 4 outlets"`)
	}
	if !strings.Contains(body, "Following Port Alder") {
		t.Error("the card does not show that Port Alder is followed")
	}
	mute := url.Values{"kind": {"entity"}, "key": {"loc:port alder"}, "label": {"Port Alder"}, "value": {"mute"}, "return": {"https://evil.example/"}}
	if w := fx.form(t, "/foryou/choices", mute); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/foryou" {
		t.Fatalf("mute with a foreign return: %d %q, want back to /foryou", w.Code, w.Header().Get("Location"))
	}
	ids, body = frontStories(t, fx)
	if slices.Contains(ids, quake) || len(ids) != 2 {
		t.Errorf("after muting Port Alder the front page shows %v", ids)
	}
	if !strings.Contains(body, "1 story hidden by your choices") {
		t.Error("the front page does not say a story is hidden")
	}
	page := fx.do(t, "GET", "/foryou", "").Body.String()
	if !strings.Contains(page, "Muted") || !strings.Contains(page, "Port Alder") {
		t.Error("/foryou does not list the mute")
	}
	if w := fx.form(t, "/foryou/choices/delete", url.Values{"kind": {"entity"}, "key": {"loc:port alder"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("unmute: %d", w.Code)
	}
	if ids, _ = frontStories(t, fx); !slices.Contains(ids, quake) {
		t.Error("after removing the mute the quake is still hidden")
	}
}

// TestLessOfThisIsOneTapFromTheReason: the form beside the reason takes
// the story off and lists it among the choices; "more like this" lifts
// a similar story.
func TestLessOfThisIsOneTapFromTheReason(t *testing.T) {
	fx, quake, fair, tram := forYouFixture(t)
	_, body := frontStories(t, fx)
	less := fmt.Sprintf(`action="/stories/%d/less"`, fair)
	if !strings.Contains(body, less) {
		t.Fatal("no \"less of this\" form on the fair's card")
	}
	if w := fx.form(t, fmt.Sprintf("/stories/%d/less", fair), url.Values{"return": {"/"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("less: %d %s", w.Code, w.Body)
	}
	ids, _ := frontStories(t, fx)
	if slices.Contains(ids, fair) {
		t.Errorf("after \"less of this\" the fair is still shown: %v", ids)
	}
	if page := fx.do(t, "GET", "/foryou", "").Body.String(); !strings.Contains(page, "Less like this") || !strings.Contains(page, "Lindenfeld opens its winter fair") {
		t.Error("/foryou does not list the story asked less of")
	}
	if w := fx.form(t, fmt.Sprintf("/stories/%d/more", tram), url.Values{}); w.Code != http.StatusSeeOther {
		t.Fatalf("more: %d", w.Code)
	}
	ids, body = frontStories(t, fx)
	if len(ids) != 2 || ids[0] != tram {
		t.Errorf("after \"more like this\" on the tram vote: %v, want it first (quake %d)", ids, quake)
	}
	if !strings.Contains(body, "Like stories you asked more of") {
		t.Error("the why list lacks the more-like-this part")
	}
	// A story the reader does not see: 404, nothing saved.
	if w := fx.form(t, "/stories/999999/less", url.Values{}); w.Code != http.StatusNotFound {
		t.Errorf("less of an unknown story: %d", w.Code)
	}
}

// TestExplanationsAreTrue: on the front page, each card's listed parts
// add up to its score (as printed, to the rounding of two decimals),
// and the cards come in score order.
func TestExplanationsAreTrue(t *testing.T) {
	fx, _, _, _ := forYouFixture(t)
	for _, v := range []url.Values{
		{"kind": {"entity"}, "key": {"loc:lindenfeld"}, "label": {"Lindenfeld"}, "value": {"follow"}},
		{"kind": {"phrase"}, "key": {"Tram Line"}, "value": {"follow"}},
		{"kind": {"priority"}, "key": {strconv.FormatInt(fx.feedIDs["local"], 10)}, "value": {"-1"}},
	} {
		if w := fx.form(t, "/foryou/choices", v); w.Code != http.StatusSeeOther {
			t.Fatalf("choice %v: %d %s", v, w.Code, w.Body)
		}
	}
	if _, err := fx.store.MarkRead(context.Background(), fx.uid, []int64{fx.articleIDs["q"]}, true); err != nil {
		t.Fatal(err)
	}
	_, body := frontStories(t, fx)
	cards := strings.Split(strings.ReplaceAll(body, "&#43;", "+"), `<li class="story-card">`)[1:]
	if len(cards) != 3 {
		t.Fatalf("%d cards", len(cards))
	}
	value := regexp.MustCompile(`<span class="why-value">([-+0-9.]+)</span>`)
	prev := math.Inf(1)
	names := map[string]bool{}
	for _, c := range cards {
		vs := value.FindAllStringSubmatch(c, -1)
		if len(vs) < 2 {
			t.Fatalf("a card lists %d values: %s", len(vs), c)
		}
		sum := 0.0
		for _, v := range vs[:len(vs)-1] {
			x, _ := strconv.ParseFloat(v[1], 64)
			sum += x
		}
		total, _ := strconv.ParseFloat(vs[len(vs)-1][1], 64)
		if math.Abs(sum-total) > 0.005*float64(len(vs))+1e-9 {
			t.Errorf("parts add up to %.3f, the score shown is %.2f", sum, total)
		}
		if total > prev+0.005 {
			t.Errorf("score %.2f after %.2f: not in score order", total, prev)
		}
		prev = total
		for _, m := range regexp.MustCompile(`<li><span>([^<(]+)`).FindAllStringSubmatch(c, -1) {
			names[strings.TrimSpace(m[1])] = true
		}
	}
	for _, want := range []string{"Outlets covering it", "What you follow", "Phrases you follow", "Feed priority", "Like what you read"} {
		if !names[want] {
			t.Errorf("no card lists the part %q (parts: %v)", want, names)
		}
	}
}

// TestOnboardingForANewReader: a reader with no history and no choices
// is offered the entities, outlets and categories of their stories to
// follow; once they follow one, the step is gone.
func TestOnboardingForANewReader(t *testing.T) {
	fx, _, _, _ := forYouFixture(t)
	_, body := frontStories(t, fx)
	if !strings.Contains(body, "Make it yours") || !strings.Contains(body, "+ Port Alder") || !strings.Contains(body, "+ Harbour Gazette") {
		t.Fatal("a new reader is not offered things to follow")
	}
	if w := fx.form(t, "/foryou/choices", url.Values{"kind": {"site"}, "key": {"local.example"}, "label": {"Harbour Gazette"}, "value": {"follow"}, "return": {"/"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("follow an outlet: %d", w.Code)
	}
	_, body = frontStories(t, fx)
	if strings.Contains(body, "Make it yours") {
		t.Error("the onboarding step stays after a first follow")
	}
	if !strings.Contains(body, "You follow Harbour Gazette") {
		t.Error("the tram story does not say its outlet is followed")
	}
}

// TestForYouLearnsFromWhatIsShownAndOpened: a page view records fresh
// impressions once (a reload within the window adds nothing), opening a
// story is learned from once, and a prefetch teaches nothing.
func TestForYouLearnsFromWhatIsShownAndOpened(t *testing.T) {
	fx, quake, _, _ := forYouFixture(t)
	ctx := context.Background()
	shown := func() (all, clicks float64) {
		sigs, err := fx.store.Signals(ctx, fx.uid)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sigs {
			if s.Key == rank.AllKey {
				return s.Shown, s.Clicks
			}
		}
		return 0, 0
	}
	// A prefetch, a prerender or a HEAD is no reader looking.
	for _, target := range []string{"/", "/stories/" + strconv.FormatInt(quake, 10)} {
		fx.do(t, "GET", target, "", "Sec-Purpose", "prefetch")
		fx.do(t, "GET", target, "", "Sec-Purpose", "prefetch;prerender")
		fx.do(t, "HEAD", target, "")
	}
	if sigs, _ := fx.store.Signals(ctx, fx.uid); len(sigs) != 0 {
		t.Errorf("prefetches taught %+v", sigs)
	}
	frontStories(t, fx)
	if n, _ := shown(); n != 3 {
		t.Errorf("after one page view, %v stories counted shown, want 3", n)
	}
	frontStories(t, fx)
	if n, _ := shown(); n != 3 {
		t.Errorf("a reload counted again: %v shown", n)
	}
	for range 2 {
		if w := fx.do(t, "GET", "/stories/"+strconv.FormatInt(quake, 10), ""); w.Code != 200 {
			t.Fatalf("story page: %d", w.Code)
		}
	}
	if _, c := shown(); c != learnOpen {
		t.Errorf("opening the quake twice counted %v clicks, want %v", c, float64(learnOpen))
	}
	sigs, _ := fx.store.Signals(ctx, fx.uid)
	var place bool
	for _, s := range sigs {
		place = place || (s.Key == "entity:loc:port alder" && s.Clicks > 0)
	}
	if !place {
		t.Errorf("opening the quake taught nothing of Port Alder: %+v", sigs)
	}
}

// TestChoiceFormsRefuseBadInput: unknown kinds, bad values, feeds of
// others and hostile text are refused or stored harmlessly.
func TestChoiceFormsRefuseBadInput(t *testing.T) {
	fx, _, _, _ := forYouFixture(t)
	for name, tc := range map[string]struct {
		v    url.Values
		code int
	}{
		"unknown kind":        {url.Values{"kind": {"mood"}, "key": {"x"}, "value": {"follow"}}, 400},
		"no key":              {url.Values{"kind": {"phrase"}, "key": {""}, "value": {"follow"}}, 400},
		"bad value":           {url.Values{"kind": {"phrase"}, "key": {"x"}, "value": {"lots"}}, 400},
		"value out of range":  {url.Values{"kind": {"priority"}, "key": {strconv.FormatInt(fx.feedIDs["wire"], 10)}, "value": {"9"}}, 400},
		"NaN":                 {url.Values{"kind": {"priority"}, "key": {strconv.FormatInt(fx.feedIDs["wire"], 10)}, "value": {"NaN"}}, 400},
		"someone else's feed": {url.Values{"kind": {"priority"}, "key": {"999999"}, "value": {"1"}}, 404},
		"story by form":       {url.Values{"kind": {"story"}, "key": {"1"}, "value": {"-1"}}, 400},
		"delete nothing":      {url.Values{"kind": {"phrase"}, "key": {"never"}}, 404},
	} {
		target := "/foryou/choices"
		if name == "delete nothing" {
			target += "/delete"
		}
		if w := fx.form(t, target, tc.v); w.Code != tc.code {
			t.Errorf("%s: %d, want %d", name, w.Code, tc.code)
		}
	}
	// Hostile text is escaped where it is shown.
	xss := `<script>alert(1)</script>`
	if w := fx.form(t, "/foryou/choices", url.Values{"kind": {"phrase"}, "key": {xss}, "label": {xss}, "value": {"mute"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("hostile phrase: %d", w.Code)
	}
	if page := fx.do(t, "GET", "/foryou", "").Body.String(); strings.Contains(page, xss) {
		t.Error("a phrase is shown unescaped")
	}
	// Cross-origin posts are refused.
	w := fx.do(t, "POST", "/foryou/choices", "kind=phrase&key=x&value=mute", "Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if w.Code != http.StatusForbidden {
		t.Errorf("a cross-site post: %d, want 403", w.Code)
	}
}

// TestHostileEntityNamesDoNotBreakForYou: a story naming an entity of a
// name longer than any key the store keeps still shows, opens and is
// learned from by its other features.
func TestHostileEntityNamesDoNotBreakForYou(t *testing.T) {
	fx, _, _, _ := forYouFixture(t)
	long := strings.Repeat("Very Long Name ", 60)
	id := saveStory(t, fx, &digest.Story{Headline: "A story naming a very long name", Outlets: 9, Importance: 9, FirstSeen: baseTime, LastSeen: baseTime,
		Entities: []digest.Entity{{Name: long, Kind: digest.Person, Count: 5}, {Name: "Port Alder", Kind: digest.Place, Count: 1}}})
	ids, _ := frontStories(t, fx)
	if !slices.Contains(ids, id) {
		t.Fatalf("the story is not on the front page: %v", ids)
	}
	if w := fx.do(t, "GET", "/stories/"+strconv.FormatInt(id, 10), ""); w.Code != 200 {
		t.Fatalf("story page: %d", w.Code)
	}
	sigs, err := fx.store.Signals(context.Background(), fx.uid)
	if err != nil {
		t.Fatal(err)
	}
	learned := false
	for _, s := range sigs {
		learned = learned || (s.Key == "entity:loc:port alder" && s.Clicks > 0)
	}
	if !learned {
		t.Error("opening the story taught nothing of its other entity")
	}
}

// TestLikeRuleLiftsAStory: a like rule on the tram vote's headline puts
// that story (2 outlets) first, with "Rule: NAME" among its parts and
// the rule as its reason; the parts still add up to the score shown.
func TestLikeRuleLiftsAStory(t *testing.T) {
	fx, _, fair, tram := forYouFixture(t)
	if ids, _ := frontStories(t, fx); len(ids) != 3 || ids[0] != fair {
		t.Fatalf("before the rule: %v, want the fair (6 outlets) first", ids)
	}
	v := url.Values{"name": {"Trams"}, "match": {"title:tram"}, "action": {"like"}, "weight": {"10"}, "scope": {""}, "enabled": {"1"}, "op": {"save"}}
	if w := fx.form(t, "/rules", v); w.Code != http.StatusSeeOther {
		t.Fatalf("save rule = %d\n%s", w.Code, w.Body.String())
	}
	ids, body := frontStories(t, fx)
	if len(ids) != 3 || ids[0] != tram {
		t.Fatalf("after a like rule on trams: %v, want the tram vote (%d) first", ids, tram)
	}
	cards := strings.Split(strings.ReplaceAll(body, "&#43;", "+"), `<li class="story-card">`)[1:]
	first := cards[0]
	if !strings.Contains(first, "Rule: Trams") || !strings.Contains(first, "Matches your rule Trams") {
		t.Errorf("the tram card does not show the rule as a part and its reason:\n%s", first)
	}
	if !strings.Contains(first, `<summary>Matches your rule Trams`) {
		t.Errorf("the rule is not the tram card's reason line:\n%s", first)
	}
	value := regexp.MustCompile(`<span class="why-value">([-+0-9.]+)</span>`)
	for _, c := range cards {
		vs := value.FindAllStringSubmatch(c, -1)
		sum := 0.0
		for _, v := range vs[:len(vs)-1] {
			x, _ := strconv.ParseFloat(v[1], 64)
			sum += x
		}
		total, _ := strconv.ParseFloat(vs[len(vs)-1][1], 64)
		if math.Abs(sum-total) > 0.005*float64(len(vs))+1e-9 {
			t.Errorf("parts add up to %.3f, the score shown is %.2f", sum, total)
		}
	}
	if strings.Contains(cards[1], "Rule: Trams") || strings.Contains(cards[2], "Rule: Trams") {
		t.Error("a story the rule does not match shows it")
	}
}

// TestTasteCacheFollowsWrites: For you's cached choices and signals are
// what the store holds after each of the server's writes: a page shown
// (signals learned), a follow and an unfollow (choices), "more like
// this" (both).
func TestTasteCacheFollowsWrites(t *testing.T) {
	fx, quake, _, _ := forYouFixture(t)
	ctx := context.Background()
	same := func(step string) {
		t.Helper()
		if _, err := fx.server.forYou(ctx, fx.uid, homeStories); err != nil {
			t.Fatal(err)
		}
		wantC, _ := fx.store.Choices(ctx, fx.uid)
		wantS, _ := fx.store.Signals(ctx, fx.uid)
		gotC, _ := fx.server.taste.choices(ctx, fx.store, fx.uid)
		gotS, _ := fx.server.taste.signals(ctx, fx.store, fx.uid)
		if len(gotC) != len(wantC) || len(gotS) != len(wantS) {
			t.Fatalf("%s: cached %d choices, %d signals; the store has %d, %d", step, len(gotC), len(gotS), len(wantC), len(wantS))
		}
		for i := range wantS {
			if gotS[i].Key != wantS[i].Key || gotS[i].Shown != wantS[i].Shown || gotS[i].Clicks != wantS[i].Clicks {
				t.Fatalf("%s: cached signal %+v, the store's %+v", step, gotS[i], wantS[i])
			}
		}
	}
	same("new reader")
	frontStories(t, fx)
	same("after a page shown")
	follow := url.Values{"kind": {"entity"}, "key": {"loc:port alder"}, "label": {"Port Alder"}, "value": {"follow"}, "return": {"/"}}
	if w := fx.form(t, "/foryou/choices", follow); w.Code != http.StatusSeeOther {
		t.Fatalf("follow: %d", w.Code)
	}
	same("after a follow")
	if w := fx.form(t, "/foryou/choices/delete", url.Values{"kind": {"entity"}, "key": {"loc:port alder"}, "return": {"/"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("unfollow: %d", w.Code)
	}
	same("after an unfollow")
	if w := fx.form(t, "/stories/"+strconv.FormatInt(quake, 10)+"/more", url.Values{"return": {"/"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("more like this: %d", w.Code)
	}
	same("after more like this")
}
