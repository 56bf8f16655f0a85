package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hindsight-sre/hindsight/analyze"
)

// stateFile is the one state file of the default profile in dir.
func stateFile(dir string) (string, error) {
	m, err := filepath.Glob(filepath.Join(dir, "summary-default-*.json"))
	if err != nil || len(m) != 1 {
		return "", fmt.Errorf("state files in %s: %v (%v), want one", dir, m, err)
	}
	return m[0], nil
}

// The state is keyed by config file and profile: the demo's summary does
// not overwrite another config's, and a state of another config, or of a
// later window, is not compared with (the summary says so) nor replaced.
func TestSummaryStatePerConfig(t *testing.T) {
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "hindsight.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	b, err := os.ReadFile(demo)
	if err != nil {
		t.Fatal(err)
	}
	// The same setup under another name: same profile, another config.
	d := filepath.Dir(demo) + "/"
	b = []byte(strings.NewReplacer("path: ", "path: "+d, "paths: [", "paths: ["+d, "known_events: ", "known_events: "+d).Replace(string(b)))
	if err := os.WriteFile(other, b, 0o644); err != nil {
		t.Fatal(err)
	}
	a, _ := statePath("/s", demo, "")
	c, _ := statePath("/s", other, "")
	p, _ := statePath("/s", demo, "acme")
	if a == c || a == p || !strings.HasPrefix(filepath.Base(a), "summary-default-") || !strings.HasPrefix(filepath.Base(p), "summary-acme-") {
		t.Fatalf("state paths: demo %s, other %s, demo/acme %s", a, c, p)
	}

	state := t.TempDir()
	summary := func(config, at string) (string, int) {
		var out, errb strings.Builder
		code := run(context.Background(), []string{"summary", "--config", config, "--state", state, "--at", at, "-o", "json"}, &out, &errb)
		if code != exitOK {
			t.Fatalf("summary --config %s --at %s: exit %d\n%s", config, at, code, errb.String())
		}
		return out.String(), code
	}
	summary(demo, "2025-11-20 07:00")
	path, err := stateFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var st analyze.SummaryState
	if b, err := os.ReadFile(path); err != nil || json.Unmarshal(b, &st) != nil || st.Config != demo {
		t.Fatalf("state %s records config %q, want %s", path, st.Config, demo)
	}
	// Another config's state sits beside it, not over it.
	summary(other, "2025-11-20 07:00")
	if m, _ := filepath.Glob(filepath.Join(state, "summary-default-*.json")); len(m) != 2 {
		t.Fatalf("two configs, state files %v", m)
	}
	// A state from another config under this config's name (copied by
	// hand, or a hash collision) is not compared with.
	b, _ = os.ReadFile(path)
	st.Config = "/elsewhere/hindsight.yaml"
	nb, _ := json.Marshal(st)
	if err := os.WriteFile(path, nb, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := summary(demo, "2025-11-21 07:00")
	if !strings.Contains(out, "another config file (/elsewhere/hindsight.yaml)") || strings.Contains(out, `"previous": {`) {
		t.Errorf("another config's state was compared with, or silently:\n%.2000s", out)
	}
	_ = os.WriteFile(path, b, 0o600)
	// The state now is of the night to 2025-11-20 07:00. A summary --at
	// an earlier night does not compare with it, says so, and keeps it.
	summary(demo, "2025-11-21 07:00")
	before, _ := os.ReadFile(path)
	out, _ = summary(demo, "2025-11-19 07:00")
	if !strings.Contains(out, "covers a later window") {
		t.Errorf("a later state was compared with, or silently:\n%.2000s", out)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a summary of an earlier night replaced the state of a later one")
	}
}

// No source returned data: the report is written, and the exit status is
// 3, in analyze and summary alike.
func TestNoDataExitCode(t *testing.T) {
	demo := filepath.Join("..", "testdata", "demo", "hindsight.yaml")
	for _, args := range [][]string{
		{"analyze", "--config", demo, "--from", "2024-01-01 00:00", "--to", "2024-01-01 06:00"},
		{"summary", "--config", demo, "--no-state", "--at", "2024-01-02 07:00"},
		{"summary", "--config", demo, "--no-state", "--at", "2024-01-02 07:00", "--fail-on", "nodata"},
	} {
		var out, errb strings.Builder
		code := run(context.Background(), args, &out, &errb)
		if code != exitNoData || !strings.Contains(strings.ToLower(out.String()), "no data") ||
			!strings.Contains(errb.String(), "no source returned any data") || !strings.Contains(errb.String(), "\nhint: ") {
			t.Errorf("%v: exit %d, want %d\nstdout %.300s\nstderr %s", args, code, exitNoData, out.String(), errb.String())
		}
	}
	// Data: exit 0.
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"summary", "--config", demo, "--no-state", "--at", "2025-11-20 07:00", "--fail-on", "nodata"}, &out, &errb); code != exitOK {
		t.Errorf("summary with data, --fail-on nodata: exit %d\n%s", code, errb.String())
	}
}
