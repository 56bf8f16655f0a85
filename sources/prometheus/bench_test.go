package prometheus

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/prometheus/internal/fixture"
)

// BenchmarkFetch fetches 7 days × 500 series at a 1-minute step (5 M
// points) from the local real Prometheus. TestMain backfills the data only
// when -bench is given. Figures and the command: BENCHMARKS.md.
func BenchmarkFetch(b *testing.B) {
	bs := mustBackends(b)
	if !benchLoaded {
		b.Fatal("benchmark data not loaded")
	}
	w := sources.Window{From: fixture.BenchEnd.Add(-fixture.BenchDays * 24 * time.Hour), To: fixture.BenchEnd}
	for _, conc := range []int{1, 4} {
		b.Run(fmt.Sprintf("backend=%s/days=%d/series=%d/concurrency=%d", bs[0].name, fixture.BenchDays, fixture.BenchHosts, conc), func(b *testing.B) {
			s := mustNew(b, Config{Name: "bench", URL: bs[0].url, MaxConcurrency: conc, Probes: new(false), Node: new(false), Alerts: new(false),
				Queries: []Query{{Name: "busy", Expr: fixture.BenchMetric, Role: "saturation"}}})
			b.ReportAllocs()
			var series, points int
			for b.Loop() {
				ds, err := s.Fetch(context.Background(), w, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				series, points = len(ds.Series), 0
				for _, s := range ds.Series {
					points += len(s.Points)
				}
			}
			if series != fixture.BenchHosts || points != fixture.BenchHosts*fixture.BenchDays*24*60 {
				b.Fatalf("%d series, %d points; want %d, %d", series, points, fixture.BenchHosts, fixture.BenchHosts*fixture.BenchDays*24*60)
			}
			b.ReportMetric(float64(series)*float64(b.N)/b.Elapsed().Seconds(), "series/s")
			b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
		})
	}
}
