package logs

import (
	"bytes"

	"github.com/hindsight-sre/hindsight/sources"
)

// FormatCloudFront is CloudFront's standard (access) log.
const FormatCloudFront = "cloudfront"

// commenter is a format with header or comment lines, which are neither
// records nor errors; a header may set how the lines after it are read
// (CloudFront's and W3C's "#Fields:").
type commenter interface {
	comment(line []byte) bool
}

// cloudfrontParser reads CloudFront standard logs: W3C extended format,
// tab-separated, in UTC, with "#Version:" and "#Fields:" headers (the
// CloudFront developer guide, "Standard log file fields"). The columns
// are found by name from the #Fields header when there is one (standard
// logging v2 lets users pick and order fields), else in the legacy
// order. A line is a request: time (date and time, when CloudFront
// finished the response), status (sc-status; 000, a viewer that went
// away, is read as no status), time-taken as the request time, and
// the route from cs-method and cs-uri-stem.
type cloudfrontParser struct {
	lazy bool
	col  cfColumns
	req  []byte
	c    albCache // the minute of the last stamp
	buf  [24]byte
}

// cfColumns are the indexes of the fields read; -1 when absent.
type cfColumns struct {
	date, time, status, method, uri, taken, bytes, ip int
	n                                                 int // fields a line must have
}

// cfMaxFields bounds the columns read (CloudFront has 33 today).
const cfMaxFields = 64

// cfLegacy is the legacy field order.
var cfLegacy = cfColumns{date: 0, time: 1, bytes: 3, ip: 4, method: 5, uri: 7, status: 8, taken: 18, n: 19}

func newCloudFrontParser(lazy bool) *cloudfrontParser {
	return &cloudfrontParser{lazy: lazy, col: cfLegacy}
}

func (p *cloudfrontParser) format() string { return FormatCloudFront }

func (p *cloudfrontParser) comment(line []byte) bool {
	if len(line) == 0 || line[0] != '#' {
		return false
	}
	if rest, ok := bytes.CutPrefix(line, []byte("#Fields:")); ok {
		c := cfColumns{date: -1, time: -1, status: -1, method: -1, uri: -1, taken: -1, bytes: -1, ip: -1}
		for i, f := range bytes.Fields(rest) {
			switch string(f) {
			case "date":
				c.date = i
			case "time":
				c.time = i
			case "sc-status":
				c.status = i
			case "cs-method":
				c.method = i
			case "cs-uri-stem":
				c.uri = i
			case "time-taken":
				c.taken = i
			case "sc-bytes":
				c.bytes = i
			case "c-ip":
				c.ip = i
			}
		}
		for _, k := range []*int{&c.date, &c.time, &c.status, &c.method, &c.uri, &c.taken, &c.bytes, &c.ip} {
			if *k >= cfMaxFields {
				*k = -1
			}
			c.n = max(c.n, *k+1)
		}
		if c.date >= 0 && c.time >= 0 {
			p.col = c
		}
	}
	return true
}

func (p *cloudfrontParser) parse(line []byte, r *Record, w sources.Window) result {
	c := &p.col
	var f [cfMaxFields][]byte
	if splitFields(f[:c.n], line, '\t') < c.n {
		return malformed
	}
	d, tm := f[c.date], f[c.time]
	if len(d) != 10 || len(tm) != 8 {
		return malformed
	}
	// "2019-12-04" "21:02:31" as "2019-12-04T21:02:31Z" for albCache.
	copy(p.buf[:], d)
	p.buf[10] = 'T'
	copy(p.buf[11:], tm)
	p.buf[19] = 'Z'
	t, _, ok := p.c.time(p.buf[:20])
	if !ok {
		return malformed
	}
	if t.Before(w.From) || !t.Before(w.To) {
		r.reset(t, false)
		return outside
	}
	r.reset(t, false)
	if c.status >= 0 {
		s := f[c.status]
		if st, ok := statusCode(s); ok {
			r.Status = st
		} else if !bytes.Equal(s, []byte("000")) {
			return malformed
		}
	}
	if c.taken >= 0 {
		if v, ok := procTime(f[c.taken]); ok {
			r.RequestTime = v
		}
	}
	if c.bytes >= 0 {
		if v, ok := digits64(f[c.bytes]); ok {
			r.Bytes = v
		}
	}
	var method, uri []byte
	if c.method >= 0 {
		method = f[c.method]
	}
	if c.uri >= 0 {
		uri = f[c.uri]
	}
	p.req = append(append(append(append(p.req[:0], method...), ' '), uri...), " HTTP"...)
	r.req, r.msg = p.req, p.req
	if r.Status == 0 {
		// No status: a line of its own kind, templated as a message.
		r.req = nil
		r.Level = "warn"
	}
	if !p.lazy {
		r.Method, r.Path, r.Message = string(method), string(uri), string(p.req)
		if c.ip >= 0 {
			r.Remote = string(f[c.ip])
		}
		r.req, r.msg = nil, nil
	}
	return parsed
}
