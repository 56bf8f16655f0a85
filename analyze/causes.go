package analyze

import (
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Typed candidates (issue 13). Every candidate gets a CauseType and the
// component it is about; what is a face of the incident rather than a
// cause (latency, error rates, 5xx routes, a unit reporting its own
// failure) is dropped from the ranking and kept as the driver's evidence;
// what a driver sets off (a crash's restarts, a surge's CPU) is folded
// into it. The rules follow the taxonomy Datadog's Watchdog RCA and
// Grafana Sift use: only state changes are root causes.

var (
	// crashWords: a process died of a fault, not of a request to stop.
	// The wording is the kernel's (segfault), systemd's (code=dumped,
	// core-dump, SEGV/ABRT/BUS) and the runtimes' (Go's panic, Python's
	// Traceback, the JVM's fatal error).
	crashWords = regexp.MustCompile(`(?i)segfault|code=dumped|core-dump|core dumped|/SEGV|/ABRT|/BUS\b|\bpanic:|fatal error|Traceback \(most recent|oom-kill|out of memory`)
	// exitFailure: systemd's "Main process exited, code=exited,
	// status=N/..." with N > 0: the service stopped on its own, an
	// instance failure (a crash by another name).
	exitFailure = regexp.MustCompile(`Main process exited, code=(exited, status=[1-9]|killed)`)
	// unitEcho: lines in which systemd repeats what it already said about
	// a unit's failure, or schedules its restart: the effect of the
	// failure, never a cause of their own.
	unitEcho = regexp.MustCompile(`Failed with result|Scheduled restart job|A process of this unit has been killed`)
	// dependencyWords: a client saying its upstream failed: refused,
	// unreachable, timed out, names that do not resolve, TLS errors.
	dependencyWords = regexp.MustCompile(`(?i)ECONNREFUSED|connection refused|ETIMEDOUT|EHOSTUNREACH|no route to host|upstream|getaddrinfo|ENOTFOUND|EAI_AGAIN|NXDOMAIN|SERVFAIL|could not resolve|certificate|x509|SSL|handshake`)
	// reloadWords: systemd's and the daemons' own words for a
	// configuration reload: a change made by a person or a tool.
	reloadWords = regexp.MustCompile(`\bReload(ing|ed)\b|\breload(ing|ed)? (configuration|config)\b|SIGHUP`)
	// accessRoute is the template the logs source gives access-log
	// lines: method, route, status class.
	accessRoute = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|CONNECT|TRACE|PROPFIND) \S+ ([1-5])xx$`)
	unitName    = regexp.MustCompile(`([A-Za-z0-9@_.:-]+)\.(service|timer|scope|socket)\b`)
	programName = regexp.MustCompile(`^([A-Za-z0-9_./@-]+)(\[<\*>\]|\[\d+\])?:`)
)

// classify sets the candidate's cause type and component, and says
// whether it is a symptom (impact) rather than a cause.
func (a *analysis) classify(c *candidate) (symptom bool) {
	sp := &c.s
	switch sp.Kind {
	case SuspectEvent:
		sp.Component = c.component
		if c.kind == "" && c.template != "" { // a reload seen in the logs
			sp.Cause = CauseChange
			return false
		}
		switch c.kind {
		case sources.KindDeploy, sources.KindMaintenance, sources.KindChange:
			sp.Cause = CauseChange
		case sources.KindUpstream:
			sp.Cause = CauseDependency
		case sources.KindCron, sources.KindBackup:
			sp.Cause = CauseScheduled
		case sources.KindOOM:
			sp.Cause = CauseCrash
		case sources.KindRestart:
			switch t := sp.Title; {
			case unitEcho.MatchString(t):
				sp.Cause = CauseCrash
				return true
			case crashWords.MatchString(t) || exitFailure.MatchString(t):
				sp.Cause = CauseCrash
			case c.scheduled:
				sp.Cause = CauseScheduled
			default:
				sp.Cause = CauseChange
			}
			if u := unitName.FindStringSubmatch(sp.Title); u != nil {
				sp.Component = u[1]
			}
		default:
			sp.Cause = CauseOther
		}
	case SuspectAnomaly:
		sp.Component = c.component
		switch c.role {
		case sources.Latency, sources.Errors:
			// In a system of services, another service's own latency or
			// errors is evidence about that service (a callee failing
			// first, or a caller suffering after: judgeServices tells
			// them apart).
			if a.servicesShape() && c.component != "" && c.component != a.symComp {
				sp.Cause = CauseDependency
				return false
			}
			// The incident's faces: how slow and how many failed.
			sp.Cause = CauseOther
			return true
		case sources.Traffic:
			sp.Cause = CauseTraffic
		case sources.Saturation:
			sp.Cause = CauseExhaustion
		default:
			sp.Cause = CauseOther
		}
	case SuspectLogBurst, SuspectNewPattern:
		tmpl := c.template
		sp.Component = c.component
		if personReading(c) {
			return true // someone looking at the service: a response, shown in the timeline
		}
		if m := accessRoute.FindStringSubmatch(tmpl); m != nil {
			if m[2] == "5" {
				return true // the server's own errors: impact
			}
			sp.Cause = CauseTraffic
			return false
		}
		switch {
		case crashWords.MatchString(tmpl):
			sp.Cause = CauseCrash
		case reloadWords.MatchString(tmpl):
			sp.Cause = CauseChange
		case dependencyWords.MatchString(tmpl):
			sp.Cause = CauseDependency
		default:
			sp.Cause = CauseLogBurst
		}
	case SuspectProbeError:
		sp.Cause = CauseDependency
		sp.Component = c.component
	case SuspectExhaustion:
		sp.Cause = CauseExhaustion
		sp.Component = c.component
	}
	return false
}

// readCommand: what sudo logs (COMMAND=...) when a person runs a command
// that only reads: logs, status, listings, resource views. A person who
// logs in to look at a failing service leaves a new sudo line minutes
// before or after the symptom begins; it is the response, never the
// cause. Commands that change things (systemctl restart or reload, apt,
// an editor on /etc) do not match and stay candidates.
var readCommand = regexp.MustCompile(`COMMAND=(\S*/)?(journalctl|less|more|cat|zcat|tail|head|grep|zgrep|egrep|ls|ps|top|htop|atop|iotop|df|du|free|uptime|dmesg|ss|netstat|lsof|id|whoami|w|who|last|find|stat|vmstat|iostat|pidstat|uname|tcpdump|` +
	`systemctl (status|show|cat|is-active|is-enabled|is-failed|list-\S+)|docker (logs|ps|inspect|stats)|kubectl (get|describe|logs|top))\b`)

// personReading reports whether a log candidate is only sudo's record of
// read-only commands: its template or every example line says so.
func personReading(c *candidate) bool {
	if !strings.Contains(c.template, "COMMAND=") {
		return false
	}
	if readCommand.MatchString(c.template) {
		return true
	}
	n := 0
	for _, ev := range c.s.Evidence {
		for _, l := range ev.Lines {
			if !readCommand.MatchString(l.Text) {
				return false
			}
			n++
		}
	}
	return n > 0
}

// componentOfLabels names what a series is about. A workload's own labels
// come first (service, app, the mesh's destination workload, a pod named
// after its Deployment or StatefulSet, a container): a container's series
// scraped through its node carry the node as instance, and the node is
// not what the series is about. Then the host (instance without the
// port), job, file, else the CloudWatch dimension that names an AWS
// resource (an EC2 instance, a database, a load balancer, a volume, a
// function, a queue): a CloudWatch series has no host label, and its
// source is a whole account.
func componentOfLabels(l map[string]string) string {
	if c := workloadOfLabels(l); c != "" {
		return c
	}
	for _, k := range []string{"instance", "host", "hostname", "node", "job", "file",
		"InstanceId", "DBInstanceIdentifier", "DBClusterIdentifier", "LoadBalancer", "LoadBalancerName", "VolumeId",
		"CacheClusterId", "FunctionName", "QueueName", "ClusterName", "ServiceName"} {
		if v := l[k]; v != "" {
			switch k {
			case "instance":
				v = hostOf(v)
			case "file":
				v = componentOfFile(v)
			}
			return v
		}
	}
	return ""
}

// componentOfEvent: syslog events carry "host program: message" in Detail.
func componentOfEvent(e *sources.Event) string {
	if u := unitName.FindStringSubmatch(e.Title); u != nil && e.Kind == sources.KindRestart {
		return u[1]
	}
	if h, _, ok := strings.Cut(e.Detail, " "); ok && h != "" {
		return h
	}
	return e.Source
}

// componentOfTemplate: the program a log line came from ("shop[<*>]: ..."
// is shop), else the pod or service its file is named after (a
// container's log, one file per pod), else the source.
func componentOfTemplate(p *sources.LogPattern) string {
	if m := programName.FindStringSubmatch(p.Template); m != nil && !accessRoute.MatchString(p.Template) {
		return m[1]
	}
	if c := workloadOfPath(p.File); c != "" {
		return c
	}
	if len(p.Examples) > 0 {
		if c := workloadOfPath(p.Examples[0].File); c != "" {
			return c
		}
	}
	return p.Source
}

// scheduledUnit reports whether a systemd unit's start/stop lines recur
// like a timer's: on at least three days at about the same time of day,
// or dozens of times a week. A unit started on a schedule is a scheduled
// job (logrotate, man-db, apt-daily), not a restart by a person.
func (a *analysis) scheduledUnit(ts []time.Time) bool {
	if len(ts) >= 20 {
		return true
	}
	if len(ts) < 3 {
		return false
	}
	// Count days with a run within 15 minutes of the last run's time of day.
	last := a.cal.Local(ts[len(ts)-1])
	tod := last.Hour()*60 + last.Minute()
	days := map[string]bool{}
	for _, t := range ts {
		lt := a.cal.Local(t)
		d := lt.Hour()*60 + lt.Minute() - tod
		if d < 0 {
			d = -d
		}
		if d <= 15 || d >= 1440-15 {
			days[lt.Format(time.DateOnly)] = true
		}
	}
	return len(days) >= 3
}

// foldEffects folds into each crash what it set off (systemd's echo of
// the failure, the restart that followed, the unit's Started line) and
// into each change the unit echoes that follow it on the same component:
// the mechanism becomes evidence instead of a rival.
func (a *analysis) foldEffects(s *Symptom, cands []*candidate, echoes []*candidate) []*candidate {
	for _, e := range echoes {
		var best *candidate
		for _, c := range cands {
			if c.s.Kind != SuspectEvent && c.s.Kind != SuspectNewPattern && c.s.Kind != SuspectLogBurst {
				continue
			}
			if c.s.Cause != CauseCrash && c.s.Cause != CauseChange {
				continue
			}
			d := e.s.Start.Sub(c.s.Start)
			if d < -a.tolerance() || d > 10*time.Minute {
				continue
			}
			if best == nil || c.s.Cause == CauseCrash && best.s.Cause != CauseCrash {
				best = c
			}
		}
		if best != nil {
			best.s.Evidence = append(best.s.Evidence, Evidence{Text: "then " + strings.TrimPrefix(e.s.Title, "restart: "), Ref: firstRef(e.s.Evidence)})
		}
	}
	return cands
}

func firstRef(ev []Evidence) string {
	if len(ev) == 0 {
		return ""
	}
	return ev[0].Ref
}

// exhaustionCandidates: series whose danger is a fall (free disk,
// available memory, idle connections) that ran down towards zero before
// or during the symptom. A resource that takes an hour to run out is
// still the cause of what happens when it does: the candidate's time is
// when it ran out, so the Lag does not count against it, and the reason
// gives when the fall began and the time to exhaustion it showed.
func (a *analysis) exhaustionCandidates(s *Symptom) []*candidate {
	var out []*candidate
	look := max(4*time.Hour, 4*a.o.Lag)
	for _, sg := range a.signals {
		// The source may say so (sources.LabelExhaustion), else the name.
		falling := sg.series != nil && sg.series.Labels[sources.LabelExhaustion] == "falling"
		if sg.probe != nil || !falling && !fallDanger(sg) {
			continue
		}
		base := sg.st.median
		if math.IsNaN(base) || base <= 0 {
			continue
		}
		i, j := sg.g.clampRange(s.Start.Add(-look), s.End)
		lo, loAt := math.Inf(1), -1
		for k := i; k < j; k++ {
			if v := sg.g.at(k); !math.IsNaN(v) && v < lo {
				lo, loAt = v, k
			}
		}
		// Ran out: down to a tenth of what is usually left, and well
		// outside the usual range.
		if loAt < 0 || lo > 0.1*base || sg.st.z(lo) > -a.o.Threshold {
			continue
		}
		// When it ran out: the first cell within 2% of the usual level of
		// the minimum; when the fall began: walking back from there while
		// values keep rising towards the usual level.
		out0 := loAt
		for k := loAt; k >= i; k-- {
			if v := sg.g.at(k); !math.IsNaN(v) && v <= lo+0.02*base {
				out0 = k
			}
			if v := sg.g.at(k); !math.IsNaN(v) && v > lo+0.5*base {
				break
			}
		}
		ranOut := sg.g.time(out0)
		if ranOut.Before(s.Start.Add(-a.o.Lag)) || ranOut.After(s.End) {
			continue
		}
		began := out0
		for k := out0 - 1; k >= max(0, i-int(look/a.o.Step)); k-- {
			v := sg.g.at(k)
			if math.IsNaN(v) {
				continue
			}
			if sg.st.z(v) > -a.o.Threshold/2 {
				break
			}
			began = k
		}
		from := sg.g.time(began)
		// Time to exhaustion, as a linear fit over the fall would have
		// told an hour before: (value at the start) / (rate of fall).
		startV := sg.g.at(began)
		fall := out0 - began
		ttx := ""
		if fall > 1 && !math.IsNaN(startV) && startV > lo {
			rate := (startV - lo) / float64(fall) // per cell
			ttx = fmt.Sprintf("; falling %s a minute, it had about %s left when the fall began",
				fmtVal(rate*float64(time.Minute/a.o.Step), sg.unit), fmtDur(time.Duration(startV/rate)*a.o.Step))
		}
		c := &candidate{
			s: Suspect{Kind: SuspectExhaustion, Title: sg.subject + " ran out", Source: sg.source,
				Start: ranOut, End: sg.g.time(min(loAt+1, sg.g.n))},
			subject:   sg.subject,
			component: componentOfSeries(sg),
			began:     from,
			z:         math.Abs(sg.st.z(lo)),
			total:     1,
			strength:  math.Min(1, 0.8+0.2*(1-lo/base)),
		}
		c.why = fmt.Sprintf("it fell from %s (usual %s) from %s to %s at %s%s", fmtVal(startV, sg.unit),
			fmtVal(base, sg.unit), a.local(from), fmtVal(lo, sg.unit), a.local(ranOut), ttx)
		c.s.Evidence = []Evidence{{Text: sg.subject + ": " + c.why, Query: sg.query}}
		c.sig = sg
		sig := sg
		lvl := lo + 0.1*base
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

// fallWords are the words with which exporters name what is left of a
// resource (free disk, available memory, idle connections, remaining
// quota, spare capacity): a series so named is in danger when it falls.
var fallWords = map[string]bool{
	"avail": true, "available": true, "free": true, "freeable": true, "idle": true,
	"remaining": true, "left": true, "headroom": true, "spare": true,
}

// fallDanger reports whether a series' name says that its fall is the
// danger. Whole words only, as exporters write them: the name is split
// on _ . - : and spaces and at camelCase humps (MemAvailable, FreeStorageSpace),
// and a label counts only when its whole value is such a word
// (mode="idle", state="free"). A substring is not enough: "availability"
// (a probe's uptime share), a route like /api/leftnav or a user agent
// that contains "free" are no resource running out, and a falling one is
// a symptom or nothing at all. The exact way is the source's
// exhaustion=falling label; this is the fallback for exporters that have
// no such label.
func fallDanger(sg *signal) bool {
	name, labels := sg.subject, map[string]string(nil)
	if sg.series != nil {
		name, labels = sg.series.Name, sg.series.Labels
	} else if i := strings.IndexByte(name, '{'); i >= 0 {
		// A subject "name{k=v,...}" without its series (not expected,
		// but cheap to handle the same way).
		labels = map[string]string{}
		for _, kv := range strings.Split(strings.TrimSuffix(name[i+1:], "}"), ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				labels[k] = strings.Trim(v, `"`)
			}
		}
		name = name[:i]
	}
	for _, w := range nameWords(name) {
		if fallWords[w] {
			return true
		}
	}
	for k, v := range labels {
		if k != sources.LabelExhaustion && fallWords[strings.ToLower(v)] {
			return true
		}
	}
	return false
}

// nameWords splits a metric name into lower-case words: at _ . - : and
// spaces, and at camelCase humps (an upper-case letter after a lower-case
// one, or the last of a run of capitals before a lower-case letter:
// "CPUCreditBalance" is cpu, credit, balance). A space-separated part
// with a / in it is a route or a path ("nginx GET /free-shipping 2xx"),
// what was asked for rather than what the series measures: it gives no
// words.
func nameWords(name string) []string {
	var out []string
	isUpper := func(r rune) bool { return r >= 'A' && r <= 'Z' }
	isLower := func(r rune) bool { return r >= 'a' && r <= 'z' }
	for _, field := range strings.Fields(name) {
		if strings.ContainsRune(field, '/') {
			continue
		}
		rs := []rune(field)
		start := 0
		flush := func(end int) {
			if end > start {
				out = append(out, strings.ToLower(string(rs[start:end])))
			}
		}
		for i, r := range rs {
			switch {
			case r == '_' || r == '.' || r == '-' || r == ':':
				flush(i)
				start = i + 1
			case i > start && isUpper(r) && (isLower(rs[i-1]) || i+1 < len(rs) && isLower(rs[i+1]) && isUpper(rs[i-1])):
				flush(i)
				start = i
			}
		}
		flush(len(rs))
	}
	return out
}

func componentOfSeries(sg *signal) string {
	if sg.series != nil {
		if c := componentOfLabels(sg.series.Labels); c != "" {
			return c
		}
	}
	return sg.source
}

// explainsShare regresses effect on driver over the baseline (least
// squares, y = a + b x, as CIRCA's regression-based hypothesis test
// does) and returns the share of the effect's rise over its baseline
// median in [i, j) that the driver's values predict; 0 when the fit has
// no positive slope or too few points.
func explainsShare(driver, effect *signal, base [2]int, i, j int) float64 {
	x, y := driver.g, effect.g
	var n, sx, sy, sxx, sxy float64
	stride := max(1, (base[1]-base[0])/4000) // enough points for a slope
	for k := base[0]; k < base[1]; k += stride {
		xk, yk := x.at(k), y.at(k)
		if math.IsNaN(xk) || math.IsNaN(yk) {
			continue
		}
		n++
		sx, sy, sxx, sxy = sx+xk, sy+yk, sxx+xk*xk, sxy+xk*yk
	}
	if n < 30 {
		return 0
	}
	vx := sxx - sx*sx/n
	if vx <= 0 {
		return 0
	}
	b := (sxy - sx*sy/n) / vx
	if b == 0 {
		return 0
	}
	a0 := sy/n - b*sx/n
	var rise, pred float64
	for k := i; k < j; k++ {
		xk, yk := x.at(k), y.at(k)
		if math.IsNaN(xk) || math.IsNaN(yk) {
			continue
		}
		rise += yk - effect.st.median
		pred += a0 + b*xk - effect.st.median
	}
	// A fall (idle CPU running out as requests rise) is explained the
	// same way, with the signs turned: the slope is then negative.
	if b < 0 {
		rise, pred = -rise, -pred
	}
	if rise <= 0 {
		return 0
	}
	return math.Max(0, math.Min(1, pred/rise))
}

// foldDriven folds effects into their drivers, so that what a driver
// explains is listed under it and not as its rival:
//
//   - series that a traffic series explains: the effect is regressed on
//     the driver over the baseline (explainsShare) and folded when the
//     driver predicts at least half of its rise. CPU, load, connections
//     and bytes follow requests; a CPU hog's CPU does not, and stays.
//   - saturation series and resources running out whose rise or fall
//     begins with a rare job or change (at most twice a day on average:
//     a job every five minutes explains nothing).
func (a *analysis) foldDriven(s *Symptom, cands []*candidate) []*candidate {
	folded := map[*candidate]bool{}
	var drivers []*candidate
	for _, c := range cands {
		if c.s.Kind == SuspectAnomaly && c.s.Cause == CauseTraffic && c.sig != nil {
			drivers = append(drivers, c)
		}
	}
	// Counts of requests before bytes: bytes are requests times their
	// size, so requests drive bytes and not the other way round (and they
	// can be broken down by route and client, the more useful answer);
	// then the earliest, then the stronger.
	slices.SortStableFunc(drivers, func(x, y *candidate) int {
		return cmp.Or(cmp.Compare(unitRank(x.sig.unit), unitRank(y.sig.unit)), x.s.Start.Compare(y.s.Start),
			cmp.Compare(y.strength, x.strength))
	})
	isDriver := map[*candidate]bool{}
	for _, d := range drivers {
		if folded[d] {
			continue
		}
		isDriver[d] = true // a driver is never folded into a later one
		for _, e := range cands {
			if e == d || folded[e] || isDriver[e] || e.sig == nil || (e.s.Kind != SuspectAnomaly && e.s.Kind != SuspectExhaustion) {
				continue
			}
			st := e.s.Start
			if e.s.Kind == SuspectExhaustion {
				st = e.began
			}
			if st.Before(d.s.Start.Add(-a.tolerance())) {
				continue // began before its would-be driver
			}
			i, j := e.sig.g.clampRange(st, later(e.s.End, st.Add(a.o.Step)))
			sh := explainsShare(d.sig, e.sig, a.base, i, j)
			// Folded when the baseline relation predicts most of the
			// move, or a good part of it and the two move together
			// (a queue's length grows faster than its arrivals).
			//
			// Or when the two move together closely from the driver's
			// start on (|r| >= 0.85, in the direction of the move), however
			// little the baseline predicts: a linear fit over ordinary
			// days cannot predict the superlinear part of an effect far
			// outside them (open connections are arrivals times response
			// time, Little's law, and response time grows as 1/(1-u) as
			// the CPU fills), nor a costlier kind of request (a login's
			// password hashing), and it is then the effect that looks the
			// stronger, cleaner signal (issue 13, gap 3).
			r := 0.0
			if sh < 0.5 {
				x, y := e.sig.g.clampRange(st.Add(-a.o.Lag), later(e.s.End, st.Add(a.o.Step)))
				// A fall driven by a rise (idle CPU as requests grow)
				// correlates negatively: what counts is that the sign
				// matches the two moves' directions.
				r = pearson(e.sig.g, d.sig.g, x, y, 0) * moveSign(d.sig, d.s.Start, d.s.End) * moveSign(e.sig, st, e.s.End)
			}
			if sh >= 0.5 || sh >= 0.2 && r >= 0.7 || r >= 0.85 {
				folded[e] = true
				text := fmt.Sprintf("%s with it: %.0f%% of its rise is what the baseline's relation to %s predicts", e.s.Title, 100*sh, d.subject)
				if sh < 0.2 {
					text = fmt.Sprintf("%s with it, moving with %s (correlation %.2f), further than their relation on ordinary days predicts", e.s.Title, d.subject, r)
				}
				d.s.Evidence = append(d.s.Evidence, Evidence{Text: text, Query: e.sig.query})
				d.strength = math.Max(d.strength, e.strength)
			}
		}
	}
	for _, ev := range cands {
		if folded[ev] || ev.s.Kind != SuspectEvent || (ev.s.Cause != CauseScheduled && ev.s.Cause != CauseChange) ||
			!a.rareEvent(ev.total) {
			continue
		}
		for _, e := range cands {
			if folded[e] || e == ev {
				continue
			}
			st := e.s.Start
			switch {
			case e.s.Kind == SuspectExhaustion:
				st = e.began
			case e.s.Kind == SuspectAnomaly && (e.s.Cause == CauseExhaustion || e.s.Cause == CauseOther):
			default:
				continue
			}
			if st.Before(ev.s.Start.Add(-a.tolerance())) || st.After(ev.s.Start.Add(15*time.Minute)) {
				continue
			}
			// A series on another host is the event's doing only when it
			// also moves with the symptom: a queue on a third host that
			// spikes by chance in the same minutes is not.
			if e.s.Kind == SuspectAnomaly && ev.host != "" && e.component != ev.host && e.corr < 0.5 {
				continue
			}
			folded[e] = true
			ev.s.Evidence = append(ev.s.Evidence, Evidence{Text: e.s.Title + " after it: " + e.why, Query: firstQuery(e.s.Evidence)})
			ev.strength = math.Max(ev.strength, e.strength)
		}
	}
	out := cands[:0]
	for _, c := range cands {
		if !folded[c] {
			out = append(out, c)
		}
	}
	return out
}

// moveSign is +1 when sg is above its usual level over [from, to) on
// the whole, -1 when below.
func moveSign(sg *signal, from, to time.Time) float64 {
	i, j := sg.g.clampRange(from, later(to, from.Add(sg.g.step)))
	sum := 0.0
	for k := i; k < j; k++ {
		if v := sg.g.at(k); !math.IsNaN(v) {
			sum += v - sg.st.median
		}
	}
	if sum < 0 {
		return -1
	}
	return 1
}

func unitRank(u string) int {
	if strings.HasPrefix(u, "B") {
		return 1
	}
	return 0
}

func firstQuery(ev []Evidence) string {
	if len(ev) == 0 {
		return ""
	}
	return ev[0].Query
}

// sightingSlack: a failed check on an earlier day counts as the same
// trigger only this close to the time of day (jobs drift by minutes; a
// wider net catches the random lost packet).
const sightingSlack = 10 * time.Minute

// sightings are the earlier days (1 = yesterday) on which the symptom's
// probe or series showed a comparable episode around the same time of
// day, or, for a short outage, a lesser one: a PENDING check, a slow
// stretch of at least a few minutes. That is the trigger recurring even
// when the outcome is new. One day alone is not a pattern (a chance
// blip); at least two are needed.
func (a *analysis) sightings(s *Symptom) []int {
	var out []int
	dur := s.End.Sub(s.Start)
	for d := 1; d <= s.Recurrence.DaysChecked; d++ {
		from := a.cal.Local(s.Start).AddDate(0, 0, -d)
		to := a.cal.Local(s.End).AddDate(0, 0, -d)
		if a.sighted(s, from, to, dur) {
			out = append(out, d)
		}
	}
	if len(out) < 2 {
		return nil
	}
	return out
}

func (a *analysis) sighted(s *Symptom, from, to time.Time, dur time.Duration) bool {
	var p *sources.Probe
	for i := range a.ds.Probes {
		if a.ds.Probes[i].Name == s.Subject && a.ds.Probes[i].Source == s.Source {
			p = &a.ds.Probes[i]
		}
	}
	cells := max(2, int(0.3*float64(dur)/float64(a.o.Step)))
	if p != nil {
		if s.Kind == Outage {
			for _, o := range outages(p, from.Add(-recurrenceSlack), to.Add(recurrenceSlack)) {
				if o.downtime(sources.Window{From: o.start, To: o.end}) >= dur*3/10 {
					return true
				}
			}
			if dur <= 10*time.Minute {
				for _, b := range p.Beats {
					if failing(b.Status) && !b.T.Before(from.Add(-sightingSlack)) && b.T.Before(to.Add(sightingSlack)) {
						return true
					}
				}
			}
			// A slow stretch of the same probe: the trigger, a milder outcome.
			cells = 3
		}
	}
	sig := a.signal(s.Source, s.Subject)
	if sig == nil {
		return false
	}
	i, j := sig.g.clampRange(from.Add(-recurrenceSlack), to.Add(recurrenceSlack))
	n := 0
	for _, iv := range sig.ivs {
		lo, hi := max(iv.a, i), min(iv.b, j)
		if hi <= lo {
			continue
		}
		// Comparable in size: at least a third of today's excess.
		if s.Kind != Outage && sig.g.at(iv.peak)-s.BaselineValue < 0.3*(s.PeakValue-s.BaselineValue) {
			continue
		}
		n += hi - lo
	}
	return n >= cells
}

func later(x, y time.Time) time.Time {
	if x.After(y) {
		return x
	}
	return y
}

// reloadCandidates: log lines that say a service reloaded its
// configuration, in [from, to). A reload is a change a person or a tool
// made, as much as a deploy, but no log source makes it an event (a
// reload keeps serving, so it is no restart) and a single line is never
// a burst. One candidate per unit (Reloading and Reloaded are one
// change).
func (a *analysis) reloadCandidates(from, to time.Time) []*candidate {
	byUnit := map[string]*candidate{}
	var out []*candidate
	for i := range a.ds.Patterns {
		p := &a.ds.Patterns[i]
		if !reloadWords.MatchString(p.Template) || accessRoute.MatchString(p.Template) {
			continue
		}
		var first time.Time
		total := 0
		var ts []time.Time
		for _, b := range p.Counts {
			if b.N == 0 {
				continue
			}
			total++
			ts = append(ts, b.T)
			if !b.T.Before(from) && b.T.Before(to) && first.IsZero() {
				first = b.T
			}
		}
		if first.IsZero() {
			continue
		}
		unit := componentOfTemplate(p)
		if u := unitName.FindStringSubmatch(p.Template); u != nil {
			unit = u[1]
		}
		if c := byUnit[unit]; c != nil {
			if first.Before(c.s.Start) {
				c.s.Start = first
			}
			continue
		}
		c := &candidate{
			s: Suspect{Kind: SuspectEvent, Title: "config reload: " + p.Template, Source: p.Source, Start: first,
				Evidence: []Evidence{{Text: "reloaded at " + a.cal.Local(first).Format("15:04:05"), Query: p.File,
					Lines: examples(p, first, to)}}},
			total:     total,
			strength:  eventPrior[sources.KindDeploy] * 0.9,
			why:       "a configuration reload (a change)",
			template:  p.Template,
			component: unit,
		}
		times := ts
		c.present = func(f, t time.Time) bool {
			for _, x := range times {
				if !x.Before(f) && x.Before(t) {
					return true
				}
			}
			return false
		}
		byUnit[unit] = c
		out = append(out, c)
	}
	return out
}

// serverQuiet reports whether server-side series of errors and latency
// were watched over the symptom and none of them moved: then whatever the
// probe saw, the servers did not (the network path, the monitor itself).
// With no such series at all, nothing can be said (false).
func (a *analysis) serverQuiet(s *Symptom) bool {
	watched := false
	for _, sg := range a.signals {
		if sg.probe != nil || (sg.role != sources.Errors && sg.role != sources.Latency) {
			continue
		}
		i, j := sg.g.clampRange(s.Start, s.End)
		seen := false
		for k := i; k < j; k++ {
			if !math.IsNaN(sg.g.at(k)) {
				seen = true
				break
			}
		}
		if !seen {
			continue
		}
		watched = true
		if sg.movedIn(s.Start.Add(-a.tolerance()), s.End, a.o.Threshold) {
			return false
		}
	}
	return watched
}

// movedIn reports whether sg was abnormal in [from, to) by its own values
// there: a cell inside one of its abnormal intervals and itself outside
// the usual range. Overlapping an interval is not enough: a level shift
// found by CUSUM can span hours (a night's sparse requests, then the
// backup) while the values in the minutes that matter were ordinary.
func (sg *signal) movedIn(from, to time.Time, threshold float64) bool {
	i, j := sg.g.clampRange(from, to)
	for _, iv := range sg.ivs {
		for k := max(iv.a, i); k < min(iv.b, j); k++ {
			if v := sg.g.at(k); !math.IsNaN(v) && math.Abs(sg.st.z(v)) >= threshold {
				return true
			}
		}
	}
	return false
}

// nothingCandidate stands for "nothing in the data": the probe saw a
// failure or a slowdown that no server-side series of errors or latency
// shows. It is a real answer (the path between the monitor and the site,
// or the monitor itself), ranked with the others: strong when the
// servers were watched and quiet, and it takes in what the probe said
// about timeouts and resets (a path's words, not a server's).
func (a *analysis) nothingCandidate(s *Symptom, cands []*candidate) []*candidate {
	if s.Target == "" || !a.serverQuiet(s) {
		return cands
	}
	c := &candidate{
		s: Suspect{Kind: SuspectNothing, Cause: CauseNothing, Title: "nothing in the data: only the probe saw it (network path or the monitor)",
			Source: s.Source, Start: s.Start, Component: hostOf(s.Target)},
		total:    1,
		strength: 0.9,
		why:      "no server-side error or latency series moved while the check failed or slowed",
		present:  func(time.Time, time.Time) bool { return false },
	}
	out := cands[:0]
	for _, x := range cands {
		if x.s.Kind == SuspectProbeError && pathError.MatchString(x.why) {
			c.s.Evidence = append(c.s.Evidence, x.s.Evidence...)
			continue
		}
		out = append(out, x)
	}
	c.s.Evidence = append([]Evidence{{Text: c.why}}, c.s.Evidence...)
	return append(out, c)
}

// pathError: what a client says when the path failed, not the server:
// timeouts, resets, unreachable hosts.
var pathError = regexp.MustCompile(`(?i)timeout|timed out|ETIMEDOUT|ECONNRESET|socket hang up|connection reset|EHOSTUNREACH|ENETUNREACH`)

// rollup groups ranked suspects by component (those naming none are left
// out), best first.
func rollup(ss []Suspect) []ComponentScore {
	idx := map[string]int{}
	var out []ComponentScore
	for _, sp := range ss {
		if sp.Component == "" {
			continue
		}
		i, ok := idx[sp.Component]
		if !ok {
			i = len(out)
			idx[sp.Component] = i
			out = append(out, ComponentScore{Component: sp.Component})
		}
		c := &out[i]
		c.Score = math.Max(c.Score, sp.Score)
		c.Suspects++
		if sp.Cause != "" && !slices.Contains(c.Causes, sp.Cause) {
			c.Causes = append(c.Causes, sp.Cause)
		}
	}
	// Ties keep the suspects' order (out is built from the ranked list):
	// the first component is always the first suspect's.
	slices.SortStableFunc(out, func(x, y ComponentScore) int {
		return cmp.Compare(y.Score, x.Score)
	})
	return out
}
