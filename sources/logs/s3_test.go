package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/s3src/s3test"
	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

// albFixture puts half a day of one load balancer's logs (two nodes) on
// a real S3 server, with a 504 burst 10:20-10:25, and returns the server,
// the objects and the source's config.
func albFixture(t *testing.T) (*s3test.Server, []s3test.Object, Config) {
	t.Helper()
	srv := s3test.Start(t)
	srv.Bucket(t, "acme-logs")
	day := time.Date(2025, 11, 20, 6, 0, 0, 0, time.UTC)
	gen := s3test.ALB{Prefix: "prod/", Account: "123456789012", Region: "eu-west-1", Name: "shop", Nodes: 2, PerObject: 40, Seed: 1,
		Bad: func(t time.Time) bool {
			return !t.Before(day.Add(4*time.Hour+20*time.Minute)) && t.Before(day.Add(4*time.Hour+25*time.Minute))
		}}
	objs := gen.Objects(day, day.Add(8*time.Hour))
	put := map[string][]byte{}
	for _, o := range objs {
		put[o.Key] = o.Body
	}
	srv.PutAll(t, "acme-logs", put)
	profile := srv.Profile(t, "acme", srv.Secret)
	cfg := Config{Name: "shop-alb", Paths: []string{"s3://acme-logs/prod/"}, Layout: "alb"}
	cfg.AWS.Profile, cfg.AWS.Endpoint, cfg.AWS.PathStyle = profile, srv.Endpoint, true
	return srv, objs, cfg
}

func TestS3ALBWindow(t *testing.T) {
	srv, objs, cfg := albFixture(t)
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	w := sources.Window{From: from, To: from.Add(time.Hour)}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	wantReq, want5xx := 0, 0
	for _, o := range objs {
		for _, l := range o.Lines {
			if !l.T.Before(w.From) && l.T.Before(w.To) {
				wantReq++
				if l.Status >= 500 {
					want5xx++
				}
			}
		}
	}
	req, errs := seriesSum(ds, "alb requests"), seriesSum(ds, "alb 5xx")
	if req != wantReq || errs != want5xx || want5xx == 0 {
		t.Errorf("requests %d, 5xx %d; want %d and %d", req, errs, wantReq, want5xx)
	}
	if lb := seriesSum(ds, "alb elb 5xx"); lb != want5xx {
		t.Errorf("the load balancer's own 5xx %d, want %d (all the 504s)", lb, want5xx)
	}
	// The 504s are ELB's own: no request time; the rest have one.
	for _, s := range ds.Series {
		if s.Name == "alb request time p50" && len(s.Points) < 55 {
			t.Errorf("p50 has %d points of 60", len(s.Points))
		}
	}
	// Objects stamped 10:00 .. 11:10 (ALB's delivery span: see s3src):
	// 15 periods of two nodes. The note
	// says how many and how many bytes.
	var note string
	for _, n := range ds.Notes {
		if strings.Contains(n, "fetched") {
			note = n
		}
	}
	if !strings.Contains(note, "fetched 30 objects") || !strings.Contains(note, "KiB") {
		t.Errorf("note %q, want 30 objects fetched with their size", note)
	}
	if len(ds.Gaps) > 0 {
		t.Errorf("gaps: %v", ds.Gaps)
	}
	sourcetest.Check(t, "shop-alb", w, ds)
	_ = srv
}

func seriesSum(ds *sources.Dataset, name string) int {
	n := 0.0
	for _, s := range ds.Series {
		if s.Name == name {
			for _, p := range s.Points {
				n += p.V * float64(ds.Step/time.Second)
			}
		}
	}
	return int(n + 0.5)
}

func TestS3Damage(t *testing.T) {
	srv, objs, cfg := albFixture(t)
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	w := sources.Window{From: from, To: from.Add(time.Hour)}
	// One object in the window is cut inside its gzip stream: its first
	// 15 lines were flushed whole before the cut.
	var cut s3test.Object
	for _, o := range objs {
		if o.Stamp.Equal(from.Add(30 * time.Minute)) {
			cut = o
			break
		}
	}
	raw := gunzip(t, cut.Body)
	lines := bytes.SplitAfter(raw, []byte("\n"))
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(bytes.Join(lines[:15], nil))
	zw.Flush()
	keep := buf.Len()
	zw.Write(bytes.Join(lines[15:], nil))
	zw.Close()
	srv.Put(t, "acme-logs", cut.Key, buf.Bytes()[:keep+40])
	// Another is deleted between the listing and its reading.
	var gone s3test.Object
	for _, o := range objs {
		if o.Stamp.Equal(from.Add(45*time.Minute)) && o.Key != cut.Key {
			gone = o
			break
		}
	}
	s3Listed = func() { srv.Delete(t, "acme-logs", gone.Key) }
	defer func() { s3Listed = nil }()

	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, o := range objs {
		for i, l := range o.Lines {
			if o.Key == gone.Key || o.Key == cut.Key && i >= 15 {
				continue
			}
			if !l.T.Before(w.From) && l.T.Before(w.To) {
				want++
			}
		}
	}
	if got := seriesSum(ds, "alb requests"); got != want {
		t.Errorf("requests %d, want %d: the lines before the damage kept, the rest of the window read", got, want)
	}
	var cutGap, goneGap bool
	for _, g := range ds.Gaps {
		switch {
		case strings.HasSuffix(g.What, cut.Key) && strings.Contains(g.Reason, "line 15") && strings.Contains(g.Reason, "kept the lines before it"):
			cutGap = true
		case strings.HasSuffix(g.What, gone.Key) && strings.Contains(g.Reason, "deleted after it was listed"):
			goneGap = true
		}
	}
	if !cutGap || !goneGap {
		t.Errorf("gaps %v: want one naming the cut object (after line 15) and one the deleted", ds.Gaps)
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := out.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestS3Errors(t *testing.T) {
	srv, _, cfg := albFixture(t)
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	w := sources.Window{From: from, To: from.Add(time.Hour)}

	// Check: the data is a year old, nothing in the last day.
	src, _ := New(cfg)
	if _, err := src.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "no objects of layout alb") || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("Check with nothing in the last day: %v", err)
	}
	now := time.Now().UTC()
	fresh := s3test.ALB{Prefix: "prod/", Account: "123456789012", Region: "eu-west-1", Name: "shop", Nodes: 1, PerObject: 3}.Objects(now.Add(-10*time.Minute), now)
	for _, o := range fresh {
		srv.Put(t, "acme-logs", o.Key, o.Body)
	}
	if out, err := src.Check(context.Background()); err != nil || !strings.Contains(out, fmt.Sprintf("%d objects", len(fresh))) {
		t.Errorf("Check: %q, %v; want %d objects", out, err, len(fresh))
	}

	// A wrong secret.
	srv.Profile(t, "acme", "wrong-secret-wrong-secret")
	src, _ = New(cfg)
	_, err := src.Fetch(context.Background(), w, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "secret key does not match") || !strings.Contains(err.Error(), "hint:") || strings.Contains(err.Error(), "wrong-secret") {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := src.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("Check with a wrong secret: %v", err)
	}

	// A missing bucket.
	srv.Profile(t, "acme", srv.Secret)
	cfg.Paths = []string{"s3://no-such-bucket/prod/"}
	src, _ = New(cfg)
	if _, err := src.Fetch(context.Background(), w, time.Minute); err == nil || !strings.Contains(err.Error(), "no such bucket") {
		t.Errorf("missing bucket: %v", err)
	}
	// Unreachable.
	cfg.AWS.Endpoint = "http://127.0.0.1:1"
	src, _ = New(cfg)
	if _, err := src.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("unreachable: %v", err)
	}
}

func TestS3Contract(t *testing.T) {
	_, _, cfg := albFixture(t)
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	sourcetest.Run(t, src, sources.Window{From: from, To: from.Add(time.Hour)}, time.Minute)
}

func gunzipAll(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	_, err = out.ReadFrom(zr)
	return out.Bytes(), err
}

// TestS3Layouts reads CloudTrail and VPC flow logs from their real key
// layouts on the S3 server, the format taken from the layout.
func TestS3Layouts(t *testing.T) {
	srv := s3test.Start(t)
	srv.Bucket(t, "trail")
	profile := srv.Profile(t, "acme", srv.Secret)
	srv.Put(t, "trail", "AWSLogs/123456789012/CloudTrail/eu-west-1/2025/11/20/123456789012_CloudTrail_eu-west-1_20251120T1020Z_Ab12Cd34Ef56Gh78.json.gz", s3test.Gzip([]byte(cloudtrailExample)))
	// Flow records of 2025-11-20 10:10 under the Hive-style prefix.
	flows := strings.NewReplacer("1418530010", "1763633400", "1418530012", "1763633402", "1418530015", "1763633405").Replace(vpcFlowExample)
	srv.Put(t, "trail", "AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2025/month=11/day=20/123456789012_vpcflowlogs_eu-west-1_fl-1234abcd_20251120T1015Z_a1b2c3d4.log.gz", s3test.Gzip([]byte(flows)))
	w := sources.Window{From: time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 20, 11, 0, 0, 0, time.UTC)}
	for _, c := range []struct{ layout, want string }{{"cloudtrail", "events"}, {"vpcflow-hive", "flows"}} {
		cfg := Config{Name: "aws", Paths: []string{"s3://trail/"}, Layout: c.layout}
		cfg.AWS.Profile, cfg.AWS.Endpoint, cfg.AWS.PathStyle = profile, srv.Endpoint, true
		src, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ds, err := src.Fetch(context.Background(), w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		switch c.want {
		case "events":
			if len(ds.Events) != 2 || ds.Events[0].Kind != sources.KindChange || !strings.HasPrefix(ds.Events[0].Ref, "s3://trail/AWSLogs/") {
				t.Errorf("cloudtrail: events %+v", ds.Events)
			}
		case "flows":
			if r := seriesSum(ds, "vpc flow rejects"); r != 2 {
				t.Errorf("vpc flow: %d rejects, want 2; gaps %v", r, ds.Gaps)
			}
		}
	}
}

// TestS3SameAsFiles: the same ALB logs read from S3 and from a local file
// give the same series and patterns, point for point.
func TestS3SameAsFiles(t *testing.T) {
	_, objs, cfg := albFixture(t)
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	w := sources.Window{From: from, To: from.Add(time.Hour)}
	var all bytes.Buffer
	for _, o := range objs {
		all.Write(gunzip(t, o.Body))
	}
	dir := t.TempDir()
	mustWrite(t, dir, "alb.log", all.String())
	lsrc, err := New(Config{Name: "shop-alb", Paths: []string{dir + "/alb.log"}, Format: FormatALB})
	if err != nil {
		t.Fatal(err)
	}
	local, err := lsrc.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	key := func(ds *sources.Dataset) string {
		var b strings.Builder
		for _, s := range ds.Series {
			fmt.Fprintf(&b, "series %s:", s.Name)
			for _, p := range s.Points {
				fmt.Fprintf(&b, " %s=%.6g", p.T.Format("15:04"), p.V)
			}
			b.WriteByte('\n')
		}
		for _, p := range ds.Patterns {
			fmt.Fprintf(&b, "pattern %s %s:", p.Template, p.Level)
			for _, c := range p.Counts {
				fmt.Fprintf(&b, " %s=%d", c.T.Format("15:04"), c.N)
			}
			b.WriteByte('\n')
		}
		for _, e := range ds.Events {
			fmt.Fprintf(&b, "event %s %s %s\n", e.T, e.Kind, e.Title)
		}
		return b.String()
	}
	if l, r := key(local), key(remote); l != r || len(local.Series) == 0 {
		t.Errorf("local and S3 differ:\nlocal:\n%s\nS3:\n%s", l, r)
	}
}

func TestS3WholeBucketRefused(t *testing.T) {
	if _, err := New(Config{Paths: []string{"s3://acme-logs"}}); err == nil || !strings.Contains(err.Error(), "whole bucket; hint: set layout") {
		t.Errorf("s3://bucket without a layout: %v", err)
	}
	if _, err := New(Config{Paths: []string{"s3://acme-logs/"}, Layout: "alb"}); err != nil {
		t.Errorf("s3://bucket/ with a layout: %v", err)
	}
	if _, err := New(Config{Paths: []string{"s3://acme-logs/x/"}, Layout: "albb"}); err == nil || !strings.Contains(err.Error(), "hint: use one of") {
		t.Errorf("unknown layout: %v", err)
	}
}

// TestS3Unreadable: one object the real server fails to give (its file
// replaced, after the listing, by a symlink to itself: versitygw answers
// 500 on it, and the SDK retries before giving up) is a gap naming it;
// the rest of the window stands.
func TestS3Unreadable(t *testing.T) {
	srv, objs, cfg := albFixture(t)
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	w := sources.Window{From: from, To: from.Add(time.Hour)}
	var bad s3test.Object
	for _, o := range objs {
		if o.Stamp.Equal(from.Add(30 * time.Minute)) {
			bad = o
			break
		}
	}
	file := filepath.Join(srv.Data, "acme-logs", filepath.FromSlash(bad.Key))
	s3Listed = func() {
		if err := os.Remove(file); err != nil {
			t.Error(err)
		}
		if err := os.Symlink(filepath.Base(file), file); err != nil {
			t.Error(err)
		}
	}
	defer func() { s3Listed = nil }()
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatalf("one unreadable object failed the source: %v", err)
	}
	want := 0
	for _, o := range objs {
		if o.Key == bad.Key {
			continue
		}
		for _, l := range o.Lines {
			if !l.T.Before(w.From) && l.T.Before(w.To) {
				want++
			}
		}
	}
	if got := seriesSum(ds, "alb requests"); got != want || want == 0 {
		t.Errorf("requests %d, want %d: the rest of the window read", got, want)
	}
	found := false
	for _, g := range ds.Gaps {
		if strings.HasSuffix(g.What, bad.Key) && strings.Contains(g.Reason, "could not be read") {
			found = true
			t.Logf("gap: %s: %s", g.What, g.Reason)
		}
	}
	if !found || len(ds.Gaps) != 1 {
		t.Errorf("gaps %v: want one naming %s", ds.Gaps, bad.Key)
	}
}

// A store that lists but refuses every GET (a policy with s3:ListBucket
// and no s3:GetObject) is one gap with the count and the first object,
// not one gap per object.
func TestS3EveryGetRefused(t *testing.T) {
	srv, objs, cfg := albFixture(t)
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	w := sources.Window{From: from, To: from.Add(time.Hour)}
	s3Listed = func() {
		for _, o := range objs {
			file := filepath.Join(srv.Data, "acme-logs", filepath.FromSlash(o.Key))
			if err := os.Remove(file); err != nil {
				continue // not in the listing's bucket
			}
			if err := os.Symlink(filepath.Base(file), file); err != nil {
				t.Error(err)
			}
		}
	}
	defer func() { s3Listed = nil }()
	src, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatalf("refused objects failed the source: %v", err)
	}
	if len(ds.Gaps) != 1 {
		t.Fatalf("%d gaps, want one for all refused objects: %v", len(ds.Gaps), ds.Gaps)
	}
	g := ds.Gaps[0]
	t.Logf("gap: %s: %s", g.What, g.Reason)
	if !strings.Contains(g.Reason, "objects could not be read, the first s3://") || !strings.Contains(g.Reason, "no object of the set was read") ||
		!strings.Contains(g.Reason, "hint: ") {
		t.Errorf("gap %q: want the count, the first object and a hint", g.Reason)
	}
}
