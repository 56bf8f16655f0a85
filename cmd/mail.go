package cmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/hindsight-sre/hindsight/internal/lines"
)

// The SMTP settings come from the environment, like the webhook URL: a
// password does not belong on a command line (ps shows it) or in a config
// that is checked in.
const (
	envSMTPAddr     = "HINDSIGHT_SMTP_ADDR"     // host:port of the server (587 for STARTTLS)
	envSMTPUser     = "HINDSIGHT_SMTP_USER"     // with a user, AUTH PLAIN after TLS
	envSMTPPassword = "HINDSIGHT_SMTP_PASSWORD" //
	envSMTPTLS      = "HINDSIGHT_SMTP_TLS"      // starttls (default), tls (port 465), none
	envSMTPCAFile   = "HINDSIGHT_SMTP_CA_FILE"  // PEM roots for a server with a private CA
	envSMTPFrom     = "HINDSIGHT_SMTP_FROM"     // sender, default hindsight@HOST
)

// mailer sends a summary by e-mail.
type mailer struct {
	addr, user, password string
	mode                 string // starttls, tls, none
	tls                  *tls.Config
	from                 string
	to                   []string
	timeout              time.Duration
}

// newMailer reads the SMTP settings from the environment for the
// recipients in to, and refuses what would send a password in clear.
func newMailer(to []string) (*mailer, error) {
	m := &mailer{addr: strings.TrimSpace(os.Getenv(envSMTPAddr)), user: os.Getenv(envSMTPUser), password: os.Getenv(envSMTPPassword),
		mode: strings.ToLower(strings.TrimSpace(os.Getenv(envSMTPTLS))), from: strings.TrimSpace(os.Getenv(envSMTPFrom)), timeout: 30 * time.Second}
	for _, t := range to {
		for _, a := range strings.Split(t, ",") {
			if a = strings.TrimSpace(a); a == "" {
				continue
			}
			if _, err := mail.ParseAddress(a); err != nil {
				return nil, usageErrorf("--mail-to: %q is not an e-mail address\nhint: give addresses like ops@example.com, comma-separated or --mail-to again", a)
			}
			m.to = append(m.to, a)
		}
	}
	if m.addr == "" {
		return nil, usageErrorf("--mail-to: $%s is empty\nhint: export %s=smtp.example.com:587 (and %s, %s for a server that wants a login)", envSMTPAddr, envSMTPAddr, envSMTPUser, envSMTPPassword)
	}
	host, _, err := net.SplitHostPort(m.addr)
	if err != nil {
		return nil, usageErrorf("--mail-to: $%s=%q is not host:port\nhint: e.g. smtp.example.com:587", envSMTPAddr, m.addr)
	}
	if m.mode == "" {
		m.mode = "starttls"
	}
	switch m.mode {
	case "starttls", "tls":
	case "none":
		if m.user != "" {
			return nil, usageErrorf("--mail-to: %s=none with %s set would send the password in clear\nhint: use starttls (the default) or tls, or a relay without login", envSMTPTLS, envSMTPUser)
		}
	default:
		return nil, usageErrorf("--mail-to: %s=%q is not starttls, tls or none", envSMTPTLS, m.mode)
	}
	if m.user != "" && m.password == "" {
		return nil, usageErrorf("--mail-to: %s is set but %s is empty\nhint: export the password too (it is never printed)", envSMTPUser, envSMTPPassword)
	}
	m.tls = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if f := os.Getenv(envSMTPCAFile); f != "" {
		pem, err := lines.ReadFile(f, lines.MaxConfigFile) // a FIFO would block, a device never end
		if err != nil {
			return nil, usageErrorf("--mail-to: %s: %v\nhint: point it at a PEM file of the CA that signed the server's certificate", envSMTPCAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usageErrorf("--mail-to: %s=%s holds no PEM certificate", envSMTPCAFile, f)
		}
		m.tls.RootCAs = pool
	}
	if m.from == "" {
		h, _ := os.Hostname()
		if h == "" {
			h = "localhost"
		}
		m.from = "hindsight@" + h
	}
	if _, err := mail.ParseAddress(m.from); err != nil {
		return nil, usageErrorf("%s=%q is not an e-mail address", envSMTPFrom, m.from)
	}
	return m, nil
}

// message is the e-mail: plain UTF-8 text, quoted-printable.
func (m *mailer) message(subject string, body []byte, now time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", m.from)
	h("To", strings.Join(m.to, ", "))
	h("Subject", mime.QEncoding.Encode("utf-8", subject))
	h("Date", now.Format(time.RFC1123Z))
	h("Message-ID", fmt.Sprintf("<%d.hindsight@%s>", now.UnixNano(), strings.SplitN(m.from, "@", 2)[1]))
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write(bytes.ReplaceAll(bytes.ReplaceAll(body, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n")))
	qp.Close()
	return b.Bytes()
}

// send delivers body to every recipient. Errors name the server and what
// it answered, never the password.
func (m *mailer) send(ctx context.Context, subject string, body []byte) error {
	err := m.deliver(ctx, m.message(subject, body, time.Now()))
	if err == nil {
		return nil
	}
	msg := err.Error()
	if m.password != "" {
		msg = strings.ReplaceAll(msg, m.password, "[redacted]")
	}
	hint := "check " + envSMTPAddr + " and that the server speaks " + m.mode
	var se *smtp.SMTPError
	if errors.As(err, &se) && se.Code == 535 {
		hint = "the server refused the login: check " + envSMTPUser + " and " + envSMTPPassword
	}
	return fmt.Errorf("mail to %s via %s: %s\nhint: %s; the summary was not delivered and the state was not saved", strings.Join(m.to, ", "), m.addr, msg, hint)
}

func (m *mailer) deliver(ctx context.Context, msg []byte) error {
	d := net.Dialer{Timeout: m.timeout}
	conn, err := d.DialContext(ctx, "tcp", m.addr)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(m.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	var c *smtp.Client
	switch m.mode {
	case "tls":
		c = smtp.NewClient(tls.Client(conn, m.tls))
	case "starttls":
		if c, err = smtp.NewClientStartTLS(conn, m.tls); err != nil {
			conn.Close()
			return fmt.Errorf("STARTTLS: %w", err)
		}
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if m.user != "" {
		if err := c.Auth(sasl.NewPlainClient("", m.user, m.password)); err != nil {
			return fmt.Errorf("login as %s: %w", m.user, err)
		}
	}
	if err := c.SendMail(m.from, m.to, bytes.NewReader(msg)); err != nil {
		return err
	}
	return c.Quit()
}
