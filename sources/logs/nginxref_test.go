package logs

import (
	"bytes"

	"github.com/hindsight-sre/hindsight/sources"
)

// nginxParseRef is the nginx parser as it was before the access-log fast
// path (commit 8a12c0f, without its stamp cache): FuzzNginxEquiv checks
// that the parser reads every line as it did.
func nginxParseRef(line []byte, r *Record, w sources.Window) result {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return malformed
	}
	lb := bytes.IndexByte(line[sp:], '[')
	if lb < 0 {
		return malformed
	}
	lb += sp
	if len(line) < lb+28 || line[lb+27] != ']' {
		return malformed
	}
	t, ok := parseNginxTime(line[lb+1 : lb+27])
	if !ok {
		return malformed
	}
	r.T = t
	r.guessedYear = false
	if !w.Contains(t) {
		return outside
	}
	rest := line[lb+28:]
	if len(rest) < 2 || rest[0] != ' ' || rest[1] != '"' {
		return malformed
	}
	req, rest, ok := quoted(rest[1:])
	if !ok {
		return malformed
	}
	// " 200 512": status, then bytes.
	if len(rest) < 6 || rest[0] != ' ' || rest[4] != ' ' ||
		rest[1] < '1' || rest[1] > '9' || rest[2] < '0' || rest[2] > '9' || rest[3] < '0' || rest[3] > '9' {
		return malformed
	}
	n := int(rest[1]-'0')*100 + int(rest[2]-'0')*10 + int(rest[3]-'0')
	rest = rest[4:]
	size, rest := field(rest)
	var bytesSent int64 = -1
	if len(size) == 0 {
		return malformed
	}
	if !(len(size) == 1 && size[0] == '-') {
		v, ok := digits64(size)
		if !ok {
			return malformed
		}
		bytesSent = v
	}
	rt := -1.0
	if rest = trimLeft(rest); len(rest) > 0 {
		if rest[0] != '"' {
			return malformed
		}
		if _, rest, ok = quoted(rest); !ok { // referer
			return malformed
		}
		if rest = trimLeft(rest); len(rest) > 0 && rest[0] == '"' {
			if _, rest, ok = quoted(rest); !ok { // user agent
				return malformed
			}
		}
		if tok, _ := field(rest); len(tok) > 0 {
			rt = requestTime(tok)
		}
	}
	r.req = req
	r.msg, r.prog, r.host = nil, nil, nil
	r.Status = n
	r.Bytes = bytesSent
	r.RequestTime = rt
	r.Host, r.Program, r.PID, r.Level = "", "", "", ""
	r.Remote = string(line[:sp])
	r.Message = string(req)
	r.Method, r.Path, r.Proto = splitRequest(r.Message)
	return parsed
}
