package logs

import (
	"bytes"

	"github.com/hindsight-sre/hindsight/sources"
)

// FormatNLB is a Network Load Balancer's TLS access log.
const FormatNLB = "nlb"

// nlbParser reads Network Load Balancer access log entries, written for
// TLS listeners only (the NLB user guide, "Access log entries"):
//
//	type version time elb listener client:port destination:port connection_time tls_handshake_time
//	received_bytes sent_bytes incoming_tls_alert chosen_cert_arn chosen_cert_serial tls_cipher
//	tls_protocol_version tls_named_group domain_name ...
//
// time is when the connection closed, "2018-12-20T02:59:40" in UTC. An
// entry is a connection, not a request: it has no status. Its line is
// templated as "tls: tlsv12 ok" or "tls: tlsv12 alert 0x46" (at level
// warn), so that failed handshakes are counted per step; the handshake
// time is kept as the request time.
type nlbParser struct {
	lazy      bool
	msg, prog []byte
	c         albCache
	buf       [24]byte
}

func newNLBParser(lazy bool) *nlbParser { return &nlbParser{lazy: lazy} }

func (p *nlbParser) format() string { return FormatNLB }

func (p *nlbParser) parse(line []byte, r *Record, w sources.Window) result {
	var f [16][]byte
	b := line
	for i := range f {
		var ok bool
		if f[i], b, ok = nextField(b); !ok {
			return malformed // an entry has more fields after these
		}
	}
	if !bytes.Equal(f[0], []byte("tls")) || len(f[2]) != 19 {
		return malformed
	}
	copy(p.buf[:], f[2])
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
	if v, ok := digits64(f[8]); ok { // tls_handshake_time, ms
		r.RequestTime = float64(v) / 1000
	} else if !dash(f[8]) {
		return malformed
	}
	if v, ok := digits64(f[10]); ok {
		r.Bytes = v
	}
	p.prog = append(p.prog[:0], "tls"...)
	p.msg = append(append(p.msg[:0], f[15]...), ' ')
	if alert := f[11]; !dash(alert) {
		p.msg = append(append(p.msg, "alert "...), alert...)
		r.Level = "warn"
	} else {
		p.msg = append(p.msg, "ok"...)
		r.Level = "info"
	}
	r.msg, r.prog = p.msg, p.prog
	if !p.lazy {
		r.Message, r.Program = string(p.msg), string(p.prog)
		r.msg, r.prog = nil, nil
	}
	return parsed
}
