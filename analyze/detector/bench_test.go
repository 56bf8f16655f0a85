package detector

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hindsight-sre/hindsight/internal/cputime"
)

// BenchmarkScore: a million rows of a noisy daily cycle at one a minute,
// the size `hindsight detect` must score in a second; with the default
// history (a week of rows, 10,080) and with the 1,000 rows kept before.
func BenchmarkScore(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	t, v := series(1_000_000, func(i int) float64 {
		return 100 + 10*math.Sin(2*math.Pi*float64(i)/1440) + rng.NormFloat64()
	})
	for _, h := range []int{0, 1000} {
		name := "history=week"
		if h > 0 {
			name = "history=1000"
		}
		b.Run(name, func(b *testing.B) {
			cpu0 := cputime.Process()
			for b.Loop() {
				Score(Config{History: h}, t, v)
			}
			b.ReportMetric(float64(len(t))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			// CPU time (user + system, all threads) per run: the wall
			// time says little on a shared machine, and Score runs on two
			// goroutines, so on two free cores the wall time is below it.
			b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
