package logs

import (
	"cmp"
	"slices"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// ValueGroup is patterns whose busiest steps fall together and whose
// lines there named one value most: one thing happening, written as
// several templates ("103.99.0.122: 5 patterns, 1,204 lines" for a brute
// force that sshd logs as failed passwords, invalid users, disconnects,
// ...).
type ValueGroup struct {
	Kind, Value string
	Patterns    []string // IDs, busiest first
	Lines       int      // lines naming the value in the patterns' busiest steps
	From, To    time.Time
}

// GroupByValue groups the patterns that share a top value (PeakValues)
// and whose busiest steps lie within span of the group's first: two or
// more patterns a group, most lines first. A value shared by patterns
// whose peaks are far apart is two things (a client that comes back), and
// a pattern alone is no group: its burst already names its value.
func GroupByValue(ps []sources.LogPattern, span time.Duration) []ValueGroup {
	type member struct {
		id    string
		t     time.Time
		lines int
		kind  string
	}
	byValue := map[string][]member{}
	for _, p := range ps {
		for _, v := range p.PeakValues {
			byValue[v.Value] = append(byValue[v.Value], member{p.ID, p.Peak.T, v.Lines, v.Kind})
		}
	}
	var out []ValueGroup
	for v, ms := range byValue {
		slices.SortFunc(ms, func(a, b member) int { return a.t.Compare(b.t) })
		for i := 0; i < len(ms); {
			j := i + 1
			for j < len(ms) && ms[j].t.Sub(ms[i].t) <= span {
				j++
			}
			if j-i >= 2 {
				g := ValueGroup{Kind: ms[i].kind, Value: v, From: ms[i].t, To: ms[j-1].t}
				run := slices.Clone(ms[i:j])
				slices.SortFunc(run, func(a, b member) int { return cmp.Compare(b.lines, a.lines) })
				for _, m := range run {
					g.Patterns = append(g.Patterns, m.id)
					g.Lines += m.lines
				}
				out = append(out, g)
			}
			i = j
		}
	}
	slices.SortFunc(out, func(a, b ValueGroup) int {
		if c := cmp.Compare(b.Lines, a.Lines); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	return out
}
