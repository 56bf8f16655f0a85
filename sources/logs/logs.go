// Package logs is the source for log files on disk and log objects in S3
// (s3.go, sources/logs/s3src): access logs, syslog, JSON lines, logfmt,
// Java and any timestamped lines, AWS's load balancer, CloudFront, S3,
// VPC flow, WAF and CloudTrail logs; plain, gzip-compressed and rotated.
//
// It sits with the other backends between config and analyze and knows
// nothing about incidents. From the lines inside the fetched window it
// makes, per file set (access.log with its rotations access.log.1,
// access.log.2.gz, ...):
//
//   - for access logs (nginx/apache, an nginx log_format, or JSON lines
//     with a status), Series of requests/s, 5xx/s and request time p50, p95
//     and p99 per step, labelled {file: "access.log"}, named after what
//     wrote them: "nginx ..." for combined access logs ("apache ..." for
//     format: apache or an Apache LogFormat), "alb", "elb",
//     "cloudfront" or "s3 ..." for AWS's, "http ..." for an
//     application's JSON or logfmt lines;
//   - Events for cron jobs (backups among them), service restarts, deploys
//     and OOM kills, each with Ref "path:line" (after a seek to the
//     window too: the newlines before are counted, see numberLines);
//   - LogPatterns: access-log lines by method, route and status class
//     ("GET /api/items/<*> 5xx"), other lines by the template the Drain
//     miner (sources/logs/drain) finds for their message, prefixed with the
//     program when the format names one; counts per step. Buckets are
//     sparse: a step in which a pattern did not occur has no Bucket. Each
//     pattern keeps its first lines and lines of its busiest step as
//     examples, sixteen lines of a uniform sample (LogPattern.Sample) for
//     its other bursts, and the values its lines named most in that step
//     (address or client, user agent, referrer, campaign, request:
//     LogPattern.Peak, PeakValues), so that a burst is shown from inside
//     and named by who sent it. A file whose latest stamp lies past its
//     last write (a clock ahead, local time read in another zone) is a
//     gap that says so.
//
// Steps are the window's start floored to the step, in UTC, so the first
// one may begin before the window; the requests and 5xx series have a point
// for every step (0 when quiet), the quantiles only for steps with requests.
//
// Formats are detected per file from its first lines, or set per source
// (Config.Format). A timestamp with an offset keeps it; one without is
// read in the source's zone (Config.Timezone, else Config.Location, the
// profile's), which Fetch names in a note; each file is read on its own. A
// stamp without a year gets the latest year that puts it neither more than
// a week past the window nor past the file's last write (see yearLimit).
//
// Reading: whole files outside the window are skipped by their first and
// last timestamps; a large plain file is entered by binary search near the
// window's start; a file is left ten minutes past the window's end (unless
// its year is guessed, as in syslog); the .gz files of a set are inflated
// ahead on other cores, and sets are read in parallel. Memory does not grow
// with the input: lines are streamed, request times go to a quantile
// sketch past 256 a step, templates are capped (MaxTemplates, then
// "<other>").
//
// In hindsight.yaml:
//
//	sources:
//	  - {name: nginx, type: logs, paths: ["/var/log/nginx/access.log*"]}
//	  - name: api
//	    type: logs
//	    paths: ["/var/log/api/*.json*"]
//	    format: json                   # or leave it out: detected per file
//	    fields: {time: [when], level: [sev], message: [text], latency: [took_ms]}
//	  - name: shop
//	    type: logs
//	    paths: ["/var/log/shop/app.log*"]
//	    format: '<Date> <Time> <Level> \[<Thread>\] <Component>: <Content>'
//	  - name: edge
//	    type: logs
//	    paths: ["/var/log/nginx/edge.log"]
//	    format: >-
//	      log_format edge '$remote_addr [$time_local] "$request" $status
//	      $body_bytes_sent $request_time';
//
// Lines that no parser understands are counted and reported as a Gap, never
// dropped silently, as are a gzip file that breaks off (what was read
// before is kept), a file truncated or rotated away while read, and lines
// past 1 MiB.
package logs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/s3src"
)

// Config is one logs source as configured.
type Config struct {
	Name string
	// Paths are file globs (filepath.Match syntax). Matches are grouped in
	// sets by name without rotation suffix: access.log, access.log.1 and
	// access.log.2.gz are one set, read oldest first.
	Paths []string `mapstructure:"paths"`
	// Format is "" to detect it per file from its first lines, a name
	// (nginx, syslog, json, logfmt, java, generic), an nginx log_format
	// string pasted from nginx.conf, a header pattern in the notation of
	// the logparser tools ("<Date> <Time> <Level> <Component>: <Content>":
	// <Field> names a field, a space matches one or more blanks, the rest
	// is a regular expression), or a regular expression with named groups
	// ((?P<Content>...) is the message; Date/Time groups the timestamp).
	Format string `mapstructure:"format"`
	// Fields names the keys of JSON and logfmt lines; empty lists mean
	// DefaultFields.
	Fields Fields `mapstructure:"fields"`
	// Location is the time zone of timestamps that carry none (syslog,
	// most Java logs); a timestamp with an offset keeps it. It is set by
	// cmd from the profile's time zone; nil means UTC. Each file is read
	// on its own: no convention carries over from one file to the next.
	Location *time.Location `mapstructure:"-"`
	// Timezone, an IANA name ("UTC", "Asia/Seoul"), overrides Location
	// for this source: servers that log in UTC for a team that reads its
	// reports in KST. Empty keeps Location (the profile's zone).
	Timezone string `mapstructure:"timezone"`
	// DeployPattern and BackupPattern are regular expressions (RE2) that
	// make a line a deploy event, and a cron command a backup. Empty means
	// DefaultDeployPattern and DefaultBackupPattern.
	DeployPattern string `mapstructure:"deploy_pattern"`
	BackupPattern string `mapstructure:"backup_pattern"`
	// Layout names the key scheme of s3:// paths (alb, cloudfront,
	// cloudtrail, ...: s3src.LayoutNames), so that only the objects of
	// the window are listed; it also sets their format when Format is
	// empty. AWS is how S3 is reached. See s3.go.
	Layout string       `mapstructure:"layout"`
	AWS    s3src.Config `mapstructure:",squash"`
}

// Defaults for Config's patterns.
const (
	DefaultDeployPattern = `(?i)\bdeploy(ed|ing)?\b|release v?\d`
	DefaultBackupPattern = `(?i)backup|dump|snapshot|pg_basebackup|borg|restic`
)

// MaxTemplates bounds the templates kept per file set; lines of further
// templates are counted in one "<other>" pattern.
const MaxTemplates = 1000

// MaxEvents bounds the events kept per file set (a Note says how many
// more there were), so that memory does not grow with the input.
const MaxEvents = 20000

// Source reads a set of log files.
type Source struct {
	c         Config
	spec      formatSpec
	layout    *s3src.Layout
	deployRe  *regexp.Regexp
	backupRe  *regexp.Regexp
	reportLoc *time.Location // the profile's zone, for the times gaps write
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// zones sets c.Location to the zone stamps without an offset are read in
// (Timezone, else the profile's Location, else UTC) and returns the zone
// the source writes its own times in (gaps): the report's, the profile's.
func (c *Config) zones() (report *time.Location, err error) {
	report = c.Location
	if report == nil {
		report = time.UTC
	}
	c.Location = report
	if c.Timezone != "" {
		if c.Location, err = time.LoadLocation(c.Timezone); err != nil {
			return nil, fmt.Errorf("timezone: %w; hint: use an IANA name such as UTC or Europe/Berlin", err)
		}
	}
	return report, nil
}

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
		if s3src.IsURL(p) {
			loc, err := s3src.ParseURL(p)
			if err != nil {
				return nil, fmt.Errorf("logs source %s: path: %w", c.Name, err)
			}
			if loc.Prefix == "" && c.Layout == "" {
				return nil, fmt.Errorf("logs source %s: %s without a layout would list the whole bucket; hint: set layout (%s) or name a prefix, s3://%s/PREFIX/",
					c.Name, p, strings.Join(s3src.LayoutNames(), ", "), loc.Bucket)
			}
			continue
		}
		if _, err := filepath.Match(p, ""); err != nil {
			return nil, fmt.Errorf("logs source %s: path %q: %w", c.Name, p, err)
		}
	}
	spec, err := parseFormat(c.Format)
	if err != nil {
		return nil, fmt.Errorf("logs source %s: format: %w", c.Name, err)
	}
	reportLoc, err := c.zones()
	if err != nil {
		return nil, fmt.Errorf("logs source %s: %w", c.Name, err)
	}
	s := &Source{c: c, spec: spec, reportLoc: reportLoc}
	if s.layout, err = s3src.LookupLayout(c.Layout); err != nil {
		return nil, fmt.Errorf("logs source %s: layout: %w", c.Name, err)
	}
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
	sets, irregular, err := s.find()
	if err != nil {
		return "", err
	}
	remote, err := s.checkS3(ctx)
	if err != nil {
		return "", err
	}
	if len(sets) == 0 && remote == "" && len(irregular) > 0 {
		return "", fmt.Errorf("logs source %s: %s", s.c.Name, irregular[0].Reason)
	}
	if len(sets) == 0 && remote != "" {
		return remote, nil
	}
	n := 0
	formats := map[string]int{}
	for _, st := range sets {
		n += len(st.files)
		if f := s.setFormat(st); f != "" {
			formats[f]++
		}
	}
	files, setWord := "log files", "sets"
	if n == 1 {
		files = "log file"
	}
	if len(sets) == 1 {
		setWord = "set"
	}
	out := fmt.Sprintf("%d %s in %d %s", n, files, len(sets), setWord)
	if len(formats) > 0 {
		names := make([]string, 0, len(formats))
		for f := range formats {
			names = append(names, f)
		}
		sort.Strings(names)
		out += " (" + strings.Join(names, ", ") + ")"
	}
	if remote != "" {
		out += "; " + remote
	}
	if len(irregular) > 0 {
		out += fmt.Sprintf("; %d not regular files skipped (%s)", len(irregular), irregular[0].What)
	}
	return out, nil
}

// setFormat is the format of a set's newest file, as Fetch would find it;
// "" when it has no lines or none it knows.
func (s *Source) setFormat(set *fileSet) string {
	fr := &fileReader{spec: s.spec, env: parserEnv{loc: s.c.Location, ref: time.Now(), fields: s.c.Fields}}
	f, err := lines.Open(set.files[len(set.files)-1])
	if err != nil {
		return ""
	}
	defer f.Close()
	var magic [2]byte
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return "" // not worth inflating for a check
	}
	p := fr.spec.parser(fr.env)
	if p == nil {
		p = fr.detectAt(f)
	}
	if p == nil {
		return ""
	}
	return p.format()
}

// fileSet is one log and its rotations, oldest first.
type fileSet struct {
	name  string // base name without rotation suffix: "access.log"
	glob  string // the configured glob that found it
	files []string
	spec  *formatSpec // the set's own format (an S3 layout's), nil for the source's
	// stats are the files as listed: a file opened later that is not
	// the one listed was rotated in between (renamed, and a new one
	// created under its name).
	stats map[string]os.FileInfo
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
	sets, _, err := s.find()
	return sets, err
}

// find is sets, and a gap for each match that is not a regular file: only
// regular files are logs. A FIFO would block the read in open() and a
// device (/dev/zero) never ends, so neither is opened; each is named.
func (s *Source) find() ([]*fileSet, []sources.Gap, error) {
	var irregular []sources.Gap
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
		if s3src.IsURL(glob) {
			continue // s3.go
		}
		matches, err := filepath.Glob(glob)
		if err != nil {
			return nil, nil, fmt.Errorf("logs source %s: path %q: %w", s.c.Name, glob, err)
		}
		literal := !strings.ContainsAny(glob, `*?[\`)
		found := 0
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				return nil, nil, fmt.Errorf("logs source %s: %w", s.c.Name, err)
			}
			if st.IsDir() {
				if literal {
					return nil, nil, fmt.Errorf("logs source %s: %s is a directory; hint: name the files, e.g. %s",
						s.c.Name, m, filepath.Join(m, "*.log"))
				}
				continue
			}
			if err := lines.Regular(m, st.Mode()); err != nil {
				found++
				if !seen[m] {
					seen[m] = true
					irregular = append(irregular, sources.Gap{Source: s.c.Name, What: m, Reason: "not read: " + err.Error()})
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
				byKey[setKey] = &fileSet{name: name, glob: glob, stats: map[string]os.FileInfo{}}
				order = append(order, setKey)
			}
			byKey[setKey].stats[m] = st
			files[setKey] = append(files[setKey], ordered{m, class, key})
		}
		if found == 0 {
			return nil, nil, fmt.Errorf("logs source %s: no file matches %q; hint: check paths in the source's config, and that hindsight may read the directory", s.c.Name, glob)
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
	return out, irregular, nil
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
	sets, irregular, err := s.find()
	if err != nil {
		return nil, err
	}
	if afterFind != nil {
		afterFind()
	}
	remote, err := s.fetchS3(ctx, w)
	if err != nil {
		return nil, err
	}
	// Sets are independent: one goroutine each, one per core at a time,
	// each its own aggregator; their results are merged in set order.
	aggs := make([]*aggregator, len(sets))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(runtime.GOMAXPROCS(0), 1))
	for i, set := range sets {
		g.Go(func() error {
			a := newAggregator(s, set, w, step)
			if err := a.readSet(gctx, set.files); err != nil {
				return err
			}
			aggs[i] = a
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ds := &sources.Dataset{Window: w, Step: step, Gaps: irregular}
	for _, a := range aggs {
		a.emit(ds)
	}
	if err := remote.read(ctx, s, w, step, ds); err != nil {
		return nil, err
	}
	// The zone assumed for stamps without an offset decides where every
	// such line falls: the report says which it was, source by source,
	// and for how many lines. Stamps that carry their offset (RFC 3339
	// with Z, nginx's $time_local, epoch numbers) assumed nothing.
	zoneless := 0
	for _, a := range aggs {
		zoneless += a.zoneless
	}
	if remote != nil {
		zoneless += remote.zoneless
	}
	// The report's inputs line says it (not a note as well: one place).
	if zoneless > 0 {
		ds.Zones = map[string]string{s.c.Name: s.c.Location.String()}
		ds.ZoneLines = map[string]int{s.c.Name: zoneless}
	}
	ds.Sort()
	return ds, nil
}

// afterFind runs between listing the files and reading them (tests).
var afterFind func()

// readSet reads the files of a set, oldest first. Files wholly outside
// the window are skipped by their first and last timestamps: a file
// whose next (newer) rotation starts before the window ends before it;
// a plain file's last line is read from its end; a file that starts past
// the window (and the slack) is after it. Years guessed (syslog) never
// skip a file.
func (a *aggregator) readSet(ctx context.Context, files []string) error {
	fr := a.reader()
	firsts := make([]time.Time, len(files))
	known := make([]bool, len(files))
	{
		for i, f := range files {
			t, guessed, ok := fr.firstTime(ctx, f)
			firsts[i], known[i] = t, ok && !guessed
		}
	}
	before := a.w.From.Add(-maxDisorder)
	after := a.w.To.Add(stopSlack)
	skip := make([]bool, len(files))
	// A plain file whose last line is older than its first (two logs
	// concatenated newest first, a file written in reverse) is out of
	// time order: skipping it by its first line, seeking in it or
	// stopping at the window's end would lose lines. It is read whole,
	// and a gap says so.
	backwards := make([]string, len(files))
	for i, f := range files {
		if last, ok := fr.lastTime(f); ok && known[i] && last.Before(firsts[i]) {
			backwards[i] = fmt.Sprintf("times go backwards: the last line (%s) is older than the first (%s), as when two logs are concatenated; the file was read whole, not stopped at the window's end",
				last.UTC().Format(time.RFC3339), firsts[i].UTC().Format(time.RFC3339))
		}
	}
	for i, f := range files {
		switch {
		case backwards[i] != "":
		case known[i] && firsts[i].After(after):
			skip[i] = true
		case i+1 < len(files) && known[i+1] && firsts[i+1].Before(before):
			skip[i] = true
		default:
			if last, ok := fr.lastTime(f); ok && last.Before(before) {
				skip[i] = true
				a.cover(last)
			}
		}
		if skip[i] && known[i] {
			a.cover(firsts[i])
			// And its last line: a gap that says what the files cover
			// must not show a day's file as the second of its first line.
			if last, ok := fr.lastTime(f); ok {
				a.cover(last)
			}
		}
	}
	// Decode .gz files ahead: the one read and the next, one per core.
	fr.pre = map[string]*inflater{}
	started := make([]bool, len(files))
	ahead := decodeAhead()
	defer func() {
		for _, in := range fr.pre {
			in.close()
		}
	}()
	for i, f := range files {
		if skip[i] {
			a.skipped++
			continue
		}
		for j, k := i, 0; j < len(files) && k < ahead; j++ {
			if skip[j] {
				continue
			}
			k++
			if !started[j] {
				started[j] = true
				if in := startInflate(files[j]); in != nil {
					fr.pre[files[j]] = in
				}
			}
		}
		if backwards[i] != "" {
			fr.whole = true
			err := a.readFile(ctx, fr, f)
			fr.whole = false
			if err != nil {
				return err
			}
			a.gap(f, backwards[i])
			continue
		}
		if err := a.readBig(ctx, fr, f); err != nil {
			return err
		}
	}
	return nil
}

// parallelMin is the span of a plain file (in the window) from which it
// is read in chunks on all cores.
var parallelMin int64 = 64 << 20 // a variable for tests

// readBig reads one file; a large plain one in as many chunks as there
// are cores, each with its own aggregator, merged in order after. Chunks
// start at lines the format reads, so that a stack trace is not cut from
// its event. Lines are numbered across the chunks when the file is read
// from its start; after a seek to the window they are named by byte offset
// while read, and numbered after (numberLines).
func (a *aggregator) readBig(ctx context.Context, fr *fileReader, path string) error {
	k := runtime.GOMAXPROCS(0)
	f, err := lines.Open(path)
	if k < 2 || err != nil {
		return a.readFile(ctx, fr, path)
	}
	defer f.Close()
	st, err := f.Stat()
	var magic [2]byte
	if err != nil || !st.Mode().IsRegular() || st.Size() < parallelMin {
		return a.readFile(ctx, fr, path)
	}
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return a.readFile(ctx, fr, path)
	}
	p := fr.spec.parser(fr.env)
	if p == nil {
		if p = fr.detectAt(f); p == nil {
			return a.readFile(ctx, fr, path)
		}
	}
	if m, ok := p.(multiliner); ok && m.multiline() {
		// Chunks would start at headers, but a header's continuation
		// lines could still straddle a boundary found by timeAt; keep
		// multi-line formats on one core.
		return a.readFile(ctx, fr, path)
	}
	start := fr.seekStart(f, st.Size(), p)
	end := fr.seekEnd(f, start, st.Size(), p)
	if end-start < parallelMin {
		return a.readFile(ctx, fr, path)
	}
	bounds := []int64{start}
	buf := make([]byte, probeSize)
	for i := 1; i < k; i++ {
		off := start + (end-start)*int64(i)/int64(k)
		if _, at, ok := timeAt(f, buf, off, p); ok && at > bounds[len(bounds)-1] && at < end {
			bounds = append(bounds, at)
		}
	}
	bounds = append(bounds, end)
	subs := make([]*aggregator, len(bounds)-1)
	lines := make([]int, len(subs))
	// Read from the file's start, the chunks number their lines from 1
	// and the lines of the chunks before are added after: every line is
	// named by its number. After a seek to the window, the lines before it
	// are not counted while reading: lines are named by byte offset, and
	// numbered after the merge (numberLines).
	numbered := start == 0
	g, gctx := errgroup.WithContext(ctx)
	for i := range subs {
		sub := newAggregator(a.s, a.set, a.w, time.Duration(a.step))
		sfr := sub.reader()
		sfr.from, sfr.to, sfr.chunkLines = bounds[i], bounds[i+1], numbered
		subs[i] = sub
		g.Go(func() error {
			st, err := sfr.read(gctx, path)
			if err != nil {
				if gctx.Err() != nil {
					return fmt.Errorf("logs source %s: read %s: %w", a.s.c.Name, path, err)
				}
				return fmt.Errorf("logs source %s: %w", a.s.c.Name, err)
			}
			for _, gap := range st.gaps {
				sub.gap(path, gap)
			}
			sub.guessed(path, st.years)
			sub.zoneless += st.zoneless
			lines[i] = st.lines
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	before := 0
	for i, sub := range subs {
		if numbered && before > 0 {
			sub.shiftLines(before)
		}
		before += lines[i]
		a.merge(sub)
	}
	if !numbered {
		a.numberLines(ctx, path)
	}
	return nil
}

// shiftLines adds k to the line numbers the aggregator kept (examples and
// events), which it counted from the start of its chunk.
func (a *aggregator) shiftLines(k int) {
	shift := func(ls []sources.LogLine) {
		for i := range ls {
			if ls[i].Line > 0 {
				ls[i].Line += k
			}
		}
	}
	for _, p := range a.patterns {
		shift(p.examples)
		shift(p.peak)
	}
	if a.other != nil {
		shift(a.other.examples)
		shift(a.other.peak)
	}
	for i := range a.held {
		if a.held[i].n > 0 {
			a.held[i].n += k
		}
	}
}

// numberLines names by line number the lines the aggregator kept from
// path (examples, a burst's lines, events) that were read after a seek to
// the window and so are known by byte offset only: the newlines before
// them are counted, reading the file up to the last of them. Counting is
// a byte scan (GB/s), not a parse, and a person acting on a finding needs
// "path:line" to open the file there (issue 15). When the file cannot be
// read as it was (gone, shrunk), the lines keep their offsets: a byte
// offset is still a place in the file.
func (a *aggregator) numberLines(ctx context.Context, path string) {
	var offs []int64
	// The patterns of chunks read on other cores stay in their parts
	// till emit (see merge).
	eachLine := func(p *pattern, f func(l *sources.LogLine)) {
		for i := range p.examples {
			f(&p.examples[i])
		}
		for i := range p.peak {
			f(&p.peak[i])
		}
		for _, s := range p.sample {
			if s.ex != nil {
				f(s.ex)
			}
		}
	}
	each := func(f func(l *sources.LogLine)) {
		for _, part := range append([]*aggregator{a}, a.parts...) {
			for _, p := range part.patterns {
				eachLine(p, f)
			}
			if part.other != nil {
				eachLine(part.other, f)
			}
		}
	}
	unknown := func(l *sources.LogLine) bool { return l.File == path && l.Line == 0 && l.Offset > 0 }
	each(func(l *sources.LogLine) {
		if unknown(l) {
			offs = append(offs, l.Offset)
		}
	})
	for _, h := range a.held {
		if h.path == path && h.n < 0 {
			offs = append(offs, int64(-h.n-1))
		}
	}
	if len(offs) == 0 {
		return
	}
	slices.Sort(offs)
	offs = slices.Compact(offs)
	f, err := lines.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	nums, err := linesAt(ctx, f, offs)
	if err != nil {
		return
	}
	line := func(off int64) int {
		i, _ := slices.BinarySearch(offs, off)
		return nums[i]
	}
	each(func(l *sources.LogLine) {
		if unknown(l) {
			l.Line, l.Offset = line(l.Offset), 0
		}
	})
	for i := range a.held {
		if h := &a.held[i]; h.path == path && h.n < 0 {
			h.n = line(int64(-h.n - 1))
		}
	}
}

// linesAt returns the line number (from 1) of the line that starts at
// each of offs (ascending) in r: one more than the newlines before it.
// The newlines before the first offset (the lines before the window,
// most of the work) are counted on all cores, a part each. An offset past
// the end is an error (the file is not what was read).
func linesAt(ctx context.Context, r io.ReaderAt, offs []int64) ([]int, error) {
	k := int64(runtime.GOMAXPROCS(0))
	if offs[0] < 64<<20 {
		k = 1
	}
	parts := make([]int, k)
	g, gctx := errgroup.WithContext(ctx)
	for i := range k {
		g.Go(func() error {
			var err error
			parts[i], err = countNewlines(gctx, r, offs[0]*i/k, offs[0]*(i+1)/k)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	nl := 0
	for _, c := range parts {
		nl += c
	}
	out := make([]int, len(offs))
	for i := range offs {
		if i > 0 {
			c, err := countNewlines(ctx, r, offs[i-1], offs[i])
			if err != nil {
				return nil, err
			}
			nl += c
		}
		out[i] = nl + 1
	}
	return out, nil
}

// countNewlines counts the newlines in [from, to) of r.
func countNewlines(ctx context.Context, r io.ReaderAt, from, to int64) (int, error) {
	buf := make([]byte, min(1<<20, to-from))
	nl := 0
	for pos := from; pos < to; {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		k := min(int64(len(buf)), to-pos)
		n, err := r.ReadAt(buf[:k], pos)
		nl += bytes.Count(buf[:n], []byte{'\n'})
		pos += int64(n)
		if int64(n) < k {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
	}
	return nl, nil
}

// reader is the file reader that feeds the aggregator.
func (a *aggregator) reader() *fileReader {
	acc := newAccessAdder(a)
	spec := a.s.spec
	if a.set.spec != nil {
		spec = *a.set.spec
	}
	return &fileReader{
		listed:   a.set.stats,
		spec:     spec,
		env:      parserEnv{lazy: true, loc: a.s.c.Location, ref: a.w.To, fields: a.s.c.Fields},
		w:        a.w,
		stopLate: true,
		parsed: func(p lineParser, r *Record, path string, n int, line []byte) {
			if r.Status > 0 {
				if a.accessFormat == "" {
					a.accessFormat = accessKindOf(p)
				}
				acc.add(r, path, n, line)
				return
			}
			a.add(p.format(), r, path, n, line)
		},
		cover:     a.cover,
		access:    acc,
		reportLoc: a.s.reportLoc,
	}
}

// readFile streams one file of a set into the aggregator.
func (a *aggregator) readFile(ctx context.Context, fr *fileReader, path string) error {
	if a.isCloudTrail() {
		return a.readCloudTrail(ctx, fr, path)
	}
	st, err := fr.read(ctx, path)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("logs source %s: read %s: %w", a.s.c.Name, path, err)
		}
		return fmt.Errorf("logs source %s: %w", a.s.c.Name, err)
	}
	for _, g := range st.gaps {
		a.gap(path, g)
	}
	a.guessed(path, st.years)
	a.zoneless += st.zoneless
	if st.seeked > 0 {
		a.numberLines(ctx, path)
	}
	return nil
}

// detectLines is how many non-empty lines decide a file's format.
const detectLines = 10

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
