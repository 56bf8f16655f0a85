package kuma

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/cputime"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
)

// benchDB builds 7 days of 60 s heartbeats for 20 monitors (201,600 beats),
// each monitor with one 5-minute outage.
func benchDB(b *testing.B, version int) (path string, w sources.Window) {
	b.Helper()
	from := utc("2025-11-15T00:00:00Z")
	to := from.AddDate(0, 0, 7)
	var mons []kumadb.Monitor
	var beats []kumadb.Beat
	for m := 1; m <= 20; m++ {
		mons = append(mons, kumadb.Monitor{ID: m, Name: fmt.Sprintf("svc-%02d", m),
			URL: fmt.Sprintf("https://svc%02d.example", m), Interval: 60, Active: true})
	}
	for i := 0; i < 7*1440; i++ {
		for m := 1; m <= 20; m++ {
			st, ping, msg := kumadb.Up, 80+(i*m)%70, "200 - OK"
			if i >= 3000+m*200 && i < 3005+m*200 {
				st, ping, msg = kumadb.Down, -1, "timeout of 48000ms exceeded"
			}
			beats = append(beats, kumadb.Beat{MonitorID: m, T: from.Add(time.Duration(i)*time.Minute + time.Duration(m)*time.Second),
				Status: st, PingMS: ping, Msg: msg})
		}
	}
	kumadb.MarkImportant(beats)
	path = filepath.Join(b.TempDir(), "kuma.db")
	if err := kumadb.Create(path, kumadb.Options{Version: version, Now: to}, mons, beats); err != nil {
		b.Fatal(err)
	}
	return path, sources.Window{From: from, To: to}
}

// BenchmarkFetch reads a whole week of a 20-monitor database: every raw
// beat in v1; one day of raw beats and six of hourly aggregates in v2.
func BenchmarkFetch(b *testing.B) {
	for _, v := range []int{1, 2} {
		b.Run(fmt.Sprintf("version=%d/monitors=20/days=7", v), func(b *testing.B) {
			path, w := benchDB(b, v)
			s, err := New(Config{Path: path})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			beats := 0
			for b.Loop() {
				ds, err := s.Fetch(context.Background(), w, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				for _, p := range ds.Probes {
					beats += len(p.Beats)
				}
			}
			b.ReportMetric(float64(beats)/b.Elapsed().Seconds(), "beats/s")
		})
	}
}

// monthDB is the issue 19 database: 300 monitors beating every 60 s for
// 30 days (12.96 M heartbeats, 1.9 GB), one outage each. It is built
// once by kumadb.Generate into .cache/ at the repository's root (ignored
// by git; minutes to build) and reused.
func monthDB(b *testing.B) (string, sources.Window) {
	b.Helper()
	from := utc("2025-10-22T00:00:00Z")
	w := sources.Window{From: from, To: from.AddDate(0, 0, 30)}
	dir := filepath.Join("..", "..", ".cache")
	path := filepath.Join(dir, "kuma-300x30d.db")
	if _, err := os.Stat(path); err == nil {
		return path, w
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	if err := kumadb.Generate(tmp, kumadb.Gen{Monitors: 300, Days: 30, From: from}); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	return path, w
}

// BenchmarkFetchMonth reads 300 monitors × 30 days (issue 19) at the
// analysis's step of 1m and 5m. Either way the 12.96 M checks are more
// than maxBeats, so passed checks are summed per 15m (fitStep) and the
// beats are those summaries and the outages' raw beats. live-MB is the
// heap the dataset holds after a collection; cpu-s/op includes the
// collection that measures it.
func BenchmarkFetchMonth(b *testing.B) {
	path, w := monthDB(b)
	for _, step := range []time.Duration{time.Minute, 5 * time.Minute} {
		b.Run(fmt.Sprintf("monitors=300/days=30/step=%v", step), func(b *testing.B) {
			s, err := New(Config{Path: path})
			if err != nil {
				b.Fatal(err)
			}
			checks, beats := 0, 0
			var live uint64
			cpu0 := cputime.Process()
			for b.Loop() {
				ds, err := s.Fetch(context.Background(), w, step)
				if err != nil {
					b.Fatal(err)
				}
				checks, beats = 0, 0
				for _, p := range ds.Probes {
					beats += len(p.Beats)
					for _, x := range p.Beats {
						checks += max(x.Checks, 1)
					}
				}
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				live = ms.HeapAlloc
				runtime.KeepAlive(ds)
			}
			// CPU seconds first: a shared machine stretches the wall time.
			b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
			b.ReportMetric(float64(checks)*float64(b.N)/b.Elapsed().Seconds(), "checks/s")
			b.ReportMetric(float64(beats), "beats")
			b.ReportMetric(float64(live)/(1<<20), "live-MB")
		})
	}
}
