package promconv

import (
	"sort"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Uptime Kuma's own /metrics exporter publishes, per monitor,
//
//	monitor_status{monitor_name, monitor_type, monitor_url, monitor_hostname, monitor_port}
//	    0 down, 1 up, 2 pending, 3 maintenance (the same numbers as sources.Status)
//	monitor_response_time{...}  milliseconds
//
// (server/prometheus.js in louislam/uptime-kuma). Its "null" label values
// stand for an unset field.

// kumaParts collects the two Kuma exporter series per monitor.
type kumaParts map[string]*kumaMonitor

type kumaMonitor struct {
	name, target     string
	status, response *Raw
}

func (k kumaParts) add(r *Raw) {
	key := kumaKey(r.Labels)
	m := k[key]
	if m == nil {
		m = &kumaMonitor{name: kumaLabel(r.Labels, "monitor_name"), target: kumaTarget(r.Labels)}
		if m.name == "" {
			m.name = m.target
		}
		k[key] = m
	}
	switch r.Name {
	case "monitor_status":
		m.status = r
	case "monitor_response_time":
		m.response = r
	}
}

// kumaKey identifies a monitor: its name and what it checks (a Kuma server
// scraped by two jobs still yields one probe per monitor and job).
func kumaKey(l map[string]string) string {
	return l["job"] + "\x00" + l["instance"] + "\x00" + l["monitor_name"] + "\x00" + kumaTarget(l)
}

func kumaLabel(l map[string]string, k string) string {
	if v := l[k]; v != "null" {
		return v
	}
	return ""
}

func kumaTarget(l map[string]string) string {
	if u := kumaLabel(l, "monitor_url"); u != "" && u != "https://" && u != "http://" {
		return u
	}
	h := kumaLabel(l, "monitor_hostname")
	if p := kumaLabel(l, "monitor_port"); h != "" && p != "" {
		return h + ":" + p
	}
	return h
}

// probes turns each monitor with a status series into a Probe.
func (k kumaParts) probes(source string) []sources.Probe {
	var out []sources.Probe
	for _, m := range k {
		if m.status == nil {
			continue // response time only: already a Latency series
		}
		lat := map[int64]float64{}
		if m.response != nil {
			for _, p := range m.response.Points {
				lat[p.T.Unix()] = p.V
			}
		}
		pr := sources.Probe{Source: source, Name: m.name, Target: m.target}
		for _, p := range m.status.Points {
			st := sources.Status(p.V)
			if p.V < 0 || p.V > 3 || float64(st) != p.V {
				st = sources.Down // not one of Kuma's four values: count it as a failure
			}
			b := sources.Beat{T: p.T, Status: st}
			if v, ok := lat[p.T.Unix()]; ok && v > 0 {
				b.Latency = time.Duration(v * float64(time.Millisecond))
			}
			pr.Beats = append(pr.Beats, b)
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Target < out[j].Target
	})
	return out
}
