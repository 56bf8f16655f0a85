package cloudwatch

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/hindsight-sre/hindsight/sources"
)

// query is one MetricDataQuery and what its result means.
type query struct {
	id        string
	user      bool // from queries: (keeps its id, sent in the first call)
	hidden    bool
	expr      string
	namespace string
	metric    string
	dims      map[string]string
	stat      string
	name      string
	role      sources.Role
	unit      string
	scale     float64
	falling   bool
	zero      bool // a missing period is a zero (see metricSpec.zero)
	global    bool // asked of us-east-1 (Route 53 health checks)
}

// key identifies what a query asks, whatever its id.
func (q *query) key() string {
	if q.expr != "" {
		return "expr:" + q.expr
	}
	var b strings.Builder
	b.WriteString(q.namespace + "|" + q.metric + "|" + q.stat)
	for _, k := range sortedKeys(q.dims) {
		b.WriteString("|" + k + "=" + q.dims[k])
	}
	return b.String()
}

// reproduce is how a person asks the same of CloudWatch.
func (q *query) reproduce(period time.Duration) string {
	if q.expr != "" {
		return fmt.Sprintf("CloudWatch metric math %q period=%ds", q.expr, int(period/time.Second))
	}
	var dims []string
	for _, k := range sortedKeys(q.dims) {
		dims = append(dims, k+"="+q.dims[k])
	}
	return fmt.Sprintf("CloudWatch %s %s %s {%s} period=%ds", q.namespace, q.metric, q.stat, strings.Join(dims, ","), int(period/time.Second))
}

func (q *query) dataQuery(period time.Duration) types.MetricDataQuery {
	mq := types.MetricDataQuery{Id: aws.String(q.id), ReturnData: aws.Bool(!q.hidden)}
	if q.expr != "" {
		mq.Expression = aws.String(q.expr)
		mq.Period = aws.Int32(int32(period / time.Second))
		return mq
	}
	m := &types.Metric{Namespace: aws.String(q.namespace), MetricName: aws.String(q.metric)}
	for _, k := range sortedKeys(q.dims) {
		m.Dimensions = append(m.Dimensions, types.Dimension{Name: aws.String(k), Value: aws.String(q.dims[k])})
	}
	mq.MetricStat = &types.MetricStat{Metric: m, Period: aws.Int32(int32(period / time.Second)), Stat: aws.String(q.stat)}
	return mq
}

// result is one query's answer for one plan.
type result struct {
	points  []sources.Point
	status  types.StatusCode
	message string
}

// fetched is everything one plan got, by query key.
type fetched struct {
	res map[string]*result
}

// discover lists the resources of a preset (ListMetrics, one listing per
// metric and paged) and makes a query for each metric of each resource.
// The listing is kept for the run.
func (s *Source) discover(ctx context.Context, preset string) ([]query, error) {
	s.mu.Lock()
	qs, ok := s.found[preset]
	s.mu.Unlock()
	if ok {
		return qs, nil
	}
	type lk struct{ ns, metric string }
	listed := map[lk][]types.Metric{}
	for _, spec := range presets[preset] {
		k := lk{spec.namespace, spec.metric}
		ms, ok := listed[k]
		if !ok {
			p := cloudwatch.NewListMetricsPaginator(s.cw, &cloudwatch.ListMetricsInput{Namespace: aws.String(spec.namespace), MetricName: aws.String(spec.metric)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				s.count(func(c *cost) { c.list++ })
				if err != nil {
					return nil, err
				}
				ms = append(ms, out.Metrics...)
			}
			listed[k] = ms
		}
		for _, m := range ms {
			dims := map[string]string{}
			names := make([]string, 0, len(m.Dimensions))
			for _, d := range m.Dimensions {
				dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
				names = append(names, aws.ToString(d.Name))
			}
			slices.Sort(names)
			if !slices.Equal(names, spec.dims) || !s.wanted(dims) {
				continue
			}
			qs = append(qs, query{namespace: spec.namespace, metric: spec.metric, dims: dims, stat: spec.stat,
				name: spec.name, role: spec.role, unit: spec.unit, scale: spec.scale, falling: spec.falling, zero: spec.zero})
		}
	}
	slices.SortFunc(qs, func(a, b query) int { return strings.Compare(a.key(), b.key()) })
	s.mu.Lock()
	s.found[preset] = qs
	s.mu.Unlock()
	return qs, nil
}

// wanted applies resources: a resource is kept when any of its dimension
// values matches any pattern.
func (s *Source) wanted(dims map[string]string) bool {
	if len(s.resources) == 0 {
		return true
	}
	for _, v := range dims {
		for _, re := range s.resources {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

func (s *Source) fetchMetrics(ctx context.Context, p plan, ds *sources.Dataset) error {
	qs := slices.Clone(s.queries)
	for _, name := range s.c.Presets {
		found, err := s.discover(ctx, name)
		if err != nil {
			return s.explain("ListMetrics for preset "+name, err)
		}
		if len(found) == 0 {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "preset " + name,
				Reason: fmt.Sprintf("ListMetrics found no %s resources in %s (it lists metrics with data in the last two weeks)", name, s.aws.Region)})
		}
		qs = append(qs, found...)
	}
	if len(qs) == 0 {
		return fmt.Errorf("no metrics to read: %w", sources.ErrNoData)
	}
	got, err := s.getMetricData(ctx, s.cw, p, qs)
	if err != nil {
		return s.explain("GetMetricData", err)
	}
	n := 0
	for i := range qs {
		q := &qs[i]
		if q.hidden {
			continue
		}
		r := got.res[q.key()]
		if r == nil {
			continue
		}
		switch r.status {
		case types.StatusCodeComplete, "":
		case types.StatusCodePartialData:
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: q.name + " " + labelText(q.dims),
				Reason: "CloudWatch returned partial data (PartialData) for this metric; later points may be missing" + msgText(r.message)})
		default:
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: q.name + " " + labelText(q.dims),
				Reason: fmt.Sprintf("CloudWatch status %s%s", r.status, msgText(r.message))})
		}
		pts := r.points
		if q.zero {
			pts = fillZero(pts, p, s.c.Now())
		}
		if len(pts) == 0 {
			continue
		}
		n++
		ds.Series = append(ds.Series, s.series(q, pts, p.period))
	}
	if n == 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "metrics",
			Reason: fmt.Sprintf("%d metrics asked, none had datapoints in the window", len(qs))})
	}
	return nil
}

func msgText(m string) string {
	if m == "" {
		return ""
	}
	return ": " + m
}

func labelText(dims map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(dims) {
		parts = append(parts, k+"="+dims[k])
	}
	return strings.Join(parts, ",")
}

func (s *Source) series(q *query, pts []sources.Point, period time.Duration) sources.Series {
	// The labels are the dimensions: the namespace is in the name a preset
	// gives ("ALB ...", "RDS ...") and in Query, and would only lengthen
	// every title the series appears in.
	labels := map[string]string{}
	for k, v := range q.dims {
		labels[k] = v
	}
	if q.falling {
		labels[sources.LabelExhaustion] = "falling"
	}
	if q.scale != 0 && q.scale != 1 {
		for i := range pts {
			pts[i].V *= q.scale
		}
	}
	return sources.Series{Source: s.Name(), Name: q.name, Labels: labels, Role: q.role, Unit: q.unit,
		Points: pts, Query: q.reproduce(period)}
}

// getMetricData asks for qs over p, at most MaxQueries a call, each call
// paged by NextToken. Queries whose window was already fetched in this run
// come from the cache, so a run never pays twice for the same datapoints.
// The user's queries go first, in one call, so an expression and the ids it
// names travel together.
func (s *Source) getMetricData(ctx context.Context, cl *cloudwatch.Client, p plan, qs []query) (*fetched, error) {
	ck := fmt.Sprintf("%s|%d|%d|%d", cl.Options().Region, p.w.From.UnixNano(), p.w.To.UnixNano(), p.period)
	s.mu.Lock()
	f := s.cache[ck]
	if f == nil {
		f = &fetched{res: map[string]*result{}}
		s.cache[ck] = f
	}
	var todo []query
	seen := map[string]bool{}
	for _, q := range qs {
		k := q.key()
		if _, ok := f.res[k]; ok || seen[k] {
			continue
		}
		seen[k] = true
		todo = append(todo, q)
	}
	if len(todo) == 0 && len(qs) > 0 {
		s.cost.cached++
	}
	s.mu.Unlock()
	// Ids: the user's own are kept (expressions name them); the rest are
	// numbered in a namespace no user id is likely to take.
	n := 0
	for i := range todo {
		if !todo[i].user {
			todo[i].id = fmt.Sprintf("hs%d", n)
			n++
		}
	}
	for len(todo) > 0 {
		batch := todo[:min(len(todo), s.c.MaxQueries)]
		todo = todo[len(batch):]
		byID := map[string]*query{}
		in := &cloudwatch.GetMetricDataInput{
			StartTime: aws.Time(p.from), EndTime: aws.Time(p.to),
			ScanBy: types.ScanByTimestampAscending,
		}
		metrics := 0
		for i := range batch {
			byID[batch[i].id] = &batch[i]
			in.MetricDataQueries = append(in.MetricDataQueries, batch[i].dataQuery(p.period))
			if batch[i].expr == "" {
				metrics++
			}
		}
		s.count(func(c *cost) { c.metrics += metrics })
		got := map[string]*result{}
		pg := cloudwatch.NewGetMetricDataPaginator(cl, in)
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			s.count(func(c *cost) { c.gmd++ })
			if err != nil {
				return nil, err
			}
			for _, r := range out.MetricDataResults {
				id := aws.ToString(r.Id)
				if byID[id] == nil {
					continue
				}
				res := got[id]
				if res == nil {
					res = &result{}
					got[id] = res
				}
				// A later page's status replaces an earlier PartialData:
				// the last page of a metric says whether it completed.
				res.status = r.StatusCode
				for _, m := range r.Messages {
					res.message = strings.TrimPrefix(res.message+"; "+aws.ToString(m.Code)+" "+aws.ToString(m.Value), "; ")
				}
				dp := 0
				for i, t := range r.Timestamps {
					if i >= len(r.Values) {
						break
					}
					v := r.Values[i]
					if math.IsNaN(v) || math.IsInf(v, 0) || !p.w.Contains(t) {
						continue
					}
					res.points = append(res.points, sources.Point{T: t.UTC(), V: v})
					dp++
				}
				s.count(func(c *cost) { c.datapoints += dp })
			}
			for _, m := range out.Messages {
				// A message for the whole call (MaxQueryTimeRangeExceed ...)
				// applies to every query in it.
				for _, res := range got {
					res.message = strings.TrimPrefix(res.message+"; "+aws.ToString(m.Code)+" "+aws.ToString(m.Value), "; ")
				}
			}
		}
		s.mu.Lock()
		for id, q := range byID {
			r := got[id]
			if r == nil {
				r = &result{status: types.StatusCodeComplete}
			}
			r.points = sortPoints(r.points)
			f.res[q.key()] = r
		}
		s.mu.Unlock()
	}
	// The caller gets its own map: other parts of the fetch may be adding
	// to the cache meanwhile.
	out := &fetched{res: map[string]*result{}}
	s.mu.Lock()
	for _, q := range qs {
		out.res[q.key()] = f.res[q.key()]
	}
	s.mu.Unlock()
	return out, nil
}

// fillZero returns pts with a zero at every period of p's window that has
// no point and has ended by now (later periods have no data yet, zero or
// not). pts is sorted; the result is a new slice (pts is cached).
func fillZero(pts []sources.Point, p plan, now time.Time) []sources.Point {
	out := make([]sources.Point, 0, int(p.to.Sub(p.from)/p.period))
	i := 0
	for t := p.from; t.Before(p.to); t = t.Add(p.period) {
		for i < len(pts) && pts[i].T.Before(t) {
			out = append(out, pts[i])
			i++
		}
		if i < len(pts) && pts[i].T.Equal(t) {
			out = append(out, pts[i])
			i++
			continue
		}
		if p.w.Contains(t) && !t.Add(p.period).After(now) {
			out = append(out, sources.Point{T: t, V: 0})
		}
	}
	return append(out, pts[i:]...)
}

// sortPoints orders points by time and drops repeated timestamps (keeping
// the last): pages may overlap at their edges.
func sortPoints(ps []sources.Point) []sources.Point {
	slices.SortStableFunc(ps, func(a, b sources.Point) int { return a.T.Compare(b.T) })
	out := ps[:0]
	for _, p := range ps {
		if n := len(out); n > 0 && out[n-1].T.Equal(p.T) {
			out[n-1] = p
			continue
		}
		out = append(out, p)
	}
	return out
}
