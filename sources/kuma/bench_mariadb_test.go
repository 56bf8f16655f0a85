package kuma

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/demo"
	"github.com/hindsight-sre/hindsight/sources"
)

// BenchmarkFetchMariaDB reads the demo's Kuma 2 database (eight days of
// two monitors: raw beats of the last day, minutely, hourly and daily
// rows) from a real MariaDB over TCP, against the same from its SQLite
// file.
func BenchmarkFetchMariaDB(b *testing.B) {
	srv, sqlite := mariaDemoB(b)
	host, port := srv.Addr[:len(srv.Addr)-len(fmt.Sprint(portOf(srv.Addr)))-1], portOf(srv.Addr)
	b.Setenv("KUMA_BENCH_PASSWORD", "pw-hindsight")
	w := sources.Window{From: demo.Start, To: demo.End}
	for name, c := range map[string]Config{
		"backend=mariadb": {Host: host, Port: port, User: "hindsight", PasswordEnv: "KUMA_BENCH_PASSWORD"},
		"backend=sqlite":  {Path: sqlite},
	} {
		b.Run(name, func(b *testing.B) {
			s, err := New(c)
			if err != nil {
				b.Fatal(err)
			}
			beats := 0
			for b.Loop() {
				ds, err := s.Fetch(context.Background(), w, time.Minute)
				if err != nil {
					b.Fatal(err)
				}
				beats = 0
				for _, p := range ds.Probes {
					beats += len(p.Beats)
				}
			}
			b.ReportMetric(float64(beats), "beats")
		})
	}
}

func portOf(addr string) int {
	var p int
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			fmt.Sscanf(addr[i+1:], "%d", &p)
			break
		}
	}
	return p
}
