package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources/logs/s3src/s3test"
)

// `hindsight sources check` names each S3 log source and says what is
// wrong with it: bad credentials, nothing in the last day, unreachable;
// with a hint, and no secret in the output.
func TestSourcesCheckS3(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "shop-logs")
	srv.Bucket(t, "empty-logs")
	now := time.Now().UTC()
	for _, o := range (s3test.ALB{Account: "123456789012", Region: "eu-west-1", Name: "shop", Nodes: 1, PerObject: 2}).Objects(now.Add(-20*time.Minute), now) {
		srv.Put(t, "shop-logs", o.Key, o.Body)
	}
	isolateAWS(t)
	srv.Profile(t, "shop", srv.Secret)
	creds := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	const bad = "not-the-secret-0123456789"
	f, _ := os.OpenFile(creds, os.O_APPEND|os.O_WRONLY, 0o600)
	f.WriteString("[stale]\naws_access_key_id = " + srv.Access + "\naws_secret_access_key = " + bad + "\n")
	f.Close()
	ep := `endpoint: "` + srv.Endpoint + `", path_style: true, region: us-east-1`
	cfg := `sources:
  - {name: alb, type: logs, paths: ["s3://shop-logs/"], layout: alb, aws_profile: shop, ` + ep + `}
  - {name: alb-stale, type: logs, paths: ["s3://shop-logs/"], layout: alb, aws_profile: stale, ` + ep + `}
  - {name: alb-empty, type: logs, paths: ["s3://empty-logs/"], layout: alb, aws_profile: shop, ` + ep + `}
  - {name: alb-down, type: logs, paths: ["s3://shop-logs/"], layout: alb, aws_profile: shop, endpoint: "http://127.0.0.1:1", path_style: true, region: us-east-1}
`
	path := filepath.Join(t.TempDir(), "hindsight.yaml")
	os.WriteFile(path, []byte(cfg), 0o600)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"sources", "check", "--config", path}, &stdout, &stderr)
	out := stdout.String() + stderr.String()
	if code != 1 {
		t.Errorf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		`alb\s+logs\s+ok\s+s3://shop-logs/: \d+ objects \(.*\) in the last 24 hours`,
		`alb-stale\s+logs\s+error\s+.*secret key does not match`,
		`alb-empty\s+logs\s+no data\s+.*s3://empty-logs/: no objects of layout alb`,
		`alb-down\s+logs\s+error\s+.*unreachable`,
		`hint \(alb-stale\): check the secret of aws_profile stale`,
		`hint \(alb-empty\): check the prefix and layout`,
		`hint \(alb-down\): check the network, and endpoint`,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, bad) || strings.Contains(out, srv.Secret) {
		t.Errorf("a secret is in the output:\n%s", out)
	}
}
