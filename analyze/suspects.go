package analyze

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Suspect scoring.
//
// Each candidate gets four components in [0,1]:
//
//   - timing: 1 when it starts with the symptom (within tolerance, one
//     grid step or two minutes) or up to Lag before it, falling linearly to
//     0.5 at Lag; 0.5 when it began earlier and was still going on; 0.6
//     when it starts after the symptom began but before its peak (a second
//     cause joining in); 0.3 when it starts after the peak (more likely an
//     effect).
//   - strength: for events a prior by kind (a deploy or a backup explains
//     more than a log error), +0.1 when a saturation or traffic anomaly
//     starts within 15 minutes after it (corroboration), and at least the
//     strength of the anomaly it drives. For series anomalies the robust z
//     over twice the threshold, times a prior by role (saturation >
//     traffic > other > errors > latency: errors and latency are usually
//     the symptom's own face), times 0.8 when an event starts with it (the
//     event is the cause, the series its mechanism), and, for a latency
//     spike, times 0.6 + 0.4 r with r the best correlation of the series,
//     shifted earlier by 0 to Lag, with the spiking signal (time-shifted
//     cross-correlation: a cause moves with its effect). For log bursts
//     the log2 of the burst ratio over 5.
//   - co-occurrence: on the previous days the symptom recurred on, the
//     share on which the candidate happened around the same time. For a
//     new symptom, 0.5 for a candidate that did not happen at this time
//     on the earlier days (no evidence either way), falling to 0 for one
//     that happened at this time every day without the symptom.
//   - specificity: of all the times the candidate happened in the data,
//     the share that came with the symptom (today or on a recurrence
//     day). A metric that spikes twenty times a week on its own scores
//     0.05; a backup that runs only when the latency spikes scores 1.
//
// score = (0.35 timing + 0.30 strength + 0.20 co-occurrence + 0.15 specificity)
//
//	× min(1, 0.4 + 3 specificity)
//
// The last factor keeps what happens all the time (a cron job every ten
// minutes, a metric that spikes daily on its own) from being blamed just
// because it also happened now: below a specificity of 0.3 it pulls the
// score down, to a quarter of it at specificity 0.
//
// Confidence is high from 0.75, medium from 0.55, low below. When no
// candidate reaches minScore the symptom is Unexplained: the report says
// no convincing cause was found rather than blaming the nearest noise,
// and lists the best weak candidates as such.
const (
	wTiming   = 0.35
	wStrength = 0.30
	wCooc     = 0.20
	wSpec     = 0.15
	minScore  = 0.45
	// listFloor: candidates are listed down to this score, with low
	// confidence.
	listFloor = 0.1
)

var eventPrior = map[sources.EventKind]float64{
	sources.KindDeploy: 0.9,
	// A configuration change (CloudTrail) is a deploy by other means; an
	// upstream incident on a page the config says the service depends on
	// is as strong a lead as an alert of our own.
	sources.KindChange:      0.8,
	sources.KindUpstream:    0.7,
	sources.KindBackup:      0.9,
	sources.KindOOM:         0.9,
	sources.KindRestart:     0.75,
	sources.KindProblem:     0.7,
	sources.KindCron:        0.65,
	sources.KindAlert:       0.6,
	sources.KindMaintenance: 0.5,
	sources.KindLogError:    0.4,
}

var rolePrior = map[sources.Role]float64{
	sources.Saturation: 1,
	sources.Traffic:    0.9,
	sources.Other:      0.7,
	sources.Errors:     0.55,
	sources.Latency:    0.45,
}

type candidate struct {
	s        Suspect
	kind     sources.EventKind             // for events
	subject  string                        // for anomalies: the series subject
	present  func(from, to time.Time) bool // does it happen in [from, to)?
	total    int                           // how often it happens in all the data
	strength float64
	why      string // the strength part of the reason

	// What classify needs (analyze/causes.go).
	component string              // host, unit, program or instance it is about
	host      string              // for events: the host that logged it
	role      sources.Role        // for series anomalies
	sig       *signal             // for series anomalies
	template  string              // for log candidates
	scheduled bool                // for restarts: the unit starts on a schedule
	began     time.Time           // for exhaustion: when the fall began
	corr      float64             // for series anomalies: correlation with a latency spike; -1 unknown
	z         float64             // how far outside its usual range (robust z; a burst's ratio)
	pattern   *sources.LogPattern // for log candidates
	caller    string              // for a caller's log lines naming their callee: the caller
	ratio     float64             // for latency: peak over the usual level
}

func (a *analysis) tolerance() time.Duration { return max(2*a.o.Step, 2*time.Minute) }

func (a *analysis) suspects(s *Symptom) []Suspect {
	from, to := s.Start.Add(-a.o.Lag), s.End
	a.symComp = a.symptomComponent(s)
	var cands []*candidate
	events, explains := a.eventCandidates(s, from, to)
	cands = append(cands, events...)
	anoms := a.anomalyCandidates(s, from, to)
	// An anomaly that an event explains (the backup drives the disk) is
	// the mechanism, not the cause: it stays a suspect, ranked below.
	// The event is then at least as strong a suspect as what it drives.
	for _, c := range anoms {
		ev, ok := explains[c.subject]
		if !ok {
			continue
		}
		for _, e := range events {
			if e.kind == ev.kind && e.s.Title == ev.title {
				e.strength = max(e.strength, c.strength)
			}
		}
		c.strength *= 0.8
		c.why += "; it starts with " + ev.title + ", which likely drives it"
	}
	cands = append(cands, anoms...)
	cands = append(cands, a.logCandidates(s, from, to)...)
	cands = append(cands, a.probeErrorCandidates(s)...)
	cands = append(cands, a.exhaustionCandidates(s)...)
	cands = append(cands, a.reloadCandidates(from, to)...)
	// Type every candidate; the symptom's own faces leave the ranking.
	var echoes []*candidate
	kept := cands[:0]
	for _, c := range cands {
		if a.classify(c) {
			if c.s.Kind == SuspectEvent {
				echoes = append(echoes, c)
			}
			continue
		}
		kept = append(kept, c)
	}
	if a.servicesShape() {
		kept = a.pointToCallees(kept)
		if c := a.selfCandidate(s); c != nil {
			kept = append(kept, c)
		}
		kept = append(kept, a.stoppedCandidates(s)...)
	}
	cands = a.foldConsequences(s, kept)
	cands = a.foldEffects(s, cands, echoes)
	cands = a.foldDriven(s, cands)
	cands = a.nothingCandidate(s, cands)

	// The days the symptom happened, as ranges around it.
	days := append([]int{0}, a.sightings(s)...)
	shift := func(t time.Time, d int) time.Time { return a.cal.Local(t).AddDate(0, 0, -d) }

	var out []Suspect
	var outC []*candidate
	for _, c := range cands {
		sp := &c.s
		sp.Lead = s.Start.Sub(sp.Start)
		sp.Components.Timing = a.timing(s, sp)
		sp.Components.Strength = math.Min(1, c.strength)
		seen := 0
		for _, d := range days[1:] {
			if c.present(shift(from, d), shift(to, d)) {
				seen++
			}
		}
		runs := a.triggerRuns(s, c)
		if len(days) > 2 {
			sp.Components.Cooccurence = float64(seen) / float64(len(days)-1)
		} else {
			// The symptom is new: a candidate that also happened at this
			// time on the earlier days, without the symptom, explains it
			// less; one that did not is neutral. A rare trigger followed
			// on those days by a lesser form of this symptom (a PENDING
			// check, a few 5xx, a slower stretch: triggerRuns) did not
			// happen without it: the usual trigger with a milder outcome
			// is evidence for it, not against it, and those days count
			// as sightings of its effect.
			checked, there, lesser := 0, 0, 0
			for d := 1; d <= s.Recurrence.DaysChecked; d++ {
				if slices.Contains(days, d) {
					continue
				}
				checked++
				if o, ok := runs[d]; ok && o.class() != "none" {
					lesser++
				} else if c.present(shift(from, d), shift(to, d)) {
					there++
				}
			}
			sp.Components.Cooccurence = 0.5
			if checked > 0 {
				sp.Components.Cooccurence = 0.5*(1-float64(there+lesser)/float64(checked)) + float64(lesser)/float64(checked)
			}
			seen += lesser
		}
		with := seen + 1 // today
		total := max(c.total, with)
		sp.Components.Specificity = float64(with) / float64(total)
		sp.Score = round2((wTiming*sp.Components.Timing + wStrength*sp.Components.Strength +
			wCooc*sp.Components.Cooccurence + wSpec*sp.Components.Specificity) *
			math.Min(1, 0.25+2.5*sp.Components.Specificity))
		sp.Components = ScoreComponents{round2(sp.Components.Timing), round2(sp.Components.Strength),
			round2(sp.Components.Cooccurence), round2(sp.Components.Specificity)}
		if sp.Score < listFloor {
			continue
		}
		switch {
		case sp.Score >= 0.75:
			sp.Confidence = "high"
		case sp.Score >= 0.55:
			sp.Confidence = "medium"
		default:
			sp.Confidence = "low"
		}
		sp.Reason = a.reason(s, c, seen, len(days)-1, with, total)
		if h := a.triggerHistory(s, c, runs, len(days) == 1); h != "" {
			sp.Reason = strings.TrimSuffix(sp.Reason, ".") + "; " + h + "."
		}
		out = append(out, *sp)
		outC = append(outC, c)
	}
	// "Nothing in the data" is the absence of an explanation: when a
	// candidate of a known cause type (a change, a crash, a dependency's
	// error, a job, traffic, a resource running out) makes a convincing
	// case, it goes below it, whatever the quiet of the error series (a
	// failure outside them, such as a name that does not resolve, leaves
	// them quiet too).
	best := 0.0
	for _, sp := range out {
		if sp.Cause != CauseNothing && sp.Cause != CauseOther && sp.Cause != CauseLogBurst {
			best = max(best, sp.Score)
		}
	}
	for i := range out {
		if sp := &out[i]; sp.Cause == CauseNothing && best >= 0.7 {
			sp.Score = min(sp.Score, round2(best-0.05))
			sp.Confidence = "medium"
			if sp.Score < 0.55 {
				sp.Confidence = "low"
			}
		}
	}
	if a.servicesShape() {
		out = a.judgeServices(s, out, outC)
	}
	slices.SortStableFunc(out, func(x, y Suspect) int {
		return cmp.Or(cmp.Compare(y.Score, x.Score), x.Start.Compare(y.Start), cmp.Compare(x.Title, y.Title))
	})
	s.ByComponent = rollup(out)
	// No convincing first answer: say so (Unexplained) rather than blame
	// the nearest noise, and still rank the best candidates down to
	// listFloor, each with its low score and confidence, so that a person
	// sees what was weighed and the second-best answer is always in
	// sight (issue 13: lists cut to one or none hid the right answer).
	s.Unexplained = len(out) == 0 || out[0].Score < minScore
	if len(out) > maxSuspects {
		out = out[:maxSuspects]
	}
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

func (a *analysis) timing(s *Symptom, sp *Suspect) float64 {
	tol := a.tolerance()
	// Series start on grid cells and events to the second: a cell's worth
	// of slack after the start keeps the two comparable.
	switch lead := sp.Lead; {
	case lead >= -tol-a.o.Step && lead <= tol:
		return 1
	case lead > tol && lead <= a.o.Lag:
		return 1 - 0.5*float64(lead-tol)/float64(a.o.Lag)
	case lead > a.o.Lag:
		return 0.5 // began earlier and still going on
	case sp.Start.Before(s.Peak.Add(a.o.Step)):
		return 0.6 // joined before the worst of it: may explain the peak
	default:
		return 0.3
	}
}

func (a *analysis) reason(s *Symptom, c *candidate, seen, recurDays, with, total int) string {
	sp := &c.s
	var b strings.Builder
	b.WriteString(sp.Title)
	// A title that already says what happened ("X rose") takes "at", not
	// "started at": "X rose at 03:00", never "X rose started at 03:00".
	started := " started at"
	if strings.HasSuffix(sp.Title, " rose") || strings.HasSuffix(sp.Title, " fell") || strings.HasSuffix(sp.Title, " shifted") ||
		strings.HasSuffix(sp.Title, " ran out") {
		started = " at"
	}
	switch lead := sp.Lead; {
	case lead > a.tolerance():
		fmt.Fprintf(&b, "%s %s, %s before the %s", started, a.local(sp.Start), fmtDur(lead), symptomWord(s))
	case lead >= -a.tolerance():
		fmt.Fprintf(&b, "%s %s, with the %s", started, a.local(sp.Start), symptomWord(s))
	default:
		fmt.Fprintf(&b, "%s %s, %s after the %s began (possibly an effect)", started, a.local(sp.Start), fmtDur(-lead), symptomWord(s))
	}
	if c.why != "" {
		b.WriteString("; " + c.why)
	}
	if recurDays > 0 {
		b.WriteString("; " + recurredWith(seen, recurDays, symptomWord(s)))
	}
	if total > with {
		fmt.Fprintf(&b, "; it happened %d times in the data, %d of them with the %s", total, with, symptomWord(s))
	} else if total > 1 {
		fmt.Fprintf(&b, "; all %d times it happened in the data came with the %s", total, symptomWord(s))
	}
	b.WriteString(".")
	return b.String()
}

// recurredWith says on how many of the earlier days the symptom recurred
// the candidate was there too: "it was there on all 7 earlier days the
// spike recurred" (was "it also came with it on 7 of the 7 …": two "it"s,
// one the candidate, one the symptom).
func recurredWith(seen, days int, symptom string) string {
	switch {
	case days == 1 && seen == 1:
		return "it was there on the one earlier day the " + symptom + " recurred"
	case days == 1:
		return "it was not there on the one earlier day the " + symptom + " recurred"
	case seen == days:
		return fmt.Sprintf("it was there on all %d earlier days the %s recurred", days, symptom)
	case seen == 0:
		return fmt.Sprintf("it was there on none of the %d earlier days the %s recurred", days, symptom)
	}
	return fmt.Sprintf("it was there on %d of the %d earlier days the %s recurred", seen, days, symptom)
}

func symptomWord(s *Symptom) string {
	if s.Kind == Outage {
		return "outage"
	}
	return "spike"
}

// eventCandidates: the events in [from, to), one per kind and title (the
// run nearest before the symptom), plus events that began earlier and
// still lasted at the symptom's start.
//
// explains maps the subjects of the series anomalies that start with an
// event to that event's title.
func (a *analysis) eventCandidates(s *Symptom, from, to time.Time) ([]*candidate, map[string]explainer) {
	explains := map[string]explainer{}
	best := map[hostSig]*sources.Event{}
	totals := map[hostSig]int{}
	// times holds each kind of event's times, sorted, so that "did it
	// happen then" is a binary search: hosts log thousands of cron runs
	// a week.
	times := map[hostSig][]time.Time{}
	for i := range a.ds.Events {
		e := &a.ds.Events[i]
		k := hostSig{sigOf(e), eventHost(e)}
		totals[k]++
		times[k] = append(times[k], e.T)
		// Context events (an upstream incident on a service nothing here
		// depends on) are shown in the timeline, never offered as causes.
		if e.Kind == sources.KindProbeDown || e.Context {
			continue
		}
		inRange := !e.T.Before(from) && e.T.Before(to)
		lasting := e.T.Before(from) && !e.End.IsZero() && e.End.After(s.Start)
		if !inRange && !lasting {
			continue
		}
		if e.Kind == sources.KindDeploy && e.T.After(s.Start) && remedy.MatchString(e.Title) {
			continue // the fix, shown in the timeline
		}
		cur := best[k]
		if cur == nil || closer(e.T, cur.T, s.Start, a.tolerance()) {
			best[k] = e
		}
	}
	for _, ts := range times {
		slices.SortFunc(ts, func(x, y time.Time) int { return x.Compare(y) })
	}
	oneshot := oneshotUnits(a.ds.Events)
	var out []*candidate
	for k, e := range best {
		// Only a rare event explains a series' move: a timer every half
		// hour or a job every five minutes starts within minutes of
		// anything, and saying it drives a surge of requests took a
		// fifth off the surge's own strength.
		rare := a.rareEvent(totals[k])
		c := &candidate{
			s: Suspect{Kind: SuspectEvent, Title: e.Title, Source: e.Source, Start: e.T, End: e.End,
				Evidence: []Evidence{{Text: eventText(e), Ref: e.Ref}}},
			total:    totals[k],
			strength: eventPrior[e.Kind],
		}
		if c.strength == 0 {
			c.strength = 0.3
		}
		c.kind = e.Kind
		c.component = componentOfEvent(e)
		c.host = eventHost(e)
		if e.Kind == sources.KindRestart {
			c.scheduled = a.scheduledUnit(times[k]) || oneshot[hostUnit(e)]
			if crashWords.MatchString(e.Title) || exitFailure.MatchString(e.Title) {
				// A process that died of a fault: as strong as an OOM kill.
				c.strength = eventPrior[sources.KindOOM]
			}
		}
		ts := times[k]
		c.present = func(f, t time.Time) bool {
			i, _ := slices.BinarySearchFunc(ts, f, func(x, t time.Time) int { return x.Compare(t) })
			return i < len(ts) && ts[i].Before(t)
		}
		// Corroboration: a saturation or traffic anomaly that starts with
		// or just after the event.
		var moved []string
		for _, sg := range a.signals {
			if sg.probe != nil || (sg.role != sources.Saturation && sg.role != sources.Traffic) {
				continue
			}
			for _, iv := range sg.ivs {
				st := sg.g.time(iv.a)
				if st.Before(e.T.Add(-a.tolerance())) || st.After(e.T.Add(15*time.Minute)) {
					continue
				}
				peak := sg.g.at(iv.peak)
				txt := fmt.Sprintf("%s rose to %s at %s (usual %s)", sg.subject, fmtVal(peak, sg.unit),
					a.local(sg.g.time(iv.peak)), fmtVal(sg.baseOf(iv), sg.unit))
				moved = append(moved, txt)
				// The likeliest driver: the higher prior, then the rarer
				// event (a job every ten minutes explains nothing).
				if prev, ok := explains[sg.subject]; rare && (!ok || eventPrior[prev.kind] < eventPrior[e.Kind] ||
					eventPrior[prev.kind] == eventPrior[e.Kind] && totals[k] < prev.total) {
					explains[sg.subject] = explainer{e.Kind, e.Title, totals[k]}
				}
				c.s.Evidence = append(c.s.Evidence, Evidence{Text: txt, Query: sg.query})
				break
			}
		}
		if len(moved) > 0 {
			c.strength += 0.1
			c.why = strings.Join(moved[:min(2, len(moved))], ", ")
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(x, y *candidate) int {
		return cmp.Or(x.s.Start.Compare(y.s.Start), cmp.Compare(x.s.Title, y.s.Title))
	})
	return out, explains
}

// oneshotUnits are the units (per host) that systemd starts and never
// reports as Started or Stopping: systemd says "Finished" instead of
// "Started" for a Type=oneshot unit, a job that runs and exits (the
// timers' apt-daily, man-db, logrotate, certbot; a backup script). Such a
// unit starting is a job running, not a service restarted by a person,
// whatever its time of day: Debian's timers start at randomised times
// (RandomizedDelaySec), so the time of day alone does not show it.
func oneshotUnits(evs []sources.Event) map[string]bool {
	type seen struct{ starting, started bool }
	units := map[string]*seen{}
	for i := range evs {
		e := &evs[i]
		if e.Kind != sources.KindRestart {
			continue
		}
		k := hostUnit(e)
		if k == "" {
			continue
		}
		u := units[k]
		if u == nil {
			u = &seen{}
			units[k] = u
		}
		t := strings.TrimPrefix(e.Title, "restart: ")
		switch {
		case strings.HasPrefix(t, "Starting "):
			u.starting = true
		case strings.HasPrefix(t, "Started "), strings.HasPrefix(t, "Stopping "), strings.HasPrefix(t, "Stopped "),
			strings.HasPrefix(t, "Restarting "):
			u.started = true
		}
	}
	out := map[string]bool{}
	for k, u := range units {
		if u.starting && !u.started {
			out[k] = true
		}
	}
	return out
}

// hostUnit is "host unit" for an event naming a systemd unit, else "".
func hostUnit(e *sources.Event) string {
	u := unitName.FindStringSubmatch(e.Title)
	if u == nil {
		return ""
	}
	return eventHost(e) + " " + u[1]
}

// closer reports whether t is a better representative than cur for a
// symptom starting at s: the latest start not after s (within tol), else
// the earliest after.
func closer(t, cur, s time.Time, tol time.Duration) bool {
	lim := s.Add(tol)
	tIn, cIn := !t.After(lim), !cur.After(lim)
	switch {
	case tIn && cIn:
		return t.After(cur)
	case tIn != cIn:
		return tIn
	}
	return t.Before(cur)
}

func eventText(e *sources.Event) string {
	t := fmt.Sprintf("%s %s: %s", e.Source, e.Kind, strings.TrimPrefix(e.Title, string(e.Kind)+": "))
	if e.Detail != "" {
		t += " — " + e.Detail
	}
	return t
}

// anomalyCandidates: abnormal intervals of other series that overlap the
// symptom or start within Lag before it. Other probes' latency is left
// out: a second probe slowing down is a second symptom, not a cause.
func (a *analysis) anomalyCandidates(s *Symptom, from, to time.Time) []*candidate {
	var out []*candidate
	for _, sg := range a.signals {
		// A change's own series is a candidate: the change is what moved,
		// its cause what the ranking weighs (its own service among them).
		own := sg.source == s.Source && sg.subject == s.Subject && s.Kind != Change
		if sg.probe != nil || own || a.coSymptom[sg.source+"\x00"+sg.subject] {
			continue
		}
		i, j := sg.g.clampRange(from, to)
		// The first interval that has not ended before the symptom
		// began stands for the series (the first in the range if all
		// have). An interval over before the symptom (a crawler's visit
		// twenty minutes earlier) is not what came with it, and taking it
		// hid the surge that did; an earlier interval still going on, or
		// the first of several pieces of one episode, keeps its start.
		var ivs []interval
		cut := s.Start.Add(-a.tolerance())
		for _, iv := range sg.ivs {
			if iv.b <= i || iv.a >= j {
				continue
			}
			if len(ivs) > 0 && sg.g.time(ivs[len(ivs)-1].b).Before(cut) {
				ivs = ivs[:0] // the one before ended before the symptom
			}
			ivs = append(ivs, iv)
		}
		for _, iv := range ivs {
			peak := sg.g.at(iv.peak)
			z := sg.zOf(iv)
			// In a system of services, how often it happens counts
			// episodes of a comparable size (half this one's robust z or
			// more): a service's usual small bumps (a periodic job, a
			// pause) do not make a change twenty times their size common.
			total := len(sg.ivs)
			if a.servicesShape() {
				total = 0
				for _, o := range sg.ivs {
					if math.Abs(sg.zOf(o)) >= 0.5*math.Abs(z) {
						total++
					}
				}
			}
			c := &candidate{
				s: Suspect{Kind: SuspectAnomaly, Title: sg.subject + " " + moved(peak, sg.baseOf(iv)), Source: sg.source,
					Start: sg.g.time(iv.a), End: sg.g.time(iv.b)},
				subject:   sg.subject,
				total:     max(1, total),
				role:      sg.role,
				sig:       sg,
				component: componentOfSeries(sg),
				corr:      -1,
				z:         math.Abs(z),
				strength:  math.Min(1, math.Abs(z)/(2*a.o.Threshold)) * rolePrior[sg.role],
			}
			c.why = fmt.Sprintf("peak %s at %s, %s", fmtVal(peak, sg.unit),
				a.local(sg.g.time(iv.peak)), a.versus(sg, iv, sg.unit))
			if sym := a.symptomSignal(s); sym != nil {
				r, lead := a.leadCorrelation(sym, sg, s)
				c.corr = r
				c.strength *= 0.6 + 0.4*math.Max(0, r)
				if r >= 0.5 {
					c.why += fmt.Sprintf("; it moves with the %s (correlation %.2f %s)", symptomWord(s), r, leadWords(lead))
				} else {
					c.why += fmt.Sprintf("; its shape does not follow the %s (best correlation %.2f)", symptomWord(s), r)
				}
			}
			c.s.Evidence = []Evidence{{Text: sg.subject + ": " + c.why, Query: sg.query}}
			c.s.Evidence = append(c.s.Evidence, a.trafficBreakdown(sg, c.s.Start, c.s.End)...)
			sig := sg
			c.present = func(f, t time.Time) bool { return sig.abnormalIn(f, t) }
			out = append(out, c)
			break // the first overlapping interval stands for the series
		}
	}
	return out
}

func moved(peak, median float64) string {
	if peak < median {
		return "dropped"
	}
	return "rose"
}

// logCandidates: bursts and new patterns around the symptom. A pattern
// whose lines are already events (a deploy line, a cron line) is left
// out: the event stands for it.
func (a *analysis) logCandidates(s *Symptom, from, to time.Time) []*candidate {
	refs := a.eventRefs()
	g := &grid{t0: a.t0, step: a.o.Step}
	i, j := a.cells(from, to)
	var out []*candidate
	groups := map[string][]burstMember{} // bursts by the value behind them
	for _, ls := range a.logSignals() {
		p := ls.p
		if explained(p, refs) {
			continue
		}
		lsig := ls
		present := func(f, t time.Time) bool {
			fi, ti := a.cells(f, t)
			for _, iv := range lsig.bursts {
				if iv.a < ti && fi < iv.b {
					return true
				}
			}
			return false
		}
		level := 0.7
		if p.Level == "error" || p.Level == "fatal" || p.Level == "critical" {
			level = 1
		}
		if ls.isNew && !p.FirstSeen.Before(from) && p.FirstSeen.Before(to) {
			c := &candidate{
				s: Suspect{Kind: SuspectNewPattern, Title: fmt.Sprintf("new log pattern %q", p.Template), Source: p.Source,
					Start: p.FirstSeen, Evidence: []Evidence{{Text: "first seen " + a.cal.Local(p.FirstSeen).Format("15:04:05"),
						Query: p.File, Lines: examples(p, p.FirstSeen, to)}}},
				total:     1,
				strength:  0.6 * level,
				why:       "never seen in the earlier logs",
				present:   func(time.Time, time.Time) bool { return false },
				template:  p.Template,
				component: a.componentOfPattern(p),
				pattern:   p,
				z:         10,
			}
			out = append(out, c)
			continue
		}
		for _, iv := range ls.bursts {
			if iv.b <= i || iv.a >= j {
				continue
			}
			obs := ls.lines(iv)
			exp := ls.expectedIn(iv)
			ratio := obs / math.Max(exp, 0.5)
			c := &candidate{
				s: Suspect{Kind: SuspectLogBurst, Title: fmt.Sprintf("burst of %q", p.Template), Source: p.Source,
					Start: g.time(iv.a), End: g.time(iv.b),
					Evidence: []Evidence{{Text: fmt.Sprintf("%.0f lines where %s expected", obs, expectedCount(exp)),
						Query: p.File, Lines: examples(p, g.time(iv.a), g.time(iv.b))}}},
				total:     len(ls.bursts),
				template:  p.Template,
				component: a.componentOfPattern(p),
				pattern:   p,
				z:         ratio,
				strength:  math.Min(1, math.Log2(math.Max(ratio, 1))/5) * level,
				why:       fmt.Sprintf("%.0f lines in %s–%s where %s expected", obs, a.local(g.time(iv.a)), a.local(g.time(iv.b)), expectedCount(exp)),
				present:   present,
			}
			if vs := burstValues(p, g.time(iv.a), g.time(iv.b)); len(vs) > 0 {
				c.s.Evidence = append(c.s.Evidence, valueEvidence(a, vs, p.File))
				c.why += fmt.Sprintf(", %.0f%% of them from %s", 100*float64(vs[0].Lines)/float64(vs[0].of), vs[0].Value)
				groups[valueKey(vs)] = append(groups[valueKey(vs)], burstMember{c, vs[0].Value, obs})
			}
			out = append(out, c)
			break
		}
	}
	return groupByValue(out, groups)
}

// burstMember is a log burst candidate and the value behind its burst.
type burstMember struct {
	c     *candidate
	value string
	lines float64
}

// groupByValue makes one candidate of the bursts around a symptom that
// share the value behind them: the templates of one brute force (failed
// password, invalid user, disconnect) are one thing happening, named by
// its address, not five rival suspects. The strongest burst leads; the
// group's evidence is the value, then each pattern's burst.
func groupByValue(out []*candidate, groups map[string][]burstMember) []*candidate {
	drop := map[*candidate]bool{}
	for _, ms := range groups {
		if len(ms) < 2 {
			continue
		}
		slices.SortStableFunc(ms, func(x, y burstMember) int { return cmp.Compare(y.c.strength, x.c.strength) })
		lead := ms[0].c
		lines := 0.0
		ev := []Evidence{lead.s.Evidence[len(lead.s.Evidence)-1]}
		presents := []func(time.Time, time.Time) bool{}
		for _, m := range ms {
			lines += m.lines
			first := m.c.s.Evidence[0]
			first.Text = fmt.Sprintf("%s: %s", m.c.template, first.Text)
			ev = append(ev, first)
			presents = append(presents, m.c.present)
			if m.c != lead {
				drop[m.c] = true
				lead.s.Start, lead.s.End = earlier(lead.s.Start, m.c.s.Start), later(lead.s.End, m.c.s.End)
			}
		}
		lead.s.Title = groupTitle(ms[0].value, len(ms), lines)
		lead.s.Evidence = ev
		lead.why = fmt.Sprintf("%s lines of %d patterns, %s", thousands(int(lines)), len(ms), lead.why)
		lead.present = func(f, t time.Time) bool {
			return slices.ContainsFunc(presents, func(p func(time.Time, time.Time) bool) bool { return p(f, t) })
		}
	}
	return slices.DeleteFunc(out, func(c *candidate) bool { return drop[c] })
}

// valueEvidence is the evidence of the values behind a burst.
func valueEvidence(a *analysis, vs []burstValue, file string) Evidence {
	texts := make([]string, len(vs))
	for i, v := range vs {
		texts[i] = v.text(a)
	}
	return Evidence{Text: strings.Join(texts, "; "), Query: file}
}

// cells is the range [i, j) of grid cells of the analysis that overlap
// [from, to). Log signals keep counts, not a grid of values, so their
// ranges are clamped to the analysis's length: a grid without values
// would clamp every range to empty (bug 7 of issue 13: no log burst could
// ever be a suspect).
func (a *analysis) cells(from, to time.Time) (int, int) {
	i, j := 0, 0
	if from.After(a.t0) {
		i = int(from.Sub(a.t0) / a.o.Step)
	}
	if to.After(a.t0) {
		j = int((to.Sub(a.t0) + a.o.Step - 1) / a.o.Step)
	}
	return min(i, a.n), min(j, a.n)
}

// eventRefs is the set of file:line references of all events.
func (a *analysis) eventRefs() map[string]bool {
	if a.refs == nil {
		a.refs = map[string]bool{}
		for _, e := range a.ds.Events {
			if e.Ref != "" {
				a.refs[e.Ref] = true
			}
		}
	}
	return a.refs
}

// explained reports whether every example line of p is an event.
func explained(p *sources.LogPattern, refs map[string]bool) bool {
	if len(p.Examples) == 0 {
		return false
	}
	for _, l := range p.Examples {
		if !refs[l.Ref()] {
			return false
		}
	}
	return true
}

// explainer is the event that starts with a series anomaly.
type explainer struct {
	kind  sources.EventKind
	title string
	total int // how often the event happens in the data
}

// hostSig is an event's signature on one host: logrotate on web1 and
// logrotate on db1 are two jobs, each with its own history.
type hostSig struct {
	eventSig
	host string
}

// eventHost is the host a log event came from: the logs source writes
// "host program: message" in Detail for lines read from a file
// (Ref "path:line"); "" for other events.
func eventHost(e *sources.Event) string {
	if !strings.Contains(e.Ref, ":") && !strings.Contains(e.Ref, "@") {
		return ""
	}
	h, rest, ok := strings.Cut(e.Detail, " ")
	if !ok || !strings.Contains(rest, ":") {
		return ""
	}
	return h
}

// eventSig identifies repeats of one event: its kind and its title with
// numbers masked ("restart counter is at 3" repeats "... at 2").
type eventSig struct {
	kind  sources.EventKind
	title string
}

func sigOf(e *sources.Event) eventSig {
	b := []byte(e.Title)
	out := b[:0:0]
	for i := 0; i < len(b); i++ {
		if b[i] >= '0' && b[i] <= '9' {
			if len(out) == 0 || out[len(out)-1] != '#' {
				out = append(out, '#')
			}
			continue
		}
		out = append(out, b[i])
	}
	return eventSig{e.Kind, string(out)}
}

// foldConsequences folds what an event set off into that event, so that
// the mechanism becomes evidence instead of competing with its cause:
// service restarts and log patterns never seen before that follow a deploy
// until the symptom ends (a restart loop after a bad release), and
// restarts within a minute after a cron job or backup (logrotate reloading
// nginx).
func (a *analysis) foldConsequences(s *Symptom, cands []*candidate) []*candidate {
	var roots []*candidate
	for _, c := range cands {
		if c.s.Kind == SuspectEvent && !c.s.Start.After(s.Start.Add(a.tolerance())) &&
			(c.kind == sources.KindDeploy || c.kind == sources.KindCron || c.kind == sources.KindBackup ||
				c.kind == sources.KindRestart && c.s.Cause == CauseScheduled) {
			roots = append(roots, c)
		}
	}
	// linked: a restart belongs to a job or release only on the same
	// host (when both name one): a deploy on web1 does not restart db1's
	// database. A job must also be rare, at most twice a day on average:
	// a job every five minutes starts in the same minute as anything.
	linked := func(r, c *candidate) bool {
		if r.host != "" && c.host != "" && r.host != c.host {
			return false
		}
		return r.kind == sources.KindDeploy || a.rareEvent(r.total)
	}
	rootOf := func(c *candidate) *candidate {
		var best *candidate
		for _, r := range roots {
			if r == c || c.s.Start.Before(r.s.Start) {
				continue
			}
			after := c.s.Start.Sub(r.s.Start)
			ok := r.kind == sources.KindDeploy && c.s.Start.Before(s.End) ||
				r.kind != sources.KindDeploy && c.s.Kind == SuspectEvent && after <= time.Minute
			if !ok || c.s.Kind == SuspectEvent && !linked(r, c) {
				continue
			}
			// A deploy wins over a cron job; otherwise the latest root.
			if best == nil || r.kind == sources.KindDeploy && best.kind != sources.KindDeploy ||
				(r.kind == sources.KindDeploy) == (best.kind == sources.KindDeploy) && r.s.Start.After(best.s.Start) {
				best = r
			}
		}
		return best
	}
	type folded struct {
		restarts, patterns int
		// The mechanism's evidence: log lines never seen before first
		// (they say what went wrong), then the restarts.
		patternEv, restartEv []Evidence
	}
	counts := map[*candidate]*folded{}
	out := cands[:0]
	for _, c := range cands {
		isRestart := c.s.Kind == SuspectEvent && c.kind == sources.KindRestart
		isNew := c.s.Kind == SuspectNewPattern
		var r *candidate
		if isRestart || isNew {
			r = rootOf(c)
		}
		if r == nil || (isNew && r.kind != sources.KindDeploy) {
			out = append(out, c)
			continue
		}
		fc := counts[r]
		if fc == nil {
			fc = &folded{}
			counts[r] = fc
		}
		if isRestart {
			fc.restarts++
			fc.restartEv = append(fc.restartEv, c.s.Evidence...)
		} else {
			fc.patterns++
			fc.patternEv = append(fc.patternEv, Evidence{Text: c.s.Title + " after it",
				Query: c.s.Evidence[0].Query, Lines: c.s.Evidence[0].Lines})
		}
	}
	for r, fc := range counts {
		ev := append(r.s.Evidence[:1:1], fc.patternEv...)
		ev = append(ev, r.s.Evidence[1:]...)
		r.s.Evidence = dedupEvidence(append(ev, fc.restartEv...))
		var parts []string
		if fc.restarts > 0 {
			parts = append(parts, plural(fc.restarts, "service restart"))
		}
		if fc.patterns > 0 {
			parts = append(parts, plural(fc.patterns, "log pattern")+" never seen before")
		}
		why := "followed by " + strings.Join(parts, " and ")
		if r.why != "" {
			why += "; " + r.why
		}
		r.why = why
		r.strength = min(1, r.strength+0.1)
	}
	return out
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// probeErrors are the failure messages of probes that name a cause, not
// just the symptom. The patterns are Uptime Kuma's and blackbox_exporter's
// usual wording (Node's errno names, Go's net errors).
var probeErrors = []struct {
	what     string
	re       *regexp.Regexp
	strength float64
}{
	{"the TLS certificate expired or is not valid", regexp.MustCompile(`(?i)certificate (has )?expired|CERT_HAS_EXPIRED|x509: certificate|unable to verify the first certificate|self[- ]signed certificate`), 0.95},
	{"the name does not resolve (DNS)", regexp.MustCompile(`(?i)ENOTFOUND|EAI_AGAIN|getaddrinfo|no such host|NXDOMAIN|SERVFAIL|could not resolve|dns`), 0.9},
	{"the connection was refused (nothing listening)", regexp.MustCompile(`(?i)ECONNREFUSED|connection refused`), 0.6},
	{"the connection was reset", regexp.MustCompile(`(?i)ECONNRESET|socket hang up|connection reset`), 0.5},
	{"the check timed out", regexp.MustCompile(`(?i)timeout|timed out|ETIMEDOUT|ECONNABORTED`), 0.5},
}

// probeErrorCandidates: for an outage, what the probe said when it failed,
// when the message names a cause.
func (a *analysis) probeErrorCandidates(s *Symptom) []*candidate {
	if s.Kind != Outage {
		return nil
	}
	var p *sources.Probe
	for i := range a.ds.Probes {
		if a.ds.Probes[i].Name == s.Subject && a.ds.Probes[i].Source == s.Source {
			p = &a.ds.Probes[i]
		}
	}
	if p == nil {
		return nil
	}
	classOf := func(msg string) int {
		for i, pe := range probeErrors {
			if pe.re.MatchString(msg) {
				return i
			}
		}
		return -1
	}
	seen := map[int]*candidate{}
	var out []*candidate
	for _, b := range p.Beats {
		if b.T.Before(s.Start) || !b.T.Before(s.End) || !failing(b.Status) || b.Msg == "" {
			continue
		}
		k := classOf(b.Msg)
		if k < 0 {
			continue
		}
		if c := seen[k]; c != nil {
			continue
		}
		pe := probeErrors[k]
		c := &candidate{
			s: Suspect{Kind: SuspectProbeError, Title: pe.what, Source: p.Source, Start: b.T,
				Evidence: []Evidence{{Text: fmt.Sprintf("%s's check at %s failed with %q", p.Name,
					a.cal.Local(b.T).Format("15:04:05"), b.Msg), Query: p.Target}}},
			strength:  pe.strength,
			why:       fmt.Sprintf("the probe said %q", b.Msg),
			component: hostOf(p.Target),
		}
		class := k
		c.present = func(f, t time.Time) bool {
			for _, x := range p.Beats {
				if !x.T.Before(f) && x.T.Before(t) && failing(x.Status) && classOf(x.Msg) == class {
					return true
				}
			}
			return false
		}
		c.total = 1
		seen[k] = c
		out = append(out, c)
	}
	return out
}

// symptomSignal is the signal a latency spike was found in; nil for an
// outage (failed checks have no shape to correlate with).
func (a *analysis) symptomSignal(s *Symptom) *signal {
	if s.Kind != LatencySpike && s.Kind != ErrorSpike {
		return nil
	}
	return a.signal(s.Source, s.Subject)
}

// leadCorrelation is the best Pearson correlation between the candidate
// and the symptom's signal around the symptom, with the candidate shifted
// earlier by 0 up to Lag (a cause leads or moves with its effect), and
// the shift that gave it.
func (a *analysis) leadCorrelation(sym, cand *signal, s *Symptom) (float64, time.Duration) {
	pad := max(30*time.Minute, s.End.Sub(s.Start))
	i, j := sym.g.clampRange(s.Start.Add(-pad), s.End.Add(pad))
	best, bestK := -1.0, 0
	for k := 0; k <= int(a.o.Lag/a.o.Step); k++ {
		r := pearson(sym.g, cand.g, i, j, k)
		if r > best+1e-9 {
			best, bestK = r, k
		}
	}
	return round2(best), time.Duration(bestK) * a.o.Step
}

// pearson correlates x[t] with y[t-k] for t in [i, j), skipping NaNs; 0
// when fewer than 5 pairs or either side is constant.
func pearson(x, y *grid, i, j, k int) float64 {
	var n, sx, sy, sxx, syy, sxy float64
	for t := max(i, k); t < j; t++ {
		a, b := x.at(t), y.at(t-k)
		if math.IsNaN(a) || math.IsNaN(b) {
			continue
		}
		n++
		sx, sy = sx+a, sy+b
		sxx, syy, sxy = sxx+a*a, syy+b*b, sxy+a*b
	}
	if n < 5 {
		return 0
	}
	vx, vy := sxx-sx*sx/n, syy-sy*sy/n
	if vx <= 0 || vy <= 0 {
		return 0
	}
	return (sxy - sx*sy/n) / math.Sqrt(vx*vy)
}

func leadWords(d time.Duration) string {
	if d == 0 {
		return "at the same time"
	}
	return "leading it by " + fmtDur(d)
}

// dedupEvidence drops repeated pieces of evidence (the same anomaly
// corroborates a deploy and the restarts folded into it).
func dedupEvidence(ev []Evidence) []Evidence {
	seen := map[string]bool{}
	out := ev[:0]
	for _, e := range ev {
		k := e.Text + "\x00" + e.Ref + "\x00" + e.Query
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e)
	}
	return out
}

// remedy: a release rolled back or reverted once the symptom began is
// the response to it, not a cause.
var remedy = regexp.MustCompile(`(?i)roll(ing|ed)?[ -]?back|\brevert`)
