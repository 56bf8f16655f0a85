package logs

import (
	"bytes"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// FormatWAF is AWS WAF's web ACL traffic log.
const FormatWAF = "waf"

// wafParser reads AWS WAF log records: one JSON object a line (the WAF
// developer guide, "Log fields for web ACL traffic"), with "timestamp" in
// unix milliseconds, "action" (ALLOW, BLOCK, COUNT, CAPTCHA, CHALLENGE),
// "terminatingRuleId" and "httpRequest" {"httpMethod", "uri", ...}. A
// record becomes a line templated as "BLOCK by <rule>: GET /path" (BLOCK,
// CAPTCHA and CHALLENGE at level warn): what was refused, by which rule,
// per step. The fields are found by their keys in the line, not by a
// full JSON decode: a record is a few kilobytes of headers and labels of
// which these four matter.
type wafParser struct {
	lazy      bool
	msg, prog []byte
}

func newWAFParser(lazy bool) *wafParser { return &wafParser{lazy: lazy} }

func (p *wafParser) format() string { return FormatWAF }

// wafString returns the string value of the first "key": in b, raw
// (escapes left as they are), and whether there was one.
func wafString(b []byte, key string) ([]byte, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return nil, false
	}
	v := bytes.TrimLeft(b[i+len(key):], " ")
	if len(v) == 0 || v[0] != ':' {
		return nil, false
	}
	v = bytes.TrimLeft(v[1:], " ")
	if len(v) == 0 || v[0] != '"' {
		return nil, false
	}
	v = v[1:]
	for j := 0; j < len(v); j++ {
		switch v[j] {
		case '\\':
			j++
		case '"':
			return v[:j], true
		}
	}
	return nil, false
}

func (p *wafParser) parse(line []byte, r *Record, w sources.Window) result {
	if len(line) < 2 || line[0] != '{' || !bytes.Contains(line, []byte(`"webaclId"`)) {
		return malformed
	}
	i := bytes.Index(line, []byte(`"timestamp":`))
	if i < 0 {
		return malformed
	}
	ts := bytes.TrimLeft(line[i+len(`"timestamp":`):], " ")
	j := 0
	for j < len(ts) && ts[j] >= '0' && ts[j] <= '9' {
		j++
	}
	ms, ok := digits64(ts[:j])
	if !ok || ms < 1e11 || ms > 1e14 {
		return malformed
	}
	t := time.UnixMilli(ms).UTC()
	if t.Before(w.From) || !t.Before(w.To) {
		r.reset(t, false)
		return outside
	}
	action, ok := wafString(line, `"action"`)
	if !ok {
		return malformed
	}
	rule, _ := wafString(line, `"terminatingRuleId"`)
	method, _ := wafString(line, `"httpMethod"`)
	uri, _ := wafString(line, `"uri"`)
	r.reset(t, false)
	r.Level = "info"
	switch string(action) {
	case "BLOCK", "CAPTCHA", "CHALLENGE":
		r.Level = "warn"
	}
	// "BLOCK by SQLi_XSS: GET /items/<*>": the action and rule are the
	// program, kept as they are; the request is the message, templated.
	p.prog = append(append(append(p.prog[:0], action...), " by "...), rule...)
	p.msg = append(append(append(p.msg[:0], method...), ' '), uri...)
	r.msg, r.prog = p.msg, p.prog
	if !p.lazy {
		r.Message, r.Program, r.Method, r.Path = string(p.msg), string(p.prog), string(method), string(uri)
		r.msg, r.prog = nil, nil
	}
	return parsed
}
