package daily

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"strconv"
	"time"
)

// TLS modes of an SMTP server.
const (
	StartTLS = "starttls" // plain connection upgraded by STARTTLS, required (port 587)
	TLS      = "tls"      // TLS from the first byte (port 465)
	NoTLS    = "none"     // no encryption: only for a relay on loopback
)

// SMTP sends mail through one SMTP server. Its password never appears in
// an error or a log line (LogValue leaves it out).
type SMTP struct {
	Host     string
	Port     int    // 587 when 0
	TLS      string // StartTLS (default), TLS or NoTLS
	Username string // "": no AUTH
	Password string
	// HelloName is the name given in EHLO; "localhost" when empty.
	HelloName string
	// Timeout bounds one whole send; 30 s when 0.
	Timeout time.Duration
	// TLSConfig, unless nil, is used for TLS (tests: their own roots).
	TLSConfig *tls.Config
}

// LogValue shows the server without its password.
func (c *SMTP) LogValue() slog.Value {
	return slog.GroupValue(slog.String("host", c.Host), slog.Int("port", c.port()), slog.String("tls", c.mode()),
		slog.String("username", c.Username))
}

// String names the server without its password.
func (c *SMTP) String() string {
	return "smtp://" + net.JoinHostPort(c.Host, strconv.Itoa(c.port())) + " (" + c.mode() + ")"
}

func (c *SMTP) port() int {
	if c.Port == 0 {
		return 587
	}
	return c.Port
}

func (c *SMTP) mode() string {
	if c.TLS == "" {
		return StartTLS
	}
	return c.TLS
}

// Validate checks the settings.
func (c *SMTP) Validate() error {
	switch {
	case c.Host == "":
		return errors.New("smtp: no host")
	case c.port() < 1 || c.port() > 65535:
		return fmt.Errorf("smtp: port %d is not a port", c.Port)
	}
	switch c.mode() {
	case StartTLS, TLS, NoTLS:
	default:
		return fmt.Errorf("smtp: TLS mode must be %s, %s or %s, not %q", StartTLS, TLS, NoTLS, c.TLS)
	}
	if c.Username != "" && c.Password == "" {
		return errors.New("smtp: a user name without a password")
	}
	return nil
}

func (c *SMTP) tlsConfig() *tls.Config {
	if c.TLSConfig != nil {
		cfg := c.TLSConfig.Clone()
		if cfg.ServerName == "" {
			cfg.ServerName = c.Host
		}
		return cfg
	}
	return &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
}

// Send sends msg from from to the recipients. Errors name the server and
// the step that failed; an SMTP reply is a *textproto.Error in the chain.
func (c *SMTP) Send(ctx context.Context, from string, to []string, msg []byte) error {
	if err := c.Validate(); err != nil {
		return err
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(step string, err error) error { return fmt.Errorf("%s: %s: %w", c, step, err) }
	addr := net.JoinHostPort(c.Host, strconv.Itoa(c.port()))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fail("connect", err)
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	if err := conn.SetDeadline(deadline); err != nil {
		return fail("connect", err)
	}
	// The connection is closed when ctx ends, which unblocks the client.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if c.mode() == TLS {
		tc := tls.Client(conn, c.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("TLS handshake", err)
		}
		conn = tc
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return fail("greeting", err)
	}
	defer cl.Close()
	hello := c.HelloName
	if hello == "" {
		hello = "localhost"
	}
	if err := cl.Hello(hello); err != nil {
		return fail("EHLO", err)
	}
	if c.mode() == StartTLS {
		if ok, _ := cl.Extension("STARTTLS"); !ok {
			return fail("STARTTLS", errors.New("the server does not offer STARTTLS (set the TLS mode to none only for a relay on loopback)"))
		}
		if err := cl.StartTLS(c.tlsConfig()); err != nil {
			return fail("STARTTLS", err)
		}
	}
	if c.Username != "" {
		if ok, _ := cl.Extension("AUTH"); !ok {
			return fail("AUTH", errors.New("the server offers no authentication"))
		}
		if err := cl.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fail("AUTH", err)
		}
	}
	if err := cl.Mail(from); err != nil {
		return fail("MAIL FROM", err)
	}
	for _, rcpt := range to {
		if err := cl.Rcpt(rcpt); err != nil {
			return fail("RCPT TO", err)
		}
	}
	w, err := cl.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("DATA", err)
	}
	if err := cl.Quit(); err != nil {
		return fail("QUIT", err)
	}
	return nil
}
