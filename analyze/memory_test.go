package analyze

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// allocated is the bytes Run allocates for ds over w at step.
//
// The calendar has one class all week round: the report lists the
// window's business-hour, off-hour and weekend periods (about three a
// day), which are output and grow with the window by design.
func allocated(ds *sources.Dataset, w sources.Window, step time.Duration) uint64 {
	cal := Calendar{Location: seoul, DayStart: 0, DayEnd: 24 * time.Hour}
	cal.WorkDays = [7]bool{true, true, true, true, true, true, true}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	Run(ds, Options{Window: w, Step: step, Calendar: cal})
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestMemoryFollowsDataNotWindow (issue 19): the same 8 days of data
// (two probes, two series, a log pattern, daily events) analysed over a
// 2-day window and over a 10-year one at the same step. Grids are stored
// only where data is, so the long window may not cost much more: before,
// every series and log pattern kept a cell per step of the window (the
// 10-year window took about 100 times the short one's memory).
func TestMemoryFollowsDataNotWindow(t *testing.T) {
	s, _ := nightlyBackup()
	var lp sources.LogPattern
	lp.Source, lp.Template, lp.FirstSeen = "app", "worker <*> finished", s.start
	for tm := s.start; tm.Before(s.end); tm = tm.Add(time.Minute) {
		lp.Counts = append(lp.Counts, sources.Bucket{T: tm, N: 1 + s.rng.IntN(3)})
	}
	s.ds.Patterns = append(s.ds.Patterns, lp)
	s.ds.Sort()
	step := 30 * time.Minute
	short := allocated(&s.ds, sources.Window{From: s.end.Add(-48 * time.Hour), To: s.end}, step)
	long := allocated(&s.ds, sources.Window{From: s.end.AddDate(-10, 0, 0), To: s.end}, step)
	t.Logf("allocated: 2-day window %.1f MB, 10-year window %.1f MB (%d steps)", float64(short)/1e6, float64(long)/1e6,
		int(s.end.Sub(s.end.AddDate(-10, 0, 0))/step))
	if long > 2*short {
		t.Errorf("a 10-year window over the same 8 days of data allocated %.1f MB, %.1f times the 2-day window's %.1f MB: memory grows with the window",
			float64(long)/1e6, float64(long)/float64(short), float64(short)/1e6)
	}
}

// denseMean is the grid as it was kept before runs: every cell of the
// window, the mean of its points in their order, NaN where none.
func denseMean(t0 time.Time, step time.Duration, n int, pts []sources.Point) []float64 {
	vals := make([]float64, n)
	cnt := make([]int, n)
	for i := range vals {
		vals[i] = math.NaN()
	}
	for _, p := range pts {
		if p.T.Before(t0) || math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			continue
		}
		i := int(p.T.Sub(t0) / step)
		if i >= n {
			continue
		}
		if cnt[i] == 0 {
			vals[i] = 0
		}
		vals[i] += p.V
		cnt[i]++
	}
	for i, c := range cnt {
		if c > 1 {
			vals[i] /= float64(c)
		}
	}
	return vals
}

// TestGridRunsMatchDense: points in clusters far apart (many runs, so
// lookups take the binary search), with repeats in a cell, NaN and
// infinite values, points outside the grid, in order and shuffled: every
// cell, every range of valid values and every log-count sum agrees with
// a dense grid.
func TestGridRunsMatchDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 20000
	var pts []sources.Point
	for c := range 30 {
		at := t0.Add(time.Duration(rng.IntN(n)) * time.Minute)
		if c == 0 {
			at = t0.Add(-time.Hour) // a cluster across the grid's start
		}
		for range 1 + rng.IntN(200) {
			at = at.Add(time.Duration(rng.IntN(90)) * time.Second)
			v := rng.NormFloat64()
			switch rng.IntN(50) {
			case 0:
				v = math.NaN()
			case 1:
				v = math.Inf(1)
			}
			pts = append(pts, sources.Point{T: at, V: v})
		}
	}
	pts = append(pts, sources.Point{T: t0.Add(n * time.Minute), V: 1}, sources.Point{V: 2}) // past the end; the zero time
	slices.SortStableFunc(pts, func(x, y sources.Point) int { return x.T.Compare(y.T) })
	shuffled := slices.Clone(pts)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for name, ps := range map[string][]sources.Point{"in order": pts, "shuffled": shuffled} {
		var sc scratch
		g := newGrid(t0, time.Minute, n)
		fillMean(g, ps, &sc)
		want := denseMean(t0, time.Minute, n, ps)
		if len(g.runs) <= 8 {
			t.Fatalf("%s: %d runs, want more than 8 (binary search)", name, len(g.runs))
		}
		if g.stored() > n/2 {
			t.Errorf("%s: %d of %d cells stored for %d points", name, g.stored(), n, len(ps))
		}
		for i, w := range want {
			if got := g.at(i); got != w && !(math.IsNaN(got) && math.IsNaN(w)) {
				t.Fatalf("%s: cell %d = %v, want %v", name, i, got, w)
			}
		}
		for range 200 {
			a := rng.IntN(n)
			b := a + rng.IntN(n-a+1)
			var wv []float64
			for _, v := range want[a:b] {
				if !math.IsNaN(v) {
					wv = append(wv, v)
				}
			}
			if got := g.appendValid(nil, a, b); !slices.Equal(got, wv) {
				t.Fatalf("%s: appendValid(%d, %d) = %d values, want %d", name, a, b, len(got), len(wv))
			}
		}
	}
}

// TestLogCountsMatchDense: a pattern's per-cell counts kept in runs give
// the same window sums and prefix sums as a dense count per cell.
func TestLogCountsMatchDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 5000
	p := sources.LogPattern{Source: "app", Template: "x"}
	dense := make([]float64, n)
	for range 40 {
		at := rng.IntN(n)
		for k := range rng.IntN(30) {
			if at+k < n {
				c := rng.IntN(4)
				p.Counts = append(p.Counts, sources.Bucket{T: t0.Add(time.Duration(at+k) * time.Minute), N: c})
				dense[at+k] += float64(c)
			}
		}
	}
	a := &analysis{ds: &sources.Dataset{Patterns: []sources.LogPattern{p}}, t0: t0, n: n,
		o: Options{Step: time.Minute, Lag: 30 * time.Minute, Window: sources.Window{From: t0.Add(4000 * time.Minute), To: t0.Add(n * time.Minute)}}}
	a.win = [2]int{4000, n}
	ls := a.logSignals()[0]
	prefix := make([]float64, n+1)
	for j, c := range dense {
		prefix[j+1] = prefix[j] + c
	}
	for j := range n + 1 {
		if got := ls.prefixAt(j); got != prefix[j] {
			t.Fatalf("prefixAt(%d) = %v, want %v", j, got, prefix[j])
		}
	}
	for range 500 {
		x := rng.IntN(n)
		y := x + rng.IntN(n-x+1)
		if got, want := ls.sum(x, y), prefix[y]-prefix[x]; got != want {
			t.Fatalf("sum(%d, %d) = %v, want %v", x, y, got, want)
		}
	}
	if got := ls.sum(10, 5); got != 0 {
		t.Errorf("sum over an empty range = %v", got)
	}
}
