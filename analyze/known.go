package analyze

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/hindsight-sre/hindsight/sources"
)

// KnownEvent is an entry of the team's known-events list: something that
// happens on purpose (a nightly backup, a weekly reindex, log rotation),
// how to recognise it, and what it is expected to do. A report labels the
// suspects and timeline entries it recognises, so the reader sees "known:
// nightly backup (expected: IO up for 20 min)" next to the evidence.
type KnownEvent struct {
	Name string
	// Schedule is a cron spec ("0 3 * * *", "@daily"; a CRON_TZ= prefix
	// sets its zone); an event matches when it starts at a run of it, or up
	// to ScheduleSlack after.
	Schedule string
	// Pattern is a regexp matched against the event's title and detail.
	Pattern string
	// Effect is free text: "disk IO and latency up for ~20 min".
	Effect string
	// Source, when set, restricts matching to events of that source.
	Source string
	// Location is the zone of Schedule when it has no CRON_TZ; nil is UTC.
	Location *time.Location
}

// ScheduleSlack is how long after a scheduled run an event still counts as
// that run: cron logs a job within seconds of its minute, and a script's
// own "started" line may come a little later.
const ScheduleSlack = 2 * time.Minute

// scheduledKinds are the event kinds a schedule alone may recognise: jobs
// and changes. A probe failure or an alert at 03:00 is not the backup that
// runs then; only a Pattern can say that.
var scheduledKinds = map[sources.EventKind]bool{
	sources.KindCron: true, sources.KindBackup: true, sources.KindDeploy: true,
	sources.KindRestart: true, sources.KindMaintenance: true, sources.KindChange: true,
}

// knownParser reads the five standard cron fields and the @ macros.
var knownParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// knownMatcher is a KnownEvent compiled once.
type knownMatcher struct {
	k     KnownEvent
	sched cron.Schedule
	re    *regexp.Regexp
}

// Check reports what is wrong with k: no name, neither a schedule nor a
// pattern, or one that does not parse.
func (k KnownEvent) Check() error {
	_, err := k.compile()
	return err
}

func (k KnownEvent) compile() (*knownMatcher, error) {
	m := &knownMatcher{k: k}
	if strings.TrimSpace(k.Name) == "" {
		return nil, fmt.Errorf("known event without a name")
	}
	if k.Schedule == "" && k.Pattern == "" {
		return nil, fmt.Errorf("known event %q: neither a schedule nor a pattern", k.Name)
	}
	if k.Schedule != "" {
		s, err := knownParser.Parse(strings.TrimSpace(k.Schedule))
		if err != nil {
			return nil, fmt.Errorf("known event %q: schedule %q: %w", k.Name, k.Schedule, err)
		}
		m.sched = s
	}
	if k.Pattern != "" {
		re, err := regexp.Compile(k.Pattern)
		if err != nil {
			return nil, fmt.Errorf("known event %q: pattern %q: %w", k.Name, k.Pattern, err)
		}
		m.re = re
	}
	return m, nil
}

// Matches reports whether e is an occurrence of k: from k's source if it
// names one, matching its pattern if it has one, and starting at a run of
// its schedule (within ScheduleSlack) if it has one. With a schedule and
// no pattern, only jobs and changes (cron, backup, deploy, restart,
// maintenance) match. A k that does not compile matches nothing.
func (k KnownEvent) Matches(e sources.Event) bool {
	m, err := k.compile()
	if err != nil {
		return false
	}
	return m.matches(e)
}

func (m *knownMatcher) matches(e sources.Event) bool {
	if m.k.Source != "" && e.Source != m.k.Source {
		return false
	}
	if m.re != nil && !m.re.MatchString(e.Title) && !(e.Detail != "" && m.re.MatchString(e.Detail)) {
		return false
	}
	if m.sched != nil {
		if m.re == nil && !scheduledKinds[e.Kind] {
			return false
		}
		loc := m.k.Location
		if loc == nil {
			loc = time.UTC
		}
		// The first run after (start of slack - 1s) is at or before e.T
		// exactly when a run lies in [e.T - slack, e.T].
		run := m.sched.Next(e.T.Add(-ScheduleSlack - time.Second).In(loc))
		if run.IsZero() || run.After(e.T) {
			return false
		}
	}
	return true
}

// label is what a recognised entry carries: the name, and the expected
// effect when there is one.
func (m *knownMatcher) label() string {
	if m.k.Effect == "" {
		return m.k.Name
	}
	return m.k.Name + " (expected: " + m.k.Effect + ")"
}

// LabelKnown sets Known on every suspect and timeline entry of f that is an
// occurrence of one of known (the first that matches). Suspects and
// timeline entries are matched as the events they stand for: event
// suspects and event lines by kind, title, source and time; log bursts and
// new log patterns by pattern only. Series anomalies and symptoms are
// effects, not events, and are never labelled. Entries of known that do
// not compile are skipped; cmd checks them when it reads the file.
func LabelKnown(f *Findings, known []KnownEvent) {
	if f == nil || len(known) == 0 {
		return
	}
	var ms []*knownMatcher
	for _, k := range known {
		if m, err := k.compile(); err == nil {
			ms = append(ms, m)
		}
	}
	find := func(e sources.Event) string {
		for _, m := range ms {
			if m.matches(e) {
				return m.label()
			}
		}
		return ""
	}
	for i := range f.Symptoms {
		for j := range f.Symptoms[i].Suspects {
			s := &f.Symptoms[i].Suspects[j]
			if e, ok := suspectEvent(s); ok {
				s.Known = find(e)
			}
		}
	}
	for i := range f.Timeline {
		te := &f.Timeline[i]
		if e, ok := timelineEvent(te); ok {
			te.Known = find(e)
		}
	}
}

// eventKinds are the kinds a timeline entry of an event carries.
var eventKinds = map[sources.EventKind]bool{
	sources.KindProbeDown: true, sources.KindProblem: true, sources.KindAlert: true,
	sources.KindCron: true, sources.KindBackup: true, sources.KindDeploy: true,
	sources.KindRestart: true, sources.KindOOM: true, sources.KindLogError: true,
	sources.KindMaintenance: true, sources.KindOther: true,
	sources.KindChange: true, sources.KindUpstream: true,
}

// suspectEvent is the event a suspect stands for. An event suspect's
// title is its event's ("cron: /usr/local/bin/backup.sh"), so the kind is
// the part before the colon.
func suspectEvent(s *Suspect) (sources.Event, bool) {
	e := sources.Event{Source: s.Source, T: s.Start, End: s.End, Title: s.Title}
	switch s.Kind {
	case SuspectEvent:
		if k, _, ok := strings.Cut(s.Title, ": "); ok && eventKinds[sources.EventKind(k)] {
			e.Kind = sources.EventKind(k)
		}
		return e, true
	case SuspectLogBurst, SuspectNewPattern:
		return e, true // Kind empty: a schedule alone does not match it
	}
	return e, false
}

// timelineEvent is the event a timeline line stands for. The timeline
// drops the "kind: " prefix of a title; it is put back so a pattern
// written against the event's title matches here too.
func timelineEvent(te *TimelineEntry) (sources.Event, bool) {
	e := sources.Event{Source: te.Source, T: te.T, Title: te.Text, Ref: te.Ref}
	switch k := sources.EventKind(te.Kind); {
	case eventKinds[k]:
		e.Kind = k
		if !strings.HasPrefix(te.Text, te.Kind+": ") {
			e.Title = te.Kind + ": " + te.Text
		}
		return e, true
	case te.Kind == string(LogBurst) || te.Kind == string(NewPattern):
		return e, true
	}
	return e, false
}
