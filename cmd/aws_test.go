package cmd

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/awsfake"
)

// isolateAWS keeps the user's AWS files, environment and instance metadata
// out of a test; the credentials file it returns the path of is empty.
func isolateAWS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ENDPOINT_URL"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return filepath.Join(dir, "credentials")
}

// `hindsight sources check` for the AWS customer: each source's state on
// one line, its hint below, and no secret anywhere in the output.
func TestSourcesCheckAWS(t *testing.T) {
	creds := isolateAWS(t)
	const goodSecret, badSecret = "g00d/SecretKeyOfTheCustomer0123456789abc", "b4d/NotTheSecretAtAll0123456789abcdefghij"
	os.WriteFile(creds, []byte("[acme]\naws_access_key_id = AKIAACMEREADONLY0001\naws_secret_access_key = "+goodSecret+
		"\n[stale]\naws_access_key_id = AKIAACMEREADONLY0001\naws_secret_access_key = "+badSecret+"\n"), 0o600)
	now := time.Now()
	srv := awsfake.New("eu-west-1", nil)
	defer srv.Close()
	srv.AddKey("AKIAACMEREADONLY0001", goodSecret, "", time.Time{})
	var samples []awsfake.Sample
	for t0 := now.Add(-2 * time.Hour); t0.Before(now); t0 = t0.Add(time.Minute) {
		samples = append(samples, awsfake.Sample{T: t0, V: 0.1})
	}
	srv.AddMetric(&awsfake.Metric{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Dims: map[string]string{"LoadBalancer": "app/shop/1"}, Samples: samples})
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/incidents.json":
			w.Write([]byte(`{"page":{"name":"GitHub","url":"https://www.githubstatus.com"},"incidents":[]}`))
		case "/api/v2/scheduled-maintenances.json":
			w.Write([]byte(`{"scheduled_maintenances":[]}`))
		case "/api/v2/components.json":
			w.Write([]byte(`{"components":[{"name":"Git Operations"}]}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer page.Close()
	dir := t.TempDir()
	cfg := `timezone: Europe/Dublin
sources:
  - {name: aws, type: cloudwatch, region: eu-west-1, aws_profile: acme, endpoint: "` + srv.URL + `", presets: [alb]}
  - {name: aws-stale, type: cloudwatch, region: eu-west-1, aws_profile: stale, endpoint: "` + srv.URL + `", presets: [alb]}
  - {name: aws-db, type: cloudwatch, region: eu-west-1, aws_profile: acme, endpoint: "` + srv.URL + `", presets: [rds]}
  - {name: github, type: statuspage, url: "` + page.URL + `", depends_on: [Git Operations], state_dir: "` + dir + `"}
  - {name: vendor, type: statuspage, url: "http://127.0.0.1:1", state_dir: "` + dir + `"}
`
	path := filepath.Join(dir, "hindsight.yaml")
	os.WriteFile(path, []byte(cfg), 0o600)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"sources", "check", "--config", path}, &stdout, &stderr)
	out := stdout.String() + stderr.String()
	if code != 1 {
		t.Errorf("exit %d, want 1 (three sources fail)\n%s", code, out)
	}
	for _, want := range []string{
		`aws\s+cloudwatch\s+ok\s+CloudWatch eu-west-1 \(profile acme\), presets alb: 2 metrics`,
		`aws-stale\s+cloudwatch\s+error\s+ListMetrics: AWS refused the credentials \(SignatureDoesNotMatch`,
		`aws-db\s+cloudwatch\s+no data\s+CloudWatch answered, but presets rds found no metrics`,
		`github\s+statuspage\s+ok\s+statuspage status page GitHub: 0 incidents`,
		`vendor\s+statuspage\s+error\s+GET http://127.0.0.1:1/api/v2/incidents.json: unreachable`,
		`hint \(aws-stale\): check the access key and secret of profile stale`,
		`hint \(aws-db\): check region`,
		`hint \(vendor\): check url`,
		`3 of 5 sources failed the check`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{goodSecret, badSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("a secret is in the output:\n%s", out)
		}
	}
}

// The README's configuration example is a config hindsight accepts: every
// source of the AWS customer's profile builds (nothing is fetched).
func TestReadmeAWSProfileBuilds(t *testing.T) {
	isolateAWS(t)
	raw, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(raw), "### Configuration")
	_, rest, _ = strings.Cut(rest, "```yaml\n")
	block, _, _ := strings.Cut(rest, "```")
	dir := t.TempDir()
	path := filepath.Join(dir, "hindsight.yaml")
	os.WriteFile(path, []byte(block), 0o600)
	// The files the example names beside it.
	os.WriteFile(filepath.Join(dir, "office-holidays.ics"), []byte("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "known-events.yaml"), []byte("[]\n"), 0o600)
	cfg, cdir, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	prof, _, err := cfg.resolve("shopco")
	if err != nil {
		t.Fatal(err)
	}
	st, err := prof.Validate()
	if err != nil {
		t.Fatal(err)
	}
	// The profile names aws_profile shopco: give the SDK one to find.
	os.WriteFile(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), []byte("[shopco]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n"), 0o600)
	types := map[string]bool{}
	for _, sc := range prof.Sources {
		if _, err := buildSource(sc, cdir, st); err != nil {
			t.Errorf("source %s: %v", sc.Name, err)
		}
		types[sc.Type] = true
	}
	if !types["cloudwatch"] || !types["statuspage"] {
		t.Errorf("the README's AWS profile lacks cloudwatch or statuspage: %v", types)
	}
}
