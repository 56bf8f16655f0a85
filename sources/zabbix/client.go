package zabbix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	redactpkg "github.com/hindsight-sre/hindsight/internal/redact"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// client is a small JSON-RPC 2.0 client for api_jsonrpc.php. It knows the
// auth differences between Zabbix versions and nothing about hindsight.
//
// Auth by version (Zabbix API manual, "API" and "user.login" pages of 5.0,
// 5.4, 6.0, 6.4, 7.0):
//   - user.login takes "user" before 5.4 and "username" from 5.4 on ("user"
//     was removed in 6.4);
//   - the session id or API token (tokens exist from 5.4) goes in the
//     request's "auth" member up to 6.2, and in "Authorization: Bearer" from
//     6.4 on; 7.2 rejects "auth". 6.0 ignores the header.
//   - apiinfo.version must carry no auth at all.
type client struct {
	url     string
	http    *http.Client
	timeout time.Duration
	secrets []string // redacted from every error text
	id      atomic.Int64

	version version
	auth    string // session id or API token; "" before login
	bearer  bool   // send auth as Authorization: Bearer (6.4+)
}

// version is a Zabbix release, as apiinfo.version reports it ("6.0.14").
type version struct{ Major, Minor, Patch int }

func parseVersion(s string) (version, error) {
	var v version
	parts := strings.SplitN(strings.TrimSpace(s), ".", 3)
	if len(parts) < 2 {
		return v, fmt.Errorf("zabbix version %q is not major.minor[.patch]", s)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		// "7.0.0alpha1", "6.4.0rc1": keep the leading digits.
		j := 0
		for j < len(p) && p[j] >= '0' && p[j] <= '9' {
			j++
		}
		if j == 0 {
			return v, fmt.Errorf("zabbix version %q is not major.minor[.patch]", s)
		}
		n, err := strconv.Atoi(p[:j])
		if err != nil {
			return v, fmt.Errorf("zabbix version %q: %w", s, err)
		}
		nums[i] = n
	}
	return version{nums[0], nums[1], nums[2]}, nil
}

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// atLeast reports whether v >= major.minor.
func (v version) atLeast(major, minor int) bool {
	return v.Major > major || v.Major == major && v.Minor >= minor
}

// APIError is an error object returned by the Zabbix API. Data carries the
// useful part ("Incorrect user name or password ...", "API token expired.").
type APIError struct {
	Method  string
	Code    int
	Message string
	Data    string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("zabbix %s: api error %d: %s", e.Method, e.Code, strings.TrimSuffix(e.Message, "."))
	if e.Data != "" {
		s += ": " + e.Data
	}
	if h := e.hint(); h != "" {
		s += "\nhint: " + h
	}
	return s
}

func (e *APIError) hint() string {
	d := strings.ToLower(e.Data)
	switch {
	case strings.Contains(d, "incorrect user name or password"):
		return "check user and password_env/password_file of this source; after several failures Zabbix blocks the account for a while"
	case strings.Contains(d, "api token expired"):
		return "the API token has expired: create a new one (Users > API tokens) and update token_env/token_file"
	case strings.Contains(d, "not authorized"), strings.Contains(d, "session terminated"):
		return "the session or API token is not valid: check token_env/token_file, or use user and password"
	case strings.Contains(d, "no permissions"):
		return "the Zabbix user lacks read permission on these hosts or items"
	}
	return ""
}

type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
	ID      int64  `json:"id"`
	Auth    string `json:"auth,omitempty"`
}

type rpcResponse struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    string `json:"data"`
	} `json:"error"`
}

// call sends one request. It decodes the result into out (when out is not
// nil) and turns transport failures, timeouts and API error objects into
// errors that say what was being done and carry a hint. withAuth is false
// only for apiinfo.version and user.login.
func (c *client) call(ctx context.Context, method string, params, out any, withAuth bool) error {
	err := c.do(ctx, method, params, out, withAuth)
	if err != nil {
		return redact(err, c.secrets)
	}
	return nil
}

func (c *client) do(ctx context.Context, method string, params, out any, withAuth bool) error {
	if params == nil {
		params = map[string]any{}
	}
	req := rpcRequest{JSONRPC: "2.0", Method: method, Params: params, ID: c.id.Add(1)}
	if withAuth && c.auth != "" && !c.bearer {
		req.Auth = c.auth
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("zabbix %s: encode request: %w", method, err)
	}
	cctx := ctx
	if c.timeout > 0 {
		var cancel context.CancelFunc
		cctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	hr, err := http.NewRequestWithContext(cctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("zabbix %s: %w\nhint: check url of this source", method, err)
	}
	// Without a JSON content type Zabbix answers 412 with an empty body.
	hr.Header.Set("Content-Type", "application/json-rpc")
	hr.Header.Set("Accept", "application/json")
	if withAuth && c.auth != "" && c.bearer {
		hr.Header.Set("Authorization", "Bearer "+c.auth)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return c.transportError(ctx, method, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength < 1<<30 {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead) // one allocation for a 10 MB history answer
	}
	_, err = buf.ReadFrom(resp.Body)
	data := buf.Bytes()
	if err != nil {
		return c.transportError(ctx, method, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("zabbix %s: http %s from %s: %s\nhint: url must point to the frontend or its api_jsonrpc.php",
			method, resp.Status, c.url, snippet(data))
	}
	if raw, ok := out.(*rawResult); ok {
		if res, ok := splitResult(data); ok {
			*raw = res
			return nil
		}
	}
	var r rpcResponse
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("zabbix %s: answer is not JSON-RPC (%v): %s\nhint: url must point to the Zabbix frontend or its api_jsonrpc.php",
			method, err, snippet(data))
	}
	if r.Error != nil {
		return &APIError{Method: method, Code: r.Error.Code, Message: r.Error.Message, Data: r.Error.Data}
	}
	if out == nil {
		return nil
	}
	if len(r.Result) == 0 {
		return fmt.Errorf("zabbix %s: answer has neither result nor error: %s", method, snippet(data))
	}
	if raw, ok := out.(*rawResult); ok {
		*raw = rawResult(r.Result)
		return nil
	}
	if err := json.Unmarshal(r.Result, out); err != nil {
		return fmt.Errorf("zabbix %s: decode result: %w", method, err)
	}
	return nil
}

// rawResult receives a call's result unparsed and, for the usual shape of
// a Zabbix answer, unvalidated: its decoder (scanRows) validates as it goes.
type rawResult []byte

// splitResult cuts the result out of an answer shaped as Zabbix writes it,
// {"jsonrpc":"2.0","result":...,"id":N}, without reading the result. Any
// other shape (an error, spaces, another member order) is left to
// encoding/json.
func splitResult(b []byte) ([]byte, bool) {
	const pre = `{"jsonrpc":"2.0","result":`
	if !bytes.HasPrefix(b, []byte(pre)) {
		return nil, false
	}
	b = bytes.TrimRight(b, " \t\r\n")
	if len(b) == 0 || b[len(b)-1] != '}' {
		return nil, false
	}
	i := bytes.LastIndex(b, []byte(`,"id":`))
	if i < len(pre) {
		return nil, false
	}
	id := b[i+len(`,"id":`) : len(b)-1]
	if !validNumber(id) || bytes.ContainsAny(id, "-.eE") {
		return nil, false
	}
	return b[len(pre):i], true
}

// transportError names timeouts as timeouts, not as "context canceled".
func (c *client) transportError(ctx context.Context, method string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("zabbix %s: %w", method, ctx.Err())
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("zabbix %s: no answer from %s within %s: %w\nhint: the server is slow or overloaded; raise timeout of this source or narrow hosts/items",
			method, c.url, c.timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("zabbix %s: %w\nhint: is the Zabbix frontend running and is url right?", method, err)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "(empty body)"
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strconvQuoteIfNeeded(s)
}

func strconvQuoteIfNeeded(s string) string {
	if strings.ContainsAny(s, "\n\r\t") {
		return strconv.Quote(s)
	}
	return s
}

// redactedError hides secrets in an error's text while keeping errors.Is/As
// working on the original chain.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func redact(err error, secrets []string) error {
	msg := err.Error()
	// As tokens: a one-character password "x" must not turn "zabbix"
	// into "zabbi[redacted]".
	out := redactpkg.Tokens(msg, secrets...)
	if out == msg {
		return err
	}
	return &redactedError{msg: out, err: err}
}

// apiVersion asks apiinfo.version, which must be sent with no auth.
func (c *client) apiVersion(ctx context.Context) (version, error) {
	var s string
	if err := c.call(ctx, "apiinfo.version", map[string]any{}, &s, false); err != nil {
		return version{}, err
	}
	v, err := parseVersion(s)
	if err != nil {
		return version{}, fmt.Errorf("zabbix apiinfo.version: %w", err)
	}
	c.version = v
	// From 6.4 the session id or token goes in the Authorization header;
	// 7.2 refuses the body "auth" member, 6.0 ignores the header.
	c.bearer = v.atLeast(6, 4)
	return v, nil
}

// login opens a session with user and password.
func (c *client) login(ctx context.Context, user, password string) error {
	field := "username"
	if !c.version.atLeast(5, 4) {
		field = "user"
	}
	var sid string
	err := c.call(ctx, "user.login", map[string]string{field: user, "password": password}, &sid, false)
	if err != nil {
		return fmt.Errorf("zabbix login as %q: %w", user, err)
	}
	if sid == "" {
		return fmt.Errorf("zabbix login as %q: empty session id", user)
	}
	c.auth = sid
	c.secrets = append(c.secrets, sid)
	return nil
}

// logout closes a session opened by login. It ignores a session the
// server already forgot.
func (c *client) logout(ctx context.Context) error {
	if c.auth == "" {
		return nil
	}
	err := c.call(ctx, "user.logout", []any{}, nil, true)
	c.auth = ""
	if err != nil {
		return fmt.Errorf("zabbix logout: %w", err)
	}
	return nil
}
