package zscore

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// median by sorting: the plain reference the detector's windows are checked against.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func bruteMedMAD(xs []float64) (float64, float64) {
	s := slices.Clone(xs)
	med := median(s)
	for i := range s {
		s[i] = math.Abs(xs[i] - med)
	}
	return med, median(s)
}

func TestDetectorMedianAndMADMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, w := range []int{1, 2, 3, 7, 50, 101} {
		d := NewDetector(DetectOptions{Window: w, Warmup: 1})
		var hist []float64
		for i := range 400 {
			v := math.Round(rng.NormFloat64()*10) / 2 // ties on purpose
			d.Push(v)
			hist = append(hist, v)
			win := hist[max(0, len(hist)-w):]
			d.refresh()
			med, mad := bruteMedMAD(win)
			if d.med != med || d.mad != mad {
				t.Fatalf("window %d step %d: med/mad %v/%v, want %v/%v (window %v)", w, i, d.med, d.mad, med, mad, win)
			}
		}
	}
}

func TestDetectorIsCausal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	xs := make([]float64, 2000)
	for i := range xs {
		xs[i] = 10 + rng.NormFloat64()
	}
	score := func(xs []float64) []float64 {
		d := NewDetector(DetectOptions{Window: 300})
		out := make([]float64, len(xs))
		for i, v := range xs {
			out[i] = d.Push(v)
		}
		return out
	}
	a := score(xs)
	ys := slices.Clone(xs)
	for i := 1000; i < len(ys); i++ {
		ys[i] = 1e6 // the future changes completely
	}
	b := score(ys)
	if !slices.Equal(a[:1000], b[:1000]) {
		t.Error("a row's score depends on later rows")
	}
	if b[1000] < 0.99 {
		t.Errorf("a jump of 10^6 scored %.3f", b[1000])
	}
}

func TestDetectorEdgeCases(t *testing.T) {
	d := NewDetector(DetectOptions{Window: 100, Warmup: 5})
	for range 50 {
		if s := d.Push(7); s != 0 {
			t.Fatalf("a constant series scored %v", s)
		}
	}
	if s := d.Push(7.1); s > 0.01 {
		t.Errorf("a 1.4%% wobble on a constant series scored %.3f", s)
	}
	if s := d.Push(70); s < 0.9 {
		t.Errorf("10x a constant scored %.3f", s)
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if s := d.Push(v); s != 0 {
			t.Errorf("Push(%v) = %v, want 0", v, s)
		}
	}
	two := NewDetector(DetectOptions{})
	if two.Push(1) != 0 || two.Push(2) != 0 {
		t.Error("scores during warm-up")
	}
}

func TestIntervals(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var ts []time.Time
	for i := range 10 {
		ts = append(ts, t0.Add(time.Duration(i)*time.Minute))
	}
	scores := []float64{0, 0.9, 0.6, 0, 0, 0.7, 0, 0, 0, 0.8}
	vals := []float64{1, 9, 6, 1, 1, 7, 1, 1, 1, 8}
	got := Intervals(ts, vals, scores, 0.5, 2)
	if len(got) != 2 || got[0].FirstRow != 2 || got[0].LastRow != 6 || got[0].PeakValue != 9 || got[1].FirstRow != 10 {
		t.Errorf("intervals %+v", got)
	}
}

// BenchmarkDetect scores a million values: the figure behind `hindsight
// detect`'s speed.
func BenchmarkDetect(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	xs := make([]float64, 1_000_000)
	for i := range xs {
		xs[i] = 10 + rng.NormFloat64()
	}
	b.ReportAllocs()
	for b.Loop() {
		d := NewDetector(DetectOptions{})
		for _, v := range xs {
			d.Push(v)
		}
	}
	b.ReportMetric(float64(len(xs))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
