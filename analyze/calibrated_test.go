package analyze

import (
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// An error count that is 0 nearly always but has had a stray error every
// ten hours for the last two days: too few in the 7-day baseline to raise
// its 99.9th percentile, and its MAD is zero, so any 1 was "robust z 1000".
// The calibrated judgement knows a stray error is usual here now and drops
// it; a burst of errors is still found, and so is a stray error on a
// series that never had one.
func TestCalibratedJudgementOnSparseCounts(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	stray := time.Date(2025, 11, 20, 14, 30, 0, 0, seoul)
	burst := time.Date(2025, 11, 20, 20, 0, 0, 0, seoul)
	s.series("errors_stray", sources.Errors, func(t time.Time) float64 {
		if t.Equal(stray) || (t.Before(stray) && stray.Sub(t) < 50*time.Hour && stray.Sub(t)%(10*time.Hour) == 0) {
			return 1
		}
		return 0
	})
	s.series("errors_burst", sources.Errors, func(t time.Time) float64 {
		if !t.Before(burst) && t.Before(burst.Add(5*time.Minute)) {
			return 9
		}
		if t.Before(burst) && t.Unix()/60%617 == 0 {
			return 1
		}
		return 0
	})
	s.series("errors_first", sources.Errors, func(t time.Time) float64 {
		if t.Equal(stray) {
			return 1
		}
		return 0
	})
	moved := func(f *Findings) string {
		var b strings.Builder
		for _, a := range f.Anomalies {
			b.WriteString(a.Explanation + "\n")
		}
		return b.String()
	}
	f := s.run(stray.Add(30*time.Minute), 2*time.Hour, time.Hour)
	if m := moved(f); strings.Contains(m, "errors_stray") || !strings.Contains(m, "errors_first") {
		t.Errorf("a stray error on a series that has one twice a day is not an anomaly, one on a series that never had one is:\n%s", m)
	}
	// The sentence carries the calibrated judgement, in the words
	// `hindsight detect --explain` uses.
	if m := moved(f); !strings.Contains(m, "beyond anything in its record") {
		t.Errorf("no calibrated rarity in the sentences:\n%s", m)
	}
	f = s.run(burst.Add(30*time.Minute), 2*time.Hour, time.Hour)
	if m := moved(f); !strings.Contains(m, "errors_burst") {
		t.Errorf("a burst of 9 errors a minute was not found:\n%s", m)
	}
}

// A memory leak on two hours of data (a fault-injection run keeps little
// history): working set climbing steadily from its usual 80 MB to 130 MB
// over 25 minutes, then held. It crosses the threshold ten minutes in,
// when the detector, predicting each minute from the ones before, has
// followed the climb and finds no single minute rare; the turn where it
// left its course was. The rise must stay an anomaly.
func TestCalibratedKeepsGradualRise(t *testing.T) {
	end := time.Date(2025, 11, 20, 12, 0, 0, 0, seoul)
	s := &scenario{start: end.Add(-2 * time.Hour), end: end, rng: rand.New(rand.NewPCG(3, 4))}
	leak := end.Add(-45 * time.Minute)
	s.series("container_memory_working_set_bytes", sources.Saturation, func(t time.Time) float64 {
		v := 80e6 * (1 + 0.004*s.rng.NormFloat64())
		if d := t.Sub(leak); d > 0 {
			v += 50e6 * min(1, d.Minutes()/25)
		}
		return v
	})
	f := s.run(leak.Add(-20*time.Minute), 0, 65*time.Minute)
	found := false
	for _, a := range f.Anomalies {
		found = found || a.Subject == "container_memory_working_set_bytes" && a.Start.After(leak)
	}
	if !found {
		t.Errorf("a leak climbing 80 -> 130 MB over 25 minutes is no anomaly: %+v", f.Anomalies)
	}
}

// A level shift is judged by the calibrated detector on the level held
// over cusumMinLen steps: a series that steps up by 3 standard deviations
// for half an hour every 170 minutes (not in step with the day, so the
// time-of-day baseline does not absorb it) does nothing new when it steps
// up in the window, though CUSUM against the time of day finds the step;
// the same step on a series that never did it is a finding, with the
// calibrated rarity in its sentence.
func TestShiftThatRecursIsNotRare(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	shift := time.Date(2025, 11, 20, 14, 20, 0, 0, seoul)
	s.series("pool_wanders", sources.Saturation, func(t time.Time) float64 {
		v := 0.5 + s.rng.NormFloat64()*0.02
		if d := (t.Unix() - shift.Unix()) / 60; (d%170+170)%170 < 30 {
			v += 0.06
		}
		return v
	})
	s.series("pool_steady", sources.Saturation, func(t time.Time) float64 {
		v := 0.5 + s.rng.NormFloat64()*0.02
		if !t.Before(shift) && t.Before(shift.Add(30*time.Minute)) {
			v += 0.06
		}
		return v
	})
	f := s.run(shift.Add(time.Hour), 2*time.Hour, time.Hour)
	var got []string
	for _, an := range f.Anomalies {
		got = append(got, an.Explanation)
	}
	all := strings.Join(got, "\n")
	if strings.Contains(all, "pool_wanders") || !strings.Contains(all, "pool_steady") || !strings.Contains(all, "held that long, ") {
		t.Errorf("want the steady series' shift, with its calibrated rarity, and not the wandering one's:\n%s", all)
	}
}

// A slowdown every night at 03:00 on a shop whose latency follows the day
// (busier in the afternoon): the time-of-day model learns the nightly
// slowdown after two nights and predicts it, but the analysis asks whether
// 2.5 s is far outside the shop's usual range at any hour, and it is; the
// report then says it recurs. Judged with the time-of-day model against a
// week's record (which holds the first nights' misses), the slowdown was
// dropped and the analysis found no symptom at all.
func TestNightlySlowdownOnADailyShapeIsASymptom(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(4, end)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if inNightly(t, 3, 0, 20) {
			return sources.Up, s.noise(2.2, 2.9)
		}
		h := float64(t.In(seoul).Hour())
		return sources.Up, 0.11 + 0.03*math.Max(0, math.Sin((h-7)/16*math.Pi)) + s.noise(0, 0.02)
	})
	s.ds.Sort()
	around := time.Date(2025, 11, 20, 3, 10, 0, 0, seoul)
	f := Run(&s.ds, Options{
		Window:   sources.Window{From: around.Add(-2 * time.Hour), To: around.Add(time.Hour)},
		Baseline: 3 * 24 * time.Hour,
		Calendar: DefaultCalendar(seoul),
	})
	if len(f.Symptoms) == 0 {
		t.Fatal("no symptom: the nightly slowdown was dropped")
	}
	sy := f.Symptoms[0]
	if sy.Kind != LatencySpike || sy.Subject != "Shop" || !sy.Recurrence.Recurring {
		t.Errorf("symptom %s %s recurring=%v, want the Shop's latency spike, recurring", sy.Subject, sy.Kind, sy.Recurrence.Recurring)
	}
}

// A series whose usual value is tiny but above zero (a rate of 1e-7/s, a
// fraction of a fraction) that jumps to 5: its ratio is fifty million.
// The sentence must say so in a few digits, never "+Inf×" or a number of
// dozens of digits (%.1f of a ratio near the largest float).
func TestVersusNearZeroBaseline(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	jump := time.Date(2025, 11, 20, 14, 20, 0, 0, seoul)
	s.series("tiny_rate", sources.Errors, func(t time.Time) float64 {
		if !t.Before(jump) && t.Before(jump.Add(10*time.Minute)) {
			return 5
		}
		return 1e-7 * (1 + 0.01*s.rng.NormFloat64())
	})
	f := s.run(jump.Add(30*time.Minute), 2*time.Hour, time.Hour)
	var found string
	for _, a := range f.Anomalies {
		if a.Subject == "tiny_rate" {
			found = a.Explanation
		}
	}
	for _, sy := range f.Symptoms {
		if found == "" && strings.Contains(sy.Explanation, "tiny_rate") {
			found = sy.Explanation
		}
	}
	if found == "" {
		t.Fatalf("the jump from 1e-7 to 5 was not found: %+v %+v", f.Symptoms, f.Anomalies)
	}
	m := regexp.MustCompile(`(\S+)× its usual`).FindStringSubmatch(found)
	if m == nil || strings.Contains(m[1], "Inf") || len(m[1]) > 7 {
		t.Errorf("the ratio is not written in a few digits: %s", found)
	}
}
