package analyze

import (
	"math"

	"github.com/hindsight-sre/hindsight/analyze/detector"
)

// The calibrated score (analyze/detector) an abnormal stretch found by the
// robust z-score must also reach in the incident window. The score is a
// rate: s means about one false alarm in 10^(10 s) minutes per series on
// normal data.
//
//   - sparseCut, 0.4 (about once a week), where the series' MAD is zero
//     (mostly one value, such as an error count that is usually 0): there
//     the z-score has no scale (any blip is "robust z 1000") and only the
//     calibrated judgement says whether one 500 response in a night is
//     rare on this series (on the demo it comes every other day: p ≈ 4e-4
//     a minute, score 0.34);
//   - denseCut, 0.2 (about every 100 minutes), elsewhere: the z-score
//     already measured the value against the series' spread, and the gate
//     only drops what the series does several times a day.
const (
	sparseCut = 0.4
	denseCut  = 0.2
)

// calibrate runs the calibrated detector over the signal's grid, causally
// (each cell against the cells before it), and drops the global and
// seasonal intervals in or near the incident window that it does not find
// rare. Each interval is judged on the question that found it:
//
//   - a global interval (against the whole baseline, at any hour) with the
//     detector's level only (Config.AnyHour). A spike that comes every
//     night at 03:00 is far outside the day's usual range every night, and
//     the report says it recurs; the time-of-day model, once it has seen
//     two nights, predicts it, and its small miss tonight is no rarer than
//     the misses of the first nights in a week's record, so judged that way
//     the nightly backup's slowdown was dropped and the analysis found "no
//     symptom" (a record of 1,000 errors, 16 hours, used to hide this: it
//     held none of the earlier nights);
//   - a seasonal interval (against the same time on previous days) with
//     the time-of-day and day-of-week models;
//   - a level shift (CUSUM over the seasonal z-scores) with the same
//     models, on the mean of the last cusumMinLen cells: shifts are
//     evidence summed over many cells, each of which may be unremarkable
//     on its own, and on that stream a held shift stands out and one cell
//     does not; a shift is dropped when that mean is not rare either (a
//     series whose level wanders by that much, that long, several times a
//     day).
//
// Intervals in the baseline are kept as they are, for recurrence. Each
// kept interval gets its calibrated p-value.
func (a *analysis) calibrate(s *signal, from int) {
	last, first := 0, s.g.n
	var need [3]bool // by ivKind
	for _, iv := range s.ivs {
		if iv.b > from {
			last = max(last, iv.b)
			first = min(first, onsetOf(s, iv))
			need[iv.kind] = true
		}
	}
	if !need[ivGlobal] && !need[ivSeasonal] && !need[ivShift] {
		return
	}
	var ps, scores [3][]float64
	for k, ok := range need {
		switch {
		case !ok:
		case ivKind(k) == ivGlobal:
			ps[k], scores[k] = judgeCells(s, first, last, 1, detector.Config{AnyHour: true})
		case ivKind(k) == ivSeasonal:
			ps[k], scores[k] = judgeCells(s, first, last, 1, detector.Config{})
		case ivKind(k) == ivShift:
			ps[k], scores[k] = judgeCells(s, first, last, cusumMinLen, detector.Config{})
		}
	}
	kept := s.ivs[:0]
	for _, iv := range s.ivs {
		if iv.b <= from {
			kept = append(kept, iv)
			continue
		}
		p, sc, lo := ps[iv.kind], scores[iv.kind], onsetOf(s, iv)
		if iv.kind == ivShift {
			// The means over cusumMinLen cells that lie wholly in the
			// shift (the last cell's, for a shorter one).
			lo = min(iv.a+cusumMinLen-1, iv.b-1)
		}
		best, pmin := 0.0, 1.0
		for j := lo; j < iv.b; j++ {
			best = math.Max(best, sc[j-first])
			pmin = math.Min(pmin, p[j-first])
		}
		iv.p, iv.calibrated = pmin, true
		cut := denseCut
		if s.st.sparse {
			cut = sparseCut
		}
		if best >= cut {
			kept = append(kept, iv)
		}
	}
	s.ivs = kept
}

// onsetLevel: a series has left its usual range, for onsetOf, once its
// robust z is this far out in the interval's direction.
const onsetLevel = 2.0

// onsetOf is where the movement that became iv began: the first of the
// cells just before it that are already onsetLevel out in its direction,
// at most onsetMax cells back. A gradual rise (a memory leak, a disk
// filling, a queue growing) crosses the threshold well after it began,
// and by then the detector, which predicts each cell from the ones just
// before, has followed the climb: the cells past the threshold look
// unremarkable to it, while the turn where the series left its course was
// rare. The interval is judged on the whole movement, its turn included.
func onsetOf(s *signal, iv interval) int {
	if iv.kind == ivShift || math.IsNaN(s.st.median) || s.st.scale <= 0 {
		return iv.a
	}
	dir := 1.0
	if v := s.g.at(iv.peak); !math.IsNaN(v) && v < s.st.median {
		dir = -1
	}
	k := iv.a
	for k > 0 && k > iv.a-onsetMax {
		v := s.g.at(k - 1)
		if math.IsNaN(v) || dir*(v-s.st.median)/s.st.scale < onsetLevel {
			break
		}
		k--
	}
	return k
}

// onsetMax bounds the look-back of onsetOf (cells): an hour at a minute's
// step.
const onsetMax = 60

// judgeCells is the detector's (configured by c) p-value and score of cells [first, last)
// of the signal's grid, each judged as the mean of its last n cells with
// a value (n = 1: the cell itself; NaN, nothing to judge, when none has).
// Results are kept for [first, last) only, and only stored cells are
// pushed: the detector takes a cell without a value (NaN) as nothing to
// learn (P 1, score 0), so skipping the empty cells between runs changes
// nothing, and memory follows the data (issue 19). Runs are at least
// splitGap empty cells apart, so a mean of n ≤ splitGap cells lies within
// one run.
func judgeCells(s *signal, first, last, n int, c detector.Config) (ps, scores []float64) {
	d := detector.New(c)
	ps = make([]float64, last-first)
	scores = make([]float64, last-first)
	for i := range ps {
		ps[i] = 1
	}
	for k := range s.g.runs {
		r := &s.g.runs[k]
		for i := r.a; i < min(r.end(), last); i++ {
			v := r.v[i-r.a]
			if n > 1 {
				v = meanOf(r.v[max(0, i-r.a-n+1) : i-r.a+1])
			}
			res := d.Push(s.g.time(i).UnixMicro(), v)
			if i >= first {
				ps[i-first], scores[i-first] = res.P, res.Score
			}
		}
	}
	return ps, scores
}

// meanOf is the mean of the values that are not NaN (NaN if none is).
func meanOf(vs []float64) float64 {
	sum, k := 0.0, 0
	for _, v := range vs {
		if !math.IsNaN(v) {
			sum += v / float64(len(vs))
			k++
		}
	}
	if k == 0 {
		return math.NaN()
	}
	return sum * float64(len(vs)) / float64(k)
}
