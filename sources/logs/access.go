package logs

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/drain"
)

// This file holds the hot path of access logs (nginx/apache) past the
// line splitter (lines.go): the timestamp cache of the parser, and the
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
	bins   binCache          // request time -> sketch bin

	// The step of the line before: [lo, hi) in unix ns, index b.
	lo, hi int64
	b      int
}

func newAccessAdder(a *aggregator) *accessAdder {
	return &accessAdder{a: a}
}

// add is aggregator.add for a line with a status.
func (s *accessAdder) add(r *Record, path string, n int, line []byte) {
	a := s.a
	a.inWindow++
	b := s.b
	if ns := r.T.UnixNano(); ns < s.lo || ns >= s.hi {
		b = a.bucket(r.T)
		s.b, s.lo, s.hi = b, a.base+int64(b)*a.step, a.base+int64(b+1)*a.step
		if b == 0 {
			s.lo = math.MinInt64 // bucket clamps
		}
		if b == a.nb-1 {
			s.hi = math.MaxInt64
		}
	}
	if a.reqs == nil {
		a.reqs, a.errs, a.times = make([]int, a.nb), make([]int, a.nb), make([]latencies, a.nb)
	}
	a.reqs[b]++
	if r.Status >= 500 {
		a.errs[b]++
	}
	if r.RequestTime >= 0 {
		a.times[b].addCached(r.RequestTime, &s.bins)
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
	if b == p.lastB && p.lastN > 0 {
		p.lastN++
	} else {
		if p.lastN > 0 {
			p.counts[p.lastB] += p.lastN
		}
		p.lastB, p.lastN = b, 1
	}
	if p.first.IsZero() || r.T.Before(p.first) {
		p.first = r.T
	}
	if len(p.examples) < 3 {
		p.examples = append(p.examples, sources.LogLine{File: path, Line: lineNumber(n), T: r.T, Text: truncate(string(line), 500)})
	}
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
			a.other = &pattern{template: drain.Other, counts: map[int]int{}}
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
				a.other = &pattern{template: drain.Other, counts: map[int]int{}}
			}
			p = a.other
		} else {
			p = &pattern{key: key, level: level, counts: map[int]int{}, seq: a.inWindow}
			a.patterns[key] = p
		}
		if class >= 0 && class < 10 {
			rt.pats[class] = p
		}
	}
	return p
}

// route returns the route of an access-log line: its method and
// normalised path, the query dropped and ids masked. Requests seen before
// are looked up without allocating, keyed by the whole request line: a
// map of strings, which measured faster in BenchmarkFetchNginx than
// tables of our own keyed by a hash of the line (see BENCHMARKS.md).
func (s *accessAdder) route(r *Record) *route {
	m, k := &s.routes, r.req
	if k == nil {
		// No request line (JSON, a log_format with $request_uri): the
		// key is method and path, in a map of its own.
		s.key = append(append(append(s.key[:0], r.Method...), ' '), r.Path...)
		m, k = &s.fields, s.key
	}
	if rt := (*m)[string(k)]; rt != nil {
		return rt
	}
	a := s.a
	if a.routeTmpl == nil {
		a.routeTmpl = map[string]*route{}
	}
	method, path := r.Method, r.Path
	if r.req != nil {
		method, path, _ = splitRequest(string(r.req))
	}
	if method == "" {
		method = "<invalid>"
	}
	tmpl := method + " " + normRoute(path)
	rt := a.routeTmpl[tmpl]
	if rt == nil {
		if len(a.routeTmpl) >= maxRouteTmpl {
			if a.overflow == nil {
				a.overflow = &route{tmpl: drain.Other}
			}
			return a.overflow
		}
		rt = &route{tmpl: tmpl}
		a.routeTmpl[tmpl] = rt
	}
	if len(k) <= maxRouteKey {
		if *m == nil || len(*m) >= maxRoutes {
			*m = map[string]*route{}
		}
		(*m)[string(k)] = rt
	}
	return rt
}

// indexNear is bytes.IndexByte for a byte expected within a few bytes
// (the end of an address, of a number): a loop over them costs less than
// the call.
func indexNear(b []byte, c byte) int {
	n := min(len(b), 16)
	for i := range n {
		if b[i] == c {
			return i
		}
	}
	if i := bytes.IndexByte(b[n:], c); i >= 0 {
		return n + i
	}
	return -1
}

// fieldNear is field for a short field.
func fieldNear(b []byte) (f, rest []byte) {
	b = trimLeft(b)
	i := indexNear(b, ' ')
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i:]
}
