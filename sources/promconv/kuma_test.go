package promconv

import (
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestConvertKumaExporter(t *testing.T) {
	t0 := time.Date(2025, 11, 21, 5, 3, 0, 0, time.UTC)
	pts := func(vs ...float64) []sources.Point {
		out := make([]sources.Point, len(vs))
		for i, v := range vs {
			out[i] = sources.Point{T: t0.Add(time.Duration(i) * time.Minute), V: v}
		}
		return out
	}
	l := map[string]string{"job": "kuma", "instance": "kuma:3001", "monitor_name": "Shop",
		"monitor_type": "http", "monitor_url": "https://shop.example", "monitor_hostname": "null", "monitor_port": "null"}
	probes, series := Convert("prom", []Raw{
		{Name: "monitor_status", Labels: l, Points: pts(1, 0, 2, 3)},
		{Name: "monitor_response_time", Labels: l, Points: pts(120, 0, 0, 0)},
	}, Options{})
	if len(probes) != 1 {
		t.Fatalf("probes = %d, want 1", len(probes))
	}
	p := probes[0]
	if p.Name != "Shop" || p.Target != "https://shop.example" {
		t.Errorf("probe = %q %q, want Shop https://shop.example", p.Name, p.Target)
	}
	want := []sources.Status{sources.Up, sources.Down, sources.Pending, sources.Maintenance}
	for i, b := range p.Beats {
		if b.Status != want[i] {
			t.Errorf("beat %d status = %v, want %v", i, b.Status, want[i])
		}
	}
	if p.Beats[0].Latency != 120*time.Millisecond {
		t.Errorf("latency = %v, want 120ms", p.Beats[0].Latency)
	}
	if len(series) != 0 {
		t.Errorf("series = %+v, want none: the response time is the probe's latency", series)
	}
}

func TestConvertBlackboxStatusCode(t *testing.T) {
	t0 := time.Date(2025, 11, 21, 5, 3, 0, 0, time.UTC)
	l := map[string]string{"job": "blackbox", "instance": "https://shop.example"}
	probes, _ := Convert("prom", []Raw{
		{Name: "probe_success", Labels: l, Points: []sources.Point{{T: t0, V: 0}}},
		{Name: "probe_http_status_code", Labels: l, Points: []sources.Point{{T: t0, V: 503}}},
	}, Options{})
	if len(probes) != 1 || probes[0].Beats[0].Msg != "HTTP 503" {
		t.Fatalf("probes = %+v, want one down beat with HTTP 503", probes)
	}
}

// A latency series with no status to make a probe of stays a series.
func TestLatencyWithoutProbeStaysASeries(t *testing.T) {
	t0 := time.Date(2025, 11, 21, 5, 3, 0, 0, time.UTC)
	probes, series := Convert("prom", []Raw{
		{Name: "probe_duration_seconds", Labels: map[string]string{"instance": "https://a.example"}, Points: []sources.Point{{T: t0, V: 0.2}}},
		{Name: "monitor_response_time", Labels: map[string]string{"monitor_name": "B"}, Points: []sources.Point{{T: t0, V: 120}}},
	}, Options{})
	if len(probes) != 0 || len(series) != 2 || series[0].Role != sources.Latency {
		t.Errorf("probes %+v series %+v, want two latency series", probes, series)
	}
}
