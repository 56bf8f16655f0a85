package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

func TestParseKnownEvents(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	ks, err := parseKnownEvents([]byte(`
# the team's list
- name: nightly backup
  schedule: "0 3 * * *"
  effect: disk IO and latency up for ~20 min
  source: syslog
- name: logrotate
  pattern: 'logrotate|nginx reloaded'
  effect: a few 502s while nginx reloads
`), seoul)
	if err != nil {
		t.Fatal(err)
	}
	want := []analyze.KnownEvent{
		{Name: "nightly backup", Schedule: "0 3 * * *", Effect: "disk IO and latency up for ~20 min", Source: "syslog", Location: seoul},
		{Name: "logrotate", Pattern: "logrotate|nginx reloaded", Effect: "a few 502s while nginx reloads", Location: seoul},
	}
	if len(ks) != len(want) || ks[0] != want[0] || ks[1] != want[1] {
		t.Fatalf("got %+v\nwant %+v", ks, want)
	}
	backupRun := sources.Event{Source: "syslog", Kind: sources.KindBackup, T: time.Date(2025, 11, 20, 3, 0, 1, 0, seoul), Title: "backup: /usr/local/bin/backup-db.sh"}
	if !ks[0].Matches(backupRun) {
		t.Errorf("%+v does not match %+v", ks[0], backupRun)
	}

	for _, tc := range []struct{ name, in, want string }{
		{"empty file", "", ""},
		{"unknown key", "- name: x\n  schedul: '0 3 * * *'\n", "unknown key schedul"},
		{"no name", "- schedule: '@daily'\n", "entry 1: known event without a name"},
		{"neither", "- name: a\n  pattern: x\n- name: b\n  effect: slow\n", `entry 2: known event "b": neither a schedule nor a pattern`},
		{"bad schedule", "- name: a\n  schedule: '0 3 * *'\n", `entry 1: known event "a": schedule "0 3 * *"`},
		{"bad pattern", "- name: a\n  pattern: '(('\n", `entry 1: known event "a": pattern "(("`},
		{"a map, not a list", "known_events:\n  - name: a\n", "cannot unmarshal"},
		{"hint", "- name: a\n", "hint: write a list of entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseKnownEvents([]byte(tc.in), time.UTC)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func mustWriteFile(tb testing.TB, path, body string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestValidateCalendarFiles(t *testing.T) {
	dir := t.TempDir()
	mustWriteFile(t, filepath.Join(dir, "office.ics"), "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20251120\r\nSUMMARY:Founders' day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
	mustWriteFile(t, filepath.Join(dir, "known-events.yaml"), "- {name: nightly backup, schedule: '0 3 * * *'}\n")
	mustWriteFile(t, filepath.Join(dir, "bad.ics"), "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n")
	mustWriteFile(t, filepath.Join(dir, "hindsight.yaml"), `
timezone: Asia/Seoul
holiday_country: KR
holiday_ical: office.ics
known_events: known-events.yaml
holidays: ["2025-10-06 Chuseok, as we call it"]
sources: [{name: kuma, type: kuma, path: kuma.db}]
profiles:
  berlin: {timezone: Europe/Berlin, holiday_country: DE-BE}
`)
	c, _, err := loadConfig(filepath.Join(dir, "hindsight.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := c.resolve("")
	if err != nil {
		t.Fatal(err)
	}
	st, err := p.Validate()
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]string{
		"2025-10-08": "Substitute holiday for Chuseok", // the country
		"2025-11-20": "Founders' day",                  // the iCalendar file, read next to the config
		"2025-10-06": "Chuseok, as we call it",         // the list wins
	} {
		if got := st.cal.Holidays[d]; !strings.HasPrefix(got, want) {
			t.Errorf("holiday %s = %q, want %q", d, got, want)
		}
	}
	at := time.Date(2025, 10, 8, 3, 0, 0, 0, st.loc)
	if st.cal.Classify(at) != analyze.Holiday {
		t.Errorf("2025-10-08 is %s, want holiday", st.cal.Classify(at))
	}
	if len(st.known) != 1 || st.known[0].Location != st.loc {
		t.Errorf("known events %+v, want one in the profile's zone", st.known)
	}

	// A profile inherits the files and may replace the country.
	p, _, err = c.resolve("berlin")
	if err != nil {
		t.Fatal(err)
	}
	st, err = p.Validate()
	if err != nil {
		t.Fatal(err)
	}
	if st.cal.Holidays["2025-03-08"] != "Frauentag" || st.cal.Holidays["2025-10-08"] != "" || st.cal.Holidays["2025-11-20"] == "" || len(st.known) != 1 {
		t.Errorf("berlin: Frauentag %q, Chuseok substitute %q, office %q, known %d",
			st.cal.Holidays["2025-03-08"], st.cal.Holidays["2025-10-08"], st.cal.Holidays["2025-11-20"], len(st.known))
	}

	good := DefaultConfig().Profile
	good.Sources = []SourceConfig{{Name: "kuma", Type: "kuma"}}
	for _, tc := range []struct {
		name string
		edit func(p *Profile)
		want string
	}{
		{"country", func(p *Profile) { p.HolidayCountry = "Korea" }, "holiday_country: no holiday table for country \"KOREA\"\nhint:"},
		{"ical missing", func(p *Profile) { p.HolidayICal = filepath.Join(dir, "nope.ics") }, "holiday_ical: open"},
		{"ical bad", func(p *Profile) { p.HolidayICal = filepath.Join(dir, "bad.ics") }, "bad.ics: line 2: event without DTSTART"},
		{"known missing", func(p *Profile) { p.KnownEvents = filepath.Join(dir, "nope.yaml") }, "known_events: open"},
		{"known bad", func(p *Profile) { p.KnownEvents = filepath.Join(dir, "office.ics") }, "known_events: " + filepath.Join(dir, "office.ics")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			tc.edit(&p)
			_, err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
			if _, ok := err.(*configError); !ok {
				t.Errorf("%T is not a configError (exit 2)", err)
			}
		})
	}
}

// A known_events path that names the wrong file (a token, a .env file, a
// key) gets an error that does not quote the file: the YAML decoder quotes
// a value's first seven characters, which would reach the terminal and
// logs (issue 19, item 2).
func TestKnownEventsErrorNeverQuotesTheFile(t *testing.T) {
	const canary = "cnryKnownEvt7"
	for _, c := range []struct {
		name, body string
		secret     []string // what the error must not show
	}{
		{"token", canary + "\n", []string{"cnryK"}},
		{"env", "DB_PASSWORD=" + canary + "\nDB_USER=app\n", []string{"DB_PA", "cnryK"}},
		{"shadow", "root:$6$" + canary + ":19000:0:99999:7:::\n", []string{"cnryK"}},
		{"json", `{"user": "app", "password": "` + canary + `"}`, []string{"cnryK"}},
		{"json broken", `{"password": "` + canary + `" [[`, []string{"cnryK"}},
		{"ini", "[default]\naws_secret_access_key = " + canary + "\n", []string{"defaul", "cnryK"}},
		{"pem", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn" + canary + "\n-----END OPENSSH PRIVATE KEY-----\n", []string{"-----", "cnryK"}},
		{"list", "- " + canary + "\n- hunter2\n", []string{"cnryK", "hunter"}},
		{"number", "98765" + canary + "\n", []string{"98765"}},
	} {
		path := filepath.Join(t.TempDir(), "secret")
		mustWriteFile(t, path, c.body)
		_, err := loadKnownEvents(path, time.UTC)
		if err == nil {
			t.Errorf("%s: accepted as known events", c.name)
			continue
		}
		msg := strings.TrimPrefix(err.Error(), path)
		for _, s := range c.secret {
			if strings.Contains(msg, s) {
				t.Errorf("%s: the error quotes the file (%q):\n%v", c.name, s, err)
			}
		}
		if !strings.Contains(msg, "hint:") {
			t.Errorf("%s: no hint:\n%v", c.name, err)
		}
	}
}
