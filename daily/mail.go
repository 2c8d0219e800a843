package daily

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	digest "github.com/occasional-digest/digest"
)

//go:embed templates
var templateFS embed.FS

var (
	htmlMail = htmltemplate.Must(htmltemplate.New("mail.html").ParseFS(templateFS, "templates/mail.html"))
	textMail = texttemplate.Must(texttemplate.New("mail.txt").Funcs(texttemplate.FuncMap{"wrap": wrapText}).
			ParseFS(templateFS, "templates/mail.txt"))
)

// View is a digest as pages, mails and feeds show it.
type View struct {
	Site, Base   string
	Day          string // "Monday 7 December 2026"
	ISODay       string
	Name         string
	Items        []digest.DailyItem
	Sections     []Section // Items by group
	DigestURL    string
	SettingsURL  string
	Unsubscribe  string // the one-click link, mails only
	StoryURLBase string // Base + "/stories/"
}

// ViewOf returns the view of a digest for the user, its links on base
// ("": the service's BaseURL).
func (s *Service) ViewOf(u *digest.User, d *digest.DailyDigest, base string) View {
	if base == "" {
		base = s.opts.BaseURL
	}
	base = strings.TrimSuffix(base, "/")
	day := d.Day
	if t, err := time.Parse(time.DateOnly, d.Day); err == nil {
		day = t.Format("Monday 2 January 2006")
	}
	return View{Site: s.opts.Title, Base: base, Day: day, ISODay: d.Day, Name: u.Name, Items: d.Items, Sections: Sections(d.Items),
		DigestURL: base + "/digest/" + d.Day, SettingsURL: base + "/digest#settings", StoryURLBase: base + "/stories/"}
}

// HTML renders a digest as the HTML part of its mail (inline styles, a
// single column that fits a phone).
func (s *Service) HTML(v View) (string, error) {
	var b strings.Builder
	if err := htmlMail.Execute(&b, v); err != nil {
		return "", fmt.Errorf("daily: render html: %w", err)
	}
	return b.String(), nil
}

// Text renders a digest as the plain-text part of its mail.
func (s *Service) Text(v View) (string, error) {
	var b strings.Builder
	if err := textMail.Execute(&b, v); err != nil {
		return "", fmt.Errorf("daily: render text: %w", err)
	}
	return b.String(), nil
}

// Subject is the subject of a digest's mail.
func Subject(site string, v View) string {
	s := site + " · " + v.Day
	if len(v.Items) > 0 {
		s += ": " + v.Items[0].Headline
	}
	return s
}

// Message renders the user's digest as a complete MIME message
// (multipart/alternative, text then HTML) with the headers a mailing
// list sends: Date, Message-ID, List-Unsubscribe with its one-click
// List-Unsubscribe-Post. Every header value is cleaned of line breaks and
// encoded (RFC 2047) when not ASCII, so no text of a story or a name can
// add a header.
func (s *Service) Message(ctx context.Context, u *digest.User, d *digest.DailyDigest, now time.Time) ([]byte, error) {
	to, err := CheckAddress(d.To)
	if err != nil {
		return nil, err
	}
	if to == "" {
		return nil, fmt.Errorf("daily: digest of user %d has no address: %w", d.UserID, ErrBadAddress)
	}
	unsub, err := s.UnsubscribeURL(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	v := s.ViewOf(u, d, "")
	v.Unsubscribe = unsub
	text, err := s.Text(v)
	if err != nil {
		return nil, err
	}
	html, err := s.HTML(v)
	if err != nil {
		return nil, err
	}
	msgID := d.MessageID
	if msgID == "" {
		msgID = s.newMessageID(u.ID, d.Day)
	}
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", (&mail.Address{Name: oneLine(s.from.Name), Address: s.from.Address}).String())
	header("To", (&mail.Address{Name: oneLine(u.Name), Address: to}).String())
	// Long encoded subjects are folded between their encoded words.
	header("Subject", strings.ReplaceAll(mime.QEncoding.Encode("utf-8", oneLine(Subject(s.opts.Title, v))), "?= =?", "?=\r\n =?"))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", oneLine(msgID))
	header("MIME-Version", "1.0")
	header("List-Unsubscribe", "<"+unsub+">")
	header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	header("Auto-Submitted", "auto-generated")
	boundary := newBoundary()
	header("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", text}, {"text/html", html}} {
		b.WriteString("--" + boundary + "\r\n")
		header("Content-Type", part.typ+"; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		w := quotedprintable.NewWriter(&b)
		if _, err := w.Write([]byte(crlf(part.body))); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		b.WriteString("\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), nil
}

// oneLine removes line breaks and other control characters from a
// header's text: they could end the header and start another.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
}

// crlf makes every line break CRLF, as a message needs.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func newBoundary() string {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		panic("daily: no randomness: " + err.Error())
	}
	return "digest-" + hex.EncodeToString(b)
}

// wrapText wraps plain text at 72 columns, for the text part.
func wrapText(indent int, s string) string {
	pad := strings.Repeat(" ", indent)
	var b strings.Builder
	line := 0
	for i, w := range strings.Fields(s) {
		if i > 0 && line+1+len([]rune(w)) > 72-indent {
			b.WriteString("\n" + pad)
			line = 0
		} else if i > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len([]rune(w))
	}
	return b.String()
}

// itoa is for templates and tests.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }
