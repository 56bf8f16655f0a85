package logs

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// accessDay writes an access log of a day from t0, a request every 30 s
// with a 5xx now and then, and returns its config.
func accessDay(t *testing.T) Config {
	var b strings.Builder
	for i := range 2 * 24 * 60 {
		status := 200
		if i%50 == 0 {
			status = 502
		}
		b.WriteString(access(time.Duration(i)*30*time.Second, fmt.Sprintf("GET /api/items/%d HTTP/1.1", i%40), status, fmt.Sprintf("%.3f", 0.01+float64(i%17)/100)))
	}
	dir := t.TempDir()
	mustWrite(t, dir, "access.log", b.String())
	return Config{Name: "nginx", Paths: []string{filepath.Join(dir, "access.log")}, Location: time.UTC}
}

// TestAccessSeriesFollowLines (issue 19): the access-log series begin
// at the first line's step, not at the window's start (the log did not
// cover the steps before: no requests is not known there), and run to
// the window's end (a log that falls silent is news). So a 300-day
// window over a day of lines costs about what a 2-day one does: before,
// every step of the window had a tally and a point (about 60 MB here).
func TestAccessSeriesFollowLines(t *testing.T) {
	c := accessDay(t)
	end := t0.Add(36 * time.Hour) // 12 hours of silence after the day
	fetch := func(days int) (*sources.Dataset, uint64) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ds := mustFetch(t, c, sources.Window{From: end.Add(-time.Duration(days) * 24 * time.Hour), To: end}, time.Minute)
		runtime.ReadMemStats(&after)
		return ds, after.TotalAlloc - before.TotalAlloc
	}
	short, shortAlloc := fetch(2)
	long, longAlloc := fetch(300)
	t.Logf("allocated: 2-day window %.1f MB, 300-day window %.1f MB", float64(shortAlloc)/1e6, float64(longAlloc)/1e6)
	if longAlloc > shortAlloc*3/2 {
		t.Errorf("a 300-day window over a day of lines allocated %.1f MB, the 2-day one %.1f MB: memory follows the window",
			float64(longAlloc)/1e6, float64(shortAlloc)/1e6)
	}
	for name, ds := range map[string]*sources.Dataset{"2 days": short, "300 days": long} {
		for _, s := range []string{"nginx requests", "nginx 5xx"} {
			pts := seriesByName(ds)[s].Points
			if len(pts) != 36*60 || !pts[0].T.Equal(t0) || !pts[len(pts)-1].T.Equal(end.Add(-time.Minute)) {
				t.Fatalf("%s: %s has %d points, want %d from the first line's step %s to the window's last %s; got %v .. %v",
					name, s, len(pts), 36*60, t0, end.Add(-time.Minute), pts[0].T, pts[len(pts)-1].T)
			}
			for i, p := range pts {
				if p.V != 0 && i >= 24*60 {
					t.Fatalf("%s: %s is %v at %s, after the last line", name, s, p.V, p.T)
				}
			}
		}
		if req := seriesByName(ds)["nginx requests"].Points; req[0].V != 2.0/60 || req[24*60-1].V != 2.0/60 {
			t.Errorf("%s: requests %v and %v per second in the first and last steps with lines, want 2/60", name, req[0].V, req[24*60-1].V)
		}
	}
}

// TestAccessStepsOutOfOrder: lines before the first one read (times out
// of order, chunks read on other cores) widen the tallies at the front;
// every count lands in its step, as one reader in order counts them.
func TestAccessStepsOutOfOrder(t *testing.T) {
	var b strings.Builder
	for _, m := range []int{100, 101, 101, 40, 250, 10, 101} {
		status := 200
		if m == 40 {
			status = 503
		}
		b.WriteString(access(time.Duration(m)*time.Minute, "GET / HTTP/1.1", status, "0.100"))
	}
	dir := t.TempDir()
	mustWrite(t, dir, "access.log", b.String())
	c := Config{Name: "nginx", Paths: []string{filepath.Join(dir, "access.log")}, Location: time.UTC}
	ds := mustFetch(t, c, sources.Window{From: t0.Add(-time.Hour), To: t0.Add(5 * time.Hour)}, time.Minute)
	req := seriesByName(ds)["nginx requests"].Points
	if len(req) != 5*60-10 || !req[0].T.Equal(t0.Add(10*time.Minute)) {
		t.Fatalf("requests: %d points from %v, want %d from %v", len(req), req[0].T, 5*60-10, t0.Add(10*time.Minute))
	}
	want := map[int]float64{10: 1, 40: 1, 100: 1, 101: 3, 250: 1}
	for i, p := range req {
		if m := 10 + i; p.V*60 != want[m] {
			t.Errorf("minute %d: %v requests, want %v", m, p.V*60, want[m])
		}
	}
	errs := seriesByName(ds)["nginx 5xx"].Points
	if errs[30].V*60 != 1 || len(errs) != len(req) {
		t.Errorf("5xx: %v at minute 40, %d points; want 1 and %d", errs[30].V*60, len(errs), len(req))
	}
}

// TestAccessStepsChunked: a file read in chunks on all cores, each chunk
// tallying its own steps, gives the series one reader gives.
func TestAccessStepsChunked(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: files are not chunked")
	}
	c := accessDay(t)
	w := sources.Window{From: t0.Add(-24 * time.Hour), To: t0.Add(36 * time.Hour)}
	fetch := func(min int64) map[string]sources.Series {
		old := parallelMin
		parallelMin = min
		defer func() { parallelMin = old }()
		return seriesByName(mustFetch(t, c, w, time.Minute))
	}
	one, many := fetch(1<<62), fetch(1<<10)
	for name, s := range one {
		m := many[name]
		if len(m.Points) != len(s.Points) || len(s.Points) == 0 {
			t.Fatalf("%s: %d points in chunks, %d read whole", name, len(m.Points), len(s.Points))
		}
		for i, p := range s.Points {
			if q := m.Points[i]; !q.T.Equal(p.T) || q.V != p.V {
				t.Fatalf("%s: point %d is %v in chunks, %v read whole", name, i, q, p)
			}
		}
	}
}
