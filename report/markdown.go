package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

// Caps on how much of a long list the Markdown shows; the JSON has it all.
const (
	mdSuspects  = 5  // suspects per symptom
	mdEvidence  = 5  // pieces of evidence per suspect
	mdLines     = 5  // raw log lines per piece of evidence
	mdAnomalies = 10 // rows of "Other anomalies"
	mdTimeline  = 60 // rows of the timeline
	mdAlso      = 3  // further symptoms named in the summary
)

// markdown renders the post-incident report as Markdown. Empty sections are
// left out, except "Data gaps": the report always says what it could not see.
type markdown struct {
	w io.Writer
	*view
}

func writeMarkdown(w io.Writer, v *view) error {
	m := markdown{w, v}
	m.p("# %s\n\n", m.title())
	m.p("%s\n\n", m.summary())
	m.p("%s\n", m.scope())
	m.episodes()
	m.impact()
	// The causes come before the timeline: a reader who opens the report
	// looks for them first, and a day's timeline can fill a screen.
	m.causes()
	m.timeline()
	m.recurrence()
	m.anomalies()
	m.gaps()
	m.notesSection()
	m.reproduce()
	m.postmortem()
	return nil
}

// p writes to the renderer's buffer, which cannot fail (see Write).
func (m markdown) p(format string, a ...any) { fmt.Fprintf(m.w, format, a...) }

func (m markdown) title() string {
	switch {
	case len(m.Symptoms) > 0:
		s := m.Symptoms[0]
		return fmt.Sprintf("Incident report: %s %s, %s", text(s.Subject), kind(s.Kind), m.at(s.Start))
	case m.Inputs.Empty():
		return "Incident report: no data, " + m.span(m.Window.From, m.Window.To)
	}
	return "Incident report: no outage or latency spike, " + m.span(m.Window.From, m.Window.To)
}

// summary is the one paragraph a reader who stops there needs.
func (m markdown) summary() string {
	var s []string
	switch {
	case len(m.Symptoms) > 0:
		s = append(s, m.symptomSummary(m.Symptoms[0]))
		for i, o := range m.Symptoms[1:] {
			if i == mdAlso {
				s = append(s, plural(len(m.Symptoms)-1-mdAlso, "more symptom")+" below.")
				break
			}
			s = append(s, m.alsoSummary(o))
		}
	case m.Inputs.Empty():
		s = append(s, fmt.Sprintf("**No data was found** %s: no probe checks, metric points, events or log lines, so this report cannot tell whether anything went wrong.",
			m.fromTo(m.Window.From, m.Window.To)))
		if len(m.Gaps) == 0 {
			s = append(s, "No source reported a gap either: check the window and the profile's sources.")
			break
		}
		var g []string
		for _, gap := range m.Gaps {
			g = append(g, strings.TrimSuffix(gap.Source+": "+gap.What, ": "))
		}
		s = append(s, fmt.Sprintf("The sources reported %s, listed under Data gaps: %s.", plural(len(g), "gap"), text(strings.Join(g, "; "))))
	default:
		s = append(s, fmt.Sprintf("**No outage or latency spike was found** %s.", m.fromTo(m.Window.From, m.Window.To)))
		if len(m.Anomalies) == 0 {
			s = append(s, "Nothing else moved beyond its baseline either.")
			break
		}
		var a []string
		for _, an := range m.Anomalies[:min(3, len(m.Anomalies))] {
			a = append(a, m.anomalyShort(an))
		}
		if len(a) == 1 {
			s = append(s, "The only anomaly: "+a[0]+".")
		} else {
			s = append(s, "The strongest anomalies: "+strings.Join(a, "; ")+".")
		}
	}
	return strings.Join(s, " ")
}

func (m markdown) symptomSummary(s analyze.Symptom) string {
	var b strings.Builder
	who := text(s.Subject)
	if s.Target != "" {
		who += " (" + text(s.Target) + ")"
	}
	switch {
	case s.Kind == analyze.Outage && s.Ongoing:
		fmt.Fprintf(&b, "%s went down at %s %s on %s (%s) and was still down when the window ended, %s later",
			who, m.clock(s.Start), m.zone(s.Start), m.day(s.Start), hours(s.Class), human(s.Duration))
	case s.Kind == analyze.Outage:
		fmt.Fprintf(&b, "%s was down for %s, %s (%s)", who, human(s.Duration), m.fromTo(s.Start, s.End), hours(s.Class))
	default:
		fmt.Fprintf(&b, "%s had a %s for %s, %s (%s), peaking at %s at %s against a baseline of %s",
			who, kind(s.Kind), human(s.Duration), m.fromTo(s.Start, s.End), hours(s.Class),
			value(s.PeakValue, s.Unit), m.when(s.Peak), value(s.BaselineValue, s.Unit))
		if r := ratio(s.Ratio); r != "" {
			fmt.Fprintf(&b, " (%s)", r)
		}
	}
	if s.FailedChecks > 0 {
		fmt.Fprintf(&b, "; %d checks failed", s.FailedChecks)
	}
	if im, ok := m.impactOf(s); ok && s.Kind == analyze.Outage {
		fmt.Fprintf(&b, "; availability over the window was %s", percent(im.Availability))
	}
	b.WriteString(". ")
	switch {
	case len(s.Suspects) == 0:
		b.WriteString("No likely cause was found.")
	case s.Unexplained:
		top := s.Suspects[0]
		fmt.Fprintf(&b, "No convincing cause was found; the best candidate, **%s**, is weak (score %s, %s confidence).",
			text(top.Title), score(top.Score), top.Confidence)
	default:
		top := s.Suspects[0]
		fmt.Fprintf(&b, "Most likely cause: **%s** (%s; score %s, %s confidence).",
			text(top.Title), lead(top.Lead, kind(s.Kind)), score(top.Score), top.Confidence)
	}
	if r := s.Recurrence; r.Recurring {
		fmt.Fprintf(&b, " It is recurring: seen at the same time on %d of the %d previous days checked.", r.DaysSeen, r.DaysChecked)
	}
	return b.String()
}

// alsoSummary is one sentence for a symptom after the first.
func (m markdown) alsoSummary(s analyze.Symptom) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Also: %s %s %s at %s (%s, %s", s.ID, text(s.Subject), kind(s.Kind), m.when(s.Start), hours(s.Class), human(s.Duration))
	if s.Kind != analyze.Outage {
		fmt.Fprintf(&b, ", %s vs %s", value(s.PeakValue, s.Unit), value(s.BaselineValue, s.Unit))
	}
	b.WriteString(")")
	if r := s.Recurrence; r.Recurring {
		fmt.Fprintf(&b, ", recurring on %d of the %d previous days", r.DaysSeen, r.DaysChecked)
	}
	if len(s.Suspects) > 0 && !s.Unexplained {
		top := s.Suspects[0]
		fmt.Fprintf(&b, "; most likely cause: **%s** (score %s, %s)", text(top.Title), score(top.Score), top.Confidence)
	}
	b.WriteString(".")
	return b.String()
}

func (m markdown) anomalyShort(a analyze.Anomaly) string {
	what := code(a.Subject)
	if a.Kind != analyze.SeriesAnomaly {
		what = strings.ReplaceAll(string(a.Kind), "_", " ") + " " + what
	}
	return fmt.Sprintf("%s at %s (%s; %s)", what, m.when(a.Start), hours(a.Class), m.anomalyNumbers(a))
}

// anomalyNumbers is "182 MB/s vs 3.1 MB/s, 59×" for a series and
// "37 lines vs 0.4 expected" for logs.
func (m markdown) anomalyNumbers(a analyze.Anomaly) string {
	s := value(a.PeakValue, a.Unit) + " vs " + value(a.BaselineValue, a.Unit)
	if a.Kind != analyze.SeriesAnomaly {
		s = value(a.PeakValue, a.Unit) + " vs " + num(a.BaselineValue) + " expected"
	}
	if r := ratio(a.Ratio); r != "" {
		s += ", " + r
	}
	return s
}

// scope says what was looked at: window, baseline, zone, profile, inputs.
func (m markdown) scope() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Window %s (%s), baseline %s (%s). Times in %s",
		m.span(m.Window.From, m.Window.To), human(m.Window.Duration()),
		m.span(m.Baseline.From, m.Baseline.To), human(m.Baseline.Duration()), m.zoneLabel())
	if m.loc.String() != m.zoneLabel() {
		fmt.Fprintf(&b, " (%s)", m.loc)
	}
	if m.Profile != "" {
		fmt.Fprintf(&b, "; profile %s", text(m.Profile))
	}
	b.WriteString(". " + text(m.readLine()))
	return b.String()
}

// readLine says what was read: the sources, how much of each kind, the
// zone each log source's times without one were read in, and what the
// run asked of paid APIs.
func (v *view) readLine() string {
	var b strings.Builder
	in := v.Inputs
	b.WriteString("Read ")
	if len(in.Sources) > 0 {
		fmt.Fprintf(&b, "from %s: ", strings.Join(in.Sources, ", "))
	}
	fmt.Fprintf(&b, "%s (%s), %s (%s), %s, %s.",
		plural(in.Probes, "probe"), plural(in.Beats, "check"), plural(in.Series, "series"),
		plural(in.Points, "point"), plural(in.Events, "event"), plural(in.Patterns, "log pattern"))
	if len(in.Zones) > 0 {
		// Which zone stamps without an offset were read in decides where
		// every such line falls; a team whose servers log in UTC must see it.
		byZone := map[string][]string{}
		for src, z := range in.Zones {
			byZone[z] = append(byZone[z], src)
		}
		var parts []string
		for _, z := range slices.Sorted(maps.Keys(byZone)) {
			srcs := byZone[z]
			slices.Sort(srcs)
			for i, src := range srcs {
				if n := in.ZoneLines[src]; n > 0 {
					srcs[i] = src + ": " + plural(n, "line")
				}
			}
			parts = append(parts, z+" ("+strings.Join(srcs, ", ")+")")
		}
		fmt.Fprintf(&b, " Log times written without a zone read as %s; a log source's timezone: sets its own.", strings.Join(parts, ", "))
	}
	if in.MetricsQueried > 0 || in.APIRequests > 0 {
		// What the run cost: CloudWatch bills per metric, S3 per request.
		fmt.Fprintf(&b, " Asked of paid APIs: %s in %s.", plural(in.MetricsQueried, "metric"), plural(in.APIRequests, "request"))
	}
	return b.String()
}

func (m markdown) impactOf(s analyze.Symptom) (analyze.Impact, bool) {
	for _, im := range m.Impact {
		if im.Probe == s.Subject && im.Source == s.Source {
			return im, true
		}
	}
	return analyze.Impact{}, false
}

func (m markdown) impact() {
	if len(m.Impact) == 0 || m.Inputs.Empty() {
		return
	}
	m.p("\n## Impact\n\n")
	m.p("Latency of successful checks in the window, baseline in parentheses. The Latency bars run across the window on a scale from 0 to the window's max or twice the baseline p95, whichever is higher; · is a stretch without a successful check, ✗ one with failed checks.\n\n")
	m.p("| Probe | Checks | Failed | Availability | Downtime | Outages | MTTR | p50 | p95 | max | Latency |\n")
	m.p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n")
	var coarse []string
	for _, im := range m.Impact {
		mttr := "–"
		if im.Outages > 0 {
			mttr = human(im.MTTR)
		}
		m.p("| %s | %d | %d | %s | %s | %d | %s | %s | %s | %s | %s |\n",
			// text: a monitor named "<img src=x onerror=...>" must
			// not become HTML where the Markdown is rendered.
			cell(text(im.Probe+" ("+im.Source+")")), im.Checks, im.Failed, percent(im.Availability),
			human(im.Downtime), im.Outages, mttr,
			during(im.P50, im.BaseP50), during(im.P95, im.BaseP95), during(im.Max, im.BaseMax),
			latencyLine(im))
		if im.Resolution > 0 {
			coarse = append(coarse, fmt.Sprintf("%s was read from %s aggregates, not single checks; its downtime is as fine as that.", text(im.Probe), human(im.Resolution)))
		}
	}
	if len(coarse) > 0 {
		m.p("\n%s\n", strings.Join(coarse, " "))
	}
}

// during is "212ms (181ms)"; 0 means unknown and shows as "–".
func during(now, base time.Duration) string {
	f := func(d time.Duration) string {
		if d == 0 {
			return "–"
		}
		return latency(d)
	}
	return f(now) + " (" + f(base) + ")"
}

func (m markdown) timeline() {
	if len(m.Timeline) == 0 {
		return
	}
	m.p("\n## Timeline\n\n")
	when := "Time"
	if m.oneDay() {
		when = m.day(m.Window.From)
	}
	// Business hours are the default and go unmarked; the column is there
	// only when something happened outside them.
	marked := slices.ContainsFunc(m.Timeline, func(e analyze.TimelineEntry) bool { return e.Class != analyze.BusinessHours })
	if lead := m.leadUp(); lead != "" {
		m.p("%s\n\n", lead)
	}
	if marked {
		m.p("| %s, %s | Calendar | Source | Event |\n|---|---|---|---|\n", when, m.zoneLabel())
	} else {
		m.p("| %s, %s | Source | Event |\n|---|---|---|\n", when, m.zoneLabel())
	}
	for i, e := range m.Timeline {
		if i == mdTimeline {
			m.p("\n%s in the JSON output.\n", plural(len(m.Timeline)-mdTimeline, "later entry"))
			break
		}
		ev := text(e.Text)
		if k := strings.ReplaceAll(e.Kind, "_", " "); !strings.HasPrefix(strings.ToLower(e.Text), strings.ToLower(k)) {
			ev = text(k) + ": " + ev // analyze's text often starts with the kind already
		}
		if e.Known != "" {
			ev += " (known: " + text(e.Known) + ")"
		}
		ev = cell(ev)
		if e.Ref != "" {
			ev += " " + cell(code(e.Ref))
		}
		if marked {
			cal := hours(e.Class) // "business hours" too: a blank cell reads as unknown
			m.p("| %s | %s | %s | %s |\n", m.stamp(e.T), cal, cell(e.Source), ev)
		} else {
			m.p("| %s | %s | %s |\n", m.stamp(e.T), cell(e.Source), ev)
		}
	}
}

// leadUp says why the timeline begins before the window, when it does:
// a cause may lead its symptom by up to the profile's lag, so what
// happened just before the window is shown too.
func (v *view) leadUp() string {
	if len(v.Timeline) == 0 || !v.Timeline[0].T.Before(v.Window.From) {
		return ""
	}
	return fmt.Sprintf("The timeline begins at %s, %s before the window: a cause may start up to the profile's lag before its symptom, so the lead-up is shown too.",
		v.clock(v.Timeline[0].T), human(v.Window.From.Sub(v.Timeline[0].T)))
}

func (m markdown) causes() {
	if len(m.Symptoms) == 0 {
		return
	}
	m.p("\n## Suspected causes\n")
	for _, s := range m.Symptoms {
		m.p("\n### %s %s %s, %s (%s, %s)\n\n", s.ID, text(s.Subject), kind(s.Kind),
			m.span(s.Start, s.End), human(s.Duration), hours(s.Class))
		var facts []string
		if s.Explanation != "" {
			facts = append(facts, text(s.Explanation))
		}
		if s.Ongoing {
			facts = append(facts, "Still going on when the window ended.")
		}
		if s.Query != "" {
			facts = append(facts, "Query: "+code(s.Query))
		}
		if len(facts) > 0 {
			m.p("%s\n\n", strings.Join(facts, " "))
		}
		if c := s.Chart; c != nil && len(c.Points) > 0 {
			cv := m.chartView(coarsen(c, mermaidMaxPoints, m.loc))
			m.p("%s\n%s\n\n", m.mermaid(s, cv), m.chartCaption(s, cv, "▲N in place of a time label", true))
		}
		if len(s.Suspects) == 0 {
			m.p("No suspect: nothing else that was read moved during it or shortly before.\n")
			continue
		}
		if s.Unexplained {
			m.p("%s\n\n", unexplained)
		}
		for i, sus := range s.Suspects {
			if i == mdSuspects {
				m.p("\n%s in the JSON output.\n", plural(len(s.Suspects)-mdSuspects, "more suspect"))
				break
			}
			if i > 0 {
				m.p("\n")
			}
			m.suspect(sus, s)
		}
	}
}

// unexplained heads the list of a symptom no suspect explains
// convincingly (analyze's Unexplained): the list is what was weighed,
// not an answer.
const unexplained = "No convincing cause in the data: every candidate is weak. The best of them, for a person to weigh:"

func (m markdown) suspect(s analyze.Suspect, sym analyze.Symptom) {
	title := "**" + text(s.Title) + "**"
	if s.Kind != analyze.SuspectEvent {
		title = code(s.Title) // a series key or a log template
	}
	when := m.stamp(s.Start)
	if !s.End.IsZero() {
		when += " – " + m.stamp(s.End)
	}
	m.p("%d. %s (%s %s, %s %s): score %s, %s confidence; %s.\n", s.Rank, title, text(s.Source),
		strings.ReplaceAll(string(s.Kind), "_", " "), when, m.zone(s.Start),
		score(s.Score), s.Confidence, lead(s.Lead, kind(sym.Kind)))
	if s.Reason != "" {
		m.p("   %s\n", text(s.Reason))
	}
	if s.Known != "" {
		m.p("   Known event: %s.\n", text(s.Known))
	}
	c := s.Components
	m.p("   Score parts: timing %s, strength %s, co-occurrence %s, specificity %s.\n",
		score(c.Timing), score(c.Strength), score(c.Cooccurence), score(c.Specificity))
	for i, e := range s.Evidence {
		if i == mdEvidence {
			m.p("   - %s of evidence in the JSON output\n", plural(len(s.Evidence)-mdEvidence, "more piece"))
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
		m.p("   - %s\n", strings.Join(parts, ", "))
		if len(e.Lines) > 0 {
			m.codeBlock("     ", e.Lines)
		}
	}
}

// codeBlock writes raw log lines, at most mdLines of them, in a fenced
// block indented by indent.
func (m markdown) codeBlock(indent string, lines []sources.LogLine) {
	var raw []string
	for i, l := range lines {
		if i == mdLines {
			break
		}
		raw = append(raw, strings.Split(strings.ReplaceAll(l.Text, "\r", ""), "\n")...)
	}
	ticks := strings.Repeat("`", max(3, longestRun(strings.Join(raw, "\n"), '`')+1))
	m.p("%s%s\n", indent, ticks)
	for _, r := range raw {
		m.p("%s%s\n", indent, r)
	}
	m.p("%s%s\n", indent, ticks)
	if n := len(lines) - mdLines; n > 0 {
		m.p("%s(%s in the JSON output)\n", indent, plural(n, "more line"))
	}
}

func (m markdown) recurrence() {
	if len(m.Symptoms) == 0 {
		return
	}
	m.p("\n## Recurrence\n\n")
	for _, s := range m.Symptoms {
		r := s.Recurrence
		m.p("- **%s %s %s**: ", s.ID, text(s.Subject), kind(s.Kind))
		switch {
		case r.DaysChecked == 0:
			m.p("not checked, no earlier days to compare with.")
		case r.Recurring:
			m.p("recurring, seen on %d of %d previous days (%s).", r.DaysSeen, r.DaysChecked, strings.Join(r.Dates, ", "))
		case r.DaysSeen > 0:
			m.p("seen on %d of %d previous days (%s), not judged recurring.", r.DaysSeen, r.DaysChecked, strings.Join(r.Dates, ", "))
		default:
			m.p("not seen on any of %d previous days.", r.DaysChecked)
		}
		if r.Sentence != "" {
			m.p(" %s", text(r.Sentence))
		}
		m.p("\n")
	}
}

// anomalies lists what moved and is not already a suspect above.
func (m markdown) anomalies() {
	var rest []analyze.Anomaly
	for _, a := range m.Anomalies {
		if !m.isSuspect(a) {
			rest = append(rest, a)
		}
	}
	if len(rest) == 0 {
		return
	}
	m.p("\n## Other anomalies\n\n")
	if len(m.Symptoms) > 0 {
		m.p("Things that moved in the window and are not suspects above, strongest first.\n\n")
	}
	for i, a := range rest {
		if i == mdAnomalies {
			m.p("\n%s in the JSON output.\n", plural(len(rest)-mdAnomalies, "weaker anomaly"))
			break
		}
		what := code(a.Subject)
		if a.Kind != analyze.SeriesAnomaly {
			what = strings.ReplaceAll(string(a.Kind), "_", " ") + " " + what
		}
		m.p("- %s (%s), %s (%s): %s, score %s.", m.span(a.Start, a.End), hours(a.Class), what,
			text(a.Source), m.anomalyNumbers(a), num(a.Score))
		if a.Explanation != "" {
			m.p(" %s", text(a.Explanation))
		}
		if a.Query != "" {
			m.p(" Query: %s", code(a.Query))
		}
		m.p("\n")
		if len(a.Examples) > 0 {
			m.codeBlock("  ", a.Examples)
		}
	}
}

// isSuspect reports whether a is cited as a suspect of some symptom: same
// source and start, and a suspect kind that can stand for an anomaly.
func (m markdown) isSuspect(a analyze.Anomaly) bool {
	for _, s := range m.Symptoms {
		for _, sus := range s.Suspects {
			if sus.Kind != analyze.SuspectEvent && sus.Source == a.Source && sus.Start.Equal(a.Start) {
				return true
			}
		}
	}
	return false
}

func (m markdown) gaps() {
	m.p("\n## Data gaps\n\n")
	if len(m.Gaps) == 0 {
		m.p("None reported.\n")
		return
	}
	for _, g := range m.Gaps {
		if g.What == "" {
			m.p("- **%s**: %s\n", text(g.Source), text(g.Reason))
		} else {
			m.p("- **%s** %s: %s\n", text(g.Source), text(g.What), text(g.Reason))
		}
	}
}

func (m markdown) notesSection() {
	if len(m.notes) == 0 {
		return
	}
	m.p("\n## Notes\n\n")
	for _, n := range m.notes {
		m.p("- %s\n", text(n))
	}
}

func (m markdown) reproduce() {
	m.p("\n## How to reproduce\n\n")
	if m.Command == "" {
		m.p("The command was not recorded.\n")
		return
	}
	ticks := strings.Repeat("`", max(3, longestRun(m.Command, '`')+1))
	m.p("%ssh\n%s\n%s\n", ticks, m.Command, ticks)
}

// text makes s one line of Markdown prose. It escapes only what turns
// ordinary log and metric text into markup, so that the raw Markdown stays
// as readable as the rendered one: * and ` always, < only where it could
// open an HTML tag or an autolink (not in a template's "<*>").
func text(s string) string {
	s = oneLine(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '*' || c == '`':
			b.WriteByte('\\')
		case c == '<' && i+1 < len(s) && (isLetter(s[i+1]) || strings.IndexByte("/!?", s[i+1]) >= 0):
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// cell makes s safe inside a table cell.
func cell(s string) string { return strings.ReplaceAll(oneLine(s), "|", `\|`) }

// code is s as an inline code span, with as many backticks as it needs.
func code(s string) string {
	s = oneLine(s)
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return ticks + s + ticks
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// postmortem is the part of the report hindsight cannot write: headings
// and prompts for the people who were there, prefilled only with what the
// findings already say.
func (m markdown) postmortem() {
	m.p("\n## Postmortem\n\n")
	m.p("For the people who were there: hindsight suggests, it does not know.\n\n")
	m.p("### Root cause\n\n")
	if len(m.Symptoms) > 0 && len(m.Symptoms[0].Suspects) > 0 && !m.Symptoms[0].Unexplained {
		top := m.Symptoms[0].Suspects[0]
		m.p("_To be confirmed. hindsight's top suspect for %s: %s (score %s, %s confidence)._\n\n", m.Symptoms[0].ID, text(top.Title), score(top.Score), top.Confidence)
	} else {
		m.p("_To be written._\n\n")
	}
	m.p("### What went well\n\n- \n\n")
	m.p("### What went badly\n\n- \n\n")
	m.p("### Action items\n\n| Action | Owner | Due | Ticket |\n|---|---|---|---|\n|  |  |  |  |\n")
}

// episodes lists outages of several probes that analyze judged one
// incident (Findings.Episodes).
func (m markdown) episodes() {
	if len(m.Episodes) == 0 {
		return
	}
	m.p("\n## Outages together\n\n")
	for _, e := range m.Episodes {
		m.p("- %s\n", m.episodeLine(e))
	}
}

func (m markdown) episodeLine(e analyze.Episode) string {
	s := fmt.Sprintf("**%s** (%s), %s: %s", e.ID, strings.Join(e.Symptoms, ", "), m.span(e.Start, e.End), text(e.Sentence))
	if e.Cause != "" && !strings.Contains(e.Sentence, e.Cause) {
		s += fmt.Sprintf(" Most likely cause: **%s** (score %s).", text(e.Cause), score(e.CauseScore))
	}
	return s
}
