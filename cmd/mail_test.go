package cmd

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"mime/quotedprintable"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1 that
// offers STARTTLS with a certificate of its own CA, accepts AUTH PLAIN
// only after TLS, and keeps what it was sent.
type smtpServer struct {
	addr, caFile string
	mu           sync.Mutex
	mails        []receivedMail
}

type receivedMail struct {
	from    string
	to      []string
	data    string
	tls     bool
	authed  string
	tlsSeen bool
}

func startSMTP(t *testing.T, user, password string) *smtpServer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{caFile: filepath.Join(t.TempDir(), "ca.pem")}
	if err := os.WriteFile(s.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, c: c, user: user, password: password}, nil
	}))
	srv.Domain = "127.0.0.1"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv.AllowInsecureAuth = false // AUTH only after STARTTLS
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

type smtpSession struct {
	s              *smtpServer
	c              *smtp.Conn
	user, password string
	m              receivedMail
}

func (ss *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, u, p string) error {
		if u != ss.user || p != ss.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		_, ss.m.tls = ss.c.TLSConnectionState()
		ss.m.authed = u
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.user != "" && ss.m.authed == "" {
		return smtp.ErrAuthRequired
	}
	ss.m.from = from
	return nil
}
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.m.to = append(ss.m.to, to)
	return nil
}
func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.m.data = string(b)
	_, ss.m.tlsSeen = ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	ss.s.mails = append(ss.s.mails, ss.m)
	ss.s.mu.Unlock()
	return nil
}
func (ss *smtpSession) Reset()        { ss.m = receivedMail{authed: ss.m.authed, tls: ss.m.tls} }
func (ss *smtpSession) Logout() error { return nil }

func smtpEnv(t *testing.T, s *smtpServer, user, password string) {
	t.Setenv(envSMTPAddr, s.addr)
	t.Setenv(envSMTPUser, user)
	t.Setenv(envSMTPPassword, password)
	t.Setenv(envSMTPCAFile, s.caFile)
	t.Setenv(envSMTPFrom, "hindsight@ops.example")
	t.Setenv(envSMTPTLS, "")
}

// The summary goes by e-mail over STARTTLS with a login, to every
// recipient, as readable UTF-8 text with the summary's title as subject.
func TestMailSummarySTARTTLS(t *testing.T) {
	s := startSMTP(t, "hindsight", "s3cret-pw")
	smtpEnv(t, s, "hindsight", "s3cret-pw")
	_, code, stderr := mustSummary(t, "2025-11-20", t.TempDir(), "--mail-to", "ops@example.com,oncall@example.com")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if len(s.mails) != 1 {
		t.Fatalf("%d mails", len(s.mails))
	}
	m := s.mails[0]
	if !m.tls || !m.tlsSeen || m.authed != "hindsight" || m.from != "hindsight@ops.example" || strings.Join(m.to, " ") != "ops@example.com oncall@example.com" {
		t.Errorf("mail: tls %v/%v, login %q, from %q, to %v", m.tls, m.tlsSeen, m.authed, m.from, m.to)
	}
	head, body, _ := strings.Cut(m.data, "\r\n\r\n")
	text, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(head, "Subject: =?utf-8?q?Nightly_summary") || !strings.Contains(head, "Content-Type: text/plain; charset=utf-8") ||
		!strings.Contains(string(text), "# Nightly summary, 2025-11-19 18:00 – 2025-11-20 07:00 KST") {
		t.Errorf("message:\n%s\n%.400s", head, text)
	}
}

// A wrong password: exit 1, a hint naming the variables, the password
// never printed, the state not saved.
func TestMailWrongPassword(t *testing.T) {
	s := startSMTP(t, "hindsight", "right-password")
	smtpEnv(t, s, "hindsight", "wrong-password-xyz")
	state := t.TempDir()
	_, code, stderr := mustSummary(t, "2025-11-20", state, "--mail-to", "ops@example.com")
	if code != exitError || !strings.Contains(stderr, "hint: the server refused the login: check HINDSIGHT_SMTP_USER") ||
		strings.Contains(stderr, "wrong-password-xyz") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
	if _, err := stateFile(state); err == nil {
		t.Error("the state was saved although the mail was not delivered")
	}
	if len(s.mails) != 0 {
		t.Error("a mail went through")
	}
}

// Settings that would leak the password or cannot work are refused before
// anything is read.
func TestMailSettingsRefused(t *testing.T) {
	s := startSMTP(t, "u", "p")
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{envSMTPAddr: ""}, "HINDSIGHT_SMTP_ADDR is empty"},
		{map[string]string{envSMTPTLS: "none"}, "would send the password in clear"},
		{map[string]string{envSMTPPassword: ""}, "HINDSIGHT_SMTP_PASSWORD is empty"},
		{map[string]string{envSMTPAddr: "no-port"}, "is not host:port"},
	} {
		smtpEnv(t, s, "u", "p")
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"summary", "--config", filepath.Join("..", "testdata", "demo", "hindsight.yaml"), "--no-state", "--mail-to", "ops@example.com"}, &out, &errb)
		if code != exitUsage || !strings.Contains(errb.String(), c.want) || !strings.Contains(errb.String(), "\nhint: ") && c.want != "is not host:port" {
			t.Errorf("%v: exit %d\n%s", c.env, code, errb.String())
		}
	}
}

// A server that does not offer STARTTLS is not sent anything in clear.
func TestMailNoSTARTTLS(t *testing.T) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return nil, errors.New("unused") }))
	srv.Domain = "127.0.0.1"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()
	t.Setenv(envSMTPAddr, l.Addr().String())
	t.Setenv(envSMTPUser, "")
	t.Setenv(envSMTPTLS, "")
	m, err := newMailer([]string{"ops@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.send(context.Background(), "s", []byte("body")); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("sent without STARTTLS: %v", err)
	}
}

// Teams gets an Adaptive Card, Discord a message that pings nobody.
func TestWebhookTeamsAndDiscord(t *testing.T) {
	for _, kind := range []string{"teams", "discord"} {
		rec := &receiver{}
		srv := httptest.NewServer(rec)
		t.Setenv("HOOK", srv.URL+"/services/T000/B000/hook")
		_, code, stderr := mustSummary(t, "2025-11-20", t.TempDir(), "--webhook", kind, "--webhook-env", "HOOK")
		srv.Close()
		if code != exitOK || len(rec.bodies) != 1 {
			t.Fatalf("%s: exit %d, %d posts\n%s", kind, code, len(rec.bodies), stderr)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(rec.bodies[0]), &doc); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		switch kind {
		case "teams":
			att, _ := doc["attachments"].([]any)
			if doc["type"] != "message" || len(att) != 1 || att[0].(map[string]any)["contentType"] != "application/vnd.microsoft.card.adaptive" ||
				!strings.Contains(rec.bodies[0], `"type":"AdaptiveCard"`) || !strings.Contains(rec.bodies[0], "Nightly summary, 2025-11-19 18:00") {
				t.Errorf("teams payload: %.500s", rec.bodies[0])
			}
		case "discord":
			content, _ := doc["content"].(string)
			if !strings.HasPrefix(content, "**Nightly summary, 2025-11-19 18:00") || len([]rune(content)) > 2000 ||
				!strings.Contains(rec.bodies[0], `"allowed_mentions":{"parse":[]}`) {
				t.Errorf("discord payload: %.500s", rec.bodies[0])
			}
		}
	}
}
