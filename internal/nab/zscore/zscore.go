// Package zscore is the detector hindsight used before analyze/detector: a
// robust z-score of each value against a sliding window (median and MAD).
// The product no longer uses it; it stays as the "old" baseline that
// nabeval scores against (false alarms on quiet data, benchmark figures).
package zscore

import (
	"math"
	"slices"
	"time"
)

// Detector scores a stream of values causally: the score of a value uses
// only that value and the ones before it, as a streaming detector would.
// It keeps the last Window values sorted, so each step costs two binary
// searches and a shift of the values between the oldest value's place and
// the new one's; the MAD is recomputed
// from the sorted window by a two-pointer walk out from the median.
//
// The score is z²/(z²+T²) for the robust z of the value against the window
// (median and 1.4826 MAD), T the threshold: 0 for a typical value, 0.5 at
// z = T, towards 1 beyond. NaN and infinite values score 0 and are not
// added to the window.
type Detector struct {
	window    int
	threshold float64
	warmup    int
	ring      []float64 // the last values, in arrival order
	head      int
	sorted    []float64
	med, mad  float64
	stale     int // pushes since the MAD was computed
}

// DetectOptions tune a Detector. Zero values take the defaults.
type DetectOptions struct {
	Window    int     // values kept; default 1440 (a day of minutes)
	Threshold float64 // the z that scores 0.5; default 6
	Warmup    int     // values seen before any score; default 30
}

// madEvery: the MAD moves slowly, so it is recomputed every few values; a
// benchmark (BenchmarkDetect) showed this halves the cost at no visible
// change in scores.
const madEvery = 4

// madScale makes the MAD a consistent estimator of the standard deviation
// for normal data (as analyze's).
const madScale = 1.4826

// NewDetector returns a Detector.
func NewDetector(o DetectOptions) *Detector {
	if o.Window <= 0 {
		o.Window = 1440
	}
	if o.Threshold <= 0 {
		o.Threshold = 6
	}
	if o.Warmup <= 0 {
		o.Warmup = 30
	}
	return &Detector{window: o.Window, threshold: o.Threshold, warmup: min(o.Warmup, o.Window),
		ring: make([]float64, 0, o.Window), sorted: make([]float64, 0, o.Window)}
}

// Push scores v against the values before it, then adds it.
func (d *Detector) Push(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	score := 0.0
	if len(d.sorted) >= d.warmup {
		if d.stale >= madEvery || d.stale == 0 && d.mad == 0 {
			d.refresh()
		}
		scale := madScale * d.mad
		if lo := math.Max(math.Abs(d.med)*0.05, 1e-9); scale < lo {
			scale = lo
		}
		z := (v - d.med) / scale
		score = z * z / (z*z + d.threshold*d.threshold)
	}
	d.add(v)
	return score
}

func (d *Detector) add(v float64) {
	d.stale++
	if len(d.ring) < d.window {
		d.ring = append(d.ring, v)
		i, _ := slices.BinarySearch(d.sorted, v)
		d.sorted = slices.Insert(d.sorted, i, v)
		return
	}
	// Replace the oldest value in place: one shift of the values between
	// its position and the new one's, instead of a delete and an insert.
	old := d.ring[d.head]
	d.ring[d.head] = v
	d.head = (d.head + 1) % d.window
	s := d.sorted
	i, _ := slices.BinarySearch(s, old)
	j, _ := slices.BinarySearch(s, v)
	if j > i {
		copy(s[i:j-1], s[i+1:j])
		s[j-1] = v
	} else {
		copy(s[j+1:i+1], s[j:i])
		s[j] = v
	}
}

// refresh recomputes the median and the MAD of the window.
func (d *Detector) refresh() {
	d.stale = 0
	s := d.sorted
	n := len(s)
	if n == 0 {
		return
	}
	if n%2 == 1 {
		d.med = s[n/2]
	} else {
		d.med = (s[n/2-1] + s[n/2]) / 2
	}
	// The deviations |s[i] - med| are increasing going right from the
	// median and going left from it: merge the two runs up to the middle.
	l, r := n/2-1, n/2
	if n%2 == 1 {
		l, r = n/2-1, n/2+1
	}
	var devs [2]float64 // the k-th and (k+1)-th smallest deviations
	want := n / 2       // index of the median deviation (upper for even n)
	k := 0
	if n%2 == 1 {
		k = 1 // the median itself has deviation 0
		devs[0] = 0
	}
	for k <= want {
		var dv float64
		switch {
		case l >= 0 && (r >= n || d.med-s[l] <= s[r]-d.med):
			dv = d.med - s[l]
			l--
		default:
			dv = s[r] - d.med
			r++
		}
		devs[0], devs[1] = devs[1], dv
		k++
	}
	if n%2 == 1 {
		d.mad = devs[1]
	} else {
		d.mad = (devs[0] + devs[1]) / 2
	}
}

// ScoredInterval is a run of rows scoring at least the cut.
type ScoredInterval struct {
	Start, End time.Time // End is the time of the last row in it
	FirstRow   int       // 1-based data rows
	LastRow    int
	Peak       time.Time
	PeakScore  float64
	PeakValue  float64
}

// Intervals groups rows scoring at least cut into intervals, merging runs
// separated by at most gap rows.
func Intervals(ts []time.Time, vals, scores []float64, cut float64, gap int) []ScoredInterval {
	var out []ScoredInterval
	last := -1 << 31
	for i, s := range scores {
		if s < cut {
			continue
		}
		if n := len(out); n > 0 && i-last <= gap+1 {
			iv := &out[n-1]
			iv.End, iv.LastRow = ts[i], i+1
			if s > iv.PeakScore {
				iv.Peak, iv.PeakScore, iv.PeakValue = ts[i], s, vals[i]
			}
		} else {
			out = append(out, ScoredInterval{Start: ts[i], End: ts[i], FirstRow: i + 1, LastRow: i + 1,
				Peak: ts[i], PeakScore: s, PeakValue: vals[i]})
		}
		last = i
	}
	return out
}
