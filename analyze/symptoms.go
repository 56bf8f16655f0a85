package analyze

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// outage is a run of failed checks of one probe.
type outage struct {
	start, end time.Time // end: the first successful check after it
	ongoing    bool
	failed     int
	lastMsg    string
	summary    bool // found only in aggregates (Kuma 2 stat tables)
	span       time.Duration
	checks     int
}

// mergeGap: failed runs separated by successes for at most this long are
// one outage (a flapping service is one incident, not ten).
const mergeGap = 5 * time.Minute

func failing(s sources.Status) bool { return s == sources.Down || s == sources.Pending }

// outages finds the outages of p that overlap [from, to). A run of failed
// checks is an outage when at least one check in it is Down, or when it
// holds two or more failed checks: a lone Pending means a retry
// succeeded, but a Pending retried and failed again is a service down
// for minutes whatever the monitor's retry count (Kuma with three
// retries never says Down for a three-minute outage).
//
// Kuma 2 keeps only aggregates for old data (summary beats with Span,
// Checks, Failed) plus the important raw beats that mark status changes.
// Summary beats carry the counts; raw beats inside a summary span give
// the timing only. So an outage seen in raw beats takes its failed count
// from the summary that holds it, and a summary with failures but no raw
// outage inside is an outage known only by its count.
func outages(p *sources.Probe, from, to time.Time) []outage {
	var out []outage
	var cur *outage
	hasDown := false
	closeRun := func(end time.Time, ongoing bool) {
		if cur != nil && (hasDown || cur.failed >= 2) {
			cur.end, cur.ongoing = end, ongoing
			if n := len(out); n > 0 && cur.start.Sub(out[n-1].end) <= mergeGap {
				out[n-1].end, out[n-1].ongoing = cur.end, cur.ongoing
				out[n-1].failed += cur.failed
				out[n-1].lastMsg = cur.lastMsg
			} else {
				out = append(out, *cur)
			}
		}
		cur, hasDown = nil, false
	}
	for _, b := range p.Beats {
		switch {
		case b.Span > 0 || b.Status == sources.Maintenance:
			continue
		case failing(b.Status):
			if cur == nil {
				cur = &outage{start: b.T}
			}
			cur.failed++
			if b.Status == sources.Down {
				hasDown = true
			}
			if b.Msg != "" {
				cur.lastMsg = b.Msg
			}
		default:
			closeRun(b.T, false)
		}
	}
	if cur != nil {
		closeRun(to, true)
	}
	for _, b := range p.Beats {
		if b.Span == 0 || b.Failed == 0 {
			continue
		}
		end := b.T.Add(b.Span)
		matched := false
		for i := range out {
			if overlaps(out[i].start, out[i].end, b.T, end) {
				out[i].failed = max(out[i].failed, b.Failed)
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, outage{start: b.T, end: end, failed: b.Failed, summary: true, span: b.Span, checks: b.Checks})
		}
	}
	slices.SortFunc(out, func(x, y outage) int { return x.start.Compare(y.start) })
	kept := out[:0]
	for _, o := range out {
		if o.end.After(from) && o.start.Before(to) {
			kept = append(kept, o)
		}
	}
	return kept
}

// summarySpans lists the spans of p's summary beats, sorted.
func summarySpans(p *sources.Probe) []sources.Window {
	var ws []sources.Window
	for _, b := range p.Beats {
		if b.Span > 0 {
			ws = append(ws, sources.Window{From: b.T, To: b.T.Add(b.Span)})
		}
	}
	slices.SortFunc(ws, func(x, y sources.Window) int { return x.From.Compare(y.From) })
	return ws
}

// inSpans reports whether t falls in one of the sorted spans.
func inSpans(ws []sources.Window, t time.Time) bool {
	i, _ := slices.BinarySearchFunc(ws, t, func(w sources.Window, t time.Time) int { return w.From.Compare(t) })
	// ws[i-1] is the last span starting at or before t (or ws[i] starts at t).
	if i < len(ws) && ws[i].From.Equal(t) {
		return true
	}
	return i > 0 && ws[i-1].Contains(t)
}

// checks counts checks and failures of p in [from, to), excluding
// maintenance. Summary beats contribute their counts; raw beats inside a
// summary span are not counted again.
func checks(p *sources.Probe, from, to time.Time) (n, failed int) {
	spans := summarySpans(p)
	for _, b := range p.Beats {
		if b.T.Before(from) || !b.T.Before(to) {
			continue
		}
		if b.Span > 0 {
			n += b.Checks
			failed += b.Failed
			continue
		}
		if b.Status == sources.Maintenance || inSpans(spans, b.T) {
			continue
		}
		n++
		if failing(b.Status) {
			failed++
		}
	}
	return n, failed
}

func latencies(p *sources.Probe, from, to time.Time) []float64 {
	var xs []float64
	for _, b := range p.Beats {
		if b.Status == sources.Up && b.Latency > 0 && !b.T.Before(from) && b.T.Before(to) {
			xs = append(xs, b.Latency.Seconds())
		}
	}
	return xs
}

func (a *analysis) impact() []Impact {
	w := a.o.Window
	var out []Impact
	for i := range a.ds.Probes {
		p := &a.ds.Probes[i]
		im := Impact{Probe: p.Name, Source: p.Source, Target: p.Target, Resolution: p.Resolution,
			Availability: -1}
		im.Checks, im.Failed = checks(p, w.From, w.To)
		if im.Checks > 0 {
			im.Availability = 1 - float64(im.Failed)/float64(im.Checks)
		}
		for _, o := range outages(p, w.From, w.To) {
			im.Outages++
			im.Downtime += o.downtime(w)
		}
		if im.Outages > 0 {
			im.MTTR = im.Downtime / time.Duration(im.Outages)
		}
		cur := latencies(p, w.From, w.To)
		base := latencies(p, a.f.Baseline.From, a.f.Baseline.To)
		im.P50, im.P95, im.Max = secs(percentile(cur, .5)), secs(percentile(cur, .95)), secs(percentile(cur, 1))
		im.BaseP50, im.BaseP95, im.BaseMax = secs(percentile(base, .5)), secs(percentile(base, .95)), secs(percentile(base, 1))
		im.Sparkline = sparkline(p, w, 24)
		im.SparkFailed = failedBuckets(p, w, 24)
		out = append(out, im)
	}
	return out
}

// downtime is the part of the outage inside w; for an outage known only
// from aggregates it is the failed share of the aggregate's span.
func (o outage) downtime(w sources.Window) time.Duration {
	if o.summary && o.checks > 0 {
		return time.Duration(float64(o.span) * float64(o.failed) / float64(o.checks))
	}
	s, e := o.start, o.end
	if s.Before(w.From) {
		s = w.From
	}
	if e.After(w.To) {
		e = w.To
	}
	return max(0, e.Sub(s))
}

func secs(v float64) time.Duration {
	return time.Duration(v * float64(time.Second)).Round(time.Millisecond)
}

// sparkline is the mean latency of successful checks in n equal buckets
// of w, in seconds; 0 for a bucket with none.
// failedBuckets counts p's failed checks in n equal buckets of w; nil when
// none failed.
func failedBuckets(p *sources.Probe, w sources.Window, n int) []int {
	d := w.Duration() / time.Duration(n)
	if d <= 0 {
		return nil
	}
	out := make([]int, n)
	any := false
	for _, b := range p.Beats {
		if !w.Contains(b.T) {
			continue
		}
		f := 0
		switch {
		case b.Span > 0:
			f = b.Failed
		case b.Status == sources.Down:
			f = 1
		}
		if f > 0 {
			out[min(int(b.T.Sub(w.From)/d), n-1)] += f
			any = true
		}
	}
	if !any {
		return nil
	}
	return out
}

func sparkline(p *sources.Probe, w sources.Window, n int) []float64 {
	out := make([]float64, n)
	cnt := make([]int, n)
	d := w.Duration() / time.Duration(n)
	if d <= 0 {
		return nil
	}
	for _, b := range p.Beats {
		if b.Status != sources.Up || b.Latency <= 0 || !w.Contains(b.T) {
			continue
		}
		i := min(int(b.T.Sub(w.From)/d), n-1)
		out[i] += b.Latency.Seconds()
		cnt[i]++
	}
	for i := range out {
		if cnt[i] > 0 {
			out[i] = math.Round(out[i]/float64(cnt[i])*1000) / 1000
		}
	}
	return out
}

func (a *analysis) symptoms() []Symptom {
	w := a.o.Window
	var out []Symptom
	for i := range a.ds.Probes {
		p := &a.ds.Probes[i]
		for _, o := range outages(p, w.From, w.To) {
			out = append(out, a.outageSymptom(p, o))
		}
	}
	var probeSpikes []Symptom
	var seriesSpikes []Symptom
	// Without a probe, what users felt is in the servers' own series: an
	// error rate rising is a symptom as much as a latency (a service that
	// refuses fails fast, and its callers' latency may even fall).
	errorsToo := len(a.ds.Probes) == 0
	comp := map[string]string{} // series symptom subject -> component
	for _, s := range a.signals {
		if s.role != sources.Latency && !(errorsToo && s.role == sources.Errors && s.probe == nil) {
			continue
		}
		for _, iv := range s.ivs {
			if iv.b <= a.win[0] || iv.a >= a.win[1] {
				continue
			}
			// An error rate leads only when it lasts: a lone minute with
			// a few errors more than a usually clean series is no
			// incident.
			if s.role == sources.Errors && iv.b-iv.a < 3 {
				continue
			}
			sy := a.spikeSymptom(s, iv)
			if s.probe != nil {
				probeSpikes = append(probeSpikes, sy)
			} else {
				if s.role == sources.Errors {
					sy.Kind = ErrorSpike
				}
				comp[sy.Source+"\x00"+sy.Subject] = componentOfSeries(s)
				seriesSpikes = append(seriesSpikes, sy)
			}
		}
	}
	out = append(out, probeSpikes...)
	// Which series leads when no probe does: the user-facing service's
	// (seriesLead), then the most severe.
	lead := a.seriesLead()
	slices.SortStableFunc(seriesSpikes, func(x, y Symptom) int {
		return cmp.Or(cmp.Compare(lead(x), lead(y)), cmp.Compare(y.severity(), x.severity()), x.Start.Compare(y.Start),
			cmp.Compare(x.Subject, y.Subject))
	})
	// A latency series that moved with a probe is the same symptom seen
	// from the server side: it is named in the symptom's explanation and
	// is neither a second symptom nor a suspect. In a system of services
	// only the symptom's own service's series are: another service's
	// latency or errors moving with it is what the analysis must weigh
	// (a callee failing first, or a caller suffering after).
	services := a.servicesShape()
	also := map[int][]string{}
	for _, sy := range seriesSpikes {
		dup := -1
		for i, o := range out {
			if !overlaps(sy.Start, sy.End, o.Start, o.End) {
				continue
			}
			if services {
				oc, ok := comp[o.Source+"\x00"+o.Subject]
				if !ok || oc != comp[sy.Source+"\x00"+sy.Subject] {
					continue
				}
			}
			dup = i
			break
		}
		if dup < 0 {
			if services && slices.ContainsFunc(out, func(o Symptom) bool { return overlaps(sy.Start, sy.End, o.Start, o.End) }) {
				continue // another service's series: weighed as a candidate
			}
			out = append(out, sy)
			continue
		}
		a.coSymptom[sy.Source+"\x00"+sy.Subject] = true
		also[dup] = append(also[dup], fmt.Sprintf("%s (peak %s at %s against a usual %s)",
			sy.Subject, fmtVal(sy.PeakValue, sy.Unit), a.local(sy.Peak), fmtVal(sy.BaselineValue, sy.Unit)))
	}
	for i, list := range also {
		slices.Sort(list)
		out[i].Explanation += " Also seen in " + strings.Join(list, "; ") + "."
	}
	if len(out) == 0 && errorsToo && services {
		if sy, ok := a.mildSymptom(lead); ok {
			out = append(out, sy)
		}
	}
	// The lead is what users felt: outages first, then the probes'
	// latency, then server-side series (an internal series that merely
	// moved never leads while a probe saw something), the user-facing
	// service's first.
	rank := func(s Symptom) int {
		switch {
		case s.Kind == Outage:
			return 0
		case s.Query == "" && s.Target != "":
			return 1
		}
		return 2 + lead(s)
	}
	slices.SortStableFunc(out, func(x, y Symptom) int {
		return cmp.Or(cmp.Compare(rank(x), rank(y)), cmp.Compare(y.severity(), x.severity()), x.Start.Compare(y.Start),
			cmp.Compare(x.Subject, y.Subject))
	})
	// Without a probe, when the user-facing service's latency and errors
	// did not move, no symptom is what users felt: an internal service's
	// latency blip competes with the largest change of any service's own
	// series, and the larger leads (analyze/services.go: changeSymptom);
	// a blip of a series that moves like that several times a day
	// (seriesLead's usual, 3 and up) never does.
	if errorsToo && services && !slices.ContainsFunc(out, func(s Symptom) bool { return lead(s) == 0 }) {
		if ch, sev, ok := a.changeSymptom(); ok && (len(out) == 0 || lead(out[0]) >= 3 ||
			sev > math.Log1p(math.Abs(out[0].Score))*out[0].Duration.Seconds()) {
			out = append([]Symptom{ch}, out...)
		}
	}
	return out
}

func (s Symptom) severity() float64 {
	if s.Kind == Outage {
		return s.Duration.Seconds()
	}
	return math.Log1p(math.Max(s.Score, 0)) * s.Duration.Seconds()
}

func overlaps(a0, a1, b0, b1 time.Time) bool { return a0.Before(b1) && b0.Before(a1) }

func (a *analysis) outageSymptom(p *sources.Probe, o outage) Symptom {
	sy := Symptom{
		Kind: Outage, Subject: p.Name, Source: p.Source, Target: p.Target,
		Start: o.start, Peak: o.start, End: o.end, Ongoing: o.ongoing,
		Duration: o.downtime(sources.Window{From: o.start, To: o.end}),
		Class:    a.cal.Classify(o.start), Unit: "checks",
		PeakValue: float64(o.failed), FailedChecks: o.failed,
	}
	switch {
	case o.summary:
		sy.Explanation = fmt.Sprintf("%s failed %d of %d checks between %s and %s (only %s aggregates are kept for this time, so the exact start is unknown; about %s down).",
			p.Name, o.failed, o.checks, a.local(o.start), a.local(o.end), fmtDur(o.span), fmtDur(sy.Duration))
	case o.ongoing:
		sy.Explanation = fmt.Sprintf("%s failed %d checks from %s and had not recovered at the end of the window (%s so far).",
			p.Name, o.failed, a.local(o.start), fmtDur(sy.Duration))
	default:
		sy.Explanation = fmt.Sprintf("%s failed %d checks from %s until it answered again at %s (%s down).",
			p.Name, o.failed, a.cal.Local(o.start).Format("15:04:05"), a.cal.Local(o.end).Format("15:04:05"), fmtDur(sy.Duration))
	}
	if o.lastMsg != "" {
		sy.Explanation = sy.Explanation[:len(sy.Explanation)-1] + fmt.Sprintf("; last error: %q.", o.lastMsg)
	}
	return sy
}

func (a *analysis) spikeSymptom(s *signal, iv interval) Symptom {
	g := s.g
	start, end := g.time(iv.a), g.time(iv.b)
	ongoing := iv.b >= a.win[1]
	if ongoing {
		end = a.o.Window.To
	}
	peak := g.at(iv.peak)
	sy := Symptom{
		Kind: LatencySpike, Subject: s.subject, Source: s.source, Query: s.query,
		Start: start, Peak: g.time(iv.peak), End: end, Ongoing: ongoing, Duration: end.Sub(start),
		Class: a.cal.Classify(start), Unit: s.unit,
		PeakValue: peak, BaselineValue: s.baseOf(iv), Score: round2(s.zOf(iv)),
	}
	if s.probe != nil {
		sy.Target = s.probe.Target
		sy.Unit = "s"
		sy.Query = "" // the target is the reproduction: a probe has no query
	}
	if sy.BaselineValue > 0 {
		sy.Ratio = round2(peak / sy.BaselineValue)
	}
	what := s.subject + " response time"
	if s.probe == nil {
		what = s.subject
	}
	sy.Explanation = fmt.Sprintf("%s peaked at %s at %s, %s; abnormal from %s to %s.",
		what, fmtVal(peak, sy.Unit), a.local(sy.Peak), a.versus(s, iv, sy.Unit), a.local(start), a.local(end))
	return sy
}

func baselineWords(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return "day"
		}
		return fmt.Sprintf("%d days", n)
	}
	return fmtDur(d)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// recurrence looks for the symptom at the same local time of day on each
// previous day of the baseline.
func (a *analysis) recurrence(s *Symptom) Recurrence {
	days := int(a.o.Baseline / (24 * time.Hour))
	r := Recurrence{}
	for d := 1; d <= days; d++ {
		from := a.cal.Local(s.Start).AddDate(0, 0, -d).Add(-recurrenceSlack)
		to := a.cal.Local(s.End).AddDate(0, 0, -d).Add(recurrenceSlack)
		if from.Before(a.t0) {
			break
		}
		r.DaysChecked++
		if a.seenAt(s, from, to) {
			r.DaysSeen++
			r.Dates = append(r.Dates, a.cal.Local(s.Start).AddDate(0, 0, -d).Format(time.DateOnly))
		}
	}
	slices.Sort(r.Dates)
	r.Recurring = r.DaysSeen >= 2 && r.DaysSeen*2 >= r.DaysChecked
	span := a.local(s.Start) + "–" + a.local(s.End)
	night := "days"
	if c := a.cal.Classify(s.Start); c == OffHours {
		night = "nights"
	}
	switch {
	case r.DaysChecked == 0:
		r.Sentence = "No earlier days in the data to compare with."
	case r.Recurring:
		r.Sentence = fmt.Sprintf("Recurring: the same happened on %d of the previous %d %s around %s; this looks scheduled.",
			r.DaysSeen, r.DaysChecked, night, span)
	case r.DaysSeen > 0:
		r.Sentence = fmt.Sprintf("Seen around %s on %d of the previous %d %s (%s); not a daily pattern.",
			span, r.DaysSeen, r.DaysChecked, night, joinDates(r.Dates))
	default:
		r.Sentence = fmt.Sprintf("Not seen around %s on any of the previous %d %s: new.", span, r.DaysChecked, night)
	}
	return r
}

func joinDates(ds []string) string {
	if len(ds) > 3 {
		return fmt.Sprintf("%s … %s", ds[0], ds[len(ds)-1])
	}
	s := ""
	for i, d := range ds {
		if i > 0 {
			s += ", "
		}
		s += d
	}
	return s
}

// seenAt reports whether symptom s (same subject, same kind) happened in
// [from, to) as a comparable episode (issue 13, gap 4): an outage down
// for at least a fair fraction of today's downtime, a spike at least a
// third of today's excess over its baseline and abnormal for a fair
// fraction of today's duration. One slow check or one lost packet at
// about this time on an earlier day is noise, not the symptom recurring:
// counted, it made a harmless daily job look as if it came with the
// symptom every day. Lesser outcomes still count where they mean
// something: as sightings of a trigger's effect (triggerRuns), "the
// usual trigger, an unusual outcome".
func (a *analysis) seenAt(s *Symptom, from, to time.Time) bool {
	if s.Kind == Outage {
		for i := range a.ds.Probes {
			p := &a.ds.Probes[i]
			if p.Name != s.Subject || p.Source != s.Source {
				continue
			}
			for _, o := range outages(p, from, to) {
				if o.downtime(sources.Window{From: o.start, To: o.end}) >= s.Duration*comparableShare/100 {
					return true
				}
			}
		}
		return false
	}
	sig := a.signal(s.Source, s.Subject)
	if sig == nil {
		return false
	}
	i, j := sig.g.clampRange(from, to)
	need := max(2, int(float64(s.End.Sub(s.Start))*comparableShare/100/float64(a.o.Step)))
	n := 0
	for _, iv := range sig.ivs {
		lo, hi := max(iv.a, i), min(iv.b, j)
		if hi <= lo || comparableShare*math.Abs(s.PeakValue-s.BaselineValue) > 100*math.Abs(sig.g.at(iv.peak)-s.BaselineValue) {
			continue
		}
		n += hi - lo
	}
	return n >= need
}

// comparableShare (percent): an earlier episode is the same symptom when
// it is at least this share of today's size and duration.
const comparableShare = 30

func (a *analysis) signal(source, subject string) *signal {
	for _, s := range a.signals {
		if s.source == source && s.subject == subject {
			return s
		}
	}
	return nil
}

// abnormalIn reports whether one of the signal's abnormal intervals
// overlaps [from, to).
func (s *signal) abnormalIn(from, to time.Time) bool {
	i, j := s.g.clampRange(from, to)
	for _, iv := range s.ivs {
		if iv.a < j && i < iv.b {
			return true
		}
	}
	return false
}

// anomalies lists what moved in the incident window: abnormal intervals
// of non-latency series and of latency series that are not symptoms, log
// bursts and new log patterns.
func (a *analysis) anomalies() []Anomaly {
	var out []Anomaly
	for _, s := range a.signals {
		if s.probe != nil || a.coSymptom[s.source+"\x00"+s.subject] {
			continue // a symptom, or named in one
		}
		for _, iv := range s.ivs {
			if iv.b <= a.win[0] || iv.a >= a.win[1] {
				continue
			}
			out = append(out, a.seriesAnomaly(s, iv))
		}
	}
	out = append(out, a.logAnomalies()...)
	slices.SortStableFunc(out, func(x, y Anomaly) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), x.Start.Compare(y.Start), cmp.Compare(x.Subject, y.Subject))
	})
	if len(out) > maxAnomalies {
		a.f.Notes = append(a.f.Notes, fmt.Sprintf("%d anomalies found; the %d strongest are listed.", len(out), maxAnomalies))
		out = out[:maxAnomalies]
	}
	return out
}

func (a *analysis) seriesAnomaly(s *signal, iv interval) Anomaly {
	g := s.g
	peak := g.at(iv.peak)
	an := Anomaly{
		Kind: SeriesAnomaly, Subject: s.subject, Source: s.source, Role: s.role, RoleName: s.role.String(),
		Start: g.time(iv.a), Peak: g.time(iv.peak), End: g.time(iv.b), Class: a.cal.Classify(g.time(iv.a)),
		PeakValue: peak, BaselineValue: s.baseOf(iv), Unit: s.unit, Score: round2(s.zOf(iv)), Query: s.query,
	}
	if an.BaselineValue != 0 {
		an.Ratio = round2(peak / an.BaselineValue)
	}
	dir := "rose to"
	if peak < an.BaselineValue {
		dir = "fell to"
	}
	an.Explanation = fmt.Sprintf("%s %s %s at %s, %s; %s–%s.",
		s.subject, dir, fmtVal(peak, s.unit), a.local(an.Peak), a.versus(s, iv, s.unit),
		a.local(an.Start), a.local(an.End))
	return an
}
