package loki

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/vltest"
	"github.com/hindsight-sre/hindsight/sources"
)

// BenchmarkFetchBusyDay fetches a day of a busy web service's logs
// (vltest.BusyDay: 500,000 nginx and application lines) through Loki's
// API, from the stand-in server of these tests (no Loki can run here):
// the counts, then every line in pages of 5000, decoded, parsed and mined.
// client_cpu_s/op is this process's CPU, the stand-in's share included.
func BenchmarkFetchBusyDay(b *testing.B) {
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	const n = 500_000
	var es []entry
	for _, e := range vltest.BusyDay(day, n) {
		es = append(es, entry{labels: e.Fields, t: e.T.UnixNano(), line: e.Msg})
	}
	_, srv := newFake(b, es)
	s := mustNew(b, Config{URL: srv.URL, Query: `{app=~".+"}`})
	w := sources.Window{From: day, To: day.Add(24 * time.Hour)}
	var ds *sources.Dataset
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	for b.Loop() {
		var err error
		if ds, err = s.Fetch(context.Background(), w, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	mined := 0
	for _, p := range ds.Patterns {
		mined += p.Total()
	}
	if mined != n {
		b.Fatalf("mined %d lines, want %d", mined, n)
	}
	cpu := time.Duration(ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano())
	b.ReportMetric(cpu.Seconds()/float64(b.N), "client_cpu_s/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "window_lines/s")
}
