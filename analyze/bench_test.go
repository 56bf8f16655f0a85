package analyze

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/cputime"
	"github.com/hindsight-sre/hindsight/sources"
)

// BenchmarkRun analyses n series of 7 days at 1 minute (10,080 points
// each) plus two probes, for a 3-hour incident window at the end: the
// issue's target is 2,000 series in 2 s on 2 cores.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{100, 2000} {
		b.Run(fmt.Sprintf("series=%d", n), func(b *testing.B) {
			s, around := nightlyBackup()
			end := around.Add(time.Hour)
			from := end.Add(-7 * 24 * time.Hour)
			rng := rand.New(rand.NewPCG(9, 9))
			for i := range n {
				sr := sources.Series{Source: "bench", Name: fmt.Sprintf("noise_%d", i), Role: sources.Role(i % 5)}
				sr.Points = make([]sources.Point, 0, 10080)
				for t := from; t.Before(end); t = t.Add(time.Minute) {
					sr.Points = append(sr.Points, sources.Point{T: t, V: 1 + rng.Float64()})
				}
				s.ds.Series = append(s.ds.Series, sr)
			}
			s.ds.Sort()
			o := Options{Window: sources.Window{From: around.Add(-2 * time.Hour), To: end},
				Calendar: DefaultCalendar(seoul)}
			b.ReportAllocs()
			cpu0 := cputime.Process()
			for b.Loop() {
				Run(&s.ds, o)
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "series/s")
			// CPU seconds per run, all threads: on a shared machine the
			// wall time says more about the neighbours than about the
			// code; on 2 free cores the wall time is about half of it.
			b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
