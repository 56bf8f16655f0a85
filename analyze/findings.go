package analyze

import (
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Findings is everything analyze concluded about one incident window. The
// report package renders it and computes nothing new; every number a report
// shows is a field here. JSON field names are part of the documented output
// (see report/README.md) and change only with a schema version.
type Findings struct {
	Window   sources.Window `json:"window"`   // the incident window asked about
	Baseline sources.Window `json:"baseline"` // what it was compared with
	Zone     string         `json:"zone"`     // IANA name of the profile's time zone
	Profile  string         `json:"profile,omitempty"`
	Command  string         `json:"command,omitempty"` // how to reproduce this report

	// Symptoms are outages and spikes in the window, worst first.
	Symptoms []Symptom `json:"symptoms"`
	// Impact is per probe, in the order of Dataset.Probes.
	Impact []Impact `json:"impact"`
	// Anomalies are the things that moved in the window, strongest first,
	// whether or not they explain a symptom.
	Anomalies []Anomaly `json:"anomalies"`
	// Timeline merges symptoms, anomalies and events in time order.
	Timeline []TimelineEntry `json:"timeline"`
	// Gaps are what could not be seen, from sources and from analysis.
	Gaps []sources.Gap `json:"gaps"`
	// Notes are facts about how the data was read or judged.
	Notes []string `json:"notes"`
	// Inputs counts what was analysed, so that "nothing found" can be told
	// apart from "nothing looked at".
	Inputs Inputs `json:"inputs"`
	// Episodes group outages of several probes that began together.
	Episodes []Episode `json:"episodes"`
	// Patterns are the log templates seen in the window with their line
	// counts, busiest first (at most 500): what a nightly summary compares
	// with the night before.
	Patterns []PatternCount `json:"patterns"`
}

// Inputs counts the data behind the findings.
type Inputs struct {
	Probes   int `json:"probes"`
	Beats    int `json:"beats"`
	Series   int `json:"series"`
	Points   int `json:"points"`
	Events   int `json:"events"`
	Patterns int `json:"patterns"`
	// What the run asked of APIs billed by use (CloudWatch, S3): metrics
	// queried and requests made.
	MetricsQueried int `json:"metrics_queried,omitempty"`
	APIRequests    int `json:"api_requests,omitempty"`
	// Sources names the sources read, sorted: those that answered and
	// those whose data is in the findings.
	Sources []string `json:"sources,omitempty"`
	// Zones is, per log source, the zone assumed for its times written
	// without one.
	Zones map[string]string `json:"zones,omitempty"`
	// ZoneLines is, per log source in Zones, how many lines were read so.
	ZoneLines map[string]int `json:"zone_lines,omitempty"`
}

// Empty reports whether no data at all was analysed.
func (i Inputs) Empty() bool {
	return i.Beats == 0 && i.Points == 0 && i.Events == 0 && i.Patterns == 0
}

// TimeClass says when, in the profile's calendar, something happened.
type TimeClass string

const (
	BusinessHours TimeClass = "business_hours"
	OffHours      TimeClass = "off_hours"
	Weekend       TimeClass = "weekend"
	Holiday       TimeClass = "holiday"
)

// SymptomKind is what a user felt.
type SymptomKind string

const (
	Outage       SymptomKind = "outage"
	LatencySpike SymptomKind = "latency_spike"
	// ErrorSpike is a server-side error rate rising, a symptom only when
	// no probe watches (then it is what users felt).
	ErrorSpike SymptomKind = "error_spike"
	// Change is a service's own series (its memory, CPU, disk writes,
	// requests) moving far outside its usual range, in a system of
	// services with no probe, when the user-facing service's latency and
	// errors did not move: not what users felt, but the largest change
	// in the window, and what a fault that users did not (yet) feel
	// looks like.
	Change SymptomKind = "change"
)

// Symptom is an outage or a latency spike.
type Symptom struct {
	ID      string      `json:"id"` // "S1", "S2", ... in rank order
	Kind    SymptomKind `json:"kind"`
	Subject string      `json:"subject"` // "Shop" or a series name
	Source  string      `json:"source"`
	Target  string      `json:"target,omitempty"`
	Start   time.Time   `json:"start"`
	Peak    time.Time   `json:"peak"`
	End     time.Time   `json:"end"` // first time it was normal again; Window.To when it never was
	Ongoing bool        `json:"ongoing"`
	// Duration is End-Start; for an outage it is the downtime.
	Duration time.Duration `json:"duration_ns"`
	Class    TimeClass     `json:"class"` // of Start
	// PeakValue and BaselineValue are in Unit ("s" for latency; failed
	// checks for outages). Ratio is PeakValue/BaselineValue and Score the
	// robust z-score (peak - median) / (1.4826 MAD); 0 when not defined.
	PeakValue     float64 `json:"peak_value"`
	BaselineValue float64 `json:"baseline_value"`
	Unit          string  `json:"unit"`
	Ratio         float64 `json:"ratio"`
	Score         float64 `json:"score"`
	FailedChecks  int     `json:"failed_checks,omitempty"`
	// Explanation is one sentence with the numbers behind the symptom.
	Explanation string    `json:"explanation"`
	Query       string    `json:"query,omitempty"`
	Suspects    []Suspect `json:"suspects"`
	// Unexplained: no suspect makes a convincing case (none scores 0.45).
	// "No convincing cause in the data" is the answer; Suspects then holds
	// the best weak candidates, all of low confidence, for a person to
	// weigh, and none of them is to be reported as the cause.
	Unexplained bool `json:"unexplained,omitempty"`
	// ByComponent rolls every candidate scoring at least the listing
	// floor up by the component it is about, best first: five signals
	// from one host are one answer about that host.
	ByComponent []ComponentScore `json:"by_component,omitempty"`
	Recurrence  Recurrence       `json:"recurrence"`
	// Chart is the symptom's series across the window, for the report's
	// charts; nil when there is no series to draw (see analyze/chart.go).
	Chart *Chart `json:"chart,omitempty"`
}

// SuspectKind is what a suspect is.
type SuspectKind string

const (
	SuspectEvent      SuspectKind = "event"
	SuspectAnomaly    SuspectKind = "anomaly"
	SuspectLogBurst   SuspectKind = "log_burst"
	SuspectNewPattern SuspectKind = "new_log_pattern"
	// SuspectProbeError is what the probe itself said when it failed:
	// an expired certificate, a name that does not resolve.
	SuspectProbeError SuspectKind = "probe_error"
	// SuspectExhaustion is a resource that ran out: a series whose danger
	// is a fall (free disk, available memory, idle connections) that
	// reached about zero.
	SuspectExhaustion SuspectKind = "exhaustion"
	// SuspectNothing says nothing in the data explains the symptom: only
	// the probe saw it.
	SuspectNothing SuspectKind = "nothing_in_data"
)

// ComponentScore is one component's standing among a symptom's
// candidates: its best candidate's score, how many candidates name it, and
// their cause types.
type ComponentScore struct {
	Component string      `json:"component"`
	Score     float64     `json:"score"`
	Suspects  int         `json:"suspects"`
	Causes    []CauseType `json:"causes,omitempty"`
}

// CauseType is the kind of root cause a suspect stands for: the taxonomy
// of issue 13 (Datadog's Watchdog RCA and Grafana Sift draw it the same
// way). Symptoms (latency, error rates, failing checks) are never one.
type CauseType string

const (
	CauseChange     CauseType = "change"        // deploy, release, config reload, restart by a person
	CauseScheduled  CauseType = "scheduled_job" // cron job, systemd timer, backup
	CauseTraffic    CauseType = "traffic"       // request rate, by route, client or campaign
	CauseExhaustion CauseType = "exhaustion"    // a resource running out or saturated
	CauseCrash      CauseType = "crash"         // OOM kill, segfault, panic
	CauseDependency CauseType = "dependency"    // DNS, TLS, an upstream refusing or timing out
	CauseLogBurst   CauseType = "log_burst"     // a log pattern bursting or new
	CauseOther      CauseType = "other"         // a series that moved, of no known role
	CauseNothing    CauseType = "nothing_in_data"
)

// Suspect is a possible cause of a symptom, with its score and the reason.
type Suspect struct {
	Rank   int         `json:"rank"`
	Kind   SuspectKind `json:"kind"`
	Cause  CauseType   `json:"cause,omitempty"`
	Title  string      `json:"title"`
	Source string      `json:"source"`
	// Component is the host, service or instance the suspect is about,
	// from labels, syslog host names and unit names; "" when unknown.
	Component string    `json:"component,omitempty"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end,omitzero"`
	// Lead is how long before the symptom's start it began (negative: after).
	Lead time.Duration `json:"lead_ns"`
	// Score in [0,1] is the weighted sum of the components below; see
	// analyze/doc.go for the formula.
	Score      float64         `json:"score"`
	Confidence string          `json:"confidence"` // high, medium, low
	Components ScoreComponents `json:"components"`
	Reason     string          `json:"reason"` // one sentence with the numbers
	Evidence   []Evidence      `json:"evidence"`
	// Known names the team's known event this is (see LabelKnown).
	Known string `json:"known,omitempty"`
}

// ScoreComponents are the parts of a suspect's score, each in [0,1].
type ScoreComponents struct {
	Timing      float64 `json:"timing"`
	Strength    float64 `json:"strength"`
	Cooccurence float64 `json:"cooccurrence"`
	Specificity float64 `json:"specificity"`
}

// Evidence is something a person can check.
type Evidence struct {
	Text  string            `json:"text"`
	Ref   string            `json:"ref,omitempty"`   // file:line, event id, URL
	Query string            `json:"query,omitempty"` // PromQL, SQL, file path
	Lines []sources.LogLine `json:"lines,omitempty"`
}

// Recurrence says whether the symptom came back at the same local time on
// previous days.
type Recurrence struct {
	DaysChecked int      `json:"days_checked"`
	DaysSeen    int      `json:"days_seen"`
	Dates       []string `json:"dates"` // local dates (2006-01-02) it was seen on
	Recurring   bool     `json:"recurring"`
	Sentence    string   `json:"sentence"`
}

// Impact is what one probe's users saw in the window.
type Impact struct {
	Probe        string        `json:"probe"`
	Source       string        `json:"source"`
	Target       string        `json:"target,omitempty"`
	Checks       int           `json:"checks"`
	Failed       int           `json:"failed"`
	Availability float64       `json:"availability"` // 0..1 over checks; -1 when no checks
	Downtime     time.Duration `json:"downtime_ns"`
	Outages      int           `json:"outages"`
	MTTR         time.Duration `json:"mttr_ns"` // mean outage length; 0 with no outage
	// Latency of successful checks during the window and in the baseline.
	P50       time.Duration `json:"p50_ns"`
	P95       time.Duration `json:"p95_ns"`
	Max       time.Duration `json:"max_ns"`
	BaseP50   time.Duration `json:"baseline_p50_ns"`
	BaseP95   time.Duration `json:"baseline_p95_ns"`
	BaseMax   time.Duration `json:"baseline_max_ns"`
	Sparkline []float64     `json:"sparkline,omitempty"` // latency per bucket across the window, seconds
	// SparkFailed counts the failed checks in each bucket of Sparkline;
	// nil when none failed. A short outage leaves the bucket's mean
	// latency as it was, so the report marks these buckets apart.
	SparkFailed []int `json:"spark_failed,omitempty"`
	// Resolution is non-zero when only aggregates were available.
	Resolution time.Duration `json:"resolution_ns,omitempty"`
}

// AnomalyKind is what moved.
type AnomalyKind string

const (
	SeriesAnomaly AnomalyKind = "series"
	LogBurst      AnomalyKind = "log_burst"
	NewPattern    AnomalyKind = "new_log_pattern"
)

// Anomaly is an interval in which a series or a log pattern was abnormal.
type Anomaly struct {
	Kind     AnomalyKind  `json:"kind"`
	Subject  string       `json:"subject"` // series key or log template
	Source   string       `json:"source"`
	Role     sources.Role `json:"-"`
	RoleName string       `json:"role"`
	Start    time.Time    `json:"start"`
	Peak     time.Time    `json:"peak"`
	End      time.Time    `json:"end"`
	Class    TimeClass    `json:"class"`
	// For series: values at the peak and the baseline median, in Unit; for
	// logs: lines in the interval and the lines expected from the baseline.
	PeakValue     float64           `json:"peak_value"`
	BaselineValue float64           `json:"baseline_value"`
	Unit          string            `json:"unit"`
	Ratio         float64           `json:"ratio"`
	Score         float64           `json:"score"`
	Explanation   string            `json:"explanation"`
	Query         string            `json:"query,omitempty"`
	Examples      []sources.LogLine `json:"examples,omitempty"`
}

// TimelineEntry is one line of the merged timeline.
type TimelineEntry struct {
	T      time.Time `json:"t"`
	Class  TimeClass `json:"class"`
	Source string    `json:"source"`
	Kind   string    `json:"kind"` // "outage start", "cron", "anomaly", ...
	Text   string    `json:"text"`
	Ref    string    `json:"ref,omitempty"`
	// Known names the team's known event this is (see LabelKnown).
	Known string `json:"known,omitempty"`
}
