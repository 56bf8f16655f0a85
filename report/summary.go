package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
)

// SummarySchema names the JSON document of the nightly summary.
// v2 replaced v1 as report/v2 replaced report/v1: times in the profile's
// zone, durations in seconds.
const SummarySchema = "hindsight/summary/v2"

// SummaryFormats are the formats WriteSummary accepts. "slack" is the
// payload of a Slack incoming webhook ({"text": ...} in Slack's mrkdwn).
var SummaryFormats = []string{"markdown", "json", "table", "slack", "teams", "discord"}

// WriteSummary renders the nightly summary s to w as format (see
// SummaryFormats); like Write it renders fully before writing.
func WriteSummary(w io.Writer, format string, s *analyze.Summary, o Options) error {
	if s == nil {
		return errors.New("report: no summary to render")
	}
	v := newView(&analyze.Findings{Window: s.Window, Zone: s.Zone, Profile: s.Profile})
	// The gaps' times in the profile's zone, as in the report.
	c := *s
	c.Gaps = v.localGaps(s.Gaps, strings.EqualFold(strings.TrimSpace(format), "json"))
	s = &c
	sv := summaryView{v, s}
	var buf bytes.Buffer
	var err error
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "markdown", "md":
		sv.markdown(&buf)
	case "json":
		var b []byte
		b, err = marshalV2(struct {
			Schema  string           `json:"schema"`
			Summary *analyze.Summary `json:"summary"`
		}{SummarySchema, s}, v.loc)
		buf.Write(b)
	case "table":
		err = sv.table(&buf, o)
	case "slack":
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		err = enc.Encode(map[string]string{"text": sv.slack()})
	case "teams":
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		err = enc.Encode(sv.teamsCard())
	case "discord":
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		// allowed_mentions: a log line with @everyone must not ping anyone.
		err = enc.Encode(map[string]any{"content": fitLines(sv.chat(markdownChat), discordLimit),
			"allowed_mentions": map[string]any{"parse": []string{}}})
	default:
		return fmt.Errorf("unknown summary format %q (want %s)", format, strings.Join(SummaryFormats, ", "))
	}
	if err != nil {
		return fmt.Errorf("summary %s: %w", format, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

type summaryView struct {
	*view
	s *analyze.Summary
}

func (sv summaryView) title() string {
	t := "Nightly summary"
	if sv.s.Profile != "" {
		t += ": " + sv.s.Profile
	}
	return t + ", " + sv.span(sv.s.Window.From, sv.s.Window.To)
}

// counts is "3 episodes: 1 new, 1 changed, 1 known".
func (sv summaryView) counts() string {
	s := sv.s
	if len(s.Episodes) == 0 {
		if s.Inputs.Empty() {
			return "No data was read for the window: see the data gaps."
		}
		return "Nothing abnormal was found."
	}
	return fmt.Sprintf("%s: %d new, %d changed, %d known.", plural(len(s.Episodes), "episode"), s.New, s.Change, s.Known)
}

func (sv summaryView) compared() string {
	if sv.s.Previous == nil {
		return "No previous summary to compare with."
	}
	return "Compared with the previous summary, " + sv.span(sv.s.Previous.From, sv.s.Previous.To) + "."
}

func statusWord(st analyze.EpisodeStatus) string {
	switch st {
	case analyze.StatusNew:
		return "NEW"
	case analyze.StatusChanged:
		return "CHANGED"
	}
	return "known"
}

func (sv summaryView) what(e analyze.SummaryEpisode) string {
	switch analyze.AnomalyKind(e.Kind) {
	case analyze.SeriesAnomaly:
		return e.Subject + " anomaly"
	case analyze.LogBurst, analyze.NewPattern:
		return strings.ReplaceAll(e.Kind, "_", " ") + ": " + e.Subject
	}
	return e.Subject + " " + strings.ReplaceAll(e.Kind, "_", " ")
}

func (sv summaryView) peak(e analyze.SummaryEpisode) string {
	if e.Kind == string(analyze.Outage) {
		return "down"
	}
	p := value(e.PeakValue, e.Unit) + " (" + value(e.BaselineValue, e.Unit) + ")"
	if r := ratio(e.Ratio); r != "" {
		p += ", " + r
	}
	return p
}

// peakProse is peak for a sentence: "Peak 244 against a usual 10 (24.4×)";
// the table's "244 (10), 24.4×" sits under its "Peak (baseline)" header,
// which prose does not have.
func (sv summaryView) peakProse(e analyze.SummaryEpisode) string {
	p := "Peak " + value(e.PeakValue, e.Unit) + " against a usual " + value(e.BaselineValue, e.Unit)
	if r := ratio(e.Ratio); r != "" {
		p += " (" + r + ")"
	}
	return p
}

func (sv summaryView) markdown(w io.Writer) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	s := sv.s
	p("# %s\n\n%s %s\n", text(sv.title()), sv.counts(), sv.compared())
	if len(s.Episodes) > 0 {
		p("\n## Episodes\n\nOutside business hours first.\n")
		if q := sv.quiet(); q != "" {
			p("\n%s\n", text(q))
		}
		for _, e := range s.Episodes {
			if e.Quiet() {
				continue
			}
			p("\n### %s %s: %s, %s (%s, %s)\n\n", e.ID, statusWord(e.Status), text(sv.what(e)),
				sv.span(e.Start, e.End), human(e.Duration()), hours(e.Class))
			p("%s", text(e.Why))
			if e.Kind != string(analyze.Outage) {
				p(" %s.", sv.peakProse(e))
			}
			if e.Cause != "" {
				p(" Most likely cause: **%s**.", text(e.Cause))
			}
			if e.Recurring != "" && !strings.Contains(e.Why, e.Recurring) {
				p(" It is %s", text(e.Recurring))
			}
			if len(e.Members) > 0 {
				p(" With: %s.", text(strings.Join(e.Members, "; ")))
			}
			if e.Explanation != "" {
				p(" %s", text(e.Explanation))
			}
			p("\n")
		}
	}
	if len(s.Upstream) > 0 {
		p("\n## Upstream status pages\n\n")
		for _, u := range s.Upstream {
			p("- %s %s (%s)", sv.at(u.T), text(u.Text), u.Source)
			if u.Ref != "" {
				p(" %s", text(u.Ref))
			}
			p("\n")
		}
	}
	if len(s.Gone) > 0 {
		p("\n## Gone since the previous summary\n\n")
		for _, g := range s.Gone {
			p("- %s, last at %s (%s)\n", text(g.Title), sv.at(g.Start), human(g.Duration))
		}
	}
	if len(s.Patterns) > 0 {
		p("\n## Log patterns since the previous summary\n\n%s\n\n", sv.patternCounts())
		for i, c := range s.Patterns {
			if i == summaryPatterns {
				p("- %s more in the JSON output\n", plural(len(s.Patterns)-summaryPatterns, "change"))
				break
			}
			p("- %s\n", sv.patternLine(c))
		}
	}
	if len(s.SLA) > 0 {
		p("\n## Availability this month\n\n| Monitor | Since | Checks | Failed | Availability | Downtime |\n|---|---|--:|--:|--:|--:|\n")
		for _, m := range s.SLA {
			since := sv.at(m.From)
			if !m.Since.IsZero() {
				since = sv.at(m.Since) + " (first check read)"
			}
			p("| %s | %s | %d | %d | %s | %s |\n", cell(text(m.Probe+" ("+m.Source+")")), since, m.Checks, m.Failed, percent(m.Availability), human(m.Downtime))
		}
	}
	p("\n## Data gaps\n\n")
	if len(s.Gaps) == 0 {
		p("None reported.\n")
	}
	for _, g := range s.Gaps {
		p("- %s\n", text(g.String()))
	}
}

// startCell is an episode's start for the terminal table, short enough
// that the table keeps its Hours column ("business" for "business hours")
// at 80 columns: "Wed 20:18" when
// the window is under a week (the weekday names one day in it), else
// "Nov 19 20:18". Piped, the Markdown and the JSON keep the full time.
func (sv summaryView) startCell(t time.Time) string {
	if sv.s.Window.Duration() < 6*24*time.Hour {
		return sv.local(t).Format("Mon 15:04")
	}
	return sv.local(t).Format("Jan 2 15:04")
}

func (sv summaryView) table(w io.Writer, o Options) error {
	s := sv.s
	pr := func(l string) {
		if !o.Terminal {
			fmt.Fprintln(w, "# "+l)
			return
		}
		for _, l := range wrapText(oneLine(l), o.Width, 0) {
			fmt.Fprintln(w, l)
		}
	}
	// tbl writes one table: piped, tab-separated and whole; on a
	// terminal aligned without borders (as the analyze report's impact
	// table) and fitted to the width by cutting the free-text columns
	// (shrink) with "…", so that no row wraps.
	tbl := func(header []string, rows [][]string, shrink, drop []int) error {
		if !o.Terminal {
			return tsv(w, header, rows)
		}
		all := header
		header, rows = fitColumns(header, rows, o.Width, shrink, drop)
		if o.Color {
			colorRows(nil, rows)
		}
		if err := alignedTable(w, header, rows, o.Color); err != nil {
			return err
		}
		// Say what was left out, as the analyze report's impact table
		// does: a column gone without a word reads as data that is not
		// there.
		var left []string
		for _, h := range all {
			if !slices.Contains(header, h) {
				name, _, _ := strings.Cut(h, " (") // "Peak (baseline)": no parentheses in parentheses
				left = append(left, name)
			}
		}
		if len(left) > 0 {
			pr(fmt.Sprintf("(%s left out to fit; -o markdown has every column.)", andList(left)))
		}
		return nil
	}
	pr(sv.title())
	pr(sv.counts() + " " + sv.compared())
	if len(s.Episodes) > 0 {
		rows := [][]string{}
		for _, e := range s.Episodes {
			if e.Quiet() {
				continue
			}
			start, class := sv.stamp(e.Start), hours(e.Class)
			if o.Terminal {
				start, class = sv.startCell(e.Start), strings.TrimSuffix(class, " hours")
			}
			rows = append(rows, []string{e.ID, statusWord(e.Status), start, human(e.Duration()), class,
				sv.what(e), sv.peak(e), e.Cause})
		}
		if err := tbl([]string{"ID", "Status", "Start (" + sv.zoneLabel() + ")", "Lasted", "Hours", "What", "Peak (baseline)", "Cause"}, rows,
			[]int{7, 5}, []int{6, 4, 3}); err != nil {
			return err
		}
	}
	if q := sv.quiet(); q != "" {
		pr(q)
	}
	if len(s.Patterns) > 0 {
		rows := [][]string{}
		for _, c := range s.Patterns {
			rows = append(rows, []string{string(c.Status), c.Template, c.Source, strconv.Itoa(c.Lines), strconv.Itoa(c.Previous)})
		}
		pr("Log patterns since the previous summary: " + sv.patternCounts())
		if err := tbl([]string{"Status", "Template", "Source", "Lines", "Before"}, rows, []int{1}, []int{4, 2}); err != nil {
			return err
		}
	}
	if len(s.Gone) > 0 {
		rows := [][]string{}
		for _, g := range s.Gone {
			rows = append(rows, []string{g.Title, sv.at(g.Start), human(g.Duration)})
		}
		pr("Gone since the previous summary")
		if err := tbl([]string{"Gone", "Last seen", "Lasted"}, rows, []int{0}, []int{2}); err != nil {
			return err
		}
	}
	if len(s.SLA) > 0 {
		rows := [][]string{}
		for _, m := range s.SLA {
			rows = append(rows, []string{m.Probe, strconv.Itoa(m.Checks), strconv.Itoa(m.Failed), percent(m.Availability), human(m.Downtime)})
		}
		pr("Availability this month")
		if err := tbl([]string{"Monitor", "Checks", "Failed", "Avail.", "Downtime"}, rows, []int{0}, []int{1}); err != nil {
			return err
		}
	}
	for _, g := range s.Gaps {
		pr("Gap: " + g.String())
	}
	return nil
}

// slack is the summary in Slack's mrkdwn: *bold*, one line per episode.
func (sv summaryView) slack() string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
	return sv.chat(chatDialect{bold: "*", italic: "_", esc: esc, code: esc})
}

// chatDialect is how a chat service marks up text: Slack's mrkdwn (*bold*,
// _italic_, &<> escaped) or the Markdown of Discord and Teams (**bold**,
// *italic*).
type chatDialect struct {
	bold, italic string
	esc          func(string) string // prose
	code         func(string) string // inside `code`
}

var markdownChat = chatDialect{bold: "**", italic: "*", esc: func(s string) string {
	return strings.NewReplacer("*", `\*`, "_", `\_`, "`", "'").Replace(s)
}, code: func(s string) string { return s }}

// chat is the summary as a chat message in dialect d.
func (sv summaryView) chat(d chatDialect) string {
	s := sv.s
	esc := d.esc
	bold := func(x string) string { return d.bold + x + d.bold }
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s %s\n", bold(esc(sv.title())), esc(sv.counts()), esc(sv.compared()))
	for _, e := range s.Episodes {
		if e.Quiet() {
			continue
		}
		fmt.Fprintf(&b, "• %s %s, %s (%s, %s)", bold(statusWord(e.Status)), esc(sv.what(e)), esc(sv.span(e.Start, e.End)), human(e.Duration()), hours(e.Class))
		if e.Cause != "" {
			fmt.Fprintf(&b, ": most likely %s", esc(e.Cause))
		}
		if e.Status == analyze.StatusChanged {
			fmt.Fprintf(&b, "\n    %s%s%s", d.italic, esc(e.Why), d.italic)
		}
		b.WriteString("\n")
	}
	if q := sv.quiet(); q != "" {
		fmt.Fprintf(&b, "%s\n", esc(q))
	}
	for _, g := range s.Gone {
		fmt.Fprintf(&b, "• gone: %s\n", esc(g.Title))
	}
	if len(s.Patterns) > 0 {
		fmt.Fprintf(&b, "Log patterns: %s\n", esc(sv.patternCounts()))
		for _, c := range s.Patterns {
			if c.Status == analyze.PatternNew {
				fmt.Fprintf(&b, "• new log pattern `%s` (%d lines)\n", d.code(strings.ReplaceAll(c.Template, "`", "'")), c.Lines)
			}
		}
	}
	for _, m := range s.SLA {
		fmt.Fprintf(&b, "%s this month: %s (%s down)\n", esc(m.Probe), percent(m.Availability), human(m.Downtime))
	}
	if len(s.Gaps) > 0 {
		fmt.Fprintf(&b, "%s: see the full report\n", plural(len(s.Gaps), "data gap"))
	}
	return strings.TrimRight(b.String(), "\n")
}

// discordLimit is the most characters a Discord message's content holds.
const discordLimit = 2000

// fitLines keeps the whole lines of s that fit in limit characters, and
// says how many were left out.
func fitLines(s string, limit int) string {
	if len([]rune(s)) <= limit {
		return s
	}
	lines := strings.Split(s, "\n")
	var out []string
	n := 0
	for i, l := range lines {
		tail := fmt.Sprintf("\n(%s more in the full summary)", plural(len(lines)-i, "line"))
		if n+len([]rune(l))+1+len([]rune(tail)) > limit {
			return strings.Join(out, "\n") + tail
		}
		out = append(out, l)
		n += len([]rune(l)) + 1
	}
	return strings.Join(out, "\n")
}

// teamsCard is the payload of a Teams Workflows webhook ("Post to a
// channel when a webhook request is received"): a message with one
// Adaptive Card, a TextBlock per line.
func (sv summaryView) teamsCard() any {
	type block struct {
		Type   string `json:"type"`
		Text   string `json:"text"`
		Wrap   bool   `json:"wrap"`
		Weight string `json:"weight,omitempty"`
		Size   string `json:"size,omitempty"`
	}
	var body []block
	// Adaptive Cards render **bold** and *italic* but no backslash
	// escapes: the text goes as it is.
	teams := chatDialect{bold: "**", italic: "*", esc: func(s string) string { return s }, code: func(s string) string { return s }}
	for i, l := range strings.Split(sv.chat(teams), "\n") {
		b := block{Type: "TextBlock", Text: l, Wrap: true}
		if i == 0 {
			b.Text, b.Weight, b.Size = strings.Trim(l, "*"), "Bolder", "Medium"
		}
		body = append(body, b)
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"content": map[string]any{
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"type":    "AdaptiveCard",
				"version": "1.4",
				"body":    body,
			},
		}},
	}
}

// quiet is one line naming the known events that happened as expected, or
// "" when none did: the team knows them, so they get no section.
func (sv summaryView) quiet() string {
	var names []string
	for _, e := range sv.s.Episodes {
		if e.Quiet() {
			names = append(names, fmt.Sprintf("%s (%s, %s)", e.Expected, e.ID, sv.span(e.Start, e.End)))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "As expected and unchanged: " + strings.Join(names, "; ") + "."
}

// summaryPatterns bounds the log-pattern changes listed in Markdown.
const summaryPatterns = 15

func (sv summaryView) patternCounts() string {
	n := map[analyze.PatternStatus]int{}
	for _, c := range sv.s.Patterns {
		n[c.Status]++
	}
	return fmt.Sprintf("%d new, %d grown, %d gone; %d steady.", n[analyze.PatternNew], n[analyze.PatternGrown],
		n[analyze.PatternGone], sv.s.PatternsSteady)
}

func (sv summaryView) patternLine(c analyze.PatternChange) string {
	t := code(c.Template) + " (" + text(c.Source) + ")"
	switch c.Status {
	case analyze.PatternNew:
		return fmt.Sprintf("new: %s, %d lines", t, c.Lines)
	case analyze.PatternGrown:
		return fmt.Sprintf("grown: %s, %d lines, %.1f an hour against %.1f last time", t, c.Lines, c.PerHour, c.PreviousPerHour)
	}
	return fmt.Sprintf("gone: %s, %d lines last time, none now", t, c.Previous)
}
