// Package logs is the source for log files on disk: nginx/apache access
// logs and syslog, plain, gzip-compressed and rotated.
//
// It sits with the other backends between config and analyze and knows
// nothing about incidents. From the lines inside the fetched window it
// makes, per file set (access.log with its rotations access.log.1,
// access.log.2.gz, ...):
//
//   - for access logs, Series of requests/s, 5xx/s and request time p50 and
//     p95 per step, labelled {file: "access.log"};
//   - Events for cron jobs (backups among them), service restarts, deploys
//     and OOM kills, each with Ref "path:line";
//   - LogPatterns: one simple template per kind of line (numbers, ids,
//     addresses and paths masked with <*>; "GET /api/items/<*> 5xx" for
//     requests) with counts per step. Buckets are sparse: a step in which a
//     pattern did not occur has no Bucket.
//
// Steps are the window's start floored to the step, in UTC, so the first
// one may begin before the window; the requests and 5xx series have a point
// for every step (0 when quiet), the quantiles only for steps with requests.
//
// Files are streamed line by line: a line outside the window costs only
// its timestamp parse, and a file is left an hour past the window's end
// (unless its year is guessed, as in syslog). Each format is a line parser
// (lineParser) that fills a Record, so that more formats, and faster ones,
// fit in later.
//
// Lines that no parser understands are counted and reported as a Gap, as
// is a gzip file that breaks off (what was read before is kept).
package logs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/sources"
)

// Config is one logs source as configured.
type Config struct {
	Name string
	// Paths are file globs (filepath.Match syntax). Matches are grouped in
	// sets by name without rotation suffix: access.log, access.log.1 and
	// access.log.2.gz are one set, read oldest first.
	Paths []string `mapstructure:"paths"`
	// Format is "nginx" (nginx or apache combined log), "syslog", or ""
	// to detect it per file from its first lines.
	Format string `mapstructure:"format"`
	// Location is the time zone of syslog timestamps, which carry none. It
	// is set by cmd from the profile's time zone; nil means UTC.
	Location *time.Location `mapstructure:"-"`
	// DeployPattern and BackupPattern are regular expressions (RE2) that
	// make a line a deploy event, and a cron command a backup. Empty means
	// DefaultDeployPattern and DefaultBackupPattern.
	DeployPattern string `mapstructure:"deploy_pattern"`
	BackupPattern string `mapstructure:"backup_pattern"`
}

// Defaults for Config's patterns.
const (
	DefaultDeployPattern = `(?i)\bdeploy(ed|ing)?\b|release v?\d`
	DefaultBackupPattern = `(?i)backup|dump|snapshot|pg_basebackup|borg|restic`
)

// MaxTemplates bounds the templates kept per file set; lines of further
// templates are counted in one "<other>" pattern.
const MaxTemplates = 1000

// Source reads a set of log files.
type Source struct {
	c        Config
	deployRe *regexp.Regexp
	backupRe *regexp.Regexp
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// New checks c and returns the source. Globs are matched by Fetch and
// Check, so files that appear later are found.
func New(c Config) (*Source, error) {
	if c.Name == "" {
		c.Name = "logs"
	}
	if len(c.Paths) == 0 {
		return nil, fmt.Errorf("logs source %s: no paths; hint: set paths to globs such as /var/log/nginx/access.log*", c.Name)
	}
	for _, p := range c.Paths {
		if _, err := filepath.Match(p, ""); err != nil {
			return nil, fmt.Errorf("logs source %s: path %q: %w", c.Name, p, err)
		}
	}
	switch c.Format {
	case "", FormatNginx, FormatSyslog:
	case "apache", "combined", "access":
		c.Format = FormatNginx
	default:
		return nil, fmt.Errorf("logs source %s: unknown format %q; hint: use nginx, syslog or leave it empty to detect", c.Name, c.Format)
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	s := &Source{c: c}
	var err error
	if s.deployRe, err = compile(c.DeployPattern, DefaultDeployPattern); err != nil {
		return nil, fmt.Errorf("logs source %s: deploy_pattern: %w", c.Name, err)
	}
	if s.backupRe, err = compile(c.BackupPattern, DefaultBackupPattern); err != nil {
		return nil, fmt.Errorf("logs source %s: backup_pattern: %w", c.Name, err)
	}
	return s, nil
}

func compile(p, def string) (*regexp.Regexp, error) {
	if p == "" {
		p = def
	}
	return regexp.Compile(p)
}

// Name is the configured name.
func (s *Source) Name() string { return s.c.Name }

// Check finds the files and says how many sets and files there are.
func (s *Source) Check(ctx context.Context) (string, error) {
	sets, err := s.sets()
	if err != nil {
		return "", err
	}
	n := 0
	for _, st := range sets {
		n += len(st.files)
	}
	return fmt.Sprintf("%d log files in %d sets", n, len(sets)), nil
}

// fileSet is one log and its rotations, oldest first.
type fileSet struct {
	name  string // base name without rotation suffix: "access.log"
	glob  string // the configured glob that found it
	files []string
}

var (
	rotNum  = regexp.MustCompile(`\.(\d+)$`)
	rotDate = regexp.MustCompile(`-(\d{8}(?:\d{2})?)$`)
)

// rotation splits a file name into its set name and an ordering key: the
// live file sorts last, numbered rotations by number descending (.2 is
// older than .1), dated ones by date.
func rotation(base string) (set string, class int, key string) {
	base = strings.TrimSuffix(base, ".gz")
	if m := rotNum.FindStringSubmatch(base); m != nil {
		n, _ := strconv.Atoi(m[1])
		return strings.TrimSuffix(base, m[0]), 0, fmt.Sprintf("%020d", 1<<62-n)
	}
	if m := rotDate.FindStringSubmatch(base); m != nil {
		return strings.TrimSuffix(base, m[0]), 1, m[1]
	}
	return base, 2, ""
}

// sets matches the globs and groups the files.
func (s *Source) sets() ([]*fileSet, error) {
	type ordered struct {
		path  string
		class int
		key   string
	}
	byKey := map[string]*fileSet{}
	files := map[string][]ordered{}
	seen := map[string]bool{}
	var order []string
	for _, glob := range s.c.Paths {
		matches, err := filepath.Glob(glob)
		if err != nil {
			return nil, fmt.Errorf("logs source %s: path %q: %w", s.c.Name, glob, err)
		}
		literal := !strings.ContainsAny(glob, `*?[\`)
		found := 0
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				return nil, fmt.Errorf("logs source %s: %w", s.c.Name, err)
			}
			if st.IsDir() {
				if literal {
					return nil, fmt.Errorf("logs source %s: %s is a directory; hint: name the files, e.g. %s",
						s.c.Name, m, filepath.Join(m, "*.log"))
				}
				continue
			}
			found++
			if seen[m] {
				continue
			}
			seen[m] = true
			name, class, key := rotation(filepath.Base(m))
			setKey := filepath.Join(filepath.Dir(m), name)
			if byKey[setKey] == nil {
				byKey[setKey] = &fileSet{name: name, glob: glob}
				order = append(order, setKey)
			}
			files[setKey] = append(files[setKey], ordered{m, class, key})
		}
		if found == 0 {
			return nil, fmt.Errorf("logs source %s: no file matches %q; hint: check paths in the source's config, and that hindsight may read the directory", s.c.Name, glob)
		}
	}
	sort.Strings(order)
	// Two sets of one name in different directories (site1/access.log,
	// site2/access.log) are told apart by their directory.
	names := map[string]int{}
	for _, k := range order {
		names[byKey[k].name]++
	}
	for _, k := range order {
		if set := byKey[k]; names[set.name] > 1 {
			set.name = filepath.Join(filepath.Base(filepath.Dir(k)), set.name)
		}
	}
	out := make([]*fileSet, 0, len(order))
	for _, k := range order {
		fs := files[k]
		sort.Slice(fs, func(i, j int) bool {
			if fs[i].class != fs[j].class {
				return fs[i].class < fs[j].class
			}
			return fs[i].key < fs[j].key
		})
		set := byKey[k]
		for _, f := range fs {
			set.files = append(set.files, f.path)
		}
		out = append(out, set)
	}
	return out, nil
}

// Fetch reads every file set and returns its series, events and patterns
// inside w, counted per step.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, fmt.Errorf("logs source %s: %w", s.c.Name, err)
	}
	if step <= 0 {
		return nil, fmt.Errorf("logs source %s: step %v is not positive", s.c.Name, step)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sets, err := s.sets()
	if err != nil {
		return nil, err
	}
	ds := &sources.Dataset{Window: w, Step: step}
	for _, set := range sets {
		a := newAggregator(s, set, w, step)
		for _, path := range set.files {
			if err := a.readFile(ctx, path); err != nil {
				return nil, err
			}
		}
		a.emit(ds)
	}
	ds.Sort()
	return ds, nil
}

// fileStats is what one file gave.
type fileStats struct {
	lines, bad int
	firstBad   int
	badText    string
}

// readFile streams one file of a set into the aggregator.
func (a *aggregator) readFile(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("logs source %s: %w; hint: check that hindsight may read it", a.s.c.Name, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			a.gap(path, fmt.Sprintf("not a readable gzip file (%v); hint: try gzip -t", err))
			return nil
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 256<<10)
	}

	var p lineParser
	switch a.s.c.Format {
	case FormatNginx:
		p = nginxParser{}
	case FormatSyslog:
		p = a.syslog
	}
	var st fileStats
	var pending []numbered // lines read while detecting the format
	var buf []byte
	var rec Record
	stopAfter := a.w.To.Add(time.Hour)
	handle := func(line []byte, n int) (stop bool) {
		if len(bytes.TrimSpace(line)) == 0 {
			return false
		}
		switch p.parse(line, &rec, a.w) {
		case malformed:
			st.bad++
			if st.firstBad == 0 {
				st.firstBad, st.badText = n, truncate(string(line), 80)
			}
		case outside:
			a.cover(rec.T)
			// Logs are written in time order, give or take a little:
			// past the window by an hour, the rest of the file is too.
			// Not when the year was guessed: in a file that spans more
			// than a year, last year's line may look like one just after
			// the window.
			return !rec.guessedYear && rec.T.After(stopAfter)
		case parsed:
			a.cover(rec.T)
			a.add(p.format(), &rec, path, n, line)
		}
		return false
	}
	var readErr error
	for {
		line, err := readLine(br, &buf)
		if err == io.EOF {
			break
		}
		if errors.Is(err, errLineTooLong) {
			st.lines++
			st.bad++
			if st.firstBad == 0 {
				st.firstBad, st.badText = st.lines, "(a line longer than 1 MiB)"
			}
			continue
		}
		if err != nil {
			readErr = err
			break
		}
		st.lines++
		if st.lines%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("logs source %s: read %s: %w", a.s.c.Name, path, err)
			}
		}
		if p == nil {
			if len(bytes.TrimSpace(line)) > 0 {
				pending = append(pending, numbered{bytes.Clone(line), st.lines})
			}
			if len(pending) < detectLines {
				continue
			}
			if p = a.detect(pending); p == nil {
				break
			}
			if replay(pending, handle) {
				break
			}
			pending = nil
			continue
		}
		if handle(line, st.lines) {
			break
		}
	}
	if p == nil && len(pending) > 0 {
		if p = a.detect(pending); p != nil {
			replay(pending, handle)
		}
	}
	if p == nil && len(pending) > 0 {
		a.gap(path, "format not recognised (neither nginx/apache combined nor syslog); hint: set format, or check the first lines")
	}
	if st.bad > 0 {
		a.gap(path, fmt.Sprintf("%d of %d lines read not understood, first at line %d: %q", st.bad, st.lines, st.firstBad, st.badText))
	}
	if readErr != nil {
		a.gap(path, fmt.Sprintf("read failed after line %d (%v); kept the lines before it", st.lines, readErr))
	}
	return nil
}

// detectLines is how many non-empty lines decide a file's format.
const detectLines = 10

// detect picks the format that understands most of lines; nil if none does.
func (a *aggregator) detect(lines []numbered) lineParser {
	var best lineParser
	bestN := 0
	var rec Record
	all := sources.Window{From: time.Unix(0, 0), To: time.Unix(1<<40, 0)}
	for _, p := range []lineParser{nginxParser{}, a.syslog} {
		n := 0
		for _, l := range lines {
			if p.parse(l.text, &rec, all) != malformed {
				n++
			}
		}
		if n > bestN {
			best, bestN = p, n
		}
	}
	return best
}

// numbered is a line and its 1-based number.
type numbered struct {
	text []byte
	n    int
}

// replay handles the lines buffered for detection.
func replay(lines []numbered, handle func([]byte, int) bool) bool {
	for _, l := range lines {
		if handle(l.text, l.n) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// maxLine bounds one line, so that a file without newlines cannot take all
// memory.
const maxLine = 1 << 20

var errLineTooLong = errors.New("line longer than 1 MiB")

// readLine returns the next line without its newline; buf is scratch space
// for lines longer than the reader's buffer. A partial line before a read
// error is dropped.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		*buf = append((*buf)[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = br.ReadSlice('\n')
			if len(*buf) > maxLine {
				// Drop the rest of the line, so that reading goes on
				// at the next one.
				for err == bufio.ErrBufferFull {
					_, err = br.ReadSlice('\n')
				}
				if err != nil && err != io.EOF {
					return nil, err
				}
				return nil, errLineTooLong
			}
			*buf = append(*buf, line...)
		}
		line = *buf
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if len(line) == 0 && err == io.EOF {
		return nil, io.EOF
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}
