package logs

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// The values a burst's lines may share, and that name who or what is
// behind it: the address a line names (for an access log, its client);
// for access logs also the user agent, the referrer, the campaign of the
// query (utm_campaign, else utm_source) and the request as written (path
// and query: the value of a route's variable, "/api/items/17" of "GET
// /api/items/<*>", and the parameters a crawler or an attack repeats).
// These are the breakdowns a person reaches for after a surge or an
// attack, whatever the service.
const (
	kindAddress = iota
	kindUA
	kindReferrer
	kindCampaign
	kindRequest
	nKinds
)

var kindNames = [nKinds]string{"address", "user agent", "referrer", "campaign", "request"}

// kindName is the name of kind k in a pattern's values: an access log's
// address is its client.
func kindName(k int, access bool) string {
	if k == kindAddress && access {
		return "client"
	}
	return kindNames[k]
}

// lineValues returns the values of line: the first address; for access
// lines (access) the campaign, and the request's target (r's, whatever
// the format) when the route has a variable or the target a query (vary;
// else the target is the route itself, which the pattern already names);
// for combined lines (combined) the referrer and the user agent, the
// quoted fields after the request. "-" and "" are no value.
func lineValues(line []byte, k lineKind, r *Record) (v [nKinds][]byte) {
	v[kindAddress] = firstAddress(line)
	if !k.access {
		return v
	}
	v[kindCampaign] = campaignOf(line)
	if r != nil {
		v[kindRequest] = recordTarget(r, k.vary)
	}
	if k.combined {
		var q [3][]byte
		if n := quotedFields(line, q[:]); n == 3 {
			if f := q[1]; len(f) > 0 && string(f) != "-" {
				v[kindReferrer] = f
			}
			if f := q[2]; len(f) > 0 && string(f) != "-" {
				v[kindUA] = f
			}
		}
	}
	return v
}

// recordTarget is the target of r's request: of its request line, else
// its path (JSON lines, CloudFront); nil as requestTarget says.
func recordTarget(r *Record, vary bool) []byte {
	if r.req != nil {
		return requestTarget(r.req, vary)
	}
	if r.Path == "" || !vary && strings.IndexByte(r.Path, '?') < 0 {
		return nil
	}
	return []byte(r.Path)
}

// requestTarget is the target of a request line ("GET /a?b HTTP/1.1"
// gives "/a?b"), nil when there is none or when it has no query and vary
// is false.
func requestTarget(req []byte, vary bool) []byte {
	i := bytes.IndexByte(req, ' ')
	if i < 0 {
		return nil
	}
	t := req[i+1:]
	if j := bytes.LastIndexByte(t, ' '); j >= 0 {
		t = t[:j]
	}
	if len(t) == 0 || !vary && bytes.IndexByte(t, '?') < 0 {
		return nil
	}
	return t
}

// lineKind is what lineValues looks for in a pattern's lines: access
// lines; combined lines; and whether the route has a variable (or is the
// overflow route, "<other>").
type lineKind struct{ access, combined, vary bool }

func (a *aggregator) lineKind(p *pattern) lineKind {
	if p.key.route == nil {
		return lineKind{}
	}
	return lineKind{
		access:   true,
		combined: a.accessFormat == FormatNginx || a.accessFormat == accessApache,
		vary:     strings.IndexByte(p.key.route.tmpl, '<') >= 0,
	}
}

// campaignOf returns "utm_campaign=<value>" (else "utm_source=<value>")
// of the line's query, or nil.
func campaignOf(line []byte) []byte {
	for _, key := range []string{"utm_campaign=", "utm_source="} {
		i := bytes.Index(line, []byte(key))
		if i < 0 || i > 0 && line[i-1] != '?' && line[i-1] != '&' {
			continue
		}
		j := i + len(key)
		for j < len(line) && line[j] != '&' && line[j] != ' ' && line[j] != '"' && line[j] != '#' {
			j++
		}
		if j > i+len(key) {
			return line[i:j]
		}
	}
	return nil
}

// quotedFields fills out with the line's first double-quoted fields
// (backslash escapes kept as written) and returns how many it found.
func quotedFields(line []byte, out [][]byte) int {
	n := 0
	for i := 0; i < len(line) && n < len(out); i++ {
		if line[i] != '"' {
			continue
		}
		j := i + 1
		for j < len(line) && line[j] != '"' {
			if line[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(line) {
			break
		}
		out[n] = line[i+1 : j]
		n++
		i = j
	}
	return n
}

// countValues counts the values of a line of the busiest step (one
// Misra-Gries summary of four counters per kind: a value in more than a
// fifth of the lines is kept, its count a lower bound).
func (a *aggregator) countValues(p *pattern, line []byte, r *Record) {
	vs := lineValues(line, a.lineKind(p), r)
	p.valsN++
	for k, v := range vs {
		if v != nil {
			p.vals[k] = misraGries(p.vals[k], v)
		}
	}
}

func misraGries(vals []valCount, v []byte) []valCount {
	for i := range vals {
		if vals[i].v == string(v) {
			vals[i].n++
			return vals
		}
	}
	if len(vals) < 4 {
		return append(vals, valCount{string(v), 1})
	}
	for i := range vals {
		vals[i].n--
	}
	return slices.DeleteFunc(vals, func(c valCount) bool { return c.n <= 0 })
}

// sampleSize is the reservoir of lines kept per pattern for baseline
// shares and for the values of bursts whose busiest step says little:
// 128 lines tell a value in most lines from one in a few percent, hold a
// dozen or more lines of a burst of a tenth of the pattern's lines, and
// cost a few thousand value look-ups over a million lines (10 KB a
// pattern).
const sampleSize = 128

// lineSample is a sampled line: its step and values.
type lineSample struct {
	b      int
	w      float64 // lines it stands for, set at emit
	values [nKinds]string
	ex     *sources.LogLine // the line itself, in the first exampleSlots slots
}

// exampleSlots is how many of a sample's slots keep their line as an
// example: the lines of a burst that is not the pattern's busiest step
// (a second visit, a slow surge) are among them, so that its examples
// come from inside it. Each slot holds a uniformly drawn line, so 16
// slots hold a line of a burst of a tenth of the pattern's lines with a
// chance of 1-0.9^16 = 81%, for at most 8 KB a pattern.
const exampleSlots = 16

// sample is the reservoir step of a pattern's line (Li's Algorithm L):
// the first sampleSize lines are kept, then a line replaces a random one
// at intervals drawn so that every line is kept with the same chance.
// Most lines cost a comparison; the random numbers come from the
// aggregator's seeded generator, so a run gives the same report as the
// last.
func (a *aggregator) sample(p *pattern, b int, t time.Time, path string, n int, line []byte, r *Record) {
	i := p.seen
	p.seen++
	if i < p.next {
		return
	}
	if a.rng == nil {
		a.rng = rand.New(rand.NewPCG(0x5eed, uint64(a.base)))
	}
	s := lineSample{b: b}
	vs := lineValues(line, a.lineKind(p), r)
	for k, v := range vs {
		if v != nil {
			s.values[k] = string(v)
			p.named = true
		}
	}
	if len(p.sample) < sampleSize {
		if len(p.sample) < exampleSlots {
			ex := logLine(path, n, t, line)
			s.ex = &ex
		}
		p.sample = append(p.sample, s)
		if len(p.sample) == sampleSize {
			p.wl = math.Exp(math.Log(a.rng.Float64()) / sampleSize)
			p.next = p.seen + a.skip(p.wl)
		} else {
			p.next = p.seen
		}
		return
	}
	j := a.rng.IntN(sampleSize)
	if j < exampleSlots {
		ex := logLine(path, n, t, line)
		s.ex = &ex
	}
	p.sample[j] = s
	p.wl *= math.Exp(math.Log(a.rng.Float64()) / sampleSize)
	p.next = p.seen + a.skip(p.wl)
}

// skip is Algorithm L's count of lines passed over.
func (a *aggregator) skip(w float64) int {
	u := a.rng.Float64()
	if u == 0 || w >= 1 {
		return 0
	}
	s := math.Floor(math.Log(u) / math.Log1p(-w))
	if s > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(s)
}

// weighSample sets the lines each of p's sampled lines stands for: call
// it before patterns of one template are merged.
func (p *pattern) weighSample() {
	if len(p.sample) == 0 || p.sample[0].w != 0 {
		return
	}
	w := float64(p.seen) / float64(len(p.sample))
	for i := range p.sample {
		p.sample[i].w = w
	}
}

// peakValues are the values kept in a fifth or more of the lines counted
// in p's busiest step, most lines first.
func (p *pattern) peakValues() []sources.LogValue {
	var out []sources.LogValue
	for k := range p.vals {
		for _, c := range p.vals[k] {
			if 5*c.n >= p.peakLen {
				out = append(out, sources.LogValue{Kind: kindName(k, p.key.route != nil), Value: c.v, Lines: c.n})
			}
		}
	}
	slices.SortStableFunc(out, func(x, y sources.LogValue) int { return cmp.Compare(y.Lines, x.Lines) })
	return out
}

// logSample is p's sample for a LogPattern, nil when no sampled line
// named a value or is kept as an example.
func (a *aggregator) logSample(p *pattern) []sources.LogSample {
	if !p.named && !slices.ContainsFunc(p.sample, func(s lineSample) bool { return s.ex != nil }) {
		return nil
	}
	out := make([]sources.LogSample, len(p.sample))
	for i, s := range p.sample {
		out[i] = sources.LogSample{T: a.bucketTime(s.b), Weight: s.w, Line: s.ex}
		for k, v := range s.values {
			if v != "" {
				out[i].Values = append(out[i].Values, sources.LogValue{Kind: kindName(k, p.key.route != nil), Value: v, Lines: 1})
			}
		}
	}
	return out
}
