package logs

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/drain"
)

// aggregator turns the parsed lines of one file set into series, events
// and patterns.
type aggregator struct {
	s    *Source
	set  *fileSet
	w    sources.Window
	step int64 // ns
	base int64 // unix ns of bucket 0: From floored to the step, in UTC
	nb   int
	// The step of the line before: [bLo, bHi) in unix ns, index bLast.
	bLo, bHi int64
	bLast    int
	rng      *rand.Rand // for the patterns' samples

	inWindow int
	mined    int // lines not of an access log: their stamps may carry no zone
	// accessFormat is the format of the first access-log line counted
	// (see series).
	accessFormat string
	skipped      int             // files skipped whole, outside the window
	years        yearGuess       // year-less stamps read (yearNote)
	zoneless     int             // lines read in the source's zone, no zone in their stamp
	yearFiles    map[string]bool // the files that had them

	droppedEvents int         // past MaxEvents
	held          []heldEvent // the events, till emit
	// parts are aggregators of chunks of one file read on other cores,
	// merged in: their patterns are joined with ours at emit.
	parts      []*aggregator
	minT, maxT time.Time

	acc        *accessSteps        // access-log tallies; nil till a line
	flows      *flowCounts         // VPC flow records (vpcflow.go)
	routeTmpl  map[string]*route   // route template -> route
	overflow   *route              // for requests past maxRouteTmpl templates
	strs       map[string]progName // interned program names
	progCache  [64]progName        // recent program names, see intern
	progs      uint64              // program names interned
	evCache    map[string]*cachedEvent
	evKey      []byte
	evLast     *cachedEvent    // evKey's, nil if not cached
	backupCmds map[string]bool // cron command -> is a backup

	patterns map[patternKey]*pattern
	mc       *minedCaches // made at the first mined line
	other    *pattern
	miner    *drain.Miner
	gaps     []sources.Gap
}

// patternKey is a pattern's identity while reading: access-log templates
// are fixed strings, mined ones a program and a cluster whose template
// may still widen.
type patternKey struct {
	route   *route
	class   int8 // status / 100
	program string
	cluster *drain.Cluster
	variant drain.Variant
}

// patSlot is a direct-mapped cache entry of a mined line's pattern.
type patSlot struct {
	cluster *drain.Cluster
	variant drain.Variant
	program string
	p       *pattern
}

// route is an access-log template without its status class:
// "GET /api/items/<*>".
type route struct {
	tmpl string
	pats [10]*pattern // by status class: saves hashing a patternKey per line
}

type pattern struct {
	key             patternKey
	template, level string
	counts          stepCounts
	lastB, lastN    int // a run of lines in one bucket, not yet in counts
	seq             int // order of creation in its aggregator
	first           time.Time
	examples        []sources.LogLine
	// peak holds up to three lines of the busiest step so far, peakB, from
	// the line that made it the busiest (peakN lines then) on: a burst's
	// examples come from inside the burst, not from the pattern's first
	// lines weeks before.
	peak         []sources.LogLine
	peakB, peakN int
	// vals counts the values of the lines counted in the busiest step,
	// by kind (see peakValues): a few, the most frequent kept
	// (Misra-Gries).
	vals    [nKinds][]valCount
	valsN   int // lines looked at for vals
	peakLen int // lines counted in peakB since it became the busiest
	// sample is a reservoir of the pattern's lines (see
	// aggregator.sample): seen lines so far, the next one to keep, Algorithm
	// L's weight; named: a sampled line named a value.
	sample     []lineSample
	seen, next int
	wl         float64
	named      bool
}

type valCount struct {
	v string
	n int
}

// stepCounts are a pattern's lines per step. Lines come mostly in time
// order, so a pattern's steps come in order too: a step after the last
// one is appended to runs, a step before it (a line out of order) is added
// in late. Each holds a step at most once: memory stays bounded by the
// window's steps, and the common case writes no map.
type stepCounts struct {
	runs []stepCount // steps in increasing order
	late map[int]int // steps that came after a later one
}

type stepCount struct{ b, n int }

func (c *stepCounts) add(b, n int) {
	k := len(c.runs)
	switch {
	case k == 0 || c.runs[k-1].b < b:
		c.runs = append(c.runs, stepCount{b, n})
	case c.runs[k-1].b == b:
		c.runs[k-1].n += n
	default:
		if c.late == nil {
			c.late = map[int]int{}
		}
		c.late[b] += n
	}
}

// merge adds o's counts.
func (c *stepCounts) merge(o *stepCounts) {
	for _, r := range o.runs {
		c.add(r.b, r.n)
	}
	for b, n := range o.late {
		c.add(b, n)
	}
}

// sorted returns the counts in step order, one per step.
func (c *stepCounts) sorted() []stepCount {
	if len(c.late) == 0 {
		return c.runs
	}
	late := make([]stepCount, 0, len(c.late))
	for b, n := range c.late {
		late = append(late, stepCount{b, n})
	}
	slices.SortFunc(late, func(x, y stepCount) int { return cmp.Compare(x.b, y.b) })
	out := make([]stepCount, 0, len(c.runs)+len(late))
	runs := c.runs
	for len(runs) > 0 || len(late) > 0 {
		switch {
		case len(late) == 0 || len(runs) > 0 && runs[0].b < late[0].b:
			out, runs = append(out, runs[0]), runs[1:]
		case len(runs) == 0 || late[0].b < runs[0].b:
			out, late = append(out, late[0]), late[1:]
		default:
			out = append(out, stepCount{runs[0].b, runs[0].n + late[0].n})
			runs, late = runs[1:], late[1:]
		}
	}
	return out
}

func newAggregator(s *Source, set *fileSet, w sources.Window, step time.Duration) *aggregator {
	st := int64(step)
	base := floorDiv(w.From.UnixNano(), st) * st
	nb := int((w.To.UnixNano() - base + st - 1) / st)
	return &aggregator{
		s: s, set: set, w: w, step: st, base: base, nb: nb,
		patterns: map[patternKey]*pattern{},
		miner:    drain.New(drain.Config{MaxClusters: MaxTemplates}),
	}
}

// accessSteps are an access log's tallies per step, kept from the first
// step a line fell in (lo) to the last: memory follows the lines, not the
// window (a 304-day window over a day of lines kept 304 days of zeros,
// four arrays per file set and per chunk read on another core).
type accessSteps struct {
	stepRange
	reqs, errs []int
	lbErrs     []int       // load balancers' own 5xx (Record.LBError); nil till one
	times      []latencies // request times
}

// stepRange places a set's per-step tallies in the window: they hold
// steps from lo on, of the window's nb. The tallies themselves (and so
// their length) are the holder's: accessSteps, flowCounts.
type stepRange struct {
	nb int // the window's steps
	lo int // the step of index 0
}

// index is step b's index in tallies of length n; ok is false when they
// do not hold it yet.
func (r *stepRange) index(b, n int) (i int, ok bool) {
	i = b - r.lo
	return i, i >= 0 && i < n
}

// widen moves lo for tallies of length n to take steps [lo, hi): it
// returns the old lo and the steps [nlo, nhi) the tallies must be
// rebased to (rebase) to hold both.
func (r *stepRange) widen(lo, hi, n int) (old, nlo, nhi int) {
	if n == 0 {
		r.lo = lo
	}
	old, nlo, nhi = r.lo, min(lo, r.lo), max(hi, r.lo+n)
	r.lo = nlo
	return old, nlo, nhi
}

// at returns the index of step b, growing the tallies to hold it. Lines
// come mostly in time order, so growth is mostly an append.
func (t *accessSteps) at(b int) int {
	if i, ok := t.index(b, len(t.reqs)); ok {
		return i
	}
	t.span(b, b+1)
	return b - t.lo
}

// span grows the tallies to hold steps [lo, hi).
func (t *accessSteps) span(lo, hi int) {
	old, lo, hi := t.widen(lo, hi, len(t.reqs))
	t.reqs = rebase(t.reqs, old, lo, hi, t.nb)
	t.errs = rebase(t.errs, old, lo, hi, t.nb)
	t.times = rebase(t.times, old, lo, hi, t.nb)
	if t.lbErrs != nil {
		t.lbErrs = rebase(t.lbErrs, old, lo, hi, t.nb)
	}
}

// lbErr counts a load balancer's own 5xx at index i.
func (t *accessSteps) lbErr(i int) {
	if t.lbErrs == nil {
		t.lbErrs = make([]int, len(t.reqs))
	}
	t.lbErrs[i]++
}

// rebase returns xs, which holds steps from lo, holding steps [nlo, nhi)
// (a superset), zeros where it held none; nb bounds the steps. Growth at
// the end doubles the capacity, up to the window's end: append's 1.25
// for large slices allocated five times the final tallies.
func rebase[T any](xs []T, lo, nlo, nhi, nb int) []T {
	if front := lo - nlo; front > 0 {
		xs = slices.Insert(xs, 0, make([]T, front)...)
	}
	if back := nhi - nlo - len(xs); back > 0 {
		if cap(xs)-len(xs) < back {
			xs = slices.Grow(xs, max(back, min(len(xs), nb-nlo-len(xs))))
		}
		xs = append(xs, make([]T, back)...)
	}
	return xs
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func (a *aggregator) bucket(t time.Time) int {
	ns := t.UnixNano()
	if ns >= a.bLo && ns < a.bHi {
		return a.bLast // lines come in order: no division
	}
	i := min(max(int((ns-a.base)/a.step), 0), a.nb-1)
	a.bLast, a.bLo, a.bHi = i, a.base+int64(i)*a.step, a.base+int64(i+1)*a.step
	if i == 0 {
		a.bLo = math.MinInt64 // bucket clamps
	}
	if i == a.nb-1 {
		a.bHi = math.MaxInt64
	}
	return i
}

// guessed records that the file at path had g's year-less stamps.
func (a *aggregator) guessed(path string, g yearGuess) {
	if g.n == 0 {
		return
	}
	a.years.merge(g)
	a.guessedIn(path)
}

func (a *aggregator) guessedIn(path string) {
	if a.yearFiles == nil {
		a.yearFiles = map[string]bool{}
	}
	a.yearFiles[path] = true
}

// yearNote says, for Dataset.Notes, what year the set's year-less stamps
// (RFC 3164 syslog, "Nov 20 03:00:01") were given and from what: a log
// from another year than the window's is read as this year's unless the
// file's last write says otherwise, so the reader must be able to see the
// assumption.
func (a *aggregator) yearNote() string {
	if a.years.n == 0 {
		return ""
	}
	years := fmt.Sprint(a.years.lo)
	if a.years.hi != a.years.lo {
		years = fmt.Sprintf("%d–%d", a.years.lo, a.years.hi)
	}
	files := ""
	if n := len(a.yearFiles); n > 1 {
		files = fmt.Sprintf(" (in %d files)", n)
	}
	return fmt.Sprintf("%s: lines stamped without a year%s were read as %s, from the window's end (%s) and the files' last write; if they are from another year, ask about that year's dates",
		a.set.name, files, years, a.w.To.In(a.s.reportLoc).Format("2006-01-02"))
}

func (a *aggregator) gap(path, reason string) {
	a.gaps = append(a.gaps, sources.Gap{Source: a.s.c.Name, What: path, Reason: reason})
}

// cover notes the time of a line, in the window or not, so that a Gap can
// say what the files cover.
func (a *aggregator) cover(t time.Time) {
	if a.minT.IsZero() || t.Before(a.minT) {
		a.minT = t
	}
	if t.After(a.maxT) {
		a.maxT = t
	}
}

// add takes one parsed line inside the window, but for access-log lines
// (with a status), which take accessAdder.add (access.go).
func (a *aggregator) add(format string, r *Record, path string, n int, line []byte) {
	if format == FormatVPCFlow && a.flow(r) {
		return
	}
	a.inWindow++
	a.mined++
	b := a.bucket(r.T)
	msg := r.message()
	prog, progID := r.Program, uint64(0)
	if r.prog != nil {
		prog, progID = a.intern(r.prog)
	}
	sh := drain.Shape(msg)
	mc := a.caches()
	// A line of a program and shape seen before, whose shape alone
	// gives its template: its pattern and event test come from
	// the caches, and the miner's count is kept here. (Not with a custom
	// deploy pattern: it may look at digits.)
	var ls *lineSlot
	if (r.prog != nil || prog == "") && a.s.c.DeployPattern == "" {
		ls = &mc.lines[(sh^progID)%uint64(len(mc.lines))]
		if ls.p != nil && ls.k == sh^progID {
			if ls.ev {
				a.takeEvent(r, prog, msg, path, n)
			}
			ls.c.Count++
			a.count(ls.p, b, r.T, path, n, line, nil)
			return
		}
	}
	ev := a.maybeEventShape(prog, progID, msg, sh)
	if ev {
		a.takeEvent(r, prog, msg, path, n)
	}
	key := patternKey{program: prog}
	var whole bool
	key.cluster, key.variant, whole = a.miner.AddShapeWhole(msg, sh)
	p := a.minedPattern(key, r.Level)
	if ls != nil && whole && key.cluster.Seq != 0 {
		*ls = lineSlot{sh ^ progID, p, key.cluster, ev}
	}
	a.count(p, b, r.T, path, n, line, nil)
}

// minedCaches are the direct-mapped caches of mined (not access-log)
// lines, made for a set that has some.
type minedCaches struct {
	lines    [4096]lineSlot // by shape and program, before the miner
	patterns [256]patSlot   // patterns seen last, before the map
	events   [4096]uint64   // maybeEvent by program and shape (maybeEventShape)
}

// caches returns the aggregator's caches of mined lines, made at the first
// use: a set of access logs has none.
func (a *aggregator) caches() *minedCaches {
	if a.mc == nil {
		a.mc = new(minedCaches)
	}
	return a.mc
}

// lineSlot is an entry of minedCaches.lines.
type lineSlot struct {
	k  uint64 // shape ^ program number
	p  *pattern
	c  *drain.Cluster
	ev bool // maybeEvent
}

// takeEvent makes an Event of the line if it is one.
func (a *aggregator) takeEvent(r *Record, prog string, msg []byte, path string, n int) {
	if ev := a.lineEvent(r, prog, msg); ev != nil {
		a.addEvent(heldEvent{ev, r.T, path, n})
	}
}

// heldEvent is an event till emit: its Event without time and Ref (shared
// by the lines of a cron run that repeats, see lineEvent), and its time and
// line (see lineRef). The Events are made at emit, their Refs all in one
// string: a held event is a quarter of the size of an Event, and a line
// that repeats costs no copy of one.
type heldEvent struct {
	ev   *sources.Event
	t    time.Time
	path string
	n    int
}

// addEvent keeps ev, or counts it past MaxEvents. The slice doubles when
// full: append grows a long slice by a quarter, so copies it more often.
func (a *aggregator) addEvent(ev heldEvent) {
	if len(a.held) >= MaxEvents {
		a.droppedEvents++
		return
	}
	if len(a.held) == cap(a.held) {
		a.held = slices.Grow(a.held, min(max(2*cap(a.held), 64), MaxEvents)-len(a.held))
	}
	a.held = append(a.held, ev)
}

// events makes the Events of the events held, their Refs as lineRef would
// make them, as slices of one string: one allocation, not one per event.
func (a *aggregator) events() []sources.Event {
	if len(a.held) == 0 {
		return nil
	}
	size := 0
	for _, h := range a.held {
		size += len(h.path) + 21
	}
	buf := make([]byte, 0, size)
	ends := make([]int, len(a.held))
	for i, h := range a.held {
		buf = appendLineRef(buf, h.path, h.n)
		ends[i] = len(buf)
	}
	refs := string(buf)
	evs := make([]sources.Event, len(a.held))
	start := 0
	for i, h := range a.held {
		evs[i] = *h.ev
		evs[i].T = h.t
		evs[i].Ref = refs[start:ends[i]]
		start = ends[i]
	}
	a.held = nil
	return evs
}

// minedPattern finds or makes the pattern of a mined line.
func (a *aggregator) minedPattern(key patternKey, level string) *pattern {
	var p *pattern
	var slot *patSlot
	if key.cluster != nil {
		slot = &a.caches().patterns[(uint64(key.cluster.Seq)*0x9E3779B97F4A7C15^uint64(key.variant)*0xBF58476D1CE4E5B9^uint64(len(key.program)))>>56]
		if slot.p != nil && slot.cluster == key.cluster && slot.variant == key.variant && slot.program == key.program {
			return slot.p
		}
	}
	if p = a.patterns[key]; p != nil {
		if slot != nil {
			*slot = patSlot{key.cluster, key.variant, key.program, p}
		}
		return p
	}
	if len(a.patterns) >= MaxTemplates || key.cluster != nil && key.cluster.Seq == 0 {
		if a.other == nil {
			a.other = &pattern{template: drain.Other}
		}
		return a.other
	}
	p = &pattern{key: key, level: level, seq: a.inWindow}
	a.patterns[key] = p
	return p
}

// count adds a line of step b to its pattern: the run of its step, its
// first time, its examples. req is an access line's record (its request,
// for the burst values), nil for other lines.
func (a *aggregator) count(p *pattern, b int, t time.Time, path string, n int, line []byte, req *Record) {
	if b == p.lastB && p.lastN > 0 {
		p.lastN++
	} else {
		if p.lastN > 0 {
			p.counts.add(p.lastB, p.lastN)
		}
		p.lastB, p.lastN = b, 1
	}
	if p.first.IsZero() || t.Before(p.first) {
		p.first = t
	}
	if len(p.examples) < 3 {
		p.examples = append(p.examples, logLine(path, n, t, line))
	}
	if p.lastN > p.peakN {
		if p.peakB != b || p.peakLen == 0 {
			p.peak, p.peakB = p.peak[:0], b
			for k := range p.vals {
				p.vals[k] = p.vals[k][:0]
			}
			p.valsN, p.peakLen = 0, 0
		}
		p.peakN = p.lastN
		if len(p.peak) < 3 {
			p.peak = append(p.peak, logLine(path, n, t, line))
		}
	}
	if b == p.peakB && p.peakLen < maxPeakLines {
		p.peakLen++
		a.countValues(p, line, req)
	}
	a.sample(p, b, t, path, n, line, req)
}

// maxPeakLines bounds the lines of a busiest step whose addresses are
// counted: enough to name who sent a burst, and a bounded cost per step.
const maxPeakLines = 4096

// firstAddress returns the first IPv4 or IPv6 address in line (a token
// of digits, dots and colons, or hex and colons, that netip reads), or
// nil. Addresses are what a burst's lines most often share (a client, a
// peer, a host), whatever the format.
func firstAddress(line []byte) []byte {
	for i := 0; i < len(line); {
		for i < len(line) && !addrByte(line[i]) {
			i++
		}
		j := i
		for j < len(line) && addrByte(line[j]) {
			j++
		}
		if tok := bytes.TrimRight(line[i:j], ":."); len(tok) >= 7 {
			if _, err := netip.ParseAddr(string(tok)); err == nil {
				return tok
			}
			if k := bytes.LastIndexByte(tok, ':'); k > 0 { // address:port
				if _, err := netip.ParseAddr(string(tok[:k])); err == nil && bytes.Count(tok[:k], []byte(":")) == 0 {
					return tok[:k]
				}
			}
		}
		i = j
	}
	return nil
}

func addrByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == ':' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// lineEvent is event without the time and reference, or nil for a line
// that is no event. Cron lines repeat (the same commands all day): their
// answer is kept by host, program and message, so that event's string
// work runs once per kind of line, and the lines share one Event. It must
// not be changed.
func (a *aggregator) lineEvent(r *Record, prog string, msg []byte) *sources.Event {
	if !isCron(prog) {
		r.materialize()
		r.Program = prog
		if ev, ok := a.event(r, ""); ok {
			return &ev
		}
		return nil
	}
	host := r.host
	if host == nil {
		host = []byte(r.Host)
	}
	// The cron line before is the likeliest: evKey holds its key, compared
	// in place with the key this line would make.
	if k, p, h := a.evKey, len(prog), len(host); a.evLast != nil && len(k) == p+h+len(msg)+2 &&
		string(k[:p]) == prog && k[p] == 0 && string(k[p+1:p+1+h]) == string(host) && k[p+1+h] == 0 &&
		string(k[p+2+h:]) == string(msg) {
		return a.evLast.event()
	}
	a.evKey = append(append(append(append(append(a.evKey[:0], prog...), 0), host...), 0), msg...)
	if e, ok := a.evCache[string(a.evKey)]; ok {
		a.evLast = e
		return e.event()
	}
	r.materialize()
	r.Program = prog
	ev, ok := a.event(r, "")
	if a.evCache == nil || len(a.evCache) >= 4096 {
		a.evCache = map[string]*cachedEvent{}
	}
	a.evLast = nil
	e := &cachedEvent{ev, ok}
	if len(a.evKey) <= 1024 {
		a.evLast = e
		a.evCache[string(a.evKey)] = e
	}
	return e.event()
}

type cachedEvent struct {
	ev sources.Event
	ok bool
}

func (e *cachedEvent) event() *sources.Event {
	if !e.ok {
		return nil
	}
	return &e.ev
}

// isBackup tells a backup among cron commands; the answer is kept per
// command, since the same ones run all day.
func (a *aggregator) isBackup(cmd string) bool {
	if v, ok := a.backupCmds[cmd]; ok {
		return v
	}
	if a.backupCmds == nil || len(a.backupCmds) > 4096 {
		a.backupCmds = map[string]bool{}
	}
	v := a.s.backupRe.MatchString(cmd)
	a.backupCmds[cmd] = v
	return v
}

// isDeploy matches the deploy pattern, except where the word is a user
// name: "Started Session 7 of User deploy." is a login, not a release.
func (a *aggregator) isDeploy(msg string) bool {
	for _, m := range a.s.deployRe.FindAllStringIndex(msg, 4) {
		// A user named deploy is no release: "Invalid user deploy",
		// "user=deploy", "Accepted publickey for deploy from ...".
		before := strings.ToLower(msg[max(m[0]-5, 0):m[0]])
		after := strings.ToLower(msg[m[1]:min(m[1]+6, len(msg))])
		if before != "user " && before != "user=" && (!strings.HasSuffix(before, "for ") || after != " from ") {
			return true
		}
	}
	return false
}

// intern returns a string for b, the same one every time, and a number
// for it: program names repeat on every line. A direct-mapped cache
// answers before the map.
func (a *aggregator) intern(b []byte) (string, uint64) {
	slot := &a.progCache[0]
	if len(b) > 0 {
		slot = &a.progCache[(len(b)*7+int(b[0])*31+int(b[len(b)-1]))%len(a.progCache)]
	}
	if slot.name == string(b) && slot.id != 0 {
		return slot.name, slot.id
	}
	n, ok := a.strs[string(b)]
	if !ok {
		if a.strs == nil || len(a.strs) > 4096 {
			a.strs = map[string]progName{}
		}
		a.progs++
		n = progName{string(b), a.progs * 0x9E3779B97F4A7C15}
		a.strs[n.name] = n
	}
	*slot = n
	return n.name, n.id
}

// progName is an interned program name and its number.
type progName struct {
	name string
	id   uint64
}

// maybeEventShape is maybeEvent, kept by program and the message's
// shape: maybeEvent looks at words, never at which digit a byte is.
func (a *aggregator) maybeEventShape(prog string, progID uint64, msg []byte, sh uint64) bool {
	if a.s.c.DeployPattern != "" {
		return a.maybeEvent(prog, msg) // a custom pattern may look at digits
	}
	k := sh ^ progID
	if progID == 0 { // a program name the parser gave as a string
		k ^= uint64(len(prog)) * 0xBF58476D1CE4E5B9
		for i := range len(prog) {
			k = (k ^ uint64(prog[i])) * 0x100000001B3
		}
	}
	// A direct-mapped cache of k's top 62 bits, bit 1 set (a slot in
	// use), bit 0 the answer.
	tag := k&^3 | 2
	events := &a.caches().events
	slot := &events[k%uint64(len(events))]
	if *slot&^1 == tag {
		return *slot&1 == 1
	}
	v := a.maybeEvent(prog, msg)
	*slot = tag
	if v {
		*slot |= 1
	}
	return v
}

// maybeEvent is a cheap test that lets most lines skip event's string
// work and regular expressions: it answers true for every line event may
// take, and for few others.
func (a *aggregator) maybeEvent(prog string, msg []byte) bool {
	if isCron(prog) {
		return bytes.Contains(msg, []byte("CMD (")) || eventWords(msg)
	}
	if len(prog) >= 4 && strings.EqualFold(prog[:4], "sshd") {
		// sshd names users ("deploy" is a favourite of scanners) and
		// is never a deploy, a cron run or an OOM kill: only
		// "restarting" makes an event.
		return bytes.Contains(msg, []byte("estarting")) || bytes.Contains(msg, []byte("ESTARTING"))
	}
	if len(prog) >= 7 && strings.EqualFold(prog[:7], "systemd") {
		// Session units start on every login and cron run: isRestart
		// turns them down; skip its string work.
		for _, s := range [...]string{"Session ", "user@", "User Manager", "user-runtime-dir@"} {
			if bytes.Contains(msg, []byte(s)) {
				return eventWords(msg)
			}
		}
		return true
	}
	if a.s.c.DeployPattern != "" {
		return true // a custom pattern: no shortcut
	}
	return eventWords(msg)
}

func isCron(prog string) bool {
	return strings.EqualFold(prog, "cron") || strings.EqualFold(prog, "crond") || strings.HasSuffix(prog, "/cron")
}

// eventWords is one pass over msg for the words that may make an event:
// "restarting", "deploy" (not after "user "), "release" in any case,
// and "ut of memory: Kill". All have 'e' or
// 'u' second, which the pass looks for.
func eventWords(msg []byte) bool {
	if bytes.HasPrefix(msg, []byte("ut of memory: Kill")) {
		return true
	}
	for i := 1; i < len(msg); i++ {
		c := msg[i] | 0x20
		if c != 'e' && c != 'u' {
			continue
		}
		rest := msg[i-1:]
		switch msg[i-1] | 0x20 {
		case 'd':
			if hasWordFold(rest, "deploy") && !(i >= 6 && strings.EqualFold(string(msg[i-6:i-1]), "user ")) {
				return true
			}
		case 'r':
			if hasWordFold(rest, "restarting") || hasWordFold(rest, "release") {
				return true
			}
		}
		if msg[i] == 'u' && bytes.HasPrefix(msg[i:], []byte("ut of memory: Kill")) {
			return true
		}
	}
	return false
}

// hasWordFold: b starts with word (lower-case letters) in any case.
func hasWordFold(b []byte, word string) bool {
	if len(b) < len(word) {
		return false
	}
	for i := range len(word) {
		if b[i]|0x20 != word[i] {
			return false
		}
	}
	return true
}

// maybeDeploy: the default deploy pattern needs "deploy" or "release"; a
// custom one gets no shortcut.
func (a *aggregator) maybeDeploy(msg []byte) bool {
	if a.s.c.DeployPattern != "" {
		return true
	}
	return eventWords(msg)
}

// maxRoutes bounds the request -> route cache; it is emptied when full.
// Requests longer than maxRouteKey are not cached, and past maxRouteTmpl
// route templates (crawlers inventing paths) new ones share the overflow
// route, counted as <other>: memory stays bounded whatever the traffic.
const (
	maxRoutes    = 1 << 14
	maxRouteKey  = 256
	maxRouteTmpl = 2 * MaxTemplates
)

// systemdVerbs start the systemd lines that are restarts. Reloads are not:
// nginx is reloaded after every logrotate, and its workers keep serving.
var systemdVerbs = []string{"Started ", "Stopped ", "Starting ", "Stopping ", "Restarting "}

// event makes an Event of a syslog line that reports a cron job, a
// restart, an OOM kill or a deploy.
func (a *aggregator) event(r *Record, ref string) (sources.Event, bool) {
	ev := sources.Event{Source: a.s.c.Name, T: r.T, Ref: ref, Kind: sources.KindOther, Severity: sources.Info}
	msg := r.Message
	prog := strings.ToLower(r.Program)
	switch {
	case strings.Contains(msg, "ut of memory: Kill"): // "Out of memory", "Memory cgroup out of memory"
		ev.Kind, ev.Severity = sources.KindOOM, sources.Error
		what := msg[strings.Index(msg, "ut of memory: ")+len("ut of memory: "):]
		if i := strings.IndexByte(what, ','); i > 0 {
			what = what[:i]
		}
		ev.Title = "oom: " + strings.ToLower(what[:1]) + what[1:]
	case (prog == "cron" || prog == "crond" || strings.HasSuffix(prog, "/cron")) && strings.Contains(msg, "CMD ("):
		cmd := msg[strings.Index(msg, "CMD (")+len("CMD ("):]
		cmd = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cmd), ")"))
		ev.Kind = sources.KindCron
		if a.isBackup(cmd) {
			ev.Kind = sources.KindBackup
		}
		ev.Title = "cron: " + truncate(cmd, 200)
	case isRestart(prog, msg):
		ev.Kind = sources.KindRestart
		l := strings.ToLower(msg)
		if strings.Contains(l, "fail") || strings.Contains(msg, "status=") && !strings.Contains(msg, "status=0/SUCCESS") ||
			strings.Contains(msg, "code=killed") || strings.Contains(msg, "code=dumped") {
			ev.Severity = sources.Warning
		}
		title := strings.TrimRight(msg, ".")
		if r.Program != "" && prog != "systemd" {
			title = r.Program + ": " + title
		}
		ev.Title = "restart: " + truncate(title, 200)
	case !strings.HasPrefix(prog, "sshd") && a.maybeDeploy([]byte(msg)) && a.isDeploy(msg):
		// sshd names the users that try to log in, and "deploy" is a
		// favourite of scanners: "Invalid user deploy from ..." is no release.
		ev.Kind = sources.KindDeploy
		title := msg
		if r.Program != "" && prog != "deploy" { // "deploy: deploy: ..." says it twice
			title = r.Program + ": " + msg
		}
		ev.Title = "deploy: " + truncate(title, 200)
	default:
		return ev, false
	}
	if r.Program != "" {
		ev.Detail = r.Host + " " + r.Program + ": " + msg
	} else {
		ev.Detail = r.Host + " " + msg
	}
	return ev, true
}

// isRestart reports systemd start/stop lines and "X: restarting".
func isRestart(prog, msg string) bool {
	if strings.HasPrefix(prog, "systemd") {
		// Logins start a session unit on every cron run: not a service.
		if strings.Contains(msg, "Session ") || strings.Contains(msg, "user@") ||
			strings.Contains(msg, "User Manager") || strings.Contains(msg, "user-runtime-dir@") {
			return false
		}
		for _, v := range systemdVerbs {
			// "Reached target", "Stopped target Timers": targets are
			// milestones, not services.
			if rest, ok := strings.CutPrefix(msg, v); ok {
				return !strings.HasPrefix(rest, "target ")
			}
		}
		if strings.Contains(msg, ".service: Main process exited") || strings.Contains(msg, ".service: Scheduled restart job") ||
			strings.Contains(msg, ".service: Failed with result") {
			return true
		}
	}
	l := strings.ToLower(msg)
	return strings.HasPrefix(l, "restarting") || strings.Contains(l, ": restarting")
}

// emit writes what the set gave into ds.
func (a *aggregator) emit(ds *sources.Dataset) {
	ds.Gaps = append(ds.Gaps, a.gaps...)
	if a.inWindow == 0 && (len(a.gaps) == 0 || !a.minT.IsZero()) {
		reason := "the files hold no lines in the window"
		if !a.minT.IsZero() {
			reason = fmt.Sprintf("no lines in window; the files cover %s..%s",
				a.minT.In(a.s.reportLoc).Format(time.RFC3339), a.maxT.In(a.s.reportLoc).Format(time.RFC3339))
		}
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: a.s.c.Name, What: a.set.name, Reason: reason})
	}
	if a.acc != nil {
		ds.Series = append(ds.Series, a.series()...)
	}
	if a.flows != nil {
		ds.Series = append(ds.Series, a.flowSeries()...)
	}
	if evs := a.events(); len(ds.Events) == 0 {
		ds.Events = evs
	} else {
		ds.Events = append(ds.Events, evs...)
	}
	if n := a.yearNote(); n != "" {
		ds.Notes = append(ds.Notes, n)
	}
	if a.droppedEvents > 0 {
		ds.Notes = append(ds.Notes, fmt.Sprintf("%s: more than %d events (cron runs, restarts, deploys, OOM kills); %d later ones not listed", a.set.name, MaxEvents, a.droppedEvents))
	}
	// Mined templates are final only now; two clusters may have widened
	// to one template: they are one pattern.
	byTmpl := map[string]*pattern{}
	ps := make([]*pattern, 0, len(a.patterns)+1)
	// In order of creation, chunk after chunk, so that merged patterns
	// keep the earliest examples, the same every run.
	var all []*pattern
	for _, part := range append([]*aggregator{a}, a.parts...) {
		from := len(all)
		for _, p := range part.patterns {
			all = append(all, p)
		}
		slices.SortFunc(all[from:], func(x, y *pattern) int { return cmp.Compare(x.seq, y.seq) })
	}
	for _, p := range all {
		p.weighSample()
		if p.lastN > 0 {
			p.counts.add(p.lastB, p.lastN)
			p.lastN = 0
		}
		if p.key.route != nil {
			p.template = p.key.route.tmpl + " " + statusClass(int(p.key.class)*100)
		}
		if p.key.cluster != nil {
			p.template = p.key.cluster.Template(p.key.variant)
			if p.key.program != "" {
				p.template = p.key.program + ": " + p.template
			}
		}
		if p.level == "" {
			p.level = levelOf(p.template)
		}
		if q := byTmpl[p.template]; q != nil {
			q.counts.merge(&p.counts)
			if p.first.Before(q.first) {
				q.first = p.first
			}
			for _, e := range p.examples {
				if len(q.examples) < 3 {
					q.examples = append(q.examples, e)
				}
			}
			q.sample, q.named = append(q.sample, p.sample...), q.named || p.named
			if p.peakN > q.peakN {
				q.peak, q.peakB, q.peakN = p.peak, p.peakB, p.peakN
				q.vals, q.valsN, q.peakLen = p.vals, p.valsN, p.peakLen
			}
			continue
		}
		byTmpl[p.template] = p
		ps = append(ps, p)
	}
	var other *pattern
	for _, part := range append([]*aggregator{a}, a.parts...) {
		o := part.other
		if o == nil {
			continue
		}
		if o.lastN > 0 {
			o.counts.add(o.lastB, o.lastN)
			o.lastN = 0
		}
		if other == nil {
			other = o
			continue
		}
		other.counts.merge(&o.counts)
		if o.first.Before(other.first) {
			other.first = o.first
		}
	}
	if other != nil {
		ps = append(ps, other)
		ds.Notes = append(ds.Notes, fmt.Sprintf("%s: more than %d kinds of lines; the rest are counted as <other>", a.set.name, MaxTemplates))
	}
	for _, p := range ps {
		lp := sources.LogPattern{
			Source: a.s.c.Name, File: a.set.name, ID: drain.ID(p.template), Template: p.template, Level: p.level,
			FirstSeen: p.first, Examples: p.examples,
		}
		if p.peakLen > 0 {
			lp.Peak = sources.LogPeak{T: a.bucketTime(p.peakB), Lines: p.peakN, Counted: p.peakLen}
			// Misra-Gries counts are lower bounds; a value kept in a
			// fifth of the lines or more is named.
			lp.PeakValues = p.peakValues()
		}
		lp.Sample = a.logSample(p)
		// The first lines, then lines of the busiest step: where a
		// burst is, its examples are.
		for _, e := range p.peak {
			if !slices.ContainsFunc(lp.Examples, func(x sources.LogLine) bool { return x.File == e.File && x.Line == e.Line && x.Offset == e.Offset }) {
				lp.Examples = append(lp.Examples, e)
			}
		}
		steps := p.counts.sorted()
		lp.Counts = make([]sources.Bucket, len(steps))
		for i, c := range steps {
			lp.Counts[i] = sources.Bucket{T: a.bucketTime(c.b), N: c.n}
		}
		ds.Patterns = append(ds.Patterns, lp)
	}
}

func (a *aggregator) bucketTime(i int) time.Time {
	return time.Unix(0, a.base+int64(i)*a.step).UTC()
}

// series makes the access-log series: every step from the first with a
// line to the window's end has a rate (zero when there were no requests:
// a log that falls silent is news); request-time quantiles exist for
// steps with requests that logged a time. Steps before the first line
// have none: the log did not cover them (not yet written, or rotated
// away), which is not the same as no requests.
func (a *aggregator) series() []sources.Series {
	labels := func() map[string]string { return map[string]string{"file": a.set.name} }
	query := "file:" + a.set.glob
	sec := float64(a.step) / 1e9
	mk := func(name string, role sources.Role, unit string) sources.Series {
		return sources.Series{Source: a.s.c.Name, Name: name, Labels: labels(), Role: role, Unit: unit, Query: query}
	}
	what := accessSeriesName(a.accessFormat)
	req := mk(what+" requests", sources.Traffic, "1/s")
	errs := mk(what+" 5xx", sources.Errors, "1/s")
	p50 := mk(what+" request time p50", sources.Latency, "s")
	p95 := mk(what+" request time p95", sources.Latency, "s")
	p99 := mk(what+" request time p99", sources.Latency, "s")
	acc := a.acc
	req.Points = make([]sources.Point, a.nb-acc.lo)
	errs.Points = make([]sources.Point, a.nb-acc.lo)
	timed := 0
	for i := range acc.times {
		if acc.times[i].n() > 0 {
			timed++
		}
	}
	p50.Points = make([]sources.Point, 0, timed)
	p95.Points = make([]sources.Point, 0, timed)
	p99.Points = make([]sources.Point, 0, timed)
	for i := range req.Points {
		t := a.bucketTime(acc.lo + i)
		req.Points[i].T, errs.Points[i].T = t, t
		if i >= len(acc.reqs) {
			continue // past the last line: no requests
		}
		req.Points[i].V = float64(acc.reqs[i]) / sec
		errs.Points[i].V = float64(acc.errs[i]) / sec
		if v := &acc.times[i]; v.n() > 0 {
			p50.Points = append(p50.Points, sources.Point{T: t, V: v.quantile(0.5)})
			p95.Points = append(p95.Points, sources.Point{T: t, V: v.quantile(0.95)})
			p99.Points = append(p99.Points, sources.Point{T: t, V: v.quantile(0.99)})
		}
	}
	out := []sources.Series{req, errs}
	// A load balancer's logs also get its own 5xx, zeros included: the
	// steps where the targets' errors are and its own are not tell a
	// failing target from a dead one.
	if a.accessFormat == FormatALB || a.accessFormat == FormatELB {
		name := "alb elb 5xx"
		if a.accessFormat == FormatELB {
			name = "elb 5xx"
		}
		lb := mk(name, sources.Errors, "1/s")
		lb.Points = make([]sources.Point, len(req.Points))
		for i := range lb.Points {
			n := 0
			if i < len(acc.lbErrs) {
				n = acc.lbErrs[i]
			}
			lb.Points[i] = sources.Point{T: req.Points[i].T, V: float64(n) / sec}
		}
		out = append(out, lb)
	}
	if len(p50.Points) > 0 {
		out = append(out, p50, p95, p99)
	}
	return out
}

// accessSeriesName names the requests, 5xx and request-time series after
// what wrote the lines, so that a report reads as the user's system is
// built: a load balancer's or a CDN's logs are not an nginx's, and an
// application's JSON or logfmt lines with a status and a duration are
// "http" (no nginx in front of it may exist). The combined log format
// keeps "nginx": its most common writer, and Apache's lines are the same.
func accessSeriesName(format string) string {
	switch format {
	case FormatALB, FormatELB, FormatCloudFront:
		return format
	case FormatS3Access:
		return "s3"
	case FormatNginx, accessNginxCustom:
		return "nginx"
	case accessApache, accessApacheCustom:
		return "apache"
	}
	return "http"
}

// The kinds of access log the combined format and its variants are,
// beyond FormatNginx (the combined format nginx writes, detected or
// named): Apache's (format: apache, or an Apache LogFormat), and a
// log_format or LogFormat whose quoted fields are not the combined
// format's request, referrer and user agent (lineValues reads no
// referrer or user agent there: it cannot tell which field is which).
const (
	accessApache       = "apache"
	accessNginxCustom  = "nginx log_format"
	accessApacheCustom = "apache LogFormat"
)

// accessKindOf is what the aggregator keeps as its accessFormat for p's
// requests: p's format, told apart for the combined family.
func accessKindOf(p lineParser) string {
	switch p := p.(type) {
	case nginxParser:
		if p.apache {
			return accessApache
		}
	case *nginxFormat:
		switch {
		case p.combined && p.apache:
			return accessApache
		case p.combined:
			return FormatNginx
		case p.apache:
			return accessApacheCustom
		}
		return accessNginxCustom
	}
	return p.format()
}

// quantile of sorted values, interpolating linearly between the two
// nearest ranks (numpy's default, and Prometheus' quantile_over_time).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	pos := q * float64(len(sorted)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(sorted)-1)
	return sorted[lo] + (sorted[hi]-sorted[lo])*(pos-float64(lo))
}

// merge takes in what a chunk's aggregator b found (b read a later part of
// the same set than everything merged before it).
func (a *aggregator) merge(b *aggregator) {
	a.inWindow += b.inWindow
	a.mined += b.mined
	if a.accessFormat == "" {
		a.accessFormat = b.accessFormat
	}
	a.skipped += b.skipped
	a.years.merge(b.years)
	a.zoneless += b.zoneless
	for f := range b.yearFiles {
		a.guessedIn(f)
	}
	if !b.minT.IsZero() {
		a.cover(b.minT)
		a.cover(b.maxT)
	}
	if bt := b.acc; bt != nil {
		if a.acc == nil {
			a.acc = &accessSteps{stepRange: stepRange{nb: a.nb}}
		}
		at := a.acc
		at.span(bt.lo, bt.lo+len(bt.reqs))
		off := bt.lo - at.lo
		for i := range bt.reqs {
			at.reqs[off+i] += bt.reqs[i]
			at.errs[off+i] += bt.errs[i]
			at.times[off+i].merge(&bt.times[i])
		}
		if bt.lbErrs != nil && at.lbErrs == nil {
			at.lbErrs = make([]int, len(at.reqs))
		}
		for i, n := range bt.lbErrs {
			at.lbErrs[off+i] += n
		}
	}
	a.mergeFlows(b)
	for _, ev := range b.held {
		a.addEvent(ev)
	}
	a.droppedEvents += b.droppedEvents
	a.gaps = append(a.gaps, b.gaps...)
	a.parts = append(a.parts, b)
	a.parts = append(a.parts, b.parts...)
	b.parts = nil
}
