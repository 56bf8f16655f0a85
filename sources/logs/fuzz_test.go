package logs

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/drain"
)

// checkRecord checks what must hold for any parsed line, and runs the
// template code over it, which sees the same outside input.
func checkRecord(t *testing.T, res result, r *Record) {
	switch res {
	case malformed:
		return
	case outside:
		if r.T.IsZero() {
			t.Fatal("outside without a time")
		}
		return
	case parsed:
	default:
		t.Fatalf("result %d", res)
	}
	if r.T.IsZero() {
		t.Fatal("parsed without a time")
	}
	if r.Status != 0 && (r.Status < 100 || r.Status > 999) {
		t.Fatalf("status %d", r.Status)
	}
	if r.RequestTime < -1 {
		t.Fatalf("request time %v", r.RequestTime)
	}
	if got := drain.Template(r.Message); len(got) > 4*len(r.Message)+16 {
		t.Fatalf("template of %d bytes for a message of %d", len(got), len(r.Message))
	}
	_ = normRoute(r.Path)
	_ = statusClass(r.Status)
	_ = levelOf(r.Message)
}

func FuzzParseNginx(f *testing.F) {
	for _, s := range []string{
		`203.0.113.7 - - [20/Nov/2025:03:01:07 +0900] "GET /api/items/42?x=1 HTTP/1.1" 502 157 "-" "curl/8.5.0" 2.504`,
		`::1 - - [20/Nov/2025:03:01:07 +0000] "GET / HTTP/1.1" 200 512 "-" "ELB-HealthChecker/2.0" 123456`,
		`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
		`1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "GET /a HTTP/1.1" 404 0 "-" "evil \"agent\"" rt=0.010`,
		`1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "\x16\x03\x01" 400 157 "-" "-" 0.001`,
		`1.2.3.4 - - [99/Nov/2025:03:01:07 +0900] "GET / HTTP/1.1" 200 1`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var r Record
		checkRecord(t, nginxParser{}.parse(line, &r, everything), &r)
	})
}

// FuzzQuoted: quotedFast, the nginx parser's quoted fields, finds the
// closing quote the plain byte loop finds.
func FuzzQuoted(f *testing.F) {
	for _, s := range []string{`"GET / HTTP/1.1" 200`, `"a\\" b"`, `"a\\\"b" c`, `"a\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, rest, ok := quotedFast(b)
		wIn, wRest, wOK := quoted(b)
		if !bytes.Equal(in, wIn) || !bytes.Equal(rest, wRest) || ok != wOK {
			t.Fatalf("%q: %q %q %v, want %q %q %v", b, in, rest, ok, wIn, wRest, wOK)
		}
	})
}

// FuzzNginxEquiv: the nginx parser, with its stamp cache cold and warm,
// lazy or not, reads a line as the parser before the fast path did
// (nginxParseRef): same result, same record. A window that ends inside
// the seed lines' minute makes some of them outside.
func FuzzNginxEquiv(f *testing.F) {
	for _, s := range []string{
		`203.0.113.7 - - [20/Nov/2025:03:01:07 +0900] "GET /api/items/42?x=1 HTTP/1.1" 502 157 "-" "curl/8.5.0" 2.504`,
		`::1 - - [20/Nov/2025:03:01:07 +0000] "GET / HTTP/1.1" 200 512 "-" "ELB-HealthChecker/2.0" 123456`,
		`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
		`1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "GET /a HTTP/1.1" 404 0 "-" "evil \"agent\"" rt=0.010`,
		`1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "\x16\x03\x01" 400 157 "-" "-" 0.001`,
		`1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "GET /a\\" 200 1 "x\\\"y" "z"  0.5 tail`,
		`1.2.3.4 - - [20/Nov/2025:03:01:60 +0900] "GET / HTTP/1.1" 200 -`,
		`1.2.3.4 - - [20/Nov/2025:03:01:59 +0900] "GET / HTTP/1.1" 200 - "-"`,
		`1.2.3.4 [20/Nov/2025:03:01:07 +0900] "GET / HTTP/1.1" 200 12 "-" "-" 1.`,
		`x - - [99/Nov/2025:03:01:07 +0900] "GET / HTTP/1.1" 200 1`,
	} {
		f.Add([]byte(s))
	}
	w := sources.Window{From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 19, 18, 1, 30, 0, time.UTC)}
	warm := nginxParser{c: &nginxCache{}}
	f.Fuzz(func(t *testing.T, line []byte) {
		var want Record
		wantRes := nginxParseRef(line, &want, w)
		for i, p := range []nginxParser{{}, {c: &nginxCache{}}, warm, {c: &nginxCache{}, lazy: true}} {
			for range 2 { // the second time from the cache
				r := Record{Remote: "old", Message: "old", msg: []byte("old")}
				res := p.parse(line, &r, w)
				if p.lazy && res == parsed {
					r.Remote, r.Message = string(line[:bytes.IndexByte(line, ' ')]), string(r.req)
					r.Method, r.Path, r.Proto = splitRequest(r.Message)
				}
				if res != wantRes || res != malformed && (r.T != want.T || r.guessedYear != want.guessedYear) ||
					res == parsed && !reflect.DeepEqual(r, want) {
					t.Fatalf("parser %d: %v %+v, want %v %+v", i, res, r, wantRes, want)
				}
			}
		}
	})
}

// FuzzRouteTemplate: the access-log path writes the route template that
// splitRequest and normRoute make, from a request line or from method and
// path.
func FuzzRouteTemplate(f *testing.F) {
	for _, s := range []string{
		"GET /api/items/42?x=1 HTTP/1.1", "GET / HTTP/1.1", "OPTIONS * HTTP/1.1", "\x16\x03\x01", "-", "",
		"GET /a//b/ HTTP/1.1", "GET /1/2/3/4/5/6/7/8 HTTP/2", "get /a HTTP/1.1", " /a", "GET /a%20b;x?y#z HTTP/1.0",
		"GET /" + strings.Repeat("a", 41) + "/b", "GET /a b c",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, req []byte) {
		method, path, _ := splitRequest(string(req))
		if method == "" {
			method = "<invalid>"
		}
		want := method + " " + normRoute(path)
		if got := appendRequestTemplate(nil, req); string(got) != want {
			t.Fatalf("%q: %q, want %q", req, got, want)
		}
		if got := appendTemplate(nil, "", string(req)); string(got) != "<invalid> "+normRoute(string(req)) {
			t.Fatalf("method and path %q: %q, want %q", req, got, "<invalid> "+normRoute(string(req)))
		}
		// accessAdder.route keeps routes by the request's shape: other
		// digits, the same template.
		other := bytes.Clone(req)
		for i, c := range other {
			if c >= '0' && c <= '9' {
				other[i] = '0' + (c-'0'+7+byte(i))%10
			}
		}
		if got := appendRequestTemplate(nil, other); string(got) != want {
			t.Fatalf("%q: %q, but %q: %q", req, want, other, got)
		}
	})
}

// FuzzRequestTime: request times read as before the fast path, alone
// and as the field after the user agent.
func FuzzRequestTime(f *testing.F) {
	for _, s := range []string{"0.042", "42000", "rt=0.010", "1.", ".5", "0.0421", "12.345", "0.042.1", "1e3", "0.04x", "0.042 7"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		if got, want := requestTime(tok), requestTimeRef(tok); got != want && !(got != got && want != want) {
			t.Fatalf("%q: %v, want %v", tok, got, want)
		}
		want := -1.0
		if f, _ := fieldRef(tok); len(f) > 0 {
			want = requestTimeRef(f)
		}
		if got := requestTimeField(tok); got != want && !(got != got && want != want) {
			t.Fatalf("field %q: %v, want %v", tok, got, want)
		}
	})
}

func FuzzParseSyslog(f *testing.F) {
	for _, s := range []string{
		`Nov 20 03:00:01 db1 CRON[1234]: (root) CMD (/usr/local/bin/backup.sh)`,
		`Nov  3 07:08:09 web1 kernel: [12345.678] Out of memory: Killed process 4321 (java)`,
		`Feb 29 00:00:00 h systemd[1]: Started nginx.service.`,
		`<30>2025-11-20T03:00:01.250+09:00 db1 nginx: restarting`,
		`Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0`,
		`Nov 20 03:00:01 db1 -- MARK --`,
		`Nov 20 03:00:01.030112 db1 sshd[7]: Accepted publickey for root`,
	} {
		f.Add([]byte(s))
	}
	loc := time.FixedZone("KST", 9*3600)
	f.Fuzz(func(t *testing.T, line []byte) {
		p := newSyslogParser(loc, time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
		var r Record
		checkRecord(t, p.parse(line, &r, everything), &r)
	})
}

// fuzzLazy runs a parser in both modes: the views of lazy mode must give
// what the strings give.
func fuzzLazy(t *testing.T, mk func(lazy bool) lineParser, line []byte) {
	var full, lazy Record
	rf := mk(false).parse(line, &full, everything)
	checkRecord(t, rf, &full)
	rl := mk(true).parse(line, &lazy, everything)
	if rl != rf {
		t.Fatalf("lazy %d, full %d", rl, rf)
	}
	if rl == parsed {
		lazy.materialize()
		if lazy.Message != full.Message || lazy.Program != full.Program || lazy.Level != full.Level || !lazy.T.Equal(full.T) {
			t.Fatalf("lazy %+v\nfull %+v", lazy, full)
		}
	}
}

func env(lazy bool) parserEnv {
	return parserEnv{lazy: lazy, loc: time.FixedZone("KST", 9*3600), ref: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{
		`{"level":"error","ts":1763575201.5,"caller":"api/x.go:12","msg":"db timeout after 3s","retries":2}`,
		`{"@timestamp":"2025-11-20 03:00:01.250","level":"WARN","message":"slow \"query\"\n\u00e9","nested":{"a":[1,{"b":"}"}]}}`,
		`{"__REALTIME_TIMESTAMP":"1763575201000000","PRIORITY":"3","SYSLOG_IDENTIFIER":"systemd","MESSAGE":"x"}`,
		`{"time":"2025-11-20T03:00:01+09:00","status":502,"request":"GET /a HTTP/1.1","request_time":"0.250"}`,
		`{"ts":"bad"}`, `{`, `{"a":}`, `[]`, `{"ts":1e400}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fuzzLazy(t, func(lazy bool) lineParser { return formatSpec{name: FormatJSON}.parser(env(lazy)) }, line)
	})
}

func FuzzParseLogfmt(f *testing.F) {
	for _, s := range []string{
		`time=2025-11-20T03:00:01Z level=info msg="request done" duration_ms=250 status=200 method=GET path=/x`,
		`ts=1763575201 lvl=warn msg="a \"quoted\" word"`, `a=b`, `=x y=z`, `t="unterminated`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fuzzLazy(t, func(lazy bool) lineParser { return formatSpec{name: FormatLogfmt}.parser(env(lazy)) }, line)
	})
}

func FuzzParseStamped(f *testing.F) {
	for _, s := range []string{
		`2025-11-20 03:00:01.123  INFO 12345 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started`,
		`2025-11-20T03:00:01.123+09:00 ERROR 1 --- [shop] [exec-1] c.e.Orders : order 77 failed`,
		`2025-11-20 03:00:01,123 [main] WARN  com.example.App - pool exhausted`,
		`[2025-11-20 03:00:01,123] ERROR x`, `Thu Nov 20 03:00:01 2025 hello`, `2025/11/20 03:00:01 w 3`,
		"\tat com.example.App.main(App.java:5)", `2025-13-45T99:99:99Z x`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, name := range []string{FormatJava, FormatGeneric} {
			fuzzLazy(t, func(lazy bool) lineParser { return formatSpec{name: name}.parser(env(lazy)) }, line)
		}
	})
}

func FuzzParseRFC5424(f *testing.F) {
	for _, s := range []string{
		`<165>1 2025-11-20T03:00:01.003+09:00 db1 backup 4242 ID47 [exampleSDID@32473 iut="3" x="a\]b"] backup started`,
		`<34>1 2025-11-20T03:00:01Z web1 su - - - 'su root' failed`, `<34>1 - - - - - -`, `<34>1 2025-11-20T03:00:01Z h a p m [unterminated`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		fuzzLazy(t, func(lazy bool) lineParser { return formatSpec{name: FormatSyslog}.parser(env(lazy)) }, line)
	})
}

func FuzzNginxFormat(f *testing.F) {
	f.Add(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time`,
		[]byte(`10.0.0.1 - - [20/Nov/2025:03:00:01 +0900] "GET /x HTTP/1.1" 200 512 "-" "curl/8.0" 0.042`))
	f.Add(`log_format j '{"t":"$time_iso8601","s":$status,"u":"$request_uri","m":"$request_method","rt":$upstream_response_time}';`,
		[]byte(`{"t":"2025-11-20T03:00:01+09:00","s":502,"u":"/a?b","m":"GET","rt":0.012, 0.003}`))
	f.Add(`$msec $status ${request}`, []byte(`1763575201.123 200 GET / HTTP/1.1`))
	f.Add(`LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" %D" x`, []byte(`1.2.3.4 - - [20/Nov/2025:03:00:01 +0900] "GET / HTTP/1.1" 200 5 "-" 1500`))
	f.Fuzz(func(t *testing.T, format string, line []byte) {
		// Any format string: nginx log_format, Apache LogFormat, header
		// pattern or name.
		spec, err := parseFormat(format)
		if err != nil {
			return
		}
		p := spec.parser(env(false))
		if p == nil {
			return
		}
		var r Record
		res := p.parse(line, &r, everything)
		if res == parsed && r.T.IsZero() && spec.header != "" {
			r.T = time.Unix(1, 0) // a header format without a time
		}
		checkRecord(t, res, &r)
	})
}

func FuzzHeaderFormat(f *testing.F) {
	f.Add(`<Date> <Time> <Pid> <Level> <Component>: <Content>`, []byte(`081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating`))
	f.Add(`\[<Time>\] \[<Level>\] <Content>`, []byte(`[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties`))
	f.Add(`<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>`, []byte(`Jun 14 15:16:01 combo sshd(pam_unix)[19939]: check pass; user unknown`))
	f.Add(`^(?P<Time>\S+) (?P<Content>.*)$`, []byte(`2025-11-20T03:00:01Z x`))
	f.Fuzz(func(t *testing.T, format string, line []byte) {
		h, err := parseHeaderFormat(format)
		if err != nil {
			return
		}
		h.stamps = newStampParser(time.UTC, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		var r Record
		res := h.parse(line, &r, everything)
		if res == parsed && r.T.IsZero() {
			// A format without a time field, or a time it cannot
			// read: Mine takes such lines, Fetch counts them as bad.
			r.T = time.Unix(1, 0)
		}
		checkRecord(t, res, &r)
	})
}

// FuzzMine runs whole files (any bytes, gzip or not) through detection,
// the reader and the miner: every line is accounted for, nothing panics.
func FuzzMine(f *testing.F) {
	f.Add([]byte("Nov 20 03:00:01 db1 CRON[1]: (root) CMD (x)\nNov 20 03:00:02 db1 CRON[2]: (root) CMD (y)\n"))
	f.Add([]byte("2025-11-20 03:00:01.123 ERROR 1 --- [m] c.e.A : boom\njava.lang.X: y\n\tat a.b(C.java:1)\n"))
	f.Add([]byte("{\"ts\":1,\"msg\":\"a\"}\n\xff\xfe\n\n{\"ts\":2,\"msg\":\"b\"}"))
	f.Add(gz(f, []byte("10.0.0.1 - - [20/Nov/2025:03:00:01 +0900] \"GET / HTTP/1.1\" 200 1 \"-\" \"-\" 0.1\n")))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0})
	f.Add([]byte("{\"ts\":\"2025-11-20T03:00:01Z\",\"msg\":\"a\"}\njava.sql.SQLException: x\n\tat a.b(C.java:1)\nCaused by: a.b.CError\n\t... 3 more\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.log")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := Mine(context.Background(), []string{p}, MineOptions{PerLine: true})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			nonEmpty := 0
			for l := range strings.SplitSeq(string(data), "\n") {
				if len(strings.TrimSpace(l)) > 0 {
					nonEmpty++
				}
			}
			if m.Lines > nonEmpty {
				t.Fatalf("%d lines mined of %d", m.Lines, nonEmpty)
			}
		}
		var out bytes.Buffer
		if err := m.WritePerLine(&out); err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(data) && !utf8.Valid(out.Bytes()) {
			t.Fatal("valid UTF-8 in, invalid out")
		}
	})
}

func FuzzFirstAddress(f *testing.F) {
	for _, s := range []string{"from 103.99.0.122 port 1", "10.1.2.3:5432", "2001:db8::1", "::", "1.2.3", "\xff1.1.1.1", "a:b:c:d:e:f:0:1:2"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		a := firstAddress(line)
		if a == nil {
			return
		}
		if !bytes.Contains(line, a) {
			t.Fatalf("%q is not in %q", a, line)
		}
		if _, err := netip.ParseAddr(string(a)); err != nil {
			t.Fatalf("%q: %v", a, err)
		}
		_ = stackLine(line)
	})
}
