package kuma

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
)

// fixtureDir is the shared folder of real-Kuma databases beside the
// repository. CI has it; a user's clone may not.
const fixtureDir = "../../../shared/fixtures/uptime-kuma"

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// demoMonitors and demoBeats are a small version of the shared demo: Shop
// (http, interval 60, maxretries 1) with a nightly latency spike and a
// 7-minute outage, API (keyword) always up, DB (port) inactive.
var demoMonitors = []kumadb.Monitor{
	{ID: 1, Name: "Shop", Type: "http", URL: "https://shop.example", Interval: 60, Active: true, MaxRetries: 1},
	{ID: 2, Name: "API", Type: "keyword", URL: "https://api.example/health", Interval: 60, Active: true},
	{ID: 3, Name: "DB", Type: "port", URL: "db1.example:5432", Interval: 60, Active: false},
}

// demoBeats returns minutely beats for Shop (at :07.123) and API (at :37)
// over [from, from+n min). The outage: PENDING at outage, DOWN for 6 beats,
// UP again.
func demoBeats(from time.Time, n int, outage time.Time) []kumadb.Beat {
	var bs []kumadb.Beat
	for i := 0; i < n; i++ {
		t := from.Add(time.Duration(i)*time.Minute + 7123*time.Millisecond)
		st, ping, msg := kumadb.Up, 110+i%40, "200 - OK"
		if t.UTC().Hour() == 18 && t.Minute() < 20 {
			ping = 2400 + i%300
		}
		switch d := t.Sub(outage); {
		case d >= 0 && d < time.Minute:
			st, ping, msg = kumadb.Pending, -1, "Request failed with status code 503"
		case d >= time.Minute && d < 7*time.Minute:
			st, ping, msg = kumadb.Down, -1, "Request failed with status code 503"
		}
		bs = append(bs, kumadb.Beat{MonitorID: 1, T: t, Status: st, PingMS: ping, Msg: msg})
		bs = append(bs, kumadb.Beat{MonitorID: 2, T: from.Add(time.Duration(i)*time.Minute + 37*time.Second),
			Status: kumadb.Up, PingMS: 40 + i%15, Msg: "200 - OK, keyword is found"})
	}
	// Kuma marks important beats per monitor; beats are in time order.
	kumadb.MarkImportant(bs)
	return bs
}

var (
	demoFrom   = utc("2025-11-19T15:00:00Z")
	demoTo     = utc("2025-11-22T15:00:00Z")
	demoOutage = utc("2025-11-21T05:03:07.123Z")
	demoNow    = utc("2025-11-22T15:00:30Z")
)

func mustBuild(tb testing.TB, version int, now time.Time, mons []kumadb.Monitor, beats []kumadb.Beat) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "kuma.db")
	if err := kumadb.Create(path, kumadb.Options{Version: version, Now: now}, mons, beats); err != nil {
		tb.Fatal(err)
	}
	return path
}

// mustExec runs the statements qs on the database at path, as another
// tool editing it would, and closes it.
func mustExec(tb testing.TB, path string, qs ...string) {
	tb.Helper()
	rw, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer rw.Close()
	for _, q := range qs {
		if _, err := rw.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

func mustNew(tb testing.TB, c Config) *Source {
	tb.Helper()
	s, err := New(c)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func mustFetch(tb testing.TB, s *Source, from, to time.Time) *sources.Dataset {
	tb.Helper()
	ds, err := s.Fetch(context.Background(), sources.Window{From: from, To: to}, time.Minute)
	if err != nil {
		tb.Fatal(err)
	}
	return ds
}

func probeByName(tb testing.TB, ds *sources.Dataset, name string) sources.Probe {
	tb.Helper()
	for _, p := range ds.Probes {
		if p.Name == name {
			return p
		}
	}
	tb.Fatalf("no probe %q in %d probes", name, len(ds.Probes))
	return sources.Probe{}
}

func names(ps []sources.Probe) string {
	var n []string
	for _, p := range ps {
		n = append(n, p.Name)
	}
	return strings.Join(n, ",")
}

func TestFetchV1(t *testing.T) {
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 3*1440, demoOutage))
	for _, tc := range []struct {
		name     string
		monitors []string
		from, to time.Time
		probes   string // names, in order
		beats    []int  // per probe
		gaps     []string
	}{
		{name: "all active monitors, whole window", from: demoFrom, to: demoTo,
			probes: "Shop,API", beats: []int{4320, 4320}},
		{name: "glob is case-insensitive", monitors: []string{"sh*"}, from: demoFrom, to: demoTo,
			probes: "Shop", beats: []int{4320}},
		{name: "id and exact name, inactive included when named", monitors: []string{"2", "DB"}, from: demoFrom, to: demoTo,
			probes: "API,DB", beats: []int{4320, 0}, gaps: []string{"kuma: monitor DB: no heartbeats in window"}},
		{name: "selector matching nothing lists the monitors", monitors: []string{"shopp", "web*"}, from: demoFrom, to: demoTo,
			probes: "", gaps: []string{`kuma: monitors "shopp": matches no monitor; available: Shop (id 1), API (id 2), DB (id 3)`,
				`kuma: monitors "web*": matches no monitor; available: Shop (id 1), API (id 2), DB (id 3)`}},
		{name: "window without beats is a gap, not an error", from: utc("2025-10-01T00:00:00Z"), to: utc("2025-10-02T00:00:00Z"),
			probes: "Shop,API", beats: []int{0, 0}, gaps: []string{"kuma: monitor Shop: no heartbeats in window", "kuma: monitor API: no heartbeats in window"}},
		{name: "window edges are exact to the millisecond", monitors: []string{"Shop"},
			from: utc("2025-11-21T05:03:07.123Z"), to: utc("2025-11-21T05:10:07.123Z"),
			probes: "Shop", beats: []int{7}},
		{name: "window edges between beats", monitors: []string{"Shop"},
			from: utc("2025-11-21T05:03:07.124Z"), to: utc("2025-11-21T05:10:07.124Z"),
			probes: "Shop", beats: []int{7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustNew(t, Config{Name: "kuma", Path: path, Monitors: tc.monitors})
			ds := mustFetch(t, s, tc.from, tc.to)
			if got := names(ds.Probes); got != tc.probes {
				t.Fatalf("probes = %q, want %q", got, tc.probes)
			}
			for i, p := range ds.Probes {
				if len(p.Beats) != tc.beats[i] {
					t.Errorf("%s: %d beats, want %d", p.Name, len(p.Beats), tc.beats[i])
				}
				for j, b := range p.Beats {
					if !(sources.Window{From: tc.from, To: tc.to}).Contains(b.T) {
						t.Errorf("%s: beat %s outside the window", p.Name, b.T)
					}
					if j > 0 && b.T.Before(p.Beats[j-1].T) {
						t.Errorf("%s: beats not sorted at %d", p.Name, j)
					}
				}
			}
			var gaps []string
			for _, g := range ds.Gaps {
				gaps = append(gaps, g.String())
			}
			if strings.Join(gaps, "\n") != strings.Join(tc.gaps, "\n") {
				t.Errorf("gaps:\n%s\nwant:\n%s", strings.Join(gaps, "\n"), strings.Join(tc.gaps, "\n"))
			}
			if len(ds.Notes) != 0 {
				t.Errorf("notes for a v1 database: %q", ds.Notes)
			}
		})
	}
}

func TestFetchMonitorNames(t *testing.T) {
	mons := []kumadb.Monitor{
		{ID: 4, Name: "web", Interval: 60, Active: true},
		{ID: 7, Name: "web", Interval: 60, Active: true},
		{ID: 9, Name: "old", Interval: 60, Active: false},
	}
	s := mustNew(t, Config{Name: "kuma", Path: mustBuild(t, 1, time.Time{}, mons, nil)})
	ds := mustFetch(t, s, demoFrom, demoTo)
	if got := names(ds.Probes); got != "web (id 4),web (id 7)" {
		t.Errorf("probes %q: two monitors named alike need distinct probe names", got)
	}
	s = mustNew(t, Config{Name: "kuma", Path: mustBuild(t, 1, time.Time{}, mons[2:], nil)})
	ds = mustFetch(t, s, demoFrom, demoTo)
	if len(ds.Probes) != 0 || len(ds.Gaps) != 1 || ds.Gaps[0].String() != "kuma: monitors: no active monitor in the database; available: old (id 9)" {
		t.Errorf("no active monitor: probes %d, gaps %v", len(ds.Probes), ds.Gaps)
	}
}

func TestFetchV1Beats(t *testing.T) {
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 3*1440, demoOutage))
	// Kuma before 1.18 wrote times without milliseconds; a database may hold both.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE heartbeat SET time = substr(time, 1, 19) WHERE monitor_id = 2 AND id % 4 = 0`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := mustNew(t, Config{Name: "kuma", Path: path, Monitors: []string{"*"}})
	ds := mustFetch(t, s, utc("2025-11-21T05:00:00Z"), utc("2025-11-21T06:00:00Z"))
	shop := probeByName(t, ds, "Shop")
	if shop.Source != "kuma" || shop.Target != "https://shop.example" || shop.Interval != time.Minute || shop.Resolution != 0 {
		t.Errorf("probe = %+v", shop)
	}
	want := map[string]sources.Status{
		"05:02:07.123": sources.Up, "05:03:07.123": sources.Pending, "05:04:07.123": sources.Down,
		"05:09:07.123": sources.Down, "05:10:07.123": sources.Up,
	}
	for _, b := range shop.Beats {
		if st, ok := want[b.T.Format("15:04:05.000")]; ok {
			if b.Status != st {
				t.Errorf("%s: status %v, want %v", b.T.Format("15:04:05.000"), b.Status, st)
			}
			if (st == sources.Up) != (b.Latency > 0) {
				t.Errorf("%s: latency %v for %v (NULL ping must be 0)", b.T.Format("15:04:05.000"), b.Latency, st)
			}
			delete(want, b.T.Format("15:04:05.000"))
		}
		if b.Span != 0 || b.Checks != 0 {
			t.Errorf("raw beat with summary fields: %+v", b)
		}
	}
	if len(want) != 0 {
		t.Errorf("beats not found: %v", want)
	}
	if b := shop.Beats[4]; b.Msg != "Request failed with status code 503" || b.T.Location() != time.UTC {
		t.Errorf("outage beat = %+v", b)
	}
	api := probeByName(t, ds, "API")
	if len(api.Beats) != 60 || api.Target != "https://api.example/health" {
		t.Errorf("API: %d beats (want 60, a quarter without milliseconds), target %q", len(api.Beats), api.Target)
	}
	for _, b := range api.Beats {
		if ms := b.T.Nanosecond(); ms != 0 {
			t.Errorf("API beat %s: all API beats are at :37.000", b.T)
		}
	}
	db3 := probeByName(t, ds, "DB")
	if db3.Target != "db1.example:5432" {
		t.Errorf("port monitor target = %q", db3.Target)
	}
}

// countChecks applies the package's reading rule: summary beats carry
// counts; a raw beat inside a summary span is for timing only.
func countChecks(beats []sources.Beat) (checks, failed int) {
	var spans [][2]time.Time
	for _, b := range beats {
		if b.Span > 0 {
			spans = append(spans, [2]time.Time{b.T, b.T.Add(b.Span)})
			checks += b.Checks
			failed += b.Failed
		}
	}
	for _, b := range beats {
		if b.Span > 0 {
			continue
		}
		inside := false
		for _, s := range spans {
			if !b.T.Before(s[0]) && b.T.Before(s[1]) {
				inside = true
				break
			}
		}
		if !inside {
			checks++
			if b.Status == sources.Down || b.Status == sources.Pending {
				failed++
			}
		}
	}
	return checks, failed
}

func TestFetchV2(t *testing.T) {
	path := mustBuild(t, 2, demoNow, demoMonitors, demoBeats(demoFrom, 3*1440, demoOutage))
	s := mustNew(t, Config{Name: "kuma", Path: path})
	ds := mustFetch(t, s, demoFrom, demoTo)
	if names(ds.Probes) != "Shop,API" {
		t.Fatalf("probes = %s", names(ds.Probes))
	}
	shop := probeByName(t, ds, "Shop")
	if shop.Resolution != time.Hour {
		t.Errorf("Resolution = %v, want 1h", shop.Resolution)
	}
	// Counts survive: 4320 checks, 7 failed (PENDING counts as failed).
	if c, f := countChecks(shop.Beats); c != 4320 || f != 7 {
		t.Errorf("Shop: %d checks, %d failed; want 4320, 7", c, f)
	}
	if c, f := countChecks(probeByName(t, ds, "API").Beats); c != 4320 || f != 0 {
		t.Errorf("API: %d checks, %d failed; want 4320, 0", c, f)
	}
	var hour, down, up *sources.Beat
	for i, b := range shop.Beats {
		switch {
		case b.Span == time.Hour && b.T.Equal(utc("2025-11-21T05:00:00Z")):
			hour = &shop.Beats[i]
		case b.Span == 0 && b.T.Equal(utc("2025-11-21T05:04:07.123Z")):
			down = &shop.Beats[i]
		case b.Span == 0 && b.T.Equal(utc("2025-11-21T05:10:07.123Z")):
			up = &shop.Beats[i]
		}
	}
	if hour == nil || hour.Checks != 60 || hour.Failed != 7 || hour.Status != sources.Down || hour.Latency < 110*time.Millisecond {
		t.Errorf("hour of the outage = %+v", hour)
	}
	if down == nil || down.Status != sources.Down || up == nil || up.Status != sources.Up {
		t.Errorf("important beats of the outage: down %+v, up %+v", down, up)
	}
	wantNote := "kuma: Shop: hourly aggregates until 2025-11-21 16:00 UTC, raw heartbeats from 2025-11-21 15:01:07 UTC (Kuma 2 keeps raw heartbeats 24 h)"
	if len(ds.Notes) != 2 || ds.Notes[0] != wantNote {
		t.Errorf("notes:\n%s\nwant first:\n%s", strings.Join(ds.Notes, "\n"), wantNote)
	}
	// API's first kept raw beat is the first of a new minute whose
	// aggregate holds nothing more: hourly aggregates stop at 15:00.
	if want := "kuma: API: hourly aggregates until 2025-11-21 15:00 UTC, raw heartbeats from 2025-11-21 15:00:37 UTC (Kuma 2 keeps raw heartbeats 24 h)"; len(ds.Notes) == 2 && ds.Notes[1] != want {
		t.Errorf("note = %s\nwant    %s", ds.Notes[1], want)
	}

	// The last day only: raw beats, no aggregates.
	ds = mustFetch(t, s, utc("2025-11-22T00:00:00Z"), demoTo)
	shop = probeByName(t, ds, "Shop")
	if len(shop.Beats) != 900 || shop.Resolution != 0 || len(ds.Notes) != 0 {
		t.Errorf("last 15 h: %d beats, resolution %v, notes %q", len(shop.Beats), shop.Resolution, ds.Notes)
	}
}

func TestFetchV2Tiers(t *testing.T) {
	// 40 days of 10-minute beats, taken at their end: daily aggregates
	// before the 30 days of hourly ones, raw beats for the last 24 h.
	from := utc("2025-10-01T00:00:00Z")
	mons := demoMonitors[:1]
	var beats []kumadb.Beat
	for t0 := from; t0.Before(from.AddDate(0, 0, 40)); t0 = t0.Add(10 * time.Minute) {
		beats = append(beats, kumadb.Beat{MonitorID: 1, T: t0.Add(7 * time.Second), Status: kumadb.Up, PingMS: 120, Msg: "200 - OK"})
	}
	kumadb.MarkImportant(beats)
	now := from.AddDate(0, 0, 40)
	s := mustNew(t, Config{Name: "k", Path: mustBuild(t, 2, now, mons, beats)})
	ds := mustFetch(t, s, from, now)
	shop := probeByName(t, ds, "Shop")
	if shop.Resolution != 24*time.Hour {
		t.Errorf("Resolution = %v, want 24h", shop.Resolution)
	}
	if c, _ := countChecks(shop.Beats); c != len(beats) {
		t.Errorf("%d checks, want %d", c, len(beats))
	}
	spans := map[time.Duration]int{}
	for _, b := range shop.Beats {
		spans[b.Span]++
	}
	if spans[24*time.Hour] == 0 || spans[time.Hour] == 0 || spans[0] == 0 {
		t.Errorf("beats per span: %v", spans)
	}
	if len(ds.Notes) != 1 || !strings.HasPrefix(ds.Notes[0], "k: Shop: daily aggregates until 2025-10-11 00:00 UTC, hourly aggregates until 2025-11-09 00:00 UTC, raw heartbeats from 2025-11-09 00:00:07 UTC") {
		t.Errorf("notes: %q", ds.Notes)
	}
}

func TestCheck(t *testing.T) {
	for _, v := range []int{1, 2} {
		s := mustNew(t, Config{Name: "kuma", Path: mustBuild(t, v, demoNow, demoMonitors, demoBeats(demoFrom, 60, demoOutage))})
		got, err := s.Check(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("Uptime Kuma v%d database, 3 monitors (2 active), last heartbeat 2025-11-19 15:59:37 UTC", v)
		if got != want {
			t.Errorf("Check = %q, want %q", got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	os.WriteFile(notDB, []byte(strings.Repeat("this is not a database\n", 400)), 0o644)
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", "file:"+other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t(x); INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	corrupt := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 1440, demoOutage))
	b, err := os.ReadFile(corrupt)
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096 * 2; i < len(b)-4096; i++ { // keep page 1 (the header)
		b[i] = 0x5a
	}
	os.WriteFile(corrupt, b, 0o644)

	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"missing file", filepath.Join(dir, "nope.db"), []string{"no such file", "hint: check sources.kuma.path"}},
		{"directory", dir, []string{"is a directory", "hint:"}},
		{"not sqlite", notDB, []string{"not an SQLite database", "not an Uptime Kuma database", "hint:"}},
		{"sqlite but not kuma", other, []string{"not an Uptime Kuma database", "no monitor and heartbeat tables", "hint:"}},
		{"corrupt", corrupt, []string{"corrupt", "hint:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustNew(t, Config{Name: "kuma", Path: tc.path})
			_, err := s.Fetch(context.Background(), sources.Window{From: demoFrom, To: demoTo}, time.Minute)
			if err == nil {
				t.Fatal("Fetch did not fail")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if msg := err.Error(); msg != strings.ToLower(msg[:1])+msg[1:] {
				t.Errorf("error does not start lower case: %q", msg)
			}
			if _, err := s.Check(context.Background()); err == nil {
				t.Error("Check did not fail")
			}
		})
	}

	if _, err := New(Config{Name: "kuma"}); err == nil || !strings.Contains(err.Error(), "hint: set sources.kuma.path") {
		t.Errorf("New without path: %v", err)
	}
	if _, err := New(Config{Path: "x.db", Monitors: []string{"[shop"}}); err == nil {
		t.Error("New with a bad glob did not fail")
	}
	s := mustNew(t, Config{Path: "x.db"})
	if s.Name() != "kuma" {
		t.Errorf("default name %q", s.Name())
	}
	if _, err := s.Fetch(context.Background(), sources.Window{From: demoTo, To: demoFrom}, 0); err == nil {
		t.Error("inverted window did not fail")
	}
}

func TestFetchCanceled(t *testing.T) {
	s := mustNew(t, Config{Path: mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 1440, demoOutage))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Fetch(ctx, sources.Window{From: demoFrom, To: demoTo}, time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a canceled context: %v", err)
	}
}

func TestFetchDeadline(t *testing.T) {
	var mons []kumadb.Monitor
	for m := 1; m <= 10; m++ {
		mons = append(mons, kumadb.Monitor{ID: m, Name: fmt.Sprintf("m%d", m), Interval: 60, Active: true})
	}
	var beats []kumadb.Beat
	for i := 0; i < 3*1440; i++ {
		for m := 1; m <= 10; m++ {
			beats = append(beats, kumadb.Beat{MonitorID: m, T: demoFrom.Add(time.Duration(i) * time.Minute), Status: 1, PingMS: 100})
		}
	}
	s := mustNew(t, Config{Path: mustBuild(t, 1, time.Time{}, mons, beats)})
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Fetch(ctx, sources.Window{From: demoFrom, To: demoTo}, time.Minute)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Fetch past its deadline: %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Fetch took %v to notice its deadline", d)
	}
}

func fileSum(tb testing.TB, path string) [32]byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestReadOnly: a Fetch and a Check leave the file's bytes as they were and
// nothing beside it.
func TestReadOnly(t *testing.T) {
	for _, v := range []int{1, 2} {
		path := mustBuild(t, v, demoNow, demoMonitors, demoBeats(demoFrom, 3*1440, demoOutage))
		before := fileSum(t, path)
		fi, _ := os.Stat(path)
		s := mustNew(t, Config{Path: path, Monitors: []string{"*"}})
		mustFetch(t, s, demoFrom, demoTo)
		if _, err := s.Check(context.Background()); err != nil {
			t.Fatal(err)
		}
		if fileSum(t, path) != before {
			t.Errorf("v%d: Fetch changed the database file", v)
		}
		if fi2, _ := os.Stat(path); !fi2.ModTime().Equal(fi.ModTime()) {
			t.Errorf("v%d: Fetch touched the database file", v)
		}
		for _, suffix := range []string{"-wal", "-shm", "-journal"} {
			if _, err := os.Stat(path + suffix); err == nil {
				t.Errorf("v%d: Fetch left %s beside the database", v, suffix)
			}
		}
	}
}

// TestWAL reads a database in WAL mode while a writer, as Kuma, keeps
// inserting heartbeats: every Fetch sees at least the rows committed before
// it started. One monitor is read through the index (database/sql), all of
// them in one pass over the table (rawConn: Kuma 1 databases).
func TestWAL(t *testing.T) {
	for _, tc := range []struct {
		version int
		sel     string
	}{{2, "Shop"}, {1, "*"}} {
		t.Run(fmt.Sprintf("v%d/%s", tc.version, tc.sel), func(t *testing.T) { testWAL(t, tc.version, tc.sel) })
	}
}

func testWAL(t *testing.T, version int, sel string) {
	path := mustBuild(t, version, demoNow, demoMonitors, demoBeats(demoFrom, 60, demoOutage))
	w, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	var mode string
	if err := w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	var committed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t0 := demoFrom.Add(2 * time.Hour)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			ts := t0.Add(time.Duration(i) * time.Second).Format(kumadb.TimeFormat)
			if _, err := w.Exec(`INSERT INTO heartbeat (important, monitor_id, status, msg, time, ping, duration, down_count)
				VALUES (0, 1, 1, '200 - OK', ?, 120, 0, 0)`, ts); err != nil {
				t.Error(err)
				return
			}
			committed.Store(int64(i + 1))
		}
	}()
	s := mustNew(t, Config{Path: path, Monitors: []string{sel}})
	win := sources.Window{From: demoFrom.Add(2 * time.Hour), To: demoFrom.Add(24 * time.Hour)}
	var last int
	for i := 0; i < 20; i++ {
		before := int(committed.Load())
		ds, err := s.Fetch(context.Background(), win, time.Minute)
		if err != nil {
			t.Fatalf("Fetch %d while Kuma writes: %v", i, err)
		}
		n := 0 // checks: beats a second apart are summed per step
		for _, p := range ds.Probes {
			if p.Name != "Shop" {
				continue
			}
			for _, b := range p.Beats {
				n += max(b.Checks, 1)
			}
		}
		if n < before {
			t.Errorf("Fetch %d saw %d rows, %d were committed before it", i, n, before)
		}
		last = n
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if last == 0 || committed.Load() < 10 {
		t.Errorf("the writer committed %d rows, the last Fetch saw %d", committed.Load(), last)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("the database was not in WAL mode: %v", err)
	}
}

// TestWALIdle reads a WAL-mode database whose writer has gone (Kuma
// stopped): nothing may be created beside it.
func TestWALIdle(t *testing.T) {
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 120, demoOutage))
	w, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	if err := w.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v", mode, err)
	}
	w.Close()
	before := fileSum(t, path)
	s := mustNew(t, Config{Path: path})
	if ds := mustFetch(t, s, demoFrom, demoTo); len(ds.Probes) != 2 || len(ds.Probes[0].Beats) != 120 {
		t.Errorf("read %d probes", len(ds.Probes))
	}
	if fileSum(t, path) != before {
		t.Error("Fetch changed the database file")
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("Fetch left %s beside an idle WAL database", suffix)
		}
	}
}

func mustFixture(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(fixtureDir, name)
	if _, err := os.Stat(fixtureDir); err != nil {
		tb.Skipf("real Uptime Kuma fixtures not found: directory %s (the shared folder beside the repository) is missing", fixtureDir)
	}
	return p
}

// TestRealKuma reads the demo databases made by real Kuma 1.23.17 and
// 2.5.3 (shared/fixtures/uptime-kuma/README.md).
func TestRealKuma(t *testing.T) {
	t.Run("v1", func(t *testing.T) {
		path := mustFixture(t, "kuma-demo-v1.db")
		before := fileSum(t, path)
		s := mustNew(t, Config{Name: "kuma", Path: path})
		ds := mustFetch(t, s, demoFrom, demoTo)
		if names(ds.Probes) != "Shop,API" || len(ds.Gaps) != 0 || len(ds.Notes) != 0 {
			t.Fatalf("probes %s, gaps %v, notes %v", names(ds.Probes), ds.Gaps, ds.Notes)
		}
		shop := probeByName(t, ds, "Shop")
		if len(shop.Beats) != 4320 || shop.Target != "https://shop.example" || shop.Interval != time.Minute {
			t.Errorf("Shop: %d beats, target %q, interval %v", len(shop.Beats), shop.Target, shop.Interval)
		}
		var pending, down []time.Time
		var upAfter time.Time
		for _, b := range shop.Beats {
			switch b.Status {
			case sources.Pending:
				pending = append(pending, b.T)
			case sources.Down:
				down = append(down, b.T)
				if b.Latency != 0 {
					t.Errorf("DOWN beat with latency %v", b.Latency)
				}
			case sources.Up:
				if len(down) > 0 && upAfter.IsZero() {
					upAfter = b.T
				}
			}
			if h := b.T.Hour(); h == 18 && b.T.Minute() < 20 && (b.Latency < 2400*time.Millisecond || b.Latency > 2736*time.Millisecond) {
				t.Errorf("%s: latency %v outside the nightly spike's 2400-2736 ms", b.T, b.Latency)
			}
		}
		sec := func(ts []time.Time) string {
			var s []string
			for _, t := range ts {
				s = append(s, t.Truncate(time.Second).Format("2006-01-02T15:04:05Z"))
			}
			return strings.Join(s, " ")
		}
		if got := sec(pending); got != "2025-11-21T05:03:07Z" {
			t.Errorf("PENDING at %s", got)
		}
		if got := sec(down); got != "2025-11-21T05:04:07Z 2025-11-21T05:05:07Z 2025-11-21T05:06:07Z 2025-11-21T05:07:07Z 2025-11-21T05:08:07Z 2025-11-21T05:09:07Z" {
			t.Errorf("DOWN at %s", got)
		}
		if got := sec([]time.Time{upAfter}); got != "2025-11-21T05:10:07Z" {
			t.Errorf("UP again at %s", got)
		}
		if fileSum(t, path) != before {
			t.Error("reading the fixture changed it")
		}
		out, err := s.Check(context.Background())
		if err != nil || !strings.HasPrefix(out, "Uptime Kuma v1 database, 2 monitors") {
			t.Errorf("Check = %q, %v", out, err)
		}
	})
	t.Run("v2", func(t *testing.T) {
		path := mustFixture(t, "kuma-demo-v2.db")
		s := mustNew(t, Config{Name: "kuma", Path: path, Monitors: []string{"shop"}})
		ds := mustFetch(t, s, demoFrom, demoTo)
		shop := probeByName(t, ds, "Shop")
		if shop.Resolution != time.Hour {
			t.Errorf("Resolution = %v, want 1h", shop.Resolution)
		}
		var hour *sources.Beat
		var important []string
		for i, b := range shop.Beats {
			if b.Span == time.Hour && b.T.Equal(utc("2025-11-21T05:00:00Z")) {
				hour = &shop.Beats[i]
			}
			if b.Span == 0 && b.T.Before(utc("2025-11-21T15:00:00Z")) {
				important = append(important, b.Status.String()+" "+b.T.Truncate(time.Second).Format("2006-01-02T15:04:05Z"))
			}
		}
		if hour == nil || hour.Failed != 7 || hour.Checks != 60 || hour.Status != sources.Down {
			t.Errorf("stat_hourly 05:00Z = %+v, want down=7 of 60", hour)
		}
		if got := strings.Join(important, ", "); got != "up 2025-11-19T15:00:07Z, down 2025-11-21T05:04:07Z, up 2025-11-21T05:10:07Z" {
			t.Errorf("important raw beats before the last 24 h: %s", got)
		}
		if c, f := countChecks(shop.Beats); c != 4320 || f != 7 {
			t.Errorf("%d checks, %d failed; want 4320, 7", c, f)
		}
		if len(ds.Notes) != 1 || !strings.Contains(ds.Notes[0], "kuma: Shop: hourly aggregates until 2025-11-21 16:00 UTC") {
			t.Errorf("notes %q", ds.Notes)
		}
		out, err := s.Check(context.Background())
		if err != nil || !strings.HasPrefix(out, "Uptime Kuma v2 database, 2 monitors") {
			t.Errorf("Check = %q, %v", out, err)
		}
	})
}
