package detector

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// naive is the reference: the last cap values kept as one sorted slice
// (the structure ostat replaced), every question answered by a scan.
type naive struct {
	ring   []float64
	sorted []float64
	cap    int
}

func (w *naive) add(v float64) {
	w.ring = append(w.ring, v)
	if len(w.ring) > w.cap {
		old := w.ring[0]
		w.ring = w.ring[1:]
		i, _ := slices.BinarySearch(w.sorted, old)
		w.sorted = slices.Delete(w.sorted, i, i+1)
	}
	i, _ := slices.BinarySearch(w.sorted, v)
	w.sorted = slices.Insert(w.sorted, i, v)
}

func (w *naive) countGE(v float64) int {
	c := 0
	for _, x := range w.sorted {
		if x >= v {
			c++
		}
	}
	return c
}

// naivePvalue is pvalue as it was written over the flat sorted window.
func naivePvalue(w *naive, a float64) float64 {
	n := len(w.sorted)
	c := w.countGE(a)
	conf := float64(c+1) / float64(n+1)
	if n < 2 {
		return conf
	}
	u := w.sorted[(n*9)/10]
	if a <= u {
		return conf
	}
	j := w.countGE(math.Nextafter(u, math.Inf(1)))
	if j == 0 {
		return 0
	}
	me := func(xs []float64, u float64) float64 {
		m := 0.0
		for _, x := range xs {
			m += (x/2 - u/2) * 2 / float64(len(xs))
		}
		return m
	}
	beta := me(w.sorted[n-j:], u)
	if n >= 1000 {
		u2 := w.sorted[(n*99)/100]
		if j2 := w.countGE(math.Nextafter(u2, math.Inf(1))); j2 > 0 && a > u2 {
			if b2 := me(w.sorted[n-j2:], u2); b2 > beta {
				u, j, beta = u2, j2, b2
			}
		}
	}
	p := float64(j) / float64(n+1) * math.Exp(-(a/2-u/2)*2/beta)
	if p != p {
		return 0
	}
	return math.Min(p, conf)
}

// TestOstatAgainstNaive: ranks, order statistics, tail means and the
// p-value agree with the flat sorted window on continuous values, counts
// (many equal values), values near the largest float, and a capacity
// raised while filling.
func TestOstatAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	gens := map[string]func() float64{
		"normal": func() float64 { return math.Abs(rng.NormFloat64()) },
		"counts": func() float64 { return float64(rng.IntN(4) * rng.IntN(2)) },
		"huge":   func() float64 { return math.MaxFloat64 * rng.Float64() },
		"heavy":  func() float64 { return math.Exp(3 * rng.NormFloat64()) },
	}
	for name, gen := range gens {
		for _, cp := range []int{1, 7, 200, 1000, 3000} {
			o, w := newOstat(cp), &naive{cap: cp}
			for i := range 6000 {
				if i == 500 && cp == 1000 {
					o.grow(2500)
					w.cap = 2500
				}
				v := gen()
				o.add(v)
				w.add(v)
				n := len(w.sorted)
				if o.len() != n {
					t.Fatalf("%s/%d row %d: len %d, want %d", name, cp, i, o.len(), n)
				}
				q := gen()
				if got, want := o.countGE(q), w.countGE(q); got != want {
					t.Fatalf("%s/%d row %d: countGE(%g) = %d, want %d", name, cp, i, q, got, want)
				}
				k := rng.IntN(n)
				if got, want := o.at(k), w.sorted[k]; got != want {
					t.Fatalf("%s/%d row %d: at(%d) = %g, want %g", name, cp, i, k, got, want)
				}
				got, want := pvalue(o, q), naivePvalue(w, q)
				if math.Abs(got-want) > 1e-9*want {
					t.Fatalf("%s/%d row %d: pvalue(%g) = %g, want %g", name, cp, i, q, got, want)
				}
			}
		}
	}
}

// TestHistoryIsAWeek: with the default, the errors kept are a week of
// rows at the series' step (bounded), so the record spans every hour of
// every weekday.
func TestHistoryIsAWeek(t *testing.T) {
	for step, want := range map[int64]int{minute: 10080, 5 * minute: 2016, 60 * minute: minHistory, minute / 60: maxHistory} {
		d := New(Config{})
		for i := range 50 {
			d.Push(int64(i)*step, float64(i%3))
		}
		if d.j.errs.cap != want {
			t.Errorf("step %v: history %d, want %d", step, d.j.errs.cap, want)
		}
	}
}

// TestScoreInTwoHalves: Score on a long series (its two halves on two
// goroutines) gives exactly what Push gives row by row, repeated times
// merged.
func TestScoreInTwoHalves(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	n := 3 * parallelRows
	ts, v := series(n, func(i int) float64 { return 100 + 10*math.Sin(float64(i)/300) + math.Exp(rng.NormFloat64()) })
	for i := 1000; i < n; i += 997 {
		ts[i] = ts[i-1] // a repeated time
	}
	got := Score(Config{}, ts, v)
	d := New(Config{})
	for i := 0; i < n; {
		j := nextTime(ts, i)
		r := d.Push(ts[i], Merged(v[i:j]))
		for k := i; k < j; k++ {
			if got[k] != r {
				t.Fatalf("row %d: Score %+v, Push %+v", k, got[k], r)
			}
		}
		i = j
	}
}
