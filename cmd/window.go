package cmd

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// timeLayouts are the absolute forms --from, --to and --around take. The
// ones without a zone are read in the profile's time zone.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	time.DateOnly,
}

// parseTime reads an absolute time, "now", or a time relative to now
// ("-6h", "now-2d", "-90m").
func parseTime(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return time.Time{}, fmt.Errorf("empty time")
	case s == "now":
		return now, nil
	case strings.HasPrefix(s, "now-"), strings.HasPrefix(s, "now+"):
		d, err := parseDuration(strings.TrimPrefix(strings.TrimPrefix(s, "now"), "+"))
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: %w", s, err)
		}
		return now.Add(d), nil
	case strings.HasPrefix(s, "-"):
		d, err := parseDuration(s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q: %w", s, err)
		}
		return now.Add(d), nil
	}
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time I can read", s)
}

const timeHint = `hint: write times as RFC 3339 (2025-11-20T03:10:00+09:00), "2025-11-20 03:10" in the profile's time zone, "now", or relative ("-6h", "now-2d")`

// windowHint is the hint for a window longer than hindsight reads.
const windowHint = "hint: narrow --from/--to (or --last); read a longer history as several windows"

// timeError is a usage error for flag's time that err refused, with the
// hint that fits it.
func timeError(flag string, err error) error {
	if errors.Is(err, errTooLong) {
		return usageErrorf("%s: %v\n%s", flag, err, windowHint)
	}
	return usageErrorf("%s: %v\n%s", flag, err, timeHint)
}

// windowOptions are the flags that choose the incident window.
type windowOptions struct {
	from, to      string
	around        string
	before, after string
}

func (o windowOptions) window(now time.Time, loc *time.Location) (sources.Window, error) {
	if o.around != "" {
		if o.from != "" || o.to != "" {
			return sources.Window{}, usageErrorf("--around cannot be combined with --from/--to\nhint: use either --around TIME (with --before/--after) or --from TIME --to TIME")
		}
		t, err := parseTime(o.around, now, loc)
		if err != nil {
			return sources.Window{}, timeError("--around", err)
		}
		b, err := parseDuration(o.before)
		if err != nil || b < 0 {
			return sources.Window{}, usageErrorf("--before: %q is not a duration\n%s", o.before, durationHint(o.before))
		}
		a, err := parseDuration(o.after)
		if err != nil || a < 0 {
			return sources.Window{}, usageErrorf("--after: %q is not a duration\n%s", o.after, durationHint(o.after))
		}
		w := sources.Window{From: t.Add(-b), To: t.Add(a)}
		if err := w.Valid(); err != nil {
			return w, usageErrorf("%v\nhint: --before and --after cannot both be zero", err)
		}
		return w, nil
	}
	if o.from == "" {
		return sources.Window{}, usageErrorf("no window given\nhint: use --around TIME, or --from TIME --to TIME")
	}
	from, err := parseTime(o.from, now, loc)
	if err != nil {
		return sources.Window{}, timeError("--from", err)
	}
	to := now
	if o.to != "" {
		if to, err = parseTime(o.to, now, loc); err != nil {
			return sources.Window{}, timeError("--to", err)
		}
	}
	w := sources.Window{From: from, To: to}
	if err := w.Valid(); err != nil {
		f, t := from.In(loc).Format("2006-01-02 15:04:05 MST"), to.In(loc).Format("2006-01-02 15:04:05 MST")
		if from.Equal(to) {
			return w, usageErrorf("--from and --to are the same time (%s): the window is empty\nhint: give --to a later time, or use --around %q", f, from.In(loc).Format("2006-01-02 15:04"))
		}
		return w, usageErrorf("--from is not before --to: %s is after %s\nhint: swap them, or use --around", f, t)
	}
	return w, nil
}

// durationHint says how to write a duration, with the value given and a
// unit when it was a bare number ("2" → "2h").
func durationHint(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return fmt.Sprintf("hint: give a unit: %sh for hours, %sm for minutes, %sd for days", s, s, s)
	}
	return "hint: write durations like 90s, 30m, 2h, 1h30m, 7d or 2w"
}

// The bounds of what one run reads. A window is refused past maxSpan:
// time.Duration ends at about 292 years. Memory does not limit it (the
// step is raised, and the analysis stores cells only where data is: 225
// years on the demo take 73 MB), so it is set just short of that. Within it, the step is raised so that the fetch
// (window and baseline) holds at most maxSteps steps: the analysis keeps
// a grid per series and log pattern, so memory would otherwise grow with
// the window's length whatever the data (a 10-year window at 1m on the
// demo took 2.9 GB). 100 000 steps is 69 days at 1m.
const (
	maxSpan  = 290 * 365 * 24 * time.Hour
	maxSteps = 100_000
)

// niceSteps are the steps a raised step is rounded up to.
var niceSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	2 * 24 * time.Hour, 7 * 24 * time.Hour, 14 * 24 * time.Hour, 28 * 24 * time.Hour,
}

// fitWindow refuses a fetch window longer than maxSpan (or one whose
// length does not fit a time.Duration) and returns the step to read it
// in, with a note for the report when it had to be raised.
func fitWindow(w sources.Window, step time.Duration) (time.Duration, string, error) {
	span := w.To.Sub(w.From)
	if !w.From.Add(span).Equal(w.To) || span > maxSpan {
		return 0, "", usageErrorf("the window and its baseline span %s .. %s, more than the %d years hindsight reads at once\n%s",
			w.From.Format(time.DateOnly), w.To.Format(time.DateOnly), int(maxSpan/(365*24*time.Hour)), windowHint)
	}
	if step <= 0 || span/step <= maxSteps {
		return step, "", nil
	}
	need := (span + maxSteps - 1) / maxSteps
	fit := niceSteps[len(niceSteps)-1]
	for _, s := range niceSteps {
		if s >= need && s > step {
			fit = s
			break
		}
	}
	for span/fit > maxSteps { // past the table: whole multiples
		fit += niceSteps[len(niceSteps)-1]
	}
	return fit, fmt.Sprintf("the window and its baseline span %.0f days: read in steps of %s instead of %s, so that memory stays bounded (at most %d steps); narrow the window for finer detail",
		span.Hours()/24, fmtStep(fit), fmtStep(step), maxSteps), nil
}

// fmtStep writes a step in its largest whole unit, as a config would
// (trimming "0s" and "0m" off d.String() turned 10m into "1").
func fmtStep(d time.Duration) string {
	for _, u := range []struct {
		d    time.Duration
		unit string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if d >= u.d && d%u.d == 0 {
			return fmt.Sprintf("%d%s", d/u.d, u.unit)
		}
	}
	return d.String()
}
