package logs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

var allTime = sources.Window{From: time.Unix(0, 0), To: time.Unix(1<<40, 0)}

func mustParser(tb testing.TB, format string, loc *time.Location) lineParser {
	tb.Helper()
	spec, err := parseFormat(format)
	if err != nil {
		tb.Fatal(err)
	}
	p := spec.parser(parserEnv{loc: loc, ref: time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)})
	if p == nil {
		tb.Fatalf("no parser for %q", format)
	}
	return p
}

func TestFormats(t *testing.T) {
	seoul := mustSeoul(t)
	at := func(s string) time.Time {
		tt, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return tt.UTC()
	}
	for _, c := range []struct {
		name, format, line string
		want               Record
	}{
		{"rfc5424", "syslog", `<165>1 2025-11-20T03:00:01.003+09:00 db1 backup 4242 ID47 [exampleSDID@32473 iut="3" eventSource="App"] backup of shop started`,
			Record{T: at("2025-11-19T18:00:01.003Z"), Host: "db1", Program: "backup", PID: "4242", Message: "backup of shop started"}},
		{"rfc5424 no sd", "syslog", `<34>1 2025-11-20T03:00:01Z web1 su - - - 'su root' failed`,
			Record{T: at("2025-11-20T03:00:01Z"), Host: "web1", Program: "su", Message: "'su root' failed"}},
		{"json zap", "json", `{"level":"error","ts":1763575201.5,"caller":"api/x.go:12","msg":"db timeout after 3s","retries":2}`,
			Record{T: at("2025-11-19T18:00:01.5Z"), Level: "error", Program: "api/x.go", Message: "db timeout after 3s"}},
		{"json logstash local", "json", `{"@timestamp":"2025-11-20 03:00:01.250","level":"WARN","message":"slow \"query\"\n","nested":{"a":[1,{"b":"}"}]}}`,
			Record{T: at("2025-11-19T18:00:01.25Z"), Level: "warn", Message: "slow \"query\"\n"}},
		{"json access", "json", `{"time":"2025-11-20T03:00:01+09:00","status":502,"request":"GET /api/items/7 HTTP/1.1","request_time":"0.250"}`,
			Record{T: at("2025-11-19T18:00:01Z"), Status: 502, Method: "GET", Path: "/api/items/7", Proto: "HTTP/1.1", Message: "GET /api/items/7 HTTP/1.1", RequestTime: 0.25}},
		{"journald", "json", `{"__CURSOR":"s=1","__REALTIME_TIMESTAMP":"1763575201000000","PRIORITY":"3","_PID":"1","SYSLOG_IDENTIFIER":"systemd","MESSAGE":"nginx.service: Failed with result 'exit-code'."}`,
			Record{T: at("2025-11-19T18:00:01Z"), Level: "error", Program: "systemd", Message: "nginx.service: Failed with result 'exit-code'."}},
		{"logfmt", "logfmt", `time=2025-11-20T03:00:01Z level=info msg="request done" duration_ms=250 status=200 method=GET path=/x`,
			Record{T: at("2025-11-20T03:00:01Z"), Level: "info", Message: "request done", Status: 200, Method: "GET", Path: "/x", RequestTime: 0.25}},
		{"spring boot 2", "java", `2025-11-20 03:00:01.123  INFO 12345 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port(s): 8080 (http)`,
			Record{T: at("2025-11-19T18:00:01.123Z"), Level: "info", Message: "Tomcat started on port(s): 8080 (http)"}},
		{"spring boot 3", "java", `2025-11-20T03:00:01.123+09:00 ERROR 12345 --- [shop] [nio-8080-exec-1] c.e.shop.OrderController : order 77 failed`,
			Record{T: at("2025-11-19T18:00:01.123Z"), Level: "error", Message: "order 77 failed"}},
		{"logback", "java", `2025-11-20 03:00:01,123 [main] WARN  com.example.App - pool exhausted`,
			Record{T: at("2025-11-19T18:00:01.123Z"), Level: "warn", Message: "pool exhausted"}},
		{"generic", "generic", `2025/11/20 03:00:01 worker 3 started`,
			Record{T: at("2025-11-19T18:00:01Z"), Message: "worker 3 started"}},
		{"nginx log_format", `log_format main '$remote_addr - $remote_user [$time_local] "$request" ' '$status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time"';`,
			`10.0.0.1 - - [20/Nov/2025:03:00:01 +0900] "GET /x?y=1 HTTP/2.0" 200 512 "-" "curl/8.0 \"x\"" rt=0.042 uct="0.001"`,
			Record{T: at("2025-11-19T18:00:01Z"), Remote: "10.0.0.1", Status: 200, Bytes: 512, Method: "GET", Path: "/x?y=1", Proto: "HTTP/2.0", Message: "GET /x?y=1 HTTP/2.0", RequestTime: 0.042}},
		{"apache LogFormat %T", `LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" %T" combined_t`,
			`10.0.0.1 - - [20/Nov/2025:03:00:01 +0900] "POST /cart HTTP/1.1" 503 5 "-" "curl/8.0" 2`,
			Record{T: at("2025-11-19T18:00:01Z"), Remote: "10.0.0.1", Status: 503, Bytes: 5, Method: "POST", Path: "/cart", Proto: "HTTP/1.1", Message: "POST /cart HTTP/1.1", RequestTime: 2}},
		{"apache LogFormat %D", `%a %l %u %t "%r" %>s %B %D`,
			`10.0.0.1 - - [20/Nov/2025:03:00:01 +0900] "GET / HTTP/1.1" 200 10 1500`,
			Record{T: at("2025-11-19T18:00:01Z"), Remote: "10.0.0.1", Status: 200, Bytes: 10, Method: "GET", Path: "/", Proto: "HTTP/1.1", Message: "GET / HTTP/1.1", RequestTime: 0.0015}},
		{"header", `<Date> <Time> <Level> <Component>: <Content>`, `2025-11-20 03:00:01 ERROR db.pool: no connection`,
			Record{T: at("2025-11-19T18:00:01Z"), Level: "error", Message: "no connection"}},
		{"regexp", `^(?P<Time>\S+) \[(?P<Level>\w+)\] (?P<Content>.*)$`, `2025-11-20T03:00:01Z [warn] disk 91% full`,
			Record{T: at("2025-11-20T03:00:01Z"), Level: "warn", Message: "disk 91% full"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := mustParser(t, c.format, seoul)
			var r Record
			if got := p.parse([]byte(c.line), &r, allTime); got != parsed {
				t.Fatalf("result %d", got)
			}
			if c.want.Bytes == 0 {
				c.want.Bytes = -1
			}
			if c.want.RequestTime == 0 {
				c.want.RequestTime = -1
			}
			r.guessedYear = false
			if fmt.Sprintf("%+v", r) != fmt.Sprintf("%+v", c.want) {
				t.Errorf("got  %+v\nwant %+v", r, c.want)
			}
		})
	}
}

func TestDetectFormats(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"json.log":     strings.Repeat(`{"ts":"2025-11-20T03:00:01Z","level":"info","msg":"tick 1"}`+"\n", 3),
		"logfmt.log":   strings.Repeat(`ts=2025-11-20T03:00:01Z level=info msg="tick 1"`+"\n", 3),
		"java.log":     "2025-11-20 03:00:01.123  INFO 1 --- [main] c.e.App : started\n2025-11-20 03:00:02.000 ERROR 1 --- [main] c.e.App : boom\njava.lang.IllegalStateException: no db\n\tat c.e.App.run(App.java:10)\n\tat c.e.App.main(App.java:5)\n2025-11-20 03:00:03.000  INFO 1 --- [main] c.e.App : again\n",
		"rfc5424.log":  "<14>1 2025-11-20T03:00:01Z h app - - - hello 1\n",
		"fraction.log": "Nov 20 03:00:01.030112 db1 sshd[7]: Accepted publickey for root\nNov 20 03:00:02.5 db1 cron[8]: tick\n",
		"generic.log":  "2025-11-20 03:00:01 hello 1\n2025-11-20 03:00:02 hello 2\n",
	}
	want := map[string]string{"fraction.log": FormatSyslog, "json.log": FormatJSON, "logfmt.log": FormatLogfmt, "java.log": FormatJava, "rfc5424.log": FormatSyslog, "generic.log": FormatJava}
	for name, data := range files {
		p := mustWrite(t, dir, name, data)
		var got []string
		fr := &fileReader{env: parserEnv{loc: time.UTC, ref: time.Now()}, w: allTime,
			parsed: func(_ lineParser, r *Record, _ string, n int, _ []byte) {
				got = append(got, fmt.Sprintf("%d:%s", n, r.Message))
			},
			cover: func(time.Time) {}}
		st, err := fr.read(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if name == "generic.log" {
			// No level: not Java, the generic fallback takes it.
			want[name] = FormatGeneric
		}
		if st.format != want[name] || st.bad != 0 {
			t.Errorf("%s: format %q, %d bad (%v), want %q", name, st.format, st.bad, st.gaps, want[name])
		}
		if name == "java.log" {
			j := strings.Join(got, "|")
			if j != "1:started|2:boom java.lang.IllegalStateException: no db|6:again" {
				t.Errorf("java events %s", j)
			}
		}
	}
}

func TestMultilineJavaSource(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 3 {
		fmt.Fprintf(&b, "2025-11-20 03:0%d:01.000 ERROR 1 --- [main] c.e.Orders : order %d failed\n", i, 100+i)
		b.WriteString("java.sql.SQLTransientConnectionException: pool-1 - Connection is not available, request timed out after 30000ms.\n\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)\n")
	}
	p := mustWrite(t, dir, "app.log", b.String())
	ds := mustFetch(t, Config{Paths: []string{p}, Location: mustSeoul(t)}, night, time.Minute)
	if len(ds.Patterns) != 1 || ds.Patterns[0].Total() != 3 || ds.Patterns[0].Level != "error" {
		t.Fatalf("patterns %+v", ds.Patterns)
	}
	if want := "order <*> failed java.sql.SQLTransientConnectionException: <*> - Connection is not available, request timed out after <*>."; ds.Patterns[0].Template != want {
		t.Errorf("template %q\nwant %q", ds.Patterns[0].Template, want)
	}
	if len(ds.Gaps) != 0 {
		t.Errorf("gaps %v", ds.Gaps)
	}
}

func TestJSONAccessSeries(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 10 {
		st := 200
		if i%5 == 0 {
			st = 503
		}
		fmt.Fprintf(&b, `{"time":"%s","status":%d,"method":"GET","path":"/api/items/%d","duration_ms":%d}`+"\n",
			t0.Add(time.Duration(i)*10*time.Second).Format(time.RFC3339), st, i, 100+i)
	}
	p := mustWrite(t, dir, "api.json", b.String())
	ds := mustFetch(t, Config{Paths: []string{p}}, night, time.Minute)
	s := seriesByName(ds)
	// An application's JSON lines: its series are not named nginx's.
	if s["http requests"].Points[0].V != 6.0/60 || s["http 5xx"].Points[0].V != 2.0/60 || len(s["http request time p50"].Points) == 0 {
		t.Errorf("series %+v", ds.Series)
	}
	if _, ok := s["nginx requests"]; ok {
		t.Errorf("an nginx series from an app's JSON lines: %+v", ds.Series)
	}
	if _, ok := patternByTemplate(ds)["GET /api/items/<*> 5xx"]; !ok {
		t.Errorf("patterns %v", ds.Patterns)
	}
}

func TestParseFormatErrors(t *testing.T) {
	for _, f := range []string{"xml", `<Time> [<Content>`, `<Time> <Level>`, `$remote_addr $status`, `log_format x '$time_local "$request`} {
		if _, err := parseFormat(f); err == nil || !strings.Contains(err.Error(), "hint:") {
			t.Errorf("parseFormat(%q) = %v, want an error with a hint", f, err)
		}
	}
}
