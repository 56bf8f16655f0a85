package incidentgen

// Microservice incidents: the shape of the public fault-injection
// benchmarks (issue 13). A system of 9-21 services on Kubernetes, one
// entry service that users call and a call graph below it down to
// databases and caches, in one of four shapes (a random graph, a fan-out
// from the entry, layers below one or two aggregators, a hub every
// service calls); services named after what they do or with made-up
// words. Per-pod container metrics as cAdvisor and kube-state-metrics
// export them (CPU against a limit, throttling, memory, RSS, threads,
// open files, network bytes and packets, disk), per-pod request, error
// and latency series where the service exports them (not every one does;
// one system in four exports none), and one container log per pod. No
// synthetic probe: what users felt is only in the entry service's own
// latency and errors, when it has them. History before the fault runs
// from 20 minutes (a benchmark's run) to a day.
//
// One service at fault, with one injected fault, from barely visible to
// severe: a CPU hog, a memory leak, disk stress, network delay, packet
// loss, or the process killed. Its effects propagate as they do in a real
// call graph: a caller waits for its callee (its latency rises by about
// the callee's added latency times the calls it makes), surfaces its
// callee's failures as its own errors on calls it cannot do without, and
// logs them, naming the callee by its host name where the client library
// does ("dial tcp cartservice:7070: connect: connection refused"), by an
// address or only by the operation where it does not.
//
// Noise and churn: each system has its own noise level; traffic follows
// the day or a load generator's steps; a few services pause now and then
// (garbage collection, a slow query); one may run a periodic job that
// burns CPU and writes to disk; scrapes go missing. Decoys: a noisy
// service whose latency and CPU always fluctuate, a deploy of an
// unrelated service shortly before (new pods, a start-up CPU burst, new
// log lines), a replica added by an autoscaler near the fault, a replica
// of another service crashing and restarting, a traffic bump earlier on.
//
// Everything is written as a user would have it on disk and read back
// through the real sources: metrics as an OpenMetrics file (sources/file),
// logs as one file per pod (sources/logs), JSON lines, logfmt or plain
// text depending on the service's language.

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/file"
	"github.com/hindsight-sre/hindsight/sources/logs"
)

// msFamilies are the microservice families, by fault.
var msFamilies = []string{"ms-cpu", "ms-mem-leak", "ms-disk", "ms-delay", "ms-loss", "ms-kill"}

type msSvc struct {
	name      string
	pods      []string
	calls     []msEdge
	proc      float64 // own processing time, seconds
	cpuPerReq float64 // cores per request a second
	cpuBase   float64 // cores
	memBase   float64 // bytes per pod
	port      int
	addr      string // ClusterIP
	style     int    // log style: 0 JSON (Go), 1 logfmt, 2 plain (Java)
	store     bool   // a database or cache
	noisy     bool
	metrics   bool    // it exports request, error and latency series of its own
	cpuLimit  float64 // cores a pod may use (its container's limit)
	sts       bool    // a StatefulSet: pods are name-0, name-1
}

type msEdge struct {
	to       int
	calls    float64 // calls per request of the caller
	critical bool    // the caller fails when the callee fails
}

// msWorld is one system, minute by minute.
type msWorld struct {
	rng  *rand.Rand
	loc  *time.Location
	t0   time.Time
	n    int
	inc  time.Time
	ns   string
	svcs []msSvc

	entryRate []float64   // requests a second at the entry
	rate      [][]float64 // per service, requests a second
	slow      [][]float64 // per service, own processing factor
	addLat    [][]float64 // per service, seconds added to each answer (network delay)
	ownErr    [][]float64 // per service, share of its answers failing of its own
	netErr    [][]float64 // per service, share of calls to it lost on the wire (its callers fail; it never knows)
	down      [][]bool    // per service, not answering (refused)
	lat       [][]float64 // per service, resulting latency
	errShare  [][]float64 // per service, resulting share of errors
	cpuExtra  [][]float64 // per service, extra cores
	memExtra  [][]float64 // per service, extra bytes
	fsWrite   [][]float64 // per service, extra bytes written a second
	restarts  []int       // minute of a restart per service (-1 none)
	latHidden bool        // the fault's own added delay is not in its own latency series
	noiseK    float64     // how noisy this system's series are (1 = usual)

	// Pods that start or stop inside the data: pod name -> minute.
	podFrom, podTo map[string]int
	// Pods whose container restarted on its own (an unrelated crash or
	// OOM kill): pod -> [first minute down, minute it is back].
	podGap    map[string][2]int
	extraPods map[int][]string // service -> pods added later (autoscaling, deploy)

	logs    map[string][]logLine // pod -> lines
	fault   int
	kind    string
	version map[string]string // pod -> version it logs at start
}

var (
	msMid = []string{"cart", "catalog", "checkout", "orders", "payment", "shipping", "user", "recommendation",
		"currency", "ads", "email", "search", "inventory", "review", "auth", "notification", "pricing", "profile",
		"route", "ticket", "seat", "station", "food", "contacts", "preserve", "assurance", "security", "travel"}
	msEntry  = []string{"frontend", "front-end", "web", "storefront", "ui-dashboard", "gateway"}
	msStores = []string{"redis-cart", "mongo-orders", "mysql-users", "postgres", "memcached", "rabbitmq", "mongodb-catalog", "mariadb"}
	// k8s's alphabet for generated names (no vowels, no 0/1/3).
	k8sAlpha = "bcdfghjklmnpqrstvwxz2456789"
)

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (w *msWorld) uni(lo, hi float64) float64 { return lo + w.rng.Float64()*(hi-lo) }

func (w *msWorld) suffix(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = k8sAlpha[w.rng.IntN(len(k8sAlpha))]
	}
	return string(b)
}

func (w *msWorld) time(m int) time.Time { return w.t0.Add(time.Duration(m) * time.Minute) }

func (w *msWorld) idx(t time.Time) int { return max(0, min(w.n, int(t.Sub(w.t0)/time.Minute))) }

// podName is a Deployment's pod name (name-<rs hash>-<5>) or a
// StatefulSet's (name-<ordinal>).
func (w *msWorld) podName(s *msSvc, hash string, i int) string {
	if s.sts {
		return fmt.Sprintf("%s-%d", s.name, i)
	}
	return s.name + "-" + hash + "-" + w.suffix(5)
}

// word is a made-up pronounceable name ("korvan", "tessipo"): a system's
// services are not always named after what they do, and no rule may
// lean on the names of one demo system.
func (w *msWorld) word() string {
	const cons, vow = "bdfgklmnprstvz", "aeiou"
	var b strings.Builder
	for range 2 + w.rng.IntN(2) {
		b.WriteByte(cons[w.rng.IntN(len(cons))])
		b.WriteByte(vow[w.rng.IntN(len(vow))])
	}
	if w.rng.IntN(2) == 0 {
		b.WriteByte("nrlsx"[w.rng.IntN(5)])
	}
	return b.String()
}

func (w *msWorld) build() {
	// Naming style of this system's services; one system in four names
	// them with made-up words.
	style := w.rng.IntN(5)
	made := w.rng.IntN(4) == 0
	name := func(base string) string {
		switch style {
		case 0:
			return base + "service"
		case 1:
			return base
		case 2:
			return "ts-" + base + "-service"
		case 3:
			return base + "-api"
		}
		return base + "-svc"
	}
	nMid := 6 + w.rng.IntN(10)
	nStore := 2 + w.rng.IntN(4)
	used := map[string]bool{}
	uniq := func(f func() string) string {
		for {
			if n := f(); !used[n] {
				used[n] = true
				return n
			}
		}
	}
	entry := msEntry[w.rng.IntN(len(msEntry))]
	switch {
	case made && w.rng.IntN(2) == 0:
		entry = name(w.word()) // an entry named like any other service
	case style == 2:
		entry = "ts-" + entry
	}
	used[entry] = true
	w.svcs = append(w.svcs, msSvc{name: entry})
	perm := w.rng.Perm(len(msMid))
	for i := range nMid {
		w.svcs = append(w.svcs, msSvc{name: uniq(func() string {
			if made {
				return name(w.word())
			}
			if i < len(perm) {
				return name(msMid[perm[i]])
			}
			return name(msMid[w.rng.IntN(len(msMid))] + w.word())
		})})
	}
	sperm := w.rng.Perm(len(msStores))
	for i := range nStore {
		w.svcs = append(w.svcs, msSvc{name: uniq(func() string {
			if made || i >= len(sperm) {
				return []string{"redis-", "mongo-", "mysql-", "pg-", "kafka-"}[w.rng.IntN(5)] + w.word()
			}
			return msStores[sperm[i]]
		}), store: true, sts: w.rng.IntN(2) == 0})
	}
	n := len(w.svcs)
	// One system in four exports no request series at all: what the
	// cluster's cAdvisor and kube-state-metrics give, and the logs.
	bare := w.rng.IntN(4) == 0
	for i := range w.svcs {
		s := &w.svcs[i]
		s.proc = w.uni(0.002, 0.03)
		if s.store {
			s.proc = w.uni(0.0005, 0.004)
		}
		s.cpuPerReq = w.uni(0.0003, 0.002)
		s.cpuBase = w.uni(0.01, 0.1)
		s.memBase = w.uni(40e6, 600e6)
		s.port = []int{7070, 8080, 3550, 50051, 9555, 5050, 8000, 80}[w.rng.IntN(8)]
		if s.store {
			s.port = []int{6379, 27017, 3306, 5432, 11211, 5672}[w.rng.IntN(6)]
		}
		s.addr = fmt.Sprintf("10.%d.%d.%d", 96+w.rng.IntN(8), w.rng.IntN(256), 2+w.rng.IntN(250))
		s.style = w.rng.IntN(3)
		// Not every service is instrumented: databases and caches rarely
		// export request series of their own, and some services do not.
		s.metrics = !bare && (i == 0 || !s.store && w.rng.IntN(8) != 0 || s.store && w.rng.IntN(5) < 2)
		s.cpuLimit = []float64{0.5, 1, 1, 2, 4}[w.rng.IntN(5)]
		replicas := 1
		if i == 0 || w.rng.IntN(4) == 0 {
			replicas = 2
		}
		hash := w.suffix(8 + w.rng.IntN(3))
		for r := range replicas {
			s.pods = append(s.pods, w.podName(s, hash, r))
		}
	}
	// The call graph, in one of four shapes real systems have: a random
	// graph (the entry calls 3-6 services, each calls 0-3 later ones and
	// a store), a fan-out (the entry calls nearly every service, which
	// call stores), layers (the entry calls one or two aggregators,
	// which call the rest, in chains), or a hub (one store nearly every
	// service calls). Every service is reached.
	mid0, store0 := 1, 1+nMid
	add := func(from, to int) {
		if from == to || slices.ContainsFunc(w.svcs[from].calls, func(e msEdge) bool { return e.to == to }) {
			return
		}
		w.svcs[from].calls = append(w.svcs[from].calls, msEdge{to: to, calls: w.uni(0.2, 1.5), critical: w.rng.IntN(4) != 0})
	}
	switch topo := w.rng.IntN(4); topo {
	case 1: // fan-out
		for i := mid0; i < store0; i++ {
			if w.rng.IntN(5) != 0 {
				add(0, i)
			}
			if w.rng.IntN(4) == 0 {
				add(i, mid0+w.rng.IntN(nMid))
			}
			if w.rng.IntN(3) != 0 {
				add(i, store0+w.rng.IntN(nStore))
			}
		}
	case 2: // layers
		aggs := 1 + w.rng.IntN(2)
		for i := mid0; i < mid0+aggs; i++ {
			add(0, i)
		}
		for i := mid0 + aggs; i < store0; i++ {
			add(mid0+w.rng.IntN(min(i-mid0, aggs+2)), i)
			if w.rng.IntN(2) == 0 {
				add(i, store0+w.rng.IntN(nStore))
			}
		}
	default: // random; with a hub
		for _, k := range w.rng.Perm(nMid)[:3+w.rng.IntN(min(4, nMid-2))] {
			add(0, mid0+k)
		}
		for i := mid0; i < store0; i++ {
			for range w.rng.IntN(3) {
				if j := i + 1 + w.rng.IntN(store0-i); j < store0 {
					add(i, j)
				}
			}
			if topo == 3 && w.rng.IntN(4) != 0 {
				add(i, store0)
			} else if w.rng.IntN(2) == 0 {
				add(i, store0+w.rng.IntN(nStore))
			}
		}
	}
	reached := func(t int) bool {
		for i := range w.svcs {
			if slices.ContainsFunc(w.svcs[i].calls, func(e msEdge) bool { return e.to == t }) {
				return true
			}
		}
		return false
	}
	for t := 1; t < n; t++ {
		if !reached(t) {
			hi := min(t, store0)
			add(w.rng.IntN(hi), t)
		}
	}
}

// generateMS builds seed of microservice family name.
func generateMS(name string, seed int, dir string) (*Incident, error) {
	h := uint64(0)
	for _, c := range name {
		h = h*131 + uint64(c)
	}
	rng := rand.New(rand.NewPCG(uint64(seed)+1, h))
	loc, err := time.LoadLocation(zones[rng.IntN(len(zones))])
	if err != nil {
		return nil, err
	}
	w := &msWorld{rng: rng, loc: loc, kind: name, podFrom: map[string]int{}, podTo: map[string]int{},
		extraPods: map[int][]string{}, logs: map[string][]logLine{}, version: map[string]string{}, podGap: map[string][2]int{}}
	w.ns = []string{"default", "boutique", "sock-shop", "train-ticket", "shop", "prod"}[rng.IntN(6)]
	w.build()
	// History before the fault: fault-injection runs keep from 20
	// minutes to a day of normal operation.
	hist := []time.Duration{20 * time.Minute, 30 * time.Minute, 45 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour,
		24 * time.Hour}[rng.IntN(7)]
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, loc).AddDate(0, 0, rng.IntN(330))
	w.inc = day.Add(time.Duration(rng.IntN(24*60)) * time.Minute).Add(time.Duration(rng.IntN(60)) * time.Second)
	w.t0 = w.inc.Add(-hist).Truncate(time.Minute)
	after := time.Duration(20+rng.IntN(40)) * time.Minute
	w.n = int(w.inc.Add(after).Sub(w.t0) / time.Minute)
	w.init()
	w.fault = 1 + rng.IntN(len(w.svcs)-1)
	if rng.IntN(6) == 0 {
		w.fault = 0 // the entry itself
	}
	desc := w.inject()
	w.decoys()
	w.propagate()
	w.writeLogs()
	inc := &Incident{Family: name, Seed: seed, Location: loc, Start: w.inc, Description: desc}
	s := &w.svcs[w.fault]
	inc.Truth = Truth{Type: msTruthType[name], Component: s.name, Match: "^" + regexpQuote(s.name) + "$", ByComponent: true}
	from := w.inc.Add(-time.Duration(15+rng.IntN(45)) * time.Minute)
	if min := w.t0.Add(10 * time.Minute); from.Before(min) {
		from = min
	}
	inc.Window = sources.Window{From: from, To: w.time(w.n)}
	ds, err := w.dataset(dir, inc.Window)
	if err != nil {
		return nil, err
	}
	inc.Dataset = ds
	inc.Options = analyze.Options{Window: inc.Window, Calendar: analyze.DefaultCalendar(loc)}
	return inc, nil
}

var msTruthType = map[string]string{
	"ms-cpu": Exhaustion, "ms-mem-leak": Exhaustion, "ms-disk": Exhaustion,
	"ms-delay": Dependency, "ms-loss": Dependency, "ms-kill": Crash,
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (w *msWorld) init() {
	n, k := w.n, len(w.svcs)
	mk := func() [][]float64 {
		out := make([][]float64, k)
		for i := range out {
			out[i] = make([]float64, n)
		}
		return out
	}
	w.rate, w.slow, w.addLat, w.ownErr, w.lat, w.errShare = mk(), mk(), mk(), mk(), mk(), mk()
	w.cpuExtra, w.memExtra, w.fsWrite, w.netErr = mk(), mk(), mk(), mk()
	w.down = make([][]bool, k)
	w.restarts = make([]int, k)
	for i := range w.down {
		w.down[i] = make([]bool, n)
		w.restarts[i] = -1
	}
	w.entryRate = make([]float64, n)
	peak := w.uni(20, 120)
	// Users with a daily cycle, or a load generator (as fault-injection
	// runs drive their systems): a flat rate that its operator steps up
	// and down now and then.
	flat := w.rng.IntN(2) == 0
	jitter := w.uni(0.05, 0.2)
	w.noiseK = w.uni(0.7, 2)
	step := 1.0
	for m := range n {
		lt := w.time(m).In(w.loc)
		h := float64(lt.Hour()) + float64(lt.Minute())/60
		cyc := 0.25 + 0.75*math.Max(0, math.Sin((h-6)/17*math.Pi))
		if flat {
			if w.rng.IntN(90) == 0 {
				step = w.uni(0.7, 1.4)
			}
			cyc = 0.6 * step
		}
		w.entryRate[m] = peak * cyc * w.uni(1-jitter, 1+jitter)
		for s := range k {
			w.slow[s][m] = 1
		}
	}
	// Background churn: garbage-collection pauses and slow queries, a
	// minute at a time, in a few services; a periodic job inside one
	// service (a cache rebuild, a compaction) that burns CPU and writes
	// to disk every few minutes.
	for range 2 + w.rng.IntN(3) {
		s := w.rng.IntN(k)
		every := 15 + w.rng.IntN(45)
		for m := w.rng.IntN(every); m < n; m += every/2 + w.rng.IntN(every) {
			w.slow[s][m] *= w.uni(1.5, 3.5)
			w.cpuExtra[s][m] += w.uni(0.02, 0.2)
		}
	}
	if w.rng.IntN(2) == 0 {
		s := w.rng.IntN(k)
		every := 5 + w.rng.IntN(11)
		cpu, wr := w.uni(0.1, 0.8), w.uni(5e6, 80e6)
		for m := w.rng.IntN(every); m < n; m += every {
			for x := m; x < min(n, m+1+w.rng.IntN(2)); x++ {
				w.cpuExtra[s][x] += cpu * w.uni(0.8, 1.2)
				w.fsWrite[s][x] += wr * w.uni(0.8, 1.2)
			}
		}
	}
	// The noisy service: its latency and CPU fluctuate all the time, with
	// bursts every half hour to two hours.
	noisy := 1 + w.rng.IntN(k-1)
	w.svcs[noisy].noisy = true
	for m := 0; m < n; {
		m += 20 + w.rng.IntN(90)
		d := 2 + w.rng.IntN(6)
		f := w.uni(2, 5)
		for x := m; x < min(n, m+d); x++ {
			w.slow[noisy][x] = f
			w.cpuExtra[noisy][x] = w.uni(0.1, 0.4)
		}
	}
}

func (w *msWorld) span(a, b time.Time, f func(m int, frac float64)) {
	i, j := w.idx(a), w.idx(b)
	for m := i; m < j; m++ {
		f(m, float64(m-i)/float64(max(1, j-i)))
	}
}

// inject puts the fault into the fault service from w.inc.
func (w *msWorld) inject() string {
	f := w.fault
	s := &w.svcs[f]
	end := w.inc.Add(time.Duration(10+w.rng.IntN(25)) * time.Minute)
	switch w.kind {
	case "ms-cpu":
		cores := w.uni(0.3, 2)
		slow := w.uni(1.2, 4)
		w.span(w.inc, end, func(m int, _ float64) {
			w.cpuExtra[f][m] += cores * w.uni(0.9, 1.05)
			w.slow[f][m] *= slow * w.uni(0.85, 1.15)
		})
		return fmt.Sprintf("a CPU hog in %s (%.1f cores) slows it %.1fx", s.name, cores, slow)
	case "ms-mem-leak":
		total := w.uni(0.6, 2.5) * s.memBase
		slow := w.uni(1.05, 2.5)
		w.span(w.inc, end, func(m int, frac float64) {
			w.memExtra[f][m] = total * frac
			w.slow[f][m] *= 1 + (slow-1)*frac*w.uni(0.8, 1.2)
		})
		// It stays leaked until the end of the data.
		for m := w.idx(end); m < w.n; m++ {
			w.memExtra[f][m] = total
			w.slow[f][m] *= slow
		}
		if w.rng.IntN(3) == 0 {
			w.ownLog(f, w.inc.Add(end.Sub(w.inc)*2/3), end, 20*time.Second, "error", "GC overhead limit exceeded; heap %d MB of %d MB",
				func() any { return int((s.memBase + total) / 1e6) }, func() any { return int((s.memBase + total*1.1) / 1e6) })
		}
		return fmt.Sprintf("a memory leak in %s (+%.0f MB)", s.name, total/1e6)
	case "ms-disk":
		wr := w.uni(20e6, 400e6)
		slow := w.uni(1.1, 3)
		w.span(w.inc, end, func(m int, _ float64) {
			w.fsWrite[f][m] += wr * w.uni(0.7, 1.3)
			w.slow[f][m] *= slow * w.uni(0.85, 1.15)
			w.cpuExtra[f][m] += w.uni(0.05, 0.2)
		})
		return fmt.Sprintf("disk stress in %s (%.0f MB/s written)", s.name, wr/1e6)
	case "ms-delay":
		d := w.uni(0.02, 0.6)
		// netem delays what leaves the pod's interface: the service's
		// own latency (its handler's, or an in-pod sidecar's) does not
		// see it, unless measured outside the pod (one in four).
		w.latHidden = w.rng.IntN(4) != 0
		w.span(w.inc, end, func(m int, _ float64) { w.addLat[f][m] += d * w.uni(0.9, 1.1) })
		return fmt.Sprintf("network delay of %.0fms on %s", d*1000, s.name)
	case "ms-loss":
		share := w.uni(0.02, 0.4)
		// Lost packets are retransmitted: the callers wait (and time
		// out on the worst), the service's own series rarely know; its
		// interface sends more packets.
		w.latHidden = w.rng.IntN(4) != 0
		own := w.rng.IntN(4) == 0
		w.span(w.inc, end, func(m int, _ float64) {
			if own {
				w.ownErr[f][m] += share * w.uni(0.8, 1.2)
			} else {
				w.netErr[f][m] += share * share * w.uni(0.8, 1.2)
			}
			w.addLat[f][m] += share * w.uni(0.5, 1.5) // retransmissions
		})
		return fmt.Sprintf("%.0f%% packet loss on %s", share*100, s.name)
	default: // ms-kill
		up := w.inc.Add(time.Duration(60+w.rng.IntN(300)) * time.Second)
		if w.rng.IntN(3) == 0 {
			up = end // the socket is killed and stays so
		}
		w.span(w.inc, up, func(m int, _ float64) { w.down[f][m] = true })
		w.restarts[f] = w.idx(up)
		for _, p := range s.pods {
			w.addLog(p, up.Add(time.Duration(w.rng.IntN(20))*time.Second), f, "info", "starting server on port %d", s.port)
		}
		return fmt.Sprintf("%s killed; it refuses connections until %s", s.name, up.In(w.loc).Format("15:04"))
	}
}

// decoys adds what moves but is not the cause.
func (w *msWorld) decoys() {
	others := func() int {
		for {
			if i := 1 + w.rng.IntN(len(w.svcs)-1); i != w.fault && !w.svcs[i].noisy {
				return i
			}
		}
	}
	if w.rng.IntN(2) == 0 && len(w.svcs) > 4 { // a deploy of another service
		d := others()
		s := &w.svcs[d]
		t := w.inc.Add(-time.Duration(3+w.rng.IntN(40)) * time.Minute)
		if m := w.idx(t); m > 5 && !s.sts {
			hash := w.suffix(9)
			ver := fmt.Sprintf("v%d.%d.%d", 1+w.rng.IntN(3), w.rng.IntN(20), w.rng.IntN(10))
			var fresh []string
			for i, p := range s.pods {
				np := w.podName(s, hash, i)
				w.podTo[p] = m + 1
				w.podFrom[np] = m
				w.version[np] = ver
				fresh = append(fresh, np)
			}
			s.pods = append(s.pods, fresh...)
			for x := m; x < min(w.n, m+3); x++ {
				w.cpuExtra[d][x] += w.uni(0.2, 0.6) // start-up
			}
		}
	}
	if w.rng.IntN(2) == 0 { // an autoscaler adds a replica, maybe to a caller of the fault
		d := others()
		for i := range w.svcs {
			if slices.ContainsFunc(w.svcs[i].calls, func(e msEdge) bool { return e.to == w.fault }) && w.rng.IntN(2) == 0 && i != w.fault {
				d = i
			}
		}
		s := &w.svcs[d]
		if !s.sts {
			m := w.idx(w.inc.Add(time.Duration(w.rng.IntN(30)-15) * time.Minute))
			hash := strings.Split(strings.TrimPrefix(s.pods[0], s.name+"-"), "-")[0]
			np := s.name + "-" + hash + "-" + w.suffix(5)
			w.podFrom[np] = m
			w.extraPods[d] = append(w.extraPods[d], np)
			s.pods = append(s.pods, np)
		}
	}
	if w.rng.IntN(2) == 0 { // an unrelated pod restarts on its own
		// One replica of a service with several (its peers take its
		// load, its callers see nothing) crashes or is OOM-killed and
		// restarts within a minute or three, anywhere from well before
		// the fault to after it: a restart that is not the cause.
		var cands []int
		for i := range w.svcs {
			if i != w.fault && len(w.svcs[i].pods) >= 2 && !w.svcs[i].sts {
				cands = append(cands, i)
			}
		}
		if len(cands) > 0 {
			d := cands[w.rng.IntN(len(cands))]
			s := &w.svcs[d]
			p := s.pods[w.rng.IntN(len(s.pods))]
			m := w.idx(w.inc.Add(time.Duration(w.rng.IntN(70)-45) * time.Minute))
			if _, late := w.podFrom[p]; !late && m > 5 && m < w.n-5 {
				up := m + 1 + w.rng.IntN(3)
				w.podGap[p] = [2]int{m, up}
				msg := []string{"fatal error: runtime: out of memory", "panic: runtime error: invalid memory address or nil pointer dereference",
					"java.lang.OutOfMemoryError: Java heap space"}[w.rng.IntN(3)]
				w.addLog(p, w.time(m).Add(-time.Duration(1+w.rng.IntN(20))*time.Second), d, "error", "%s", msg)
				w.addLog(p, w.time(up).Add(time.Duration(w.rng.IntN(30))*time.Second), d, "info", "starting server on port %d", s.port)
			}
		}
	}
	if w.rng.IntN(3) == 0 { // a traffic bump well before
		a := w.idx(w.inc.Add(-time.Duration(40+w.rng.IntN(60)) * time.Minute))
		b := min(w.n, a+10+w.rng.IntN(15))
		f := w.uni(1.3, 1.8)
		for m := a; m < b; m++ {
			w.entryRate[m] *= f
		}
	}
}

// live reports whether pod p of service s runs at minute m.
func (w *msWorld) live(p string, m int) bool {
	if g, ok := w.podGap[p]; ok && m >= g[0] && m < g[1] {
		return false // restarting: not scraped, serving nothing
	}
	if a, ok := w.podFrom[p]; ok && m < a {
		return false
	}
	if b, ok := w.podTo[p]; ok && m >= b {
		return false
	}
	return true
}

func (w *msWorld) livePods(s, m int) int {
	n := 0
	for _, p := range w.svcs[s].pods {
		if w.live(p, m) {
			n++
		}
	}
	return max(1, n)
}

// propagate computes rates, latencies and errors through the call graph
// (callees after callers for rates, callers after callees for latency).
func (w *msWorld) propagate() {
	k := len(w.svcs)
	for m := range w.n {
		for s := range k {
			w.rate[s][m] = 0
		}
		w.rate[0][m] = w.entryRate[m]
		for s := range k {
			for _, e := range w.svcs[s].calls {
				w.rate[e.to][m] += w.rate[s][m] * e.calls
			}
		}
		for s := k - 1; s >= 0; s-- {
			sv := &w.svcs[s]
			cpu := (sv.cpuBase*float64(len(sv.pods)) + sv.cpuPerReq*w.rate[s][m] + w.cpuExtra[s][m]) / float64(w.livePods(s, m))
			load := 1 / (1 - math.Min(0.8, 0.3*cpu/sv.cpuLimit))
			if cpu > sv.cpuLimit {
				load *= cpu / sv.cpuLimit // throttled at its limit
			}
			l := sv.proc * w.slow[s][m] * load
			errs := w.ownErr[s][m]
			for _, e := range sv.calls {
				cl := w.lat[e.to][m] + w.addLat[e.to][m]
				ce := math.Min(1, w.errShare[e.to][m]+w.netErr[e.to][m])
				if w.down[e.to][m] {
					ce, cl = 1, 0.002
				}
				l += e.calls * cl
				if e.critical {
					errs = 1 - (1-errs)*(1-math.Min(1, ce*math.Min(1, e.calls)))
				}
			}
			if w.down[s][m] {
				errs = 1
			}
			w.lat[s][m] = l
			w.errShare[s][m] = math.Min(1, errs)
		}
	}
	// Callers log their callees' failures.
	for s := range k {
		sv := &w.svcs[s]
		for _, e := range sv.calls {
			c := &w.svcs[e.to]
			for m := range w.n {
				fail := math.Min(1, w.errShare[e.to][m]+w.netErr[e.to][m])
				timeout := w.addLat[e.to][m] > 0.25
				if w.down[e.to][m] {
					fail = 1
				}
				if fail < 0.02 && !timeout {
					continue
				}
				n := poisson(w.rng, math.Min(30, 60*w.rate[s][m]*e.calls*math.Max(fail, 0.05)*0.1))
				for range n {
					p := sv.pods[w.rng.IntN(len(sv.pods))]
					if !w.live(p, m) {
						continue
					}
					t := w.time(m).Add(time.Duration(w.rng.IntN(60000)) * time.Millisecond)
					w.addLog(p, t, s, "error", "%s", w.callError(sv, c, w.down[e.to][m], timeout && fail < 0.02))
				}
			}
		}
	}
}

// callError is what a client of service c logs when a call fails, in its
// language's words: some name the callee's host, some only an address or
// the operation.
func (w *msWorld) callError(from, c *msSvc, refused, timeout bool) string {
	op := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(strings.TrimSuffix(c.name, "service"), "-svc"), "ts-"), "-service")
	host := c.name
	if w.rng.IntN(4) == 0 {
		host = c.addr // a client that dials the ClusterIP
	}
	switch {
	case timeout || !refused && w.rng.IntN(2) == 0:
		switch from.style {
		case 0:
			return fmt.Sprintf("could not retrieve %s: rpc error: code = DeadlineExceeded desc = context deadline exceeded", op)
		case 1:
			return fmt.Sprintf("request to http://%s:%d/%s failed: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", host, c.port, op)
		}
		return fmt.Sprintf("java.net.SocketTimeoutException: Read timed out calling http://%s:%d/api/v1/%s", host, c.port, op)
	case refused:
		switch from.style {
		case 0:
			return fmt.Sprintf("failed to get %s: rpc error: code = Unavailable desc = connection error: desc = \"transport: Error while dialing: dial tcp %s:%d: connect: connection refused\"", op, host, c.port)
		case 1:
			return fmt.Sprintf("Error: 14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED %s:%d", c.addr, c.port)
		}
		return fmt.Sprintf("org.springframework.web.client.ResourceAccessException: I/O error on GET request for \"http://%s:%d/api/v1/%s\": Connection refused", host, c.port, op)
	}
	switch from.style {
	case 0:
		return fmt.Sprintf("failed to get %s: rpc error: code = Unavailable desc = upstream connect error or disconnect/reset before headers. reset reason: connection termination (%s:%d)", op, host, c.port)
	case 1:
		return fmt.Sprintf("upstream %s returned 503 Service Unavailable", host)
	}
	return fmt.Sprintf("org.springframework.web.client.HttpServerErrorException$ServiceUnavailable: 503 from http://%s:%d/api/v1/%s", host, c.port, op)
}

func (w *msWorld) addLog(pod string, t time.Time, s int, level, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	var line string
	ts := t.UTC()
	switch w.svcs[s].style {
	case 0:
		line = fmt.Sprintf(`{"message":%q,"severity":%q,"timestamp":%q}`, msg, level, ts.Format(time.RFC3339Nano))
	case 1:
		line = fmt.Sprintf(`time=%s level=%s msg=%q`, ts.Format("2006-01-02T15:04:05.000Z07:00"), level, msg)
	default:
		// Java's default layout writes local time without a zone.
		line = fmt.Sprintf("%s %-5s [http-nio-%d-exec-%d] c.e.%s.Handler : %s", t.In(w.loc).Format("2006-01-02 15:04:05.000"),
			strings.ToUpper(level), w.svcs[s].port, 1+w.rng.IntN(10), strings.ReplaceAll(w.svcs[s].name, "-", ""), msg)
	}
	w.logs[pod] = append(w.logs[pod], logLine{t, line})
}

func (w *msWorld) ownLog(s int, a, b time.Time, every time.Duration, level, format string, args ...func() any) {
	for t := a; t.Before(b); t = t.Add(every + time.Duration(w.rng.IntN(int(every/time.Second)+1))*time.Second/2) {
		vals := make([]any, len(args))
		for i, f := range args {
			vals[i] = f()
		}
		p := w.svcs[s].pods[w.rng.IntN(len(w.svcs[s].pods))]
		w.addLog(p, t, s, level, format, vals...)
	}
}

// writeLogs adds each pod's ordinary lines: start-up, a sample of its
// requests, periodic housekeeping.
func (w *msWorld) writeLogs() {
	for s := range w.svcs {
		sv := &w.svcs[s]
		for _, p := range sv.pods {
			start := 0
			if a, ok := w.podFrom[p]; ok {
				start = a
			}
			if ver := w.version[p]; ver != "" {
				w.addLog(p, w.time(start).Add(5*time.Second), s, "info", "starting %s %s on port %d", sv.name, ver, sv.port)
			}
			for m := start; m < w.n; m++ {
				if !w.live(p, m) || w.down[s][m] {
					continue
				}
				n := poisson(w.rng, math.Min(6, w.rate[s][m]*0.05)/float64(w.livePods(s, m)))
				for range n {
					t := w.time(m).Add(time.Duration(w.rng.IntN(60000)) * time.Millisecond)
					lat := (w.lat[s][m] + w.addLat[s][m]) * math.Exp(0.3*w.rng.NormFloat64())
					if sv.store {
						w.addLog(p, t, s, "info", "slow query took %d ms", int(lat*1000)+50)
						continue
					}
					w.addLog(p, t, s, "info", "request complete in %d ms", int(lat*1000))
				}
				if m%15 == 0 {
					w.addLog(p, w.time(m).Add(time.Duration(w.rng.IntN(50))*time.Second), s, "info", "cache refreshed: %d entries", 100+w.rng.IntN(900))
				}
				if sv.noisy && w.slow[s][m] > 1.5 && w.rng.IntN(2) == 0 {
					w.addLog(p, w.time(m).Add(time.Duration(w.rng.IntN(60))*time.Second), s, "warn", "slow downstream response; retrying (attempt %d)", 1+w.rng.IntN(3))
				}
			}
		}
	}
}

// dataset writes metrics and logs and reads them back through the
// sources a user would configure.
func (w *msWorld) dataset(dir string, win sources.Window) (*sources.Dataset, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	om := filepath.Join(dir, "metrics.om")
	if err := w.writeMetrics(om); err != nil {
		return nil, err
	}
	nested := w.rng.IntN(2) == 0
	for pod, lines := range w.logs {
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].t.Before(lines[j].t) })
		var b []byte
		for _, l := range lines {
			b = append(b, l.msg...)
			b = append(b, '\n')
		}
		p := filepath.Join(dir, "logs", pod+".log")
		if nested {
			p = filepath.Join(dir, "logs", pod, "server.log")
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, err
		}
	}
	fetch := sources.Window{From: w.t0, To: win.To}
	ds := &sources.Dataset{Step: time.Minute}
	fs, err := file.New(file.Config{Name: "k8s", Path: om})
	if err != nil {
		return nil, err
	}
	got, err := fs.Fetch(context.Background(), fetch, time.Minute)
	if err != nil {
		return nil, fmt.Errorf("read back metrics: %w", err)
	}
	ds.Merge(got)
	glob := filepath.Join(dir, "logs", "*.log")
	if nested {
		glob = filepath.Join(dir, "logs", "*", "*.log")
	}
	src, err := logs.New(logs.Config{Name: "pods", Paths: []string{glob}, Location: w.loc})
	if err != nil {
		return nil, err
	}
	lg, err := src.Fetch(context.Background(), fetch, time.Minute)
	if err != nil {
		return nil, fmt.Errorf("read back logs: %w", err)
	}
	ds.Merge(lg)
	ds.Window = fetch
	ds.Sort()
	return ds, nil
}

func (w *msWorld) writeMetrics(path string) error {
	var b []byte
	family := func(name, typ string) { b = fmt.Appendf(b, "# TYPE %s %s\n", name, typ) }
	type pt struct {
		labels string
		v      func(m int) float64
		total  bool // a counter: v is per second, summed
		skip   bool // not exported (a service without metrics of its own)
	}
	var podOf []string // the pod of each point list emit is given
	emit := func(name string, ps []pt, live []func(int) bool) {
		for i, p := range ps {
			if p.skip {
				continue
			}
			tot := w.uni(1e3, 1e5)
			gap, crashed := w.podGap[podOf[i]]
			for m := range w.n {
				if live != nil && !live[i](m) {
					continue
				}
				if crashed && m == gap[1] {
					tot = 0 // a restarted process counts from zero
				}
				if w.rng.Float64() < 0.003 {
					continue // a missed scrape
				}
				v := p.v(m)
				if math.IsNaN(v) {
					continue // not scraped: the process was down
				}
				if p.total {
					tot += math.Max(0, v) * 60
					v = tot
				}
				b = fmt.Appendf(b, "%s{%s} %g %d\n", name, p.labels, v, w.time(m).Add(15*time.Second).Unix())
			}
		}
	}
	type podRef struct {
		s   int
		pod string
	}
	var pods []podRef
	for s := range w.svcs {
		for _, p := range w.svcs[s].pods {
			pods = append(pods, podRef{s, p})
		}
	}
	lives := make([]func(int) bool, len(pods))
	for _, pr := range pods {
		podOf = append(podOf, pr.pod)
	}
	for i, pr := range pods {
		pod := pr.pod
		lives[i] = func(m int) bool { return w.live(pod, m) }
	}
	// share of the service's load on one pod at m
	share := func(s, m int) float64 { return 1 / float64(w.livePods(s, m)) }
	cl := func(pr podRef) string {
		return fmt.Sprintf(`namespace=%q,pod=%q,container="server"`, w.ns, pr.pod)
	}
	sl := func(pr podRef, extra string) string {
		return fmt.Sprintf(`namespace=%q,service=%q,pod=%q%s`, w.ns, w.svcs[pr.s].name, pr.pod, extra)
	}
	noise := func(s int, sd float64) float64 {
		sd *= w.noiseK
		if w.svcs[s].noisy {
			sd *= 2.5
		}
		return math.Exp(sd * w.rng.NormFloat64())
	}
	var ps []pt
	mk := func(f func(pr podRef) pt) []pt {
		ps = ps[:0]
		for _, pr := range pods {
			ps = append(ps, f(pr))
		}
		return ps
	}
	family("container_cpu_usage_seconds_total", "counter")
	emit("container_cpu_usage_seconds_total", mk(func(pr podRef) pt {
		s := pr.s
		sv := &w.svcs[s]
		return pt{cl(pr), func(m int) float64 {
			if w.down[s][m] && m < w.restarts[s] {
				return 0.001
			}
			return math.Min(sv.cpuLimit, sv.cpuBase+(sv.cpuPerReq*w.rate[s][m]+w.cpuExtra[s][m])*share(s, m)) * noise(s, 0.08)
		}, true, false}
	}), lives)
	// The kernel throttles a container at its CPU limit.
	family("container_cpu_cfs_throttled_seconds_total", "counter")
	emit("container_cpu_cfs_throttled_seconds_total", mk(func(pr podRef) pt {
		s := pr.s
		sv := &w.svcs[s]
		return pt{cl(pr), func(m int) float64 {
			want := sv.cpuBase + (sv.cpuPerReq*w.rate[s][m]+w.cpuExtra[s][m])*share(s, m)
			return math.Max(0, want-0.9*sv.cpuLimit) * noise(s, 0.2)
		}, true, false}
	}), lives)
	// Series every exporter has that rarely matter, each with its own
	// noise: threads, open files, resident memory, packets.
	family("container_threads", "gauge")
	emit("container_threads", mk(func(pr podRef) pt {
		s := pr.s
		base := float64(8 + w.rng.IntN(60))
		return pt{cl(pr), func(m int) float64 {
			return math.Round(base + 0.2*w.rate[s][m]*share(s, m)*w.lat[s][m]*10 + 2*w.rng.NormFloat64()*w.noiseK)
		}, false, false}
	}), lives)
	family("process_open_fds", "gauge")
	emit("process_open_fds", mk(func(pr podRef) pt {
		s := pr.s
		base := float64(20 + w.rng.IntN(200))
		return pt{cl(pr), func(m int) float64 {
			return math.Round(base * noise(s, 0.03))
		}, false, false}
	}), lives)
	family("container_memory_working_set_bytes", "gauge")
	emit("container_memory_working_set_bytes", mk(func(pr podRef) pt {
		s := pr.s
		sv := &w.svcs[s]
		return pt{cl(pr), func(m int) float64 {
			v := sv.memBase*(1+0.05*math.Sin(float64(m)/90)) + w.memExtra[s][m]*share(s, m)*float64(len(sv.pods))/float64(len(sv.pods))
			if w.restarts[s] >= 0 && m >= w.restarts[s] && m < w.restarts[s]+30 {
				v *= 0.6 + 0.4*float64(m-w.restarts[s])/30 // warming up after the restart
			}
			if w.down[s][m] && m < w.restarts[s] {
				v = 0
			}
			return math.Round(v * w.uni(0.995, 1.005))
		}, false, false}
	}), lives)
	family("container_memory_rss", "gauge")
	emit("container_memory_rss", mk(func(pr podRef) pt {
		s := pr.s
		sv := &w.svcs[s]
		f := w.uni(0.6, 0.9)
		return pt{cl(pr), func(m int) float64 {
			return math.Round(f * (sv.memBase + w.memExtra[s][m]*share(s, m)) * noise(s, 0.01))
		}, false, false}
	}), lives)
	for _, dir := range []string{"receive", "transmit"} {
		name := "container_network_" + dir + "_packets_total"
		family(name, "counter")
		emit(name, mk(func(pr podRef) pt {
			s := pr.s
			per := w.uni(2, 6)
			return pt{cl(pr), func(m int) float64 {
				if w.down[s][m] {
					return 5 * noise(s, 0.1) // nothing answered
				}
				return (5 + per*w.rate[s][m]*share(s, m)*(1+w.addLat[s][m]*boolF(dir == "transmit" && w.kind == "ms-loss"))) * noise(s, 0.1)
			}, true, false}
		}), lives)
	}
	for _, dir := range []string{"receive", "transmit"} {
		name := "container_network_" + dir + "_bytes_total"
		family(name, "counter")
		per := 2000.0
		if dir == "transmit" {
			per = 6000
		}
		emit(name, mk(func(pr podRef) pt {
			s := pr.s
			return pt{cl(pr), func(m int) float64 {
				if w.down[s][m] {
					return 500 * noise(s, 0.1) // nothing answered
				}
				return (500 + per*w.rate[s][m]*share(s, m)*(1-w.errShare[s][m]*0.7)) * noise(s, 0.1)
			}, true, false}
		}), lives)
	}
	family("container_fs_writes_bytes_total", "counter")
	emit("container_fs_writes_bytes_total", mk(func(pr podRef) pt {
		s := pr.s
		return pt{cl(pr), func(m int) float64 {
			return (2e4 + w.fsWrite[s][m]*share(s, m)) * noise(s, 0.3)
		}, true, false}
	}), lives)
	family("container_fs_reads_bytes_total", "counter")
	emit("container_fs_reads_bytes_total", mk(func(pr podRef) pt {
		s := pr.s
		return pt{cl(pr), func(m int) float64 { return 1e4 * noise(s, 0.3) }, true, false}
	}), lives)
	family("kube_pod_container_status_restarts_total", "counter")
	emit("kube_pod_container_status_restarts_total", mk(func(pr podRef) pt {
		s := pr.s
		n := 0.0
		gap, crashed := w.podGap[pr.pod]
		return pt{cl(pr), func(m int) float64 {
			if m == w.restarts[s] || crashed && m == gap[1] {
				n++
			}
			return n
		}, false, false}
	}), lives)
	// The services' own request, error and latency series, per pod.
	family("http_requests_total", "counter")
	for _, code := range []string{"200", "500"} {
		emit("http_requests_total", mk(func(pr podRef) pt {
			s := pr.s
			return pt{sl(pr, `,code="`+code+`"`), func(m int) float64 {
				r := w.rate[s][m] * share(s, m)
				e := w.errShare[s][m]
				if w.down[s][m] {
					return 0 // nothing reaches it
				}
				if code == "200" {
					return r * (1 - e) * w.uni(0.95, 1.05)
				}
				return float64(poisson(w.rng, r*60*(e+0.0005))) / 60
			}, true, !w.svcs[s].metrics}
		}), lives)
	}
	family("http_server_request_duration_seconds", "gauge")
	for _, q := range []string{"0.5", "0.9"} {
		mult := 1.0
		if q == "0.9" {
			mult = 2.2
		}
		emit("http_server_request_duration_seconds", mk(func(pr podRef) pt {
			s := pr.s
			return pt{sl(pr, `,quantile="`+q+`"`), func(m int) float64 {
				if w.down[s][m] && m < w.restarts[s] {
					return math.NaN()
				}
				l := w.lat[s][m]
				if !w.latHidden || s != w.fault {
					l += w.addLat[s][m]
				}
				return l * mult * noise(s, 0.12)
			}, false, !w.svcs[s].metrics}
		}), lives)
	}
	b = append(b, "# EOF\n"...)
	return os.WriteFile(path, b, 0o644)
}
