// Package promconv turns Prometheus-shaped series (a metric name, labels and
// samples) into hindsight's vocabulary: blackbox_exporter and Uptime Kuma
// exporter series become Probes, everything else a Series with a Role.
//
// It is shared by the sources that read Prometheus data: sources/file
// (OpenMetrics text on disk) and sources/prometheus (the HTTP API), so the
// same data gives the same Dataset whichever way it was read. It performs no
// I/O.
package promconv

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Raw is one series as read, before conversion.
type Raw struct {
	Name   string
	Labels map[string]string // without __name__
	Type   string            // "counter", "gauge", "histogram", ... or "" when unknown
	Points []sources.Point   // sorted by time
	Query  string            // how to reproduce it; built from Name and Labels when empty
}

// Options tune Convert.
type Options struct {
	// RateCounters turns counters into per-second rates (as rate() would).
	// The file source sets it; the Prometheus source asks the server for
	// rate() instead and leaves it off.
	RateCounters bool
}

// Convert maps raws to probes and series. Output is sorted.
func Convert(source string, raws []Raw, o Options) ([]sources.Probe, []sources.Series) {
	type probeParts struct {
		success, duration, code *Raw
	}
	byTarget := map[string]*probeParts{}
	part := func(r *Raw) *probeParts {
		p := byTarget[probeTarget(r.Labels)]
		if p == nil {
			p = &probeParts{}
			byTarget[probeTarget(r.Labels)] = p
		}
		return p
	}
	kuma := kumaParts{}
	var series []sources.Series
	// A probe's latency series is the probe's own latency: it becomes a
	// series only when there is no probe to carry it, so that analysis
	// does not see the same numbers twice.
	var latency []*Raw
	for i := range raws {
		r := &raws[i]
		switch r.Name {
		case "monitor_status":
			kuma.add(r)
			continue
		case "monitor_response_time":
			kuma.add(r)
			latency = append(latency, r)
			continue
		case "probe_http_status_code":
			part(r).code = r
		case "probe_success":
			part(r).success = r
			continue
		case "probe_duration_seconds":
			part(r).duration = r
			latency = append(latency, r)
			continue
		}
		series = append(series, toSeries(source, r, o))
	}
	var probes []sources.Probe
	for target, p := range byTarget {
		if p.success == nil {
			continue
		}
		probes = append(probes, toProbe(source, target, p.success, p.duration, p.code))
	}
	for _, r := range latency {
		switch {
		case r.Name == "probe_duration_seconds" && byTarget[probeTarget(r.Labels)].success != nil:
		case r.Name == "monitor_response_time" && kuma[kumaKey(r.Labels)].status != nil:
		default:
			series = append(series, toSeries(source, r, o))
		}
	}
	probes = append(probes, kuma.probes(source)...)
	sort.Slice(probes, func(i, j int) bool { return probes[i].Name < probes[j].Name })
	sort.Slice(series, func(i, j int) bool { return series[i].Key() < series[j].Key() })
	return probes, series
}

func probeTarget(l map[string]string) string {
	for _, k := range []string{"target", "instance"} {
		if v := l[k]; v != "" {
			return v
		}
	}
	return ""
}

func toProbe(source, target string, success, duration, code *Raw) sources.Probe {
	lat := map[int64]float64{}
	if duration != nil {
		for _, p := range duration.Points {
			lat[p.T.Unix()] = p.V
		}
	}
	codes := map[int64]float64{}
	if code != nil {
		for _, p := range code.Points {
			codes[p.T.Unix()] = p.V
		}
	}
	pr := sources.Probe{Source: source, Name: target, Target: target}
	for _, p := range success.Points {
		b := sources.Beat{T: p.T, Status: sources.Down}
		if p.V >= 1 {
			b.Status = sources.Up
		}
		if v, ok := lat[p.T.Unix()]; ok && b.Status == sources.Up {
			b.Latency = time.Duration(v * float64(time.Second))
		}
		if c, ok := codes[p.T.Unix()]; ok && b.Status == sources.Down && c > 0 {
			b.Msg = "HTTP " + strconv.Itoa(int(c))
		}
		pr.Beats = append(pr.Beats, b)
	}
	return pr
}

func toSeries(source string, r *Raw, o Options) sources.Series {
	s := sources.Series{
		Source: source,
		Name:   r.Name,
		Labels: r.Labels,
		Role:   RoleOf(r.Name, r.Labels),
		Unit:   unitOf(r.Name),
		Points: r.Points,
		Query:  r.Query,
	}
	if s.Query == "" {
		s.Query = Selector(r.Name, r.Labels)
	}
	if o.RateCounters && (r.Type == "counter" || strings.HasSuffix(r.Name, "_total")) {
		s.Points = rate(r.Points)
		s.Query = "rate(" + s.Query + ")"
		switch s.Unit {
		case "":
			s.Unit = "1/s"
		default: // "s" becomes "s/s" (busy seconds per second), "B" "B/s"
			s.Unit += "/s"
		}
	}
	return s
}

// Selector writes name{k="v",...} with sorted labels.
func Selector(name string, labels map[string]string) string {
	if len(labels) == 0 {
		return name
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(labels[k]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// labelEscaper escapes a label value as PromQL and the exposition formats
// want it. A Replacer makes one pass, so an escaped quote is not escaped
// twice (the old ReplaceAll of quotes alone left `a\"` ambiguous).
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// rate computes per-second increase between consecutive samples, treating a
// decrease as a counter reset (as Prometheus does).
func rate(pts []sources.Point) []sources.Point {
	if len(pts) < 2 {
		return nil
	}
	out := make([]sources.Point, 0, len(pts)-1)
	for i := 1; i < len(pts); i++ {
		dt := pts[i].T.Sub(pts[i-1].T).Seconds()
		if dt <= 0 {
			continue
		}
		d := pts[i].V - pts[i-1].V
		if d < 0 { // reset
			d = pts[i].V
		}
		v := d / dt
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		out = append(out, sources.Point{T: pts[i].T, V: v})
	}
	return out
}

// RoleOf guesses the role of a metric from its name and labels.
func RoleOf(name string, labels map[string]string) sources.Role {
	n := strings.ToLower(name)
	// A request counter split by status (http_requests_total{code="500"},
	// istio_requests_total{response_code="503"}): its 5xx series count
	// the server's errors, not traffic.
	if strings.Contains(n, "request") {
		for _, k := range []string{"code", "status", "status_code", "response_code", "http_status_code", "http_response_status_code"} {
			if v := labels[k]; len(v) == 3 && v[0] == '5' || v == "5xx" {
				return sources.Errors
			}
		}
	}
	switch {
	case strings.Contains(n, "duration") || strings.Contains(n, "latency") ||
		strings.Contains(n, "response_time") || strings.Contains(n, "request_time"):
		return sources.Latency
	case strings.Contains(n, "error") || strings.Contains(n, "fail") || strings.Contains(n, "5xx"):
		return sources.Errors
	case strings.Contains(n, "requests") || strings.Contains(n, "_bytes_total") && strings.Contains(n, "network"):
		return sources.Traffic
	case strings.Contains(n, "cpu") || strings.Contains(n, "load") || strings.Contains(n, "disk") ||
		strings.Contains(n, "memory") || strings.Contains(n, "filesystem") || strings.Contains(n, "io_time"):
		return sources.Saturation
	}
	return sources.Other
}

func unitOf(name string) string {
	switch {
	case strings.HasSuffix(name, "_seconds"), strings.HasSuffix(name, "_seconds_total"):
		return "s"
	case strings.HasSuffix(name, "_bytes"), strings.HasSuffix(name, "_bytes_total"):
		return "B"
	case strings.HasSuffix(name, "_ratio"):
		return "ratio"
	case name == "monitor_response_time": // Uptime Kuma reports milliseconds
		return "ms"
	}
	return ""
}
