package analyze

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// "The trigger recurs, the outcome is new" (issue 13). A nightly job that
// usually costs a PENDING check or a few 5xx and tonight takes the
// service down is the usual trigger with an unusual outcome: the person
// reading the report needs both halves, because the fix is in what
// changed about tonight's run (a bigger database, a slower disk), not in
// the job being there. triggerHistory says it in words from the data:
// on each earlier day the trigger ran at about this time, what the
// symptom's own probe and the server's 5xx showed right after it.

// outcome is what followed a trigger on one day.
type outcome struct {
	down, pending int     // failed checks of the symptom's probe
	errors        float64 // server-side 5xx above the usual rate
	slow          bool    // the symptom's latency was abnormal
}

func (o outcome) class() string {
	switch {
	case o.down > 0:
		return "down"
	case o.pending > 0:
		return "pending"
	case o.errors >= 3:
		return "5xx"
	case o.slow:
		return "slow"
	}
	return "none"
}

// triggerWindow is how close to the same time of day an earlier run must
// be to count as the same trigger: timers are randomised by minutes
// (RandomizedDelaySec), cron jobs wait for each other.
const triggerWindow = 20 * time.Minute

// triggerRuns returns, for a rare recurring trigger, the outcome that
// followed it on each earlier day it ran at about this time of day
// (keyed by days back), or nil when c is not one: only events (jobs,
// timers, scheduled restarts, changes) that happen at most twice a day on
// average and ran at about this time on at least two earlier days. A job
// every five minutes runs at every time of day, so "it ran then too"
// says nothing.
func (a *analysis) triggerRuns(s *Symptom, c *candidate) map[int]outcome {
	if c.s.Kind != SuspectEvent || c.present == nil {
		return nil
	}
	if !a.rareEvent(c.total) {
		return nil
	}
	days := s.Recurrence.DaysChecked
	if days == 0 {
		days = int(a.o.Baseline / (24 * time.Hour))
	}
	// How long after the trigger to look: as long as today's symptom took
	// from the trigger to its end, at least ten minutes.
	span := max(s.End.Sub(c.s.Start), 10*time.Minute) + 5*time.Minute
	out := map[int]outcome{}
	for d := 1; d <= days; d++ {
		t := a.cal.Local(c.s.Start).AddDate(0, 0, -d)
		if t.Before(a.t0) || !c.present(t.Add(-triggerWindow), t.Add(triggerWindow)) {
			continue
		}
		out[d] = a.outcomeAfter(s, t, t.Add(span))
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

// triggerHistory returns the sentence for candidate c given its runs
// (triggerRuns), or "" when there are none.
// isNew says the symptom had no comparable sighting on earlier days.
func (a *analysis) triggerHistory(s *Symptom, c *candidate, runs map[int]outcome, isNew bool) string {
	if runs == nil {
		return ""
	}
	days := s.Recurrence.DaysChecked
	if days == 0 {
		days = int(a.o.Baseline / (24 * time.Hour))
	}
	counts := map[string]int{}
	var errSum float64
	for _, o := range runs {
		counts[o.class()]++
		if o.down == 0 && o.pending == 0 {
			errSum += o.errors
		}
	}
	ran := len(runs)
	night := isNight(a.cal.Local(c.s.Start))
	daysWord, today := "days", "today"
	if night {
		daysWord, today = "nights", "tonight"
	}
	var parts []string
	add := func(class, words string) {
		if n := counts[class]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s on %d", words, n))
		}
	}
	add("down", "down")
	add("pending", "PENDING checks only")
	if n := counts["5xx"]; n > 0 {
		parts = append(parts, fmt.Sprintf("a few 5xx only on %d (%.0f in all)", n, errSum))
	}
	add("slow", "slower only")
	add("none", "no effect seen")
	after := fmt.Sprintf("earlier %s: %s", daysWord, strings.Join(parts, ", "))
	for class, n := range counts {
		// One outcome every time: "each time: slower only" rather than
		// "earlier nights: slower only on 7" after "on 7 of the 7 …".
		if n == ran && ran > 1 {
			after = "each time: " + map[string]string{"down": "down", "pending": "PENDING checks only",
				"5xx": fmt.Sprintf("a few 5xx only (%.0f in all)", errSum), "slow": "slower only", "none": "no effect seen"}[class]
		}
	}
	b := fmt.Sprintf("it ran at about this time on %d of the %d earlier %s (%s); %s %s",
		ran, days, daysWord, after, today, a.todayOutcome(s))
	// Unusual: no earlier run took the probe down (an outage), or the
	// spike had no comparable sighting (a latency spike).
	if s.Kind == Outage && counts["down"] == 0 || s.Kind != Outage && isNew {
		b += ": the usual trigger, an unusual outcome"
	}
	return b
}

func isNight(t time.Time) bool { return t.Hour() >= 20 || t.Hour() < 6 }

func (a *analysis) todayOutcome(s *Symptom) string {
	if s.Kind == Outage {
		return fmt.Sprintf("it took %s down for %s", s.Subject, fmtDur(s.Duration))
	}
	return fmt.Sprintf("%s rose to %s (usual %s)", s.Subject, fmtVal(s.PeakValue, s.Unit), fmtVal(s.BaselineValue, s.Unit))
}

// outcomeAfter is what the symptom's probe, its latency and the servers'
// 5xx showed in [from, to).
func (a *analysis) outcomeAfter(s *Symptom, from, to time.Time) outcome {
	var o outcome
	for i := range a.ds.Probes {
		p := &a.ds.Probes[i]
		if p.Name != s.Subject || p.Source != s.Source {
			continue
		}
		for _, b := range p.Beats {
			if b.T.Before(from) || !b.T.Before(to) {
				continue
			}
			switch b.Status {
			case sources.Down:
				o.down++
			case sources.Pending:
				o.pending++
			}
		}
	}
	if sig := a.signal(s.Source, s.Subject); sig != nil && sig.abnormalIn(from, to) {
		o.slow = true
	}
	for _, sg := range a.signals {
		if sg.probe != nil || sg.role != sources.Errors || sg.unit != "1/s" {
			continue
		}
		// Several error series (an access log's 5xx, an app's own) count
		// the same failures: the largest stands for them.
		i, j := sg.g.clampRange(from, to)
		base := sg.st.median
		if math.IsNaN(base) {
			base = 0
		}
		n := 0.0
		for k := i; k < j; k++ {
			if v := sg.g.at(k); !math.IsNaN(v) && v > base {
				n += (v - base) * a.o.Step.Seconds()
			}
		}
		o.errors = max(o.errors, n)
	}
	o.errors = math.Round(o.errors)
	return o
}

// rareEvent reports whether an event that happened total times in the
// data is rare: at most twice a day on average. A job every five minutes
// or a timer every half hour starts within minutes of anything, so its
// timing explains nothing.
func (a *analysis) rareEvent(total int) bool {
	perDay := float64(a.o.Baseline/(24*time.Hour)) + 1
	return float64(total) <= 2*perDay
}
