package kuma

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
)

// TestFetchStepsCollapseUpChecks: at a step coarser than the checks, a
// step whose checks all passed is one summary beat, and nothing the
// analysis reads is lost: every failed and PENDING check keeps its time
// and message, the first UP after them stays raw, each step's mean latency
// and the counts of checks and failures are those of the raw beats, and
// the analysis finds the same outage (issue 19: memory per step, not per
// heartbeat).
func TestFetchStepsCollapseUpChecks(t *testing.T) {
	from := utc("2025-11-19T00:00:00Z")
	outage := utc("2025-11-20T18:41:00Z")
	beats := demoBeats(from, 2*1440, outage)
	kumadb.MarkImportant(beats)
	path := mustBuild(t, 1, time.Time{}, demoMonitors, beats)
	s, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: from, To: from.Add(48 * time.Hour)}
	const step = 5 * time.Minute
	raw, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	stepped, err := s.Fetch(context.Background(), w, step)
	if err != nil {
		t.Fatal(err)
	}
	for i, rp := range raw.Probes {
		sp := stepped.Probes[i]
		if len(sp.Beats) > len(rp.Beats)/3 {
			t.Errorf("%s: %d beats at %v for %d checks: steps not collapsed", sp.Name, len(sp.Beats), step, len(rp.Beats))
		}
		checks, failed := 0, 0
		var failing []sources.Beat
		type acc struct {
			sum time.Duration
			n   int
		}
		rawMean, stepMean := map[int64]acc{}, map[int64]acc{}
		for _, b := range rp.Beats {
			if b.Span != 0 {
				t.Fatalf("%s: a summary beat at step 1m with checks every 60 s", rp.Name)
			}
			if b.Status != sources.Up {
				failing = append(failing, b)
			} else if b.Latency > 0 {
				k := int64(b.T.Sub(from) / step)
				a := rawMean[k]
				rawMean[k] = acc{a.sum + b.Latency, a.n + 1}
			}
		}
		var kept []sources.Beat
		for _, b := range sp.Beats {
			if b.Span > 0 {
				if b.Span != step || b.Failed != 0 || b.Status != sources.Up || b.Checks < 2 || b.T.Sub(from)%step != 0 {
					t.Errorf("%s: summary beat %+v", sp.Name, b)
				}
				checks += b.Checks
			} else {
				checks++
				if b.Status != sources.Up {
					failed++
					kept = append(kept, b)
				}
			}
			if b.Status == sources.Up && b.Latency > 0 {
				k := int64(b.T.Sub(from) / step)
				a := stepMean[k]
				n := max(b.Checks, 1)
				stepMean[k] = acc{a.sum + b.Latency*time.Duration(n), a.n + n}
			}
		}
		if checks != len(rp.Beats) || failed != len(failing) {
			t.Errorf("%s: %d checks, %d failed; raw beats say %d and %d", sp.Name, checks, failed, len(rp.Beats), len(failing))
		}
		if len(kept) != len(failing) {
			t.Fatalf("%s: %d failing beats kept of %d", sp.Name, len(kept), len(failing))
		}
		for j := range kept {
			if kept[j] != failing[j] {
				t.Errorf("%s: failing beat %+v became %+v", sp.Name, failing[j], kept[j])
			}
		}
		for k, a := range rawMean {
			b := stepMean[k]
			if d := a.sum/time.Duration(a.n) - b.sum/time.Duration(b.n); d < -time.Millisecond || d > time.Millisecond || a.n != b.n {
				t.Errorf("%s: step %d: mean latency %v of %d, raw %v of %d", sp.Name, k, b.sum/time.Duration(max(b.n, 1)), b.n, a.sum/time.Duration(a.n), a.n)
			}
		}
	}
	// The analysis sees the same outage, checks and failures.
	win := sources.Window{From: utc("2025-11-20T18:00:00Z"), To: utc("2025-11-20T20:00:00Z")}
	o := analyze.Options{Window: win, Baseline: 18 * time.Hour, Step: step}
	fr, fs := analyze.Run(raw, o), analyze.Run(stepped, o)
	for i, ri := range fr.Impact {
		si := fs.Impact[i]
		if ri.Checks != si.Checks || ri.Failed != si.Failed || ri.Outages != si.Outages || ri.Downtime != si.Downtime {
			t.Errorf("%s: impact %d checks, %d failed, %d outages, %v down; from raw beats %d, %d, %d, %v",
				ri.Probe, si.Checks, si.Failed, si.Outages, si.Downtime, ri.Checks, ri.Failed, ri.Outages, ri.Downtime)
		}
	}
	if fr.Impact[0].Outages != 1 {
		t.Errorf("Shop: %d outages, want the one of the data", fr.Impact[0].Outages)
	}
}

// TestFetchBoundsBeats: a fetch that would hold more than maxBeats beats
// sums passed checks over a coarser step, says so in a note, and keeps
// every failed check with its time; checks and failures add up to the
// raw beats' (issue 19: 300 monitors × 30 days in bounded memory).
func TestFetchBoundsBeats(t *testing.T) {
	defer func(n int) { maxBeats = n }(maxBeats)
	from := utc("2025-11-19T00:00:00Z")
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(from, 2*1440, utc("2025-11-20T18:41:00Z")))
	s, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: from, To: from.Add(48 * time.Hour)}
	raw, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Notes) != 0 {
		t.Fatalf("notes within the bound: %q", raw.Notes)
	}
	maxBeats = 1000 // 2 monitors × 2,880 checks: 5m gives 1,152, 10m 576
	bounded, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(bounded.Notes) != 1 || !strings.Contains(bounded.Notes[0], "summed per 10m instead of per 1m") {
		t.Errorf("notes %q, want one saying the checks were summed per 10m", bounded.Notes)
	}
	total := 0
	for i, bp := range bounded.Probes {
		rp := raw.Probes[i]
		total += len(bp.Beats)
		var rawFailed, gotFailed []sources.Beat
		rc, gc := 0, 0
		for _, b := range rp.Beats {
			rc++
			if b.Status != sources.Up {
				rawFailed = append(rawFailed, b)
			}
		}
		for _, b := range bp.Beats {
			gc += max(b.Checks, 1)
			if b.Span != 0 && b.Span != 10*time.Minute {
				t.Errorf("%s: a summary of %v", bp.Name, b.Span)
			}
			if b.Status != sources.Up {
				gotFailed = append(gotFailed, b)
			}
		}
		if rc != gc || !reflect.DeepEqual(rawFailed, gotFailed) {
			t.Errorf("%s: %d checks (%d failed) summed, raw %d (%d failed)", bp.Name, gc, len(gotFailed), rc, len(rawFailed))
		}
	}
	if total > 1000+20 {
		t.Errorf("%d beats, want about 1,000 at most", total)
	}
}

func TestFitStep(t *testing.T) {
	w := sources.Window{From: utc("2025-10-22T00:00:00Z"), To: utc("2025-11-21T00:00:00Z")}
	ms := make([]monitor, 300)
	for i := range ms {
		ms[i] = monitor{id: i + 1, interval: 60}
	}
	for _, c := range []struct {
		n     int
		step  time.Duration
		limit int
		want  time.Duration
	}{
		{300, time.Minute, 2_000_000, 10 * time.Minute}, // 13 M checks
		{30, time.Minute, 2_000_000, time.Minute},       // 1.3 M
		{300, time.Hour, 2_000_000, time.Hour},
		{300, 0, 2_000_000, 0}, // no step: raw
		{300, time.Minute, 10, 1440 * time.Minute},
		{300, time.Minute, maxBeats, 15 * time.Minute}, // the default
	} {
		if got := fitStep(ms[:c.n], w, c.step, c.limit); got != c.want {
			t.Errorf("%d monitors at %v, limit %d: %v, want %v", c.n, c.step, c.limit, got, c.want)
		}
	}
}

// TestBeatBudget: the beats one fetch may hold, at their size, stay
// within 100 MB, so that with the collector's doubling of the live heap
// a month of 300 monitors through `hindsight sla` peaks under the 256 MiB
// issue 19 set (181-205 MB measured with 1 M beats, 254-289 MB with 2 M). A
// bigger Beat or bound must lower the other.
func TestBeatBudget(t *testing.T) {
	if b := int(unsafe.Sizeof(sources.Beat{})) * maxBeats; b > 100e6 {
		t.Errorf("maxBeats %d × %d bytes a beat = %d MB live, over the 100 MB budget", maxBeats, unsafe.Sizeof(sources.Beat{}), b/1e6)
	}
}
