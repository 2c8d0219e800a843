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
	"strings"
	"sync"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/rank"
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
}

// Service builds, keeps and sends digests. Create it with New; Start runs
// its scheduler until Close.
type Service struct {
	store  digest.Store
	opts   Options
	from   *mail.Address
	logger *slog.Logger

	mu      sync.Mutex
	unsub   []byte // the unsubscribe signing key, once loaded
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	lastErr time.Time // when the scheduler last logged a failed round
}

// candidates is how many recent stories a digest ranks; history how many
// of the reader's read articles teach the ranker (as the "for you" page).
const (
	candidates = 200
	history    = 60
	// linksPerStory bounds the sources listed under a story.
	linksPerStory = 5
	// noRepeatDays is how far back a story already sent is left out.
	noRepeatDays = 14
)

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
	return &Service{store: store, opts: o, from: from, logger: o.Logger.With("component", "daily")}, nil
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
// zone, without storing it: the most important stories for them since
// their last digest (or the last 24 hours), ranked for them, leaving out
// the stories of their digests of the last two weeks.
func (s *Service) Build(ctx context.Context, u *digest.User, now time.Time) (*digest.DailyDigest, error) {
	day := Day(u, now)
	prev, err := s.store.DailyDigests(ctx, u.ID, noRepeatDays)
	if err != nil {
		return nil, fmt.Errorf("build digest of user %d: %w", u.ID, err)
	}
	since := now.Add(-24 * time.Hour)
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
	if !latest.IsZero() && latest.Before(since) && now.Sub(latest) < 7*24*time.Hour {
		since = latest // since the last digest, a week at most
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
	read, err := s.store.Articles(ctx, digest.ArticleQuery{UserID: u.ID, Read: true, Limit: history})
	if err != nil {
		return nil, fmt.Errorf("build digest of user %d: %w", u.ID, err)
	}
	ranked := rank.Stories(rank.Options{}, read.Articles, fresh)
	ranked = ranked[:min(len(ranked), s.opts.Stories)]

	var ids []int64
	for _, r := range ranked {
		ids = append(ids, r.Story.ArticleIDs[:min(len(r.Story.ArticleIDs), linksPerStory)]...)
	}
	byID := map[int64]*digest.Article{}
	if len(ids) > 0 {
		page, err := s.store.Articles(ctx, digest.ArticleQuery{UserID: u.ID, IDs: ids, Limit: 500})
		if err != nil {
			return nil, fmt.Errorf("build digest of user %d: %w", u.ID, err)
		}
		for i := range page.Articles {
			byID[page.Articles[i].ID] = &page.Articles[i]
		}
	}
	d := &digest.DailyDigest{UserID: u.ID, Day: day, Built: now.UTC(), Items: make([]digest.DailyItem, 0, len(ranked))}
	for _, r := range ranked {
		it := digest.DailyItem{StoryID: r.Story.ID, Headline: r.Story.Headline, Summary: short(r.Story.Summary, 400),
			Sources: r.Story.Outlets, Reason: r.Score.Strongest()}
		if it.Reason == fmt.Sprintf("%d outlets", it.Sources) {
			it.Reason = "" // the count is shown anyway
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
