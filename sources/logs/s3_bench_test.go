package logs

import (
	"context"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/s3src/s3test"
)

// BenchmarkS3ALBDay: a day of one load balancer's logs (288 five-minute
// objects per node, two nodes) listed and read from a local S3 server
// (versitygw): listing by the layout, GETs, gunzip, parse and per-minute
// buckets. HINDSIGHT_BENCH_ALB_LINES sets the lines per object (default
// 1000: about 600 KB an object before gzip, 345 MB a day).
func BenchmarkS3ALBDay(b *testing.B) {
	b.ReportAllocs()
	per := 1000
	if v := os.Getenv("HINDSIGHT_BENCH_ALB_LINES"); v != "" {
		per, _ = strconv.Atoi(v)
	}
	srv := s3test.Start(b)
	srv.Bucket(b, "acme-logs")
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	objs := s3test.ALB{Account: "123456789012", Region: "eu-west-1", Name: "shop", Nodes: 2, PerObject: per, Seed: 7}.Objects(day.Add(-5*time.Minute), day.Add(24*time.Hour-5*time.Minute))
	var raw, stored int64
	put := map[string][]byte{}
	for _, o := range objs {
		put[o.Key] = o.Body
		stored += int64(len(o.Body))
		raw += int64(len(o.Lines))
	}
	srv.PutAll(b, "acme-logs", put)
	profile := srv.Profile(b, "acme", srv.Secret)
	cfg := Config{Name: "alb", Paths: []string{"s3://acme-logs/"}, Layout: "alb"}
	cfg.AWS.Profile, cfg.AWS.Endpoint, cfg.AWS.PathStyle = profile, srv.Endpoint, true
	src, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	w := sources.Window{From: day, To: day.Add(24 * time.Hour)}
	var ds *sources.Dataset
	// The machine is shared: CPU time (ours and the server's) says what
	// a day costs whatever else runs.
	cpu0, srv0 := processCPU(), srv.CPU()
	b.ResetTimer()
	for b.Loop() {
		if ds, err = src.Fetch(context.Background(), w, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/day")
	b.ReportMetric((srv.CPU()-srv0).Seconds()/float64(b.N), "server-cpu-s/day")
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(len(objs)), "objects")
	b.ReportMetric(float64(stored)/1e6, "MB-stored")
	b.ReportMetric(float64(raw)/sec, "lines/s")
	b.ReportMetric(sec, "s/day")
	if got := seriesSum(ds, "alb requests"); int64(got) < raw*9/10 {
		b.Fatalf("%d requests read of %d", got, raw)
	}
}

// processCPU is this process's CPU time, all threads.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
