package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/auth"
	"github.com/occasional-digest/digest/daily"
)

// digestPage is /digest and /digest/{day}: one day's digest, the days
// before, the settings and the private feeds.
type digestPage struct {
	layout
	Day      string // YYYY-MM-DD
	Date     string // "Monday 7 December 2026"
	Today    bool
	Live     bool // not built yet: today's stories so far
	Digest   *digest.DailyDigest
	Past     []digest.DailyDigest
	Set      *digest.DailySettings
	Hours    []int
	Weekdays []string
	Sections []daily.Section // the digest's items by group
	Zone     string
	Tokens   []digest.Credential
	Searches []digest.SavedSearch
	Mail     bool // the server can send mail
	Notice   string
	Problem  string
	// NewToken is a feed token just made, shown once with its URLs.
	NewToken  string
	DigestURL string // NewToken's digest feed
	Base      string
}

func (s *Server) digestToday(w http.ResponseWriter, r *http.Request) {
	s.renderDigest(w, r, http.StatusOK, "", digestPage{})
}

func (s *Server) digestDay(w http.ResponseWriter, r *http.Request) {
	day := r.PathValue("day")
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(day) != len(time.DateOnly) {
		s.pageError(w, r, digest.Errorf(digest.EINVALID, "invalid day %q: want YYYY-MM-DD", clip(day, 40)))
		return
	}
	s.renderDigest(w, r, http.StatusOK, day, digestPage{})
}

// renderDigest shows the digest of day ("" today) with p's notices.
func (s *Server) renderDigest(w http.ResponseWriter, r *http.Request, status int, day string, p digestPage) {
	ctx := r.Context()
	u := userOf(r)
	now := s.now()
	today := daily.Day(u, now)
	if day == "" {
		day = today
	}
	p.layout = s.layout(r, "Digest", "digest")
	p.Day, p.Today, p.Base, p.Mail = day, day == today, s.baseURL(r), s.daily.CanMail()
	if t, err := time.Parse(time.DateOnly, day); err == nil {
		p.Date = t.Format("Monday 2 January 2006")
	}
	p.Zone = daily.Location(u).String()
	d, err := s.store.DailyDigest(ctx, u.ID, day)
	switch {
	case err == nil:
		p.Digest = d
	case digest.IsNotFound(err) && p.Today:
		if p.Digest, err = s.daily.Build(ctx, u, now); err != nil {
			s.pageError(w, r, err)
			return
		}
		p.Live = true
	case digest.IsNotFound(err):
		// A day with no digest: the page says so, with the days that have one.
	default:
		s.pageError(w, r, err)
		return
	}
	if p.Past, err = s.store.DailyDigests(ctx, u.ID, 30); err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.Set, err = s.store.DailySettings(ctx, u.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.Tokens, err = s.store.Credentials(ctx, u.ID, digest.FeedToken); err != nil {
		s.pageError(w, r, err)
		return
	}
	if p.Searches, err = s.store.SavedSearches(ctx, u.ID); err != nil {
		s.pageError(w, r, err)
		return
	}
	for h := range 24 {
		p.Hours = append(p.Hours, h)
	}
	for d := range 7 {
		p.Weekdays = append(p.Weekdays, time.Weekday(d).String())
	}
	if p.Digest != nil {
		p.Sections = daily.Sections(p.Digest.Items)
	}
	if r.URL.Query().Get("sent") != "" && p.Notice == "" && p.Problem == "" {
		p.Notice = "Sent: your digest is on its way."
	}
	if p.Digest == nil && status == http.StatusOK {
		status = http.StatusNotFound
	}
	s.render(w, r, status, "digest", p)
}

// digestSettings saves the reader's digest settings.
func (s *Server) digestSettings(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	ds := &digest.DailySettings{UserID: uid(r), Enabled: r.PostForm.Get("enabled") != ""}
	hour, err := strconv.Atoi(r.PostForm.Get("hour"))
	if err != nil || hour < 0 || hour > 23 {
		s.renderDigest(w, r, http.StatusBadRequest, "", digestPage{Problem: "Choose an hour between 0 and 23."})
		return
	}
	ds.Hour = hour
	ds.Weekly, ds.MarkRead = r.PostForm.Get("weekly") != "", r.PostForm.Get("mark_read") != ""
	if wd := r.PostForm.Get("weekday"); wd != "" {
		if ds.Weekday, err = strconv.Atoi(wd); err != nil || ds.Weekday < 0 || ds.Weekday > 6 {
			s.renderDigest(w, r, http.StatusBadRequest, "", digestPage{Problem: "Choose a day of the week."})
			return
		}
	}
	if ds.Email, err = daily.CheckAddress(r.PostForm.Get("email")); err != nil {
		s.renderDigest(w, r, http.StatusBadRequest, "", digestPage{Problem: "That is not an e-mail address the digest can be sent to: give one address, like name@example.org."})
		return
	}
	if err := s.store.SetDailySettings(r.Context(), ds); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/digest?saved=1#settings", http.StatusSeeOther)
}

// digestSendNow mails the reader their digest as it is now ("send me
// one now"), without keeping it.
func (s *Server) digestSendNow(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	if !s.daily.CanMail() {
		s.renderDigest(w, r, http.StatusBadRequest, "", digestPage{Problem: "This server sends no e-mail: its admin has set no SMTP server."})
		return
	}
	err := s.daily.SendNow(r.Context(), userOf(r), s.now())
	switch {
	case errors.Is(err, daily.ErrBadAddress):
		s.renderDigest(w, r, http.StatusBadRequest, "", digestPage{Problem: "Save an e-mail address first."})
		return
	case err != nil:
		s.logger.Warn("digest send now failed", "user", uid(r), "err", err)
		s.renderDigest(w, r, http.StatusBadGateway, "", digestPage{Problem: "The digest could not be sent: " + err.Error()})
		return
	}
	http.Redirect(w, r, "/digest?sent=1#settings", http.StatusSeeOther)
}

// feedTokenCreate makes a feed token and shows its URLs once.
func (s *Server) feedTokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if name == "" {
		name = "feed reader"
	}
	secret, _, err := s.auth.NewCredential(r.Context(), userOf(r), digest.FeedToken, clip(name, 100), 0)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderDigest(w, r, http.StatusOK, "", digestPage{NewToken: secret, DigestURL: s.baseURL(r) + "/feed/" + secret + "/digest.atom"})
}

// feedTokenDelete revokes one of the reader's feed tokens: every URL
// with it stops working.
func (s *Server) feedTokenDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := s.deleteOwnCredential(r, digest.FeedToken, id); err != nil {
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, "/digest#feeds", http.StatusSeeOther)
}

// feedUser returns the user of the feed token in the request's path, or
// ENOTFOUND (the URL is the secret: an unknown one is no page at all).
func (s *Server) feedUser(ctx context.Context, r *http.Request) (*digest.User, error) {
	token := r.PathValue("token")
	gone := digest.Errorf(digest.ENOTFOUND, "no such feed: the address may have been revoked")
	if token == "" || len(token) > 200 {
		return nil, gone
	}
	c, err := s.store.CredentialByHash(ctx, digest.FeedToken, auth.HashSecret(token), false)
	if digest.IsNotFound(err) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	u, err := s.store.User(ctx, c.UserID)
	if digest.IsNotFound(err) {
		return nil, gone
	}
	if err != nil {
		return nil, err
	}
	if now := s.now(); now.Sub(c.LastUsed) > time.Hour {
		if err := s.store.TouchCredential(ctx, c.ID, now.UTC()); err != nil && !digest.IsNotFound(err) {
			return nil, err
		}
	}
	return u, nil
}

// digestFeed is the reader's private Atom feed of digests: the days
// built, newest first, or today's so far when none is.
func (s *Server) digestFeed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, err := s.feedUser(ctx, r)
	if err != nil {
		s.feedError(w, r, err)
		return
	}
	list, err := s.store.DailyDigests(ctx, u.ID, 14)
	if err != nil {
		s.feedError(w, r, err)
		return
	}
	if len(list) == 0 {
		d, err := s.daily.Build(ctx, u, s.now())
		if err != nil {
			s.feedError(w, r, err)
			return
		}
		list = append(list, *d)
	}
	base := s.baseURL(r)
	f := daily.Feed{ID: "urn:occasional-digest:digest:" + strconv.FormatInt(u.ID, 10), Title: s.cfg.Title + " · daily digest",
		Link: base + "/digest", Updated: list[0].Built}
	for i := range list {
		e, err := s.daily.DigestEntry(u, &list[i], base)
		if err != nil {
			s.feedError(w, r, err)
			return
		}
		f.Entries = append(f.Entries, e)
	}
	s.writeFeed(w, r, f)
}

func (s *Server) writeFeed(w http.ResponseWriter, r *http.Request, f daily.Feed) {
	var b bytes.Buffer
	if err := daily.WriteAtom(&b, f); err != nil {
		s.feedError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/atom+xml; charset=utf-8")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Robots-Tag", "noindex")
	w.Write(b.Bytes())
}

// feedError answers a feed's error as plain text: feed readers show it.
func (s *Server) feedError(w http.ResponseWriter, r *http.Request, err error) {
	status := httpStatus(err)
	if status >= 500 {
		s.logError(r, err)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, errorMessage(err))
}

// unsubscribePage is the page of a mail's unsubscribe link.
type unsubscribePage struct {
	layout
	Token string
	Done  bool
}

// unsubscribeForm asks to confirm: a GET changes nothing, since mail
// scanners open links.
func (s *Server) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if _, err := s.daily.CheckUnsubscribe(r.Context(), token); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "unsubscribe", unsubscribePage{layout: s.layout(r, "Unsubscribe", ""), Token: token})
}

// unsubscribe turns the digest off for the user the signed token names,
// without sign-in: the form's button, or a mail provider's one-click
// POST (RFC 8058).
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) {
	if _, err := s.daily.Unsubscribe(r.Context(), r.PathValue("token")); err != nil {
		s.pageError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "unsubscribe", unsubscribePage{layout: s.layout(r, "Unsubscribed", ""), Done: true})
}
