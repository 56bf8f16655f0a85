package analyze

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Beyond the global baseline (median and MAD of the whole baseline, which
// finds what is abnormal at any hour, recurring nightly spikes included),
// two detectors look at the incident window only:
//
//   - seasonal: each cell against the same time of day (± seasonalSlack)
//     on the previous days, so that a value normal at 14:00 but not at
//     03:00 (traffic at night, a daytime drop) is found;
//   - level shift: a one-sided CUSUM over the global z-scores, so that a
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
	var extra []interval
	extra = append(extra, a.seasonalIntervals(s, from, to, ratio)...)
	extra = append(extra, a.shiftIntervals(s, from, to)...)
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

func (a *analysis) seasonalIntervals(s *signal, from, to int, minRatio float64) []interval {
	perDay := int(24 * time.Hour / a.o.Step)
	half := int(seasonalSlack / a.o.Step)
	days := int(a.o.Baseline / (24 * time.Hour))
	buf := make([]float64, 0, days*(2*half+1))
	var out []interval
	var cur *interval
	gap := 0
	for j := from; j < to; j++ {
		v := s.g.vals[j]
		hit := false
		var z, med float64
		if !math.IsNaN(v) {
			buf = buf[:0]
			seen := 0
			for d := 1; d <= days; d++ {
				k := j - d*perDay
				if k-half < 0 {
					break
				}
				n0 := len(buf)
				for _, x := range s.g.vals[k-half : k+half+1] {
					if !math.IsNaN(x) {
						buf = append(buf, x)
					}
				}
				if len(buf) > n0 {
					seen++
				}
			}
			if seen >= seasonalMinDays {
				med = median(buf)
				for i, x := range buf {
					buf[i] = math.Abs(x - med)
				}
				// The seasonal scale is never below a quarter of the
				// global one: a few quiet nights must not make every
				// wobble an anomaly.
				scale := math.Max(madScale*median(buf), math.Max(s.st.scale/4, math.Max(math.Abs(med)*0.05, 1e-9)))
				z = (v - med) / scale
				up := z >= a.o.Threshold && (minRatio <= 0 || med <= 0 || v >= minRatio*med) && (!s.st.sparse || v > s.st.floor)
				down := s.role == sources.Traffic && z <= -a.o.Threshold
				hit = up || down
			}
		}
		if hit {
			az := math.Min(math.Abs(z), maxZ)
			if cur == nil {
				out = append(out, interval{a: j, b: j + 1, peak: j, peakZ: az, kind: ivSeasonal, base: med})
				cur = &out[len(out)-1]
			} else {
				cur.b = j + 1
				if az > cur.peakZ {
					cur.peak, cur.peakZ, cur.base = j, az, med
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
	kept := out[:0]
	for _, iv := range out {
		if iv.b-iv.a >= 2 || iv.peakZ >= 2*a.o.Threshold {
			kept = append(kept, iv)
		}
	}
	return kept
}

// shiftIntervals runs an upward and a downward CUSUM over [from, to).
func (a *analysis) shiftIntervals(s *signal, from, to int) []interval {
	var out []interval
	for _, sign := range []float64{1, -1} {
		if sign < 0 && s.role != sources.Traffic && s.role != sources.Other {
			continue // a drop in latency, errors or load is no incident
		}
		S := 0.0
		start := from
		alarm := false
		flush := func(end int) {
			if alarm && end-start >= cusumMinLen {
				iv := interval{a: start, b: end, peak: start, kind: ivShift, base: s.st.median}
				for j := start; j < end; j++ {
					if v := s.g.vals[j]; !math.IsNaN(v) && sign*(v-s.st.median) > sign*(s.g.vals[iv.peak]-s.st.median) {
						iv.peak = j
					}
				}
				iv.peakZ = math.Abs(s.st.z(s.g.vals[iv.peak]))
				out = append(out, iv)
			}
			alarm = false
		}
		for j := from; j < to; j++ {
			v := s.g.vals[j]
			if math.IsNaN(v) {
				continue
			}
			z := math.Max(-cusumClip, math.Min(cusumClip, sign*s.st.z(v)))
			S = math.Max(0, S+z-cusumK)
			switch {
			case S == 0:
				flush(j)
				start = j + 1
			case S > cusumH:
				alarm = true
			}
		}
		flush(to)
	}
	return out
}

// baseOf is the baseline value an interval was judged against.
func (s *signal) baseOf(iv interval) float64 {
	if iv.kind == ivSeasonal {
		return iv.base
	}
	return s.st.median
}

// zOf is the signed score of an interval's peak against its baseline.
func (s *signal) zOf(iv interval) float64 {
	peak := s.g.vals[iv.peak]
	if iv.kind == ivSeasonal {
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
	peak, base, z := s.g.vals[iv.peak], s.baseOf(iv), s.zOf(iv)
	cmp := "against its usual " + fmtVal(base, unit)
	if base > 0 && peak > base {
		cmp = fmt.Sprintf("%.1f× its usual %s", peak/base, fmtVal(base, unit))
	}
	switch iv.kind {
	case ivSeasonal:
		return fmt.Sprintf("%s for this time of day (the same time on the previous days; %s)", cmp, zText(z))
	case ivShift:
		return fmt.Sprintf("%s, held for %s (a level shift found by CUSUM; %s at the peak)", cmp,
			fmtDur(time.Duration(iv.b-iv.a)*a.o.Step), zText(z))
	}
	return fmt.Sprintf("%s (median of the %s before; %s)", cmp, baselineWords(a.o.Baseline), zText(z))
}
