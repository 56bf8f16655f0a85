package logs

import (
	"strings"
	"time"
)

// stampLayouts are the timestamp layouts that user-defined formats and
// the generic fallback know, most common first. Layouts without a zone are
// read in the source's zone; an explicit offset in the text wins.
var stampLayouts = []struct {
	layout string
	noYear bool
	zoned  bool // the text carries its offset (or zone name)
}{
	{time.RFC3339Nano, false, true},
	{"2006-01-02T15:04:05.999999999Z0700", false, true},
	{"2006-01-02T15:04:05.999999999", false, false},
	{"2006-01-02 15:04:05.999999999Z07:00", false, true},
	{"2006-01-02 15:04:05.999999999 -0700", false, true},
	{"2006-01-02 15:04:05.999999999", false, false},
	{"2006-01-02 15:04:05,999999999", false, false},
	{"2006/01/02 15:04:05.999999999", false, false},
	{"2006-01-02 15:04", false, false},
	{"02/Jan/2006:15:04:05 -0700", false, true},
	{"Mon Jan _2 15:04:05 2006", false, false},
	{"Mon Jan _2 15:04:05.999999999 2006", false, false},
	{"Mon Jan _2 15:04:05 MST 2006", false, true},
	{"Jan _2, 2006 15:04:05", false, false},
	{"Jan _2 2006 15:04:05", false, false},
	{"02 Jan 2006 15:04:05", false, false},
	{"060102 150405", false, false},
	{"20060102 150405", false, false},
	{"2006-01-02", false, false},
	{"Jan _2 15:04:05.999999999", true, false},
	{"Jan _2 15:04:05", true, false},
	{"01-02 15:04:05.999999999", true, false},
}

// stampParser parses timestamps of unknown layout, trying the last one
// that worked first.
type stampParser struct {
	loc *time.Location
	ref time.Time // a year-less stamp gets the year that puts it nearest before ref
	// notAfter: see parserEnv; moved counts the stamps it put a year
	// earlier than ref alone would have.
	notAfter time.Time
	moved    int
	guess    yearGuess
	last     int
	// zoneless counts the stamps read in loc: a layout without a zone.
	zoneless int
}

func newStampParser(loc *time.Location, ref time.Time) *stampParser {
	if loc == nil {
		loc = time.UTC
	}
	return &stampParser{loc: loc, ref: ref}
}

// parse reads s (blanks collapsed by the caller or not); ok false when no
// layout fits. guessed reports a year-less stamp.
func (p *stampParser) parse(s string) (t time.Time, guessed, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 6 {
		return t, false, false
	}
	for k := range stampLayouts {
		i := (p.last + k) % len(stampLayouts)
		l := stampLayouts[i]
		tt, err := time.ParseInLocation(l.layout, s, p.loc)
		if err != nil {
			continue
		}
		p.last = i
		if !l.zoned {
			p.zoneless++
		}
		if l.noYear {
			tt = p.year(tt)
		}
		return tt.UTC(), l.noYear, true
	}
	return t, false, false
}

// year puts a year-less time in the latest year that does not put it past
// yearLimit (a December line read in January goes to the year before), as
// syslogParser does.
func (p *stampParser) year(t time.Time) time.Time {
	in := func(y int) time.Time {
		return time.Date(y, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), p.loc)
	}
	at := placeYear(yearLimit(p.ref, p.notAfter), p.loc, in)
	if !p.notAfter.IsZero() && !at.Equal(placeYear(yearLimit(p.ref, time.Time{}), p.loc, in)) {
		p.moved++
	}
	p.guess.n++
	p.guess.year(at.Year())
	return at
}

// placeYear is in(y) for the latest year y that does not put it after
// limit.
func placeYear(limit time.Time, loc *time.Location, in func(y int) time.Time) time.Time {
	y := limit.In(loc).Year()
	if t := in(y); !t.After(limit) {
		return t
	}
	return in(y - 1)
}

// normLevel maps the level words of common loggers to error, warn, info
// and debug; "" when s is none of them.
func normLevel(s string) string {
	return normLevelB([]byte(strings.Trim(s, "[]<> ")))
}

// normLevelB is normLevel without allocating.
func normLevelB(b []byte) string {
	switch string(b) { // the common spellings, already normal
	case "info":
		return "info"
	case "error":
		return "error"
	case "warn":
		return "warn"
	case "debug":
		return "debug"
	}
	var l [16]byte
	if len(b) > len(l) {
		return ""
	}
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		l[i] = c
	}
	s := l[:len(b)]
	for len(s) > 0 && (s[0] == '[' || s[0] == '<' || s[0] == ' ') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ']' || s[len(s)-1] == '>' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	switch string(s) {
	case "error", "err", "e", "severe", "fatal", "crit", "critical", "emerg", "emergency", "alert", "panic", "f", "c":
		return "error"
	case "warn", "warning", "w":
		return "warn"
	case "info", "notice", "i", "n", "information", "informational":
		return "info"
	case "debug", "trace", "d", "t", "fine", "finer", "finest", "verbose":
		return "debug"
	}
	return ""
}
