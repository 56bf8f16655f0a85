package report

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

// view is what every renderer reads: the findings plus the zone to show
// times in and the notes the report itself adds.
type view struct {
	*analyze.Findings
	loc   *time.Location
	notes []string
}

func newView(f *analyze.Findings) *view {
	v := &view{Findings: f, loc: time.UTC}
	if loc, err := time.LoadLocation(f.Zone); err != nil {
		v.notes = append(v.notes, fmt.Sprintf("Time zone %q could not be loaded (%v); times are shown in UTC.", f.Zone, err))
	} else {
		v.loc = loc
	}
	// Sources write the times in their gaps and notes as they read them
	// (often UTC, the servers' clocks); the report speaks the profile's
	// zone throughout.
	c := *f
	c.Gaps = v.localGaps(f.Gaps, false)
	v.Findings = &c
	for _, n := range f.Notes {
		v.notes = append(v.notes, v.localText(n, false))
	}
	return v
}

// instant is a time with its zone in a source's text: RFC 3339
// ("2025-11-20T05:05:10Z", "...+09:00") or "2025-11-20 05:05:10 UTC".
// Times without a zone are left alone: whose clock they are is unknown.
var instant = regexp.MustCompile(`\b\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)| \d\d:\d\d(?::\d\d)? UTC)`)

// localText rewrites the instants in s into the report's zone: RFC 3339
// for JSON (rfc), else as the report's text writes times.
func (v *view) localText(s string, rfc bool) string {
	return instant.ReplaceAllStringFunc(s, func(m string) string {
		t, err := time.Parse(time.RFC3339Nano, m)
		if err != nil {
			t, err = time.Parse("2006-01-02 15:04:05 MST", m)
		}
		if err != nil {
			t, err = time.Parse("2006-01-02 15:04 MST", m)
		}
		if err != nil {
			return m
		}
		if rfc {
			return t.In(v.loc).Format(time.RFC3339Nano)
		}
		if t.Second() == 0 && t.Nanosecond() == 0 {
			return v.at(t)
		}
		return v.local(t).Format("2006-01-02 15:04:05") + " " + v.zone(t)
	})
}

// localGaps is gs with their times in the report's zone.
func (v *view) localGaps(gs []sources.Gap, rfc bool) []sources.Gap {
	if gs == nil {
		return nil
	}
	out := make([]sources.Gap, len(gs))
	for i, g := range gs {
		g.What, g.Reason = v.localText(g.What, rfc), v.localText(g.Reason, rfc)
		out[i] = g
	}
	return out
}

func (v *view) local(t time.Time) time.Time { return t.In(v.loc) }

// zone is the abbreviation in effect at t ("KST", "CET"), or the UTC
// offset when the zone has no letters for it ("UTC-03").
func (v *view) zone(t time.Time) string {
	z := v.local(t).Format("MST")
	if strings.HasPrefix(z, "+") || strings.HasPrefix(z, "-") {
		z = "UTC" + z
	}
	return z
}

// zoneLabel names the zone of the whole window, for table headers: the
// abbreviation, or the IANA name when the window crosses a DST change.
func (v *view) zoneLabel() string {
	from, to := v.zone(v.Window.From), v.zone(v.lastInstant())
	if from != to {
		return v.loc.String()
	}
	return from
}

func (v *view) lastInstant() time.Time {
	if v.Window.To.After(v.Window.From) {
		return v.Window.To.Add(-time.Nanosecond)
	}
	return v.Window.From
}

// oneDay reports whether the window lies within one local date, so that
// clock times alone are unambiguous.
func (v *view) oneDay() bool {
	return date(v.local(v.Window.From)) == date(v.local(v.lastInstant()))
}

func date(t time.Time) string { return t.Format(time.DateOnly) }

// day is "Thu 2025-11-20".
func (v *view) day(t time.Time) string { return v.local(t).Format("Mon 2006-01-02") }

// clock is "14:05" in local time.
func (v *view) clock(t time.Time) string { return v.local(t).Format("15:04") }

// at is "2025-11-20 14:05 KST".
func (v *view) at(t time.Time) string {
	return v.local(t).Format("2006-01-02 15:04") + " " + v.zone(t)
}

// inDay reports whether t falls on the local date of a one-day window,
// whose date the report has already given.
func (v *view) inDay(t time.Time) bool {
	return v.oneDay() && date(v.local(t)) == date(v.local(v.Window.From))
}

// when is "03:00 KST" for a time on the date of a one-day window, else
// "2025-11-20 03:00 KST".
func (v *view) when(t time.Time) string {
	if v.inDay(t) {
		return v.clock(t) + " " + v.zone(t)
	}
	return v.at(t)
}

// stamp is a time to the second, without its zone: the clock alone on the
// date of a one-day window, else the date too.
func (v *view) stamp(t time.Time) string {
	if v.inDay(t) {
		return v.local(t).Format("15:04:05")
	}
	return v.local(t).Format("2006-01-02 15:04:05")
}

// span is "2025-11-20 14:05 – 14:12 KST", with both dates when they
// differ, or one time when both fall in the same minute.
func (v *view) span(from, to time.Time) string {
	a, b := v.local(from), v.local(to)
	if a.Format("2006-01-02 15:04") == b.Format("2006-01-02 15:04") {
		return v.at(from)
	}
	if date(a) == date(b) && v.zone(from) == v.zone(to) {
		return a.Format("2006-01-02 15:04") + " – " + b.Format("15:04") + " " + v.zone(to)
	}
	if v.zone(from) == v.zone(to) {
		return a.Format("2006-01-02 15:04") + " – " + b.Format("2006-01-02 15:04") + " " + v.zone(to)
	}
	return v.at(from) + " – " + v.at(to)
}

// fromTo is "from 14:05 to 14:12 KST on Thu 2025-11-20", naming both days
// when they differ.
func (v *view) fromTo(from, to time.Time) string {
	if date(v.local(from)) == date(v.local(to)) && v.zone(from) == v.zone(to) {
		return fmt.Sprintf("from %s to %s %s on %s", v.clock(from), v.clock(to), v.zone(to), v.day(from))
	}
	return fmt.Sprintf("from %s %s on %s to %s %s on %s",
		v.clock(from), v.zone(from), v.day(from), v.clock(to), v.zone(to), v.day(to))
}

// human is a span of time for people: "45s", "7m", "7m 30s", "1h 20m",
// "36h", "2d 3h". It keeps the two largest units, rounding the second,
// and counts days only from two days on.
func human(d time.Duration) string {
	if d < 0 {
		return "-" + human(-d)
	}
	if d.Round(time.Second) == 0 {
		if d == 0 {
			return "0s"
		}
		return "<1s"
	}
	units := []struct {
		d    time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	if d < 48*time.Hour {
		units = units[1:] // "36h" reads better than "1d 12h"
	}
	for i, u := range units {
		next := time.Second
		if i+1 < len(units) {
			next = units[i+1].d
		}
		r := d.Round(next)
		if r < u.d {
			continue
		}
		major, minor := r/u.d, (r%u.d)/next
		if minor == 0 || u.d == time.Second {
			return fmt.Sprintf("%d%s", major, u.name)
		}
		return fmt.Sprintf("%d%s %d%s", major, u.name, minor, units[i+1].name)
	}
	return "0s" // not reached: d rounds to at least a second
}

// latency is a response time: "0.4ms", "212ms", "4.21s", "12.3s", "2m 5s".
func latency(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d < 0:
		return "-" + latency(-d)
	case d < time.Millisecond:
		return num(float64(d)/float64(time.Millisecond)) + "ms"
	case d < time.Second:
		return strconv.FormatInt(int64(d.Round(time.Millisecond)/time.Millisecond), 10) + "ms"
	case d < time.Minute:
		return num(d.Seconds()) + "s"
	}
	return human(d)
}

// seconds turns a value in seconds into a duration for latency.
func seconds(x float64) time.Duration { return time.Duration(math.Round(x * float64(time.Second))) }

// num is a number with three significant digits at most in its fraction:
// 182, 12.3, 4.21, 0.0312.
func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "n/a"
	}
	dec := 0
	if a := math.Abs(x); a != 0 && a < 100 {
		dec = min(2-int(math.Floor(math.Log10(a))), 6)
	}
	s := strconv.FormatFloat(x, 'f', dec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// value is x in unit for people: latencies as durations, bytes with SI
// prefixes, anything else as the number and its unit.
func value(x float64, unit string) string {
	switch unit {
	case "s":
		return latency(seconds(x))
	case "ms":
		return latency(time.Duration(math.Round(x * float64(time.Millisecond))))
	case "%":
		return num(x) + "%"
	case "":
		return num(x)
	case "B", "bytes", "B/s":
		suffix := strings.TrimPrefix(strings.TrimPrefix(unit, "bytes"), "B")
		for _, p := range []string{"", "k", "M", "G", "T"} {
			if math.Abs(x) < 1000 || p == "T" {
				return num(x) + " " + p + "B" + suffix
			}
			x /= 1000
		}
	}
	// A count per second is written "0.2/s": "0.2 1/s" reads as two numbers.
	if per, ok := strings.CutPrefix(unit, "1/"); ok {
		return num(x) + "/" + per
	}
	if x == 1 && len(unit) > 2 && strings.HasSuffix(unit, "s") && !strings.ContainsAny(unit, "/%") {
		unit = unit[:len(unit)-1] // "1 line", "1 check"
	}
	return num(x) + " " + unit
}

// ratio is "23×", or "" when analyze left it undefined (0).
func ratio(x float64) string {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return ""
	}
	return num(x) + "×"
}

// percent is an availability in 0..1 as "99.02%". It rounds down, so that
// "100%" means no failed check at all; -1 (no checks) is "n/a".
func percent(a float64) string {
	switch {
	case a < 0 || math.IsNaN(a):
		return "n/a"
	case a >= 1:
		return "100%"
	}
	return fmt.Sprintf("%.2f%%", math.Floor(a*10000+1e-9)/100)
}

// score is a suspect's score in [0,1] as "0.86".
func score(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

var sparks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws vals, latencies in seconds, as bars on a scale from 0 to
// top or their maximum, whichever is higher. Heights are proportional to
// the values; a top above the window's maximum (twice the baseline p95 in
// the callers) keeps a steady line low instead of filling the cell. A 0 is
// a bucket without a successful check and shows as "·"; negative and NaN
// values as blanks.
func sparkline(vals []float64, top float64) string {
	hi := top
	for _, x := range vals {
		if x > hi {
			hi = x
		}
	}
	var b strings.Builder
	for _, x := range vals {
		switch {
		case math.IsNaN(x) || x < 0:
			b.WriteRune(' ')
		case x == 0:
			b.WriteRune('·')
		case math.IsInf(hi, 0):
			b.WriteRune(sparks[0])
		default:
			b.WriteRune(sparks[int(math.Round(x/hi*float64(len(sparks)-1)))])
		}
	}
	return b.String()
}

// latencyLine is the sparkline of one probe's impact, with ✗ where checks
// failed: a 7-minute outage in a 1-hour bucket hardly moves its mean
// latency, and a failed check has none.
func latencyLine(im analyze.Impact) string {
	line := []rune(sparkline(im.Sparkline, 2*im.BaseP95.Seconds()))
	for i, f := range im.SparkFailed {
		if f > 0 && i < len(line) {
			line[i] = failMark
		}
	}
	return string(line)
}

// failMark marks a sparkline bucket with failed checks.
const failMark = '✗'

// hours names a time class for people.
func hours(c analyze.TimeClass) string {
	switch c {
	case analyze.BusinessHours:
		return "business hours"
	case analyze.OffHours:
		return "off-hours"
	case analyze.Weekend:
		return "weekend"
	case analyze.Holiday:
		return "holiday"
	}
	return string(c)
}

// kind names a symptom kind for people.
func kind(k analyze.SymptomKind) string {
	return strings.ReplaceAll(string(k), "_", " ")
}

// lead says when a suspect began relative to its symptom, a noun such as
// "outage": "began 1m 8s before the outage", "began 20s into the outage".
func lead(d time.Duration, symptom string) string {
	switch {
	case d > 0:
		return "began " + human(d) + " before the " + symptom
	case d < 0:
		return "began " + human(-d) + " into the " + symptom
	}
	return "began with the " + symptom
}

// oneLine makes s safe for one line of text or a table cell.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// plural is "1 probe", "2 probes", "3 series", "2 more lines".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "series"):
	case strings.HasSuffix(noun, "y"):
		noun = strings.TrimSuffix(noun, "y") + "ies"
	default:
		noun += "s"
	}
	return strconv.Itoa(n) + " " + noun
}
