// Package prometheus is the source for Prometheus and the engines that speak
// its HTTP API (Thanos, Mimir, Cortex, VictoriaMetrics).
//
// It sits with the other backends between config and analyze: it turns
// blackbox_exporter and Uptime Kuma exporter series into Probes, configured
// PromQL and a built-in node_exporter set into Series, and ALERTS into
// Events. It asks the server for aggregates (rate() and *_over_time() are
// evaluated there), splits long windows under the 11,000 points-per-series
// limit and bounds the queries in flight. It knows nothing about incidents.
//
// A config entry (cmd decodes it into Config):
//
//	sources:
//	  - type: prometheus
//	    name: prod-prom
//	    url: https://prom.example:9090
//	    bearer_token_file: /run/secrets/prom-token   # or bearer_token_env, or basic_auth
//	    headers: {X-Scope-OrgID: team-a}             # Mimir/Cortex tenant
//	    tls: {ca_file: /etc/ssl/prom-ca.pem}
//	    timeout: 60s
//	    max_concurrency: 4
//	    scrape_interval: 1m
//	    probes: true   # blackbox_exporter and Uptime Kuma exporter series
//	    node: true     # the node_exporter set
//	    alerts: true   # ALERTS / ALERTS_FOR_STATE
//	    queries:
//	      - name: shop p95
//	        expr: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="shop"}[5m])))
//	        role: latency
//	        unit: s
package prometheus

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/promconv"
)

// Source reads one Prometheus-compatible server.
type Source struct {
	s      *settings
	client api.Client
	api    v1.API
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

// New validates c, reads its secrets and returns the source. It does not
// contact the server (Check does).
func New(c Config) (*Source, error) {
	s, err := validate(c)
	if err != nil {
		return nil, err
	}
	rt, err := transport(s)
	if err != nil {
		return nil, err
	}
	client, err := api.NewClient(api.Config{Address: s.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus source %q: url: %w", s.Name, err)
	}
	return &Source{s: s, client: client, api: v1.NewAPI(client)}, nil
}

// Name is the configured name.
func (s *Source) Name() string { return s.s.Name }

func (s *Source) insecureWarning() string {
	if !s.s.TLS.InsecureSkipVerify {
		return ""
	}
	return fmt.Sprintf("WARNING: prometheus source %q does not verify the server's TLS certificate (tls.insecure_skip_verify): "+
		"anyone on the network path can read and change its answers; set tls.ca_file instead", s.Name())
}

// Check asks the server for its version and checks that every configured
// query parses. VictoriaMetrics answers buildinfo with no data; it is then
// "Prometheus-compatible (no buildinfo)".
func (s *Source) Check(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, s.s.Timeout, errTimeout)
	defer cancel()
	what := "Prometheus-compatible (no buildinfo)"
	bi, err := s.api.Buildinfo(ctx)
	if err != nil {
		// Some compatible servers lack the endpoint: any query answering
		// proves the API is there.
		if _, _, qerr := s.api.Query(ctx, "vector(1)", time.Now()); qerr != nil {
			return "", s.ctxErr(ctx, s.explain("buildinfo", err))
		}
	} else if bi.Version != "" {
		what = "Prometheus " + bi.Version
	}
	for _, q := range s.s.Queries {
		if _, _, err := s.api.Query(ctx, q.Expr, time.Now()); err != nil {
			return "", s.ctxErr(ctx, s.explain(fmt.Sprintf("query %q (%s)", q.Name, q.Expr), err))
		}
	}
	if n := len(s.s.Queries); n > 0 {
		what += fmt.Sprintf(", %d %s answered", n, plural(n, "query", "queries"))
	}
	if w := s.insecureWarning(); w != "" {
		what = w + "\n" + what
	}
	return what, nil
}

// ctxErr prefers the context's own story: a timeout of this source is a
// timeout, a cancellation by the caller is ctx.Err().
func (s *Source) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	switch {
	case context.Cause(ctx) == errTimeout:
		return &Error{Source: s.Name(), Msg: fmt.Sprintf("timed out after %s", s.s.Timeout), Err: context.DeadlineExceeded,
			Hint: "raise timeout in the source's config, narrow the window or use a larger step"}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &Error{Source: s.Name(), Msg: "timed out: the caller's deadline passed", Err: ctx.Err(),
			Hint: "narrow the window or use a larger step"}
	}
	return ctx.Err()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// job is one expression fetched over the whole window.
type job struct {
	kind jobKind
	what string // for gaps: `query "p95"`, `probe_success`
	name string // series or raw metric name
	expr string
	role sources.Role
	unit string
	node int // index in nodeSet for kindNode
	// shift moves the evaluation times: a summary of [t, t+step) is
	// evaluated at t+shift and reported at t (see bucketShift).
	shift time.Duration
	// summary marks the blackbox probe_success summaries at a coarse step:
	// "count" or "sum" over each step.
	summary string

	// results, one slot per chunk, and the stitched whole
	slots []result
	out   model.Matrix
}

type jobKind int8

const (
	kindProbe jobKind = iota
	kindNode
	kindAlert
	kindQuery
)

type result struct {
	m    model.Matrix
	warn v1.Warnings
	err  error
}

// Fetch returns the probes, series and alerts the server holds for w. See
// sources.Source.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, fmt.Errorf("prometheus source %q: %w", s.Name(), err)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, s.s.Timeout, errTimeout)
	defer cancel()

	p := makePlan(w, step, s.s.ScrapeInterval)
	ds := &sources.Dataset{Window: w, Step: p.step}
	if warn := s.insecureWarning(); warn != "" {
		ds.Notes = append(ds.Notes, warn)
	}
	for _, n := range p.notes {
		ds.Notes = append(ds.Notes, fmt.Sprintf("prometheus source %q: %s", s.Name(), n))
	}
	if len(p.chunks) == 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), Reason: fmt.Sprintf("window %s is shorter than one step (%s)", w, p.step)})
		return ds, nil
	}

	var jobs []*job
	if on(s.s.Probes) {
		jobs = append(jobs, probeJobs(p)...)
	}
	var discovered int
	var discoveryErrs []error
	if on(s.s.Node) {
		nj, n, errs := s.nodeJobs(ctx, w, p)
		jobs = append(jobs, nj...)
		discovered, discoveryErrs = n, errs
	}
	if on(s.s.Alerts) {
		jobs = append(jobs, alertJobs(p)...)
	}
	for i, q := range s.s.Queries {
		jobs = append(jobs, &job{kind: kindQuery, what: fmt.Sprintf("query %q", q.Name), name: q.Name,
			expr: q.Expr, role: s.s.roles[i], unit: q.Unit})
	}
	// Few jobs: split them in time too, so that MaxConcurrency requests run.
	if len(jobs) > 0 && len(jobs)*len(p.chunks) < s.s.MaxConcurrency {
		p.split((s.s.MaxConcurrency + len(jobs) - 1) / len(jobs))
	}
	if err := s.run(ctx, jobs, p); err != nil {
		return nil, s.ctxErr(ctx, err)
	}
	if ctx.Err() != nil {
		return nil, s.ctxErr(ctx, ctx.Err())
	}

	// An error means the source got nothing.
	if err := nothingAnswered(jobs, discovered, discoveryErrs); err != nil {
		return nil, err
	}
	for _, err := range discoveryErrs {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "node_exporter discovery", Reason: gapReason(err)})
	}

	var raws []promconv.Raw
	var empty []*job
	for _, j := range jobs {
		m, gaps := s.stitch(j, p)
		j.out = m
		ds.Gaps = append(ds.Gaps, gaps...)
		if len(m) == 0 && len(gaps) == 0 {
			empty = append(empty, j)
			continue
		}
		switch j.kind {
		case kindProbe:
			if j.summary == "" {
				raws = append(raws, toRaws(j, m, p)...)
			}
		case kindNode, kindQuery:
			ds.Series = append(ds.Series, s.toSeries(j, m, p)...)
		case kindAlert:
			// assembled below from both alert jobs
		}
	}
	if len(raws) > 0 {
		probes, series := promconv.Convert(s.Name(), raws, promconv.Options{})
		for i := range probes {
			if p.coarse {
				probes[i].Resolution = p.step
			}
			probes[i].Interval = s.s.probeInterval
		}
		ds.Probes = append(ds.Probes, probes...)
		ds.Series = append(ds.Series, series...)
	}
	if p.coarse && on(s.s.Probes) {
		ds.Probes = append(ds.Probes, s.summaryProbes(jobs, p)...)
	}
	if on(s.s.Alerts) {
		ds.Events = append(ds.Events, s.alertEvents(jobs, p)...)
	}

	// Nothing at all, or nothing before some time: is it retention?
	retained := s.retentionGaps(ctx, ds, w, p)
	ds.Gaps = append(ds.Gaps, retained...)
	for _, j := range empty {
		if j.kind == kindQuery && len(retained) == 0 {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: j.what,
				Reason: fmt.Sprintf("matched no series in %s; hint: try %q in the Prometheus UI over that range, or list what exists with /api/v1/series", w, j.expr)})
		}
	}
	if len(ds.Probes) == 0 && on(s.s.Probes) && len(retained) == 0 {
		ds.Notes = append(ds.Notes, fmt.Sprintf("prometheus source %q: no blackbox_exporter (probe_success) or Uptime Kuma exporter (monitor_status) series in the window", s.Name()))
	}
	ds.Sort()
	return ds, nil
}

// nothingAnswered returns the first failure when no request at all
// succeeded (the server is down, refuses the credentials, ...), nil when
// something answered or nothing was asked.
func nothingAnswered(jobs []*job, discovered int, discoveryErrs []error) error {
	if discovered > 0 {
		return nil
	}
	var first error
	for _, j := range jobs {
		for _, r := range j.slots {
			if r.err == nil {
				return nil
			}
			if first == nil {
				first = r.err
			}
		}
	}
	if first == nil && len(discoveryErrs) > 0 {
		first = discoveryErrs[0]
	}
	return first
}

// run fetches every chunk of every job, at most MaxConcurrency at once.
// Failures stay in the jobs' slots; run returns an error only when ctx ends.
func (s *Source) run(ctx context.Context, jobs []*job, p plan) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.s.MaxConcurrency)
	for _, j := range jobs {
		j.slots = make([]result, len(p.chunks))
		for i, c := range p.chunks {
			g.Go(func() error {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				m, warn, err := s.queryRange(gctx, j.expr, chunk{c.from.Add(j.shift), c.to.Add(j.shift)}, p.step)
				if err != nil && gctx.Err() != nil {
					return gctx.Err()
				}
				unshift(m, j.shift)
				j.slots[i] = result{m: m, warn: warn, err: s.explain(j.what, err)}
				return nil
			})
		}
	}
	return g.Wait()
}

// queryRange runs one chunk, halving it when the server says it has too
// many points (a Mimir or VictoriaMetrics with a lower limit than 11,000).
func (s *Source) queryRange(ctx context.Context, expr string, c chunk, step time.Duration) (model.Matrix, v1.Warnings, error) {
	v, warn, err := s.api.QueryRange(ctx, expr, v1.Range{Start: c.from, End: c.to, Step: step})
	if err != nil && tooManyPoints(err) {
		a, b, ok := c.split(step)
		if !ok {
			return nil, warn, err
		}
		ma, wa, err := s.queryRange(ctx, expr, a, step)
		if err != nil {
			return nil, wa, err
		}
		mb, wb, err := s.queryRange(ctx, expr, b, step)
		if err != nil {
			return nil, append(wa, wb...), err
		}
		return stitchMatrices([]model.Matrix{ma, mb}), append(wa, wb...), nil
	}
	if err != nil {
		return nil, warn, err
	}
	m, ok := v.(model.Matrix)
	if !ok {
		return nil, warn, fmt.Errorf("query_range answered a %s, not a matrix", v.Type())
	}
	return m, warn, nil
}

// stitch joins a job's chunks and reports warnings and failed chunks.
func (s *Source) stitch(j *job, p plan) (model.Matrix, []sources.Gap) {
	var gaps []sources.Gap
	seen := map[string]bool{}
	var ms []model.Matrix
	var failed []int
	for i, r := range j.slots {
		for _, w := range r.warn {
			if !seen[w] {
				seen[w] = true
				gaps = append(gaps, sources.Gap{Source: s.Name(), What: j.what, Reason: "server warning (the answer may be partial): " + w})
			}
		}
		if r.err != nil {
			failed = append(failed, i)
			continue
		}
		ms = append(ms, r.m)
	}
	if len(failed) > 0 {
		reason := gapReason(j.slots[failed[0]].err)
		if len(failed) < len(j.slots) {
			c0, c1 := p.chunks[failed[0]], p.chunks[failed[len(failed)-1]]
			reason = fmt.Sprintf("partial: %d of %d parts failed (%s .. %s): %s", len(failed), len(j.slots),
				c0.from.Format(time.RFC3339), c1.to.Format(time.RFC3339), reason)
		}
		gaps = append(gaps, sources.Gap{Source: s.Name(), What: j.what, Reason: reason})
	}
	return stitchMatrices(ms), gaps
}

// gapReason is an explained error without the source and what (a Gap
// names both already).
func gapReason(err error) string {
	if e, ok := err.(*Error); ok {
		if e.Hint != "" {
			return e.Msg + "; hint: " + e.Hint
		}
		return e.Msg
	}
	return err.Error()
}

// stitchMatrices joins matrices of consecutive chunks series by series.
func stitchMatrices(ms []model.Matrix) model.Matrix {
	if len(ms) == 1 {
		return ms[0]
	}
	var out model.Matrix
	idx := map[model.Fingerprint]*model.SampleStream{}
	for _, m := range ms {
		for _, ss := range m {
			fp := ss.Metric.Fingerprint()
			if have := idx[fp]; have != nil {
				have.Values = append(have.Values, ss.Values...)
				continue
			}
			c := &model.SampleStream{Metric: ss.Metric, Values: append([]model.SamplePair(nil), ss.Values...)}
			idx[fp] = c
			out = append(out, c)
		}
	}
	return out
}

func labelsOf(m model.Metric) map[string]string {
	l := make(map[string]string, len(m))
	for k, v := range m {
		if k != model.MetricNameLabel {
			l[string(k)] = string(v)
		}
	}
	return l
}

// points converts sample pairs, dropping NaN and ±Inf (a series is NaN-free).
func points(vs []model.SamplePair) []sources.Point {
	out := make([]sources.Point, 0, len(vs))
	for _, v := range vs {
		f := float64(v.Value)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		out = append(out, sources.Point{T: v.Timestamp.Time().UTC(), V: f})
	}
	return out
}

// toSeries turns a node or config query's matrix into series.
func (s *Source) toSeries(j *job, m model.Matrix, p plan) []sources.Series {
	out := make([]sources.Series, 0, len(m))
	for _, ss := range m {
		pts := points(ss.Values)
		if len(pts) == 0 {
			continue
		}
		l := labelsOf(ss.Metric)
		q := j.expr
		if j.kind == kindNode { // this host's series alone
			q = nodeSet[j.node].expr(p, l)
		}
		out = append(out, sources.Series{Source: s.Name(), Name: j.name, Labels: l, Role: j.role, Unit: j.unit, Points: pts, Query: q})
	}
	return out
}

// overTime is sel at each step when a step holds one scrape, and fn over
// the step otherwise, so that nothing between two steps is lost (evaluate
// it shifted by bucketShift so that the range is [t, t+step)).
func overTime(fn, sel string, p plan) string {
	if !p.coarse {
		return sel
	}
	return fmt.Sprintf("%s(%s[%s])", fn, sel, promDuration(p.rng))
}
