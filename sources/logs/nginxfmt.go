package logs

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// nginxFormat is a log format pasted from nginx.conf:
//
//	log_format main '$remote_addr - $remote_user [$time_local] "$request" '
//	                '$status $body_bytes_sent "$http_referer" $request_time';
//
// (the directive or just its quoted strings). A line is matched left to
// right: each variable takes the bytes up to the literal text that follows
// it. Variables hindsight reads: $time_local, $time_iso8601, $msec,
// $request (or $request_method with $request_uri or $uri), $status,
// $body_bytes_sent or $bytes_sent, $request_time (else
// $upstream_response_time), $remote_addr; the rest are skipped.
type nginxFormat struct {
	src  string
	lits []string // lits[i] precedes vars[i]; len(lits) == len(vars)+1
	vars []string
	// combined: its first quoted fields are the request, the referrer
	// and the user agent, as in the combined format (lineValues reads
	// them so); apache: translated from an Apache LogFormat.
	combined, apache bool
}

// looksLikeNginxFormat tells a log_format string from other formats.
func looksLikeNginxFormat(s string) bool {
	return strings.Contains(s, "$") && (strings.Contains(s, "$time_") || strings.Contains(s, "$request") ||
		strings.Contains(s, "$status") || strings.Contains(s, "$msec"))
}

func parseNginxFormat(s string) (*nginxFormat, error) {
	src := s
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "log_format"); ok {
		// log_format NAME [escape=...] 'a' 'b';
		s = strings.TrimSpace(rest)
		if i := strings.IndexAny(s, "'\""); i >= 0 {
			s = s[i:]
		}
	}
	s = strings.TrimSuffix(strings.TrimSpace(s), ";")
	if len(s) > 0 && (s[0] == '\'' || s[0] == '"') {
		// Concatenate the quoted pieces.
		var b strings.Builder
		for len(s) > 0 {
			s = strings.TrimSpace(s)
			if len(s) == 0 {
				break
			}
			q := s[0]
			if q != '\'' && q != '"' {
				return nil, fmt.Errorf("nginx log_format %q: text outside quotes; hint: paste the log_format strings as in nginx.conf", src)
			}
			e := strings.IndexByte(s[1:], q)
			if e < 0 {
				return nil, fmt.Errorf("nginx log_format %q: unterminated quote; hint: paste the whole log_format", src)
			}
			b.WriteString(s[1 : 1+e])
			s = s[2+e:]
		}
		s = b.String()
	}
	f := &nginxFormat{src: src}
	lit := strings.Builder{}
	for i := 0; i < len(s); {
		if s[i] != '$' {
			lit.WriteByte(s[i])
			i++
			continue
		}
		j := i + 1
		if j < len(s) && s[j] == '$' { // "$$": a literal dollar (from an Apache format)
			lit.WriteByte('$')
			i += 2
			continue
		}
		brace := j < len(s) && s[j] == '{'
		if brace {
			j++
		}
		k := j
		for k < len(s) && (s[k] == '_' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
			k++
		}
		if k == j {
			lit.WriteByte('$')
			i++
			continue
		}
		name := s[j:k]
		if brace {
			if k >= len(s) || s[k] != '}' {
				return nil, fmt.Errorf("nginx log_format %q: ${ without }; hint: check the braces", src)
			}
			k++
		}
		if len(f.vars) > 0 && lit.Len() == 0 {
			return nil, fmt.Errorf("nginx log_format %q: $%s follows $%s with nothing between; hint: hindsight cannot tell where one ends", src, name, f.vars[len(f.vars)-1])
		}
		f.lits = append(f.lits, lit.String())
		lit.Reset()
		f.vars = append(f.vars, name)
		i = k
	}
	f.lits = append(f.lits, lit.String())
	has := func(v string) bool {
		for _, x := range f.vars {
			if x == v {
				return true
			}
		}
		return false
	}
	if !has("time_local") && !has("time_iso8601") && !has("msec") {
		return nil, fmt.Errorf("nginx log_format %q has no time; hint: hindsight needs $time_local, $time_iso8601 or $msec", src)
	}
	f.combined = f.combinedQuotes()
	return f, nil
}

func (f *nginxFormat) format() string { return FormatNginx }

// combinedQuotes reports whether f's first three quoted variables are
// the request, the referrer and the user agent.
func (f *nginxFormat) combinedQuotes() bool {
	want := []string{"request", "http_referer", "http_user_agent"}
	for i, v := range f.vars {
		if len(want) == 0 {
			break
		}
		if !strings.HasSuffix(f.lits[i], `"`) || !strings.HasPrefix(f.lits[i+1], `"`) {
			continue
		}
		if v != want[0] {
			return false
		}
		want = want[1:]
	}
	return len(want) == 0
}

func (f *nginxFormat) parse(line []byte, r *Record, w sources.Window) result {
	if !bytes.HasPrefix(line, []byte(f.lits[0])) {
		return malformed
	}
	rest := line[len(f.lits[0]):]
	*r = Record{Bytes: -1, RequestTime: -1}
	var method, uri, request []byte
	haveTime := false
	upstream := -1.0
	for i, name := range f.vars {
		next := f.lits[i+1]
		var val []byte
		if next == "" {
			val, rest = rest, nil
		} else {
			// A quoted value may hold the next literal: skip escapes.
			e := indexLit(rest, next)
			if e < 0 {
				return malformed
			}
			val, rest = rest[:e], rest[e+len(next):]
		}
		switch name {
		case "time_local":
			t, ok := parseNginxTime(val)
			if !ok {
				return malformed
			}
			r.T, haveTime = t, true
		case "time_iso8601":
			t, n, ok := parseISOPrefix(val, time.UTC)
			if !ok || n != len(val) {
				return malformed
			}
			r.T, haveTime = t, true
		case "msec":
			v, err := strconv.ParseFloat(string(val), 64)
			if err != nil || v <= 0 {
				return malformed
			}
			r.T, haveTime = time.Unix(0, int64(v*1e9)).UTC(), true
		case "request":
			request = val
		case "request_method":
			method = val
		case "request_uri", "uri":
			if uri == nil {
				uri = val
			}
		case "status":
			n, ok := digits(val)
			if !ok || n < 100 || n > 999 {
				return malformed
			}
			r.Status = n
		case "body_bytes_sent", "bytes_sent":
			if n, ok := digits(val); ok {
				r.Bytes = int64(n)
			}
		case "request_time":
			r.RequestTime = requestTime(val)
		case "upstream_response_time":
			upstream = latency(val, nil)
		case "apache_request_us": // %D
			if us, ok := digits64(val); ok {
				r.RequestTime = float64(us) / 1e6
			}
		case "apache_request_ms": // %{ms}T
			if ms, ok := digits64(val); ok {
				r.RequestTime = float64(ms) / 1e3
			}
		case "apache_request_s": // %T
			if s, ok := digits64(val); ok {
				r.RequestTime = float64(s)
			}
		case "remote_addr":
			r.Remote = string(val)
		}
		if haveTime && !w.Contains(r.T) {
			return outside
		}
	}
	if !haveTime || r.Status == 0 {
		return malformed
	}
	if r.RequestTime < 0 {
		r.RequestTime = upstream
	}
	if request != nil {
		r.Message = string(request)
		r.Method, r.Path, r.Proto = splitRequest(r.Message)
	} else {
		r.Method, r.Path = string(method), string(uri)
		r.Message = r.Method + " " + r.Path
	}
	return parsed
}

// indexLit finds lit in b, skipping backslash escapes (nginx writes a
// quote inside a value as \x22, apache as \").
func indexLit(b []byte, lit string) int {
	for i := 0; i+len(lit) <= len(b); i++ {
		if b[i] == '\\' {
			i++
			continue
		}
		if b[i] == lit[0] && string(b[i:i+len(lit)]) == lit {
			return i
		}
	}
	return -1
}

// looksLikeApacheFormat tells an Apache LogFormat string.
func looksLikeApacheFormat(s string) bool {
	return strings.Contains(s, "%t") && (strings.Contains(s, "%r") || strings.Contains(s, "%>s") || strings.Contains(s, "%s"))
}

// apacheToNginx translates an Apache LogFormat string (the directive or
// its quoted format) into the nginx notation parseNginxFormat reads: %h
// $remote_addr, %t [$time_local], %r $request, %>s $status, %b
// $body_bytes_sent, %D the request time in microseconds, %T in seconds;
// other directives are read and skipped.
func apacheToNginx(s string) (string, error) {
	src := s
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "LogFormat"); ok {
		s = strings.TrimSpace(rest)
	}
	if len(s) > 0 && s[0] == '"' {
		// The quoted format, then maybe a nickname.
		end := -1
		for i := 1; i < len(s); i++ {
			if s[i] == '\\' {
				i++
				continue
			}
			if s[i] == '"' {
				end = i
				break
			}
		}
		if end < 0 {
			return "", fmt.Errorf("apache LogFormat %q: unterminated quote; hint: paste the whole LogFormat", src)
		}
		s = strings.ReplaceAll(s[1:end], `\"`, `"`)
	}
	var b strings.Builder
	skip := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			if s[i] == '$' {
				b.WriteString("$$") // not a variable
				continue
			}
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return "", fmt.Errorf("apache LogFormat %q ends in %%; hint: check the format", src)
		}
		if s[i] == '%' {
			b.WriteByte('%')
			continue
		}
		// Modifiers: "<", ">", status lists, and {arg}.
		for i < len(s) && (s[i] == '<' || s[i] == '>' || s[i] == '!' || s[i] == ',' || s[i] >= '0' && s[i] <= '9') {
			i++
		}
		arg := ""
		if i < len(s) && s[i] == '{' {
			e := strings.IndexByte(s[i:], '}')
			if e < 0 {
				return "", fmt.Errorf("apache LogFormat %q: %%{ without }; hint: check the format", src)
			}
			arg, i = s[i+1:i+e], i+e+1
		}
		if i >= len(s) {
			return "", fmt.Errorf("apache LogFormat %q ends in a directive without a letter; hint: check the format", src)
		}
		switch s[i] {
		case 'h', 'a':
			b.WriteString("$remote_addr")
		case 't':
			if arg != "" {
				return "", fmt.Errorf("apache LogFormat %q: %%{%s}t is not read; hint: use %%t", src, arg)
			}
			b.WriteString("[$time_local]")
		case 'r':
			b.WriteString("$request")
		case 's':
			b.WriteString("$status")
		case 'b', 'B':
			b.WriteString("$body_bytes_sent")
		case 'D':
			b.WriteString("$apache_request_us")
		case 'T':
			if arg == "ms" {
				b.WriteString("$apache_request_ms")
			} else if arg == "us" {
				b.WriteString("$apache_request_us")
			} else {
				b.WriteString("$apache_request_s")
			}
		case 'i':
			// The two request headers the combined format logs, under
			// nginx's names (read as the referrer and user agent).
			switch strings.ToLower(arg) {
			case "referer":
				b.WriteString("$http_referer")
			case "user-agent":
				b.WriteString("$http_user_agent")
			default:
				skip++
				fmt.Fprintf(&b, "$skip%d", skip)
			}
		case 'm':
			b.WriteString("$request_method")
		case 'U':
			b.WriteString("$uri")
		default:
			skip++
			fmt.Fprintf(&b, "$skip%d", skip)
		}
	}
	return b.String(), nil
}
