package kuma

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

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
