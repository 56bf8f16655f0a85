package prometheus

import (
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestMakePlan(t *testing.T) {
	d := func(s string) time.Duration { v, _ := time.ParseDuration(s); return v }
	from := time.Date(2025, 11, 19, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		window        time.Duration
		asked, scrape time.Duration
		step          time.Duration
		chunks        int
		coarse        bool
		notes         int
	}{
		{"7 days at 1m fit one chunk", 7 * 24 * time.Hour, d("1m"), d("1m"), d("1m"), 1, false, 0},
		{"30 days at 1m need four", 30 * 24 * time.Hour, d("1m"), d("1m"), d("1m"), 4, false, 0},
		{"a step below the scrape interval is raised", 24 * time.Hour, d("15s"), d("1m"), d("1m"), 1, false, 1},
		{"no step: one chunk", 30 * 24 * time.Hour, 0, d("1m"), d("5m"), 1, true, 0},
		{"a year at 1m is raised past 110,000 points", 365 * 24 * time.Hour, d("1m"), d("1m"), d("5m"), 10, true, 1},
		{"5m over a 1m scrape is coarse", 24 * time.Hour, d("5m"), d("1m"), d("5m"), 1, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := makePlan(sources.Window{From: from, To: from.Add(tt.window)}, tt.asked, tt.scrape)
			if p.step != tt.step || len(p.chunks) != tt.chunks || p.coarse != tt.coarse || len(p.notes) != tt.notes {
				t.Errorf("step %v chunks %d coarse %v notes %q; want %v %d %v %d notes", p.step, len(p.chunks), p.coarse, p.notes, tt.step, tt.chunks, tt.coarse, tt.notes)
			}
			checkPlan(t, sources.Window{From: from, To: from.Add(tt.window)}, p)
		})
	}
}

// checkPlan asserts the invariants of a plan: chunks cover the window's
// evaluation times once, in order, each within the server's limit.
func checkPlan(t *testing.T, w sources.Window, p plan) {
	t.Helper()
	if len(p.chunks) == 0 {
		// Only when no multiple of the step lies in the window.
		s := int64(p.step / time.Second)
		first := (w.From.Unix() + s - 1) / s * s
		if w.From.Unix() >= 0 && time.Unix(first, 0).Before(w.To) && !time.Unix(first, 0).Before(w.From) {
			t.Fatalf("no chunks for %v at %v", w, p.step)
		}
		return
	}
	if p.first.Before(w.From) || !p.first.Add(-p.step).Before(w.From) {
		t.Fatalf("first %v is not the first step time in %v", p.first, w)
	}
	if !p.last.Before(w.To) || p.last.Add(p.step).Before(w.To) {
		t.Fatalf("last %v is not the last step time in %v", p.last, w)
	}
	if !p.chunks[0].from.Equal(p.first) || !p.chunks[len(p.chunks)-1].to.Equal(p.last) {
		t.Fatalf("chunks %v..%v, want %v..%v", p.chunks[0].from, p.chunks[len(p.chunks)-1].to, p.first, p.last)
	}
	for i, c := range p.chunks {
		if n := c.points(p.step); n < 1 || n > MaxPointsPerQuery {
			t.Fatalf("chunk %d has %d points", i, n)
		}
		if c.from.Unix()%int64(p.step/time.Second) != 0 {
			t.Fatalf("chunk %d starts off the step: %v", i, c.from)
		}
		if i > 0 && !c.from.Equal(p.chunks[i-1].to.Add(p.step)) {
			t.Fatalf("chunk %d starts at %v, previous ends at %v", i, c.from, p.chunks[i-1].to)
		}
	}
}

func TestChunkSplit(t *testing.T) {
	from := time.Unix(1763564400, 0).UTC()
	c := chunk{from, from.Add(9 * time.Minute)} // 10 points
	a, b, ok := c.split(time.Minute)
	if !ok || a.points(time.Minute) != 5 || b.points(time.Minute) != 5 || !b.from.Equal(a.to.Add(time.Minute)) {
		t.Errorf("split = %v %v %v", a, b, ok)
	}
	if _, _, ok := (chunk{from, from}).split(time.Minute); ok {
		t.Error("a single point split")
	}
}
