package logs

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/drain"
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
		if p.Source != name || p.File == "" || p.Template == "" || len(p.Examples) == 0 || len(p.Examples) > 6 || p.Total() == 0 {
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

// Pattern IDs are the drain hash of the template: stable across runs.
func TestPatternIDs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "syslog")
	lines := "Nov 20 03:00:01 db1 CRON[100]: (root) CMD (/usr/local/bin/backup.sh)\nNov 20 03:10:01 db1 CRON[200]: (root) CMD (/usr/local/bin/backup.sh)\n"
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Asia/Seoul")
	src, err := New(Config{Name: "syslog", Paths: []string{path}, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: time.Date(2025, 11, 20, 0, 0, 0, 0, loc), To: time.Date(2025, 11, 21, 0, 0, 0, 0, loc)}
	ds, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil || len(ds.Patterns) == 0 {
		t.Fatalf("patterns %v, %v", ds, err)
	}
	for _, p := range ds.Patterns {
		if p.ID == "" || p.ID != drain.ID(p.Template) {
			t.Errorf("pattern %q: ID %q, want drain.ID of its template", p.Template, p.ID)
		}
	}
}
