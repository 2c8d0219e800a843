package daily

import (
	"context"
	"errors"
	"mime"
	"net"
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	digest "github.com/occasional-digest/digest"
)

func newService(t testing.TB, st digest.Store, m Mailer) *Service {
	t.Helper()
	s, err := New(st, Options{BaseURL: "https://news.example.org/", From: "Digest <digest@news.example.org>", Mailer: m})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestDigestByMail: at the reader's hour (in their time zone) the day's
// digest is built and mailed once through a real SMTP server (STARTTLS,
// AUTH PLAIN), with both parts, its links and a one-click unsubscribe
// that works; a restart sends nothing twice; the next day's digest
// leaves out what was sent.
func TestDigestByMail(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, "Zoë Lefèvre")
	quake := fx.story(t, "quake", "Earthquake shakes Port Alder — «harbour closed»", "The harbour wall cracked; ferries stay in port.", base.Add(-2*time.Hour), 5)
	fair := fx.story(t, "fair", "Winter fair opens in Lindenfeld", "Stalls and music.", base.Add(-3*time.Hour), 2)
	fx.story(t, "old", "Last week's regatta", "Sails.", base.Add(-72*time.Hour), 9)
	fx.settings(t, true, 7, "zoe@example.org")
	ms := newMailServer(t, "digest", "s3cret password")
	svc := newService(t, fx.store, ms.client())

	// 06:59 in Paris: not yet.
	if err := svc.RunOnce(ctx, base.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("%d messages before the reader's hour", n)
	}
	if err := svc.RunOnce(ctx, base); err != nil {
		t.Fatal(err)
	}
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages at the reader's hour, want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "digest@news.example.org" || len(got.To) != 1 || got.To[0] != "zoe@example.org" || got.User != "digest" {
		t.Errorf("envelope from %q to %v as %q", got.From, got.To, got.User)
	}
	m := parse(t, got.Data)
	h := m.Header
	dec := new(mimeDecoder)
	if to, err := h.AddressList("To"); err != nil || len(to) != 1 || to[0].Name != "Zoë Lefèvre" || to[0].Address != "zoe@example.org" {
		t.Errorf("To %q: %v %v", h.Get("To"), to, err)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "digest@news.example.org" {
		t.Errorf("From %q: %v", h.Get("From"), err)
	}
	if subj := dec.decode(t, h.Get("Subject")); !strings.Contains(subj, "Monday 7 December 2026") || !strings.Contains(subj, "Earthquake shakes Port Alder — «harbour closed»") {
		t.Errorf("Subject %q", subj)
	}
	if raw := h.Get("Subject"); strings.ContainsAny(raw, "—«") {
		t.Errorf("Subject %q is not encoded", raw)
	}
	if d, err := h.Date(); err != nil || !d.Equal(base) {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<digest.2026-12-07.") || !strings.HasSuffix(id, "@news.example.org>") {
		t.Errorf("Message-ID %q", id)
	}
	if h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", h.Get("List-Unsubscribe-Post"))
	}
	lu := h.Get("List-Unsubscribe")
	if !strings.HasPrefix(lu, "<https://news.example.org/unsubscribe/") || !strings.HasSuffix(lu, ">") {
		t.Fatalf("List-Unsubscribe %q", lu)
	}
	unsub := strings.Trim(lu, "<>")
	storyURL := "https://news.example.org/stories/" + itoa(quake)
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
		for _, want := range []string{"Earthquake shakes Port Alder", "The harbour wall cracked", storyURL, "5 outlets",
			"https://gazette.example/news/quake-1?utm_source=rss", "Harbour Gazette", "Winter fair opens", unsub, "https://news.example.org/digest/2026-12-07"} {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s part lacks %q:\n%s", part.name, want, part.body)
			}
		}
		if strings.Contains(part.body, "regatta") {
			t.Errorf("%s part has last week's story", part.name)
		}
		if strings.Index(part.body, "Earthquake") > strings.Index(part.body, "Winter fair") {
			t.Errorf("%s part: the story of 5 outlets is not first", part.name)
		}
	}
	if !strings.Contains(m.HTML, `href="`+storyURL+`"`) {
		t.Errorf("html part does not link the story")
	}

	// The same round again, and a restarted server: nothing more.
	if err := svc.RunOnce(ctx, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := newService(t, fx.store, ms.client()).RunOnce(ctx, base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages after a second round and a restart, want 1", n)
	}
	d, err := fx.store.DailyDigest(ctx, fx.user.ID, "2026-12-07")
	if err != nil || d.Sent.IsZero() || d.Attempts != 0 || d.MessageID != h.Get("Message-ID") {
		t.Errorf("send log %+v, %v", d, err)
	}

	// The next day: a new story, and the ones already sent are left out.
	fx.story(t, "ferry", "Ferries sail again", "The harbour reopened.", base.Add(20*time.Hour), 3)
	if err := svc.RunOnce(ctx, base.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if msgs := ms.messages(); len(msgs) != 2 {
		t.Fatalf("%d messages on the next day, want 2", len(msgs))
	} else if next := parse(t, msgs[1].Data); !strings.Contains(next.Text, "Ferries sail again") || strings.Contains(next.Text, "Earthquake") || strings.Contains(next.Text, "Winter fair") {
		t.Errorf("the next day's digest repeats a story or misses the new one:\n%s", next.Text)
	}
	_ = fair

	// The unsubscribe link works without signing in, once is enough,
	// and a forged one does not.
	u, err := url.Parse(unsub)
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimPrefix(u.Path, "/unsubscribe/")
	other := &digest.User{Name: "other"}
	if err := fx.store.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	forged := itoa(other.ID) + tok[strings.IndexByte(tok, '.'):]
	for _, bad := range []string{forged, "", "1", tok + "x", "0" + tok, "-" + tok, strings.Repeat("9", 200) + tok} {
		if _, err := svc.Unsubscribe(ctx, bad); digest.ErrorCode(err) != digest.EUNAUTHORIZED {
			t.Errorf("Unsubscribe(%q) = %v, want unauthorized", bad, err)
		}
	}
	for range 2 {
		if id, err := svc.Unsubscribe(ctx, tok); err != nil || id != fx.user.ID {
			t.Fatalf("Unsubscribe = %d, %v", id, err)
		}
	}
	if ds, _ := fx.store.DailySettings(ctx, fx.user.ID); ds.Enabled {
		t.Error("still subscribed after unsubscribing")
	}
	fx.story(t, "vote", "Council votes", "Yes.", base.Add(44*time.Hour), 3)
	if err := svc.RunOnce(ctx, base.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := len(ms.messages()); n != 2 {
		t.Errorf("%d messages after unsubscribing, want 2", n)
	}
}

type mimeDecoder struct{}

func (mimeDecoder) decode(t testing.TB, s string) string {
	t.Helper()
	out, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		t.Errorf("decode %q: %v", s, err)
	}
	return out
}

// TestUnreachableServer: a server that does not answer fails the send
// with a clear error; the digest waits, is not lost, and goes once the
// server is back, after the backoff.
func TestUnreachableServer(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, "reader")
	fx.story(t, "quake", "Earthquake shakes Port Alder", "Cracks.", base.Add(-time.Hour), 4)
	fx.settings(t, true, 7, "reader@example.org")
	ms := newMailServer(t, "", "")
	client := ms.client()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	client.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there now
	svc := newService(t, fx.store, client)
	if err := svc.RunOnce(ctx, base); err != nil {
		t.Fatalf("a failed send is not an error of the round: %v", err)
	}
	d, err := fx.store.DailyDigest(ctx, fx.user.ID, "2026-12-07")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Sent.IsZero() || d.Attempts != 1 || !strings.Contains(d.LastError, "connect") || !strings.Contains(d.LastError, "127.0.0.1") ||
		!d.NextTry.Equal(base.Add(time.Minute)) {
		t.Errorf("after a failed send: %+v", d)
	}
	// Before the next try nothing is attempted; after it, a second
	// failure doubles the wait.
	if err := svc.RunOnce(ctx, base.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if d, _ := fx.store.DailyDigest(ctx, fx.user.ID, "2026-12-07"); d.Attempts != 1 {
		t.Errorf("tried again before the backoff: %+v", d)
	}
	if err := svc.RunOnce(ctx, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if d, _ := fx.store.DailyDigest(ctx, fx.user.ID, "2026-12-07"); d.Attempts != 2 || !d.NextTry.Equal(base.Add(3*time.Minute)) {
		t.Errorf("second failure: %+v", d)
	}
	// The server is back.
	client.Port = ms.port
	if err := svc.RunOnce(ctx, base.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("%d messages once the server is back, want 1", n)
	}
	if d, _ := fx.store.DailyDigest(ctx, fx.user.ID, "2026-12-07"); d.Sent.IsZero() || d.LastError != "" {
		t.Errorf("after the send: %+v", d)
	}
}

// TestRefusedMail: a recipient the server refuses (550) and an address
// that is not one are recorded and not tried again; a wrong password
// (535) is the admin's to fix and is retried.
func TestRefusedMail(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, "reader")
	fx.story(t, "quake", "Earthquake shakes Port Alder", "Cracks.", base.Add(-time.Hour), 4)
	ms := newMailServer(t, "digest", "right")
	ms.rejectTo = "gone@example.org"
	fx.settings(t, true, 7, "gone@example.org")
	svc := newService(t, fx.store, ms.client())
	if err := svc.RunOnce(ctx, base); err != nil {
		t.Fatal(err)
	}
	d, _ := fx.store.DailyDigest(ctx, fx.user.ID, "2026-12-07")
	if d == nil || !d.NextTry.Equal(never) || !strings.Contains(d.LastError, "550") {
		t.Errorf("refused recipient: %+v", d)
	}

	fx2 := newFixture(t, "second")
	fx2.story(t, "quake", "Earthquake", "Cracks.", base.Add(-time.Hour), 4)
	fx2.settings(t, true, 7, "second@example.org")
	bad := ms.client()
	bad.Password = "wrong"
	svc2 := newService(t, fx2.store, bad)
	if err := svc2.RunOnce(ctx, base); err != nil {
		t.Fatal(err)
	}
	d, _ = fx2.store.DailyDigest(ctx, fx2.user.ID, "2026-12-07")
	if d == nil || d.NextTry.Equal(never) || !strings.Contains(d.LastError, "535") || strings.Contains(d.LastError, "wrong") {
		t.Errorf("wrong password: %+v (want retried, and the password never in the error)", d)
	}
	if n := len(ms.messages()); n != 0 {
		t.Errorf("%d messages", n)
	}

	// A digest stored for an address that is not one (as an older
	// version or a hand edit could leave) is not sent.
	fx3 := newFixture(t, "third")
	if err := fx3.store.SaveDailyDigest(ctx, &digest.DailyDigest{UserID: fx3.user.ID, Day: "2026-12-07", Built: base,
		To: "a@b.example\r\nBcc: victim@example.org", NextTry: base}); err != nil {
		t.Fatal(err)
	}
	svc3 := newService(t, fx3.store, ms.client())
	if err := svc3.RunOnce(ctx, base); err != nil {
		t.Fatal(err)
	}
	d, _ = fx3.store.DailyDigest(ctx, fx3.user.ID, "2026-12-07")
	if d == nil || !d.NextTry.Equal(never) || !strings.Contains(d.LastError, "not a usable") {
		t.Errorf("bad stored address: %+v", d)
	}
	if n := len(ms.messages()); n != 0 {
		t.Errorf("%d messages", n)
	}
}

// TestHeaderInjection: line breaks in a user's name, a headline or the
// site's title add no header: each header stays one line.
func TestHeaderInjection(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, "Eve\r\nBcc: victim@example.org")
	fx.story(t, "evil", "Headline\r\nBcc: victim@example.org\nX-Evil: 1", "Body.", base.Add(-time.Hour), 4)
	svc, err := New(fx.store, Options{Title: "Site\r\nX-Injected: yes", BaseURL: "https://news.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := svc.Build(ctx, fx.user, base)
	if err != nil {
		t.Fatal(err)
	}
	d.To = "eve@example.org"
	msg, err := svc.Message(ctx, fx.user, d, base)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(msg)))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Bcc", "X-Evil", "X-Injected"} {
		if v := m.Header.Get(k); v != "" {
			t.Errorf("header %s: %q was injected", k, v)
		}
	}
	want := map[string]bool{"From": true, "To": true, "Subject": true, "Date": true, "Message-Id": true, "Mime-Version": true,
		"List-Unsubscribe": true, "List-Unsubscribe-Post": true, "Auto-Submitted": true, "Content-Type": true}
	for k := range m.Header {
		if !want[k] {
			t.Errorf("unexpected header %s", k)
		}
	}
	for _, to := range []string{"victim@example.org\r\nBcc: x@y", "a@b.example\nRCPT TO:<x@y>"} {
		d.To = to
		if _, err := svc.Message(ctx, fx.user, d, base); !errors.Is(err, ErrBadAddress) {
			t.Errorf("address %q: %v", to, err)
		}
	}
}

// TestCheckAddress: what the settings accept as an address.
func TestCheckAddress(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{" reader@example.org ", "reader@example.org", true},
		{"zoë@exämple.org", "zoë@exämple.org", true},
		{"not an address", "", false},
		{"reader@example.org\r\nBcc: victim@example.org", "", false},
		{"Reader <reader@example.org>", "", false},
		{"a@example.org, b@example.org", "", false},
		{"@example.org", "", false},
		{"reader", "", false},
		{strings.Repeat("a", 300) + "@example.org", "", false},
		{"a\x00@example.org", "", false},
	} {
		got, err := CheckAddress(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("CheckAddress(%q) = %q, %v", tc.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrBadAddress) {
			t.Errorf("CheckAddress(%q): %v is not ErrBadAddress", tc.in, err)
		}
	}
}

// TestStartTLSRequired: a server that offers no STARTTLS gets no mail
// (and no password) unless the mode says none.
func TestStartTLSRequired(t *testing.T) {
	ms := newMailServer(t, "", "")
	c := ms.client()
	c.TLSConfig = nil // the server's certificate is not trusted
	err := c.Send(context.Background(), "a@example.org", []string{"b@example.org"}, []byte("Subject: x\r\n\r\nx\r\n"))
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("send with an untrusted certificate: %v", err)
	}
	if n := len(ms.messages()); n != 0 {
		t.Errorf("%d messages", n)
	}
	if (&SMTP{Host: "h", TLS: "ssl"}).Validate() == nil || (&SMTP{Host: "h", Username: "u"}).Validate() == nil || (&SMTP{}).Validate() == nil {
		t.Error("bad settings pass Validate")
	}
	s := &SMTP{Host: "smtp.example.org", Username: "u", Password: "hunter2"}
	if strings.Contains(s.String(), "hunter2") {
		t.Error("String shows the password")
	}
}

// TestScheduler: Start runs rounds until Close.
func TestScheduler(t *testing.T) {
	fx := newFixture(t, "reader")
	fx.story(t, "quake", "Earthquake", "Cracks.", base.Add(-time.Hour), 4)
	fx.settings(t, true, 0, "reader@example.org")
	ms := newMailServer(t, "", "")
	c := ms.client()
	sent := make(chan struct{}, 1)
	svc, err := New(fx.store, Options{BaseURL: "https://news.example.org", Interval: time.Hour, Now: func() time.Time { return base },
		Mailer: notify{c, sent}})
	if err != nil {
		t.Fatal(err)
	}
	svc.Start(context.Background())
	<-sent // the first round runs at once
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages", n)
	}
}

type notify struct {
	m    Mailer
	sent chan struct{}
}

func (n notify) Send(ctx context.Context, from string, to []string, msg []byte) error {
	err := n.m.Send(ctx, from, to, msg)
	n.sent <- struct{}{}
	return err
}

// TestSchedulerExclusive: a round that another process holds does
// nothing here; one this process may run builds and sends.
func TestSchedulerExclusive(t *testing.T) {
	for _, may := range []bool{false, true} {
		fx := newFixture(t, "reader")
		fx.story(t, "quake", "Earthquake", "Cracks.", base.Add(-time.Hour), 4)
		fx.settings(t, true, 0, "reader@example.org")
		ms := newMailServer(t, "", "")
		asked := make(chan struct{}, 1)
		svc, err := New(fx.store, Options{BaseURL: "https://news.example.org", Interval: time.Hour, Now: func() time.Time { return base },
			Mailer: ms.client(),
			Exclusive: func(ctx context.Context, round func(context.Context) error) error {
				defer func() { asked <- struct{}{} }()
				if !may {
					return nil // another process holds the round
				}
				return round(ctx)
			}})
		if err != nil {
			t.Fatal(err)
		}
		svc.Start(context.Background())
		<-asked // the first round runs at once
		if err := svc.Close(); err != nil {
			t.Fatal(err)
		}
		want := 0
		if may {
			want = 1
		}
		if n := len(ms.messages()); n != want {
			t.Errorf("may run the round: %v: %d messages, want %d", may, n, want)
		}
		ds, err := fx.store.DailyDigests(context.Background(), fx.user.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != want {
			t.Errorf("may run the round: %v: %d digests stored, want %d", may, len(ds), want)
		}
	}
}
