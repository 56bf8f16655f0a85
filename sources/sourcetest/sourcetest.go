// Package sourcetest is the contract every sources.Source must keep, as a
// test suite each backend runs against itself (STYLE.md: one suite, every
// backend). It imports testing and so belongs only in _test files.
package sourcetest

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Run checks the contract of src over w, which must hold some data:
//
//   - Name is the configured name, and every probe, series, event,
//     pattern and gap carries it as Source;
//   - beats, points and pattern counts are sorted by time, inside w, and
//     points are NaN-free;
//   - two fetches give the same data (sources are read-only and
//     deterministic);
//   - with a cancelled context, Fetch returns promptly with an error that
//     wraps ctx.Err().
func Run(t *testing.T, src sources.Source, w sources.Window, step time.Duration) {
	t.Helper()
	t.Run("contract", func(t *testing.T) {
		ds, err := src.Fetch(context.Background(), w, step)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		Check(t, src.Name(), w, ds)
		if len(ds.Probes)+len(ds.Series)+len(ds.Events)+len(ds.Patterns) == 0 {
			t.Fatalf("the window %s holds no data: the contract needs some", w)
		}
		again, err := src.Fetch(context.Background(), w, step)
		if err != nil {
			t.Fatalf("second Fetch: %v", err)
		}
		if a, b := size(ds), size(again); a != b {
			t.Errorf("two fetches differ: %v vs %v", a, b)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		start := time.Now()
		_, err = src.Fetch(ctx, w, step)
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Errorf("Fetch with a cancelled context: %v, want an error wrapping context.Canceled", err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Fetch with a cancelled context took %s", d)
		}
	})
}

type counts struct{ probes, beats, series, points, events, patterns int }

func size(ds *sources.Dataset) counts {
	c := counts{probes: len(ds.Probes), series: len(ds.Series), events: len(ds.Events), patterns: len(ds.Patterns)}
	for _, p := range ds.Probes {
		c.beats += len(p.Beats)
	}
	for _, s := range ds.Series {
		c.points += len(s.Points)
	}
	return c
}

// Check asserts the shape of one dataset fetched by the source named name
// for w.
func Check(t *testing.T, name string, w sources.Window, ds *sources.Dataset) {
	t.Helper()
	if ds == nil {
		t.Fatal("nil dataset")
	}
	for _, p := range ds.Probes {
		if p.Source != name {
			t.Errorf("probe %q: source %q, want %q", p.Name, p.Source, name)
		}
		for i, b := range p.Beats {
			end := b.T.Add(b.Span)
			if b.Span == 0 && !w.Contains(b.T) || b.Span > 0 && (!end.After(w.From) || !b.T.Before(w.To)) {
				t.Errorf("probe %q: beat at %s outside %s", p.Name, b.T, w)
			}
			if i > 0 && b.T.Before(p.Beats[i-1].T) {
				t.Errorf("probe %q: beats out of order at %d", p.Name, i)
			}
			if b.Span > 0 && b.Failed > b.Checks {
				t.Errorf("probe %q: summary beat with %d failed of %d checks", p.Name, b.Failed, b.Checks)
			}
		}
	}
	for _, s := range ds.Series {
		if s.Source != name {
			t.Errorf("series %s: source %q, want %q", s.Key(), s.Source, name)
		}
		for i, pt := range s.Points {
			if math.IsNaN(pt.V) || math.IsInf(pt.V, 0) {
				t.Errorf("series %s: %v at %s", s.Key(), pt.V, pt.T)
			}
			if !w.Contains(pt.T) {
				t.Errorf("series %s: point at %s outside %s", s.Key(), pt.T, w)
			}
			if i > 0 && !pt.T.After(s.Points[i-1].T) {
				t.Errorf("series %s: points not strictly increasing at %d", s.Key(), i)
			}
		}
	}
	for _, e := range ds.Events {
		if e.Source != name {
			t.Errorf("event %q: source %q, want %q", e.Title, e.Source, name)
		}
		if e.Kind == "" || e.Title == "" {
			t.Errorf("event at %s without kind or title", e.T)
		}
		if !e.End.IsZero() && e.End.Before(e.T) {
			t.Errorf("event %q ends before it starts", e.Title)
		}
	}
	for _, p := range ds.Patterns {
		if p.Source != name {
			t.Errorf("pattern %q: source %q, want %q", p.Template, p.Source, name)
		}
		for i, b := range p.Counts {
			if i > 0 && !b.T.After(p.Counts[i-1].T) {
				t.Errorf("pattern %q: counts out of order", p.Template)
			}
			if b.N < 0 {
				t.Errorf("pattern %q: negative count", p.Template)
			}
		}
	}
	for _, g := range ds.Gaps {
		if g.Source != name || g.Reason == "" {
			t.Errorf("gap %+v: want source %q and a reason", g, name)
		}
	}
}
