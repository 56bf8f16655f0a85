// Package victorialogs is the source for logs kept in VictoriaLogs, read
// with LogsQL over its HTTP API (tested against VictoriaLogs v1.52).
//
// For a window it asks, per stream that the configured query selects:
//
//   - /select/logsql/hits (field=_stream): lines per step, counted by the
//     server. These decide how the lines are fetched, and when lines are
//     sampled they become a "log lines" Series per stream, so that bursts
//     and rates stay exact;
//   - /select/logsql/query: the lines themselves, oldest first
//     (`| sort by (_time)`), in pages of about PageLines lines cut by time
//     from the counts, streamed and read one at a time. They go through
//     the same parsers, event rules (cron, backup, deploy, restart, OOM)
//     and template miner as log files (logs.Lines), one stream at a time:
//     the format is detected per stream, or set with format and fields.
//
// When the streams hold more than MaxLines lines in the window, the
// patterns are mined from a sample of about Sample lines, one in k chosen
// by a hash of each line (the same lines every run, see sampleFilter),
// whose size the report names in its gaps; the event lines (those with a
// word the event rules look for) are still fetched whole, up to MaxLines.
//
// In hindsight.yaml:
//
//	sources:
//	  - name: logs
//	    type: victorialogs
//	    url: http://victorialogs:9428
//	    query: '{app="nginx"} OR {app="api"}'   # LogsQL; default * (every stream)
//	    format: nginx                           # optional: detected per stream
//	    headers: {AccountID: "12", ProjectID: "0"}
//	    basic_auth: {user: hindsight, password_env: VL_PASSWORD}
//
// Example lines are named "stream:n": the stream (its field values) and
// the line's number in the order fetched.
package victorialogs

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/internal/httpapi"
	"github.com/hindsight-sre/hindsight/sources/internal/storemine"
	"github.com/hindsight-sre/hindsight/sources/logs"
)

// Config is one VictoriaLogs source as configured.
type Config struct {
	Name string `mapstructure:"name"`
	// URL is the server root, e.g. http://127.0.0.1:9428.
	URL string `mapstructure:"url"`
	// Query is a LogsQL filter selecting the lines (a stream filter such
	// as {app="nginx"}, words, fields); empty means * (every line).
	Query string `mapstructure:"query"`
	// Format and Fields say how the messages are shaped, as for log
	// files (logs.Config). With format json the whole entry (every field
	// the store keeps) is the line, with _msg as a message key and _time
	// as a time key.
	Format string      `mapstructure:"format"`
	Fields logs.Fields `mapstructure:"fields"`
	// DeployPattern and BackupPattern are as for log files.
	DeployPattern string `mapstructure:"deploy_pattern"`
	BackupPattern string `mapstructure:"backup_pattern"`
	// MaxLines bounds the lines fetched for a window; 0 means
	// DefaultMaxLines. Sample is the size of the sample mined past it; 0
	// means DefaultSample.
	MaxLines int `mapstructure:"max_lines"`
	Sample   int `mapstructure:"sample"`

	httpapi.Auth `mapstructure:",squash"`

	// Location is the zone of timestamps without one in the messages
	// (set by cmd from the profile).
	Location *time.Location `mapstructure:"-"`
}

// Defaults.
const (
	DefaultMaxLines = 500_000
	DefaultSample   = 100_000
	// PageLines is about how many lines one query answers: pages are cut
	// by time from the per-step counts.
	PageLines = 50_000
)

// Source reads one VictoriaLogs server.
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
		c.Name = "victorialogs"
	}
	if strings.TrimSpace(c.Query) == "" {
		c.Query = "*"
	}
	if c.MaxLines < 0 || c.Sample < 0 {
		return nil, fmt.Errorf("victorialogs source %q: max_lines and sample must not be negative", c.Name)
	}
	if c.MaxLines == 0 {
		c.MaxLines = DefaultMaxLines
	}
	if c.Sample == 0 {
		c.Sample = min(DefaultSample, c.MaxLines)
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if strings.EqualFold(c.Format, "json") {
		c.Fields.Message = append([]string{"_msg"}, orDefault(c.Fields.Message, logs.DefaultFields.Message)...)
		c.Fields.Time = append([]string{"_time"}, orDefault(c.Fields.Time, logs.DefaultFields.Time)...)
	}
	// The miner checks the format and patterns; a bad one fails here.
	w := sources.Window{From: time.Unix(0, 0), To: time.Unix(60, 0)}
	if _, err := logs.NewLines(c.logsConfig(), "check", w, time.Minute); err != nil {
		return nil, fmt.Errorf("victorialogs source %q: %w", c.Name, err)
	}
	hc, err := httpapi.New("victorialogs", c.Name, c.URL, c.Auth)
	if err != nil {
		return nil, err
	}
	return &Source{c: c, hc: hc}, nil
}

func orDefault(v, d []string) []string {
	if len(v) == 0 {
		return d
	}
	return v
}

func (c Config) logsConfig() logs.Config {
	return logs.Config{Name: c.Name, Format: c.Format, Fields: c.Fields, Location: c.Location,
		DeployPattern: c.DeployPattern, BackupPattern: c.BackupPattern}
}

// Name is the configured name.
func (s *Source) Name() string { return s.c.Name }

// Check asks for the lines of the last day and says how many there are;
// with none, it looks for the newest line the query selects.
func (s *Source) Check(ctx context.Context) (string, error) {
	now := time.Now()
	h, err := s.hits(ctx, sources.Window{From: now.Add(-24 * time.Hour), To: now}, time.Hour)
	if err != nil {
		return "", err
	}
	total := 0
	for _, st := range h {
		total += st.total
	}
	if total > 0 {
		return fmt.Sprintf("VictoriaLogs at %s: %d lines in %d streams in the last 24 h for %s", s.hc.URL(), total, len(h), s.c.Query), nil
	}
	q := url.Values{"query": {s.c.Query + " | fields _time"}, "limit": {"1"}}
	resp, err := s.hc.Post(ctx, "newest line", "/select/logsql/query", q, false)
	if err != nil {
		return "", s.explainQuery(err)
	}
	defer resp.Body.Close()
	var e struct {
		T string `json:"_time"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
		if errors.Is(err, io.EOF) {
			return "", fmt.Errorf("victorialogs source %q: no line matches query %s: %w; hint: check query (LogsQL) and the tenant headers (AccountID, ProjectID)", s.c.Name, s.c.Query, sources.ErrNoData)
		}
		return "", fmt.Errorf("victorialogs source %q: malformed answer: %v; hint: is url a VictoriaLogs server?", s.c.Name, err)
	}
	return fmt.Sprintf("VictoriaLogs at %s: no lines in the last 24 h for %s; the newest at %s", s.hc.URL(), s.c.Query, e.T), nil
}

// streamHits are one stream's lines per step.
type streamHits struct {
	stream string
	counts map[int64]int // unix seconds of the step -> lines
	total  int
}

// hits asks for the lines per step and stream.
func (s *Source) hits(ctx context.Context, w sources.Window, step time.Duration) ([]streamHits, error) {
	q := url.Values{
		"query": {s.c.Query},
		"start": {w.From.UTC().Format(time.RFC3339Nano)},
		"end":   {w.To.Add(-time.Nanosecond).UTC().Format(time.RFC3339Nano)},
		"step":  {strconv.FormatInt(int64(step/time.Second), 10) + "s"},
		"field": {"_stream"},
	}
	resp, err := s.hc.Post(ctx, "hits", "/select/logsql/hits", q, false)
	if err != nil {
		return nil, s.explainQuery(err)
	}
	defer resp.Body.Close()
	var ans struct {
		Hits []struct {
			Fields     map[string]string `json:"fields"`
			Timestamps []string          `json:"timestamps"`
			Values     []int             `json:"values"`
			Total      int               `json:"total"`
		} `json:"hits"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return nil, fmt.Errorf("victorialogs source %q: hits: malformed answer: %v; hint: is url a VictoriaLogs server (not a proxy's page)?", s.c.Name, err)
	}
	out := make([]streamHits, 0, len(ans.Hits))
	for _, h := range ans.Hits {
		if len(h.Timestamps) != len(h.Values) {
			return nil, fmt.Errorf("victorialogs source %q: hits: %d timestamps for %d values; hint: is url a VictoriaLogs server?", s.c.Name, len(h.Timestamps), len(h.Values))
		}
		sh := streamHits{stream: h.Fields["_stream"], counts: make(map[int64]int, len(h.Values))}
		for i, ts := range h.Timestamps {
			t, err := time.Parse(time.RFC3339Nano, ts)
			if err != nil {
				return nil, fmt.Errorf("victorialogs source %q: hits: time %q: %v", s.c.Name, ts, err)
			}
			sh.counts[t.Unix()] += h.Values[i]
			sh.total += h.Values[i]
		}
		out = append(out, sh)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].stream < out[j].stream })
	return out, nil
}

// explainQuery adds a hint to a query the server refused.
func (s *Source) explainQuery(err error) error {
	var ae *httpapi.Error
	if errors.As(err, &ae) && ae.Status == 400 && strings.Contains(ae.Body, "cannot parse") {
		ae.Hint = "check query: it is LogsQL, e.g. {app=\"nginx\"} or error AND _stream:{host=\"db1\"}"
	}
	return err
}

// Fetch reads the lines of w and mines them per stream.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, fmt.Errorf("victorialogs source %q: %w", s.c.Name, err)
	}
	if step < time.Second {
		return nil, fmt.Errorf("victorialogs source %q: step %v is under a second", s.c.Name, step)
	}
	hs, err := s.hits(ctx, w, step)
	if err != nil {
		return nil, err
	}
	ds := &sources.Dataset{Window: w, Step: step}
	total := 0
	perStep := map[int64]int{}
	for _, h := range hs {
		total += h.total
		for t, n := range h.counts {
			perStep[t] += n
		}
	}
	if total == 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: s.c.Query,
			Reason: "no lines in the window (" + sources.ErrNoData.Error() + ")"})
		return ds, nil
	}
	m := storemine.New(s.c.logsConfig(), w, step)
	add := func(t time.Time, stream string, line []byte) { m.Add(t, streamName(stream, s.c.Name), line) }
	ratio := 1
	if total > s.c.MaxLines {
		ratio = (total + s.c.Sample - 1) / s.c.Sample
	}
	query := s.c.Query
	if ratio > 1 {
		query += sampleFilter(ratio)
	}
	pages := pagesOf(w, step, perStep, PageLines*ratio)
	fetched, err := s.fetchPages(ctx, query, pages, add)
	if err == nil {
		err = m.Err()
	}
	if err != nil {
		return nil, err
	}
	if ratio > 1 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: s.c.Query,
			Reason: fmt.Sprintf("%d lines in the window, more than max_lines %d: patterns mined from a sample of %d lines (1 in %d, chosen by a hash of each line); line counts per step are exact (series \"log lines\"), event lines fetched whole",
				total, s.c.MaxLines, fetched, ratio)})
		for _, h := range hs {
			ds.Series = append(ds.Series, s.linesSeries(h, w, step))
		}
		if err := s.fetchEvents(ctx, w, step, ds); err != nil {
			return nil, err
		}
	}
	m.Emit(ds, ratio > 1)
	ds.Sort()
	return ds, nil
}

// linesSeries is a stream's lines per step, from hits.
func (s *Source) linesSeries(h streamHits, w sources.Window, step time.Duration) sources.Series {
	name := streamName(h.stream, s.c.Name)
	sr := sources.Series{Source: s.c.Name, Name: "log lines", Labels: map[string]string{"stream": name},
		Role: sources.Traffic, Unit: "lines/step",
		Query: "VictoriaLogs hits: " + s.c.Query + " AND _stream:" + h.stream}
	ts := make([]int64, 0, len(h.counts))
	for t := range h.counts {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	for _, t := range ts {
		sr.Points = append(sr.Points, sources.Point{T: time.Unix(t, 0).UTC(), V: float64(h.counts[t])})
	}
	return sr
}

// sampleFilter keeps about one line in k, the same ones every time: those
// whose hash of time, stream and message is 0 modulo k. (LogsQL's sample
// pipe draws anew on every query, so two reports of one window would
// differ.) The helper fields are dropped again.
func sampleFilter(k int) string {
	return ` | format "<_time> <_stream> <_msg>" as _hindsight_k | hash(_hindsight_k) as _hindsight_h` +
		` | math _hindsight_h % ` + strconv.Itoa(k) + ` as _hindsight_r | filter _hindsight_r:=0` +
		` | delete _hindsight_k, _hindsight_h, _hindsight_r`
}

// eventWords select the lines the event rules of the logs package may
// make events of (cron runs, systemd starts and stops, OOM kills,
// deploys, backups): fetched whole when the rest is sampled, since one
// missed deploy can be the cause.
const eventWords = `(i(CRON) OR i(CMD) OR i(started) OR i(stopped) OR i(starting) OR i(stopping) OR i(restart) OR i(restarted) OR i(oom) OR i(oom-kill) OR i("out of memory") OR i(killed) OR i(deploy) OR i(deployed) OR i(deploying) OR i(release) OR i(backup))`

// fetchEvents reads the event lines whole (up to MaxLines) and keeps only
// the events they make.
func (s *Source) fetchEvents(ctx context.Context, w sources.Window, step time.Duration, ds *sources.Dataset) error {
	m := storemine.New(s.c.logsConfig(), w, step)
	query := "(" + s.c.Query + ") " + eventWords
	n := 0
	_, err := s.fetchPages(ctx, query+" | limit "+strconv.Itoa(s.c.MaxLines), []sources.Window{w}, func(t time.Time, stream string, line []byte) {
		n++
		m.Add(t, streamName(stream, s.c.Name), line)
	})
	if err != nil {
		return err
	}
	if m.Err() != nil {
		return m.Err()
	}
	tmp := &sources.Dataset{}
	m.Emit(tmp, false)
	ds.Events = append(ds.Events, tmp.Events...)
	if n >= s.c.MaxLines {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "event lines",
			Reason: fmt.Sprintf("more than max_lines %d lines look like events; later ones not read", s.c.MaxLines)})
	}
	return nil
}

// pagesOf cuts w into spans of about limit lines each, by the per-step
// counts (unix seconds -> lines); a step holding more is a page alone.
func pagesOf(w sources.Window, step time.Duration, perStep map[int64]int, limit int) []sources.Window {
	ts := make([]int64, 0, len(perStep))
	for t, n := range perStep {
		if n > 0 {
			ts = append(ts, t)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
	var out []sources.Window
	from, n := w.From, 0
	for _, t := range ts {
		st := time.Unix(t, 0)
		if n > 0 && n+perStep[t] > limit && st.After(from) {
			out = append(out, sources.Window{From: from, To: st})
			from, n = st, 0
		}
		n += perStep[t]
	}
	return append(out, sources.Window{From: from, To: w.To})
}

// entry is one line of /select/logsql/query's answer.
type entry struct {
	T      string `json:"_time"`
	Stream string `json:"_stream"`
	Msg    string `json:"_msg"`
}

// fetchPages streams the lines of query in each page to add, oldest
// first within a page, and returns how many came.
func (s *Source) fetchPages(ctx context.Context, query string, pages []sources.Window, add func(t time.Time, stream string, line []byte)) (int, error) {
	whole := strings.EqualFold(s.c.Format, "json")
	pipe := " | sort by (_time)"
	if !whole {
		pipe += " | fields _time, _stream, _msg"
	}
	n := 0
	for _, p := range pages {
		q := url.Values{
			"query": {query + pipe},
			"start": {p.From.UTC().Format(time.RFC3339Nano)},
			"end":   {p.To.Add(-time.Nanosecond).UTC().Format(time.RFC3339Nano)},
		}
		what := "lines " + p.From.UTC().Format(time.RFC3339) + ".." + p.To.UTC().Format(time.RFC3339)
		resp, err := s.hc.Post(ctx, what, "/select/logsql/query", q, true)
		if err != nil {
			return n, s.explainQuery(err)
		}
		k, err := readEntries(resp.Body, whole, add)
		resp.Body.Close()
		n += k
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			return n, fmt.Errorf("victorialogs source %q: %s: %w", s.c.Name, what, s.hc.Explain("", err))
		}
	}
	return n, nil
}

// readEntries decodes JSON lines; whole passes the entry as the line, else
// its _msg.
func readEntries(r io.Reader, whole bool, add func(t time.Time, stream string, line []byte)) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	n := 0
	var e entry
	for sc.Scan() {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		e = entry{}
		if err := json.Unmarshal(b, &e); err != nil {
			return n, fmt.Errorf("malformed line %d of the answer: %v", n+1, err)
		}
		t, err := time.Parse(time.RFC3339Nano, e.T)
		if err != nil {
			return n, fmt.Errorf("line %d of the answer: _time %q: %v", n+1, e.T, err)
		}
		n++
		if whole {
			add(t, e.Stream, b)
		} else {
			add(t, e.Stream, []byte(e.Msg))
		}
	}
	return n, sc.Err()
}

// streamName is a stream's field values joined by "/": {file="access.log"}
// is access.log, {app="api",host="web1"} api/web1; def for {}.
func streamName(stream, def string) string {
	s := strings.TrimSuffix(strings.TrimPrefix(stream, "{"), "}")
	var vals []string
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
			return stream
		}
		rest := s[eq+1:]
		v, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return stream
		}
		// An empty value names nothing: a stream of only empty values is
		// named def, not "".
		if uq, _ := strconv.Unquote(v); uq != "" {
			vals = append(vals, uq)
		}
		s = strings.TrimPrefix(rest[len(v):], ",")
	}
	if len(vals) == 0 {
		return def
	}
	return strings.Join(vals, "/")
}
