package report

import (
	"fmt"
	"math"
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
func (v *view) chartCaption(s analyze.Symptom, cv *chartView, marks string) string {
	c := cv.c
	var b strings.Builder
	if c.Unit == "checks" {
		fmt.Fprintf(&b, "Line: %s in each %s", text(c.Title), human(c.Step))
	} else {
		fmt.Fprintf(&b, "Line: %s, the largest value in each %s", text(c.Title), human(c.Step))
	}
	if hasNoData(c) {
		b.WriteString(" (0 where there was no data)")
	}
	fmt.Fprintf(&b, "; flat line: the baseline median, %s", value(c.Baseline, c.Unit))
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
// GitLab render in Markdown. xychart has no annotations, so suspects are
// full-height bars drawn under the lines.
func (v *view) mermaid(s analyze.Symptom, cv *chartView) string {
	var b strings.Builder
	// Mermaid renders a title as HTML: < and > become the look-alike
	// angle quotes, so that a monitor's name cannot open a tag.
	q := func(s string) string {
		return `"` + strings.NewReplacer(`"`, "'", "\n", " ", "`", "'", "<", "‹", ">", "›").Replace(s) + `"`
	}
	// Wider than Mermaid's default 700 px, so that the time labels do not
	// touch; the frontmatter config is Mermaid's own (v10.5 and later).
	b.WriteString("```mermaid\n---\nconfig:\n  xyChart:\n    width: 900\n    height: 400\n---\nxychart-beta\n")
	fmt.Fprintf(&b, "    title %s\n", q(fmt.Sprintf("%s %s (%s)", s.ID, cv.c.Title, v.zoneLabel())))
	labels := make([]string, len(cv.labels))
	for i, l := range cv.labels {
		labels[i] = q(l)
	}
	fmt.Fprintf(&b, "    x-axis [%s]\n", strings.Join(labels, ", "))
	yTitle := cv.unit
	if yTitle == "" {
		yTitle = "value"
	}
	fmt.Fprintf(&b, "    y-axis %s 0 --> %s\n", q(yTitle), axisNum(cv.top))
	if len(cv.marks) > 0 {
		bars := make([]string, len(cv.vals))
		for i := range bars {
			bars[i] = "0"
		}
		for _, i := range cv.marks {
			bars[i] = axisNum(cv.top)
		}
		fmt.Fprintf(&b, "    bar [%s]\n", strings.Join(bars, ", "))
	}
	vals := make([]string, len(cv.vals))
	base := make([]string, len(cv.vals))
	for i, x := range cv.vals {
		vals[i] = axisNum(x)
		base[i] = axisNum(cv.c.Baseline * cv.scale)
	}
	fmt.Fprintf(&b, "    line [%s]\n", strings.Join(vals, ", "))
	fmt.Fprintf(&b, "    line [%s]\n", strings.Join(base, ", "))
	b.WriteString("```\n")
	return b.String()
}
