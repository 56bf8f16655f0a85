package report

import (
	"github.com/mattn/go-runewidth"

	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the golden files must not depend on the machine's zoneinfo

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var fixtures = []struct {
	name string
	f    func() *analyze.Findings
}{
	{"incident", incident},
	{"nightly", nightly},
	{"quiet", quiet},
	{"empty", empty},
}

var goldenExt = map[string]string{"markdown": "md", "json": "json", "table": "txt", "html": "html"}

// TestGolden covers every format; "table" twice, as piped (no width, what
// Write gives for a buffer) and as on an 80-column terminal without colour.
func TestGolden(t *testing.T) {
	for _, fx := range fixtures {
		for _, format := range append(slices.Clone(Formats), "table-tty") {
			ext := goldenExt[format]
			opts := Options{}
			if format == "table-tty" {
				format, ext, opts = "table", "tty.txt", Options{Terminal: true, Width: 80}
			}
			name := fx.name + "." + ext + ".golden"
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := WriteOptions(&buf, format, fx.f(), opts); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, name, buf.Bytes())
			})
		}
	}
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (go test ./report -update rewrites it):\n%s", path, got)
	}
}

func mustWrite(tb testing.TB, format string, f *analyze.Findings) string {
	tb.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, f); err != nil {
		tb.Fatalf("Write(%q): %v", format, err)
	}
	return buf.String()
}

func TestWriteFormats(t *testing.T) {
	err := Write(io.Discard, "xml", incident())
	if err == nil || !strings.Contains(err.Error(), `"xml"`) || !strings.Contains(err.Error(), "markdown, json, table") {
		t.Errorf("unknown format: got %v, want an error naming xml and the valid formats", err)
	}
	if md, markdown := mustWrite(t, "md", incident()), mustWrite(t, "markdown", incident()); md != markdown {
		t.Error(`"md" and "markdown" differ`)
	}
	if got := mustWrite(t, " JSON ", incident()); !strings.HasPrefix(got, "{") {
		t.Errorf(`" JSON " did not give JSON: %.40q`, got)
	}
	if err := Write(io.Discard, "markdown", nil); err == nil {
		t.Error("nil findings: want an error")
	}
	var w failWriter
	if err := Write(&w, "table", incident()); err == nil {
		t.Error("failing writer: want its error")
	}
}

type failWriter struct{}

func (*failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// Rendering must not change the findings it is given (the JSON renderer
// fills in empty lists on a copy).
func TestWriteLeavesFindingsAlone(t *testing.T) {
	for _, fx := range fixtures {
		for _, format := range Formats {
			f := fx.f()
			f.Gaps, f.Notes = nil, nil
			mustWrite(t, format, f)
			want := fx.f()
			want.Gaps, want.Notes = nil, nil
			if !reflect.DeepEqual(f, want) {
				t.Errorf("%s %s: Write changed the findings", fx.name, format)
			}
		}
	}
}

func TestZeroFindings(t *testing.T) {
	for _, format := range Formats {
		out := mustWrite(t, format, &analyze.Findings{})
		if format != "json" && !strings.Contains(strings.ToLower(out), "no data") {
			t.Errorf("%s of empty findings does not say there was no data:\n%s", format, out)
		}
	}
	// The terminal report's first line is its title, a sentence's start.
	if out := mustWrite(t, "table", &analyze.Findings{}); !strings.HasPrefix(out, "No data, ") {
		t.Errorf("table title %q", strings.SplitN(out, "\n", 2)[0])
	}
}

func TestJSONRoundTrip(t *testing.T) {
	for _, fx := range fixtures {
		out := mustWrite(t, "json", fx.f())
		if strings.Contains(out, "null") {
			t.Errorf("%s: JSON has a null; lists must be []", fx.name)
		}
		var doc struct {
			Schema   string            `json:"schema"`
			Findings *analyze.Findings `json:"findings"`
		}
		if err := ReadJSON([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Schema != "hindsight/report/v2" {
			t.Errorf("schema = %q", doc.Schema)
		}
		want := withEmptyLists(fx.f())
		// Gaps and notes carry their times in the profile's zone.
		v := newView(want)
		want.Gaps = orEmpty(v.localGaps(want.Gaps, true))
		for i, n := range want.Notes {
			want.Notes[i] = v.localText(n, true)
		}
		for i := range want.Anomalies {
			want.Anomalies[i].Role = 0 // not in the JSON; role travels as its name
		}
		// The JSON has the instants in the profile's zone; compare them in UTC.
		inUTC(reflect.ValueOf(doc.Findings))
		inUTC(reflect.ValueOf(want))
		if !reflect.DeepEqual(doc.Findings, want) {
			a, _ := json.MarshalIndent(doc.Findings, "", " ")
			b, _ := json.MarshalIndent(want, "", " ")
			t.Errorf("%s: findings do not survive a JSON round trip:\n%s\nwant\n%s", fx.name, a, b)
		}
	}
}

// Every JSON field name of Findings, nested types included, must be in the
// table of report/README.md.
func TestREADMEDocumentsEveryField(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == reflect.TypeFor[time.Time]() || seen[typ] {
			return
		}
		seen[typ] = true
		for field := range typ.Fields() {
			name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
			if name == "-" || !field.IsExported() {
				continue
			}
			if name == "" {
				name = field.Name
			}
			name = v2Name(name, field.Type)
			if !bytes.Contains(readme, []byte("| `"+name+"` |")) {
				t.Errorf("README.md does not document %s.%s (JSON %q)", typ, field.Name, name)
			}
			walk(field.Type)
		}
	}
	walk(reflect.TypeFor[analyze.Findings]())
}

func TestUnknownZoneFallsBackToUTC(t *testing.T) {
	f := incident()
	f.Zone = "Mars/Olympus_Mons"
	out := mustWrite(t, "markdown", f)
	for _, want := range []string{
		"# Incident report: Shop outage, 2025-11-20 05:05 UTC",
		`Time zone "Mars/Olympus_Mons" could not be loaded`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

// A window across the end of summer time has no one abbreviation: the
// tables name the zone instead.
func TestZoneLabelAcrossDST(t *testing.T) {
	berlin := mustLoad("Europe/Berlin")
	f := quiet()
	f.Zone = "Europe/Berlin"
	f.Window.From = time.Date(2025, 10, 25, 22, 0, 0, 0, berlin).UTC()
	f.Window.To = time.Date(2025, 10, 26, 8, 0, 0, 0, berlin).UTC()
	out := mustWrite(t, "markdown", f)
	if !strings.Contains(out, "| Time, Europe/Berlin |") {
		t.Errorf("timeline header does not name the zone:\n%s", out)
	}
	if !strings.Contains(out, "2025-10-25 22:00 CEST – 2025-10-26 08:00 CET") {
		t.Errorf("window does not show both abbreviations:\n%s", out)
	}
}

func TestOngoingOutageFromAggregates(t *testing.T) {
	f := nightly()
	s := &f.Symptoms[0]
	s.Kind, s.Unit, s.Ongoing, s.FailedChecks, s.Suspects = analyze.Outage, "checks", true, 9, nil
	s.Recurrence = analyze.Recurrence{}
	f.Impact[1].Resolution = time.Hour
	out := mustWrite(t, "markdown", f)
	for _, want := range []string{
		"Shop (https://shop.example) went down at 03:00 KST on Thu 2025-11-20 (off-hours) and was still down when the window ended, 41m later; 9 checks failed",
		"No likely cause was found.",
		"No suspect: nothing else that was read moved during it or shortly before.",
		"Shop was read from 1h aggregates",
		"not checked, no earlier days to compare with.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	if tab := mustWrite(t, "table", f); !strings.Contains(tab, "41m, still going on when the window ended") {
		t.Errorf("table does not mark the outage as ongoing:\n%s", tab)
	}
}

func TestMarkdownCaps(t *testing.T) {
	f := incident()
	s := &f.Symptoms[1]
	for len(s.Suspects) < mdSuspects+2 {
		sus := s.Suspects[len(s.Suspects)-1]
		sus.Rank++
		s.Suspects = append(s.Suspects, sus)
	}
	out := mustWrite(t, "markdown", f)
	if !strings.Contains(out, "2 more suspects in the JSON output.") {
		t.Errorf("markdown does not say 2 suspects were left out:\n%s", out)
	}
	if strings.Contains(out, "\n6. ") {
		t.Error("markdown shows a 6th suspect")
	}
}

// A one-day window gives clock times alone, except for what happened on
// another date (an event within the lag before midnight).
func TestTimesOffTheWindowDayShowTheirDate(t *testing.T) {
	f := nightly()
	f.Timeline = append([]analyze.TimelineEntry{{
		T: kst("2025-11-19 23:59:00"), Class: analyze.OffHours, Source: "syslog", Kind: "cron", Text: "(root) CMD (/usr/local/bin/rotate-reports)",
	}}, f.Timeline...)
	out := mustWrite(t, "markdown", f)
	for _, want := range []string{"| 2025-11-19 23:59:00 | off-hours |", "| 03:00:01 | off-hours |"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
}

func TestTableColourOnlyWhenAsked(t *testing.T) {
	var plain, tty, colour bytes.Buffer
	for _, c := range []struct {
		buf *bytes.Buffer
		o   Options
	}{{&plain, Options{}}, {&tty, Options{Terminal: true, Width: 100}}, {&colour, Options{Terminal: true, Color: true, Width: 100}}} {
		if err := WriteOptions(c.buf, "table", incident(), c.o); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(plain.String(), "\x1b[") || strings.Contains(tty.String(), "\x1b[") {
		t.Error("escape codes without Color")
	}
	if !strings.Contains(colour.String(), ansiBold+"Shop outage, 2025-11-20 14:05 KST"+ansiReset) ||
		!strings.Contains(colour.String(), ansiYellow+"off-hours"+ansiReset) {
		t.Errorf("colour table lacks the bold title or the yellow off-hours:\n%s", colour.String())
	}
	// Without escape codes, the coloured table is the terminal table.
	stripped := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(colour.String(), "")
	if stripped != tty.String() {
		t.Errorf("colour changes the layout:\n%s\nvs\n%s", stripped, tty.String())
	}
}

// Detect never claims a terminal for a buffer or a pipe.
func TestDetectNotATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	t.Setenv("NO_COLOR", "")
	if o := Detect(w); o.Terminal || o.Color {
		t.Errorf("pipe: %+v", o)
	}
	if o := Detect(&bytes.Buffer{}); o.Terminal || o.Color {
		t.Errorf("buffer: %+v", o)
	}
}

func TestEpisodesRendered(t *testing.T) {
	f := incident()
	f.Episodes = []analyze.Episode{{ID: "E1", Start: f.Symptoms[0].Start, End: f.Symptoms[0].End, Symptoms: []string{"S1", "S3"},
		Subjects: []string{"Shop", "API"}, SharedHost: "web1", Cause: "deploy: shop v2.14.0 (a1b2c3d)", CauseScore: 0.8,
		Sentence: "Shop and API went down within 40s of each other, both on web1: one incident."}}
	md := mustWrite(t, "markdown", f)
	if !strings.Contains(md, "## Outages together\n\n- **E1** (S1, S3), 2025-11-20 14:05 – 14:12 KST: Shop and API went down within 40s of each other, both on web1: one incident. Most likely cause: **deploy: shop v2.14.0 (a1b2c3d)** (score 0.80).") {
		t.Errorf("markdown episodes:\n%s", md)
	}
	if h := mustWrite(t, "html", f); !strings.Contains(h, "<li><strong>E1</strong> (S1, S3), 2025-11-20 14:05 – 14:12 KST: Shop and API") {
		t.Error("html episodes missing")
	}
}

// TestTableIsAReport: the terminal report names the ranked suspects with
// their scores, a reason and the strongest evidence, and a timeline; on a
// terminal no line is wider than it; piped, nothing is cut or wrapped.
func TestTableIsAReport(t *testing.T) {
	f := incident()
	var piped bytes.Buffer
	if err := WriteOptions(&piped, "table", f, Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1. deploy: shop v2.14.0 (a1b2c3d) (score 0.80 high)",
		"2. ", "3. ",
		"a saturation anomaly (node_load1) followed within 15 minutes; it happened 3 times in the data, 1 of them with the outage.", // whole when piped
		"Timeline (KST), 12 of 16 entries, those nearest 14:05:10; the rest in -o markdown",
		"Impact",
	} {
		if !strings.Contains(piped.String(), want) {
			t.Errorf("piped table lacks %q:\n%s", want, piped.String())
		}
	}
	if strings.Contains(piped.String(), "…") {
		t.Errorf("piped table cuts something:\n%s", piped.String())
	}
	for _, s := range f.Symptoms {
		for _, sus := range s.Suspects[:min(3, len(s.Suspects))] {
			if ev := strongest(sus.Evidence); ev == "" || !strings.Contains(piped.String(), ev) {
				t.Errorf("suspect %q: strongest evidence %q not shown", sus.Title, ev)
			}
		}
	}
	for _, width := range []int{60, 80, 120} {
		var b bytes.Buffer
		if err := WriteOptions(&b, "table", f, Options{Terminal: true, Width: width}); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(b.String(), "\n") {
			// A single word longer than the line (a path, a query) is
			// kept whole rather than cut.
			if w := runewidth.StringWidth(l); w > width && strings.Contains(strings.TrimSpace(l), " ") && !strings.Contains(l, "evidence: ") && !strings.Contains(l, "query: ") {
				t.Errorf("width %d: a line of %d columns: %q", width, w, l)
			}
		}
		if !strings.Contains(b.String(), "deploy: shop v2.14.0 (a1b2c3d)") {
			t.Errorf("width %d: the top suspect is missing", width)
		}
	}
}

// TestCausesLead: in Markdown and HTML the suspected causes come right
// after the summary and impact, the timeline after them.
func TestCausesLead(t *testing.T) {
	for _, c := range []struct{ format, impact, causes, timeline string }{
		{"markdown", "\n## Impact\n", "\n## Suspected causes\n", "\n## Timeline\n"},
		{"html", "<h2>Impact</h2>", "<h2>Suspected causes</h2>", "<h2>Timeline</h2>"},
	} {
		out := mustWrite(t, c.format, incident())
		i, j, k := strings.Index(out, c.impact), strings.Index(out, c.causes), strings.Index(out, c.timeline)
		if i < 0 || j < 0 || k < 0 || !(i < j && j < k) {
			t.Errorf("%s: impact at %d, causes at %d, timeline at %d; want them in that order", c.format, i, j, k)
		}
	}
}

// A stretch with failed checks is marked in the sparkline, whatever its
// mean latency; business hours are named in the timeline, not left blank;
// a timeline that begins before the window says why.
func TestSparklineAndTimelineWording(t *testing.T) {
	f := incident()
	f.Impact[1].SparkFailed = make([]int, len(f.Impact[1].Sparkline))
	f.Impact[1].SparkFailed[14] = 7
	if l := []rune(latencyLine(f.Impact[1])); len(l) != len(f.Impact[1].Sparkline) || l[14] != failMark || l[13] == failMark {
		t.Errorf("sparkline %q", string(l))
	}
	f.Timeline = append([]analyze.TimelineEntry{{T: f.Window.From.Add(-20 * time.Minute), Class: analyze.OffHours, Source: "syslog", Kind: "cron", Text: "x"}}, f.Timeline...)
	md := mustWrite(t, "markdown", f)
	if !strings.Contains(md, "| business hours |") || !strings.Contains(md, "20m before the window: a cause may start up to the profile's lag") ||
		!strings.Contains(md, "✗") {
		t.Errorf("markdown timeline/sparkline wording:\n%s", md)
	}
	h := mustWrite(t, "html", f)
	if !strings.Contains(h, "<td>business hours</td>") || !strings.Contains(h, "before the window: a cause may start") {
		t.Error("html timeline wording")
	}
	// The table shows the 12 entries nearest the symptom: keep few, so
	// that the lead-up entry is among them.
	f.Timeline = f.Timeline[:4]
	if tb := mustWrite(t, "table", f); !strings.Contains(tb, "20m before the window: a cause may start up to the profile's lag") {
		t.Errorf("the table's timeline begins before the window and does not say why:\n%s", tb)
	}
}

// Charts: the Mermaid one draws the data as bars, one a bucket (a bar
// spans its bucket, so nothing rises before it happened; Mermaid merges
// categories that differ only by white space, so the earlier two-points-a-
// bucket line drew a peak a bucket early, seen in Chromium), marks suspects
// in place of their bucket's time label rather than with bars that read as
// data, fixes its colours and names them; the SVG series steps across each
// bucket.
func TestChartsStepAndMark(t *testing.T) {
	md := mustWrite(t, "markdown", incident())
	block := md[strings.Index(md, "```mermaid"):]
	block = block[:strings.Index(block[3:], "```")+3]
	if !strings.Contains(block, "    bar [0, 0, 0, 0, 0, 0, 0, 14, 0,") || !strings.Contains(block, "    line [") ||
		!strings.Contains(block, "plotColorPalette") || !strings.Contains(block, `"12:00", "▲1,2,3", "16:00"`) {
		t.Errorf("mermaid block:\n%s", block)
	}
	labels := regexp.MustCompile(`x-axis \[(.*)\]`).FindStringSubmatch(block)
	seen := map[string]bool{}
	for _, l := range strings.Split(labels[1], ", ") {
		l = strings.TrimSpace(strings.Trim(l, `"`))
		if seen[l] {
			t.Errorf("label %q twice: Mermaid draws both at one place", l)
		}
		seen[l] = true
	}
	if !strings.Contains(md, "Legend: blue bars: Shop failed checks") || !strings.Contains(md, "green line: the baseline median") ||
		!strings.Contains(md, "▲N in place of a time label: where suspects 1 at 14:04") {
		t.Error("no legend under the Mermaid chart")
	}
	h := mustWrite(t, "html", incident())
	m := regexp.MustCompile(`<polyline class="series" points="([^"]+)"`).FindStringSubmatch(h)
	if m == nil {
		t.Fatal("no series in the SVG")
	}
	pts := strings.Fields(m[1])
	for i := 0; i+1 < len(pts); i += 2 {
		_, y1, _ := strings.Cut(pts[i], ",")
		_, y2, _ := strings.Cut(pts[i+1], ",")
		if y1 != y2 {
			t.Fatalf("bucket %d is not flat: %s %s", i/2, pts[i], pts[i+1])
		}
	}
}

// The inputs line says what a run asked of paid APIs (CloudWatch bills per
// metric, S3 per request), and says nothing of them when there were none.
func TestInputsCost(t *testing.T) {
	f := incidentNoCharts()
	f.Inputs.MetricsQueried, f.Inputs.APIRequests = 12, 57
	for _, format := range []string{"markdown", "html"} {
		if out := mustWrite(t, format, f); !strings.Contains(out, "Asked of paid APIs: 12 metrics in 57 requests.") {
			t.Errorf("%s: the inputs line does not count the metrics and requests:\n%s", format, out)
		}
	}
	if out := mustWrite(t, "json", f); !strings.Contains(out, `"metrics_queried": 12`) || !strings.Contains(out, `"api_requests": 57`) {
		t.Errorf("json: no metrics_queried and api_requests:\n%s", out)
	}
	f.Inputs.MetricsQueried, f.Inputs.APIRequests = 0, 0
	if out := mustWrite(t, "markdown", f); strings.Contains(out, "paid APIs") {
		t.Errorf("a run with no paid API speaks of them:\n%s", out)
	}
}

// inUTC sets every time.Time reachable from v, a pointer, to UTC.
func inUTC(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			inUTC(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				inUTC(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			inUTC(v.Index(i))
		}
	}
}

// The times sources write into gaps and notes (UTC, the servers' clocks)
// are shown in the profile's zone like every other time; a time without a
// zone is left as it is.
func TestGapTimesInProfileZone(t *testing.T) {
	f := quiet()
	f.Gaps = []sources.Gap{
		{Source: "prom", Reason: "older than the server's retention (15d): data before about 2025-11-05T05:00:00Z is deleted"},
		{Source: "kuma", What: "monitor Shop", Reason: "the database was last written at 2025-11-18 23:59:58 UTC"},
		{Source: "cw", What: "metrics before 2025-11-19T16:30:00+00:00", Reason: "5m periods from 2025-11-19T16:30:00.5Z"},
		{Source: "logs", Reason: "a stamp 2025-11-19 16:30:00 without a zone"},
	}
	f.Notes = []string{"raw heartbeats from 2025-11-19 15:00:00 UTC"}
	md := mustWrite(t, "markdown", f)
	for _, want := range []string{
		"data before about 2025-11-05 14:00 KST is deleted",
		"last written at 2025-11-19 08:59:58 KST",
		"metrics before 2025-11-20 01:30 KST: 5m periods from 2025-11-20 01:30:00 KST",
		"a stamp 2025-11-19 16:30:00 without a zone",
		"raw heartbeats from 2025-11-20 00:00 KST",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	js := mustWrite(t, "json", f)
	for _, want := range []string{
		"data before about 2025-11-05T14:00:00+09:00 is deleted",
		"last written at 2025-11-19T08:59:58+09:00",
		"5m periods from 2025-11-20T01:30:00.5+09:00",
		"raw heartbeats from 2025-11-20T00:00:00+09:00",
	} {
		if !strings.Contains(js, want) {
			t.Errorf("json lacks %q", want)
		}
	}
}

// TestUnexplainedNamesNoCause: when no suspect is convincing, every
// format says so and lists the weak candidates as such; none of them is
// called the most likely cause, nor put in the postmortem's root cause.
func TestUnexplainedNamesNoCause(t *testing.T) {
	f := incident()
	f.Symptoms = f.Symptoms[:1]
	s := &f.Symptoms[0]
	s.Unexplained = true
	s.Suspects = s.Suspects[:1]
	s.Suspects[0].Score, s.Suspects[0].Confidence = 0.31, "low"
	title := s.Suspects[0].Title
	for _, format := range []string{"markdown", "table", "html"} {
		out := mustWrite(t, format, f)
		if !strings.Contains(out, "No convincing cause in the data") {
			t.Errorf("%s: the list of weak candidates is not headed as such:\n%s", format, out)
		}
		if !strings.Contains(out, title) {
			t.Errorf("%s: the weak candidate %q is not listed", format, title)
		}
		for _, bad := range []string{"Most likely cause", "top suspect for"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: says %q of an unexplained symptom", format, bad)
			}
		}
	}
	if out := mustWrite(t, "markdown", f); !strings.Contains(out, "No convincing cause was found; the best candidate") {
		t.Errorf("markdown summary does not say no convincing cause was found:\n%s", out)
	}
	if out := mustWrite(t, "json", f); !strings.Contains(out, `"unexplained": true`) {
		t.Errorf("json has no unexplained flag")
	}
}
