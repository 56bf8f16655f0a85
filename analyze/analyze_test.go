package analyze

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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

// scenario builds a dataset minute by minute over days of data ending at
// end, with functions that say what each signal does at a time.
type scenario struct {
	start, end time.Time
	rng        *rand.Rand
	ds         sources.Dataset
}

func newScenario(days int, end time.Time) *scenario {
	return &scenario{start: end.AddDate(0, 0, -days), end: end, rng: rand.New(rand.NewPCG(1, 2))}
}

// probe adds a probe whose status and latency (seconds) at t come from f.
func (s *scenario) probe(name string, f func(t time.Time) (sources.Status, float64)) {
	p := sources.Probe{Source: "kuma", Name: name, Target: "https://" + strings.ToLower(name) + ".example"}
	for t := s.start; t.Before(s.end); t = t.Add(time.Minute) {
		st, lat := f(t)
		b := sources.Beat{T: t.Add(7 * time.Second), Status: st}
		if st == sources.Up {
			b.Latency = time.Duration(lat * float64(time.Second))
		} else {
			b.Msg = "Request failed with status code 502"
		}
		p.Beats = append(p.Beats, b)
	}
	s.ds.Probes = append(s.ds.Probes, p)
}

func (s *scenario) series(name string, role sources.Role, f func(t time.Time) float64) {
	sr := sources.Series{Source: "metrics", Name: name, Role: role, Query: name}
	for t := s.start; t.Before(s.end); t = t.Add(time.Minute) {
		sr.Points = append(sr.Points, sources.Point{T: t, V: f(t)})
	}
	s.ds.Series = append(s.ds.Series, sr)
}

func (s *scenario) event(t time.Time, kind sources.EventKind, title string) {
	s.ds.Events = append(s.ds.Events, sources.Event{Source: "syslog", T: t, Kind: kind, Title: title, Ref: "syslog:1"})
}

// daily calls f for local midnight of each day of the scenario.
func (s *scenario) daily(f func(day time.Time)) {
	for d := s.start.In(seoul); d.Before(s.end); d = d.AddDate(0, 0, 1) {
		f(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, seoul))
	}
}

func (s *scenario) noise(lo, hi float64) float64 { return lo + s.rng.Float64()*(hi-lo) }

func (s *scenario) run(around time.Time, before, after time.Duration) *Findings {
	s.ds.Sort()
	return Run(&s.ds, Options{
		Window:   sources.Window{From: around.Add(-before), To: around.Add(after)},
		Calendar: DefaultCalendar(seoul),
	})
}

func at(day time.Time, hh, mm int) time.Time {
	return day.Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

func inNightly(t time.Time, h, m0, m1 int) bool {
	lt := t.In(seoul)
	return lt.Hour() == h && lt.Minute() >= m0 && lt.Minute() < m1
}

// nightlyBackup: a backup at 03:00 every night slows the shop for 20
// minutes and drives disk IO; a noisy queue spikes on its own three times
// a day, once by chance during the last night's spike; logrotate runs at
// 06:25.
func nightlyBackup() (*scenario, time.Time) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul) // Friday 00:00
	s := newScenario(8, end)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if inNightly(t, 3, 0, 20) {
			return sources.Up, s.noise(2.3, 2.9)
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	s.probe("API", func(t time.Time) (sources.Status, float64) { return sources.Up, s.noise(0.04, 0.055) })
	s.series("node_disk_io_time_seconds_total{sda}", sources.Saturation, func(t time.Time) float64 {
		if inNightly(t, 3, 0, 20) {
			return s.noise(0.85, 0.98)
		}
		return s.noise(0.03, 0.08)
	})
	last := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	spikes := map[time.Time]bool{}
	s.daily(func(day time.Time) {
		s.event(at(day, 3, 0).Add(time.Second), sources.KindBackup, "cron: /usr/local/bin/backup-db.sh")
		s.event(at(day, 6, 25).Add(time.Second), sources.KindCron, "cron: run-parts /etc/cron.daily")
		for _, hm := range [][2]int{{9, 12}, {13, 40}, {19, 5}} {
			spikes[at(day, hm[0], hm[1]+day.Day()%7)] = true
		}
	})
	spikes[at(last, 3, 4)] = true
	s.series("app_queue_depth", sources.Other, func(t time.Time) float64 {
		if spikes[t.Truncate(time.Minute)] || spikes[t.Truncate(time.Minute).Add(-time.Minute)] {
			return s.noise(150, 260)
		}
		return s.noise(4, 15)
	})
	return s, at(last, 3, 10)
}

func TestNightlyBackupLeadsTheSpike(t *testing.T) {
	s, around := nightlyBackup()
	f := s.run(around, 2*time.Hour, time.Hour)
	if len(f.Symptoms) != 1 {
		t.Fatalf("want 1 symptom (the Shop spike; API is steady), got %d: %+v", len(f.Symptoms), f.Symptoms)
	}
	sy := f.Symptoms[0]
	if sy.Kind != LatencySpike || sy.Subject != "Shop" {
		t.Fatalf("symptom = %s %s, want latency_spike Shop", sy.Kind, sy.Subject)
	}
	if got := sy.Start.In(seoul).Format("15:04"); got != "03:00" {
		t.Errorf("spike start %s, want 03:00", got)
	}
	if got := sy.End.In(seoul).Format("15:04"); got != "03:20" {
		t.Errorf("spike end %s, want 03:20", got)
	}
	if sy.Class != OffHours {
		t.Errorf("class %s, want off_hours", sy.Class)
	}
	if sy.Ratio < 15 || sy.PeakValue < 2.3 || sy.BaselineValue > 0.2 {
		t.Errorf("peak %.2f baseline %.3f ratio %.1f: want a ~2.5 s peak against ~0.13 s", sy.PeakValue, sy.BaselineValue, sy.Ratio)
	}
	if !sy.Recurrence.Recurring || sy.Recurrence.DaysSeen != 7 || sy.Recurrence.DaysChecked != 7 {
		t.Errorf("recurrence %+v, want recurring on 7 of 7 nights", sy.Recurrence)
	}
	if len(sy.Suspects) == 0 {
		t.Fatal("no suspects")
	}
	top := sy.Suspects[0]
	if top.Kind != SuspectEvent || !strings.Contains(top.Title, "backup") {
		t.Fatalf("top suspect %q (%s), want the backup cron; all: %s", top.Title, top.Kind, titles(sy.Suspects))
	}
	if top.Confidence != "high" {
		t.Errorf("top suspect confidence %s (score %.2f), want high", top.Confidence, top.Score)
	}
	if !strings.Contains(top.Reason, "7 of the 7") {
		t.Errorf("reason %q does not give the co-occurrence count", top.Reason)
	}
	for _, sp := range sy.Suspects {
		if strings.Contains(sp.Title, "app_queue_depth") && sp.Score >= top.Score-0.2 {
			t.Errorf("the noisy queue (score %.2f) comes too close to the backup (%.2f): %s", sp.Score, top.Score, sp.Reason)
		}
		if strings.Contains(sp.Title, "cron.daily") {
			t.Errorf("logrotate at 06:25 blamed for a 03:00 spike")
		}
	}
}

func titles(ss []Suspect) string {
	var b strings.Builder
	for _, s := range ss {
		b.WriteString("\n  ")
		b.WriteString(s.Title)
		b.WriteString(" ")
		b.WriteString(s.Reason)
	}
	return b.String()
}

// deployOutage: a deploy at 14:01 on a Friday, the shop down 14:03-14:10,
// 5xx during the outage.
func deployOutage() (*scenario, time.Time) {
	end := time.Date(2025, 11, 22, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	day := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	down0, down1 := at(day, 14, 3), at(day, 14, 10)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if !t.Before(down0) && t.Before(down1) {
			if t.Before(down0.Add(time.Minute)) {
				return sources.Pending, 0
			}
			return sources.Down, 0
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	s.series("nginx 5xx", sources.Errors, func(t time.Time) float64 {
		if !t.Before(down0) && t.Before(down1) {
			return s.noise(0.1, 0.2)
		}
		if s.rng.IntN(2000) == 0 {
			return 1.0 / 60
		}
		return 0
	})
	s.event(at(day, 14, 1).Add(12*time.Second), sources.KindDeploy, "deploy: shop release v2.14.0")
	s.event(at(day, 14, 1).Add(21*time.Second), sources.KindRestart, "Started shop.service")
	s.daily(func(d time.Time) {
		s.event(at(d, 3, 0), sources.KindBackup, "cron: /usr/local/bin/backup-db.sh")
	})
	return s, at(day, 14, 5)
}

func TestDeployLeadsTheOutage(t *testing.T) {
	s, around := deployOutage()
	f := s.run(around, 2*time.Hour, time.Hour)
	if len(f.Symptoms) != 1 {
		t.Fatalf("want 1 symptom, got %d: %+v", len(f.Symptoms), f.Symptoms)
	}
	sy := f.Symptoms[0]
	if sy.Kind != Outage || sy.Duration != 7*time.Minute || sy.FailedChecks != 7 {
		t.Errorf("outage %s for %s with %d failed checks, want 7m and 7", sy.Kind, sy.Duration, sy.FailedChecks)
	}
	if sy.Class != BusinessHours {
		t.Errorf("class %s, want business_hours (Friday 14:03)", sy.Class)
	}
	if sy.Recurrence.Recurring || sy.Recurrence.DaysSeen != 0 {
		t.Errorf("recurrence %+v, want new", sy.Recurrence)
	}
	if len(sy.Suspects) == 0 || !strings.Contains(sy.Suspects[0].Title, "deploy") {
		t.Fatalf("top suspect is not the deploy: %s", titles(sy.Suspects))
	}
	if got := sy.Suspects[0].Lead.Round(time.Second); got != 115*time.Second {
		t.Errorf("deploy lead %s, want 1m55s (14:01:12 to the first failed check at 14:03:07)", got)
	}
	im := f.Impact[0]
	if im.Probe != "Shop" || im.Failed != 7 || im.Outages != 1 || im.Downtime != 7*time.Minute {
		t.Errorf("impact %+v", im)
	}
	if want := 1 - 7.0/180; math.Abs(im.Availability-want) > 1e-9 {
		t.Errorf("availability %.5f, want %.5f", im.Availability, want)
	}
}

func TestNoCauseInTheData(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	spike := time.Date(2025, 11, 20, 16, 0, 0, 0, seoul)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if !t.Before(spike) && t.Before(spike.Add(10*time.Minute)) {
			return sources.Up, s.noise(1.8, 2.2)
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	s.series("node_load1", sources.Saturation, func(time.Time) float64 { return s.noise(0.3, 0.5) })
	f := s.run(spike.Add(5*time.Minute), time.Hour, time.Hour)
	if len(f.Symptoms) != 1 {
		t.Fatalf("want the spike, got %d symptoms", len(f.Symptoms))
	}
	if sy := f.Symptoms[0]; !sy.Unexplained {
		t.Errorf("blamed a cause for a spike with no cause in the data: %s", titles(sy.Suspects))
	} else {
		for _, sp := range sy.Suspects {
			if sp.Confidence != "low" {
				t.Errorf("a weak candidate of an unexplained spike has %s confidence: %s", sp.Confidence, sp.Title)
			}
		}
	}
}

func TestEmptyDatasetSaysSo(t *testing.T) {
	w := sources.Window{From: time.Date(2025, 11, 20, 1, 0, 0, 0, seoul), To: time.Date(2025, 11, 20, 4, 0, 0, 0, seoul)}
	f := Run(&sources.Dataset{Gaps: []sources.Gap{{Source: "kuma", Reason: "no heartbeats in window"}}},
		Options{Window: w, Calendar: DefaultCalendar(seoul)})
	if !f.Inputs.Empty() || len(f.Symptoms) != 0 || len(f.Gaps) != 1 {
		t.Errorf("empty dataset: inputs %+v, %d symptoms, gaps %v", f.Inputs, len(f.Symptoms), f.Gaps)
	}
	if f.Symptoms == nil || f.Timeline == nil || f.Anomalies == nil {
		t.Error("nil slices would render as null in JSON")
	}
}

func TestFlapsMergeIntoOneOutage(t *testing.T) {
	t0 := time.Date(2025, 11, 20, 12, 0, 0, 0, time.UTC)
	st := []sources.Status{1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1}
	p := &sources.Probe{}
	for i, s := range st {
		p.Beats = append(p.Beats, sources.Beat{T: t0.Add(time.Duration(i) * time.Minute), Status: s})
	}
	got := outages(p, t0, t0.Add(time.Hour))
	if len(got) != 1 {
		t.Fatalf("got %d outages, want 1 (down 2-3, up 4-5, down 6 merge; a lone pending is not an outage)", len(got))
	}
	if got[0].failed != 3 || got[0].start != t0.Add(2*time.Minute) || got[0].end != t0.Add(7*time.Minute) {
		t.Errorf("outage %+v", got[0])
	}
}

func TestSummaryBeatsCountChecks(t *testing.T) {
	// Kuma 2 keeps only hourly aggregates for old data: 60 checks, 7 failed,
	// plus the important raw beats that mark the outage's edges.
	h := time.Date(2025, 11, 21, 5, 0, 0, 0, time.UTC)
	p := &sources.Probe{Beats: []sources.Beat{
		{T: h, Span: time.Hour, Checks: 60, Failed: 7, Status: sources.Down},
		{T: h.Add(4*time.Minute + 7*time.Second), Status: sources.Down, Msg: "503"},
		{T: h.Add(10*time.Minute + 7*time.Second), Status: sources.Up},
		{T: h.Add(time.Hour), Span: time.Hour, Checks: 60, Status: sources.Up},
		{T: h.Add(3 * time.Hour), Span: time.Hour, Checks: 60, Failed: 2, Status: sources.Down},
	}}
	n, failed := checks(p, h, h.Add(4*time.Hour))
	if n != 180 || failed != 9 {
		t.Errorf("checks %d failed %d, want 180 and 9: raw beats inside a summary are not counted again", n, failed)
	}
	o := outages(p, h, h.Add(4*time.Hour))
	if len(o) != 2 {
		t.Fatalf("outages %+v, want two", o)
	}
	if o[0].start != h.Add(4*time.Minute+7*time.Second) || o[0].end != h.Add(10*time.Minute+7*time.Second) || o[0].failed != 7 || o[0].summary {
		t.Errorf("outage timed by raw beats, counted by the summary: %+v", o[0])
	}
	w := sources.Window{From: h, To: h.Add(4 * time.Hour)}
	if !o[1].summary || o[1].downtime(w) != 2*time.Minute {
		t.Errorf("outage known only from aggregates: %+v, downtime %s", o[1], o[1].downtime(w))
	}
}

func TestCalendar(t *testing.T) {
	c := DefaultCalendar(seoul)
	c.Holidays = map[string]string{"2025-12-25": "Christmas"}
	for _, tc := range []struct {
		t    time.Time
		want TimeClass
	}{
		{time.Date(2025, 11, 20, 3, 10, 0, 0, seoul), OffHours},         // Thursday night
		{time.Date(2025, 11, 21, 14, 3, 0, 0, seoul), BusinessHours},    // Friday afternoon
		{time.Date(2025, 11, 21, 18, 0, 0, 0, seoul), OffHours},         // end is exclusive
		{time.Date(2025, 11, 22, 14, 0, 0, 0, seoul), Weekend},          // Saturday
		{time.Date(2025, 12, 25, 11, 0, 0, 0, seoul), Holiday},          // Thursday, holiday
		{time.Date(2025, 11, 20, 0, 30, 0, 0, time.UTC), BusinessHours}, // 09:30 in Seoul
	} {
		if got := c.Classify(tc.t); got != tc.want {
			t.Errorf("Classify(%s) = %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestRobustStatsConstantSeries(t *testing.T) {
	st := robustStats([]float64{5, 5, 5, 5, math.NaN(), 5})
	if st.median != 5 || st.scale != 0.25 || st.n != 5 {
		t.Errorf("constant series: %+v, want median 5, scale 5%% of it", st)
	}
	if z := st.z(5.1); z > 1 {
		t.Errorf("a 2%% wobble on a constant series scored z=%.1f", z)
	}
	if st := robustStats(nil); !math.IsNaN(st.median) || st.n != 0 {
		t.Errorf("empty: %+v", st)
	}
}

func TestSameInputSameFindings(t *testing.T) {
	s1, around := nightlyBackup()
	s2, _ := nightlyBackup()
	a := s1.run(around, 2*time.Hour, time.Hour)
	b := s2.run(around, 2*time.Hour, time.Hour)
	if len(a.Timeline) != len(b.Timeline) || a.Symptoms[0].Suspects[0].Score != b.Symptoms[0].Suspects[0].Score {
		t.Error("two runs over the same data differ")
	}
}

func TestFmtVal(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		unit string
		want string
	}{
		{0.139, "s", "139ms"},
		{2.86, "s", "2.86s"},
		{182000000, "B/s", "182 MB/s"},
		{512, "B", "512 B"},
		{0.0167, "1/s", "0.0167/s"},
		{0, "1/s", "0/s"},
		{4.6, "", "4.6"},
	} {
		if got := fmtVal(tc.v, tc.unit); got != tc.want {
			t.Errorf("fmtVal(%v, %q) = %q, want %q", tc.v, tc.unit, got, tc.want)
		}
	}
}

func TestMedianMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for n := 1; n < 300; n++ {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = math.Round(rng.NormFloat64() * 5) // many ties
		}
		s := append([]float64(nil), xs...)
		slices.Sort(s)
		want := s[n/2]
		if n%2 == 0 {
			want = (s[n/2-1] + s[n/2]) / 2
		}
		if got := median(xs); got != want {
			t.Fatalf("n=%d: median %v, want %v", n, got, want)
		}
		k := rng.IntN(n)
		if got := selectK(append([]float64(nil), s...), k); got != s[k] {
			t.Fatalf("n=%d: selectK(%d) = %v, want %v", n, k, got, s[k])
		}
	}
	// Large ranges take Floyd and Rivest's sampling step (past 600
	// values): with ties, without, sorted, reversed, at every kind of k;
	// the partition around k must hold, as median relies on it.
	for _, n := range []int{601, 602, 1000, 4097, 10080} {
		for shape := range 4 {
			xs := make([]float64, n)
			for i := range xs {
				switch shape {
				case 0:
					xs[i] = math.Round(rng.NormFloat64() * 3)
				case 1:
					xs[i] = rng.Float64()
				case 2:
					xs[i] = float64(i)
				case 3:
					xs[i] = float64(n - i)
				}
			}
			s := slices.Sorted(slices.Values(xs))
			for _, k := range []int{0, 1, n / 3, n/2 - 1, n / 2, n - 2, n - 1, rng.IntN(n)} {
				ys := slices.Clone(xs)
				if got := selectK(ys, k); got != s[k] {
					t.Fatalf("n=%d shape %d: selectK(%d) = %v, want %v", n, shape, k, got, s[k])
				}
				for i, v := range ys {
					if i < k && v > ys[k] || i > k && v < ys[k] {
						t.Fatalf("n=%d shape %d k=%d: %v at %d is on the wrong side of %v", n, shape, k, v, i, ys[k])
					}
				}
			}
			want := s[n/2]
			if n%2 == 0 {
				want = (s[n/2-1] + s[n/2]) / 2
			}
			if got := median(slices.Clone(xs)); got != want {
				t.Fatalf("n=%d shape %d: median %v, want %v", n, shape, got, want)
			}
		}
	}
}

func TestSeasonalBaselineFindsADaytimeDrop(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	drop0 := time.Date(2025, 11, 20, 12, 0, 0, 0, seoul)
	s.series("requests", sources.Traffic, func(t time.Time) float64 {
		h := float64(t.In(seoul).Hour())
		day := 10 + 90*math.Max(0, math.Sin((h-6)/14*math.Pi)) // 10/s at night, 100/s at 13:00
		if !t.Before(drop0) && t.Before(drop0.Add(30*time.Minute)) {
			day = 12 // a night-time level at noon
		}
		return day * s.noise(0.95, 1.05)
	})
	f := s.run(drop0.Add(15*time.Minute), time.Hour, time.Hour)
	if len(f.Anomalies) != 1 {
		t.Fatalf("want the noon drop as the only anomaly, got %+v", f.Anomalies)
	}
	an := f.Anomalies[0]
	if an.Start.In(seoul).Format("15:04") != "12:00" || !strings.Contains(an.Explanation, "for this time of day") || an.PeakValue > an.BaselineValue {
		t.Errorf("anomaly %s at %s: %s", an.Subject, an.Start.In(seoul).Format("15:04"), an.Explanation)
	}
}

func TestCUSUMFindsASmallLevelShift(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	shift := time.Date(2025, 11, 20, 14, 20, 0, 0, seoul)
	s.series("jvm_memory_used_ratio", sources.Saturation, func(t time.Time) float64 {
		v := 0.5 + s.rng.NormFloat64()*0.02
		if !t.Before(shift) {
			v += 0.06 // +3 standard deviations: under the z threshold of 6
		}
		return v
	})
	f := s.run(shift.Add(time.Hour), 2*time.Hour, time.Hour)
	if len(f.Anomalies) == 0 {
		t.Fatal("the level shift was not found")
	}
	an := f.Anomalies[0]
	if d := an.Start.Sub(shift); d < -5*time.Minute || d > 15*time.Minute {
		t.Errorf("shift dated %s, it began at %s", an.Start.In(seoul).Format("15:04"), shift.In(seoul).Format("15:04"))
	}
	if !strings.Contains(an.Explanation, "level shift") {
		t.Errorf("explanation does not name the shift: %s", an.Explanation)
	}
}

func TestNoiseMakesNoAnomalies(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	for i := range 30 {
		role := sources.Role(i % 5)
		s.series(fmt.Sprintf("noise_%d", i), role, func(t time.Time) float64 { return 10 + s.rng.NormFloat64() })
	}
	f := s.run(time.Date(2025, 11, 20, 15, 0, 0, 0, seoul), 2*time.Hour, time.Hour)
	if len(f.Anomalies) != 0 {
		t.Errorf("%d anomalies in 30 series of pure noise, first: %s", len(f.Anomalies), f.Anomalies[0].Explanation)
	}
}

func TestLeadCorrelation(t *testing.T) {
	// y follows x three cells later: the best correlation is at a lead of
	// 3 minutes and is 1.
	g := func(vals []float64) *signal {
		return &signal{g: denseGrid(time.Unix(0, 0), time.Minute, vals)}
	}
	n := 200
	x, y := make([]float64, n), make([]float64, n)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range x {
		x[i] = rng.Float64()
	}
	for i := range y {
		y[i] = math.NaN()
		if i >= 3 {
			y[i] = x[i-3]
		}
	}
	a := &analysis{o: Options{Lag: 30 * time.Minute, Step: time.Minute}}
	s := &Symptom{Start: time.Unix(0, 0).Add(60 * time.Minute), End: time.Unix(0, 0).Add(90 * time.Minute)}
	r, lead := a.leadCorrelation(g(y), g(x), s)
	if r != 1 || lead != 3*time.Minute {
		t.Errorf("r %.2f at lead %s, want 1 at 3m", r, lead)
	}
	if r := pearson(denseGrid(time.Unix(0, 0), time.Minute, []float64{1, 1, 1, 1, 1, 1}), denseGrid(time.Unix(0, 0), time.Minute, []float64{1, 2, 3, 4, 5, 6}), 0, 6, 0); r != 0 {
		t.Errorf("constant side: r = %v, want 0", r)
	}
}

// TestBucketSelectMatchesSort: the bucketed selection that medians of 64
// values or more use gives exactly the sorted k-th and (k-1)-th values,
// whatever the shape: ties, a heavy tail (most values in one bucket, so
// it narrows again), negative values, a range too wide to divide
// (infinities), one too narrow (subnormals), all equal.
func TestBucketSelectMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	shapes := []func(i, n int) float64{
		func(int, int) float64 { return math.Round(rng.NormFloat64() * 3) },
		func(int, int) float64 { return 1 + rng.Float64() },
		func(int, int) float64 { return math.Exp(rng.NormFloat64() * 6) },
		func(int, int) float64 { return 1 / (1e-9 + rng.Float64()*rng.Float64()) },
		func(i, n int) float64 { return float64(n - i) },
		func(int, int) float64 { return rng.NormFloat64() * 1e-310 },
		func(i, _ int) float64 {
			switch i % 50 {
			case 0:
				return math.Inf(1)
			case 1:
				return math.Inf(-1)
			}
			return rng.NormFloat64()
		},
		func(int, int) float64 { return -math.MaxFloat64 * rng.Float64() },
		func(i, _ int) float64 {
			if i%97 == 0 {
				return math.MaxFloat64
			}
			return -math.MaxFloat64
		},
		func(int, int) float64 { return 7 },
		func(i, _ int) float64 { return float64(i % 2) },
	}
	for _, n := range []int{bucketMin, bucketMin + 1, 100, 217, 1000, 10080} {
		for shape, f := range shapes {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = f(i, n)
			}
			s := slices.Sorted(slices.Values(xs))
			for _, k := range []int{0, 1, n / 3, n/2 - 1, n / 2, n - 2, n - 1, rng.IntN(n)} {
				ys := slices.Clone(xs)
				lo, hi := bucketSelect(ys, k, true)
				if hi != s[k] || k > 0 && lo != s[k-1] || k == 0 && !math.IsNaN(lo) {
					t.Fatalf("n=%d shape %d: bucketSelect(%d) = %v, %v, want %v, %v", n, shape, k, lo, hi, s[max(k-1, 0)], s[k])
				}
				if _, hi := bucketSelect(slices.Clone(xs), k, false); hi != s[k] {
					t.Fatalf("n=%d shape %d: bucketSelect(%d) = %v, want %v", n, shape, k, hi, s[k])
				}
				slices.Sort(ys)
				if !slices.Equal(ys, s) {
					t.Fatalf("n=%d shape %d: bucketSelect lost or changed values", n, shape)
				}
			}
			want := s[n/2]
			if n%2 == 0 {
				want = (s[n/2-1] + s[n/2]) / 2
			}
			if got := median(slices.Clone(xs)); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("n=%d shape %d: median %v, want %v", n, shape, got, want)
			}
		}
	}
}

// The expected count beside a burst is written as values are: "0.0 were
// expected" beside a 1769× burst read as a contradiction.
func TestExpectedCount(t *testing.T) {
	for _, tc := range []struct {
		exp  float64
		want string
	}{
		{0, "none were"}, {0.001, "none were"}, {0.0164, "0.02 were"}, {1, "1 was"},
		{1.04, "1.04 were"}, {12.34, "12.3 were"}, {1480.4, "1,480 were"},
	} {
		if got := expectedCount(tc.exp); got != tc.want {
			t.Errorf("expectedCount(%v) = %q, want %q", tc.exp, got, tc.want)
		}
	}
}

func TestRecurredWith(t *testing.T) {
	for _, tc := range []struct {
		seen, days int
		want       string
	}{
		{7, 7, "it was there on all 7 earlier days the spike recurred"},
		{0, 7, "it was there on none of the 7 earlier days the spike recurred"},
		{3, 7, "it was there on 3 of the 7 earlier days the spike recurred"},
		{1, 1, "it was there on the one earlier day the spike recurred"},
		{0, 1, "it was not there on the one earlier day the spike recurred"},
	} {
		if got := recurredWith(tc.seen, tc.days, "spike"); got != tc.want {
			t.Errorf("recurredWith(%d, %d) = %q, want %q", tc.seen, tc.days, got, tc.want)
		}
	}
}
