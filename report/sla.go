package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/hindsight-sre/hindsight/analyze"
)

// SLAFormats are the formats WriteSLA accepts.
var SLAFormats = []string{"markdown", "json", "table", "html"}

// slaNote says how the numbers are made, in every format but JSON.
const slaNote = "Availability is the share of the covered time the monitor was up. Time no check covers (before the first, after the last, a hole in the history, maintenance) is not covered: it is counted neither as up nor as down, and shown apart. Coarse is covered time known only from aggregates (Kuma 2 keeps single checks for a day), whose downtime is the failed share of each aggregate. MTTR is the mean downtime of the outages that ended in the period."

// WriteSLA renders an availability report; like Write it renders fully
// before writing.
func WriteSLA(w io.Writer, format string, s *analyze.SLA, o Options) error {
	if s == nil {
		return errors.New("report: no SLA to render")
	}
	v := newView(&analyze.Findings{Window: s.Period, Zone: s.Zone, Profile: s.Profile})
	// The gaps' times in the profile's zone, as in the report.
	c := *s
	c.Gaps = v.localGaps(s.Gaps, strings.EqualFold(strings.TrimSpace(format), "json"))
	s = &c
	var buf bytes.Buffer
	var err error
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "markdown", "md":
		slaMarkdown(&buf, v, s)
	case "json":
		var b []byte
		b, err = marshalV2(s, v.loc)
		buf.Write(b)
	case "table":
		err = slaTable(&buf, v, s, o)
	case "html":
		err = slaHTML(&buf, v, s)
	default:
		return fmt.Errorf("unknown SLA format %q (want %s)", format, strings.Join(SLAFormats, ", "))
	}
	if err != nil {
		return fmt.Errorf("sla %s: %w", format, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func slaTitle(v *view, s *analyze.SLA) string {
	t := "Availability, " + v.span(s.Period.From, s.Period.To)
	if s.Profile != "" {
		t += " (" + s.Profile + ")"
	}
	return t
}

// slaRow is one monitor's cells: monitor, availability, downtime, outages,
// MTTR, covered, not covered, coarse, checks (failed).
func slaRow(m analyze.MonitorSLAPeriod) []string {
	mttr := "–"
	if m.MTTR > 0 {
		mttr = human(m.MTTR)
	}
	coarse := "–"
	if m.Coarse > 0 {
		coarse = human(m.Coarse)
	}
	return []string{m.Probe + " (" + m.Source + ")", percent(m.Availability), human(m.Downtime), strconv.Itoa(m.Outages), mttr,
		human(m.Covered), human(m.Uncovered), coarse, fmt.Sprintf("%d (%d failed)", m.Checks, m.Failed)}
}

var slaHeader = []string{"Monitor", "Availability", "Downtime", "Outages", "MTTR", "Covered", "Not covered", "Coarse", "Checks"}

// holesLine lists a monitor's uncovered stretches, longest first.
func holesLine(v *view, m analyze.MonitorSLAPeriod) string {
	if len(m.Holes) == 0 {
		return ""
	}
	var hs []string
	for _, h := range m.Holes {
		hs = append(hs, v.span(h.From, h.To)+" ("+human(h.Duration())+")")
	}
	return fmt.Sprintf("%s: not covered %s", m.Probe, strings.Join(hs, "; "))
}

func slaMarkdown(w io.Writer, v *view, s *analyze.SLA) {
	fmt.Fprintf(w, "# %s\n\n", slaTitle(v, s))
	fmt.Fprintf(w, "Period %s (%s), times in %s. %s\n\n", v.span(s.Period.From, s.Period.To), human(s.Period.Duration()), v.zoneLabel(), slaNote)
	if len(s.Monitors) == 0 {
		fmt.Fprintf(w, "No monitor was found in the period.\n")
	} else {
		fmt.Fprintf(w, "| %s |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|\n", strings.Join(slaHeader, " | "))
		for _, m := range s.Monitors {
			r := slaRow(m)
			r[0] = text(r[0]) // a monitor's name must not become HTML
			for i := range r {
				r[i] = cell(r[i])
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(r, " | "))
		}
		var hs []string
		for _, m := range s.Monitors {
			if l := holesLine(v, m); l != "" {
				hs = append(hs, "- "+text(l))
			}
		}
		if len(hs) > 0 {
			fmt.Fprintf(w, "\n## Not covered\n\n%s\n", strings.Join(hs, "\n"))
		}
	}
	fmt.Fprintf(w, "\n## Data gaps\n\n")
	if len(s.Gaps) == 0 {
		fmt.Fprintf(w, "None reported.\n")
	}
	for _, g := range s.Gaps {
		fmt.Fprintf(w, "- %s\n", text(g.String()))
	}
}

func slaTable(w io.Writer, v *view, s *analyze.SLA, o Options) error {
	t := &tty{w: w, o: o}
	t.line(0, t.bold(slaTitle(v, s)))
	t.wrap(0, fmt.Sprintf("Period %s (%s), times in %s.", v.span(s.Period.From, s.Period.To), human(s.Period.Duration()), v.zoneLabel()))
	t.blank()
	if len(s.Monitors) == 0 {
		t.line(0, "No monitor was found in the period.")
	} else {
		var rows [][]string
		for _, m := range s.Monitors {
			rows = append(rows, slaRow(m))
		}
		// Least needed first: the checks behind the figures, the stretch
		// read from coarse aggregates, the covered time (the not-covered
		// column and lines stay), MTTR.
		if err := t.fitTable(0, slaHeader, rows, []int{8, 7, 5, 4}); err != nil {
			return err
		}
		for _, m := range s.Monitors {
			if l := holesLine(v, m); l != "" {
				t.blank()
				t.wrap(0, l)
			}
		}
	}
	t.blank()
	t.wrap(0, slaNote)
	t.blank()
	if len(s.Gaps) == 0 {
		t.line(0, "Data gaps: none.")
	} else {
		t.line(0, t.bold("Data gaps"))
		for _, g := range s.Gaps {
			t.wrap(2, "- "+g.String())
		}
	}
	return t.err
}

var slaPage = template.Must(template.New("sla").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="hindsight">
<title>{{.Title}}</title>
<style>
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #d0d4d9; margin-top: 2rem; }
.caption { color: #5f6368; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; }
th, td { border: 1px solid #d0d4d9; padding: .25rem .45rem; text-align: left; }
th { background: #f6f8fa; } td.num { text-align: right; white-space: nowrap; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="caption">{{.Scope}} {{.Note}}</p>
{{- if .Rows}}
<table>
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{- range .Rows}}
<tr>{{range $i, $c := .}}{{if $i}}<td class="num">{{$c}}</td>{{else}}<td>{{$c}}</td>{{end}}{{end}}</tr>
{{- end}}
</tbody>
</table>
{{- else}}
<p>No monitor was found in the period.</p>
{{- end}}
{{- if .Holes}}
<h2>Not covered</h2>
<ul>{{range .Holes}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
<h2>Data gaps</h2>
{{- if .Gaps}}
<ul>{{range .Gaps}}<li>{{.}}</li>{{end}}</ul>
{{- else}}
<p>None reported.</p>
{{- end}}
</body>
</html>
`))

func slaHTML(w io.Writer, v *view, s *analyze.SLA) error {
	d := struct {
		Title, Scope, Note string
		Header             []string
		Rows               [][]string
		Holes, Gaps        []string
	}{Title: slaTitle(v, s), Note: slaNote, Header: slaHeader,
		Scope: fmt.Sprintf("Period %s (%s), times in %s.", v.span(s.Period.From, s.Period.To), human(s.Period.Duration()), v.zoneLabel())}
	for _, m := range s.Monitors {
		d.Rows = append(d.Rows, slaRow(m))
		if l := holesLine(v, m); l != "" {
			d.Holes = append(d.Holes, l)
		}
	}
	for _, g := range s.Gaps {
		d.Gaps = append(d.Gaps, g.String())
	}
	return slaPage.Execute(w, d)
}
