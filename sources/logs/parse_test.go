package logs

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/hindsight-sre/hindsight/sources"
)

var everything = sources.Window{From: time.Unix(0, 0), To: time.Unix(1<<40, 0)}

func TestParseNginx(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		want   result
		t      string // RFC 3339, UTC
		method string
		path   string
		status int
		bytes  int64
		rt     float64
	}{
		{"combined with request_time",
			`203.0.113.7 - - [20/Nov/2025:03:01:07 +0900] "GET /api/items/42?x=1 HTTP/1.1" 502 157 "-" "curl/8.5.0" 2.504`,
			parsed, "2025-11-19T18:01:07Z", "GET", "/api/items/42?x=1", 502, 157, 2.504},
		{"combined without request time",
			`10.0.0.1 - alice [01/Jan/2026:00:00:00 -0130] "POST /login HTTP/2.0" 200 - "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64)"`,
			parsed, "2026-01-01T01:30:00Z", "POST", "/login", 200, -1, -1},
		{"apache %D microseconds",
			`::1 - - [20/Nov/2025:03:01:07 +0000] "GET / HTTP/1.1" 200 512 "-" "ELB-HealthChecker/2.0" 123456`,
			parsed, "2025-11-20T03:01:07Z", "GET", "/", 200, 512, 0.123456},
		{"common log format",
			`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
			parsed, "2000-10-10T20:55:36Z", "GET", "/apache_pb.gif", 200, 2326, -1},
		{"escaped quote in user agent, rt= key",
			`1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "GET /a HTTP/1.1" 404 0 "-" "evil \"agent\"" rt=0.010 uct="0.001"`,
			parsed, "2025-11-19T18:01:07Z", "GET", "/a", 404, 0, 0.01},
		{"tls handshake on the http port",
			`1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03" 400 157 "-" "-" 0.001`,
			parsed, "2025-11-19T18:01:07Z", "", `\x16\x03\x01\x02\x00\x01\x00\x01\xFC\x03\x03`, 400, 157, 0.001},
		{"syslog line", `Nov 20 03:00:01 db1 CRON[1234]: (root) CMD (/usr/local/bin/backup.sh)`, malformed, "", "", "", 0, 0, 0},
		{"bad month", `1.2.3.4 - - [20/Foo/2025:03:01:07 +0900] "GET / HTTP/1.1" 200 1`, malformed, "", "", "", 0, 0, 0},
		{"bad status", `1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "GET / HTTP/1.1" 2000 1`, malformed, "", "", "", 0, 0, 0},
		{"unterminated request", `1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "GET / HTTP/1.1 200 1`, malformed, "", "", "", 0, 0, 0},
		{"empty", ``, malformed, "", "", "", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Record
			got := nginxParser{}.parse([]byte(tt.line), &r, everything)
			if got != tt.want {
				t.Fatalf("result = %v, want %v", got, tt.want)
			}
			if got != parsed {
				return
			}
			if ts := r.T.UTC().Format(time.RFC3339); ts != tt.t {
				t.Errorf("time = %s, want %s", ts, tt.t)
			}
			if r.Method != tt.method || r.Path != tt.path || r.Status != tt.status || r.Bytes != tt.bytes || r.RequestTime != tt.rt {
				t.Errorf("got %q %q %d %d %v", r.Method, r.Path, r.Status, r.Bytes, r.RequestTime)
			}
		})
	}
}

func TestParseNginxSkipsOutsideCheaply(t *testing.T) {
	w := sources.Window{From: time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)}
	var r Record
	// The rest of the line is garbage: outside the window it is not read.
	if got := (nginxParser{}).parse([]byte(`x - - [19/Nov/2025:23:59:59 +0000] garbage`), &r, w); got != outside {
		t.Fatalf("result = %v, want outside", got)
	}
}

func TestParseSyslog(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Skipf("no tzdata: %v", err)
	}
	nov := time.Date(2025, 11, 23, 0, 0, 0, 0, time.UTC)
	newYear := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name                 string
		line                 string
		loc                  *time.Location
		to                   time.Time
		want                 result
		t                    string
		host, prog, pid, msg string
	}{
		{"cron in Seoul", `Nov 20 03:00:01 db1 CRON[1234]: (root) CMD (/usr/local/bin/backup.sh)`, seoul, nov,
			parsed, "2025-11-19T18:00:01Z", "db1", "CRON", "1234", "(root) CMD (/usr/local/bin/backup.sh)"},
		{"space-padded day, UTC", `Nov  3 07:08:09 web1 kernel: [12345.678] Out of memory: Killed process 4321 (java)`, nil, nov,
			parsed, "2025-11-03T07:08:09Z", "web1", "kernel", "", "[12345.678] Out of memory: Killed process 4321 (java)"},
		{"December line read in January", `Dec 31 23:59:59 h systemd[1]: Started nginx.service.`, nil, newYear,
			parsed, "2025-12-31T23:59:59Z", "h", "systemd", "1", "Started nginx.service."},
		{"January line in the same window", `Jan  1 00:00:01 h app: deployed release v1.2`, nil, newYear,
			parsed, "2026-01-01T00:00:01Z", "h", "app", "", "deployed release v1.2"},
		{"loghub program with parens", `Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0`, nil, nov,
			parsed, "2025-06-14T15:16:01Z", "combo", "sshd(pam_unix)", "19939", "authentication failure; logname= uid=0"},
		{"no tag", `Nov 20 03:00:01 db1 -- MARK --`, nil, nov, parsed, "2025-11-20T03:00:01Z", "db1", "", "", "-- MARK --"},
		{"priority and rfc3339", `<30>2025-11-20T03:00:01.250+09:00 db1 nginx: restarting`, nil, nov,
			parsed, "2025-11-19T18:00:01.25Z", "db1", "nginx", "", "restarting"},
		{"journalctl short-iso", `2025-11-20T03:00:01+0900 db1 sshd[5]: Accepted publickey for root`, nil, nov,
			parsed, "2025-11-19T18:00:01Z", "db1", "sshd", "5", "Accepted publickey for root"},
		{"access log line", `1.2.3.4 - - [20/Nov/2025:03:01:07 +0900] "GET / HTTP/1.1" 200 1`, nil, nov, malformed, "", "", "", "", ""},
		{"fraction of a second, Seoul", `Nov 20 03:00:01.030112 db1 sshd[7]: Accepted publickey for root`, seoul, nov,
			parsed, "2025-11-19T18:00:01.030112Z", "db1", "sshd", "7", "Accepted publickey for root"},
		{"milliseconds, space-padded day", `Nov  3 07:08:09.5 web1 app: ok`, nil, nov,
			parsed, "2025-11-03T07:08:09.5Z", "web1", "app", "", "ok"},
		{"a dot and no digit", `Nov 20 03:00:01. db1 x: y`, nil, nov, malformed, "", "", "", "", ""},
		{"a fraction and no host", `Nov 20 03:00:01.25`, nil, nov, malformed, "", "", "", "", ""},
		{"bad clock", `Nov 20 25:00:01 db1 x: y`, nil, nov, malformed, "", "", "", "", ""},
		{"no host", `Nov 20 03:00:01 `, nil, nov, malformed, "", "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newSyslogParser(tt.loc, tt.to)
			var r Record
			got := p.parse([]byte(tt.line), &r, everything)
			if got != tt.want {
				t.Fatalf("result = %v, want %v", got, tt.want)
			}
			if got != parsed {
				return
			}
			if ts := r.T.UTC().Format(time.RFC3339Nano); ts != tt.t {
				t.Errorf("time = %s, want %s", ts, tt.t)
			}
			if r.Host != tt.host || r.Program != tt.prog || r.PID != tt.pid || r.Message != tt.msg {
				t.Errorf("got host %q prog %q pid %q msg %q", r.Host, r.Program, r.PID, r.Message)
			}
		})
	}
}

func TestTemplates(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/api/items/123?x=1", "/api/items/<*>"},
		{"/", "/"},
		{"/static/app.3f2a9c.js", "/static/<*>"},
		{"/users/alice/orders/9f1c2e4a", "/users/alice/orders/<*>"},
		{"/a/b/c/d/e/f/g/h", "/a/b/c/d/e/f/<*>"},
		{"/search%20me", "/<*>"},
		{"http://proxy.example/x", "<*>"},
		{"*", "*"},
	} {
		if got := normRoute(tt.in); got != tt.want {
			t.Errorf("normRoute(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMonth(t *testing.T) {
	for m := time.January; m <= time.December; m++ {
		if got := month([]byte(m.String()[:3])); got != m {
			t.Errorf("%s: %v", m.String()[:3], got)
		}
	}
	for _, s := range []string{"", "Ja", "jan", "JAN", "Janu", "Foo", "\x00\x00\x00"} {
		if got := month([]byte(s)); got != 0 {
			t.Errorf("%q: %v", s, got)
		}
	}
}

func TestIndexSpaced(t *testing.T) {
	for _, s := range []string{"", " : ", "a : b", "a:b : c", "a :b : c", ":", " :", ": ", "a: b", "x  :  y", "a:b:c", "[main] c.e.App - msg - x"} {
		for _, c := range []byte{':', '-'} {
			want := strings.Index(s, " "+string(c)+" ")
			if want >= 0 {
				want++
			}
			if got := indexSpaced([]byte(s), c); got != want {
				t.Errorf("%q %q: %d, want %d", s, c, got, want)
			}
		}
	}
}

// TestRecordReset: reset leaves nothing of the record before, whatever
// fields Record gains.
func TestRecordReset(t *testing.T) {
	var r Record
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem() // unexported fields too
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Int, reflect.Int64, reflect.Int8:
			f.SetInt(7)
		case reflect.Float64:
			f.SetFloat(7)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]byte("x")))
		case reflect.Struct: // T
			f.Set(reflect.ValueOf(time.Unix(7, 0)))
		default:
			t.Fatalf("field %s of kind %s: teach this test", v.Type().Field(i).Name, f.Kind())
		}
	}
	at := time.Unix(1000, 0).UTC()
	r.reset(at, false)
	if want := (Record{T: at, Bytes: -1, RequestTime: -1}); !reflect.DeepEqual(r, want) {
		t.Errorf("after reset %+v\nwant %+v", r, want)
	}
}

// TestNginxWindowEdges: with the minute cache, a line is in the window
// exactly when its time is, at both edges, across minutes and windows.
func TestNginxWindowEdges(t *testing.T) {
	base := time.Date(2025, 11, 20, 3, 0, 0, 0, time.UTC)
	windows := []sources.Window{
		{From: base.Add(90 * time.Second), To: base.Add(150 * time.Second)}, // mid-minute to mid-minute
		{From: base.Add(time.Minute), To: base.Add(2 * time.Minute)},        // one whole minute
		{From: base, To: base.Add(time.Hour)},
	}
	p := nginxParser{c: &nginxCache{}}
	var r Record
	for _, w := range windows {
		for s := 0; s < 240; s++ {
			at := base.Add(time.Duration(s) * time.Second)
			line := fmt.Sprintf(`10.0.0.1 - - [%s] "GET / HTTP/1.1" 200 5 "-" "x"`, at.In(time.FixedZone("", 9*3600)).Format("02/Jan/2006:15:04:05 -0700"))
			res := p.parse([]byte(line), &r, w)
			if want := w.Contains(at); (res == parsed) != want || res == malformed {
				t.Fatalf("window %v..%v, %v: %v, want in the window %v", w.From, w.To, at, res, want)
			}
		}
	}
}

// TestSyslogMinuteCache: a parser that read the lines before reads each
// line as a fresh one does, across minutes, the year's end and the second
// where the year guess turns (to + 7 days).
func TestSyslogMinuteCache(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	to := time.Date(2026, 1, 2, 0, 0, 30, 0, seoul) // to + 7 days: Jan 9 00:00:30
	warm := newSyslogParser(seoul, to)
	w := sources.Window{From: time.Unix(0, 0), To: to.Add(365 * 24 * time.Hour)}
	var lines []string
	for _, start := range []time.Time{
		time.Date(2025, 12, 31, 23, 58, 50, 0, seoul),
		time.Date(2026, 1, 9, 0, 0, 0, 0, seoul),
		time.Date(2026, 1, 8, 23, 59, 30, 0, seoul),
		time.Date(2026, 1, 10, 12, 0, 0, 0, seoul),
	} {
		for s := range 90 {
			lines = append(lines, start.Add(time.Duration(s)*time.Second).Format(time.Stamp)+" db1 cron[1]: x")
		}
	}
	lines = append(lines, "Jan  9 00:00:60 db1 k: leap", "Jan  9 00:00:61 db1 k: bad", "2026-01-01T10:00:00.5+09:00 db1 k: iso",
		"2026-01-01T10:00:01+0900 db1 k: iso", "2026-01-01T10:00:02 db1 k: iso, no offset", "2026-01-01T10:00:03Z db1 k: z")
	for _, l := range lines {
		var a, b Record
		ra := warm.parse([]byte(l), &a, w)
		rb := newSyslogParser(seoul, to).parse([]byte(l), &b, w)
		if ra != rb || !a.T.Equal(b.T) || a.Message != b.Message {
			t.Fatalf("%q: warm %v %v, fresh %v %v", l, ra, a.T, rb, b.T)
		}
	}
	// The turn of the guess: 00:00:30 is this year, 00:00:31 last year.
	var r Record
	for s, year := range map[int]int{30: 2026, 31: 2025} {
		warm.parse(fmt.Appendf(nil, "Jan  9 00:00:%02d db1 k: x", s), &r, w)
		if r.T.In(seoul).Year() != year {
			t.Errorf("Jan 9 00:00:%02d: %v, want %d", s, r.T, year)
		}
	}
	// RFC 3339 without an offset is read in the source's zone.
	newSyslogParser(seoul, to).parse([]byte("2026-01-01T10:00:02 db1 k: x"), &r, w)
	if !r.T.Equal(time.Date(2026, 1, 1, 10, 0, 2, 0, seoul)) {
		t.Errorf("no offset: %v", r.T)
	}
}

// FuzzSyslogWarm: a syslog parser that has read line a reads line b as a
// fresh parser does (the minute caches are only shortcuts).
func FuzzSyslogWarm(f *testing.F) {
	f.Add([]byte("Jan  9 00:00:10 db1 k: x"), []byte("Jan  9 00:00:59 db1 k: y"))
	f.Add([]byte("Dec 31 23:59:59 h a: x"), []byte("Dec 31 23:59:60 h a: y"))
	f.Add([]byte("2026-01-01T10:00:00.5+09:00 db1 k: iso"), []byte("2026-01-01T10:00:01+0900 db1 k: iso"))
	f.Add([]byte("2026-01-01T10:00:00Z h k: x"), []byte("2026-01-01T10:00:07 h k: x"))
	f.Add([]byte("Jan  9 00:00:10.25 db1 k: x"), []byte("Jan  9 00:00:59 db1 k: y"))
	f.Add([]byte("Jan  9 00:00:10 db1 k: x"), []byte("Jan  9 00:00:59.999 db1 k: y"))
	seoul := time.FixedZone("KST", 9*3600)
	to := time.Date(2026, 1, 2, 0, 0, 30, 0, seoul)
	f.Fuzz(func(t *testing.T, a, b []byte) {
		warm := newSyslogParser(seoul, to)
		var ra, rb Record
		warm.parse(a, &ra, everything)
		x := warm.parse(b, &ra, everything)
		y := newSyslogParser(seoul, to).parse(b, &rb, everything)
		if x != y || x != malformed && !ra.T.Equal(rb.T) ||
			x == parsed && (ra.Message != rb.Message || ra.Program != rb.Program || ra.Host != rb.Host) {
			t.Fatalf("after %q, %q: %v %+v\nfresh: %v %+v", a, b, x, ra, y, rb)
		}
	})
}

// FuzzSyslogWindow is FuzzSyslogWarm in a window of the fuzzer's, cut
// inside a minute or not: a warm parser answers inside or outside as a
// fresh one does (the minute of the line before may be wholly inside).
func FuzzSyslogWindow(f *testing.F) {
	f.Add([]byte("Jan  1 10:00:10 db1 k: x"), []byte("Jan  1 10:00:40 db1 k: y"), int32(30), uint32(60))
	f.Add([]byte("Jan  1 10:00:10 db1 k: x"), []byte("Jan  1 10:00:20 db1 k: y"), int32(-3600), uint32(3615))
	f.Add([]byte("Jan  1 10:00:10 db1 k: x"), []byte("Jan  1 10:00:59 db1 k: y"), int32(0), uint32(60))
	f.Add([]byte("Jan  1 09:59:10 db1 k: x"), []byte("Jan  1 10:00:00 db1 k: y"), int32(0), uint32(1))
	f.Add([]byte("Jan  1 10:00:10 db1 k: x"), []byte("Jan  1 10:00:40 db1 k: y"), int32(0), uint32(29))
	seoul := time.FixedZone("KST", 9*3600)
	to := time.Date(2026, 1, 2, 0, 0, 30, 0, seoul)
	base := time.Date(2026, 1, 1, 10, 0, 0, 0, seoul)
	f.Fuzz(func(t *testing.T, a, b []byte, from int32, length uint32) {
		w := sources.Window{From: base.Add(time.Duration(from) * time.Second)}
		w.To = w.From.Add(time.Duration(length%(1<<20)+1) * time.Second)
		warm := newSyslogParser(seoul, to)
		var ra, rb Record
		warm.parse(a, &ra, w)
		x := warm.parse(b, &ra, w)
		y := newSyslogParser(seoul, to).parse(b, &rb, w)
		if x != y || x != malformed && !ra.T.Equal(rb.T) {
			t.Fatalf("in %v, after %q, %q: %v %v\nfresh: %v %v", w, a, b, x, ra.T, y, rb.T)
		}
	})
}
