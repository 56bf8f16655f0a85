package analyze

import (
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// A month of one-minute checks with a day before the first check, a
// ten-minute outage, and six hours without any check that began with a
// failed one: the day and the six hours are uncovered, counted neither as
// up nor as down; the outage across the hole counts only the minute the
// check before it speaks for.
func TestPeriodSLAHolesAreNeitherUpNorDown(t *testing.T) {
	d0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	period := sources.Window{From: d0, To: d0.Add(30 * 24 * time.Hour)}
	p := sources.Probe{Source: "kuma", Name: "Shop", Interval: time.Minute}
	outA := d0.Add(5 * 24 * time.Hour)
	hole := d0.Add(10 * 24 * time.Hour)
	for ts := d0.Add(24 * time.Hour); ts.Before(period.To); ts = ts.Add(time.Minute) {
		if ts.After(hole) && ts.Before(hole.Add(6*time.Hour)) {
			continue
		}
		st := sources.Up
		if !ts.Before(outA) && ts.Before(outA.Add(10*time.Minute)) || ts.Equal(hole) {
			st = sources.Down
		}
		p.Beats = append(p.Beats, sources.Beat{T: ts, Status: st, Latency: 100 * time.Millisecond})
	}
	s := PeriodSLA(&sources.Dataset{Probes: []sources.Probe{p}}, period, "UTC", "")
	if len(s.Monitors) != 1 {
		t.Fatalf("monitors %+v", s.Monitors)
	}
	m := s.Monitors[0]
	wantUncovered := 24*time.Hour + 6*time.Hour - time.Minute
	wantDown := 10*time.Minute + time.Minute
	if m.Uncovered != wantUncovered || m.Covered != period.Duration()-wantUncovered {
		t.Errorf("uncovered %s, covered %s; want %s and %s", m.Uncovered, m.Covered, wantUncovered, period.Duration()-wantUncovered)
	}
	if m.Downtime != wantDown || m.Outages != 2 || m.MTTR != wantDown/2 {
		t.Errorf("downtime %s, outages %d, MTTR %s; want %s, 2, %s", m.Downtime, m.Outages, m.MTTR, wantDown, wantDown/2)
	}
	if want := 1 - float64(wantDown)/float64(m.Covered); m.Availability != want {
		t.Errorf("availability %v, want %v", m.Availability, want)
	}
	if len(m.Holes) != 2 || m.Holes[0].Duration() != 24*time.Hour || !m.Holes[1].From.Equal(hole.Add(time.Minute)) {
		t.Errorf("holes %v", m.Holes)
	}
}

// Kuma 2's hourly aggregates: their span is covered, shown apart as
// coarse, and the downtime is the failed share of the span.
func TestPeriodSLAAggregates(t *testing.T) {
	d0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	period := sources.Window{From: d0, To: d0.Add(48 * time.Hour)}
	p := sources.Probe{Source: "kuma", Name: "API", Resolution: time.Hour}
	for h := range 24 {
		b := sources.Beat{T: d0.Add(time.Duration(h) * time.Hour), Status: sources.Up, Span: time.Hour, Checks: 60}
		if h == 3 {
			b.Status, b.Failed = sources.Down, 6
		}
		p.Beats = append(p.Beats, b)
	}
	m := PeriodSLA(&sources.Dataset{Probes: []sources.Probe{p}}, period, "UTC", "").Monitors[0]
	if m.Coarse != 24*time.Hour || m.Covered != 24*time.Hour || m.Uncovered != 24*time.Hour {
		t.Errorf("coarse %s, covered %s, uncovered %s", m.Coarse, m.Covered, m.Uncovered)
	}
	if m.Downtime != 6*time.Minute || m.Checks != 1440 || m.Failed != 6 {
		t.Errorf("downtime %s, checks %d/%d", m.Downtime, m.Failed, m.Checks)
	}
}

// A monitor with no check in the period has no availability, not 100%.
func TestPeriodSLANoChecks(t *testing.T) {
	d0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	m := PeriodSLA(&sources.Dataset{Probes: []sources.Probe{{Name: "X", Source: "kuma"}}}, sources.Window{From: d0, To: d0.Add(time.Hour)}, "UTC", "").Monitors[0]
	if m.Availability != -1 || m.Uncovered != time.Hour {
		t.Errorf("%+v", m)
	}
}

// Checks summed per step (the Kuma source does so past its beat bound),
// then single checks a second after the step's end around an outage: the
// second between is no hole; the outage's downtime is the raw checks'.
func TestPeriodSLASummariesThenChecks(t *testing.T) {
	d0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	period := sources.Window{From: d0, To: d0.Add(2 * time.Hour)}
	p := sources.Probe{Source: "kuma", Name: "Shop", Interval: time.Minute}
	for step := d0; step.Before(period.To); step = step.Add(10 * time.Minute) {
		if step.Equal(d0.Add(time.Hour)) { // the step of the outage keeps its checks
			for i := range 10 {
				st := sources.Up
				if i >= 3 && i < 7 {
					st = sources.Down
				}
				p.Beats = append(p.Beats, sources.Beat{T: step.Add(time.Duration(i)*time.Minute + time.Second), Status: st})
			}
			continue
		}
		p.Beats = append(p.Beats, sources.Beat{T: step, Span: 10 * time.Minute, Checks: 10, Status: sources.Up})
	}
	m := PeriodSLA(&sources.Dataset{Probes: []sources.Probe{p}}, period, "UTC", "").Monitors[0]
	if m.Uncovered != 0 || len(m.Holes) != 0 || m.Covered != period.Duration() {
		t.Errorf("covered %s, uncovered %s %v; want all of %s", m.Covered, m.Uncovered, m.Holes, period.Duration())
	}
	if m.Downtime != 4*time.Minute || m.Outages != 1 || m.Checks != 120 || m.Failed != 4 {
		t.Errorf("downtime %s, %d outages, %d/%d checks failed", m.Downtime, m.Outages, m.Failed, m.Checks)
	}
}
