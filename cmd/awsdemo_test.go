package cmd

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/awsdemo"
	"github.com/hindsight-sre/hindsight/internal/awsfake"
	"github.com/hindsight-sre/hindsight/report"
	"github.com/hindsight-sre/hindsight/sources/logs/s3src/s3test"
)

// awsDemo is the AWS customer's demo set up twice: once as AWS holds it
// (CloudWatch through the real SDK against internal/awsfake, the load
// balancer's logs in a real S3 server, versitygw), once as local files a
// person exported (one CSV per series, the log objects as downloaded). It
// returns the config file with both profiles, shopco and shopco-local, and
// the incident's time.
func awsDemo(t *testing.T) (string, time.Time) {
	t.Helper()
	s3 := s3test.Start(t)
	creds := isolateAWS(t)
	// One profile for both services: the stand-in lets versitygw's key in.
	key, secret := s3.Access, s3.Secret
	os.WriteFile(creds, []byte("[shopco]\naws_access_key_id = "+key+"\naws_secret_access_key = "+secret+"\n"), 0o600)
	// The data ends at the last full hour: CloudWatch judges retention
	// by the clock, so the demo lives in the present.
	end := time.Now().UTC().Truncate(time.Hour)
	ms := awsdemo.Metrics(end.Add(-76*time.Hour), end, 7)
	srv := awsfake.New(awsdemo.Region, nil)
	t.Cleanup(srv.Close)
	srv.AddKey(key, secret, "", time.Time{})
	for _, m := range ms {
		fm := &awsfake.Metric{Namespace: m.Namespace, Name: m.Metric, Dims: m.Dims}
		for _, s := range m.Samples {
			fm.Samples = append(fm.Samples, awsfake.Sample{T: s.T, V: s.V})
		}
		srv.AddMetric(fm)
	}
	// The profile of testdata/aws, beside its local files.
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join("..", "testdata", "aws", "hindsight.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "hindsight.yaml")
	if err := os.WriteFile(path, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "local"), 0o755)
	files, err := awsdemo.WriteCSV(filepath.Join(dir, "local"), ms)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.Contains(string(cfg), "path: local/"+f.Path+", metric: "+f.Series.Name+",") {
			t.Errorf("testdata/aws/hindsight.yaml lacks %s as %q", f.Path, f.Series.Name)
		}
	}
	t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH", srv.URL)
	t.Setenv("AWS_ENDPOINT_URL_S3", s3.Endpoint)
	// The load balancer's logs: one node's five-minute objects in the
	// bucket under AWS's keys, and their lines, in the same order, in one
	// local file (as `aws s3 cp --recursive` and `zcat` would leave them).
	alb := s3test.ALB{Account: awsdemo.Account, Region: awsdemo.Region, Name: "shop", Nodes: 1, PerObject: 40, Seed: 7,
		Bad: awsdemo.Bad(awsdemo.Incident(end))}
	s3.Bucket(t, "shopco-logs")
	var all bytes.Buffer
	for _, o := range alb.Objects(end.Add(-76*time.Hour), end) {
		s3.Put(t, "shopco-logs", o.Key, o.Body)
		zr, err := gzip.NewReader(bytes.NewReader(o.Body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(&all, zr); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "local", "shop-alb.log.gz"), s3test.Gzip(all.Bytes()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, awsdemo.Incident(end)
}

// findingsJSON runs analyze for a profile and returns the JSON report with
// what says where the data came from taken out: the source names (cw, or
// cw00..cwNN for the local files), how to reproduce a series (a CloudWatch
// query, a file path), the command line and the notes on how data was read.
func findingsJSON(t *testing.T, config, profile string, around time.Time) (string, *analyze.Findings) {
	t.Helper()
	o := &analyzeOptions{config: config, profile: profile, format: "json",
		window: windowOptions{around: around.Format(time.RFC3339), before: "2h", after: "1h"}}
	f, err := findings(context.Background(), o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := report.Write(&b, "json", f); err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	scrub(doc)
	out, _ := json.MarshalIndent(doc, "", " ")
	text := regexp.MustCompile(`\bcw(\d\d)?\b`).ReplaceAllString(string(out), "cw")
	// A log series is labelled with the file (set) it was read from.
	text = regexp.MustCompile(`file=[^,}"]*`).ReplaceAllString(text, "file=…")
	return text, f
}

// scrub removes, in place, the fields that name where data came from.
func scrub(v any) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range []string{"source", "query", "command", "notes", "metrics_queried", "api_requests", "profile", "file", "ref", "line", "offset", "sources", "zones"} {
			delete(x, k)
		}
		for _, c := range x {
			scrub(c)
		}
	case []any:
		for _, c := range x {
			scrub(c)
		}
	}
}

// A window of the AWS customer's incident gives the same report through
// S3 and the cloudwatch source as through the equivalent local files: the
// same symptoms, suspects, scores, timeline, log patterns and impact,
// number for number.
func TestAWSDemoSameReportThroughS3AndCloudWatchAsFromFiles(t *testing.T) {
	config, incident := awsDemo(t)
	aws, f := findingsJSON(t, config, "shopco", incident)
	local, _ := findingsJSON(t, config, "shopco-local", incident)
	if aws != local {
		t.Errorf("the reports differ:\n%s", lineDiff(aws, local))
	}
	// And it is the right story: the latency spike at the incident, free
	// storage running out ranked as a suspect.
	if len(f.Symptoms) == 0 {
		t.Fatalf("no symptom in the AWS demo's incident window; gaps %v", f.Gaps)
	}
	s := f.Symptoms[0]
	if d := s.Start.Sub(incident); d < -2*time.Minute || d > 2*time.Minute {
		t.Errorf("symptom %s %s starts %s, want about %s", s.Subject, s.Kind, s.Start, incident)
	}
	// What users felt leads: the load balancer's failed requests (from 0
	// to 60 a minute) or its response time, the other said with it.
	switch {
	case strings.HasPrefix(s.Subject, "ALB target response time") && s.Kind == analyze.LatencySpike:
	case strings.HasPrefix(s.Subject, "ALB target 5xx") && s.Kind == analyze.ErrorSpike:
		if !strings.Contains(s.Explanation, "ALB target response time") {
			t.Errorf("the 5xx symptom does not say the response time rose with it: %s", s.Explanation)
		}
	default:
		t.Errorf("symptom %s %s, want the ALB's 5xx or response time spike", s.Subject, s.Kind)
	}
	// CloudWatch's 8 series, and the logs' requests, 5xx, the load
	// balancer's own 5xx and request-time p50/p95/p99 per step.
	if f.Inputs.Series != 14 {
		t.Errorf("%d series read, want the demo's 8 from CloudWatch and 6 from the logs", f.Inputs.Series)
	}
	notes := strings.Join(f.Notes, "\n")
	if !strings.Contains(notes, "GetMetricData") || !strings.Contains(notes, "objects") {
		t.Errorf("the notes do not say what was fetched from CloudWatch and S3:\n%s", notes)
	}
	// The inputs count what the notes itemise: CloudWatch's metrics and
	// its requests, S3's GETs and LISTs.
	wantMetrics, wantReq := 0, 0
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	for _, m := range regexp.MustCompile(`(\d+) metrics? in (\d+) GetMetricData requests? \(\d+ datapoints\), (\d+) ListMetrics and (\d+) other`).FindAllStringSubmatch(notes, -1) {
		wantMetrics += atoi(m[1])
		wantReq += atoi(m[2]) + atoi(m[3]) + atoi(m[4])
	}
	for _, m := range regexp.MustCompile(`fetched (\d+) objects, .* \(\d+ listed in (\d+) list requests\)`).FindAllStringSubmatch(notes, -1) {
		wantReq += atoi(m[1]) + atoi(m[2])
	}
	if f.Inputs.MetricsQueried != wantMetrics || f.Inputs.APIRequests != wantReq || wantMetrics == 0 || wantReq <= wantMetrics/500 {
		t.Errorf("inputs: %d metrics, %d requests; the notes say %d and %d:\n%s", f.Inputs.MetricsQueried, f.Inputs.APIRequests, wantMetrics, wantReq, notes)
	}
	// The cause: the database's free storage ran out (an exhaustion
	// candidate because the source marks the series as falling-is-danger),
	// on the database, not on the account.
	if len(s.Suspects) == 0 || !strings.HasPrefix(s.Suspects[0].Title, "RDS free storage") || s.Suspects[0].Component != awsdemo.DB {
		t.Errorf("top suspect is not the database's free storage running out: %v", titles(s.Suspects))
	}
}

// lineDiff shows the first differing lines of a and b.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 40; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("%5d aws:   %s\n      local: %s", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}

func titles(ss []analyze.Suspect) []string {
	var out []string
	for _, s := range ss {
		out = append(out, s.Title)
	}
	return out
}
