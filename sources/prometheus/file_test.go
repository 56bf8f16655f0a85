package prometheus

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/file"
)

// The same OpenMetrics file read offline by the file source and backfilled
// into a real server gives the same probes and the same gauge series: same
// keys, same values at the same times. (Counters differ on purpose: the
// file source rates each raw series, this source asks the server for rates
// aggregated per host.)
func TestSameAsFileSource(t *testing.T) {
	bs := mustBackends(t)
	fs, err := file.New(file.Config{Name: "demo", Path: fixturePath})
	if err != nil {
		t.Fatal(err)
	}
	w := fixtureWindow()
	offline, err := fs.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(offline.Gaps) > 0 {
		t.Fatalf("file source gaps: %v", offline.Gaps)
	}
	for _, b := range bs {
		t.Run("backend="+b.name, func(t *testing.T) {
			online := mustFetch(t, mustNew(t, Config{Name: "demo", URL: b.url}), w, time.Minute)
			compareProbes(t, offline.Probes, online.Probes)

			got := map[string]*sources.Series{}
			for i := range online.Series {
				got[online.Series[i].Key()] = &online.Series[i]
			}
			compared := 0
			for i := range offline.Series {
				want := &offline.Series[i]
				if strings.HasSuffix(want.Unit, "/s") || strings.HasPrefix(want.Name, "ALERTS") {
					continue // a counter's rate, or an alert (an Event here)
				}
				have := got[want.Key()]
				if have == nil {
					t.Errorf("gauge %s: missing from %s", want.Key(), b.name)
					continue
				}
				compared++
				if have.Role != want.Role || have.Unit != want.Unit {
					t.Errorf("%s: role/unit %v %q, file source %v %q", want.Key(), have.Role, have.Unit, want.Role, want.Unit)
				}
				if len(have.Points) != len(want.Points) {
					t.Errorf("%s: %d points, file source %d", want.Key(), len(have.Points), len(want.Points))
					continue
				}
				for j, p := range want.Points {
					q := have.Points[j]
					if !q.T.Equal(p.T) || math.Abs(q.V-p.V) > 1e-9*math.Max(1, math.Abs(p.V)) {
						t.Errorf("%s point %d: %v %v, file source %v %v", want.Key(), j, q.T, q.V, p.T, p.V)
						break
					}
				}
			}
			// probe_http_status_code for two targets, 10 phases, and db1's
			// load, memory and filesystem (probe_duration_seconds and
			// monitor_response_time are the probes' latency, compared
			// with the probes).
			if compared != 15 {
				t.Errorf("compared %d gauge series, want 15", compared)
			}
		})
	}
}

func compareProbes(t *testing.T, want, have []sources.Probe) {
	t.Helper()
	if len(want) != len(have) {
		t.Fatalf("%d probes, file source %d", len(have), len(want))
	}
	for i := range want {
		w, h := want[i], have[i]
		if w.Name != h.Name || w.Target != h.Target || len(w.Beats) != len(h.Beats) {
			t.Errorf("probe %q %q %d beats, file source %q %q %d", h.Name, h.Target, len(h.Beats), w.Name, w.Target, len(w.Beats))
			continue
		}
		for j := range w.Beats {
			if w.Beats[j] != h.Beats[j] {
				t.Errorf("probe %s beat %d: %+v, file source %+v", w.Name, j, h.Beats[j], w.Beats[j])
				break
			}
		}
	}
}
