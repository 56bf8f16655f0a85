package logs

import (
	"bytes"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// FormatVPCFlow is Amazon VPC Flow Logs.
const FormatVPCFlow = "vpcflow"

// vpcFlowParser reads VPC flow log records (the VPC user guide, "Flow log
// records"): space-separated fields, by default
//
//	version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
//
// Files delivered to S3 begin with a header line that names the fields;
// a custom format is read by it. A record's time is its start (unix
// seconds). Flows are counted, not templated: the source makes series
// of rejected flows and bytes per step (aggregator.flow), and only the
// rejected ones become patterns ("tcp/22: REJECT"), which say what was
// being refused.
type vpcFlowParser struct {
	lazy      bool
	col       flowColumns
	msg, prog []byte
}

type flowColumns struct {
	start, action, bytes, proto, dstport, status int
	n                                            int
}

var flowDefault = flowColumns{start: 10, action: 12, bytes: 9, proto: 7, dstport: 6, status: 13, n: 14}

func newVPCFlowParser(lazy bool) *vpcFlowParser {
	return &vpcFlowParser{lazy: lazy, col: flowDefault}
}

func (p *vpcFlowParser) format() string { return FormatVPCFlow }

// comment reads the header line ("version account-id ..." or a custom
// format's field names): a line whose first field is a name, not a number.
func (p *vpcFlowParser) comment(line []byte) bool {
	if len(line) == 0 || line[0] >= '0' && line[0] <= '9' || line[0] == '-' {
		return false
	}
	c := flowColumns{start: -1, action: -1, bytes: -1, proto: -1, dstport: -1, status: -1}
	known := 0
	for i, f := range bytes.Fields(line) {
		k := string(bytes.ReplaceAll(f, []byte("_"), []byte("-")))
		switch k {
		case "start":
			c.start = i
		case "action":
			c.action = i
		case "bytes":
			c.bytes = i
		case "protocol":
			c.proto = i
		case "dstport":
			c.dstport = i
		case "log-status":
			c.status = i
		case "version", "srcaddr", "dstaddr", "interface-id", "account-id", "packets", "end", "srcport":
		default:
			continue
		}
		known++
	}
	if known < 3 || c.start < 0 {
		return false
	}
	for _, k := range []int{c.start, c.action, c.bytes, c.proto, c.dstport, c.status} {
		c.n = max(c.n, k+1)
	}
	p.col = c
	return true
}

func (p *vpcFlowParser) parse(line []byte, r *Record, w sources.Window) result {
	c := &p.col
	var f [64][]byte
	if c.n > len(f) {
		return malformed
	}
	if splitFields(f[:c.n], line, ' ') < c.n {
		return malformed
	}
	sec, ok := digits64(f[c.start])
	if !ok || sec < 1e8 || sec > 1e11 {
		return malformed
	}
	t := time.Unix(sec, 0).UTC()
	if t.Before(w.From) || !t.Before(w.To) {
		r.reset(t, false)
		return outside
	}
	r.reset(t, false)
	if c.bytes >= 0 {
		if v, ok := digits64(f[c.bytes]); ok {
			r.Bytes = v
		} else if !dash(f[c.bytes]) {
			return malformed
		}
	}
	action := []byte("-")
	if c.action >= 0 {
		action = f[c.action]
		if !bytes.Equal(action, []byte("ACCEPT")) && !bytes.Equal(action, []byte("REJECT")) && !dash(action) {
			return malformed
		}
	}
	// The pattern is "tcp/22: REJECT": the protocol and port are the
	// program, which is kept as it is (the miner would mask a port).
	p.prog = p.prog[:0]
	proto := []byte("-")
	if c.proto >= 0 {
		proto = f[c.proto]
	}
	switch string(proto) {
	case "6":
		p.prog = append(p.prog, "tcp"...)
	case "17":
		p.prog = append(p.prog, "udp"...)
	case "1":
		p.prog = append(p.prog, "icmp"...)
	default:
		p.prog = append(append(p.prog, "protocol "...), proto...)
	}
	if c.dstport >= 0 {
		p.prog = append(append(p.prog, '/'), f[c.dstport]...)
	}
	p.msg = append(p.msg[:0], action...)
	if action[0] == 'R' {
		r.Level = "warn"
	} else {
		r.Level = "info"
	}
	r.msg, r.prog = p.msg, p.prog
	if !p.lazy {
		r.Message, r.Program = string(p.msg), string(p.prog)
		r.msg, r.prog = nil, nil
	}
	return parsed
}

func dash(b []byte) bool { return len(b) == 1 && b[0] == '-' }

// flowCounts are the VPC flow records of a set per step, from the first
// step a record fell in (lo) to the last, as accessSteps.
type flowCounts struct {
	stepRange
	rejects []int
	bytes   []float64
}

// at returns the index of step b, growing the counts to hold it.
func (f *flowCounts) at(b int) int {
	if i, ok := f.index(b, len(f.rejects)); ok {
		return i
	}
	f.span(b, b+1)
	return b - f.lo
}

// span grows the counts to hold steps [lo, hi).
func (f *flowCounts) span(lo, hi int) {
	old, lo, hi := f.widen(lo, hi, len(f.rejects))
	f.rejects = rebase(f.rejects, old, lo, hi, f.nb)
	f.bytes = rebase(f.bytes, old, lo, hi, f.nb)
}

// flow counts a flow record; it reports whether the record is done
// with (an accepted flow: counted, not templated).
func (a *aggregator) flow(r *Record) bool {
	if a.flows == nil {
		a.flows = &flowCounts{stepRange: stepRange{nb: a.nb}}
	}
	i := a.flows.at(a.bucket(r.T))
	if r.Bytes > 0 {
		a.flows.bytes[i] += float64(r.Bytes)
	}
	if r.Level == "warn" {
		a.flows.rejects[i]++
		return false // a.add counts it and templates it
	}
	a.inWindow++
	return true
}

func (a *aggregator) mergeFlows(b *aggregator) {
	if b.flows == nil {
		return
	}
	if a.flows == nil {
		a.flows = &flowCounts{stepRange: stepRange{nb: a.nb}}
	}
	f, bf := a.flows, b.flows
	f.span(bf.lo, bf.lo+len(bf.rejects))
	off := bf.lo - f.lo
	for i := range bf.rejects {
		f.rejects[off+i] += bf.rejects[i]
		f.bytes[off+i] += bf.bytes[i]
	}
}

// flowSeries are the rejected flows and the bytes per second, every step
// from the first with a record to the window's end (see series).
func (a *aggregator) flowSeries() []sources.Series {
	sec := float64(a.step) / 1e9
	query := "file:" + a.set.glob
	rej := sources.Series{Source: a.s.c.Name, Name: "vpc flow rejects", Labels: map[string]string{"file": a.set.name}, Role: sources.Errors, Unit: "1/s", Query: query}
	by := sources.Series{Source: a.s.c.Name, Name: "vpc flow bytes", Labels: map[string]string{"file": a.set.name}, Role: sources.Traffic, Unit: "B/s", Query: query}
	f := a.flows
	rej.Points = make([]sources.Point, a.nb-f.lo)
	by.Points = make([]sources.Point, a.nb-f.lo)
	for i := range rej.Points {
		t := a.bucketTime(f.lo + i)
		rej.Points[i].T, by.Points[i].T = t, t
		if i < len(f.rejects) {
			rej.Points[i].V = float64(f.rejects[i]) / sec
			by.Points[i].V = f.bytes[i] / sec
		}
	}
	return []sources.Series{rej, by}
}
