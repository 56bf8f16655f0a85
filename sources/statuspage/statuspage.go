// Package statuspage is the `statuspage` source: the incidents and
// maintenances an upstream service (GitHub, Slack, a cloud provider, a
// supplier's own Uptime Kuma) publishes on its status page, as events. It
// sits between config and analyze, and knows nothing about incidents of
// ours: each upstream incident becomes a sources.Event of kind upstream
// (maintenances: maintenance) with its start, end, impact, components and
// link. The config says which of the page's components the service
// depends_on; an incident touching none of them is marked Context, so it
// shows in the timeline and the summary but is never offered as a cause.
//
// Three providers are read, none needing auth:
//
//   - Atlassian Statuspage: /api/v2/incidents.json,
//     /api/v2/scheduled-maintenances.json, /api/v2/components.json;
//   - Slack: /api/v2.0.0/history and /api/v2.0.0/current;
//   - Uptime Kuma: /api/status-page/SLUG (its pinned incident and its
//     maintenances).
//
// Such pages keep only their latest incidents (Statuspage: 50; Kuma: the
// one pinned now), so every incident seen is remembered in the state
// directory and served again for later windows. The state file is the only
// thing this package writes.
//
// Tests serve recorded JSON in each provider's documented shape over HTTP.
package statuspage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Config is one status page.
type Config struct {
	Name string `mapstructure:"name"`
	// Provider is statuspage (Atlassian, the default), slack or kuma.
	Provider string `mapstructure:"provider"`
	// URL is the page's base: "https://www.githubstatus.com",
	// "https://slack-status.com", "https://status.example.com".
	URL string `mapstructure:"url"`
	// Slug is the Kuma status page's slug.
	Slug string `mapstructure:"slug"`
	// Service names the upstream in titles ("GitHub"); default: the page's
	// own name, or the source's name.
	Service string `mapstructure:"service"`
	// DependsOn lists the components our service depends on; "*" is the
	// whole page. Incidents on other components are context only.
	DependsOn []string `mapstructure:"depends_on"`
	// StateDir keeps the incidents seen; default $XDG_STATE_HOME/hindsight
	// (~/.local/state/hindsight). "-" remembers nothing.
	StateDir string `mapstructure:"state_dir"`
	// Timeout bounds each request; default 30s.
	Timeout time.Duration `mapstructure:"timeout"`

	// Client and Now are for tests; nil is http.DefaultClient and time.Now.
	Client *http.Client     `mapstructure:"-"`
	Now    func() time.Time `mapstructure:"-"`
}

// Source reads one status page.
type Source struct {
	c     Config
	base  *url.URL
	state string // the state file, "" for none
	mu    sync.Mutex
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// New checks c.
func New(c Config) (*Source, error) {
	if c.Name == "" {
		c.Name = "statuspage"
	}
	if c.Provider == "" {
		c.Provider = "statuspage"
	}
	if !slices.Contains([]string{"statuspage", "slack", "kuma"}, c.Provider) {
		return nil, fmt.Errorf("provider %q: unknown\nhint: use statuspage (Atlassian), slack or kuma", c.Provider)
	}
	if c.URL == "" {
		return nil, errors.New("url: missing\nhint: the status page's address, e.g. url: https://www.githubstatus.com")
	}
	u, err := url.Parse(strings.TrimRight(c.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q is not an http(s) address", c.URL)
	}
	if c.Provider == "kuma" && c.Slug == "" {
		return nil, errors.New("slug: missing for a Kuma status page\nhint: the last part of its address, /status/SLUG")
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Client == nil {
		c.Client = http.DefaultClient
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	s := &Source{c: c, base: u}
	if c.StateDir != "-" {
		dir := c.StateDir
		if dir == "" {
			if x := os.Getenv("XDG_STATE_HOME"); x != "" {
				dir = filepath.Join(x, "hindsight")
			} else if h, err := os.UserHomeDir(); err == nil {
				dir = filepath.Join(h, ".local", "state", "hindsight")
			}
		}
		if dir != "" {
			s.state = filepath.Join(dir, "statuspage-"+safeName(c.Name)+".json")
		}
	}
	return s, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// Name is the configured name.
func (s *Source) Name() string { return s.c.Name }

// Incident is one upstream incident or maintenance, as remembered.
type Incident struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Maintenance bool      `json:"maintenance,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end,omitzero"`
	Impact      string    `json:"impact"` // none, minor, major, critical, maintenance
	Status      string    `json:"status"`
	Components  []string  `json:"components,omitempty"`
	Link        string    `json:"link,omitempty"`
	Update      string    `json:"update,omitempty"` // the latest update's text, first line
	// Open is set for a Kuma incident still pinned when last seen: its end
	// is the first time it was seen gone.
	Open bool `json:"open,omitempty"`
}

type page struct {
	name       string
	incidents  []Incident
	components []string // the page's components (Statuspage) or monitors (Kuma)
}

// Fetch reads the page, merges what it shows with what was seen before,
// saves that, and returns the incidents overlapping w as events.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, err
	}
	ds := &sources.Dataset{Window: w, Step: step}
	pg, rerr := s.read(ctx)
	if rerr != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// A page that cannot be read now still has its incidents seen before:
	// they are reported, with a gap saying the page was not read.
	all, name, err := s.remember(pg.name, pg.incidents, rerr == nil)
	if err != nil {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "state", Reason: firstLine(err.Error())})
	}
	if rerr != nil {
		if len(all) == 0 {
			return nil, rerr
		}
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "status page",
			Reason: firstLine(rerr.Error()) + "; only incidents seen before are reported"})
	}
	service := s.c.Service
	if service == "" {
		service = name
	}
	if service == "" {
		service = s.Name()
	}
	for _, in := range all {
		end := in.End
		if end.IsZero() {
			end = w.To
		}
		if !in.Start.Before(w.To) || end.Before(w.From) {
			continue
		}
		ds.Events = append(ds.Events, s.event(service, in))
	}
	return ds, nil
}

var severity = map[string]sources.Severity{
	"none": sources.Info, "maintenance": sources.Info, "minor": sources.Warning, "major": sources.Error, "critical": sources.Critical,
}

func (s *Source) event(service string, in Incident) sources.Event {
	kind := sources.KindUpstream
	if in.Maintenance {
		kind = sources.KindMaintenance
	}
	var d []string
	d = append(d, "impact "+in.Impact)
	if len(in.Components) > 0 {
		d = append(d, "components: "+strings.Join(in.Components, ", "))
	}
	switch {
	case !in.End.IsZero():
		d = append(d, fmt.Sprintf("%s after %s", in.Status, in.End.Sub(in.Start).Round(time.Minute)))
	default:
		d = append(d, in.Status+", not resolved when last read")
	}
	if in.Update != "" {
		d = append(d, "latest update: "+in.Update)
	}
	return sources.Event{Source: s.Name(), T: in.Start, End: in.End, Kind: kind, Severity: severity[in.Impact],
		Title: string(kind) + ": " + service + ": " + in.Title, Detail: strings.Join(d, "; "), Ref: in.Link,
		Context: !s.dependsOn(in)}
}

// dependsOn: the whole page ("*"), or any of the incident's components
// named in depends_on (case and spacing ignored). An incident that names
// no component is about the service as a whole: it counts when anything on
// the page is depended on, since pages leave components out for broad
// trouble more often than for narrow.
func (s *Source) dependsOn(in Incident) bool {
	if len(s.c.DependsOn) == 0 {
		return false
	}
	if slices.Contains(s.c.DependsOn, "*") || len(in.Components) == 0 {
		return true
	}
	for _, c := range in.Components {
		for _, d := range s.c.DependsOn {
			if strings.EqualFold(strings.TrimSpace(c), strings.TrimSpace(d)) {
				return true
			}
		}
	}
	return false
}

func (s *Source) read(ctx context.Context) (page, error) {
	switch s.c.Provider {
	case "slack":
		return s.readSlack(ctx)
	case "kuma":
		return s.readKuma(ctx)
	}
	return s.readStatuspage(ctx)
}

// get fetches path under the page's base into v.
func (s *Source) get(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, s.c.Timeout)
	defer cancel()
	u := s.base.JoinPath(path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "hindsight")
	resp, err := s.c.Client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("GET %s: timed out after %s\nhint: check the network path to the status page, or raise timeout", u.Redacted(), s.c.Timeout)
		}
		return fmt.Errorf("GET %s: unreachable: %w\nhint: check url and the network path (proxy) to the status page", u.Redacted(), unwrapURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("GET %s: 404 not found\nhint: is %s a %s page? check url, provider and slug", u.Redacted(), s.base.Redacted(), s.c.Provider)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("GET %s: %s: the page is not public\nhint: hindsight reads public status pages only", u.Redacted(), resp.Status)
	case resp.StatusCode/100 != 2:
		return fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: not the JSON of a %s page: %w\nhint: check url and provider", u.Redacted(), s.c.Provider, err)
	}
	return nil
}

func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Check reads the page once and says what it holds.
func (s *Source) Check(ctx context.Context) (string, error) {
	pg, err := s.read(ctx)
	if err != nil {
		return "", err
	}
	open, inc := 0, 0
	for _, in := range pg.incidents {
		if in.Maintenance {
			continue
		}
		inc++
		if in.End.IsZero() {
			open++
		}
	}
	name := pg.name
	if name == "" {
		name = s.base.Host
	}
	if len(pg.components) > 0 {
		for _, d := range s.c.DependsOn {
			if d != "*" && !slices.ContainsFunc(pg.components, func(c string) bool { return strings.EqualFold(c, strings.TrimSpace(d)) }) {
				return "", fmt.Errorf("depends_on %q: %s has no such component\nhint: its components are: %s", d, name, strings.Join(pg.components, ", "))
			}
		}
	}
	m := len(pg.incidents) - inc
	return fmt.Sprintf("%s status page %s: %d %s (%d unresolved) and %d %s listed", s.c.Provider, name,
		inc, plural(inc, "incident", "incidents"), open, m, plural(m, "maintenance", "maintenances")), nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
