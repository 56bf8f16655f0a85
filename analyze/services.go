package analyze

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Services: naming the service at fault in a system of services (issue
// 13), from per-pod metrics and container logs, with no probe.
//
// A workload is what a Deployment, StatefulSet or DaemonSet runs, named
// the way Kubernetes names it; its pods carry generated suffixes that are
// dropped, so that the signals of every replica (and of the pods that
// replaced them after a restart or a deploy) are one answer about one
// service.

// k8sSuffix is the alphabet Kubernetes draws generated names from
// (k8s.io/apimachinery's rand.String: consonants and digits without
// vowels, 0, 1 and 3, so that no word is ever spelled).
const k8sSuffix = `[bcdfghjklmnpqrstvwxz2456789]`

var (
	// deploymentPod: <deployment>-<pod-template-hash>-<5>.
	deploymentPod = regexp.MustCompile(`^(.+)-` + k8sSuffix + `{6,10}-` + k8sSuffix + `{5}$`)
	// generatedPod: <daemonset or replicaset>-<5>.
	generatedPod = regexp.MustCompile(`^(.+)-` + k8sSuffix + `{5}$`)
	// statefulPod: <statefulset>-<ordinal>.
	statefulPod = regexp.MustCompile(`^(.+)-\d+$`)
	// containersLog: /var/log/containers/<pod>_<namespace>_<container>-<id>.log.
	containersLog = regexp.MustCompile(`^([a-z0-9.-]+)_[a-z0-9-]+_[a-z0-9.-]+-[0-9a-f]{64}$`)
	// podsDir: /var/log/pods/<namespace>_<pod>_<uid>/.
	podsDir = regexp.MustCompile(`^[a-z0-9-]+_([a-z0-9.-]+)_[0-9a-f-]{36}$`)
)

// podService is the workload a pod belongs to: the pod's name without the
// suffixes Kubernetes generates; the name itself when it has none.
func podService(pod string) string {
	for _, re := range []*regexp.Regexp{deploymentPod, generatedPod, statefulPod} {
		if m := re.FindStringSubmatch(pod); m != nil {
			return m[1]
		}
	}
	return pod
}

// workloadOfLabels names the workload a series is about, from the labels
// Kubernetes, cAdvisor, kube-state-metrics, service meshes and
// OpenTelemetry give it; "" when it has none. A pod comes before a
// service label: Prometheus's Kubernetes discovery labels every series
// with the Service its target was found through (kube-state-metrics'
// series about a pod carry service="kube-state-metrics"), where the pod
// label is the pod the series is about.
func workloadOfLabels(l map[string]string) string {
	for _, k := range []string{"destination_workload", "destination_service_name", "destination_app"} {
		if v := l[k]; v != "" && v != "unknown" {
			return v
		}
	}
	for _, k := range []string{"pod", "pod_name", "kubernetes_pod_name"} {
		if v := l[k]; v != "" {
			return podService(v)
		}
	}
	for _, k := range []string{"service_name", "app_kubernetes_io_name", "app", "service"} {
		if v := l[k]; v != "" {
			return v
		}
	}
	for _, k := range []string{"container", "container_name"} {
		if v := l[k]; v != "" && v != "POD" {
			return v
		}
	}
	return ""
}

// workloadOfPath names the workload a container's log file belongs to,
// from Kubernetes' layouts (/var/log/containers/<pod>_<ns>_<container>-
// <id>.log, /var/log/pods/<ns>_<pod>_<uid>/<container>/0.log) or a file
// or directory named after a pod (what `kubectl logs` saved per pod
// gives); "" when the path names none. A file named after a workload
// without a pod suffix is recognised by the analysis, which knows the
// workloads the metrics name (analysis.componentOfPattern).
func workloadOfPath(p string) string {
	if p == "" {
		return ""
	}
	segs := strings.Split(p, "/")
	for i := len(segs) - 1; i >= 0 && i >= len(segs)-3; i-- {
		seg := fileStem(segs[i])
		if m := containersLog.FindStringSubmatch(seg); m != nil {
			return podService(m[1])
		}
		if m := podsDir.FindStringSubmatch(seg); m != nil {
			return podService(m[1])
		}
		// A pod's generated name (not a StatefulSet's ordinal: "app-2.log"
		// is as likely a numbered log as a pod).
		for _, re := range []*regexp.Regexp{deploymentPod, generatedPod} {
			if m := re.FindStringSubmatch(seg); m != nil {
				return m[1]
			}
		}
	}
	return ""
}

// fileStem is a file name without its extensions (.log, .json, .txt, .gz).
func fileStem(name string) string {
	for {
		ext := path.Ext(name)
		switch ext {
		case ".log", ".json", ".txt", ".gz", ".out", ".jsonl":
			name = strings.TrimSuffix(name, ext)
			continue
		}
		return name
	}
}

// componentOfFile: a "file" label (the logs source's access-log series)
// names its workload when the file does; else the file is the component.
func componentOfFile(f string) string {
	if c := workloadOfPath(f); c != "" {
		return c
	}
	return f
}

// workloads is the set of workloads the series name (by their labels),
// computed once.
func (a *analysis) workloads() map[string]bool {
	if a.wl != nil {
		return a.wl
	}
	a.wl = map[string]bool{}
	for _, sg := range a.signals {
		if sg.series == nil {
			continue
		}
		if c := workloadOfLabels(sg.series.Labels); c != "" {
			a.wl[c] = true
		}
	}
	return a.wl
}

// componentOfPattern is componentOfTemplate, and a log file named after a
// workload the metrics know (cartservice.log, logs/cartservice/app.log).
func (a *analysis) componentOfPattern(p *sources.LogPattern) string {
	// A file that is a pod's log says whose lines they are better than a
	// first word that looks like a program's ("Error:", a Java class).
	if c := workloadOfPath(p.File); c != "" {
		return c
	}
	if len(p.Examples) > 0 {
		if c := workloadOfPath(p.Examples[0].File); c != "" {
			return c
		}
	}
	c := componentOfTemplate(p)
	if c != p.Source {
		return c
	}
	wl := a.workloads()
	paths := []string{p.File}
	if len(p.Examples) > 0 {
		paths = append(paths, p.Examples[0].File)
	}
	for _, f := range paths {
		segs := strings.Split(f, "/")
		for i := len(segs) - 1; i >= 0 && i >= len(segs)-3; i-- {
			if s := fileStem(segs[i]); wl[s] {
				return s
			}
		}
	}
	return c
}

// namedWorkloads returns the workloads other than self that text names as
// a host: a whole token, as in "dial tcp cartservice:7070", "http://carts/",
// "upstream cartservice returned 503". It is how a caller's error line
// points to its callee.
func (a *analysis) namedWorkloads(text, self string) []string {
	if a.wlRe == nil {
		var names []string
		for w := range a.workloads() {
			if len(w) >= 3 {
				names = append(names, regexp.QuoteMeta(w))
			}
		}
		if len(names) == 0 {
			a.wlRe = regexp.MustCompile(`$^`)
		} else {
			// Longest first, so that "cart" does not take "cartservice".
			slices.SortFunc(names, func(x, y string) int { return len(y) - len(x) })
			a.wlRe = regexp.MustCompile(`(?:^|[^A-Za-z0-9_.-])(` + strings.Join(names, "|") + `)(?:$|[^A-Za-z0-9_-])`)
		}
	}
	var out []string
	for _, m := range a.wlRe.FindAllStringSubmatch(text, -1) {
		if w := m[1]; w != self && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// servicesShape reports whether the data is a system of services: at
// least three workloads with latency or error series of their own, or,
// with no probe, at least three Kubernetes workloads whose pods have
// series (a cluster's cAdvisor and kube-state-metrics, where no service
// exports request series). Then one service's series moving is evidence
// about that service, not only a face of the incident.
func (a *analysis) servicesShape() bool {
	if a.svcShape != 0 {
		return a.svcShape > 0
	}
	seen, pods := map[string]bool{}, map[string]bool{}
	for _, sg := range a.signals {
		if sg.series == nil {
			continue
		}
		l := sg.series.Labels
		if (l["pod"] != "" || l["pod_name"] != "" || l["kubernetes_pod_name"] != "") && len(a.ds.Probes) == 0 {
			pods[workloadOfLabels(l)] = true
		}
		if sg.role != sources.Latency && sg.role != sources.Errors {
			continue
		}
		if c := workloadOfLabels(l); c != "" {
			seen[c] = true
		}
	}
	a.svcShape = -1
	if len(seen) >= 3 || len(pods) >= 3 {
		a.svcShape = 1
	}
	return a.svcShape > 0
}

// entryWords: what the service users call is named in every stack's
// vocabulary (a front end, a gateway, an ingress, an edge proxy, a web or
// UI server). It only breaks ties between services nobody calls.
var entryWords = regexp.MustCompile(`(?i)front|gateway|ingress|(^|[-_.])(web|www|ui|edge|portal|proxy|nginx|envoy|haproxy|traefik|lb|bff)([-_.]|$)`)

// seriesLead orders series symptoms in a system of services: the
// user-facing service's first. Users call the entry; every other service
// is called by another, and its callers' logs name it (a client's error
// names its upstream, a request names its host). So a service named in
// another's log lines is not the entry; of the rest, one named like an
// entry (0) leads. Every other service ranks alike (1), named by callers
// or not, and the most severe leads: being called says a service is not
// the entry, not that its blip is the incident rather than its neighbour's
// sustained rise. Outside a system of services every series ranks alike
// (0): the most severe leads.
func (a *analysis) seriesLead() func(Symptom) int {
	if !a.servicesShape() {
		return func(Symptom) int { return 0 }
	}
	called := a.calledWorkloads()
	return func(s Symptom) int {
		sg := a.signal(s.Source, s.Subject)
		c, ok := "", sg != nil && sg.probe == nil
		if ok {
			c = componentOfSeries(sg)
		}
		// A series that moves like this several times a day on its
		// own is a noisy one, not the incident: it leads last.
		usual := 0
		if ok && a.spikesPerDay(sg) >= 4 {
			usual = 3
		}
		switch {
		case !ok:
			return usual
		case !called[c] && entryWords.MatchString(c):
			return usual
		}
		return usual + 1
	}
}

// spikesPerDay is how many abnormal intervals a signal had a day over the
// baseline.
func (a *analysis) spikesPerDay(sg *signal) float64 {
	n := 0
	first, last := -1, -1
	for k := a.base[0]; k < a.base[1]; k++ {
		if !math.IsNaN(sg.g.at(k)) {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	if first < 0 {
		return 0
	}
	for _, iv := range sg.ivs {
		if iv.a >= first && iv.b <= a.base[1] {
			n++
		}
	}
	days := float64(last-first+1) * a.o.Step.Hours() / 24
	return float64(n) / math.Max(days, 1.0/24)
}

// mildSymptom: in a system of services with no probe, when no latency or
// error series crossed the threshold of a symptom, the strongest
// movement of one still says where users may have felt something (a
// leak that slows one service a little, a fault in a service few requests
// reach). It is taken at half the threshold, lasting at least three
// cells, the user-facing service's first (seriesLead), and says that it
// is below the usual threshold. Without it the analysis would say
// nothing about a fault every metric of its own service shows.
func (a *analysis) mildSymptom(lead func(Symptom) int) (Symptom, bool) {
	type pick struct {
		sy   Symptom
		rank int
		z    float64
	}
	var best *pick
	thr := a.o.Threshold / 2
	for _, sg := range a.signals {
		if sg.probe != nil || sg.role != sources.Latency && sg.role != sources.Errors || math.IsNaN(sg.st.median) {
			continue
		}
		var cur *interval
		var ivs []interval
		gap := 0
		for k := a.win[0]; k < a.win[1]; k++ {
			v := sg.g.at(k)
			hit := false
			z := 0.0
			if !math.IsNaN(v) {
				z = sg.st.z(v)
				hit = z >= thr && (sg.role != sources.Latency || sg.st.median <= 0 || v >= 1.2*sg.st.median) &&
					(!sg.st.sparse || v > sg.st.floor)
			}
			if hit {
				if cur == nil {
					ivs = append(ivs, interval{a: k, b: k + 1, peak: k, peakZ: z})
					cur = &ivs[len(ivs)-1]
				} else {
					cur.b = k + 1
					if z > cur.peakZ {
						cur.peak, cur.peakZ = k, z
					}
				}
				gap = 0
				continue
			}
			if cur != nil {
				if gap++; gap > 1 {
					cur = nil
				}
			}
		}
		for _, iv := range ivs {
			if iv.b-iv.a < 3 {
				continue
			}
			sy := a.spikeSymptom(sg, iv)
			if sg.role == sources.Errors {
				sy.Kind = ErrorSpike
			}
			r := lead(sy)
			if best == nil || r < best.rank || r == best.rank && iv.peakZ > best.z {
				best = &pick{sy, r, iv.peakZ}
			}
		}
	}
	if best == nil {
		return Symptom{}, false
	}
	best.sy.Explanation += fmt.Sprintf(" No latency or error series crossed the threshold of a symptom (robust z %.0f); this is the strongest movement of one, at half of it.", a.o.Threshold)
	return best.sy, true
}

// calledWorkloads are the workloads another workload's log lines name.
func (a *analysis) calledWorkloads() map[string]bool {
	out := map[string]bool{}
	for i := range a.ds.Patterns {
		p := &a.ds.Patterns[i]
		self := a.componentOfPattern(p)
		for _, l := range p.Examples {
			for _, w := range a.namedWorkloads(l.Text, self) {
				out[w] = true
			}
		}
	}
	return out
}

// symptomComponent is the component a symptom is about: its series' workload
// or host, a probe's target host.
func (a *analysis) symptomComponent(s *Symptom) string {
	if s.Target != "" && s.Query == "" {
		return hostOf(s.Target)
	}
	if sg := a.signal(s.Source, s.Subject); sg != nil {
		return componentOfSeries(sg)
	}
	return ""
}

// errorish: a pattern of error or warning lines, or one whose words say a
// call failed (refused, timed out, unavailable upstream).
func errorish(p *sources.LogPattern) bool {
	switch strings.ToLower(p.Level) {
	case "error", "err", "fatal", "critical", "crit", "emerg", "alert", "warn", "warning":
		return true
	}
	return dependencyWords.MatchString(p.Template) || pathError.MatchString(p.Template) || callFailed.MatchString(p.Template)
}

// callFailed: a client's words for a call that failed, beyond
// dependencyWords: gRPC's status codes, HTTP's 5xx from an upstream.
var callFailed = regexp.MustCompile(`(?i)\bUnavailable\b|DeadlineExceeded|deadline exceeded|\b50[234]\b|reset by peer|broken pipe|EOF`)

// pointToCallees: in a system of services, a caller's error lines that
// name another service by its host name ("dial tcp cartservice:7070:
// connect: connection refused", "upstream carts returned 503") are
// evidence about that service, the callee, not about the caller that
// logged them: the caller's lines come after the callee failed. The
// candidate is re-pointed to the callee and remembers its caller.
func (a *analysis) pointToCallees(cands []*candidate) []*candidate {
	for _, c := range cands {
		if c.pattern == nil || c.caller != "" || c.s.Kind != SuspectLogBurst && c.s.Kind != SuspectNewPattern || !errorish(c.pattern) {
			continue
		}
		count := map[string]int{}
		for _, l := range c.pattern.Examples {
			for _, w := range a.namedWorkloads(l.Text, c.component) {
				count[w]++
			}
		}
		best, n := "", 0
		for w, k := range count {
			if k > n || k == n && w < best {
				best, n = w, k
			}
		}
		if best == "" {
			continue
		}
		c.caller = c.component
		c.component, c.s.Component = best, best
		c.s.Cause = CauseDependency
		c.why += fmt.Sprintf("; logged by %s, naming %s: a caller reporting its callee's failure", c.caller, best)
	}
	return cands
}

// judgeServices rolls the suspects of a system of services up to one
// answer per service, and weighs the services against each other.
//
// The service at fault is the one whose own signals change first and most
// against their own baseline (robust z, as BARO, CIRCA and RCD rank
// metric-only data): a CPU hog, a leak or disk stress shows in the faulty
// pod's resource series, a delay or packet loss in its own latency and
// errors, a killed process in its requests falling to nothing and its
// restart. Its callers change too, but their change is the callee's: a
// caller waits for its callee (its latency rises by about the callee's
// added latency) and surfaces its failures as its own errors, and it
// logs them naming the callee. So:
//
//   - each candidate counts by its score weighted by how far outside its
//     usual range the signal went (a z of 1000 counts fully, one at the
//     threshold about two thirds): BARO's ranking by robust scale, inside
//     the timing, specificity and co-occurrence the score already has;
//   - a service is one answer: its best candidate leads, its other
//     signals become that answer's evidence, and each further kind of
//     signal (resource, latency, errors, requests, its own logs, its
//     callers' logs naming it) adds a little: five signals of one service
//     agreeing is more than one;
//   - a service whose error lines name another service that also moved
//     is a caller reporting its callee: it counts for less, and the
//     callee gains for each caller naming it;
//   - a service whose own changes began after another's had begun counts
//     for a little less: effects follow causes.
func (a *analysis) judgeServices(s *Symptom, out []Suspect, cs []*candidate) []Suspect {
	type comp struct {
		name             string
		best             int
		score            float64
		members          []int
		kinds            map[string]bool
		callers, callees map[string]bool
		start            time.Time
		stopped          bool
	}
	comps := map[string]*comp{}
	var order []*comp
	weight := func(z float64) float64 {
		return 0.5 + 0.5*math.Min(1, math.Log10(1+math.Max(0, z))/3)
	}
	for i, c := range cs {
		name := out[i].Component
		if name == "" {
			continue
		}
		k := comps[name]
		if k == nil {
			k = &comp{name: name, best: -1, kinds: map[string]bool{}, callers: map[string]bool{}, callees: map[string]bool{}}
			comps[name] = k
			order = append(order, k)
		}
		k.members = append(k.members, i)
		w := weight(c.z)
		if r := a.latencyRatio(c); r > 0 {
			// Latency counts by how many times its usual level it
			// reached: a callee answering 10 ms slower than its usual 2
			// ms changed more than its caller waiting the same 10 ms on
			// top of its usual 200 (the robust z of both may be alike).
			w = 0.5 + 0.5*math.Min(1, math.Log10(math.Max(1, r))/math.Log10(50))
		}
		if c.caller != "" {
			w = 1 // a caller's testimony: its lines name this service
		}
		if c.pattern != nil && c.caller == "" && !errorish(c.pattern) {
			// A service's ordinary lines (a request served, a cache
			// refreshed) come and go with the requests its callers send
			// it, and a replica started during the data logs them to a
			// file that did not exist before: their burst says where
			// traffic went, not what broke.
			w *= 0.6
		}
		if isRestart(c) && c.sig != nil && a.someReplicasRestarted(name, c.s.Start.Add(-a.tolerance()), later(c.s.End, c.s.Start).Add(a.tolerance())) {
			// One replica restarting while its peers answered is that
			// replica's trouble, absorbed: it is not what the service
			// did, whatever else its service shows.
			w *= 0.6
		}
		sc := out[i].Score * w
		if a.stopped(c) {
			// A service that stopped answering (its requests fell to
			// nothing) is an instance failure, a state change: as strong
			// as a signal gets.
			k.stopped = true
			sc = out[i].Score + 0.1
		}
		if k.best < 0 || sc > k.score {
			k.best, k.score = i, sc
		}
		k.kinds[signalKind(c)] = true
		if c.caller != "" {
			k.callers[c.caller] = true
		}
		st := c.s.Start
		if !c.began.IsZero() {
			st = c.began
		}
		if k.start.IsZero() || st.Before(k.start) {
			k.start = st
		}
	}
	for _, k := range order {
		for c := range k.callers {
			if ck := comps[c]; ck != nil {
				ck.callees[k.name] = true
			}
		}
	}
	earliest := time.Time{}
	for _, k := range order {
		if earliest.IsZero() || k.start.Before(earliest) {
			earliest = k.start
		}
	}
	drop := map[int]bool{}
	raw := map[int]float64{}
	for _, k := range order {
		sc := k.score + 0.04*float64(min(3, len(k.kinds)-1)) + 0.05*float64(min(3, len(k.callers)))
		var notes []string
		if len(k.callees) > 0 {
			sc *= 0.6
			names := slices.Sorted(maps.Keys(k.callees))
			notes = append(notes, fmt.Sprintf("its own error lines name %s, which moved too: a caller reporting its callee", strings.Join(names, ", ")))
		}
		if k.start.After(earliest.Add(a.tolerance())) {
			sc *= 0.9
		}
		if s.Kind == Change && k.name == a.symComp {
			notes = append(notes, "its own "+s.Subject+" changed the most of any service's series in the window")
		}
		// A replica that restarted while its service kept answering (its
		// requests, latency and errors did not move, no caller logged
		// failures naming it) had its load taken by its peers: a crash
		// or an OOM kill absorbed where it happened, which explains
		// nothing elsewhere. Kubernetes restarts containers all the
		// time; one that matters shows in what its service answers.
		if r := cs[k.best]; !k.stopped && isRestart(r) && !k.kinds["latency"] && !k.kinds["errors"] && len(k.callers) == 0 &&
			(a.someReplicasRestarted(k.name, r.s.Start.Add(-a.tolerance()), later(r.s.End, r.s.Start).Add(a.tolerance())) ||
				!a.serviceFell(k.name, r.s.Start.Add(-a.tolerance()), later(r.s.End, r.s.Start).Add(a.tolerance()))) {
			sc *= 0.6
			notes = append(notes, "it restarted, but its requests did not fall, its latency and errors did not move and no caller logged failures naming it: its peers took its load")
		}
		// Errors and latency elsewhere that begin when a service stops
		// answering are its callers failing with it.
		if !k.stopped && !k.kinds["resource"] {
			for _, o := range order {
				if o != k && o.stopped && !k.start.Before(o.start.Add(-a.tolerance())) {
					sc *= 0.7
					notes = append(notes, fmt.Sprintf("its errors and latency began when %s stopped answering", o.name))
					break
				}
			}
		}
		if len(k.callers) > 0 {
			names := slices.Sorted(maps.Keys(k.callers))
			notes = append(notes, fmt.Sprintf("%s logged errors naming it", strings.Join(names, ", ")))
		}
		best := &out[k.best]
		for _, i := range k.members {
			if i == k.best {
				continue
			}
			drop[i] = true
			best.Evidence = append(best.Evidence, Evidence{Text: "also " + out[i].Reason, Query: firstQuery(out[i].Evidence),
				Ref: firstRef(out[i].Evidence), Lines: firstLines(out[i].Evidence)})
		}
		if len(notes) > 0 {
			best.Evidence = append(best.Evidence, Evidence{Text: k.name + ": " + strings.Join(notes, "; ")})
		}
		best.Score = round2(math.Min(1, sc))
		best.Confidence = confidence(best.Score)
		raw[k.best] = sc
	}
	// The symptom is this service's own series changing more than any
	// other service's in the window (changeSymptom leads only when users
	// felt nothing, and picks the largest change by its robust z and its
	// duration, as metric-only methods rank services): that service
	// leads, unless another stopped answering, a larger change still, or
	// callers logged failures naming another from before the change
	// began (testimony about one service, which the change may follow).
	if own := comps[a.symComp]; s.Kind == Change && own != nil && !own.stopped {
		top := math.Inf(-1)
		for _, k := range order {
			if k != own {
				if k.stopped || len(k.callers) > 0 && !k.start.After(own.start) {
					top = math.Inf(1)
					break
				}
				top = math.Max(top, raw[k.best])
			}
		}
		if !math.IsInf(top, 1) && raw[own.best] <= top {
			raw[own.best] = top + 0.01
			out[own.best].Score = round2(math.Min(1, top+0.01))
			out[own.best].Confidence = confidence(out[own.best].Score)
		}
	}
	kept := out[:0]
	var keptRaw []float64
	for i, sp := range out {
		if !drop[i] {
			kept = append(kept, sp)
			r, ok := raw[i]
			if !ok {
				r = sp.Score
			}
			keptRaw = append(keptRaw, r)
		}
	}
	// Ordered by the unrounded, uncapped judgement, so that the caller's
	// stable sort by score keeps it among equal scores.
	idx := make([]int, len(kept))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(x, y int) int { return cmp.Compare(keptRaw[y], keptRaw[x]) })
	sorted := make([]Suspect, len(kept))
	for i, j := range idx {
		sorted[i] = kept[j]
	}
	return sorted
}

// signalKind sorts a candidate into the kinds of signal judgeServices
// counts once each.
func signalKind(c *candidate) string {
	switch {
	case c.caller != "":
		return "named by callers"
	case c.pattern != nil:
		return "own logs"
	case c.s.Kind == SuspectExhaustion:
		return "resource"
	case c.s.Kind == SuspectAnomaly:
		switch c.role {
		case sources.Latency:
			return "latency"
		case sources.Errors:
			return "errors"
		case sources.Traffic:
			return "requests"
		}
		return "resource"
	}
	return string(c.s.Kind)
}

func firstLines(ev []Evidence) []sources.LogLine {
	if len(ev) == 0 {
		return nil
	}
	return ev[0].Lines
}

func confidence(score float64) string {
	switch {
	case score >= 0.75:
		return "high"
	case score >= 0.55:
		return "medium"
	}
	return "low"
}

// stopped reports whether a candidate is a service's requests falling to
// nothing (a tenth of their usual level or less): it stopped answering.
func (a *analysis) stopped(c *candidate) bool {
	if c.s.Cause == CauseCrash && c.z == maxZ && c.sig != nil && strings.Contains(c.s.Title, " stopped answering: ") {
		return true // stoppedCandidates
	}
	if c.s.Kind != SuspectAnomaly || c.role != sources.Traffic || c.sig == nil {
		return false
	}
	base := c.sig.st.median
	if math.IsNaN(base) || base <= 0 {
		return false
	}
	i, j := c.sig.g.clampRange(c.s.Start, later(c.s.End, c.s.Start.Add(a.o.Step)))
	lo := math.Inf(1)
	for k := i; k < j; k++ {
		if v := c.sig.g.at(k); !math.IsNaN(v) {
			lo = math.Min(lo, v)
		}
	}
	return lo <= 0.1*base
}

// someReplicasRestarted reports whether some of workload wl's pods
// restarted in [from, to) (their restart counters rose) while others had
// counters that did not: replicas failing one at a time, whose peers
// answered meanwhile.
func (a *analysis) someReplicasRestarted(wl string, from, to time.Time) bool {
	rose, still := false, false
	for _, sg := range a.signals {
		if sg.probe != nil || sg.series == nil || workloadOfLabels(sg.series.Labels) != wl ||
			!slices.ContainsFunc(nameWords(sg.series.Name), func(w string) bool { return w == "restart" || w == "restarts" }) {
			continue
		}
		i, j := sg.g.clampRange(from, to)
		has := false
		for k := i; k < j; k++ {
			if !math.IsNaN(sg.g.at(k)) {
				has = true
				break
			}
		}
		switch {
		case sg.abnormalIn(from, to):
			rose = true
		case has:
			still = true
		}
	}
	return rose && still
}

// serviceFell reports whether what workload wl served, summed over its
// pods, fell under half of what it served in the ten minutes before, in
// [from, to): one sum of requests (or bytes) per metric and status,
// whichever pods answered. A replica that restarts leaves a gap in its
// own series that its peers fill; the service as a whole kept answering.
func (a *analysis) serviceFell(wl string, from, to time.Time) bool {
	before := from.Add(-10 * time.Minute)
	sums := map[string]map[int64]float64{} // by cell start, Unix seconds
	for _, sg := range a.signals {
		if sg.probe != nil || sg.series == nil || sg.role != sources.Traffic || workloadOfLabels(sg.series.Labels) != wl {
			continue
		}
		l := sg.series.Labels
		key := sg.series.Name + "\x00" + l["code"] + l["status"] + l["status_code"] + l["response_code"]
		if sums[key] == nil {
			sums[key] = map[int64]float64{}
		}
		i, j := sg.g.clampRange(before, to)
		for k := i; k < j; k++ {
			if v := sg.g.at(k); !math.IsNaN(v) {
				sums[key][sg.g.time(k).Unix()] += v
			}
		}
	}
	for _, sum := range sums {
		var base []float64
		for t, v := range sum {
			if t < from.Unix() {
				base = append(base, v)
			}
		}
		if len(base) < 3 {
			continue
		}
		lvl := 0.5 * median(base)
		for t, v := range sum {
			if t >= from.Unix() && v < lvl {
				return true
			}
		}
	}
	return false
}

// latencyRatio is a latency candidate's peak over its usual level; 0 for
// other candidates.
func (a *analysis) latencyRatio(c *candidate) float64 {
	if c.ratio > 0 {
		return c.ratio
	}
	if c.s.Kind != SuspectAnomaly || c.role != sources.Latency || c.sig == nil {
		return 0
	}
	base := c.sig.st.median
	if math.IsNaN(base) || base <= 0 {
		return 0
	}
	i, j := c.sig.g.clampRange(c.s.Start, later(c.s.End, c.s.Start.Add(a.o.Step)))
	hi := 0.0
	for k := i; k < j; k++ {
		if v := c.sig.g.at(k); !math.IsNaN(v) {
			hi = math.Max(hi, v)
		}
	}
	return hi / base
}

// selfCandidate stands for the symptom's own service as the one at
// fault: its latency or errors rose, and unless what it calls changed
// first and more (judgeServices weighs it against them), the fault is its
// own: packet loss on its interface, a slow release, a bug. Without it,
// a fault in the user-facing service itself could never be named, since
// its latency and errors are the symptom.
func (a *analysis) selfCandidate(s *Symptom) *candidate {
	sg := a.symptomSignal(s)
	if sg == nil || sg.probe != nil || a.symComp == "" || s.Kind == Change {
		return nil // a change's own series is a candidate of its own
	}
	what := "latency"
	if s.Kind == ErrorSpike {
		what = "errors"
	}
	c := &candidate{
		s: Suspect{Kind: SuspectAnomaly, Cause: CauseOther, Title: fmt.Sprintf("%s itself: its own %s rose", a.symComp, what),
			Source: s.Source, Start: s.Start, End: s.End, Component: a.symComp,
			Evidence: []Evidence{{Text: s.Explanation, Query: s.Query}}},
		subject:   s.Subject,
		total:     max(1, len(sg.ivs)),
		role:      sg.role,
		sig:       sg,
		component: a.symComp,
		z:         math.Abs(s.Score),
		ratio:     s.Ratio,
		corr:      1,
		strength:  0.7,
		why:       fmt.Sprintf("the symptom is %s's own %s; it is the service at fault unless what it calls changed first and more", a.symComp, what),
	}
	if s.Kind == ErrorSpike {
		c.ratio = 0 // an error rate's ratio to a usually clean series says little
	}
	c.present = func(f, t time.Time) bool { return sg.abnormalIn(f, t) }
	return c
}

// stoppedCandidates: services whose requests, or whose own CPU, memory
// or network, fell to nothing around the symptom, when their baseline
// never came near that (a tenth of the usual level, for at least two
// cells). A service that stops answering is an instance failure, a state
// change and a root cause (Watchdog's taxonomy), and its series says so
// even when its daily cycle is wide enough that the fall's robust z is
// small; a killed process's CPU and memory fall to nothing as its
// requests do, and they are all a service without request series has.
func (a *analysis) stoppedCandidates(s *Symptom) []*candidate {
	var out []*candidate
	seen := map[string]bool{}
	for _, sg := range a.signals {
		if sg.probe != nil || sg.series == nil || sg.role == sources.Latency || sg.role == sources.Errors {
			continue
		}
		wl := workloadOfLabels(sg.series.Labels)
		if wl == "" || seen[wl] {
			continue
		}
		i, j := sg.g.clampRange(s.Start.Add(-a.o.Lag), s.End)
		first, lvl, lo, ok := a.stopIn(sg, i, j)
		if !ok || sg.role != sources.Traffic && !a.stoppedTogether(wl, sg, sg.g.time(first)) {
			continue
		}
		med := sg.st.median
		// Answering with errors is answering: a caller whose callee
		// failed serves only errors, and its successes fall to nothing
		// too. Stopped means its errors did not rise in their place.
		from, to := sg.g.time(first), sg.g.time(first+2)
		if sg.role == sources.Traffic && slices.ContainsFunc(a.signals, func(o *signal) bool {
			return o.series != nil && o.role == sources.Errors && workloadOfLabels(o.series.Labels) == wl && o.abnormalIn(from, to)
		}) {
			continue
		}
		seen[wl] = true
		sig := sg
		start := sg.g.time(first)
		c := &candidate{
			s: Suspect{Kind: SuspectAnomaly, Cause: CauseCrash, Title: fmt.Sprintf("%s stopped answering: %s fell to nothing", wl, sg.subject),
				Source: sg.source, Start: start, Component: wl},
			subject:   sg.subject,
			total:     1,
			role:      sg.role,
			sig:       sg,
			component: wl,
			z:         maxZ,
			corr:      -1,
			strength:  0.9,
			why: fmt.Sprintf("it fell to %s from a usual %s, lower than anywhere in its baseline (lowest %s)",
				fmtVal(sg.g.at(first), sg.unit), fmtVal(med, sg.unit), fmtVal(lo, sg.unit)),
		}
		c.s.Evidence = []Evidence{{Text: sg.subject + ": " + c.why, Query: sg.query}}
		c.present = func(f, t time.Time) bool {
			x, y := sig.g.clampRange(f, t)
			for k := x; k < y; k++ {
				if v := sig.g.at(k); !math.IsNaN(v) && v <= lvl {
					return true
				}
			}
			return false
		}
		out = append(out, c)
	}
	return out
}

// changeSymptom is the largest change of a service's own series in the
// window other than its latency and errors (which are symptoms already):
// its memory climbing, its CPU pinned, its disk writes or its requests
// falling to nothing. In a system of services with no probe, a fault in
// a service that the user-facing one does not (yet) feel shows only
// there: a leak long before anything slows, a process killed behind a
// caller that retries. The largest is by the symptoms' own severity
// (log of the robust z times the duration), so that a sustained change
// outweighs a blip; series that moved this way several times a day
// (spikesPerDay) are their usual noise and are left out.
func (a *analysis) changeSymptom() (Symptom, float64, bool) {
	var best Symptom
	bestSev, found := 0.0, false
	for _, sg := range a.signals {
		if sg.probe != nil || sg.series == nil || sg.role == sources.Latency || sg.role == sources.Errors {
			continue
		}
		if workloadOfLabels(sg.series.Labels) == "" || a.spikesPerDay(sg) >= 4 {
			continue
		}
		ivs := sg.ivs
		// A fall to nothing (a killed process's CPU, memory and
		// network) is a change whether or not the series is checked for
		// falls; it lasts while the series stays there.
		if first, lvl, _, ok := a.stopIn(sg, a.win[0], a.win[1]); ok &&
			(sg.role == sources.Traffic || a.stoppedTogether(workloadOfLabels(sg.series.Labels), sg, sg.g.time(first))) {
			end := first
			for end < a.win[1] {
				if v := sg.g.at(end); !math.IsNaN(v) && v > lvl {
					break
				}
				end++
			}
			ivs = append(slices.Clip(ivs), interval{a: first, b: end, peak: first, peakZ: maxZ})
		}
		for _, iv := range ivs {
			// It begins in the window: what was already abnormal when the
			// window opened (a daily rise of traffic judged against a
			// few hours of history) is not what the window is about.
			if iv.a < a.win[0] || iv.a >= a.win[1] || iv.b-iv.a < 2 {
				continue
			}
			sy := a.spikeSymptom(sg, iv)
			sy.Kind = Change
			z := math.Abs(sy.Score)
			if iv.peakZ == maxZ || a.fellToNothing(sg, iv) {
				// A service whose requests fell to nothing stopped
				// answering: an instance failure, as strong as a change
				// gets (stoppedCandidates), whatever the z of a fall on a
				// series with a wide daily cycle.
				z = maxZ
			}
			sev := math.Log1p(z) * sy.Duration.Seconds()
			if !found || sev > bestSev {
				best, bestSev, found = sy, sev, true
			}
		}
	}
	if found {
		best.Explanation += " No latency or error series of the user-facing service moved; this is the largest change of a service's own series in the window."
	}
	return best, bestSev, found
}

// stopIn finds, in cells [i, j) of a series with a positive usual level
// that never came near nothing in its baseline, the first of two cells in
// a row at a tenth of that level or less: what it measures stopped. It
// returns that cell, the level, and the lowest of the baseline.
func (a *analysis) stopIn(sg *signal, i, j int) (first int, lvl, lo float64, ok bool) {
	med := sg.st.median
	if math.IsNaN(med) || med <= 0 {
		return 0, 0, 0, false
	}
	lvl = 0.1 * med
	lo = math.Inf(1)
	for k := a.base[0]; k < a.base[1]; k++ {
		if v := sg.g.at(k); !math.IsNaN(v) {
			lo = math.Min(lo, v)
		}
	}
	if math.IsInf(lo, 1) || lo <= lvl {
		return 0, 0, 0, false // it has been this low before
	}
	run := 0
	for k := i; k < j; k++ {
		if v := sg.g.at(k); !math.IsNaN(v) && v <= lvl {
			if run == 0 {
				first = k
			}
			if run++; run >= 2 {
				return first, lvl, lo, true
			}
		} else {
			run = 0
		}
	}
	return 0, 0, 0, false
}

// stoppedTogether reports whether another series of workload wl, of
// another name, fell to nothing within a few minutes of t as sg did. A
// killed process's CPU, memory and network fall at once; one series
// alone falling (its throttling ending, a queue emptying) is things
// getting better, not a stop.
func (a *analysis) stoppedTogether(wl string, sg *signal, t time.Time) bool {
	for _, o := range a.signals {
		if o == sg || o.probe != nil || o.series == nil || o.series.Name == sg.series.Name ||
			o.role == sources.Latency || o.role == sources.Errors || workloadOfLabels(o.series.Labels) != wl {
			continue
		}
		i, j := o.g.clampRange(t.Add(-2*a.tolerance()), t.Add(2*a.tolerance()))
		if _, _, _, ok := a.stopIn(o, i, j); ok {
			return true
		}
	}
	return false
}

// fellToNothing reports whether interval iv of a traffic series is its
// requests falling to a tenth of their usual level or less, lower than
// anywhere in its baseline.
func (a *analysis) fellToNothing(sg *signal, iv interval) bool {
	med := sg.st.median
	if sg.role != sources.Traffic || math.IsNaN(med) || med <= 0 {
		return false
	}
	lvl := 0.1 * med
	for k := a.base[0]; k < a.base[1]; k++ {
		if v := sg.g.at(k); !math.IsNaN(v) && v <= lvl {
			return false
		}
	}
	for k := iv.a; k < iv.b; k++ {
		if v := sg.g.at(k); !math.IsNaN(v) && v <= lvl {
			return true
		}
	}
	return false
}

// isRestart reports whether a candidate is a container restarting: a
// restart counter rising (kube-state-metrics' ..._restarts_total,
// cAdvisor's, a mesh's) or a process's dying words in its own log (out of
// memory, a panic, a fatal error).
func isRestart(c *candidate) bool {
	if c.pattern != nil {
		t := c.pattern.Template
		return c.caller == "" && (crashWords.MatchString(t) || oomWords.MatchString(t))
	}
	if c.sig == nil || c.sig.series == nil {
		return false
	}
	return slices.ContainsFunc(nameWords(c.sig.series.Name), func(w string) bool { return w == "restart" || w == "restarts" })
}

// oomWords: the JVM's and Kubernetes' words for a process killed for its
// memory, which crashWords (the kernel's, systemd's, Go's) does not hold.
var oomWords = regexp.MustCompile(`OutOfMemoryError|\bOOMKilled\b|segmentation fault|SIGSEGV|SIGKILL`)
