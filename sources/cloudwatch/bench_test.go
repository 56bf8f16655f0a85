package cloudwatch

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/awsfake"
	"github.com/hindsight-sre/hindsight/sources"
)

// BenchmarkFetchDay reads a day of one preset's metrics at 1-minute
// periods, as a first run does: ListMetrics, then GetMetricData paged (at
// AWS's 100,800 datapoints a page), through the real SDK, SigV4 and RPC v2
// CBOR, from the in-process stand-in (whose aggregation and encoding are
// part of the figure). Each iteration is a new Source: nothing cached.
func BenchmarkFetchDay(b *testing.B) {
	for _, lbs := range []int{1, 20} {
		b.Run(fmt.Sprintf("preset=alb/lbs=%d", lbs), func(b *testing.B) {
			srv := awsfake.New(region, clock)
			defer srv.Close()
			srv.AddKey(testKey, testSecret, "", time.Time{})
			b.Setenv("AWS_ACCESS_KEY_ID", testKey)
			b.Setenv("AWS_SECRET_ACCESS_KEY", testSecret)
			b.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			b.Setenv("AWS_CONFIG_FILE", "/dev/null")
			b.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
			from := now.Add(-24 * time.Hour)
			for i := range lbs {
				dims := map[string]string{"LoadBalancer": fmt.Sprintf("app/shop-%d/50dc6c495c0c%04d", i, i)}
				for _, m := range []string{"TargetResponseTime", "RequestCount", "HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "TargetConnectionErrorCount"} {
					srv.AddMetric(&awsfake.Metric{Namespace: "AWS/ApplicationELB", Name: m, Dims: dims,
						Samples: minutes(from, now, func(j int, _ time.Time) float64 { return float64(j % 17) })})
				}
			}
			w := sources.Window{From: from, To: now}
			var points, series int
			b.ReportAllocs()
			for b.Loop() {
				src, err := New(Config{Name: "aws", Region: region, Endpoint: srv.URL, Presets: []string{"alb"}, Alarms: new(bool), Now: clock})
				if err != nil {
					b.Fatal(err)
				}
				ds, err := src.Fetch(context.Background(), w, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				series = len(ds.Series)
				points = 0
				for _, s := range ds.Series {
					points += len(s.Points)
				}
			}
			b.ReportMetric(float64(series), "series")
			b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
		})
	}
}
