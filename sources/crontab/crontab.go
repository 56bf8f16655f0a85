// Package crontab is the source for scheduled jobs that have not left a
// trace yet: it reads crontab files and predicts every run inside the
// fetched window as an Event, so that a 03:00 backup is a suspect even when
// its log lines are missing or unread.
//
// It sits with the other backends between config and analyze and knows
// nothing about incidents. It reads the system format (/etc/crontab and
// /etc/cron.d/*, with a user field) and user crontabs (crontab -l,
// /var/spool/cron/crontabs/USER, without one), @daily-style macros, and
// CRON_TZ= and TZ= lines, which set the zone of the entries below them.
// Schedules are parsed by github.com/robfig/cron/v3, the parser the
// project's own scheduler uses; across daylight-saving changes the runs
// are those vixie cron and cronie make (see runs).
//
// A line it cannot read is a Gap naming file:line, never an error: one bad
// entry must not hide the good ones. A path that matches no file is a Gap
// too; only when no file at all could be read is Fetch an error.
package crontab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources"
)

// Config is one crontab source as configured.
type Config struct {
	Name string
	// Paths are files, globs or directories (every file in it, not
	// recursively). A file named crontab in a directory named etc, or any
	// file in a directory named cron.d, is in the system format, with a
	// user field; every other file is a user crontab.
	Paths []string `mapstructure:"paths"`
	// Location is the zone of entries with no CRON_TZ or TZ line above
	// them: the zone of the machine the crontab runs on. Default UTC.
	Location *time.Location `mapstructure:"-"`
	// BackupPattern is a regexp; a command it matches is a backup
	// (sources.KindBackup) rather than a plain cron job. Empty means
	// DefaultBackupPattern.
	BackupPattern string `mapstructure:"backup_pattern"`
}

// DefaultBackupPattern is the pattern of backup commands, the same as the
// logs source's, so a job is a backup whichever source saw it.
const DefaultBackupPattern = `(?i)backup|dump|snapshot|pg_basebackup|borg|restic`

// maxRuns caps the predicted runs of one entry in one fetch: a job every
// minute over a 7-day baseline is 10,080 runs; anything past this is a
// mistake in the window, not a schedule.
const maxRuns = 50_000

// Source predicts the runs of the jobs of some crontab files.
type Source struct {
	c        Config
	backupRe *regexp.Regexp
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// New checks c and returns the source. The files are first read by Fetch
// or Check, so a crontab that appears later is fine.
func New(c Config) (*Source, error) {
	if c.Name == "" {
		c.Name = "crontab"
	}
	if len(c.Paths) == 0 {
		return nil, fmt.Errorf("crontab source %s: no paths\nhint: set paths, e.g. [/etc/crontab, /etc/cron.d, /var/spool/cron/crontabs]", c.Name)
	}
	for _, p := range c.Paths {
		if _, err := filepath.Match(p, ""); err != nil {
			return nil, fmt.Errorf("crontab source %s: path %q: %w\nhint: check the glob's brackets", c.Name, p, err)
		}
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	pat := c.BackupPattern
	if pat == "" {
		pat = DefaultBackupPattern
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("crontab source %s: backup_pattern %q: %w\nhint: write a Go regexp, e.g. (?i)backup|dump", c.Name, pat, err)
	}
	return &Source{c: c, backupRe: re}, nil
}

// Name is the configured name.
func (s *Source) Name() string { return s.c.Name }

// Fetch predicts every run of every entry inside w. Runs are instants
// (End zero): a crontab says when a job starts, not how long it runs.
// step is not used.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, fmt.Errorf("crontab source %s: %w", s.c.Name, err)
	}
	tabs, gaps, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	ds := &sources.Dataset{Window: w, Step: step, Gaps: gaps}
	for _, tab := range tabs {
		for _, e := range tab.entries {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			ref := fmt.Sprintf("%s:%d", tab.path, e.line)
			kind := sources.KindCron
			if s.backupRe.MatchString(e.command) {
				kind = sources.KindBackup
			}
			n := 0
			for t := range e.runs(w) {
				if n == maxRuns {
					ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: ref,
						Reason: fmt.Sprintf("more than %d runs in the window; only the first %d are listed", maxRuns, maxRuns)})
					break
				}
				n++
				ds.Events = append(ds.Events, sources.Event{
					Source: s.c.Name, T: t, Kind: kind, Severity: sources.Info,
					Title:  "cron: " + e.command,
					Detail: "predicted from the crontab (schedule " + e.spec + ")",
					Ref:    ref, Predicted: true,
				})
			}
		}
	}
	slices.SortStableFunc(ds.Events, func(a, b sources.Event) int { return a.T.Compare(b.T) })
	return ds, nil
}

// Check reads the files and counts their entries.
func (s *Source) Check(ctx context.Context) (string, error) {
	tabs, gaps, err := s.read(ctx)
	if err != nil {
		return "", err
	}
	n := 0
	for _, t := range tabs {
		n += len(t.entries)
	}
	msg := plural(len(tabs), "crontab file") + ", " + plural(n, "entry")
	if len(gaps) > 0 {
		msg += fmt.Sprintf(", %d skipped (first: %s)", len(gaps), gaps[0].String())
	}
	return msg, nil
}

// tab is one file's entries.
type tab struct {
	path    string
	entries []entry
}

// read expands the paths and parses every file. Paths that match nothing
// and unreadable files are gaps; it is an error only when no file at all
// was read.
func (s *Source) read(ctx context.Context) ([]tab, []sources.Gap, error) {
	var (
		tabs []tab
		gaps []sources.Gap
		errs []error
	)
	gap := func(what, reason string) {
		gaps = append(gaps, sources.Gap{Source: s.c.Name, What: what, Reason: reason})
	}
	for _, p := range s.c.Paths {
		files, err := expand(p)
		if err != nil {
			errs = append(errs, err)
			gap(p, err.Error())
			continue
		}
		if len(files) == 0 {
			err := fmt.Errorf("no file matches %s", p)
			errs = append(errs, err)
			gap(p, err.Error())
			continue
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			b, err := lines.ReadFile(f, lines.MaxConfigFile) // a FIFO would block, a device never end
			if err != nil {
				errs = append(errs, err)
				gap(f, firstLine(err.Error()))
				continue
			}
			entries, bad := parseFile(string(b), isSystem(f), s.c.Location)
			for _, l := range bad {
				gap(fmt.Sprintf("%s:%d", f, l.line), l.reason)
			}
			tabs = append(tabs, tab{f, entries})
		}
	}
	if len(tabs) == 0 {
		return nil, nil, fmt.Errorf("crontab source %s: no crontab could be read: %w\nhint: check paths; reading /var/spool/cron needs root", s.c.Name, errors.Join(errs...))
	}
	return tabs, gaps, nil
}

// expand returns the files a path names: the file, the glob's matches, or
// a directory's files, sorted. Editor and package-manager leftovers in a
// directory (x~, .x, x.dpkg-old, x.rpmsave) are skipped, as cron skips
// them.
func expand(p string) ([]string, error) {
	matches, err := filepath.Glob(p)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range matches {
		fi, err := os.Stat(m)
		if err != nil {
			continue
		}
		if !fi.IsDir() {
			out = append(out, m)
			continue
		}
		ents, err := os.ReadDir(m)
		if err != nil {
			return nil, fmt.Errorf("read directory %s: %w", m, err)
		}
		for _, e := range ents {
			n := e.Name()
			if e.IsDir() || strings.HasPrefix(n, ".") || strings.HasSuffix(n, "~") ||
				strings.Contains(n, ".dpkg-") || strings.Contains(n, ".rpm") {
				continue
			}
			out = append(out, filepath.Join(m, n))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// isSystem tells the system format (a user field after the schedule) by
// the file's place: /etc/crontab and /etc/cron.d/*.
func isSystem(path string) bool {
	dir := filepath.Base(filepath.Dir(path))
	return dir == "cron.d" || (filepath.Base(path) == "crontab" && dir == "etc")
}

// runs yields the start of every run of e inside w, in order, as cron
// runs them across daylight-saving changes (vixie cron and cronie, for
// changes of up to 3 hours): a job with a fixed minute and hour whose time
// falls in the hour skipped in spring runs right after the change, and one
// whose time comes twice in autumn runs once. Jobs with * in the minute or
// hour field run by the clock, as robfig/cron predicts them.
func (e entry) runs(w sources.Window) func(func(time.Time) bool) {
	return func(yield func(time.Time) bool) {
		emit := func(t time.Time) bool { return t.Before(w.From) || yield(t) }
		// Start a day early, so a run the window begins just after (the
		// first of an autumn twin, the change a skipped run moves to) is
		// known; emit drops what lies before w.From.
		from := w.From.Add(-25 * time.Hour).In(e.loc)
		prev, last := from, time.Time{}
		for t := e.sched.Next(from); !t.IsZero() && t.Before(w.To); t = e.sched.Next(t) {
			if !e.wild {
				if m, ok := e.skippedRun(prev, t); ok && m.Before(w.To) && !emit(m) {
					return
				}
				prev = t
				if !last.IsZero() && wall(last) == wall(t) {
					continue // the autumn hour again: cron does not repeat it
				}
			}
			last = t
			if !emit(t) {
				return
			}
		}
	}
}

// skippedRun returns the instant of a spring-forward change between a and
// b when e was due at a wall-clock time the change skipped; cron runs such
// a job at the change.
func (e entry) skippedRun(a, b time.Time) (time.Time, bool) {
	start, _ := b.ZoneBounds()
	_, offA := a.Zone()
	_, offB := b.Zone()
	gap := time.Duration(offB-offA) * time.Second
	if start.IsZero() || !start.After(a) || gap <= 0 || gap > 3*time.Hour {
		return time.Time{}, false
	}
	// The skipped wall-clock minutes, as UTC times with the same fields,
	// where the schedule can be asked about them without a zone.
	w0 := start.Add(time.Duration(offA) * time.Second).UTC()
	for m := w0; m.Before(w0.Add(gap)); m = m.Add(time.Minute) {
		if e.sched.Next(m.Add(-time.Second)).Equal(m) {
			return start.In(e.loc), true
		}
	}
	return time.Time{}, false
}

// wall is t's wall clock to the minute.
func wall(t time.Time) [5]int {
	return [5]int{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute()}
}

// parser reads the five standard fields and the @ macros, as cron does.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(what, "y"))
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
