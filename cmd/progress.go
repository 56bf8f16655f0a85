package cmd

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/hindsight-sre/hindsight/sources"
)

// progress tells a person at a terminal what a long fetch is doing, one
// line per source as it finishes. It says nothing when stderr is not a
// terminal (cron, systemd, CI, a pipe), where such lines are noise.
type progress struct {
	mu    sync.Mutex
	w     io.Writer // nil: silent
	total int
	done  int
}

func newProgress(stderr io.Writer, total int) *progress {
	p := &progress{total: total}
	if f, ok := stderr.(interface{ Fd() uintptr }); ok && isatty.IsTerminal(f.Fd()) {
		p.w = stderr
	}
	return p
}

func (p *progress) printf(format string, a ...any) {
	if p == nil || p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "hindsight: "+format+"\n", a...)
}

// wrap returns srcs with each Fetch reported to p.
func (p *progress) wrap(srcs []sources.Source) []sources.Source {
	if p.w == nil {
		return srcs
	}
	out := make([]sources.Source, len(srcs))
	for i, s := range srcs {
		out[i] = progressSource{s, p}
	}
	return out
}

type progressSource struct {
	sources.Source
	p *progress
}

func (s progressSource) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	start := time.Now()
	ds, err := s.Source.Fetch(ctx, w, step)
	s.p.mu.Lock()
	s.p.done++
	n := s.p.done
	s.p.mu.Unlock()
	took := time.Since(start).Round(10 * time.Millisecond)
	if err != nil {
		s.p.printf("[%d/%d] %s failed after %s", n, s.p.total, s.Name(), took)
		return ds, err
	}
	var beats, points, lines int
	for _, p := range ds.Probes {
		beats += len(p.Beats)
	}
	for _, sr := range ds.Series {
		points += len(sr.Points)
	}
	for _, lp := range ds.Patterns {
		for _, b := range lp.Counts {
			lines += b.N
		}
	}
	var got []string
	for _, c := range []struct {
		n    int
		noun string
	}{{beats, "checks"}, {points, "points"}, {len(ds.Events), "events"}, {lines, "log lines"}} {
		if c.n > 0 {
			got = append(got, fmt.Sprintf("%d %s", c.n, c.noun))
		}
	}
	if len(got) == 0 {
		got = []string{"nothing"}
	}
	s.p.printf("[%d/%d] %s: %s in %s", n, s.p.total, s.Name(), strings.Join(got, ", "), took)
	return ds, nil
}
