package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html"
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
)

// The HTML report is one self-contained file: inline CSS and inline SVG,
// no script, no font, no image fetched from anywhere, so that it can be
// mailed, attached to a ticket or printed. Its sentences are the
// Markdown's, converted (see inlineHTML), so the two never disagree.

//go:embed html.tmpl
var htmlSource string

var htmlTmpl = template.Must(template.New("report").Parse(htmlSource))

type htmlDoc struct {
	Title      string
	Summary    template.HTML
	Scope      template.HTML
	Episodes   []template.HTML
	Impact     [][]string
	ImpactNote template.HTML
	Symptoms   []htmlSymptom
	TimeHead   string
	LeadUp     string // why the timeline begins before the window
	Timeline   [][]template.HTML
	Recurrence []template.HTML
	Anomalies  []template.HTML
	Gaps       []template.HTML
	Notes      []template.HTML
	Command    string
	RootCause  template.HTML
}

type htmlSymptom struct {
	ID       string
	Heading  template.HTML
	Facts    template.HTML
	Chart    template.HTML
	Caption  template.HTML
	Legend   []htmlLegend
	Suspects []htmlSuspect
	// Unexplained heads a list of weak candidates (no convincing cause).
	Unexplained string
	More        string
}

// htmlLegend is one key of a chart's legend: a CSS style for the swatch.
type htmlLegend struct {
	Style template.CSS
	Text  string
}

type htmlSuspect struct {
	Head     template.HTML
	Reason   template.HTML
	Parts    string
	Evidence []htmlEvidence
}

type htmlEvidence struct {
	Text  template.HTML
	Lines string
}

func writeHTML(w io.Writer, v *view) error {
	m := markdown{io.Discard, v}
	d := htmlDoc{
		Title:   m.title(),
		Summary: inlineHTML(m.summary()),
		Scope:   inlineHTML(m.scope()),
		Command: m.Command,
	}
	for _, e := range v.Episodes {
		d.Episodes = append(d.Episodes, inlineHTML(m.episodeLine(e)))
	}
	if len(v.Impact) > 0 && !v.Inputs.Empty() {
		for _, im := range v.Impact {
			mttr := "–"
			if im.Outages > 0 {
				mttr = human(im.MTTR)
			}
			d.Impact = append(d.Impact, []string{
				im.Probe + " (" + im.Source + ")", fmt.Sprint(im.Checks), fmt.Sprint(im.Failed), percent(im.Availability),
				human(im.Downtime), fmt.Sprint(im.Outages), mttr,
				during(im.P50, im.BaseP50), during(im.P95, im.BaseP95), during(im.Max, im.BaseMax), latencyLine(im),
			})
		}
	}
	d.LeadUp = v.leadUp()
	d.TimeHead = "Time, " + v.zoneLabel()
	if v.oneDay() {
		d.TimeHead = v.day(v.Window.From) + ", " + v.zoneLabel()
	}
	for i, e := range v.Timeline {
		if i == mdTimeline {
			break
		}
		ev := text(e.Text)
		if k := strings.ReplaceAll(e.Kind, "_", " "); !strings.HasPrefix(strings.ToLower(e.Text), strings.ToLower(k)) {
			ev = text(k) + ": " + ev
		}
		if e.Ref != "" {
			ev += " " + code(e.Ref)
		}
		cal := hours(e.Class) // "business hours" too: a blank cell reads as unknown
		d.Timeline = append(d.Timeline, []template.HTML{
			template.HTML(html.EscapeString(v.stamp(e.T))), template.HTML(html.EscapeString(cal)),
			template.HTML(html.EscapeString(e.Source)), inlineHTML(ev),
		})
	}
	for _, s := range v.Symptoms {
		hs := htmlSymptom{
			ID: s.ID,
			Heading: inlineHTML(fmt.Sprintf("%s %s %s, %s (%s, %s)", s.ID, text(s.Subject), kind(s.Kind),
				v.span(s.Start, s.End), human(s.Duration), hours(s.Class))),
		}
		facts := []string{}
		if s.Explanation != "" {
			facts = append(facts, text(s.Explanation))
		}
		if s.Ongoing {
			facts = append(facts, "Still going on when the window ended.")
		}
		if s.Query != "" {
			facts = append(facts, "Query: "+code(s.Query))
		}
		hs.Facts = inlineHTML(strings.Join(facts, " "))
		if c := s.Chart; c != nil && len(c.Points) > 0 {
			cv := v.chartView(c)
			hs.Chart = v.svgChart(s, cv)
			hs.Caption = inlineHTML(v.chartCaption(s, cv, "numbered markers", false))
			hs.Legend = chartLegend(s, c, cv)
		}
		for i, sus := range s.Suspects {
			if i == mdSuspects {
				hs.More = plural(len(s.Suspects)-mdSuspects, "more suspect") + " in the JSON output."
				break
			}
			hs.Suspects = append(hs.Suspects, v.htmlSuspect(sus, s))
			if s.Unexplained {
				hs.Unexplained = unexplained
			}
		}
		d.Symptoms = append(d.Symptoms, hs)
	}
	var rec bytes.Buffer
	markdown{&rec, v}.recurrence()
	d.Recurrence = listItems(rec.String())
	var an bytes.Buffer
	markdown{&an, v}.anomalies()
	d.Anomalies = append(d.Anomalies, listItems(an.String())...)
	for _, g := range v.Gaps {
		if g.What == "" {
			d.Gaps = append(d.Gaps, inlineHTML(fmt.Sprintf("**%s**: %s", text(g.Source), text(g.Reason))))
		} else {
			d.Gaps = append(d.Gaps, inlineHTML(fmt.Sprintf("**%s** %s: %s", text(g.Source), text(g.What), text(g.Reason))))
		}
	}
	for _, n := range v.notes {
		d.Notes = append(d.Notes, inlineHTML(text(n)))
	}
	if len(v.Symptoms) > 0 && len(v.Symptoms[0].Suspects) > 0 && !v.Symptoms[0].Unexplained {
		top := v.Symptoms[0].Suspects[0]
		d.RootCause = inlineHTML(fmt.Sprintf("To be confirmed. hindsight's top suspect for %s: %s (score %s, %s confidence).",
			v.Symptoms[0].ID, text(top.Title), score(top.Score), top.Confidence))
	}
	return htmlTmpl.Execute(w, d)
}

func (v *view) htmlSuspect(s analyze.Suspect, sym analyze.Symptom) htmlSuspect {
	title := "**" + text(s.Title) + "**"
	if s.Kind != analyze.SuspectEvent {
		title = code(s.Title)
	}
	when := v.stamp(s.Start)
	if !s.End.IsZero() {
		when += " – " + v.stamp(s.End)
	}
	c := s.Components
	hs := htmlSuspect{
		Head: inlineHTML(fmt.Sprintf("%s (%s %s, %s %s): score %s, %s confidence; %s.", title, text(s.Source),
			strings.ReplaceAll(string(s.Kind), "_", " "), when, v.zone(s.Start), score(s.Score), s.Confidence, lead(s.Lead, kind(sym.Kind)))),
		Reason: inlineHTML(text(s.Reason) + knownText(s.Known)),
		Parts: fmt.Sprintf("Score parts: timing %s, strength %s, co-occurrence %s, specificity %s.",
			score(c.Timing), score(c.Strength), score(c.Cooccurence), score(c.Specificity)),
	}
	for i, e := range s.Evidence {
		if i == mdEvidence {
			break
		}
		var parts []string
		if e.Text != "" {
			parts = append(parts, text(e.Text))
		}
		if e.Ref != "" {
			parts = append(parts, code(e.Ref))
		}
		if e.Query != "" {
			parts = append(parts, "query "+code(e.Query))
		}
		var lines []string
		for j, l := range e.Lines {
			if j == mdLines {
				break
			}
			lines = append(lines, l.Text)
		}
		hs.Evidence = append(hs.Evidence, htmlEvidence{Text: inlineHTML(strings.Join(parts, ", ")), Lines: strings.Join(lines, "\n")})
	}
	return hs
}

// listItems takes the "- " items of a Markdown section the Markdown
// renderer wrote and converts each one; other lines (headings, code
// blocks of examples) are left out of the HTML.
func listItems(md string) []template.HTML {
	var out []template.HTML
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "- ") {
			out = append(out, inlineHTML(strings.TrimPrefix(l, "- ")))
		}
	}
	return out
}

// inlineHTML converts the inline Markdown the renderers write (\-escapes,
// `code` spans of any length, **bold**) to escaped HTML.
func inlineHTML(md string) template.HTML {
	var b strings.Builder
	bold := false
	for i := 0; i < len(md); {
		c := md[i]
		switch {
		case c == '\\' && i+1 < len(md) && strings.IndexByte("\\*`<_|", md[i+1]) >= 0:
			b.WriteString(html.EscapeString(md[i+1 : i+2]))
			i += 2
		case c == '`':
			n := 1
			for i+n < len(md) && md[i+n] == '`' {
				n++
			}
			ticks := md[i : i+n]
			end := strings.Index(md[i+n:], ticks)
			if end < 0 {
				b.WriteString(html.EscapeString(ticks))
				i += n
				continue
			}
			body := md[i+n : i+n+end]
			if len(body) > 1 && body[0] == ' ' && body[len(body)-1] == ' ' {
				body = body[1 : len(body)-1]
			}
			b.WriteString("<code>" + html.EscapeString(body) + "</code>")
			i += n + end + n
		case c == '*' && i+1 < len(md) && md[i+1] == '*':
			if bold {
				b.WriteString("</strong>")
			} else {
				b.WriteString("<strong>")
			}
			bold = !bold
			i += 2
		default:
			j := i + 1
			for j < len(md) && strings.IndexByte("\\`*", md[j]) < 0 {
				j++
			}
			b.WriteString(html.EscapeString(md[i:j]))
			i = j
		}
	}
	if bold {
		b.WriteString("</strong>")
	}
	return template.HTML(b.String())
}

// Chart geometry, in SVG user units; the SVG scales to the page width.
const (
	svgW, svgH                       = 860, 260
	padL, padR, padT, padB           = 56, 16, 28, 40
	plotW, plotH                     = svgW - padL - padR, svgH - padT - padB
	xTicks                           = 8
	colLine, colBase, colThr, colSus = "#1f5fbf", "#2e7d32", "#c62828", "#6a1b9a"
)

// svgChart draws the chart with the window on a local-time axis, what was
// outside business hours shaded, the symptom's span tinted, the baseline
// and threshold as lines and each suspect as a numbered marker.
func (v *view) svgChart(s analyze.Symptom, cv *chartView) template.HTML {
	c := cv.c
	from, to := v.Window.From, v.Window.To
	span := to.Sub(from).Seconds()
	if span <= 0 {
		return ""
	}
	x := func(t time.Time) float64 {
		return padL + math.Max(0, math.Min(1, t.Sub(from).Seconds()/span))*plotW
	}
	y := func(val float64) float64 { return padT + plotH - math.Max(0, math.Min(1, val/cv.top))*plotH }
	f := func(x float64) string { return fmt.Sprintf("%.1f", x) }
	var b strings.Builder
	id := html.EscapeString(s.ID)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" xmlns="http://www.w3.org/2000/svg">`, svgW, svgH, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, id, html.EscapeString(s.ID+" "+c.Title))
	for _, p := range c.Periods {
		if p.Class == analyze.BusinessHours {
			continue
		}
		fmt.Fprintf(&b, `<rect class="off" x="%s" y="%d" width="%s" height="%d"><title>%s</title></rect>`,
			f(x(p.From)), padT, f(x(p.To)-x(p.From)), plotH, hours(p.Class))
		fmt.Fprintf(&b, `<text class="offl" x="%s" y="%d">%s</text>`, f(x(p.From)+3), padT+11, hours(p.Class))
	}
	fmt.Fprintf(&b, `<rect class="sym" x="%s" y="%d" width="%s" height="%d"><title>%s</title></rect>`,
		f(x(s.Start)), padT, f(math.Max(1, x(s.End)-x(s.Start))), plotH, html.EscapeString(s.ID+" "+kind(s.Kind)))
	// y axis: 0, half, top
	for _, fr := range []float64{0, 0.5, 1} {
		yy := y(cv.top * fr)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%s" y2="%s"/>`, padL, padL+plotW, f(yy), f(yy))
		fmt.Fprintf(&b, `<text class="yl" x="%d" y="%s">%s</text>`, padL-6, f(yy+4), html.EscapeString(axisNum(cv.top*fr)))
	}
	fmt.Fprintf(&b, `<text class="yu" x="%d" y="%d">%s</text>`, padL-6, padT-10, html.EscapeString(cv.unit))
	// x axis: about xTicks local-time labels
	every := max(1, (len(c.Points)+xTicks-1)/xTicks)
	for i, p := range c.Points {
		if i%every != 0 {
			continue
		}
		xx := x(p.T)
		fmt.Fprintf(&b, `<line class="tick" x1="%s" x2="%s" y1="%d" y2="%d"/>`, f(xx), f(xx), padT+plotH, padT+plotH+4)
		fmt.Fprintf(&b, `<text class="xl" x="%s" y="%d">%s</text>`, f(xx), padT+plotH+16, html.EscapeString(cv.labels[i]))
	}
	fmt.Fprintf(&b, `<text class="xu" x="%d" y="%d">%s</text>`, padL+plotW, svgH-4, html.EscapeString("local time, "+v.zoneLabel()))
	if c.Threshold > 0 && c.Threshold*cv.scale <= cv.top {
		yy := y(c.Threshold * cv.scale)
		fmt.Fprintf(&b, `<line class="thr" x1="%d" x2="%d" y1="%s" y2="%s"><title>abnormal above %s</title></line>`,
			padL, padL+plotW, f(yy), f(yy), html.EscapeString(value(c.Threshold, c.Unit)))
	}
	yb := y(c.Baseline * cv.scale)
	fmt.Fprintf(&b, `<line class="base" x1="%d" x2="%d" y1="%s" y2="%s"><title>baseline median %s</title></line>`,
		padL, padL+plotW, f(yb), f(yb), html.EscapeString(value(c.Baseline, c.Unit)))
	// the series: one polyline per run of buckets with data, drawn as
	// steps (flat across each bucket): a line between bucket middles
	// would rise before the change it shows, ahead of its cause
	var run []string
	flush := func() {
		if len(run) > 1 {
			fmt.Fprintf(&b, `<polyline class="series" points="%s"/>`, strings.Join(run, " "))
		} else if len(run) == 1 {
			xy := strings.Split(run[0], ",")
			fmt.Fprintf(&b, `<circle class="dot" cx="%s" cy="%s" r="2"/>`, xy[0], xy[1])
		}
		run = run[:0]
	}
	for i, p := range c.Points {
		if p.NoData {
			flush()
			continue
		}
		yy := f(y(cv.vals[i]))
		run = append(run, f(x(p.T))+","+yy, f(x(p.T.Add(c.Step)))+","+yy) // x clamps to the window
	}
	flush()
	for _, p := range c.Points {
		if p.Failed > 0 {
			w := math.Max(2, x(p.T.Add(c.Step))-x(p.T)-2)
			fmt.Fprintf(&b, `<rect class="fail" x="%s" y="%d" width="%s" height="6"><title>%d failed checks</title></rect>`,
				f(x(p.T)+1), padT+plotH-6, f(w), p.Failed)
		}
	}
	// Suspects often start within a minute of each other: their numbered
	// circles move right until they no longer overlap, the dashed lines
	// stay at the true times.
	lastX := math.Inf(-1)
	for _, m := range c.Marks {
		xx := x(m.T)
		cx := math.Max(xx, lastX+17)
		lastX = cx
		fmt.Fprintf(&b, `<g class="mark"><title>%s</title><line x1="%s" x2="%s" y1="%d" y2="%d"/><circle cx="%s" cy="%d" r="8"/><text x="%s" y="%d">%d</text></g>`,
			html.EscapeString(fmt.Sprintf("%d. %s at %s", m.Rank, m.Title, v.clock(m.T))),
			f(xx), f(xx), padT-4, padT+plotH, f(cx), padT-12, f(cx), padT-8, m.Rank)
	}
	b.WriteString(`<rect class="frame" x="` + fmt.Sprint(padL) + `" y="` + fmt.Sprint(padT) + `" width="` + fmt.Sprint(plotW) + `" height="` + fmt.Sprint(plotH) + `"/>`)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// chartLegend keys what svgChart drew, and only that.
func chartLegend(s analyze.Symptom, c *analyze.Chart, cv *chartView) []htmlLegend {
	l := []htmlLegend{{"background:" + colLine, c.Title}, {"border-top:2px dashed " + colBase, "baseline"}}
	if c.Threshold > 0 && c.Threshold*cv.scale <= cv.top {
		l = append(l, htmlLegend{"border-top:2px dotted " + colThr, "threshold"})
	}
	l = append(l, htmlLegend{"background:#fde2e1", kind(s.Kind)})
	for _, p := range c.Periods {
		if p.Class != analyze.BusinessHours {
			l = append(l, htmlLegend{"background:#eef0f3", "outside business hours"})
			break
		}
	}
	for _, p := range c.Points {
		if p.Failed > 0 {
			l = append(l, htmlLegend{"background:" + colThr, "failed checks"})
			break
		}
	}
	if len(c.Marks) > 0 {
		l = append(l, htmlLegend{"background:" + colSus, "suspect"})
	}
	return l
}

// knownText names the team's known event a suspect matched, for a sentence.
func knownText(k string) string {
	if k == "" {
		return ""
	}
	return " Known event: " + text(k) + "."
}
