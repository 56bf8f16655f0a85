package prometheus

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/sources"
)

// nodeMetric is one member of the built-in node_exporter set.
type nodeMetric struct {
	metric string // what /api/v1/series is asked for
	match  string // the selector
	expr   func(p plan) string
	role   sources.Role
	unit   string
}

// ignoredFS are pseudo and in-memory filesystems whose free space says
// nothing about a host (node_exporter's own default exclusions, plus tmpfs).
const ignoredFS = `fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|proc|sysfs|cgroup2?|fuse\\..*"`

// nodeSet is what hindsight fetches from every node_exporter host: the
// USE-method saturation and error signals. Counters are rated on the server.
var nodeSet = []nodeMetric{
	{metric: "node_cpu_seconds_total", match: `node_cpu_seconds_total{mode=~"iowait|user|system"}`,
		// Share of a CPU per mode, averaged over the host's CPUs.
		expr: func(p plan) string {
			return fmt.Sprintf(`avg by (instance, job, mode) (rate(node_cpu_seconds_total{mode=~"iowait|user|system"}[%s]))`, promDuration(p.rng))
		}, role: sources.Saturation, unit: "ratio"},
	{metric: "node_load1", match: "node_load1",
		expr: func(p plan) string { return overTime("max_over_time", "node_load1", p) }, role: sources.Saturation},
	{metric: "node_disk_io_time_seconds_total", match: "node_disk_io_time_seconds_total",
		// Seconds busy per second: the device's utilisation.
		expr: func(p plan) string {
			return fmt.Sprintf(`rate(node_disk_io_time_seconds_total[%s])`, promDuration(p.rng))
		}, role: sources.Saturation, unit: "ratio"},
	{metric: "node_memory_MemAvailable_bytes", match: "node_memory_MemAvailable_bytes",
		expr: func(p plan) string { return overTime("min_over_time", "node_memory_MemAvailable_bytes", p) },
		role: sources.Saturation, unit: "B"},
	{metric: "node_network_receive_errs_total", match: "node_network_receive_errs_total",
		expr: func(p plan) string {
			return fmt.Sprintf(`rate(node_network_receive_errs_total[%s])`, promDuration(p.rng))
		}, role: sources.Errors, unit: "1/s"},
	{metric: "node_network_transmit_errs_total", match: "node_network_transmit_errs_total",
		expr: func(p plan) string {
			return fmt.Sprintf(`rate(node_network_transmit_errs_total[%s])`, promDuration(p.rng))
		}, role: sources.Errors, unit: "1/s"},
	{metric: "node_filesystem_avail_bytes", match: "node_filesystem_avail_bytes{" + ignoredFS + "}",
		expr: func(p plan) string {
			return overTime("min_over_time", "node_filesystem_avail_bytes{"+ignoredFS+"}", p)
		}, role: sources.Saturation, unit: "B"},
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
			sets, _, err := s.api.Series(gctx, []string{nm.match}, w.From, w.To)
			if err != nil {
				fails[i] = s.explain("series "+nm.match, err)
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
		jobs = append(jobs, &job{kind: kindNode, what: nm.metric, name: nodeName(nm), expr: nm.expr(p), role: nm.role, unit: nm.unit})
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
