package analyze

import (
	"math"
	"slices"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Chart is one symptom's series across the incident window, bucketed for
// drawing: the Markdown's Mermaid chart and the HTML report's SVG read it
// and compute nothing but pixel positions.
type Chart struct {
	Title string `json:"title"` // "Shop response time"
	Unit  string `json:"unit"`  // of Points, Baseline and Threshold
	// Step is the bucket length; each point is the largest value in its
	// bucket, so that a one-minute spike survives bucketing.
	Step   time.Duration `json:"step_ns"`
	Points []ChartPoint  `json:"points"`
	// Baseline is the median of the baseline; Threshold the value above
	// which the series counted as abnormal (0 when not defined).
	Baseline  float64 `json:"baseline"`
	Threshold float64 `json:"threshold"`
	// Marks are the symptom's suspects, in rank order, at their start.
	Marks []ChartMark `json:"marks"`
	// Periods cover the window with its calendar classes, in time order,
	// so that a chart can shade what was outside business hours.
	Periods []ChartPeriod `json:"periods"`
}

// ChartPoint is one bucket, starting at T.
type ChartPoint struct {
	T      time.Time `json:"t"`
	V      float64   `json:"v"`                 // 0 when NoData
	NoData bool      `json:"no_data,omitempty"` // no sample (for a probe: no successful check)
	Failed int       `json:"failed,omitempty"`  // failed checks in the bucket (probes only)
}

// ChartMark is a suspect on a chart.
type ChartMark struct {
	Rank  int       `json:"rank"`
	T     time.Time `json:"t"`
	Title string    `json:"title"`
}

// ChartPeriod is a stretch of the window in one calendar class.
type ChartPeriod struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Class TimeClass `json:"class"`
}

// chartBuckets are the bucket lengths a chart may use, the shortest that
// keeps it at maxChartPoints or fewer; round numbers so axis labels are.
var chartBuckets = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// maxChartPoints is the most buckets a chart has: a chart steps at the
// data's own step when the window allows it, so that a 7-minute outage is
// seven one-minute steps and not a tenth of a 1-hour bucket; past about
// 300 steps an SVG chart some 900 px wide has fewer than three pixels a
// step and the line is unreadable. The Mermaid chart, which labels every
// bucket, merges them further (report.mermaidMaxPoints).
const maxChartPoints = 300

// maxChartMarks: the Markdown shows five suspects per symptom, so a chart
// marks no more.
const maxChartMarks = 5

// charts fills Symptom.Chart for every symptom whose series is known.
func (a *analysis) charts() {
	// Every chart spans the window, so every chart shades the same
	// off-hours and weekends: they are worked out once. Per chart, they
	// were most of the charts' time (a month of 300 monitors, one outage
	// each: 0.95 of 1.17 CPU-s, all on one core).
	var periods []ChartPeriod
	once := false
	windowPeriods := func() []ChartPeriod {
		if !once {
			periods, once = a.periods(a.o.Window), true
		}
		return slices.Clone(periods) // each chart its own, as before
	}
	for i := range a.f.Symptoms {
		a.f.Symptoms[i].Chart = a.chart(&a.f.Symptoms[i], windowPeriods)
	}
}

// chart draws s's signal over the window; periods gives the window's
// calendar periods.
func (a *analysis) chart(s *Symptom, periods func() []ChartPeriod) *Chart {
	// A probe's symptom is drawn from its latency, a series' from itself.
	wantProbe := s.Kind == Outage || s.Target != ""
	var sig *signal
	for _, g := range a.signals {
		if g.source == s.Source && g.subject == s.Subject && (sig == nil || (g.probe != nil) == wantProbe) {
			sig = g
		}
	}
	w := a.o.Window
	if sig == nil || !w.To.After(w.From) {
		return nil
	}
	// Past 300 days, whole days, as many as it takes.
	const day = 24 * time.Hour
	step := (w.To.Sub(w.From)/(maxChartPoints-1) + day - 1) / day * day
	for _, b := range chartBuckets {
		if b >= a.o.Step && int((w.To.Sub(w.From.Truncate(b))+b-1)/b) <= maxChartPoints {
			step = b
			break
		}
	}
	c := &Chart{Title: sig.subject, Unit: sig.unit, Step: step, Baseline: sig.st.median}
	if sig.probe != nil {
		c.Title += " response time"
	}
	// An outage is drawn as failed checks: a bucket's slowest successful
	// check says nothing about the minutes nothing succeeded. The usual
	// number of failed checks is taken as 0, and any is abnormal.
	outage := s.Kind == Outage && sig.probe != nil
	if outage {
		c.Title, c.Unit = sig.probe.Name+" failed checks", "checks"
	}
	if math.IsNaN(c.Baseline) || outage {
		c.Baseline = 0
	}
	if sig.st.n > 0 && !outage {
		c.Threshold = sig.st.median + a.o.Threshold*sig.st.scale
		if sig.role == sources.Latency {
			c.Threshold = math.Max(c.Threshold, sig.st.median*minLatencyRatio)
		}
		if sig.st.sparse {
			c.Threshold = math.Max(c.Threshold, sig.st.floor)
		}
	}
	t0 := w.From.Truncate(step)
	var nChecks, nFailed []int
	if sig.probe != nil {
		nChecks, nFailed = checksPerStep(sig.probe, t0, step, w)
	}
	for k, t := 0, t0; t.Before(w.To); k, t = k+1, t.Add(step) {
		from, to := chartMaxTime(t, w.From), chartMinTime(t.Add(step), w.To)
		p := ChartPoint{T: t, NoData: true}
		i0, i1 := sig.g.clampRange(from, to)
		for i := i0; i < i1; i++ {
			if v := sig.g.at(i); !math.IsNaN(v) && (p.NoData || v > p.V) {
				p.V, p.NoData = v, false
			}
		}
		if sig.probe != nil {
			p.Failed = nFailed[k]
			if outage {
				p.V, p.NoData = float64(p.Failed), nChecks[k] == 0
			}
		}
		c.Points = append(c.Points, p)
	}
	c.Marks = []ChartMark{}
	for _, sus := range s.Suspects {
		if len(c.Marks) == maxChartMarks {
			break
		}
		c.Marks = append(c.Marks, ChartMark{Rank: sus.Rank, T: sus.Start, Title: sus.Title})
	}
	c.Periods = []ChartPeriod{}
	if step <= maxPeriodStep {
		c.Periods = periods()
	}
	return c
}

// maxPeriodStep: a chart shades its off-hours and weekends only up to this
// step. The classes change about three times a day, so past it a night is
// a step or two wide and the shading is noise; and a 10-year window's
// chart listed 7,800 periods (5.7 MB of a 9.8 MB JSON report), found by
// going over every grid step of the window (issue 19: what a run keeps
// and does must follow the data, not the window's length). Up to it the
// window is at most maxChartPoints steps, so the work is bounded.
const maxPeriodStep = 3 * time.Hour

// checksPerStep is checks(p, from, to) for every chart step [t0+k*step,
// t0+(k+1)*step) clipped to w, in one pass over the beats: calling
// checks per step went over every beat (and worked out the summary spans
// again) for each of up to maxChartPoints steps, which grew with the
// probe's history times the window.
func checksPerStep(p *sources.Probe, t0 time.Time, step time.Duration, w sources.Window) (n, failed []int) {
	cells := int((w.To.Sub(t0) + step - 1) / step)
	n, failed = make([]int, cells), make([]int, cells)
	spans := summarySpans(p)
	for _, b := range p.Beats {
		if !w.Contains(b.T) {
			continue
		}
		k := int(b.T.Sub(t0) / step)
		if b.Span > 0 {
			n[k] += b.Checks
			failed[k] += b.Failed
			continue
		}
		if b.Status == sources.Maintenance || inSpans(spans, b.T) {
			continue
		}
		n[k]++
		if failing(b.Status) {
			failed[k]++
		}
	}
	return n, failed
}

// periods splits w into runs of one calendar class, at the grid's step.
func (a *analysis) periods(w sources.Window) []ChartPeriod {
	var out []ChartPeriod
	for t := w.From; t.Before(w.To); t = t.Add(a.o.Step) {
		cl := a.cal.Classify(t)
		if n := len(out); n > 0 && out[n-1].Class == cl {
			out[n-1].To = chartMinTime(t.Add(a.o.Step), w.To)
			continue
		}
		out = append(out, ChartPeriod{From: t, To: chartMinTime(t.Add(a.o.Step), w.To), Class: cl})
	}
	return out
}

func chartMinTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func chartMaxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
