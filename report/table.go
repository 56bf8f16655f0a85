package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/hindsight-sre/hindsight/analyze"
)

// writeTable renders the terminal view: symptoms with their top suspect,
// impact per probe, and data gaps. On a terminal they are ASCII tables,
// with colour when o.Color; piped, each table is tab-separated lines under
// a "# Section" line, so that cut and awk can read them.
func writeTable(w io.Writer, v *view, o Options) error {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	table := func(w io.Writer, header []string, rows [][]string) error {
		if !o.Terminal {
			return tsv(w, header, rows)
		}
		if o.Color {
			colorRows(header, rows)
		}
		return asciiTable(w, header, rows)
	}
	title := strings.TrimPrefix(markdown{w, v}.title(), "Incident report: ")
	if !o.Terminal {
		p = func(format string, a ...any) {
			// Prose becomes "# " comment lines, section titles included.
			for _, l := range strings.Split(strings.Trim(fmt.Sprintf(format, a...), "\n"), "\n") {
				if l != "" {
					fmt.Fprintf(w, "# %s\n", l)
				}
			}
		}
	} else if o.Color {
		title = ansiBold + title + ansiReset
	}
	p("%s\n", title)
	p("Window %s, baseline %s, times in %s.\n", v.span(v.Window.From, v.Window.To), v.span(v.Baseline.From, v.Baseline.To), v.zoneLabel())

	switch {
	case len(v.Symptoms) > 0:
		p("\nSymptoms\n")
		rows := [][]string{}
		for _, s := range v.Symptoms {
			rows = append(rows, symptomRow(v, s))
		}
		if err := table(w, []string{"ID", "Symptom", "Start (" + v.zoneLabel() + ")", "Lasted", "Hours", "Peak (baseline)", "Recurs", "Top suspect", "Score"}, rows); err != nil {
			return err
		}
	case v.Inputs.Empty() && len(v.Gaps) == 0:
		p("\nNo data was found for the window, and no source reported a gap: check the window and the profile's sources.\n")
	case v.Inputs.Empty():
		p("\nNo data was found for the window: see the data gaps.\n")
	default:
		p("\nNo outage or latency spike was found; %d anomalies (see -o markdown).\n", len(v.Anomalies))
	}

	if len(v.Impact) > 0 && !v.Inputs.Empty() {
		p("\nImpact (latency: window, baseline in parentheses)\n")
		rows := [][]string{}
		for _, im := range v.Impact {
			rows = append(rows, []string{
				im.Probe, strconv.Itoa(im.Checks), strconv.Itoa(im.Failed), percent(im.Availability),
				human(im.Downtime), strconv.Itoa(im.Outages),
				during(im.P50, im.BaseP50), during(im.P95, im.BaseP95), during(im.Max, im.BaseMax),
				latencyLine(im),
			})
		}
		if err := table(w, []string{"Probe", "Checks", "Failed", "Avail.", "Downtime", "Outages", "p50", "p95", "max", "Latency"}, rows); err != nil {
			return err
		}
	}

	if len(v.Gaps) == 0 {
		p("\nData gaps: none.\n")
		return nil
	}
	p("\nData gaps\n")
	rows := [][]string{}
	for _, g := range v.Gaps {
		rows = append(rows, []string{g.Source, g.What, g.Reason})
	}
	return table(w, []string{"Source", "What", "Reason"}, rows)
}

func symptomRow(v *view, s analyze.Symptom) []string {
	peak := strconv.Itoa(s.FailedChecks) + " failed checks"
	if s.Kind != analyze.Outage {
		peak = value(s.PeakValue, s.Unit) + " (" + value(s.BaselineValue, s.Unit) + ")"
	}
	recurs := "-"
	if r := s.Recurrence; r.DaysChecked > 0 {
		recurs = fmt.Sprintf("%d/%d", r.DaysSeen, r.DaysChecked)
	}
	suspect, sc := "none found", "-"
	if len(s.Suspects) > 0 {
		top := s.Suspects[0]
		suspect, sc = truncate(top.Title, 48), score(top.Score)+" "+top.Confidence
	}
	lasted := human(s.Duration)
	if s.Ongoing {
		lasted += "+"
	}
	return []string{s.ID, truncate(s.Subject, 32) + " " + kind(s.Kind), v.stamp(s.Start), lasted, hours(s.Class), peak, recurs, suspect, sc}
}

// asciiTable writes one plain ASCII table. Cells are single lines; nothing
// wraps.
func asciiTable(w io.Writer, header []string, rows [][]string) error {
	for _, r := range rows {
		for i := range r {
			r[i] = oneLine(r[i])
		}
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithSymbols(tw.NewSymbols(tw.StyleASCII)),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	t.Header(header)
	if err := t.Bulk(rows); err != nil {
		return err
	}
	return t.Render()
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
