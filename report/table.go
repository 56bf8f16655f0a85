package report

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/hindsight-sre/hindsight/analyze"
)

// Caps of the terminal report; -o markdown and -o json have the rest.
const (
	ttySuspects = 3  // suspects per symptom
	ttyTimeline = 12 // timeline entries, those nearest the first symptom
)

// writeTable renders the terminal report: for each symptom what happened,
// its ranked suspects with score, a one-line reason and the file:line or
// query of the strongest evidence; then the impact per probe, a short
// timeline around the first symptom and the data gaps.
//
// On a terminal (o.Width > 0) every line is fitted to the width: prose
// wraps under its indent, the impact table drops its least needed columns
// until it fits, and a suspect's reason keeps the clauses that fit on one
// line. Piped (o.Width == 0) nothing is wrapped, dropped or cut, so grep
// and a pager see every word.
func writeTable(w io.Writer, v *view, o Options) error {
	t := &tty{w: w, o: o}
	title := strings.TrimPrefix(markdown{w, v}.title(), "Incident report: ")
	if len(v.Symptoms) == 0 {
		// "no data, …" follows "Incident report: " elsewhere; standing
		// first, it starts a sentence. A symptom's title starts with a
		// probe's name, kept as written.
		if r, n := utf8.DecodeRuneInString(title); n > 0 {
			title = string(unicode.ToUpper(r)) + title[n:]
		}
	}
	t.line(0, t.bold(title))
	t.wrap(0, fmt.Sprintf("Window %s (%s), baseline %s, times in %s.",
		v.span(v.Window.From, v.Window.To), human(v.Window.Duration()), v.span(v.Baseline.From, v.Baseline.To), v.zoneLabel()))
	t.wrap(0, v.readLine())

	switch {
	case len(v.Symptoms) > 0:
		for _, s := range v.Symptoms {
			t.blank()
			t.symptom(v, s)
		}
	case v.Inputs.Empty() && len(v.Gaps) == 0:
		t.blank()
		t.wrap(0, "No data was found for the window, and no source reported a gap: check the window and the profile's sources.")
	case v.Inputs.Empty():
		t.blank()
		t.wrap(0, "No data was found for the window: see the data gaps.")
	default:
		t.blank()
		t.wrap(0, fmt.Sprintf("No outage or latency spike was found; %s (see -o markdown).", plural(len(v.Anomalies), "anomaly")))
	}

	if len(v.Impact) > 0 && !v.Inputs.Empty() {
		t.blank()
		t.line(0, t.bold("Impact")+" (latency: window, baseline in parentheses)")
		if err := t.impact(v); err != nil {
			return err
		}
	}
	t.timeline(v)

	t.blank()
	if len(v.Gaps) == 0 {
		t.line(0, t.bold("Data gaps:")+" none.")
	} else {
		t.line(0, t.bold("Data gaps"))
		for _, g := range v.Gaps {
			what := g.Source
			if g.What != "" {
				what += " " + g.What
			}
			t.wrap(2, "- "+what+": "+g.Reason)
		}
	}
	return t.err
}

// tty writes the lines of the terminal report.
type tty struct {
	w   io.Writer
	o   Options
	err error
}

func (t *tty) line(indent int, s string) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, "%s%s\n", strings.Repeat(" ", indent), s)
	}
}

func (t *tty) blank() { t.line(0, "") }

func (t *tty) bold(s string) string {
	if t.o.Color {
		return ansiBold + s + ansiReset
	}
	return s
}

func (t *tty) paint(color, s string) string {
	if t.o.Color {
		return color + s + ansiReset
	}
	return s
}

// wrap writes s from column indent, wrapped at words to the width; a line
// after the first is indented two more. Piped, s is one line.
func (t *tty) wrap(indent int, s string) {
	for i, l := range wrapText(oneLine(s), t.o.Width, indent) {
		if i == 0 {
			t.line(indent, l)
		} else {
			t.line(indent+2, l)
		}
	}
}

// wrapHanging is prefix then s wrapped to width, its later lines indented
// under the start of s: one timeline entry with its columns kept.
func wrapHanging(prefix, s string, width int) string {
	pw := runewidth.StringWidth(prefix)
	if width <= 0 {
		return prefix + s
	}
	lines := wrapText(s, width-pw+2, 2) // later lines get width-pw, as the first
	for i := 1; i < len(lines); i++ {
		lines[i] = strings.Repeat(" ", pw) + lines[i]
	}
	return prefix + strings.Join(lines, "\n  ")
}

// visibleWidth is the width of s on a terminal, colour codes left out.
func visibleWidth(s string) int { return runewidth.StringWidth(ansiRE.ReplaceAllString(s, "")) }

var ansiRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// wrapText breaks s at spaces into lines that fit width-indent columns
// (width-indent-2 after the first). A word longer than a line stays whole:
// a path or a query is not cut. Width 0 is no limit.
func wrapText(s string, width, indent int) []string {
	if width <= 0 || visibleWidth(s)+indent <= width {
		return []string{s}
	}
	var out []string
	var cur strings.Builder
	room := max(width-indent, 20)
	for _, word := range strings.Fields(s) {
		ww := visibleWidth(word)
		if cur.Len() > 0 && visibleWidth(cur.String())+1+ww > room {
			out = append(out, cur.String())
			cur.Reset()
			room = max(width-indent-2, 20)
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func (t *tty) symptom(v *view, s analyze.Symptom) {
	lasted := human(s.Duration)
	if s.Ongoing {
		lasted += ", still going on when the window ended"
	}
	class := hours(s.Class)
	if s.Class != analyze.BusinessHours {
		class = t.paint(ansiYellow, class)
	}
	head := s.ID + " " + oneLine(s.Subject) + " " + kind(s.Kind)
	if s.Kind == analyze.Outage {
		head = t.paint(ansiRed, head)
	}
	t.wrap(0, t.bold(head)+", "+v.span(s.Start, s.End)+" ("+lasted+", "+class+")")
	var facts []string
	if s.Kind == analyze.Outage {
		facts = append(facts, plural(s.FailedChecks, "failed check"))
	} else {
		f := "peak " + value(s.PeakValue, s.Unit) + " against a baseline of " + value(s.BaselineValue, s.Unit)
		if r := ratio(s.Ratio); r != "" {
			f += " (" + r + ")"
		}
		facts = append(facts, f)
	}
	if r := s.Recurrence; r.DaysChecked > 0 {
		switch {
		case r.DaysSeen == 0:
			facts = append(facts, fmt.Sprintf("not seen on any of the %d previous days", r.DaysChecked))
		case r.Recurring:
			facts = append(facts, fmt.Sprintf("recurring: seen on %d of the %d previous days", r.DaysSeen, r.DaysChecked))
		default:
			facts = append(facts, fmt.Sprintf("seen on %d of the %d previous days", r.DaysSeen, r.DaysChecked))
		}
	}
	t.wrap(4, strings.Join(facts, "; "))
	if len(s.Suspects) == 0 {
		t.wrap(4, "No suspect: nothing else that was read moved during it or shortly before.")
		return
	}
	if s.Unexplained {
		t.wrap(4, unexplained)
	} else {
		t.line(4, "Suspects, most likely first:")
	}
	for i, sus := range s.Suspects {
		if i == ttySuspects {
			t.line(4, plural(len(s.Suspects)-ttySuspects, "more suspect")+" in -o markdown and -o json.")
			break
		}
		t.suspect(sus, s)
	}
}

// suspect is three lines: rank, title and score; when it began and why;
// the strongest evidence.
func (t *tty) suspect(s analyze.Suspect, sym analyze.Symptom) {
	sc := "score " + score(s.Score) + " " + s.Confidence
	if s.Confidence == "high" {
		sc = t.paint(ansiRed, sc)
	}
	t.wrap(4, fmt.Sprintf("%d. %s  (%s)", s.Rank, oneLine(s.Title), sc))
	reason := lead(s.Lead, kind(sym.Kind))
	if s.Known != "" {
		reason += "; known: " + s.Known
	}
	if s.Reason != "" {
		// The reason's first clause repeats the title with the time
		// ("X started at 14:04, with the outage"); the lead says that
		// in fewer words, so the clauses with the numbers fit.
		parts := strings.Split(strings.TrimSuffix(oneLine(s.Reason), "."), "; ")
		if strings.HasPrefix(parts[0], oneLine(s.Title)) {
			parts[0] = reason
		}
		reason = t.clauses(strings.Join(parts, "; ")+".", 7)
	}
	t.wrap(7, reason)
	if ev := strongest(s.Evidence); ev != "" {
		t.wrap(7, ev)
	}
}

// clauses is the reason cut after the last "; "-separated clause that fits
// on one line at indent (at least the first clause). Piped, all of it.
func (t *tty) clauses(s string, indent int) string {
	if t.o.Width <= 0 {
		return s
	}
	parts := strings.Split(strings.TrimSuffix(s, "."), "; ")
	out := parts[0]
	for _, p := range parts[1:] {
		if runewidth.StringWidth(out+"; "+p+".")+indent > t.o.Width {
			break
		}
		out += "; " + p
	}
	return out + "."
}

// strongest is the first piece of evidence a person can check by hand:
// "evidence: syslog-db1:1056" or "query: rate(...)".
func strongest(evs []analyze.Evidence) string {
	for _, e := range evs {
		switch {
		case e.Ref != "" && e.Query != "":
			return "evidence: " + e.Ref + ", query: " + e.Query
		case e.Ref != "":
			return "evidence: " + e.Ref
		case e.Query != "":
			return "query: " + e.Query
		}
	}
	for _, e := range evs {
		if e.Text != "" {
			return "evidence: " + e.Text
		}
	}
	return ""
}

// impact is the table of what each probe's users saw. On a terminal too
// narrow for every column, the least needed go first: the sparkline, max,
// p50, then the outages count.
func (t *tty) impact(v *view) error {
	header := []string{"Probe", "Checks", "Failed", "Avail.", "Downtime", "Outages", "p50", "p95", "max", "Latency"}
	rows := [][]string{}
	for _, im := range v.Impact {
		rows = append(rows, []string{
			im.Probe, strconv.Itoa(im.Checks), strconv.Itoa(im.Failed), percent(im.Availability),
			human(im.Downtime), strconv.Itoa(im.Outages),
			during(im.P50, im.BaseP50), during(im.P95, im.BaseP95), during(im.Max, im.BaseMax),
			latencyLine(im),
		})
	}
	return t.fitTable(2, header, rows, []int{9, 8, 6, 5, 1})
}

// fitTable writes an aligned table from column indent. On a terminal it
// leaves out columns, in the order drop names them, until the table fits
// the width, and says which; piped, every column is kept.
func (t *tty) fitTable(indent int, header []string, rows [][]string, drop []int) error {
	keep := make([]bool, len(header))
	for i := range keep {
		keep[i] = true
	}
	for _, d := range drop {
		if t.o.Width <= 0 || tableWidth(header, rows, keep)+indent <= t.o.Width {
			break
		}
		keep[d] = false
	}
	var left []string
	for i, k := range keep {
		if !k {
			left = append(left, header[i])
		}
	}
	pick := func(r []string) []string {
		var out []string
		for i, c := range r {
			if keep[i] {
				out = append(out, c)
			}
		}
		return out
	}
	h := pick(header)
	var rs [][]string
	for _, r := range rows {
		rs = append(rs, pick(r))
	}
	var b strings.Builder
	if err := alignedTable(&b, h, rs, t.o.Color); err != nil {
		return err
	}
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		t.line(indent, l)
	}
	if len(left) > 0 {
		t.wrap(indent, fmt.Sprintf("(%s left out to fit; -o markdown has every column.)", andList(left)))
	}
	return nil
}

// andList is "a", "a and b", "a, b and c".
func andList(xs []string) string {
	if n := len(xs); n > 1 {
		return strings.Join(xs[:n-1], ", ") + " and " + xs[n-1]
	}
	return strings.Join(xs, "")
}

// tableWidth is the width of the aligned table of the kept columns.
func tableWidth(header []string, rows [][]string, keep []bool) int {
	w := 0
	for i := range header {
		if !keep[i] {
			continue
		}
		cw := runewidth.StringWidth(header[i])
		for _, r := range rows {
			cw = max(cw, runewidth.StringWidth(r[i]))
		}
		w += cw + 2
	}
	return w
}

// alignedTable writes columns padded with spaces, a header and a rule,
// without borders: at 80 columns a bordered row of ten cells wraps.
func alignedTable(w io.Writer, header []string, rows [][]string, color bool) error {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = visibleWidth(h)
		for _, r := range rows {
			widths[i] = max(widths[i], visibleWidth(r[i]))
		}
	}
	row := func(cells []string, bold bool) {
		var b strings.Builder
		for i, c := range cells {
			c = oneLine(c)
			pad := widths[i] - visibleWidth(c)
			if bold && color {
				c = ansiBold + c + ansiReset
			}
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", pad+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	row(header, true)
	rule := make([]string, len(header))
	for i := range rule {
		rule[i] = strings.Repeat("-", widths[i])
	}
	row(rule, false)
	for _, r := range rows {
		row(r, false)
	}
	return nil
}

// timeline is at most ttyTimeline entries, those nearest the first
// symptom's start, in time order.
func (t *tty) timeline(v *view) {
	if len(v.Timeline) == 0 {
		return
	}
	at := v.Window.From
	if len(v.Symptoms) > 0 {
		at = v.Symptoms[0].Start
	}
	idx := make([]int, len(v.Timeline))
	for i := range idx {
		idx[i] = i
	}
	dist := func(i int) time.Duration {
		d := v.Timeline[i].T.Sub(at)
		return max(d, -d)
	}
	slices.SortStableFunc(idx, func(a, b int) int { return int(min(max(dist(a)-dist(b), -1), 1)) })
	idx = idx[:min(len(idx), ttyTimeline)]
	slices.Sort(idx)
	t.blank()
	head := "Timeline (" + v.zoneLabel() + ")"
	if len(v.Timeline) > len(idx) {
		head += fmt.Sprintf(", %d of %d entries, those nearest %s; the rest in -o markdown", len(idx), len(v.Timeline), v.stamp(at))
	}
	// Entries before the window are the lead-up (see leadUp): said here
	// too, or a timeline starting before the asked window reads as a bug.
	if first := v.Timeline[idx[0]].T; first.Before(v.Window.From) {
		head += fmt.Sprintf("; from %s, %s before the window: a cause may start up to the profile's lag before its symptom",
			v.clock(first), human(v.Window.From.Sub(first)))
	}
	t.wrap(0, t.bold(head))
	width, swidth := 0, 0
	for _, i := range idx {
		width = max(width, runewidth.StringWidth(v.stamp(v.Timeline[i].T)))
		swidth = max(swidth, runewidth.StringWidth(oneLine(v.Timeline[i].Source)))
	}
	for _, i := range idx {
		e := v.Timeline[i]
		ev := oneLine(e.Text)
		if k := strings.ReplaceAll(e.Kind, "_", " "); !strings.HasPrefix(strings.ToLower(e.Text), strings.ToLower(k)) {
			ev = k + ": " + ev
		}
		if e.Known != "" {
			ev += " (known: " + e.Known + ")"
		}
		if e.Ref != "" {
			ev += " " + e.Ref
		}
		stamp := v.stamp(e.T)
		stamp += strings.Repeat(" ", width-runewidth.StringWidth(stamp))
		src := oneLine(e.Source)
		src += strings.Repeat(" ", swidth-runewidth.StringWidth(src))
		t.line(2, wrapHanging(stamp+"  "+src+"  ", ev, t.o.Width-2))
	}
}

// fitColumns fits the aligned table of rows to width columns (two spaces
// between columns, as alignedTable draws it, with no indent: the summary's
// tables start at the margin) and returns the header and rows to draw. The cells of
// the columns in shrink are cut with "…", the widest first, none below
// minFitColumn (or its header); when that is not enough, the columns in
// drop go, least needed first, as the analyze report's impact table does.
// Past that the table is left wider than the terminal rather than cutting
// a cell to nothing. Width 0 changes nothing: piped, every word is kept.
func fitColumns(header []string, rows [][]string, width int, shrink, drop []int) ([]string, [][]string) {
	if width <= 0 {
		return header, rows
	}
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = visibleWidth(h)
		for _, r := range rows {
			widths[i] = max(widths[i], visibleWidth(oneLine(r[i])))
		}
	}
	floor := func(i int) int { return min(widths[i], max(minFitColumn, visibleWidth(header[i]))) }
	keep := make([]bool, len(header))
	for i := range keep {
		keep[i] = true
	}
	total := func(shrunk bool) int {
		t := -2
		for i, cw := range widths {
			if !keep[i] {
				continue
			}
			if shrunk && slices.Contains(shrink, i) {
				cw = floor(i)
			}
			t += cw + 2
		}
		return t
	}
	for _, d := range drop {
		if total(true) <= width {
			break
		}
		keep[d] = false
	}
	for total(false) > width {
		widest := -1
		for _, i := range shrink {
			if keep[i] && widths[i] > floor(i) && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest] = max(floor(widest), widths[widest]-(total(false)-width))
	}
	pick := func(r []string) []string {
		var out []string
		for i, c := range r {
			if !keep[i] {
				continue
			}
			if c = oneLine(c); slices.Contains(shrink, i) && visibleWidth(c) > widths[i] {
				c = truncateWidth(c, widths[i])
			}
			out = append(out, c)
		}
		return out
	}
	var rs [][]string
	for _, r := range rows {
		rs = append(rs, pick(r))
	}
	return pick(header), rs
}

// minFitColumn is the narrowest fitColumns cuts a text column to: a few
// words of a cause or a template still say which it is.
const minFitColumn = 16

// truncateWidth cuts s to at most n terminal columns, the last one "…".
func truncateWidth(s string, n int) string {
	if runewidth.StringWidth(s) <= n {
		return s
	}
	return runewidth.Truncate(s, n, "…")
}

// tsv writes a header line and one line per row, tab-separated; tabs and
// newlines inside a cell become spaces.
func tsv(w io.Writer, header []string, rows [][]string) error {
	line := func(cells []string) {
		for i, c := range cells {
			cells[i] = oneLine(strings.ReplaceAll(c, "\t", " "))
		}
		fmt.Fprintln(w, strings.Join(cells, "\t"))
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
	return nil
}

const (
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiReset  = "\x1b[0m"
)

// colorRows bolds the header and colours what needs a look: outages,
// failed checks and new episodes red; anything outside business hours and
// changed episodes yellow.
func colorRows(header []string, rows [][]string) {
	// header may be nil: alignedTable bolds its own.
	for i, h := range header {
		header[i] = ansiBold + h + ansiReset
	}
	for _, r := range rows {
		for i, c := range r {
			switch {
			case strings.HasSuffix(c, " outage"), strings.HasSuffix(c, " failed checks"), c == "NEW":
				r[i] = ansiRed + c + ansiReset
			case c == hours(analyze.OffHours), c == hours(analyze.Weekend), c == hours(analyze.Holiday), c == "CHANGED":
				r[i] = ansiYellow + c + ansiReset
			}
		}
	}
}
