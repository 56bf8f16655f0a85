package analyze

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Options are the knobs of one analysis.
type Options struct {
	// Window is the incident window. The Dataset should cover Baseline
	// before it too.
	Window   sources.Window
	Baseline time.Duration // default 7 days
	Step     time.Duration // grid step; default 1 minute
	// Lag is how long before a symptom a cause may start; default 30m.
	Lag time.Duration
	// Threshold is the robust z-score above which a value is abnormal;
	// default 6 (six scaled MADs: for normal data about one sample in
	// 500 million).
	Threshold float64
	Calendar  Calendar
	Profile   string
	Command   string
	// Known are the team's known events (known-events.yaml): suspects and
	// timeline entries that match one are labelled with it.
	Known []KnownEvent
}

func (o *Options) defaults() {
	if o.Baseline <= 0 {
		o.Baseline = 7 * 24 * time.Hour
	}
	if o.Step <= 0 {
		o.Step = time.Minute
	}
	if o.Lag <= 0 {
		o.Lag = 30 * time.Minute
	}
	if o.Threshold <= 0 {
		o.Threshold = 6
	}
}

const (
	// minLatencyRatio: a latency spike must also be 1.5 times the usual
	// value, so that a very steady series does not report 10 ms wobbles.
	minLatencyRatio = 1.5
	// recurrenceSlack widens the symptom's time of day when looking for it
	// on previous days: jobs drift by minutes.
	recurrenceSlack = 30 * time.Minute
	maxSuspects     = 5
	maxAnomalies    = 20
)

// Run analyses ds for the incident window in o.
func Run(ds *sources.Dataset, o Options) *Findings {
	o.defaults()
	a := newAnalysis(ds, o)
	return a.run()
}

type analysis struct {
	ds   *sources.Dataset
	o    Options
	cal  Calendar
	t0   time.Time // grid origin: start of the baseline
	n    int       // grid length
	win  [2]int    // incident window as grid indexes
	base [2]int    // baseline as grid indexes
	f    *Findings

	signals []*signal       // every series and probe latency, on the grid
	logs    []*logSignal    // every log pattern, on the grid; built lazily
	refs    map[string]bool // file:line of every event; built lazily
	// coSymptom marks latency series ("source\x00subject") that moved
	// with a probe's symptom: the same symptom, not a cause.
	coSymptom map[string]bool
	// wl and wlRe are the workloads the series name and a pattern that
	// finds them in log lines (analyze/services.go); built lazily.
	wl       map[string]bool
	wlRe     *regexp.Regexp
	svcShape int    // 1 a system of services, -1 not, 0 not known yet
	symComp  string // the component of the symptom being explained
}

// signal is one series (or a probe's latency) on the common grid, with
// its baseline statistics.
type signal struct {
	subject, source, unit, query string
	role                         sources.Role
	probe                        *sources.Probe  // set for probe latency
	series                       *sources.Series // set for a series
	g                            *grid
	st                           robust
	// abnormal intervals over the whole grid, computed once
	ivs []interval
}

func newAnalysis(ds *sources.Dataset, o Options) *analysis {
	if merged := mergePredicted(ds.Events); len(merged) != len(ds.Events) {
		cp := *ds
		cp.Events = merged
		ds = &cp
	}
	a := &analysis{ds: ds, o: o, cal: o.Calendar, coSymptom: map[string]bool{}}
	from := o.Window.From.Add(-o.Baseline).Truncate(o.Step)
	a.t0 = from
	a.n = int((o.Window.To.Sub(from) + o.Step - 1) / o.Step)
	g := newGrid(a.t0, o.Step, a.n)
	a.win[0], a.win[1] = g.clampRange(o.Window.From, o.Window.To)
	a.base[0], a.base[1] = 0, a.win[0]
	zone := "UTC"
	if o.Calendar.Location != nil {
		zone = o.Calendar.Location.String()
	}
	a.f = &Findings{
		Window:   o.Window,
		Baseline: sources.Window{From: from, To: o.Window.From},
		Zone:     zone,
		Profile:  o.Profile,
		Command:  o.Command,
		Gaps:     slices.Clone(ds.Gaps),
		Notes:    slices.Clone(ds.Notes),
	}
	return a
}

func (a *analysis) run() *Findings {
	a.count()
	a.buildSignals()
	a.f.Impact = a.impact()
	a.f.Symptoms = a.symptoms()
	a.f.Anomalies = a.anomalies()
	for i := range a.f.Symptoms {
		s := &a.f.Symptoms[i]
		s.ID = fmt.Sprintf("S%d", i+1)
		s.Recurrence = a.recurrence(s)
		s.Suspects = a.suspects(s)
	}
	a.charts() // analyze/chart.go: needs the suspects
	a.f.Episodes = a.episodes()
	a.f.Patterns = a.patternCounts()
	a.f.Timeline = a.timeline()
	LabelKnown(a.f, a.o.Known)
	a.normalize()
	return a.f
}

// count counts the inputs; beats and points are counted by buildSignals,
// which goes over them anyway.
func (a *analysis) count() {
	in := &a.f.Inputs
	in.Sources = readSources(a.ds)
	in.Zones = maps.Clone(a.ds.Zones)
	in.ZoneLines = maps.Clone(a.ds.ZoneLines)
	w := sources.Window{From: a.t0, To: a.o.Window.To}
	in.Probes = len(a.ds.Probes)
	in.Series = len(a.ds.Series)
	for _, e := range a.ds.Events {
		if w.Contains(e.T) {
			in.Events++
		}
	}
	in.Patterns = len(a.ds.Patterns)
	in.MetricsQueried, in.APIRequests = a.ds.Cost.Metrics, a.ds.Cost.Requests
}

// buildSignals puts every probe's latency and every series on the grid
// and finds their abnormal intervals. Signals are independent, so they
// are built on all cores (BenchmarkRun: 2,000 series of a week); the
// result is in input order whatever the scheduling.
func (a *analysis) buildSignals() {
	var sigs []*signal
	for i := range a.ds.Probes {
		p := &a.ds.Probes[i]
		sigs = append(sigs, &signal{subject: p.Name, source: p.Source, unit: "s", role: sources.Latency,
			probe: p, query: p.Target})
	}
	for i := range a.ds.Series {
		s := &a.ds.Series[i]
		sigs = append(sigs, &signal{subject: seriesSubject(s), source: s.Source, unit: s.Unit, role: s.Role,
			query: s.Query, series: s})
	}
	gaps := make([]*sources.Gap, len(sigs))
	inWindow := make([]int, len(sigs)) // beats or points in [t0, To)
	workers := min(runtime.GOMAXPROCS(0), max(1, len(sigs)/8))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var sc scratch
			for i := range next {
				gaps[i], inWindow[i] = a.buildSignal(sigs[i], &sc)
			}
		}()
	}
	for i := range sigs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, s := range sigs {
		if s.probe != nil {
			a.f.Inputs.Beats += inWindow[i]
		} else {
			a.f.Inputs.Points += inWindow[i]
		}
		if gaps[i] != nil {
			a.f.Gaps = append(a.f.Gaps, *gaps[i])
		}
		if s.st.n > 0 {
			a.signals = append(a.signals, s)
		}
	}
}

// buildSignal fills s's grid, statistics and intervals. It touches only
// s and sc, so signals can be built concurrently; it returns a gap to
// report and how many beats or points fall in [t0, Window.To).
func (a *analysis) buildSignal(s *signal, sc *scratch) (*sources.Gap, int) {
	s.g = newGrid(a.t0, a.o.Step, a.n)
	c := newClock(a.t0, a.o.Window.To.Sub(a.t0))
	end := c.since(a.o.Window.To)
	in := 0
	if p := s.probe; p != nil {
		pts := make([]sources.Point, 0, len(p.Beats))
		for _, b := range p.Beats {
			if d := c.since(b.T); d >= 0 && d < end {
				in++
			}
			if b.Status == sources.Up && b.Latency > 0 {
				pts = append(pts, sources.Point{T: b.T, V: b.Latency.Seconds()})
			}
		}
		fillMean(s.g, pts, sc)
	} else {
		for _, p := range s.series.Points {
			if d := c.since(p.T); d >= 0 && d < end {
				in++
			}
		}
		fillMean(s.g, s.series.Points, sc)
	}
	var gap *sources.Gap
	sc.vals = s.g.appendValid(sc.vals[:0], a.base[0], a.base[1])
	s.st = robustOf(sc.vals)
	if s.st.n < 10 {
		// Too little baseline: judge against the window itself, which
		// finds only what stands out within it.
		sc.vals = s.g.appendValid(sc.vals[:0], 0, a.n)
		s.st = robustOf(sc.vals)
		if s.st.n > 0 && a.base[1] > 0 {
			gap = &sources.Gap{Source: s.source, What: s.subject,
				Reason: "no baseline data before the window; compared with the window itself"}
		}
	}
	if s.st.n == 0 {
		return gap, in
	}
	ratio := 0.0
	if s.role == sources.Latency {
		ratio = minLatencyRatio
	}
	s.ivs = abnormal(s.g, s.st, 0, a.n, a.o.Threshold, ratio, s.role == sources.Traffic, 2, 2)
	if a.base[1] > 0 {
		lag := int(a.o.Lag / a.o.Step)
		a.windowIntervals(s, max(0, a.win[0]-lag), a.win[1])
		a.calibrate(s, max(0, a.win[0]-lag))
	}
	return gap, in
}

func seriesSubject(s *sources.Series) string {
	if len(s.Labels) == 0 {
		return s.Name
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		if k == "job" || k == "__name__" {
			continue
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+s.Labels[k])
	}
	if len(parts) == 0 {
		return s.Name
	}
	return s.Name + "{" + strings.Join(parts, ",") + "}"
}

// predictedSlack: a predicted run and a logged run of the same job within
// this of each other are one run (cron starts jobs within the minute).
const predictedSlack = 2 * time.Minute

// mergePredicted drops predicted events (from a crontab) that a seen
// event of the same kind and title (a CRON log line) confirms, so that one
// run is not counted twice. Events are sorted by time.
func mergePredicted(evs []sources.Event) []sources.Event {
	if !slices.ContainsFunc(evs, func(e sources.Event) bool { return e.Predicted }) {
		return evs
	}
	seen := map[eventSig][]time.Time{}
	for i := range evs {
		if !evs[i].Predicted {
			k := sigOf(&evs[i])
			seen[k] = append(seen[k], evs[i].T)
		}
	}
	out := make([]sources.Event, 0, len(evs))
	for i := range evs {
		e := &evs[i]
		if e.Predicted {
			ts := seen[sigOf(e)]
			j, _ := slices.BinarySearchFunc(ts, e.T.Add(-predictedSlack), func(x, t time.Time) int { return x.Compare(t) })
			if j < len(ts) && !ts[j].After(e.T.Add(predictedSlack)) {
				continue
			}
		}
		out = append(out, *e)
	}
	return out
}

// normalize gives empty slices instead of nil, so JSON shows [] not null,
// and sorts gaps for a stable output.
func (a *analysis) normalize() {
	f := a.f
	if f.Symptoms == nil {
		f.Symptoms = []Symptom{}
	}
	for i := range f.Symptoms {
		if f.Symptoms[i].Suspects == nil {
			f.Symptoms[i].Suspects = []Suspect{}
		}
		if f.Symptoms[i].Recurrence.Dates == nil {
			f.Symptoms[i].Recurrence.Dates = []string{}
		}
	}
	if f.Impact == nil {
		f.Impact = []Impact{}
	}
	if f.Anomalies == nil {
		f.Anomalies = []Anomaly{}
	}
	if f.Timeline == nil {
		f.Timeline = []TimelineEntry{}
	}
	if f.Gaps == nil {
		f.Gaps = []sources.Gap{}
	}
	if f.Notes == nil {
		f.Notes = []string{}
	}
	if f.Episodes == nil {
		f.Episodes = []Episode{}
	}
	if f.Patterns == nil {
		f.Patterns = []PatternCount{}
	}
	slices.SortStableFunc(f.Gaps, func(x, y sources.Gap) int {
		return cmp.Or(cmp.Compare(x.Source, y.Source), cmp.Compare(x.What, y.What), cmp.Compare(x.Reason, y.Reason))
	})
	f.Gaps = slices.Compact(f.Gaps)
}

// local formats t as a short local time for sentences.
func (a *analysis) local(t time.Time) string {
	return a.cal.Local(t).Format("15:04")
}

func fmtVal(v float64, unit string) string {
	switch unit {
	// Latencies as the report writes them ("139ms", "2.86s"), so that
	// one sentence does not say "2.86 s" beside a table's "2.86s".
	case "s":
		if math.Abs(v) < 1 {
			return fmt.Sprintf("%.0fms", v*1000)
		}
		return fmt.Sprintf("%.2fs", v)
	case "ms":
		return fmt.Sprintf("%.0fms", v)
	case "":
		return trimFloat(v)
	case "B", "B/s":
		return bytesText(v) + strings.TrimPrefix(unit, "B")
	}
	// A count per second is written "0.2/s": "0.2 1/s" reads as two numbers.
	if per, ok := strings.CutPrefix(unit, "1/"); ok {
		return trimFloat(v) + "/" + per
	}
	return trimFloat(v) + " " + unit
}

// bytesText scales a byte count to kB, MB, GB (powers of 1000, as disk
// and network rates are usually given).
func bytesText(v float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	i := 0
	for math.Abs(v) >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	return trimFloat(v) + " " + units[i]
}

func trimFloat(v float64) string {
	switch av := math.Abs(v); {
	case av >= 100:
		return fmt.Sprintf("%.0f", v)
	case av >= 10:
		return fmt.Sprintf("%.1f", v)
	case av >= 0.01:
		return fmt.Sprintf("%.3g", v)
	case av == 0:
		return "0"
	}
	return fmt.Sprintf("%.2g", v)
}

func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour:
		h := d / time.Hour
		m := (d % time.Hour) / time.Minute
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh %dm", h, m)
	case d >= time.Minute:
		m := d / time.Minute
		s := (d % time.Minute) / time.Second
		if s == 0 {
			return fmt.Sprintf("%dm", m)
		}
		return fmt.Sprintf("%dm %ds", m, s)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// readSources names the sources of ds, sorted: those that answered and
// those whose data it holds.
func readSources(ds *sources.Dataset) []string {
	names := slices.Clone(ds.Read)
	for _, p := range ds.Probes {
		names = append(names, p.Source)
	}
	for _, s := range ds.Series {
		names = append(names, s.Source)
	}
	for _, e := range ds.Events {
		names = append(names, e.Source)
	}
	for _, p := range ds.Patterns {
		names = append(names, p.Source)
	}
	names = slices.DeleteFunc(names, func(n string) bool { return n == "" })
	slices.Sort(names)
	return slices.Compact(names)
}
