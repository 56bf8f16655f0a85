// Package loki is the source for logs kept in Grafana Loki, read with
// LogQL over its HTTP API.
//
// For a window it asks /loki/api/v1/query_range
//
//   - a metric query, count_over_time(<query>[step]), for the lines per
//     step of each stream, counted by the server: they decide how the lines
//     are fetched and, when the lines are sampled, become a "log lines"
//     Series per stream, so that bursts and rates stay exact;
//   - log queries (direction=forward, limit) for the lines, paged by time:
//     each page starts at the last timestamp of the one before, and the
//     lines at that timestamp already seen are skipped. They go through the
//     same parsers, event rules (cron, backup, deploy, restart, OOM) and
//     template miner as log files (logs.Lines), one stream at a time.
//
// Loki's limits are met the way the Prometheus source meets its 11,000
// points: a window past 11,000 steps, or longer than the server's
// max_query_length (the error names it), is split by time; a limit above
// max_entries_limit_per_query (default 5000; the error names it) is
// lowered to it; a metric query over more than max_query_series streams
// falls back to one count for all of them (a Note says so).
//
// When the streams hold more than MaxLines lines in the window, the
// patterns are mined from a sample: Sample lines taken in equal shares
// from evenly spaced slices of the window (Loki has no random sampling),
// whose size the report names in its gaps; the lines the event rules may
// use are fetched whole, up to MaxLines.
//
// No Loki server runs in the tests (its code is AGPL, and the project
// takes none of it): they serve the documented answer shapes over HTTP:
// {"status":"success","data":{"resultType":"streams"|"matrix","result":
// [...],"stats":{...}}}, stream values as ["<unix ns>","<line>"] (with an
// optional third member, structured metadata, since Loki 3.0), matrix
// values as [<unix s>,"<value>"], errors as a plain-text body with HTTP
// 400 ("max entries limit per query exceeded, limit > max_entries_limit
// (10000 > 5000)", "the query time range exceeds the limit (query length:
// ..., limit: ...)"), as documented for Loki 2.4 to 3.x. X-Scope-OrgID
// names the tenant (tenant:).
//
// In hindsight.yaml:
//
//	sources:
//	  - name: logs
//	    type: loki
//	    url: http://loki:3100
//	    query: '{job="nginx"}'       # a LogQL log query: a stream selector, maybe filters
//	    tenant: team-a               # X-Scope-OrgID, for multi-tenant Loki
//	    basic_auth: {user: hindsight, password_env: LOKI_PASSWORD}
package loki

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/internal/httpapi"
	"github.com/hindsight-sre/hindsight/sources/internal/storemine"
	"github.com/hindsight-sre/hindsight/sources/logs"
)

// Config is one Loki source as configured.
type Config struct {
	Name string `mapstructure:"name"`
	// URL is the server root (or the query frontend's), e.g.
	// http://127.0.0.1:3100.
	URL string `mapstructure:"url"`
	// Query is a LogQL log query: a stream selector and, if wanted, line
	// filters ({job="nginx"} |= "GET"). It is required: Loki has no
	// "every stream".
	Query string `mapstructure:"query"`
	// Tenant is sent as X-Scope-OrgID.
	Tenant string `mapstructure:"tenant"`
	// Format and Fields say how the lines are shaped, as for log files.
	Format        string      `mapstructure:"format"`
	Fields        logs.Fields `mapstructure:"fields"`
	DeployPattern string      `mapstructure:"deploy_pattern"`
	BackupPattern string      `mapstructure:"backup_pattern"`
	// MaxLines bounds the lines fetched for a window (0: DefaultMaxLines);
	// Sample is the size of the sample mined past it (0: DefaultSample).
	MaxLines int `mapstructure:"max_lines"`
	Sample   int `mapstructure:"sample"`
	// MaxEntries is the limit asked per query; 0 means DefaultMaxEntries,
	// Loki's default max_entries_limit_per_query. A server with a lower
	// limit says so and is asked again.
	MaxEntries int `mapstructure:"max_entries"`

	httpapi.Auth `mapstructure:",squash"`

	Location *time.Location `mapstructure:"-"`
}

// Defaults.
const (
	DefaultMaxLines   = 500_000
	DefaultSample     = 100_000
	DefaultMaxEntries = 5000
	// MaxPoints is the points per series a metric query may ask
	// (Loki's, as Prometheus', is 11,000).
	MaxPoints = 11000
)

// Source reads one Loki.
type Source struct {
	c  Config
	hc *httpapi.Client
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// New checks c and returns the source. It does not connect.
func New(c Config) (*Source, error) {
	if c.Name == "" {
		c.Name = "loki"
	}
	fail := func(format string, a ...any) error {
		return fmt.Errorf("loki source %q: %s", c.Name, fmt.Sprintf(format, a...))
	}
	c.Query = strings.TrimSpace(c.Query)
	if c.Query == "" || !strings.HasPrefix(c.Query, "{") {
		return nil, fail("query %q is not a LogQL log query; hint: start it with a stream selector, e.g. query: '{job=\"nginx\"}'", c.Query)
	}
	if c.MaxLines < 0 || c.Sample < 0 || c.MaxEntries < 0 {
		return nil, fail("max_lines, sample and max_entries must not be negative")
	}
	if c.MaxLines == 0 {
		c.MaxLines = DefaultMaxLines
	}
	if c.Sample == 0 {
		c.Sample = min(DefaultSample, c.MaxLines)
	}
	if c.MaxEntries == 0 {
		c.MaxEntries = DefaultMaxEntries
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Tenant != "" {
		h := make(map[string]string, len(c.Headers)+1)
		for k, v := range c.Headers {
			h[k] = v
		}
		h["X-Scope-OrgID"] = c.Tenant
		c.Headers = h
	}
	w := sources.Window{From: time.Unix(0, 0), To: time.Unix(60, 0)}
	if _, err := logs.NewLines(c.logsConfig(), "check", w, time.Minute); err != nil {
		return nil, fail("%v", err)
	}
	hc, err := httpapi.New("loki", c.Name, c.URL, c.Auth)
	if err != nil {
		return nil, err
	}
	return &Source{c: c, hc: hc}, nil
}

func (c Config) logsConfig() logs.Config {
	return logs.Config{Name: c.Name, Format: c.Format, Fields: c.Fields, Location: c.Location,
		DeployPattern: c.DeployPattern, BackupPattern: c.BackupPattern}
}

// Name is the configured name.
func (s *Source) Name() string { return s.c.Name }

// Check asks for the server's version and the lines of the last day.
func (s *Source) Check(ctx context.Context) (string, error) {
	version := "Loki"
	if resp, err := s.hc.Get(ctx, "buildinfo", "/loki/api/v1/status/buildinfo", nil, false); err == nil {
		var b struct {
			Version string `json:"version"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&b) == nil && b.Version != "" {
			version = "Loki " + b.Version
		}
		resp.Body.Close()
	} else {
		var ae *httpapi.Error
		if !errors.As(err, &ae) || ae.Status == 401 || ae.Status == 403 {
			return "", err // unreachable, or refused: the query would fail alike
		}
	}
	now := time.Now().Truncate(time.Hour).Add(time.Hour)
	w := sources.Window{From: now.Add(-24 * time.Hour), To: now}
	counts, _, err := s.counts(ctx, w, time.Hour)
	if err != nil {
		return "", err
	}
	total := 0
	for _, c := range counts {
		total += c.total
	}
	if total == 0 {
		return "", fmt.Errorf("loki source %q: no lines for %s in the last 24 h: %w; hint: check query and tenant (X-Scope-OrgID)", s.c.Name, s.c.Query, sources.ErrNoData)
	}
	return fmt.Sprintf("%s at %s: %d lines in %d streams in the last 24 h for %s", version, s.hc.URL(), total, len(counts), s.c.Query), nil
}

// streamCounts are one stream's lines per step (unix s of the step's start).
type streamCounts struct {
	labels map[string]string
	counts map[int64]int
	total  int
}

// answer is query_range's answer.
type answer struct {
	Status string `json:"status"`
	Data   struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
		Stats      json.RawMessage `json:"stats"`
	} `json:"data"`
	Error string `json:"error"`
}

type matrixSeries struct {
	Metric map[string]string    `json:"metric"`
	Values [][2]json.RawMessage `json:"values"`
}

type stream struct {
	Stream map[string]string   `json:"stream"`
	Values [][]json.RawMessage `json:"values"`
}

// lengthRe reads Loki's max_query_length error.
var lengthRe = regexp.MustCompile(`query length: ([0-9a-zµ.]+), limit: ([0-9a-zµ.]+)`)

// entriesRe reads Loki's max_entries_limit_per_query error; Loki 3.3
// (grafana/loki#14842) names the setting in full.
var entriesRe = regexp.MustCompile(`max entries limit per query exceeded, limit > max_entries_limit(?:_per_query)? \((\d+) > (\d+)\)`)

// seriesRe is Loki's max_query_series error.
var seriesRe = regexp.MustCompile(`maximum (of series|number of series) \(\d+\) reached`)

// counts asks for the lines per step and stream, splitting the window so
// that no query asks more than MaxPoints steps or more than the server's
// max_query_length. merged is set when the server refused per-stream
// counts (too many series) and one count for all was taken instead.
func (s *Source) counts(ctx context.Context, w sources.Window, step time.Duration) (out []streamCounts, merged bool, err error) {
	sec := int64(step / time.Second)
	stepStr := strconv.FormatInt(sec, 10) + "s"
	expr := "count_over_time(" + s.c.Query + " [" + stepStr + "])"
	span := time.Duration(MaxPoints-1) * step
	byKey := map[string]*streamCounts{}
	// A point at t counts the lines of (t-step, t] (Loki's range
	// selection, as Prometheus'). Evaluated a nanosecond before each
	// step's end, it counts [start, end) of the step, as the files'
	// buckets do: a line stamped on the minute, as most are, falls in
	// the step it starts. Steps are floored in Unix time, as the miner's.
	floor := func(t time.Time) time.Time {
		u := t.Unix()
		q := u / sec
		if u%sec != 0 && u < 0 {
			q--
		}
		return time.Unix(q*sec, 0)
	}
	first := floor(w.From)
	last := floor(w.To.Add(-1))
	for from := first; !from.After(last); {
		to := from.Add(span)
		if to.After(last) {
			to = last
		}
		q := url.Values{"query": {expr}, "start": {ns(from.Add(step - 1))}, "end": {ns(to.Add(step - 1))}, "step": {stepStr}}
		var a answer
		err := s.get(ctx, "lines per step", q, &a)
		var ae *httpapi.Error
		if errors.As(err, &ae) {
			if m := lengthRe.FindStringSubmatch(ae.Body); m != nil {
				if limit, perr := time.ParseDuration(m[2]); perr == nil && limit > step && limit-step < span {
					span = (limit - step).Truncate(step)
					continue
				}
			}
			if seriesRe.MatchString(ae.Body) && !merged {
				merged = true
				expr = "sum(" + expr + ")"
				byKey = map[string]*streamCounts{}
				from = first
				continue
			}
		}
		if err != nil {
			return nil, merged, err
		}
		if a.Data.ResultType != "matrix" {
			return nil, merged, fmt.Errorf("loki source %q: lines per step: result type %q, want matrix; hint: is url a Loki server?", s.c.Name, a.Data.ResultType)
		}
		var ms []matrixSeries
		if err := json.Unmarshal(a.Data.Result, &ms); err != nil {
			return nil, merged, fmt.Errorf("loki source %q: lines per step: malformed matrix: %v", s.c.Name, err)
		}
		for _, m := range ms {
			key := storemine.Name(m.Metric, "")
			sc := byKey[key]
			if sc == nil {
				sc = &streamCounts{labels: m.Metric, counts: map[int64]int{}}
				byKey[key] = sc
			}
			for _, v := range m.Values {
				t, err := strconv.ParseFloat(string(v[0]), 64)
				if err != nil {
					return nil, merged, fmt.Errorf("loki source %q: lines per step: time %s: %v", s.c.Name, v[0], err)
				}
				var vs string
				if err := json.Unmarshal(v[1], &vs); err != nil {
					return nil, merged, fmt.Errorf("loki source %q: lines per step: value %s: %v", s.c.Name, v[1], err)
				}
				n, err := strconv.ParseFloat(vs, 64)
				if err != nil {
					return nil, merged, fmt.Errorf("loki source %q: lines per step: value %q: %v", s.c.Name, vs, err)
				}
				// t is a step's end less a nanosecond, in float seconds:
				// rounded, it is the end.
				start := int64(math.Round(t)) - sec
				if start < first.Unix() || !time.Unix(start, 0).Before(w.To) {
					continue
				}
				sc.counts[start] += int(n)
				sc.total += int(n)
			}
		}
		from = to.Add(step)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, *byKey[k])
	}
	return out, merged, nil
}

func ns(t time.Time) string { return strconv.FormatInt(t.UnixNano(), 10) }

// get runs one query_range and decodes its answer.
func (s *Source) get(ctx context.Context, what string, q url.Values, a *answer) error {
	resp, err := s.hc.Get(ctx, what, "/loki/api/v1/query_range", q, true)
	if err != nil {
		return s.explain(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(a); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("loki source %q: %s: malformed answer: %v; hint: is url a Loki server (not a proxy's page)?", s.c.Name, what, s.hc.Explain("", err))
	}
	if a.Status != "success" {
		return fmt.Errorf("loki source %q: %s: status %q: %s; hint: check query", s.c.Name, what, a.Status, a.Error)
	}
	return nil
}

// explain adds hints for Loki's own refusals.
func (s *Source) explain(err error) error {
	var ae *httpapi.Error
	if !errors.As(err, &ae) || ae.Status != 400 {
		return err
	}
	switch {
	case strings.Contains(ae.Body, "parse error"):
		ae.Hint = "check query: it is a LogQL log query, e.g. {job=\"nginx\"} |= \"error\""
	case lengthRe.MatchString(ae.Body):
		ae.Hint = "the server's max_query_length is shorter than one step; use a smaller step"
	case strings.Contains(ae.Body, "max entries limit"):
		ae.Hint = "lower max_entries in the source's config to the server's max_entries_limit_per_query"
	}
	return err
}

// Fetch reads the lines of w and mines them per stream.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (ds *sources.Dataset, err error) {
	if err := w.Valid(); err != nil {
		return nil, fmt.Errorf("loki source %q: %w", s.c.Name, err)
	}
	if step < time.Second || step%time.Second != 0 {
		return nil, fmt.Errorf("loki source %q: step %v is not a whole number of seconds", s.c.Name, step)
	}
	cs, merged, err := s.counts(ctx, w, step)
	if err != nil {
		return nil, err
	}
	ds = &sources.Dataset{Window: w, Step: step}
	if merged {
		ds.Notes = append(ds.Notes, fmt.Sprintf("%s: the server refused per-stream counts (max_query_series); lines were counted for all streams together", s.c.Name))
	}
	total := 0
	for _, c := range cs {
		total += c.total
	}
	if total == 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: s.c.Query, Reason: "no lines in the window (" + sources.ErrNoData.Error() + ")"})
		return ds, nil
	}
	m := storemine.New(s.c.logsConfig(), w, step)
	add := func(t time.Time, labels map[string]string, line []byte) {
		m.Add(t, storemine.Name(labels, s.c.Name), line)
	}
	var stuck []time.Time
	defer func() {
		if len(stuck) > 0 && ds != nil {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: s.c.Query,
				Reason: fmt.Sprintf("more than %d lines share one timestamp at %d times (first %s): lines past the first %d of each were not read; hint: raise max_entries and the server's max_entries_limit_per_query",
					s.c.MaxEntries, len(stuck), stuck[0].UTC().Format(time.RFC3339Nano), s.c.MaxEntries)})
		}
	}()
	if total <= s.c.MaxLines {
		if _, err := s.lines(ctx, s.c.Query, w, s.c.MaxLines, &stuck, add); err != nil {
			return nil, err
		}
		if m.Err() != nil {
			return nil, m.Err()
		}
		m.Emit(ds, false)
		ds.Sort()
		return ds, nil
	}
	// A sample: equal shares of evenly spaced slices.
	slices := int(min(max(w.Duration()/time.Hour, 1), time.Duration(s.c.Sample)))
	share := max(s.c.Sample/slices, 1)
	for i := range slices {
		from := w.From.Add(w.Duration() * time.Duration(i) / time.Duration(slices))
		to := w.From.Add(w.Duration() * time.Duration(i+1) / time.Duration(slices))
		if _, err := s.lines(ctx, s.c.Query, sources.Window{From: from, To: to}, share, &stuck, add); err != nil {
			return nil, err
		}
	}
	if m.Err() != nil {
		return nil, m.Err()
	}
	m.Emit(ds, true)
	ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: s.c.Query,
		Reason: fmt.Sprintf("%d lines in the window, more than max_lines %d: patterns mined from a sample of %d lines (the first %d of each of %d slices); line counts per step are exact (series \"log lines\"), event lines fetched whole",
			total, s.c.MaxLines, m.Lines(), share, slices)})
	for _, c := range cs {
		ds.Series = append(ds.Series, s.linesSeries(c))
	}
	ev := storemine.New(s.c.logsConfig(), w, step)
	n, err := s.lines(ctx, s.c.Query+" "+eventFilter, w, s.c.MaxLines, &stuck, func(t time.Time, labels map[string]string, line []byte) {
		ev.Add(t, storemine.Name(labels, s.c.Name), line)
	})
	if err != nil {
		return nil, err
	}
	tmp := &sources.Dataset{}
	ev.Emit(tmp, false)
	ds.Events = append(ds.Events, tmp.Events...)
	if n >= s.c.MaxLines {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "event lines",
			Reason: fmt.Sprintf("more than max_lines %d lines look like events; later ones not read", s.c.MaxLines)})
	}
	ds.Sort()
	return ds, nil
}

// eventFilter keeps the lines the event rules of the logs package may make
// events of (cron runs, systemd starts and stops, OOM kills, deploys,
// backups): fetched whole when the rest is sampled, since one missed
// deploy can be the cause.
const eventFilter = "|~ `(?i)cron|cmd|started|stopped|starting|stopping|restart|oom|out of memory|killed|deploy|release|backup`"

func (s *Source) linesSeries(c streamCounts) sources.Series {
	sr := sources.Series{Source: s.c.Name, Name: "log lines", Labels: map[string]string{"stream": storemine.Name(c.labels, s.c.Name)},
		Role: sources.Traffic, Unit: "lines/step", Query: "LogQL: count_over_time(" + s.c.Query + " [step])"}
	ts := make([]int64, 0, len(c.counts))
	for t := range c.counts {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	for _, t := range ts {
		sr.Points = append(sr.Points, sources.Point{T: time.Unix(t, 0).UTC(), V: float64(c.counts[t])})
	}
	return sr
}

// entryAt is a line at one timestamp, to skip it when the next page
// starts at that timestamp again.
type entryAt struct{ stream, line string }

// lines pages through the lines of query in w, oldest first, up to max,
// and returns how many it passed to add.
func (s *Source) lines(ctx context.Context, query string, w sources.Window, max int, stuck *[]time.Time, add func(time.Time, map[string]string, []byte)) (int, error) {
	limit := s.c.MaxEntries
	start := w.From.UnixNano()
	end := w.To.UnixNano() // exclusive in Loki
	var lastT int64 = -1
	seenAt := map[entryAt]bool{}
	n := 0
	for n < max {
		q := url.Values{"query": {query}, "start": {strconv.FormatInt(start, 10)}, "end": {strconv.FormatInt(end, 10)},
			"direction": {"forward"}, "limit": {strconv.Itoa(limit)}}
		var a answer
		err := s.get(ctx, "lines from "+time.Unix(0, start).UTC().Format(time.RFC3339), q, &a)
		var ae *httpapi.Error
		if errors.As(err, &ae) {
			if m := entriesRe.FindStringSubmatch(ae.Body); m != nil {
				if lower, perr := strconv.Atoi(m[2]); perr == nil && lower > 0 && lower < limit {
					limit = lower
					continue
				}
			}
			if m := lengthRe.FindStringSubmatch(ae.Body); m != nil {
				if d, perr := time.ParseDuration(m[2]); perr == nil && d > time.Second && time.Duration(end-start) > d {
					// Page by time within the server's longest query.
					k, err := s.lines(ctx, query, sources.Window{From: time.Unix(0, start), To: time.Unix(0, start).Add(d - time.Second)}, max-n, stuck, add)
					n += k
					if err != nil {
						return n, err
					}
					start = time.Unix(0, start).Add(d - time.Second).UnixNano()
					lastT = -1
					continue
				}
			}
		}
		if err != nil {
			return n, err
		}
		if a.Data.ResultType != "streams" {
			return n, fmt.Errorf("loki source %q: lines: result type %q, want streams; hint: query must be a log query, not a metric one", s.c.Name, a.Data.ResultType)
		}
		var ss []stream
		if err := json.Unmarshal(a.Data.Result, &ss); err != nil {
			return n, fmt.Errorf("loki source %q: lines: malformed streams: %v", s.c.Name, err)
		}
		page, err := flatten(ss)
		if err != nil {
			return n, fmt.Errorf("loki source %q: lines: %v", s.c.Name, err)
		}
		fresh := 0
		for _, e := range page {
			if e.t < start || e.t >= end {
				continue
			}
			if e.t == lastT && seenAt[entryAt{e.key, e.line}] {
				continue
			}
			if e.t != lastT {
				lastT = e.t
				clear(seenAt)
			}
			seenAt[entryAt{e.key, e.line}] = true
			fresh++
			n++
			add(time.Unix(0, e.t), e.labels, []byte(e.line))
			if n >= max {
				break
			}
		}
		if len(page) < limit {
			return n, nil // the last page
		}
		if fresh == 0 {
			// A full page of lines at one timestamp, all seen: more than
			// limit lines share it (a shipper that stamps lines with a
			// log's whole seconds, at more than limit lines a second).
			// Paging by time cannot reach the rest: step past it, and let
			// the report say so.
			*stuck = append(*stuck, time.Unix(0, lastT))
			start, lastT = lastT+1, -1
			clear(seenAt)
			continue
		}
		start = lastT
	}
	return n, nil
}

type flatEntry struct {
	t      int64
	key    string
	labels map[string]string
	line   string
}

// flatten merges a page's streams in time order (stable per stream).
func flatten(ss []stream) ([]flatEntry, error) {
	var out []flatEntry
	for _, st := range ss {
		key := storemine.Name(st.Stream, "")
		for _, v := range st.Values {
			if len(v) < 2 {
				return nil, fmt.Errorf("a stream value with %d members, want [time, line]", len(v))
			}
			var ts, line string
			if err := json.Unmarshal(v[0], &ts); err != nil {
				return nil, fmt.Errorf("stream value time %s: %v", v[0], err)
			}
			t, err := strconv.ParseInt(ts, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("stream value time %q: %v", ts, err)
			}
			if err := json.Unmarshal(v[1], &line); err != nil {
				return nil, fmt.Errorf("stream value line %s: %v", v[1], err)
			}
			out = append(out, flatEntry{t, key, st.Stream, line})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].t < out[j].t })
	return out, nil
}
