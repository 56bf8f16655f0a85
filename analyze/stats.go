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

// grid is a series resampled to a regular step: vals[i] covers
// [t0+i*step, t0+(i+1)*step) and is NaN where there was no sample.
type grid struct {
	t0   time.Time
	step time.Duration
	vals []float64
}

func newGrid(t0 time.Time, step time.Duration, n int) *grid {
	g := &grid{t0: t0, step: step, vals: make([]float64, n)}
	for i := range g.vals {
		g.vals[i] = math.NaN()
	}
	return g
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
	return min(a, len(g.vals)), min(b, len(g.vals))
}

// fill averages points into the grid.
func fillMean(g *grid, pts []sources.Point) {
	cnt := make([]int32, len(g.vals))
	for _, p := range pts {
		if p.T.Before(g.t0) {
			continue
		}
		i := g.index(p.T)
		if i < 0 || i >= len(g.vals) || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			continue
		}
		if cnt[i] == 0 {
			g.vals[i] = 0
		}
		g.vals[i] += p.V
		cnt[i]++
	}
	for i, c := range cnt {
		if c > 1 {
			g.vals[i] /= float64(c)
		}
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
		r.floor = med + selectK(xs, max(0, min(len(xs)-1, int(math.Ceil(0.999*float64(len(xs))))-1)))
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
	return math.Max(-maxZ, math.Min(maxZ, (v-r.median)/r.scale))
}

// zText says a z-score for a sentence.
func zText(z float64) string {
	if math.Abs(z) >= maxZ {
		return "far outside its usual range"
	}
	return fmt.Sprintf("robust z %.0f", z)
}

// median returns the median of xs, reordering xs. Quickselect, not a
// sort: BenchmarkRun spent two thirds of its time sorting for medians.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return math.NaN()
	}
	hi := selectK(xs, n/2)
	if n%2 == 1 {
		return hi
	}
	// After selectK, xs[:n/2] holds the smaller half: its maximum is the
	// lower middle value.
	lo := xs[0]
	for _, v := range xs[1 : n/2] {
		lo = math.Max(lo, v)
	}
	return (lo + hi) / 2
}

// selectK reorders xs so that xs[k] is the k-th smallest value (0-based),
// with nothing larger before it and nothing smaller after it, and returns
// it (Hoare's quickselect with a median-of-three pivot).
func selectK(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for hi > lo {
		if hi-lo < 16 {
			// Insertion sort finishes small ranges faster.
			for i := lo + 1; i <= hi; i++ {
				for j := i; j > lo && xs[j] < xs[j-1]; j-- {
					xs[j], xs[j-1] = xs[j-1], xs[j]
				}
			}
			break
		}
		mid := lo + (hi-lo)/2
		if xs[mid] < xs[lo] {
			xs[mid], xs[lo] = xs[lo], xs[mid]
		}
		if xs[hi] < xs[lo] {
			xs[hi], xs[lo] = xs[lo], xs[hi]
		}
		if xs[hi] < xs[mid] {
			xs[hi], xs[mid] = xs[mid], xs[hi]
		}
		pivot := xs[mid]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
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
	for i := from; i < to; i++ {
		v := g.vals[i]
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
	kept := out[:0]
	for _, iv := range out {
		if iv.b-iv.a >= minLen || iv.peakZ >= 2*thr {
			kept = append(kept, iv)
		}
	}
	return kept
}
