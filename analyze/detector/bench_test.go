package detector

import (
	"math"
	"math/rand/v2"
	"testing"
)

// BenchmarkScore: a million rows of a noisy daily cycle at one a minute,
// the size `hindsight detect` must score in a second.
func BenchmarkScore(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	t, v := series(1_000_000, func(i int) float64 {
		return 100 + 10*math.Sin(2*math.Pi*float64(i)/1440) + rng.NormFloat64()
	})
	for b.Loop() {
		Score(Config{}, t, v)
	}
	b.ReportMetric(float64(len(t))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
