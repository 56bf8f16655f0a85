package logs

import (
	"math"

	"github.com/DataDog/sketches-go/ddsketch"
	"github.com/DataDog/sketches-go/ddsketch/mapping"
	"github.com/DataDog/sketches-go/ddsketch/store"
)

// exactLatencies is how many request times a step keeps as they are:
// up to it, quantiles are exact; past it, a DDSketch (Masson, Rim, Lee,
// "DDSketch: a fast and fully-mergeable quantile sketch with
// relative-error guarantees", VLDB 2019) takes over with 1% relative
// error, so that memory per step stays bounded whatever the traffic.
// DDSketch rather than a t-digest: its error is relative to the value at
// every quantile (p99 of 2.0 s is within 20 ms), which is how latency is
// read, and it adds in constant time.
const exactLatencies = 256

// sketchAccuracy is the DDSketch relative accuracy.
const sketchAccuracy = 0.01

// latencies are one step's request times.
type latencies struct {
	exact  []float64
	sketch *ddsketch.DDSketch
	pos    *store.BufferedPaginatedStore // the sketch's store of positive values
	// bound splits exact: no value before it is above one after it
	// (0 when nothing is known). Quantiles select the ranks they read
	// instead of sorting: three quantiles of 200 values took a tenth of
	// BenchmarkFetchNginx sorted.
	bound int
}

// sketchMapping maps values to the sketch's bins. The cubically
// interpolated mapping computes a bin from the float's bits, without the
// logarithm of the default mapping, which took a fifth of the nginx
// benchmark's time; it keeps the 1% guarantee with a few more bins.
var sketchMapping = func() mapping.IndexMapping {
	m, err := mapping.NewCubicallyInterpolatedMapping(sketchAccuracy)
	if err != nil {
		panic(err)
	}
	return m
}()

// The store is the library's default (buffered, paginated): a step's
// sketch holds only the pages of bins its values fall in, so memory stays
// small and bounded by the range of request times, not their number.

func (l *latencies) add(v float64) {
	if l.sketch == nil {
		if len(l.exact) < exactLatencies {
			if len(l.exact) == cap(l.exact) {
				// 8, 64, then all: fewer allocations than doubling.
				l.exact = append(make([]float64, 0, max(min(8*cap(l.exact), exactLatencies), 8)), l.exact...)
			}
			l.exact = append(l.exact, v)
			l.bound = 0
			return
		}
		l.toSketch()
	}
	l.sketch.Add(v)
}

// toSketch moves the exact values into a new sketch.
func (l *latencies) toSketch() {
	l.pos = store.NewBufferedPaginatedStore()
	l.sketch = ddsketch.NewDDSketch(sketchMapping, l.pos, store.NewBufferedPaginatedStore())
	for _, x := range l.exact {
		l.sketch.Add(x)
	}
	l.exact = nil
}

// addCached is add with the sketch's bin of v taken from c: what
// DDSketch.Add does for a positive value, without computing the bin.
func (l *latencies) addCached(v float64, c *binCache) {
	if l.sketch != nil && v > minIndexable && v <= maxIndexable {
		l.pos.Add(c.index(v))
		return
	}
	l.add(v)
}

var (
	minIndexable = sketchMapping.MinIndexableValue()
	maxIndexable = sketchMapping.MaxIndexableValue()
)

// binCache remembers the sketch's bins of recent values: request times
// are written with a few digits, so that a day holds a few thousand
// distinct ones, and computing a bin was a tenth of BenchmarkFullFile.
// Two ways a set, so that two values of one set do not evict each other.
type binCache [1024][2]binEntry

type binEntry struct {
	bits uint64 // of the value; 0 (the value 0, never indexed) when empty
	bin  int
}

func (c *binCache) index(v float64) int {
	bits := math.Float64bits(v)
	set := &c[(bits*0x9e3779b97f4a7c15)>>54]
	if set[0].bits == bits {
		return set[0].bin
	}
	if set[1].bits == bits {
		return set[1].bin
	}
	set[1] = set[0]
	set[0] = binEntry{bits, sketchMapping.Index(v)}
	return set[0].bin
}

func (l *latencies) n() int {
	if l.sketch != nil {
		return int(l.sketch.GetCount())
	}
	return len(l.exact)
}

// quantile is exact (linear interpolation between ranks, as quantile of
// the sorted values) while the step holds few values, else the sketch's
// estimate.
func (l *latencies) quantile(q float64) float64 {
	if l.sketch != nil {
		v, err := l.sketch.GetValueAtQuantile(q)
		if err != nil {
			return math.NaN()
		}
		return v
	}
	n := len(l.exact)
	if n == 1 {
		return l.exact[0]
	}
	pos := q * float64(n-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, n-1)
	a, b := l.rank(lo), l.rank(hi)
	return a + (b-a)*(pos-float64(lo))
}

// rank returns the k-th smallest exact value (from 0), selecting it in
// the side of bound that holds it.
func (l *latencies) rank(k int) float64 {
	from, to := 0, len(l.exact)
	if k >= l.bound {
		from = l.bound
	} else {
		to = l.bound
	}
	selectRank(l.exact[from:to], k-from)
	l.bound = k + 1
	return l.exact[k]
}

// selectRank reorders x so that x[k] is the value sorting would put there,
// with no value before it larger and none after it smaller (quickselect).
// Each round partitions around a median of three in passes whose swaps do
// not depend on the comparison (a branch per value would be mispredicted
// half the time): first the values below the pivot to the front, then, if
// x[k] is not among them, the ones equal to it (request times repeat).
// Values are not NaN: the parsers give finite request times.
func selectRank(x []float64, k int) {
	lo, hi := 0, len(x)
	for hi-lo > 12 {
		a, b, c := x[lo], x[lo+(hi-lo)/2], x[hi-1]
		if a > b {
			a, b = b, a
		}
		pivot := max(a, min(b, c)) // the median of the three
		lt := lo + partition(x[lo:hi], pivot, 0)
		if k < lt {
			hi = lt
			continue
		}
		// The pivot is one of x[lt:hi]: le > lt, so the range shrinks.
		le := lt + partition(x[lt:hi], pivot, 1)
		if k < le {
			return // x[k] is the pivot
		}
		lo = le
	}
	for i := lo + 1; i < hi; i++ { // insertion sort of the rest
		for j := i; j > lo && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}

// partition moves the values of x below pivot (with eq 1, not above it)
// to its front and returns how many there are (Lomuto's scheme, every
// value swapped).
func partition(x []float64, pivot float64, eq int) int {
	n := 0
	for i, v := range x {
		x[i] = x[n]
		x[n] = v
		n += b2i(v < pivot) | eq&b2i(v == pivot)
	}
	return n
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// merge adds o's values.
func (l *latencies) merge(o *latencies) {
	if o.sketch == nil {
		for _, v := range o.exact {
			l.add(v)
		}
		return
	}
	if l.sketch == nil {
		l.toSketch()
	}
	l.sketch.MergeWith(o.sketch)
}
