package analyze

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestChartOfALatencySpikeAndAnOutage(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	backup := func(t time.Time) bool { l := t.In(seoul); return l.Hour() == 3 && l.Minute() < 20 }
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		l := t.In(seoul)
		if l.Day() == 20 && l.Hour() == 14 && l.Minute() >= 5 && l.Minute() < 12 {
			return sources.Down, 0
		}
		if backup(t) {
			return sources.Up, 2.5 + s.noise(0, 0.3)
		}
		return sources.Up, 0.14 + s.noise(0, 0.02)
	})
	s.daily(func(day time.Time) { s.event(day.Add(3*time.Hour), sources.KindCron, "cron: backup-db.sh") })

	f := s.run(time.Date(2025, 11, 20, 3, 10, 0, 0, seoul), 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 || f.Symptoms[0].Chart == nil {
		t.Fatalf("no chart for the spike: %+v", f.Symptoms)
	}
	c := f.Symptoms[0].Chart
	// The data's own step (1m): a short spike or outage is its own steps,
	// not a part of a coarse bucket.
	if c.Step != time.Minute || len(c.Points) != 180 {
		t.Errorf("3h window: %d points of %s, want 180 of 1m (the data's step)", len(c.Points), c.Step)
	}
	var peak float64
	for _, p := range c.Points {
		peak = max(peak, p.V)
	}
	if peak < 2.5 || c.Baseline < 0.13 || c.Baseline > 0.17 || c.Threshold <= c.Baseline || c.Threshold > 2.5 {
		t.Errorf("peak %.2f baseline %.3f threshold %.3f: the spike must stand above the threshold above the baseline", peak, c.Baseline, c.Threshold)
	}
	if len(c.Marks) == 0 || c.Marks[0].Rank != 1 || c.Marks[0].Title != f.Symptoms[0].Suspects[0].Title {
		t.Errorf("marks %+v, want the suspects in rank order", c.Marks)
	}
	if len(c.Periods) != 1 || c.Periods[0].Class != OffHours || !c.Periods[0].From.Equal(f.Window.From) || !c.Periods[0].To.Equal(f.Window.To) {
		t.Errorf("periods %+v, want the whole night off-hours", c.Periods)
	}

	f = s.run(time.Date(2025, 11, 20, 14, 5, 0, 0, seoul), 6*time.Hour, 6*time.Hour)
	var out *Symptom
	for i := range f.Symptoms {
		if f.Symptoms[i].Kind == Outage {
			out = &f.Symptoms[i]
		}
	}
	if out == nil || out.Chart == nil {
		t.Fatalf("no chart for the outage: %+v", f.Symptoms)
	}
	c = out.Chart
	if c.Step != 5*time.Minute || len(c.Points) != 144 {
		t.Errorf("12h window from 08:05: %d points of %s, want 144 of 5m (360 of 2m would be too many)", len(c.Points), c.Step)
	}
	failed := 0
	for _, p := range c.Points {
		failed += p.Failed
	}
	if failed != 7 {
		t.Errorf("%d failed checks on the chart, want the outage's 7", failed)
	}
	var most float64
	for _, p := range c.Points {
		most = max(most, p.V)
	}
	if c.Unit != "checks" || c.Title != "Shop failed checks" || most != 5 || c.Baseline != 0 {
		t.Errorf("outage chart %q in %q, peak %v, baseline %v; want failed checks peaking at 5 (14:05-14:10 of the outage's 14:05-14:12) over a baseline of 0", c.Title, c.Unit, most, c.Baseline)
	}
	var classes []TimeClass
	for _, p := range c.Periods {
		classes = append(classes, p.Class)
	}
	if len(classes) != 3 || classes[0] != OffHours || classes[1] != BusinessHours || classes[2] != OffHours {
		t.Errorf("periods %v, want off-hours, business hours, off-hours", classes)
	}
}

// TestChecksPerStepMatchesChecks: the chart's one-pass count of checks
// and failures per step is checks() over each step: beats unordered,
// summary beats (whose raw beats are not counted again), maintenance,
// beats outside the window, a first step clipped by the window.
func TestChecksPerStepMatchesChecks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	t0 := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	p := &sources.Probe{Name: "Shop"}
	for range 3000 {
		b := sources.Beat{T: t0.Add(time.Duration(rng.IntN(50*3600)) * time.Second), Status: sources.Status(rng.IntN(4))}
		if rng.IntN(40) == 0 {
			b.Span, b.Checks = time.Duration(1+rng.IntN(90))*time.Minute, 1+rng.IntN(60)
			b.Failed = rng.IntN(b.Checks + 1)
		}
		p.Beats = append(p.Beats, b)
	}
	w := sources.Window{From: t0.Add(90 * time.Minute), To: t0.Add(47 * time.Hour)}
	step := 2 * time.Hour
	start := w.From.Truncate(step)
	n, failed := checksPerStep(p, start, step, w)
	k := 0
	for at := start; at.Before(w.To); at = at.Add(step) {
		wn, wf := checks(p, chartMaxTime(at, w.From), chartMinTime(at.Add(step), w.To))
		if n[k] != wn || failed[k] != wf {
			t.Fatalf("step %d (%s): %d checks, %d failed, want %d, %d", k, at, n[k], failed[k], wn, wf)
		}
		k++
	}
	if k != len(n) || k < 20 {
		t.Fatalf("%d steps counted, %d in the window", len(n), k)
	}
}

// TestChartPeriodsBoundedOnLongWindows (issue 19): a chart shades
// off-hours only while a step is short enough to show them; over a
// 60-day window (6-hour steps) it lists none, where it listed every
// night and weekend of the window (about three a day: 7,800 for 10
// years), whatever the data.
func TestChartPeriodsBoundedOnLongWindows(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		l := t.In(seoul)
		if l.Day() == 20 && l.Hour() == 14 && l.Minute() >= 5 && l.Minute() < 12 {
			return sources.Down, 0
		}
		return sources.Up, 0.14 + s.noise(0, 0.02)
	})
	f := s.run(time.Date(2025, 11, 20, 14, 0, 0, 0, seoul), 60*24*time.Hour, 10*time.Hour)
	if len(f.Symptoms) == 0 || f.Symptoms[0].Chart == nil {
		t.Fatalf("no chart for the outage: %+v", f.Symptoms)
	}
	c := f.Symptoms[0].Chart
	if c.Step <= maxPeriodStep || len(c.Points) > maxChartPoints {
		t.Fatalf("60-day chart: %d points of %s, want at most %d of more than %s", len(c.Points), c.Step, maxChartPoints, maxPeriodStep)
	}
	if c.Periods == nil || len(c.Periods) != 0 {
		t.Errorf("60-day chart at %s steps lists %d periods, want none (an empty list)", c.Step, len(c.Periods))
	}
}
