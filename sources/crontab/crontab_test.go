package crontab

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

var seoul = mustLoc("Asia/Seoul")

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// mustWrite writes files under dir (names with slashes make directories)
// and returns dir.
func mustWrite(tb testing.TB, dir string, files map[string]string) string {
	tb.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}

func mustFetch(tb testing.TB, c Config, w sources.Window) *sources.Dataset {
	tb.Helper()
	s, err := New(c)
	if err != nil {
		tb.Fatal(err)
	}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		tb.Fatal(err)
	}
	checkContract(tb, s.Name(), w, ds)
	return ds
}

// checkContract checks what sources.Source promises: everything carries the
// source's name, events lie inside the window, in time order, with a title
// and a ref, and gaps say why.
func checkContract(tb testing.TB, name string, w sources.Window, ds *sources.Dataset) {
	tb.Helper()
	for i, e := range ds.Events {
		if e.Source != name || !w.Contains(e.T) || e.Ref == "" || e.Title == "" || i > 0 && e.T.Before(ds.Events[i-1].T) {
			tb.Errorf("event %d out of contract: %+v", i, e)
		}
	}
	for _, g := range ds.Gaps {
		if g.Source != name || g.Reason == "" {
			tb.Errorf("gap out of contract: %+v", g)
		}
	}
}

// The crontabs of a small database host: the system crontab, a cron.d file
// in UTC, and a user's crontab.
var host = map[string]string{
	"etc/crontab": `# /etc/crontab: system-wide crontab
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

# m h dom mon dow user	command
17 *	* * *	root    cd / && run-parts --report /etc/cron.hourly
0  3	* * *	root	/usr/local/bin/backup-db.sh --full
61 * * * * root /bin/true
`,
	"etc/cron.d/pgdump": `MAILTO=""
CRON_TZ=UTC
30 18 * * 1-5 postgres pg_dump shop | gzip > /var/backups/shop.sql.gz
@reboot postgres /usr/local/bin/warm-cache
`,
	"etc/cron.d/.placeholder": "this is not a crontab\n",
	"spool/deploy": `# crontab -l of user deploy
TZ = "Asia/Seoul"
@daily /home/deploy/rotate.sh 100\% % some stdin
0 4 * * 7 /home/deploy/weekly-report
*/20 9-17 * * mon-fri /home/deploy/poll
`,
}

func TestFetch(t *testing.T) {
	dir := mustWrite(t, t.TempDir(), host)
	// Wednesday 2025-11-19 00:00 to Monday 2025-11-24 00:00, Seoul.
	w := sources.Window{From: time.Date(2025, 11, 19, 0, 0, 0, 0, seoul), To: time.Date(2025, 11, 24, 0, 0, 0, 0, seoul)}
	ds := mustFetch(t, Config{
		Name:     "db1-cron",
		Paths:    []string{filepath.Join(dir, "etc", "crontab"), filepath.Join(dir, "etc", "cron.d"), filepath.Join(dir, "spool", "*")},
		Location: seoul,
	}, w)

	type key struct{ title, ref string }
	runs := map[key][]time.Time{}
	kinds := map[string]sources.EventKind{}
	details := map[string]string{}
	for _, e := range ds.Events {
		rel, _ := filepath.Rel(dir, e.Ref)
		k := key{e.Title, filepath.ToSlash(rel)}
		runs[k] = append(runs[k], e.T)
		kinds[e.Title], details[e.Title] = e.Kind, e.Detail
	}
	at := func(day, h, m int) time.Time { return time.Date(2025, 11, day, h, m, 0, 0, seoul) }
	for _, tc := range []struct {
		name  string
		key   key
		kind  sources.EventKind
		n     int
		first time.Time
		spec  string
	}{
		{"hourly run-parts, in the host's zone", key{"cron: cd / && run-parts --report /etc/cron.hourly", "etc/crontab:6"}, sources.KindCron, 5 * 24, at(19, 0, 17), "17 * * * *"},
		{"backup at 03:00 is a backup", key{"cron: /usr/local/bin/backup-db.sh --full", "etc/crontab:7"}, sources.KindBackup, 5, at(19, 3, 0), "0 3 * * *"},
		{"CRON_TZ=UTC: 18:30 UTC is 03:30 in Seoul, Tuesday to Friday UTC", key{"cron: pg_dump shop | gzip > /var/backups/shop.sql.gz", "etc/cron.d/pgdump:3"}, sources.KindBackup, 4, at(19, 3, 30), "30 18 * * 1-5"},
		{"@daily with stdin after %", key{"cron: /home/deploy/rotate.sh 100%", "spool/deploy:3"}, sources.KindCron, 5, at(19, 0, 0), "@daily"},
		{"day-of-week 7 is Sunday", key{"cron: /home/deploy/weekly-report", "spool/deploy:4"}, sources.KindCron, 1, at(23, 4, 0), "0 4 * * 0"},
		{"every 20 minutes in office hours", key{"cron: /home/deploy/poll", "spool/deploy:5"}, sources.KindCron, 3 * 9 * 3, at(19, 9, 0), "*/20 9-17 * * mon-fri"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runs[tc.key]
			if len(got) != tc.n {
				t.Fatalf("%d runs, want %d; all: %v", len(got), tc.n, keys(runs))
			}
			if !got[0].Equal(tc.first) {
				t.Errorf("first run %v, want %v", got[0].In(seoul), tc.first)
			}
			if kinds[tc.key.title] != tc.kind {
				t.Errorf("kind %s, want %s", kinds[tc.key.title], tc.kind)
			}
			if want := "predicted from the crontab (schedule " + tc.spec + ")"; details[tc.key.title] != want {
				t.Errorf("detail %q, want %q", details[tc.key.title], want)
			}
		})
	}
	if len(runs) != 6 {
		t.Errorf("%d jobs, want 6 (no @reboot, nothing from .placeholder): %v", len(runs), keys(runs))
	}
	if len(ds.Gaps) != 1 || !strings.HasSuffix(ds.Gaps[0].What, filepath.Join("etc", "crontab")+":8") ||
		!strings.Contains(ds.Gaps[0].Reason, "61") {
		t.Errorf("gaps %v, want one for etc/crontab:8 (minute 61)", ds.Gaps)
	}
}

func keys[K comparable, V any](m map[K]V) []K {
	var out []K
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestFetchWindowEdges(t *testing.T) {
	dir := mustWrite(t, t.TempDir(), map[string]string{"tab": "0 * * * * /bin/job\n"})
	w := sources.Window{From: time.Date(2025, 11, 20, 3, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 20, 5, 0, 0, 0, time.UTC)}
	ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "tab")}}, w)
	if len(ds.Events) != 2 || !ds.Events[0].T.Equal(w.From) || !ds.Events[1].T.Equal(w.From.Add(time.Hour)) {
		t.Errorf("events %v, want 03:00 (From included) and 04:00 (To excluded)", ds.Events)
	}
	if ds.Events[0].Source != "crontab" {
		t.Errorf("default name %q", ds.Events[0].Source)
	}
}

func TestFetchGapsAndErrors(t *testing.T) {
	dir := mustWrite(t, t.TempDir(), map[string]string{
		"good":          "@hourly /bin/ok\n",
		"badtz":         "CRON_TZ=Mars/Olympus\n0 1 * * * /bin/a\nCRON_TZ=\n0 2 * * * /bin/b\n",
		"cron.d/nouser": "0 1 * * * /bin/only-a-command\n",
	})
	w := sources.Window{From: time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 20, 3, 0, 0, 0, time.UTC)}
	ds := mustFetch(t, Config{Paths: []string{
		filepath.Join(dir, "good"), filepath.Join(dir, "badtz"), filepath.Join(dir, "cron.d"), filepath.Join(dir, "missing*"),
	}}, w)
	var gaps []string
	for _, g := range ds.Gaps {
		rel, _ := filepath.Rel(dir, g.What)
		gaps = append(gaps, filepath.ToSlash(rel)+": "+g.Reason)
	}
	for _, want := range []string{
		`badtz:1: CRON_TZ: unknown time zone "Mars/Olympus"`,
		`badtz:2: skipped: the time zone "Mars/Olympus" of line 1 is unknown`,
		`cron.d/nouser:1: no command after the schedule`,
		`missing*: no file matches`,
	} {
		if !containsPrefix(gaps, want) {
			t.Errorf("no gap %q in %q", want, gaps)
		}
	}
	titles := map[string]int{}
	for _, e := range ds.Events {
		titles[e.Title]++
	}
	if titles["cron: /bin/ok"] != 3 || titles["cron: /bin/b"] != 1 || titles["cron: /bin/a"] != 0 {
		t.Errorf("runs %v, want /bin/ok 3 times, /bin/b once (zone reset by CRON_TZ=), /bin/a never", titles)
	}

	s, err := New(Config{Name: "c", Paths: []string{filepath.Join(dir, "nothing-here")}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Fetch(context.Background(), w, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "no crontab could be read") || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("all paths missing: error %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, _ = New(Config{Paths: []string{filepath.Join(dir, "good")}})
	if _, err := s.Fetch(ctx, w, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: error %v", err)
	}
}

func containsPrefix(list []string, p string) bool {
	for _, s := range list {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func TestFetchCapsRuns(t *testing.T) {
	dir := mustWrite(t, t.TempDir(), map[string]string{"tab": "* * * * * /bin/tick\n"})
	w := sources.Window{From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "tab")}}, w)
	if len(ds.Events) != maxRuns || len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "more than") {
		t.Errorf("%d events, gaps %v; want %d and a gap", len(ds.Events), ds.Gaps, maxRuns)
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		c    Config
		want string
	}{
		{Config{Name: "x"}, "crontab source x: no paths\nhint:"},
		{Config{Paths: []string{"/etc/crontab"}, BackupPattern: "("}, "backup_pattern \"(\""},
		{Config{Paths: []string{"/etc/[cron"}}, "check the glob"},
	} {
		_, err := New(tc.c)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) error %v, want %q", tc.c, err, tc.want)
		}
	}
	dir := mustWrite(t, t.TempDir(), map[string]string{"tab": "0 1 * * * /usr/bin/rsync -a /srv /mnt\n"})
	w := sources.Window{From: time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)}
	ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "tab")}, BackupPattern: `rsync`}, w)
	if len(ds.Events) != 1 || ds.Events[0].Kind != sources.KindBackup {
		t.Errorf("custom backup pattern: %+v", ds.Events)
	}
}

func TestCheck(t *testing.T) {
	dir := mustWrite(t, t.TempDir(), host)
	s, err := New(Config{Paths: []string{filepath.Join(dir, "etc", "crontab"), filepath.Join(dir, "etc", "cron.d")}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Check(context.Background())
	want := fmt.Sprintf("2 crontab files, 3 entries, 1 skipped (first: crontab: %s:8:", filepath.Join(dir, "etc", "crontab"))
	if err != nil || !strings.HasPrefix(got, want) {
		t.Errorf("Check = %q, %v; want %q...", got, err, want)
	}
}

// TestFetchDaylightSaving: cron makes up a fixed-time job the spring change
// skips (at the change) and runs one the autumn change repeats once; jobs
// with * in the minute or hour run by the clock.
func TestFetchDaylightSaving(t *testing.T) {
	berlin := mustLoc("Europe/Berlin")
	dir := mustWrite(t, t.TempDir(), map[string]string{"tab": `30 2 * * * /bin/fixed
*/30 2 * * * /bin/wild
0 3 * * * /bin/after
`})
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     map[string][]string
	}{
		{"spring", time.Date(2025, 3, 29, 12, 0, 0, 0, berlin), time.Date(2025, 3, 31, 12, 0, 0, 0, berlin), map[string][]string{
			"cron: /bin/fixed": {"2025-03-30T03:00:00+02:00", "2025-03-31T02:30:00+02:00"},
			"cron: /bin/wild":  {"2025-03-31T02:00:00+02:00", "2025-03-31T02:30:00+02:00"},
			"cron: /bin/after": {"2025-03-30T03:00:00+02:00", "2025-03-31T03:00:00+02:00"},
		}},
		{"autumn", time.Date(2025, 10, 25, 12, 0, 0, 0, berlin), time.Date(2025, 10, 26, 12, 0, 0, 0, berlin), map[string][]string{
			"cron: /bin/fixed": {"2025-10-26T02:30:00+02:00"},
			"cron: /bin/wild":  {"2025-10-26T02:00:00+02:00", "2025-10-26T02:30:00+02:00", "2025-10-26T02:00:00+01:00", "2025-10-26T02:30:00+01:00"},
			"cron: /bin/after": {"2025-10-26T03:00:00+01:00"},
		}},
		{"window starts between the autumn twins", time.Date(2025, 10, 26, 0, 45, 0, 0, time.UTC) /* 02:45 CEST */, time.Date(2025, 10, 26, 12, 0, 0, 0, berlin), map[string][]string{
			"cron: /bin/wild":  {"2025-10-26T02:00:00+01:00", "2025-10-26T02:30:00+01:00"},
			"cron: /bin/after": {"2025-10-26T03:00:00+01:00"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := sources.Window{From: tc.from, To: tc.to}
			ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "tab")}, Location: berlin}, w)
			got := map[string][]string{}
			for _, e := range ds.Events {
				got[e.Title] = append(got[e.Title], e.T.In(berlin).Format(time.RFC3339))
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}
