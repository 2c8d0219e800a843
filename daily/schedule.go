package daily

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"time"

	digest "github.com/occasional-digest/digest"
)

// never is the NextTry of a mail that cannot be sent (a refused address):
// it is kept, with its error, and not tried again.
var never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// backoff is the wait before the n-th retry of a failed send: a minute,
// doubling, six hours at most.
func backoff(n int) time.Duration {
	d := time.Minute
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}

// Start runs the scheduler in the background until ctx ends or Close:
// every Interval, RunOnce.
func (s *Service) Start(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		return
	}
	ctx, s.cancel = context.WithCancel(ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(0)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			round := func(ctx context.Context) error { return s.RunOnce(ctx, s.opts.Now()) }
			var err error
			if s.opts.Exclusive != nil {
				err = s.opts.Exclusive(ctx, round)
			} else {
				err = round(ctx)
			}
			if err != nil && ctx.Err() == nil {
				// A store that fails every round is said once in ten
				// minutes, not every minute.
				if now := time.Now(); now.Sub(s.lastErr) >= 10*time.Minute {
					s.lastErr = now
					s.logger.Error("daily digest round failed", "err", err)
				}
			}
			t.Reset(s.opts.Interval)
		}
	}()
}

// Close stops the scheduler and waits for its round to end.
func (s *Service) Close() error {
	s.mu.Lock()
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.wg.Wait()
	return nil
}

// RunOnce does what is due at now: it builds and stores the digest of
// the day for every user whose hour has come (in their time zone) and who
// has none for that day yet, then sends the digests waiting to be sent.
// A failed send is recorded on its digest and tried again later (see
// backoff); it is not an error of RunOnce, which fails only when the
// store does.
func (s *Service) RunOnce(ctx context.Context, now time.Time) error {
	users, err := s.store.DailyUsers(ctx)
	if err != nil {
		return fmt.Errorf("daily: users: %w", err)
	}
	var errs []error
	for _, ds := range users {
		if err := s.ensure(ctx, ds, now); err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if err := s.sendDue(ctx, now); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ensure builds and stores the user's digest of today when its hour has
// come and it is not built yet.
func (s *Service) ensure(ctx context.Context, ds digest.DailySettings, now time.Time) error {
	u, err := s.store.User(ctx, ds.UserID)
	if digest.IsNotFound(err) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("daily: user %d: %w", ds.UserID, err)
	}
	local := now.In(Location(u))
	if local.Hour() < ds.Hour || (ds.Weekly && int(local.Weekday()) != ds.Weekday) {
		return nil
	}
	day := local.Format(time.DateOnly)
	if _, err := s.store.DailyDigest(ctx, u.ID, day); err == nil {
		return nil
	} else if !digest.IsNotFound(err) {
		return fmt.Errorf("daily: digest of user %d: %w", u.ID, err)
	}
	d, err := s.Build(ctx, u, now)
	if err != nil {
		return err
	}
	if addr, err := CheckAddress(ds.Email); err == nil && addr != "" && s.opts.Mailer != nil {
		d.To = addr
		d.MessageID = s.newMessageID(u.ID, day)
		d.NextTry = now.UTC()
	} else if err != nil {
		d.LastError = err.Error()
	}
	if err := s.store.SaveDailyDigest(ctx, d); err != nil && digest.ErrorCode(err) != digest.ECONFLICT {
		return fmt.Errorf("daily: save digest of user %d: %w", u.ID, err)
	}
	s.logger.Info("digest built", "user", u.ID, "day", day, "stories", len(d.Items), "mail", d.To != "")
	return nil
}

// sendDue sends the digests waiting to be sent.
func (s *Service) sendDue(ctx context.Context, now time.Time) error {
	if s.opts.Mailer == nil {
		return nil
	}
	due, err := s.store.DueDailyMail(ctx, now, 0)
	if err != nil {
		return fmt.Errorf("daily: due mail: %w", err)
	}
	for i := range due {
		if err := s.send(ctx, &due[i], now); err != nil {
			return err
		}
	}
	return nil
}

// send sends one digest and records how it went; only a store failure
// is returned.
func (s *Service) send(ctx context.Context, d *digest.DailyDigest, now time.Time) error {
	u, err := s.store.User(ctx, d.UserID)
	if err != nil {
		return fmt.Errorf("daily: user %d: %w", d.UserID, err)
	}
	msg, err := s.Message(ctx, u, d, now)
	if err == nil {
		err = s.opts.Mailer.Send(ctx, s.from.Address, []string{d.To}, msg)
	}
	if ctx.Err() != nil {
		return ctx.Err() // stopping: not the mail's fault, nothing recorded
	}
	if err != nil {
		d.Attempts++
		d.LastError = err.Error()
		if permanent(err) {
			d.NextTry = never
			s.logger.Warn("digest refused, not retried", "user", d.UserID, "day", d.Day, "err", err)
		} else {
			d.NextTry = now.Add(backoff(d.Attempts)).UTC()
			s.logger.Warn("digest not sent, will retry", "user", d.UserID, "day", d.Day, "attempts", d.Attempts, "next", d.NextTry, "err", err)
		}
	} else {
		d.Sent, d.LastError = now.UTC(), ""
		s.logger.Info("digest sent", "user", d.UserID, "day", d.Day)
	}
	if err := s.store.SaveDailyMail(ctx, d); err != nil {
		return fmt.Errorf("daily: save mail state of user %d: %w", d.UserID, err)
	}
	if err == nil {
		return s.markRead(ctx, d)
	}
	return nil
}

// markRead marks the articles of a sent digest read when its reader
// asked for it.
func (s *Service) markRead(ctx context.Context, d *digest.DailyDigest) error {
	ds, err := s.store.DailySettings(ctx, d.UserID)
	if digest.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("daily: settings of user %d: %w", d.UserID, err)
	}
	if !ds.MarkRead {
		return nil
	}
	var ids []int64
	for _, it := range d.Items {
		ids = append(ids, it.ArticleIDs...)
	}
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.store.MarkRead(ctx, d.UserID, ids, true); err != nil {
		return fmt.Errorf("daily: mark digest of user %d read: %w", d.UserID, err)
	}
	return nil
}

// SendNow builds the user's digest as it would be now and sends it to
// their address at once ("send me one now"). It is not kept: the day's
// scheduled digest is built and sent as always. ErrBadAddress when the
// user has no usable address; an error when the server sends no mail.
func (s *Service) SendNow(ctx context.Context, u *digest.User, now time.Time) error {
	if s.opts.Mailer == nil {
		return errors.New("daily: this server sends no e-mail")
	}
	ds, err := s.store.DailySettings(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("daily: settings of user %d: %w", u.ID, err)
	}
	addr, err := CheckAddress(ds.Email)
	if err != nil {
		return err
	}
	if addr == "" {
		return fmt.Errorf("daily: user %d gave no address: %w", u.ID, ErrBadAddress)
	}
	d, err := s.Build(ctx, u, now)
	if err != nil {
		return err
	}
	d.To = addr
	msg, err := s.Message(ctx, u, d, now)
	if err != nil {
		return err
	}
	if err := s.opts.Mailer.Send(ctx, s.from.Address, []string{addr}, msg); err != nil {
		return fmt.Errorf("daily: send digest of user %d now: %w", u.ID, err)
	}
	s.logger.Info("digest sent on request", "user", u.ID)
	return nil
}

// permanent reports whether a send failed for good: the server refused
// the message or the address (5xx), or the address is unusable.
func permanent(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500 && te.Code != 530 && te.Code != 535 // auth failures are the admin's to fix, then retried
	}
	return errors.Is(err, ErrBadAddress)
}
