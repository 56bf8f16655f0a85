package logs

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Record is one parsed log line. A format fills what it has and leaves the
// rest zero. It is reused from line to line: a parser overwrites every field.
type Record struct {
	T       time.Time
	Message string // syslog: the text after the tag; access log: the request line

	Level string // "error", "warn", "info", "debug"; "" when the line has none

	// syslog
	Host, Program, PID string

	// access log
	Remote              string
	Method, Path, Proto string
	Status              int
	Bytes               int64   // -1 for "-"
	RequestTime         float64 // seconds; -1 when the line has none
	// LBError: a 5xx the load balancer made itself, no target having
	// answered (an ALB/ELB line with target_status_code "-").
	LBError bool

	guessedYear bool   // T's year was inferred (RFC 3164 has none)
	cont        int    // continuation lines joined to this event (a stack trace)
	req         []byte // access logs: the request line, a view into the line

	// Views into the line of Message, Program and Host, for parsers in
	// lazy mode (Fetch's hot path), which leave those strings empty.
	// They are valid only until the next line is read: see materialize.
	msg, prog, host []byte
}

// materialize fills the strings from the views and drops the views, so
// that the record outlives its line.
func (r *Record) materialize() {
	if r.msg != nil {
		r.Message = string(r.msg)
	}
	if r.prog != nil {
		r.Program = string(r.prog)
	}
	if r.host != nil {
		r.Host = string(r.host)
	}
	r.msg, r.prog, r.host, r.req = nil, nil, nil, nil
}

// reset makes r a record of time t with nothing else: what
// *r = Record{T: t, guessedYear: guessed, Bytes: -1, RequestTime: -1}
// does, field by field, which the compiler makes cheaper than a copy of
// the whole struct (TestRecordReset checks it keeps up with Record).
func (r *Record) reset(t time.Time, guessed bool) {
	r.T, r.guessedYear = t, guessed
	r.Message, r.Level, r.Host, r.Program, r.PID = "", "", "", "", ""
	r.Remote, r.Method, r.Path, r.Proto = "", "", "", ""
	r.Status, r.Bytes, r.RequestTime, r.cont, r.LBError = 0, -1, -1, 0, false
	r.req, r.msg, r.prog, r.host = nil, nil, nil, nil
}

// message is the message as bytes, a view when the parser made one.
func (r *Record) message() []byte {
	if r.msg != nil {
		return r.msg
	}
	return []byte(r.Message)
}

// result is what a parser made of a line.
type result int8

const (
	parsed    result = iota // r is filled
	outside                 // r.T is set, the line is outside the window, the rest was not parsed
	malformed               // not a line of this format
)

// lineParser is one log format. parse reads the timestamp first and returns
// outside, with only r.T set, as soon as it knows the line is outside w, so
// that skipping lines costs only a timestamp parse.
type lineParser interface {
	format() string
	parse(line []byte, r *Record, w sources.Window) result
}

// Formats.
const (
	FormatNginx  = "nginx"  // nginx/apache combined (or common) log, optional request time
	FormatSyslog = "syslog" // RFC 3164 (and rsyslog's RFC 3339 timestamps)
)

func month(b []byte) time.Month {
	if len(b) != 3 {
		return 0
	}
	switch uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) {
	case 'J'<<16 | 'a'<<8 | 'n':
		return time.January
	case 'F'<<16 | 'e'<<8 | 'b':
		return time.February
	case 'M'<<16 | 'a'<<8 | 'r':
		return time.March
	case 'A'<<16 | 'p'<<8 | 'r':
		return time.April
	case 'M'<<16 | 'a'<<8 | 'y':
		return time.May
	case 'J'<<16 | 'u'<<8 | 'n':
		return time.June
	case 'J'<<16 | 'u'<<8 | 'l':
		return time.July
	case 'A'<<16 | 'u'<<8 | 'g':
		return time.August
	case 'S'<<16 | 'e'<<8 | 'p':
		return time.September
	case 'O'<<16 | 'c'<<8 | 't':
		return time.October
	case 'N'<<16 | 'o'<<8 | 'v':
		return time.November
	case 'D'<<16 | 'e'<<8 | 'c':
		return time.December
	}
	return 0
}

func digits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}

// clock parses "hh:mm:ss" into seconds of the day.
func clock(b []byte) (int, bool) {
	if len(b) != 8 || b[2] != ':' || b[5] != ':' {
		return 0, false
	}
	h, ok1 := digits(b[0:2])
	m, ok2 := digits(b[3:5])
	s, ok3 := digits(b[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || s > 60 {
		return 0, false
	}
	return h*3600 + m*60 + s, true
}

// nginxParser reads the combined log format
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" [$request_time]
//
// (the common format without referer and user agent too). The optional
// request time after the user agent is nginx's $request_time in seconds
// when it has a decimal point ("0.042"), else apache's %D in microseconds;
// a "rt=" style key is allowed. Further fields are ignored.
//
// With a cache (as Fetch uses it) the parser remembers the last timestamp's
// minute (consecutive lines mostly share it) and, lazy, fills only the
// byte views of the request, not its strings: the hot path allocates
// nothing.
type nginxParser struct {
	c      *nginxCache
	lazy   bool
	apache bool // format: apache (the series are named so)
}

type nginxCache struct {
	// The last stamp parsed, "20/Nov/2025:03:01:07 +0900", in words: its
	// minute "20/Nov/2025:03:01:" and its zone " +0900" (the seconds
	// masked), and the unix time of its minute. Consecutive lines share
	// their minute: the seconds are all there is to parse.
	minute0, minute1 uint64
	minute2          uint16
	zone             uint64
	base             int64
	ok               bool

	in minuteIn // whether the minute is inside the window
}

// within reports whether every second of the cached minute (a leap
// second too) is inside w.
func (c *nginxCache) within(w sources.Window) bool {
	return c != nil && c.ok && c.in.inside(c.base, &w)
}

// minuteIn remembers whether a minute lies wholly inside a window, its
// seconds 0 to 60 (a leap second too), so that its lines need no window
// test. It holds for the window it was found for; reset it when the
// minute changes.
type minuteIn struct {
	from, to time.Time
	ok, in   bool
}

// inside reports whether the minute that starts at unix second base is
// inside w.
func (m *minuteIn) inside(base int64, w *sources.Window) bool {
	// Fields compared one by one: a Window's == calls the runtime.
	if !m.ok || w.From != m.from || w.To != m.to {
		m.in = !time.Unix(base, 0).Before(w.From) && !time.Unix(base+61, 0).After(w.To)
		m.from, m.to, m.ok = w.From, w.To, true
	}
	return m.in
}

func (m *minuteIn) reset() { m.ok = false }

func (nginxParser) format() string { return FormatNginx }

func (p nginxParser) parse(line []byte, r *Record, w sources.Window) result {
	sp := indexNear(line, ' ')
	if sp <= 0 {
		return malformed
	}
	lb := sp + 5
	if len(line) < lb+1 || string(line[sp+1:lb+1]) != "- - [" {
		if lb = indexNear(line[sp:], '['); lb < 0 {
			return malformed
		}
		lb += sp
	}
	if len(line) < lb+28 || line[lb+27] != ']' {
		return malformed
	}
	t, ok := p.c.time(line[lb+1 : lb+27])
	if !ok {
		return malformed
	}
	r.T = t
	r.guessedYear = false
	if !p.c.within(w) && !w.Contains(t) {
		return outside
	}
	rest := line[lb+28:]
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '"' {
		return malformed
	}
	req, rest, ok := quotedFast(rest[1:])
	if !ok {
		return malformed
	}
	// " 200 512": status, then bytes.
	if len(rest) < 6 || rest[0] != ' ' || rest[4] != ' ' ||
		rest[1] < '1' || rest[1] > '9' || rest[2] < '0' || rest[2] > '9' || rest[3] < '0' || rest[3] > '9' {
		return malformed
	}
	n := int(rest[1]-'0')*100 + int(rest[2]-'0')*10 + int(rest[3]-'0')
	bytesSent, rest, ok := bytesField(rest[4:])
	if !ok {
		return malformed
	}
	rt := -1.0
	if rest = trimLeft(rest); len(rest) > 0 {
		if rest[0] != '"' {
			return malformed
		}
		if _, rest, ok = quotedFast(rest); !ok { // referer
			return malformed
		}
		if rest = trimLeft(rest); len(rest) > 0 && rest[0] == '"' {
			if _, rest, ok = quotedFast(rest); !ok { // user agent
				return malformed
			}
		}
		rt = requestTimeField(rest)
	}
	r.req = req
	r.msg, r.prog, r.host = nil, nil, nil
	r.Status = n
	r.Bytes = bytesSent
	r.RequestTime = rt
	r.Host, r.Program, r.PID, r.Level = "", "", "", ""
	if p.lazy {
		r.Remote, r.Message, r.Method, r.Path, r.Proto = "", "", "", "", ""
		return parsed
	}
	r.Remote = string(line[:sp])
	r.Message = string(req)
	r.Method, r.Path, r.Proto = splitRequest(r.Message)
	return parsed
}

// quotedFast is quoted, finding the closing quote with IndexByte: a quote
// after an odd number of backslashes is escaped (the first of them escapes
// the second, and so on), and the search goes on after it.
func quotedFast(b []byte) (inner, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, b, false
	}
	e := bytes.IndexByte(b[1:], '"') + 1
	if e > 0 && b[e-1] != '\\' { // b[0] is the opening quote
		return b[1:e], b[e+1:], true
	}
	return quotedEscaped(b, e)
}

// quotedEscaped is quotedFast past a quote found at e (0: none) that may
// be escaped.
func quotedEscaped(b []byte, e int) (inner, rest []byte, ok bool) {
	for e > 0 {
		k := e
		for k > 1 && b[k-1] == '\\' {
			k--
		}
		if (e-k)%2 == 0 {
			return b[1:e], b[e+1:], true
		}
		i := bytes.IndexByte(b[e+1:], '"')
		if i < 0 {
			break
		}
		e += 1 + i
	}
	return nil, b, false
}

func digits64(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseNginxTime parses "20/Nov/2025:03:01:07 +0900".
func parseNginxTime(b []byte) (time.Time, bool) {
	if len(b) != 26 || b[2] != '/' || b[6] != '/' || b[11] != ':' || b[20] != ' ' {
		return time.Time{}, false
	}
	d, ok1 := digits(b[0:2])
	mon := month(b[3:6])
	y, ok2 := digits(b[7:11])
	sec, ok3 := clock(b[12:20])
	zh, ok4 := digits(b[22:24])
	zm, ok5 := digits(b[24:26])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || mon == 0 || d < 1 || d > 31 || zm > 59 ||
		(b[21] != '+' && b[21] != '-') {
		return time.Time{}, false
	}
	off := zh*3600 + zm*60
	if b[21] == '-' {
		off = -off
	}
	t := time.Date(y, mon, d, 0, 0, sec-off, 0, time.UTC)
	return t, true
}

// requestTime reads nginx $request_time (seconds, "0.042") or apache %D
// (microseconds, "42000"), possibly as key=value. -1 when it is neither.
func requestTime(tok []byte) float64 {
	if v, i, ok := scanTime(tok); ok && i == len(tok) {
		return v
	}
	// Rarer: "rt=0.042" (a key), or something else.
	if k := bytes.IndexByte(tok, '='); k >= 0 && k+1 < len(tok) {
		return requestTime(tok[k+1:])
	}
	if len(tok) == 0 || tok[0] < '0' || tok[0] > '9' {
		return -1
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || v < 0 || v > 1e7 || bytes.IndexByte(tok, '.') < 0 {
		return -1
	}
	return v
}

// scanTime reads the common shapes of a request time, "0.042" and
// "42000", at the start of b in one pass (no ParseFloat: it allocates for
// its error): integer and fraction digits. i is where they end; ok says
// that b[:i] is such a time, worth v.
func scanTime(b []byte) (v float64, i int, ok bool) {
	if len(b) >= 5 && b[1] == '.' && (len(b) == 5 || b[5] < '0' || b[5] > '9') {
		// nginx's own shape, "0.042": what the loop below makes of it.
		d0, d1, d2, d3 := b[0]-'0', b[2]-'0', b[3]-'0', b[4]-'0'
		if d0 <= 9 && d1 <= 9 && d2 <= 9 && d3 <= 9 {
			return float64(d0) + float64(uint64(d1)*100+uint64(d2)*10+uint64(d3))/pow10[3], 5, true
		}
	}
	var ip, frac uint64
	nf, dot := 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			if dot {
				if nf < 9 {
					frac = frac*10 + uint64(c-'0')
					nf++
				}
			} else if ip < 1e12 {
				ip = ip*10 + uint64(c-'0')
			}
			continue
		case c == '.' && !dot && i > 0:
			dot = true
			continue
		}
		break
	}
	if i == 0 || b[0] == '.' || dot && nf == 0 {
		return 0, i, false
	}
	if !dot {
		return float64(ip) / 1e6, i, true // apache's %D, microseconds
	}
	if ip > 1e7 {
		return -1, i, true
	}
	return float64(ip) + float64(frac)/pow10[nf], i, true
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// quoted reads a "..." field at the start of b; a backslash escapes the
// next byte, as nginx (\x22) and apache (\") write quotes.
func quoted(b []byte) (inner, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, b, false
	}
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return b[1:i], b[i+1:], true
		}
	}
	return nil, b, false
}

func trimLeft(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

// field returns the next space-separated field.
func field(b []byte) (f, rest []byte) {
	b = trimLeft(b)
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i:]
}

// splitRequest splits "GET /path HTTP/1.1". A request that is not of that
// shape (a TLS handshake sent to the HTTP port, "-") has no method.
func splitRequest(req string) (method, path, proto string) {
	i := indexByte(req, ' ')
	if i <= 0 {
		return "", req, ""
	}
	method, rest := req[:i], req[i+1:]
	for j := 0; j < len(method); j++ {
		if method[j] < 'A' || method[j] > 'Z' {
			return "", req, ""
		}
	}
	if j := lastIndexByte(rest, ' '); j >= 0 {
		return method, rest[:j], rest[j+1:]
	}
	return method, rest, ""
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// syslogParser reads RFC 3164 lines, "Nov 20 03:00:01 db1 CRON[1234]: msg",
// with an optional "<PRI>", and rsyslog's RFC 3339 timestamps
// ("2025-11-20T03:00:01.123456+09:00 db1 ...", or journalctl's short-iso
// "+0900"). RFC 3164 has no year and no
// zone: the time is read in loc, and the year is the latest one that puts
// the line no later than a week after the window's end (a December line
// read in January goes to the year before) and no later than the file's
// last write (or now), give or take a zone (see yearLimit): a log from a
// past year keeps its year, and one that crosses New Year keeps its order.
type syslogParser struct {
	lazy  bool // views only, see Record.msg
	loc   *time.Location
	to    time.Time
	hours map[int32]int64 // (year, month, day, hour) -> unix seconds of hh:00:00 in loc

	lastKey  int32 // the last hour looked up: lines come in order
	lastBase int64

	toYear  int       // toLimit's year in loc, 0 until the first line
	toLimit time.Time // yearLimit(to, notAfter)
	// notAfter: see parserEnv. wLimit is yearLimit(to) alone; moved counts
	// the lines notAfter put a year earlier than wLimit would have.
	notAfter time.Time
	wLimit   time.Time
	moved    int
	guess    yearGuess

	// The minute of the last RFC 3164 stamp, "Nov 24 03:00:", and the
	// unix time of its second 0 (see keepMinute).
	minKey  [13]byte
	minBase int64
	minOK   bool
	minIn   minuteIn
	// minMoved: the minute's stamps are moved a year back (see moved);
	// lastMoved: the last stamp time placed was.
	minMoved, lastMoved bool
	iso                 isoMinute // of the last RFC 3339 stamp
	// zoneless counts the RFC 3339 stamps without an offset, read in
	// loc; every RFC 3164 stamp (guess.n) is read in loc too.
	zoneless int
}

func newSyslogParser(loc *time.Location, to time.Time) *syslogParser {
	if loc == nil {
		loc = time.UTC
	}
	return &syslogParser{loc: loc, to: to, hours: map[int32]int64{}}
}

func (*syslogParser) format() string { return FormatSyslog }

func (p *syslogParser) parse(line []byte, r *Record, w sources.Window) result {
	return p.parseIn(line, r, &w)
}

// parseIn is parse with the window by reference: the reader's loop calls
// it for every line, and a Window is six words.
func (p *syslogParser) parseIn(line []byte, r *Record, w *sources.Window) result {
	if len(line) > 0 && line[0] == '<' {
		if i := bytes.IndexByte(line, '>'); i > 0 && i <= 4 {
			line = line[i+1:]
		}
	}
	var rest []byte
	if len(line) > 2 && line[0] == '1' && line[1] == ' ' {
		return p.parse5424(line[2:], r, *w)
	}
	if len(line) >= 16 && line[0] >= '0' && line[0] <= '9' && line[4] == '-' {
		// rsyslog's RFC 3339 stamps, and journalctl -o short-iso's
		// (an offset without a colon); one without an offset is read
		// in the source's zone.
		sp := indexNear(line, ' ')
		if sp < 0 || line[10] != 'T' {
			return malformed
		}
		t, n, ok := parseISO(line[:sp], p.loc, &p.iso)
		if !ok || n != sp {
			return malformed
		}
		if p.iso.zoneless {
			p.zoneless++
		}
		r.T = t
		r.guessedYear = false
		rest = line[sp+1:]
	} else {
		if len(line) < 16 || line[3] != ' ' || line[6] != ' ' {
			return malformed
		}
		if p.minOK && string(line[:13]) == string(p.minKey[:]) && line[15] == ' ' {
			// The minute of the line before: its seconds are all
			// there is to read.
			if s1, s2 := line[13]-'0', line[14]-'0'; s1 <= 6 && s2 <= 9 && s1*10+s2 <= 60 {
				r.T = time.Unix(p.minBase+int64(s1*10+s2), 0).UTC()
				r.guessedYear = true
				p.guess.n++
				if p.minMoved {
					p.moved++ // a line, not a stamp computed: as time counts it
				}
				rest = line[16:]
				if p.minIn.inside(p.minBase, w) {
					goto inside
				}
				goto stamped
			}
		}
		mon := month(line[0:3])
		dayB := line[4:6]
		if dayB[0] == ' ' {
			dayB = dayB[1:]
		}
		day, ok := digits(dayB)
		sec, ok2 := clock(line[7:15])
		end, ns := 15, 0
		if line[15] == '.' {
			// A fraction of a second, "18:00:00.030112" (rsyslog's
			// RSYSLOG_TraditionalFileFormat with high precision,
			// syslog-ng's frac-digits).
			end, ns = fraction(line, 16)
		}
		if mon == 0 || !ok || !ok2 || day < 1 || day > 31 || end >= len(line) || line[end] != ' ' {
			return malformed
		}
		r.T = p.time(mon, day, sec).Add(time.Duration(ns))
		r.guessedYear = true
		p.guess.n++
		rest = line[end+1:]
		p.keepMinute(line, mon, day, sec)
	}
stamped:
	if !w.Contains(r.T) {
		return outside
	}
inside:
	host, rest := field(rest)
	if len(host) == 0 || normLevelBytes(host) != "" {
		// "2025-11-20T03:00:01Z ERROR ...": a level where the host
		// goes is an application log, not syslog.
		return malformed
	}
	rest = trimLeft(rest)
	r.Host, r.Program, r.PID, r.Level, r.Message, r.req = "", "", "", "", "", nil
	r.host, r.prog, r.msg = host, nil, nil
	// The tag: "prog[pid]:" or "prog:"; a line may have none.
	var pid []byte
	if tag, after := field(rest); len(tag) > 1 && tag[len(tag)-1] == ':' {
		tag = tag[:len(tag)-1]
		if i := bytes.IndexByte(tag, '['); i > 0 && tag[len(tag)-1] == ']' {
			pid = tag[i+1 : len(tag)-1]
			tag = tag[:i]
		}
		r.prog = tag
		rest = trimLeft(after)
	}
	r.msg = rest
	if !p.lazy {
		r.Host, r.Program, r.PID, r.Message = string(host), string(r.prog), string(pid), string(rest)
		r.host, r.prog, r.msg = nil, nil, nil
	}
	r.Remote, r.Method, r.Path, r.Proto = "", "", "", ""
	r.Status, r.Bytes, r.RequestTime = 0, -1, -1
	return parsed
}

// fraction reads the digits of a fraction of a second at b[i:]: the index
// past them and the nanoseconds (digits past the ninth are read and
// dropped). It returns i, 0 when there is no digit.
func fraction(b []byte, i int) (end, ns int) {
	end, scale := i, 100_000_000
	for end < len(b) && b[end] >= '0' && b[end] <= '9' {
		ns += int(b[end]-'0') * scale
		scale /= 10
		end++
	}
	if end == i {
		return i - 1, 0 // the dot alone: not a fraction
	}
	return end, ns
}

// keepMinute remembers the minute of line (month, day, sec seconds into
// the day) for the lines after it, when the year guess is the same for
// every second of the minute: all of it no later than to + 7 days (this
// year), or all of it later (last year).
func (p *syslogParser) keepMinute(line []byte, mon time.Month, day, sec int) {
	s := int(line[13]-'0')*10 + int(line[14]-'0')
	start := sec - s
	by := p.at(p.toYear, mon, day, start).Unix()
	limit := p.toLimit.Unix()
	switch {
	case by+60 <= limit:
		p.minBase = by
	case by > limit:
		p.minBase = p.at(p.toYear-1, mon, day, start).Unix()
	default:
		p.minOK = false
		return
	}
	copy(p.minKey[:], line[:13])
	p.minOK, p.minMoved = true, p.lastMoved
	p.minIn.reset()
}

// time is the instant of month/day and sec seconds into the day in p.loc,
// with the year guessed as documented on syslogParser.
func (p *syslogParser) time(mon time.Month, day, sec int) time.Time {
	if p.toYear == 0 {
		p.toLimit = yearLimit(p.to, p.notAfter)
		p.toYear = p.toLimit.In(p.loc).Year()
		p.wLimit = yearLimit(p.to, time.Time{})
	}
	t, y := p.at(p.toYear, mon, day, sec), p.toYear
	if t.After(p.toLimit) {
		t, y = p.at(p.toYear-1, mon, day, sec), p.toYear-1
	}
	p.guess.year(y)
	p.lastMoved = false
	if !p.wLimit.Equal(p.toLimit) {
		// What the window alone would have said: a line the file's
		// last write moved a year back is noted (yearNote).
		y := p.wLimit.In(p.loc).Year()
		w := time.Date(y, mon, day, 0, 0, sec, 0, p.loc)
		if w.After(p.wLimit) {
			w = w.AddDate(-1, 0, 0)
		}
		if !w.Equal(t) {
			p.moved++
			p.lastMoved = true
		}
	}
	return t
}

// yearNote says what the parser assumed of year-less stamps, when the
// file's last write (or now) decided it: "" otherwise.
func (p *syslogParser) yearNote() string {
	return movedNote(p.moved, p.notAfter, p.loc)
}

func (p *stampParser) yearNote() string { return movedNote(p.moved, p.notAfter, p.loc) }

// yearGuess is what a parser assumed of year-less stamps: whether lines
// had one (n, counting a line each time it is parsed: format detection
// and the seek probe parse some twice) and the years they were given. The source says so in a note
// (aggregator.yearNote): a syslog file from another year than the window
// is otherwise silently read as this year's (issue 19).
type yearGuess struct {
	n      int // lines
	lo, hi int // years given; 0 when none
}

func (g *yearGuess) year(y int) {
	if g.lo == 0 || y < g.lo {
		g.lo = y
	}
	g.hi = max(g.hi, y)
}

func (g *yearGuess) merge(o yearGuess) {
	g.n += o.n
	if o.lo != 0 {
		g.year(o.lo)
		g.year(o.hi)
	}
}

func movedNote(moved int, notAfter time.Time, loc *time.Location) string {
	if moved == 0 {
		return ""
	}
	what := fmt.Sprintf("%d lines stamped without a year were", moved)
	if moved == 1 {
		what = "1 line stamped without a year was"
	}
	return fmt.Sprintf("%s placed in the year before the window's, so as not to fall after the file was last written (%s)",
		what, notAfter.In(loc).Format(time.RFC3339))
}

func (p *syslogParser) at(y int, mon time.Month, day, sec int) time.Time {
	h := sec / 3600
	key := int32(((y*13+int(mon))*32+day)*24 + h)
	if key == p.lastKey && p.lastBase != 0 {
		return time.Unix(p.lastBase+int64(sec-h*3600), 0).UTC()
	}
	base, ok := p.hours[key]
	if !ok {
		base = time.Date(y, mon, day, h, 0, 0, 0, p.loc).Unix()
		if len(p.hours) > 1<<16 {
			clear(p.hours)
		}
		p.hours[key] = base
	}
	p.lastKey, p.lastBase = key, base
	return time.Unix(base+int64(sec-h*3600), 0).UTC()
}

// parse5424 reads the rest of an RFC 5424 line after "<PRI>1 ":
// TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG. The
// timestamp carries its offset; "-" (no time) makes the line malformed.
func (p *syslogParser) parse5424(line []byte, r *Record, w sources.Window) result {
	ts, rest := field(line)
	t, n, ok := parseISO(ts, p.loc, &p.iso)
	if !ok || n != len(ts) {
		return malformed
	}
	if p.iso.zoneless {
		p.zoneless++ // RFC 5424 asks for an offset; not every writer gives one
	}
	r.T, r.guessedYear = t, false
	if !w.Contains(t) {
		return outside
	}
	host, rest := field(rest)
	app, rest := field(rest)
	procid, rest := field(rest)
	msgid, rest := field(rest)
	if len(msgid) == 0 {
		return malformed
	}
	rest = trimLeft(rest)
	// Structured data: "-" or one or more [id k="v" ...] elements.
	if len(rest) > 0 && rest[0] == '-' {
		rest = rest[1:]
	} else {
		for len(rest) > 0 && rest[0] == '[' {
			i := 1
			for ; i < len(rest); i++ {
				if rest[i] == '\\' {
					i++
					continue
				}
				if rest[i] == ']' {
					break
				}
			}
			if i >= len(rest) {
				return malformed
			}
			rest = rest[i+1:]
		}
	}
	rest = trimLeft(rest)
	rest = bytes.TrimPrefix(rest, []byte("\xef\xbb\xbf")) // the BOM before a UTF-8 MSG
	nil5424 := func(b []byte) string {
		if len(b) == 1 && b[0] == '-' {
			return ""
		}
		return string(b)
	}
	r.Host, r.Program, r.PID, r.Level, r.req = nil5424(host), nil5424(app), nil5424(procid), "", nil
	r.Message = string(rest)
	r.msg, r.prog, r.host = nil, nil, nil
	r.Remote, r.Method, r.Path, r.Proto = "", "", "", ""
	r.Status, r.Bytes, r.RequestTime = 0, -1, -1
	return parsed
}
