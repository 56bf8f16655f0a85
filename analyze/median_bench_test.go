package analyze

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/hindsight-sre/hindsight/internal/cputime"
)

// floydMedian is the median by Floyd-Rivest alone, as it was before
// bucketSelect: the benchmark's reference.
func floydMedian(xs []float64) float64 {
	n := len(xs)
	hi := selectK(xs, n/2)
	if n%2 == 1 {
		return hi
	}
	lo := xs[0]
	for _, v := range xs[1 : n/2] {
		lo = max(lo, v)
	}
	return (lo + hi) / 2
}

// BenchmarkMedian: the medians of a seasonal baseline (7 days × 31
// cells) and of a week's baseline at 1 minute, on noisy values. The
// inputs rotate over 257 sets, so that the branch predictor cannot learn
// one (on a single repeated input Floyd-Rivest looks 5 times faster than
// it is in BenchmarkRun).
func BenchmarkMedian(b *testing.B) {
	for _, n := range []int{64, 217, 10080} {
		rng := rand.New(rand.NewPCG(1, 2))
		const sets = 257
		xs := make([]float64, n*sets)
		for i := range xs {
			xs[i] = 1 + rng.Float64()
		}
		ys := make([]float64, n)
		for _, impl := range []struct {
			name string
			f    func([]float64) float64
		}{{"floyd-rivest", floydMedian}, {"median", median}} {
			b.Run(fmt.Sprintf("impl=%s/n=%d", impl.name, n), func(b *testing.B) {
				c0 := cputime.Process()
				i := 0
				for b.Loop() {
					i = (i + 1) % sets
					copy(ys, xs[i*n:(i+1)*n])
					impl.f(ys)
				}
				b.ReportMetric(float64(cputime.Process()-c0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
