package s3src

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/hindsight-sre/hindsight/sources/logs/s3src/s3test"
)

// keyGen makes the key of one object of a layout, written at t by node.
type keyGen struct {
	layout string
	prefix string // the configured path's prefix
	step   time.Duration
	key    func(t time.Time, node int) string
}

var gens = []keyGen{
	{"alb", "prod/", 5 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/%s/123456789012_elasticloadbalancing_eu-west-1_app.shop.50dc6c495c0c9188_%s_10.0.1.%d_%08x.log.gz",
			t.Format("2006/01/02"), t.Format("20060102T1504Z"), n+5, t.Unix()+int64(n))
	}},
	{"elb", "", 60 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("AWSLogs/123456789012/elasticloadbalancing/us-east-1/%s/123456789012_elasticloadbalancing_us-east-1_legacy-lb_%s_52.1.1.%d_%08x.log",
			t.Format("2006/01/02"), t.Format("20060102T1504Z"), n+5, t.Unix())
	}},
	{"cloudfront", "cdn/", 60 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("cdn/E2QWRUHEXAMPLE.%s.%08x.gz", t.Format("2006-01-02-15"), t.Unix()+int64(n))
	}},
	{"s3access", "s3logs/", 10 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("s3logs/%s-%016X", t.Format("2006-01-02-15-04-05"), t.Unix()+int64(n))
	}},
	{"s3access-partitioned", "s3logs/", 10 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("s3logs/123456789012/eu-west-1/shop-assets/%s/%s-%016X", t.Format("2006/01/02"), t.Format("2006-01-02-15-04-05"), t.Unix()+int64(n))
	}},
	{"cloudtrail", "", 5 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("AWSLogs/123456789012/CloudTrail/eu-west-1/%s/123456789012_CloudTrail_eu-west-1_%s_%016x.json.gz", t.Format("2006/01/02"), t.Format("20060102T1504Z"), t.Unix()+int64(n))
	}},
	{"vpcflow", "flow/", 5 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("flow/AWSLogs/123456789012/vpcflowlogs/eu-west-1/%s/123456789012_vpcflowlogs_eu-west-1_fl-1234abcd_%s_%08x.log.gz", t.Format("2006/01/02"), t.Format("20060102T1504Z"), t.Unix()+int64(n))
	}},
	{"vpcflow-hive", "flow/", 5 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("flow/AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/%s/hour=%s/123456789012_vpcflowlogs_eu-west-1_fl-1234abcd_%s_%08x.log.gz", t.Format("year=2006/month=01/day=02"), t.Format("15"), t.Format("20060102T1504Z"), t.Unix()+int64(n))
	}},
	{"waf", "", 5 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("AWSLogs/123456789012/WAFLogs/cloudfront/shop-acl/%s/123456789012_waflogs_cloudfront_shop-acl_%s_%08x.log.gz", t.Format("2006/01/02/15/04"), t.Format("20060102T1504Z"), t.Unix()+int64(n))
	}},
	{"firehose", "app/", 5 * time.Minute, func(t time.Time, n int) string {
		return fmt.Sprintf("app/%s/app-logs-1-%s-%08x-1111-2222-3333-444455556666", t.Format("2006/01/02/15"), t.Format("2006-01-02-15-04-05"), t.Unix()+int64(n))
	}},
}

// TestListLayoutsOnVersitygw puts two days and a half of objects of every
// layout (two writers each) on a real S3 server and lists an hour: every
// object stamped in the window is found, none stamped outside the
// layout's delivery span, and the server is asked for a small part of
// the bucket only.
func TestListLayoutsOnVersitygw(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	to := from.Add(time.Hour)
	for i, g := range gens {
		bucket := fmt.Sprintf("logs-%d", i)
		srv.Bucket(t, bucket)
		total := 0
		stamps := map[string]time.Time{}
		objects := map[string][]byte{}
		for tt := time.Date(2025, 11, 19, 12, 0, 0, 0, time.UTC); tt.Before(time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)); tt = tt.Add(g.step) {
			for n := range 2 {
				k := g.key(tt, n)
				objects[k] = []byte("x")
				stamps[k] = tt
				total++
			}
		}
		srv.PutAll(t, bucket, objects)
		t.Run(g.layout, func(t *testing.T) {
			l, err := LookupLayout(g.layout)
			if err != nil {
				t.Fatal(err)
			}
			counted := &countingAPI{api: srv.Client}
			ls, err := List(ctx, counted, Location{Bucket: bucket, Prefix: g.prefix}, l, from, to)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, o := range ls.Objects {
				got[o.Key] = true
				st := stamps[o.Key]
				if st.Before(from.Add(-l.After-g.step)) || st.After(to.Add(l.Before)) {
					t.Errorf("%s: listed %s (stamped %s), outside the window and its delivery span", g.layout, o.Key, st)
				}
				if !o.Stamp.Equal(st) && g.layout != "cloudfront" {
					t.Errorf("%s: %s: stamp %s, want %s", g.layout, o.Key, o.Stamp, st)
				}
			}
			for k, st := range stamps {
				if !st.Before(from) && st.Before(to) && !got[k] {
					t.Errorf("%s: %s stamped %s in the window, not listed", g.layout, k, st)
				}
			}
			if len(ls.Objects) == 0 {
				t.Fatalf("%s: nothing listed", g.layout)
			}
			// The whole bucket is total keys; a listing that walks it
			// gets them all back. Skipping through it, S3 sends the
			// keys looked at, at most as many again (a page that
			// doubled past the window's end), and a page of 8 a jump.
			if counted.keys > 2*(len(ls.Objects)+ls.Passed)+8*counted.calls || counted.keys > total/2 {
				t.Errorf("%s: the server returned %d keys of %d for %d objects in the window: too much of the bucket", g.layout, counted.keys, total, len(ls.Objects))
			}
			t.Logf("%s: %d objects of %d, %d keys returned in %d requests", g.layout, len(ls.Objects), total, counted.keys, ls.Requests)
		})
	}
}

// countingAPI counts the keys and prefixes S3 returned.
type countingAPI struct {
	api   ListAPI
	keys  int
	calls int
}

func (c *countingAPI) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.calls++
	out, err := c.api.ListObjectsV2(ctx, in, opts...)
	if err == nil {
		c.keys += len(out.Contents) + len(out.CommonPrefixes)
	}
	return out, err
}

func TestListErrorsOnVersitygw(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "logs")
	ctx := context.Background()
	l, _ := LookupLayout("alb")
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)

	// A wrong secret: S3 refuses the signature; the error says so with
	// a hint, and shows no secret.
	wrong := "not-the-secret-at-all-42"
	profile := srv.Profile(t, "customer-a", wrong)
	c, err := NewClient(ctx, Config{Profile: profile, Endpoint: srv.Endpoint, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = List(ctx, c.API, Location{Bucket: "logs"}, l, from, from.Add(time.Hour))
	if err == nil {
		t.Fatal("a wrong secret listed without an error")
	}
	err = Explain(err, c.cfg)
	msg := err.Error()
	if !strings.Contains(msg, "secret") || !strings.Contains(msg, "hint:") || !strings.Contains(msg, "customer-a") {
		t.Errorf("wrong secret: %q, want it to name the secret and the profile, with a hint", msg)
	}
	if strings.Contains(msg, wrong) || strings.Contains(msg, srv.Secret) {
		t.Errorf("the error shows a secret: %q", msg)
	}

	// A missing bucket.
	srv.Profile(t, "customer-a", srv.Secret)
	c, err = NewClient(ctx, Config{Profile: "customer-a", Endpoint: srv.Endpoint, PathStyle: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = List(ctx, c.API, Location{Bucket: "no-such-logs"}, l, from, from.Add(time.Hour))
	if err == nil || !strings.Contains(Explain(err, c.cfg).Error(), "no such bucket (NoSuchBucket") {
		t.Errorf("missing bucket: %v, want 'no such bucket' with a hint", err)
	}

	// An object gone: ErrGone.
	if _, err := c.Open(ctx, "logs", "AWSLogs/1/x.log.gz"); !errors.Is(err, ErrGone) {
		t.Errorf("Open of a missing key: %v, want ErrGone", err)
	}

	// Unreachable: a port nobody listens on.
	c2, _ := NewClient(ctx, Config{Profile: "customer-a", Endpoint: "http://127.0.0.1:1", PathStyle: true})
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	_, err = List(cctx, c2.API, Location{Bucket: "logs"}, l, from, from.Add(time.Hour))
	if err == nil || !strings.Contains(Explain(err, c2.cfg).Error(), "unreachable (") {
		t.Errorf("unreachable endpoint: %v", err)
	}
}

func TestBases(t *testing.T) {
	alb, _ := LookupLayout("alb")
	for _, c := range []struct{ prefix, want string }{
		{"", "AWSLogs/*/elasticloadbalancing/*/"},
		{"prod", "prod/AWSLogs/*/elasticloadbalancing/*/"},
		{"prod/AWSLogs/123/", "prod/AWSLogs/123/elasticloadbalancing/*/"},
		{"AWSLogs/123/elasticloadbalancing/eu-west-1/", "AWSLogs/123/elasticloadbalancing/eu-west-1/"},
	} {
		if got := alb.bases(c.prefix)[0]; got != c.want {
			t.Errorf("bases(%q) = %q, want %q", c.prefix, got, c.want)
		}
	}
}

func TestStampSkip(t *testing.T) {
	// A fake that serves sorted keys, to count what a listing asks for.
	var keys []string
	for m := 0; m < 60; m++ {
		keys = append(keys, fmt.Sprintf("s3logs/2025-11-20-10-%02d-30-0000000000000000", m))
	}
	api := &sliceAPI{keys: keys}
	l, _ := LookupLayout("s3access")
	from := time.Date(2025, 11, 20, 10, 30, 0, 0, time.UTC) // lo = from - 5 min
	ls, err := List(context.Background(), api, Location{Bucket: "b", Prefix: "s3logs/"}, l, from, from.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Objects) != 35 || ls.Objects[0].Key != keys[25] {
		t.Errorf("%d objects from %s, want 35 from %s", len(ls.Objects), ls.Objects[0].Key, keys[25])
	}
	// A probe, the jump, then pages of 8, 16, 32.
	if ls.Requests != 4 || ls.Passed != 1 {
		t.Errorf("%d requests, %d keys passed over: want 4 and 1 (one jump)", ls.Requests, ls.Passed)
	}

	// A stamp in minutes: the window's start, 10:02:30, is written
	// ...T1002Z, which sorts before the key stamped 10:02: no jump back.
	keys = nil
	for m := 0; m < 10; m++ {
		keys = append(keys, fmt.Sprintf("AWSLogs/1/elasticloadbalancing/r/2025/11/20/1_elasticloadbalancing_r_app.a.1_20251120T10%02dZ_10.0.0.1_x.log.gz", m))
	}
	api = &sliceAPI{keys: keys}
	l, _ = LookupLayout("alb")
	from = time.Date(2025, 11, 20, 10, 4, 30, 0, time.UTC) // lo = 10:02:30
	ls, err = List(context.Background(), api, Location{Bucket: "b", Prefix: "AWSLogs/1/elasticloadbalancing/r/"}, l, from, from.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Objects) != 7 || ls.Requests > 10 {
		t.Errorf("%d objects in %d requests, want 7 (10:03..10:09) in a few", len(ls.Objects), ls.Requests)
	}
}

// sliceAPI serves ListObjectsV2 over sorted keys (no delimiter).
type sliceAPI struct{ keys []string }

func (s *sliceAPI) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out := &s3.ListObjectsV2Output{}
	for _, k := range s.keys {
		if !strings.HasPrefix(k, aws.ToString(in.Prefix)) || k <= aws.ToString(in.StartAfter) {
			continue
		}
		if len(out.Contents) == int(aws.ToInt32(in.MaxKeys)) {
			out.IsTruncated = aws.Bool(true)
			break
		}
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k), Size: aws.Int64(1)})
	}
	return out, nil
}

// An SSO profile whose cached token has expired: the error says to log in
// again with the profile's name. The SDK reads the token from the cache
// and refuses it before any request, so no SSO endpoint is needed.
func TestExpiredSSO(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	conf := filepath.Join(home, "config")
	os.WriteFile(conf, []byte("[profile shopco]\nsso_start_url = https://shopco.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-1\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", conf)
	cache := filepath.Join(home, ".aws", "sso", "cache")
	os.MkdirAll(cache, 0o700)
	sum := sha1.Sum([]byte("https://shopco.awsapps.com/start"))
	os.WriteFile(filepath.Join(cache, hex.EncodeToString(sum[:])+".json"), []byte(`{"accessToken":"tok","expiresAt":"2020-01-01T00:00:00Z","region":"eu-west-1","startUrl":"https://shopco.awsapps.com/start"}`), 0o600)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := NewClient(ctx, Config{Profile: "shopco", Endpoint: "http://127.0.0.1:1", PathStyle: true})
	if err == nil {
		l, _ := LookupLayout("alb")
		_, err = List(ctx, c.API, Location{Bucket: "b", Prefix: "AWSLogs/1/elasticloadbalancing/r/"}, l, time.Now().Add(-time.Hour), time.Now())
		err = Explain(err, c.cfg)
	}
	if err == nil || !strings.Contains(err.Error(), "hint: aws sso login --profile shopco") {
		t.Errorf("expired SSO token: %v", err)
	}
}

// FuzzKeys: keys come from the bucket, paths from the config; neither
// may panic the layouts, and a stamp read is one the layout writes.
func FuzzKeys(f *testing.F) {
	for _, g := range gens {
		f.Add(g.layout, g.key(time.Date(2025, 11, 20, 10, 5, 0, 0, time.UTC), 1), g.prefix)
	}
	f.Add("alb", "", "s3://")
	f.Fuzz(func(t *testing.T, layout, key, prefix string) {
		_, _ = ParseURL(prefix)
		l, err := LookupLayout(layout)
		if err != nil || l == nil {
			return
		}
		_ = l.bases(prefix)
		if stream, tm, ok := l.stamp(key); ok {
			if !strings.HasPrefix(key, stream) {
				t.Fatalf("stream %q is not a prefix of %q", stream, key)
			}
			if tm.Format(l.StampLayout) == "" {
				t.Fatal("empty stamp")
			}
		}
		lo := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
		if d := l.dirs(lo, lo.Add(time.Hour)); len(d) == 0 || len(d) > 100 {
			t.Fatalf("%d dirs", len(d))
		}
	})
}

// Without a layout, the prefix is listed and objects last written before
// the window began are passed over.
func TestListNoLayoutOnVersitygw(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "app")
	srv.PutAll(t, "app", map[string][]byte{"fluent-bit/app-1.log.gz": []byte("x"), "fluent-bit/app-2.log.gz": []byte("y"), "other/x": []byte("z")})
	now := time.Now()
	ls, err := List(context.Background(), srv.Client, Location{Bucket: "app", Prefix: "fluent-bit/"}, nil, now.Add(-time.Hour), now)
	if err != nil || len(ls.Objects) != 2 {
		t.Fatalf("%v, %+v: want the two objects under the prefix", err, ls)
	}
	ls, err = List(context.Background(), srv.Client, Location{Bucket: "app", Prefix: "fluent-bit/"}, nil, now.Add(time.Hour), now.Add(2*time.Hour))
	if err != nil || len(ls.Objects) != 0 || ls.Passed != 2 {
		t.Fatalf("%v, %+v: want both passed over (written before the window)", err, ls)
	}
}
