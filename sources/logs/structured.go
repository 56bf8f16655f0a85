package logs

import (
	"bytes"
	"strconv"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Formats of structured lines.
const (
	FormatJSON   = "json"   // JSON lines; also journalctl -o json
	FormatLogfmt = "logfmt" // key=value pairs, values quoted when they hold blanks
)

// Fields names the keys of structured lines (JSON, logfmt) hindsight
// reads; each list is tried in order, the first key present wins. The zero
// value means DefaultFields.
type Fields struct {
	Time    []string `mapstructure:"time"`
	Level   []string `mapstructure:"level"`
	Message []string `mapstructure:"message"`
	// Latency is a request's duration: seconds when the value has a
	// decimal point or the key ends in _s/_sec/_seconds, milliseconds when
	// the key ends in _ms, microseconds in _us, else seconds.
	Latency []string `mapstructure:"latency"`
	Status  []string `mapstructure:"status"`
	Method  []string `mapstructure:"method"`
	Path    []string `mapstructure:"path"`
	Program []string `mapstructure:"program"`
}

// DefaultFields are the keys of common loggers (logrus, zap, zerolog,
// slog, bunyan, pino, logstash, ECS, nginx JSON logs) and of journald's
// JSON export.
var DefaultFields = Fields{
	Time:    []string{"time", "ts", "@timestamp", "timestamp", "t", "datetime", "date", "time_local", "time_iso8601", "__REALTIME_TIMESTAMP"},
	Level:   []string{"level", "severity", "lvl", "loglevel", "log.level", "@level", "levelname", "PRIORITY"},
	Message: []string{"msg", "message", "@message", "MESSAGE", "log", "text", "event", "request"},
	Latency: []string{"request_time", "latency", "duration", "elapsed", "response_time", "took", "duration_ms", "latency_ms", "elapsed_ms", "upstream_response_time"},
	Status:  []string{"status", "status_code", "statusCode", "http.response.status_code"},
	Method:  []string{"method", "request_method", "http.request.method"},
	Path:    []string{"path", "uri", "request_uri", "url", "url.path"},
	Program: []string{"SYSLOG_IDENTIFIER", "logger", "component", "caller", "service", "app", "_COMM"},
}

func (f Fields) or() Fields {
	d := DefaultFields
	if len(f.Time) > 0 {
		d.Time = f.Time
	}
	if len(f.Level) > 0 {
		d.Level = f.Level
	}
	if len(f.Message) > 0 {
		d.Message = f.Message
	}
	if len(f.Latency) > 0 {
		d.Latency = f.Latency
	}
	if len(f.Status) > 0 {
		d.Status = f.Status
	}
	if len(f.Method) > 0 {
		d.Method = f.Method
	}
	if len(f.Path) > 0 {
		d.Path = f.Path
	}
	if len(f.Program) > 0 {
		d.Program = f.Program
	}
	return d
}

// fieldRole is what a key means; roles are ranked by the key's place in
// its list, lower is better.
type fieldRole int8

const (
	roleNone fieldRole = iota
	roleTime
	roleLevel
	roleMessage
	roleLatency
	roleStatus
	roleMethod
	rolePath
	roleProgram
	nRoles
)

// structParser reads JSON lines or logfmt. Keys are matched against a
// small map; values are not decoded unless their key has a role, so a
// line costs one scan. No encoding/json: it allocates per value.
type structParser struct {
	lazy   bool
	name   string // FormatJSON or FormatLogfmt
	roles  roleTable
	stamps *stampParser
	loc    *time.Location
	minute isoMinute
	layout []layoutKey // the keys of the JSON line before
	// zoneless counts the ISO stamps without an offset, read in loc
	// (stamps counts its own; epoch numbers are UTC).
	zoneless int
}

type roleRank struct {
	role fieldRole
	rank int8
}

func newStructParser(name string, f Fields, loc *time.Location, ref time.Time) *structParser {
	f = f.or()
	p := &structParser{name: name, stamps: newStampParser(loc, ref), loc: loc}
	add := func(keys []string, r fieldRole) {
		for i, k := range keys {
			p.roles.add(k, roleRank{r, int8(min(i, 100))})
		}
	}
	add(f.Time, roleTime)
	add(f.Level, roleLevel)
	add(f.Message, roleMessage)
	add(f.Latency, roleLatency)
	add(f.Status, roleStatus)
	add(f.Method, roleMethod)
	add(f.Path, rolePath)
	add(f.Program, roleProgram)
	return p
}

func (p *structParser) format() string { return p.name }

// found is one line's values for the roles, raw (JSON strings still
// escaped), with the key's rank.
type found struct {
	val    [nRoles][]byte
	key    [nRoles][]byte
	rank   [nRoles]int8
	quoted [nRoles]bool
}

func (p *structParser) parse(line []byte, r *Record, w sources.Window) result {
	var f found
	for i := range f.rank {
		f.rank[i] = 127
	}
	var ok bool
	if p.name == FormatJSON {
		ok = p.scanJSON(line, &f)
	} else {
		ok = p.scanLogfmt(line, &f)
	}
	if !ok {
		return malformed
	}
	tv := f.val[roleTime]
	if tv == nil {
		return malformed
	}
	t, guessed, ok := p.time(tv, f.key[roleTime], f.quoted[roleTime])
	if !ok {
		return malformed
	}
	r.reset(t, guessed)
	if !w.Contains(t) {
		return outside
	}
	if v := f.val[roleLevel]; v != nil {
		if string(f.key[roleLevel]) == "PRIORITY" {
			r.Level = syslogLevel(v)
		} else {
			r.Level = normLevelB(unescape(v, f.quoted[roleLevel]))
		}
	}
	if v := f.val[roleMessage]; v != nil {
		r.msg = unescape(v, f.quoted[roleMessage])
	}
	if v := f.val[roleProgram]; v != nil {
		r.prog = unescape(v, f.quoted[roleProgram])
		if string(f.key[roleProgram]) == "caller" {
			r.prog = fileOfCaller(r.prog)
		}
	}
	if !p.lazy {
		r.materialize()
	}
	if v := f.val[roleStatus]; v != nil {
		if n, ok := digits(v); ok && n >= 100 && n <= 999 {
			r.Status = n
		}
	}
	if v := f.val[roleLatency]; v != nil {
		r.RequestTime = latency(v, f.key[roleLatency])
	}
	if r.Status > 0 {
		r.materialize()
		if v := f.val[roleMethod]; v != nil {
			r.Method = string(unescape(v, f.quoted[roleMethod]))
		}
		if v := f.val[rolePath]; v != nil {
			r.Path = string(unescape(v, f.quoted[rolePath]))
		}
		if r.Method == "" && r.Path == "" && r.Message != "" {
			// nginx JSON logs carry "request": "GET /x HTTP/1.1".
			r.Method, r.Path, r.Proto = splitRequest(r.Message)
		}
	}
	return parsed
}

// dateLike reports a byte of "-:/ T" in v: a date, not epoch seconds.
func dateLike(v []byte) bool {
	if len(v) > 4 && (v[4] == '-' || v[4] == '/') {
		return true // the common case, YYYY-
	}
	for _, c := range v {
		switch c {
		case '-', ':', '/', ' ', 'T':
			return true
		}
	}
	return false
}

// fileOfCaller drops the line number of a caller ("orders/handler.go:42"
// is "orders/handler.go"): lines move with every release, and a template's
// identity must not.
func fileOfCaller(v []byte) []byte {
	i := bytes.LastIndexByte(v, ':')
	if i <= 0 || i == len(v)-1 {
		return v
	}
	for _, c := range v[i+1:] {
		if c < '0' || c > '9' {
			return v
		}
	}
	return v[:i]
}

// syslogLevel maps a syslog priority digit (journald's PRIORITY).
func syslogLevel(v []byte) string {
	if len(v) != 1 || v[0] < '0' || v[0] > '7' {
		return ""
	}
	switch {
	case v[0] <= '3':
		return "error"
	case v[0] == '4':
		return "warn"
	case v[0] <= '6':
		return "info"
	}
	return "debug"
}

// latency reads a duration value into seconds; -1 when it is none.
func latency(v, key []byte) float64 {
	if len(v) > 0 && v[0] == '"' {
		v = v[1:]
	}
	if i := bytes.IndexAny(v, `",`); i >= 0 { // upstream times: "0.012, 0.003"
		v = v[:i]
	}
	if len(v) == 0 || v[0] < '0' || v[0] > '9' {
		return -1
	}
	// Go durations: "12ms", "1.5s".
	if c := v[len(v)-1]; c == 's' {
		if d, err := time.ParseDuration(string(v)); err == nil {
			return d.Seconds()
		}
		return -1
	}
	x, err := strconv.ParseFloat(string(v), 64)
	if err != nil || x < 0 || x > 1e12 {
		return -1
	}
	k := string(key)
	switch {
	case hasSuffix(k, "_ms") || hasSuffix(k, "Ms") || hasSuffix(k, "_millis"):
		return x / 1e3
	case hasSuffix(k, "_us") || hasSuffix(k, "_micros"):
		return x / 1e6
	case hasSuffix(k, "_ns") || hasSuffix(k, "_nanos"):
		return x / 1e9
	}
	return x
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// time reads a time value: a string in a known layout, or a number of
// seconds, milliseconds, microseconds or nanoseconds since 1970 (told
// apart by size; journald's __REALTIME_TIMESTAMP is microseconds).
func (p *structParser) time(v, key []byte, quoted bool) (time.Time, bool, bool) {
	if quoted {
		v = unescape(v, true)
	}
	if len(v) > 0 && v[0] >= '0' && v[0] <= '9' && !dateLike(v) {
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || f <= 0 {
			return time.Time{}, false, false
		}
		var ns float64
		switch {
		case f < 1e11:
			ns = f * 1e9
		case f < 1e14:
			ns = f * 1e6
		case f < 1e17:
			ns = f * 1e3
		default:
			ns = f
		}
		return time.Unix(0, int64(ns)).UTC(), false, true
	}
	if t, n, ok := parseISO(v, p.loc, &p.minute); ok && n == len(v) {
		if p.minute.zoneless {
			p.zoneless++
		}
		return t, false, true
	}
	return p.stamps.parse(string(v))
}

// unescape returns a JSON string's content with escapes decoded (v without
// its quotes); logfmt values are taken as they are.
func unescape(v []byte, quoted bool) []byte {
	if !quoted || bytes.IndexByte(v, '\\') < 0 {
		return v
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 >= len(v) {
			out = append(out, c)
			continue
		}
		i++
		switch v[i] {
		case 'n':
			out = append(out, '\n')
		case 't':
			out = append(out, '\t')
		case 'r':
			out = append(out, '\r')
		case 'b', 'f':
			out = append(out, ' ')
		case 'u':
			if i+4 < len(v) {
				if n, err := strconv.ParseUint(string(v[i+1:i+5]), 16, 32); err == nil {
					out = append(out, string(rune(n))...)
					i += 4
					continue
				}
			}
			out = append(out, 'u')
		default:
			out = append(out, v[i])
		}
	}
	return out
}

// take records a key's value if the key has a role and ranks better than
// what was found before.
func (p *structParser) take(f *found, key, val []byte, quoted bool) {
	rr, ok := p.roles.get(key)
	p.takeRole(f, rr, ok, key, val, quoted)
}

func (p *structParser) takeRole(f *found, rr roleRank, ok bool, key, val []byte, quoted bool) {
	if !ok || rr.rank >= f.rank[rr.role] {
		return
	}
	f.val[rr.role], f.key[rr.role], f.rank[rr.role], f.quoted[rr.role] = val, key, rr.rank, quoted
}

// layoutKey is the k-th key of the JSON line before, with its role: the
// lines of one logger have the same keys in the same order, so a key is
// first compared with the one at its place in the line before, which
// spares the scan for its end and the role lookup.
type layoutKey struct {
	key  string // without quotes; keys with escapes are not kept
	rr   roleRank
	role bool // rr is a role
}

// maxLayout bounds the keys kept.
const maxLayout = 32

// scanJSON walks one JSON object's top-level members. Nested objects and
// arrays are skipped (their bytes checked for balance only); a nested
// "log" object of ECS is not read.
func (p *structParser) scanJSON(b []byte, f *found) bool {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i++
	k := 0 // the key's index in the line
	for {
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		if b[i] == '}' {
			return true
		}
		if b[i] != '"' {
			return false
		}
		var ks, ke int
		var lk *layoutKey
		if k < len(p.layout) {
			lk = &p.layout[k]
			if e := i + 1 + len(lk.key); e < len(b) && b[e] == '"' && string(b[i+1:e]) == lk.key {
				ks, ke = i+1, e
			} else {
				p.layout, lk = p.layout[:k], nil
			}
		}
		if lk == nil {
			var ok bool
			if ks, ke, ok = jsonString(b, i); !ok {
				return false
			}
			if k == len(p.layout) && k < maxLayout && bytes.IndexByte(b[ks:ke], '\\') < 0 {
				rr, ok := p.roles.get(b[ks:ke])
				p.layout = append(p.layout, layoutKey{string(b[ks:ke]), rr, ok})
				lk = &p.layout[k]
			}
		}
		k++
		key := b[ks:ke]
		i = skipWS(b, ke+1)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return false
		}
		var val []byte
		quoted := false
		switch b[i] {
		case '"':
			vs, ve, ok := jsonString(b, i)
			if !ok {
				return false
			}
			val, quoted, i = b[vs:ve], true, ve+1
		case '{', '[':
			e, ok := skipNested(b, i)
			if !ok {
				return false
			}
			val, i = b[i:e], e
		default:
			e := i
			for e < len(b) && b[e] != ',' && b[e] != '}' && b[e] != ' ' && b[e] != '\t' {
				e++
			}
			val, i = b[i:e], e
			if len(val) == 4 && string(val) == "null" {
				val = nil
			}
		}
		if val != nil {
			if lk != nil {
				p.takeRole(f, lk.rr, lk.role, key, val, quoted)
			} else {
				p.take(f, key, val, quoted)
			}
		}
		i = skipWS(b, i)
		if i >= len(b) {
			return false
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] == '}' {
			return true
		}
		return false
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonString returns the content bounds of the string starting at b[i]
// ('"'); e is the index of the closing quote. It looks at eight bytes at
// a time for a quote or a backslash.
func jsonString(b []byte, i int) (s, e int, ok bool) {
	for j := i + 1; j < len(b); j += 2 { // past a backslash and what it escapes
		j = quoteOrBackslash(b, j)
		if j >= len(b) {
			break
		}
		if b[j] == '"' {
			return i + 1, j, true
		}
	}
	return 0, 0, false
}

// quoteOrBackslash is the index of the first '"' or '\\' in b from j on,
// len(b) when there is none: the next quote by IndexByte (vector code),
// then a backslash before it.
func quoteOrBackslash(b []byte, j int) int {
	q := bytes.IndexByte(b[j:], '"')
	if q < 0 {
		q = len(b) - j
	}
	if k := bytes.IndexByte(b[j:j+q], '\\'); k >= 0 {
		return j + k
	}
	return j + q
}

// roleTable finds the role of a field name: a small open-addressed table,
// since a map costs a string hash for every field of every line, most of
// which have no role.
type roleTable struct {
	slots [roleSlots]roleSlot
	n     int
	more  map[string]roleRank // names past the table's room
}

type roleSlot struct {
	key string
	rr  roleRank
}

const roleSlots = 256 // a power of two, well above the default names

func roleHash[T string | []byte](k T) uint32 {
	h := uint32(len(k)) * 0x9E3779B1
	if len(k) > 0 {
		h ^= uint32(k[0])*0x85EBCA77 ^ uint32(k[len(k)-1])*0xC2B2AE3D
	}
	if len(k) > 2 {
		h ^= uint32(k[1]) * 0x27D4EB2F
	}
	return h ^ h>>15
}

// add keeps the first role given for k.
func (t *roleTable) add(k string, rr roleRank) {
	if _, dup := t.get([]byte(k)); dup || k == "" {
		return
	}
	if t.n >= roleSlots/2 {
		if t.more == nil {
			t.more = map[string]roleRank{}
		}
		t.more[k] = rr
		return
	}
	for i := roleHash(k); ; i++ {
		if s := &t.slots[i%roleSlots]; s.key == "" {
			s.key, s.rr = k, rr
			t.n++
			return
		}
	}
}

func (t *roleTable) get(k []byte) (roleRank, bool) {
	for i := roleHash(k); ; i++ {
		s := &t.slots[i%roleSlots]
		if s.key == "" {
			break
		}
		if s.key == string(k) {
			return s.rr, true
		}
	}
	if t.more != nil {
		rr, ok := t.more[string(k)]
		return rr, ok
	}
	return roleRank{}, false
}

// skipNested returns the index just past the object or array at b[i].
func skipNested(b []byte, i int) (int, bool) {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			_, e, ok := jsonString(b, j)
			if !ok {
				return 0, false
			}
			j = e
		case '{', '[':
			depth++
			if depth > 64 {
				return 0, false
			}
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1, true
			}
		}
	}
	return 0, false
}

// scanLogfmt reads key=value pairs; a value may be "quoted" with \"
// escapes. A line needs two pairs to be logfmt.
func (p *structParser) scanLogfmt(b []byte, f *found) bool {
	pairs := 0
	i := 0
	for {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i >= len(b) {
			return pairs >= 2
		}
		ks := i
		for i < len(b) && b[i] != '=' && b[i] != ' ' && b[i] != '"' {
			i++
		}
		if i >= len(b) || b[i] != '=' || i == ks {
			return false
		}
		key := b[ks:i]
		i++
		var val []byte
		quoted := false
		if i < len(b) && b[i] == '"' {
			vs, ve, ok := jsonString(b, i)
			if !ok {
				return false
			}
			val, quoted, i = b[vs:ve], true, ve+1
		} else {
			vs := i
			for i < len(b) && b[i] != ' ' && b[i] != '\t' {
				i++
			}
			val = b[vs:i]
		}
		pairs++
		p.take(f, key, val, quoted)
	}
}
