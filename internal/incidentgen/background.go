package incidentgen

import (
	"fmt"
	"math/rand/v2"
	"time"
)

const web, db = 0, 1

func (w *world) cron(h int, t time.Time, user, cmd string) {
	w.log(h, t.Add(time.Second), "CRON[%d]: (%s) CMD (%s)", w.pid(), user, cmd)
}

// timer logs a systemd oneshot run the way Debian's timers log it.
func (w *world) timer(h int, t time.Time, unit, desc string, dur time.Duration) {
	w.log(h, t, "systemd[1]: Starting %s.service - %s...", unit, desc)
	w.log(h, t.Add(dur), "systemd[1]: %s.service: Deactivated successfully.", unit)
	w.log(h, t.Add(dur), "systemd[1]: Finished %s.service - %s.", unit, desc)
}

// job adds extra CPU and disk load on host h for d from t.
func (w *world) job(h int, t time.Time, d time.Duration, cpu, io float64) {
	w.span(t, t.Add(d), func(m int, _ float64) {
		w.cpuJob[h][m] += cpu * w.uni(0.8, 1.2)
		w.io[h][m] += io * w.uni(0.8, 1.2)
	})
}

// background is what every Debian host logs and does, day after day.
func (w *world) background() {
	end := w.time(w.n)
	for h := range 2 {
		for t := w.t0; t.Before(end); t = t.Add(10 * time.Minute) {
			w.cron(h, t, "root", "command -v debian-sa1 > /dev/null && debian-sa1 1 1")
		}
		for t := w.t0.Add(17 * time.Minute); t.Before(end); t = t.Add(time.Hour) {
			w.cron(h, t, "root", "cd / && run-parts --report /etc/cron.hourly")
		}
		boot := w.rng.IntN(1440)
		for d := range days {
			w.cron(h, w.at(d, 6, 25), "root", "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }")
			w.timer(h, w.at(d, 0, 0), "logrotate", "Rotate log files", time.Duration(2+w.rng.IntN(20))*time.Second)
			w.timer(h, w.at(d, 0, 0).Add(time.Duration(w.rng.IntN(10))*time.Second), "dpkg-db-backup", "Daily dpkg database backup service", 2*time.Second)
			mdb := w.at(d, 0, 0).Add(time.Duration(w.rng.IntN(12*3600)) * time.Second)
			w.timer(h, mdb, "man-db", "Daily man-db regeneration", time.Duration(20+w.rng.IntN(60))*time.Second)
			w.job(h, mdb, 2*time.Minute, 0.12, 0.1)
			for _, base := range []int{6, 18} {
				t := w.at(d, base, 0).Add(time.Duration(w.rng.IntN(12*3600)) * time.Second)
				w.timer(h, t, "apt-daily", "Daily apt download activities", time.Duration(5+w.rng.IntN(40))*time.Second)
			}
			w.timer(h, w.at(d, 6, 0).Add(time.Duration(w.rng.IntN(3600))*time.Second), "apt-daily-upgrade", "Daily apt upgrade and clean activities", 20*time.Second)
			for _, base := range []int{0, 12} {
				t := w.at(d, base, 0).Add(time.Duration(w.rng.IntN(12*3600)) * time.Second)
				w.timer(h, t, "certbot", "Certbot", 3*time.Second)
			}
			w.timer(h, w.at(d, boot/60, boot%60), "systemd-tmpfiles-clean", "Cleanup of Temporary Directories", time.Second)
			day := w.at(d, 0, 0)
			if day.Weekday() == time.Monday {
				t := day.Add(time.Duration(w.rng.IntN(6000)) * time.Second)
				w.timer(h, t, "fstrim", "Discard unused blocks on filesystems from /etc/fstab", 40*time.Second)
				w.job(h, t, time.Minute, 0.02, 0.4)
			}
			if day.Weekday() == time.Sunday {
				w.timer(h, w.at(d, 3, 10), "e2scrub_all", "Online ext4 Metadata Check for All Filesystems", 5*time.Second)
			}
			// A few ssh logins a day by the team.
			for range w.rng.IntN(4) {
				t := w.at(d, 8+w.rng.IntN(11), w.rng.IntN(60))
				w.log(h, t, "sshd[%d]: Accepted publickey for ops from 10.0.0.%d port %d ssh2: ED25519 SHA256:Yq3kP1l0cMbXbq7v0pQ", w.pid(), 2+w.rng.IntN(20), 40000+w.rng.IntN(20000))
				w.log(h, t, "sshd[%d]: pam_unix(sshd:session): session opened for user ops(uid=1000) by (uid=0)", w.pid())
			}
			// The internet's ssh scanners: a short run of guesses every few hours.
			for range 2 + w.rng.IntN(5) {
				t := w.at(d, w.rng.IntN(24), w.rng.IntN(60))
				ip := w.client()
				for i := range 5 + w.rng.IntN(30) {
					u := []string{"admin", "test", "oracle", "ubuntu", "deploy", "git", "user"}[w.rng.IntN(7)]
					w.log(h, t.Add(time.Duration(i*3)*time.Second), "sshd[%d]: Invalid user %s from %s port %d", w.pid(), u, ip, 30000+w.rng.IntN(30000))
					w.log(h, t.Add(time.Duration(i*3+1)*time.Second), "sshd[%d]: Connection closed by invalid user %s %s port %d [preauth]", w.pid(), u, ip, 30000+w.rng.IntN(30000))
				}
			}
		}
		// Firewall noise.
		for t := w.t0; t.Before(end); t = t.Add(time.Duration(1+w.rng.IntN(300)) * time.Second) {
			w.log(h, t, "kernel: [%d.%06d] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56 SRC=%s DST=10.0.0.%d LEN=44 TOS=0x00 PREC=0x00 TTL=243 ID=54321 PROTO=TCP SPT=%d DPT=%d WINDOW=1024 RES=0x00 SYN URGP=0",
				int(t.Sub(w.t0).Seconds())+86400, w.rng.IntN(1000000), w.client(), 5+h, 1024+w.rng.IntN(60000), []int{22, 23, 3389, 5432, 8080, 445}[w.rng.IntN(6)])
		}
	}
	// web1: the shop's jobs and its own log.
	for t := w.t0; t.Before(end); t = t.Add(5 * time.Minute) {
		w.cron(web, t, "www-data", "/usr/bin/php /var/www/shop/bin/console messenger:consume async --time-limit=280")
		w.job(web, t, time.Minute, 0.02, 0)
	}
	for t := w.t0; t.Before(end); t = t.Add(30 * time.Minute) {
		at := t.Add(9 * time.Minute)
		w.timer(web, at, "phpsessionclean", "Clean php session files", time.Second)
	}
	for t := w.t0; t.Before(end); t = t.Add(time.Hour) {
		w.cron(web, t, "www-data", "/usr/bin/php /var/www/shop/bin/console sitemap:generate")
		w.job(web, t, 2*time.Minute, 0.06, 0.02)
	}
	for m := range w.n {
		if k := poisson(w.rng, w.req[m]/15); k > 0 && !w.appDown[m] {
			for range k {
				w.log(web, w.time(m).Add(time.Duration(w.rng.IntN(60))*time.Second), "shop[%d]: INFO order %d placed total=%d.%02d EUR", 2000+w.rng.IntN(3), 100000+w.rng.IntN(900000), 5+w.rng.IntN(300), w.rng.IntN(100))
			}
		}
		if w.rng.IntN(600) == 0 {
			w.log(web, w.time(m).Add(time.Duration(w.rng.IntN(60))*time.Second), "shop[%d]: WARN slow query took %dms: SELECT * FROM products WHERE category_id = ?", 2000+w.rng.IntN(3), 1000+w.rng.IntN(3000))
		}
	}
	// db1: PostgreSQL's checkpoints and the nightly backup.
	for t := w.t0; t.Before(end); t = t.Add(5 * time.Minute) {
		w.log(db, t.Add(17*time.Second), "postgres[%d]: [%d-1] LOG:  checkpoint starting: time", 811, w.rng.IntN(9000))
		w.log(db, t.Add(47*time.Second), "postgres[%d]: [%d-1] LOG:  checkpoint complete: wrote %d buffers (%.1f%%); 0 WAL file(s) added, 0 removed, 1 recycled", 811, w.rng.IntN(9000), 20+w.rng.IntN(900), w.uni(0.1, 5))
	}
	if !w.noNightlyBackup {
		for d := range days {
			t := w.at(d, w.backupAt/60, w.backupAt%60)
			w.cron(db, t, "postgres", "/usr/local/bin/pg_backup.sh --all --compress")
			if !w.backupDone[d] {
				w.job(db, t, time.Duration(15+w.rng.IntN(15))*time.Minute, 0.15, w.uni(0.5, 0.8))
			}
		}
	}
}

// decoys adds one of each kind of candidate on earlier days, harmless, and
// sometimes one near the incident.
func (w *world) decoys() {
	pastDay := func() int { return 1 + w.rng.IntN(days-2) }
	if !w.noDeployDecoy {
		d := pastDay()
		t := w.at(d, 9+w.rng.IntN(9), w.rng.IntN(60))
		w.log(web, t, "deploy[%d]: shop: deploying release v3.%d.%d (commit %07x)", w.pid(), w.rng.IntN(9), w.rng.IntN(20), w.rng.IntN(1<<28))
		w.log(web, t.Add(6*time.Second), "systemd[1]: Stopping shop.service - Shop application...")
		w.log(web, t.Add(8*time.Second), "systemd[1]: Stopped shop.service - Shop application.")
		w.log(web, t.Add(9*time.Second), "systemd[1]: Started shop.service - Shop application.")
	}
	{ // an earlier crash of a helper that systemd restarted
		d := pastDay()
		t := w.at(d, w.rng.IntN(24), w.rng.IntN(60))
		w.log(web, t, "kernel: [%d.%06d] thumbnailer[%d]: segfault at 0 ip 00007f3a1c2b4e10 sp 00007ffd5e8c1a88 error 4 in libvips.so.42.17.1[7f3a1c200000+2a0000]", 90000+w.rng.IntN(9000), w.rng.IntN(1000000), w.pid())
		w.log(web, t.Add(time.Second), "systemd[1]: thumbnailer.service: Main process exited, code=dumped, status=11/SEGV")
		w.log(web, t.Add(time.Second), "systemd[1]: thumbnailer.service: Failed with result 'core-dump'.")
		w.log(web, t.Add(6*time.Second), "systemd[1]: Started thumbnailer.service - Image thumbnailer.")
	}
	{ // an earlier crawler: a traffic bump that slowed nothing much
		d := pastDay()
		t := w.at(d, w.rng.IntN(24), w.rng.IntN(60))
		i := w.idx(t)
		w.access = append(w.access, accessOpt{a: i, b: i + 20 + w.rng.IntN(30), perMin: w.uni(5, 12), method: "GET",
			route: "/products/", query: func(r *rand.Rand) string { return fmt.Sprint(1000 + r.IntN(5000)) },
			client: w.client(), ua: "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", referrer: "-", status: 200})
	}
	{ // an earlier nginx reload that went fine
		d := pastDay()
		t := w.at(d, 9+w.rng.IntN(9), w.rng.IntN(60))
		w.reload(t)
	}
	{ // the resolver's occasional complaint
		for range 2 {
			d := pastDay()
			w.log(web, w.at(d, w.rng.IntN(24), w.rng.IntN(60)), "systemd-resolved[412]: Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 10.0.0.2.")
		}
	}
	{ // an earlier memory climb (a report) that came back down
		d := pastDay()
		t := w.at(d, w.rng.IntN(24), w.rng.IntN(60))
		extra := w.uni(1, 2.5) * gib
		w.span(t, t.Add(40*time.Minute), func(m int, f float64) { w.memUsed[web][m] += extra * f })
	}
	// One failed check now and then: a lost packet, a slow handshake
	// (Kuma retries it as PENDING and the retry usually succeeds).
	for d := range days {
		for range w.rng.IntN(5) {
			t := w.at(d, w.rng.IntN(24), w.rng.IntN(60))
			if t.After(w.inc.Add(-4*time.Hour)) && t.Before(w.inc.Add(2*time.Hour)) {
				continue
			}
			if m := w.idx(t); m < w.n && w.down[m] == "" {
				w.down[m] = []string{"timeout of 48000ms exceeded", "Request failed with status code 502", "read ECONNRESET"}[w.rng.IntN(3)]
			}
		}
	}
	// Near the incident, by chance: a person looking around, a vacuum on
	// db1, a short traffic bump from another crawler.
	if w.rng.IntN(3) == 0 {
		t := w.inc.Add(-time.Duration(3+w.rng.IntN(25)) * time.Minute)
		w.log(web, t, "sshd[%d]: Accepted publickey for ops from 10.0.0.%d port %d ssh2: ED25519 SHA256:Yq3kP1l0cMbXbq7v0pQ", w.pid(), 2+w.rng.IntN(20), 40000+w.rng.IntN(20000))
		w.log(web, t.Add(40*time.Second), "sudo[%d]:      ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/journalctl -u shop --since today", w.pid())
	}
	if w.rng.IntN(3) == 0 {
		t := w.inc.Add(-time.Duration(w.rng.IntN(40)) * time.Minute)
		w.log(db, t, "postgres[%d]: [%d-1] LOG:  automatic vacuum of table \"shop.public.orders\": index scans: 1", w.pid(), w.rng.IntN(9000))
		w.job(db, t, 5*time.Minute, 0.3, 0.2)
	}
	// A rare harmless timer that happens to start a few minutes before
	// the incident: a second plausible candidate of the scheduled kind.
	if w.rng.IntN(3) == 0 {
		t := w.inc.Add(-time.Duration(30+w.rng.IntN(330)) * time.Second)
		h := w.rng.IntN(2)
		if w.rng.IntN(2) == 0 {
			w.timer(h, t, "man-db", "Daily man-db regeneration", time.Duration(20+w.rng.IntN(60))*time.Second)
			w.job(h, t, 2*time.Minute, 0.12, 0.1)
		} else {
			w.timer(h, t, "apt-daily", "Daily apt download activities", time.Duration(5+w.rng.IntN(40))*time.Second)
		}
	}
	if w.rng.IntN(4) == 0 {
		t := w.inc.Add(-time.Duration(w.rng.IntN(50)) * time.Minute)
		i := w.idx(t)
		w.access = append(w.access, accessOpt{a: i, b: i + 5 + w.rng.IntN(10), perMin: w.uni(3, 6), method: "GET",
			route: "/sitemap.xml", client: w.client(), ua: "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", referrer: "-", status: 200})
	}
}

// reload logs an nginx reload through systemd.
func (w *world) reload(t time.Time) {
	w.log(web, t, "sudo[%d]:      ops : TTY=pts/0 ; PWD=/etc/nginx ; USER=root ; COMMAND=/usr/bin/systemctl reload nginx", w.pid())
	w.log(web, t.Add(time.Second), "systemd[1]: Reloading nginx.service - A high performance web server and a reverse proxy server...")
	w.log(web, t.Add(time.Second), "systemd[1]: Reloaded nginx.service - A high performance web server and a reverse proxy server.")
}
