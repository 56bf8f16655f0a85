package file

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/sources"
)

// t0 is 2025-11-20T03:00:00+09:00, the night of the shared fixtures.
var t0 = time.Date(2025, 11, 19, 18, 0, 0, 0, time.UTC)

func mustWrite(tb testing.TB, dir, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func gz(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func mustFetch(tb testing.TB, c Config, w sources.Window) *sources.Dataset {
	tb.Helper()
	s, err := New(c)
	if err != nil {
		tb.Fatal(err)
	}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		tb.Fatal(err)
	}
	checkContract(tb, s.Name(), w, ds)
	return ds
}

func findSeries(tb testing.TB, ds *sources.Dataset, key string) sources.Series {
	tb.Helper()
	var keys []string
	for _, s := range ds.Series {
		if s.Key() == key {
			return s
		}
		keys = append(keys, s.Key())
	}
	tb.Fatalf("no series %s; have %v", key, keys)
	return sources.Series{}
}

// ts is t0+d in unix seconds, as text.
func ts(d time.Duration) string {
	t := t0.Add(d)
	return trimFloat(float64(t.UnixMilli()) / 1000)
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func values(pts []sources.Point) []float64 {
	out := make([]float64, len(pts))
	for i, p := range pts {
		out[i] = math.Round(p.V*1000) / 1000
	}
	return out
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOpenMetrics(t *testing.T) {
	var om strings.Builder
	om.WriteString("# HELP http_requests Requests served.\n# TYPE http_requests counter\n")
	// a counter going up 60 per minute, with a reset at +3m
	for i, v := range []float64{0, 60, 120, 30, 90, 150} {
		om.WriteString(`http_requests_total{code="200",path="/a\"b\\c"} ` + trimFloat(v) + " " + ts(time.Duration(i-1)*time.Minute) + " # {trace_id=\"x\"} 1 " + ts(0) + "\n")
	}
	om.WriteString("http_requests_created{code=\"200\",path=\"/a\\\"b\\\\c\"} 1763000000 " + ts(0) + "\n")
	om.WriteString("# TYPE node_load1 gauge\n")
	// out of order, a NaN, a duplicate (later wins), one sample after the window
	om.WriteString("node_load1 2 " + ts(2*time.Minute) + "\n")
	om.WriteString("node_load1 1 " + ts(time.Minute) + "\n")
	om.WriteString("node_load1 NaN " + ts(3*time.Minute) + "\n")
	om.WriteString("node_load1 0.5 " + ts(0) + "\n")
	om.WriteString("node_load1 0.25 " + ts(0) + "\n")
	om.WriteString("node_load1 9 " + ts(10*time.Minute) + "\n")
	om.WriteString("# TYPE req_duration_seconds histogram\n")
	om.WriteString(`req_duration_seconds_bucket{le="+Inf"} 10 ` + ts(0) + "\n")
	om.WriteString(`req_duration_seconds_bucket{le="+Inf"} 70 ` + ts(time.Minute) + "\n")
	om.WriteString(`{"quoted.metric.name",job="x"} 7 ` + ts(time.Minute) + "\n")
	om.WriteString("# EOF\n")
	data := []byte(om.String())
	w := sources.Window{From: t0, To: t0.Add(5 * time.Minute)}

	for _, name := range []string{"m.om", "m.om.gz", "m.data"} {
		t.Run("file="+name, func(t *testing.T) {
			d := data
			if strings.HasSuffix(name, ".gz") {
				d = gz(t, data)
			}
			p := mustWrite(t, t.TempDir(), name, d)
			ds := mustFetch(t, Config{Name: "rec", Path: p}, w)
			if len(ds.Gaps) > 0 {
				t.Fatalf("gaps: %v", ds.Gaps)
			}
			req := findSeries(t, ds, `rec/http_requests_total{code="200",path="/a\"b\\c"}`)
			if got, want := values(req.Points), []float64{1, 1, 0.5, 1, 1}; !equalFloats(got, want) {
				t.Errorf("rate = %v, want %v (first rate at From from the sample before it; reset counted as from 0)", got, want)
			}
			if req.Role != sources.Traffic || req.Unit != "1/s" || !strings.HasPrefix(req.Query, "file:"+p+" rate(") {
				t.Errorf("requests: role %v unit %q query %q", req.Role, req.Unit, req.Query)
			}
			if req.Labels["path"] != `/a"b\c` {
				t.Errorf("escaped label = %q", req.Labels["path"])
			}
			load := findSeries(t, ds, "rec/node_load1")
			if got, want := values(load.Points), []float64{0.25, 1, 2}; !equalFloats(got, want) {
				t.Errorf("load = %v, want %v (sorted, NaN dropped, later duplicate wins, outside window dropped)", got, want)
			}
			bucket := findSeries(t, ds, `rec/req_duration_seconds_bucket{le="+Inf"}`)
			if got, want := values(bucket.Points), []float64{1}; !equalFloats(got, want) {
				t.Errorf("histogram bucket rate = %v, want %v", got, want)
			}
			findSeries(t, ds, `rec/quoted.metric.name{job="x"}`)
			for _, s := range ds.Series {
				if strings.HasSuffix(s.Name, "_created") {
					t.Errorf("_created series kept: %s", s.Key())
				}
			}
		})
	}
}

func TestOpenMetricsMetricFilterAndOverrides(t *testing.T) {
	om := "a_seconds 1 " + ts(0) + "\nb 2 " + ts(0) + "\n"
	p := mustWrite(t, t.TempDir(), "x.prom", []byte(om))
	ds := mustFetch(t, Config{Name: "f", Path: p, Metric: "a_seconds", Role: "saturation", Unit: "ms"},
		sources.Window{From: t0, To: t0.Add(time.Hour)})
	if len(ds.Series) != 1 || ds.Series[0].Name != "a_seconds" || ds.Series[0].Role != sources.Saturation || ds.Series[0].Unit != "ms" {
		t.Fatalf("series = %+v", ds.Series)
	}
}

func TestProbes(t *testing.T) {
	var om strings.Builder
	for i, up := range []int{1, 1, 0, 1} {
		om.WriteString(`probe_success{instance="https://shop.example",job="blackbox"} ` + string(rune('0'+up)) + " " + ts(time.Duration(i)*time.Minute) + "\n")
		om.WriteString(`probe_duration_seconds{instance="https://shop.example",job="blackbox"} 0.25 ` + ts(time.Duration(i)*time.Minute) + "\n")
	}
	p := mustWrite(t, t.TempDir(), "bb.om", []byte(om.String()))
	ds := mustFetch(t, Config{Name: "bb", Path: p}, sources.Window{From: t0.Add(time.Minute), To: t0.Add(time.Hour)})
	if len(ds.Probes) != 1 {
		t.Fatalf("probes = %+v", ds.Probes)
	}
	pr := ds.Probes[0]
	if pr.Name != "https://shop.example" || len(pr.Beats) != 3 || pr.Beats[1].Status != sources.Down ||
		pr.Beats[0].Latency != 250*time.Millisecond || !pr.Beats[0].T.Equal(t0.Add(time.Minute)) {
		t.Errorf("probe = %+v", pr)
	}
}

func TestCSV(t *testing.T) {
	tests := []struct {
		name, file, data string
		c                Config
		wantKeys         []string
		wantRole         sources.Role
		wantValues       []float64 // of the first series by key
	}{
		{
			name:     "unix seconds, name from file",
			file:     "db1_load.csv",
			data:     "timestamp,value\n" + ts(0) + ",1.5\n" + ts(time.Minute) + ",2\n" + ts(90*time.Second) + ",\n",
			wantKeys: []string{"f/db1_load"}, wantRole: sources.Saturation, wantValues: []float64{1.5, 2},
		},
		{
			name: "rfc3339 with labels, role from config",
			file: "export.csv.gz",
			data: "time,host,value,dc\n" +
				"2025-11-20T03:00:00+09:00,db1,5,\"seoul, 1\"\n" +
				"2025-11-20T03:01:00.5+09:00,db1,6,\"seoul, 1\"\n" +
				"2025-11-19 18:00:00Z,db2,7,busan\n",
			c:        Config{Metric: "queue_depth", Role: "saturation", Unit: "jobs"},
			wantKeys: []string{`f/queue_depth{dc="busan",host="db2"}`, `f/queue_depth{dc="seoul, 1",host="db1"}`},
			wantRole: sources.Saturation, wantValues: []float64{7},
		},
		{
			name:     "timestamps without a zone are UTC",
			file:     "nab.csv",
			data:     "timestamp,value\n2025-11-19 18:00:00,3\n2025-11-19T18:01:00.5,4\n",
			wantKeys: []string{"f/nab"}, wantRole: sources.Other, wantValues: []float64{3, 4},
		},
		{
			name:     "counter by name is rated, comments and blank lines",
			file:     "http_errors_total.csv",
			data:     "# exported by hand\ntimestamp,value\n\n" + ts(-time.Minute) + ",10\n" + ts(0) + ",70\n",
			wantKeys: []string{"f/http_errors_total"}, wantRole: sources.Errors, wantValues: []float64{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := []byte(tt.data)
			if strings.HasSuffix(tt.file, ".gz") {
				d = gz(t, d)
			}
			c := tt.c
			c.Name = "f"
			c.Path = mustWrite(t, t.TempDir(), tt.file, d)
			ds := mustFetch(t, c, sources.Window{From: t0, To: t0.Add(time.Hour)})
			var keys []string
			for _, s := range ds.Series {
				keys = append(keys, s.Key())
			}
			if strings.Join(keys, " ") != strings.Join(tt.wantKeys, " ") {
				t.Fatalf("keys = %v, want %v (gaps %v)", keys, tt.wantKeys, ds.Gaps)
			}
			s := ds.Series[0]
			if s.Role != tt.wantRole {
				t.Errorf("role = %v, want %v", s.Role, tt.wantRole)
			}
			if tt.c.Unit != "" && s.Unit != tt.c.Unit {
				t.Errorf("unit = %q", s.Unit)
			}
			if got := values(s.Points); !equalFloats(got, tt.wantValues) {
				t.Errorf("values = %v, want %v", got, tt.wantValues)
			}
			if zoneless := strings.Contains(tt.name, "without a zone"); zoneless != (len(ds.Notes) == 1) {
				t.Errorf("notes = %v", ds.Notes)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, file, data string
		wantErr          []string // substrings
	}{
		{"om no timestamp", "a.om", "# TYPE x gauge\nx{a=\"b\"} 1\n", []string{"a.om:2:", "no timestamp", `x{a=\"b\"} 1`, "hint:"}},
		{"om ms timestamp", "a.om", "x 1 1763564400000\n", []string{"a.om:1:", "milliseconds"}},
		{"om bad value", "a.om", "x 1 1\nx one 1763564400\n", []string{"a.om:2:", "value is not a number"}},
		{"om unclosed labels", "a.om", "x{a=\"b 1 1763564400\n", []string{"a.om:1:", "not closed"}},
		{"om bad label", "a.om", "x{a=b} 1 1763564400\n", []string{"a.om:1:", "not quoted"}},
		{"om dup label", "a.om", "x{a=\"1\",a=\"2\"} 1 1763564400\n", []string{"given twice"}},
		{"om junk", "a.om", "x 1 1763564400 junk\n", []string{"after the timestamp"}},
		{"om long text truncated", "a.om", "x{a=\"" + strings.Repeat("y", 500) + "\"} 1\n", []string{"a.om:1:", `..."`}},
		{"csv no header", "a.csv", "1763564400,1\n", []string{"a.csv:1:", "header"}},
		{"csv bad time", "a.csv", "timestamp,value\nyesterday,1\n", []string{"a.csv:2:", "RFC 3339", "yesterday"}},
		{"csv ms time", "a.csv", "timestamp,value\n1763564400000,1\n", []string{"a.csv:2:", "milliseconds"}},
		{"csv field count", "a.csv", "timestamp,value,host\n1763564400,1\n", []string{"a.csv:2:", "2 fields"}},
		{"csv quotes", "a.csv", "timestamp,value,host\n1763564400,1,\"db1\n", []string{"a.csv:2:", "quotes"}},
		{"csv bad value", "a.csv", "timestamp,value\n1763564400,high\n", []string{"a.csv:2:", "not a number"}},
		{"not gzip", "a.om.gz", "\x1f\x8bnot really gzip", []string{"a.om.gz", "gzip"}},
		{"om line over 1 MiB", "a.om", "x 1 1763564400\n# " + strings.Repeat("y", 1<<20) + "\n", []string{"a.om:2:", "longer than 1 MiB"}},
		{"csv line over 1 MiB", "a.csv", "timestamp,value\n1763564400,1\n" + strings.Repeat("9", 1<<20+1) + "\n", []string{"a.csv:3:", "longer than 1 MiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustWrite(t, t.TempDir(), tt.file, []byte(tt.data))
			s, err := New(Config{Path: p})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Fetch(context.Background(), sources.Window{From: t0, To: t0.Add(time.Hour)}, time.Minute)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestGaps(t *testing.T) {
	var om strings.Builder
	for i := range 2000 {
		om.WriteString(`node_load1{instance="db1:9100"} 1.5 ` + ts(time.Duration(i)*time.Second) + "\n")
	}
	full := gz(t, []byte(om.String()))
	tests := []struct {
		name, file string
		data       []byte
		w          sources.Window
		wantGap    string
		wantPoints bool
	}{
		{"empty file", "e.om", nil, sources.Window{From: t0, To: t0.Add(time.Hour)}, "no samples", false},
		{"empty csv", "e.csv", []byte("timestamp,value\n"), sources.Window{From: t0, To: t0.Add(time.Hour)}, "no samples", false},
		{"outside window", "o.om", []byte("x 1 " + ts(0) + "\nx 2 " + ts(time.Hour) + "\n"),
			sources.Window{From: t0.Add(48 * time.Hour), To: t0.Add(49 * time.Hour)},
			"no samples in window; the file covers 2025-11-19T18:00:00Z..2025-11-19T19:00:00Z", false},
		{"metric not in file", "m.om", []byte("x 1 " + ts(0) + "\n"), sources.Window{From: t0, To: t0.Add(time.Hour)}, "no metric named", false},
		{"truncated gzip keeps what was read", "t.om.gz", full[:len(full)*2/3],
			sources.Window{From: t0, To: t0.Add(time.Hour)}, "read failed after line", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustWrite(t, t.TempDir(), tt.file, tt.data)
			c := Config{Name: "f", Path: p}
			if tt.name == "metric not in file" {
				c.Metric = "node_load1"
			}
			ds := mustFetch(t, c, tt.w)
			if len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, tt.wantGap) {
				t.Fatalf("gaps = %v, want one with %q", ds.Gaps, tt.wantGap)
			}
			if got := len(ds.Series) > 0; got != tt.wantPoints {
				t.Errorf("has series = %v, want %v", got, tt.wantPoints)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	w := sources.Window{From: t0, To: t0.Add(time.Hour)}
	for name, path := range map[string]string{"missing": filepath.Join(dir, "nope.om"), "directory": dir} {
		t.Run(name, func(t *testing.T) {
			s, err := New(Config{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Fetch(context.Background(), w, time.Minute)
			if err == nil || !strings.Contains(err.Error(), "hint:") {
				t.Fatalf("err = %v, want one with a hint", err)
			}
		})
	}
	if _, err := New(Config{Path: "x", Format: "parquet"}); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := New(Config{Path: "x", Role: "speed"}); err == nil {
		t.Error("unknown role accepted")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("empty path accepted")
	}
}

func TestCanceled(t *testing.T) {
	var om strings.Builder
	for i := range 10000 {
		om.WriteString("x 1 " + ts(time.Duration(i)*time.Second) + "\n")
	}
	p := mustWrite(t, t.TempDir(), "c.om", []byte(om.String()))
	s, _ := New(Config{Path: p})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Fetch(ctx, sources.Window{From: t0, To: t0.Add(time.Hour)}, time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

// TestSharedFixture reads the project's shared Prometheus fixture and checks
// the answers that Prometheus itself gave for it (shared/notes/real-services.md).
func TestSharedFixture(t *testing.T) {
	p := filepath.Join("..", "..", "..", "shared", "fixtures", "prometheus", "synthetic-3d.om.gz")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared fixture not beside the repository: %v", err)
	}
	from := time.Date(2025, 11, 20, 17, 55, 0, 0, time.UTC)
	ds := mustFetch(t, Config{Name: "f", Path: p}, sources.Window{From: from, To: from.Add(31 * time.Minute)})
	// probe_duration_seconds is the Shop probe's latency (not a series of
	// its own: promconv gives a probe's latency to the probe).
	var got []float64
	for _, pr := range ds.Probes {
		if pr.Name != "https://shop.example" {
			continue
		}
		for _, b := range pr.Beats {
			if b.T.Sub(from)%(5*time.Minute) == 0 {
				got = append(got, math.Round(b.Latency.Seconds()*100)/100)
			}
		}
	}
	if want := []float64{0.14, 2.57, 2.65, 2.51, 2.81, 0.14, 0.12}; !equalFloats(got, want) {
		t.Errorf("shop duration every 5m = %v, want %v (Prometheus query_range)", got, want)
	}
	iowait := findSeries(t, ds, `f/node_cpu_seconds_total{cpu="0",instance="db1:9100",job="node",mode="iowait"}`)
	for _, pt := range iowait.Points {
		if pt.T.Equal(time.Date(2025, 11, 20, 18, 10, 0, 0, time.UTC)) && math.Abs(pt.V-0.35) > 1e-9 {
			t.Errorf("iowait rate at 18:10Z = %v, want 0.35", pt.V)
		}
	}
	day := time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)
	ds = mustFetch(t, Config{Name: "f", Path: p}, sources.Window{From: day, To: day.Add(24 * time.Hour)})
	down := 0
	for _, pr := range ds.Probes {
		for _, b := range pr.Beats {
			if b.Status == sources.Down {
				down++
			}
		}
	}
	if down != 7 {
		t.Errorf("down beats on 2025-11-21 = %d, want 7", down)
	}
}

func TestCheck(t *testing.T) {
	p := mustWrite(t, t.TempDir(), "m.om.gz", gz(t, []byte("x 1 1763564400\n")))
	s, _ := New(Config{Path: p})
	if got, err := s.Check(context.Background()); err != nil || !strings.HasPrefix(got, "openmetrics file, ") {
		t.Errorf("Check = %q, %v", got, err)
	}
	s, _ = New(Config{Path: p + ".missing"})
	if _, err := s.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("Check of a missing file = %v", err)
	}
}

// An OpenMetrics file cut short is read up to the cut and says so: at a
// line boundary (no "# EOF"), or in the middle of its last line.
func TestCutOpenMetrics(t *testing.T) {
	var om strings.Builder
	om.WriteString("# TYPE node_load1 gauge\n# UNIT node_load1 \n")
	for i := range 100 {
		om.WriteString(`node_load1{instance="db1:9100"} 1.5 ` + ts(time.Duration(i)*time.Second) + "\n")
	}
	whole := om.String()
	w := sources.Window{From: t0, To: t0.Add(time.Hour)}
	for _, c := range []struct {
		name, data, wantGap string
	}{
		{"complete", whole + "# EOF\n", ""},
		{"no # EOF", whole, `no "# EOF" after line 102`},
		{"cut mid-line", whole + `node_load1{instance="db1:91`, "the last line (103) is cut"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := mustWrite(t, t.TempDir(), "m.om", []byte(c.data))
			ds := mustFetch(t, Config{Name: "f", Path: p}, w)
			if len(ds.Series) != 1 || len(ds.Series[0].Points) == 0 {
				t.Fatalf("series %v: the samples before the cut are lost", ds.Series)
			}
			got := ""
			for _, g := range ds.Gaps {
				got += g.Reason
			}
			if c.wantGap == "" && got != "" || !strings.Contains(got, c.wantGap) {
				t.Errorf("gaps %q, want %q", got, c.wantGap)
			}
		})
	}
}
