package logs

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Formats of AWS load balancers' access logs.
const (
	FormatALB = "alb" // Application Load Balancer access logs
	FormatELB = "elb" // Classic Load Balancer access logs
)

// albParser reads Elastic Load Balancing access log lines, of an
// Application Load Balancer
//
//	type time elb client:port target:port request_processing_time target_processing_time
//	response_processing_time elb_status_code target_status_code received_bytes sent_bytes
//	"request" "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" ...
//
// and of a Classic Load Balancer (the same without the leading type). time
// is when the load balancer sent the response, ISO 8601 in UTC with
// microseconds. The request time is the sum of the three processing
// times; it is unknown (-1) when any is -1 (the request never reached a
// target: a 502, 503 or 504 made by the load balancer itself). Status
// is elb_status_code, what the client got, so the 5xx series counts the
// load balancer's errors and the targets' alike, and the "alb elb 5xx"
// ("elb 5xx" for a classic one) series the load balancer's own, those
// with no target status; the route is the
// request's path, scheme and host dropped. The fields after the request
// (user agent, TLS, ARNs, trace id) are not read at all: that is most of
// the line, and why it parses at memory speed.
type albParser struct {
	c     *albCache
	name  string
	lazy  bool
	req   []byte // the request line rebuilt with the path alone (see parse)
	short bool   // classic ELB: no type field
}

// albCache remembers the last stamp's minute, "2025-11-20T10:04:"
// (17 bytes): consecutive lines share it.
type albCache struct {
	m0, m1 uint64
	m2     byte
	base   int64
	ok     bool
}

func newALBParser(name string, lazy bool) *albParser {
	return &albParser{c: &albCache{}, name: name, lazy: lazy, short: name == FormatELB}
}

func (p *albParser) format() string { return p.name }

// albTypes are the first field of an ALB/NLB line.
var albTypes = [][]byte{[]byte("http"), []byte("https"), []byte("h2"), []byte("grpcs"), []byte("ws"), []byte("wss")}

// time reads "2025-11-20T10:04:59.123456Z" (the fraction may be absent
// or of any length).
func (c *albCache) time(b []byte) (time.Time, int, bool) {
	if len(b) < 20 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, 0, false
	}
	m0 := binary.LittleEndian.Uint64(b[0:])
	m1 := binary.LittleEndian.Uint64(b[8:])
	m2 := b[16]
	if !(c.ok && m0 == c.m0 && m1 == c.m1 && m2 == c.m2) {
		y, ok1 := digits(b[0:4])
		mo, ok2 := digits(b[5:7])
		d, ok3 := digits(b[8:10])
		h, ok4 := digits(b[11:13])
		mi, ok5 := digits(b[14:16])
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 {
			return time.Time{}, 0, false
		}
		c.base = time.Date(y, time.Month(mo), d, h, mi, 0, 0, time.UTC).Unix()
		c.m0, c.m1, c.m2, c.ok = m0, m1, m2, true
	}
	s1, s2 := b[17]-'0', b[18]-'0'
	if s1 > 6 || s2 > 9 {
		return time.Time{}, 0, false
	}
	sec := int64(s1)*10 + int64(s2)
	i := 19
	var ns int64
	if b[i] == '.' {
		i++
		scale := int64(100000000)
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			ns += int64(b[i]-'0') * scale
			scale /= 10
		}
	}
	if i >= len(b) || b[i] != 'Z' {
		return time.Time{}, 0, false
	}
	t := time.Unix(c.base+sec, ns).UTC()
	if t.IsZero() {
		// 0001-01-01T00:00:00Z is Go's zero time, which everything after
		// reads as "no time"; no load balancer wrote it.
		return time.Time{}, 0, false
	}
	return t, i + 1, true
}

// next returns the field at the start of b (up to a space) and the rest
// after the space.
func nextField(b []byte) (field, rest []byte, ok bool) {
	i := indexNear(b, ' ') // fields are short: a word at a time beats IndexByte's setup
	if i <= 0 {
		return nil, nil, false
	}
	return b[:i], b[i+1:], true
}

// procTime reads a processing time: seconds with a fraction, or -1.
func procTime(f []byte) (float64, bool) {
	if len(f) == 2 && f[0] == '-' && f[1] == '1' {
		return -1, true
	}
	v, i, ok := scanTime(f)
	return v, ok && i == len(f) && bytes.IndexByte(f, '.') > 0
}

// statusCode reads a three-digit status, 0 for "-".
func statusCode(f []byte) (int, bool) {
	if len(f) == 1 && f[0] == '-' {
		return 0, true
	}
	if len(f) != 3 {
		return 0, false
	}
	a, b, c := f[0]-'0', f[1]-'0', f[2]-'0'
	if a < 1 || a > 5 || b > 9 || c > 9 {
		return 0, false
	}
	return int(a)*100 + int(b)*10 + int(c), true
}

func (p *albParser) parse(line []byte, r *Record, w sources.Window) result {
	b := line
	if !p.short {
		typ, rest, ok := nextField(b)
		if !ok {
			return malformed
		}
		known := false
		for _, t := range albTypes {
			if bytes.Equal(typ, t) {
				known = true
				break
			}
		}
		if !known {
			return malformed
		}
		b = rest
	}
	t, n, ok := p.c.time(b)
	if !ok || n >= len(b) || b[n] != ' ' {
		return malformed
	}
	if t.Before(w.From) || !t.Before(w.To) {
		r.reset(t, false)
		return outside
	}
	b = b[n+1:]
	var elb, client []byte
	if elb, b, ok = nextField(b); !ok {
		return malformed
	}
	if client, b, ok = nextField(b); !ok {
		return malformed
	}
	if _, b, ok = nextField(b); !ok { // target:port
		return malformed
	}
	var f [7][]byte
	for i := range f {
		if f[i], b, ok = nextField(b); !ok {
			return malformed
		}
	}
	var times [3]float64
	for i := range times {
		if times[i], ok = procTime(f[i]); !ok {
			return malformed
		}
	}
	status, ok1 := statusCode(f[3])
	target, ok2 := statusCode(f[4])
	if !ok1 || !ok2 {
		return malformed
	}
	if status == 0 {
		status = target
	}
	r.reset(t, false)
	r.Status = status
	// A 5xx with no target status is the load balancer's own (502: the
	// target closed or refused; 503: no healthy target; 504: it did not
	// answer in time): a dead or unreachable target, where a target's
	// own 5xx is a target that answers, wrongly. Counted apart, the two
	// tell those causes apart.
	r.LBError = status >= 500 && target == 0
	if times[0] >= 0 && times[1] >= 0 && times[2] >= 0 {
		r.RequestTime = times[0] + times[1] + times[2]
	}
	if sent, ok := digits64(f[6]); ok {
		r.Bytes = sent
	}
	if !p.lazy {
		r.Remote = hostOf(client)
		_ = elb
	}
	// The request: "GET https://shop.example:443/api/items?x=1 HTTP/1.1",
	// or "- - - " for a TCP listener's line.
	if len(b) < 2 || b[0] != '"' {
		return malformed
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return malformed
	}
	req := b[1 : 1+end]
	method, rest, _ := bytes.Cut(req, []byte(" "))
	url, proto, _ := bytes.Cut(rest, []byte(" "))
	path := url
	if i := bytes.Index(url, []byte("://")); i > 0 {
		path = url[i+3:]
		if j := bytes.IndexByte(path, '/'); j >= 0 {
			path = path[j:]
		} else {
			path = []byte("/")
		}
	}
	p.req = append(append(append(append(append(p.req[:0], method...), ' '), path...), ' '), proto...)
	r.req = p.req
	r.msg = p.req
	if !p.lazy {
		r.Method, r.Path, r.Proto = string(method), string(path), string(proto)
		r.Message = string(req)
		r.req, r.msg = nil, nil
	}
	return parsed
}

// hostOf is an address without its port ("10.0.0.1:443" -> "10.0.0.1").
func hostOf(b []byte) string {
	if i := bytes.LastIndexByte(b, ':'); i > 0 && bytes.IndexByte(b, ']') < i {
		return string(b[:i])
	}
	return string(b)
}
