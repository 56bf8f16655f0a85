package victorialogs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/cputime"
	"github.com/hindsight-sre/hindsight/internal/vltest"
	"github.com/hindsight-sre/hindsight/sources"
)

// BenchmarkFetchBusyDay fetches a day of a busy web service's logs
// (vltest.BusyDay: nginx access lines and application lines, 500,000 in
// all, about 6 a second) from a real VictoriaLogs on this machine: the
// counts, every line streamed in pages, parsed and mined. The second case
// sets max_lines under the day, so that a sample of 100,000 is mined and
// the event lines are fetched whole.
func BenchmarkFetchBusyDay(b *testing.B) {
	srv := vltest.Start(b)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	const n = 500_000
	srv.Ingest(b, []string{"app"}, vltest.BusyDay(day, n))
	w := sources.Window{From: day, To: day.Add(24 * time.Hour)}
	for _, maxLines := range []int{DefaultMaxLines, 200_000} {
		b.Run(fmt.Sprintf("lines=%d/max_lines=%d", n, maxLines), func(b *testing.B) {
			s := mustNew(b, Config{URL: srv.URL, MaxLines: maxLines})
			var ds *sources.Dataset
			cpu0 := cputime.Process()
			for b.Loop() {
				var err error
				if ds, err = s.Fetch(context.Background(), w, time.Minute); err != nil {
					b.Fatal(err)
				}
			}
			mined := 0
			for _, p := range ds.Patterns {
				mined += p.Total()
			}
			if mined == 0 {
				b.Fatal("nothing mined")
			}
			b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "client_cpu_s/op")
			b.ReportMetric(float64(mined), "lines_mined")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "window_lines/s")
		})
	}
}
