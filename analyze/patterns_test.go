package analyze

import (
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestComparePatterns(t *testing.T) {
	night := func(d int) sources.Window {
		from := time.Date(2025, 11, 19+d, 18, 0, 0, 0, seoul)
		return sources.Window{From: from, To: from.Add(13 * time.Hour)}
	}
	prev := []PatternState{
		{ID: "a", Template: "backup <*> done", Lines: 13},      // steady
		{ID: "b", Template: "slow query <*>", Lines: 20},       // grows 3×
		{ID: "c", Template: "cache miss <*>", Lines: 12},       // gone
		{ID: "d", Template: "rare thing", Lines: 3},            // gone, but too few to say
		{ID: "e", Template: "grows from little <*>", Lines: 4}, // 10× but from 4 lines
	}
	cur := []PatternCount{
		{ID: "a", Template: "backup <*> done", Lines: 14},
		{ID: "b", Template: "slow query <*>", Lines: 60},
		{ID: "e", Template: "grows from little <*>", Lines: 40},
		{ID: "f", Template: "ERROR migration <*> failed", Lines: 25}, // new
		{ID: "g", Template: "one odd line", Lines: 1},                // new, under the floor
	}
	got, steady := comparePatterns(cur, night(1), prev, night(0))
	want := []struct {
		id     string
		status PatternStatus
	}{{"f", PatternNew}, {"b", PatternGrown}, {"c", PatternGone}}
	if len(got) != len(want) {
		t.Fatalf("changes %+v, want %v", got, want)
	}
	for i, w := range want {
		if got[i].ID != w.id || got[i].Status != w.status {
			t.Errorf("change %d: %s %s, want %s %s", i, got[i].ID, got[i].Status, w.id, w.status)
		}
	}
	if steady != 3 {
		t.Errorf("steady %d, want 3 (a, e under the floor to grow, g under the floor to be new)", steady)
	}
	// A 24-hour window against a 13-hour one compares rates, not counts.
	long := sources.Window{From: night(1).From, To: night(1).From.Add(26 * time.Hour)}
	got, _ = comparePatterns([]PatternCount{{ID: "b", Lines: 60}}, long, prev[1:2], night(0))
	if len(got) != 0 {
		t.Errorf("60 lines in 26 h against 20 in 13 h is 1.5×, not grown: %+v", got)
	}
}
