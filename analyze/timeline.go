package analyze

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
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
		case ErrorSpike:
			add(s.Start, s.Source, "spike start", fmt.Sprintf("%s [%s] errors above normal (peak %s at %s)",
				s.Subject, s.ID, fmtVal(s.PeakValue, s.Unit), a.local(s.Peak)), "")
			if !s.Ongoing {
				add(s.End, s.Source, "spike end", fmt.Sprintf("%s [%s] errors back to normal", s.Subject, s.ID), "")
			}
		}
	}
	from, to := a.o.Window.From.Add(-a.o.Lag), a.o.Window.To
	n := map[eventSig]int{}
	for i := range a.ds.Events {
		if e := &a.ds.Events[i]; !e.T.Before(from) && e.T.Before(to) {
			n[sigOf(e)]++
		}
	}
	shown := map[eventSig]bool{}
	for i := range a.ds.Events {
		e := &a.ds.Events[i]
		if e.T.Before(from) || !e.T.Before(to) {
			continue
		}
		k := sigOf(e)
		// The kind is shown beside the text; "cron: cron: x" says it twice.
		text := strings.TrimPrefix(e.Title, string(e.Kind)+": ")
		if c := n[k]; c > maxRepeats {
			if shown[k] {
				continue
			}
			shown[k] = true
			text = fmt.Sprintf("%s (%d times in the window, first shown)", text, c)
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
