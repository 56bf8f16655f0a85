package logs

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestMineChunks: a large plain file mined in chunks on two cores gives
// the templates and counts of one core, and every example names the line
// it is on (the chunks' line numbers continue from the chunks before).
func TestMineChunks(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		switch {
		case i > 2500 && i%50 == 0: // only in the second chunk
			fmt.Fprintf(&b, "10.0.0.%d - - [20/Nov/2025:03:%02d:%02d +0900] \"DELETE /api/items/%d HTTP/1.1\" 204 0 \"-\" \"curl/8\" 0.0\n", i%200, i/60%60, i%60, i)
		case i%3 == 0:
			fmt.Fprintf(&b, "10.0.0.%d - - [20/Nov/2025:03:%02d:%02d +0900] \"GET /api/items/%d HTTP/1.1\" %d 512 \"-\" \"curl/8\" 0.0%d\n", i%200, i/60%60, i%60, i, 200+i%7/6*300, i%10)
		case i%3 == 1:
			fmt.Fprintf(&b, "10.0.0.%d - - [20/Nov/2025:03:%02d:%02d +0900] \"POST /login HTTP/1.1\" 302 0 \"-\" \"curl/8\" 0.1\n", i%200, i/60%60, i%60)
		default:
			fmt.Fprintf(&b, "10.0.0.%d - - [20/Nov/2025:03:%02d:%02d +0900] \"GET /static/app.js?v=%d HTTP/1.1\" 304 0 \"-\" \"curl/8\" 0.0\n", i%200, i/60%60, i%60, i)
		}
	}
	p := mustWrite(t, t.TempDir(), "access.log", b.String())
	fileLines := strings.Split(b.String(), "\n")

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	old := parallelMin
	defer func() { parallelMin = old }()

	parallelMin = 1 << 40
	one, err := Mine(context.Background(), []string{p}, MineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parallelMin = 1 << 10
	two, err := Mine(context.Background(), []string{p}, MineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	summary := func(m *Mined) []string {
		var out []string
		for _, t := range m.Templates {
			out = append(out, fmt.Sprintf("%d %s", t.Count, t.Template))
		}
		slices.Sort(out)
		return out
	}
	if a, b := summary(one), summary(two); !slices.Equal(a, b) || one.Lines != two.Lines || two.Lines != 3000 {
		t.Fatalf("one core %v (%d lines)\nchunks %v (%d lines)", a, one.Lines, b, two.Lines)
	}
	chunked := false
	for _, tm := range two.Templates {
		ex := tm.Example
		if ex.Line <= 0 || ex.Line > len(fileLines) || fileLines[ex.Line-1] != ex.Text {
			t.Errorf("%s: example %s does not name its line (%q)", tm.Template, ex.Ref(), ex.Text)
		}
		if ex.Line > 1000 {
			chunked = true
		}
	}
	if !chunked {
		t.Error("no example from the second chunk: the test does not test what it says")
	}
}

// TestYearNotAfterLastWrite: a year-less syslog stamp never gets a year
// that puts it after the file was last written (or now): a sample from a
// past year keeps that year, a file that crosses New Year keeps its
// order, and the report says what was assumed.
func TestYearNotAfterLastWrite(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	// Three days after today's date, a year ago and more: the window
	// alone (now) would put it three days in the future.
	soon := now.AddDate(0, 0, 3)
	old := mustWrite(t, dir, "old.log", soon.Format("Jan _2 15:04:05")+" db1 sshd[1]: Accepted password for bob\n")
	written := soon.AddDate(-2, 0, 1)
	if err := os.Chtimes(old, written, written); err != nil {
		t.Fatal(err)
	}
	m, err := Mine(context.Background(), []string{old}, MineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Templates) != 1 || m.Templates[0].FirstSeen.After(written) || m.Templates[0].FirstSeen.Year() != soon.Year()-2 {
		t.Fatalf("first seen %v for a file last written %v", m.Templates[0].FirstSeen, written)
	}
	// One line, once: format detection parses it too, but is no line.
	if len(m.Gaps) != 1 || !strings.HasPrefix(m.Gaps[0].Reason, "1 line stamped without a year was placed in the year before") {
		t.Errorf("gaps %v: the year assumed is not said, or not of one line", m.Gaps)
	}

	// A file written this instant, with a line three days ahead of
	// today's date: last year's, not the future.
	fresh := mustWrite(t, dir, "fresh.log", soon.Format("Jan _2 15:04:05")+" db1 sshd[1]: Accepted password for bob\n")
	if m, err = Mine(context.Background(), []string{fresh}, MineOptions{}); err != nil {
		t.Fatal(err)
	}
	if f := m.Templates[0].FirstSeen; f.After(now) {
		t.Errorf("first seen %v, after now (%v)", f, now)
	}

	// Across New Year: the order is kept.
	ny := mustWrite(t, dir, "ny.log", "Dec 31 23:59:58 db1 cron[1]: tick one\nJan  1 00:00:02 db1 kernel: tock two\n")
	nyWritten := time.Date(2025, 1, 1, 0, 10, 0, 0, time.UTC)
	if err := os.Chtimes(ny, nyWritten, nyWritten); err != nil {
		t.Fatal(err)
	}
	if m, err = Mine(context.Background(), []string{ny}, MineOptions{}); err != nil {
		t.Fatal(err)
	}
	firsts := map[string]time.Time{}
	for _, tm := range m.Templates {
		firsts[tm.Template] = tm.FirstSeen
	}
	a, b := firsts["tick one"], firsts["tock two"]
	if !a.Equal(time.Date(2024, 12, 31, 23, 59, 58, 0, time.UTC)) || !b.Equal(time.Date(2025, 1, 1, 0, 0, 2, 0, time.UTC)) {
		t.Errorf("across New Year: %v then %v (%v)", a, b, firsts)
	}
}

// TestSourceTimezone: a source's timezone: reads its zone-less stamps in
// that zone, whatever the profile's, and the dataset says which zone.
func TestSourceTimezone(t *testing.T) {
	p := mustWrite(t, t.TempDir(), "syslog", "Nov 20 03:00:01 db1 CRON[1]: (root) CMD (backup)\n")
	seoul := mustSeoul(t)
	w := sources.Window{From: time.Date(2025, 11, 19, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		tz   string
		want time.Time
	}{
		{"", time.Date(2025, 11, 20, 3, 0, 1, 0, seoul)},
		{"UTC", time.Date(2025, 11, 20, 3, 0, 1, 0, time.UTC)},
	} {
		s, err := New(Config{Paths: []string{p}, Location: seoul, Timezone: c.tz})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Fetch(context.Background(), w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Patterns) != 1 || !ds.Patterns[0].FirstSeen.Equal(c.want) {
			t.Fatalf("timezone %q: patterns %+v, want first seen %v", c.tz, ds.Patterns, c.want)
		}
		zone := "Asia/Seoul"
		if c.tz != "" {
			zone = c.tz
		}
		if ds.Zones["logs"] != zone || ds.ZoneLines["logs"] != 1 {
			t.Errorf("timezone %q: zones %v (%v lines), want %s (1 line)", c.tz, ds.Zones, ds.ZoneLines, zone)
		}
		// The year guessed is said too, even when format detection
		// read the file's one line before the read proper did.
		if !slices.ContainsFunc(ds.Notes, func(n string) bool { return strings.Contains(n, "without a year were read as 2025,") }) {
			t.Errorf("timezone %q: notes %q do not say the year 2025", c.tz, ds.Notes)
		}
	}
	// A gap's times are in the report's zone (the profile's), whatever
	// zone the source's lines are read in.
	s, err := New(Config{Paths: []string{p}, Location: seoul, Timezone: "UTC"})
	if err != nil {
		t.Fatal(err)
	}
	later := sources.Window{From: w.To.Add(24 * time.Hour), To: w.To.Add(48 * time.Hour)}
	ds, err := s.Fetch(context.Background(), later, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "2025-11-20T12:00:01+09:00") {
		t.Errorf("gaps %v, want the files' span in +09:00", ds.Gaps)
	}
	if _, err := New(Config{Paths: []string{p}, Timezone: "Mars/Olympus"}); err == nil || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("a zone that is none: %v", err)
	}
}

// TestStackTraceUnderOneLineFormat: a stack trace under a JSON line (an
// exception's class first) belongs to that line: not "not understood",
// and per line it gets the line's template; a line that is not a stack
// trace's still counts as not understood.
func TestStackTraceUnderOneLineFormat(t *testing.T) {
	p := mustWrite(t, t.TempDir(), "app.jsonl", `{"ts":"2025-11-20T03:00:01+09:00","level":"ERROR","message":"order 100 failed"}
java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.
	at com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)
Caused by: java.net.SocketTimeoutException: connect timed out
	... 12 more
{"ts":"2025-11-20T03:00:02+09:00","level":"INFO","message":"order 101 ok"}
this line is garbage
`)
	m, err := Mine(context.Background(), []string{p}, MineOptions{PerLine: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Malformed != 1 {
		t.Errorf("%d lines not understood, want 1 (the garbage)", m.Malformed)
	}
	var out strings.Builder
	if err := m.WritePerLine(&out); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(rows) != 8 {
		t.Fatalf("%d rows: %q", len(rows), rows)
	}
	for i := 2; i <= 5; i++ {
		if _, tmpl, _ := strings.Cut(rows[i], ","); !strings.Contains(tmpl, "order <*> failed") {
			t.Errorf("row %d: %q, want the event's template", i, rows[i])
		}
	}
}

// TestBurstExamples: a pattern's examples include lines of its busiest
// step, each naming its file and line: a burst's examples come from inside
// the burst, not only from the pattern's first lines.
func TestBurstExamples(t *testing.T) {
	var b strings.Builder
	line := 0
	burstLines := map[int]bool{}
	for m := range 60 {
		k := 1
		if m == 40 {
			k = 50
		}
		for i := range k {
			line++
			if m == 40 {
				burstLines[line] = true
			}
			fmt.Fprintf(&b, "Nov 20 03:%02d:%02d db1 sshd[%d]: Failed password for root from 103.99.0.122 port %d ssh2\n", m, i%60, 100+line, 40000+line)
		}
	}
	p := mustWrite(t, t.TempDir(), "auth.log", b.String())
	seoul := mustSeoul(t)
	s, err := New(Config{Paths: []string{p}, Location: seoul})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: time.Date(2025, 11, 20, 3, 0, 0, 0, seoul), To: time.Date(2025, 11, 20, 4, 0, 0, 0, seoul)}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Patterns) != 1 {
		t.Fatalf("patterns %+v", ds.Patterns)
	}
	inBurst := 0
	for _, e := range ds.Patterns[0].Examples {
		if burstLines[e.Line] {
			inBurst++
		}
		if e.Line <= 0 {
			t.Errorf("example %s has no line number", e.Ref())
		}
	}
	if inBurst == 0 {
		t.Errorf("no example from the burst at 03:40: %+v", ds.Patterns[0].Examples)
	}
	// The burst's step and the address that sent it.
	pk := ds.Patterns[0]
	if !pk.Peak.T.Equal(time.Date(2025, 11, 20, 3, 40, 0, 0, seoul)) || pk.Peak.Lines != 50 {
		t.Errorf("peak %+v, want 03:40 with 50 lines", pk.Peak)
	}
	if len(pk.PeakValues) != 1 || pk.PeakValues[0].Value != "103.99.0.122" || pk.PeakValues[0].Lines < 40 {
		t.Errorf("peak values %+v, want 103.99.0.122", pk.PeakValues)
	}
}

func TestFirstAddress(t *testing.T) {
	for in, want := range map[string]string{
		`203.0.113.7 - - [20/Nov/2025:03:00:00 +0900] "GET / HTTP/1.1" 200`: "203.0.113.7",
		"Failed password for root from 103.99.0.122 port 4242 ssh2":         "103.99.0.122",
		"connect to 10.1.2.3:5432 failed":                                   "10.1.2.3",
		"peer 2001:db8::1 went away":                                        "2001:db8::1",
		"at 03:00:01 nothing":                                               "",
		"version 1.2.3 dead:beef":                                           "",
	} {
		if got := string(firstAddress([]byte(in))); got != want {
			t.Errorf("firstAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGroupByValue: the templates of one brute force (one address, the
// same minutes) are one group naming the address; the same address an
// hour later, and a pattern alone, are not in it.
func TestGroupByValue(t *testing.T) {
	var b strings.Builder
	kinds := []string{
		"Failed password for root from %s port %d ssh2",
		"Invalid user admin%d from %s port %d",
		"Disconnected from authenticating user root %s port %d [preauth]",
	}
	for m := range 30 {
		n := 1
		if m >= 10 && m < 13 {
			n = 40
		}
		for i := range n {
			addr := fmt.Sprintf("10.0.%d.%d", m, i%200)
			if m >= 10 && m < 13 {
				addr = "103.99.0.122"
			}
			for k, f := range kinds {
				var msg string
				if k == 1 {
					msg = fmt.Sprintf(f, i, addr, 40000+i)
				} else {
					msg = fmt.Sprintf(f, addr, 40000+i)
				}
				fmt.Fprintf(&b, "Nov 20 03:%02d:%02d db1 sshd[%d]: %s\n", m, i%60, 100+i, msg)
			}
		}
	}
	p := mustWrite(t, t.TempDir(), "auth.log", b.String())
	seoul := mustSeoul(t)
	s, err := New(Config{Paths: []string{p}, Location: seoul})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: time.Date(2025, 11, 20, 3, 0, 0, 0, seoul), To: time.Date(2025, 11, 20, 4, 0, 0, 0, seoul)}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	gs := GroupByValue(ds.Patterns, 5*time.Minute)
	if len(gs) != 1 || gs[0].Value != "103.99.0.122" || len(gs[0].Patterns) != 3 || gs[0].Lines < 100 {
		t.Fatalf("groups %+v (patterns %d)", gs, len(ds.Patterns))
	}
	if got := GroupByValue(ds.Patterns, 0); len(got) != 1 {
		// Peaks in one step: span 0 still groups them.
		t.Errorf("span 0: %+v", got)
	}
	late := slices.Clone(ds.Patterns)
	late[0].Peak.T = late[0].Peak.T.Add(time.Hour)
	if got := GroupByValue(late, 5*time.Minute); len(got) != 1 || len(got[0].Patterns) != 2 {
		t.Errorf("a peak an hour later joined the group: %+v", got)
	}
}

// TestYearAssumedNoted: a syslog file without years is read as the
// window's year, or the year before where its last write says so, and
// the dataset says which year was assumed and from what (issue 19: asking
// about 2026 showed 2025's lines as 2026 events, silently).
func TestYearAssumedNoted(t *testing.T) {
	dir := t.TempDir()
	p := mustWrite(t, dir, "syslog", "Nov 20 03:00:01 db1 CRON[1]: (root) CMD (backup)\nNov 20 03:10:01 db1 CRON[2]: (root) CMD (backup)\n")
	w := sources.Window{From: time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		written time.Time
		year    string
	}{
		{time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC), "2026"},
		{time.Date(2025, 11, 20, 4, 0, 0, 0, time.UTC), "2025"}, // last year's file: its lines are last year's
	} {
		if err := os.Chtimes(p, c.written, c.written); err != nil {
			t.Fatal(err)
		}
		s, err := New(Config{Paths: []string{p}, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Fetch(context.Background(), w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		want := "lines stamped without a year were read as " + c.year + ", from the window's end (2026-11-21)"
		if !slices.ContainsFunc(ds.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Errorf("written %v: notes %q, want one saying %q", c.written, ds.Notes, want)
		}
	}
	// Stamps with their year assume nothing.
	q := mustWrite(t, dir, "dated", "2026-11-20T03:00:01Z db1 CRON[1]: (root) CMD (backup)\n")
	s, err := New(Config{Paths: []string{q}, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(ds.Notes, func(n string) bool { return strings.Contains(n, "without a year") }) {
		t.Errorf("notes %q: a year noted for stamps that have one", ds.Notes)
	}
}

// TestCoverageOfSkippedFile: a file skipped because it starts after the
// window is said to cover its whole span, not the second of its first
// line (issue 19, item 7: a file covering a day was shown as one second).
func TestCoverageOfSkippedFile(t *testing.T) {
	var b strings.Builder
	day := time.Date(2025, 11, 19, 0, 0, 0, 0, time.UTC)
	for m := 0; m < 24*60; m += 10 {
		fmt.Fprintf(&b, "%s web1 app[1]: INFO request served\n", day.Add(time.Duration(m)*time.Minute).Format(time.RFC3339))
	}
	p := mustWrite(t, t.TempDir(), "app.log", b.String())
	s, err := New(Config{Paths: []string{p}, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: day.Add(-48 * time.Hour), To: day.Add(-24 * time.Hour)}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := "the files cover 2025-11-19T00:00:00Z..2025-11-19T23:50:00Z"
	if len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, want) {
		t.Errorf("gaps %v, want one saying %q", ds.Gaps, want)
	}
}

// TestMineSaysTheYearItAssumed: without a window, year-less syslog
// stamps are given this year (or the year before, not to fall after the
// file's last write), and a note says so, read whole or in chunks; with a
// window the user named the year, and there is no note.
func TestMineSaysTheYearItAssumed(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "Nov %2d %02d:%02d:%02d db1 CRON[%d]: (root) CMD (job %d)\n", 13+i/500, i/60%24, i%60, i%60, 1000+i, i%7)
	}
	p := mustWrite(t, t.TempDir(), "syslog", b.String())
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	old := parallelMin
	defer func() { parallelMin = old }()
	for _, pm := range []int64{1 << 40, 1 << 10} {
		parallelMin = pm
		m, err := Mine(context.Background(), []string{p}, MineOptions{})
		if err != nil {
			t.Fatal(err)
		}
		year := m.Templates[0].FirstSeen.Year()
		want := fmt.Sprintf("lines stamped without a year were read as %d, from today's date and the file's last write", year)
		notes := 0
		for _, g := range m.Gaps {
			if g.What == p && strings.Contains(g.Reason, want) {
				notes++
			}
		}
		if notes != 1 {
			t.Errorf("parallelMin %d: %d notes saying %q: %v", pm, notes, want, m.Gaps)
		}
	}
	w := sources.Window{From: time.Date(2025, 11, 13, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)}
	m, err := Mine(context.Background(), []string{p}, MineOptions{Window: w})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range m.Gaps {
		if strings.Contains(g.Reason, "without a year") {
			t.Errorf("a window named the year, and still: %v", g)
		}
	}
}
