package daily

import (
	"context"
	"net/mail"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

// FuzzMessage: whatever the user's name, the site's title and the
// headline, the message parses, has exactly its own headers, and its
// subject decodes to the headline's text on one line.
func FuzzMessage(f *testing.F) {
	f.Add("Zoë", "Occasional Digest", "Earthquake — «harbour»")
	f.Add("Eve\r\nBcc: x@y", "Site\nX-A: 1", "Head\r\n\r\nbody")
	f.Add("=?utf-8?q?x?=", "", "\x00\u2028")
	st := openStore(f)
	u := &digest.User{Name: "fuzz"}
	if err := st.CreateUser(context.Background(), u); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, title, headline string) {
		svc, err := New(st, Options{Title: title, BaseURL: "https://news.example.org", From: "digest@news.example.org"})
		if err != nil {
			t.Skip()
		}
		user := &digest.User{ID: u.ID, Name: name}
		d := &digest.DailyDigest{UserID: u.ID, Day: "2026-12-07", To: "r@example.org",
			Items: []digest.DailyItem{{StoryID: 1, Headline: headline, Summary: headline, Sources: 2}}}
		msg, err := svc.Message(context.Background(), user, d, time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(msg)))
		if err != nil {
			t.Fatalf("message does not parse: %v", err)
		}
		if len(m.Header) != 10 {
			t.Errorf("%d headers: %v", len(m.Header), m.Header)
		}
		for k, vs := range m.Header {
			if len(vs) != 1 {
				t.Errorf("header %s %d times", k, len(vs))
			}
		}
		if to, err := m.Header.AddressList("To"); err != nil || len(to) != 1 || to[0].Address != "r@example.org" {
			t.Errorf("To %q: %v %v", m.Header.Get("To"), to, err)
		}
	})
}

// FuzzUnsubscribeToken: no token but the signed one names a user.
func FuzzUnsubscribeToken(f *testing.F) {
	st := openStore(f)
	svc, err := New(st, Options{})
	if err != nil {
		f.Fatal(err)
	}
	good, err := svc.UnsubscribeToken(context.Background(), 1)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("1.")
	f.Add("01." + good[2:])
	f.Fuzz(func(t *testing.T, tok string) {
		id, err := svc.CheckUnsubscribe(context.Background(), tok)
		if err == nil && (tok != good || id != 1) {
			t.Errorf("token %q accepted for user %d", tok, id)
		}
	})
}
