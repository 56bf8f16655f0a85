package cloudwatch

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/awsfake"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

const (
	testKey    = "AKIAHINDSIGHTTEST01"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" // AWS's documented example secret
	region     = "eu-central-1"
)

// now is the clock of the tests: the incident is at 03:10 on this day.
var now = time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// mustServer starts the stand-in with one long-term key and points the
// SDK's default chain at it through the environment, as a user would.
func mustServer(t *testing.T) *awsfake.Server {
	t.Helper()
	srv := awsfake.New(region, clock)
	t.Cleanup(srv.Close)
	srv.AddKey(testKey, testSecret, "", time.Time{})
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", testKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
	return srv
}

// isolateAWS keeps the user's own AWS files and instance metadata out of
// the test.
func isolateAWS(t *testing.T) string {
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("HOME", dir)
	return dir
}

func mustSource(t *testing.T, c Config) *Source {
	t.Helper()
	if c.Region == "" {
		c.Region = region
	}
	if c.Now == nil {
		c.Now = clock
	}
	s, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// minutes makes one sample a minute over [from, to) with f(minute index).
func minutes(from, to time.Time, f func(i int, t time.Time) float64) []awsfake.Sample {
	var out []awsfake.Sample
	for i, t := 0, from; t.Before(to); i, t = i+1, t.Add(time.Minute) {
		out = append(out, awsfake.Sample{T: t, V: f(i, t)})
	}
	return out
}

const albName = "app/shop-prod/50dc6c495c0c9188"

var (
	incident = time.Date(2026, 11, 20, 3, 10, 0, 0, time.UTC)
	window   = sources.Window{From: incident.Add(-2 * time.Hour), To: incident.Add(time.Hour)}
)

// addShop puts an ALB and an RDS instance in: response time is 0.12 s
// except 2.5 s during [03:10, 03:25); free storage falls to zero by 03:10.
func addShop(srv *awsfake.Server) {
	from, to := now.Add(-3*24*time.Hour), now
	spike := func(t time.Time) bool { return !t.Before(incident) && t.Before(incident.Add(15*time.Minute)) }
	lb := map[string]string{"LoadBalancer": albName}
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Dims: lb,
		Samples: minutes(from, to, func(_ int, t time.Time) float64 {
			if spike(t) {
				return 2.5
			}
			return 0.12
		})})
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/ApplicationELB", Name: "RequestCount", Dims: lb,
		Samples: minutes(from, to, func(int, time.Time) float64 { return 600 })})
	// CloudWatch reports the load balancer's 5xx count only in minutes
	// that had some.
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Dims: lb,
		Samples: minutes(incident, incident.Add(15*time.Minute), func(int, time.Time) float64 { return 40 })})
	// Per-AZ copies of the same metric must not become series of their own.
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime",
		Dims:    map[string]string{"LoadBalancer": albName, "AvailabilityZone": "eu-central-1a"},
		Samples: minutes(from, to, func(int, time.Time) float64 { return 0.1 })})
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/ApplicationELB", Name: "UnHealthyHostCount",
		Dims:    map[string]string{"LoadBalancer": albName, "TargetGroup": "targetgroup/shop/73e2d6bc24d8a067"},
		Samples: minutes(from, to, func(int, time.Time) float64 { return 0 })})
	db := map[string]string{"DBInstanceIdentifier": "shop-db"}
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/RDS", Name: "FreeStorageSpace", Dims: db,
		Samples: minutes(from, to, func(_ int, t time.Time) float64 {
			left := incident.Sub(t).Minutes() * 1e6
			return max(0, left)
		})})
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/RDS", Name: "CPUUtilization", Dims: db,
		Samples: minutes(from, to, func(i int, _ time.Time) float64 { return 20 + float64(i%7) })})
}

func series(ds *sources.Dataset, name string) *sources.Series {
	for i := range ds.Series {
		if ds.Series[i].Name == name {
			return &ds.Series[i]
		}
	}
	return nil
}

func at(s *sources.Series, t time.Time) (float64, bool) {
	for _, p := range s.Points {
		if p.T.Equal(t) {
			return p.V, true
		}
	}
	return 0, false
}

func TestPresetsGiveRolesAndValues(t *testing.T) {
	srv := mustServer(t)
	addShop(srv)
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"alb", "rds"}, Alarms: new(bool)})
	ds, err := src.Fetch(context.Background(), window, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p99 := series(ds, "ALB target response time p99")
	if p99 == nil {
		t.Fatalf("no p99 series; got %v", names(ds))
	}
	if p99.Role != sources.Latency || p99.Unit != "s" || p99.Labels["LoadBalancer"] != albName {
		t.Errorf("p99 series: role %v unit %q labels %v", p99.Role, p99.Unit, p99.Labels)
	}
	if _, ok := p99.Labels["AvailabilityZone"]; ok {
		t.Errorf("a per-AZ metric was taken for the load balancer's: %v", p99.Labels)
	}
	if v, ok := at(p99, incident.Add(5*time.Minute)); !ok || v != 2.5 {
		t.Errorf("p99 at 03:15 = %v (%v), want 2.5", v, ok)
	}
	if v, ok := at(p99, incident.Add(-time.Hour)); !ok || v != 0.12 {
		t.Errorf("p99 at 02:10 = %v (%v), want 0.12", v, ok)
	}
	if n := len(p99.Points); n != 180 {
		t.Errorf("p99 has %d points over 3 hours at 1-minute periods, want 180", n)
	}
	if !strings.Contains(p99.Query, "TargetResponseTime p99") || !strings.Contains(p99.Query, "period=60s") {
		t.Errorf("query %q does not say how to reproduce it", p99.Query)
	}
	for name, role := range map[string]sources.Role{"ALB target 5xx": sources.Errors, "ALB requests": sources.Traffic, "RDS CPU": sources.Saturation, "ALB unhealthy hosts": sources.Saturation} {
		s := series(ds, name)
		if s == nil {
			t.Errorf("no %q series", name)
			continue
		}
		if s.Role != role {
			t.Errorf("%s: role %v, want %v", name, s.Role, role)
		}
	}
	e5 := series(ds, "ALB target 5xx")
	if e5 == nil || len(e5.Points) != 180 {
		t.Fatalf("the 5xx count, reported by CloudWatch only when not zero, is not filled with zeros: %+v", e5)
	}
	if v, _ := at(e5, incident.Add(-time.Hour)); v != 0 {
		t.Errorf("5xx at 02:10 = %v, want 0", v)
	}
	if v, _ := at(e5, incident.Add(5*time.Minute)); v != 40 {
		t.Errorf("5xx at 03:15 = %v, want 40", v)
	}
	free := series(ds, "RDS free storage")
	if free == nil || free.Labels[sources.LabelExhaustion] != "falling" || free.Unit != "bytes" {
		t.Fatalf("free storage is not marked as an exhaustion candidate: %+v", free)
	}
	if v, _ := at(free, incident); v != 0 {
		t.Errorf("free storage at the incident = %v, want 0", v)
	}
	if s := series(ds, "RDS CPU"); s != nil && s.Labels[sources.LabelExhaustion] != "" {
		t.Errorf("CPU marked as exhaustion: %v", s.Labels)
	}
	// Metrics that exist nowhere (ELB 5xx, connection errors ...) are asked
	// and give no series, no gap.
	if series(ds, "ALB load balancer 5xx") != nil {
		t.Error("a series for a metric the account does not have")
	}
	if len(ds.Gaps) != 0 {
		t.Errorf("gaps: %v", ds.Gaps)
	}
	note := strings.Join(ds.Notes, "\n")
	if !strings.Contains(note, "1-minute periods") || !strings.Contains(note, "GetMetricData request") {
		t.Errorf("notes do not say the resolution and the cost: %q", note)
	}
	for _, r := range srv.Requests() {
		if r.Service == "monitoring" && r.Region != region {
			t.Errorf("%s signed for region %s", r.Op, r.Region)
		}
	}
}

func names(ds *sources.Dataset) []string {
	var out []string
	for _, s := range ds.Series {
		out = append(out, s.Name)
	}
	return out
}

func TestContract(t *testing.T) {
	srv := mustServer(t)
	addShop(srv)
	srv.AddAlarmChanges(awsfake.AlarmChange{Alarm: "shop-5xx", T: incident.Add(2 * time.Minute), From: "OK", To: "ALARM", Reason: "Threshold Crossed"})
	sourcetest.Run(t, mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"alb"}}), window, time.Minute)
}

func TestBatchesOf500AndNextTokenPaging(t *testing.T) {
	srv := mustServer(t)
	from := now.Add(-24 * time.Hour)
	const instances = 260 // 3 EC2 metrics each: 780 queries, two calls of at most 500
	for i := range instances {
		id := fmt.Sprintf("i-%017x", i)
		for _, m := range []string{"CPUUtilization", "StatusCheckFailed", "CPUCreditBalance"} {
			srv.AddMetric(&awsfake.Metric{Namespace: "AWS/EC2", Name: m, Dims: map[string]string{"InstanceId": id},
				Samples: minutes(from, now, func(j int, _ time.Time) float64 { return float64(i + j%3) })})
		}
	}
	srv.PageDatapoints = 5000 // each call pages several times
	srv.PageItems = 100       // ListMetrics pages too
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"ec2"}, Alarms: new(bool)})
	w := sources.Window{From: now.Add(-2 * time.Hour), To: now}
	ds, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ds.Series); got != 3*instances {
		t.Fatalf("%d series, want %d", got, 3*instances)
	}
	for _, s := range ds.Series {
		if len(s.Points) != 120 {
			t.Fatalf("%s %v: %d points, want 120 (pages lost or doubled)", s.Name, s.Labels, len(s.Points))
		}
	}
	maxQ := 0
	bodies := map[string]bool{} // distinct: a retried request counts once
	for _, r := range srv.Requests() {
		if r.Op != "GetMetricData" {
			continue
		}
		bodies[string(r.Body)] = true
		maxQ = max(maxQ, strings.Count(string(r.Body), "MetricStat"))
	}
	calls := len(bodies)
	// 780 queries x 120 points = 93,600 datapoints at 5,000 a page.
	if maxQ > 500 || calls < 19 {
		t.Errorf("%d GetMetricData calls, at most %d queries in one; want <= 500 a call and >= 19 pages", calls, maxQ)
	}
	if !strings.Contains(strings.Join(ds.Notes, ""), fmt.Sprintf("%d metrics in %d GetMetricData requests", 3*instances, calls)) {
		t.Errorf("note %q does not count %d metrics in %d requests", ds.Notes, 3*instances, calls)
	}
	// The same window again costs nothing.
	before := srv.Count("GetMetricData")
	if _, err := src.Fetch(context.Background(), w, time.Minute); err != nil {
		t.Fatal(err)
	}
	if after := srv.Count("GetMetricData"); after != before {
		t.Errorf("the same window was fetched twice: %d more GetMetricData calls", after-before)
	}
	// 3 metrics x 3 pages of 100, once per run. Distinct requests: the SDK
	// may retry one whose connection the loaded test server dropped.
	lists := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Op == "ListMetrics" {
			lists[string(r.Body)] = true
		}
	}
	if len(lists) != 9 {
		t.Errorf("%d distinct ListMetrics calls, want 9", len(lists))
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	srv := mustServer(t)
	addShop(srv)
	srv.Throttle = 1
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Queries: []Query{{Namespace: "AWS/ApplicationELB", Metric: "RequestCount", Dimensions: map[string]string{"LoadBalancer": albName}, Stat: "Sum", Role: "traffic"}}, Alarms: new(bool)})
	ds, err := src.Fetch(context.Background(), window, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Series) != 1 || len(ds.Series[0].Points) != 180 {
		t.Fatalf("after a throttled first try: %v", names(ds))
	}
	if n := srv.Count("GetMetricData"); n != 2 {
		t.Errorf("%d GetMetricData requests, want 2 (throttled, then retried)", n)
	}
}

func TestThrottlingThatPersistsIsAGapWithAHint(t *testing.T) {
	srv := mustServer(t)
	addShop(srv)
	srv.Throttle = 100
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"alb"}, Alarms: new(bool), MaxAttempts: 2})
	_, err := src.Fetch(context.Background(), window, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "throttled") || !strings.Contains(err.Error(), "hint:") {
		t.Fatalf("err = %v, want throttled with a hint", err)
	}
}

func TestPartialDataIsAGap(t *testing.T) {
	srv := mustServer(t)
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/EBS", Name: "BurstBalance", Dims: map[string]string{"VolumeId": "vol-0abc"}, Partial: true,
		Samples: minutes(now.Add(-24*time.Hour), now, func(i int, _ time.Time) float64 { return 100 - float64(i)/20 })})
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"ebs"}, Alarms: new(bool)})
	ds, err := src.Fetch(context.Background(), window, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s := series(ds, "EBS burst credits left")
	if s == nil || len(s.Points) == 0 || s.Labels[sources.LabelExhaustion] != "falling" {
		t.Fatalf("burst balance: %+v", s)
	}
	var gap string
	for _, g := range ds.Gaps {
		if strings.Contains(g.Reason, "PartialData") {
			gap = g.String()
		}
	}
	if !strings.Contains(gap, "vol-0abc") {
		t.Errorf("no PartialData gap naming the volume: %v", ds.Gaps)
	}
}

func TestOldWindowUsesCoarseDataAndSaysSo(t *testing.T) {
	srv := mustServer(t)
	old := now.Add(-40 * 24 * time.Hour)
	lb := map[string]string{"LoadBalancer": albName}
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/ApplicationELB", Name: "RequestCount", Dims: lb,
		Samples: minutes(old.Add(-time.Hour), now, func(int, time.Time) float64 { return 10 })})
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"alb"}, Alarms: new(bool)})
	ds, err := src.Fetch(context.Background(), sources.Window{From: old, To: old.Add(3 * time.Hour)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s := series(ds, "ALB requests")
	if s == nil || len(s.Points) != 36 || s.Points[0].V != 50 {
		t.Fatalf("a 40-day-old window: want 36 five-minute sums of 50, got %+v", s)
	}
	var said bool
	for _, g := range ds.Gaps {
		said = said || strings.Contains(g.Reason, "5-minute")
	}
	if !said {
		t.Errorf("no gap says only 5-minute data was used: %v", ds.Gaps)
	}
}

func TestMakePlan(t *testing.T) {
	day := 24 * time.Hour
	for _, c := range []struct {
		name         string
		from, length time.Duration // from: age of the window's start
		want         time.Duration
		coarse       bool
	}{
		{"an incident hour", 2 * time.Hour, time.Hour, time.Minute, false},
		{"a week of baseline", 8 * day, 8 * day, 5 * time.Minute, false},
		{"a month", 30 * day, 30 * day, 15 * time.Minute, false},
		{"three hours, 20 days ago", 20 * day, 3 * time.Hour, 5 * time.Minute, true},
		{"an hour, 100 days ago", 100 * day, time.Hour, time.Hour, true},
		{"a quarter", 90 * day, 90 * day, time.Hour, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := sources.Window{From: now.Add(-c.from), To: now.Add(-c.from + c.length)}
			p, err := makePlan(w, now, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if p.period != c.want || p.coarse != c.coarse {
				t.Errorf("period %s coarse %v, want %s %v", p.period, p.coarse, c.want, c.coarse)
			}
			if !p.from.Equal(p.from.Truncate(p.period)) || p.from.After(w.From) {
				t.Errorf("start %s not rounded down to %s", p.from, p.period)
			}
		})
	}
	if _, err := makePlan(sources.Window{From: now.Add(-500 * day), To: now.Add(-480 * day)}, now, time.Minute); err == nil || !strings.Contains(err.Error(), "455 days") {
		t.Errorf("a window older than 455 days: %v", err)
	}
}

func TestExpressionQueries(t *testing.T) {
	srv := mustServer(t)
	addShop(srv)
	const expr = "100 * errs / reqs"
	srv.SetExpression(expr, []awsfake.Sample{{T: incident, V: 6.7}, {T: incident.Add(time.Minute), V: 6.6}})
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Alarms: new(bool), Queries: []Query{
		{ID: "errs", Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_Target_5XX_Count", Dimensions: map[string]string{"LoadBalancer": albName}, Stat: "Sum", Hidden: true},
		{ID: "reqs", Namespace: "AWS/ApplicationELB", Metric: "RequestCount", Dimensions: map[string]string{"LoadBalancer": albName}, Stat: "Sum", Hidden: true},
		{ID: "rate", Name: "shop 5xx %", Expression: expr, Role: "errors", Unit: "%"},
	}})
	ds, err := src.Fetch(context.Background(), window, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Series) != 1 || ds.Series[0].Name != "shop 5xx %" || ds.Series[0].Role != sources.Errors || len(ds.Series[0].Points) != 2 {
		t.Fatalf("want one expression series, got %+v", ds.Series)
	}
	body := string(srv.Requests()[0].Body)
	for _, s := range []string{"errs", "reqs", expr} {
		if !strings.Contains(body, s) {
			t.Errorf("the GetMetricData call lacks %q: the expression and its ids must travel together", s)
		}
	}
	if _, err := New(Config{Region: region, Queries: []Query{{Expression: "a + b"}}}); err == nil || !strings.Contains(err.Error(), "no query's id") {
		t.Errorf("an expression naming unknown ids: %v", err)
	}
	if _, err := New(Config{Region: region, Queries: []Query{{Metric: "x"}}}); err == nil || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("a query without namespace: %v", err)
	}
}

func TestAlarmHistoryAndCloudTrail(t *testing.T) {
	srv := mustServer(t)
	start := time.Now()
	srv.PageItems = 2
	srv.AddAlarmChanges(
		awsfake.AlarmChange{Alarm: "shop-5xx", T: incident.Add(2 * time.Minute), From: "OK", To: "ALARM", Reason: "Threshold Crossed: 1 datapoint [40.0 (20/11/26 03:11:00)] was greater than the threshold (10.0)."},
		awsfake.AlarmChange{Alarm: "shop-5xx", T: incident.Add(17 * time.Minute), From: "ALARM", To: "OK", Reason: "Threshold Crossed"},
		awsfake.AlarmChange{Alarm: "db-cpu", T: window.From.Add(5 * time.Minute), From: "ALARM", To: "OK", Reason: "recovered"},
		awsfake.AlarmChange{Alarm: "shop-latency", T: incident.Add(3 * time.Minute), From: "INSUFFICIENT_DATA", To: "ALARM", Reason: "Threshold Crossed"},
	)
	srv.AddTrailEvents(
		awsfake.TrailEvent{ID: "e1", Name: "ModifyDBInstance", Source: "rds.amazonaws.com", User: "alice", T: incident.Add(-8 * time.Minute), Resources: []string{"shop-db"}},
		awsfake.TrailEvent{ID: "e2", Name: "RebootInstances", Source: "ec2.amazonaws.com", User: "bob", T: incident.Add(-20 * time.Minute), Resources: []string{"i-0abc"}},
		awsfake.TrailEvent{ID: "e3", Name: "UpdateService", Source: "ecs.amazonaws.com", User: "ci", T: incident.Add(-30 * time.Minute)},
		awsfake.TrailEvent{ID: "e4", Name: "AuthorizeSecurityGroupIngress", Source: "ec2.amazonaws.com", User: "carol", T: incident.Add(-40 * time.Minute), ErrorCode: "UnauthorizedOperation"},
		awsfake.TrailEvent{ID: "e5", Name: "CreateLogStream", Source: "logs.amazonaws.com", User: "lambda", T: incident.Add(-41 * time.Minute)},
		awsfake.TrailEvent{ID: "e6", Name: "DescribeInstances", Source: "ec2.amazonaws.com", User: "dave", T: incident.Add(-42 * time.Minute), ReadOnly: true},
	)
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, CloudTrail: true})
	ds, err := src.Fetch(context.Background(), window, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sources.Event{}
	for _, e := range ds.Events {
		got[e.Title] = e
	}
	a := got["alert: shop-5xx"]
	if !a.T.Equal(incident.Add(2*time.Minute)) || !a.End.Equal(incident.Add(17*time.Minute)) || a.Kind != sources.KindAlert || !strings.Contains(a.Detail, "greater than the threshold") {
		t.Errorf("shop-5xx alarm: %+v", a)
	}
	if d := got["alert: db-cpu"]; !d.T.Equal(window.From) || d.End.IsZero() {
		t.Errorf("an alarm firing when the window opens: %+v", d)
	}
	if l := got["alert: shop-latency"]; !l.End.IsZero() || l.T.IsZero() {
		t.Errorf("an alarm still firing: %+v", l)
	}
	want := map[string]sources.EventKind{
		"change: rds ModifyDBInstance shop-db": sources.KindChange,
		"restart: ec2 RebootInstances i-0abc":  sources.KindRestart,
		"deploy: ecs UpdateService":            sources.KindDeploy,
	}
	for title, kind := range want {
		if e, ok := got[title]; !ok || e.Kind != kind {
			t.Errorf("no %s event %q; got %v", kind, title, keys(got))
		}
	}
	if len(ds.Events) != 3+3 {
		t.Errorf("%d events, want 6 (a refused call, a log stream and a read are not changes): %v", len(ds.Events), keys(got))
	}
	n := srv.Count("LookupEvents")
	if n < 2 {
		t.Errorf("LookupEvents not paged: %d calls", n)
	}
	// Two calls a second at most: CloudTrail's limit.
	if d := time.Since(start); d < time.Duration(n-1)*trailInterval {
		t.Errorf("%d LookupEvents calls in %s: faster than CloudTrail allows", n, d)
	}
}

func keys(m map[string]sources.Event) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCanariesAndHealthChecksAreProbes(t *testing.T) {
	srv := mustServer(t)
	srv.PageItems = 50
	for t0 := window.From.Add(-time.Hour); t0.Before(window.To); t0 = t0.Add(time.Minute) {
		r := awsfake.CanaryRun{Canary: "shop-checkout", Start: t0, End: t0.Add(8 * time.Second), State: "PASSED"}
		if !t0.Before(incident) && t0.Before(incident.Add(6*time.Minute)) {
			r.State, r.StateReason = "FAILED", "Navigation timed out after 30000 ms"
		}
		srv.AddCanaryRuns(r)
	}
	srv.AddHealthChecks(awsfake.HealthCheck{ID: "abcdef11-2222-3333-4444-555555fedcba", FQDN: "shop.example.com", Type: "HTTPS", Port: 443, Path: "/health"})
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/Route53", Name: "HealthCheckStatus", Region: "us-east-1",
		Dims: map[string]string{"HealthCheckId": "abcdef11-2222-3333-4444-555555fedcba"},
		Samples: minutes(now.Add(-24*time.Hour), now, func(_ int, t time.Time) float64 {
			if !t.Before(incident) && t.Before(incident.Add(4*time.Minute)) {
				return 0
			}
			return 1
		})})
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Canaries: []string{"*"}, HealthChecks: []string{"*"}, Alarms: new(bool)})
	ds, err := src.Fetch(context.Background(), window, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Probes) != 2 {
		t.Fatalf("%d probes, want a canary and a health check: %+v", len(ds.Probes), ds.Gaps)
	}
	for _, p := range ds.Probes {
		down := 0
		var msg string
		for _, b := range p.Beats {
			if b.Status == sources.Down {
				down++
				msg = b.Msg
			}
		}
		switch {
		case p.Name == "shop-checkout":
			if len(p.Beats) != 180 || down != 6 || !strings.Contains(msg, "timed out") {
				t.Errorf("canary: %d beats, %d down (%q); want 180, 6", len(p.Beats), down, msg)
			}
		case strings.HasPrefix(p.Name, "route53"):
			if p.Target != "https://shop.example.com:443/health" || down != 4 || p.Resolution != time.Minute {
				t.Errorf("health check %s: target %q, %d down, resolution %s", p.Name, p.Target, down, p.Resolution)
			}
		default:
			t.Errorf("unexpected probe %q", p.Name)
		}
	}
	var global bool
	for _, r := range srv.Requests() {
		global = global || r.Op == "GetMetricData" && r.Region == "us-east-1"
	}
	if !global {
		t.Error("Route 53 health check metrics were not asked of us-east-1")
	}
	// Runs come newest first; reading stops at the first page older than the window.
	if n := srv.Count("GetCanaryRuns"); n > 6 {
		t.Errorf("%d GetCanaryRuns pages for 240 runs at 50 a page: reading did not stop at the window", n)
	}
}

func TestCredentialErrorsCarryHintsAndNoSecrets(t *testing.T) {
	t.Run("wrong secret", func(t *testing.T) {
		srv := mustServer(t)
		t.Setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-at-all-0123456789abcdefgh")
		src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"alb"}})
		_, err := src.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") || !strings.Contains(err.Error(), "hint:") {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "not-the-secret") {
			t.Errorf("the secret is in the message: %v", err)
		}
	})
	t.Run("unknown key", func(t *testing.T) {
		srv := mustServer(t)
		t.Setenv("AWS_ACCESS_KEY_ID", "AKIANOBODYKNOWS00000")
		src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"alb"}})
		_, err := src.Fetch(context.Background(), window, time.Minute)
		if err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("expired session token", func(t *testing.T) {
		srv := mustServer(t)
		srv.AddKey("ASIAEXPIRED000000001", "temp-secret", "temp-token", now.Add(-time.Minute))
		t.Setenv("AWS_ACCESS_KEY_ID", "ASIAEXPIRED000000001")
		t.Setenv("AWS_SECRET_ACCESS_KEY", "temp-secret")
		t.Setenv("AWS_SESSION_TOKEN", "temp-token")
		src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"alb"}})
		_, err := src.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "hint:") {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "temp-token") || strings.Contains(err.Error(), "temp-secret") {
			t.Errorf("a secret is in the message: %v", err)
		}
	})
	t.Run("expired SSO session", func(t *testing.T) {
		srv := mustServer(t)
		dir := isolateAWS(t)
		cfg := "[profile customer-a]\nsso_start_url = https://customer-a.awsapps.com/start\nsso_region = eu-central-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-central-1\n"
		if err := os.WriteFile(filepath.Join(dir, "config"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		// The SDK's cache file for a legacy SSO profile is named by the
		// SHA-1 of the start URL; an expired token sits in it.
		cache := filepath.Join(dir, ".aws", "sso", "cache")
		os.MkdirAll(cache, 0o700)
		tok := `{"accessToken":"sso-secret-token","expiresAt":"2026-11-19T00:00:00Z","region":"eu-central-1","startUrl":"https://customer-a.awsapps.com/start"}`
		os.WriteFile(filepath.Join(cache, ssoCacheName("https://customer-a.awsapps.com/start")), []byte(tok), 0o600)
		src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Profile: "customer-a", Presets: []string{"alb"}})
		_, err := src.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "hint: aws sso login --profile customer-a") {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "sso-secret-token") {
			t.Errorf("the token is in the message: %v", err)
		}
	})
	t.Run("no credentials at all", func(t *testing.T) {
		srv := mustServer(t)
		isolateAWS(t)
		src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"alb"}})
		_, err := src.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "no AWS credentials found") || !strings.Contains(err.Error(), "hint:") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("unknown profile", func(t *testing.T) {
		mustServer(t)
		_, err := New(Config{Region: region, Profile: "nope", Presets: []string{"alb"}})
		if err == nil || !strings.Contains(err.Error(), "hint:") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestProfileAndAssumedRole(t *testing.T) {
	srv := mustServer(t)
	addShop(srv)
	dir := isolateAWS(t)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[customer-b]\naws_access_key_id = "+testKey+"\naws_secret_access_key = "+testSecret+"\n"), 0o600)
	const role = "arn:aws:iam::444455556666:role/hindsight-readonly"
	srv.AddRole(role, "customer-b-ext")
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Profile: "customer-b", RoleARN: role, ExternalID: "customer-b-ext", Presets: []string{"alb"}, Alarms: new(bool)})
	ds, err := src.Fetch(context.Background(), window, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Series) == 0 {
		t.Fatal("no series through the assumed role")
	}
	var assumed, viaRole bool
	for _, r := range srv.Requests() {
		assumed = assumed || r.Op == "AssumeRole" && r.AccessKey == testKey
		viaRole = viaRole || r.Op == "GetMetricData" && strings.HasPrefix(r.AccessKey, "ASIAFAKE")
	}
	if !assumed || !viaRole {
		t.Errorf("AssumeRole with the profile's key: %v; GetMetricData with the role's key: %v", assumed, viaRole)
	}
	bad := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Profile: "customer-b", RoleARN: role, ExternalID: "wrong", Presets: []string{"alb"}})
	if _, err := bad.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "denied") {
		t.Errorf("a wrong external id: %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	mustServer(t)
	src := mustSource(t, Config{Name: "aws", Endpoint: "http://127.0.0.1:1", Presets: []string{"alb"}, Timeout: 5 * time.Second})
	_, err := src.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), "hint:") {
		t.Fatalf("err = %v", err)
	}
}

func TestNoResourcesFound(t *testing.T) {
	srv := mustServer(t)
	src := mustSource(t, Config{Name: "aws", Endpoint: srv.URL, Presets: []string{"rds"}})
	_, err := src.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "found no metrics") || !strings.Contains(err.Error(), "hint:") {
		t.Fatalf("err = %v", err)
	}
	ds, err := src.Fetch(context.Background(), window, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Gaps) == 0 || !strings.Contains(ds.Gaps[0].Reason, "no rds resources") {
		t.Errorf("gaps: %v", ds.Gaps)
	}
}

func ssoCacheName(key string) string {
	h := sha1.Sum([]byte(key))
	return hex.EncodeToString(h[:]) + ".json"
}

func TestFillZeroStopsAtNow(t *testing.T) {
	w := sources.Window{From: now.Add(-10 * time.Minute), To: now.Add(10 * time.Minute)}
	p, err := makePlan(w, now, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got := fillZero([]sources.Point{{T: now.Add(-5 * time.Minute), V: 3}}, p, now)
	if len(got) != 10 || got[5].V != 3 || got[0].V != 0 || !got[9].T.Equal(now.Add(-time.Minute)) {
		t.Errorf("filled %v: want the 10 minutes before now, the 3 kept, none after now", got)
	}
}
