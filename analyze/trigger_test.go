package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestTriggerRecursOutcomeNew: a backup runs at 03:00 every night; on
// earlier nights it cost a PENDING check (four nights) or a few 5xx (one
// night), on the other two nothing; tonight the shop is down for eight
// minutes. The backup's reason says so in words.
func TestTriggerRecursOutcomeNew(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	pendingNights := map[int]bool{}
	errNight := time.Time{}
	i := 0
	s.daily(func(d time.Time) {
		s.event(at(d, 3, 0), sources.KindCron, "cron: (postgres) CMD (/usr/local/bin/pg_backup.sh)")
		if d.Equal(day) {
			return
		}
		switch i % 4 {
		case 0, 1:
			if i < 6 {
				pendingNights[d.Day()] = true
			}
		case 2:
			if errNight.IsZero() {
				errNight = d
			}
		}
		i++
	})
	down0, down1 := at(day, 3, 2), at(day, 3, 10)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		lt := t.In(seoul)
		switch {
		case !t.Before(down0) && t.Before(down1):
			return sources.Down, 0
		case pendingNights[lt.Day()] && lt.Hour() == 3 && lt.Minute() == 3:
			return sources.Pending, 0
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	s.series("nginx 5xx", sources.Errors, func(t time.Time) float64 {
		if !errNight.IsZero() && !t.Before(at(errNight, 3, 2)) && t.Before(at(errNight, 3, 5)) {
			return 0.1 // 6 a minute
		}
		if !t.Before(down0) && t.Before(down1) {
			return 3
		}
		return 0
	})
	s.ds.Series[len(s.ds.Series)-1].Unit = "1/s"
	f := s.run(at(day, 3, 5), 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 || f.Symptoms[0].Kind != Outage {
		t.Fatalf("want the outage first, got %+v", f.Symptoms)
	}
	sy := f.Symptoms[0]
	var r string
	for _, sp := range sy.Suspects {
		if strings.Contains(sp.Title, "pg_backup") {
			r = sp.Reason
		}
	}
	if r == "" {
		t.Fatalf("the backup is not a suspect: %s", titles(sy.Suspects))
	}
	for _, want := range []string{
		"it ran at about this time on 7 of the 7 earlier nights",
		"PENDING checks only on 4",
		"a few 5xx only on 1 (18 in all)",
		"no effect seen on 2",
		"tonight it took Shop down for 8m",
		"the usual trigger, an unusual outcome",
	} {
		if !strings.Contains(r, want) {
			t.Errorf("reason lacks %q:\n%s", want, r)
		}
	}
}

// TestTriggerHistoryOnlyForRareTriggers: a job every five minutes ran at
// this time on every earlier day, which says nothing: no history sentence.
func TestTriggerHistoryOnlyForRareTriggers(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	for t := s.start; t.Before(end); t = t.Add(5 * time.Minute) {
		s.event(t, sources.KindCron, "cron: (www-data) CMD (php console messenger:consume)")
	}
	s.event(at(day, 14, 1), sources.KindDeploy, "deploy: shop v2")
	down0, down1 := at(day, 14, 3), at(day, 14, 12)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if !t.Before(down0) && t.Before(down1) {
			return sources.Down, 0
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	f := s.run(at(day, 14, 5), 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 {
		t.Fatal("no symptom")
	}
	for _, sp := range f.Symptoms[0].Suspects {
		if strings.Contains(sp.Reason, "earlier days") || strings.Contains(sp.Reason, "unusual outcome") {
			t.Errorf("%s: history for a trigger that is not rare or did not recur: %s", sp.Title, sp.Reason)
		}
	}
}

// TestOneshotUnitIsAJob: apt-daily starts at random times twice a day
// (its timer's RandomizedDelaySec) and systemd never says "Started" for
// it (a oneshot says "Finished"): its start just before an outage is a
// job running, not a restart by a person. shop.service, stopped and
// started, stays a change.
func TestOneshotUnitIsAJob(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	ev := func(at time.Time, title string) {
		s.ds.Events = append(s.ds.Events, sources.Event{Source: "syslog", T: at, Kind: sources.KindRestart,
			Title: "restart: " + title, Ref: "syslog:1", Detail: "web1 systemd: " + title})
	}
	s.daily(func(d time.Time) {
		for _, h := range []int{1 + s.rng.IntN(10), 13 + s.rng.IntN(10)} {
			if d.Equal(day) {
				continue
			}
			ev(at(d, h, s.rng.IntN(60)), "Starting apt-daily.service - Daily apt download activities")
		}
	})
	ev(at(day, 14, 0), "Starting apt-daily.service - Daily apt download activities")
	ev(at(day, 14, 1), "Stopping shop.service - Shop application")
	ev(at(day, 14, 1).Add(3*time.Second), "Started shop.service - Shop application")
	down0, down1 := at(day, 14, 2), at(day, 14, 9)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if !t.Before(down0) && t.Before(down1) {
			return sources.Down, 0
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	f := s.run(at(day, 14, 5), 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 {
		t.Fatal("no symptom")
	}
	var apt, shop bool
	for _, sp := range f.Symptoms[0].Suspects {
		switch {
		case strings.Contains(sp.Title, "apt-daily"):
			apt = true
			if sp.Cause != CauseScheduled {
				t.Errorf("apt-daily's start is a %s, want a scheduled job", sp.Cause)
			}
		case strings.Contains(sp.Title, "shop.service"):
			shop = true
			if sp.Cause != CauseChange {
				t.Errorf("shop.service's restart is a %s, want a change", sp.Cause)
			}
		}
	}
	if !apt || !shop {
		t.Errorf("want both as suspects: %s", titles(f.Symptoms[0].Suspects))
	}
}
