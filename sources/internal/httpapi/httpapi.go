// Package httpapi is the HTTP client the log-store sources (VictoriaLogs,
// Loki) and Kuma's status-page reader share: the server's URL, basic auth
// or a bearer token read from the environment or a file, extra headers
// (X-Scope-OrgID, AccountID), TLS, and failures explained with a hint.
//
// Secrets never appear in errors: messages name the URL without
// credentials (a URL that carries them is refused), and a server's error
// body is quoted only after the secrets are cut out of it.
package httpapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/hindsight-sre/hindsight/internal/lines"
)

// Auth is the part of a source's config that says how to reach its server.
type Auth struct {
	BasicAuth       BasicAuth         `mapstructure:"basic_auth"`
	BearerTokenEnv  string            `mapstructure:"bearer_token_env"`  // name of the variable holding the token
	BearerTokenFile string            `mapstructure:"bearer_token_file"` // file holding the token
	Headers         map[string]string `mapstructure:"headers"`           // e.g. X-Scope-OrgID
	TLS             TLS               `mapstructure:"tls"`
	// Timeout bounds one request; 0 means DefaultTimeout.
	Timeout time.Duration `mapstructure:"timeout"`
}

// BasicAuth is a user and where its password is.
type BasicAuth struct {
	User         string `mapstructure:"user"`
	PasswordEnv  string `mapstructure:"password_env"`
	PasswordFile string `mapstructure:"password_file"`
}

// TLS configures https connections.
type TLS struct {
	CAFile             string `mapstructure:"ca_file"`
	CertFile           string `mapstructure:"cert_file"`
	KeyFile            string `mapstructure:"key_file"`
	InsecureSkipVerify bool   `mapstructure:"insecure_skip_verify"`
}

// DefaultTimeout bounds a request when Auth.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// Client sends requests to one server.
type Client struct {
	Kind    string // "victorialogs": names the source in errors
	Name    string // the source's configured name
	base    *url.URL
	hc      *http.Client
	secrets []string
	timeout time.Duration
}

// New checks the URL and the credentials and makes the client. kind and
// name only label errors.
func New(kind, name, rawURL string, a Auth) (*Client, error) {
	fail := func(field, format string, args ...any) error {
		return fmt.Errorf("%s source %q: %s: %s", kind, name, field, fmt.Sprintf(format, args...))
	}
	if rawURL == "" {
		return nil, fail("url", "missing; hint: set url to the server root, e.g. http://127.0.0.1:9428")
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fail("url", "%q is not an http or https URL; hint: write it as http://host:port", redact(rawURL))
	}
	if u.User != nil {
		return nil, fail("url", "carries credentials; hint: use basic_auth.user and basic_auth.password_env instead")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c := &Client{Kind: kind, Name: name, base: u, timeout: a.Timeout}
	if a.Timeout < 0 {
		return nil, fail("timeout", "%s is negative", a.Timeout)
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if a.BasicAuth.PasswordEnv != "" && a.BasicAuth.PasswordFile != "" {
		return nil, fail("basic_auth", "both password_env and password_file are set; hint: keep one")
	}
	if (a.BasicAuth.PasswordEnv != "" || a.BasicAuth.PasswordFile != "") && a.BasicAuth.User == "" {
		return nil, fail("basic_auth.user", "missing while a password is set")
	}
	password, err := Secret(a.BasicAuth.PasswordEnv, a.BasicAuth.PasswordFile)
	if err != nil {
		return nil, fail("basic_auth", "%v", err)
	}
	if a.BearerTokenEnv != "" && a.BearerTokenFile != "" {
		return nil, fail("bearer_token_env", "set together with bearer_token_file; hint: keep one")
	}
	if a.BasicAuth.User != "" && (a.BearerTokenEnv != "" || a.BearerTokenFile != "") {
		return nil, fail("basic_auth", "set together with a bearer token; hint: a server takes one Authorization header, keep one")
	}
	token, err := Secret(a.BearerTokenEnv, a.BearerTokenFile)
	if err != nil {
		return nil, fail("bearer_token", "%v", err)
	}
	for k, v := range a.Headers {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n") {
			return nil, fail("headers", "%q is not a valid header", k)
		}
		if http.CanonicalHeaderKey(k) == "Authorization" {
			return nil, fail("headers."+k, "would be written in the config file; hint: use bearer_token_env or bearer_token_file")
		}
	}
	if (a.TLS.CertFile == "") != (a.TLS.KeyFile == "") {
		return nil, fail("tls", "cert_file and key_file go together; hint: set both for a client certificate")
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: a.TLS.InsecureSkipVerify}
	if a.TLS.CAFile != "" {
		pem, err := lines.ReadFile(a.TLS.CAFile, lines.MaxConfigFile) // a FIFO would block, a device never end
		if err != nil {
			return nil, fail("tls.ca_file", "%v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fail("tls.ca_file", "%s holds no PEM certificate; hint: give the CA certificate in PEM form", a.TLS.CAFile)
		}
		tc.RootCAs = pool
	}
	if a.TLS.CertFile != "" {
		cert, err := LoadKeyPair(a.TLS.CertFile, a.TLS.KeyFile)
		if err != nil {
			return nil, fail("tls.cert_file/key_file", "%v; hint: both must be PEM and belong together", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	for _, s := range []string{password, token} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	t := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     tc,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
	}
	c.hc = &http.Client{Transport: WithAuth(t, a.BasicAuth.User, password, token, a.Headers)}
	return c, nil
}

// LoadKeyPair is tls.LoadX509KeyPair over regular files of a bounded
// size: a FIFO in cert_file or key_file would block in open(), a device
// never end.
func LoadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := lines.ReadFile(certFile, lines.MaxConfigFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := lines.ReadFile(keyFile, lines.MaxSecretFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(cert, key)
}

// Secret reads a secret from the environment variable env or the file;
// "" when neither is set.
func Secret(env, file string) (string, error) {
	switch {
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is empty or unset; hint: export %s=...", env, env)
		}
		return v, nil
	case file != "":
		b, err := lines.ReadFile(file, lines.MaxSecretFile) // a FIFO would block, a device never end
		if err != nil {
			return "", fmt.Errorf("read secret: %w; hint: check the file name and its permissions", err)
		}
		v := strings.TrimSpace(string(b))
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", file)
		}
		return v, nil
	}
	return "", nil
}

// WithAuth wraps next so that every request carries the headers, then a
// bearer token if there is one, else basic auth if a user is set, and
// hindsight's User-Agent. Every HTTP source (Prometheus included) sends its
// credentials this way.
func WithAuth(next http.RoundTripper, user, password, token string, headers map[string]string) http.RoundTripper {
	return &authTransport{next: next, user: user, password: password, token: token, headers: headers}
}

type authTransport struct {
	next     http.RoundTripper
	user     string
	password string
	token    string
	headers  map[string]string
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context()) // a RoundTripper must not change the caller's request
	for k, v := range t.headers {
		r.Header.Set(k, v)
	}
	switch {
	case t.token != "":
		r.Header.Set("Authorization", "Bearer "+t.token)
	case t.user != "":
		r.SetBasicAuth(t.user, t.password)
	}
	r.Header.Set("User-Agent", "hindsight")
	return t.next.RoundTrip(r)
}

// URL is the server root, without credentials.
func (c *Client) URL() string { return c.base.String() }

// Timeout is the bound of one request.
func (c *Client) Timeout() time.Duration { return c.timeout }

// Endpoint is the full URL of path with q, for a person to reproduce a
// request (it carries no credentials).
func (c *Client) Endpoint(path string, q url.Values) string {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	return u.String()
}

// Get sends a GET of path with q and returns the response of a 2xx status;
// any other status is an *Error with the body's first part. The caller
// closes the body. The request is bounded by the client's timeout unless
// stream is set (a long answer read as it comes, bounded by ctx): then only
// the wait for the response's headers is.
func (c *Client) Get(ctx context.Context, what, path string, q url.Values, stream bool) (*http.Response, error) {
	return c.do(ctx, what, http.MethodGet, path, q, stream)
}

// Post sends q as a form (for long queries) and otherwise is Get.
func (c *Client) Post(ctx context.Context, what, path string, q url.Values, stream bool) (*http.Response, error) {
	return c.do(ctx, what, http.MethodPost, path, q, stream)
}

func (c *Client) do(ctx context.Context, what, method, path string, q url.Values, stream bool) (*http.Response, error) {
	u := *c.base
	u.Path += path
	var body io.Reader
	if method == http.MethodGet {
		u.RawQuery = q.Encode()
	} else {
		body = strings.NewReader(q.Encode())
	}
	rctx, cancel := context.WithCancel(ctx)
	timer := time.AfterFunc(c.timeout, cancel)
	req, err := http.NewRequestWithContext(rctx, method, u.String(), body)
	if err != nil {
		cancel()
		return nil, c.Explain(what, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		timedOut := !timer.Stop() && ctx.Err() == nil
		cancel()
		if timedOut {
			err = fmt.Errorf("%w: %w", errTimeout, err)
		}
		return nil, c.Explain(what, err)
	}
	if stream {
		timer.Stop()
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel, timer: timer}
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, &Error{Kind: c.Kind, Source: c.Name, What: what, Status: resp.StatusCode,
			Msg:  fmt.Sprintf("HTTP %d: %s", resp.StatusCode, c.Redact(strings.TrimSpace(firstLine(string(b))))),
			Hint: statusHint(resp.StatusCode), Body: c.Redact(string(b))}
	}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
	timer  *time.Timer
}

func (b *cancelBody) Close() error {
	b.timer.Stop()
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// errTimeout marks a request that ran out of the client's timeout.
var errTimeout = errors.New("request timeout")

// IsTimeout reports whether err is a request that ran out of its time.
func IsTimeout(err error) bool { return errors.Is(err, errTimeout) }

func statusHint(code int) string {
	switch {
	case code == http.StatusUnauthorized:
		return "wrong or missing credentials: check basic_auth.user and the password's variable, or bearer_token_env"
	case code == http.StatusForbidden:
		return "the credentials lack access: check the user's rights, and the tenant header (X-Scope-OrgID, AccountID)"
	case code == http.StatusNotFound:
		return "is url the server root? the client adds the API path itself"
	case code == http.StatusTooManyRequests:
		return "the server limits queries: narrow the window, raise the step, or retry later"
	case code >= 500:
		return "the server failed: see its log, narrow the window or retry"
	}
	return "check the query and the url"
}

// Error is a failed request, explained.
type Error struct {
	Kind, Source string
	What         string // what was being fetched
	Status       int    // HTTP status, 0 when none came
	Msg, Hint    string
	Body         string // the server's error body, secrets cut out
	Err          error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s source %q: ", e.Kind, e.Source)
	if e.What != "" {
		s += e.What + ": "
	}
	s += e.Msg
	if e.Hint != "" {
		s += "; hint: " + e.Hint
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Explain turns a transport error into an *Error with a hint. Context
// cancellation is returned as it is.
func (c *Client) Explain(what string, err error) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) || errors.Is(err, context.Canceled) && !IsTimeout(err) {
		return err
	}
	msg, hint := c.describe(err)
	return &Error{Kind: c.Kind, Source: c.Name, What: what, Msg: c.Redact(msg), Hint: hint, Err: err}
}

func (c *Client) describe(err error) (msg, hint string) {
	var (
		dnsErr  *net.DNSError
		opErr   *net.OpError
		unknown x509.UnknownAuthorityError
		verr    *tls.CertificateVerificationError
		host    x509.HostnameError
		recErr  tls.RecordHeaderError
	)
	switch {
	case IsTimeout(err), errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %s", c.timeout), "raise timeout in the source's config, or narrow the window"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot resolve host %q", dnsErr.Name), "check the host name in url (" + c.URL() + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused at " + c.URL(), "is the server running and listening there? check url and the port"
	case errors.As(err, &unknown), errors.As(err, &verr) && errors.As(verr.Err, &unknown):
		return "tls: the server certificate is signed by an unknown authority",
			"set tls.ca_file to the CA that signed it (insecure_skip_verify only for a throwaway test server)"
	case errors.As(err, &host):
		return "tls: " + host.Error(), "connect with the name the certificate was issued for, or reissue it"
	case errors.As(err, &recErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "tls: the server does not speak TLS", "use http:// in url, not https://"
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		return "tls: " + lastPart(err.Error()), "check tls.ca_file, tls.cert_file and tls.key_file"
	case errors.As(err, &opErr):
		return "cannot reach " + c.URL() + ": " + lastPart(err.Error()), "check url and that the server is up"
	}
	return lastPart(err.Error()), "check url and that the server is up"
}

// Redact cuts the client's secrets out of s.
func (c *Client) Redact(s string) string {
	for _, x := range c.secrets {
		s = strings.ReplaceAll(s, x, "<secret>")
	}
	return s
}

// redact drops credentials from a URL-ish string.
func redact(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User("<secret>")
		return u.String()
	}
	return s
}

// lastPart drops Go's request prefix (`Get "http://...": `).
func lastPart(s string) string {
	if i := strings.LastIndex(s, `": `); i >= 0 && (strings.HasPrefix(s, "Post ") || strings.HasPrefix(s, "Get ")) {
		return s[i+3:]
	}
	return s
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
