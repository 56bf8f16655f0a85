package cmd

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/vltest"
)

// suspectsOf lists each symptom and its suspects: what the report names
// as causes, with their scores.
func suspectsOf(f *analyze.Findings) []string {
	var out []string
	for _, s := range f.Symptoms {
		out = append(out, fmt.Sprintf("symptom %s %s %s", s.Subject, s.Kind, s.Start.UTC().Format("2006-01-02T15:04")))
		for _, sp := range s.Suspects {
			out = append(out, fmt.Sprintf("  %d %s %s %.3f %s", sp.Rank, sp.Kind, sp.Title, sp.Score, sp.Confidence))
		}
	}
	return out
}

// The demo's two incidents give the same causes, with the same scores,
// when its logs are read from a real VictoriaLogs instead of the files.
func TestDemoFromVictoriaLogs(t *testing.T) {
	srv := vltest.Start(t)
	demoDir, err := filepath.Abs(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	srv.LoadDemo(t, demoDir)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hindsight.yaml")
	yaml := fmt.Sprintf(`timezone: Asia/Seoul
business_hours: {days: [mon, tue, wed, thu, fri], start: "09:00", end: "18:00"}
baseline: 7d
lag: 30m
step: 1m
known_events: %[1]s/known-events.yaml
sources:
  - {name: kuma, type: kuma, path: %[1]s/kuma.db}
  - {name: nginx, type: victorialogs, url: %[2]q, query: '{file="access.log"}'}
  - {name: syslog, type: victorialogs, url: %[2]q, query: '{file=~"syslog-.*"}'}
  - {name: metrics, type: file, path: %[1]s/metrics.om.gz}
`, demoDir, srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, around := range []string{"2025-11-20 03:10", "2025-11-21 14:05"} {
		want := suspectsOf(demoFindings(t, around))
		f, err := findings(context.Background(), &analyzeOptions{config: cfg,
			window: windowOptions{around: around, before: "2h", after: "1h"}, format: "markdown"}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Gaps) != 0 {
			t.Errorf("%s: gaps %v", around, f.Gaps)
		}
		got := suspectsOf(f)
		if len(want) < 2 {
			t.Fatalf("%s: the files give no suspects: %v", around, want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: VictoriaLogs gives\n%s\nthe files\n%s", around, join(got), join(want))
		} else {
			t.Logf("%s: top cause from both: %s", around, got[1])
		}
	}
}

func join(ss []string) string {
	out := ""
	for _, s := range ss {
		out += s + "\n"
	}
	return out
}
