package daily

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http/httptest"
	"net/mail"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"

	digest "github.com/occasional-digest/digest"
	"github.com/occasional-digest/digest/store/sqlite"
)

// base is the tests' "now": 07:00 in Europe/Paris (06:00 UTC) in winter.
var base = time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)

func openStore(t testing.TB) digest.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "digest.db"), nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fixture is a store with one reader, who follows one feed whose
// articles make stories.
type fixture struct {
	store   digest.Store
	user    *digest.User
	feed    int64
	stories map[string]int64 // by headline's first word
	n       int
}

func newFixture(t testing.TB, name string) *fixture {
	t.Helper()
	st := openStore(t)
	u := &digest.User{Name: name, Role: digest.RoleUser, Settings: digest.Settings{TimeZone: "Europe/Paris"}}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	fx := &fixture{store: st, user: u, stories: map[string]int64{}}
	f := &digest.Feed{URL: "https://gazette.example/feed.xml", SiteURL: "https://gazette.example/", Title: "Harbour Gazette"}
	if err := st.CreateFeed(context.Background(), u.ID, f); err != nil {
		t.Fatal(err)
	}
	fx.feed = f.ID
	return fx
}

// story adds an article and a story of it, last seen at seen, covered by
// outlets outlets.
func (fx *fixture) story(t testing.TB, key, headline, summary string, seen time.Time, outlets int) int64 {
	t.Helper()
	fx.n++
	guid := key + "-" + itoa(int64(fx.n))
	res, err := fx.store.SaveFetches(context.Background(), []digest.FetchResult{{FeedID: fx.feed,
		State: digest.FetchState{LastCheck: seen, NextCheck: seen.Add(time.Hour)},
		Entries: []digest.Entry{{GUID: guid, URL: "https://gazette.example/news/" + guid, Link: "https://gazette.example/news/" + guid + "?utm_source=rss",
			Title: headline, Published: seen, Summary: summary, Text: summary, Hash: guid}}}})
	if err != nil {
		t.Fatal(err)
	}
	st := &digest.Story{Headline: headline, Summary: summary, FirstSeen: seen, LastSeen: seen, Importance: float64(outlets), Outlets: outlets,
		ArticleIDs: res[0].Created}
	if err := fx.store.SaveStory(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	fx.stories[key] = st.ID
	return st.ID
}

func (fx *fixture) settings(t testing.TB, enabled bool, hour int, email string) {
	t.Helper()
	if err := fx.store.SetDailySettings(context.Background(), &digest.DailySettings{UserID: fx.user.ID, Enabled: enabled, Hour: hour, Email: email}); err != nil {
		t.Fatal(err)
	}
}

// received is one message an SMTP server accepted.
type received struct {
	From string
	To   []string
	Data []byte
	User string // who authenticated
}

// mailServer is an in-process SMTP server (go-smtp) on loopback that
// keeps what it receives.
type mailServer struct {
	mu       sync.Mutex
	msgs     []received
	addr     string
	port     int
	roots    *x509.CertPool
	rejectTo string // RCPT TO of this address is refused with 550
	user     string
	password string
}

// newMailServer starts a server offering STARTTLS (with httptest's
// certificate for 127.0.0.1) and AUTH PLAIN for user and password.
func newMailServer(t testing.TB, user, password string) *mailServer {
	t.Helper()
	ms := &mailServer{user: user, password: password}
	ts := httptest.NewTLSServer(nil)
	cert := ts.TLS.Certificates[0]
	ms.roots = x509.NewCertPool()
	ms.roots.AddCert(ts.Certificate())
	ts.Close()
	srv := gosmtp.NewServer(gosmtp.BackendFunc(func(c *gosmtp.Conn) (gosmtp.Session, error) { return &mailSession{ms: ms}, nil }))
	srv.Domain = "mx.example"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.ErrorLog = discardLog{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = ln.Addr().String()
	ms.port = ln.Addr().(*net.TCPAddr).Port
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ms
}

type discardLog struct{}

func (discardLog) Printf(string, ...interface{}) {}
func (discardLog) Println(...interface{})        {}

// client returns the SMTP settings that reach the server.
func (ms *mailServer) client() *SMTP {
	return &SMTP{Host: "127.0.0.1", Port: ms.port, Username: ms.user, Password: ms.password,
		TLSConfig: &tls.Config{RootCAs: ms.roots}, Timeout: time.Minute}
}

func (ms *mailServer) messages() []received {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]received(nil), ms.msgs...)
}

type mailSession struct {
	ms   *mailServer
	cur  received
	auth string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.ms.user || password != s.ms.password {
			return &gosmtp.SMTPError{Code: 535, EnhancedCode: gosmtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.auth = username
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.ms.user != "" && s.auth == "" {
		return &gosmtp.SMTPError{Code: 530, EnhancedCode: gosmtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	s.cur = received{From: from, User: s.auth}
	return nil
}

func (s *mailSession) Rcpt(to string, _ *gosmtp.RcptOptions) error {
	if to == s.ms.rejectTo {
		return &gosmtp.SMTPError{Code: 550, EnhancedCode: gosmtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.ms.mu.Lock()
	s.ms.msgs = append(s.ms.msgs, s.cur)
	s.ms.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        { s.cur = received{} }
func (s *mailSession) Logout() error { return nil }

// parsed is a received message taken apart.
type parsed struct {
	Header     mail.Header
	Text, HTML string
}

// parse reads a message and its two parts, decoding them.
func parse(t testing.TB, data []byte) parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: want multipart/alternative", m.Header.Get("Content-Type"))
	}
	p := parsed{Header: m.Header}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	for {
		part, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cparams, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if cparams["charset"] != "utf-8" || part.Header.Get("Content-Transfer-Encoding") != "quoted-printable" {
			t.Errorf("part %s: charset %q, encoding %q", ct, cparams["charset"], part.Header.Get("Content-Transfer-Encoding"))
		}
		body, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			t.Fatalf("part %s: %v", ct, err)
		}
		types = append(types, ct)
		switch ct {
		case "text/plain":
			p.Text = string(body)
		case "text/html":
			p.HTML = string(body)
		}
	}
	if strings.Join(types, ",") != "text/plain,text/html" {
		t.Errorf("parts %v, want text/plain then text/html", types)
	}
	return p
}
