package prometheus

import (
	"context"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/prometheus/internal/fixture"
)

// The same suite runs against a real Prometheus and a real VictoriaMetrics
// holding the fixture.

func TestRealServers(t *testing.T) {
	for _, b := range mustBackends(t) {
		t.Run("backend="+b.name, func(t *testing.T) {
			t.Run("check", func(t *testing.T) { testCheck(t, b) })
			t.Run("fetch", func(t *testing.T) { testFetch(t, b) })
			t.Run("queries", func(t *testing.T) { testQueries(t, b) })
			t.Run("chunks", func(t *testing.T) { testChunks(t, b) })
			t.Run("coarse step", func(t *testing.T) { testCoarse(t, b) })
			t.Run("cancel", func(t *testing.T) { testCancel(t, b) })
			t.Run("retention", func(t *testing.T) { testRetention(t, b) })
		})
	}
}

func mustNew(tb testing.TB, c Config) *Source {
	tb.Helper()
	s, err := New(c)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

func mustFetch(tb testing.TB, s *Source, w sources.Window, step time.Duration) *sources.Dataset {
	tb.Helper()
	ds, err := s.Fetch(context.Background(), w, step)
	if err != nil {
		tb.Fatalf("Fetch: %v", err)
	}
	return ds
}

func fixtureWindow() sources.Window {
	from, to := fixture.Window()
	return sources.Window{From: from, To: to}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func findSeries(ds *sources.Dataset, name string, labels map[string]string) *sources.Series {
	for i := range ds.Series {
		s := &ds.Series[i]
		if s.Name != name {
			continue
		}
		ok := true
		for k, v := range labels {
			if s.Labels[k] != v {
				ok = false
			}
		}
		if ok {
			return s
		}
	}
	return nil
}

func valueAt(s *sources.Series, t time.Time) (float64, bool) {
	for _, p := range s.Points {
		if p.T.Equal(t) {
			return p.V, true
		}
	}
	return 0, false
}

func findProbe(ds *sources.Dataset, name string) *sources.Probe {
	for i := range ds.Probes {
		if ds.Probes[i].Name == name {
			return &ds.Probes[i]
		}
	}
	return nil
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func testCheck(t *testing.T, b backend) {
	s := mustNew(t, Config{Name: "prom", URL: b.url})
	got, err := s.Check(context.Background())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	want := "Prometheus 2."
	if b.name == "victoriametrics" {
		want = "Prometheus-compatible (no buildinfo)"
	}
	if !strings.HasPrefix(got, want) {
		t.Errorf("Check = %q, want prefix %q", got, want)
	}
}

func testFetch(t *testing.T, b backend) {
	s := mustNew(t, Config{Name: "prom", URL: b.url})
	ds := mustFetch(t, s, fixtureWindow(), time.Minute)
	if len(ds.Gaps) > 0 {
		t.Errorf("gaps: %v", ds.Gaps)
	}
	if ds.Step != time.Minute {
		t.Errorf("step = %v, want 1m", ds.Step)
	}

	// Probes: two blackbox targets and the Kuma monitor.
	if len(ds.Probes) != 3 {
		t.Fatalf("probes = %d, want 3 (shop, api, Kuma's Shop)", len(ds.Probes))
	}
	shop := findProbe(ds, "https://shop.example")
	if shop == nil {
		t.Fatal("no probe https://shop.example")
	}
	if len(shop.Beats) != fixture.N {
		t.Errorf("shop beats = %d, want %d", len(shop.Beats), fixture.N)
	}
	for _, p := range []string{"https://shop.example", "Shop"} {
		pr := findProbe(ds, p)
		if pr == nil {
			t.Fatalf("no probe %q", p)
		}
		var down []sources.Beat
		for _, bt := range pr.Beats {
			if bt.Status == sources.Down {
				down = append(down, bt)
			}
		}
		if len(down) != fixture.OutageSamples {
			t.Errorf("%s: %d down beats, want %d", p, len(down), fixture.OutageSamples)
			continue
		}
		if !down[0].T.Equal(at("2025-11-21T05:03:00Z")) || !down[6].T.Equal(at("2025-11-21T05:09:00Z")) {
			t.Errorf("%s: down from %v to %v, want 05:03Z..05:09Z", p, down[0].T, down[6].T)
		}
		if p == "https://shop.example" && down[0].Msg != "HTTP 503" {
			t.Errorf("down beat message = %q, want HTTP 503", down[0].Msg)
		}
	}
	for _, bt := range shop.Beats {
		if bt.T.Equal(at("2025-11-20T18:05:00Z")) {
			if bt.Latency < 2400*time.Millisecond || bt.Latency > 2900*time.Millisecond {
				t.Errorf("shop latency at 18:05Z = %v, want 2.4..2.9 s (03:05 KST spike)", bt.Latency)
			}
		}
		if bt.T.Equal(at("2025-11-20T12:00:00Z")) && bt.Latency > 200*time.Millisecond {
			t.Errorf("shop latency at 12:00Z = %v, want ~0.12 s", bt.Latency)
		}
	}

	// The spike is server processing time, not the network.
	proc := findSeries(ds, "probe_http_duration_seconds", map[string]string{"instance": "https://shop.example", "phase": "processing"})
	conn := findSeries(ds, "probe_http_duration_seconds", map[string]string{"instance": "https://shop.example", "phase": "connect"})
	if proc == nil || conn == nil {
		t.Fatal("no probe_http_duration_seconds phases for the shop")
	}
	if v, _ := valueAt(proc, at("2025-11-20T18:05:00Z")); v < 2 {
		t.Errorf("processing phase at 18:05Z = %v, want > 2 s", v)
	}
	if v, _ := valueAt(conn, at("2025-11-20T18:05:00Z")); v > 0.1 {
		t.Errorf("connect phase at 18:05Z = %v, want < 0.1 s", v)
	}

	// node_exporter set on db1, rates computed by the server.
	db1 := map[string]string{"instance": "db1:9100"}
	iowait := findSeries(ds, "node_cpu:mode:rate", map[string]string{"instance": "db1:9100", "mode": "iowait"})
	if iowait == nil {
		t.Fatal("no iowait rate for db1")
	}
	if iowait.Role != sources.Saturation || iowait.Unit != "ratio" {
		t.Errorf("iowait role %v unit %q, want saturation ratio", iowait.Role, iowait.Unit)
	}
	before, _ := valueAt(iowait, at("2025-11-20T17:50:00Z"))
	during, _ := valueAt(iowait, at("2025-11-20T18:10:00Z"))
	if !near(before, 0.03, 0.005) || !near(during, 0.35, 0.005) {
		t.Errorf("iowait rate 17:50Z = %.4f (want 0.03), 18:10Z = %.4f (want 0.35: 03:00 KST backup)", before, during)
	}
	load := findSeries(ds, "node_load1", db1)
	if load == nil || len(load.Points) != fixture.N {
		t.Fatalf("node_load1 = %+v, want %d points", load, fixture.N)
	}
	if v, _ := valueAt(load, at("2025-11-20T18:10:00Z")); v < 4 {
		t.Errorf("load1 at 18:10Z = %v, want >= 4", v)
	}
	io := findSeries(ds, "node_disk_io_time_seconds:rate", db1)
	if io == nil {
		t.Fatal("no disk io rate")
	}
	if v, _ := valueAt(io, at("2025-11-20T18:10:00Z")); v < 0.8 || v > 1 {
		t.Errorf("disk io time rate at 18:10Z = %v, want 0.85..0.95", v)
	}
	for _, n := range []string{"node_memory_MemAvailable_bytes", "node_filesystem_avail_bytes", "node_network_receive_errs:rate"} {
		if findSeries(ds, n, db1) == nil {
			t.Errorf("no %s for db1", n)
		}
	}
	if errs := findSeries(ds, "node_network_receive_errs:rate", db1); errs != nil && errs.Role != sources.Errors {
		t.Errorf("network errors role = %v, want errors", errs.Role)
	}

	// The alert, from the time its condition became true.
	if len(ds.Events) != 1 {
		t.Fatalf("events = %+v, want the ProbeDown alert", ds.Events)
	}
	e := ds.Events[0]
	if e.Kind != sources.KindAlert || e.Severity != sources.Critical || !strings.Contains(e.Title, "ProbeDown") {
		t.Errorf("event = %+v, want a critical ProbeDown alert", e)
	}
	if !e.T.Equal(at("2025-11-21T05:03:00Z")) || !e.End.Equal(at("2025-11-21T05:10:00Z")) {
		t.Errorf("alert %v .. %v, want 05:03Z .. 05:10Z", e.T, e.End)
	}
}

func testQueries(t *testing.T, b backend) {
	s := mustNew(t, Config{Name: "prom", URL: b.url, Probes: new(false), Node: new(false), Alerts: new(false),
		Queries: []Query{
			{Name: "db iowait", Expr: `sum by (instance) (rate(node_cpu_seconds_total{mode="iowait"}[5m]))`, Role: "saturation", Unit: "ratio"},
			{Name: "nothing", Expr: `nonexistent_metric{job="nope"}`},
			{Name: "broken", Expr: `rate(node_load1[5m]`},
		}})
	ds := mustFetch(t, s, fixtureWindow(), time.Minute)
	io := findSeries(ds, "db iowait", map[string]string{"instance": "db1:9100"})
	if io == nil {
		t.Fatalf("no series for query db iowait; dataset %+v", ds.Gaps)
	}
	if io.Role != sources.Saturation || io.Unit != "ratio" || !strings.Contains(io.Query, "rate(") {
		t.Errorf("series = %s role %v unit %q query %q", io.Name, io.Role, io.Unit, io.Query)
	}
	if v, _ := valueAt(io, at("2025-11-20T18:10:00Z")); !near(v, 0.35, 0.005) {
		t.Errorf("iowait at 18:10Z = %v, want 0.35", v)
	}
	gaps := map[string]string{}
	for _, g := range ds.Gaps {
		gaps[g.What] = g.Reason
	}
	if r := gaps[`query "nothing"`]; !strings.Contains(r, "matched no series") || !strings.Contains(r, "hint:") {
		t.Errorf("gap for a selector matching nothing = %q", r)
	}
	r := gaps[`query "broken"`]
	if !strings.Contains(r, "syntax error") || !strings.Contains(r, "hint:") {
		t.Errorf("gap for a syntax error = %q", r)
	}
	if b.name == "prometheus" && !strings.Contains(r, "line 1, column") {
		t.Errorf("gap for a syntax error = %q, want the position", r)
	}
	_, err := s.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), `query "broken"`) || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("Check with a broken query = %v, want an error naming it with a hint", err)
	}
}

// A 10 s scrape interval makes the 3-day window 25,920 points: three
// chunks, stitched with nothing lost or repeated.
func testChunks(t *testing.T, b backend) {
	s := mustNew(t, Config{Name: "prom", URL: b.url, ScrapeInterval: 10 * time.Second, Probes: new(false), Alerts: new(false), Node: new(false),
		Queries: []Query{{Name: "load", Expr: `node_load1`}}})
	w := fixtureWindow()
	if n := len(makePlan(w, 10*time.Second, 10*time.Second).chunks); n != 3 {
		t.Fatalf("chunks = %d, want 3", n)
	}
	ds := mustFetch(t, s, w, 10*time.Second)
	load := findSeries(ds, "load", nil)
	if load == nil {
		t.Fatalf("no series; gaps %v", ds.Gaps)
	}
	for i := 1; i < len(load.Points); i++ {
		if !load.Points[i].T.After(load.Points[i-1].T) {
			t.Fatalf("points not strictly increasing at %d: %v then %v", i, load.Points[i-1].T, load.Points[i].T)
		}
	}
	// Every minute of the fixture is there, with its value, across the
	// chunk boundaries (at 11,000 × 10 s ≈ 30.5 h and 61.1 h).
	coarse := findSeries(mustFetch(t, mustNew(t, Config{Name: "prom", URL: b.url, Probes: new(false), Alerts: new(false)}), w, time.Minute),
		"node_load1", nil)
	byT := map[int64]float64{}
	for _, p := range load.Points {
		byT[p.T.Unix()] = p.V
	}
	for _, p := range coarse.Points {
		if v, ok := byT[p.T.Unix()]; !ok || v != p.V {
			t.Fatalf("at %v: chunked %v (present %v), want %v", p.T, v, ok, p.V)
		}
	}
}

// At a 5 min step each blackbox beat summarises the five checks of
// [t, t+5m): the 7-minute outage is 2 + 5 failed checks in two beats, the
// same on both backends, and nothing is lost or counted twice.
func testCoarse(t *testing.T, b backend) {
	s := mustNew(t, Config{Name: "prom", URL: b.url})
	ds := mustFetch(t, s, fixtureWindow(), 5*time.Minute)
	shop := findProbe(ds, "https://shop.example")
	if shop == nil {
		t.Fatal("no shop probe")
	}
	if shop.Resolution != 5*time.Minute || len(shop.Beats) != fixture.N/5 {
		t.Errorf("resolution %v, %d beats; want 5m, %d", shop.Resolution, len(shop.Beats), fixture.N/5)
	}
	checks, failed := 0, 0
	var down []sources.Beat
	for _, bt := range shop.Beats {
		checks += bt.Checks
		failed += bt.Failed
		if bt.Status == sources.Down {
			down = append(down, bt)
		}
		if bt.Span != 5*time.Minute {
			t.Fatalf("beat %+v: span is not 5m", bt)
		}
	}
	if checks != fixture.N || failed != fixture.OutageSamples {
		t.Errorf("%d checks, %d failed; want %d, %d", checks, failed, fixture.N, fixture.OutageSamples)
	}
	if len(down) != 2 || !down[0].T.Equal(at("2025-11-21T05:00:00Z")) || down[0].Failed != 2 || down[1].Failed != 5 || down[1].Msg != "HTTP 503" {
		t.Errorf("down beats %+v, want 05:00Z with 2 failed and 05:05Z with 5", down)
	}
	for _, bt := range shop.Beats {
		if bt.T.Equal(at("2025-11-20T18:05:00Z")) && (bt.Latency < 2400*time.Millisecond || bt.Latency > 2900*time.Millisecond) {
			t.Errorf("average latency over 18:05-18:10Z = %v, want 2.4..2.9 s", bt.Latency)
		}
	}
	kuma := findProbe(ds, "Shop")
	if kuma == nil {
		t.Fatal("no Kuma probe")
	}
	var kdown []time.Time
	for _, bt := range kuma.Beats {
		if bt.Status == sources.Down {
			kdown = append(kdown, bt.T)
		}
	}
	if len(kdown) != 2 || !kdown[0].Equal(at("2025-11-21T05:00:00Z")) {
		t.Errorf("Kuma down beats at %v, want 05:00Z and 05:05Z", kdown)
	}
	if len(ds.Events) != 1 || !ds.Events[0].T.Equal(at("2025-11-21T05:03:00Z")) || !ds.Events[0].End.Equal(at("2025-11-21T05:10:00Z")) {
		t.Errorf("events = %+v, want the alert 05:03Z .. 05:10Z", ds.Events)
	}

	// Node series stand for [t, t+5m) too: the backup's iowait starts in
	// the 18:00Z bucket, not the one before.
	iowait := findSeries(ds, "node_cpu:mode:rate", map[string]string{"mode": "iowait"})
	if iowait == nil {
		t.Fatal("no iowait")
	}
	for ts, want := range map[string]float64{"2025-11-20T17:55:00Z": 0.03, "2025-11-20T18:05:00Z": 0.35} {
		if v, ok := valueAt(iowait, at(ts)); !ok || !near(v, want, 0.01) {
			t.Errorf("iowait rate in the 5 min from %s = %v (%v), want %v", ts, v, ok, want)
		}
	}
	load := findSeries(ds, "node_load1", nil)
	if v, _ := valueAt(load, at("2025-11-20T17:55:00Z")); v >= 4 {
		t.Errorf("max load1 in 17:55-18:00Z = %v, want the quiet level", v)
	}
	if v, _ := valueAt(load, at("2025-11-20T18:00:00Z")); v < 4 {
		t.Errorf("max load1 in 18:00-18:05Z = %v, want >= 4", v)
	}
}

func testCancel(t *testing.T, b backend) {
	s := mustNew(t, Config{Name: "prom", URL: b.url})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Fetch(ctx, fixtureWindow(), time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a canceled context = %v, want context.Canceled", err)
	}
}

// A server with a 30-day retention holds nothing of a window a year back:
// that is a gap that names the window and the retention.
func testRetention(t *testing.T, b backend) {
	dir := t.TempDir()
	var url string
	var srv *proc
	var err error
	if b.name == "prometheus" {
		url, srv, err = startPrometheus(dir, "short", "30d", nil, false)
	} else {
		url, srv, err = startVM(dir, "short", "30d", "")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.stop) // before TempDir's removal: cleanups run last first
	s := mustNew(t, Config{Name: "prom", URL: url, Queries: []Query{{Name: "load", Expr: "node_load1"}}})
	ds := mustFetch(t, s, fixtureWindow(), time.Minute)
	if len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "retention (30d)") ||
		!strings.Contains(ds.Gaps[0].What, "2025-11-19T15:00:00Z") || !strings.Contains(ds.Gaps[0].Reason, "hint:") {
		t.Errorf("gaps = %v, want one naming the window and the 30d retention", ds.Gaps)
	}
}

func TestSkipMessage(t *testing.T) {
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" && !strings.Contains(skipReason, "HINDSIGHT_SKIP_INTEGRATION=1") {
		t.Errorf("skip reason %q does not say why", skipReason)
	}
}
