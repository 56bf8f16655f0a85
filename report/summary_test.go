package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

// summaryFixture is the night of 2025-11-20 as analyze.Summarize would
// give it after the night before: the backup spike changed (the mail
// queue joined it), an evening queue blip is new, a morning 5xx blip is
// known, and the previous night's disk alert is gone.
func summaryFixture() *analyze.Summary {
	prev := window("2025-11-18 18:00:00", "2025-11-19 09:00:00")
	return &analyze.Summary{
		Window: window("2025-11-19 18:00:00", "2025-11-20 07:00:00"), Zone: "Asia/Seoul", Profile: "acme-shop",
		Previous: &prev,
		Episodes: []analyze.SummaryEpisode{{
			ID: "N1", Status: analyze.StatusNew, Key: "series|metrics|app_queue_depth{queue=mail}",
			Why:  "New: not in the previous summary and not seen at this time on the days before.",
			Kind: "series", Subject: "app_queue_depth{queue=mail}", Source: "metrics",
			Start: kst("2025-11-19 20:18:00"), End: kst("2025-11-19 20:21:00"), Class: analyze.OffHours,
			PeakValue: 244, BaselineValue: 10, Ratio: 24.4, Members: []string{},
			Explanation: "app_queue_depth{queue=mail} rose to 244 at 20:18, 24.4× its usual 10.0.",
		}, {
			ID: "N2", Status: analyze.StatusChanged, Key: "latency_spike|kuma|Shop",
			Why:  "Changed since the previous summary (2025-11-19 03:00): now with series app_queue_depth{queue=mail}.",
			Kind: "latency_spike", Subject: "Shop", Source: "kuma", Symptom: "S1",
			Start: kst("2025-11-20 03:00:00"), End: kst("2025-11-20 03:18:00"), Class: analyze.OffHours,
			PeakValue: 2.86, BaselineValue: 0.139, Unit: "s", Ratio: 20.6, Cause: "cron: /usr/local/bin/backup-db.sh shop",
			Members:     []string{"series app_queue_depth{queue=mail}", "series node_load1{instance=db1:9100}"},
			Explanation: "Shop response time peaked at 2.86 s at 03:00, 20.6× its usual 139 ms.",
			Recurring:   "recurring, seen at this time on 7 of the 7 previous days.",
		}, {
			ID: "N3", Status: analyze.StatusKnown, Key: "series|nginx|nginx 5xx",
			Why:  "Known: the previous summary had it too, at 2025-11-19 06:19, much the same.",
			Kind: "series", Subject: "nginx 5xx", Source: "nginx",
			Start: kst("2025-11-20 06:19:00"), End: kst("2025-11-20 06:20:00"), Class: analyze.OffHours,
			PeakValue: 3, BaselineValue: 0, Members: []string{},
		}},
		Gone: []analyze.EpisodeState{{Key: "series|metrics|node_filesystem_avail_bytes", Title: "series node_filesystem_avail_bytes",
			Start: kst("2025-11-19 01:40:00"), MinuteOfDay: 100, Duration: 25 * time.Minute, Members: []string{}}},
		New: 1, Known: 1, Change: 1,
		Patterns: []analyze.PatternChange{
			{ID: "9f1", Source: "syslog", Template: "shop: ERROR migration <*> failed: canceling statement due to lock timeout", Status: analyze.PatternNew, Lines: 25, PerHour: 1.92},
			{ID: "3c2", Source: "nginx", Template: "GET /api/items/<*> 5xx", Status: analyze.PatternGrown, Lines: 60, Previous: 20, PerHour: 4.62, PreviousPerHour: 1.33},
			{ID: "77a", Source: "syslog", Template: "systemd-resolved: Using degraded feature set <*> for DNS server <*>", Status: analyze.PatternGone, Previous: 12, PreviousPerHour: 0.8},
		},
		PatternsSteady: 31,
		SLA: []analyze.MonitorSLA{{Probe: "API", Source: "kuma", From: kst("2025-11-01 00:00:00"), To: kst("2025-11-20 07:00:00"),
			Since: kst("2025-11-13 00:00:00"), Checks: 10500, Availability: 1},
			{Probe: "Shop", Source: "kuma", From: kst("2025-11-01 00:00:00"), To: kst("2025-11-20 07:00:00"),
				Since: kst("2025-11-13 00:00:00"), Checks: 10500, Failed: 7, Availability: 1 - 7.0/10500, Downtime: 7 * time.Minute}},
		Gaps:   []sources.Gap{},
		Inputs: analyze.Inputs{Probes: 2, Beats: 20520},
	}
}

func TestSummaryGolden(t *testing.T) {
	for _, c := range []struct {
		format, ext string
		o           Options
	}{
		{"markdown", "md", Options{}}, {"json", "json", Options{}}, {"table", "txt", Options{}},
		{"table", "tty.txt", Options{Terminal: true, Width: 80}}, {"slack", "slack.json", Options{}},
		{"teams", "teams.json", Options{}}, {"discord", "discord.json", Options{}},
	} {
		name := "summary." + c.ext + ".golden"
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSummary(&buf, c.format, summaryFixture(), c.o); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, buf.Bytes())
		})
	}
}

func TestSummarySlackPayload(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSummary(&buf, "slack", summaryFixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	var msg map[string]string
	if err := json.Unmarshal(buf.Bytes(), &msg); err != nil || len(msg) != 1 {
		t.Fatalf("not {\"text\": ...}: %v %s", err, buf.String())
	}
	for _, want := range []string{"*Nightly summary: acme-shop,", "• *CHANGED* Shop latency spike", "• gone: series node_filesystem_avail_bytes", "Shop this month: 99.93%"} {
		if !strings.Contains(msg["text"], want) {
			t.Errorf("Slack text lacks %q:\n%s", want, msg["text"])
		}
	}
}

// A known event that happened as expected gets one line, not a section;
// changed, it is shown in full.
func TestSummaryExpectedKnownEventsInOneLine(t *testing.T) {
	s := summaryFixture()
	if len(s.Episodes) == 0 {
		t.Fatal("fixture has no episodes")
	}
	s.Episodes[0].Status, s.Episodes[0].Expected = analyze.StatusKnown, "nightly database backup"
	for _, format := range []string{"markdown", "slack"} {
		var buf bytes.Buffer
		if err := WriteSummary(&buf, format, s, Options{}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		if !strings.Contains(out, "As expected and unchanged: nightly database backup ("+s.Episodes[0].ID) {
			t.Errorf("%s: no one-line mention of the expected event:\n%s", format, out)
		}
		if format == "markdown" && strings.Contains(out, "### "+s.Episodes[0].ID+" ") {
			t.Errorf("%s: the expected event still has a section of its own", format)
		}
	}
	s.Episodes[0].Status = analyze.StatusChanged
	var buf bytes.Buffer
	if err := WriteSummary(&buf, "markdown", s, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "### "+s.Episodes[0].ID+" ") || strings.Contains(buf.String(), "As expected") {
		t.Error("a changed known event is not shown in full")
	}
}

// Discord holds 2000 characters: whole lines are kept and the rest counted.
func TestFitLines(t *testing.T) {
	s := strings.Repeat("0123456789\n", 300)
	got := fitLines(s, discordLimit)
	if n := len([]rune(got)); n > discordLimit || !strings.HasSuffix(got, "more in the full summary)") || strings.Contains(got, "0123\n") {
		t.Errorf("%d characters, ending %q", n, got[len(got)-60:])
	}
	if fitLines("short", discordLimit) != "short" {
		t.Error("a short message changed")
	}
}

// TestSummaryTableFitsTheTerminal: on a terminal the summary's tables are
// drawn without borders and every line fits the width, the long cells cut
// with "…"; piped, nothing is cut.
func TestSummaryTableFitsTheTerminal(t *testing.T) {
	long := "cron: /usr/local/bin/backup-db.sh shop --full --compress --to s3://backups/shop/nightly"
	for _, width := range []int{72, 80, 120} {
		s := summaryFixture()
		s.Episodes[1].Cause = long
		var buf bytes.Buffer
		if err := WriteSummary(&buf, "table", s, Options{Terminal: true, Color: true, Width: width}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
			if w := visibleWidth(l); w > width {
				t.Errorf("width %d: line of %d columns: %q", width, w, l)
			}
			if strings.HasPrefix(l, "+-") || strings.HasPrefix(l, "|") {
				t.Errorf("width %d: bordered line %q", width, l)
			}
		}
		if !strings.Contains(buf.String(), "…") {
			t.Errorf("width %d: nothing was cut to fit:\n%s", width, buf.String())
		}
	}
	s := summaryFixture()
	s.Episodes[1].Cause = long
	var buf bytes.Buffer
	if err := WriteSummary(&buf, "table", s, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), long) || strings.Contains(buf.String(), "…") {
		t.Errorf("piped, a cell was cut:\n%s", buf.String())
	}
}

// At 80 columns the episodes table keeps what a nightly reader scans for,
// when and whether it was off-hours, and no line is wider than the
// terminal; piped, the full start time stays for scripts.
func TestSummaryTableAt80Columns(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSummary(&buf, "table", summaryFixture(), Options{Terminal: true, Width: 80}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, l := range strings.Split(out, "\n") {
		if w := visibleWidth(l); w > 80 {
			t.Errorf("%d columns: %q", w, l)
		}
	}
	for _, want := range []string{"ID  Status   Start (KST)  Lasted  Hours      What", "N2  CHANGED  Thu 03:00    18m     off-hours  Shop latency",
		// A column dropped to fit is named, as in the analyze report.
		"(Peak left out to fit; -o markdown has every column.)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := WriteSummary(&buf, "table", summaryFixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "N2\tCHANGED\t2025-11-20 03:00:00\t18m\toff-hours\t") {
		t.Errorf("piped, the start is not whole:\n%s", buf.String())
	}
}

// In prose the peak says what the number in parentheses is; the table's
// "244 (10)" has its "Peak (baseline)" header for that.
func TestSummaryPeakInProse(t *testing.T) {
	var md, tb bytes.Buffer
	if err := WriteSummary(&md, "markdown", summaryFixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteSummary(&tb, "table", summaryFixture(), Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "Peak 244 against a usual 10 (24.4×).") || strings.Contains(md.String(), "Peak 244 (10)") {
		t.Errorf("markdown peak:\n%s", md.String())
	}
	if !strings.Contains(tb.String(), "\t244 (10), 24.4×\t") {
		t.Errorf("table peak:\n%s", tb.String())
	}
}
