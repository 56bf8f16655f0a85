// Package file is the source for recorded metrics on disk: a CSV file of
// timestamp,value rows, or an OpenMetrics / Prometheus text file with
// timestamps in seconds (what `promtool tsdb create-blocks-from openmetrics`
// reads), plain or gzip-compressed.
//
// It sits with the other backends between config and analyze: it turns the
// file into Probes and Series through sources/promconv, exactly as
// sources/prometheus does for the same data read over HTTP, and knows
// nothing about incidents.
//
// The file is streamed: only the samples inside the fetched window (and a
// little before it, so a counter's first rate exists) are kept in memory.
// Series keep the file's own resolution; the step is not used to resample.
//
// Bad input is never fatal to the process: a malformed line is an error that
// names file:line and the text (one bad line in recorded data usually means
// the wrong format, and a silently partial series would mislead). A gzip
// stream that breaks after some lines keeps what was read and reports a
// Gap naming the file, since a truncated archive is common and its start is
// still good; one that breaks before the first line is an error. An empty
// file, or one with no samples in the window, is a Gap.
package file

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/promconv"
)

// Config is one file source as configured.
type Config struct {
	Name string
	Path string `mapstructure:"path"`
	// Format is "csv", "openmetrics", or "" to decide by the file's
	// extension (.csv, .om, .prom, .txt, each optionally .gz) and else by
	// its first line.
	Format string `mapstructure:"format"`
	// Metric is the series name of a CSV file (default: the file name
	// without extensions). For OpenMetrics it selects one metric: only
	// samples of that name or family are kept.
	Metric string `mapstructure:"metric"`
	// Role and Unit, when set, override what promconv guesses from the name
	// for every series of the file.
	Role string `mapstructure:"role"`
	Unit string `mapstructure:"unit"`
}

// Formats.
const (
	FormatCSV         = "csv"
	FormatOpenMetrics = "openmetrics"
)

// Source reads one file.
type Source struct {
	c       Config
	role    sources.Role
	hasRole bool
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// New checks c and returns the source. The file itself is first opened by
// Fetch or Check, so a file that appears later is fine.
func New(c Config) (*Source, error) {
	if c.Path == "" {
		return nil, errors.New("file source: path is empty; hint: set path to a .csv or .om file")
	}
	switch c.Format {
	case "", FormatCSV, FormatOpenMetrics:
	case "prometheus", "om", "text":
		c.Format = FormatOpenMetrics
	default:
		return nil, fmt.Errorf("file source %s: unknown format %q; hint: use csv, openmetrics or leave it empty", c.Path, c.Format)
	}
	if c.Name == "" {
		c.Name = "file"
	}
	s := &Source{c: c}
	if c.Role != "" {
		r, err := sources.ParseRole(c.Role)
		if err != nil {
			return nil, fmt.Errorf("file source %s: %w", c.Path, err)
		}
		s.role, s.hasRole = r, true
	}
	return s, nil
}

// Name is the configured name.
func (s *Source) Name() string { return s.c.Name }

// Check opens the file and tells its format and size.
func (s *Source) Check(ctx context.Context) (string, error) {
	f, br, closeFn, err := s.openCtx(ctx)
	if err != nil {
		return "", err
	}
	defer closeFn()
	format, err := s.format(br)
	if err != nil {
		return "", err
	}
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("stat %s: %w", s.c.Path, err)
	}
	return fmt.Sprintf("%s file, %d bytes", format, st.Size()), nil
}

// lead is how far before the window samples are kept, so that the rate of
// a counter exists at the window's start.
func lead(step time.Duration) time.Duration {
	return max(5*time.Minute, 2*step)
}

// Fetch reads the file and returns its series and probes inside w.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, fmt.Errorf("file source %s: %w", s.c.Path, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, br, closeFn, err := s.openCtx(ctx)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	format, err := s.format(br)
	if err != nil {
		return nil, err
	}
	col := newCollector(sources.Window{From: w.From.Add(-lead(step)), To: w.To})
	col.metric = s.c.Metric
	file := filepath.Base(s.c.Path)
	if format == FormatCSV {
		name := s.c.Metric
		if name == "" {
			name = metricFromFile(s.c.Path)
		}
		err = parseCSV(ctx, br, file, name, col)
	} else {
		err = parseOpenMetrics(ctx, br, file, col)
	}
	ds := &sources.Dataset{Window: w, Step: step}
	if err != nil {
		var re *readError
		if !errors.As(err, &re) {
			return nil, fmt.Errorf("file source %s: %w", s.c.Path, err)
		}
		if col.lines == 0 {
			return nil, fmt.Errorf("file source: read %s: %w; hint: is it a complete gzip file? try gzip -t", s.c.Path, re.err)
		}
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "file " + s.c.Path,
			Reason: fmt.Sprintf("read failed after line %d (%v); kept the samples before it", col.lines, re.err)})
	}
	if col.cut != "" {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "file " + s.c.Path, Reason: col.cut})
	}
	if col.zoneless {
		ds.Notes = append(ds.Notes, fmt.Sprintf("%s: timestamps without a time zone were read as UTC", s.c.Path))
	}
	if col.samples == 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "file " + s.c.Path, Reason: "the file holds no samples"})
		return ds, nil
	}
	if s.c.Metric != "" && format == FormatOpenMetrics && !col.matched {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "file " + s.c.Path,
			Reason: fmt.Sprintf("no metric named %s in the file", s.c.Metric)})
		return ds, nil
	}
	raws := col.raws()
	probes, series := promconv.Convert(s.c.Name, raws, promconv.Options{RateCounters: true})
	for _, p := range probes {
		p.Beats = trimBeats(p.Beats, w)
		if len(p.Beats) > 0 {
			ds.Probes = append(ds.Probes, p)
		}
	}
	for _, sr := range series {
		sr.Points = trimPoints(sr.Points, w)
		if len(sr.Points) == 0 {
			continue
		}
		if s.hasRole {
			sr.Role = s.role
		}
		if s.c.Unit != "" {
			sr.Unit = s.c.Unit
		}
		// promconv wrote name{...} or rate(name{...}); say where it came from.
		sr.Query = "file:" + s.c.Path + " " + sr.Query
		ds.Series = append(ds.Series, sr)
	}
	if len(ds.Probes) == 0 && len(ds.Series) == 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "file " + s.c.Path,
			Reason: fmt.Sprintf("no samples in window; the file covers %s..%s",
				col.minT.UTC().Format(time.RFC3339), col.maxT.UTC().Format(time.RFC3339))})
	}
	return ds, nil
}

// open opens the file, transparently un-gzipping it (by content, not by
// name). closeFn closes everything.
func (s *Source) open() (*os.File, *bufio.Reader, func(), error) {
	return s.openCtx(context.Background())
}

// openCtx is open with every read checking ctx: a sparse file of NULs
// has no line to count, yet must end at the source's deadline. Only a
// regular file is opened (a FIFO would block, a device never end).
func (s *Source) openCtx(ctx context.Context) (*os.File, *bufio.Reader, func(), error) {
	f, err := lines.Open(s.c.Path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("file source: %w; hint: check path in the source's config", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, nil, fmt.Errorf("file source: stat %s: %w", s.c.Path, err)
	}
	if st.IsDir() {
		f.Close()
		return nil, nil, nil, fmt.Errorf("file source: %s is a directory; hint: path names one file", s.c.Path)
	}
	br := bufio.NewReaderSize(&readErrReader{lines.WithContext(ctx, f)}, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, nil, nil, fmt.Errorf("file source: open gzip %s: %w; hint: try gzip -t", s.c.Path, err)
		}
		return f, bufio.NewReaderSize(&readErrReader{zr}, 256<<10), func() { zr.Close(); f.Close() }, nil
	}
	return f, br, func() { f.Close() }, nil
}

// readError marks an error of the underlying reader (a broken gzip stream,
// an I/O error), as opposed to a parse error of the content.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

type readErrReader struct{ r io.Reader }

func (r *readErrReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

// format returns the configured format, or guesses it from the extension
// and then from the first line.
func (s *Source) format(br *bufio.Reader) (string, error) {
	if s.c.Format != "" {
		return s.c.Format, nil
	}
	name := strings.ToLower(strings.TrimSuffix(s.c.Path, ".gz"))
	switch filepath.Ext(name) {
	case ".csv":
		return FormatCSV, nil
	case ".om", ".prom", ".openmetrics", ".txt", ".metrics":
		return FormatOpenMetrics, nil
	}
	head, _ := br.Peek(4096)
	return sniff(head), nil
}

// sniff guesses the format from the start of the content: a first line that
// is a comment or a metric sample is OpenMetrics, anything else CSV (whose
// parser then asks for a header).
func sniff(head []byte) string {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == '#' || line[0] == '{' {
		return FormatOpenMetrics
	}
	if bytes.Contains(line, []byte(",")) && !bytes.Contains(line, []byte("{")) {
		return FormatCSV
	}
	return FormatOpenMetrics
}

// metricFromFile is the file name without directory and extensions.
func metricFromFile(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".gz", ".csv", ".CSV"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

func trimPoints(pts []sources.Point, w sources.Window) []sources.Point {
	i := sort.Search(len(pts), func(i int) bool { return !pts[i].T.Before(w.From) })
	j := sort.Search(len(pts), func(i int) bool { return !pts[i].T.Before(w.To) })
	if i >= j {
		return nil
	}
	return pts[i:j:j]
}

func trimBeats(bs []sources.Beat, w sources.Window) []sources.Beat {
	i := sort.Search(len(bs), func(i int) bool { return !bs[i].T.Before(w.From) })
	j := sort.Search(len(bs), func(i int) bool { return !bs[i].T.Before(w.To) })
	if i >= j {
		return nil
	}
	return bs[i:j:j]
}

// collector keeps the samples of the window, one rawSeries per series.
// next reads and counts the next line of a file being collected, checking
// ctx every 4096 lines; io.EOF at the end, a lineError for a line longer
// than lines.Max.
func (c *collector) next(ctx context.Context, lr *lines.Reader, file string) ([]byte, error) {
	line, _, err := lr.Next()
	if errors.Is(err, lines.ErrTooLong) {
		return nil, &lineError{file: file, line: c.lines + 1, msg: "line longer than 1 MiB"}
	}
	if err != nil {
		return nil, err
	}
	c.lines++
	if c.lines%4096 == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return line, nil
}

type collector struct {
	from, to   int64  // unix ms, [from, to)
	metric     string // keep only this metric (name or family) when set
	byText     map[string]*rawSeries
	byKey      map[string]*rawSeries
	series     []*rawSeries
	types      map[string]string // family -> declared type
	lines      int               // lines read, for error messages
	samples    int               // samples read, in the window or not
	matched    bool              // a series not filtered out by metric was seen
	zoneless   bool              // a CSV timestamp without a zone was read as UTC
	cut        string            // why the file looks cut short, for a gap
	minT, maxT time.Time
}

type rawSeries struct {
	name   string
	labels map[string]string
	typ    string
	skip   bool
	points []sources.Point
}

func newCollector(w sources.Window) *collector {
	return &collector{
		from:   w.From.UnixMilli(),
		to:     w.To.UnixMilli(),
		byText: map[string]*rawSeries{},
		byKey:  map[string]*rawSeries{},
		types:  map[string]string{},
	}
}

// series returns the rawSeries for name and labels, creating it.
func (c *collector) seriesFor(name string, labels map[string]string) *rawSeries {
	key := seriesKey(name, labels)
	if rs := c.byKey[key]; rs != nil {
		return rs
	}
	rs := &rawSeries{name: name, labels: labels}
	c.byKey[key] = rs
	c.series = append(c.series, rs)
	return rs
}

// add records one sample at unix milliseconds ms.
func (c *collector) add(rs *rawSeries, ms int64, v float64) {
	c.samples++
	t := time.UnixMilli(ms).UTC()
	if c.minT.IsZero() || t.Before(c.minT) {
		c.minT = t
	}
	if t.After(c.maxT) {
		c.maxT = t
	}
	if rs.skip || ms < c.from || ms >= c.to || math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	rs.points = append(rs.points, sources.Point{T: t, V: v})
}

// raws sorts every series' points (a later duplicate timestamp wins) and
// returns them for promconv.
func (c *collector) raws() []promconv.Raw {
	out := make([]promconv.Raw, 0, len(c.series))
	for _, rs := range c.series {
		if rs.skip || len(rs.points) == 0 {
			continue
		}
		pts := rs.points
		if !sort.SliceIsSorted(pts, func(i, j int) bool { return pts[i].T.Before(pts[j].T) }) {
			sort.SliceStable(pts, func(i, j int) bool { return pts[i].T.Before(pts[j].T) })
		}
		k := 0
		for i := range pts {
			if k > 0 && pts[k-1].T.Equal(pts[i].T) {
				pts[k-1] = pts[i]
				continue
			}
			pts[k] = pts[i]
			k++
		}
		out = append(out, promconv.Raw{Name: rs.name, Labels: rs.labels, Type: rs.typ, Points: pts[:k]})
	}
	return out
}

func seriesKey(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	for _, k := range keys {
		b.WriteByte(0xff)
		b.WriteString(k)
		b.WriteByte(0xfe)
		b.WriteString(labels[k])
	}
	return b.String()
}

// lineError is a malformed line.
type lineError struct {
	file string
	line int
	msg  string
	text string
	hint string
}

func (e *lineError) Error() string {
	s := fmt.Sprintf("%s:%d: %s: %q", e.file, e.line, e.msg, truncate(e.text, 80))
	if e.hint != "" {
		s += "; hint: " + e.hint
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// maxSeconds is the largest timestamp taken as seconds (year 5138). Larger
// ones are almost surely milliseconds, which promtool accepts silently and
// files in the year 57000.
const maxSeconds = 1e11

// secondsToMillis converts a timestamp in seconds to unix milliseconds, as
// Prometheus stores it.
func secondsToMillis(ts float64) (int64, string) {
	if math.IsNaN(ts) || math.IsInf(ts, 0) {
		return 0, "timestamp is not a number"
	}
	if math.Abs(ts) >= maxSeconds {
		return 0, "timestamp looks like milliseconds"
	}
	return int64(math.Round(ts * 1000)), ""
}
