package analyze

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// The nightly summary: what was abnormal in a window (usually the night
// before), grouped into episodes, each judged new, known or changed against
// the previous summary's state and the symptom's own recurrence. Like the
// rest of analyze it is pure: the previous state comes in as a value and
// the next one goes out as a value; cmd reads and writes the file.

// StateSchema versions SummaryState, the file a summary leaves for the next.
const StateSchema = "hindsight/summary-state/v1"

// EpisodeStatus is how an episode compares with what was seen before.
type EpisodeStatus string

const (
	StatusNew     EpisodeStatus = "new"
	StatusKnown   EpisodeStatus = "known"
	StatusChanged EpisodeStatus = "changed"
)

// Summary is the nightly summary of one profile.
type Summary struct {
	Window  sources.Window `json:"window"`
	Zone    string         `json:"zone"`
	Profile string         `json:"profile,omitempty"`
	// Previous is the window of the summary this one was compared with;
	// nil when there was none.
	Previous *sources.Window `json:"previous,omitempty"`
	// Episodes are what was abnormal, outside business hours first, then
	// by start.
	Episodes []SummaryEpisode `json:"episodes"`
	// Gone are episodes of the previous summary not seen this time.
	Gone   []EpisodeState `json:"gone"`
	New    int            `json:"new"`
	Known  int            `json:"known"`
	Change int            `json:"changed"`
	// SLA is availability per monitor from the start of the month to the
	// end of the window.
	SLA []MonitorSLA `json:"sla"`
	// Patterns are the log templates new, grown or gone since the previous
	// summary; PatternsSteady counts the ones that held steady.
	Patterns       []PatternChange `json:"patterns"`
	PatternsSteady int             `json:"patterns_steady"`
	counts         []PatternCount  // for State
	Gaps           []sources.Gap   `json:"gaps"`
	Inputs         Inputs          `json:"inputs"`
	// Upstream are the incidents upstream services published on their
	// status pages in the window, whether or not anything here depends on
	// them: a night's summary says what the world around was doing.
	Upstream []TimelineEntry `json:"upstream,omitempty"`
}

// SummaryEpisode is symptoms and anomalies that overlapped in time, led by
// the worst symptom among them or else the strongest anomaly.
type SummaryEpisode struct {
	ID      string        `json:"id"` // "N1", "N2", ...
	Status  EpisodeStatus `json:"status"`
	Why     string        `json:"why"` // one sentence: why new, known or changed
	Key     string        `json:"key"` // kind, source and subject of the lead, for matching
	Kind    string        `json:"kind"`
	Subject string        `json:"subject"`
	Source  string        `json:"source"`
	Symptom string        `json:"symptom,omitempty"` // the lead's symptom ID in the findings
	Start   time.Time     `json:"start"`
	End     time.Time     `json:"end"`
	Class   TimeClass     `json:"class"`
	// Peak, baseline and ratio of the lead, in Unit.
	PeakValue     float64  `json:"peak_value"`
	BaselineValue float64  `json:"baseline_value"`
	Unit          string   `json:"unit"`
	Ratio         float64  `json:"ratio"`
	Cause         string   `json:"cause,omitempty"` // the lead symptom's top suspect
	Members       []string `json:"members"`         // the other items, "kind subject", sorted
	Explanation   string   `json:"explanation"`
	// Recurring says the lead symptom came back at this time on most
	// previous days (from Symptom.Recurrence); "" when it did not.
	Recurring string `json:"recurring,omitempty"`
	// Expected is the team's known event (known-events.yaml) the lead
	// symptom's top cause matched. A known episode with one is what the
	// team expects: summaries mention it in one line, and in full only
	// when it changed.
	Expected string `json:"expected,omitempty"`
}

// Quiet reports whether the episode is a known event the team expects,
// unchanged: a summary names it in passing only.
func (e SummaryEpisode) Quiet() bool { return e.Status == StatusKnown && e.Expected != "" }

// Duration is how long the episode lasted.
func (e SummaryEpisode) Duration() time.Duration { return e.End.Sub(e.Start) }

// SummaryState is what a summary remembers for the next one.
type SummaryState struct {
	Schema  string `json:"schema"`
	Profile string `json:"profile,omitempty"`
	// Config is the config file the summary was made with: a state is
	// compared only with a summary of the same config and profile.
	Config   string         `json:"config,omitempty"`
	Window   sources.Window `json:"window"`
	Episodes []EpisodeState `json:"episodes"`
	// Patterns are the log templates of the window and their lines.
	Patterns []PatternState `json:"patterns,omitempty"`
}

// EpisodeState is one remembered episode.
type EpisodeState struct {
	Key         string        `json:"key"`
	Title       string        `json:"title"`
	Start       time.Time     `json:"start"`
	MinuteOfDay int           `json:"minute_of_day"` // local
	Duration    time.Duration `json:"duration_ns"`
	Ratio       float64       `json:"ratio"`
	Cause       string        `json:"cause,omitempty"`
	Members     []string      `json:"members"`
}

// MonitorSLA is one probe's availability so far this month.
type MonitorSLA struct {
	Probe        string        `json:"probe"`
	Source       string        `json:"source"`
	From         time.Time     `json:"from"` // start of the month, local
	To           time.Time     `json:"to"`
	Since        time.Time     `json:"since,omitzero"` // first check read, when after From
	Checks       int           `json:"checks"`
	Failed       int           `json:"failed"`
	Availability float64       `json:"availability"` // 0..1; -1 with no checks
	Downtime     time.Duration `json:"downtime_ns"`
}

// Thresholds of "changed", chosen so that the night-to-night wobble of a
// scheduled job (the demo's backup: 18 to 21 minutes, 20× to 21×) stays
// "known".
const (
	episodeSlack   = 5 * time.Minute  // items this close join one episode
	matchMinutes   = 90               // same lead within 90 minutes of the time of day
	changedFactor  = 1.5              // ratio or duration 1.5 times larger or smaller
	changedMinimum = 10 * time.Minute // and duration by at least this much
)

// PreviousNight is the night before now in cal: from the end of business
// hours on the last working day before today to the start of business
// hours today, or to now when now is earlier (a summary at 07:00 covers
// 18:00 to 07:00; on a Monday, from Friday 18:00, weekend included).
func PreviousNight(cal Calendar, now time.Time) sources.Window {
	if !cal.anyWorkDay() {
		c := DefaultCalendar(cal.loc())
		c.Holidays = cal.Holidays
		cal = c
	}
	start, end := cal.DayStart, cal.DayEnd
	if start == 0 && end == 0 {
		start, end = 9*time.Hour, 18*time.Hour
	}
	lt := cal.Local(now)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, lt.Location())
	to := wallClock(day, start)
	if now.Before(to) {
		to = now
	}
	prev := day.AddDate(0, 0, -1)
	for range 7 {
		_, holiday := cal.Holidays[prev.Format(time.DateOnly)]
		if cal.WorkDays[prev.Weekday()] && !holiday {
			break
		}
		prev = prev.AddDate(0, 0, -1)
	}
	from := wallClock(prev, end)
	return sources.Window{From: from.UTC(), To: to.UTC()}
}

// wallClock is the wall clock d after midnight of day, correct across DST.
func wallClock(day time.Time, d time.Duration) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), int(d/time.Hour), int(d%time.Hour/time.Minute), 0, 0, day.Location())
}

// MonthSLA is each probe's availability from the start of the local month
// of the window's last instant to to.
func MonthSLA(ds *sources.Dataset, cal Calendar, to time.Time) []MonitorSLA {
	lt := cal.Local(to.Add(-time.Nanosecond))
	from := time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, lt.Location()).UTC()
	out := []MonitorSLA{}
	for i := range ds.Probes {
		p := &ds.Probes[i]
		m := MonitorSLA{Probe: p.Name, Source: p.Source, From: from, To: to, Availability: -1}
		m.Checks, m.Failed = checks(p, from, to)
		if m.Checks > 0 {
			m.Availability = 1 - float64(m.Failed)/float64(m.Checks)
		}
		for _, b := range p.Beats {
			if !b.T.Before(from) {
				if b.T.After(from.Add(time.Hour)) {
					m.Since = b.T
				}
				break
			}
		}
		w := sources.Window{From: from, To: to}
		for _, o := range outages(p, from, to) {
			m.Downtime += o.downtime(w)
		}
		out = append(out, m)
	}
	return out
}

// item is a symptom or an anomaly on its way into an episode.
type item struct {
	kind, subject, source string
	start, end            time.Time
	class                 TimeClass
	peak, base, ratio     float64
	unit, cause, symptom  string
	known                 string  // the top cause's known-event label
	rank                  int     // symptom rank (0 first); -1 for anomalies
	score                 float64 // anomaly score
	recurrence            Recurrence
	explanation           string
}

func (it item) key() string    { return it.kind + "|" + it.source + "|" + it.subject }
func (it item) member() string { return strings.ReplaceAll(it.kind, "_", " ") + " " + it.subject }

// Summarize groups f's symptoms and anomalies into episodes and judges each
// against prev (nil for the first summary) and the symptoms' recurrence.
// sla is passed through; see MonthSLA.
func Summarize(f *Findings, prev *SummaryState, sla []MonitorSLA) *Summary {
	cal := zoneCalendar(f.Zone)
	s := &Summary{Window: f.Window, Zone: f.Zone, Profile: f.Profile, Episodes: []SummaryEpisode{},
		Gone: []EpisodeState{}, SLA: sla, Gaps: f.Gaps, Inputs: f.Inputs}
	if s.SLA == nil {
		s.SLA = []MonitorSLA{}
	}
	if s.Gaps == nil {
		s.Gaps = []sources.Gap{}
	}
	for _, te := range f.Timeline {
		if te.Kind == string(sources.KindUpstream) {
			s.Upstream = append(s.Upstream, te)
		}
	}
	var items []item
	for i, sy := range f.Symptoms {
		it := item{kind: string(sy.Kind), subject: sy.Subject, source: sy.Source, start: sy.Start, end: sy.End,
			class: sy.Class, peak: sy.PeakValue, base: sy.BaselineValue, ratio: sy.Ratio, unit: sy.Unit,
			symptom: sy.ID, rank: i, recurrence: sy.Recurrence, explanation: sy.Explanation}
		if len(sy.Suspects) > 0 && !sy.Unexplained {
			it.cause, it.known = sy.Suspects[0].Title, sy.Suspects[0].Known
		}
		items = append(items, it)
	}
	for _, a := range f.Anomalies {
		items = append(items, item{kind: string(a.Kind), subject: a.Subject, source: a.Source, start: a.Start, end: a.End,
			class: a.Class, peak: a.PeakValue, base: a.BaselineValue, ratio: a.Ratio, unit: a.Unit, rank: -1,
			score: a.Score, explanation: a.Explanation})
	}
	groups := group(items)
	var prevEps []EpisodeState
	s.counts, s.Patterns = f.Patterns, []PatternChange{}
	if prev != nil {
		prevEps = prev.Episodes
		w := prev.Window
		s.Previous = &w
		s.Patterns, s.PatternsSteady = comparePatterns(f.Patterns, f.Window, prev.Patterns, prev.Window)
	}
	used := make([]bool, len(prevEps))
	for _, g := range groups {
		e := episodeOf(g, cal)
		judge(&e, cal, prevEps, used)
		s.Episodes = append(s.Episodes, e)
	}
	for i, p := range prevEps {
		if !used[i] {
			s.Gone = append(s.Gone, p)
		}
	}
	slices.SortStableFunc(s.Episodes, func(x, y SummaryEpisode) int {
		return cmp.Or(cmp.Compare(classOrder(x.Class), classOrder(y.Class)), x.Start.Compare(y.Start), cmp.Compare(x.Key, y.Key))
	})
	for i := range s.Episodes {
		e := &s.Episodes[i]
		e.ID = fmt.Sprintf("N%d", i+1)
		switch e.Status {
		case StatusNew:
			s.New++
		case StatusKnown:
			s.Known++
		case StatusChanged:
			s.Change++
		}
	}
	return s
}

// classOrder puts what happened outside business hours first: that is
// what nobody saw.
func classOrder(c TimeClass) int {
	if c == BusinessHours {
		return 1
	}
	return 0
}

// group puts items into episodes. Each symptom leads one; an anomaly joins
// the symptom it starts during or up to episodeSlack before, so that a
// series that moved all night does not swallow every episode of the
// night. Anomalies that join no symptom group by the same rule around the
// earliest of them.
func group(items []item) [][]item {
	slices.SortStableFunc(items, func(x, y item) int {
		return cmp.Or(x.start.Compare(y.start), cmp.Compare(x.key(), y.key()))
	})
	joins := func(lead, it item) bool {
		return !it.start.Before(lead.start.Add(-episodeSlack)) && !it.start.After(lead.end.Add(episodeSlack))
	}
	var groups [][]item
	var rest []item
	for _, it := range items {
		if it.rank >= 0 {
			groups = append(groups, []item{it})
		}
	}
	for _, it := range items {
		if it.rank >= 0 {
			continue
		}
		joined := false
		for i := range groups {
			if joins(groups[i][0], it) {
				groups[i] = append(groups[i], it)
				joined = true
				break
			}
		}
		if !joined {
			rest = append(rest, it)
		}
	}
	var loose [][]item
	for _, it := range rest {
		if n := len(loose); n > 0 && joins(loose[n-1][0], it) {
			loose[n-1] = append(loose[n-1], it)
			continue
		}
		loose = append(loose, []item{it})
	}
	return append(groups, loose...)
}

func episodeOf(g []item, cal Calendar) SummaryEpisode {
	lead := 0
	for i, it := range g {
		l := g[lead]
		switch {
		case it.rank >= 0 && (l.rank < 0 || it.rank < l.rank):
			lead = i
		case it.rank < 0 && l.rank < 0 && it.score > l.score:
			lead = i
		}
	}
	l := g[lead]
	e := SummaryEpisode{Key: l.key(), Kind: l.kind, Subject: l.subject, Source: l.source, Symptom: l.symptom,
		Start: l.start, End: l.end, Class: l.class, PeakValue: l.peak, BaselineValue: l.base, Unit: l.unit,
		Ratio: l.ratio, Cause: l.cause, Members: []string{}, Explanation: l.explanation, Expected: l.known}
	if r := l.recurrence; r.Recurring {
		e.Recurring = fmt.Sprintf("recurring, seen at this time on %d of the %d previous days.", r.DaysSeen, r.DaysChecked)
	}
	for i, it := range g {
		if i != lead && !slices.Contains(e.Members, it.member()) && it.member() != l.member() {
			e.Members = append(e.Members, it.member())
		}
	}
	if e.Class == BusinessHours {
		// An episode that began off-hours and ran into the morning is
		// still one nobody watched at its start.
		e.Class = cal.Classify(e.Start)
	}
	slices.Sort(e.Members)
	return e
}

// judge sets e's status and says why, matching it against the previous
// summary's episodes not yet matched.
func judge(e *SummaryEpisode, cal Calendar, prev []EpisodeState, used []bool) {
	minute := minuteOfDay(cal, e.Start)
	match := -1
	// The same subject at the same time of day is the same thing, even if
	// a latency spike became an outage; the same kind is the closer match.
	best := 0
	for i, p := range prev {
		if used[i] || subjectKey(p.Key) != subjectKey(e.Key) {
			continue
		}
		d := summaryAbs(minute - p.MinuteOfDay)
		d = min(d, 24*60-d)
		if d > matchMinutes {
			continue
		}
		rank := 2*d + 1
		if p.Key != e.Key {
			rank += 2 * matchMinutes
		}
		if match < 0 || rank < best {
			match, best = i, rank
		}
	}
	if match < 0 {
		if r := recurrenceOf(e); r != "" {
			e.Status, e.Why = StatusKnown, r
			return
		}
		e.Status, e.Why = StatusNew, "New: not in the previous summary and not seen at this time on the days before."
		return
	}
	used[match] = true
	p := prev[match]
	var changes []string
	if k, pk := kindOf(e.Key), kindOf(p.Key); k != pk {
		changes = append(changes, fmt.Sprintf("%s now, %s last time", article(k), article(pk)))
	}
	if e.Ratio > 0 && p.Ratio > 0 && summaryFactor(e.Ratio, p.Ratio) >= changedFactor {
		changes = append(changes, fmt.Sprintf("%.1f× its baseline, %.1f× last time", e.Ratio, p.Ratio))
	}
	if d, pd := e.Duration(), p.Duration; pd > 0 && summaryFactor(d.Seconds(), pd.Seconds()) >= changedFactor && summaryAbsDur(d-pd) >= changedMinimum {
		changes = append(changes, fmt.Sprintf("lasted %s, %s last time", fmtDur(d), fmtDur(pd)))
	}
	if e.Cause != "" && p.Cause != "" && e.Cause != p.Cause {
		changes = append(changes, fmt.Sprintf("most likely cause now %s, was %s", e.Cause, p.Cause))
	}
	var joined []string
	for _, m := range e.Members {
		if !slices.Contains(p.Members, m) {
			joined = append(joined, m)
		}
	}
	if len(joined) > 0 {
		changes = append(changes, "now with "+strings.Join(joined, ", "))
	}
	last := cal.Local(p.Start).Format("2006-01-02 15:04")
	if len(changes) > 0 {
		e.Status = StatusChanged
		e.Why = fmt.Sprintf("Changed since the previous summary (%s): %s.", last, strings.Join(changes, "; "))
		return
	}
	e.Status = StatusKnown
	e.Why = fmt.Sprintf("Known: the previous summary had it too, at %s, much the same.", last)
	if r := recurrenceOf(e); r != "" {
		e.Why += " " + r
	}
}

// recurrenceOf is a sentence when the lead symptom recurs, else "".
func recurrenceOf(e *SummaryEpisode) string {
	if e.Recurring == "" {
		return ""
	}
	return "Known: " + e.Recurring
}

// subjectKey is a key without its kind: "kuma|Shop".
func subjectKey(key string) string { _, rest, _ := strings.Cut(key, "|"); return rest }

func kindOf(key string) string { k, _, _ := strings.Cut(key, "|"); return k }

// article is "an outage", "a latency spike", "a series anomaly".
func article(kind string) string {
	w := strings.ReplaceAll(kind, "_", " ")
	if kind == string(SeriesAnomaly) {
		w = "series anomaly"
	}
	if w != "" && strings.ContainsRune("aeiou", rune(w[0])) {
		return "an " + w
	}
	return "a " + w
}

func minuteOfDay(cal Calendar, t time.Time) int {
	l := cal.Local(t)
	return l.Hour()*60 + l.Minute()
}

func summaryFactor(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 1
	}
	return math.Max(a/b, b/a)
}

func summaryAbs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func summaryAbsDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// zoneCalendar is enough of a calendar to tell local times of day.
func zoneCalendar(zone string) Calendar {
	cal := Calendar{Location: time.UTC}
	if loc, err := time.LoadLocation(zone); err == nil {
		cal.Location = loc
	}
	return cal
}

// State is what this summary leaves for the next one.
func (s *Summary) State() SummaryState {
	cal := zoneCalendar(s.Zone)
	st := SummaryState{Schema: StateSchema, Profile: s.Profile, Window: s.Window, Episodes: []EpisodeState{}}
	for _, e := range s.Episodes {
		title := strings.ReplaceAll(e.Kind, "_", " ") + " " + e.Subject
		st.Episodes = append(st.Episodes, EpisodeState{Key: e.Key, Title: title, Start: e.Start,
			MinuteOfDay: minuteOfDay(cal, e.Start), Duration: e.Duration(), Ratio: e.Ratio, Cause: e.Cause,
			Members: slices.Clone(e.Members)})
	}
	for _, c := range s.counts {
		st.Patterns = append(st.Patterns, PatternState{ID: c.ID, Source: c.Source, Template: c.Template, Lines: c.Lines})
	}
	return st
}
