// Package demo generates the bundled demo in testdata/demo: nine days of one
// small shop's monitoring, made deterministically so the files in git can be
// regenerated and checked byte for byte (see demo_test.go).
//
// The story, in Asia/Seoul time:
//   - every night at 03:00 a database backup runs on db1 (its CRON line, then
//     disk IO, iowait and load rise for about 20 minutes) and the shop's
//     response time rises to 2.3-2.9 s, in Kuma's pings and in nginx's
//     request time;
//   - on Friday 2025-11-21 at 14:01 release v2.14.0 of the shop is deployed;
//     its database migration fails, the service restarts in a loop, nginx
//     answers 502 and the Shop monitor is down from 14:03 to 14:10, until the
//     release is rolled back;
//   - decoys that must not be blamed: logrotate every day at 06:25 (it
//     reloads nginx), sysstat's cron job every ten minutes, and a noisy queue
//     depth on worker1 that spikes a few times a day on its own, once by
//     chance at 03:04 on the night of 2025-11-20.
package demo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
)

// Zone of the demo's people and servers.
const Zone = "Asia/Seoul"

var (
	seoul = mustZone(Zone)
	// Start and End bound the demo data: nine days, Thursday to Friday.
	Start = time.Date(2025, 11, 13, 0, 0, 0, 0, seoul)
	End   = time.Date(2025, 11, 22, 0, 0, 0, 0, seoul)
	// Deploy is when the bad release went out; the outage follows it.
	Deploy      = time.Date(2025, 11, 21, 14, 1, 12, 0, seoul)
	OutageStart = time.Date(2025, 11, 21, 14, 3, 0, 0, seoul)
	OutageEnd   = time.Date(2025, 11, 21, 14, 10, 0, 0, seoul)
	Rollback    = time.Date(2025, 11, 21, 14, 9, 30, 0, seoul)
	// NoisyNight is the night the decoy queue spikes during the backup.
	NoisyNight = time.Date(2025, 11, 20, 3, 4, 0, 0, seoul)
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// world is the simulated state every file is drawn from, so that the logs,
// probes and metrics tell one consistent story.
type world struct {
	rng *rand.Rand
}

// backupLen is how long the backup runs on the night starting at day.
func backupLen(day time.Time) time.Duration {
	return time.Duration(18+day.Day()%4) * time.Minute
}

// inBackup reports whether t is inside a nightly backup.
func inBackup(t time.Time) bool {
	lt := t.In(seoul)
	start := time.Date(lt.Year(), lt.Month(), lt.Day(), 3, 0, 0, 0, seoul)
	return !lt.Before(start) && lt.Before(start.Add(backupLen(start)))
}

func inOutage(t time.Time) bool { return !t.Before(OutageStart) && t.Before(OutageEnd) }

// daytime is 1 in the busy hours and falls to 0.25 at night.
func daytime(t time.Time) float64 {
	h := float64(t.In(seoul).Hour()) + float64(t.In(seoul).Minute())/60
	return 0.25 + 0.75*math.Max(0, math.Sin((h-7)/16*math.Pi))
}

// Generate writes the demo into dir.
func Generate(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w := &world{rng: rand.New(rand.NewPCG(2025, 1121))}
	steps := []struct {
		name string
		fn   func(string) error
	}{
		{"kuma.db", w.kuma},
		{"access.log", w.access},
		{"syslog-db1", w.syslogDB},
		{"syslog-web1", w.syslogWeb},
		{"metrics.om.gz", w.metrics},
	}
	for _, s := range steps {
		if err := s.fn(filepath.Join(dir, s.name)); err != nil {
			return fmt.Errorf("demo %s: %w", s.name, err)
		}
	}
	return nil
}

func (w *world) jitter(lo, hi float64) float64 { return lo + w.rng.Float64()*(hi-lo) }

func (w *world) kuma(path string) error { return w.kumaDB(path, kumadb.Options{Version: 1}) }

// KumaV2 writes the demo's heartbeats as Uptime Kuma 2 would hold them at
// now: raw beats for the last 24 hours, older ones only as aggregates and
// important beats.
func KumaV2(path string, now time.Time) error {
	w := &world{rng: rand.New(rand.NewPCG(2025, 1121))}
	return w.kumaDB(path, kumadb.Options{Version: 2, Now: now})
}

func (w *world) kumaDB(path string, o kumadb.Options) error {
	_ = os.Remove(path)
	mons := []kumadb.Monitor{
		{ID: 1, Name: "Shop", Type: "http", URL: "https://shop.example", Interval: 60, Active: true, MaxRetries: 1},
		{ID: 2, Name: "API", Type: "keyword", URL: "https://api.example/health", Interval: 60, Active: true},
	}
	var beats []kumadb.Beat
	for t := Start; t.Before(End); t = t.Add(time.Minute) {
		// Shop: beats at :07.
		bt := t.Add(7*time.Second + time.Duration(w.rng.IntN(900))*time.Millisecond)
		b := kumadb.Beat{MonitorID: 1, T: bt, Status: 1, Msg: "200 - OK"}
		switch {
		case inOutage(bt) && bt.Before(OutageStart.Add(time.Minute)):
			b.Status, b.PingMS, b.Msg = 2, -1, "Request failed with status code 502"
		case inOutage(bt):
			b.Status, b.PingMS, b.Msg = 0, -1, "Request failed with status code 502"
		case inBackup(bt):
			b.PingMS = int(w.jitter(2300, 2900))
		default:
			b.PingMS = int(110 + 30*daytime(bt) + w.jitter(0, 25))
		}
		beats = append(beats, b)
		// API: beats at :37, untouched by the backup (it has its own DB).
		at := t.Add(37*time.Second + time.Duration(w.rng.IntN(900))*time.Millisecond)
		beats = append(beats, kumadb.Beat{MonitorID: 2, T: at, Status: 1, PingMS: int(40 + w.jitter(0, 14)),
			Msg: "200 - OK, keyword is found"})
	}
	sort.SliceStable(beats, func(i, j int) bool { return beats[i].T.Before(beats[j].T) })
	kumadb.MarkImportant(beats)
	return kumadb.Create(path, o, mons, beats)
}

var (
	clients = []string{"203.0.113.45", "198.51.100.7", "192.0.2.33", "203.0.113.90", "198.51.100.120", "192.0.2.201"}
	agents  = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
		"Uptime-Kuma/1.23.17",
	}
)

// access writes nginx's access log with $request_time at the end, rotated
// daily at 06:25 by logrotate: access.log, access.log.1, then gzipped
// access.log.2.gz and older.
func (w *world) access(path string) error {
	type line struct {
		t time.Time
		s string
	}
	var lines []line
	for t := Start; t.Before(End); t = t.Add(time.Minute) {
		n := int(math.Round(w.jitter(0.6, 1.4) * 10 * daytime(t)))
		for range n {
			ts := t.Add(time.Duration(w.rng.IntN(60000)) * time.Millisecond)
			method, route, size := "GET", "/", 5120+w.rng.IntN(2000)
			switch r := w.rng.IntN(10); {
			case r < 3:
				route = fmt.Sprintf("/products/%d", 1000+w.rng.IntN(400))
			case r < 5:
				route = fmt.Sprintf("/api/items/%d", w.rng.IntN(9000))
				size = 800 + w.rng.IntN(300)
			case r < 6:
				method, route, size = "POST", "/api/cart", 120
			case r < 8:
				route, size = "/static/app.js", 48213
			}
			status := 200
			rt := w.jitter(0.02, 0.18)
			static := route == "/static/app.js"
			switch {
			case inOutage(ts) && !static:
				status, size, rt = 502, 157, w.jitter(0.001, 0.004)
			case inBackup(ts) && !static:
				rt = w.jitter(1.4, 3.2)
			case w.rng.IntN(400) == 0:
				status, size = 404, 153
			case w.rng.IntN(2000) == 0:
				status, size = 500, 177
			}
			if static {
				rt = w.jitter(0.001, 0.003)
			}
			lines = append(lines, line{ts, fmt.Sprintf(`%s - - [%s] "%s %s HTTP/1.1" %d %d "https://shop.example/" "%s" %.3f`,
				clients[w.rng.IntN(len(clients))], ts.In(seoul).Format("02/Jan/2006:15:04:05 -0700"), method, route,
				status, size, agents[w.rng.IntN(len(agents))], rt)})
		}
		// Uptime Kuma's own check arrives at :07 (Shop).
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].t.Before(lines[j].t) })
	// Rotation points: 06:25 each day; file k holds the lines from the
	// k-th rotation back.
	var rot []time.Time
	for d := Start; d.Before(End); d = d.AddDate(0, 0, 1) {
		if r := d.Add(6*time.Hour + 25*time.Minute); r.After(Start) && r.Before(End) {
			rot = append(rot, r)
		}
	}
	files := make([][]byte, len(rot)+1) // 0 = current
	for _, l := range lines {
		k := 0
		for i := len(rot) - 1; i >= 0 && l.t.Before(rot[i]); i-- {
			k++
		}
		files[k] = append(files[k], l.s...)
		files[k] = append(files[k], '\n')
	}
	for k, data := range files {
		name := path
		switch {
		case k == 1:
			name += ".1"
		case k > 1:
			name += fmt.Sprintf(".%d.gz", k)
		}
		if k > 1 {
			if err := writeGzip(name, data); err != nil {
				return err
			}
			continue
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// writeGzip compresses with no name and no time in the header, so the
// output is the same on every run.
func writeGzip(path string, data []byte) error {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

type sysline struct {
	t   time.Time
	msg string // "prog[pid]: text"
}

func writeSyslog(path, host string, lines []sysline) error {
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].t.Before(lines[j].t) })
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	for _, l := range lines {
		fmt.Fprintf(bw, "%s %s %s\n", l.t.In(seoul).Format(time.Stamp), host, l.msg)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (w *world) pid() int { return 1000 + w.rng.IntN(30000) }

// cronDaily is Debian's /etc/crontab line for cron.daily (logrotate runs
// from there), at 06:25.
const cronDaily = "(root) CMD (test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; })"

func (w *world) syslogDB(path string) error {
	var ls []sysline
	for d := Start; d.Before(End); d = d.AddDate(0, 0, 1) {
		for m := 0; m < 24*60; m += 10 {
			t := d.Add(time.Duration(m)*time.Minute + time.Second)
			ls = append(ls, sysline{t, fmt.Sprintf("CRON[%d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)", w.pid())})
		}
		b := d.Add(3*time.Hour + time.Second)
		pid := w.pid()
		ls = append(ls,
			sysline{b, fmt.Sprintf("CRON[%d]: (root) CMD (/usr/local/bin/backup-db.sh shop)", w.pid())},
			sysline{b.Add(2 * time.Second), fmt.Sprintf("backup-db.sh[%d]: starting pg_dump of database shop to /backup/shop-%s.dump", pid, d.Format("20060102"))},
			sysline{b.Add(backupLen(d)), fmt.Sprintf("backup-db.sh[%d]: pg_dump of shop finished: %.1f GB in %d s", pid,
				w.jitter(11.5, 12.5), int(backupLen(d).Seconds()))},
		)
		r := d.Add(6*time.Hour + 25*time.Minute + time.Second)
		ls = append(ls, sysline{r, fmt.Sprintf("CRON[%d]: %s", w.pid(), cronDaily)})
	}
	return writeSyslog(path, "db1", ls)
}

func (w *world) syslogWeb(path string) error {
	var ls []sysline
	for d := Start; d.Before(End); d = d.AddDate(0, 0, 1) {
		r := d.Add(6*time.Hour + 25*time.Minute + time.Second)
		ls = append(ls,
			sysline{r, fmt.Sprintf("CRON[%d]: %s", w.pid(), cronDaily)},
			sysline{r.Add(3 * time.Second), "systemd[1]: Reloading nginx.service - A high performance web server and a reverse proxy server..."},
			sysline{r.Add(3 * time.Second), "systemd[1]: Reloaded nginx.service - A high performance web server and a reverse proxy server."},
			sysline{r.Add(4 * time.Second), "systemd[1]: logrotate.service: Deactivated successfully."},
		)
		for h := 0; h < 24; h++ {
			t := d.Add(time.Duration(h)*time.Hour + 17*time.Minute + time.Duration(w.rng.IntN(50))*time.Second)
			ls = append(ls, sysline{t, fmt.Sprintf("CRON[%d]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)", w.pid())})
		}
	}
	// The bad release.
	dp := 4242
	app := 5012
	ls = append(ls,
		sysline{Deploy, fmt.Sprintf("deploy[%d]: shop: deploying release v2.14.0 (commit 9f3c2ab) by ci@shop.example", dp)},
		sysline{Deploy.Add(6 * time.Second), "systemd[1]: Stopping shop.service - Shop web application..."},
		sysline{Deploy.Add(8 * time.Second), "systemd[1]: shop.service: Deactivated successfully."},
		sysline{Deploy.Add(8 * time.Second), "systemd[1]: Stopped shop.service - Shop web application."},
		sysline{Deploy.Add(9 * time.Second), "systemd[1]: Started shop.service - Shop web application."},
		sysline{Deploy.Add(11 * time.Second), fmt.Sprintf("shop[%d]: running migration 0042_add_order_index", app)},
	)
	for t, n := OutageStart.Add(-10*time.Second), 1; t.Before(Rollback); t, n = t.Add(40*time.Second), n+1 {
		ls = append(ls,
			sysline{t, fmt.Sprintf("shop[%d]: ERROR migration 0042_add_order_index failed: canceling statement due to lock timeout", app)},
			sysline{t.Add(time.Second), "systemd[1]: shop.service: Main process exited, code=exited, status=1/FAILURE"},
			sysline{t.Add(time.Second), "systemd[1]: shop.service: Failed with result 'exit-code'."},
			sysline{t.Add(6 * time.Second), fmt.Sprintf("systemd[1]: shop.service: Scheduled restart job, restart counter is at %d.", n)},
		)
		app = w.pid()
		ls = append(ls, sysline{t.Add(7 * time.Second), fmt.Sprintf("shop[%d]: running migration 0042_add_order_index", app)})
	}
	ls = append(ls,
		sysline{Rollback, fmt.Sprintf("deploy[%d]: shop: rolling back to release v2.13.2 (commit 41be07d)", dp+90)},
		sysline{Rollback.Add(5 * time.Second), "systemd[1]: Stopping shop.service - Shop web application..."},
		sysline{Rollback.Add(20 * time.Second), "systemd[1]: Started shop.service - Shop web application."},
	)
	return writeSyslog(path, "web1", ls)
}

// metrics writes node_exporter-style series for db1 and web1 and the noisy
// worker queue, as OpenMetrics text with second timestamps, ready for
// `promtool tsdb create-blocks-from openmetrics` (after gunzip).
func (w *world) metrics(path string) error {
	type series struct {
		name, typ, help, labels string
		counter                 bool
		rate                    func(t time.Time) float64 // per second, for counters; the value for gauges
		total                   float64
		lines                   []byte
	}
	noisy := map[int64]bool{} // minute start (unix) -> spiking
	for d := Start; d.Before(End); d = d.AddDate(0, 0, 1) {
		for range 3 {
			at := d.Add(time.Duration(5*60+w.rng.IntN(17*60)) * time.Minute) // 05:00-22:00
			for k := range 2 + w.rng.IntN(3) {
				noisy[at.Add(time.Duration(k)*time.Minute).Unix()] = true
			}
		}
	}
	for k := range 3 {
		noisy[NoisyNight.Add(time.Duration(k)*time.Minute).Unix()] = true
	}
	deployBusy := func(t time.Time) bool { return !t.Before(Deploy) && t.Before(OutageEnd) }
	ss := []*series{
		{name: "node_load1", typ: "gauge", help: "1m load average.", labels: `instance="db1:9100",job="node"`,
			rate: func(t time.Time) float64 {
				if inBackup(t) {
					return w.jitter(3.5, 4.6)
				}
				return 0.3 + 0.4*daytime(t) + w.jitter(0, 0.15)
			}},
		{name: "node_cpu_seconds", typ: "counter", help: "Seconds the CPUs spent in each mode.", labels: `cpu="0",instance="db1:9100",job="node",mode="iowait"`,
			counter: true, rate: func(t time.Time) float64 {
				if inBackup(t) {
					return w.jitter(0.3, 0.42)
				}
				return w.jitter(0.005, 0.02)
			}},
		{name: "node_cpu_seconds", typ: "counter", labels: `cpu="0",instance="db1:9100",job="node",mode="user"`,
			counter: true, rate: func(t time.Time) float64 { return 0.05 + 0.15*daytime(t) + w.jitter(0, 0.03) }},
		{name: "node_cpu_seconds", typ: "counter", labels: `cpu="0",instance="db1:9100",job="node",mode="system"`,
			counter: true, rate: func(t time.Time) float64 { return 0.02 + 0.04*daytime(t) + w.jitter(0, 0.01) }},
		{name: "node_disk_io_time_seconds", typ: "counter", help: "Total seconds spent doing I/Os.", labels: `device="sda",instance="db1:9100",job="node"`,
			counter: true, rate: func(t time.Time) float64 {
				if inBackup(t) {
					return w.jitter(0.85, 0.98)
				}
				return 0.03 + 0.05*daytime(t) + w.jitter(0, 0.02)
			}},
		{name: "node_load1", typ: "gauge", labels: `instance="web1:9100",job="node"`,
			rate: func(t time.Time) float64 {
				if deployBusy(t) {
					return w.jitter(1.2, 1.8)
				}
				return 0.2 + 0.5*daytime(t) + w.jitter(0, 0.1)
			}},
		{name: "node_cpu_seconds", typ: "counter", labels: `cpu="0",instance="web1:9100",job="node",mode="user"`,
			counter: true, rate: func(t time.Time) float64 { return 0.04 + 0.2*daytime(t) + w.jitter(0, 0.03) }},
		{name: "app_queue_depth", typ: "gauge", help: "Jobs waiting in the worker queue.", labels: `instance="worker1:9100",job="worker",queue="mail"`,
			rate: func(t time.Time) float64 {
				if noisy[t.Truncate(time.Minute).Unix()] {
					return float64(150 + w.rng.IntN(120))
				}
				return float64(4 + w.rng.IntN(12))
			}},
	}
	for _, s := range ss {
		s.total = 1000 + w.jitter(0, 500)
	}
	for t := Start; t.Before(End); t = t.Add(time.Minute) {
		for _, s := range ss {
			v := s.rate(t)
			if s.counter {
				s.total += v * 60
				v = s.total
			}
			name := s.name
			if s.counter {
				name += "_total"
			}
			s.lines = fmt.Appendf(s.lines, "%s{%s} %.3f %d\n", name, s.labels, v, t.Unix())
		}
	}
	var buf bytes.Buffer
	seen := map[string]bool{}
	// OpenMetrics wants all samples of a metric family together.
	for _, fam := range []string{"node_load1", "node_cpu_seconds", "node_disk_io_time_seconds", "app_queue_depth"} {
		for _, s := range ss {
			if s.name != fam {
				continue
			}
			if !seen[fam] {
				seen[fam] = true
				fmt.Fprintf(&buf, "# HELP %s %s\n# TYPE %s %s\n", fam, s.help, fam, s.typ)
			}
			buf.Write(s.lines)
		}
	}
	buf.WriteString("# EOF\n")
	return writeGzip(path, buf.Bytes())
}
