package crontab

import (
	"strings"
	"testing"
	"time"
)

// FuzzParseLine: any line either parses into a consistent job or is
// refused with an error; never a panic. A job's schedule has a next run
// (or none within five years, robfig/cron's limit) without hanging. The
// corpus is kept in testdata/fuzz/FuzzParseLine.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly",
		"0 3 * * * /usr/local/bin/backup.sh",
		"@daily /bin/x %stdin",
		"CRON_TZ=Asia/Seoul",
		"*/20 9-17 * * mon-fri /bin/poll",
		"0 4 1,15 * 5-7 /bin/x",
		"@reboot root /bin/boot",
		"30 2 L * * /bin/x",
		"0 0 30 2 * /bin/never",
		`0 0 * * * date +\%F`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	from := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, line string, system bool) {
		p, err := parseLine(line, system)
		if err != nil {
			return
		}
		switch p.kind {
		case lineJob:
			if p.sched == nil || p.spec == "" || p.command == "" || (system && p.user == "") {
				t.Fatalf("job %+v from %q", p, line)
			}
			if strings.ContainsAny(p.command, "\n") {
				t.Fatalf("command %q spans lines", p.command)
			}
			if next := p.sched.Next(from); !next.IsZero() && !next.After(from) {
				t.Fatalf("next run %v not after %v", next, from)
			}
		case lineEnv:
			if p.name == "" {
				t.Fatalf("env without name from %q", line)
			}
		}
	})
}
