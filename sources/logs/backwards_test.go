package logs

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// A file whose times go backwards, two logs concatenated newest first or
// a file written in reverse, is read whole (every line in the window is
// counted) and a gap says so; before, reading stopped at the first line
// past the window's end, or the file was skipped by its first line.
func TestBackwardsFilesReadWhole(t *testing.T) {
	t0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	line := func(i int) string {
		return fmt.Sprintf("%s web1 app[1]: INFO request %d served\n", t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i)
	}
	const n = 30 * 24 * 60 // 30 days, a line a minute
	var older, newer, reversed strings.Builder
	for i := range n {
		if i < n/2 {
			older.WriteString(line(i))
		} else {
			newer.WriteString(line(i))
		}
		reversed.WriteString(line(n - 1 - i))
	}
	w := sources.Window{From: t0.Add(5 * 24 * time.Hour), To: t0.Add(6 * 24 * time.Hour)} // day 5, in the older half
	want := 24 * 60
	for _, c := range []struct{ name, data string }{
		{"concatenated newest first", newer.String() + older.String()},
		{"reversed", reversed.String()},
		{"in order", older.String() + newer.String()},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mustWrite(t, dir, "app.log", c.data)
			ds := mustFetch(t, Config{Name: "app", Paths: []string{filepath.Join(dir, "app.log")}, Location: time.UTC}, w, time.Minute)
			got := 0
			for _, p := range ds.Patterns {
				for _, b := range p.Counts {
					if w.Contains(b.T) {
						got += b.N
					}
				}
			}
			if got != want {
				t.Errorf("%d lines in the window, want %d; gaps %v", got, want, ds.Gaps)
			}
			said := slices.ContainsFunc(ds.Gaps, func(g sources.Gap) bool { return strings.Contains(g.Reason, "times go backwards") })
			if said != (c.name != "in order") {
				t.Errorf("gap about times going backwards: %v, gaps %v", said, ds.Gaps)
			}
		})
	}
}
