// Package kuma reads Uptime Kuma's database, its SQLite file (kuma.db) or
// Kuma 2's MariaDB (dsn, or host/user/password_env/database; see
// mariadb.go), and turns its monitors and heartbeats into sources.Probes.
// Both are read the same way, with the same version detection and the same
// use of the stat_* tables; MariaDB in one read-only transaction.
//
// It sits at the start of the pipeline (config → cmd → sources → analyze →
// report), knows Kuma's schema versions and retention, and nothing about
// incidents. It never writes: the file is opened read-only
// (file:PATH?mode=ro, PRAGMA query_only), which works while Kuma runs with
// the database in WAL mode, as a live kuma.db is; rows Kuma has committed are
// seen, -wal and -shm included.
//
// Kuma 1 (1.23.x) keeps every heartbeat for keepDataPeriodDays (180 by
// default): each becomes one Beat. A window that holds most of the table
// is read in one pass over it (scanBeats), split by id into a range per
// core, each on a read-only connection of its own through SQLite's C API
// (rawsqlite.go: the same engine as the database/sql driver, without its
// per-row costs); everything else goes through database/sql. Passed
// checks are summed per step, and per a coarser one past maxBeats, so
// that memory follows the bound, not the window.
//
// Kuma 2 keeps raw heartbeats for 24 hours only (the newest 100 per monitor
// at least, and the important ones: status changes) and aggregates them per
// UTC minute (kept 24 h), hour (30 days) and day (365 days) in stat_minutely,
// stat_hourly and stat_daily. For the part of the window before a monitor's
// earliest retained non-important heartbeat, Fetch returns the rows of the
// finest of those tables that reaches back that far as summary beats
// (Beat.Span, Checks = up + down, Failed = down, where Kuma counts PENDING as
// down; Latency is the average ping of the UP beats), plus the important raw
// heartbeats that survived there as single beats, so that an outage's start
// and end keep their exact times. Probe.Resolution is the coarsest span used
// and Dataset.Notes says which resolution covers which period.
//
// How to read such mixed beats: a summary beat carries the counts for
// [T, T+Span). A raw beat (Span 0) whose T falls inside a summary beat's span
// is for timing only: it is already counted in that summary and must not be
// counted again. A summary beat may start before the window (a day or hour
// that overlaps it) and the last one may reach past the first raw beat;
// raw beats inside it are again timing only.
package kuma

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/internal/httpapi"
)

// Config is one Uptime Kuma source as written in hindsight's config file,
// for example
//
//	sources:
//	  kuma:
//	    type: kuma
//	    path: /srv/uptime-kuma/data/kuma.db
//	    monitors: ["shop*", "API", "7"]
//	  kuma-maria:
//	    type: kuma
//	    host: 10.0.0.5            # or dsn: hindsight@tcp(10.0.0.5:3306)/kuma
//	    user: hindsight           # SELECT on the database is enough
//	    password_env: KUMA_DB_PASSWORD
//	    database: kuma
type Config struct {
	Name string `mapstructure:"name"`
	// Path is Kuma's database file, usually data/kuma.db (in Docker
	// /app/data/kuma.db). Its -wal and -shm files, if any, must be beside it.
	Path string `mapstructure:"path"`
	// Monitors selects monitors by name, by glob ("shop*", case-insensitive)
	// or by numeric id. Empty means every active monitor.
	Monitors []string `mapstructure:"monitors"`

	// Kuma 2 on MariaDB, instead of Path: a DSN in the Go MySQL driver's
	// form (user@tcp(host:3306)/kuma; a password written in it is
	// accepted but password_env is better), or Host (with Port, 3306 by
	// default), User, PasswordEnv and Database (kuma by default).
	DSN         string `mapstructure:"dsn"`
	Host        string `mapstructure:"host"`
	Port        int    `mapstructure:"port"`
	User        string `mapstructure:"user"`
	PasswordEnv string `mapstructure:"password_env"`
	Database    string `mapstructure:"database"`

	// Where only Kuma's web side is reachable: URL (Kuma's root, e.g.
	// https://status.example.com) and Slug, a public status page whose
	// monitors are read from its API (see web.go). Web holds the HTTP
	// settings (headers, basic_auth, tls, timeout) for a proxy in front.
	URL  string       `mapstructure:"url"`
	Slug string       `mapstructure:"slug"`
	Web  httpapi.Auth `mapstructure:",squash"`
}

// Source reads one Kuma database, or one status page.
type Source struct {
	c   Config
	web *httpapi.Client // status-page mode
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// New checks c and returns its source. It does not open the database.
func New(c Config) (*Source, error) {
	if c.Name == "" {
		c.Name = "kuma"
	}
	db := c.DSN != "" || c.Host != ""
	web := c.URL != "" || c.Slug != ""
	var hc *httpapi.Client
	switch {
	case web && (db || strings.TrimSpace(c.Path) != ""):
		return nil, fmt.Errorf("kuma source %s: url/slug (a status page) is set together with path or a MariaDB server; hint: keep one way to read Kuma", c.Name)
	case web:
		var err error
		if hc, err = c.checkWeb(); err != nil {
			return nil, err
		}
	case db && strings.TrimSpace(c.Path) != "":
		return nil, fmt.Errorf("kuma source %s: both path and a MariaDB server (dsn or host) are set; hint: keep path for Kuma's SQLite kuma.db, or dsn/host for Kuma 2 on MariaDB", c.Name)
	case db:
		if err := c.checkMariaDB(); err != nil {
			return nil, err
		}
	case strings.TrimSpace(c.Path) == "":
		return nil, fmt.Errorf("kuma source %s: path is empty; hint: set sources.%s.path to Kuma's kuma.db (data/kuma.db, /app/data/kuma.db in Docker), or dsn/host for Kuma 2 on MariaDB", c.Name, c.Name)
	}
	for _, m := range c.Monitors {
		if strings.TrimSpace(m) == "" {
			return nil, fmt.Errorf("kuma source %s: empty entry in monitors; hint: list monitor names, globs like \"shop*\" or ids", c.Name)
		}
		if _, err := path.Match(strings.ToLower(m), ""); err != nil {
			return nil, fmt.Errorf("kuma source %s: monitor pattern %q: %w", c.Name, m, err)
		}
	}
	return &Source{c: c, web: hc}, nil
}

// Name is the configured name of the source.
func (s *Source) Name() string { return s.c.Name }

// Check opens the database and says which Kuma made it and how many
// monitors it holds.
func (s *Source) Check(ctx context.Context) (string, error) {
	if s.web != nil {
		return s.checkWeb(ctx)
	}
	db, err := s.open(ctx)
	if err != nil {
		return "", err
	}
	defer db.close()
	mons, err := db.monitors(ctx)
	if err != nil {
		return "", err
	}
	active := 0
	for _, m := range mons {
		if m.active {
			active++
		}
	}
	out := fmt.Sprintf("Uptime Kuma v%d database, %d monitors (%d active)", db.version, len(mons), active)
	last, ok, err := db.lastBeat(ctx)
	if err != nil {
		return "", err
	}
	if ok {
		out += ", last heartbeat " + last.Format("2006-01-02 15:04:05 UTC")
	} else {
		out += ", no heartbeats"
	}
	return out, nil
}

// Fetch returns one Probe per selected monitor with its beats in w. A
// selector that matches no monitor, and a monitor without beats in w, are
// reported as Gaps.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, fmt.Errorf("kuma source %s: %w", s.c.Name, err)
	}
	w = sources.Window{From: w.From.UTC(), To: w.To.UTC()}
	if s.web != nil {
		return s.fetchWeb(ctx, w, step)
	}
	db, err := s.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.close()
	all, err := db.monitors(ctx)
	if err != nil {
		return nil, err
	}
	ds := &sources.Dataset{Window: w, Step: step}
	chosen, unmatched := selectMonitors(all, s.c.Monitors)
	for _, sel := range unmatched {
		ds.Gaps = append(ds.Gaps, sources.Gap{
			Source: s.c.Name,
			What:   fmt.Sprintf("monitors %q", sel),
			Reason: "matches no monitor; available: " + monitorNames(all),
		})
	}
	if len(s.c.Monitors) == 0 && len(chosen) == 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{
			Source: s.c.Name,
			What:   "monitors",
			Reason: "no active monitor in the database; available: " + monitorNames(all),
		})
	}
	// Kuma allows two monitors with one name; probes need distinct ones.
	seen := map[string]int{}
	for _, m := range chosen {
		seen[m.name]++
	}
	for i, m := range chosen {
		if seen[m.name] > 1 {
			chosen[i].name = fmt.Sprintf("%s (id %d)", m.name, m.id)
		}
	}
	if fit := fitStep(chosen, w, step, maxBeats); fit != step {
		ds.Notes = append(ds.Notes, fmt.Sprintf("%s: %d monitors over %.0f days: checks that all passed are summed per %s instead of per %s, so that memory stays bounded (at most about %d beats); failed checks keep their times; narrow the window or select fewer monitors for finer latency",
			s.c.Name, len(chosen), w.Duration().Hours()/24, fmtDur(fit), fmtDur(step), maxBeats))
		step = fit
	}
	if err := db.readHeld(ctx); err != nil {
		return nil, err
	}
	in := internTable{}
	var pre map[int][]sources.Beat
	if ok, err := db.scanWorth(ctx, chosen, w); err != nil {
		return nil, err
	} else if ok {
		if pre, err = db.scanBeats(ctx, chosen, w, step, in); err != nil {
			return nil, err
		}
	}
	var firstErr error
	for _, m := range chosen {
		p, note, err := db.probe(ctx, m, w, step, in, pre)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// One monitor's unreadable rows (a damaged page) need not hide
			// the others: report it as a gap, fail only if all fail.
			if firstErr == nil {
				firstErr = err
			}
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "monitor " + m.name, Reason: err.Error()})
			continue
		}
		p.Source = s.c.Name
		if note != "" {
			ds.Notes = append(ds.Notes, s.c.Name+": "+m.name+": "+note)
		}
		if len(p.Beats) == 0 {
			ds.Gaps = append(ds.Gaps, sources.Gap{
				Source: s.c.Name,
				What:   "monitor " + m.name,
				Reason: "no heartbeats in window",
			})
		}
		ds.Probes = append(ds.Probes, p)
	}
	if firstErr != nil && len(ds.Probes) == 0 {
		return nil, firstErr
	}
	return ds, nil
}

// maxBeats bounds the beats one fetch holds (80 bytes each): 300 monitors
// checking every minute for 30 days are 13 M beats, 1 GB (issue 19).
// The stepper then sums passed checks over coarser steps (fitStep); a
// failed check always keeps its own beat, so outages stay exact and only
// the latency of long windows is coarser. A million beats are 80 MB, and
// Go's collector lets the heap grow to about twice what is live: with
// 2 M, `hindsight sla` over that month peaked at 254-289 MB, over the
// issue's 256 MiB; with 1 M at 181-205 MB (latency per 15 minutes instead of
// 10 for those 300 monitors; BENCHMARKS.md).
var maxBeats = 1_000_000

// stepFactors are the multiples of the analysis step fitStep tries.
var stepFactors = []time.Duration{2, 5, 10, 15, 30, 60, 120, 360, 720, 1440}

// fitStep returns the step the stepper sums passed checks over: step, or
// the smallest multiple of it in stepFactors at which ms's beats in w,
// one per check or per step whichever is coarser, are at most limit.
// Failed checks add to that what the data holds.
func fitStep(ms []monitor, w sources.Window, step time.Duration, limit int) time.Duration {
	if step <= 0 {
		return step
	}
	beats := func(st time.Duration) float64 {
		n := 0.0
		for _, m := range ms {
			iv := time.Duration(max(m.interval, 20)) * time.Second // Kuma's shortest interval is 20 s
			n += float64(w.Duration() / max(iv, st))
		}
		return n
	}
	if beats(step) <= float64(limit) {
		return step
	}
	for _, f := range stepFactors {
		if beats(f*step) <= float64(limit) {
			return f * step
		}
	}
	return stepFactors[len(stepFactors)-1] * step
}

// fmtDur writes a step as 1m, 10m, 2h.
func fmtDur(d time.Duration) string {
	switch {
	case d > 0 && d%time.Hour == 0:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	case d > 0 && d%time.Minute == 0:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	}
	return d.String()
}

// monitor is one row of Kuma's monitor table.
type monitor struct {
	id         int
	name, typ  string
	url, host  string
	port       int
	interval   int
	active     bool
	grpcTarget string
}

// target is what the monitor checks: its URL for the HTTP kinds, else its
// hostname (and port).
func (m monitor) target() string {
	switch m.typ {
	case "http", "keyword", "json-query", "real-browser":
		return m.url
	case "grpc-keyword":
		if m.grpcTarget != "" {
			return m.grpcTarget
		}
	}
	if m.host != "" {
		if m.port > 0 && m.typ != "ping" && m.typ != "dns" {
			return m.host + ":" + strconv.Itoa(m.port)
		}
		return m.host
	}
	if m.url == "https://" || m.url == "http://" { // the form's default, unused
		return ""
	}
	return m.url
}

// selectMonitors returns the monitors sel picks, in id order, and the
// selectors that picked none. An empty sel picks the active monitors.
func selectMonitors(all []monitor, sel []string) (chosen []monitor, unmatched []string) {
	if len(sel) == 0 {
		for _, m := range all {
			if m.active {
				chosen = append(chosen, m)
			}
		}
		return chosen, nil
	}
	picked := make([]bool, len(all))
	for _, s := range sel {
		s = strings.TrimSpace(s)
		id, idErr := strconv.Atoi(s)
		pattern := strings.ToLower(s)
		n := 0
		for i, m := range all {
			ok := idErr == nil && m.id == id
			if !ok {
				ok = m.name == s
			}
			if !ok {
				ok, _ = path.Match(pattern, strings.ToLower(m.name))
			}
			if ok {
				picked[i] = true
				n++
			}
		}
		if n == 0 {
			unmatched = append(unmatched, s)
		}
	}
	for i, m := range all {
		if picked[i] {
			chosen = append(chosen, m)
		}
	}
	return chosen, unmatched
}

func monitorNames(all []monitor) string {
	if len(all) == 0 {
		return "none (the database has no monitors)"
	}
	names := make([]string, len(all))
	for i, m := range all {
		names[i] = fmt.Sprintf("%s (id %d)", m.name, m.id)
	}
	return strings.Join(names, ", ")
}

// internTable shares the string of repeated heartbeat messages ("200 - OK").
type internTable map[string]string

// internBytes is intern for the driver's buffer: a known message costs
// no allocation.
func (t internTable) internBytes(b []byte) string {
	if v, ok := t[string(b)]; ok {
		return v
	}
	return t.intern(string(b))
}

func (t internTable) intern(s string) string {
	if v, ok := t[s]; ok {
		return v
	}
	if len(t) < 10_000 {
		t[s] = s
	}
	return s
}

// errNotKuma is wrapped by errors for files that are SQLite but not Kuma.
var errNotKuma = errors.New("not an Uptime Kuma database")

func statErr(name, p string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("kuma source %s: open %s: no such file; hint: check sources.%s.path (Kuma keeps it in its data directory, /app/data/kuma.db in Docker)", name, p, name)
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("kuma source %s: open %s: permission denied; hint: hindsight needs read access to the file and, while Kuma runs, to its -wal and -shm files", name, p)
	}
	return fmt.Errorf("kuma source %s: open %s: %w", name, p, err)
}
