package analyze

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hindsight-sre/hindsight/sources"
)

// logSignal is one log pattern's per-step counts on the grid, with the
// rate expected from the part of the baseline the logs cover.
type logSignal struct {
	p      *sources.LogPattern
	counts *grid       // lines per cell; empty (0) where no line
	prefix [][]float64 // prefix[r][x]: lines in every cell up to run r's cell x

	from     int     // first cell the pattern's source covers
	expected float64 // lines per cell in the covered baseline
	perDay   int     // cells in a day
	halfW    int     // cells on each side of the seasonal window
	bursts   []interval
	isNew    bool // first seen within the lag before the window, or in it
}

// Burst thresholds: a cell bursts when its count exceeds the expected
// Poisson rate by more than 4 standard deviations (sqrt of the rate) plus
// one line, and a burst needs at least burstMinLines lines in all and
// three times the expected lines. Poisson because log lines are counts: a
// Gaussian z on a rate of 0.2 lines a minute would call every line a
// burst.
const (
	burstSigmas   = 4
	burstMinLines = 5
	burstRatio    = 3
)

func (a *analysis) logSignals() []*logSignal {
	if a.logs != nil {
		return a.logs
	}
	// Coverage of each source: the first bucket of any of its patterns.
	first := map[string]time.Time{}
	for i := range a.ds.Patterns {
		p := &a.ds.Patterns[i]
		for _, b := range p.Counts {
			if b.N > 0 {
				if t, ok := first[p.Source]; !ok || b.T.Before(t) {
					first[p.Source] = b.T
				}
				break
			}
		}
	}
	g := newGrid(a.t0, a.o.Step, a.n)
	a.logs = []*logSignal{}
	var cells []int
	for i := range a.ds.Patterns {
		p := &a.ds.Patterns[i]
		ls := &logSignal{p: p, counts: &grid{t0: a.t0, step: a.o.Step, n: a.n}}
		// Cells are stored only where the pattern has lines (issue 19).
		cells = cells[:0]
		sorted := true
		for _, b := range p.Counts {
			j := g.index(b.T)
			if b.T.Before(a.t0) || j >= a.n {
				continue
			}
			if len(cells) > 0 && j < cells[len(cells)-1] {
				sorted = false
			}
			if len(cells) == 0 || j != cells[len(cells)-1] {
				cells = append(cells, j)
			}
		}
		if !sorted {
			slices.Sort(cells)
			cells = slices.Compact(cells)
		}
		ls.counts.layout(cells)
		for _, b := range p.Counts {
			j := g.index(b.T)
			if b.T.Before(a.t0) || j >= a.n {
				continue
			}
			r := &ls.counts.runs[ls.counts.find(j)]
			r.v[j-r.a] += float64(b.N)
		}
		if t, ok := first[p.Source]; ok && t.After(a.t0) {
			ls.from = g.index(t)
		}
		ls.prefix = make([][]float64, len(ls.counts.runs))
		sum := 0.0
		for k, r := range ls.counts.runs {
			ls.prefix[k] = make([]float64, len(r.v))
			for x, c := range r.v {
				sum += c
				ls.prefix[k][x] = sum
			}
		}
		ls.perDay = int(24 * time.Hour / a.o.Step)
		ls.halfW = int(seasonalHalfWidth / a.o.Step)
		baseCells := a.win[0] - ls.from
		baseLines := ls.sum(ls.from, a.win[0])
		if baseCells > 0 {
			ls.expected = baseLines / float64(baseCells)
		}
		// New: never seen before the lag preceding the window, with at
		// least an hour of earlier log to tell.
		newFrom := a.o.Window.From.Add(-a.o.Lag)
		if !p.FirstSeen.IsZero() && !p.FirstSeen.Before(newFrom) && p.FirstSeen.Before(a.o.Window.To) &&
			baseCells*int(a.o.Step) >= int(time.Hour) {
			ls.isNew = true
		}
		ls.bursts = ls.findBursts(0, a.n)
		a.logs = append(a.logs, ls)
	}
	return a.logs
}

// seasonalHalfWidth: the expected count of a cell is the mean over the
// same time of day, plus or minus this, on up to seasonalDays previous
// days: logs follow the daily cycle of their traffic, and a flat average
// would call every busy afternoon a burst.
const (
	seasonalHalfWidth = 30 * time.Minute
	seasonalDays      = 7
)

// expectedAt is the seasonal expected count of cell j, or the flat
// baseline rate when no earlier day is covered.
func (ls *logSignal) expectedAt(j int) float64 {
	sum, n := 0.0, 0
	for d := 1; d <= seasonalDays; d++ {
		k := j - d*ls.perDay
		lo, hi := k-ls.halfW, k+ls.halfW+1
		if lo < ls.from || hi > ls.counts.n {
			break
		}
		sum += ls.prefixAt(hi) - ls.prefixAt(lo)
		n += hi - lo
	}
	if n == 0 {
		return ls.expected
	}
	return sum / float64(n)
}

// expectedIn sums the expected counts over an interval.
func (ls *logSignal) expectedIn(iv interval) float64 {
	e := 0.0
	for j := iv.a; j < iv.b; j++ {
		e += ls.expectedAt(j)
	}
	return e
}

func (ls *logSignal) findBursts(from, to int) []interval {
	var out []interval
	var cur *interval
	gap := 0
	from = max(from, ls.from)
	next := from // the first cell not yet looked at
	for k := range ls.counts.runs {
		r := &ls.counts.runs[k]
		lo, hi := max(from, r.a), min(to, r.end())
		if lo >= hi {
			continue
		}
		// The cells between runs have no line: they only end a burst.
		if cur != nil && lo > next {
			if gap += lo - next; gap > 2 {
				cur = nil
			}
		}
		next = hi
		for j := lo; j < hi; j++ {
			c := r.v[j-r.a]
			if c == 0 {
				if cur != nil {
					if gap++; gap > 2 {
						cur = nil
					}
				}
				continue
			}
			e := ls.expectedAt(j)
			if c > e+burstSigmas*math.Sqrt(e)+1 {
				if cur == nil {
					out = append(out, interval{a: j, b: j + 1, peak: j, peakZ: c})
					cur = &out[len(out)-1]
				} else {
					cur.b = j + 1
					if c > cur.peakZ {
						cur.peak, cur.peakZ = j, c
					}
				}
				gap = 0
				continue
			}
			if cur != nil {
				if gap++; gap > 2 {
					cur = nil
				}
			}
		}
	}
	kept := out[:0]
	for _, iv := range out {
		lines := ls.lines(iv)
		if lines >= burstMinLines && lines >= burstRatio*ls.expectedIn(iv) {
			kept = append(kept, iv)
		}
	}
	return kept
}

func (ls *logSignal) lines(iv interval) float64 { return ls.sum(iv.a, iv.b) }

// sum adds the lines of cells [from, to) in cell order.
func (ls *logSignal) sum(from, to int) float64 {
	n := 0.0
	if from >= to {
		return 0
	}
	for k := range ls.counts.runs {
		r := &ls.counts.runs[k]
		if r.a >= to {
			break
		}
		lo, hi := max(from, r.a), min(to, r.end())
		if lo >= hi {
			continue
		}
		for _, c := range r.v[lo-r.a : hi-r.a] {
			n += c
		}
	}
	return n
}

// prefixAt is the number of lines in cells [0, j).
func (ls *logSignal) prefixAt(j int) float64 {
	rs := ls.counts.runs
	// The last run that starts before j.
	lo, hi := 0, len(rs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if rs[m].a < j {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == 0 {
		return 0
	}
	r := lo - 1
	return ls.prefix[r][min(j-rs[r].a, len(rs[r].v))-1]
}

// poissonZ is (observed - expected) / sqrt(expected), with the expected
// count floored at one line so that a pattern never seen gets a finite
// score.
func poissonZ(obs, exp float64) float64 {
	return (obs - exp) / math.Sqrt(math.Max(exp, 1))
}

func (a *analysis) logAnomalies() []Anomaly {
	var out []Anomaly
	g := &grid{t0: a.t0, step: a.o.Step}
	refs := a.eventRefs()
	// Bursts that share the value behind them are one anomaly (see
	// groupByValue): by value, the index of its anomaly in out, and the
	// explanations of its patterns.
	byValue, grouped := map[string]int{}, map[int][]string{}
	for _, ls := range a.logSignals() {
		p := ls.p
		if explained(p, refs) {
			continue // its lines are events, shown as such
		}
		for _, iv := range ls.bursts {
			if ls.isNew {
				break // a new pattern is reported once, as new
			}
			if iv.b <= a.win[0] || iv.a >= a.win[1] {
				continue
			}
			obs := ls.lines(iv)
			exp := ls.expectedIn(iv)
			an := Anomaly{
				Kind: LogBurst, Subject: p.Template, Source: p.Source, RoleName: "log",
				Start: g.time(iv.a), Peak: g.time(iv.peak), End: g.time(iv.b), Class: a.cal.Classify(g.time(iv.a)),
				PeakValue: obs, BaselineValue: round2(exp), Unit: "lines", Score: round2(poissonZ(obs, exp)),
				Query: p.File, Examples: examples(p, g.time(iv.a), g.time(iv.b)),
			}
			if exp > 0 {
				an.Ratio = round2(obs / exp)
			}
			an.Explanation = fmt.Sprintf("%.0f lines of %q in %s–%s where %s expected from the baseline.",
				obs, p.Template, a.local(an.Start), a.local(an.End), expectedCount(exp))
			if vs := burstValues(p, an.Start, an.End); len(vs) > 0 {
				an.Explanation += " " + upperFirst(valueEvidence(a, vs, "").Text) + "."
				k := valueKey(vs)
				// Bursts an hour apart are two visits, not one.
				if at, ok := byValue[k]; ok && !an.Start.After(out[at].End.Add(valueGroupGap)) && !out[at].Start.After(an.End.Add(valueGroupGap)) {
					g := &out[at]
					grouped[at] = append(grouped[at], an.Explanation)
					g.PeakValue += obs
					g.BaselineValue = round2(g.BaselineValue + exp)
					g.Start, g.End = earlier(g.Start, an.Start), later(g.End, an.End)
					g.Score = round2(poissonZ(g.PeakValue, g.BaselineValue))
					g.Ratio = 0
					if g.BaselineValue > 0 {
						g.Ratio = round2(g.PeakValue / g.BaselineValue)
					}
					g.Subject = groupTitle(vs[0].Value, len(grouped[at]), g.PeakValue)
					g.Explanation = strings.Join(grouped[at], " ")
					continue
				}
				byValue[k] = len(out)
				grouped[len(out)] = []string{an.Explanation}
			}
			out = append(out, an)
		}
		if ls.isNew {
			iv := interval{a: g.index(p.FirstSeen), b: a.win[1]}
			obs := ls.lines(interval{a: max(iv.a, 0), b: iv.b})
			an := Anomaly{
				Kind: NewPattern, Subject: p.Template, Source: p.Source, RoleName: "log",
				Start: p.FirstSeen, Peak: p.FirstSeen, End: p.FirstSeen, Class: a.cal.Classify(p.FirstSeen),
				PeakValue: obs, Unit: "lines", Score: round2(poissonZ(obs, 0)), Query: p.File,
				Examples: examples(p, p.FirstSeen, a.o.Window.To),
			}
			since := fmt.Sprintf("%.0f lines since", obs)
			if obs == 1 {
				since = "1 line since"
			}
			an.Explanation = fmt.Sprintf("new log pattern %q first seen at %s (%s), never in the logs before.",
				p.Template, a.cal.Local(p.FirstSeen).Format("15:04:05"), since)
			out = append(out, an)
		}
	}
	return out
}

// examples returns up to three of p's example lines in [from, to), then
// of its sampled lines there (a burst that is not the pattern's busiest
// step, whose lines are not among the examples), earliest first; any
// three when none falls in it.
func examples(p *sources.LogPattern, from, to time.Time) []sources.LogLine {
	var out []sources.LogLine
	for _, l := range p.Examples {
		if !l.T.Before(from) && l.T.Before(to) && len(out) < 3 {
			out = append(out, l)
		}
	}
	if len(out) < 3 {
		var sampled []sources.LogLine
		for _, s := range p.Sample {
			if l := s.Line; l != nil && !l.T.Before(from) && l.T.Before(to) &&
				!slices.ContainsFunc(out, func(x sources.LogLine) bool { return x.File == l.File && x.Line == l.Line && x.Offset == l.Offset }) {
				sampled = append(sampled, *l)
			}
		}
		slices.SortFunc(sampled, func(x, y sources.LogLine) int {
			return cmp.Or(x.T.Compare(y.T), cmp.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line), cmp.Compare(x.Offset, y.Offset))
		})
		out = append(out, sampled[:min(3-len(out), len(sampled))]...)
	}
	if len(out) == 0 && len(p.Examples) > 0 {
		out = append(out, p.Examples[:min(3, len(p.Examples))]...)
	}
	return out
}

// burstValue is a value that most of a burst's lines named and that the
// pattern's other lines seldom did: the one client behind a brute force,
// the campaign behind a surge.
type burstValue struct {
	sources.LogValue
	of      int // lines looked at: of the peak step, or sampled in the burst
	sampled bool
	at      time.Time
	base    float64 // share of the pattern's lines outside the burst that named it
	baseN   int     // sampled lines outside the burst (0: none)
}

// burstValues are the values behind a burst of p in [from, to): those in
// more than half of its lines, and in less than half that share of p's
// lines outside it (a value every line names, the load balancer's
// address, is not behind a burst). Most lines first. The burst's lines
// are those of p's busiest step when it lies in the burst and enough of
// its lines were looked at; else the lines of p's random sample that fall
// in the burst (a surge at a steady level becomes the busiest step only
// at its last lines).
func burstValues(p *sources.LogPattern, from, to time.Time) []burstValue {
	var in []burstValue
	if p.Peak.Counted >= 2*burstMinLines && !p.Peak.T.Before(from) && p.Peak.T.Before(to) {
		for _, v := range p.PeakValues {
			in = append(in, burstValue{LogValue: v, of: p.Peak.Counted, at: p.Peak.T})
		}
	} else {
		n, counts := 0, map[sources.LogValue]int{}
		for _, s := range p.Sample {
			if s.T.Before(from) || !s.T.Before(to) {
				continue
			}
			n++
			for _, v := range s.Values {
				counts[sources.LogValue{Kind: v.Kind, Value: v.Value}]++
			}
		}
		for v, c := range counts {
			v.Lines = c
			in = append(in, burstValue{LogValue: v, of: n, sampled: true})
		}
	}
	var out []burstValue
	for _, v := range in {
		// A value in one or two lines is no concentration, whatever its
		// share: as many lines as make a burst (burstMinLines).
		if 2*v.Lines <= v.of || v.Lines < burstMinLines {
			continue
		}
		share := float64(v.Lines) / float64(v.of)
		v.base, v.baseN = p.Share(v.Kind, v.Value, from, to)
		if v.baseN > 0 && v.base > share/2 {
			continue
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(x, y burstValue) int {
		if c := cmp.Compare(y.Lines*x.of, x.Lines*y.of); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Value, y.Value))
	})
	return out
}

// text says the value, its share of the burst and of the baseline.
func (v burstValue) text(a *analysis) string {
	val := v.Value
	if r := []rune(val); len(r) > 80 { // a user agent
		val = string(r[:79]) + "…"
	}
	s := fmt.Sprintf("%s (%s) in %s of %s lines at %s", val, v.Kind, thousands(v.Lines), thousands(v.of), a.cal.Local(v.at).Format("15:04"))
	if v.sampled {
		s = fmt.Sprintf("%s (%s) in %d of %d lines sampled from the burst", val, v.Kind, v.Lines, v.of)
	}
	if v.baseN == 0 {
		return s + "; the pattern had no lines outside the burst"
	}
	return s + fmt.Sprintf(", against %.0f%% of the pattern's lines outside the burst (%d sampled)", 100*v.base, v.baseN)
}

// thousands writes n with comma separators: 1,204.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// valueKey is the value a log candidate or anomaly is grouped by: its
// burst's first value, "" when none.
func valueKey(vs []burstValue) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0].Kind + "\x00" + vs[0].Value
}

// groupTitle names a group of patterns that share a value:
// "103.99.0.122: 5 patterns, 1,204 lines".
func groupTitle(value string, patterns int, lines float64) string {
	return fmt.Sprintf("%s: %d patterns, %s lines", value, patterns, thousands(int(lines)))
}

// valueGroupGap is how far apart two bursts of one value may lie and be
// one anomaly: a few steps of a burst's own gap tolerance.
const valueGroupGap = 10 * time.Minute

// earlier is the earlier of two times, the zero time counting as unset.
func earlier(x, y time.Time) time.Time {
	if x.IsZero() || !y.IsZero() && y.Before(x) {
		return y
	}
	return x
}

// upperFirst capitalises s's first letter.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// trafficBreakdown is the evidence of what a surge of an access log's
// requests was made of: the routes whose lines grew most over their
// baseline in [from, to), and the values (client, user agent, referrer,
// campaign) behind their bursts, against the baseline (burstValues). Nil
// when no route burst then. A surge is a question of who and what: one
// client, one campaign, one route, or everyone a little more.
func (a *analysis) trafficBreakdown(sg *signal, from, to time.Time) []Evidence {
	if sg.series == nil || sg.role != sources.Traffic || sg.series.Labels["file"] == "" {
		return nil
	}
	file := sg.series.Labels["file"]
	g := &grid{t0: a.t0, step: a.o.Step}
	i, j := a.cells(from, to)
	type routeGrowth struct {
		tmpl     string
		obs, exp float64
		ls       *logSignal
		iv       interval
	}
	var routes []routeGrowth
	added := 0.0
	for _, ls := range a.logSignals() {
		p := ls.p
		if p.Source != sg.source || p.File != file {
			continue
		}
		if m := accessRoute.FindStringSubmatch(p.Template); m == nil || m[2] == "5" {
			continue // not a route, or the server's own errors
		}
		for _, iv := range ls.bursts {
			if iv.b <= i || iv.a >= j {
				continue
			}
			obs, exp := ls.lines(iv), ls.expectedIn(iv)
			routes = append(routes, routeGrowth{p.Template, obs, exp, ls, iv})
			added += obs - exp
			break
		}
	}
	if len(routes) == 0 || added <= 0 {
		return nil
	}
	slices.SortStableFunc(routes, func(x, y routeGrowth) int { return cmp.Compare(y.obs-y.exp, x.obs-x.exp) })
	var out []Evidence
	var texts []string
	for _, r := range routes[:min(3, len(routes))] {
		texts = append(texts, fmt.Sprintf("%s %s lines where %s expected (%.0f%% of the added requests)",
			r.tmpl, thousands(int(r.obs)), expectedCount(r.exp), 100*(r.obs-r.exp)/added))
	}
	out = append(out, Evidence{Text: "routes: " + strings.Join(texts, "; "), Query: file,
		Lines: examples(routes[0].ls.p, g.time(routes[0].iv.a), g.time(routes[0].iv.b))})
	var vs []burstValue
	for _, r := range routes {
		vs = append(vs, burstValues(r.ls.p, g.time(r.iv.a), g.time(r.iv.b))...)
	}
	if len(vs) > 0 {
		// One line per value: the same client on two routes is one.
		seen := map[string]bool{}
		kept := vs[:0]
		for _, v := range vs {
			if k := v.Kind + "\x00" + v.Value; !seen[k] {
				seen[k] = true
				kept = append(kept, v)
			}
		}
		out = append(out, valueEvidence(a, kept, file))
	}
	return out
}

// expectedCount is an expected number of lines for "where … expected",
// rounded to hundredths as the anomaly's baseline is: "none were" below
// 0.005, "1 was", else the number as values are written ("0.02 were",
// "12.3 were", "1,480 were"); one decimal wrote 0.02 as "0.0 were
// expected" beside a burst that, by the ratio, was 1769× it.
func expectedCount(exp float64) string {
	exp = round2(exp)
	switch s := trimFloat(exp); {
	case exp < 0.005:
		return "none were"
	case s == "1":
		return "1 was"
	case exp >= 1000:
		return thousands(int(math.Round(exp))) + " were"
	default:
		return s + " were"
	}
}
