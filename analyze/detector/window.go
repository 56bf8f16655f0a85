package detector

import (
	"math"
	"slices"
)

// window keeps the last n values in arrival order and sorted, so that a
// median costs nothing and adding a value costs one search and a shift of
// the values between the oldest value's place and the new one's. It is
// for short windows (the level's 24 values); the long record of errors is
// an ostat.
type window struct {
	ring   []float64
	sorted []float64
	head   int
	n      int
}

func newWindow(n int) *window {
	return &window{ring: make([]float64, 0, n), sorted: make([]float64, 0, n), n: n}
}

func (w *window) len() int { return len(w.sorted) }

// add puts v in, dropping the oldest value when full. v must not be NaN.
func (w *window) add(v float64) {
	if len(w.ring) < w.n {
		w.ring = append(w.ring, v)
		i := search(w.sorted, v)
		w.sorted = slices.Insert(w.sorted, i, v)
		return
	}
	old := w.ring[w.head]
	w.ring[w.head] = v
	w.head++
	if w.head == w.n {
		w.head = 0
	}
	// The old value's place is taken by v, which then moves to its own
	// place: one search, and a shift of only the values between the two.
	s := w.sorted
	i := search(s, old)
	if v > old {
		for i+1 < len(s) && s[i+1] < v {
			s[i] = s[i+1]
			i++
		}
	} else {
		for i > 0 && s[i-1] > v {
			s[i] = s[i-1]
			i--
		}
	}
	s[i] = v
}

// median of the values; NaN when empty. Halves are added, not the sum
// halved, so values near the largest float do not overflow.
func (w *window) median() float64 {
	s := w.sorted
	n := len(s)
	switch {
	case n == 0:
		return math.NaN()
	case n%2 == 1:
		return s[n/2]
	}
	return s[n/2-1]/2 + s[n/2]/2
}

// countGE is how many values are >= v.
func (w *window) countGE(v float64) int {
	i := search(w.sorted, v)
	return len(w.sorted) - i
}

// quantile by nearest rank, q in [0,1].
func (w *window) quantile(q float64) float64 {
	n := len(w.sorted)
	if n == 0 {
		return math.NaN()
	}
	k := int(math.Ceil(q*float64(n))) - 1
	return w.sorted[max(0, min(k, n-1))]
}

// search is the first index whose value is >= v (len(s) if none):
// slices.BinarySearch without its generic comparison, which took half of
// BenchmarkScore.
func search(s []float64, v float64) int {
	if len(s) <= 32 {
		// A short window (the level's) is scanned: no mispredicted
		// branches.
		n := 0
		for _, x := range s {
			if x < v {
				n++
			}
		}
		return n
	}
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// searchKey is the first index whose key is >= k (len(s) if none), keys
// below 2^63: a branch-free binary search, since the error record's values
// come in random order and a branching search mispredicts half its steps.
// The comparison is arithmetic: for keys below 2^63, s[i]-k is negative
// as an int64 exactly when s[i] < k, and its sign spread over the word is
// the mask that takes the step or not.
func searchKey(s []uint64, k uint64) int {
	n := len(s)
	if n == 0 {
		return 0
	}
	base := 0
	for n > 1 {
		half := n >> 1
		base += half & int(int64(s[base+half-1]-k)>>63)
		n -= half
	}
	if s[base] < k {
		base++
	}
	return base
}
