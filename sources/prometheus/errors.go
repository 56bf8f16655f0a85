package prometheus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// errTimeout is the cause of a Fetch or Check that ran out of its
// configured time, told apart from the caller's own cancellation.
var errTimeout = errors.New("source timeout")

// explain turns an error from the HTTP API into a lower-case message with
// a hint, for what (e.g. `query "p95"`). Context errors are returned as
// they are.
func (s *Source) explain(what string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	msg, hint := s.describe(err)
	return &Error{Source: s.Name(), What: what, Msg: msg, Hint: hint, Err: err}
}

// Error is a failure of one request to the server, explained.
type Error struct {
	Source string
	What   string // what was being fetched: `query "p95"`, "probe_success"; may be empty
	Msg    string // why it failed
	Hint   string // the next step
	Err    error  // the underlying error
}

func (e *Error) Error() string {
	s := "prometheus source " + strconv.Quote(e.Source) + ": "
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

func (s *Source) describe(err error) (msg, hint string) {
	var (
		apiErr  *v1.Error
		dnsErr  *net.DNSError
		opErr   *net.OpError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
		verr    *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		synErr  *json.SyntaxError
		typErr  *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, errTimeout), errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("timed out after %s", s.s.Timeout),
			"raise timeout in the source's config, narrow the window or use a larger step"
	case errors.As(err, &apiErr):
		return s.describeAPI(apiErr)
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot resolve host %q", dnsErr.Name), "check the host name in url (" + s.s.URL + ")"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused at " + s.s.URL, "is the server running and listening there? check url and the port"
	case errors.As(err, &unknown), errors.As(err, &verr) && isUnknownAuthority(verr):
		return "tls: the server certificate is signed by an unknown authority",
			"set tls.ca_file to the CA that signed it (insecure_skip_verify only for a throwaway test server)"
	case errors.As(err, &host):
		return "tls: " + host.Error(), "connect with the name the certificate was issued for, or reissue it"
	case errors.As(err, &invalid):
		return "tls: " + invalid.Error(), "renew the server certificate, or check the machine's clock"
	case errors.As(err, &recErr):
		return "tls: the server does not speak TLS", "use http:// in url, not https://"
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "tls: the server answered plain HTTP", "use http:// in url, not https://"
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "x509:"):
		return "tls: " + lastPart(err.Error()), "check tls.ca_file, tls.cert_file and tls.key_file"
	case errors.As(err, &synErr), errors.As(err, &typErr):
		return "malformed answer: " + err.Error(), "is url a Prometheus-compatible API and not a proxy's or a login page?"
	case errors.As(err, &opErr):
		return "cannot reach " + s.s.URL + ": " + lastPart(err.Error()), "check url and that the server is up"
	}
	return lastPart(err.Error()), "check url and that the server is up"
}

func isUnknownAuthority(e *tls.CertificateVerificationError) bool {
	var u x509.UnknownAuthorityError
	return errors.As(e.Err, &u)
}

// lastPart drops the Go request prefix (`Post "http://...": `).
func lastPart(s string) string {
	if i := strings.LastIndex(s, `": `); i >= 0 && (strings.HasPrefix(s, "Post ") || strings.HasPrefix(s, "Get ")) {
		return s[i+3:]
	}
	return s
}

func (s *Source) describeAPI(e *v1.Error) (msg, hint string) {
	switch e.Type {
	case v1.ErrClient, v1.ErrServer:
		code := statusCode(e.Msg)
		switch {
		case code == 401 && (s.s.BasicAuth.User != "" || s.s.token != ""):
			// Credentials were sent: saying "set basic_auth" would
			// send the reader to what is already there.
			return "unauthorized (HTTP 401): the server refused the credentials sent", "check that the user and the password (or the token) in the variable or file named are the server's current ones"
		case code == 401:
			return "unauthorized (HTTP 401)", "set basic_auth (user and password_env or password_file) or bearer_token_env/bearer_token_file"
		case code == 403:
			return "forbidden (HTTP 403): the credentials lack access", "check the user's permissions; for a Mimir or Cortex tenant set headers.X-Scope-OrgID"
		case code == 404:
			return "not found (HTTP 404): no Prometheus API at " + s.s.URL, "url must be the server root (e.g. http://host:9090, or the path prefix Thanos or Mimir serve it under)"
		case code == 429:
			return "rate limited (HTTP 429)", "lower max_concurrency"
		case code == 503:
			return "server unavailable (HTTP 503)", "the server is starting or overloaded; retry later or lower max_concurrency"
		case code == 504 || code == 502:
			return fmt.Sprintf("gateway error (HTTP %d)", code), "the proxy in front of the server gave up; retry, narrow the window or lower max_concurrency"
		case code >= 500:
			return fmt.Sprintf("server error (HTTP %d): %s", code, firstLine(e.Detail)), "see the server's log"
		}
		return fmt.Sprintf("HTTP %d: %s", code, firstLine(e.Detail)), "check url and credentials"
	case v1.ErrBadResponse:
		m := e.Msg
		if i := strings.Index(m, ", error found"); i > 0 { // json-iterator appends pages of context
			m = m[:i]
		}
		return "malformed answer: " + firstLine(m), "is url a Prometheus-compatible API and not a proxy's or a login page?"
	case v1.ErrTimeout:
		return "the server timed out evaluating the query: " + e.Msg, "narrow the window, use a larger step or simplify the expression"
	}
	if pe, ok := parseSyntaxError(e.Msg); ok {
		if pe.Line > 0 {
			return fmt.Sprintf("PromQL syntax error at line %d, column %d: %s", pe.Line, pe.Col, pe.Text), "fix the expression (try it in the Prometheus UI)"
		}
		return "PromQL syntax error: " + pe.Text, "fix the expression (try it in the Prometheus UI)"
	}
	if tooManyPoints(e) {
		return "too many points per series: " + e.Msg, "use a larger step"
	}
	if m := strings.ToLower(e.Msg); strings.Contains(m, "too many samples") || strings.Contains(m, "too many series") ||
		strings.Contains(m, "exceeds the limit") || strings.Contains(m, "maxseries") || strings.Contains(m, "maxsamples") {
		return "the server refused the query's size: " + firstLine(e.Msg), "narrow the window, use a larger step or aggregate more in the expression (sum by ...)"
	}
	return string(e.Type) + ": " + e.Msg, "check the expression and the server's log"
}

func statusCode(msg string) int {
	// client_golang writes "client error: 401" / "server error: 503".
	i := strings.LastIndexByte(msg, ' ')
	n, _ := strconv.Atoi(msg[i+1:])
	return n
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// tooManyPoints reports whether err is the server refusing a query_range
// for its points-per-series limit: Prometheus' 11,000 ("exceeded maximum
// resolution of 11,000 points per timeseries", 400 bad_data) or
// VictoriaMetrics' -search.maxPointsPerTimeseries ("too many points", 422).
func tooManyPoints(err error) bool {
	var e *v1.Error
	if !errors.As(err, &e) {
		return false
	}
	m := strings.ToLower(e.Msg)
	return strings.Contains(m, "exceeded maximum resolution") || strings.Contains(m, "too many points") ||
		strings.Contains(m, "maxpointspertimeseries")
}

// SyntaxError is a PromQL parse error as the server reports it.
type SyntaxError struct {
	Line, Col int // 1-based; 0 when the server gives no position
	Text      string
}

var (
	// Prometheus 2.x/3.x: `invalid parameter "query": 1:5: parse error: unclosed left parenthesis`
	reLineCol = regexp.MustCompile(`(\d+):(\d+): parse error: (.*)`)
	// Prometheus before 2.x's line:col: `parse error at char 5: ...`
	reChar = regexp.MustCompile(`parse error at char (\d+): (.*)`)
)

// parseSyntaxError finds a PromQL syntax error in a server's error message.
// VictoriaMetrics gives no position ("cannot parse ...", "unparsed data").
func parseSyntaxError(msg string) (SyntaxError, bool) {
	if m := reLineCol.FindStringSubmatch(msg); m != nil {
		l, err1 := strconv.Atoi(m[1])
		c, err2 := strconv.Atoi(m[2])
		if err1 == nil && err2 == nil {
			return SyntaxError{Line: l, Col: c, Text: m[3]}, true
		}
	}
	if m := reChar.FindStringSubmatch(msg); m != nil {
		if c, err := strconv.Atoi(m[1]); err == nil {
			return SyntaxError{Line: 1, Col: c, Text: m[2]}, true
		}
	}
	if strings.Contains(msg, "parse error") || strings.Contains(msg, "cannot parse") || strings.Contains(msg, "unparsed data") {
		text := msg
		if i := strings.LastIndex(msg, "): "); i >= 0 { // VictoriaMetrics: `error when executing query="..." (...): <reason>`
			text = msg[i+3:]
		}
		return SyntaxError{Text: text}, true
	}
	return SyntaxError{}, false
}

// parseRetention reads a server's retention setting: Prometheus'
// storageRetention ("15d", "15d or 512MiB", "512MiB") or VictoriaMetrics'
// -retentionPeriod ("100y", "30d", "3" = months of 31 days). ok is false
// when there is no time limit in it.
func parseRetention(s string) (d time.Duration, ok bool) {
	for _, f := range strings.Fields(s) {
		f = strings.Trim(f, `"`)
		if f == "" || f == "or" {
			continue
		}
		if n, err := strconv.ParseFloat(f, 64); err == nil { // VictoriaMetrics: months
			if n <= 0 || math.IsNaN(n) {
				continue
			}
			if h := n * 31 * 24; h < float64(math.MaxInt64/int64(time.Hour)) {
				return time.Duration(h * float64(time.Hour)), true
			}
			return time.Duration(math.MaxInt64), true // longer than time.Duration holds: forever
		}
		if d, err := parseDuration(f); err == nil && d > 0 {
			return d, true
		}
	}
	return 0, false
}

// parseDuration reads a Prometheus duration ("15d", "1y", "2w3d", "90m").
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour,
		'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	var total time.Duration
	for s != "" {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, err
		}
		u, rest := s[i], s[i+1:]
		unit := units[u]
		if u == 'm' && strings.HasPrefix(rest, "s") {
			unit, rest = time.Millisecond, rest[1:]
		}
		if unit == 0 {
			return 0, fmt.Errorf("bad unit in duration %q", s)
		}
		if n > int64(1<<62)/int64(unit) {
			return 0, fmt.Errorf("duration %q too long", s)
		}
		total += time.Duration(n) * unit
		if total < 0 {
			return 0, fmt.Errorf("duration %q too long", s)
		}
		s = rest
	}
	return total, nil
}

// vmRetentionFlag finds -retentionPeriod in VictoriaMetrics' /flags page.
func vmRetentionFlag(page string) (string, bool) {
	for _, line := range strings.Split(page, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "-retentionPeriod="); ok {
			return strings.Trim(v, `"`), true
		}
	}
	return "", false
}
