package cmd

import (
	"strings"
	"testing"
	"time"
)

func TestValidateNamesTheBadKey(t *testing.T) {
	good := DefaultConfig().Profile
	good.Sources = []SourceConfig{{Name: "kuma", Type: "kuma"}}
	for _, tc := range []struct {
		name string
		edit func(p *Profile)
		want string
	}{
		{"zone", func(p *Profile) { p.Timezone = "Asia/Sеoul" }, `timezone: unknown time zone "Asia/Sеoul"`},
		{"day", func(p *Profile) { p.BusinessHours.Days = []string{"mon", "funday"} }, `business_hours.days: unknown day "funday"`},
		{"start", func(p *Profile) { p.BusinessHours.Start = "9am" }, `business_hours.start: "9am" is not a time of day`},
		{"end before start", func(p *Profile) { p.BusinessHours.End = "08:00" }, `business_hours: end "08:00" is not after start "09:00"`},
		{"holiday", func(p *Profile) { p.Holidays = []string{"Christmas"} }, `holidays: "Christmas" is not a date`},
		{"baseline", func(p *Profile) { p.Baseline = "a week" }, `baseline: "a week" is not a positive duration`},
		{"lag", func(p *Profile) { p.Lag = "-5m" }, `lag: "-5m" is not a positive duration`},
		{"no sources", func(p *Profile) { p.Sources = nil }, "sources: none configured"},
		{"unnamed source", func(p *Profile) { p.Sources = []SourceConfig{{Type: "kuma"}} }, "sources[0]: missing name"},
		{"twice", func(p *Profile) { p.Sources = append(p.Sources, p.Sources[0]) }, `sources[1]: name "kuma" used twice`},
		{"type", func(p *Profile) { p.Sources = []SourceConfig{{Name: "x", Type: "influx"}} }, `sources[0] (x): unknown type "influx"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := good
			p.BusinessHours.Days = append([]string(nil), good.BusinessHours.Days...)
			p.Sources = append([]SourceConfig(nil), good.Sources...)
			tc.edit(&p)
			_, err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	st, err := good.Validate()
	if err != nil {
		t.Fatal(err)
	}
	if st.baseline != 7*24*time.Hour || st.cal.DayStart != 9*time.Hour || !st.cal.WorkDays[time.Friday] || st.cal.WorkDays[time.Saturday] {
		t.Errorf("defaults: %+v", st)
	}
}

func TestProfilesInherit(t *testing.T) {
	c := DefaultConfig()
	c.Timezone = "Asia/Seoul"
	c.Holidays = []string{"2025-12-25 Christmas"}
	c.Sources = []SourceConfig{{Name: "top", Type: "kuma"}}
	c.Profiles = map[string]Profile{"acme": {Timezone: "Europe/Berlin", Sources: []SourceConfig{{Name: "acme-kuma", Type: "kuma"}}}}
	p, name, err := c.resolve("acme")
	if err != nil || name != "acme" {
		t.Fatal(name, err)
	}
	if p.Timezone != "Europe/Berlin" || p.Sources[0].Name != "acme-kuma" || p.Baseline != "7d" || len(p.Holidays) != 1 {
		t.Errorf("acme: %+v", p)
	}
	if _, _, err := c.resolve("globex"); err == nil || !strings.Contains(err.Error(), "the config has profiles: acme") {
		t.Errorf("unknown profile: %v", err)
	}
	if p, _, _ := c.resolve(""); p.Timezone != "Asia/Seoul" {
		t.Errorf("top level: %+v", p)
	}
}

func TestParseTime(t *testing.T) {
	seoul, _ := time.LoadLocation("Asia/Seoul")
	now := time.Date(2025, 11, 21, 5, 30, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2025-11-20 03:10":          time.Date(2025, 11, 20, 3, 10, 0, 0, seoul),
		"2025-11-20T03:10:00+09:00": time.Date(2025, 11, 20, 3, 10, 0, 0, seoul),
		"2025-11-19T18:10:00Z":      time.Date(2025, 11, 20, 3, 10, 0, 0, seoul),
		"2025-11-20":                time.Date(2025, 11, 20, 0, 0, 0, 0, seoul),
		"now":                       now,
		"-6h":                       now.Add(-6 * time.Hour),
		"now-2d":                    now.Add(-48 * time.Hour),
		"-1d12h":                    now.Add(-36 * time.Hour),
	} {
		got, err := parseTime(in, now, seoul)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2025-13-01", "-6x", "now-"} {
		if _, err := parseTime(bad, now, seoul); err == nil {
			t.Errorf("parseTime(%q) accepted", bad)
		}
	}
}

func TestWindowFlags(t *testing.T) {
	now := time.Date(2025, 11, 21, 5, 30, 0, 0, time.UTC)
	w, err := windowOptions{around: "2025-11-21T05:00:00Z", before: "2h", after: "1h"}.window(now, time.UTC)
	if err != nil || w.Duration() != 3*time.Hour || !w.From.Equal(now.Add(-150*time.Minute)) {
		t.Errorf("around: %v %v", w, err)
	}
	if _, err := (windowOptions{around: "now", from: "-1h", before: "1h", after: "1h"}).window(now, time.UTC); err == nil {
		t.Error("--around with --from accepted")
	}
	if _, err := (windowOptions{}).window(now, time.UTC); err == nil || !strings.Contains(err.Error(), "hint: use --around") {
		t.Errorf("no window: %v", err)
	}
	w, err = windowOptions{from: "-2h"}.window(now, time.UTC)
	if err != nil || !w.To.Equal(now) {
		t.Errorf("--to defaults to now: %v %v", w, err)
	}
}
