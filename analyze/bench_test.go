package analyze

import (
	"fmt"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// BenchmarkRun analyses the nightly-backup scenario with extra noise
// series: 8 days at 1 minute per series.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			s, around := nightlyBackup()
			for i := range n {
				s.series(fmt.Sprintf("noise_%d", i), sources.Other, func(time.Time) float64 { return s.noise(1, 2) })
			}
			s.ds.Sort()
			points := 0
			for _, sr := range s.ds.Series {
				points += len(sr.Points)
			}
			for _, p := range s.ds.Probes {
				points += len(p.Beats)
			}
			o := Options{Window: sources.Window{From: around.Add(-2 * time.Hour), To: around.Add(time.Hour)},
				Calendar: DefaultCalendar(seoul)}
			b.ReportAllocs()
			for b.Loop() {
				Run(&s.ds, o)
			}
			b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "points/s")
		})
	}
}
