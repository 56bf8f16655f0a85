package analyze

import (
	"cmp"
	"slices"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// PatternCount is one log template's lines in the incident window.
type PatternCount struct {
	ID        string    `json:"id"` // stable across runs (sources.LogPattern.ID)
	Source    string    `json:"source"`
	Template  string    `json:"template"`
	Level     string    `json:"level,omitempty"`
	Lines     int       `json:"lines"`
	FirstSeen time.Time `json:"first_seen"`
}

// maxPatternCounts bounds Findings.Patterns: the busiest templates.
const maxPatternCounts = 500

// patternCounts counts each pattern's lines in the window.
func (a *analysis) patternCounts() []PatternCount {
	w := a.o.Window
	var out []PatternCount
	for _, p := range a.ds.Patterns {
		n := 0
		for _, b := range p.Counts {
			if w.Contains(b.T) {
				n += b.N
			}
		}
		if n == 0 {
			continue
		}
		id := p.ID
		if id == "" {
			id = p.Source + "|" + p.Template
		}
		out = append(out, PatternCount{ID: id, Source: p.Source, Template: p.Template, Level: p.Level, Lines: n, FirstSeen: p.FirstSeen})
	}
	slices.SortFunc(out, func(x, y PatternCount) int {
		return cmp.Or(cmp.Compare(y.Lines, x.Lines), cmp.Compare(x.Source, y.Source), cmp.Compare(x.Template, y.Template))
	})
	if len(out) > maxPatternCounts {
		out = out[:maxPatternCounts]
	}
	return out
}

// PatternStatus is how a log template changed since the previous summary.
type PatternStatus string

const (
	PatternNew   PatternStatus = "new"
	PatternGrown PatternStatus = "grown"
	PatternGone  PatternStatus = "gone"
)

// PatternChange is a log template that is new, grown or gone since the
// previous summary.
type PatternChange struct {
	ID       string        `json:"id"`
	Source   string        `json:"source"`
	Template string        `json:"template"`
	Status   PatternStatus `json:"status"`
	Lines    int           `json:"lines"`    // in this summary's window
	Previous int           `json:"previous"` // in the previous summary's window
	// PerHour and PreviousPerHour are the rates compared (windows differ
	// in length from one summary to the next).
	PerHour         float64 `json:"per_hour"`
	PreviousPerHour float64 `json:"previous_per_hour"`
}

// PatternState is a template as a summary remembers it.
type PatternState struct {
	ID       string `json:"id"`
	Source   string `json:"source"`
	Template string `json:"template"`
	Lines    int    `json:"lines"`
}

// The pattern diff's thresholds: a template is new only with at least
// patternFloor lines (one odd line is not news), grown when its rate is at
// least patternGrowth times the previous one and the previous count had
// patternFloor lines to compare with, gone when it had patternFloor lines
// and has none now.
const (
	patternFloor  = 10
	patternGrowth = 2.0
)

// comparePatterns diffs this window's templates with the previous
// summary's; it returns the changes (new first, then grown, then gone, by
// lines) and how many templates held steady.
func comparePatterns(cur []PatternCount, w sources.Window, prev []PatternState, pw sources.Window) ([]PatternChange, int) {
	hours := func(w sources.Window) float64 { return max(w.Duration().Hours(), 1.0/60) }
	before := map[string]PatternState{}
	for _, p := range prev {
		before[p.ID] = p
	}
	var out []PatternChange
	same := 0
	seen := map[string]bool{}
	for _, c := range cur {
		seen[c.ID] = true
		p, had := before[c.ID]
		ch := PatternChange{ID: c.ID, Source: c.Source, Template: c.Template, Lines: c.Lines, Previous: p.Lines,
			PerHour: round2(float64(c.Lines) / hours(w)), PreviousPerHour: round2(float64(p.Lines) / hours(pw))}
		switch {
		case !had && c.Lines >= patternFloor:
			ch.Status = PatternNew
		case had && p.Lines >= patternFloor && ch.PerHour >= patternGrowth*ch.PreviousPerHour:
			ch.Status = PatternGrown
		default:
			same++
			continue
		}
		out = append(out, ch)
	}
	for _, p := range prev {
		if !seen[p.ID] && p.Lines >= patternFloor {
			out = append(out, PatternChange{ID: p.ID, Source: p.Source, Template: p.Template, Status: PatternGone,
				Previous: p.Lines, PreviousPerHour: round2(float64(p.Lines) / hours(pw))})
		}
	}
	order := map[PatternStatus]int{PatternNew: 0, PatternGrown: 1, PatternGone: 2}
	slices.SortStableFunc(out, func(x, y PatternChange) int {
		return cmp.Or(cmp.Compare(order[x.Status], order[y.Status]), cmp.Compare(max(y.Lines, y.Previous), max(x.Lines, x.Previous)),
			cmp.Compare(x.Template, y.Template))
	})
	return out, same
}
