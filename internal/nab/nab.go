// Package nab scores anomaly detectors the way the Numenta Anomaly
// Benchmark does (Lavin & Ahmad 2015, "Evaluating Real-time Anomaly
// Detection Algorithms"), written from that description:
//
//   - the first min(⌊0.15·n⌋, 750) rows of a file are probation: never
//     counted;
//   - a row is a detection when its score reaches the threshold;
//   - inside a labelled window [a, b] of W rows, only the earliest
//     detection counts, worth A_TP·σ(y)/σ(-1) with y = -(b-i+1)/W and
//     σ(y) = 2/(1+e^{5y}) - 1; a window without one costs A_FN;
//   - a detection outside every window costs A_FP·v, v = -1 before the
//     first window ends and σ((i-b')/(W'-1)) after a window [a', b'] of W'
//     rows (-1 once that passes 3);
//   - one threshold for the whole corpus, the best of every distinct score
//     (ties to the higher; "never" is a candidate);
//   - normalised = 100·(S - S_null)/(S_perfect - S_null), S_perfect =
//     A_TP·windows, S_null = -A_FN·(windows with a scorable row).
//
// It is the project's own evaluation tool (cmd nabeval beside it runs
// `hindsight detect`'s scoring over a corpus in NAB's layout); it agrees
// with an independent Python implementation of the same rules to 0.01 on
// the same outputs (BENCHMARKS.md).
package nab

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Profile is a cost matrix.
type Profile struct{ TP, FP, FN float64 }

// Standard is NAB's standard profile.
var Standard = Profile{TP: 1, FP: 0.11, FN: 1}

// File is one labelled series.
type File struct {
	Name      string  // category/name.csv
	Times     []int64 // unix microseconds, one per data row
	Windows   [][2]int
	Scores    []float64
	probation int
	val       []float64
	winOf     []int
	scorable  int
}

func sigma(y float64) float64 {
	if y > 3 {
		return -1
	}
	return 2/(1+math.Exp(5*y)) - 1
}

// ParseTime reads a NAB timestamp: ISO 8601 with or without a zone (UTC),
// or unix seconds (milliseconds past 1e11).
func ParseTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", time.RFC3339Nano,
		"2006-01-02 15:04:05.999999999Z07:00"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.UnixMicro(), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("unparseable timestamp %q", s)
	}
	if f > 1e11 {
		f /= 1000
	}
	return int64(math.Round(f * 1e6)), nil
}

// NewFile prepares a file's row weights from its times and windows (pairs
// of timestamps as written in the labels).
func NewFile(name string, times []int64, windows [][2]string) (*File, error) {
	f := &File{Name: name, Times: times}
	n := len(times)
	f.probation = min(int(math.Floor(0.15*float64(n))), 750)
	index := make(map[int64]int, n)
	for i, t := range times {
		index[t] = i // the last row of a repeated time, as the reference does
	}
	for _, w := range windows {
		ta, err := ParseTime(w[0])
		if err != nil {
			return nil, err
		}
		tb, err := ParseTime(w[1])
		if err != nil {
			return nil, err
		}
		a, oka := index[ta]
		b, okb := index[tb]
		if !oka || !okb {
			return nil, fmt.Errorf("%s: window %s..%s not in the data's timestamps", name, w[0], w[1])
		}
		f.Windows = append(f.Windows, [2]int{a, b})
	}
	slices.SortFunc(f.Windows, func(x, y [2]int) int { return x[0] - y[0] })
	f.val = make([]float64, n)
	f.winOf = make([]int, n)
	w := 0
	prevEnd, prevWidth := -1, 0
	left := sigma(-1)
	for i := range n {
		for w < len(f.Windows) && f.Windows[w][1] < i {
			prevEnd, prevWidth = f.Windows[w][1], f.Windows[w][1]-f.Windows[w][0]+1
			w++
		}
		f.winOf[i] = -1
		if w < len(f.Windows) && f.Windows[w][0] <= i && i <= f.Windows[w][1] {
			a, b := f.Windows[w][0], f.Windows[w][1]
			width := float64(b - a + 1)
			f.winOf[i] = w
			f.val[i] = sigma(-float64(b-i+1)/width) / left
			continue
		}
		if prevEnd < 0 {
			f.val[i] = -1
			continue
		}
		den := 1.0
		if prevWidth > 1 {
			den = float64(prevWidth - 1)
		}
		f.val[i] = sigma(float64(i-prevEnd) / den)
	}
	for _, x := range f.Windows {
		if x[1] >= f.probation {
			f.scorable++
		}
	}
	return f, nil
}

// Attach sets the file's scores from a detector's output rows (time,
// score), matched by time as the reference scorer does: a row whose time
// is not in the data is ignored, a data row without output scores 0.
func (f *File) Attach(times []int64, scores []float64) {
	pos := make(map[int64]int, len(f.Times))
	for i, t := range f.Times {
		pos[t] = i
	}
	f.Scores = make([]float64, len(f.Times))
	for k, t := range times {
		if i, ok := pos[t]; ok {
			f.Scores[i] = scores[k]
		}
	}
}

// Result is a corpus's score at its best threshold.
type Result struct {
	Threshold  float64 // +Inf: never fire
	Raw        float64
	Normalised float64
	Windows    int
	Detected   int
	FPRows     int
	PerFile    map[string]float64 // raw score per file
}

type event struct {
	s    float64
	f, i int32
}

// Score sweeps one threshold over the files and returns the best.
func Score(files []*File, p Profile) Result {
	var ev []event
	total := 0.0
	windows, scorable := 0, 0
	for fi, f := range files {
		for i := f.probation; i < len(f.Times); i++ {
			ev = append(ev, event{f.Scores[i], int32(fi), int32(i)})
		}
		total -= p.FN * float64(f.scorable)
		windows += len(f.Windows)
		scorable += f.scorable
	}
	slices.SortStableFunc(ev, func(a, b event) int {
		switch {
		case a.s > b.s:
			return -1
		case a.s < b.s:
			return 1
		}
		return 0
	})
	bestTotal, bestThr := total, math.Inf(1)
	best := map[[2]int32]float64{}
	for k := 0; k < len(ev); {
		thr := ev[k].s
		for ; k < len(ev) && ev[k].s == thr; k++ {
			f := files[ev[k].f]
			i := ev[k].i
			if w := f.winOf[i]; w >= 0 {
				v := f.val[i] * p.TP
				key := [2]int32{ev[k].f, int32(w)}
				old, ok := best[key]
				switch {
				case !ok:
					best[key] = v
					total += v + p.FN
				case v > old:
					best[key] = v
					total += v - old
				}
			} else {
				total += f.val[i] * p.FP
			}
		}
		if total > bestTotal+1e-9*math.Max(1, math.Abs(bestTotal)) {
			bestTotal, bestThr = total, thr
		}
	}
	r := scoreAt(files, bestThr, p)
	perfect, null := p.TP*float64(windows), -p.FN*float64(scorable)
	r.Normalised = 100 * (r.Raw - null) / (perfect - null)
	r.Windows = windows
	return r
}

func scoreAt(files []*File, thr float64, p Profile) Result {
	r := Result{Threshold: thr, PerFile: map[string]float64{}}
	for _, f := range files {
		best := map[int]float64{}
		raw := 0.0
		for i := f.probation; i < len(f.Times); i++ {
			if f.Scores[i] < thr {
				continue
			}
			if w := f.winOf[i]; w >= 0 {
				if v, ok := best[w]; !ok || f.val[i]*p.TP > v {
					best[w] = f.val[i] * p.TP
				}
			} else {
				raw += f.val[i] * p.FP
				r.FPRows++
			}
		}
		for _, v := range best {
			raw += v
		}
		raw -= p.FN * float64(f.scorable-len(best))
		r.Detected += len(best)
		r.PerFile[f.Name] = raw
		r.Raw += raw
	}
	return r
}

// Labels reads labels/combined_windows.json of a corpus.
func Labels(dir string) (map[string][][2]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "labels", "combined_windows.json"))
	if err != nil {
		return nil, err
	}
	var w map[string][][2]string
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("combined_windows.json: %w", err)
	}
	return w, nil
}
