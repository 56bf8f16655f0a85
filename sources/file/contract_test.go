package file

import (
	"math"
	"testing"

	"github.com/hindsight-sre/hindsight/sources"
)

// checkContract checks what sources.Source promises of any Dataset: probes
// and series sorted, NaN-free, inside the window, with the source's name.
func checkContract(tb testing.TB, name string, w sources.Window, ds *sources.Dataset) {
	tb.Helper()
	for _, s := range ds.Series {
		if s.Source != name || s.Query == "" || len(s.Points) == 0 {
			tb.Errorf("series %s out of contract (source %q, query %q, %d points)", s.Key(), s.Source, s.Query, len(s.Points))
		}
		for i, p := range s.Points {
			if math.IsNaN(p.V) || math.IsInf(p.V, 0) || !w.Contains(p.T) || i > 0 && !s.Points[i-1].T.Before(p.T) {
				tb.Errorf("series %s: point %d %v %v out of contract", s.Key(), i, p.T, p.V)
				break
			}
		}
	}
	for _, p := range ds.Probes {
		if p.Source != name || len(p.Beats) == 0 {
			tb.Errorf("probe %s out of contract", p.Name)
		}
		for i, b := range p.Beats {
			if !w.Contains(b.T) || i > 0 && !p.Beats[i-1].T.Before(b.T) {
				tb.Errorf("probe %s: beat %d at %v out of contract", p.Name, i, b.T)
				break
			}
		}
	}
	for _, g := range ds.Gaps {
		if g.Source != name || g.Reason == "" {
			tb.Errorf("gap out of contract: %+v", g)
		}
	}
}
