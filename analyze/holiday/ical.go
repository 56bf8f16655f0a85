package holiday

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ICalEvent is one VEVENT of an iCalendar file (RFC 5545), reduced to what
// a holiday needs: its name, its dates, and a yearly repetition.
//
// This is a small hand-written reader rather than a library: it needs five
// properties of one component, and owning the ~250 lines keeps them fuzzed
// (FuzzParseICS) without a dependency whose other 95% we would not use.
type ICalEvent struct {
	Summary string
	// Start and End bound the event, End excluded; End is zero when the
	// file gives neither DTEND nor DURATION. For an all-day event (DATE
	// values) and a floating one (a DATE-TIME with neither Z nor TZID) they
	// hold the wall clock in UTC, to be read in the calendar's zone.
	Start, End time.Time
	AllDay     bool
	Floating   bool
	Yearly     *Yearly // RRULE:FREQ=YEARLY; nil for a single occurrence
	Line       int     // line of BEGIN:VEVENT
}

// Yearly is an RRULE with FREQ=YEARLY.
type Yearly struct {
	Interval int       // years between occurrences, at least 1
	Count    int       // occurrences in all; 0 for no limit
	Until    time.Time // last possible start; zero for no limit
}

// maxLine bounds one unfolded content line; a longer one is an error, not
// an allocation the size of the input.
const maxLine = 1 << 16

// ParseICS reads the VEVENTs of an iCalendar stream: DTSTART (DATE or
// DATE-TIME, with Z, TZID or floating), DTEND or DURATION, SUMMARY, and
// RRULE when it is FREQ=YEARLY (with INTERVAL, COUNT, UNTIL, and BYMONTH
// or BYMONTHDAY only when they repeat DTSTART's). Lines are unfolded and
// text unescaped. Other components (VTIMEZONE, VALARM, ...) and properties
// are skipped. TZID names are resolved with time.LoadLocation; one it does
// not know (a Windows zone name) is read as floating.
func ParseICS(r io.Reader) ([]ICalEvent, error) {
	lines, err := unfold(r)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 || !strings.EqualFold(lines[0].text, "BEGIN:VCALENDAR") {
		return nil, errors.New("not an iCalendar file: it does not start with BEGIN:VCALENDAR\nhint: export the calendar as .ics")
	}
	var (
		out   []ICalEvent
		stack []string
		ev    *ICalEvent
		dur   time.Duration
		hasD  bool
	)
	for _, l := range lines {
		name, params, value, ok := splitLine(l.text)
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not a property (want NAME:VALUE)", l.n, clip(l.text))
		}
		switch name {
		case "BEGIN":
			comp := strings.ToUpper(value)
			stack = append(stack, comp)
			if comp == "VEVENT" && len(stack) == 2 {
				ev, dur, hasD = &ICalEvent{Line: l.n}, 0, false
			}
			continue
		case "END":
			comp := strings.ToUpper(value)
			if len(stack) == 0 || stack[len(stack)-1] != comp {
				return nil, fmt.Errorf("line %d: END:%s does not close an open component", l.n, clip(value))
			}
			stack = stack[:len(stack)-1]
			if comp == "VEVENT" && ev != nil && len(stack) == 1 {
				if ev.Start.IsZero() {
					return nil, fmt.Errorf("line %d: event without DTSTART", ev.Line)
				}
				if hasD && ev.End.IsZero() {
					ev.End = ev.Start.Add(dur)
				}
				if !ev.End.IsZero() && ev.End.Before(ev.Start) {
					return nil, fmt.Errorf("line %d: event ends before it starts", ev.Line)
				}
				out = append(out, *ev)
				ev = nil
			}
			continue
		}
		// Properties of the event itself, not of a VALARM inside it.
		if ev == nil || len(stack) != 2 {
			continue
		}
		switch name {
		case "SUMMARY":
			ev.Summary = strings.TrimSpace(unescape(value))
		case "DTSTART":
			t, allDay, floating, err := parseDateTime(params, value)
			if err != nil {
				return nil, fmt.Errorf("line %d: DTSTART: %w", l.n, err)
			}
			ev.Start, ev.AllDay, ev.Floating = t, allDay, floating
		case "DTEND":
			t, _, _, err := parseDateTime(params, value)
			if err != nil {
				return nil, fmt.Errorf("line %d: DTEND: %w", l.n, err)
			}
			ev.End = t
		case "DURATION":
			d, err := parseDuration(value)
			if err != nil {
				return nil, fmt.Errorf("line %d: DURATION: %w", l.n, err)
			}
			dur, hasD = d, true
		case "RRULE":
			y, err := parseRRule(value)
			if err != nil {
				return nil, fmt.Errorf("line %d: RRULE: %w\nhint: export the calendar with recurring events expanded, or list the dates under holidays: in the config", l.n, err)
			}
			ev.Yearly = y
		}
	}
	if len(stack) > 0 {
		return nil, fmt.Errorf("BEGIN:%s is never closed\nhint: the file may be cut short", stack[len(stack)-1])
	}
	return out, nil
}

type contentLine struct {
	n    int // 1-based line number where it starts
	text string
}

// unfold joins continuation lines (RFC 5545 3.1: a line starting with a
// space or a tab continues the previous one) and drops blank lines.
func unfold(r io.Reader) ([]contentLine, error) {
	br := bufio.NewReader(r)
	var out []contentLine
	n := 0
	for {
		s, err := br.ReadString('\n')
		if s != "" {
			n++
			s = strings.TrimRight(s, "\r\n")
			switch {
			case (strings.HasPrefix(s, " ") || strings.HasPrefix(s, "\t")) && len(out) > 0:
				last := &out[len(out)-1]
				if len(last.text)+len(s) > maxLine {
					return nil, fmt.Errorf("line %d: content line longer than %d bytes", last.n, maxLine)
				}
				last.text += s[1:]
			case strings.TrimSpace(s) == "":
			default:
				if len(s) > maxLine {
					return nil, fmt.Errorf("line %d: content line longer than %d bytes", n, maxLine)
				}
				out = append(out, contentLine{n, s})
			}
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read calendar: %w", err)
		}
	}
}

// splitLine splits "NAME;P1=a;P2=\"x:y\":VALUE" into the upper-case name,
// the parameters (upper-case keys) and the value. A colon inside a quoted
// parameter value does not end the parameters.
func splitLine(s string) (name string, params map[string]string, value string, ok bool) {
	inQuote := false
	colon := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			inQuote = !inQuote
		case ':':
			if !inQuote {
				colon = i
			}
		}
		if colon >= 0 {
			break
		}
	}
	if colon <= 0 {
		return "", nil, "", false
	}
	head, value := s[:colon], s[colon+1:]
	parts := strings.Split(head, ";")
	name = strings.ToUpper(strings.TrimSpace(parts[0]))
	if name == "" {
		return "", nil, "", false
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		if params == nil {
			params = map[string]string{}
		}
		params[strings.ToUpper(strings.TrimSpace(k))] = strings.Trim(v, `"`)
	}
	return name, params, value, true
}

// unescape undoes TEXT escaping (RFC 5545 3.3.11); a newline becomes a
// space, since a holiday name is one line.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n', 'N':
				b.WriteByte(' ')
			default: // \\ \; \, and anything else: the character itself
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// parseDateTime reads a DATE ("20251225") or DATE-TIME ("20251225T090000",
// with a trailing Z for UTC or a TZID parameter).
func parseDateTime(params map[string]string, v string) (t time.Time, allDay, floating bool, err error) {
	v = strings.TrimSpace(v)
	if strings.EqualFold(params["VALUE"], "DATE") || len(v) == 8 {
		t, err = time.Parse("20060102", v)
		if err != nil {
			return t, false, false, fmt.Errorf("%q is not a date (want YYYYMMDD)", clip(v))
		}
		return t, true, false, nil
	}
	if strings.HasSuffix(v, "Z") {
		t, err = time.Parse("20060102T150405Z", v)
		if err != nil {
			return t, false, false, fmt.Errorf("%q is not a UTC date-time (want YYYYMMDDTHHMMSSZ)", clip(v))
		}
		return t, false, false, nil
	}
	t, err = time.Parse("20060102T150405", v)
	if err != nil {
		return t, false, false, fmt.Errorf("%q is not a date-time (want YYYYMMDDTHHMMSS)", clip(v))
	}
	if tz := params["TZID"]; tz != "" {
		if loc, err := time.LoadLocation(strings.TrimPrefix(tz, "/")); err == nil {
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc), false, false, nil
		}
	}
	return t, false, true, nil
}

// parseDuration reads an RFC 5545 duration: [+|-]P[nW][nD][T[nH][nM][nS]].
func parseDuration(v string) (time.Duration, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, fmt.Errorf("%q is not a duration (want e.g. P1D or PT12H)", clip(v))
	}
	var d time.Duration
	inTime := false
	num := 0
	digits := false
	for _, c := range s[1:] {
		switch {
		case c >= '0' && c <= '9':
			if num > 1_000_000 {
				return 0, fmt.Errorf("%q is too long a duration", clip(v))
			}
			num = num*10 + int(c-'0')
			digits = true
			continue
		case c == 'T' && !inTime && !digits:
			inTime = true
			continue
		}
		if !digits {
			return 0, fmt.Errorf("%q is not a duration (want e.g. P1D or PT12H)", clip(v))
		}
		unit := map[rune]time.Duration{'W': 7 * 24 * time.Hour, 'D': 24 * time.Hour}
		if inTime {
			unit = map[rune]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second}
		}
		u, ok := unit[c]
		if !ok {
			return 0, fmt.Errorf("%q is not a duration (want e.g. P1D or PT12H)", clip(v))
		}
		// Two centuries is longer than any holiday and far from overflow.
		const maxDur = 200 * 365 * 24 * time.Hour
		if time.Duration(num) > maxDur/u || d+time.Duration(num)*u > maxDur {
			return 0, fmt.Errorf("%q is too long a duration", clip(v))
		}
		d += time.Duration(num) * u
		num, digits = 0, false
	}
	if digits {
		return 0, fmt.Errorf("%q is not a duration (a number without a unit)", clip(v))
	}
	if neg {
		return 0, fmt.Errorf("%q: a negative duration cannot end an event", clip(v))
	}
	return d, nil
}

// parseRRule accepts FREQ=YEARLY with INTERVAL, COUNT, UNTIL; BYMONTH and
// BYMONTHDAY are accepted and must repeat DTSTART's (the usual export of a
// fixed-date holiday), which the caller cannot check here, so they are
// ignored. Every other rule is refused rather than expanded wrongly.
func parseRRule(v string) (*Yearly, error) {
	y := &Yearly{Interval: 1}
	freq := ""
	for _, part := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(part, "=")
		k = strings.ToUpper(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		switch k {
		case "FREQ":
			freq = strings.ToUpper(val)
		case "INTERVAL", "COUNT":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 10000 {
				return nil, fmt.Errorf("%s=%q is not a number from 1 to 10000", k, clip(val))
			}
			if k == "INTERVAL" {
				y.Interval = n
			} else {
				y.Count = n
			}
		case "UNTIL":
			t, _, _, err := parseDateTime(nil, val)
			if err != nil {
				return nil, fmt.Errorf("UNTIL: %w", err)
			}
			y.Until = t
		case "BYMONTH", "BYMONTHDAY", "WKST", "":
		default:
			return nil, fmt.Errorf("%s is not supported (only FREQ=YEARLY with INTERVAL, COUNT, UNTIL)", clip(k))
		}
	}
	if freq != "YEARLY" {
		return nil, fmt.Errorf("FREQ=%s is not supported (only FREQ=YEARLY)", clip(freq))
	}
	return y, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// ICalHolidays returns the local dates (in loc) from from to to, both
// included, that the events cover, mapped to their summaries ("holiday"
// when an event has none). An all-day event covers its dates up to DTEND
// (excluded; one day without DTEND); a timed one every local date it
// touches. Yearly events repeat; a February 29 start skips the years
// without one (RFC 5545 3.3.10).
func ICalHolidays(evs []ICalEvent, loc *time.Location, from, to time.Time) map[string]string {
	if loc == nil {
		loc = time.UTC
	}
	names := map[string][]string{}
	lo, hi := from.In(loc), to.In(loc)
	loDay := date(lo.Year(), lo.Month(), lo.Day())
	hiDay := date(hi.Year(), hi.Month(), hi.Day())
	for _, e := range evs {
		name := e.Summary
		if name == "" {
			name = "holiday"
		}
		span := time.Duration(0)
		if !e.End.IsZero() {
			span = e.End.Sub(e.Start)
		}
		// A yearly event cannot run into its next occurrence; without this
		// cap a malformed one spanning centuries repeats once per year over
		// every day of the range.
		if e.Yearly != nil {
			span = min(span, time.Duration(e.Yearly.Interval)*365*24*time.Hour)
		}
		for start := range occurrences(e, hiDay.Year()+1) {
			first, last := coveredDays(e, start, span, loc)
			if last.Before(loDay) || first.After(hiDay) {
				continue
			}
			first, last = maxTime(first, loDay), minTime(last, hiDay)
			for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
				k := d.Format(time.DateOnly)
				switch ns := names[k]; {
				case len(ns) >= maxNames || slices.Contains(ns, name):
				default:
					names[k] = append(ns, name)
				}
			}
		}
	}
	out := make(map[string]string, len(names))
	for d, ns := range names {
		out[d] = strings.Join(ns, ", ")
	}
	return out
}

// maxNames caps the names kept for one date: a day is a holiday either
// way, and a calendar with hundreds of overlapping events must not build
// strings quadratic in their number.
const maxNames = 3

// occurrences yields the start of each occurrence of e up to the year
// lastYear.
func occurrences(e ICalEvent, lastYear int) func(func(time.Time) bool) {
	return func(yield func(time.Time) bool) {
		if e.Yearly == nil {
			yield(e.Start)
			return
		}
		n := 0
		for k := 0; ; k += e.Yearly.Interval {
			t := e.Start.AddDate(k, 0, 0)
			if t.Year() > lastYear || t.Year() > 9999 {
				return
			}
			if t.Day() != e.Start.Day() { // Feb 29 in a common year
				continue
			}
			if !e.Yearly.Until.IsZero() && t.After(e.Yearly.Until) {
				return
			}
			n++
			if e.Yearly.Count > 0 && n > e.Yearly.Count {
				return
			}
			if !yield(t) {
				return
			}
		}
	}
}

// coveredDays returns the first and last local dates (as UTC midnights)
// an occurrence starting at start and lasting span covers.
func coveredDays(e ICalEvent, start time.Time, span time.Duration, loc *time.Location) (first, last time.Time) {
	if e.AllDay {
		first = start
		last = start
		if span > 24*time.Hour {
			last = start.Add(span - time.Nanosecond)
		}
		return dayOf(first), dayOf(last)
	}
	if e.Floating {
		start = time.Date(start.Year(), start.Month(), start.Day(), start.Hour(), start.Minute(), start.Second(), 0, loc)
	}
	end := start
	if span > 0 {
		end = start.Add(span - time.Nanosecond)
	}
	return dayOf(start.In(loc)), dayOf(end.In(loc))
}

func dayOf(t time.Time) time.Time { return date(t.Year(), t.Month(), t.Day()) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
