package logs

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// TestLatencyQuantiles: exact up to exactLatencies values a step, within
// the sketch's 1% relative error past it.
func TestLatencyQuantiles(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 7, exactLatencies, 10_000} {
		var l latencies
		vals := make([]float64, n)
		for i := range vals {
			vals[i] = math.Round(r.ExpFloat64()*0.2*1000) / 1000 // ms resolution, as nginx logs
			l.add(vals[i])
		}
		sort.Float64s(vals)
		for _, q := range []float64{0.5, 0.95, 0.99} {
			want, got := quantile(vals, q), l.quantile(q)
			tol := 1e-12
			if n > exactLatencies {
				// DDSketch's rank is not interpolated: compare with
				// the values around the rank, with 1% relative error.
				lo, hi := vals[int(q*float64(n-1))], vals[min(int(q*float64(n-1))+1, n-1)]
				if got < lo*0.99-1e-9 || got > hi*1.01+1e-9 {
					t.Errorf("n=%d q=%v: %v outside [%v, %v] ±1%%", n, q, got, lo, hi)
				}
				continue
			}
			if math.Abs(got-want) > tol {
				t.Errorf("n=%d q=%v: %v, want exactly %v", n, q, got, want)
			}
		}
		if l.n() != n {
			t.Errorf("n() = %d, want %d", l.n(), n)
		}
	}
}

// addCached gives the sketch add gives: the same quantiles, counts and
// merges, for values the bin cache has seen and not, zeros and values
// it cannot index among them.
func TestLatencyBinCache(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var c binCache
	var a, b, a2, b2 latencies
	for i := range 20_000 {
		v := math.Round(r.ExpFloat64()*0.3*1000) / 1000
		switch i % 97 {
		case 0:
			v = 0
		case 1:
			v = r.Float64() * 1e-3
		case 2:
			v = math.MaxFloat64
		}
		a.add(v)
		b.addCached(v, &c)
		if i%3 == 0 {
			a2.add(v)
			b2.addCached(v, &c)
		}
	}
	a.merge(&a2)
	b.merge(&b2)
	for _, q := range []float64{0, 0.01, 0.5, 0.95, 0.99, 1} {
		if x, y := a.quantile(q), b.quantile(q); x != y {
			t.Errorf("q=%v: %v with the cache, %v without", q, y, x)
		}
	}
	if a.n() != b.n() {
		t.Errorf("n %d with the cache, %d without", b.n(), a.n())
	}
}

// Quantiles read from selected ranks are those of the sorted values, in
// any order of asking, with values added between.
func TestLatencySelect(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		var l latencies
		n := 1 + r.IntN(exactLatencies)
		distinct := 1 + r.IntN(50)
		var vals []float64
		for range n {
			v := float64(r.IntN(distinct)) / 1000
			vals = append(vals, v)
			l.add(v)
		}
		for range 6 {
			q := []float64{0, 0.5, 0.95, 0.99, 1, r.Float64()}[r.IntN(6)]
			sorted := slices.Sorted(slices.Values(vals))
			if got, want := l.quantile(q), quantile(sorted, q); got != want {
				t.Fatalf("n=%d q=%v: %v, want %v", len(vals), q, got, want)
			}
			if r.IntN(3) == 0 && l.n() < exactLatencies {
				v := float64(r.IntN(distinct)) / 1000
				vals = append(vals, v)
				l.add(v)
			}
		}
	}
}

// TestPendingLatencies: request times counted by bin and added to the
// sketch when the step changes give the sketch what adding them one by
// one gives: the same count and quantiles, values far apart included.
func TestPendingLatencies(t *testing.T) {
	s := &accessAdder{}
	var got, want [3]latencies
	for i := range 30_000 {
		v := float64(i%997+1) / 1000 // 1 ms .. 997 ms
		switch i % 50 {
		case 7:
			v = 1e-6 * float64(i%13+1) // far below the others
		case 11:
			v = 3000 + float64(i%5) // far above
		case 13:
			v = 0
		}
		k := i / 700 % 3 // steps change now and then
		if i%9 == 0 {
			k = (k + 1) % 3 // and sometimes line by line
		}
		s.latency(&got[k], v)
		want[k].add(v)
	}
	s.flushLatencies()
	for k := range got {
		if got[k].n() != want[k].n() {
			t.Fatalf("step %d: %d values, want %d", k, got[k].n(), want[k].n())
		}
		for _, q := range []float64{0, 0.01, 0.5, 0.9, 0.95, 0.99, 1} {
			if g, w := got[k].quantile(q), want[k].quantile(q); g != w {
				t.Errorf("step %d, q %v: %v, want %v", k, q, g, w)
			}
		}
	}
}

// TestSelectRank: selectRank puts at k what sorting would, with nothing
// larger before and nothing smaller after, on values that repeat a lot,
// a little, or not at all.
func TestSelectRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 13, 14, 100, 255, 1000} {
		for _, distinct := range []int{1, 3, 50, 1 << 30} {
			for range 20 {
				x := make([]float64, n)
				for i := range x {
					x[i] = float64(rng.IntN(distinct)) / 1000
				}
				sorted := slices.Sorted(slices.Values(x))
				k := rng.IntN(n)
				selectRank(x, k)
				if x[k] != sorted[k] {
					t.Fatalf("n=%d distinct=%d k=%d: got %v, want %v", n, distinct, k, x[k], sorted[k])
				}
				for i := range x {
					if i < k && x[i] > x[k] || i > k && x[i] < x[k] {
						t.Fatalf("n=%d distinct=%d k=%d: x[%d]=%v on the wrong side of %v", n, distinct, k, i, x[i], x[k])
					}
				}
				if !slices.Equal(slices.Sorted(slices.Values(x)), sorted) {
					t.Fatalf("n=%d: values changed", n)
				}
			}
		}
	}
}

// BenchmarkSelectRank: the p50, p95 and p99 of 1,440 steps of 210 request
// times each (millisecond times that repeat), as the exact quantiles of a
// day's steps are found.
func BenchmarkSelectRank(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	steps := make([][]float64, 1440)
	for i := range steps {
		steps[i] = make([]float64, 210)
		for j := range steps[i] {
			steps[i][j] = float64(rng.IntN(400)+rng.IntN(50)*rng.IntN(2)) / 1000
		}
	}
	work := make([]float64, 210)
	for b.Loop() {
		for _, s := range steps {
			copy(work, s)
			for _, q := range []float64{0.5, 0.95, 0.99} {
				selectRank(work, int(q*float64(len(work)-1)))
			}
		}
	}
	b.ReportMetric(float64(b.N)*1440*210/b.Elapsed().Seconds()/1e6, "Mvalues/s")
}
