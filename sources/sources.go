// Package sources holds hindsight's vocabulary (Window, Probe, Series, Event,
// LogPattern, Dataset) and the Source interface every backend implements.
//
// It sits at the start of the pipeline: config → cmd → sources → analyze →
// report. Backends live in sub-packages (sources/kuma, sources/logs, ...),
// one per kind of source; they turn the outside world into these types and
// know nothing about incidents. This package performs no I/O.
package sources

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"
)

// ErrNoData is returned (wrapped) by a source that reached its backend but
// found nothing for the window. Callers treat it as a gap, not a failure.
var ErrNoData = errors.New("no data in window")

// Window is a half-open time range [From, To).
type Window struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Contains reports whether t lies in [From, To).
func (w Window) Contains(t time.Time) bool { return !t.Before(w.From) && t.Before(w.To) }

// Duration is To - From.
func (w Window) Duration() time.Duration { return w.To.Sub(w.From) }

// Valid reports an error for an empty or inverted window.
func (w Window) Valid() error {
	if w.From.IsZero() || w.To.IsZero() {
		return errors.New("window needs both a start and an end")
	}
	if !w.From.Before(w.To) {
		return fmt.Errorf("window start %s is not before its end %s",
			w.From.Format(time.RFC3339), w.To.Format(time.RFC3339))
	}
	return nil
}

func (w Window) String() string {
	return w.From.Format(time.RFC3339) + " .. " + w.To.Format(time.RFC3339)
}

// Status is the outcome of one synthetic check. The numbers are Uptime
// Kuma's, so its heartbeat.status column maps one to one.
type Status int8

const (
	Down        Status = 0
	Up          Status = 1
	Pending     Status = 2 // failed, retries left
	Maintenance Status = 3
)

func (s Status) String() string {
	switch s {
	case Down:
		return "down"
	case Up:
		return "up"
	case Pending:
		return "pending"
	case Maintenance:
		return "maintenance"
	}
	return fmt.Sprintf("status(%d)", int8(s))
}

// Probe is one synthetic check (an Uptime Kuma monitor, a blackbox_exporter
// target, a Zabbix web scenario) and its history.
type Probe struct {
	Source string // the configured source name, e.g. "kuma"
	Name   string // the monitor's name, e.g. "Shop"
	Target string // what it checks, e.g. "https://shop.example"
	Beats  []Beat // sorted by time
	// Resolution is the span one beat stands for when the backend only kept
	// aggregates (Kuma v2 stat_minutely/hourly/daily); 0 for raw beats. When
	// beats of several resolutions are mixed it is the coarsest one.
	Resolution time.Duration
	// Interval is the configured check interval, 0 when unknown.
	Interval time.Duration
}

// Beat is one check result, or a summary of many when Span > 0.
type Beat struct {
	T       time.Time
	Status  Status
	Latency time.Duration // 0 when unknown
	Msg     string
	// Span, Checks and Failed describe a summary beat: it stands for the
	// Checks checks in [T, T+Span), of which Failed failed. Status is then Down
	// when any failed. All three are zero for a single check.
	Span   time.Duration
	Checks int
	Failed int
}

// Role says what a series means for incidents.
type Role int8

const (
	Other Role = iota
	Latency
	Errors
	Saturation
	Traffic
)

var roleNames = [...]string{"other", "latency", "errors", "saturation", "traffic"}

func (r Role) String() string {
	if int(r) < len(roleNames) && r >= 0 {
		return roleNames[r]
	}
	return fmt.Sprintf("role(%d)", int8(r))
}

// ParseRole is the inverse of Role.String; the empty string is Other.
func ParseRole(s string) (Role, error) {
	if s == "" {
		return Other, nil
	}
	for i, n := range roleNames {
		if n == s {
			return Role(i), nil
		}
	}
	return Other, fmt.Errorf("unknown role %q (want latency, errors, saturation, traffic or other)", s)
}

// Point is one sample.
type Point struct {
	T time.Time
	V float64
}

// Series is one metric over time.
type Series struct {
	Source string
	Name   string // a short human name, e.g. "node_load1" or "nginx p95 request time"
	Labels map[string]string
	Role   Role
	Unit   string  // "s", "ms", "%", "1/s", "" ...
	Points []Point // sorted by time, NaN-free
	Query  string  // how a person reproduces it (PromQL, file:path, SQL)
}

// LabelExhaustion on a Series says that its running out is a failure:
// "falling" for a free, available or balance series (free storage, freeable
// memory, CPU credits, burst balance) that fails at zero. Analysis reads it
// to make exhaustion candidates; it is not part of what a person reads as
// the series' name.
const LabelExhaustion = "exhaustion"

// Key is a stable identity for the series: name and sorted labels.
func (s *Series) Key() string {
	if len(s.Labels) == 0 {
		return s.Source + "/" + s.Name
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := []byte(s.Source + "/" + s.Name + "{")
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, k...)
		b = append(b, '=')
		b = fmt.Appendf(b, "%q", s.Labels[k])
	}
	return string(append(b, '}'))
}

// EventKind classifies an Event.
type EventKind string

const (
	KindProbeDown   EventKind = "probe_down"
	KindProblem     EventKind = "problem"     // Zabbix problem
	KindAlert       EventKind = "alert"       // Prometheus alert
	KindCron        EventKind = "cron"        // a scheduled job ran
	KindBackup      EventKind = "backup"      // a backup ran (a cron job known to be one)
	KindDeploy      EventKind = "deploy"      // a release was rolled out
	KindRestart     EventKind = "restart"     // a service stopped/started
	KindOOM         EventKind = "oom"         // the kernel killed a process
	KindLogError    EventKind = "log_error"   // an error line worth its own entry
	KindMaintenance EventKind = "maintenance" // a planned maintenance period
	KindChange      EventKind = "change"      // a configuration change (CloudTrail: a security group, a parameter, an instance type)
	KindUpstream    EventKind = "upstream"    // an incident on an upstream service's status page
	KindOther       EventKind = "other"
)

// Severity of an Event.
type Severity int8

const (
	Info Severity = iota
	Warning
	Error
	Critical
)

var severityNames = [...]string{"info", "warning", "error", "critical"}

func (s Severity) String() string {
	if int(s) < len(severityNames) && s >= 0 {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", int8(s))
}

// Event is something that happened at a time, or over an interval.
type Event struct {
	Source   string
	T, End   time.Time // End zero for an instant
	Kind     EventKind
	Severity Severity
	Title    string // "cron: /usr/local/bin/backup.sh"
	Detail   string
	Ref      string // file:line, Zabbix eventid, URL
	// Predicted is set for an event inferred from a schedule (a crontab
	// line) rather than seen happening; analysis prefers the seen one
	// when both are there.
	Predicted bool
	// Context marks an event shown in the timeline and the summary but
	// never offered as a cause: an upstream status-page incident on a
	// service the config does not say it depends on.
	Context bool
}

// Bucket is a count over one step starting at T.
type Bucket struct {
	T time.Time
	N int
}

// LogLine is one raw line with where it came from.
type LogLine struct {
	File string `json:"file"`
	Line int    `json:"line"` // 1-based; 0 when not known
	// Offset is the byte offset of the line's start in the file (in its
	// decompressed content), when Line is not known: a large file entered
	// by a seek to the window has its lines counted after the read, and
	// keeps offsets only when it could not be read again to count them.
	Offset int64     `json:"offset,omitempty"`
	T      time.Time `json:"t"`
	Text   string    `json:"text"`
}

// Ref is where to find the line: "file:line", or "file@offset" when only
// the byte offset is known.
func (l LogLine) Ref() string {
	if l.Line <= 0 {
		return l.File + "@" + strconv.FormatInt(l.Offset, 10)
	}
	return l.File + ":" + strconv.Itoa(l.Line)
}

// LogPattern is one mined log template and its counts.
type LogPattern struct {
	Source, File string
	// ID is a stable identity of the template (a hash of its text), the
	// same across runs and windows, so that nightly summaries can tell new
	// patterns from old ones.
	ID        string
	Template  string // "backup <*> started on <*>"
	Level     string // "error", "warn", "info", ... "" when unknown
	Counts    []Bucket
	FirstSeen time.Time
	// Examples are the pattern's first lines (up to three), then up to
	// three lines of its busiest step: a burst's examples are among them
	// (or among the Sample's lines).
	Examples []LogLine
	// Peak is the pattern's busiest step as its lines were counted, and
	// PeakValues the addresses (IPv4, IPv6) its lines named most from the
	// moment that step became the busiest: "103.99.0.122" in 1,180 of
	// 1,204 lines is one client behind a burst. Patterns whose bursts
	// share a top value are one thing happening (a brute force written as
	// five templates). Empty when the lines name no address.
	//
	// Access-log patterns name more kinds of value: the client, the user
	// agent, the referrer and the campaign (utm_campaign / utm_source of
	// the query).
	Peak       LogPeak
	PeakValues []LogValue
	// Sample is lines drawn at random from all of the pattern's lines (a
	// reservoir), each with its values: what share of the pattern's lines
	// outside a burst named a burst's value, its baseline share. Nil
	// when the lines name no value.
	Sample []LogSample
}

// LogPeak is a pattern's busiest step: its start and how many of the
// pattern's lines were counted there while it was the busiest; Counted of
// them (at most a few thousand) were looked at for PeakValues.
type LogPeak struct {
	T       time.Time
	Lines   int
	Counted int
}

// LogValue is a value a pattern's lines named, and in how many of them.
type LogValue struct {
	Kind  string // "address", "client", "user agent", "referrer", "campaign", "request"
	Value string
	Lines int
}

// LogSample is one line of a pattern's random sample: its time, the
// values it named, and how many of the pattern's lines it stands for.
type LogSample struct {
	T      time.Time
	Weight float64
	Values []LogValue // Lines is 1
	// Line is the line itself for a few samples (nil for the rest): the
	// examples of a burst that is not the pattern's busiest step.
	Line *LogLine
}

// Total is the sum of the pattern's counts.
func (p *LogPattern) Total() int {
	n := 0
	for _, b := range p.Counts {
		n += b.N
	}
	return n
}

// Gap is data a source could not fetch, and why. The report lists every gap.
type Gap struct {
	Source string `json:"source"`
	What   string `json:"what,omitempty"` // "monitor 3 heartbeats", "query node_load1"
	Reason string `json:"reason"`         // "connection refused", "only hourly data kept before 2025-11-21"
}

func (g Gap) String() string {
	if g.What == "" {
		return g.Source + ": " + g.Reason
	}
	return g.Source + ": " + g.What + ": " + g.Reason
}

// Dataset is everything the sources fetched for one window.
type Dataset struct {
	Window   Window // what was asked for, baseline included
	Step     time.Duration
	Probes   []Probe
	Series   []Series
	Events   []Event
	Patterns []LogPattern
	Gaps     []Gap
	// Notes are facts about how the data was read that a reader of the
	// report should know ("Kuma v2: hourly aggregates before 2025-11-22").
	Notes []string
	// Cost is what reading asked of paid APIs (CloudWatch, S3).
	Cost Cost
	// Read names the sources that answered, whether or not they had data
	// for the window (a source that failed is a gap instead).
	Read []string
	// Zones is, per log source, the zone assumed for times written without
	// one (the report's inputs line says it), and ZoneLines how many lines
	// were read so: a source whose every stamp carries an offset is in
	// neither.
	Zones     map[string]string
	ZoneLines map[string]int
}

// Cost counts a fetch's calls to APIs billed by use: CloudWatch bills
// GetMetricData per metric queried, the other APIs (ListMetrics, S3's
// LIST and GET) per request.
type Cost struct {
	Metrics  int // metrics queried
	Requests int // API requests made, GetMetricData's included
}

// Merge appends o's contents to d.
func (d *Dataset) Merge(o *Dataset) {
	if o == nil {
		return
	}
	d.Probes = append(d.Probes, o.Probes...)
	d.Series = append(d.Series, o.Series...)
	d.Events = append(d.Events, o.Events...)
	d.Patterns = append(d.Patterns, o.Patterns...)
	d.Gaps = append(d.Gaps, o.Gaps...)
	d.Notes = append(d.Notes, o.Notes...)
	d.Cost.Metrics += o.Cost.Metrics
	d.Cost.Requests += o.Cost.Requests
	d.Read = append(d.Read, o.Read...)
	for k, z := range o.Zones {
		if d.Zones == nil {
			d.Zones = map[string]string{}
		}
		d.Zones[k] = z
	}
	for k, n := range o.ZoneLines {
		if d.ZoneLines == nil {
			d.ZoneLines = map[string]int{}
		}
		d.ZoneLines[k] += n
	}
}

// Sort puts the dataset in a canonical order, so that analysis of the same
// data gives the same answer whatever order the sources finished in.
func (d *Dataset) Sort() {
	sort.SliceStable(d.Probes, func(i, j int) bool {
		a, b := d.Probes[i], d.Probes[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Name < b.Name
	})
	sort.SliceStable(d.Series, func(i, j int) bool { return d.Series[i].Key() < d.Series[j].Key() })
	sort.SliceStable(d.Events, func(i, j int) bool {
		a, b := d.Events[i], d.Events[j]
		if !a.T.Equal(b.T) {
			return a.T.Before(b.T)
		}
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Title < b.Title
	})
	sort.SliceStable(d.Patterns, func(i, j int) bool {
		a, b := d.Patterns[i], d.Patterns[j]
		if a.Source != b.Source {
			return a.Source < b.Source
		}
		return a.Template < b.Template
	})
}

// Source is one configured backend.
type Source interface {
	// Name is the configured name of the source ("kuma", "prod-prom").
	Name() string
	// Fetch returns what the source holds for w, oldest first within each
	// probe, series and pattern, with series and counts at step resolution
	// where the backend allows it. It returns promptly with ctx.Err() once
	// ctx is done. Data it could not get is reported in Dataset.Gaps; an
	// error means it got nothing.
	Fetch(ctx context.Context, w Window, step time.Duration) (*Dataset, error)
}

// Checker is implemented by sources that can tell, cheaply, whether their
// backend is reachable (`hindsight sources check`). Check returns a short
// description of what answered ("Prometheus 2.42.0", "Kuma v2 database,
// 2 monitors") or an error carrying a hint.
type Checker interface {
	Check(ctx context.Context) (string, error)
}

// Share is the estimated share of p's lines outside [from, to) that named
// v (of kind), from p's sample, and how many sampled lines that is from
// (0: the sample has no line outside).
func (p *LogPattern) Share(kind, v string, from, to time.Time) (share float64, n int) {
	var all, named float64
	for _, s := range p.Sample {
		if !s.T.Before(from) && s.T.Before(to) {
			continue
		}
		n++
		all += s.Weight
		if slices.ContainsFunc(s.Values, func(x LogValue) bool { return x.Kind == kind && x.Value == v }) {
			named += s.Weight
		}
	}
	if all == 0 {
		return 0, 0
	}
	return named / all, n
}
