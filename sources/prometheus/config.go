package prometheus

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/internal/httpapi"
)

// Config is one Prometheus-compatible source (Prometheus, Thanos, Mimir,
// Cortex, VictoriaMetrics). cmd fills it from the config file; secrets are
// named here (an environment variable or a file), never written in it.
type Config struct {
	Name string `mapstructure:"name"` // the source's name in the report; default "prometheus"
	URL  string `mapstructure:"url"`  // the server root, e.g. http://127.0.0.1:9090

	BasicAuth       BasicAuth         `mapstructure:"basic_auth"`
	BearerTokenEnv  string            `mapstructure:"bearer_token_env"`  // name of the variable holding the token
	BearerTokenFile string            `mapstructure:"bearer_token_file"` // file holding the token
	Headers         map[string]string `mapstructure:"headers"`           // e.g. X-Scope-OrgID for Mimir/Cortex tenants
	TLS             TLS               `mapstructure:"tls"`

	// Timeout bounds one whole Fetch or Check; default 60s.
	Timeout time.Duration `mapstructure:"timeout"`
	// MaxConcurrency bounds the queries in flight at once; default 4.
	MaxConcurrency int `mapstructure:"max_concurrency"`
	// Compression asks the server to gzip its answers. Default: on, except
	// for a server on this machine (localhost, 127.0.0.1, ::1), where
	// compressing costs more than it saves.
	Compression *bool `mapstructure:"compression"`
	// ScrapeInterval is how often the server scrapes the data asked for; it
	// sets the smallest useful step and the rate() range. Default 1m.
	ScrapeInterval time.Duration `mapstructure:"scrape_interval"`

	// Probes fetches blackbox_exporter and Uptime Kuma exporter series as
	// probes; Node the built-in node_exporter set; Alerts ALERTS and
	// ALERTS_FOR_STATE as events. Each defaults to true when unset.
	Probes *bool `mapstructure:"probes"`
	Node   *bool `mapstructure:"node"`
	Alerts *bool `mapstructure:"alerts"`

	// Queries are the PromQL expressions to fetch as series.
	Queries []Query `mapstructure:"queries"`
}

// BasicAuth is HTTP basic authentication; the password comes from an
// environment variable or a file.
type BasicAuth struct {
	User         string `mapstructure:"user"`
	PasswordEnv  string `mapstructure:"password_env"`
	PasswordFile string `mapstructure:"password_file"`
}

// TLS configures the client side of HTTPS.
type TLS struct {
	CAFile   string `mapstructure:"ca_file"`
	CertFile string `mapstructure:"cert_file"`
	KeyFile  string `mapstructure:"key_file"`
	// InsecureSkipVerify turns certificate checks off. Every Dataset and
	// every Check then carries a warning.
	InsecureSkipVerify bool `mapstructure:"insecure_skip_verify"`
}

// Query is one PromQL expression fetched as series with a role.
type Query struct {
	Name string `mapstructure:"name"` // short human name, e.g. "nginx p95 request time"
	Expr string `mapstructure:"expr"` // PromQL, evaluated with query_range
	Role string `mapstructure:"role"` // latency, errors, saturation, traffic or other; guessed from the name when empty
	Unit string `mapstructure:"unit"` // "s", "ms", "%", "1/s", ...
}

// Defaults.
const (
	DefaultName           = "prometheus"
	DefaultTimeout        = 60 * time.Second
	DefaultMaxConcurrency = 4
	DefaultScrapeInterval = time.Minute
)

// DefaultConfig is a Config with every default filled in.
func DefaultConfig() Config {
	return Config{
		Name:           DefaultName,
		Timeout:        DefaultTimeout,
		MaxConcurrency: DefaultMaxConcurrency,
		ScrapeInterval: DefaultScrapeInterval,
		Probes:         new(true),
		Node:           new(true),
		Alerts:         new(true),
	}
}

func on(b *bool) bool { return b == nil || *b }

// settings is a validated Config with its secrets read.
type settings struct {
	Config
	roles []sources.Role
	// probeInterval is the check interval of the probes: the scrape
	// interval when configured, unknown (0) when only defaulted.
	probeInterval time.Duration
	password      string
	token         string
}

// validate checks c, fills defaults and reads the secrets. Errors name the
// field and the value.
func validate(c Config) (*settings, error) {
	if c.Name == "" {
		c.Name = DefaultName
	}
	s := &settings{Config: c}
	fail := func(field, format string, a ...any) error {
		return fmt.Errorf("prometheus source %q: %s: %s", c.Name, field, fmt.Sprintf(format, a...))
	}
	if c.URL == "" {
		return nil, fail("url", "missing; hint: set it to the server root, e.g. http://127.0.0.1:9090")
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fail("url", "%q is not an http or https URL; hint: write it as http://host:9090", c.URL)
	}
	if p := strings.TrimSuffix(u.Path, "/"); strings.HasSuffix(p, "/api/v1") || strings.Contains(p, "/api/v1/") {
		return nil, fail("url", "%q includes the API path; hint: give the server root (%s://%s), the client adds /api/v1", c.URL, u.Scheme, u.Host)
	}
	if u.User != nil {
		return nil, fail("url", "carries credentials; hint: use basic_auth.user and basic_auth.password_env instead")
	}
	if c.Timeout < 0 {
		return nil, fail("timeout", "%s is negative", c.Timeout)
	}
	if c.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if c.MaxConcurrency < 0 {
		return nil, fail("max_concurrency", "%d is negative", c.MaxConcurrency)
	}
	if c.MaxConcurrency == 0 {
		s.MaxConcurrency = DefaultMaxConcurrency
	}
	if c.ScrapeInterval < 0 {
		return nil, fail("scrape_interval", "%s is negative", c.ScrapeInterval)
	}
	s.probeInterval = c.ScrapeInterval
	if c.ScrapeInterval == 0 {
		s.ScrapeInterval = DefaultScrapeInterval
	}

	// Secrets.
	if c.BasicAuth.PasswordEnv != "" && c.BasicAuth.PasswordFile != "" {
		return nil, fail("basic_auth", "both password_env and password_file are set; hint: keep one")
	}
	if (c.BasicAuth.PasswordEnv != "" || c.BasicAuth.PasswordFile != "") && c.BasicAuth.User == "" {
		return nil, fail("basic_auth.user", "missing while a password is set")
	}
	if s.password, err = httpapi.Secret(c.BasicAuth.PasswordEnv, c.BasicAuth.PasswordFile); err != nil {
		return nil, fail("basic_auth", "%v", err)
	}
	if c.BearerTokenEnv != "" && c.BearerTokenFile != "" {
		return nil, fail("bearer_token_env", "set together with bearer_token_file; hint: keep one")
	}
	if c.BasicAuth.User != "" && (c.BearerTokenEnv != "" || c.BearerTokenFile != "") {
		return nil, fail("basic_auth", "set together with a bearer token; hint: a server takes one Authorization header, keep one")
	}
	if s.token, err = httpapi.Secret(c.BearerTokenEnv, c.BearerTokenFile); err != nil {
		return nil, fail("bearer_token", "%v", err)
	}
	for k, v := range c.Headers {
		if k == "" || strings.ContainsAny(k, " \t\r\n:") || strings.ContainsAny(v, "\r\n") {
			return nil, fail("headers", "%q is not a valid header", k)
		}
		if http.CanonicalHeaderKey(k) == "Authorization" {
			return nil, fail("headers."+k, "would be written in the config file; hint: use bearer_token_env or bearer_token_file")
		}
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		return nil, fail("tls", "cert_file and key_file go together; hint: set both for a client certificate")
	}

	// Queries.
	seen := map[string]bool{}
	for i, q := range c.Queries {
		field := fmt.Sprintf("queries[%d]", i)
		if q.Name == "" {
			return nil, fail(field+".name", "missing; hint: give every query a short name, e.g. \"nginx p95\"")
		}
		if seen[q.Name] {
			return nil, fail(field+".name", "%q is used twice; hint: names identify series in the report", q.Name)
		}
		seen[q.Name] = true
		if strings.TrimSpace(q.Expr) == "" {
			return nil, fail(field+".expr", "missing for query %q", q.Name)
		}
		r, err := roleOf(q)
		if err != nil {
			return nil, fail(field+".role", "%q: %v", q.Role, err)
		}
		s.roles = append(s.roles, r)
	}
	return s, nil
}
