package logs

import (
	"testing"
	"time"
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
	if got := maskMessage(r.Message); len(got) > maxTemplateLen {
		t.Fatalf("template of %d bytes", len(got))
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

func FuzzParseSyslog(f *testing.F) {
	for _, s := range []string{
		`Nov 20 03:00:01 db1 CRON[1234]: (root) CMD (/usr/local/bin/backup.sh)`,
		`Nov  3 07:08:09 web1 kernel: [12345.678] Out of memory: Killed process 4321 (java)`,
		`Feb 29 00:00:00 h systemd[1]: Started nginx.service.`,
		`<30>2025-11-20T03:00:01.250+09:00 db1 nginx: restarting`,
		`Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0`,
		`Nov 20 03:00:01 db1 -- MARK --`,
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
