package logs

import (
	"bytes"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Formats of lines that start with a timestamp.
const (
	// FormatJava is Spring Boot, Logback and log4j output: a timestamp,
	// a level, a thread and a logger, then the message; the lines that
	// follow without a timestamp (a stack trace) belong to it.
	FormatJava = "java"
	// FormatGeneric is any line that starts with a timestamp in a common
	// layout; the rest is the message.
	FormatGeneric = "generic"
)

// parseISOPrefix reads "YYYY-MM-DD[T ]hh:mm:ss[.,frac][Z|±hh:mm|±hhmm]"
// at the start of b; n is how many bytes it took. Without an offset the
// time is read in loc.
func parseISOPrefix(b []byte, loc *time.Location) (t time.Time, n int, ok bool) {
	return parseISO(b, loc, nil)
}

// isoMinute remembers the minute of the last stamp a parser read, "YYYY-
// MM-DDThh:mm": lines come in order, and most share it with the line
// before.
type isoMinute struct {
	prefix          [16]byte
	ok              bool
	y, mo, d, h, mi int
	civil           int64 // seconds from the epoch to the minute, read as UTC
	loc             *time.Location
	locBase         int64 // seconds from the epoch to the minute in loc
	// zoneless: the last stamp read had no offset and was read in loc. It
	// is per stamp, not per minute: a parser counts the stamps it takes
	// (and only those) in a counter of its own.
	zoneless bool
}

// parseISO is parseISOPrefix with the minute of the last stamp in c (nil
// for none).
func parseISO(b []byte, loc *time.Location, c *isoMinute) (t time.Time, n int, ok bool) {
	if len(b) < 19 || b[4] != '-' && b[4] != '/' || b[7] != b[4] || (b[10] != 'T' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return t, 0, false
	}
	s, ok6 := digits(b[17:19])
	if !ok6 || s > 60 {
		return t, 0, false
	}
	var local isoMinute
	if c == nil {
		c = &local
	}
	if !c.ok || string(b[:16]) != string(c.prefix[:]) {
		y, ok1 := digits(b[0:4])
		mo, ok2 := digits(b[5:7])
		d, ok3 := digits(b[8:10])
		h, ok4 := digits(b[11:13])
		mi, ok5 := digits(b[14:16])
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 {
			return t, 0, false
		}
		*c = isoMinute{y: y, mo: mo, d: d, h: h, mi: mi, ok: true,
			civil: daysFromCivil(y, mo, d)*86400 + int64(h*3600+mi*60)}
		copy(c.prefix[:], b[:16])
	}
	n = 19
	ns := 0
	if n < len(b) && (b[n] == '.' || b[n] == ',') {
		k := n + 1
		scale := 100_000_000
		for k < len(b) && b[k] >= '0' && b[k] <= '9' {
			if scale > 0 {
				ns += int(b[k]-'0') * scale
				scale /= 10
			}
			k++
		}
		if k == n+1 {
			return t, 0, false
		}
		n = k
	}
	// An offset, possibly after one blank (log4j "... +0900" is rare; only
	// glued offsets are taken, and " +hhmm" when four digits follow).
	off, hasOff := 0, false
	if n < len(b) {
		switch c := b[n]; {
		case c == 'Z':
			hasOff = true
			n++
		case c == '+' || c == '-':
			if o, k, ok := offset(b[n:]); ok {
				off, hasOff, n = o, true, n+k
			}
		}
	}
	c.zoneless = !hasOff
	if hasOff || loc == nil || loc == time.UTC {
		return time.Unix(c.civil+int64(s-off), int64(ns)).UTC(), n, true
	}
	if c.loc != loc {
		c.loc, c.locBase = loc, time.Date(c.y, time.Month(c.mo), c.d, c.h, c.mi, 0, 0, loc).Unix()
	}
	return time.Unix(c.locBase+int64(s), int64(ns)).UTC(), n, true
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar (Howard Hinnant's algorithm). A day past
// the month's end counts on, as time.Date normalises it.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := m - 3
	if m <= 2 {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// offset reads "+hh:mm", "+hhmm" or "+hh"; seconds east of UTC.
func offset(b []byte) (int, int, bool) {
	if len(b) < 3 {
		return 0, 0, false
	}
	sign := 1
	if b[0] == '-' {
		sign = -1
	}
	h, ok := digits(b[1:3])
	if !ok || h > 14 {
		return 0, 0, false
	}
	n, m := 3, 0
	switch {
	case len(b) >= 6 && b[3] == ':':
		if m, ok = digits(b[4:6]); !ok {
			return 0, 0, false
		}
		n = 6
	case len(b) >= 5 && b[3] >= '0' && b[3] <= '9':
		if m, ok = digits(b[3:5]); !ok {
			return 0, 0, false
		}
		n = 5
	}
	if m > 59 {
		return 0, 0, false
	}
	return sign * (h*3600 + m*60), n, true
}

// stampedParser reads lines that start with a timestamp. java is the
// Spring/Logback/log4j flavour: it finds the level among the next words,
// skips the pid, "---", "[thread]" and the logger, and takes the message
// after " : " or " - ". Lines without a timestamp continue the previous
// event (multiline).
type stampedParser struct {
	lazy   bool
	name   string
	loc    *time.Location
	stamps *stampParser
	minute isoMinute
	// zoneless counts the ISO stamps taken without an offset, read in loc
	// (stamps counts its own).
	zoneless int
}

func newStampedParser(name string, loc *time.Location, ref time.Time) *stampedParser {
	return &stampedParser{name: name, loc: loc, stamps: newStampParser(loc, ref)}
}

func (p *stampedParser) format() string { return p.name }

// multiline: lines that do not parse continue the event before them.
func (p *stampedParser) multiline() bool { return p.name == FormatJava }

func (p *stampedParser) parse(line []byte, r *Record, w sources.Window) result {
	t, n, guessed, ok := p.stamp(line)
	if !ok {
		return malformed
	}
	r.reset(t, guessed)
	if !w.Contains(t) {
		return outside
	}
	rest := line[n:]
	for len(rest) > 0 && (rest[0] == ' ' || rest[0] == '\t') {
		rest = rest[1:]
	}
	// A level word among the first few fields, bracketed or not.
	for k, s := 0, rest; k < 4 && len(s) > 0; k++ {
		f, after := field(s)
		if l := normLevelBytes(f); l != "" {
			r.Level = l
			if p.name == FormatJava {
				rest = trimLeft(after)
			}
			break
		}
		s = after
	}
	if p.name == FormatJava && r.Level == "" {
		return malformed // a Java logger always writes the level
	}
	if p.name == FormatJava {
		// Spring: "12345 --- [main] o.s.b.App : msg"; Logback/log4j:
		// "[main] c.e.App - msg", "c.e.App: msg".
		if i := indexSpaced(rest, ':'); i >= 0 {
			rest = rest[i+2:]
		} else if i := indexSpaced(rest, '-'); i >= 0 && i < 201 {
			rest = rest[i+2:]
		}
	}
	e := len(rest)
	for e > 0 && (rest[e-1] == ' ' || rest[e-1] == '\t') {
		e--
	}
	r.msg = rest[:e]
	if !p.lazy {
		r.Message, r.msg = string(r.msg), nil
	}
	return parsed
}

// indexSpaced is the index of the first c with a blank on each side
// (" : "), -1 when there is none.
func indexSpaced(b []byte, c byte) int {
	for i := 1; i+1 < len(b); {
		k := bytes.IndexByte(b[i:len(b)-1], c)
		if k < 0 {
			return -1
		}
		i += k
		if b[i-1] == ' ' && b[i+1] == ' ' {
			return i
		}
		i++
	}
	return -1
}

// normLevelBytes is normLevel for the upper-case words loggers write,
// without allocating; "" when b is not a level word. Single letters are
// not taken: "a" and "I" are words.
func normLevelBytes(b []byte) string {
	if len(b) > 2 && b[0] == '[' && b[len(b)-1] == ']' {
		b = b[1 : len(b)-1]
	}
	switch string(b) {
	case "ERROR", "FATAL", "SEVERE", "CRITICAL", "CRIT", "error", "fatal", "critical":
		return "error"
	case "WARN", "WARNING", "warn", "warning":
		return "warn"
	case "INFO", "NOTICE", "info", "notice":
		return "info"
	case "DEBUG", "TRACE", "FINE", "debug", "trace":
		return "debug"
	}
	return ""
}

func weekday(b []byte) bool {
	switch string(b) {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}

// countZone counts the ISO stamp just taken when it had no offset.
func (p *stampedParser) countZone() {
	if p.minute.zoneless {
		p.zoneless++
	}
}

// stamp reads the timestamp at the start of line: ISO 8601 quickly,
// else the other known layouts over the first one to five fields.
func (p *stampedParser) stamp(line []byte) (time.Time, int, bool, bool) {
	if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
		return time.Time{}, 0, false, false
	}
	if line[0] == '[' { // "[2025-11-20 03:00:01,123] INFO ..."
		if e := bytes.IndexByte(line, ']'); e > 0 && e < 64 {
			if t, n, ok := parseISO(line[1:e], p.loc, &p.minute); ok && n == e-1 {
				p.countZone()
				return t, e + 1, false, true
			}
			if t, g, ok := p.stamps.parse(string(line[1:e])); ok {
				return t, e + 1, g, true
			}
		}
		return time.Time{}, 0, false, false
	}
	if line[0] >= '0' && line[0] <= '9' {
		if t, n, ok := parseISO(line, p.loc, &p.minute); ok {
			p.countZone()
			return t, n, false, true
		}
	}
	// The slow path tries every layout: only for lines that start as a
	// timestamp can, with a digit or a month or weekday name.
	if c := line[0]; !(c >= '0' && c <= '9') && (len(line) < 3 || month(line[:3]) == 0 && !weekday(line[:3])) {
		return time.Time{}, 0, false, false
	}
	// Up to five fields ("Mon Jan _2 15:04:05 2006").
	ends := [5]int{}
	k, i := 0, 0
	for k < 5 && i < len(line) {
		for i < len(line) && line[i] != ' ' {
			i++
		}
		ends[k] = i
		k++
		for i < len(line) && line[i] == ' ' {
			i++
		}
	}
	for j := k - 1; j >= 0; j-- {
		if ends[j] < 6 || ends[j] > 40 {
			continue
		}
		if t, g, ok := p.stamps.parse(string(line[:ends[j]])); ok {
			return t, ends[j], g, true
		}
	}
	return time.Time{}, 0, false, false
}
