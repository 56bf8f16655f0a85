package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestKnownEventMatches(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	at := func(h, m, s int) time.Time { return time.Date(2025, 11, 20, h, m, s, 0, seoul) }
	backup := KnownEvent{Name: "nightly backup", Schedule: "0 3 * * *", Location: seoul}
	ev := func(kind sources.EventKind, t time.Time, title string) sources.Event {
		return sources.Event{Source: "syslog", Kind: kind, T: t, Title: title, Ref: "syslog:1"}
	}
	for _, tc := range []struct {
		name string
		k    KnownEvent
		e    sources.Event
		want bool
	}{
		{"schedule: cron line at the minute", backup, ev(sources.KindBackup, at(3, 0, 1), "cron: /usr/local/bin/backup-db.sh"), true},
		{"schedule: within the slack", backup, ev(sources.KindCron, at(3, 2, 0), "cron: x"), true},
		{"schedule: past the slack", backup, ev(sources.KindCron, at(3, 2, 1), "cron: x"), false},
		{"schedule: before the run", backup, ev(sources.KindCron, at(2, 59, 59), "cron: x"), false},
		{"schedule: the profile's zone, not UTC", backup, ev(sources.KindCron, time.Date(2025, 11, 20, 3, 0, 0, 0, time.UTC), "cron: x"), false},
		{"schedule: a zone in the spec", KnownEvent{Name: "n", Schedule: "CRON_TZ=UTC 0 18 * * *", Location: seoul},
			ev(sources.KindCron, at(3, 0, 30), "cron: x"), true},
		{"schedule: a probe failure at the same time is not the job", backup, ev(sources.KindProbeDown, at(3, 0, 30), "Shop down"), false},
		{"schedule: a deploy is a change", KnownEvent{Name: "release train", Schedule: "0 14 * * fri", Location: seoul},
			ev(sources.KindDeploy, time.Date(2025, 11, 21, 14, 1, 12, 0, seoul), "deploy: shop v2.14.0"), true},
		{"schedule: macro", KnownEvent{Name: "n", Schedule: "@daily", Location: seoul}, ev(sources.KindCron, at(0, 0, 0), "cron: x"), true},
		{"pattern: title", KnownEvent{Name: "logrotate", Pattern: `logrotate`}, ev(sources.KindRestart, at(6, 25, 3), "restart: nginx (logrotate)"), true},
		{"pattern: detail", KnownEvent{Name: "n", Pattern: `pg_dump`}, sources.Event{Kind: sources.KindOther, T: at(1, 0, 0), Title: "job", Detail: "ran pg_dump shop"}, true},
		{"pattern: any kind", KnownEvent{Name: "n", Pattern: `(?i)certbot`}, ev(sources.KindLogError, at(1, 0, 0), "log_error: Certbot renew failed"), true},
		{"pattern: no match", KnownEvent{Name: "n", Pattern: `logrotate`}, ev(sources.KindCron, at(3, 0, 0), "cron: backup"), false},
		{"pattern and schedule: both must hold", KnownEvent{Name: "n", Pattern: "backup", Schedule: "0 3 * * *", Location: seoul},
			ev(sources.KindCron, at(4, 0, 0), "cron: backup"), false},
		{"pattern and schedule: any kind then", KnownEvent{Name: "n", Pattern: "backup", Schedule: "0 3 * * *", Location: seoul},
			ev(sources.KindLogError, at(3, 1, 0), "log_error: backup failed"), true},
		{"source restricts", KnownEvent{Name: "n", Pattern: "backup", Source: "db1"}, ev(sources.KindCron, at(3, 0, 0), "cron: backup"), false},
		{"source matches", KnownEvent{Name: "n", Pattern: "backup", Source: "syslog"}, ev(sources.KindCron, at(3, 0, 0), "cron: backup"), true},
		{"bad schedule matches nothing", KnownEvent{Name: "n", Schedule: "0 25 * * *"}, ev(sources.KindCron, at(3, 0, 0), "cron: x"), false},
		{"neither matches nothing", KnownEvent{Name: "n"}, ev(sources.KindCron, at(3, 0, 0), "cron: x"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.k.Matches(tc.e); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestKnownEventCheck(t *testing.T) {
	for _, tc := range []struct {
		k    KnownEvent
		want string
	}{
		{KnownEvent{Schedule: "@daily"}, "without a name"},
		{KnownEvent{Name: "x"}, `known event "x": neither a schedule nor a pattern`},
		{KnownEvent{Name: "x", Schedule: "0 3 * *"}, `known event "x": schedule "0 3 * *"`},
		{KnownEvent{Name: "x", Pattern: "("}, `known event "x": pattern "("`},
		{KnownEvent{Name: "x", Schedule: "*/5 * * * *", Pattern: "a"}, ""},
	} {
		err := tc.k.Check()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Check(%+v) = %v, want %q", tc.k, err, tc.want)
		}
	}
}

func TestLabelKnown(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	at := func(h, m int) time.Time { return time.Date(2025, 11, 20, h, m, 0, 0, seoul) }
	f := &Findings{
		Symptoms: []Symptom{{ID: "S1", Kind: LatencySpike, Subject: "Shop", Start: at(3, 4), Suspects: []Suspect{
			{Rank: 1, Kind: SuspectEvent, Title: "backup: /usr/local/bin/backup-db.sh", Source: "syslog", Start: at(3, 0)},
			{Rank: 2, Kind: SuspectAnomaly, Title: "node_disk_io_time_seconds up 8x", Source: "metrics", Start: at(3, 0)},
			{Rank: 3, Kind: SuspectLogBurst, Title: `burst of "pg_dump: dumping contents of table <*>"`, Source: "syslog", Start: at(3, 1)},
			{Rank: 4, Kind: SuspectEvent, Title: "cron: /usr/bin/certbot renew", Source: "syslog", Start: at(3, 0)},
		}}},
		Timeline: []TimelineEntry{
			{T: at(3, 0), Source: "syslog", Kind: "backup", Text: "/usr/local/bin/backup-db.sh", Ref: "syslog:12"},
			{T: at(3, 0), Source: "syslog", Kind: "cron", Text: "/usr/bin/certbot renew", Ref: "syslog:13"},
			{T: at(3, 0), Source: "metrics", Kind: "series", Text: "backup-ish disk IO"},
			{T: at(3, 4), Source: "kuma", Kind: "spike start", Text: "Shop [S1] latency above normal"},
			{T: at(3, 4), Source: "kuma", Kind: "probe_down", Text: "Shop down"},
		},
	}
	LabelKnown(f, []KnownEvent{
		{Name: "bad", Schedule: "not a schedule"},
		{Name: "nightly backup", Schedule: "0 3 * * *", Location: seoul, Effect: "disk IO and latency up for ~20 min", Source: "syslog",
			Pattern: `^(backup|cron): .*backup|pg_dump`},
		{Name: "certbot", Pattern: `certbot`},
	})
	const backup = "nightly backup (expected: disk IO and latency up for ~20 min)"
	wantSuspects := []string{backup, "", backup, "certbot"}
	for i, s := range f.Symptoms[0].Suspects {
		if s.Known != wantSuspects[i] {
			t.Errorf("suspect %d %q: known %q, want %q", i+1, s.Title, s.Known, wantSuspects[i])
		}
	}
	wantTimeline := []string{backup, "certbot", "", "", ""}
	for i, te := range f.Timeline {
		if te.Known != wantTimeline[i] {
			t.Errorf("timeline %d %q: known %q, want %q", i, te.Text, te.Known, wantTimeline[i])
		}
	}
	LabelKnown(nil, nil) // no panic
}

// TestLabelKnownNightlyBackup runs the nightly-backup scenario and labels
// its findings, as Run will: the backup suspect and its timeline line are
// known, the disk anomaly (its effect) and the symptom are not.
func TestLabelKnownNightlyBackup(t *testing.T) {
	s, around := nightlyBackup()
	f := s.run(around, 2*time.Hour, time.Hour)
	LabelKnown(f, []KnownEvent{{Name: "nightly backup", Schedule: "0 3 * * *", Location: seoul, Effect: "shop slow for ~20 min"}})
	const want = "nightly backup (expected: shop slow for ~20 min)"
	if len(f.Symptoms) == 0 || len(f.Symptoms[0].Suspects) == 0 {
		t.Fatalf("no symptom or suspect: %+v", f.Symptoms)
	}
	labelled := 0
	for _, sp := range f.Symptoms[0].Suspects {
		isBackup := sp.Kind == SuspectEvent && strings.Contains(sp.Title, "backup-db.sh")
		if isBackup != (sp.Known == want) {
			t.Errorf("suspect %q (%s): known %q", sp.Title, sp.Kind, sp.Known)
		}
		if sp.Known != "" {
			labelled++
		}
	}
	if labelled != 1 {
		t.Errorf("%d suspects labelled, want the backup only", labelled)
	}
	lines := 0
	for _, te := range f.Timeline {
		if strings.Contains(te.Text, "backup-db.sh") && te.Kind == "backup" {
			lines++
			if te.Known != want {
				t.Errorf("timeline %+v not labelled", te)
			}
		} else if te.Known != "" {
			t.Errorf("timeline %+v labelled", te)
		}
	}
	if lines == 0 {
		t.Error("no backup line in the timeline")
	}
}
