// Package daily builds each reader's daily digest (the day's top stories
// for them, ranked as the "for you" page ranks them), keeps it, and sends
// it by e-mail at the hour the reader chose, once per day: a digest is
// stored before it is sent, with its mail state, so that a restart
// neither sends it twice nor skips it, and a failed send is tried again
// later with the same Message-ID.
//
// The package knows no HTTP: the web serves the digests and the private
// feeds it renders; cmd/digest gives it an SMTP mailer.
package daily

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/foryou"
)

// Mailer sends one message. *SMTP implements it.
type Mailer interface {
	Send(ctx context.Context, from string, to []string, msg []byte) error
}

// Options configure a Service. The zero value builds digests and sends
// nothing.
type Options struct {
	// Title is the site's name, in subjects and pages; "Occasional Digest"
	// when empty.
	Title string
	// BaseURL is the address readers reach the server at, for the links
	// of mails and feeds; "http://127.0.0.1:8080" when empty.
	BaseURL string
	// From is the sender of the mails, "Name <address>" or an address;
	// "digest@" and the base URL's host when empty.
	From string
	// Mailer sends the mails; nil sends none (digests are still built).
	Mailer Mailer
	// Stories is how many stories a digest holds; 10 when 0.
	Stories int
	// Interval is how often the scheduler looks for due work; a minute
	// when 0.
	Interval time.Duration
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Logger receives what the scheduler does; nil logs nothing.
	Logger *slog.Logger
	// Exclusive, when set, runs each round of the scheduler (round) only
	// if this process may: where several processes share one database,
	// it holds a lock across them for the round, and returns nil without
	// calling round when another holds it, so that no digest is built or
	// sent twice. Nil runs every round here.
	Exclusive func(ctx context.Context, round func(context.Context) error) error
	// Ranker ranks a digest's stories for its reader: the For you model,
	// so that a digest has the page's choices, learning and rules; one
	// over the store when nil.
	Ranker *foryou.Ranker
}

// Service builds, keeps and sends digests. Create it with New; Start runs
// its scheduler until Close.
type Service struct {
	store  digest.Store
	opts   Options
	ranker *foryou.Ranker
	from   *mail.Address
	logger *slog.Logger

	mu      sync.Mutex
	unsub   []byte // the unsubscribe signing key, once loaded
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	lastErr time.Time // when the scheduler last logged a failed round
}

// candidates is how many recent stories a digest ranks.
const (
	candidates = 200
	// linksPerStory bounds the sources listed under a story.
	linksPerStory = 5
	// noRepeatDays is how far back a story already sent is left out.
	noRepeatDays = 14
	// longRead is the words of an article that make its story a long
	// read.
	longRead = 1200
	// lookedAt is how many of the best ranked stories, per story of the
	// digest, are looked at for long reads.
	lookedAt = 3
)

// groupQuota is the most stories of each group beside the top stories a
// digest takes before the top stories (a followed story beyond it can
// still be a top story).
var groupQuota = map[string]int{digest.GroupFollow: 3, digest.GroupLong: 2, digest.GroupRare: 2}

// groupOrder is the order a digest shows its groups in.
var groupOrder = []string{digest.GroupTop, digest.GroupFollow, digest.GroupLong, digest.GroupRare}

// New returns a Service over store. It fails only on a From that is not
// an address.
func New(store digest.Store, o Options) (*Service, error) {
	if o.Title == "" {
		o.Title = "Occasional Digest"
	}
	if o.BaseURL == "" {
		o.BaseURL = "http://127.0.0.1:8080"
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if o.Stories <= 0 {
		o.Stories = 10
	}
	if o.Interval <= 0 {
		o.Interval = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.From == "" {
		o.From = "digest@" + hostOf(o.BaseURL)
	}
	from, err := mail.ParseAddress(o.From)
	if err != nil {
		return nil, fmt.Errorf("daily: the sender %q is not an address: %w", o.From, err)
	}
	if from.Name == "" {
		from.Name = o.Title
	}
	ranker := o.Ranker
	if ranker == nil {
		ranker = foryou.New(store, foryou.Options{Now: o.Now})
	}
	return &Service{store: store, opts: o, from: from, ranker: ranker, logger: o.Logger.With("component", "daily")}, nil
}

// BaseURL returns the address links point to, without a final slash.
func (s *Service) BaseURL() string { return s.opts.BaseURL }

// Title returns the site's name.
func (s *Service) Title() string { return s.opts.Title }

// Location returns the user's time zone (UTC when unset or unknown).
func Location(u *digest.User) *time.Location {
	if u == nil || u.Settings.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(u.Settings.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Day returns the day of t in the user's time zone, as YYYY-MM-DD.
func Day(u *digest.User, t time.Time) string { return t.In(Location(u)).Format(time.DateOnly) }

// Build builds the user's digest of the day that now is in their time
// zone, without storing it: the stories since their last digest (or the
// last day, or week for a weekly digest), ranked for them by the For you
// model (their choices, what they open and pass over, their rules,
// diversity), leaving out the stories of their digests of the last two
// weeks, in groups: top stories, what they follow, long reads, from
// feeds that publish rarely.
func (s *Service) Build(ctx context.Context, u *digest.User, now time.Time) (*digest.DailyDigest, error) {
	day := Day(u, now)
	ds, err := s.store.DailySettings(ctx, u.ID)
	if err != nil {
		return nil, fmt.Errorf("build digest of user %d: %w", u.ID, err)
	}
	prev, err := s.store.DailyDigests(ctx, u.ID, noRepeatDays)
	if err != nil {
		return nil, fmt.Errorf("build digest of user %d: %w", u.ID, err)
	}
	window := 24 * time.Hour
	if ds.Weekly {
		window = 7 * 24 * time.Hour
	}
	since := now.Add(-window)
	sent := map[int64]bool{}
	latest := time.Time{}
	for _, p := range prev {
		if p.Day == day {
			continue
		}
		for _, it := range p.Items {
			sent[it.StoryID] = true
		}
		if p.Built.After(latest) {
			latest = p.Built
		}
	}
	if !latest.IsZero() && latest.Before(since) && now.Sub(latest) < window+7*24*time.Hour {
		since = latest // since the last digest, a week more at most
	}
	list, err := s.store.DailyStories(ctx, u.ID, since, candidates)
	if err != nil {
		return nil, fmt.Errorf("build digest of user %d: %w", u.ID, err)
	}
	fresh := list[:0]
	for _, st := range list {
		if !sent[st.ID] {
			fresh = append(fresh, st)
		}
	}
	res, err := s.ranker.Rank(ctx, u.ID, fresh, len(fresh), now)
	if err != nil {
		return nil, fmt.Errorf("build digest of user %d: %w", u.ID, err)
	}
	ranked := res.Stories
	look := ranked[:min(len(ranked), lookedAt*s.opts.Stories)]

	var ids []int64
	for _, r := range look {
		ids = append(ids, r.Story.ArticleIDs[:min(len(r.Story.ArticleIDs), linksPerStory)]...)
	}
	byID := map[int64]*digest.Article{}
	if len(ids) > 0 {
		page, err := s.store.Articles(ctx, digest.ArticleQuery{UserID: u.ID, IDs: ids, Limit: len(ids)})
		if err != nil {
			return nil, fmt.Errorf("build digest of user %d: %w", u.ID, err)
		}
		for i := range page.Articles {
			byID[page.Articles[i].ID] = &page.Articles[i]
		}
	}
	picked := pick(ranked, len(look), s.opts.Stories, func(st *digest.Story) bool {
		for _, id := range st.ArticleIDs[:min(len(st.ArticleIDs), linksPerStory)] {
			if a := byID[id]; a != nil && a.WordCount >= longRead {
				return true
			}
		}
		return false
	})
	d := &digest.DailyDigest{UserID: u.ID, Day: day, Built: now.UTC(), Items: make([]digest.DailyItem, 0, len(picked))}
	for _, p := range picked {
		r := p.story
		it := digest.DailyItem{StoryID: r.Story.ID, Headline: r.Story.Headline, Summary: short(r.Story.Summary, 400),
			Sources: r.Story.Outlets, Reason: r.Score.Strongest(), Group: p.group, ArticleIDs: r.Story.ArticleIDs}
		if it.Reason == fmt.Sprintf("%d outlets", it.Sources) {
			it.Reason = "" // the count is shown anyway
		}
		if p.group == digest.GroupLong && it.Reason == "" {
			it.Reason = "A long read"
		}
		for _, id := range r.Story.ArticleIDs[:min(len(r.Story.ArticleIDs), linksPerStory)] {
			a := byID[id]
			if a == nil {
				continue
			}
			it.Links = append(it.Links, linkOf(a))
		}
		// A story counts its outlets across every reader's feeds when the
		// engine saved it; never fewer than the outlets linked here.
		outlets := map[string]bool{}
		for _, l := range it.Links {
			outlets[l.Outlet] = true
		}
		if len(outlets) > it.Sources {
			it.Sources = len(outlets)
			if it.Reason == fmt.Sprintf("%d outlets", it.Sources) {
				it.Reason = ""
			}
		}
		if it.Summary == "" && len(it.Links) > 0 {
			if a := byID[r.Story.ArticleIDs[0]]; a != nil {
				it.Summary = short(a.Summary, 400)
			}
		}
		d.Items = append(d.Items, it)
	}
	return d, nil
}

// picked is a story a digest takes, with its group.
type picked struct {
	story foryou.Story
	group string
}

// groupOf is the group a ranked story belongs to beside the top stories,
// "" for none: what the reader follows (a follow, a positive priority or
// phrase, a like rule), from a feed that publishes rarely, a long read.
func groupOf(r *foryou.Story, long bool) string {
	for _, p := range r.Score.Parts {
		switch {
		case p.Value <= 0:
		case p.Name == "follow", p.Name == "priority", p.Name == "phrase", strings.HasPrefix(p.Name, "Rule: "):
			return digest.GroupFollow
		}
	}
	if p, ok := r.Score.Part("rare-feed"); ok && p.Reason != "" {
		return digest.GroupRare
	}
	if long {
		return digest.GroupLong
	}
	return ""
}

// pick chooses up to n of ranked (best first): first each group's quota
// among the best look, then the best of the rest as top stories; they
// come in groupOrder, each group best first.
func pick(ranked []foryou.Story, look, n int, long func(*digest.Story) bool) []picked {
	taken := make([]bool, len(ranked))
	count := map[string]int{}
	var out []picked
	for i := range ranked[:look] {
		if len(out) == n {
			break
		}
		isLong := long(&ranked[i].Story)
		g := groupOf(&ranked[i], isLong)
		if g == "" || count[g] >= groupQuota[g] {
			continue
		}
		count[g]++
		taken[i] = true
		out = append(out, picked{story: ranked[i], group: g})
	}
	for i := range ranked {
		if len(out) == n {
			break
		}
		if !taken[i] {
			taken[i] = true
			out = append(out, picked{story: ranked[i], group: digest.GroupTop})
		}
	}
	slices.SortStableFunc(out, func(a, b picked) int {
		return slices.Index(groupOrder, a.group) - slices.Index(groupOrder, b.group)
	})
	return out
}

// Section is one group of a digest as pages and mails show it.
type Section struct {
	Title string
	Items []digest.DailyItem
}

// groupTitles are the groups' headings.
var groupTitles = map[string]string{
	digest.GroupTop:    "Top stories",
	digest.GroupFollow: "What you follow",
	digest.GroupLong:   "Long reads",
	digest.GroupRare:   "From feeds that publish rarely",
}

// Sections groups a digest's items (in their order; an item of no group
// is a top story).
func Sections(items []digest.DailyItem) []Section {
	var out []Section
	for _, it := range items {
		g := it.Group
		if g == "" {
			g = digest.GroupTop
		}
		title := groupTitles[g]
		if title == "" {
			title = groupTitles[digest.GroupTop]
		}
		if len(out) == 0 || out[len(out)-1].Title != title {
			out = append(out, Section{Title: title})
		}
		out[len(out)-1].Items = append(out[len(out)-1].Items, it)
	}
	return out
}

// linkOf is an article's link: its original source's, else its own.
func linkOf(a *digest.Article) digest.DailyLink {
	l := digest.DailyLink{Title: a.Title, URL: a.URL, Outlet: a.SiteName}
	for _, src := range a.Sources {
		if src.URL != "" && (l.Outlet == "" || src.Original) {
			l.URL = src.URL
			if src.FeedTitle != "" {
				l.Outlet = src.FeedTitle
			}
			if src.Original {
				break
			}
		}
	}
	if l.Outlet == "" {
		l.Outlet = hostOf(l.URL)
	}
	return l
}

// short cuts text to at most n bytes at a word, with an ellipsis.
func short(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if len(text) <= n {
		return text
	}
	cut := strings.LastIndexByte(text[:n], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && !utf8RuneStart(text[cut]) {
			cut--
		}
	}
	return strings.TrimRight(text[:cut], " ,;:.") + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

func hostOf(raw string) string {
	raw = strings.TrimPrefix(strings.TrimPrefix(raw, "https://"), "http://")
	if i := strings.IndexAny(raw, "/?#"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.LastIndexByte(raw, ':'); i >= 0 && !strings.Contains(raw[i:], "]") {
		raw = raw[:i]
	}
	return raw
}

// ErrBadAddress is returned for an e-mail address that cannot be used.
var ErrBadAddress = errors.New("not a usable e-mail address")

// CheckAddress returns the address alone (no name) when addr is one
// mailbox a digest may be sent to, and an error that says why not.
func CheckAddress(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", nil
	}
	if strings.ContainsAny(addr, "\r\n\x00") || len(addr) > 254 {
		return "", fmt.Errorf("%q: %w", addr, ErrBadAddress)
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") || strings.ContainsAny(a.Address, " <>,;\"") {
		return "", fmt.Errorf("%q: %w", addr, ErrBadAddress)
	}
	return a.Address, nil
}

// newMessageID returns a Message-ID for a user's digest of a day, unique
// (random) and on the server's host.
func (s *Service) newMessageID(userID int64, day string) string {
	return "<digest." + day + "." + fmt.Sprint(userID) + "." + auth.NewSecret()[:16] + "@" + hostOf(s.opts.BaseURL) + ">"
}

// CanMail reports whether the service has a mailer.
func (s *Service) CanMail() bool { return s.opts.Mailer != nil }
