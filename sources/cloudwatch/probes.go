package cloudwatch

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/synthetics"
	syntypes "github.com/aws/aws-sdk-go-v2/service/synthetics/types"

	"github.com/hindsight-sre/hindsight/sources"
)

// maxRunPages caps GetCanaryRuns paging per canary: 100 runs a page, so a
// canary every minute over an 8-day window (11,520 runs) fits.
const maxRunPages = 150

func (s *Source) canaryNames(ctx context.Context) ([]string, error) {
	if !slices.Contains(s.c.Canaries, "*") {
		return s.c.Canaries, nil
	}
	var names []string
	pg := synthetics.NewDescribeCanariesPaginator(s.syn, &synthetics.DescribeCanariesInput{})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		s.count(func(c *cost) { c.other++ })
		if err != nil {
			return nil, err
		}
		for _, c := range out.Canaries {
			names = append(names, aws.ToString(c.Name))
		}
	}
	slices.Sort(names)
	return names, nil
}

// fetchCanaries reads each canary's runs in the window as a probe: a
// passed run is up, a failed one down with its failure reason. A run's
// duration is not used as latency: it includes the browser's start.
func (s *Source) fetchCanaries(ctx context.Context, w sources.Window, ds *sources.Dataset) error {
	names, err := s.canaryNames(ctx)
	if err != nil {
		return s.explain("Synthetics DescribeCanaries", err)
	}
	for _, name := range names {
		p := sources.Probe{Source: s.Name(), Name: name, Target: "canary " + name}
		pg := synthetics.NewGetCanaryRunsPaginator(s.syn, &synthetics.GetCanaryRunsInput{Name: aws.String(name), MaxResults: aws.Int32(100)})
		pages := 0
		for pg.HasMorePages() && pages < maxRunPages {
			out, err := pg.NextPage(ctx)
			pages++
			s.count(func(c *cost) { c.other++ })
			if err != nil {
				return s.explain("Synthetics GetCanaryRuns "+name, err)
			}
			older := 0
			for _, r := range out.CanaryRuns {
				b, ok := canaryBeat(r)
				if !ok {
					continue
				}
				if b.T.Before(w.From) {
					older++
					continue
				}
				if w.Contains(b.T) {
					p.Beats = append(p.Beats, b)
				}
			}
			// Runs come newest first: a page that is all older than the
			// window ends the reading.
			if len(out.CanaryRuns) > 0 && older == len(out.CanaryRuns) {
				break
			}
		}
		if pages == maxRunPages && pg.HasMorePages() {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "canary " + name,
				Reason: fmt.Sprintf("more than %d runs; the oldest of the window were not read", maxRunPages*100)})
		}
		if len(p.Beats) == 0 {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "canary " + name, Reason: "no runs in the window (Synthetics keeps runs for its retention period, 31 days by default)"})
			continue
		}
		slices.SortStableFunc(p.Beats, func(a, b sources.Beat) int { return a.T.Compare(b.T) })
		ds.Probes = append(ds.Probes, p)
	}
	return nil
}

func canaryBeat(r syntypes.CanaryRun) (sources.Beat, bool) {
	if r.Status == nil || r.Timeline == nil || r.Timeline.Started == nil {
		return sources.Beat{}, false
	}
	b := sources.Beat{T: r.Timeline.Started.UTC(), Msg: aws.ToString(r.Status.StateReason)}
	switch r.Status.State {
	case syntypes.CanaryRunStatePassed:
		b.Status = sources.Up
	case syntypes.CanaryRunStateFailed:
		b.Status = sources.Down
	default:
		return sources.Beat{}, false // still running
	}
	return b, true
}

// fetchHealthChecks reads Route 53 health checks as probes. Route 53 keeps
// no history of its own; its CloudWatch metric HealthCheckStatus (in
// us-east-1, 1 healthy, 0 not) is the history, read here at the plan's
// period with Minimum, so a period is down when any check in it failed.
func (s *Source) fetchHealthChecks(ctx context.Context, p plan, ds *sources.Dataset) error {
	checks := map[string]r53types.HealthCheck{}
	pg := route53.NewListHealthChecksPaginator(s.r53, &route53.ListHealthChecksInput{})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		s.count(func(c *cost) { c.other++ })
		if err != nil {
			return s.explain("Route 53 ListHealthChecks", err)
		}
		for _, h := range out.HealthChecks {
			checks[aws.ToString(h.Id)] = h
		}
	}
	ids := s.c.HealthChecks
	if slices.Contains(ids, "*") {
		ids = ids[:0:0]
		for id := range checks {
			ids = append(ids, id)
		}
		slices.Sort(ids)
	}
	var qs []query
	for _, id := range ids {
		if _, ok := checks[id]; !ok {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "health check " + id, Reason: "no such Route 53 health check in the account"})
			continue
		}
		qs = append(qs, query{namespace: "AWS/Route53", metric: "HealthCheckStatus", dims: map[string]string{"HealthCheckId": id}, stat: "Minimum", global: true})
	}
	if len(qs) == 0 {
		return nil
	}
	got, err := s.getMetricData(ctx, s.cwGlobal, p, qs)
	if err != nil {
		return s.explain("GetMetricData (Route 53 health checks, us-east-1)", err)
	}
	for i := range qs {
		q := &qs[i]
		id := q.dims["HealthCheckId"]
		r := got.res[q.key()]
		if r == nil || len(r.points) == 0 {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "health check " + id, Reason: "no HealthCheckStatus datapoints in the window"})
			continue
		}
		pr := sources.Probe{Source: s.Name(), Name: healthCheckName(checks[id]), Target: healthCheckTarget(checks[id]), Resolution: p.period}
		if c := checks[id].HealthCheckConfig; c != nil && c.RequestInterval != nil {
			pr.Interval = time.Duration(*c.RequestInterval) * time.Second
		}
		for _, pt := range r.points {
			b := sources.Beat{T: pt.T, Status: sources.Up, Span: p.period, Checks: 1}
			if pt.V < 1 {
				b.Status, b.Failed, b.Msg = sources.Down, 1, "Route 53 health checkers reported unhealthy"
			}
			pr.Beats = append(pr.Beats, b)
		}
		ds.Probes = append(ds.Probes, pr)
	}
	return nil
}

func healthCheckName(h r53types.HealthCheck) string {
	if h.HealthCheckConfig != nil && h.HealthCheckConfig.FullyQualifiedDomainName != nil {
		return "route53 " + aws.ToString(h.HealthCheckConfig.FullyQualifiedDomainName)
	}
	return "route53 " + aws.ToString(h.Id)
}

func healthCheckTarget(h r53types.HealthCheck) string {
	c := h.HealthCheckConfig
	if c == nil {
		return aws.ToString(h.Id)
	}
	host := aws.ToString(c.FullyQualifiedDomainName)
	if host == "" {
		host = aws.ToString(c.IPAddress)
	}
	scheme := "tcp"
	switch c.Type {
	case r53types.HealthCheckTypeHttp, r53types.HealthCheckTypeHttpStrMatch:
		scheme = "http"
	case r53types.HealthCheckTypeHttps, r53types.HealthCheckTypeHttpsStrMatch:
		scheme = "https"
	case r53types.HealthCheckTypeCalculated, r53types.HealthCheckTypeCloudwatchMetric:
		return string(c.Type) + " " + aws.ToString(h.Id)
	}
	t := scheme + "://" + host
	if c.Port != nil {
		t += ":" + strconv.Itoa(int(*c.Port))
	}
	return t + aws.ToString(c.ResourcePath)
}
