package incidentgen

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"time"
)

// families: append, never reorder (seeds are per family name, so order
// only matters for listings).
var families = []family{
	{"deploy", deploy},
	{"manual-restart", manualRestart},
	{"nightly-backup", nightlyBackup},
	{"cron-cpu-hog", cronCPUHog},
	{"timer-restart", timerRestart},
	{"traffic-surge", trafficSurge},
	{"disk-full", diskFull},
	{"memory-oom", memoryOOM},
	{"pool-exhaustion", poolExhaustion},
	{"crash", crash},
	{"dependency", dependency},
	{"network-path", networkPath},
	{"config-reload", configReload},
	{"log-burst", logBurst},
	{"brute-force", bruteForce},
	{"two-causes", twoCauses},
}

// fail marks the shop (or API) probe failing with msg in [a, b).
func (w *world) fail(probe []string, a, b time.Time, msg string) {
	w.span(a, b, func(m int, _ float64) { probe[m] = msg })
}

func (w *world) errors(a, b time.Time, share float64) {
	w.span(a, b, func(m int, _ float64) { w.err5xx[m] = share * w.uni(0.8, 1.2) })
}

func (w *world) mins(lo, hi int) time.Duration {
	return time.Duration(lo+w.rng.IntN(hi-lo+1)) * time.Minute
}

func (w *world) shopLog(t time.Time, every time.Duration, until time.Time, format string, args ...func() any) {
	for ; t.Before(until); t = t.Add(every + time.Duration(w.rng.IntN(int(every/time.Second)+1))*time.Second/2) {
		vals := make([]any, len(args))
		for i, f := range args {
			vals[i] = f()
		}
		w.log(web, t, format, vals...)
	}
}

func deploy(w *world) {
	w.inc = w.pick(8, 22)
	dep := w.inc.Add(-w.mins(1, 6)).Add(time.Duration(w.rng.IntN(50)) * time.Second)
	ver := fmt.Sprintf("v4.%d.%d", 1+w.rng.IntN(30), w.rng.IntN(10))
	w.log(web, dep, "deploy[%d]: shop: deploying release %s (commit %07x) by ci", w.pid(), ver, w.rng.IntN(1<<28))
	w.log(web, dep.Add(5*time.Second), "systemd[1]: Stopping shop.service - Shop application...")
	w.log(web, dep.Add(7*time.Second), "systemd[1]: Stopped shop.service - Shop application.")
	w.log(web, dep.Add(9*time.Second), "systemd[1]: Started shop.service - Shop application.")
	end := w.inc.Add(w.mins(6, 25))
	switch w.rng.IntN(3) {
	case 0: // a broken page: 5xx and failed checks until the rollback
		w.errors(w.inc, end, w.uni(0.3, 0.9))
		w.fail(w.down, w.inc, end, "Request failed with status code 500")
		line := w.rng.IntN(400)
		w.shopLog(w.inc, 20*time.Second, end, "shop[%d]: ERROR Uncaught TypeError: Cannot read properties of undefined (reading 'taxRate') at Checkout.total (checkout.js:%d)",
			func() any { return 2000 + w.rng.IntN(3) }, func() any { return line })
	case 1: // a slow release: an N+1 query
		w.span(w.inc, end, func(m int, _ float64) { w.slow[m] = w.uni(4, 9) })
		w.errors(w.inc, end, w.uni(0.01, 0.05))
	default: // a crash loop
		for t := w.inc; t.Before(end); t = t.Add(time.Duration(40+w.rng.IntN(40)) * time.Second) {
			w.log(web, t, "shop[%d]: FATAL config key 'payments.provider' missing", w.pid())
			w.log(web, t.Add(time.Second), "systemd[1]: shop.service: Main process exited, code=exited, status=1/FAILURE")
			w.log(web, t.Add(time.Second), "systemd[1]: shop.service: Failed with result 'exit-code'.")
			w.log(web, t.Add(6*time.Second), "systemd[1]: shop.service: Scheduled restart job, restart counter is at %d.", 1+int(t.Sub(w.inc)/time.Minute))
		}
		w.span(w.inc, end, func(m int, _ float64) { w.appDown[m] = true })
		w.fail(w.down, w.inc, end, "Request failed with status code 502")
	}
	w.log(web, end.Add(-90*time.Second), "deploy[%d]: shop: rolling back to release v4.0.9 (commit 77aa01c)", w.pid())
	w.truth = Truth{Type: Change, Component: "shop", Match: regexp.QuoteMeta(ver)}
	w.desc = "release " + ver + " breaks the shop until it is rolled back"
}

func manualRestart(w *world) {
	w.inc = w.pick(0, 24)
	t := w.inc.Add(-time.Duration(10+w.rng.IntN(60)) * time.Second)
	if w.rng.IntN(2) == 0 {
		// In the minute the five-minute queue cron starts.
		t = w.onFive(t)
		w.inc = t.Add(time.Duration(10+w.rng.IntN(60)) * time.Second)
	}
	user := []string{"alice", "bob", "ops"}[w.rng.IntN(3)]
	w.log(web, t.Add(-3*time.Minute), "sshd[%d]: Accepted publickey for %s from 10.0.0.%d port %d ssh2: ED25519 SHA256:Yq3kP1l0cMbXbq7v0pQ", w.pid(), user, 2+w.rng.IntN(20), 40000+w.rng.IntN(20000))
	up := w.inc.Add(w.mins(2, 6))
	switch w.rng.IntN(3) {
	case 2: // php-fpm restarted by a person, with its pool slow to warm up
		w.log(web, t, "sudo[%d]:     %s : TTY=pts/1 ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/systemctl restart php8.2-fpm", w.pid(), user, user)
		w.log(web, t.Add(time.Second), "systemd[1]: Stopping php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager...")
		w.log(web, t.Add(2*time.Second), "systemd[1]: php8.2-fpm.service: Deactivated successfully.")
		w.log(web, t.Add(2*time.Second), "systemd[1]: Stopped php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager.")
		w.log(web, t.Add(3*time.Second), "systemd[1]: Starting php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager...")
		w.log(web, up, "systemd[1]: Started php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager.")
		w.span(w.inc, up, func(m int, _ float64) { w.appDown[m] = true })
		w.fail(w.down, w.inc, up, "Request failed with status code 502")
		w.truth = Truth{Type: Change, Component: "php8.2-fpm", Match: `php8\.2-fpm`}
		w.desc = user + " restarts php-fpm; the shop answers 502 until it is back"
		return
	case 1:
		w.log(web, t, "sudo[%d]:     %s : TTY=pts/1 ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/systemctl restart shop.service", w.pid(), user, user)
		w.log(web, t.Add(time.Second), "systemd[1]: Stopping shop.service - Shop application...")
		w.log(web, t.Add(3*time.Second), "systemd[1]: Stopped shop.service - Shop application.")
		w.log(web, t.Add(4*time.Second), "systemd[1]: Starting shop.service - Shop application...")
		w.log(web, up, "systemd[1]: Started shop.service - Shop application.")
		w.span(w.inc, up, func(m int, _ float64) { w.appDown[m] = true })
		w.fail(w.down, w.inc, up, "Request failed with status code 502")
		w.truth = Truth{Type: Change, Component: "shop", Match: `shop\.service`}
		w.desc = user + " restarts the shop; it takes minutes to come back"
		return
	}
	w.log(db, t, "sudo[%d]:     %s : TTY=pts/1 ; PWD=/home/%s ; USER=root ; COMMAND=/usr/bin/systemctl restart postgresql@15-main.service", w.pid(), user, user)
	w.log(db, t.Add(time.Second), "systemd[1]: Stopping postgresql@15-main.service - PostgreSQL Cluster 15-main...")
	w.log(db, t.Add(4*time.Second), "systemd[1]: Stopped postgresql@15-main.service - PostgreSQL Cluster 15-main.")
	w.log(db, t.Add(5*time.Second), "systemd[1]: Starting postgresql@15-main.service - PostgreSQL Cluster 15-main...")
	w.log(db, up, "systemd[1]: Started postgresql@15-main.service - PostgreSQL Cluster 15-main.")
	w.errors(w.inc, up, 1)
	w.fail(w.down, w.inc, up, "Request failed with status code 500")
	w.shopLog(w.inc, 15*time.Second, up, "shop[%d]: ERROR SQLSTATE[08006] [7] connection to server at \"10.0.0.6\", port 5432 failed: Connection refused",
		func() any { return 2000 + w.rng.IntN(3) })
	w.truth = Truth{Type: Change, Component: "db1", Match: `postgresql`}
	w.desc = user + " restarts PostgreSQL on db1; the shop fails until it is back"
}

// nightlyBackup: db1's backup slows the shop every night; tonight the
// database is bigger, the backup takes the disk longer and the pool fills.
func nightlyBackup(w *world) {
	w.inc = w.at(days-1, w.backupAt/60, w.backupAt%60).Add(w.mins(1, 4))
	outage := w.rng.IntN(2) == 0
	for d := range days {
		t := w.at(d, w.backupAt/60, w.backupAt%60)
		dur := w.mins(15, 25)
		if d == days-1 {
			dur = w.mins(25, 40)
		}
		w.backupDone[d] = true
		w.job(db, t, dur, 0.2, w.uni(0.8, 0.95))
		slow := w.uni(3, 6)
		w.span(t.Add(time.Minute), t.Add(dur), func(m int, _ float64) { w.slow[m] = slow * w.uni(0.8, 1.2) })
		if d < days-1 {
			// The usual trigger's lesser outcomes on earlier nights: a
			// check that timed out once (Kuma's PENDING), or a few 5xx.
			switch w.rng.IntN(3) {
			case 0:
				a := t.Add(w.mins(3, 10))
				w.fail(w.down, a, a.Add(time.Minute), "timeout of 48000ms exceeded")
			case 1:
				a := t.Add(w.mins(3, 10))
				w.errors(a, a.Add(w.mins(1, 3)), w.uni(0.02, 0.06))
			}
		}
		if d == days-1 && outage {
			a := t.Add(w.mins(2, 6))
			b := a.Add(w.mins(4, 12))
			w.span(a, b, func(m int, _ float64) { w.pool[m] = w.poolMax })
			w.errors(a, b, w.uni(0.2, 0.6))
			w.fail(w.down, a, b, "timeout of 48000ms exceeded")
			w.inc = a
		}
	}
	w.truth = Truth{Type: Scheduled, Component: "db1", Match: `pg_backup`}
	w.desc = "db1's nightly pg_backup saturates its disk and slows the shop"
}

func cronCPUHog(w *world) {
	weekly := w.rng.IntN(2) == 0
	hh, mm := w.rng.IntN(24), 5*w.rng.IntN(12)
	w.inc = w.at(days-1, hh, mm).Add(w.mins(1, 3))
	cmd := "/var/www/shop/bin/console report:generate --all-customers"
	for d := range days {
		if weekly && d != days-1 {
			continue
		}
		t := w.at(d, hh, mm)
		w.cron(web, t, "www-data", cmd)
		w.job(web, t, w.mins(10, 20), w.uni(0.85, 0.95), 0.05)
	}
	w.truth = Truth{Type: Scheduled, Component: "web1", Match: `report:generate`}
	w.desc = "a report job takes all of web1's CPU"
	if weekly {
		w.desc = "a weekly report job takes all of web1's CPU"
	}
}

// timerRestart: logrotate's postrotate restarts the shop at midnight;
// every night the checks fail for a minute or two.
func timerRestart(w *world) {
	w.inc = w.at(days-1, 0, 0).Add(30 * time.Second)
	for d := range days {
		t := w.at(d, 0, 0).Add(3 * time.Second)
		up := t.Add(time.Duration(60+w.rng.IntN(120)) * time.Second)
		if d == days-1 {
			up = t.Add(w.mins(3, 8))
		}
		w.log(web, t, "systemd[1]: Stopping shop.service - Shop application...")
		w.log(web, t.Add(2*time.Second), "systemd[1]: Stopped shop.service - Shop application.")
		w.log(web, t.Add(3*time.Second), "systemd[1]: Starting shop.service - Shop application...")
		w.log(web, up, "systemd[1]: Started shop.service - Shop application.")
		w.span(t, up, func(m int, _ float64) { w.appDown[m] = true })
		w.fail(w.down, t, up, "Request failed with status code 502")
	}
	w.truth = Truth{Type: Scheduled, Component: "web1", Match: `logrotate`}
	w.desc = "logrotate's postrotate restarts the shop every midnight"
}

var campaigns = []string{"black-friday", "spring-sale", "newsletter-w12", "summer-clearance"}

func trafficSurge(w *world) {
	w.inc = w.pick(7, 23)
	s0 := w.inc.Add(-w.mins(2, 8))
	s1 := w.inc.Add(w.mins(20, 60))
	factor := w.uni(3, 7)
	i, j := w.idx(s0), w.idx(s1)
	extra := 0.0
	for m := i; m < j; m++ {
		extra += w.req[m]
	}
	per := (factor - 1) * extra / float64(max(1, j-i))
	per = max(per, w.reqCap*w.uni(0.9, 1.3)-w.req[i])
	o := accessOpt{a: i, b: j, perMin: per, method: "GET", status: 200}
	switch w.rng.IntN(3) {
	case 0: // a campaign mail
		c := campaigns[w.rng.IntN(len(campaigns))]
		o.route = "/products/"
		o.query = func(r *rand.Rand) string {
			return fmt.Sprintf("%d?utm_source=newsletter&utm_medium=email&utm_campaign=%s", 1000+r.IntN(50), c)
		}
		o.referrer = "-"
		w.desc = "a newsletter (" + c + ") brings several times the usual traffic"
	case 1: // one aggressive crawler
		o.client = w.client()
		o.ua = "Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)"
		o.route = "/search?q="
		o.query = func(r *rand.Rand) string { return fmt.Sprintf("%s+%d", words[r.IntN(len(words))], r.IntN(1000)) }
		o.referrer = "-"
		w.desc = "one crawler searches the shop at several times the usual request rate"
	default: // a link on a news site
		o.route = "/products/"
		o.query = func(r *rand.Rand) string { return fmt.Sprint(1000 + r.IntN(3)) }
		o.referrer = "https://news.ycombinator.com/"
		w.desc = "a link on a news site brings several times the usual traffic"
	}
	w.access = append(w.access, o)
	// The load is real: count it in the CPU model.
	for m := i; m < j; m++ {
		w.extra[m] += per
	}
	if w.rng.IntN(2) == 0 {
		w.errors(w.inc, s1, w.uni(0.02, 0.15))
	}
	w.truth = Truth{Type: Traffic, Component: "shop", Match: `(?i)requests|GET /(products|search)|traffic`}
}

func diskFull(w *world) {
	w.inc = w.pick(0, 24)
	full := w.inc.Add(-time.Duration(w.rng.IntN(120)) * time.Second)
	fill := w.mins(20, 90)
	from := full.Add(-fill)
	i, j := w.idx(from), w.idx(full)
	base := w.fsUsed[web][i]
	w.span(from, w.time(w.n), func(m int, _ float64) {
		if m < j {
			w.fsUsed[web][m] = base + (fsVar-base)*float64(m-i)/float64(max(1, j-i))
		} else {
			w.fsUsed[web][m] = fsVar
		}
		w.io[web][m] += 0.3
	})
	end := w.inc.Add(w.mins(10, 40))
	w.span(end, w.time(w.n), func(m int, _ float64) { w.fsUsed[web][m] = base })
	w.errors(w.inc, end, w.uni(0.5, 1))
	w.fail(w.down, w.inc, end, "Request failed with status code 500")
	w.shopLog(w.inc, 10*time.Second, end, "shop[%d]: ERROR session_write(): write failed: No space left on device (28)",
		func() any { return 2000 + w.rng.IntN(3) })
	w.truth = Truth{Type: Exhaustion, Component: "web1", Match: `filesystem_avail.*/var|No space left`}
	w.desc = "a runaway export fills /var on web1; the shop fails once it is full"
}

func memoryOOM(w *world) {
	w.inc = w.pick(0, 24)
	kill := w.inc.Add(-time.Duration(10+w.rng.IntN(40)) * time.Second)
	leak := w.mins(25, 120)
	from := kill.Add(-leak)
	i, j := w.idx(from), w.idx(kill)
	base := w.memUsed[web][i]
	w.span(from, kill.Add(time.Minute), func(m int, _ float64) {
		f := float64(m-i) / float64(max(1, j-i))
		w.memUsed[web][m] = base + (8*gib-base)*min(1, f)
	})
	w.log(web, kill, "kernel: [%d.%06d] Out of memory: Killed process %d (php-fpm8.2) total-vm:%dkB, anon-rss:%dkB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:9120kB oom_score_adj:0",
		400000+w.rng.IntN(90000), w.rng.IntN(1000000), w.pid(), 6000000+w.rng.IntN(900000), 5000000+w.rng.IntN(900000))
	w.log(web, kill.Add(time.Second), "systemd[1]: php8.2-fpm.service: A process of this unit has been killed by the OOM killer.")
	w.log(web, kill.Add(time.Second), "systemd[1]: php8.2-fpm.service: Main process exited, code=killed, status=9/KILL")
	w.log(web, kill.Add(time.Second), "systemd[1]: php8.2-fpm.service: Failed with result 'oom-kill'.")
	up := w.inc.Add(w.mins(2, 6))
	w.log(web, up, "systemd[1]: Started php8.2-fpm.service - The PHP 8.2 FastCGI Process Manager.")
	w.span(w.inc, up, func(m int, _ float64) { w.appDown[m] = true })
	w.fail(w.down, w.inc, up, "Request failed with status code 502")
	w.truth = Truth{Type: Exhaustion, Component: "web1", Match: `MemAvailable|MemFree|(?i)out of memory|oom`}
	w.desc = "a memory leak on web1 ends in an OOM kill of php-fpm"
}

func poolExhaustion(w *world) {
	w.inc = w.pick(8, 22)
	ramp := w.mins(8, 40)
	full := w.inc.Add(-time.Duration(w.rng.IntN(3)) * time.Minute)
	from := full.Add(-ramp)
	end := w.inc.Add(w.mins(10, 30))
	i, j := w.idx(from), w.idx(full)
	base := w.pool[i]
	w.span(from, end, func(m int, _ float64) {
		f := float64(m-i) / float64(max(1, j-i))
		w.pool[m] = min(w.poolMax, base+(w.poolMax-base)*f)
	})
	w.job(db, from, end.Sub(from), 0.3, 0.2)
	if w.rng.IntN(2) == 0 {
		w.errors(w.inc, end, w.uni(0.1, 0.5))
		w.fail(w.down, w.inc.Add(time.Minute), end, "timeout of 48000ms exceeded")
	}
	w.shopLog(full.Add(time.Minute), 25*time.Second, end, "shop[%d]: ERROR SQLSTATE[HY000]: could not get a connection from the pool within 30s",
		func() any { return 2000 + w.rng.IntN(3) })
	w.truth = Truth{Type: Exhaustion, Component: "shop", Match: `pool_connections_idle|pg_stat_activity|connection from the pool`}
	w.desc = "slow queries hold the shop's DB connections until the pool is empty"
}

func crash(w *world) {
	w.inc = w.pick(0, 24)
	t := w.inc.Add(-time.Duration(5+w.rng.IntN(50)) * time.Second)
	up := w.inc.Add(w.mins(2, 5))
	if w.rng.IntN(2) == 0 {
		w.log(web, t, "kernel: [%d.%06d] shop-api[%d]: segfault at 18 ip 000055d1c2a4b3f1 sp 00007ffc3a1e2b40 error 4 in shop-api[55d1c2800000+4a0000]", 400000+w.rng.IntN(90000), w.rng.IntN(1000000), w.pid())
		w.log(web, t.Add(time.Second), "systemd[1]: shop.service: Main process exited, code=dumped, status=11/SEGV")
		w.log(web, t.Add(time.Second), "systemd[1]: shop.service: Failed with result 'core-dump'.")
	} else {
		w.log(web, t, "shop[%d]: panic: runtime error: invalid memory address or nil pointer dereference", 2000)
		w.log(web, t, "shop[%d]: [signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x9c3f21]", 2000)
		w.log(web, t.Add(time.Second), "systemd[1]: shop.service: Main process exited, code=exited, status=2/INVALIDARGUMENT")
		w.log(web, t.Add(time.Second), "systemd[1]: shop.service: Failed with result 'exit-code'.")
	}
	w.log(web, up.Add(-5*time.Second), "systemd[1]: shop.service: Scheduled restart job, restart counter is at 1.")
	w.log(web, up, "systemd[1]: Started shop.service - Shop application.")
	w.span(w.inc, up, func(m int, _ float64) { w.appDown[m] = true })
	w.fail(w.down, w.inc, up, "Request failed with status code 502")
	w.truth = Truth{Type: Crash, Component: "shop", Match: `(?i)segfault|panic|SEGV|code=dumped|status=2/`}
	w.desc = "the shop crashes and systemd restarts it"
}

func dependency(w *world) {
	w.inc = w.pick(0, 24)
	end := w.inc.Add(w.mins(8, 40))
	switch w.rng.IntN(3) {
	case 0:
		w.fail(w.down, w.inc, end, "getaddrinfo EAI_AGAIN shop.example.com")
		w.fail(w.apiDown, w.inc, end, "getaddrinfo EAI_AGAIN shop.example.com")
		w.truth = Truth{Type: Dependency, Component: "dns", Match: `(?i)dns|resolve`}
		w.desc = "the resolver fails: the checks cannot resolve the shop's name"
	case 1:
		exp := w.at(days-1, 0, 0).Add(time.Duration(w.rng.IntN(24)) * time.Hour)
		w.inc = exp
		end = w.time(w.n)
		w.fail(w.down, exp, end, "certificate has expired")
		w.fail(w.apiDown, exp, end, "certificate has expired")
		w.truth = Truth{Type: Dependency, Component: "tls", Match: `(?i)certificate`}
		w.desc = "the shop's TLS certificate expires"
	default:
		w.fail(w.apiDown, w.inc, end, "Request failed with status code 503")
		w.errors(w.inc, end, w.uni(0.05, 0.2))
		w.shopLog(w.inc.Add(-30*time.Second), 8*time.Second, end, "shop[%d]: ERROR payment gateway: connect ECONNREFUSED 10.20.0.8:8443",
			func() any { return 2000 + w.rng.IntN(3) })
		w.truth = Truth{Type: Dependency, Component: "payments", Match: `(?i)ECONNREFUSED|refused|payment gateway`}
		w.desc = "the payment gateway refuses connections; the API health check fails"
	}
}

// networkPath: the checks fail or slow down and nothing on the servers
// moved: the path between the monitor and the site.
func networkPath(w *world) {
	w.inc = w.pick(0, 24)
	end := w.inc.Add(w.mins(5, 20))
	if w.rng.IntN(2) == 0 {
		msg := []string{"timeout of 48000ms exceeded", "connect ETIMEDOUT 203.0.113.10:443"}[w.rng.IntN(2)]
		w.fail(w.down, w.inc, end, msg)
		w.fail(w.apiDown, w.inc, end, msg)
	} else {
		f := w.uni(6, 15)
		w.span(w.inc, end, func(m int, _ float64) { w.netSlow[m] = f * w.uni(0.8, 1.2) })
	}
	w.truth = Truth{Type: Nothing, Component: "network", Match: `(?i)network path|nothing in the data`}
	w.desc = "the path between the monitor and the site fails; nothing on the servers moved"
}

func configReload(w *world) {
	w.inc = w.pick(8, 20)
	t := w.inc.Add(-w.mins(0, 4)).Add(-time.Duration(w.rng.IntN(50)) * time.Second)
	if w.rng.IntN(2) == 0 {
		t = w.onFive(t)
	}
	w.reload(t)
	end := w.inc.Add(w.mins(5, 30))
	if w.rng.IntN(2) == 0 {
		w.fail(w.apiDown, w.inc, end, "Request failed with status code 502")
		w.errors(w.inc, end, w.uni(0.1, 0.3))
	} else {
		w.fail(w.down, w.inc, end, "Request failed with status code 502")
		w.fail(w.apiDown, w.inc, end, "Request failed with status code 502")
		w.errors(w.inc, end, w.uni(0.7, 1))
	}
	w.truth = Truth{Type: Change, Component: "nginx", Match: `(?i)reload`}
	w.desc = "an nginx reload with a wrong upstream breaks the shop"
}

// logBurst: lock contention on db1 (a manual migration) shows only as a
// burst of PostgreSQL's lock-wait lines; the shop slows and fails.
func logBurst(w *world) {
	w.inc = w.pick(0, 24)
	b0 := w.inc.Add(-w.mins(1, 5))
	end := w.inc.Add(w.mins(8, 30))
	// The usual few lock waits a day.
	for d := range days {
		for range w.rng.IntN(4) {
			w.log(db, w.at(d, w.rng.IntN(24), w.rng.IntN(60)), "postgres[%d]: [%d-1] LOG:  process %d still waiting for ShareLock on transaction %d after 1000.%03d ms", w.pid(), w.rng.IntN(9000), w.pid(), 9000000+w.rng.IntN(90000), w.rng.IntN(1000))
		}
	}
	for t := b0; t.Before(end); t = t.Add(time.Duration(2+w.rng.IntN(6)) * time.Second) {
		w.log(db, t, "postgres[%d]: [%d-1] LOG:  process %d still waiting for ShareLock on transaction %d after 1000.%03d ms", w.pid(), w.rng.IntN(9000), w.pid(), 9000000+w.rng.IntN(90000), w.rng.IntN(1000))
	}
	w.span(w.inc, end, func(m int, _ float64) { w.slow[m] = w.uni(5, 12) })
	if w.rng.IntN(2) == 0 {
		w.fail(w.down, w.inc.Add(time.Minute), end, "timeout of 48000ms exceeded")
	}
	w.truth = Truth{Type: LogBurst, Component: "db1", Match: `waiting for ShareLock`}
	w.desc = "lock waits on db1 stall the shop's queries"
}

func bruteForce(w *world) {
	w.inc = w.pick(0, 24)
	s0 := w.inc.Add(-w.mins(1, 6))
	s1 := w.inc.Add(w.mins(15, 50))
	i, j := w.idx(s0), w.idx(s1)
	per := w.uni(150, 400)
	route := []string{"/login", "/wp-login.php", "/api/auth/token"}[w.rng.IntN(3)]
	w.access = append(w.access, accessOpt{a: i, b: j, perMin: per, method: "POST", route: route, client: w.client(),
		ua: "python-requests/2.31.0", referrer: "-", status: 401, rtMin: 0.2, rtMax: 0.6})
	// Password hashing is what the CPU spends its time on.
	w.span(s0, s1, func(m int, _ float64) {
		w.extra[m] += per
		w.cpuJob[web][m] += min(0.6, per/w.reqCap*0.6)
	})
	w.truth = Truth{Type: Traffic, Component: "shop", Match: `(?i)POST ` + regexp.QuoteMeta(route) + `|requests`}
	w.desc = "a brute-force attack on " + route + " from one address takes the CPU"
}

// twoCauses: tonight's backup and a deploy in the same minutes.
func twoCauses(w *world) {
	nightlyBackup(w)
	first := w.truth
	dep := w.inc.Add(-w.mins(0, 3)).Add(-time.Duration(w.rng.IntN(50)) * time.Second)
	ver := fmt.Sprintf("v4.%d.%d", 1+w.rng.IntN(30), w.rng.IntN(10))
	w.log(web, dep, "deploy[%d]: shop: deploying release %s (commit %07x) by ci", w.pid(), ver, w.rng.IntN(1<<28))
	w.log(web, dep.Add(5*time.Second), "systemd[1]: Stopping shop.service - Shop application...")
	w.log(web, dep.Add(9*time.Second), "systemd[1]: Started shop.service - Shop application.")
	end := w.inc.Add(w.mins(8, 20))
	w.errors(w.inc, end, w.uni(0.3, 0.7))
	w.fail(w.down, w.inc, end, "Request failed with status code 500")
	w.truth = Truth{Type: Change, Component: "shop", Match: regexp.QuoteMeta(ver), Also: first.Match}
	w.desc = "tonight's backup and a broken release at the same time"
}
