// Package zabbix reads a Zabbix server through its JSON-RPC API
// (api_jsonrpc.php): item history and trends become Series, web scenarios
// become Probes, problems and maintenance periods become Events.
//
// It sits at the start of the pipeline (config → cmd → sources → analyze →
// report) and knows Zabbix' protocol, its auth differences between 5.0 and
// 7.x, its value types and its retention; it knows nothing about incidents.
// It never writes to Zabbix: every call is a *.get, plus user.login and
// user.logout around a session it opened itself.
//
// No Go client library is used. The published ones (cavaliercoder/go-zabbix,
// unmaintained, and its fork fabiang/go-zabbix; claranet/go-zabbix-api and
// AlekSi/zabbix, made for a Terraform provider) send the session in the body's
// "auth" member and, as far as we know them, none chooses the Authorization
// header from apiinfo.version as 6.4 and 7.x need; none streams a
// million-row history answer. The dozen read calls needed here fit in
// client.go.
package zabbix

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources"
)

// Config is one Zabbix source as written in hindsight's config file.
type Config struct {
	Name string `mapstructure:"name"`
	// URL is the frontend's base ("https://zabbix.example/zabbix") or its
	// api_jsonrpc.php.
	URL string `mapstructure:"url"`
	// User and the password from PasswordEnv (an environment variable's
	// name) or PasswordFile log in with user.login; the session is closed
	// with user.logout after each Fetch or Check.
	User         string `mapstructure:"user"`
	PasswordEnv  string `mapstructure:"password_env"`
	PasswordFile string `mapstructure:"password_file"`
	// An API token (Zabbix 5.4+) from TokenEnv or TokenFile, instead of a user.
	TokenEnv  string `mapstructure:"token_env"`
	TokenFile string `mapstructure:"token_file"`
	// Hosts (technical names), host groups (names) and host tags ("env=prod",
	// or "env" for any value) select hosts; all three empty means every host
	// the user can read.
	Hosts  []string `mapstructure:"hosts"`
	Groups []string `mapstructure:"groups"`
	Tags   []string `mapstructure:"tags"`
	// Items are key or name patterns, * matching any run of characters:
	// "system.cpu.util*", "vfs.dev.*", "icmppingsec". Empty means every
	// numeric item of the selected hosts.
	Items []string `mapstructure:"items"`
	// Timezone of the Zabbix server, used to expand recurring maintenance
	// periods (daily, weekly), which Zabbix defines in server local time.
	// Default UTC.
	Timezone string `mapstructure:"timezone"`
	// Timeout bounds each API call; default 30s.
	Timeout time.Duration `mapstructure:"timeout"`
}

// DefaultTimeout bounds one API call when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Source reads one Zabbix server. It is safe for concurrent use: every
// Fetch and Check opens (and closes) its own session.
type Source struct {
	cfg      Config
	url      string
	password string
	token    string
	loc      *time.Location
	now      func() time.Time // for tests
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// New checks c and reads its secrets.
func New(c Config) (*Source, error) {
	if c.Name == "" {
		c.Name = "zabbix"
	}
	field := func(f string) string { return "sources." + c.Name + "." + f }
	if c.URL == "" {
		return nil, fmt.Errorf("zabbix source %q: url is empty\nhint: set %s to the frontend, e.g. https://zabbix.example/zabbix", c.Name, field("url"))
	}
	u, err := normalizeURL(c.URL)
	if err != nil {
		return nil, fmt.Errorf("zabbix source %q: %w\nhint: set %s to the frontend, e.g. https://zabbix.example/zabbix", c.Name, err, field("url"))
	}
	s := &Source{cfg: c, url: u, loc: time.UTC, now: time.Now}
	if c.Timezone != "" {
		loc, err := time.LoadLocation(c.Timezone)
		if err != nil {
			return nil, fmt.Errorf("zabbix source %q: timezone %q: %w\nhint: use an IANA name such as Europe/Berlin in %s", c.Name, c.Timezone, err, field("timezone"))
		}
		s.loc = loc
	}
	if s.cfg.Timeout == 0 {
		s.cfg.Timeout = DefaultTimeout
	}
	if s.cfg.Timeout < 0 {
		return nil, fmt.Errorf("zabbix source %q: timeout %s is negative\nhint: set %s to a duration such as 30s", c.Name, c.Timeout, field("timeout"))
	}
	for _, t := range c.Tags {
		if strings.TrimSpace(t) == "" || strings.HasPrefix(t, "=") {
			return nil, fmt.Errorf("zabbix source %q: tag %q has no name\nhint: write tags as name=value or name", c.Name, t)
		}
	}
	hasToken := c.TokenEnv != "" || c.TokenFile != ""
	hasPass := c.PasswordEnv != "" || c.PasswordFile != ""
	switch {
	case hasToken && (c.User != "" || hasPass):
		return nil, fmt.Errorf("zabbix source %q: both an API token and a user are configured\nhint: keep either token_env/token_file or user with password_env/password_file", c.Name)
	case hasToken:
		s.token, err = secret(c.TokenEnv, c.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("zabbix source %q: api token: %w\nhint: set %s or %s", c.Name, err, field("token_env"), field("token_file"))
		}
	case c.User != "":
		if !hasPass {
			return nil, fmt.Errorf("zabbix source %q: user %q has no password\nhint: set %s (a variable name) or %s", c.Name, c.User, field("password_env"), field("password_file"))
		}
		s.password, err = secret(c.PasswordEnv, c.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("zabbix source %q: password: %w\nhint: set %s or %s", c.Name, err, field("password_env"), field("password_file"))
		}
	default:
		return nil, fmt.Errorf("zabbix source %q: no credentials\nhint: set %s with %s, or %s (an API token, Zabbix 5.4+)", c.Name, field("user"), field("password_env"), field("token_env"))
	}
	return s, nil
}

// secret reads a value from the environment variable named env, or else
// from file (trailing newline dropped). The value never goes into errors.
func secret(env, file string) (string, error) {
	if env != "" && file != "" {
		return "", errors.New("both an environment variable and a file are named")
	}
	if env != "" {
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set", env)
		}
		return v, nil
	}
	b, err := lines.ReadFile(file, lines.MaxSecretFile) // a FIFO would block, a device never end
	if err != nil {
		return "", fmt.Errorf("read secret file: %w", err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("secret file %s is empty", file)
	}
	return v, nil
}

func normalizeURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("url %q is not an http(s) address", u.Redacted())
	}
	if !strings.HasSuffix(u.Path, ".php") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/api_jsonrpc.php"
	}
	return u.String(), nil
}

// String names the source without its secrets, so that %v of a *Source
// never prints a password or token.
func (s *Source) String() string { return "zabbix source " + s.cfg.Name + " (" + s.url + ")" }

// GoString does the same for %#v.
func (s *Source) GoString() string { return "&zabbix.Source{" + s.String() + "}" }

// Name is the configured name of the source.
func (s *Source) Name() string { return s.cfg.Name }

// Check asks the Zabbix version (apiinfo.version, no auth) and whether the
// configured credentials are accepted.
func (s *Source) Check(ctx context.Context) (string, error) {
	c := s.newClient()
	v, err := c.apiVersion(ctx)
	if err != nil {
		return "", fmt.Errorf("zabbix source %q: %w", s.cfg.Name, err)
	}
	if err := s.open(ctx, c); err != nil {
		return "", fmt.Errorf("zabbix source %q: Zabbix %s answered, but %w", s.cfg.Name, v, err)
	}
	defer s.close(ctx, c)
	// A token is only checked by using it.
	var n string
	if err := c.call(ctx, "host.get", map[string]any{"countOutput": true}, &n, true); err != nil {
		return "", fmt.Errorf("zabbix source %q: Zabbix %s answered, but %w", s.cfg.Name, v, err)
	}
	who := "API token accepted"
	if s.token == "" {
		who = "logged in as " + s.cfg.User
	}
	return fmt.Sprintf("Zabbix %s, %s, %s hosts visible", v, who, n), nil
}

func (s *Source) newClient() *client {
	c := &client{url: s.url, http: httpClient, timeout: s.cfg.Timeout}
	c.secrets = []string{s.password, s.token}
	return c
}

// open authenticates c after apiVersion: a token is used as is, a user
// logs in.
func (s *Source) open(ctx context.Context, c *client) error {
	if s.token != "" {
		c.auth = s.token
		return nil
	}
	return c.login(ctx, s.cfg.User, s.password)
}

// close logs out a session opened by open, even when ctx is already done.
func (s *Source) close(ctx context.Context, c *client) {
	if s.token != "" {
		return
	}
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = c.logout(lctx)
}
