package analyze

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// logBurstOutage: a pattern that logs a line now and then for a week
// bursts to 40 lines a minute two minutes before the shop goes down; no
// event and no metric moved. The burst is the only cause in the data.
func logBurstOutage() (*scenario, time.Time) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	burst0, down0, down1 := at(day, 11, 20), at(day, 11, 22), at(day, 11, 30)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if !t.Before(down0) && t.Before(down1) {
			return sources.Down, 0
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	p := sources.LogPattern{Source: "syslog", File: "/var/log/syslog", ID: "p1",
		Template: "shop[<*>]: ERROR could not obtain a database connection from the pool", Level: "error"}
	for t := s.start; t.Before(end); t = t.Add(time.Minute) {
		n := 0
		switch {
		case !t.Before(burst0) && t.Before(down1):
			n = 40
		case s.rng.IntN(240) == 0: // about six lines a day
			n = 1
		}
		if n == 0 {
			continue
		}
		if p.FirstSeen.IsZero() {
			p.FirstSeen = t
		}
		p.Counts = append(p.Counts, sources.Bucket{T: t, N: n})
		if !t.Before(burst0) && len(p.Examples) < 3 || len(p.Examples) == 0 {
			p.Examples = append(p.Examples, sources.LogLine{File: p.File, Line: len(p.Counts), T: t,
				Text: "shop[42]: ERROR could not obtain a database connection from the pool"})
		}
	}
	s.ds.Patterns = append(s.ds.Patterns, p)
	return s, at(day, 11, 25)
}

// TestLogBurstBecomesASuspect is bug 7 of issue 13: logCandidates and its
// present() used a grid with no cells, so clampRange returned an empty
// range and no burst could ever be a suspect.
func TestLogBurstBecomesASuspect(t *testing.T) {
	s, around := logBurstOutage()
	f := s.run(around, 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 || f.Symptoms[0].Kind != Outage {
		t.Fatalf("want the outage first, got %+v", f.Symptoms)
	}
	sy := f.Symptoms[0]
	if len(sy.Suspects) == 0 || sy.Suspects[0].Kind != SuspectLogBurst ||
		!strings.Contains(sy.Suspects[0].Title, "database connection") {
		t.Fatalf("top suspect is not the burst: %s", titles(sy.Suspects))
	}
	// The burst's examples come from inside the burst.
	for _, l := range sy.Suspects[0].Evidence[0].Lines {
		if l.T.Before(at(time.Date(2025, 11, 20, 0, 0, 0, 0, seoul), 11, 20)) {
			t.Errorf("example from %s, before the burst", l.T)
		}
	}
}

// TestHardInputsGiveARankedAnswer: a hundred candidates starting with the
// symptom, a driver that starts exactly with its effect, and a window in
// which nothing moved: ranked answers with a confidence, never a panic.
func TestHardInputsGiveARankedAnswer(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	s0, s1 := at(day, 15, 0), at(day, 15, 20)
	in := func(t time.Time) bool { return !t.Before(s0) && t.Before(s1) }
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if in(t) {
			return sources.Up, s.noise(1.5, 2)
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	// The driver (requests) and its effect (CPU) start in the same minute;
	// the effect follows the driver on the baseline too.
	reqs := map[time.Time]float64{}
	s.series("http_requests_per_second", sources.Traffic, func(t time.Time) float64 {
		v := s.noise(60, 140)
		if in(t) {
			v = s.noise(400, 440)
		}
		reqs[t] = v
		return v
	})
	s.series("node_cpu_busy_ratio", sources.Saturation, func(t time.Time) float64 {
		return 0.05 + reqs[t]/500 + s.noise(0, 0.02)
	})
	for i := range 100 {
		s.series(fmt.Sprintf("other_%d", i), sources.Other, func(t time.Time) float64 {
			if in(t) {
				return s.noise(50, 60)
			}
			return s.noise(1, 2)
		})
		s.event(s0.Add(time.Duration(i)*time.Second), sources.KindCron, fmt.Sprintf("cron: job-%d", i))
	}
	f := s.run(at(day, 15, 5), 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 {
		t.Fatal("no symptom")
	}
	sy := f.Symptoms[0]
	if len(sy.Suspects) == 0 || len(sy.Suspects) > maxSuspects {
		t.Fatalf("%d suspects, want 1 to %d: %s", len(sy.Suspects), maxSuspects, titles(sy.Suspects))
	}
	for i, sp := range sy.Suspects {
		if sp.Rank != i+1 || sp.Confidence == "" || sp.Cause == "" {
			t.Errorf("suspect %d: rank %d, confidence %q, cause %q", i, sp.Rank, sp.Confidence, sp.Cause)
		}
		if strings.HasPrefix(sp.Title, "node_cpu_busy_ratio") {
			t.Errorf("the CPU is listed as a rival of the requests that drive it: %s", titles(sy.Suspects))
		}
	}

	// Nothing moved at all.
	q := newScenario(8, end)
	q.probe("Shop", func(time.Time) (sources.Status, float64) { return sources.Up, q.noise(0.11, 0.16) })
	q.series("node_load1", sources.Saturation, func(time.Time) float64 { return q.noise(0.3, 0.5) })
	if f := q.run(at(day, 15, 5), 2*time.Hour, time.Hour); len(f.Symptoms) != 0 {
		t.Errorf("symptoms where nothing moved: %+v", f.Symptoms)
	}
}

// TestTwoCausesAtOnce: tonight's backup (which loads the disk every
// night) and a release deployed in the same minutes; the shop fails.
// Both are in the top three, each with a confidence; nothing panics.
func TestTwoCausesAtOnce(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	s.daily(func(d time.Time) {
		s.event(at(d, 3, 0), sources.KindBackup, "backup: pg_backup.sh --all")
	})
	s.event(at(day, 3, 1), sources.KindDeploy, "deploy: shop v4.2.0")
	down0, down1 := at(day, 3, 3), at(day, 3, 14)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if !t.Before(down0) && t.Before(down1) {
			return sources.Down, 0
		}
		if inNightly(t, 3, 0, 20) {
			return sources.Up, s.noise(0.3, 0.5)
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	s.series("node_disk_io_time_seconds", sources.Saturation, func(t time.Time) float64 {
		if inNightly(t, 3, 0, 20) {
			return s.noise(0.8, 0.95)
		}
		return s.noise(0.02, 0.06)
	})
	f := s.run(at(day, 3, 5), 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 || f.Symptoms[0].Kind != Outage {
		t.Fatalf("want the outage first, got %+v", f.Symptoms)
	}
	sy := f.Symptoms[0]
	top := sy.Suspects[:min(3, len(sy.Suspects))]
	var dep, bak bool
	for _, sp := range top {
		dep = dep || strings.Contains(sp.Title, "v4.2.0")
		bak = bak || strings.Contains(sp.Title, "pg_backup")
		if sp.Confidence == "" || sp.Rank == 0 {
			t.Errorf("%s: no rank or confidence", sp.Title)
		}
	}
	if !dep || !bak {
		t.Errorf("want the release and the backup in the top three:\n%s", titles(sy.Suspects))
	}
}
