package analyze

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Episode is several probes going down together: one incident with one
// cause, not several.
type Episode struct {
	ID       string    `json:"id"` // "E1", ...
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Symptoms []string  `json:"symptoms"` // symptom IDs
	Subjects []string  `json:"subjects"`
	// SharedHost is the host every member's target is on, when they share one.
	SharedHost string `json:"shared_host,omitempty"`
	// Cause is the best-scoring suspect over the members; empty when none.
	Cause      string  `json:"cause,omitempty"`
	CauseScore float64 `json:"cause_score,omitempty"`
	Sentence   string  `json:"sentence"`
}

// episodeGap: outages that start within this of the episode's first one
// belong to it. Monitors checked every minute see the same failure within
// one interval of each other.
const episodeGap = 2 * time.Minute

func (a *analysis) episodes() []Episode {
	var out []Episode
	var cur []*Symptom
	flush := func() {
		if len(cur) >= 2 {
			out = append(out, a.episode(len(out)+1, cur))
		}
		cur = nil
	}
	var outs []*Symptom
	for i := range a.f.Symptoms {
		if a.f.Symptoms[i].Kind == Outage {
			outs = append(outs, &a.f.Symptoms[i])
		}
	}
	slices.SortStableFunc(outs, func(x, y *Symptom) int { return x.Start.Compare(y.Start) })
	for _, s := range outs {
		if len(cur) > 0 && s.Start.Sub(cur[0].Start) > episodeGap {
			flush()
		}
		cur = append(cur, s)
	}
	flush()
	return out
}

func (a *analysis) episode(n int, members []*Symptom) Episode {
	e := Episode{ID: fmt.Sprintf("E%d", n), Start: members[0].Start, End: members[0].End}
	hosts := map[string]bool{}
	var best *Suspect
	for _, s := range members {
		e.Symptoms = append(e.Symptoms, s.ID)
		e.Subjects = append(e.Subjects, s.Subject)
		if s.End.After(e.End) {
			e.End = s.End
		}
		hosts[hostOf(s.Target)] = true
		for i := range s.Suspects {
			if best == nil || s.Suspects[i].Score > best.Score {
				best = &s.Suspects[i]
			}
		}
	}
	if len(hosts) == 1 {
		for h := range hosts {
			e.SharedHost = h
		}
	}
	on := ""
	if e.SharedHost != "" {
		on = " on " + e.SharedHost
	}
	e.Sentence = fmt.Sprintf("%d probes%s went down within %s of each other (%s): one incident.",
		len(members), on, fmtDur(members[len(members)-1].Start.Sub(members[0].Start)), strings.Join(e.Subjects, ", "))
	if best != nil {
		e.Cause, e.CauseScore = best.Title, best.Score
		e.Sentence = strings.TrimSuffix(e.Sentence, ".") + fmt.Sprintf(", most likely caused by %s (score %.2f).", best.Title, best.Score)
	}
	return e
}

// hostOf is the host of a probe target: a URL's host, or the target itself.
func hostOf(target string) string {
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		return u.Hostname()
	}
	if h, _, ok := strings.Cut(target, ":"); ok {
		return h
	}
	return target
}
