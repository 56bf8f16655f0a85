package analyze

import (
	"slices"
	"sort"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// SLASchema names the JSON document of an SLA report. v2 (times in the
// profile's zone, durations in seconds) replaced v1 (durations in
// nanoseconds).
const SLASchema = "hindsight/sla/v2"

// SLA is availability per monitor over a period (a month, a quarter, a
// year, or any --from/--to).
type SLA struct {
	Schema   string             `json:"schema"`
	Period   sources.Window     `json:"period"`
	Zone     string             `json:"zone"`
	Profile  string             `json:"profile,omitempty"`
	Monitors []MonitorSLAPeriod `json:"monitors"`
	Gaps     []sources.Gap      `json:"gaps"`
}

// MonitorSLAPeriod is one monitor's record over the period. Time the data
// does not cover (before the first check, after the last, a hole in the
// history because the monitoring itself was down, maintenance) is
// Uncovered: it is counted neither as up nor as down, and Availability is
// the share of the covered time the monitor was up.
type MonitorSLAPeriod struct {
	Probe  string `json:"probe"`
	Source string `json:"source"`
	Target string `json:"target,omitempty"`
	Checks int    `json:"checks"`
	Failed int    `json:"failed"`
	// Covered is the time the checks speak for; Coarse the part of it
	// known only from aggregates (Kuma 2 keeps raw beats for a day), whose
	// downtime is the failed share of each aggregate's span.
	Covered   time.Duration `json:"covered_ns"`
	Coarse    time.Duration `json:"coarse_ns"`
	Uncovered time.Duration `json:"uncovered_ns"`
	// Holes are the uncovered stretches, longest first (at most 10).
	Holes        []sources.Window `json:"holes"`
	Availability float64          `json:"availability"` // 0..1 of Covered; -1 when nothing is covered
	Downtime     time.Duration    `json:"downtime_ns"`
	Outages      int              `json:"outages"`
	// MTTR is the mean downtime of the outages that ended in the period;
	// 0 when none did.
	MTTR time.Duration `json:"mttr_ns"`
}

// In gives every time of s in loc (the profile's zone), so that a
// document says each instant one way: the period's bounds come from the
// command line or the clock (often UTC), the holes' from the data (as the
// source sent them); RFC 3339 in one zone for all of them.
func (s *SLA) In(loc *time.Location) {
	s.Period = sources.Window{From: s.Period.From.In(loc), To: s.Period.To.In(loc)}
	for i := range s.Monitors {
		for j, h := range s.Monitors[i].Holes {
			s.Monitors[i].Holes[j] = sources.Window{From: h.From.In(loc), To: h.To.In(loc)}
		}
	}
}

// maxHoles is how many uncovered stretches a monitor lists.
const maxHoles = 10

// PeriodSLA computes each probe's availability over period from ds.
//
// A raw check speaks for the time until the next one, up to its interval
// (the monitor's configured interval, or else the median spacing of its
// checks) and half as much again for a late check: a longer silence is a
// hole in the history, not a time the monitor was up or down. An
// aggregate speaks for its span. Downtime is the covered time inside
// outages (outages() merges flaps as the report does), so an outage
// across a hole counts only the time the checks saw.
func PeriodSLA(ds *sources.Dataset, period sources.Window, zone, profile string) *SLA {
	s := &SLA{Schema: SLASchema, Period: period, Zone: zone, Profile: profile, Monitors: []MonitorSLAPeriod{}, Gaps: ds.Gaps}
	if s.Gaps == nil {
		s.Gaps = []sources.Gap{}
	}
	for i := range ds.Probes {
		s.Monitors = append(s.Monitors, probeSLA(&ds.Probes[i], period))
	}
	sort.SliceStable(s.Monitors, func(a, b int) bool {
		if s.Monitors[a].Probe != s.Monitors[b].Probe {
			return s.Monitors[a].Probe < s.Monitors[b].Probe
		}
		return s.Monitors[a].Source < s.Monitors[b].Source
	})
	return s
}

func probeSLA(p *sources.Probe, w sources.Window) MonitorSLAPeriod {
	m := MonitorSLAPeriod{Probe: p.Name, Source: p.Source, Target: p.Target, Availability: -1, Holes: []sources.Window{}}
	m.Checks, m.Failed = checks(p, w.From, w.To)
	covered, coarse := coverage(p, w)
	for _, c := range covered {
		m.Covered += c.Duration()
	}
	for _, c := range coarse {
		m.Coarse += c.Duration()
	}
	m.Covered += m.Coarse
	all := mergeWindows(append(slices.Clone(covered), coarse...))
	m.Holes = holes(all, w)
	for _, h := range m.Holes {
		m.Uncovered += h.Duration()
	}
	slices.SortStableFunc(m.Holes, func(a, b sources.Window) int { return int(min(max(b.Duration()-a.Duration(), -1), 1)) })
	m.Holes = m.Holes[:min(len(m.Holes), maxHoles)]

	ended, endedDown := 0, time.Duration(0)
	for _, o := range outages(p, w.From, w.To) {
		var d time.Duration
		if o.summary {
			d = o.downtime(w)
		} else {
			d = overlap(all, sources.Window{From: o.start, To: o.end}, w)
		}
		if d <= 0 && !o.summary {
			continue
		}
		m.Outages++
		m.Downtime += d
		if !o.ongoing && !o.end.After(w.To) {
			ended++
			endedDown += d
		}
	}
	if ended > 0 {
		m.MTTR = (endedDown / time.Duration(ended)).Round(time.Second)
	}
	if m.Covered > 0 {
		m.Availability = max(0, 1-float64(m.Downtime)/float64(m.Covered))
	}
	return m
}

// coverage is the time p's raw checks and its aggregates speak for
// inside w, each as merged, sorted windows.
func coverage(p *sources.Probe, w sources.Window) (raw, agg []sources.Window) {
	step := p.Interval
	if step <= 0 {
		step = medianSpacing(p.Beats)
	}
	if step <= 0 {
		step = time.Minute
	}
	reach := step + step/2
	clip := func(x sources.Window) (sources.Window, bool) {
		if x.From.Before(w.From) {
			x.From = w.From
		}
		if x.To.After(w.To) {
			x.To = w.To
		}
		return x, x.From.Before(x.To)
	}
	for i, b := range p.Beats {
		if b.Span > 0 {
			if x, ok := clip(sources.Window{From: b.T, To: b.T.Add(b.Span)}); ok {
				agg = append(agg, x)
			}
			continue
		}
		if b.Status == sources.Maintenance {
			continue // maintenance is neither up nor down
		}
		start, end := b.T, b.T.Add(step)
		// A check soon after an aggregate's end speaks for the time since:
		// checks run every step, not on the aggregate's boundary (a
		// summary of 11:50-12:00, then a check at 12:00:01, is no hole).
		if i > 0 && p.Beats[i-1].Span > 0 {
			if e := p.Beats[i-1].T.Add(p.Beats[i-1].Span); e.Before(start) && start.Sub(e) <= reach {
				start = e
			}
		}
		if i+1 < len(p.Beats) {
			if next := p.Beats[i+1].T; next.Sub(b.T) <= reach {
				end = next
			}
		}
		if x, ok := clip(sources.Window{From: start, To: end}); ok {
			raw = append(raw, x)
		}
	}
	agg = mergeWindows(agg)
	// Raw checks inside an aggregate's span are the same time told twice.
	raw = subtract(mergeWindows(raw), agg)
	return raw, agg
}

func medianSpacing(beats []sources.Beat) time.Duration {
	var ds []time.Duration
	for i := 1; i < len(beats); i++ {
		if beats[i].Span == 0 && beats[i-1].Span == 0 {
			if d := beats[i].T.Sub(beats[i-1].T); d > 0 {
				ds = append(ds, d)
			}
		}
	}
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// mergeWindows sorts ws and joins the ones that touch or overlap.
func mergeWindows(ws []sources.Window) []sources.Window {
	slices.SortFunc(ws, func(a, b sources.Window) int { return a.From.Compare(b.From) })
	var out []sources.Window
	for _, x := range ws {
		if n := len(out); n > 0 && !x.From.After(out[n-1].To) {
			if x.To.After(out[n-1].To) {
				out[n-1].To = x.To
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// subtract is a minus b, both merged and sorted.
func subtract(a, b []sources.Window) []sources.Window {
	var out []sources.Window
	for _, x := range a {
		cur := x
		for _, y := range b {
			if !y.To.After(cur.From) || !y.From.Before(cur.To) {
				continue
			}
			if y.From.After(cur.From) {
				out = append(out, sources.Window{From: cur.From, To: y.From})
			}
			cur.From = y.To
			if !cur.From.Before(cur.To) {
				break
			}
		}
		if cur.From.Before(cur.To) {
			out = append(out, cur)
		}
	}
	return out
}

// holes is the part of w that covered (merged, sorted) leaves out.
func holes(covered []sources.Window, w sources.Window) []sources.Window {
	return subtract([]sources.Window{w}, covered)
}

// overlap is how much of x, clipped to w, lies in covered.
func overlap(covered []sources.Window, x, w sources.Window) time.Duration {
	if x.From.Before(w.From) {
		x.From = w.From
	}
	if x.To.After(w.To) {
		x.To = w.To
	}
	var d time.Duration
	for _, c := range covered {
		s, e := c.From, c.To
		if s.Before(x.From) {
			s = x.From
		}
		if e.After(x.To) {
			e = x.To
		}
		if e.After(s) {
			d += e.Sub(s)
		}
	}
	return d
}
