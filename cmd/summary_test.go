package cmd

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/report"
	"github.com/hindsight-sre/hindsight/sources"
)

type summaryDoc struct {
	Schema  string          `json:"schema"`
	Summary analyze.Summary `json:"summary"`
}

// mustSummary runs `hindsight summary` on the demo at 07:00 KST on date,
// with the state in stateDir, and returns the JSON document.
func mustSummary(t *testing.T, date, stateDir string, extra ...string) (summaryDoc, int, string) {
	t.Helper()
	t.Setenv("HINDSIGHT_NOW", date+"T07:00:00+09:00")
	args := append([]string{"summary", "--config", filepath.Join("..", "testdata", "demo", "hindsight.yaml"),
		"--state", stateDir, "-o", "json"}, extra...)
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	var doc summaryDoc
	if code == exitOK || code == exitError {
		if err := report.ReadJSON(out.Bytes(), &doc); err != nil && out.Len() > 0 {
			t.Fatalf("summary on %s: %v\n%s", date, err, out.String())
		}
	}
	return doc, code, errb.String()
}

func episode(t *testing.T, d summaryDoc, subject string) analyze.SummaryEpisode {
	t.Helper()
	for _, e := range d.Summary.Episodes {
		if e.Subject == subject {
			return e
		}
	}
	t.Fatalf("no episode of %s in %+v", subject, d.Summary.Episodes)
	return analyze.SummaryEpisode{}
}

// Three nights of the demo, each compared with the state the one before
// left: the 03:00 backup spike is new on the first night (the demo starts
// that day, so nothing came before), known on the second, and changed on
// the third simulated night, 2025-11-20, when the mail queue backed up
// during the backup for the first time.
func TestSummaryThreeNights(t *testing.T) {
	state := t.TempDir()

	d1, code, stderr := mustSummary(t, "2025-11-13", state)
	if code != exitOK || d1.Schema != "hindsight/summary/v2" {
		t.Fatalf("night 1: exit %d, schema %q\n%s", code, d1.Schema, stderr)
	}
	if e := episode(t, d1, "Shop"); e.Status != analyze.StatusNew || e.Class != analyze.OffHours {
		t.Errorf("night 1: Shop %s %s (%s), want new, off-hours", e.Status, e.Class, e.Why)
	}
	if d1.Summary.Previous != nil {
		t.Error("night 1 claims a previous summary")
	}
	if _, err := stateFile(state); err != nil {
		t.Fatalf("night 1 left no state: %v", err)
	}

	d2, code, stderr := mustSummary(t, "2025-11-14", state)
	if code != exitOK {
		t.Fatalf("night 2: exit %d\n%s", code, stderr)
	}
	if e := episode(t, d2, "Shop"); e.Status != analyze.StatusKnown {
		t.Errorf("night 2: Shop %s (%s), want known", e.Status, e.Why)
	}
	if d2.Summary.Previous == nil {
		t.Error("night 2 was not compared with night 1")
	}

	d3, code, stderr := mustSummary(t, "2025-11-20", state)
	if code != exitOK {
		t.Fatalf("night 3: exit %d\n%s", code, stderr)
	}
	e := episode(t, d3, "Shop")
	if e.Status != analyze.StatusChanged || !strings.Contains(e.Why, "app_queue_depth") {
		t.Errorf("night 3: Shop %s (%s), want changed, with the mail queue", e.Status, e.Why)
	}
	for i, ep := range d3.Summary.Episodes {
		if i > 0 && ep.Class != analyze.BusinessHours && d3.Summary.Episodes[i-1].Class == analyze.BusinessHours {
			t.Errorf("night 3: off-hours episode %s after a business-hours one", ep.ID)
		}
	}
	if len(d3.Summary.SLA) != 2 || d3.Summary.SLA[0].Checks == 0 {
		t.Errorf("night 3: SLA %+v, want both monitors", d3.Summary.SLA)
	}

	// Anomalies are a result: exit 0, unless --fail-on asks otherwise.
	_, code, stderr = mustSummary(t, "2025-11-21", t.TempDir(), "--fail-on", "new")
	if code != exitError || !strings.Contains(stderr, "--fail-on new") || !strings.Contains(stderr, "hint:") ||
		strings.Contains(stderr, "error:") || !strings.Contains(stderr, "the summary was written and has ") {
		t.Errorf("--fail-on new with new episodes: exit %d, stderr %q; want 1 with the verdict (not an error) and a hint", code, stderr)
	}
}

func TestSummaryOutputTemplate(t *testing.T) {
	dir := t.TempDir()
	_, code, stderr := mustSummary(t, "2025-11-20", dir, "--no-state", "-o", "markdown",
		"--output", filepath.Join(dir, "reports", "{{.Date}}-{{.Profile}}-summary.md"))
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "reports", "2025-11-20-default-summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "# Nightly summary, 2025-11-19 18:00 – 2025-11-20 07:00 KST") {
		t.Errorf("unexpected summary:\n%.300s", b)
	}
	if _, err := stateFile(dir); err == nil {
		t.Error("--no-state saved a state")
	}
}

// The summary reads the month for the SLA, but its analysis must see what
// `hindsight analyze` sees for the same window: same symptoms, same causes.
func TestSummaryJudgesLikeAnalyze(t *testing.T) {
	d, code, stderr := mustSummary(t, "2025-11-20", t.TempDir(), "--no-state")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	f, err := findings(context.Background(), &analyzeOptions{
		config: filepath.Join("..", "testdata", "demo", "hindsight.yaml"),
		window: windowOptions{from: "2025-11-19 18:00", to: "2025-11-20 07:00"}, format: "markdown",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Symptoms) == 0 {
		t.Fatal("analyze found no symptom")
	}
	for _, s := range f.Symptoms {
		e := episode(t, d, s.Subject)
		cause := ""
		if len(s.Suspects) > 0 && !s.Unexplained {
			cause = s.Suspects[0].Title
		}
		if !e.Start.Equal(s.Start) || !e.End.Equal(s.End) || e.PeakValue != s.PeakValue || e.Cause != cause {
			t.Errorf("summary %s %s–%s peak %v cause %q; analyze %s–%s peak %v cause %q",
				e.Subject, e.Start, e.End, e.PeakValue, e.Cause, s.Start, s.End, s.PeakValue, cause)
		}
	}
	if got, want := len(d.Summary.Episodes), len(f.Symptoms); got < want {
		t.Errorf("%d episodes for %d symptoms", got, want)
	}
}

func TestSinceTrimsLikeAFetch(t *testing.T) {
	t0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	ds := &sources.Dataset{
		Probes: []sources.Probe{{Name: "Shop", Beats: []sources.Beat{{T: at(1)}, {T: at(5)}, {T: at(9)}}}},
		Series: []sources.Series{{Name: "load", Points: []sources.Point{{T: at(2)}, {T: at(6)}}}},
		Events: []sources.Event{{T: at(3)}, {T: at(7)}},
		Patterns: []sources.LogPattern{
			{Template: "old", FirstSeen: at(1), Counts: []sources.Bucket{{T: at(1), N: 3}, {T: at(4), N: 0}, {T: at(6), N: 2}},
				Examples: []sources.LogLine{{T: at(1)}, {T: at(6)}}},
			{Template: "gone", FirstSeen: at(2), Counts: []sources.Bucket{{T: at(2), N: 1}}},
		},
	}
	got := since(ds, at(4))
	if len(got.Probes[0].Beats) != 2 || len(got.Series[0].Points) != 1 || len(got.Events) != 1 {
		t.Errorf("beats %d points %d events %d, want 2, 1, 1", len(got.Probes[0].Beats), len(got.Series[0].Points), len(got.Events))
	}
	if len(got.Patterns) != 1 || !got.Patterns[0].FirstSeen.Equal(at(6)) || len(got.Patterns[0].Counts) != 2 || len(got.Patterns[0].Examples) != 1 {
		t.Errorf("patterns %+v, want only \"old\", first seen at 06:00", got.Patterns)
	}
	if len(ds.Probes[0].Beats) != 3 || len(ds.Patterns[0].Examples) != 2 {
		t.Error("since changed its input")
	}
}
