package logs

import (
	"bytes"
	"strconv"

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
	size, rest := fieldRef(rest)
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
		if tok, _ := fieldRef(rest); len(tok) > 0 {
			rt = requestTimeRef(tok)
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

func requestTimeRef(tok []byte) float64 {
	// One pass for the common shapes, "0.042" and "42000": integer and
	// fraction digits, no ParseFloat (it allocates for its error).
	var ip, frac uint64
	nf, dot, i := 0, false, 0
	for ; i < len(tok); i++ {
		c := tok[i]
		switch {
		case c >= '0' && c <= '9':
			if dot {
				if nf < 9 {
					frac = frac*10 + uint64(c-'0')
					nf++
				}
			} else if ip < 1e12 {
				ip = ip*10 + uint64(c-'0')
			}
			continue
		case c == '.' && !dot && i > 0:
			dot = true
			continue
		}
		break
	}
	if i == len(tok) && i > 0 && tok[0] != '.' && (!dot || nf > 0) {
		if !dot {
			return float64(ip) / 1e6 // apache's %D, microseconds
		}
		if ip > 1e7 {
			return -1
		}
		return float64(ip) + float64(frac)/pow10[nf]
	}
	// Rarer: "rt=0.042" (a key), or something else.
	if k := bytes.IndexByte(tok, '='); k >= 0 && k+1 < len(tok) {
		return requestTimeRef(tok[k+1:])
	}
	if len(tok) == 0 || tok[0] < '0' || tok[0] > '9' {
		return -1
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	if err != nil || v < 0 || v > 1e7 || bytes.IndexByte(tok, '.') < 0 {
		return -1
	}
	return v
}

func fieldRef(b []byte) (f, rest []byte) {
	b = trimLeft(b)
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return b, nil
	}
	return b[:i], b[i:]
}
