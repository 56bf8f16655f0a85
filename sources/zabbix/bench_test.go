package zabbix

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

const (
	benchItems = 100
	benchDays  = 7
)

// benchSeed adds host "bench" with benchItems float items and benchDays of
// 1-minute history each, by SQL, once per test binary.
func (z *realZabbix) benchSeed(tb testing.TB) {
	tb.Helper()
	z.benchOnce.Do(func() {
		ctx := context.Background()
		c, err := z.admin(ctx)
		if err != nil {
			z.benchErr = err
			return
		}
		defer c.logout(ctx)
		host, err := z.create(ctx, c, "host.create", map[string]any{"host": "bench", "groups": []map[string]string{{"groupid": "2"}}}, "bench")
		if err != nil {
			z.benchErr = err
			return
		}
		var items []map[string]any
		for i := range benchItems {
			items = append(items, map[string]any{"hostid": host, "key_": fmt.Sprintf("bench.latency[%d]", i), "name": fmt.Sprintf("bench %d", i),
				"type": 2, "value_type": 0, "units": "s", "history": "3650d", "trends": "3650d", "delay": "0"})
		}
		var r idResult
		if err := c.call(ctx, "item.create", items, &r, true); err != nil {
			z.benchErr = err
			return
		}
		_, z.benchErr = z.psql(fmt.Sprintf(`INSERT INTO history (itemid, clock, value, ns)
			SELECT i.itemid, ts, ((ts * 2654435761::bigint + i.itemid) %% 1000) / 1000.0, 0
			FROM items i, generate_series(%d, %d, 60) AS ts WHERE i.hostid = %s`,
			seedFrom, seedFrom+benchDays*86400-60, host))
	})
	if z.benchErr != nil {
		tb.Fatalf("bench seed: %v", z.benchErr)
	}
}

// BenchmarkFetch reads benchItems items × benchDays days of 1-minute
// history from the local real Zabbix 6.0 (php -S, 4 workers) and reports
// values/s. The goal (issue 4) is 100 × 7 days in ≤ 5 s.
func BenchmarkFetch(b *testing.B) {
	z := needZabbix(b)
	z.benchSeed(b)
	b.Setenv("HINDSIGHT_TEST_ZBX_PASSWORD", adminPass)
	s := mustSource(b, Config{URL: z.url, User: adminUser, PasswordEnv: "HINDSIGHT_TEST_ZBX_PASSWORD", Hosts: []string{"bench"}})
	w := sources.Window{From: time.Unix(seedFrom, 0), To: time.Unix(seedFrom+benchDays*86400, 0)}
	b.Run(fmt.Sprintf("items=%d/days=%d", benchItems, benchDays), func(b *testing.B) {
		b.ReportAllocs()
		values := 0
		for b.Loop() {
			ds, err := s.Fetch(context.Background(), w, time.Minute)
			if err != nil {
				b.Fatal(err)
			}
			values = 0
			for _, s := range ds.Series {
				values += len(s.Points)
			}
		}
		if want := benchItems * benchDays * 1440; values != want {
			b.Fatalf("%d values, want %d", values, want)
		}
		b.ReportMetric(float64(values)*float64(b.N)/b.Elapsed().Seconds(), "values/s")
	})
}
