package analyze

import (
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
