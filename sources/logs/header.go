package logs

import (
	"bytes"
	"time"

	"fmt"
	"github.com/hindsight-sre/hindsight/sources"
	"regexp"
	"strings"
)

// headerFormat is a user-defined line format: a header pattern in the
// notation of the logparser/Loghub benchmark tools, or a regular
// expression with named groups. The Content group is the message that is
// templated; other groups are fields (Date, Time, Level, Component, ...).
type headerFormat struct {
	src     string
	re      *regexp.Regexp
	content int // index of the Content group, -1 if none
	fields  []string
	timeIdx []int // groups that make the timestamp, in order
	level   int   // the Level group, -1 if none
	stamps  *stampParser
}

// headerField matches a <Field> in a header pattern.
var headerField = regexp.MustCompile(`<[A-Za-z_][A-Za-z0-9_]*>`)

// parseHeaderFormat compiles a header pattern such as
//
//	<Date> <Time> <Pid> <Level> <Component>: <Content>
//	\[<Time>\] \[<Level>\] <Content>
//	<Component>(\[<PID>\])?: <Content>
//
// where <Field> names a field, a space matches one or more blanks and
// everything else is a regular expression (RE2), or a regular expression
// with named groups, (?P<Content>...), used as it is.
func parseHeaderFormat(p string) (*headerFormat, error) {
	var expr string
	if strings.Contains(p, "(?P<") || strings.Contains(p, "(?<") {
		expr = p
		if !strings.HasPrefix(expr, "^") {
			expr = "^(?:" + expr + ")"
		}
	} else {
		var b strings.Builder
		b.WriteString("^")
		last := 0
		for _, m := range headerField.FindAllStringIndex(p, -1) {
			b.WriteString(blanks(p[last:m[0]]))
			name := p[m[0]+1 : m[1]-1]
			if name == "Content" {
				b.WriteString("(?P<Content>.*)")
			} else {
				fmt.Fprintf(&b, "(?P<%s>.*?)", name)
			}
			last = m[1]
		}
		if last == 0 {
			return nil, fmt.Errorf("format %q has no <Field>; hint: write a header pattern such as '<Date> <Time> <Level> <Content>', or a regular expression with named groups", p)
		}
		b.WriteString(blanks(p[last:]))
		b.WriteString("$")
		expr = b.String()
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("format %q: %w; hint: outside <Field> names the pattern is a regular expression: escape [ ] ( ) with a backslash", p, err)
	}
	h := &headerFormat{src: p, re: re, content: -1, fields: re.SubexpNames()}
	for i, n := range h.fields {
		if n == "Content" || n == "content" || n == "message" || n == "msg" {
			h.content = i
			break
		}
	}
	if h.content < 0 {
		return nil, fmt.Errorf("format %q has no Content field; hint: name the message part <Content> (or (?P<Content>...))", p)
	}
	h.level = -1
	for i, n := range h.fields {
		l := strings.ToLower(n)
		switch {
		case l == "level" || l == "severity" || l == "loglevel" || l == "lvl":
			h.level = i
		case strings.Contains(l, "date") || strings.Contains(l, "time") || l == "day" || l == "month" || l == "year" || l == "ts":
			h.timeIdx = append(h.timeIdx, i)
		}
	}
	return h, nil
}

// blanks turns the literal text between fields into a regular expression
// in which each run of spaces matches one or more blanks.
func blanks(s string) string {
	var b strings.Builder
	sp := false
	for _, r := range s {
		if r == ' ' {
			if !sp {
				b.WriteString(`\s+`)
			}
			sp = true
			continue
		}
		sp = false
		b.WriteRune(r)
	}
	return b.String()
}

// looksLikeHeaderFormat tells a header pattern or regexp from a format name.
func looksLikeHeaderFormat(s string) bool {
	return strings.ContainsAny(s, "<>()[]\\^$ ")
}

// match returns the submatch indexes of line, nil if it does not match.
func (h *headerFormat) match(line []byte) []int {
	return h.re.FindSubmatchIndex(line)
}

// FormatHeader names user-defined formats in Record-less contexts.
const FormatHeader = "header"

func (h *headerFormat) format() string { return FormatHeader }

// parse matches the line; the message is the Content field without
// trailing blanks. The time comes from the Date/Time-like fields when
// they read as one of the layouts timeFields knows; a line without one is
// taken as inside the window.
func (h *headerFormat) parse(line []byte, r *Record, w sources.Window) result {
	m := h.match(line)
	if m == nil {
		return malformed
	}
	*r = Record{Bytes: -1, RequestTime: -1}
	c := line[m[2*h.content]:m[2*h.content+1]]
	c = bytes.TrimRight(c, " \t\r")
	r.Message = string(c)
	if h.level >= 0 && m[2*h.level] >= 0 {
		r.Level = normLevel(string(line[m[2*h.level]:m[2*h.level+1]]))
	}
	if t, guessed, ok := h.time(line, m); ok {
		r.T, r.guessedYear = t, guessed
		if !w.Contains(t) {
			return outside
		}
	}
	return parsed
}

// time joins the date and time fields with single spaces and reads them.
func (h *headerFormat) time(line []byte, m []int) (time.Time, bool, bool) {
	if len(h.timeIdx) == 0 || h.stamps == nil {
		return time.Time{}, false, false
	}
	var b [64]byte
	s := b[:0]
	for _, i := range h.timeIdx {
		if m[2*i] < 0 {
			continue
		}
		if len(s) > 0 {
			s = append(s, ' ')
		}
		s = append(s, line[m[2*i]:m[2*i+1]]...)
	}
	return h.stamps.parse(string(s))
}
