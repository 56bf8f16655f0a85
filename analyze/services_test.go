package analyze

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestPodService(t *testing.T) {
	for pod, want := range map[string]string{
		"cartservice-7d9f8b6c4d-x2x7z": "cartservice", // Deployment
		"node-exporter-k8g2q":          "node-exporter",
		"redis-cart-0":                 "redis-cart", // StatefulSet
		"shop-front":                   "shop-front", // a vowel: a word, not a suffix
		"web1":                         "web1",
	} {
		if got := podService(pod); got != want {
			t.Errorf("podService(%q) = %q, want %q", pod, got, want)
		}
	}
}

func TestWorkloadNames(t *testing.T) {
	for _, c := range []struct {
		labels map[string]string
		want   string
	}{
		// cAdvisor through the kubelet: the node is the instance, the pod
		// is what the series is about.
		{map[string]string{"instance": "10.0.0.5:10250", "pod": "cartservice-7d9f8b6c4d-x2x7z", "container": "server"}, "cartservice"},
		// kube-state-metrics: service names the exporter, the pod the subject.
		{map[string]string{"service": "kube-state-metrics", "pod": "carts-6b7f8d9c4-x7k2p"}, "carts"},
		{map[string]string{"destination_workload": "orders", "source_workload": "front-end"}, "orders"},
		{map[string]string{"instance": "web1:9100", "job": "node"}, "web1"},
		{map[string]string{"file": "frontend-5f4b8c7d9-zx9qk.log"}, "frontend"},
		{map[string]string{"file": "access.log"}, "access.log"},
	} {
		if got := componentOfLabels(c.labels); got != c.want {
			t.Errorf("componentOfLabels(%v) = %q, want %q", c.labels, got, c.want)
		}
	}
	for p, want := range map[string]string{
		"/var/log/containers/cartservice-7d9f8b6c4d-x2x7z_shop_server-" + fmt.Sprintf("%064x", 7) + ".log": "cartservice",
		"/var/log/pods/shop_carts-6b7f8d9c4-x7k2p_0f8e2a6c-1b2c-4d5e-8f90-a1b2c3d4e5f6/carts/0.log":        "carts",
		"logs/checkout-6c8d7f9b5-q2w4z/server.log":                                                         "checkout",
		"/var/log/syslog": "",
		"web1/syslog":     "",
		"app-2.log":       "",
	} {
		if got := workloadOfPath(p); got != want {
			t.Errorf("workloadOfPath(%q) = %q, want %q", p, got, want)
		}
	}
}

// services builds a system of four services with per-pod request, error
// and latency series and no probe: frontend calls checkout and catalog,
// checkout calls cartservice. From fault on, fail(svc, t) says how the
// service is affected; its callers wait for it and fail with it.
type svcFault struct {
	delay float64 // seconds added to the service's own answers
	down  bool    // refuses connections
	// blip: seconds added to its latency series for three minutes 20
	// minutes before the fault (a one-off hiccup of its own, not the
	// fault, that its callers do not feel).
	blip float64
}

func servicesScenario(fault map[string]svcFault, from time.Time, logs bool) *scenario {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(2, end)
	type svc struct {
		name, pod string
		proc      float64
		calls     []string
	}
	svcs := []svc{
		{"cartservice", "cartservice-7d9f8b6c4d-x2x7z", 0.004, nil},
		{"catalog", "catalog-5f4b8c7d9-zx9qk", 0.01, nil},
		{"checkout", "checkout-6c8d7f9b5-q2w4z", 0.02, []string{"cartservice"}},
		{"frontend", "frontend-8b9c7d6f5-m4n5p", 0.03, []string{"checkout", "catalog"}},
	}
	lat := map[string]func(time.Time) float64{}
	errs := map[string]func(time.Time) float64{}
	for _, v := range svcs {
		v := v
		lat[v.name] = func(t time.Time) float64 {
			l := v.proc
			for _, c := range v.calls {
				l += lat[c](t)
			}
			if f, ok := fault[v.name]; ok && !t.Before(from) {
				l += f.delay
			}
			return l
		}
		errs[v.name] = func(t time.Time) float64 {
			if f, ok := fault[v.name]; ok && f.down && !t.Before(from) {
				return 1
			}
			e := 0.0
			for _, c := range v.calls {
				e = max(e, errs[c](t))
			}
			return e
		}
	}
	for _, v := range svcs {
		v := v
		labels := func(kv ...string) map[string]string {
			m := map[string]string{"namespace": "shop", "service": v.name, "pod": v.pod}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i]] = kv[i+1]
			}
			return m
		}
		add := func(name string, role sources.Role, l map[string]string, f func(t time.Time) (float64, bool)) {
			sr := sources.Series{Source: "k8s", Name: name, Role: role, Labels: l, Query: name}
			for t := s.start; t.Before(s.end); t = t.Add(time.Minute) {
				if x, ok := f(t); ok {
					sr.Points = append(sr.Points, sources.Point{T: t, V: x})
				}
			}
			s.ds.Series = append(s.ds.Series, sr)
		}
		down := func(t time.Time) bool { f, ok := fault[v.name]; return ok && f.down && !t.Before(from) }
		add("http_server_request_duration_seconds", sources.Latency, labels("quantile", "0.5"), func(t time.Time) (float64, bool) {
			l := lat[v.name](t)
			if f, ok := fault[v.name]; ok && !t.Before(from.Add(-20*time.Minute)) && t.Before(from.Add(-17*time.Minute)) {
				l += f.blip // its own, not felt by its callers
			}
			return l * s.noise(0.9, 1.1), !down(t)
		})
		add("http_requests_total", sources.Traffic, labels("code", "200"), func(t time.Time) (float64, bool) {
			if down(t) {
				return 0, true
			}
			return 20 * (1 - errs[v.name](t)) * s.noise(0.9, 1.1), true
		})
		add("http_requests_total", sources.Errors, labels("code", "500"), func(t time.Time) (float64, bool) {
			if down(t) {
				return 0, true
			}
			return 20 * errs[v.name](t) * s.noise(0.9, 1.1), true
		})
		add("container_cpu_usage_seconds_total", sources.Saturation, map[string]string{"namespace": "shop", "pod": v.pod, "container": "server"},
			func(time.Time) (float64, bool) { return 0.05 * s.noise(0.9, 1.1), true })
	}
	if logs {
		// checkout logs its callee's refusals, naming it by host.
		p := sources.LogPattern{Source: "pods", File: "checkout-6c8d7f9b5-q2w4z.log", ID: "c1", Level: "error",
			Template: `failed to get cart: rpc error: code = Unavailable desc = dial tcp <*>: connect: connection refused`}
		for t := from.Add(30 * time.Second); t.Before(from.Add(15 * time.Minute)); t = t.Add(time.Minute) {
			p.Counts = append(p.Counts, sources.Bucket{T: t.Truncate(time.Minute), N: 12})
			if p.FirstSeen.IsZero() {
				p.FirstSeen = t
			}
			if len(p.Examples) < 3 {
				p.Examples = append(p.Examples, sources.LogLine{File: "logs/checkout-6c8d7f9b5-q2w4z.log", Line: len(p.Counts), T: t,
					Text: `failed to get cart: rpc error: code = Unavailable desc = dial tcp cartservice:7070: connect: connection refused`})
			}
		}
		s.ds.Patterns = append(s.ds.Patterns, p)
	}
	return s
}

// The service at fault is named, not the callers whose latency and errors
// follow it, nor the user-facing service whose series is the symptom.
// Before the services judgement, another service's latency and errors
// were faces of the incident and left the ranking: nothing named
// cartservice.
func TestServiceAtFaultIsTheTopComponent(t *testing.T) {
	from := time.Date(2025, 11, 20, 14, 3, 0, 0, seoul)
	for name, c := range map[string]struct {
		fault map[string]svcFault
		logs  bool
	}{
		"delay":            {map[string]svcFault{"cartservice": {delay: 0.3}}, false},
		"killed, logged":   {map[string]svcFault{"cartservice": {down: true}}, true},
		"killed, unlogged": {map[string]svcFault{"cartservice": {down: true}}, false},
	} {
		t.Run(name, func(t *testing.T) {
			s := servicesScenario(c.fault, from, c.logs)
			f := s.run(from.Add(5*time.Minute), time.Hour, time.Hour)
			if len(f.Symptoms) == 0 {
				t.Fatal("no symptom")
			}
			sy := f.Symptoms[0]
			if !strings.Contains(sy.Subject, "service=frontend,") && !strings.HasSuffix(sy.Subject, "service=frontend}") {
				t.Errorf("lead symptom %s, want frontend's", sy.Subject)
			}
			if len(sy.Suspects) == 0 || sy.Suspects[0].Component != "cartservice" {
				for _, sp := range sy.Suspects {
					t.Logf("%.2f %s {%s}", sp.Score, sp.Title, sp.Component)
				}
				t.Fatalf("first suspect is not about cartservice")
			}
			if len(sy.ByComponent) == 0 || sy.ByComponent[0].Component != "cartservice" {
				t.Errorf("top component %+v, want cartservice", sy.ByComponent)
			}
		})
	}
}

// A memory leak in catalog that nothing user-facing felt yet (frontend's
// latency and errors are flat), and an earlier three-minute hiccup of
// checkout's latency: the hiccup is no incident and the leak is the
// largest change in the window. The lead is the change, and the service
// named is catalog. Without the change symptom the hiccup led, and
// nothing around it named catalog.
func TestChangeLeadsWhenUsersFeltNothing(t *testing.T) {
	from := time.Date(2025, 11, 20, 14, 3, 0, 0, seoul)
	s := servicesScenario(map[string]svcFault{"checkout": {blip: 0.5}}, from, false)
	for _, pod := range []string{"catalog-5f4b8c7d9-zx9qk", "checkout-6c8d7f9b5-q2w4z"} {
		sr := sources.Series{Source: "k8s", Name: "container_memory_working_set_bytes", Role: sources.Saturation, Query: "mem",
			Labels: map[string]string{"namespace": "shop", "pod": pod, "container": "server"}}
		for t := s.start; t.Before(s.end); t = t.Add(time.Minute) {
			v := 200e6 * s.noise(0.99, 1.01)
			if d := t.Sub(from); d > 0 && strings.HasPrefix(pod, "catalog") {
				v += 300e6 * min(1, d.Minutes()/30)
			}
			sr.Points = append(sr.Points, sources.Point{T: t, V: v})
		}
		s.ds.Series = append(s.ds.Series, sr)
	}
	f := s.run(from.Add(-25*time.Minute), 0, time.Hour)
	if len(f.Symptoms) == 0 {
		t.Fatal("no symptom")
	}
	sy := f.Symptoms[0]
	if sy.Kind != Change || !strings.Contains(sy.Subject, "catalog") {
		t.Errorf("lead %s %s, want catalog's memory as a change", sy.Subject, sy.Kind)
	}
	if len(sy.ByComponent) == 0 || sy.ByComponent[0].Component != "catalog" {
		for _, sp := range sy.Suspects {
			t.Logf("%.2f %s {%s}", sp.Score, sp.Title, sp.Component)
		}
		t.Errorf("top component %+v, want catalog", sy.ByComponent)
	}
}

// A cluster where no service exports request series: cAdvisor's CPU and
// memory per pod are all there is. cartservice's process is killed (its
// CPU and memory fall to nothing together) while catalog's throttling
// ends (one series falling to nothing: things getting better). The lead
// is the stop, about cartservice. Before, a system without latency or
// error series was not a system of services: no symptom at all.
func TestStopWithoutRequestSeries(t *testing.T) {
	from := time.Date(2025, 11, 20, 14, 3, 0, 0, seoul)
	s := newScenario(1, time.Date(2025, 11, 20, 15, 0, 0, 0, seoul))
	pods := map[string]string{"cartservice": "cartservice-7d9f8b6c4d-x2x7z", "catalog": "catalog-5f4b8c7d9-zx9qk",
		"checkout": "checkout-6c8d7f9b5-q2w4z", "frontend": "frontend-8b9c7d6f5-m4n5p"}
	add := func(name, svc string, role sources.Role, f func(t time.Time) float64) {
		sr := sources.Series{Source: "k8s", Name: name, Role: role, Query: name,
			Labels: map[string]string{"namespace": "shop", "pod": pods[svc], "container": "server"}}
		for t := s.start; t.Before(s.end); t = t.Add(time.Minute) {
			sr.Points = append(sr.Points, sources.Point{T: t, V: f(t)})
		}
		s.ds.Series = append(s.ds.Series, sr)
	}
	for svc := range pods {
		stop := func(t time.Time) bool {
			return svc == "cartservice" && !t.Before(from) && t.Before(from.Add(8*time.Minute))
		}
		add("container_cpu_usage_seconds_total", svc, sources.Saturation, func(t time.Time) float64 {
			if stop(t) {
				return 0.0005
			}
			return 0.05 * s.noise(0.8, 1.2)
		})
		add("container_memory_working_set_bytes", svc, sources.Saturation, func(t time.Time) float64 {
			if stop(t) {
				return 0
			}
			return 200e6 * s.noise(0.99, 1.01)
		})
		add("container_cpu_cfs_throttled_seconds_total", svc, sources.Saturation, func(t time.Time) float64 {
			if svc == "catalog" && !t.Before(from.Add(-10*time.Minute)) && t.Before(from.Add(10*time.Minute)) {
				return 0
			}
			return 0.2 * s.noise(0.8, 1.2)
		})
	}
	f := s.run(from.Add(5*time.Minute), 30*time.Minute, 30*time.Minute)
	if len(f.Symptoms) == 0 {
		t.Fatal("no symptom")
	}
	sy := f.Symptoms[0]
	if len(sy.ByComponent) == 0 || sy.ByComponent[0].Component != "cartservice" {
		t.Logf("lead %s %s", sy.Subject, sy.Kind)
		for _, sp := range sy.Suspects {
			t.Logf("%.2f %s {%s}", sp.Score, sp.Title, sp.Component)
		}
		t.Errorf("top component %+v, want cartservice", sy.ByComponent)
	}
}
