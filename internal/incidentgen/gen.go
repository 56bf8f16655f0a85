// Package incidentgen generates families of incidents with randomised
// parameters, each with its ground truth, so that the analysis's choice of
// cause can be measured on seeds it was never tuned on (issue 13).
//
// An incident is eight days of one small site: two hosts (web1 runs nginx
// and the shop, db1 runs PostgreSQL), an Uptime Kuma monitor of the shop
// and one of its API, a full node_exporter set per host, nginx's access
// log and each host's syslog. The last day holds the incident; the seven
// before it are the baseline.
//
// Everything is written in the formats a user's servers write and read
// back through the user's own path: a hindsight.yaml naming the files,
// loaded by cmd.Load exactly as `hindsight analyze --config` loads it, so
// the parsers the hidden real-format incidents go through are the ones
// measured here:
//
//   - probes: an Uptime Kuma 1.23 SQLite database (sources/kuma/kumadb,
//     Kuma's own schema) with heartbeats as Kuma writes them: check times
//     that drift by each check's duration, latency with a heavy tail,
//     failed checks retried as PENDING before DOWN, Kuma's own error
//     messages, no ping on a failed check, the important flag set as
//     Kuma sets it;
//   - metrics: node_exporter's names, labels and types (counters as
//     running totals) as one OpenMetrics text file, read by the file
//     source;
//   - logs: each host's rsyslog syslog and nginx's access log with
//     $request_time, read by the logs source.
//
// Every host has the background of a real Debian server: cron's sysstat
// every ten minutes, cron.hourly at :17, cron.daily at 06:25, PHP session
// cleaning, an application queue job every five minutes and one hourly,
// systemd timers (logrotate, man-db, apt-daily, apt-daily-upgrade,
// fstrim, certbot, dpkg-db-backup, e2scrub_all, systemd-tmpfiles-clean,
// phpsessionclean), a nightly database backup on db1, ssh logins and the
// internet's ssh scanners. Each family adds decoys of the other cause
// types (an earlier deploy that went fine, an earlier crash of another
// program, a traffic bump, a disk that fills and is rotated) so that no
// family is won by being the only thing that moved.
package incidentgen

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/cmd"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
	"github.com/hindsight-sre/hindsight/sources/promconv"
)

// Cause types of the ground truth, the taxonomy of issue 13.
const (
	Change     = "change"        // deploy, release, config reload, restart by a person
	Scheduled  = "scheduled_job" // cron job, systemd timer, backup
	Traffic    = "traffic"       // request rate, by route, client or campaign
	Exhaustion = "exhaustion"    // disk, memory, connections running out
	Crash      = "crash"         // OOM kill, segfault, panic
	Dependency = "dependency"    // DNS, TLS, an upstream refusing
	LogBurst   = "log_burst"     // a burst of one log pattern
	Nothing    = "nothing"       // nothing in the data: the probe alone saw it
)

// Truth is what caused an incident.
type Truth struct {
	Type      string `json:"type"`
	Component string `json:"component"` // host or service at fault
	// Match is a regular expression a correct suspect's title (or its
	// component) matches; the evaluation's, never the analysis's.
	Match string `json:"match"`
	// Also, for two causes at once, is the second cause's Match.
	Also string `json:"also,omitempty"`
	// ByComponent: the answer is judged by the component the analysis
	// rolls its suspects up to (the microservice families: is the service
	// at fault the top component), not by a suspect's title.
	ByComponent bool `json:"by_component,omitempty"`
}

// Incident is one generated incident.
type Incident struct {
	Family      string
	Seed        int
	Description string
	// Config is the incident's hindsight.yaml, beside the files it names
	// (kuma.db, node.om, the syslogs, nginx's access log).
	Config string
	// Dataset and Options are what `hindsight analyze --config Config
	// --from Window.From --to Window.To` reads and analyses with.
	Dataset  *sources.Dataset
	Options  analyze.Options
	Window   sources.Window // the window a user would ask about
	Location *time.Location
	Truth    Truth
	// Start is when users first felt it.
	Start time.Time
}

// family builds one kind of incident into w.
type family struct {
	name  string
	build func(w *world)
}

// Families are the names of the families, in a fixed order.
func Families() []string {
	out := make([]string, len(families))
	for i, f := range families {
		out[i] = f.name
	}
	return append(out, msFamilies...)
}

const (
	days  = 8
	shop  = "https://shop.example.com/"
	api   = "https://shop.example.com/api/health"
	gib   = 1 << 30
	ncpu  = 2
	fsVar = 40 * gib
)

var zones = []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Seoul", "Australia/Sydney"}

// world is the state of one incident's site, minute by minute.
type world struct {
	rng  *rand.Rand
	loc  *time.Location
	t0   time.Time // first minute of the data
	n    int       // minutes of data
	last time.Time // local midnight starting the incident day
	inc  time.Time // when the incident starts (set by the family)

	// Per minute, per host where it matters (0 web1, 1 db1).
	req      []float64    // requests a minute to the shop
	extra    []float64    // requests a minute of a family's own traffic (in the access log through accessOpt)
	cpuJob   [2][]float64 // extra CPU busy fraction (0..1 of all cores)
	io       [2][]float64 // extra disk busy fraction
	memUsed  [2][]float64 // bytes in use
	fsUsed   [2][]float64 // bytes used on /var
	pool     []float64    // DB connections in use of poolMax
	err5xx   []float64    // share of shop requests answered 5xx
	slow     []float64    // server-side latency factor beyond load
	down     []string     // shop probe failure message ("" = up)
	apiDown  []string     // API probe failure message
	netSlow  []float64    // probe-only latency factor (the network path)
	appDown  []bool       // the shop process is not running
	reqCap   float64      // requests a minute that take all the CPU
	baseLat  float64      // the shop's usual latency, seconds
	retries  int          // Kuma retries before DOWN
	poolMax  float64      // DB pool size
	syslog   [2][]logLine // per host
	access   []accessOpt  // extra traffic shapes
	backupAt int          // minute of day the nightly DB backup starts

	truth Truth
	desc  string

	// Set by a family that replaces a piece of the background.
	noNightlyBackup, noDeployDecoy bool
	backupDone                     [days]bool // the family drew that night's backup itself
}

type logLine struct {
	t   time.Time
	msg string
}

// accessOpt is a traffic shape added to the access log: from minute a to
// b, extra requests a minute to route from client with ua and referrer.
type accessOpt struct {
	a, b                  int
	perMin                float64
	method, route, client string
	ua, referrer          string
	status                int
	query                 func(r *rand.Rand) string
	rtMin, rtMax          float64
}

var hosts = [2]string{"web1", "db1"}

// Generate builds incident seed of the named family. Log files are
// written under dir (a scratch directory the caller removes).
func Generate(name string, seed int, dir string) (*Incident, error) {
	if slices.Contains(msFamilies, name) {
		return generateMS(name, seed, dir)
	}
	var fam *family
	for i := range families {
		if families[i].name == name {
			fam = &families[i]
		}
	}
	if fam == nil {
		return nil, fmt.Errorf("incidentgen: no family %q", name)
	}
	h := uint64(0)
	for _, c := range name {
		h = h*131 + uint64(c)
	}
	rng := rand.New(rand.NewPCG(uint64(seed)+1, h))
	loc, err := time.LoadLocation(zones[rng.IntN(len(zones))])
	if err != nil {
		return nil, err
	}
	// A random day in 2026 (any weekday, DST changes included).
	d := time.Date(2026, 1, 5, 0, 0, 0, 0, loc).AddDate(0, 0, rng.IntN(330))
	w := &world{rng: rng, loc: loc, last: d, t0: d.AddDate(0, 0, -(days - 1))}
	w.n = int(d.AddDate(0, 0, 1).Sub(w.t0) / time.Minute)
	w.init()
	fam.build(w)
	if w.inc.IsZero() {
		return nil, fmt.Errorf("incidentgen: family %s set no incident time", name)
	}
	w.background()
	w.decoys()
	inc := &Incident{Family: name, Seed: seed, Description: w.desc, Location: loc, Truth: w.truth, Start: w.inc}
	around := w.inc.Add(time.Duration(2+rng.IntN(8)) * time.Minute)
	inc.Window = sources.Window{From: around.Add(-2 * time.Hour), To: around.Add(time.Hour)}
	if end := w.t0.Add(time.Duration(w.n) * time.Minute); inc.Window.To.After(end) {
		inc.Window.To = end
	}
	config, ds, opts, err := w.dataset(dir, inc.Window)
	if err != nil {
		return nil, err
	}
	inc.Config, inc.Dataset, inc.Options = config, ds, opts
	return inc, nil
}

func (w *world) init() {
	n := w.n
	mk := func() []float64 { return make([]float64, n) }
	w.req, w.extra, w.pool, w.err5xx, w.slow, w.netSlow = mk(), mk(), mk(), mk(), mk(), mk()
	w.down, w.apiDown, w.appDown = make([]string, n), make([]string, n), make([]bool, n)
	for h := range 2 {
		w.cpuJob[h], w.io[h], w.memUsed[h], w.fsUsed[h] = mk(), mk(), mk(), mk()
	}
	w.reqCap = w.uni(150, 300)
	w.baseLat = w.uni(0.06, 0.25)
	w.retries = w.rng.IntN(4)
	w.poolMax = float64(20 * (1 + w.rng.IntN(5)))
	peak := w.uni(6, 14)
	memBase := [2]float64{w.uni(2, 3.5) * gib, w.uni(3, 5) * gib}
	fsBase := [2]float64{w.uni(8, 20) * gib, w.uni(12, 26) * gib}
	for m := range n {
		t := w.time(m)
		lt := t.In(w.loc)
		h := float64(lt.Hour()) + float64(lt.Minute())/60
		// A daily cycle: quiet at night, busiest in the afternoon; a
		// weekend is quieter.
		cyc := 0.15 + 0.85*math.Max(0, math.Sin((h-6)/17*math.Pi))
		if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday {
			cyc *= 0.7
		}
		w.req[m] = peak * cyc * w.uni(0.8, 1.2)
		w.slow[m] = 1
		w.netSlow[m] = 1
		w.pool[m] = w.poolMax * (0.08 + 0.25*cyc) * w.uni(0.8, 1.2)
		for hh := range 2 {
			w.memUsed[hh][m] = memBase[hh] * (1 + 0.05*cyc) * w.uni(0.99, 1.01)
			// /var grows with the day's logs and is rotated at midnight.
			w.fsUsed[hh][m] = fsBase[hh] + float64(lt.Hour()*60+lt.Minute())*w.uni(0.9, 1.1)*2e5
		}
	}
	w.backupAt = 60 + w.rng.IntN(240) // 01:00-05:00
}

func (w *world) uni(lo, hi float64) float64 { return lo + w.rng.Float64()*(hi-lo) }

func (w *world) time(m int) time.Time { return w.t0.Add(time.Duration(m) * time.Minute) }

func (w *world) idx(t time.Time) int {
	return max(0, min(w.n, int(t.Sub(w.t0)/time.Minute)))
}

// at is local hh:mm on day d (0 = first day, days-1 = the incident day).
func (w *world) at(d, hh, mm int) time.Time {
	day := w.last.AddDate(0, 0, d-(days-1))
	return time.Date(day.Year(), day.Month(), day.Day(), hh, mm, 0, 0, w.loc)
}

// pick chooses an incident minute on the last day between local hours
// h0 and h1, away from the top of the hour half the time.
//
// A quarter of the time the minute is one at which the background's
// hourly jobs start (sitemap:generate at :00, cron.hourly at :17), so
// that a job colliding with the incident is as common as it is on a
// real server.
func (w *world) pick(h0, h1 int) time.Time {
	m := h0*60 + w.rng.IntN((h1-h0)*60)
	if w.rng.IntN(4) == 0 {
		m = m/60*60 + []int{0, 17}[w.rng.IntN(2)] + w.rng.IntN(3)
	}
	return w.at(days-1, m/60, m%60)
}

// onFive moves t back into the minute in which the five-minute queue
// cron (messenger:consume) starts, keeping its seconds: a change made by
// a person in that minute must not be taken for the cron's doing.
func (w *world) onFive(t time.Time) time.Time {
	return t.Truncate(5 * time.Minute).Add(time.Duration(t.Second()) * time.Second)
}

func (w *world) log(host int, t time.Time, format string, args ...any) {
	w.syslog[host] = append(w.syslog[host], logLine{t, fmt.Sprintf(format, args...)})
}

func (w *world) pid() int { return 400 + w.rng.IntN(60000) }

// span applies f to every minute in [a, b).
func (w *world) span(a, b time.Time, f func(m int, frac float64)) {
	i, j := w.idx(a), w.idx(b)
	for m := i; m < j; m++ {
		f(m, float64(m-i)/float64(max(1, j-i)))
	}
}

// dataset renders the world as the files a user would point hindsight
// at (an Uptime Kuma 1.23 database, node_exporter metrics as OpenMetrics
// text, each host's syslog and nginx's access log) with a hindsight.yaml
// naming them, and reads them back through the same config, sources and
// window fitting as `hindsight analyze --config` (cmd.Load).
func (w *world) dataset(dir string, win sources.Window) (string, *sources.Dataset, analyze.Options, error) {
	fail := func(err error) (string, *sources.Dataset, analyze.Options, error) {
		return "", nil, analyze.Options{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	mons := []kumadb.Monitor{
		{ID: 1, Name: "Shop", URL: shop, Interval: 60, Active: true, MaxRetries: w.retries},
		{ID: 2, Name: "Shop API", URL: api, Interval: 60, Active: true, MaxRetries: w.retries},
	}
	beats := append(w.probe(1, w.down, 1), w.probe(2, w.apiDown, 0.4)...)
	if err := kumadb.Create(filepath.Join(dir, "kuma.db"), kumadb.Options{Version: 1}, mons, beats); err != nil {
		return fail(err)
	}
	if err := writeOpenMetrics(filepath.Join(dir, "node.om"), w.metrics()); err != nil {
		return fail(err)
	}
	for h, name := range hosts {
		if err := w.writeSyslog(filepath.Join(dir, name, "syslog"), h); err != nil {
			return fail(err)
		}
	}
	if err := w.writeAccess(filepath.Join(dir, "web1", "nginx", "access.log")); err != nil {
		return fail(err)
	}
	config := filepath.Join(dir, "hindsight.yaml")
	yaml := fmt.Sprintf(`# Written by internal/incidentgen: one generated incident.
timezone: %s
sources:
  - {name: kuma, type: kuma, path: kuma.db}
  - {name: node, type: file, path: node.om}
  - {name: db1-syslog, type: logs, paths: [db1/syslog]}
  - {name: nginx, type: logs, paths: [web1/nginx/access.log]}
  - {name: web1-syslog, type: logs, paths: [web1/syslog]}
`, w.loc)
	if err := os.WriteFile(config, []byte(yaml), 0o644); err != nil {
		return fail(err)
	}
	ds, opts, err := cmd.Load(context.Background(), config, "", win)
	if err != nil {
		return fail(fmt.Errorf("read back %s: %w", config, err))
	}
	return config, ds, opts, nil
}

// writeOpenMetrics writes series as OpenMetrics text the way a scrape
// archive holds them: each family's HELP and TYPE once, its samples
// together, a counter's samples named with _total, timestamps in seconds.
func writeOpenMetrics(path string, rs []promconv.Raw) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	var order []string
	byFam := map[string][]int{}
	for i, r := range rs {
		fam := r.Name
		if r.Type == "counter" {
			fam = strings.TrimSuffix(r.Name, "_total")
		}
		if _, ok := byFam[fam]; !ok {
			order = append(order, fam)
		}
		byFam[fam] = append(byFam[fam], i)
	}
	var b []byte
	for _, fam := range order {
		idx := byFam[fam]
		fmt.Fprintf(bw, "# HELP %s node_exporter's %s.\n# TYPE %s %s\n", fam, fam, fam, rs[idx[0]].Type)
		for _, i := range idx {
			r := rs[i]
			keys := make([]string, 0, len(r.Labels))
			for k := range r.Labels {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			lb := append([]byte(r.Name), '{')
			for j, k := range keys {
				if j > 0 {
					lb = append(lb, ',')
				}
				lb = append(lb, k...)
				lb = append(lb, '=')
				lb = strconv.AppendQuote(lb, r.Labels[k])
			}
			lb = append(lb, "} "...)
			for _, p := range r.Points {
				b = append(b[:0], lb...)
				b = strconv.AppendFloat(b, p.V, 'g', -1, 64)
				b = append(b, ' ')
				b = strconv.AppendInt(b, p.T.Unix(), 10)
				b = append(b, '\n')
				bw.Write(b)
			}
		}
	}
	bw.WriteString("# EOF\n")
	return bw.Flush()
}

// cpuBusy is host h's busy share of all cores at minute m.
func (w *world) cpuBusy(h, m int) float64 {
	u := 0.03 + w.cpuJob[h][m]
	if h == 0 && !w.appDown[m] {
		u += 0.7 * (w.req[m] + w.extra[m]) / w.reqCap
	}
	if h == 1 {
		u += 0.3 * (w.req[m] + w.extra[m]) / w.reqCap
	}
	return math.Min(1, u)
}

// serverLatency is the shop's response time at minute m, before noise:
// queueing on a busy CPU (1/(1-u)), contention on a busy disk, a full
// connection pool, and whatever the family adds.
func (w *world) serverLatency(m int) float64 {
	u := math.Min(0.97, w.cpuBusy(0, m))
	q := (1 - 0.1) / (1 - u)
	io := 1 + 3*math.Max(w.io[0][m], 0.6*w.io[1][m])
	pool := 1.0
	if w.pool[m] >= w.poolMax {
		pool = 8
	}
	return w.baseLat * math.Max(1, q) * io * pool * w.slow[m]
}

// probe renders a Kuma monitor's heartbeats: a check every 60 s that
// starts after the previous one finished (so check times drift), a
// heavy-tailed latency, and failures retried w.retries times as PENDING
// before DOWN, with Kuma's own messages and no ping on a failed check.
func (w *world) probe(id int, down []string, scale float64) []kumadb.Beat {
	var out []kumadb.Beat
	t := w.t0.Add(time.Duration(w.rng.IntN(50000)) * time.Millisecond)
	end := w.t0.Add(time.Duration(w.n) * time.Minute)
	fails := 0
	for t.Before(end) {
		m := w.idx(t)
		if m >= w.n {
			break
		}
		b := kumadb.Beat{MonitorID: id, T: t, PingMS: -1}
		lat := 0.0
		if msg := down[m]; msg != "" {
			fails++
			b.Status = kumadb.Down
			if fails <= w.retries {
				b.Status = kumadb.Pending
			}
			b.Msg = msg
			if strings.Contains(msg, "timeout") {
				lat = 48
			}
		} else {
			fails = 0
			lat = scale * w.serverLatency(m) * w.netSlow[m] * math.Exp(0.3*w.rng.NormFloat64())
			// The heavy tail real checks have: one in about 40 pays a
			// slow TLS handshake, a GC pause or a retransmit, Pareto
			// distributed (alpha 1.5) from 1.5 times the usual, up to 40
			// times: a few checks a day are ten times slower than usual.
			if w.rng.IntN(40) == 0 {
				lat *= math.Min(40, 1.5*math.Pow(1-w.rng.Float64(), -1/1.5))
			}
			b.Status = kumadb.Up
			b.PingMS = max(1, int(math.Round(lat*1000)))
			b.Msg = "200 - OK"
		}
		out = append(out, b)
		t = t.Add(time.Minute + time.Duration(math.Min(lat, 48)*float64(time.Second)) + time.Duration(w.rng.IntN(30))*time.Millisecond)
	}
	kumadb.MarkImportant(out)
	return out
}

func (w *world) metrics() []promconv.Raw {
	var out []promconv.Raw
	series := func(name, typ string, labels map[string]string, v func(m int) float64) {
		r := promconv.Raw{Name: name, Type: typ, Labels: labels, Points: make([]sources.Point, 0, w.n)}
		for m := range w.n {
			r.Points = append(r.Points, sources.Point{T: w.time(m).Add(15 * time.Second), V: v(m)})
		}
		out = append(out, r)
	}
	counter := func(name string, labels map[string]string, perMin func(m int) float64) {
		total := w.uni(1e3, 1e6)
		series(name, "counter", labels, func(m int) float64 {
			total += math.Max(0, perMin(m))
			return total
		})
	}
	for h, host := range hosts {
		inst := host + ":9100"
		l := func(kv ...string) map[string]string {
			m := map[string]string{"instance": inst, "job": "node"}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i]] = kv[i+1]
			}
			return m
		}
		load := 0.0
		for c := range ncpu {
			cs := fmt.Sprint(c)
			counter("node_cpu_seconds_total", l("cpu", cs, "mode", "user"), func(m int) float64 {
				return 60 * 0.75 * w.cpuBusy(h, m) * w.uni(0.9, 1.1)
			})
			counter("node_cpu_seconds_total", l("cpu", cs, "mode", "system"), func(m int) float64 {
				return 60 * 0.25 * w.cpuBusy(h, m) * w.uni(0.9, 1.1)
			})
			counter("node_cpu_seconds_total", l("cpu", cs, "mode", "iowait"), func(m int) float64 {
				return 60 * (0.005 + 0.4*w.io[h][m]) * w.uni(0.8, 1.2)
			})
			counter("node_cpu_seconds_total", l("cpu", cs, "mode", "idle"), func(m int) float64 {
				return 60 * math.Max(0, 1-w.cpuBusy(h, m)-0.4*w.io[h][m]) * w.uni(0.98, 1.02)
			})
		}
		series("node_load1", "gauge", l(), func(m int) float64 {
			// load1 is an exponentially damped average over a minute.
			target := ncpu*w.cpuBusy(h, m) + 2*w.io[h][m] + w.uni(0, 0.2)
			load += (target - load) * 0.63
			return load
		})
		load5 := 0.0
		series("node_load5", "gauge", l(), func(m int) float64 {
			target := ncpu*w.cpuBusy(h, m) + 2*w.io[h][m]
			load5 += (target - load5) * 0.18
			return load5
		})
		series("node_procs_running", "gauge", l(), func(m int) float64 {
			return math.Round(1 + ncpu*w.cpuBusy(h, m)*w.uni(0.5, 1.5))
		})
		series("node_procs_blocked", "gauge", l(), func(m int) float64 {
			return math.Round(w.io[h][m] * w.uni(0, 4))
		})
		memTotal := 8.0 * gib
		series("node_memory_MemTotal_bytes", "gauge", l(), func(int) float64 { return memTotal })
		series("node_memory_MemAvailable_bytes", "gauge", l(), func(m int) float64 {
			return math.Max(50e6, memTotal-w.memUsed[h][m]-w.uni(0, 20e6))
		})
		series("node_memory_Cached_bytes", "gauge", l(), func(m int) float64 {
			return math.Max(20e6, 0.6*(memTotal-w.memUsed[h][m])) * w.uni(0.98, 1.0)
		})
		series("node_memory_MemFree_bytes", "gauge", l(), func(m int) float64 {
			return math.Max(30e6, 0.3*(memTotal-w.memUsed[h][m])) * w.uni(0.95, 1.05)
		})
		for _, mp := range []struct {
			mount string
			size  float64
			used  func(m int) float64
		}{
			{"/", 20 * gib, func(m int) float64 { return 6*gib + float64(m)*50 }},
			{"/var", fsVar, func(m int) float64 { return w.fsUsed[h][m] }},
		} {
			fl := l("device", "/dev/sda1", "fstype", "ext4", "mountpoint", mp.mount)
			series("node_filesystem_size_bytes", "gauge", fl, func(int) float64 { return mp.size })
			series("node_filesystem_avail_bytes", "gauge", fl, func(m int) float64 { return math.Max(0, mp.size-mp.used(m)) })
		}
		dl := l("device", "sda")
		counter("node_disk_io_time_seconds_total", dl, func(m int) float64 { return 60 * (0.02 + w.io[h][m]) * w.uni(0.8, 1.2) })
		counter("node_disk_read_bytes_total", dl, func(m int) float64 { return (2e6 + w.io[h][m]*3e9) * w.uni(0.5, 1.5) })
		counter("node_disk_written_bytes_total", dl, func(m int) float64 { return (5e6 + w.io[h][m]*2e9) * w.uni(0.5, 1.5) })
		nl := l("device", "eth0")
		counter("node_network_receive_bytes_total", nl, func(m int) float64 { return (1e5 + (w.req[m]+w.extra[m])*3e3) * w.uni(0.8, 1.2) })
		counter("node_network_transmit_bytes_total", nl, func(m int) float64 { return (1e5 + (w.req[m]+w.extra[m])*4e4) * w.uni(0.8, 1.2) })
		series("node_netstat_Tcp_CurrEstab", "gauge", l(), func(m int) float64 {
			return math.Round(8 + (w.req[m]+w.extra[m])/60*w.serverLatency(m)*4 + w.pool[m]*float64(h) + w.uni(0, 4))
		})
		series("node_sockstat_TCP_tw", "gauge", l(), func(m int) float64 { return math.Round((w.req[m] + w.extra[m]) * w.uni(0.8, 1.2)) })
		counter("node_context_switches_total", l(), func(m int) float64 { return (3e4 + 2e5*w.cpuBusy(h, m)) * w.uni(0.9, 1.1) })
		series("node_filefd_allocated", "gauge", l(), func(m int) float64 { return math.Round(1800 + w.req[m]*2 + w.uni(0, 30)) })
		oom := 0.0
		series("node_vmstat_oom_kill", "counter", l(), func(m int) float64 {
			if m > 0 && w.memUsed[h][m] >= memTotal-100e6 && w.memUsed[h][m-1] < memTotal-100e6 {
				oom++
			}
			return oom
		})
	}
	// The shop's own pool metrics (db1's PostgreSQL sees the same
	// connections).
	app := map[string]string{"instance": "web1:8080", "job": "shop"}
	series("shop_db_pool_connections_idle", "gauge", app, func(m int) float64 {
		return math.Max(0, w.poolMax-w.pool[m])
	})
	series("shop_db_pool_connections_max", "gauge", app, func(int) float64 { return w.poolMax })
	series("pg_stat_activity_count", "gauge", map[string]string{"instance": "db1:9187", "job": "postgres", "datname": "shop"},
		func(m int) float64 { return math.Round(w.pool[m] + 3) })
	return out
}

func (w *world) writeSyslog(path string, h int) error {
	lines := w.syslog[h]
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].t.Before(lines[j].t) })
	var b []byte
	for _, l := range lines {
		b = fmt.Appendf(b, "%s %s %s\n", l.t.In(w.loc).Format(time.Stamp), hosts[h], l.msg)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

var (
	agents = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
	}
	routes = []struct {
		method, path string
		weight       int
		size         int
	}{
		{"GET", "/", 20, 14000},
		{"GET", "/products/%d", 30, 22000},
		{"GET", "/search?q=%s", 10, 18000},
		{"GET", "/api/items/%d", 15, 900},
		{"POST", "/api/cart", 8, 120},
		{"POST", "/checkout", 3, 300},
		{"GET", "/static/app.%s.js", 14, 48213},
	}
	words = []string{"shoes", "jacket", "lamp", "mug", "socks", "chair", "desk", "phone+case"}
)

func (w *world) client() string {
	return fmt.Sprintf("%d.%d.%d.%d", 30+w.rng.IntN(180), w.rng.IntN(256), w.rng.IntN(256), 1+w.rng.IntN(254))
}

func (w *world) fill(pathFmt string) string {
	switch {
	case strings.Contains(pathFmt, "%d"):
		return fmt.Sprintf(pathFmt, 1000+w.rng.IntN(5000))
	case strings.Contains(pathFmt, "q=%s"):
		return fmt.Sprintf(pathFmt, words[w.rng.IntN(len(words))])
	case strings.Contains(pathFmt, "%s"):
		return fmt.Sprintf(pathFmt, "3f9a2c")
	}
	return pathFmt
}

func (w *world) writeAccess(path string) error {
	type line struct {
		t    time.Time
		a, b int // the line is buf[a:b]
	}
	var lines []line
	total := 0
	for _, r := range routes {
		total += r.weight
	}
	// A pool of regular clients, as a shop has.
	pool := make([]string, 300)
	for i := range pool {
		pool[i] = w.client()
	}
	var buf []byte
	var stamp []byte
	stampSec := int64(-1)
	add := func(t time.Time, client, method, route string, status, size int, ref, ua string, rt float64) {
		// Formatting the time is the costly part: once a second.
		if sec := t.Unix(); sec != stampSec {
			stampSec, stamp = sec, t.In(w.loc).AppendFormat(stamp[:0], "02/Jan/2006:15:04:05 -0700")
		}
		off := len(buf)
		buf = append(buf, client...)
		buf = append(buf, " - - ["...)
		buf = append(buf, stamp...)
		buf = append(buf, "] \""...)
		buf = append(buf, method...)
		buf = append(buf, ' ')
		buf = append(buf, route...)
		buf = append(buf, " HTTP/1.1\" "...)
		buf = strconv.AppendInt(buf, int64(status), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(size), 10)
		buf = append(buf, " \""...)
		buf = append(buf, ref...)
		buf = append(buf, "\" \""...)
		buf = append(buf, ua...)
		buf = append(buf, "\" "...)
		buf = strconv.AppendFloat(buf, rt, 'f', 3, 64)
		buf = append(buf, '\n')
		lines = append(lines, line{t, off, len(buf)})
	}
	for m := range w.n {
		t := w.time(m)
		n := poisson(w.rng, w.req[m])
		lat := w.serverLatency(m)
		for range n {
			ts := t.Add(time.Duration(w.rng.IntN(60000)) * time.Millisecond)
			k := w.rng.IntN(total)
			ri := 0
			for ; k >= routes[ri].weight; ri++ {
				k -= routes[ri].weight
			}
			r := routes[ri]
			status, size := 200, r.size+w.rng.IntN(500)
			rt := lat * math.Exp(0.4*w.rng.NormFloat64())
			static := ri == len(routes)-1
			if static {
				rt = 0.001 + 0.002*w.rng.Float64()
			}
			switch {
			case w.appDown[m] && !static:
				status, size, rt = 502, 157, 0.001+0.003*w.rng.Float64()
			case !static && w.rng.Float64() < w.err5xx[m]:
				status, size = []int{500, 502, 503, 504}[w.rng.IntN(4)], 177
			case w.rng.IntN(300) == 0:
				status, size = 404, 153
			case w.rng.IntN(3000) == 0:
				status, size = 500, 177
			}
			add(ts, pool[w.rng.IntN(len(pool))], r.method, w.fill(r.path), status, size,
				"https://shop.example.com/", agents[w.rng.IntN(len(agents))], rt)
		}
	}
	for _, o := range w.access {
		for m := o.a; m < min(o.b, w.n); m++ {
			n := poisson(w.rng, o.perMin)
			lat := w.serverLatency(m)
			for range n {
				ts := w.time(m).Add(time.Duration(w.rng.IntN(60000)) * time.Millisecond)
				client := o.client
				if client == "" {
					client = w.client()
				}
				ua := o.ua
				if ua == "" {
					ua = agents[w.rng.IntN(4)]
				}
				route := o.route
				if o.query != nil {
					route += o.query(w.rng)
				}
				status := o.status
				rt := lat * math.Exp(0.4*w.rng.NormFloat64())
				if o.rtMax > 0 {
					rt = o.rtMin + w.rng.Float64()*(o.rtMax-o.rtMin)
				}
				if w.appDown[m] {
					status, rt = 502, 0.002
				} else if status < 400 && w.rng.Float64() < w.err5xx[m] {
					status = 503
				}
				add(ts, client, o.method, route, status, 300+w.rng.IntN(20000), o.referrer, ua, rt)
			}
		}
	}
	slices.SortStableFunc(lines, func(x, y line) int { return x.t.Compare(y.t) })
	out := make([]byte, 0, len(buf))
	for _, l := range lines {
		out = append(out, buf[l.a:l.b]...)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}

// poisson draws a Poisson count with mean lambda (Knuth's method for
// small means, a rounded normal for large ones).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
