package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
)

// chartView is an analyze.Chart made ready to draw: values in a display
// unit, an axis top, local-time labels and the bucket of each mark. It
// scales and labels; every value comes from analyze.
type chartView struct {
	c      *analyze.Chart
	unit   string    // display unit: "ms", "s" or the chart's own
	scale  float64   // display value = value * scale
	top    float64   // y-axis maximum, in the display unit
	labels []string  // one per point, local time
	vals   []float64 // display values, 0 where NoData
	marks  []int     // bucket index of each mark (clamped to the window)
}

func (v *view) chartView(c *analyze.Chart) *chartView {
	cv := &chartView{c: c, unit: c.Unit, scale: 1}
	hi := math.Max(c.Baseline, c.Threshold)
	for _, p := range c.Points {
		hi = math.Max(hi, p.V)
	}
	if c.Unit == "s" {
		cv.unit, cv.scale = "s", 1
		if hi < 1 {
			cv.unit, cv.scale = "ms", 1000
		}
	}
	cv.top = niceCeil(hi * cv.scale * 1.1)
	multiDay := !v.oneDay()
	for _, p := range c.Points {
		l := v.local(p.T)
		switch {
		case c.Step >= 24*time.Hour:
			cv.labels = append(cv.labels, l.Format("Jan 2"))
		case multiDay:
			cv.labels = append(cv.labels, l.Format("Mon 15:04"))
		default:
			cv.labels = append(cv.labels, l.Format("15:04"))
		}
		cv.vals = append(cv.vals, p.V*cv.scale)
	}
	for _, m := range c.Marks {
		i := 0
		if len(c.Points) > 0 && c.Step > 0 {
			i = int(m.T.Sub(c.Points[0].T) / c.Step)
		}
		cv.marks = append(cv.marks, max(0, min(i, len(c.Points)-1)))
	}
	return cv
}

// mermaidMaxPoints keeps a Mermaid x-axis legible: Mermaid draws every
// category label, and at the chart's width five-character labels ("03:10")
// touch at 24 and stand apart at 19 (seen in headless Chromium with
// mermaid 11, report/browser_test.go's screenshots).
const mermaidMaxPoints = 20

// roundSteps are the bucket lengths coarsen merges to, round so that the
// axis labels are.
var roundSteps = []time.Duration{
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// coarsen merges c's buckets into the shortest round multiple of its step
// that leaves at most n: a bucket's value is the largest of those merged
// (so a one-minute spike survives), failed checks are added up (a chart of
// failed checks counts them per bucket), and a bucket has no data only
// when none of those merged had any. c is returned as it is when it
// already fits; it is never modified.
//
// Buckets start at round times of loc's clock ("00:00", "02:00" in KST),
// not of UTC's: an odd offset would otherwise label a day's buckets 23:00,
// 01:00, ... 23:00, twice the same label.
func coarsen(c *analyze.Chart, n int, loc *time.Location) *analyze.Chart {
	if len(c.Points) <= n || c.Step <= 0 {
		return c
	}
	span := c.Points[len(c.Points)-1].T.Add(c.Step).Sub(c.Points[0].T)
	step := time.Duration(0)
	for _, s := range roundSteps {
		if s > c.Step && s%c.Step == 0 && int(span/s)+1 <= n {
			step = s
			break
		}
	}
	if step == 0 { // past the list: whole days, as many as it takes
		const day = 24 * time.Hour
		step = (span/time.Duration(n-1) + day - 1) / day * day
	}
	out := *c
	out.Step = step
	out.Points = nil
	for _, p := range c.Points {
		_, off := p.T.In(loc).Zone()
		shift := time.Duration(off) * time.Second
		t := p.T.Add(shift).Truncate(step).Add(-shift)
		if k := len(out.Points); k == 0 || !out.Points[k-1].T.Equal(t) {
			out.Points = append(out.Points, analyze.ChartPoint{T: t, NoData: true})
		}
		q := &out.Points[len(out.Points)-1]
		q.Failed += p.Failed
		switch {
		case p.NoData:
		case c.Unit == "checks":
			q.V += p.V
			q.NoData = false
		case q.NoData || p.V > q.V:
			q.V, q.NoData = p.V, false
		}
	}
	return &out
}

// niceCeil rounds x up to 1, 2, 2.5 or 5 times a power of ten, so that an
// axis ends on a round number.
func niceCeil(x float64) float64 {
	if x <= 0 || math.IsNaN(x) || math.IsInf(x, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*p >= x*(1-1e-9) {
			return m * p
		}
	}
	return 10 * p
}

// axisNum formats a display value for an axis or a data list: at most
// three significant digits, no exponent.
func axisNum(x float64) string { return num(x) }

// chartCaption says in words what the chart draws, for readers of the raw
// Markdown and of a printout.
// marks names how the suspects are drawn: "bars" in Mermaid, "numbered
// markers" in the HTML report.
//
// With colours (the Mermaid chart, which draws no legend of its own) it
// is the legend: it names the colour of each line.
func (v *view) chartCaption(s analyze.Symptom, cv *chartView, marks string, colours bool) string {
	c := cv.c
	var b strings.Builder
	line, flat := "Line", "flat line"
	if colours {
		line, flat = "Legend: blue bars", "green line"
	}
	if c.Unit == "checks" {
		fmt.Fprintf(&b, "%s: %s in each %s", line, text(c.Title), human(c.Step))
	} else {
		fmt.Fprintf(&b, "%s: %s, the largest value in each %s", line, text(c.Title), human(c.Step))
	}
	if hasNoData(c) {
		b.WriteString(" (0 where there was no data)")
	}
	fmt.Fprintf(&b, "; %s: the baseline median, %s", flat, value(c.Baseline, c.Unit))
	if c.Threshold > 0 {
		fmt.Fprintf(&b, " (abnormal above %s)", value(c.Threshold, c.Unit))
	}
	if len(c.Marks) > 0 {
		var ms []string
		for _, m := range c.Marks {
			ms = append(ms, fmt.Sprintf("%d at %s", m.Rank, v.clock(m.T)))
		}
		fmt.Fprintf(&b, "; %s: where suspects %s began", marks, strings.Join(ms, ", "))
	}
	b.WriteString(".")
	return b.String()
}

func hasNoData(c *analyze.Chart) bool {
	for _, p := range c.Points {
		if p.NoData {
			return true
		}
	}
	return false
}

// mermaid is the chart as a Mermaid xychart-beta block, which GitHub and
// GitLab render in Markdown. The data are bars, one a bucket: a bar is the
// bucket's value over its whole span, so nothing rises before it happened
// (a line would join bucket values across the gap, and Mermaid merges
// categories that differ only by white space, so a line cannot step). The
// baseline is a line. xychart has no annotations and no legend: a
// suspect's bucket is labelled "▲N" ("▲1,2" for two) instead of its time (a bar or a line
// would read as data; the time beside a marker made the label overlap its
// neighbours, seen in headless Chromium), the colours are fixed in the
// config and the legend line under the chart names them and the markers'
// times.
func (v *view) mermaid(s analyze.Symptom, cv *chartView) string {
	var b strings.Builder
	// Mermaid renders a title as HTML: < and > become the look-alike
	// angle quotes, so that a monitor's name cannot open a tag.
	q := func(s string) string {
		return `"` + strings.NewReplacer(`"`, "'", "\n", " ", "`", "'", "<", "‹", ">", "›").Replace(s) + `"`
	}
	// Wider than Mermaid's default 700 px, so that the time labels do not
	// touch; the frontmatter config is Mermaid's own (v10.5 and later).
	b.WriteString("```mermaid\n---\nconfig:\n  xyChart:\n    width: 900\n    height: 400\n  themeVariables:\n    xyChart:\n      plotColorPalette: \"" + mermaidSeries + ", " + mermaidBaseline + "\"\n---\nxychart-beta\n")
	fmt.Fprintf(&b, "    title %s\n", q(fmt.Sprintf("%s %s (%s)", s.ID, cv.c.Title, v.zoneLabel())))
	marks := map[int][]string{}
	for k, i := range cv.marks {
		marks[i] = append(marks[i], strconv.Itoa(cv.c.Marks[k].Rank))
	}
	var labels []string
	seen := map[string]bool{}
	for i, l := range cv.labels {
		if m := marks[i]; len(m) > 0 {
			l = "▲" + strings.Join(m, ",") // "▲1,2,4": narrow as a time
		}
		if seen[l] && i < len(cv.c.Points) {
			// Mermaid draws equal categories at one place: a time seen
			// on an earlier day gets its date.
			l = v.local(cv.c.Points[i].T).Format("Jan 2 15:04")
		}
		seen[l] = true
		labels = append(labels, q(l))
	}
	fmt.Fprintf(&b, "    x-axis [%s]\n", strings.Join(labels, ", "))
	yTitle := cv.unit
	if yTitle == "" {
		yTitle = "value"
	}
	fmt.Fprintf(&b, "    y-axis %s 0 --> %s\n", q(yTitle), axisNum(cv.top))
	var vals, base []string
	for _, x := range cv.vals {
		vals = append(vals, axisNum(x))
		base = append(base, axisNum(cv.c.Baseline*cv.scale))
	}
	fmt.Fprintf(&b, "    bar [%s]\n", strings.Join(vals, ", "))
	fmt.Fprintf(&b, "    line [%s]\n", strings.Join(base, ", "))
	b.WriteString("```\n")
	return b.String()
}

// The Mermaid chart's colours, named in its legend line.
const (
	mermaidSeries   = "#1f5fbf" // blue
	mermaidBaseline = "#2e7d32" // green
)
