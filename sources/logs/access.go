package logs

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"time"

	"github.com/hindsight-sre/hindsight/sources/logs/drain"
)

// This file holds the hot path of access logs (nginx/apache) past the
// line splitter (internal/lines): the timestamp cache of the parser, and the
// aggregator's counting of access-log lines.

// time parses an nginx $time_local stamp, "20/Nov/2025:03:01:07 +0900"
// (26 bytes). A stamp in the minute and zone of the last one parsed costs
// four word compares and its two digits of seconds; c may be nil (no
// cache).
func (c *nginxCache) time(stamp []byte) (time.Time, bool) {
	if c == nil {
		return parseNginxTime(stamp)
	}
	_ = stamp[25]
	m0 := binary.LittleEndian.Uint64(stamp[0:])
	m1 := binary.LittleEndian.Uint64(stamp[8:])
	m2 := binary.LittleEndian.Uint16(stamp[16:])
	zone := binary.LittleEndian.Uint64(stamp[18:]) &^ 0xffff // the seconds masked
	if c.ok && m0 == c.minute0 && m1 == c.minute1 && m2 == c.minute2 && zone == c.zone {
		s1, s2 := stamp[18]-'0', stamp[19]-'0'
		sec := int64(s1)*10 + int64(s2)
		if s1 > 9 || s2 > 9 || sec > 60 { // as clock
			return time.Time{}, false
		}
		return time.Unix(c.base+sec, 0).UTC(), true
	}
	t, ok := parseNginxTime(stamp)
	if !ok {
		return t, false
	}
	c.minute0, c.minute1, c.minute2, c.zone = m0, m1, m2, zone
	c.base = t.Unix() - int64(stamp[18]-'0')*10 - int64(stamp[19]-'0')
	c.ok = true
	c.in.reset()
	return t, true
}

// accessAdder is the aggregator's path for access-log lines (nginx/apache,
// an nginx log_format, JSON with a status): it counts a line in its step's
// requests, 5xx and request times, and in its route's pattern. It keeps
// caches only: what it counts lives in the aggregator.
type accessAdder struct {
	a      *aggregator
	routes map[string]*route // request line -> route
	fields map[string]*route // method and path -> route
	key    []byte            // scratch for keys made of method and path
	tmpl   []byte            // scratch for route templates
	bins   binCache          // request time -> sketch bin
	ac     *accessCaches     // made at the first request

	// Request times waiting for pendLat's sketch: counts by bin -
	// pendBase in ac.pend.
	pendBase int
	touched  []int32
	pendLat  *latencies

	// The times of the nginx lines read, for aggregator.cover.
	span timeSpan
}

// cover is aggregator.cover for a time, until flushCover.
func (s *accessAdder) cover(t time.Time) { s.span.note(t) }

// latency adds a request time to l. Once l is a sketch, the time's bin
// is counted in pend, and the counts go to the sketch's store when the
// step changes or the file ends (flushCover): one store update per bin
// and step rather than one per line.
func (s *accessAdder) latency(l *latencies, v float64) {
	if l.sketch == nil || !(v > minIndexable && v <= maxIndexable) {
		l.add(v)
		return
	}
	if l != s.pendLat {
		s.flushLatencies()
		s.pendLat = l
	}
	bin := s.bins.index(v)
	i := bin - s.pendBase
	pend := &s.caches().pend
	if uint(i) >= uint(len(pend)) {
		if len(s.touched) > 0 {
			l.pos.Add(bin) // far from the bins counted: straight in
			return
		}
		s.pendBase, i = bin-len(pend)/2, len(pend)/2
	}
	if pend[i] == 0 {
		s.touched = append(s.touched, int32(i))
	}
	pend[i]++
}

// flushLatencies adds the pending bin counts to their sketch.
func (s *accessAdder) flushLatencies() {
	for _, i := range s.touched {
		s.pendLat.pos.AddWithCount(s.pendBase+int(i), float64(s.ac.pend[i]))
		s.ac.pend[i] = 0
	}
	s.touched = s.touched[:0]
}

// flushCover passes the times covered to the aggregator, and the pending
// request times to their sketch: call it when a file ends.
func (s *accessAdder) flushCover() {
	s.flushLatencies()
	s.span.flush(s.a.cover)
}

func newAccessAdder(a *aggregator) *accessAdder {
	return &accessAdder{a: a}
}

// add is aggregator.add for a line with a status.
func (s *accessAdder) add(r *Record, path string, n int, line []byte) {
	a := s.a
	a.inWindow++
	b := a.bucket(r.T)
	if a.acc == nil {
		a.acc = &accessSteps{stepRange: stepRange{nb: a.nb}}
	}
	acc := a.acc
	if _, ok := acc.index(b, len(acc.reqs)); !ok {
		// The tallies move when they grow: the pending request times
		// go to their sketch (held by pointer, it does not move) first.
		s.flushLatencies()
		s.pendLat = nil
	}
	i := acc.at(b)
	acc.reqs[i]++
	if r.Status >= 500 {
		acc.errs[i]++
		if r.LBError {
			acc.lbErr(i)
		}
	}
	if r.RequestTime >= 0 {
		s.latency(&acc.times[i], r.RequestTime)
	}
	rt := s.route(r)
	class := int8(r.Status / 100)
	var p *pattern
	if rt != a.overflow && class >= 0 && class < 10 {
		p = rt.pats[class]
	}
	if p == nil {
		p = a.accessPattern(rt, class, r.Status)
	}
	a.count(p, b, r.T, path, n, line, r)
}

// accessPattern finds or makes the pattern of a route and status class
// when the route does not hold it yet.
func (a *aggregator) accessPattern(rt *route, class int8, status int) *pattern {
	key := patternKey{route: rt, class: class}
	level := "info"
	switch {
	case status >= 500:
		level = "error"
	case status >= 400:
		level = "warn"
	}
	if rt == a.overflow {
		if a.other == nil {
			a.other = &pattern{template: drain.Other}
		}
		rt.pats[max(min(class, 9), 0)] = a.other
	}
	var p *pattern
	if class >= 0 && class < 10 {
		p = rt.pats[class]
	}
	if p == nil {
		p = a.patterns[key]
	}
	if p == nil {
		if len(a.patterns) >= MaxTemplates {
			if a.other == nil {
				a.other = &pattern{template: drain.Other}
			}
			p = a.other
		} else {
			p = &pattern{key: key, level: level, seq: a.inWindow}
			a.patterns[key] = p
		}
		if class >= 0 && class < 10 {
			rt.pats[class] = p
		}
	}
	return p
}

// route returns the route of an access-log line: its method and
// normalised path, the query dropped and ids masked, as normRoute makes
// it. Requests seen before are looked up without allocating, keyed by
// the whole request line: a map of strings, which measured faster in
// BenchmarkFetchNginx than tables of our own keyed by a hash of the line,
// and than templating every line again (see BENCHMARKS.md). A request not
// seen before (with ids in every path, most of them) is templated in
// scratch space, not in new strings.
func (s *accessAdder) route(r *Record) *route {
	m, k := &s.routes, r.req
	var slot *shapeRoute
	var sh uint64
	if k != nil {
		// A route is a function of the request line's shape (digits read
		// as 0): appendTemplate looks at whether a byte is a digit, never
		// at which. /api/items/123 and /api/items/456 share a slot.
		sh = drain.Shape(k)
		ac := s.caches()
		slot = &ac.shapes[sh%uint64(len(ac.shapes))]
		if slot.sh == sh && slot.rt != nil {
			return slot.rt
		}
	}
	if k == nil {
		// No request line (JSON, a log_format with $request_uri): the
		// key is method and path, in a map of its own.
		s.key = append(append(append(s.key[:0], r.Method...), ' '), r.Path...)
		m, k = &s.fields, s.key
	}
	rt := (*m)[string(k)]
	if rt == nil {
		rt = s.newRoute(r, m, k)
	}
	if slot != nil {
		slot.sh, slot.rt = sh, rt
	}
	return rt
}

// accessCaches are an accessAdder's tables, made for a set that has
// access-log lines.
type accessCaches struct {
	shapes [4096]shapeRoute // request line's shape -> route, before routes
	pend   [2048]uint32     // see accessAdder.latency
}

// caches returns the adder's tables, made at the first use: a set with
// no access-log lines has none.
func (s *accessAdder) caches() *accessCaches {
	if s.ac == nil {
		s.ac = new(accessCaches)
	}
	return s.ac
}

// shapeRoute is a slot of accessCaches.shapes.
type shapeRoute struct {
	sh uint64
	rt *route
}

// newRoute is route for a request not in m: its template, then the
// request in m.
func (s *accessAdder) newRoute(r *Record, m *map[string]*route, k []byte) *route {
	a := s.a
	if r.req != nil {
		s.tmpl = appendRequestTemplate(s.tmpl[:0], r.req)
	} else {
		s.tmpl = appendTemplate(s.tmpl[:0], r.Method, r.Path)
	}
	rt := a.routeTmpl[string(s.tmpl)]
	if rt == nil {
		if len(a.routeTmpl) >= maxRouteTmpl {
			if a.overflow == nil {
				a.overflow = &route{tmpl: drain.Other}
			}
			return a.overflow
		}
		if a.routeTmpl == nil {
			a.routeTmpl = map[string]*route{}
		}
		rt = &route{tmpl: string(s.tmpl)}
		a.routeTmpl[rt.tmpl] = rt
	}
	if len(k) <= maxRouteKey {
		if *m == nil || len(*m) >= maxRoutes {
			*m = map[string]*route{}
		}
		(*m)[string(k)] = rt
	}
	return rt
}

// appendRequestTemplate appends the route template of a request line:
// method and path as splitRequest splits them, then appendTemplate.
func appendRequestTemplate(dst, req []byte) []byte {
	i := bytes.IndexByte(req, ' ')
	if i <= 0 {
		return appendTemplate(dst, "", req)
	}
	method, rest := req[:i], req[i+1:]
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return appendTemplate(dst, "", req)
		}
	}
	if j := bytes.LastIndexByte(rest, ' '); j >= 0 {
		rest = rest[:j]
	}
	return appendTemplate(dst, method, rest)
}

// appendTemplate appends method (<invalid> when empty), a space and
// normRoute(path).
func appendTemplate[M, P string | []byte](dst []byte, method M, path P) []byte {
	if len(method) == 0 {
		dst = append(dst, "<invalid>"...)
	} else {
		dst = append(dst, method...)
	}
	dst = append(dst, ' ')
	if len(path) == 0 || path[0] != '/' {
		if len(path) == 1 && path[0] == '*' {
			return append(dst, '*')
		}
		return append(dst, wildcard...)
	}
	end := len(path)
	for i := 1; i < end; i++ {
		if c := path[i]; c == '?' || c == '#' || c == ';' {
			end = i
		}
	}
	n := 0
	for start := 1; ; {
		dst = append(dst, '/')
		if n++; n > 6 {
			return append(dst, wildcard...)
		}
		i, masked := start, false
		for ; i < end && path[i] != '/'; i++ {
			if c := path[i]; c >= '0' && c <= '9' || c == '%' {
				masked = true
			}
		}
		if seg := path[start:i]; masked || len(seg) > 40 {
			dst = append(dst, wildcard...)
		} else {
			dst = append(dst, seg...)
		}
		if i >= end {
			return dst
		}
		start = i + 1
	}
}

// indexNear is bytes.IndexByte for a byte expected within a few bytes
// (the end of an address): eight bytes at a time in a word, which costs
// less than the call for those.
func indexNear(b []byte, c byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	pat := ones * uint64(c)
	i := 0
	for ; i+8 <= len(b) && i < 32; i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ pat
		// The lowest byte flagged is the first zero byte of x: a
		// borrow only flags bytes above it.
		if m := (x - ones) &^ x & highs; m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	if i < 32 {
		for ; i < len(b); i++ {
			if b[i] == c {
				return i
			}
		}
		return -1
	}
	if j := bytes.IndexByte(b[i:], c); j >= 0 {
		return i + j
	}
	return -1
}

// bytesField reads $body_bytes_sent after the status: spaces, then
// digits or "-" up to a space or the end (rest starts there); -1 for
// "-". It is field and digits64 in one pass.
func bytesField(b []byte) (v int64, rest []byte, ok bool) {
	b = trimLeft(b)
	i := 0
	for ; i < len(b) && i <= 18; i++ {
		d := b[i] - '0'
		if d > 9 {
			break
		}
		v = v*10 + int64(d)
	}
	if i > 0 && i <= 18 && (i == len(b) || b[i] == ' ') {
		return v, b[i:], true
	}
	if len(b) > 0 && b[0] == '-' && (len(b) == 1 || b[1] == ' ') {
		return -1, b[1:], true
	}
	return 0, b, false
}

// requestTimeField reads the request time after the user agent: the
// next field, as requestTime reads it; -1 when there is none. The usual
// shapes take one pass.
func requestTimeField(b []byte) float64 {
	b = trimLeft(b)
	if v, i, ok := scanTime(b); ok && (i == len(b) || b[i] == ' ') {
		return v
	}
	tok := b
	if i := indexNear(b, ' '); i >= 0 {
		tok = b[:i]
	}
	if len(tok) == 0 {
		return -1
	}
	return requestTime(tok)
}
