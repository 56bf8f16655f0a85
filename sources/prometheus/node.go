package prometheus

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/promconv"
)

// nodeMetric is one member of the built-in node_exporter set.
type nodeMetric struct {
	metric   string
	matchers string // label matchers besides the name, e.g. `mode=~"iowait|user|system"`
	rate     bool   // a counter: rate() over the plan's range, on the server
	agg      string // applied to the rate, e.g. "avg by (instance, job, mode)"
	overTime string // a gauge at a coarse step: the *_over_time that summarises a step
	role     sources.Role
	unit     string
}

// selector is the metric with its matchers and the given labels.
func (nm nodeMetric) selector(labels map[string]string) string {
	var ms []string
	if nm.matchers != "" {
		ms = append(ms, nm.matchers)
	}
	if l := promconv.Selector("", labels); l != "" {
		ms = append(ms, strings.TrimSuffix(strings.TrimPrefix(l, "{"), "}"))
	}
	if len(ms) == 0 {
		return nm.metric
	}
	return nm.metric + "{" + strings.Join(ms, ",") + "}"
}

// expr is the PromQL of the member, narrowed to labels (for the Query that
// reproduces one series) or not (nil, for the job).
func (nm nodeMetric) expr(p plan, labels map[string]string) string {
	sel := nm.selector(labels)
	if !nm.rate {
		return overTime(nm.overTime, sel, p)
	}
	e := fmt.Sprintf("rate(%s[%s])", sel, promDuration(p.rng))
	if nm.agg != "" {
		e = nm.agg + " (" + e + ")"
	}
	return e
}

// ignoredFS are pseudo and in-memory filesystems whose free space says
// nothing about a host (node_exporter's own default exclusions, plus tmpfs).
const ignoredFS = `fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|proc|sysfs|cgroup2?|fuse\\..*"`

// nodeSet is what hindsight fetches from every node_exporter host: the
// USE-method saturation and error signals. Counters are rated on the server.
var nodeSet = []nodeMetric{
	// Share of a CPU per mode, averaged over the host's CPUs.
	{metric: "node_cpu_seconds_total", matchers: `mode=~"iowait|user|system"`, rate: true,
		agg: "avg by (instance, job, mode)", role: sources.Saturation, unit: "ratio"},
	{metric: "node_load1", overTime: "max_over_time", role: sources.Saturation},
	// Seconds busy per second: the device's utilisation.
	{metric: "node_disk_io_time_seconds_total", rate: true, role: sources.Saturation, unit: "ratio"},
	{metric: "node_memory_MemAvailable_bytes", overTime: "min_over_time", role: sources.Saturation, unit: "B"},
	{metric: "node_network_receive_errs_total", rate: true, role: sources.Errors, unit: "1/s"},
	{metric: "node_network_transmit_errs_total", rate: true, role: sources.Errors, unit: "1/s"},
	{metric: "node_filesystem_avail_bytes", matchers: ignoredFS, overTime: "min_over_time", role: sources.Saturation, unit: "B"},
}

// nodeJobs finds which members of the node set the server holds in w (with
// /api/v1/series, which reads the index only) and returns a job for each.
// found counts the metrics found; errs the lookups that failed.
func (s *Source) nodeJobs(ctx context.Context, w sources.Window, p plan) (jobs []*job, found int, errs []error) {
	hosts := make([]map[string]bool, len(nodeSet))
	fails := make([]error, len(nodeSet))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.s.MaxConcurrency)
	for i, nm := range nodeSet {
		g.Go(func() error {
			sets, _, err := s.api.Series(gctx, []string{nm.selector(nil)}, w.From, w.To)
			if err != nil {
				fails[i] = s.explain("series "+nm.selector(nil), err)
				return nil
			}
			hosts[i] = map[string]bool{}
			for _, ls := range sets {
				hosts[i][string(ls["instance"])] = true
			}
			return nil
		})
	}
	g.Wait()
	for i, nm := range nodeSet {
		if fails[i] != nil {
			errs = append(errs, fails[i])
			continue
		}
		if len(hosts[i]) == 0 {
			continue
		}
		found++
		jobs = append(jobs, &job{kind: kindNode, what: nm.metric, name: nodeName(nm), expr: nm.expr(p, nil), role: nm.role, unit: nm.unit, node: i, shift: bucketShift(p)})
	}
	return jobs, found, errs
}

// nodeName is the series name of a node set member: the metric itself for a
// gauge fetched as it is (so the file source, reading the same samples,
// names it the same), and a recording-rule style name for a rate.
func nodeName(nm nodeMetric) string {
	switch {
	case nm.metric == "node_cpu_seconds_total":
		return "node_cpu:mode:rate"
	case strings.HasSuffix(nm.metric, "_total"):
		return strings.TrimSuffix(nm.metric, "_total") + ":rate"
	}
	return nm.metric
}
