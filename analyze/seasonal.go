package analyze

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze/detector"
	"github.com/hindsight-sre/hindsight/sources"
)

// Beyond the global baseline (median and MAD of the whole baseline, which
// finds what is abnormal at any hour, recurring nightly spikes included),
// two detectors look at the incident window only:
//
//   - seasonal: each cell against the same time of day (± seasonalSlack)
//     on the previous days, so that a value normal at 14:00 but not at
//     03:00 (traffic at night, a daytime drop) is found;
//   - level shift: a one-sided CUSUM over the seasonal z-scores, so that a
//     sustained shift too small for the threshold (memory up by a third
//     and staying there) is found and dated.
//
// Their intervals join the global ones; each remembers the baseline it
// was judged against, for the sentences.

// ivKind says which detector found an interval.
type ivKind int8

const (
	ivGlobal ivKind = iota
	ivSeasonal
	ivShift
)

const (
	seasonalSlack   = 15 * time.Minute
	seasonalMinDays = 3
	// seasonalStride: the seasonal statistics are computed every 5
	// minutes and reused in between; with a ±15 minute slack they barely
	// move, and BenchmarkRun/series=2000 takes a fifth of the time.
	seasonalStride = 5 * time.Minute
	// CUSUM allowance and decision interval in robust-z units (Page 1954;
	// k = 1 and h = 12 keep noise from alarming while a shift of 2 scaled
	// MADs is found within 12 cells).
	cusumK      = 1.0
	cusumH      = 12.0
	cusumMinLen = 10
	cusumClip   = 8.0
)

// windowIntervals adds seasonal and level-shift intervals found in
// [from, to) to s.ivs, leaving cells already covered alone.
func (a *analysis) windowIntervals(s *signal, from, to int) {
	ratio := 0.0
	if s.role == sources.Latency {
		ratio = minLatencyRatio
	}
	med, scale := a.seasonalStats(s, from, to)
	if med == nil {
		return
	}
	var extra []interval
	extra = append(extra, a.seasonalIntervals(s, med, scale, ratio)...)
	extra = append(extra, a.shiftIntervals(s, from, to, med, scale)...)
	if len(extra) == 0 {
		return
	}
	covered := func(iv interval) bool {
		for _, x := range s.ivs {
			if x.a < iv.b && iv.a < x.b {
				return true
			}
		}
		return false
	}
	for _, iv := range extra {
		if !covered(iv) {
			s.ivs = append(s.ivs, iv)
		}
	}
	slices.SortFunc(s.ivs, func(x, y interval) int { return x.a - y.a })
}

// seasonalStats gives, for each cell of [from, to) that the signal's grid
// stores, the median and scale of the same time of day (± seasonalSlack)
// on the previous days; NaN where fewer than seasonalMinDays had data.
// Both come as grids with the signal's runs (clipped to [from, to)), so
// that a long window over little data keeps little (issue 19). It
// returns nil when no cell has a seasonal baseline.
func (a *analysis) seasonalStats(s *signal, from, to int) (med, scale *grid) {
	perDay := int(24 * time.Hour / a.o.Step)
	half := int(seasonalSlack / a.o.Step)
	days := int(a.o.Baseline / (24 * time.Hour))
	buf := make([]float64, 0, days*(2*half+1))
	med, scale = newGrid(s.g.t0, s.g.step, s.g.n), newGrid(s.g.t0, s.g.step, s.g.n)
	found := false
	stride := max(1, int(seasonalStride/a.o.Step))
	// at computes the statistics of cell j (NaN, NaN when too few days
	// had data).
	at := func(j int) (float64, float64) {
		buf = buf[:0]
		seen := 0
		for d := 1; d <= days; d++ {
			k := j - d*perDay
			if k-half < 0 {
				break
			}
			n0 := len(buf)
			buf = s.g.appendValid(buf, k-half, k+half+1)
			if len(buf) > n0 {
				seen++
			}
		}
		if seen < seasonalMinDays {
			return math.NaN(), math.NaN()
		}
		m := median(buf)
		for i, x := range buf {
			buf[i] = math.Abs(x - m)
		}
		// The seasonal scale is never below a quarter of the global one:
		// a few quiet nights must not make every wobble an anomaly.
		found = true
		return m, math.Max(madScale*median(buf), math.Max(s.st.scale/4, math.Max(math.Abs(m)*0.05, 1e-9)))
	}
	last, lastM, lastS := -1, math.NaN(), math.NaN()
	for k := range s.g.runs {
		r := &s.g.runs[k]
		lo, hi := max(from, r.a), min(to, r.end())
		if lo >= hi {
			continue
		}
		mv, sv := make([]float64, hi-lo), make([]float64, hi-lo)
		for j := lo; j < hi; j++ {
			// The seasonal baseline moves slowly: it is computed every
			// stride cells from `from` and reused in between.
			if base := j - (j-from)%stride; base != last {
				last = base
				lastM, lastS = at(base)
			}
			mv[j-lo], sv[j-lo] = lastM, lastS
		}
		med.runs = append(med.runs, run{a: lo, v: mv})
		scale.runs = append(scale.runs, run{a: lo, v: sv})
	}
	if !found {
		return nil, nil
	}
	return med, scale
}

// seasonalIntervals finds the cells of the window that stand out against
// their time of day. Only cells the seasonal statistics cover can: the
// others have no value.
func (a *analysis) seasonalIntervals(s *signal, med, scale *grid, minRatio float64) []interval {
	var out []interval
	var cur *interval
	gap := 0
	next := -1
	for k := range med.runs {
		mr, sr := &med.runs[k], &scale.runs[k]
		// The cells between runs are empty: they only end a stretch.
		if cur != nil && next >= 0 && mr.a > next {
			if gap += mr.a - next; gap > 2 {
				cur = nil
			}
		}
		next = mr.end()
		for x, m := range mr.v {
			j := mr.a + x
			v := s.g.at(j)
			hit := false
			var z float64
			if !math.IsNaN(v) && !math.IsNaN(m) {
				z = (v - m) / sr.v[x]
				up := z >= a.o.Threshold && (minRatio <= 0 || m <= 0 || v >= minRatio*m) && (!s.st.sparse || v > s.st.floor)
				down := s.role == sources.Traffic && z <= -a.o.Threshold
				hit = up || down
			}
			if hit {
				az := math.Min(math.Abs(z), maxZ)
				if cur == nil {
					out = append(out, interval{a: j, b: j + 1, peak: j, peakZ: az, kind: ivSeasonal, base: m})
					cur = &out[len(out)-1]
				} else {
					cur.b = j + 1
					if az > cur.peakZ {
						cur.peak, cur.peakZ, cur.base = j, az, m
					}
				}
				gap = 0
				continue
			}
			if cur != nil {
				if gap++; gap > 2 {
					cur = nil
				}
			}
		}
	}
	kept := out[:0]
	for _, iv := range out {
		if iv.b-iv.a >= 2 || iv.peakZ >= 2*a.o.Threshold {
			kept = append(kept, iv)
		}
	}
	return kept
}

// shiftIntervals runs an upward and a downward CUSUM over the seasonal
// z-scores of the cells of [from, to): against the same time of day, so
// the daily cycle is not a shift. A cell without a value leaves the sum
// as it is.
func (a *analysis) shiftIntervals(s *signal, from, to int, med, scale *grid) []interval {
	var out []interval
	for _, sign := range []float64{1, -1} {
		if sign < 0 && s.role != sources.Traffic && s.role != sources.Other {
			continue // a drop in latency, errors or load is no incident
		}
		S := 0.0
		start := from
		alarm := false
		// The run's most extreme cell so far (the first of equals).
		best, peak := math.Inf(-1), -1
		flush := func(end int) {
			if alarm && end-start >= cusumMinLen {
				iv := interval{a: start, b: end, peak: start, kind: ivShift}
				if peak >= 0 {
					iv.peak = peak
				}
				iv.peakZ = math.Abs(best)
				iv.base = med.at(iv.peak)
				out = append(out, iv)
			}
			alarm = false
			best, peak = math.Inf(-1), -1
		}
		for k := range med.runs {
			mr, sr := &med.runs[k], &scale.runs[k]
			for x, m := range mr.v {
				j := mr.a + x
				v := s.g.at(j)
				if math.IsNaN(v) || math.IsNaN(m) {
					continue
				}
				z := (v - m) / sr.v[x]
				S = math.Max(0, S+math.Max(-cusumClip, math.Min(cusumClip, sign*z))-cusumK)
				switch {
				case S == 0:
					flush(j)
					start = j + 1
					continue
				case S > cusumH:
					alarm = true
				}
				if sign*z > best {
					best, peak = sign*z, j
				}
			}
		}
		flush(to)
	}
	return out
}

// baseOf is the baseline value an interval was judged against.
func (s *signal) baseOf(iv interval) float64 {
	if iv.kind != ivGlobal {
		return iv.base
	}
	return s.st.median
}

// zOf is the signed score of an interval's peak against its baseline.
func (s *signal) zOf(iv interval) float64 {
	peak := s.g.at(iv.peak)
	if iv.kind != ivGlobal {
		if peak < iv.base {
			return -iv.peakZ
		}
		return iv.peakZ
	}
	return s.st.z(peak)
}

// versus says how the peak compares with the baseline it was judged
// against: "20.6× its usual 139 ms (median of the 7 days before; robust z
// 204)".
func (a *analysis) versus(s *signal, iv interval, unit string) string {
	peak, base, z := s.g.at(iv.peak), s.baseOf(iv), s.zOf(iv)
	if iv.kind == ivShift {
		// Its z is against the time of day, not the global baseline.
		z = math.Copysign(iv.peakZ, peak-base)
	}
	cmp := "against its usual " + fmtVal(base, unit)
	if base > 0 && peak > base {
		// The detector's words: a few digits where the baseline is near
		// zero (a ratio of millions, or +Inf, written with %.1f).
		cmp = detector.Versus(peak, base, func(v float64) string { return fmtVal(v, unit) })
	}
	// The calibrated judgement (analyze/detector), where it was made:
	// how rare the most unusual cell is on the series' own record, the
	// words `hindsight detect --explain` uses.
	rare := ""
	if iv.calibrated {
		rare = "; " + detector.Rarity(iv.p)
	}
	switch iv.kind {
	case ivSeasonal:
		return fmt.Sprintf("%s for this time of day (the same time on the previous days; %s%s)", cmp, zText(z), rare)
	case ivShift:
		if rare != "" {
			// The calibrated p of a shift is that of its level held over
			// cusumMinLen steps, not of one value.
			rare = "; held that long, " + strings.TrimPrefix(rare, "; ")
		}
		return fmt.Sprintf("%s, held for %s (a level shift found by CUSUM; %s at the peak%s)", cmp,
			fmtDur(time.Duration(iv.b-iv.a)*a.o.Step), zText(z), rare)
	}
	return fmt.Sprintf("%s (median of the %s before; %s%s)", cmp, baselineWords(a.o.Baseline), zText(z), rare)
}
