package logs

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestFutureStampsSaid: lines stamped after their file was last written
// (a server logging local time without a zone, read as UTC; a clock
// ahead) are kept at their stamps, and a gap says so with the latest
// stamp, how far ahead it is, the zone assumed, and what to do; a file
// whose stamps are before its last write says nothing of the kind, and
// Mine (hindsight logs patterns) says it too.
func TestFutureStampsSaid(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 10 {
		// Written in KST (03:00 local) without a zone; the file was last
		// written at 03:09 KST = 18:09 UTC the day before.
		fmt.Fprintf(&b, "2025-11-20 03:0%d:00 ERROR [main] c.e.Job - backup step %d failed\n", i, i)
	}
	p := mustWrite(t, dir, "app.log", b.String())
	written := time.Date(2025, 11, 19, 18, 9, 30, 0, time.UTC)
	if err := os.Chtimes(p, written, written); err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: time.Date(2025, 11, 19, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)}
	ds := mustFetch(t, Config{Paths: []string{p}, Location: time.UTC}, w, time.Minute)
	if len(ds.Patterns) != 1 || !ds.Patterns[0].FirstSeen.Equal(time.Date(2025, 11, 20, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("patterns %+v: want the lines kept at their stamps", ds.Patterns)
	}
	var said string
	for _, g := range ds.Gaps {
		if strings.Contains(g.Reason, "after the file was last written") {
			said = g.Reason
		}
	}
	for _, want := range []string{"2025-11-20T03:09:00Z", "9h0m after", "2025-11-19T18:09:30Z", "read as UTC", "hint:"} {
		if !strings.Contains(said, want) {
			t.Errorf("gap %q does not say %q (gaps %v)", said, want, ds.Gaps)
		}
	}
	// In the profile's zone, when the source reads in another.
	ds = mustFetch(t, Config{Paths: []string{p}, Location: mustSeoul(t), Timezone: "UTC"}, w, time.Minute)
	if !strings.Contains(fmt.Sprint(ds.Gaps), "2025-11-20T12:09:00+09:00") {
		t.Errorf("gaps %v: want the latest stamp in the profile's zone", ds.Gaps)
	}
	// Read in the zone the server logged in: nothing to say.
	ds = mustFetch(t, Config{Paths: []string{p}, Location: mustSeoul(t)}, w, time.Minute)
	if strings.Contains(fmt.Sprint(ds.Gaps), "last written") {
		t.Errorf("gaps %v for stamps before the last write", ds.Gaps)
	}
	m, err := Mine(context.Background(), []string{p}, MineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fmt.Sprint(m.Gaps), "after the file was last written") {
		t.Errorf("Mine's gaps %v do not say the stamps are ahead", m.Gaps)
	}
}

// TestMixedZonesInOneFile: a file whose lines carry different offsets (a
// DST change, two writers) and lines without one: each line is placed by
// its own offset, the zone-less ones in the source's zone, and the report
// says which zone that was.
func TestMixedZonesInOneFile(t *testing.T) {
	p := mustWrite(t, t.TempDir(), "app.log", strings.Join([]string{
		`{"ts":"2025-11-20T03:00:00+09:00","level":"error","msg":"backup failed on db1"}`,
		`{"ts":"2025-11-19T18:01:00Z","level":"error","msg":"backup failed on db2"}`,
		`{"ts":"2025-11-20T03:02:00","level":"error","msg":"backup failed on db3"}`,
		`{"ts":"2025-11-19T13:03:00-05:00","level":"error","msg":"backup failed on db4"}`,
	}, "\n")+"\n")
	w := sources.Window{From: time.Date(2025, 11, 19, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)}
	ds := mustFetch(t, Config{Paths: []string{p}, Location: mustSeoul(t)}, w, time.Minute)
	if len(ds.Patterns) != 1 {
		t.Fatalf("patterns %+v", ds.Patterns)
	}
	var got []string
	for _, b := range ds.Patterns[0].Counts {
		got = append(got, b.T.UTC().Format("15:04"))
	}
	if want := "[18:00 18:01 18:02 18:03]"; fmt.Sprint(got) != want {
		t.Errorf("lines at %v (UTC), want %s", got, want)
	}
	if ds.ZoneLines["logs"] != 1 {
		t.Errorf("zone lines %v: want the one line without an offset", ds.ZoneLines)
	}
	if len(ds.Zones) == 0 {
		t.Errorf("zones %v: the source's zone is not in the inputs", ds.Zones)
	}
	if strings.Contains(fmt.Sprint(ds.Gaps), "last written") {
		t.Errorf("gaps %v", ds.Gaps)
	}
}

// TestYearMovedCountsLines: the note of lines moved a year back counts
// each line once: not the parses of format detection, and not only the
// first line of each minute (the parser reuses a minute's time).
func TestYearMovedCountsLines(t *testing.T) {
	var b strings.Builder
	for i := range 30 {
		fmt.Fprintf(&b, "Dec 31 23:58:%02d web1 app[2]: tick %d\n", i, i) // one minute
	}
	for i := range 20 {
		fmt.Fprintf(&b, "Dec 31 23:%02d:01 web1 app[2]: tock %d\n", 59, i) // another
	}
	p := mustWrite(t, t.TempDir(), "old.log", b.String())
	written := time.Date(2024, 1, 1, 0, 5, 0, 0, time.UTC)
	if err := os.Chtimes(p, written, written); err != nil {
		t.Fatal(err)
	}
	m, err := Mine(context.Background(), []string{p}, MineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Gaps) != 1 || !strings.HasPrefix(m.Gaps[0].Reason, "50 lines stamped without a year were placed") {
		t.Errorf("gaps %v: want 50 lines moved", m.Gaps)
	}
}

// TestZoneNotedOnlyWhenAssumed: a source whose every stamp carries its
// offset (RFC 3339 with Z or +09:00, nginx's $time_local, epoch numbers)
// assumed no zone, so the report's inputs do not say one was (nor a
// note); a syslog source (RFC 3164 has no zone) and a Java log without
// offsets do, with the number of lines read so.
func TestZoneNotedOnlyWhenAssumed(t *testing.T) {
	dir := t.TempDir()
	w := sources.Window{From: time.Date(2025, 11, 19, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)}
	var jsonl, nginx, syslog, java strings.Builder
	for i := range 1200 {
		m := i % 60
		fmt.Fprintf(&jsonl, `{"ts":"2025-11-20T03:%02d:00Z","level":"info","msg":"job %d done"}`+"\n", m, i)
		fmt.Fprintf(&jsonl, `{"ts":"2025-11-20T12:%02d:00+09:00","level":"info","msg":"job %d done"}`+"\n", m, i)
		fmt.Fprintf(&jsonl, `{"ts":%d,"level":"info","msg":"job %d done"}`+"\n", time.Date(2025, 11, 20, 4, m, 0, 0, time.UTC).Unix(), i)
		fmt.Fprintf(&nginx, `10.0.0.1 - - [20/Nov/2025:12:%02d:00 +0900] "GET /a HTTP/1.1" 200 12 "-" "curl"`+"\n", m)
		fmt.Fprintf(&syslog, "Nov 20 03:%02d:00 db1 CRON[12]: job %d\n", m, i)
		fmt.Fprintf(&java, "2025-11-20 03:%02d:00.000 ERROR [main] c.e.Job - step %d failed\n", m, i)
	}
	for _, tc := range []struct {
		name, data string
		want       int // lines read in the assumed zone
	}{
		{"app.jsonl", jsonl.String(), 0},
		{"access.log", nginx.String(), 0},
		{"syslog", syslog.String(), 1200},
		{"app.log", java.String(), 1200},
	} {
		p := mustWrite(t, dir, tc.name, tc.data)
		ds := mustFetch(t, Config{Name: "x", Paths: []string{p}, Location: mustSeoul(t)}, w, time.Minute)
		if len(ds.Patterns) == 0 {
			t.Fatalf("%s: no patterns", tc.name)
		}
		if notes := strings.Join(ds.Notes, "\n"); strings.Contains(notes, "without a zone") {
			t.Errorf("%s: notes %q repeat the inputs' zone", tc.name, notes)
		}
		if ds.ZoneLines["x"] != tc.want {
			t.Errorf("%s: %d lines read in the assumed zone, want %d", tc.name, ds.ZoneLines["x"], tc.want)
		}
		if tc.want == 0 {
			if len(ds.Zones) > 0 {
				t.Errorf("%s: every stamp has its offset, yet zones %v", tc.name, ds.Zones)
			}
			continue
		}
		if ds.Zones["x"] != "Asia/Seoul" {
			t.Errorf("%s: zones %v, want x: Asia/Seoul", tc.name, ds.Zones)
		}
	}
}

// TestZoneLinesInChunks: a big file read on several cores counts each
// line once, whatever chunk read it.
func TestZoneLinesInChunks(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: files are not read in chunks")
	}
	old := parallelMin
	parallelMin = 4 << 10
	defer func() { parallelMin = old }()
	var b strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&b, "Nov 20 %02d:%02d:%02d db1 CRON[12]: job %d\n", i/360, i/6%60, i%6*10, i)
	}
	p := mustWrite(t, t.TempDir(), "syslog", b.String())
	w := sources.Window{From: time.Date(2025, 11, 19, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)}
	ds := mustFetch(t, Config{Name: "x", Paths: []string{p}, Location: mustSeoul(t)}, w, time.Minute)
	if ds.ZoneLines["x"] != 3000 {
		t.Errorf("%d lines read in the assumed zone, want 3000", ds.ZoneLines["x"])
	}
}
