package file

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/hindsight-sre/hindsight/internal/lines"
)

// parseOpenMetrics streams OpenMetrics or Prometheus text exposition with
// timestamps in seconds into c. It stops at "# EOF" (optional, since the
// Prometheus text format has none).
//
// It is hand-written rather than github.com/prometheus/common/expfmt:
// expfmt's text parser reads the timestamp as integer milliseconds (a
// fractional seconds timestamp is a parse error, a whole one lands in
// 1970), it cannot decode OpenMetrics (# EOF, exemplars), and it builds
// every MetricFamily in memory, where this keeps only the window's points.
// TestAgreesWithPromtool checks it sample for sample against promtool. The grammar is the one
// promtool's backfill accepts: "# HELP", "# TYPE", "# UNIT", "# EOF",
// samples `name{label="value",...} value timestamp [# exemplar]`, label
// values with \\, \" and \n escapes, and the quoted names of OpenMetrics 2
// (`{"my.metric",a="b"}`).
//
// A file can be cut while it is written or copied. OpenMetrics ends with
// "# EOF", so a file that shows itself OpenMetrics (a "# UNIT" line, or a
// type only OpenMetrics has) and ends without it is noted in c.cut; the
// Prometheus text format has no "# EOF", so nothing can be said of one.
// A malformed last line with no newline after it is a line cut in the
// middle: the lines before it are kept and c.cut says so, where any other
// malformed line is an error.
func parseOpenMetrics(ctx context.Context, br *bufio.Reader, file string, c *collector) error {
	lr := lines.New(br, 64<<10)
	om := false
	for {
		line, err := c.next(ctx, lr, file)
		if err == io.EOF {
			if om && c.lines > 0 {
				c.cut = fmt.Sprintf("no \"# EOF\" after line %d: the file may be cut short; kept what was there", c.lines)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if bytes.HasPrefix(line, []byte("# UNIT ")) || bytes.HasPrefix(line, []byte("# TYPE ")) && omOnlyType(line) {
			om = true
		}
		eof, msg, hint := c.omLine(line)
		if msg != "" {
			n := c.lines
			lerr := &lineError{file: file, line: n, msg: msg, text: string(line), hint: hint}
			if _, err := c.next(ctx, lr, file); err == io.EOF && n > 1 && lr.Unterminated() {
				c.cut = fmt.Sprintf("the last line (%d) is cut (%s); kept the %d lines before it", n, msg, n-1)
				return nil
			}
			return lerr
		}
		if eof {
			return nil
		}
	}
}

// omOnlyType reports a "# TYPE" line with a type the Prometheus text
// format does not have.
func omOnlyType(line []byte) bool {
	f := bytes.Fields(line)
	if len(f) < 4 {
		return false
	}
	switch string(f[3]) {
	case "info", "stateset", "gaugehistogram", "unknown":
		return true
	}
	return false
}

const hintTimestamp = "each sample needs a timestamp in seconds, as promtool tsdb create-blocks-from openmetrics wants"

// omLine handles one line. msg is non-empty for a malformed line.
func (c *collector) omLine(line []byte) (eof bool, msg, hint string) {
	line = bytes.TrimRight(line, " \t\r")
	if len(line) == 0 {
		return false, "", ""
	}
	if line[0] == '#' {
		return c.omComment(line)
	}
	end, msg := seriesEnd(line)
	if msg != "" {
		return false, msg, ""
	}
	text := line[:end]
	rs := c.byText[string(text)]
	if rs == nil {
		name, labels, msg := parseSeries(text)
		if msg != "" {
			return false, msg, ""
		}
		rs = c.seriesFor(name, labels)
		family := ""
		rs.typ, family, rs.skip = c.typeOf(name)
		if c.metric != "" && name != c.metric && family != c.metric {
			rs.skip = true
		}
		c.matched = c.matched || !rs.skip
		c.byText[string(text)] = rs
	}
	rest := line[end:]
	if len(rest) == 0 {
		return false, "sample has no value", ""
	}
	if rest[0] != ' ' && rest[0] != '\t' {
		return false, "unexpected character after the series", ""
	}
	valTok, rest := nextField(rest)
	tsTok, rest := nextField(rest)
	if len(valTok) == 0 {
		return false, "sample has no value", ""
	}
	if len(tsTok) == 0 {
		return false, "sample has no timestamp", hintTimestamp
	}
	if tsTok[0] == '#' {
		return false, "sample has no timestamp before its exemplar", hintTimestamp
	}
	if extra, _ := nextField(rest); len(extra) > 0 && extra[0] != '#' {
		return false, "unexpected text after the timestamp", ""
	}
	v, err := parseFloat(valTok)
	if err != nil {
		return false, "value is not a number", ""
	}
	ts, err := parseFloat(tsTok)
	if err != nil {
		return false, "timestamp is not a number", hintTimestamp
	}
	ms, why := secondsToMillis(ts)
	if why != "" {
		return false, why, hintTimestamp
	}
	c.add(rs, ms, v)
	return false, "", ""
}

func (c *collector) omComment(line []byte) (eof bool, msg, hint string) {
	rest := line[1:]
	if len(rest) == 0 || (rest[0] != ' ' && rest[0] != '\t') {
		return false, "", "" // a free comment
	}
	f := strings.Fields(string(rest))
	if len(f) == 0 {
		return false, "", ""
	}
	switch f[0] {
	case "EOF":
		return len(f) == 1, "", ""
	case "TYPE":
		if len(f) < 3 {
			return false, "# TYPE needs a metric name and a type", ""
		}
		c.types[strings.Trim(f[1], `"`)] = strings.ToLower(f[2])
	}
	return false, "", ""
}

// typeOf returns the type promconv should see for a sample name, its
// family, and whether to skip it (the _created timestamps of OpenMetrics
// counters, histograms and summaries are not measurements).
func (c *collector) typeOf(name string) (typ, family string, skip bool) {
	if t, ok := c.types[name]; ok {
		return t, name, false
	}
	for _, suf := range []string{"_total", "_created", "_bucket", "_count", "_sum", "_gcount", "_gsum", "_info"} {
		fam, ok := strings.CutSuffix(name, suf)
		if !ok {
			continue
		}
		t, ok := c.types[fam]
		if !ok {
			continue
		}
		switch {
		case suf == "_created":
			return "", fam, t == "counter" || t == "histogram" || t == "summary" || t == "gaugehistogram"
		case suf == "_total" && t == "counter":
			return "counter", fam, false
		case (t == "histogram" || t == "summary") && suf != "_gcount" && suf != "_gsum":
			return "counter", fam, false // cumulative _bucket, _count, _sum
		case t == "gaugehistogram":
			return "gauge", fam, false
		}
		return t, fam, false
	}
	return "", "", false
}

func nextField(b []byte) (field, rest []byte) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	return b[i:j], b[j:]
}

// parseFloat parses a Prometheus float: decimal, exponent, NaN, +Inf, -Inf.
func parseFloat(b []byte) (float64, error) {
	if v, ok := fastFloat(b); ok {
		return v, nil
	}
	return strconv.ParseFloat(string(b), 64)
}

// fastFloat parses the common case, [-]digits[.digits] with at most 15
// significant digits, exactly: the digits fit a float64 mantissa and the
// division by a power of ten is correctly rounded. Anything else goes to
// strconv.
func fastFloat(b []byte) (float64, bool) {
	neg := false
	i := 0
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	var mant uint64
	digits, frac := 0, 0
	seenDot := false
	start := i
	for ; i < len(b); i++ {
		ch := b[i]
		switch {
		case ch >= '0' && ch <= '9':
			mant = mant*10 + uint64(ch-'0')
			if mant != 0 {
				digits++
			}
			if seenDot {
				frac++
			}
		case ch == '.' && !seenDot:
			seenDot = true
		default:
			return 0, false
		}
	}
	if i == start || digits > 15 || frac > 22 || (seenDot && i-start == 1) {
		return 0, false
	}
	v := float64(mant) / pow10[frac]
	if neg {
		v = -v
	}
	return v, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

func isNameStart(ch byte) bool {
	return ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch == '_' || ch == ':'
}

func isNameChar(ch byte) bool { return isNameStart(ch) || ch >= '0' && ch <= '9' }

// seriesEnd returns the length of the series part of a sample line: the
// name and the label set, quotes respected.
func seriesEnd(line []byte) (int, string) {
	i := 0
	if line[0] != '{' {
		if !isNameStart(line[0]) {
			return 0, "a sample must start with a metric name"
		}
		for i < len(line) && isNameChar(line[i]) {
			i++
		}
		if i == len(line) || line[i] != '{' {
			return i, ""
		}
	}
	inQuote := false
	for i++; i < len(line); i++ {
		switch ch := line[i]; {
		case inQuote && ch == '\\':
			i++
		case ch == '"':
			inQuote = !inQuote
		case !inQuote && ch == '}':
			return i + 1, ""
		}
	}
	return 0, "label set is not closed"
}

// parseSeries parses `name{k="v",...}` or `{"name",k="v"}`. Labels with
// empty values are dropped, as Prometheus does.
func parseSeries(text []byte) (name string, labels map[string]string, msg string) {
	p := 0
	for p < len(text) && isNameChar(text[p]) {
		p++
	}
	name = string(text[:p])
	labels = map[string]string{}
	if p == len(text) {
		if name == "" {
			return "", nil, "a sample must start with a metric name"
		}
		return name, labels, ""
	}
	p++ // '{'
	skip := func() {
		for p < len(text) && (text[p] == ' ' || text[p] == '\t') {
			p++
		}
	}
	for {
		skip()
		if p >= len(text) {
			return "", nil, "label set is not closed"
		}
		if text[p] == '}' {
			p++
			break
		}
		var lname string
		quoted := false
		if text[p] == '"' {
			s, n, ok := unquote(text[p:])
			if !ok {
				return "", nil, "bad quoted name"
			}
			lname, quoted, p = s, true, p+n
		} else {
			q := p
			for p < len(text) && isNameChar(text[p]) && text[p] != ':' {
				p++
			}
			if q == p || text[q] >= '0' && text[q] <= '9' {
				return "", nil, "bad label name"
			}
			lname = string(text[q:p])
		}
		skip()
		if quoted && p < len(text) && (text[p] == ',' || text[p] == '}') {
			if name != "" {
				return "", nil, "metric name given twice"
			}
			name = lname
		} else {
			if p >= len(text) || text[p] != '=' {
				return "", nil, "label " + strconv.Quote(lname) + " has no '='"
			}
			p++
			skip()
			if p >= len(text) || text[p] != '"' {
				return "", nil, "label " + strconv.Quote(lname) + " value is not quoted"
			}
			v, n, ok := unquote(text[p:])
			if !ok {
				return "", nil, "label " + strconv.Quote(lname) + " value is not closed"
			}
			p += n
			if _, dup := labels[lname]; dup {
				return "", nil, "label " + strconv.Quote(lname) + " given twice"
			}
			if lname == "__name__" {
				if name != "" {
					return "", nil, "metric name given twice"
				}
				name = v
			} else {
				labels[lname] = v
			}
		}
		skip()
		if p < len(text) && text[p] == ',' {
			p++
			continue
		}
		if p < len(text) && text[p] == '}' {
			p++
			break
		}
		return "", nil, "expected ',' or '}' in the label set"
	}
	if p != len(text) {
		return "", nil, "unexpected text after the label set"
	}
	if name == "" {
		return "", nil, "sample has no metric name"
	}
	for k, v := range labels {
		if v == "" {
			delete(labels, k)
		}
	}
	return name, labels, ""
}

// unquote reads a double-quoted string at the start of b with the escapes
// \\, \" and \n (any other escaped character stands for itself). n counts
// the quotes.
func unquote(b []byte) (s string, n int, ok bool) {
	esc := false
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			esc = true
			i++
		case '"':
			if !esc {
				return string(b[1:i]), i + 1, true
			}
			var sb strings.Builder
			for j := 1; j < i; j++ {
				if b[j] == '\\' && j+1 < i {
					j++
					if b[j] == 'n' {
						sb.WriteByte('\n')
						continue
					}
				}
				sb.WriteByte(b[j])
			}
			return sb.String(), i + 1, true
		}
	}
	return "", 0, false
}
