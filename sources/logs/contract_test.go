package logs

import (
	"math"
	"testing"

	"github.com/hindsight-sre/hindsight/sources"
)

// checkContract checks what sources.Source promises of any Dataset: series
// sorted and NaN-free, everything inside the window (buckets may start at
// the step before it), the source's name on everything, and the examples
// of a pattern at most three with file:line.
func checkContract(tb testing.TB, name string, w sources.Window, step int64, ds *sources.Dataset) {
	tb.Helper()
	from := w.From.UnixNano() - step
	in := func(t int64) bool { return t >= from && t < w.To.UnixNano() }
	for _, s := range ds.Series {
		if s.Source != name {
			tb.Errorf("series %s: source %q", s.Key(), s.Source)
		}
		for i, p := range s.Points {
			if math.IsNaN(p.V) || math.IsInf(p.V, 0) || !in(p.T.UnixNano()) || i > 0 && !s.Points[i-1].T.Before(p.T) {
				tb.Errorf("series %s: point %d %v %v out of contract", s.Key(), i, p.T, p.V)
				break
			}
		}
	}
	for _, e := range ds.Events {
		if e.Source != name || !w.Contains(e.T) || e.Ref == "" || e.Title == "" {
			tb.Errorf("event out of contract: %+v", e)
		}
	}
	for _, p := range ds.Patterns {
		if p.Source != name || p.File == "" || p.Template == "" || len(p.Examples) == 0 || len(p.Examples) > 3 || p.Total() == 0 {
			tb.Errorf("pattern out of contract: %+v", p)
		}
		for i, b := range p.Counts {
			if b.N <= 0 || !in(b.T.UnixNano()) || i > 0 && !p.Counts[i-1].T.Before(b.T) {
				tb.Errorf("pattern %q: bucket %d %+v out of contract", p.Template, i, b)
				break
			}
		}
		for _, ex := range p.Examples {
			if ex.File == "" || ex.Line < 1 || !w.Contains(ex.T) {
				tb.Errorf("pattern %q: example %+v", p.Template, ex)
			}
		}
	}
	for _, g := range ds.Gaps {
		if g.Source != name || g.Reason == "" {
			tb.Errorf("gap out of contract: %+v", g)
		}
	}
}
