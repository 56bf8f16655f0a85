package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the scheduler's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Every second, with a job that takes 1.5 s: runs never overlap (the
// times that fall inside a run are skipped and logged), and cancelling
// waits for the run in progress.
func TestScheduleNeverOverlaps(t *testing.T) {
	var running, most, runs atomic.Int32
	o := &scheduleOptions{cron: "* * * * * *", summaryOptions: summaryOptions{
		config: filepath.Join("..", "testdata", "demo", "hindsight.yaml"), format: "markdown"}}
	o.job = func(ctx context.Context, profile string) error {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		runs.Add(1)
		select {
		case <-time.After(1500 * time.Millisecond):
		case <-ctx.Done():
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4200*time.Millisecond)
	defer cancel()
	var stderr syncBuffer
	if err := runSchedule(ctx, o, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatal(err)
	}
	if running.Load() != 0 {
		t.Error("runSchedule returned with a run still going")
	}
	if most.Load() != 1 || runs.Load() < 2 {
		t.Errorf("%d runs, at most %d at once; want at least 2, never 2 at once", runs.Load(), most.Load())
	}
	log := stderr.String()
	for _, want := range []string{"msg=scheduled", "still going", "msg=stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// The real summary on a short schedule, stopped by SIGTERM as systemd and
// Kubernetes stop it: the report and the state are written, and the
// scheduler returns nil (exit 0).
func TestScheduleSummaryAndSIGTERM(t *testing.T) {
	t.Setenv("HINDSIGHT_NOW", "2025-11-20T07:00:00+09:00")
	dir := t.TempDir()
	o := &scheduleOptions{cron: "@every 1s", now: true, summaryOptions: summaryOptions{
		config: filepath.Join("..", "testdata", "demo", "hindsight.yaml"), format: "markdown",
		output: filepath.Join(dir, "out", "{{.Profile}}-{{.Date}}.md"), state: filepath.Join(dir, "state")}}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- runSchedule(ctx, o, &bytes.Buffer{}, &stderr) }()
	report := filepath.Join(dir, "out", "default-2025-11-20.md")
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stderr.String(), "summary done") {
		if time.Now().After(deadline) {
			t.Fatalf("no summary within a minute:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("did not stop within a minute of SIGTERM")
	}
	b, err := os.ReadFile(report)
	if err != nil || !strings.Contains(string(b), "nightly database backup") {
		t.Errorf("report %s: %v\n%.200s", report, err, b)
	}
	if _, err := stateFile(filepath.Join(dir, "state")); err != nil {
		t.Error(err)
	}
	if log := stderr.String(); !strings.Contains(log, "msg=stopped") || strings.Contains(log, "level=ERROR") {
		t.Errorf("log:\n%s", log)
	}
}

func TestScheduleRejectsBadCron(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"schedule", "--config", filepath.Join("..", "testdata", "demo", "hindsight.yaml"), "--cron", "61 * * * *"}, &out, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "hint:") {
		t.Errorf("exit %d, %q; want 2 with a hint", code, errb.String())
	}
}

// Every profile of the config gets its summary, its file and its state,
// one after the other; the top level needs no sources of its own.
func TestScheduleEveryProfile(t *testing.T) {
	t.Setenv("HINDSIGHT_NOW", "2025-11-20T07:00:00+09:00")
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sourcesYAML := "    sources:\n" +
		"      - {name: kuma, type: kuma, path: " + filepath.Join(demo, "kuma.db") + "}\n" +
		"      - {name: syslog, type: logs, paths: [" + filepath.Join(demo, "syslog-*") + "]}\n"
	cfg := "timezone: Asia/Seoul\nprofiles:\n  acme:\n" + sourcesYAML + "  beta:\n" + sourcesYAML
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	o := &scheduleOptions{cron: "@every 1h", now: true, summaryOptions: summaryOptions{
		config: filepath.Join(dir, "config.yaml"), format: "json",
		output: filepath.Join(dir, "out", "{{.Profile}}-{{.Date}}.json"), state: filepath.Join(dir, "state")}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- runSchedule(ctx, o, &bytes.Buffer{}, &stderr) }()
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(stderr.String(), "summary done") < 2 {
		if time.Now().After(deadline) || strings.Contains(stderr.String(), "level=ERROR") {
			t.Fatalf("two summaries did not finish:\n%s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"acme", "beta"} {
		if _, err := os.Stat(filepath.Join(dir, "out", p+"-2025-11-20.json")); err != nil {
			t.Error(err)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "state", "summary-"+p+"-*.json")); len(m) != 1 {
			t.Errorf("state of %s: %v", p, m)
		}
	}
	if log := stderr.String(); !strings.Contains(log, "zone=Asia/Seoul") || !strings.Contains(log, "profiles=acme,beta") {
		t.Errorf("log:\n%s", log)
	}
}

// --log-format json: every log line is one JSON object with time, level
// and msg.
func TestScheduleJSONLog(t *testing.T) {
	o := &scheduleOptions{cron: "* * * * * *", logFmt: "json", summaryOptions: summaryOptions{
		config: filepath.Join("..", "testdata", "demo", "hindsight.yaml"), format: "markdown"}}
	o.job = func(context.Context, string) error { return nil }
	ctx, cancel := context.WithTimeout(context.Background(), 2200*time.Millisecond)
	defer cancel()
	var stderr syncBuffer
	if err := runSchedule(ctx, o, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) < 3 {
		t.Fatalf("log:\n%s", stderr.String())
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil || rec["msg"] == nil || rec["level"] == nil || rec["time"] == nil {
			t.Errorf("not a JSON log record: %q (%v)", l, err)
		}
	}
	o.logFmt = "xml"
	if err := runSchedule(context.Background(), o, &bytes.Buffer{}, &stderr); err == nil || !strings.Contains(err.Error(), "is not text or json") {
		t.Errorf("--log-format xml: %v", err)
	}
}

// A run stuck in a read that ignores its context (a hung system call)
// does not silence later runs: past its budget it is abandoned, logged,
// and the next time runs.
func TestScheduleHungRunDoesNotSilenceLaterRuns(t *testing.T) {
	defer func(b time.Duration) { minRunBudget = b }(minRunBudget)
	minRunBudget = 0
	stuck := make(chan struct{})
	defer close(stuck)
	var runs atomic.Int32
	o := &scheduleOptions{cron: "* * * * * *", summaryOptions: summaryOptions{
		config: filepath.Join("..", "testdata", "demo", "hindsight.yaml"), format: "markdown"}}
	o.job = func(ctx context.Context, profile string) error {
		if runs.Add(1) == 1 {
			<-stuck // ignores ctx, as a read stuck in the kernel would
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4500*time.Millisecond)
	defer cancel()
	var stderr syncBuffer
	if err := runSchedule(ctx, o, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatal(err)
	}
	if runs.Load() < 3 {
		t.Errorf("%d runs in 4.5 s after the first hung; want the later times to run", runs.Load())
	}
	if log := stderr.String(); !strings.Contains(log, "abandoned") {
		t.Errorf("log does not say the stuck run was abandoned:\n%s", log)
	}
}
