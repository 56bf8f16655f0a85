package prometheus

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/promconv"
)

// Probes come from blackbox_exporter (probe_success, probe_duration_seconds,
// probe_http_status_code, probe_http_duration_seconds{phase}) and from
// Uptime Kuma's exporter (monitor_status, monitor_response_time).
//
// At the scrape interval each sample is a beat, built by promconv exactly as
// the file source builds it. At a coarser step each blackbox beat is a
// summary of the checks in [t, t+step): Checks is count_over_time, Failed
// the checks minus sum_over_time of probe_success, Latency the average.
// Kuma's monitor_status is 0-3, not a success flag, so its coarse beat is
// the worst status in the step.

// bucketShift is where a summary of [t, t+step) is evaluated: at
// t+step-1ms, its range [step] then holds exactly the samples in [t, t+step)
// on Prometheus 2.x (whose ranges include their start) and on
// VictoriaMetrics and Prometheus 3 (whose ranges do not).
// Every built-in series at a coarse step is evaluated so (probes, the node
// set, alerts): its point at t stands for [t, t+step). Config queries are
// evaluated at t, as PromQL users expect.
func bucketShift(p plan) time.Duration {
	if !p.coarse {
		return 0
	}
	return p.step - time.Millisecond
}

func probeJobs(p plan) []*job {
	if !p.coarse {
		var jobs []*job
		for _, n := range []string{"probe_success", "probe_duration_seconds", "probe_http_status_code",
			"probe_http_duration_seconds", "monitor_status", "monitor_response_time"} {
			jobs = append(jobs, &job{kind: kindProbe, what: n, name: n, expr: n})
		}
		return jobs
	}
	r := promDuration(p.step)
	mk := func(name, fn, summary string) *job {
		return &job{kind: kindProbe, what: name, name: name, summary: summary, shift: bucketShift(p),
			expr: fmt.Sprintf("%s(%s[%s])", fn, name, r)}
	}
	return []*job{
		mk("probe_success", "count_over_time", "count"),
		mk("probe_success", "sum_over_time", "sum"),
		mk("probe_duration_seconds", "avg_over_time", ""),
		mk("probe_http_status_code", "max_over_time", ""),
		mk("probe_http_duration_seconds", "avg_over_time", ""),
		mk("monitor_status", "min_over_time", ""), // 0 (down) is the worst
		mk("monitor_response_time", "avg_over_time", ""),
	}
}

// unshift moves a job's answer back from its evaluation times to the
// times its values stand for.
func unshift(m model.Matrix, d time.Duration) {
	if d == 0 {
		return
	}
	ms := model.Time(d / time.Millisecond)
	for _, ss := range m {
		for i := range ss.Values {
			ss.Values[i].Timestamp -= ms
		}
	}
}

// toRaws turns a probe job's matrix into promconv input.
func toRaws(j *job, m model.Matrix, p plan) []promconv.Raw {
	out := make([]promconv.Raw, 0, len(m))
	for _, ss := range m {
		l := labelsOf(ss.Metric)
		q := promconv.Selector(j.name, l)
		if p.coarse {
			fn := j.expr[:max(0, strings.IndexByte(j.expr, '('))]
			q = fmt.Sprintf("%s(%s[%s])", fn, q, promDuration(p.step))
		}
		out = append(out, promconv.Raw{Name: j.name, Labels: l, Type: "gauge", Points: points(ss.Values), Query: q})
	}
	return out
}

// summaryProbes builds the blackbox probes of a coarse step from the count
// and sum of probe_success, the average duration and the highest status
// code of each step.
func (s *Source) summaryProbes(jobs []*job, p plan) []sources.Probe {
	type bucket struct {
		checks, ok float64
		latency    float64
		code       float64
	}
	type probe struct {
		target  string
		buckets map[int64]*bucket
	}
	probes := map[string]*probe{}
	get := func(l map[string]string, t model.Time) *bucket {
		target := l["target"]
		if target == "" {
			target = l["instance"]
		}
		pr := probes[target]
		if pr == nil {
			pr = &probe{target: target, buckets: map[int64]*bucket{}}
			probes[target] = pr
		}
		b := pr.buckets[int64(t)]
		if b == nil {
			b = &bucket{checks: -1}
			pr.buckets[int64(t)] = b
		}
		return b
	}
	for _, j := range jobs {
		if j.kind != kindProbe {
			continue
		}
		for _, ss := range j.out {
			l := labelsOf(ss.Metric)
			for _, v := range ss.Values {
				f := float64(v.Value)
				switch {
				case j.summary == "count":
					get(l, v.Timestamp).checks = f
				case j.summary == "sum":
					get(l, v.Timestamp).ok = f
				case j.name == "probe_duration_seconds":
					get(l, v.Timestamp).latency = f
				case j.name == "probe_http_status_code":
					get(l, v.Timestamp).code = f
				}
			}
		}
	}
	var out []sources.Probe
	for _, pr := range probes {
		sp := sources.Probe{Source: s.Name(), Name: pr.target, Target: pr.target, Resolution: p.step, Interval: s.s.probeInterval}
		for t, b := range pr.buckets {
			if b.checks <= 0 {
				continue // latency with no probe_success: a series only
			}
			failed := int(b.checks - b.ok + 0.5)
			beat := sources.Beat{T: model.Time(t).Time().UTC(), Status: sources.Up, Span: p.step,
				Checks: int(b.checks + 0.5), Failed: max(0, failed)}
			if beat.Failed > 0 {
				beat.Status = sources.Down
				if b.code > 0 && b.code != 200 {
					beat.Msg = "HTTP " + strconv.Itoa(int(b.code))
				}
			}
			if b.latency > 0 && !math.IsNaN(b.latency) {
				beat.Latency = time.Duration(b.latency * float64(time.Second))
			}
			sp.Beats = append(sp.Beats, beat)
		}
		if len(sp.Beats) == 0 {
			continue
		}
		sort.Slice(sp.Beats, func(i, j int) bool { return sp.Beats[i].T.Before(sp.Beats[j].T) })
		out = append(out, sp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
