package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/synthetics"
	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/sources"
)

// Config is one `type: cloudwatch` source: one AWS account and region.
type Config struct {
	Name string `mapstructure:"name"`
	// Region is the AWS region ("eu-central-1"); empty takes the profile's
	// or AWS_REGION.
	Region string `mapstructure:"region"`
	// Profile is a named profile of the shared AWS config (static keys,
	// SSO, credential_process or a role); empty uses the SDK's default chain.
	Profile string `mapstructure:"aws_profile"`
	// RoleARN, when set, is assumed with the profile's credentials
	// (ExternalID for a customer's cross-account role).
	RoleARN    string `mapstructure:"role_arn"`
	ExternalID string `mapstructure:"external_id"`
	// Endpoint replaces AWS's endpoints for every API (an AWS-compatible
	// service, or a test server); empty for AWS.
	Endpoint string `mapstructure:"endpoint"`
	// Presets find their resources with ListMetrics and give each series
	// its role: alb, elb, ec2, ebs, rds.
	Presets []string `mapstructure:"presets"`
	// Resources, when set, keep only the discovered resources whose
	// dimension value matches one of these regular expressions.
	Resources []string `mapstructure:"resources"`
	// Queries are metrics or metric-math expressions of the user's own.
	Queries []Query `mapstructure:"queries"`
	// Alarms reads alarm history (state changes) as events; default true.
	Alarms *bool `mapstructure:"alarms"`
	// CloudTrail reads the management events of the window (LookupEvents,
	// the last 90 days) as change events.
	CloudTrail bool `mapstructure:"cloudtrail"`
	// Canaries names CloudWatch Synthetics canaries to read as probes;
	// ["*"] reads every canary of the region.
	Canaries []string `mapstructure:"canaries"`
	// HealthChecks names Route 53 health check ids to read as probes;
	// ["*"] reads every health check of the account.
	HealthChecks []string `mapstructure:"health_checks"`
	// MaxQueries is the number of queries per GetMetricData call (AWS's
	// limit and the default: 500).
	MaxQueries int `mapstructure:"max_queries"`
	// Timeout bounds `sources check`; default 60s. Fetch runs under the
	// profile's source_timeout.
	Timeout time.Duration `mapstructure:"timeout"`
	// MaxAttempts is how often a throttled or failed call is tried, with
	// the SDK's backoff; default 5.
	MaxAttempts int `mapstructure:"max_attempts"`

	// Now is the clock the retention tiers are judged by; nil is time.Now.
	Now func() time.Time `mapstructure:"-"`
}

// Query is one metric or metric-math expression with its role.
type Query struct {
	// ID names the query in expressions ("m1"); it must start with a lower
	// case letter. Empty: one is made up.
	ID   string `mapstructure:"id"`
	Name string `mapstructure:"name"`
	Role string `mapstructure:"role"`
	Unit string `mapstructure:"unit"`
	// Either a metric ...
	Namespace  string            `mapstructure:"namespace"`
	Metric     string            `mapstructure:"metric"`
	Dimensions map[string]string `mapstructure:"dimensions"`
	Stat       string            `mapstructure:"stat"` // default Average
	// ... or a metric-math expression over other queries' ids.
	Expression string `mapstructure:"expression"`
	// Hidden queries only feed expressions; they are not series of their own.
	Hidden bool `mapstructure:"hidden"`
	// Exhaustion "falling" marks a series whose running out is a failure.
	Exhaustion string `mapstructure:"exhaustion"`
}

// Source reads CloudWatch and its neighbours for one account and region.
type Source struct {
	c         Config
	aws       aws.Config
	cw        *cloudwatch.Client
	cwGlobal  *cloudwatch.Client // us-east-1: Route 53 health check metrics live there
	ct        *cloudtrail.Client
	syn       *synthetics.Client
	r53       *route53.Client
	queries   []query // the configured ones
	resources []*regexp.Regexp

	mu    sync.Mutex
	cache map[string]*fetched // by plan: the same window is fetched once per run
	found map[string][]query  // preset discovery, once per run
	cost  cost
}

var (
	_ sources.Source  = (*Source)(nil)
	_ sources.Checker = (*Source)(nil)
)

var idRE = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// New checks c and builds the AWS clients. Credentials are resolved when
// first used, so New works offline.
func New(c Config) (*Source, error) {
	if c.Name == "" {
		c.Name = "cloudwatch"
	}
	if c.MaxQueries <= 0 || c.MaxQueries > 500 {
		c.MaxQueries = 500
	}
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	for _, p := range c.Presets {
		if _, ok := presets[p]; !ok {
			return nil, fmt.Errorf("presets: unknown preset %q\nhint: use one of %s", p, strings.Join(presetNames, ", "))
		}
	}
	if len(c.Presets) == 0 && len(c.Queries) == 0 && len(c.Canaries) == 0 && len(c.HealthChecks) == 0 && !c.CloudTrail && c.Alarms != nil && !*c.Alarms {
		return nil, errors.New("nothing to read\nhint: set presets (alb, elb, ec2, ebs, rds), queries, canaries, health_checks, cloudtrail or alarms")
	}
	s := &Source{c: c, cache: map[string]*fetched{}, found: map[string][]query{}}
	for _, r := range c.Resources {
		re, err := regexp.Compile(r)
		if err != nil {
			return nil, fmt.Errorf("resources: %q: %w", r, err)
		}
		s.resources = append(s.resources, re)
	}
	qs, err := configQueries(c.Queries)
	if err != nil {
		return nil, err
	}
	s.queries = qs
	cfg, err := loadAWS(c)
	if err != nil {
		return nil, err
	}
	s.aws = cfg
	s.cw = cloudwatch.NewFromConfig(cfg)
	s.cwGlobal = cloudwatch.NewFromConfig(cfg, func(o *cloudwatch.Options) { o.Region = "us-east-1" })
	s.ct = cloudtrail.NewFromConfig(cfg)
	s.syn = synthetics.NewFromConfig(cfg)
	s.r53 = route53.NewFromConfig(cfg)
	return s, nil
}

// Name is the configured name.
func (s *Source) Name() string { return s.c.Name }

func configQueries(cqs []Query) ([]query, error) {
	var out []query
	ids := map[string]bool{}
	for i, q := range cqs {
		where := fmt.Sprintf("queries[%d]", i)
		if q.Name != "" {
			where += " (" + q.Name + ")"
		}
		role, err := sources.ParseRole(q.Role)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if q.ID == "" {
			q.ID = fmt.Sprintf("q%d", i)
		}
		if !idRE.MatchString(q.ID) {
			return nil, fmt.Errorf("%s: id %q must start with a lower case letter and hold only letters, digits and _", where, q.ID)
		}
		if ids[q.ID] {
			return nil, fmt.Errorf("%s: id %q used twice", where, q.ID)
		}
		ids[q.ID] = true
		switch {
		case q.Expression != "" && q.Metric != "":
			return nil, fmt.Errorf("%s: set either expression or metric, not both", where)
		case q.Expression == "" && (q.Metric == "" || q.Namespace == ""):
			return nil, fmt.Errorf("%s: needs namespace and metric, or an expression\nhint: e.g. {namespace: AWS/SQS, metric: ApproximateAgeOfOldestMessage, dimensions: {QueueName: jobs}, stat: Maximum, role: saturation}", where)
		}
		if q.Exhaustion != "" && q.Exhaustion != "falling" {
			return nil, fmt.Errorf("%s: exhaustion %q: only \"falling\" is known", where, q.Exhaustion)
		}
		if q.Stat == "" {
			q.Stat = "Average"
		}
		name := q.Name
		if name == "" {
			name = q.Namespace + " " + q.Metric + " " + q.Stat
			if q.Expression != "" {
				name = q.Expression
			}
		}
		out = append(out, query{
			id: q.ID, user: true, hidden: q.Hidden, expr: q.Expression,
			namespace: q.Namespace, metric: q.Metric, dims: q.Dimensions, stat: q.Stat,
			name: name, role: role, unit: q.Unit, falling: q.Exhaustion == "falling",
		})
	}
	for _, q := range out {
		if q.expr == "" {
			continue
		}
		for _, ref := range exprIDs(q.expr) {
			if !ids[ref] && strings.ToUpper(ref) != ref {
				// Functions (SUM, METRICS, FILL ...) are upper case; a
				// lower-case word is an id, and must be one of ours.
				return nil, fmt.Errorf("queries %s: expression %q names %q, which is no query's id", q.id, q.expr, ref)
			}
		}
	}
	return out, nil
}

var wordRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// exprIDs are the lower-case words of a metric-math expression outside
// string literals: the ids it refers to.
func exprIDs(e string) []string {
	var out []string
	for i, part := range strings.Split(e, `"`) {
		if i%2 == 1 {
			continue // inside quotes: a SEARCH string or a label
		}
		for _, w := range wordRE.FindAllString(part, -1) {
			if w[0] >= 'a' && w[0] <= 'z' {
				out = append(out, w)
			}
		}
	}
	return out
}

// Fetch reads the window: metrics (presets and queries), canaries and
// health checks as probes, alarm history and CloudTrail as events. A part
// that fails becomes a gap; only when everything fails is it an error.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, err
	}
	ds := &sources.Dataset{Window: w, Step: step}
	s.mu.Lock()
	c0 := s.cost
	s.mu.Unlock()
	p, err := makePlan(w, s.c.Now(), step)
	if err != nil {
		return nil, err
	}
	type part struct {
		name string
		run  func(context.Context, *sources.Dataset) error
	}
	parts := []part{{"metrics", func(ctx context.Context, d *sources.Dataset) error { return s.fetchMetrics(ctx, p, d) }}}
	if s.c.Alarms == nil || *s.c.Alarms {
		parts = append(parts, part{"alarm history", func(ctx context.Context, d *sources.Dataset) error { return s.fetchAlarms(ctx, w, d) }})
	}
	if s.c.CloudTrail {
		parts = append(parts, part{"CloudTrail", func(ctx context.Context, d *sources.Dataset) error { return s.fetchTrail(ctx, w, d) }})
	}
	if len(s.c.Canaries) > 0 {
		parts = append(parts, part{"canaries", func(ctx context.Context, d *sources.Dataset) error { return s.fetchCanaries(ctx, w, d) }})
	}
	if len(s.c.HealthChecks) > 0 {
		parts = append(parts, part{"Route 53 health checks", func(ctx context.Context, d *sources.Dataset) error { return s.fetchHealthChecks(ctx, p, d) }})
	}
	got := make([]*sources.Dataset, len(parts))
	errs := make([]error, len(parts))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(3)
	for i, pt := range parts {
		g.Go(func() error {
			d := &sources.Dataset{}
			errs[i] = pt.run(gctx, d)
			got[i] = d
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	failed := 0
	var first error
	for i, d := range got {
		ds.Merge(d)
		if errs[i] != nil {
			if errors.Is(errs[i], sources.ErrNoData) {
				continue
			}
			failed++
			if first == nil {
				first = errs[i]
			}
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: parts[i].name, Reason: firstLine(errs[i].Error())})
		}
	}
	if failed == len(parts) {
		return nil, first
	}
	if p.coarse {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "metric resolution",
			Reason: fmt.Sprintf("only %s data is kept for a window starting %s ago; %s periods used (CloudWatch keeps 1-minute data 15 days, 5-minute 63, hourly 455)",
				human(p.period), ageText(s.c.Now().Sub(w.From)), human(p.period))})
	}
	if p.clipped {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.Name(), What: "metrics before " + p.from.UTC().Format(time.RFC3339),
			Reason: "older than the 455 days CloudWatch keeps"})
	}
	ds.Notes = append(ds.Notes, s.costNote(p))
	s.mu.Lock()
	c := s.cost
	s.mu.Unlock()
	ds.Cost = sources.Cost{Metrics: c.metrics - c0.metrics, Requests: c.gmd + c.list + c.other - c0.gmd - c0.list - c0.other}
	return ds, nil
}

func ageText(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d/(24*time.Hour)))
	}
	return d.Round(time.Minute).String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// cost counts what a run asked of AWS; GetMetricData is billed per metric
// requested, the other APIs per request.
type cost struct {
	metrics    int // metric queries sent in GetMetricData (expressions excluded)
	gmd        int // GetMetricData requests (pages)
	list       int // ListMetrics requests
	other      int // alarm history, CloudTrail, Synthetics, Route 53 requests
	cached     int // windows answered from this run's cache
	datapoints int
}

func (s *Source) count(f func(c *cost)) {
	s.mu.Lock()
	f(&s.cost)
	s.mu.Unlock()
}

func (s *Source) costNote(p plan) string {
	s.mu.Lock()
	c := s.cost
	s.mu.Unlock()
	msg := fmt.Sprintf("%s: CloudWatch %s; %d %s in %d GetMetricData %s (%d datapoints), %d ListMetrics and %d other API %s",
		s.Name(), p.note(), c.metrics, plural(c.metrics, "metric", "metrics"), c.gmd, plural(c.gmd, "request", "requests"),
		c.datapoints, c.list, c.other, plural(c.other, "request", "requests"))
	if c.cached > 0 {
		msg += fmt.Sprintf("; %d repeated %s served from this run's cache", c.cached, plural(c.cached, "window", "windows"))
	}
	return msg
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Check resolves the credentials and makes one cheap call to each API the
// config uses. Secrets never appear in what it returns.
func (s *Source) Check(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.c.Timeout)
	defer cancel()
	if _, err := s.aws.Credentials.Retrieve(ctx); err != nil {
		return "", s.explain("credentials", err)
	}
	out, err := s.cw.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization")})
	if err != nil {
		return "", s.explain("ListMetrics", err)
	}
	what := fmt.Sprintf("CloudWatch %s", s.aws.Region)
	if s.c.Profile != "" {
		what += " (profile " + s.c.Profile + ")"
	}
	found := 0
	for _, p := range s.c.Presets {
		qs, err := s.discover(ctx, p)
		if err != nil {
			return "", s.explain("ListMetrics for preset "+p, err)
		}
		found += len(qs)
	}
	switch {
	case len(s.c.Presets) > 0 && found == 0:
		return "", fmt.Errorf("CloudWatch answered, but presets %s found no metrics in %s: %w\nhint: check region (CloudWatch is per region) and that the resources reported data in the last two weeks (ListMetrics lists no older metrics)",
			strings.Join(s.c.Presets, ", "), s.aws.Region, sources.ErrNoData)
	case len(s.c.Presets) > 0:
		what += fmt.Sprintf(", presets %s: %d metrics", strings.Join(s.c.Presets, ", "), found)
	default:
		what += fmt.Sprintf(", %d EC2 CPU metrics listed", len(out.Metrics))
	}
	if s.c.CloudTrail {
		if _, err := s.ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(1)}); err != nil {
			return "", s.explain("CloudTrail LookupEvents", err)
		}
		what += ", CloudTrail"
	}
	if len(s.c.Canaries) > 0 {
		names, err := s.canaryNames(ctx)
		if err != nil {
			return "", s.explain("Synthetics DescribeCanaries", err)
		}
		what += fmt.Sprintf(", %d %s", len(names), plural(len(names), "canary", "canaries"))
	}
	return what, nil
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
