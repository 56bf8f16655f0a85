package scenarios

import (
	"fmt"
	"time"
)

// All are the scenarios, in the order their seeds are assigned: append,
// never reorder, or every generated file changes.
var All = []func(*builder){
	nightlyBackupIO,
	cronCPUHog,
	logrotateRestart,
	deploy5xx,
	dbPoolExhaustion,
	gcPauses,
	dnsFailure,
	certExpiry,
	trafficSurge,
	chanceAnomaly,
	overlappingCauses,
	noCause,
	oomEpisode,
}

const shop = "https://shop.example"

func nightlyBackupIO(b *builder) {
	b.expect = Expect{Name: "nightly-backup-io", Description: "pg_dump at 03:00 every night saturates the disk; the shop slows down for 20 minutes",
		Around: "2025-11-20 03:10", Symptom: "latency_spike", Subject: shop, Top: `backup`, Recurring: true}
	b.background()
	b.probe(shop, func(t time.Time) (bool, float64) {
		if within(t, 3, 0, 20) {
			return true, b.noise(2.2, 2.9)
		}
		return true, b.okLatency(t)
	})
	b.counter("node_disk_io_time_seconds", `device="sda",instance="db1:9100",job="node"`, func(t time.Time) float64 {
		if within(t, 3, 0, 20) {
			return b.noise(0.85, 0.98)
		}
		return b.noise(0.03, 0.08)
	})
	b.gauge("node_load1", `instance="db1:9100",job="node"`, func(t time.Time) float64 {
		if within(t, 3, 0, 20) {
			return b.noise(3.5, 4.5)
		}
		return b.noise(0.3, 0.8)
	})
	b.daily(3, 0, 1, func(int) string {
		return fmt.Sprintf("CRON[%d]: (postgres) CMD (/usr/local/bin/pg-backup.sh)", b.pid())
	})
}

func cronCPUHog(b *builder) {
	b.expect = Expect{Name: "cron-cpu-hog", Description: "a nightly report job at 02:30 takes all the CPU for 15 minutes",
		Around: "2025-11-20 02:40", Symptom: "latency_spike", Subject: shop, Top: `report-generator`, Recurring: true}
	b.background()
	b.probe(shop, func(t time.Time) (bool, float64) {
		if within(t, 2, 30, 45) {
			return true, b.noise(0.9, 1.4)
		}
		return true, b.okLatency(t)
	})
	b.counter("node_cpu_seconds", `cpu="0",instance="app1:9100",job="node",mode="user"`, func(t time.Time) float64 {
		if within(t, 2, 30, 45) {
			return b.noise(0.93, 0.99)
		}
		return b.noise(0.08, 0.25)
	})
	b.daily(2, 30, 1, func(int) string {
		return fmt.Sprintf("CRON[%d]: (www-data) CMD (/opt/shop/bin/report-generator --all-customers)", b.pid())
	})
}

func logrotateRestart(b *builder) {
	b.expect = Expect{Name: "logrotate-restart", Description: "logrotate's postrotate restarts the app every morning at 06:25: a one-minute outage",
		Around: "2025-11-20 06:30", Symptom: "outage", Subject: shop, Top: `cron\.daily`, Recurring: true}
	b.background()
	b.probe(shop, func(t time.Time) (bool, float64) {
		if within(t, 6, 25, 27) {
			return false, 0.002
		}
		return true, b.okLatency(t)
	})
	b.daily(6, 25, 1, func(int) string {
		return fmt.Sprintf("CRON[%d]: (root) CMD (test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; })", b.pid())
	})
	b.daily(6, 25, 3, func(int) string { return "systemd[1]: Stopping shop.service - Shop application..." })
	b.daily(6, 25, 5, func(int) string { return "systemd[1]: Stopped shop.service - Shop application." })
	b.daily(6, 26, 58, func(int) string { return "systemd[1]: Started shop.service - Shop application." })
}

func deploy5xx(b *builder) {
	b.expect = Expect{Name: "deploy-5xx", Description: "release v3.2.0 at 15:10 breaks checkout: 5xx and the probe fails until the rollback",
		Around: "2025-11-20 15:15", Symptom: "outage", Subject: shop, Top: `v3\.2\.0`}
	b.background()
	bad0, bad1 := at(3, 15, 12), at(3, 15, 24)
	b.probe(shop, func(t time.Time) (bool, float64) {
		if between(t, bad0, bad1) {
			return false, 0.05
		}
		return true, b.okLatency(t)
	})
	b.counter("nginx_http_requests", `instance="web1",status="5xx"`, func(t time.Time) float64 {
		if between(t, bad0, bad1) {
			return b.noise(2, 4)
		}
		return 0
	})
	// An earlier release that went fine: deploys are not suspicious by
	// themselves.
	b.log(at(1, 11, 2), "deploy[3100]: shop: deploying release v3.1.4 (commit 77aa01c)")
	b.log(at(1, 11, 2).Add(8*time.Second), "systemd[1]: Started shop.service - Shop application.")
	b.log(at(3, 15, 10), "deploy[4242]: shop: deploying release v3.2.0 (commit 9f3c2ab)")
	b.log(at(3, 15, 10).Add(9*time.Second), "systemd[1]: Started shop.service - Shop application.")
	for t := bad0.Add(-30 * time.Second); t.Before(bad1); t = t.Add(20 * time.Second) {
		b.log(t, fmt.Sprintf("shop[%d]: ERROR checkout failed: undefined method 'tax_rate' for nil", 5100))
	}
	b.log(bad1.Add(-90*time.Second), "deploy[4300]: shop: rolling back to release v3.1.4 (commit 77aa01c)")
}

func dbPoolExhaustion(b *builder) {
	b.expect = Expect{Name: "db-pool-exhaustion", Description: "connections to PostgreSQL climb to the pool limit from 10:35; requests queue and the shop slows from 10:50",
		Around: "2025-11-20 11:00", Symptom: "latency_spike", Subject: shop, Top: `pg_stat_activity`}
	b.background()
	ramp0, full, end := at(3, 10, 35), at(3, 10, 50), at(3, 11, 10)
	b.gauge("pg_stat_activity_count", `datname="shop",instance="db1:9187",job="postgres"`, func(t time.Time) float64 {
		switch {
		case between(t, ramp0, full):
			return 20 + 80*t.Sub(ramp0).Minutes()/15
		case between(t, full, end):
			return 100
		}
		return 15 + b.noise(0, 10)
	})
	b.probe(shop, func(t time.Time) (bool, float64) {
		if between(t, full, end) {
			return true, b.noise(3, 5)
		}
		return true, b.okLatency(t)
	})
	for t := full.Add(2 * time.Minute); t.Before(end); t = t.Add(45 * time.Second) {
		b.log(t, "shop[5100]: WARN HikariPool-1 - Connection is not available, request timed out after 30000ms")
	}
}

func gcPauses(b *builder) {
	b.expect = Expect{Name: "gc-pauses", Description: "the JVM's old generation fills up at 14:00; full GC pauses stall requests",
		Around: "2025-11-20 14:10", Symptom: "latency_spike", Subject: shop, Top: `(?i)gc|pause`}
	b.background()
	g0, g1 := at(3, 14, 0), at(3, 14, 20)
	b.counter("jvm_gc_pause_seconds", `gc="G1 Old Generation",instance="app1:8080",job="shop"`, func(t time.Time) float64 {
		if between(t, g0, g1) {
			return b.noise(0.4, 0.7)
		}
		return b.noise(0.001, 0.004)
	})
	b.probe(shop, func(t time.Time) (bool, float64) {
		if between(t, g0.Add(2*time.Minute), g1) {
			return true, b.noise(1.5, 2.6)
		}
		return true, b.okLatency(t)
	})
	for t := g0.Add(40 * time.Second); t.Before(g1); t = t.Add(50 * time.Second) {
		b.log(t, fmt.Sprintf("java[2231]: [gc] GC(%d) Pause Full (G1 Compaction Pause) 3012M->2987M(3072M) %dms", 400+int(t.Sub(g0).Seconds()), 1400+b.rng.IntN(900)))
	}
}

func dnsFailure(b *builder) {
	b.expect = Expect{Name: "dns-failure", Description: "the upstream resolver fails from 09:20 to 09:35: the check cannot resolve the shop's name",
		Around: "2025-11-20 09:25", Symptom: "outage", Subject: "Shop", Top: `(?i)dns|resolv`}
	b.background()
	d0, d1 := at(3, 9, 20), at(3, 9, 35)
	b.kuma = append(b.kuma, kumaMon{"Shop", shop, func(t time.Time) (int, int, string) {
		if between(t, d0, d1) {
			return 0, -1, "getaddrinfo EAI_AGAIN shop.example"
		}
		return 1, int(b.okLatency(t) * 1000), "200 - OK"
	}})
	for t := d0.Add(-20 * time.Second); t.Before(d1); t = t.Add(2 * time.Minute) {
		b.log(t, "systemd-resolved[412]: Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 10.0.0.2.")
	}
}

func certExpiry(b *builder) {
	b.expect = Expect{Name: "cert-expiry", Description: "the shop's TLS certificate expires at 09:00 (00:00 UTC); every check fails from then on",
		Around: "2025-11-20 09:30", Symptom: "outage", Subject: "Shop", Top: `(?i)certificate`}
	b.background()
	exp := at(3, 9, 0)
	b.kuma = append(b.kuma, kumaMon{"Shop", shop, func(t time.Time) (int, int, string) {
		if !t.Before(exp) {
			return 0, -1, "certificate has expired"
		}
		return 1, int(b.okLatency(t) * 1000), "200 - OK"
	}})
	// A cron job that happens to run at 09:00 must not take the blame.
	b.daily(9, 0, 1, func(int) string { return fmt.Sprintf("CRON[%d]: (root) CMD (/usr/local/bin/sync-prices)", b.pid()) })
}

func trafficSurge(b *builder) {
	b.expect = Expect{Name: "traffic-surge", Description: "a marketing mail at 20:10 brings five times the usual traffic; the cause is load, not a job",
		Around: "2025-11-20 20:20", Symptom: "latency_spike", Subject: shop, Top: `requests`}
	b.background()
	s0, s1 := at(3, 20, 10), at(3, 20, 40)
	b.counter("nginx_http_requests", `instance="web1",status="2xx"`, func(t time.Time) float64 {
		base := 20 + 15*b.okLatency(t)*10
		if between(t, s0, s1) {
			return base * b.noise(4.5, 5.5)
		}
		return base * b.noise(0.9, 1.1)
	})
	b.probe(shop, func(t time.Time) (bool, float64) {
		if between(t, s0.Add(3*time.Minute), s1) {
			return true, b.noise(1.2, 2.0)
		}
		return true, b.okLatency(t)
	})
}

func chanceAnomaly(b *builder) {
	nightlyBackupIO(b)
	b.expect = Expect{Name: "chance-anomaly", Description: "the nightly backup slows the shop; a queue on another host spikes at 03:04 tonight, by chance, once",
		Around: "2025-11-20 03:10", Symptom: "latency_spike", Subject: shop, Top: `backup`, Recurring: true}
	b.gauge("app_queue_depth", `instance="worker1:9100",job="worker",queue="mail"`, func(t time.Time) float64 {
		if between(t, at(3, 3, 4), at(3, 3, 8)) {
			return b.noise(400, 600)
		}
		return b.noise(4, 15)
	})
}

func overlappingCauses(b *builder) {
	b.expect = Expect{Name: "overlapping-causes", Description: "the nightly backup and, tonight only, a crawler's traffic burst at the same time",
		Around: "2025-11-20 03:10", Symptom: "latency_spike", Subject: shop, Top: `backup`, Also: []string{`requests`}, Recurring: true}
	b.background()
	c0, c1 := at(3, 2, 58), at(3, 3, 25)
	b.probe(shop, func(t time.Time) (bool, float64) {
		switch {
		case between(t, c0, c1) && within(t, 3, 0, 20):
			return true, b.noise(3.5, 4.5)
		case within(t, 3, 0, 20):
			return true, b.noise(2.2, 2.9)
		case between(t, c0, c1):
			return true, b.noise(0.5, 0.8)
		}
		return true, b.okLatency(t)
	})
	b.counter("node_disk_io_time_seconds", `device="sda",instance="db1:9100",job="node"`, func(t time.Time) float64 {
		if within(t, 3, 0, 20) {
			return b.noise(0.85, 0.98)
		}
		return b.noise(0.03, 0.08)
	})
	b.counter("nginx_http_requests", `instance="web1",status="2xx"`, func(t time.Time) float64 {
		if between(t, c0, c1) {
			return b.noise(150, 200)
		}
		return b.noise(8, 12)
	})
	b.daily(3, 0, 1, func(int) string {
		return fmt.Sprintf("CRON[%d]: (postgres) CMD (/usr/local/bin/pg-backup.sh)", b.pid())
	})
}

func noCause(b *builder) {
	b.expect = Expect{Name: "no-cause", Description: "the shop slows down at 16:00 for ten minutes and nothing in the data explains it",
		Around: "2025-11-20 16:05", Symptom: "latency_spike", Subject: shop, Top: ``}
	b.background()
	b.probe(shop, func(t time.Time) (bool, float64) {
		if between(t, at(3, 16, 0), at(3, 16, 10)) {
			return true, b.noise(1.8, 2.4)
		}
		return true, b.okLatency(t)
	})
	b.gauge("node_load1", `instance="app1:9100",job="node"`, func(time.Time) float64 { return b.noise(0.3, 0.9) })
}

func oomEpisode(b *builder) {
	b.expect = Expect{Name: "oom-episode", Description: "the kernel kills the app server's JVM at 10:59; three checks on web1 fail within a minute: one incident",
		Around: "2025-11-20 11:05", Symptom: "outage", Top: `(?i)out of memory|oom`, Episode: 3}
	b.background()
	kill := at(3, 10, 59).Add(50 * time.Second)
	for i, path := range []string{"/", "/api/health", "/checkout"} {
		down0 := at(3, 11, 0).Add(time.Duration(i*20) * time.Second)
		b.probe("https://web1.example"+path, func(t time.Time) (bool, float64) {
			if between(t, down0, at(3, 11, 6)) {
				return false, 0.001
			}
			return true, b.okLatency(t)
		})
	}
	b.log(kill, "kernel: [812345.123456] Out of memory: Killed process 2231 (java) total-vm:8123456kB, anon-rss:3987654kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtables:8123kB oom_score_adj:0")
	b.log(kill.Add(2*time.Second), "systemd[1]: shop.service: Main process exited, code=killed, status=9/KILL")
	b.log(at(3, 11, 5).Add(40*time.Second), "systemd[1]: Started shop.service - Shop application.")
}
