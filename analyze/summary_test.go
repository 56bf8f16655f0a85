package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func seoulAt(tb testing.TB, s string) time.Time {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		tb.Fatal(err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		tb.Fatal(err)
	}
	return t.UTC()
}

// night is the findings of one night: the 03:00 spike with the given
// length and ratio, its anomalies, and a business-hours blip.
func night(tb testing.TB, date string, spike time.Duration, ratio float64, members ...string) *Findings {
	start := seoulAt(tb, date+" 03:00")
	f := &Findings{
		Window: sources.Window{From: seoulAt(tb, date+" 00:00").Add(-6 * time.Hour), To: seoulAt(tb, date+" 10:00")},
		Zone:   "Asia/Seoul",
		Symptoms: []Symptom{{ID: "S1", Kind: LatencySpike, Subject: "Shop", Source: "kuma", Start: start, End: start.Add(spike),
			Class: OffHours, PeakValue: ratio * 0.14, BaselineValue: 0.14, Unit: "s", Ratio: ratio,
			Suspects: []Suspect{{Rank: 1, Title: "cron: backup-db.sh"}}}},
		Anomalies: []Anomaly{{Kind: SeriesAnomaly, Subject: "node_load1", Source: "metrics", Start: seoulAt(tb, date+" 09:30"),
			End: seoulAt(tb, date+" 09:35"), Class: BusinessHours, Score: 9}},
	}
	for i, m := range members {
		at := start.Add(time.Duration(i+1) * time.Minute)
		f.Anomalies = append(f.Anomalies, Anomaly{Kind: SeriesAnomaly, Subject: m, Source: "metrics", Start: at, End: at.Add(3 * time.Minute), Class: OffHours, Score: 20})
	}
	return f
}

func TestSummarizeThreeNights(t *testing.T) {
	// First night: nothing to compare with, not recurring: new.
	s1 := Summarize(night(t, "2025-11-13", 19*time.Minute, 20, "iowait"), nil, nil)
	if len(s1.Episodes) != 2 {
		t.Fatalf("want 2 episodes (the spike with iowait, the morning blip), got %+v", s1.Episodes)
	}
	e := s1.Episodes[0]
	if e.Subject != "Shop" || e.Status != StatusNew || e.Class != OffHours {
		t.Fatalf("first episode %s %s %s, want the off-hours Shop spike, new", e.Subject, e.Status, e.Class)
	}
	if strings.Join(e.Members, ",") != "series iowait" {
		t.Errorf("members %v, want the iowait anomaly folded in", e.Members)
	}
	if s1.Episodes[1].Class != BusinessHours {
		t.Errorf("off-hours first: second episode is %s", s1.Episodes[1].Class)
	}
	st1 := s1.State()

	// Second night: the same, give or take a minute: known.
	s2 := Summarize(night(t, "2025-11-14", 20*time.Minute, 21, "iowait"), &st1, nil)
	if e := s2.Episodes[0]; e.Status != StatusKnown {
		t.Fatalf("second night: %s (%s), want known", e.Status, e.Why)
	}
	if s2.Previous == nil || !s2.Previous.From.Equal(st1.Window.From) {
		t.Error("second night does not name the summary it was compared with")
	}
	st2 := s2.State()

	// Third night: twice as long, and the mail queue came with it: changed.
	s3 := Summarize(night(t, "2025-11-15", 41*time.Minute, 21, "iowait", "app_queue_depth"), &st2, nil)
	e = s3.Episodes[0]
	if e.Status != StatusChanged {
		t.Fatalf("third night: %s (%s), want changed", e.Status, e.Why)
	}
	for _, want := range []string{"lasted 41m, 20m last time", "now with series app_queue_depth"} {
		if !strings.Contains(e.Why, want) {
			t.Errorf("why %q does not say %q", e.Why, want)
		}
	}
	if s3.New != 0 || s3.Change != 1 || s3.Known != 1 {
		t.Errorf("counts new %d changed %d known %d, want 0, 1, 1", s3.New, s3.Change, s3.Known)
	}
}

func TestSummarizeGoneAndRecurring(t *testing.T) {
	prev := Summarize(night(t, "2025-11-13", 19*time.Minute, 20), nil, nil).State()
	f := night(t, "2025-11-14", 19*time.Minute, 20)
	f.Symptoms = nil // the spike did not come back
	s := Summarize(f, &prev, nil)
	if len(s.Gone) != 1 || s.Gone[0].Title != "latency spike Shop" {
		t.Fatalf("gone %+v, want the Shop spike", s.Gone)
	}

	g := night(t, "2025-11-20", 19*time.Minute, 20)
	g.Symptoms[0].Recurrence = Recurrence{DaysChecked: 7, DaysSeen: 7, Recurring: true}
	s = Summarize(g, nil, nil)
	if e := s.Episodes[0]; e.Status != StatusKnown || !strings.Contains(e.Why, "7 of the 7") {
		t.Errorf("a recurring spike with no previous summary: %s (%s), want known from its recurrence", e.Status, e.Why)
	}
}

func TestPreviousNight(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Seoul")
	cal := DefaultCalendar(loc)
	cal.Holidays = map[string]string{"2025-12-25": "Christmas"}
	for _, c := range []struct{ now, from, to string }{
		{"2025-11-20 07:00", "2025-11-19 18:00", "2025-11-20 07:00"},
		{"2025-11-20 10:30", "2025-11-19 18:00", "2025-11-20 09:00"},
		{"2025-11-20 23:00", "2025-11-19 18:00", "2025-11-20 09:00"},
		{"2025-11-24 07:00", "2025-11-21 18:00", "2025-11-24 07:00"}, // Monday: the weekend too
		{"2025-12-26 07:00", "2025-12-24 18:00", "2025-12-26 07:00"}, // after a holiday
	} {
		w := PreviousNight(cal, seoulAt(t, c.now))
		if !w.From.Equal(seoulAt(t, c.from)) || !w.To.Equal(seoulAt(t, c.to)) {
			t.Errorf("at %s: %s – %s, want %s – %s", c.now, w.From.In(loc), w.To.In(loc), c.from, c.to)
		}
	}
}

func TestMonthSLA(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Seoul")
	to := seoulAt(t, "2025-11-03 00:00")
	p := sources.Probe{Source: "kuma", Name: "Shop"}
	for tm := seoulAt(t, "2025-10-31 23:00"); tm.Before(to); tm = tm.Add(time.Minute) {
		st := sources.Up
		if !tm.Before(seoulAt(t, "2025-11-02 12:00")) && tm.Before(seoulAt(t, "2025-11-02 12:10")) {
			st = sources.Down
		}
		p.Beats = append(p.Beats, sources.Beat{T: tm, Status: st, Latency: 100 * time.Millisecond})
	}
	got := MonthSLA(&sources.Dataset{Probes: []sources.Probe{p}}, DefaultCalendar(loc), to)
	if len(got) != 1 {
		t.Fatal(got)
	}
	m := got[0]
	if m.Checks != 2*24*60 || m.Failed != 10 || m.Downtime != 10*time.Minute {
		t.Errorf("checks %d failed %d downtime %s, want 2880, 10, 10m (October not counted)", m.Checks, m.Failed, m.Downtime)
	}
	if want := 1 - 10.0/2880; m.Availability != want {
		t.Errorf("availability %v, want %v", m.Availability, want)
	}
}

func TestSummarizeSpikeBecameOutage(t *testing.T) {
	prev := Summarize(night(t, "2025-11-13", 19*time.Minute, 20), nil, nil).State()
	f := night(t, "2025-11-14", 19*time.Minute, 20)
	f.Symptoms[0].Kind, f.Symptoms[0].Ratio = Outage, 0
	s := Summarize(f, &prev, nil)
	if e := s.Episodes[0]; e.Status != StatusChanged || !strings.Contains(e.Why, "an outage now, a latency spike last time") {
		t.Errorf("%s: %s", e.Status, e.Why)
	}
	if len(s.Gone) != 0 {
		t.Errorf("the spike that became an outage is also listed as gone: %+v", s.Gone)
	}
}
