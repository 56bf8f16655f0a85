package analyze

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// maxRepeats: an event that repeats more often than this in the window
// (a cron job every minute) gets one timeline line with its count.
const maxRepeats = 3

func (a *analysis) timeline() []TimelineEntry {
	var out []TimelineEntry
	add := func(t time.Time, source, kind, text, ref string) {
		out = append(out, TimelineEntry{T: t, Class: a.cal.Classify(t), Source: source, Kind: kind, Text: text, Ref: ref})
	}
	for _, s := range a.f.Symptoms {
		switch s.Kind {
		case Outage:
			add(s.Start, s.Source, "outage start", fmt.Sprintf("%s [%s] first failed check", s.Subject, s.ID), "")
			if !s.Ongoing {
				add(s.End, s.Source, "outage end", fmt.Sprintf("%s [%s] up again after %s", s.Subject, s.ID, fmtDur(s.Duration)), "")
			}
		case LatencySpike:
			add(s.Start, s.Source, "spike start", fmt.Sprintf("%s [%s] latency above normal (peak %s at %s)",
				s.Subject, s.ID, fmtVal(s.PeakValue, s.Unit), a.local(s.Peak)), "")
			if !s.Ongoing {
				add(s.End, s.Source, "spike end", fmt.Sprintf("%s [%s] latency back to normal", s.Subject, s.ID), "")
			}
		}
	}
	from, to := a.o.Window.From.Add(-a.o.Lag), a.o.Window.To
	type sig struct {
		kind  sources.EventKind
		title string
	}
	n := map[sig]int{}
	for _, e := range a.ds.Events {
		if !e.T.Before(from) && e.T.Before(to) {
			n[sig{e.Kind, e.Title}]++
		}
	}
	shown := map[sig]bool{}
	for _, e := range a.ds.Events {
		if e.T.Before(from) || !e.T.Before(to) {
			continue
		}
		k := sig{e.Kind, e.Title}
		text := e.Title
		if c := n[k]; c > maxRepeats {
			if shown[k] {
				continue
			}
			shown[k] = true
			text = fmt.Sprintf("%s (%d times in the window, first shown)", e.Title, c)
		}
		add(e.T, e.Source, string(e.Kind), text, e.Ref)
	}
	for _, an := range a.f.Anomalies {
		add(an.Start, an.Source, string(an.Kind), an.Explanation, "")
	}
	slices.SortStableFunc(out, func(x, y TimelineEntry) int {
		return cmp.Or(x.T.Compare(y.T), cmp.Compare(x.Source, y.Source), cmp.Compare(x.Text, y.Text))
	})
	return out
}
