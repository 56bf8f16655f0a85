package logs

import (
	"bytes"

	"github.com/hindsight-sre/hindsight/sources"
)

// FormatS3Access is Amazon S3's server access log.
const FormatS3Access = "s3access"

// s3AccessParser reads S3 server access log records (the S3 user guide,
// "Amazon S3 server access log format"):
//
//	owner bucket [06/Feb/2019:00:00:38 +0000] remote requester request-id operation key
//	"request-uri" status error-code bytes-sent object-size total-time turn-around-time "referer" "user-agent" ...
//
// A record is a request: its status, total-time (milliseconds) as the
// request time, and as route the operation (REST.GET.OBJECT): object
// keys are names, not routes, and would make a template each; bucket
// names hold digits, which routes mask.
type s3AccessParser struct {
	c    *nginxCache
	lazy bool
	req  []byte
}

func newS3AccessParser(lazy bool) *s3AccessParser {
	return &s3AccessParser{c: &nginxCache{}, lazy: lazy}
}

func (p *s3AccessParser) format() string { return FormatS3Access }

func (p *s3AccessParser) parse(line []byte, r *Record, w sources.Window) result {
	_, b, ok := nextField(line) // owner
	if !ok {
		return malformed
	}
	var bucket []byte
	if bucket, b, ok = nextField(b); !ok {
		return malformed
	}
	if len(b) < 29 || b[0] != '[' || b[27] != ']' || b[28] != ' ' {
		return malformed
	}
	t, ok := p.c.time(b[1:27])
	if !ok {
		return malformed
	}
	if t.Before(w.From) || !t.Before(w.To) {
		r.reset(t, false)
		return outside
	}
	b = b[29:]
	var remote, op []byte
	if remote, b, ok = nextField(b); !ok {
		return malformed
	}
	for range 2 { // requester, request id
		if _, b, ok = nextField(b); !ok {
			return malformed
		}
	}
	if op, b, ok = nextField(b); !ok {
		return malformed
	}
	if _, b, ok = nextField(b); !ok { // key
		return malformed
	}
	// "GET /bucket/key HTTP/1.1", or "-".
	var method []byte
	if len(b) > 0 && b[0] == '"' {
		end := bytes.IndexByte(b[1:], '"')
		if end < 0 {
			return malformed
		}
		method, _, _ = bytes.Cut(b[1:1+end], []byte(" "))
		b = b[end+2:]
		if len(b) > 0 && b[0] == ' ' {
			b = b[1:]
		}
	} else if _, b, ok = nextField(b); !ok {
		return malformed
	}
	var f [5][]byte // status, error code, bytes sent, object size, total time
	for i := range f {
		if f[i], b, ok = nextField(b); !ok {
			return malformed
		}
	}
	status, ok := statusCode(f[0])
	if !ok {
		return malformed
	}
	r.reset(t, false)
	r.Status = status
	if v, ok := digits64(f[4]); ok {
		r.RequestTime = float64(v) / 1000
	}
	if v, ok := digits64(f[2]); ok {
		r.Bytes = v
	}
	if len(method) == 0 || method[0] < 'A' || method[0] > 'Z' {
		method = []byte("-")
	}
	p.req = append(append(append(append(p.req[:0], method...), " /"...), op...), " HTTP"...)
	r.req, r.msg = p.req, p.req
	if status == 0 {
		r.req = nil
	}
	if !p.lazy {
		r.Method, r.Path, r.Message = string(method), "/"+string(op), string(p.req)
		r.Host = string(bucket)
		r.Remote = string(remote)
		r.req, r.msg = nil, nil
	}
	return parsed
}
