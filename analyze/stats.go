package analyze

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// madScale makes the MAD a consistent estimator of the standard deviation
// for normal data (Rousseeuw & Croux 1993).
const madScale = 1.4826

// grid is a series resampled to a regular step: cell i covers
// [t0+i*step, t0+(i+1)*step). Only runs of cells near data are stored, so
// that memory follows the data and not the window's length (issue 19: a
// 10-year window over 9 days of data keeps 9 days of cells); every other
// cell holds empty (NaN for values: no sample; 0 for log line counts).
type grid struct {
	t0    time.Time
	step  time.Duration
	n     int // cells in the whole grid
	empty float64
	// runs are the stored stretches, by start, disjoint and separated by
	// at least splitGap empty cells.
	runs []run
}

// run is the stored cells [a, a+len(v)) of a grid.
type run struct {
	a int
	v []float64
}

func (r *run) end() int { return r.a + len(r.v) }

// splitGap: stored cells are split into a new run where data is this many
// cells apart. A stored empty cell costs 8 bytes and a run about 32, so
// within a run at most 64 cells are kept per data cell (memory stays
// proportional to the data), while a series sampled up to hourly on a
// 1-minute grid stays one run (lookups stay one comparison).
const splitGap = 64

// newGrid is a grid of n cells with nothing stored (every cell NaN).
func newGrid(t0 time.Time, step time.Duration, n int) *grid {
	return &grid{t0: t0, step: step, n: n, empty: math.NaN()}
}

// denseGrid stores vals as one run from cell 0.
func denseGrid(t0 time.Time, step time.Duration, vals []float64) *grid {
	g := newGrid(t0, step, len(vals))
	if len(vals) > 0 {
		g.runs = []run{{a: 0, v: vals}}
	}
	return g
}

// find is the index of the run that stores cell i, or -1.
func (g *grid) find(i int) int {
	rs := g.runs
	if len(rs) <= 8 {
		for k := range rs {
			if i < rs[k].a {
				return -1
			}
			if i < rs[k].end() {
				return k
			}
		}
		return -1
	}
	// The first run that ends after i.
	lo, hi := 0, len(rs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].end() <= i {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(rs) && i >= rs[lo].a {
		return lo
	}
	return -1
}

// at is cell i's value (empty where nothing is stored).
func (g *grid) at(i int) float64 {
	if k := g.find(i); k >= 0 {
		return g.runs[k].v[i-g.runs[k].a]
	}
	return g.empty
}

// appendValid appends the non-NaN values of cells [from, to) to buf, in
// cell order.
func (g *grid) appendValid(buf []float64, from, to int) []float64 {
	for k := range g.runs {
		r := &g.runs[k]
		if r.a >= to {
			break
		}
		lo, hi := max(from, r.a), min(to, r.end())
		if lo >= hi {
			continue
		}
		for _, v := range r.v[lo-r.a : hi-r.a] {
			if !math.IsNaN(v) {
				buf = append(buf, v)
			}
		}
	}
	return buf
}

// layout stores runs over the given data cells (sorted, distinct, each in
// [0, g.n)), every stored cell set to g.empty, in one backing array.
func (g *grid) layout(cells []int) {
	g.runs = g.runs[:0]
	if len(cells) == 0 {
		return
	}
	total, nruns := 0, 0
	start := cells[0]
	for k := 1; k <= len(cells); k++ {
		if k == len(cells) || cells[k]-cells[k-1] >= splitGap {
			total += cells[k-1] + 1 - start
			nruns++
			if k < len(cells) {
				start = cells[k]
			}
		}
	}
	back := make([]float64, total)
	for i := range back {
		back[i] = g.empty
	}
	g.runs = make([]run, 0, nruns)
	start = cells[0]
	for k := 1; k <= len(cells); k++ {
		if k == len(cells) || cells[k]-cells[k-1] >= splitGap {
			m := cells[k-1] + 1 - start
			g.runs = append(g.runs, run{a: start, v: back[:m:m]})
			back = back[m:]
			if k < len(cells) {
				start = cells[k]
			}
		}
	}
}

// stored is the number of stored cells.
func (g *grid) stored() int {
	n := 0
	for _, r := range g.runs {
		n += len(r.v)
	}
	return n
}

func (g *grid) index(t time.Time) int {
	return int(t.Sub(g.t0) / g.step)
}

func (g *grid) time(i int) time.Time { return g.t0.Add(time.Duration(i) * g.step) }

// clampRange returns the indexes [a, b) of the cells that overlap [from, to).
func (g *grid) clampRange(from, to time.Time) (int, int) {
	a := 0
	if from.After(g.t0) {
		a = int(from.Sub(g.t0) / g.step)
	}
	b := 0
	if to.After(g.t0) {
		b = int((to.Sub(g.t0) + g.step - 1) / g.step)
	}
	return min(a, g.n), min(b, g.n)
}

// clock turns times into nanoseconds since a grid's origin with integer
// arithmetic: time.Time's Sub and Before were a fifth of building the
// signals (BenchmarkRun). Times further than lim seconds from the origin
// are only said to be before or after it, so nothing overflows.
type clock struct {
	sec  int64 // origin, Unix seconds
	nsec int64 // and nanoseconds within that second
	lim  int64 // seconds past the origin that may be told exactly
}

func newClock(t0 time.Time, span time.Duration) clock {
	return clock{sec: t0.Unix(), nsec: int64(t0.Nanosecond()), lim: min(int64(span/time.Second)+2, 9e9)}
}

// since is t - origin in nanoseconds: negative before the origin, and
// math.MaxInt64 past lim seconds after it.
func (c clock) since(t time.Time) int64 {
	s := t.Unix() - c.sec
	switch {
	case s < -1:
		return -1
	case s > c.lim:
		return math.MaxInt64
	}
	return s*1e9 + int64(t.Nanosecond()) - c.nsec
}

// scratch is one worker's reusable buffers for building signals.
type scratch struct {
	cells []int     // a point's cell, -1 when it is left out
	uniq  []int     // distinct data cells
	cnt   []int32   // samples per stored cell
	vals  []float64 // values for medians
}

// fillMean averages points into g, storing cells only where points fall
// (g must have nothing stored yet). Cells and sums are worked out in
// integers and in the points' order, so each cell's mean is the same to
// the bit as summing the points in order.
func fillMean(g *grid, pts []sources.Point, sc *scratch) {
	c := newClock(g.t0, time.Duration(g.n)*g.step)
	step := int64(g.step)
	cells := sc.cells[:0]
	sorted := true
	last := -1
	for _, p := range pts {
		d := c.since(p.T)
		i := -1
		if d >= 0 && d/step < int64(g.n) && !math.IsNaN(p.V) && !math.IsInf(p.V, 0) {
			i = int(d / step)
			if i < last {
				sorted = false
			}
			last = i
		}
		cells = append(cells, i)
	}
	sc.cells = cells
	uniq := sc.uniq[:0]
	for _, i := range cells {
		if i >= 0 && (len(uniq) == 0 || uniq[len(uniq)-1] != i) {
			uniq = append(uniq, i)
		}
	}
	if !sorted {
		slices.Sort(uniq)
		uniq = slices.Compact(uniq)
	}
	sc.uniq = uniq
	g.layout(uniq)
	if sorted {
		// In time order: a cell's points are consecutive.
		r := 0 // run of the current cell
		cur, sum, n := -1, 0.0, 0
		flush := func() {
			if n > 0 {
				v := sum
				if n > 1 {
					v /= float64(n)
				}
				g.runs[r].v[cur-g.runs[r].a] = v
			}
		}
		for j, i := range cells {
			if i < 0 {
				continue
			}
			if i != cur {
				flush()
				for i >= g.runs[r].end() {
					r++
				}
				cur, sum, n = i, 0, 0
			}
			sum += pts[j].V
			n++
		}
		flush()
		return
	}
	// Out of order: count each cell's samples, indexed by the cell's
	// position in the runs' order.
	total := g.stored()
	cnt := slices.Grow(sc.cnt[:0], total)[:total]
	clear(cnt)
	sc.cnt = cnt
	offs := make([]int, len(g.runs))
	for k := 1; k < len(g.runs); k++ {
		offs[k] = offs[k-1] + len(g.runs[k-1].v)
	}
	for j, i := range cells {
		if i < 0 {
			continue
		}
		k := g.find(i)
		r := &g.runs[k]
		off := offs[k] + i - r.a
		if cnt[off] == 0 {
			r.v[i-r.a] = 0
		}
		r.v[i-r.a] += pts[j].V
		cnt[off]++
	}
	off := 0
	for k := range g.runs {
		for x := range g.runs[k].v {
			if c := cnt[off+x]; c > 1 {
				g.runs[k].v[x] /= float64(c)
			}
		}
		off += len(g.runs[k].v)
	}
}

// robust holds the median and scaled MAD of a baseline.
type robust struct {
	median, scale float64
	n             int
	// floor is set for sparse series (MAD zero: mostly one value, such as
	// an error rate that is usually 0): a value must also exceed the
	// baseline's 99.9th percentile, so that the one error a day it always
	// had is not an anomaly.
	floor  float64
	sparse bool
}

// robustStats computes median and MAD over the non-NaN values. When the
// MAD is zero (a constant or near-constant series) the scale falls back to
// 5% of the median, or 1e-9, so that a constant series does not turn every
// small change into an infinite score.
func robustStats(vals []float64) robust {
	xs := make([]float64, 0, len(vals))
	for _, v := range vals {
		if !math.IsNaN(v) {
			xs = append(xs, v)
		}
	}
	return robustOf(xs)
}

// robustOf is robustStats over xs, which holds no NaN and is reordered.
func robustOf(xs []float64) robust {
	if len(xs) == 0 {
		return robust{median: math.NaN()}
	}
	med := median(xs)
	for i, v := range xs {
		xs[i] = math.Abs(v - med)
	}
	mad := median(xs)
	r := robust{median: med, scale: madScale * mad, n: len(xs)}
	if mad == 0 {
		r.sparse = true
		// xs holds |v - med|: its 99.9th percentile above the median.
		k := max(0, min(len(xs)-1, int(math.Ceil(0.999*float64(len(xs))))-1))
		if len(xs) >= bucketMin {
			_, q := bucketSelect(xs, k, false)
			r.floor = med + q
		} else {
			r.floor = med + selectK(xs, k)
		}
	}
	if lo := math.Max(math.Abs(med)*0.05, 1e-9); r.scale < lo {
		r.scale = lo
	}
	return r
}

// maxZ caps scores: past it a value is simply far outside its usual range
// (a series that is always 0 and then is not), and a z of 10^8 would only
// mislead.
const maxZ = 1000

func (r robust) z(v float64) float64 {
	// Comparisons, not math.Max and math.Min (not inlined; a tenth of
	// BenchmarkRun): the same result, NaN included.
	z := (v - r.median) / r.scale
	if z > maxZ {
		return maxZ
	}
	if z < -maxZ {
		return -maxZ
	}
	return z
}

// zText says a z-score for a sentence.
func zText(z float64) string {
	if math.Abs(z) >= maxZ {
		return "far outside its usual range"
	}
	return fmt.Sprintf("robust z %.0f", z)
}

// median returns the median of xs, reordering xs. A selection, not a
// sort: BenchmarkRun spent two thirds of its time sorting for medians.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	if n >= bucketMin {
		lo, hi := bucketSelect(xs, n/2, n%2 == 0)
		if n%2 == 1 {
			return hi
		}
		return (lo + hi) / 2
	}
	hi := selectK(xs, n/2)
	if n%2 == 1 {
		return hi
	}
	// After selectK, xs[:n/2] holds the smaller half: its maximum is the
	// lower middle value. Compared by hand, as math.Max would (a zero
	// is +0 if either is), but inlined.
	lo := xs[0]
	for _, v := range xs[1 : n/2] {
		if v > lo || v == 0 && lo == 0 && math.Signbit(lo) {
			lo = v
		}
	}
	return (lo + hi) / 2
}

// bucketMin: from this many values on, medians narrow by buckets
// (bucketSelect) before selecting.
const bucketMin = 64

// bucketSelect returns the k-th smallest value of xs (0-based) and, when
// prev is set and k > 0, the (k-1)-th (else NaN). xs holds no NaN and is
// reordered. The values are counted into equal-width buckets between
// their minimum and maximum; the bucket holding the k-th value is moved
// to the front and narrowed the same way until a few values are left,
// which Floyd-Rivest selects from. A bucket is a monotone function of the
// value (a subtraction, a product and a truncation, each rounding
// monotonically), so whatever the rounding no value of a lower bucket is
// above one of a higher bucket and the answer is exactly the k-th value.
// Counting has no data-dependent branch: on a week of 1-minute values it
// takes about a fifth of Floyd-Rivest's time, whose partitioning
// mispredicts about one comparison in two on noisy data (BenchmarkRun
// spent a third of its time there).
func bucketSelect(xs []float64, k int, prev bool) (lo, hi float64) {
	lo = math.NaN()
	var cnt [1024]int32
	for rounds := 0; len(xs) >= bucketMin && rounds < 4; rounds++ {
		mn, mx := xs[0], xs[0]
		for _, v := range xs {
			// Branches, not min and max (which order zeros and NaN,
			// slower): a new extreme is rare after the first values.
			if v < mn {
				mn = v
			}
			if v > mx {
				mx = v
			}
		}
		if mn == mx {
			if prev && k > 0 {
				lo = mn
			}
			return lo, mn
		}
		nb := min(len(cnt), max(16, len(xs)/8))
		scale := float64(nb) / (mx - mn)
		if math.IsInf(mx-mn, 0) || math.IsInf(scale, 0) {
			break // the range does not divide: select directly
		}
		last := nb - 1
		c := cnt[:nb]
		clear(c)
		for _, v := range xs {
			c[min(int((v-mn)*scale), last)]++
		}
		b, below := 0, 0
		for below+int(c[b]) <= k {
			below += int(c[b])
			b++
		}
		if prev && k == below && k > 0 {
			// The value before the k-th is the largest of the lower
			// buckets; none is needed past this point.
			lo = math.Inf(-1)
			for _, v := range xs {
				if min(int((v-mn)*scale), last) < b {
					lo = max(lo, v)
				}
			}
			prev = false
		}
		w := 0
		for i, v := range xs {
			if min(int((v-mn)*scale), last) == b {
				xs[w], xs[i] = v, xs[w]
				w++
			}
		}
		xs, k = xs[:w], k-below
	}
	hi = selectK(xs, k)
	if prev && k > 0 {
		lo = xs[0]
		for _, v := range xs[1:k] {
			lo = max(lo, v)
		}
	}
	return lo, hi
}

// selectK reorders xs so that xs[k] is the k-th smallest value (0-based),
// with nothing larger before it and nothing smaller after it, and returns
// it. xs holds no NaN. Floyd and Rivest's SELECT (CACM 18(3), 1975,
// algorithm 489): on large ranges it first selects within a small sample
// around the expected position, so that the pivot lands next to k and
// the range shrinks to a few percent in one pass; about 1.5 n comparisons
// for a median where quickselect takes about 3 n (a third of
// BenchmarkRun's time was medians).
func selectK(xs []float64, k int) float64 {
	floydRivest(xs, 0, len(xs)-1, k)
	return xs[k]
}

func floydRivest(xs []float64, left, right, k int) {
	for right > left {
		if right-left < 16 {
			// Insertion sort finishes small ranges faster.
			for i := left + 1; i <= right; i++ {
				for j := i; j > left && xs[j] < xs[j-1]; j-- {
					xs[j], xs[j-1] = xs[j-1], xs[j]
				}
			}
			return
		}
		if right-left > 600 {
			n := float64(right - left + 1)
			i := float64(k - left + 1)
			z := math.Log(n)
			s := 0.5 * math.Exp(2*z/3)
			sd := 0.5 * math.Sqrt(z*s*(n-s)/n)
			switch {
			case i < n/2:
				sd = -sd
			case i == n/2:
				sd = 0
			}
			nl := max(left, int(float64(k)-i*s/n+sd))
			nr := min(right, int(float64(k)+(n-i)*s/n+sd))
			floydRivest(xs, nl, nr, k)
		}
		t := xs[k]
		i, j := left, right
		xs[left], xs[k] = xs[k], xs[left]
		if xs[right] > t {
			xs[right], xs[left] = xs[left], xs[right]
		}
		for i < j {
			xs[i], xs[j] = xs[j], xs[i]
			i++
			j--
			for xs[i] < t {
				i++
			}
			for xs[j] > t {
				j--
			}
		}
		if xs[left] == t {
			xs[left], xs[j] = xs[j], xs[left]
		} else {
			j++
			xs[j], xs[right] = xs[right], xs[j]
		}
		if j <= k {
			left = j + 1
		}
		if k <= j {
			right = j - 1
		}
	}
}

// percentile by nearest rank over a copy of xs; q in [0,1].
func percentile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	k := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(k, len(s)-1))]
}

// interval is a run of abnormal grid cells [a, b).
type interval struct {
	a, b  int
	peak  int
	peakZ float64
	kind  ivKind  // which detector found it
	base  float64 // the seasonal median, for ivSeasonal
	// p is the calibrated tail probability of the interval's most unusual
	// cell (analyze/detector), set for intervals in the incident window;
	// 0 where not computed (calibrated says which).
	p          float64
	calibrated bool
}

// abnormal finds runs of cells in [from, to) whose robust z-score is at
// least thr (upward; both ways when twoSided) and whose value is at least
// minRatio times the median (upward only). Runs separated by at most
// maxGap normal or empty cells are merged. A run needs minLen cells, or a
// z-score of twice the threshold.
func abnormal(g *grid, st robust, from, to int, thr, minRatio float64, twoSided bool, maxGap, minLen int) []interval {
	var out []interval
	var cur *interval
	gap := 0
	next := from // the first cell not yet looked at
	for k := range g.runs {
		r := &g.runs[k]
		lo, hi := max(from, r.a), min(to, r.end())
		if lo >= hi {
			continue
		}
		// The cells between runs are empty: they only end a stretch.
		if cur != nil && lo > next {
			if gap += lo - next; gap > maxGap {
				cur = nil
			}
		}
		next = hi
		for i, v := range r.v[lo-r.a : hi-r.a] {
			i += lo
			hit := false
			var z float64
			if !math.IsNaN(v) && !math.IsNaN(st.median) {
				z = st.z(v)
				up := z >= thr && (minRatio <= 0 || st.median <= 0 || v >= minRatio*st.median) &&
					(!st.sparse || v > st.floor)
				down := twoSided && z <= -thr
				hit = up || down
			}
			if hit {
				if cur == nil {
					out = append(out, interval{a: i, b: i + 1, peak: i, peakZ: math.Abs(z)})
					cur = &out[len(out)-1]
				} else {
					cur.b = i + 1
					if math.Abs(z) > cur.peakZ {
						cur.peak, cur.peakZ = i, math.Abs(z)
					}
				}
				gap = 0
				continue
			}
			if cur != nil {
				gap++
				if gap > maxGap {
					cur = nil
				}
			}
		}
	}
	kept := out[:0]
	for _, iv := range out {
		if iv.b-iv.a >= minLen || iv.peakZ >= 2*thr {
			kept = append(kept, iv)
		}
	}
	return kept
}
