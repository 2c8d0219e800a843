package daily

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	digest "github.com/occasional-digest/digest"
)

// unsubscribeKey is the name of the server key that signs unsubscribe
// links.
const unsubscribeKey = "daily-unsubscribe"

func (s *Service) key(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.unsub != nil {
		return s.unsub, nil
	}
	k, err := s.store.ServerKey(ctx, unsubscribeKey)
	if err != nil {
		return nil, fmt.Errorf("daily: unsubscribe key: %w", err)
	}
	s.unsub = k
	return k, nil
}

func sign(key []byte, userID int64) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe:" + strconv.FormatInt(userID, 10)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// UnsubscribeToken returns the token of the user's one-click unsubscribe
// link: their ID, signed with the server's key, so that it works without
// signing in and cannot be made for another user.
func (s *Service) UnsubscribeToken(ctx context.Context, userID int64) (string, error) {
	k, err := s.key(ctx)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(userID, 10) + "." + sign(k, userID), nil
}

// UnsubscribeURL returns the user's one-click unsubscribe link.
func (s *Service) UnsubscribeURL(ctx context.Context, userID int64) (string, error) {
	tok, err := s.UnsubscribeToken(ctx, userID)
	if err != nil {
		return "", err
	}
	return s.opts.BaseURL + "/unsubscribe/" + tok, nil
}

// CheckUnsubscribe returns the user an unsubscribe token names, or
// EUNAUTHORIZED when it is not one the server signed.
func (s *Service) CheckUnsubscribe(ctx context.Context, token string) (int64, error) {
	bad := digest.Errorf(digest.EUNAUTHORIZED, "this unsubscribe link is not valid")
	id, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 100 {
		return 0, bad
	}
	userID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || userID <= 0 || strconv.FormatInt(userID, 10) != id {
		return 0, bad
	}
	k, err := s.key(ctx)
	if err != nil {
		return 0, err
	}
	if !hmac.Equal([]byte(sig), []byte(sign(k, userID))) {
		return 0, bad
	}
	return userID, nil
}

// Unsubscribe turns the digest e-mail of the user a token names off, and
// returns the user. Unsubscribing twice is no error.
func (s *Service) Unsubscribe(ctx context.Context, token string) (int64, error) {
	userID, err := s.CheckUnsubscribe(ctx, token)
	if err != nil {
		return 0, err
	}
	ds, err := s.store.DailySettings(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("unsubscribe user %d: %w", userID, err)
	}
	if ds.Enabled {
		ds.Enabled = false
		if err := s.store.SetDailySettings(ctx, ds); err != nil {
			return 0, fmt.Errorf("unsubscribe user %d: %w", userID, err)
		}
	}
	return userID, nil
}
