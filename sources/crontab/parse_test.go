package crontab

import (
	"strings"
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		system     bool
		want       parsed // sched is not compared
		err        string
	}{
		{"blank", "   ", false, parsed{kind: lineEmpty}, ""},
		{"comment", "  # 0 3 * * * not a job", false, parsed{kind: lineEmpty}, ""},
		{"env", "MAILTO=ops@example.com", false, parsed{kind: lineEnv, name: "MAILTO", val: "ops@example.com"}, ""},
		{"env with spaces and quotes", `CRON_TZ = "Europe/Berlin"`, false, parsed{kind: lineEnv, name: "CRON_TZ", val: "Europe/Berlin"}, ""},
		{"user job", "0 3 * * * /usr/local/bin/backup.sh", false, parsed{kind: lineJob, spec: "0 3 * * *", command: "/usr/local/bin/backup.sh"}, ""},
		{"system job keeps the command's spacing", "*/5\t*  * * *  www-data  php  /srv/app/artisan schedule:run >/dev/null 2>&1", true,
			parsed{kind: lineJob, spec: "*/5 * * * *", user: "www-data", command: "php  /srv/app/artisan schedule:run >/dev/null 2>&1"}, ""},
		{"names", "30 2 1 jan,jul sun root /bin/x", true, parsed{kind: lineJob, spec: "30 2 1 jan,jul sun", user: "root", command: "/bin/x"}, ""},
		{"macro", "@weekly root /bin/weekly", true, parsed{kind: lineJob, spec: "@weekly", user: "root", command: "/bin/weekly"}, ""},
		{"macro in capitals", "@Daily /bin/d", false, parsed{kind: lineJob, spec: "@daily", command: "/bin/d"}, ""},
		{"reboot", "@reboot /bin/boot", false, parsed{kind: lineReboot, spec: "@reboot", command: "/bin/boot"}, ""},
		{"percent starts stdin", `0 0 * * * mail -s "disk" root%df -h%`, false, parsed{kind: lineJob, spec: "0 0 * * *", command: `mail -s "disk" root`}, ""},
		{"escaped percent", `0 0 * * * date +\%F > /tmp/d`, false, parsed{kind: lineJob, spec: "0 0 * * *", command: "date +%F > /tmp/d"}, ""},
		{"sunday as 7", "0 4 * * 7 /bin/s", false, parsed{kind: lineJob, spec: "0 4 * * 0", command: "/bin/s"}, ""},
		{"range to 7", "0 4 * * 5-7 /bin/s", false, parsed{kind: lineJob, spec: "0 4 * * 5-6,0", command: "/bin/s"}, ""},
		{"minute out of range", "61 * * * * /bin/x", false, parsed{}, `schedule "61 * * * *"`},
		{"too few fields", "0 3 * * /bin/x", false, parsed{}, `schedule "0 3 * * /bin/x"`},
		{"four fields and nothing", "0 3 * *", false, parsed{}, "4 schedule fields, want 5"},
		{"no command", "0 3 * * *", false, parsed{}, "no command"},
		{"system without user", "0 3 * * *", true, parsed{}, "no user field"},
		{"system without command", "0 3 * * * root", true, parsed{}, "no command"},
		{"@every is not crontab", "@every 5m /bin/x", false, parsed{}, `unknown schedule "@every"`},
		{"garbage", "hello world", false, parsed{}, "schedule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseLine(tc.line, tc.system)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got.kind == lineJob) != (got.sched != nil) {
				t.Errorf("kind %d with schedule %v", got.kind, got.sched)
			}
			got.sched = nil
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseFileZones(t *testing.T) {
	text := "0 1 * * * /bin/local\r\nCRON_TZ=America/New_York\r\n0 1 * * * /bin/ny\r\nTZ=\r\n0 1 * * * /bin/back\r\n"
	es, bad := parseFile(text, false, seoul)
	if len(bad) != 0 || len(es) != 3 {
		t.Fatalf("entries %+v, bad %+v", es, bad)
	}
	for i, want := range []string{"Asia/Seoul", "America/New_York", "Asia/Seoul"} {
		if es[i].loc.String() != want {
			t.Errorf("entry %d (line %d) in %s, want %s", i, es[i].line, es[i].loc, want)
		}
	}
	if es[1].line != 3 || es[1].command != "/bin/ny" {
		t.Errorf("entry 1: %+v", es[1])
	}
	next := es[1].sched.Next(time.Date(2025, 11, 20, 0, 0, 0, 0, es[1].loc))
	if want := time.Date(2025, 11, 20, 6, 0, 0, 0, time.UTC); !next.Equal(want) {
		t.Errorf("01:00 New York = %v, want %v", next.UTC(), want)
	}
}
