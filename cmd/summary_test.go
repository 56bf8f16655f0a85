package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-sre/hindsight/analyze"
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
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil && out.Len() > 0 {
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
	if code != exitOK || d1.Schema != "hindsight/summary/v1" {
		t.Fatalf("night 1: exit %d, schema %q\n%s", code, d1.Schema, stderr)
	}
	if e := episode(t, d1, "Shop"); e.Status != analyze.StatusNew || e.Class != analyze.OffHours {
		t.Errorf("night 1: Shop %s %s (%s), want new, off-hours", e.Status, e.Class, e.Why)
	}
	if d1.Summary.Previous != nil {
		t.Error("night 1 claims a previous summary")
	}
	if _, err := os.Stat(filepath.Join(state, "summary-default.json")); err != nil {
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
	if code != exitError || !strings.Contains(stderr, "--fail-on new") || !strings.Contains(stderr, "hint:") {
		t.Errorf("--fail-on new with new episodes: exit %d, stderr %q; want 1 with a hint", code, stderr)
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
	if _, err := os.Stat(filepath.Join(dir, "summary-default.json")); err == nil {
		t.Error("--no-state saved a state")
	}
}
