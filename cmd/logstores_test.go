package cmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/demo"
	"github.com/hindsight-sre/hindsight/internal/mariadbtest"
	"github.com/hindsight-sre/hindsight/internal/vltest"
	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
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

// The Kuma 2 outage report reads the same from Kuma's MariaDB as from its
// SQLite file: the demo's Kuma 2 database, a day after the outage (hourly
// aggregates and the important beats left), copied into a real MariaDB.
func TestDemoOutageFromKumaOnMariaDB(t *testing.T) {
	srv := mariadbtest.Start(t)
	dir := t.TempDir()
	sqlite := filepath.Join(dir, "kuma.db")
	if err := demo.KumaV2(sqlite, time.Date(2025, 11, 22, 15, 0, 30, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	srv.Exec(t, "CREATE DATABASE kuma", "CREATE USER 'hindsight'@'127.0.0.1' IDENTIFIED BY 'pw-report'",
		"GRANT SELECT ON kuma.* TO 'hindsight'@'127.0.0.1'")
	db, err := srv.Root("kuma")
	if err != nil {
		t.Fatal(err)
	}
	if err := kumadb.CopyToMariaDB(context.Background(), sqlite, db); err != nil {
		t.Fatal(err)
	}
	db.Close()
	t.Setenv("HINDSIGHT_TEST_KUMA_PASSWORD", "pw-report")
	host, port, _ := strings.Cut(srv.Addr, ":")
	cfg := filepath.Join(dir, "hindsight.yaml")
	reports := map[string]string{}
	for name, src := range map[string]string{
		"sqlite":  "{name: kuma, type: kuma, path: kuma.db}",
		"mariadb": fmt.Sprintf("{name: kuma, type: kuma, host: %s, port: %s, user: hindsight, password_env: HINDSIGHT_TEST_KUMA_PASSWORD}", host, port),
	} {
		if err := os.WriteFile(cfg, []byte("timezone: Asia/Seoul\nsources:\n  - "+src+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		o := &analyzeOptions{config: cfg, window: windowOptions{around: "2025-11-21 14:05", before: "2h", after: "1h"}, format: "markdown"}
		if err := runAnalyze(context.Background(), o, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		reports[name] = out.String()
	}
	if !strings.Contains(reports["sqlite"], "hourly aggregates") || !strings.Contains(reports["sqlite"], "Shop") {
		t.Fatalf("the SQLite report lacks the outage from aggregates:\n%s", reports["sqlite"])
	}
	if reports["sqlite"] != reports["mariadb"] {
		a, b := strings.Split(reports["mariadb"], "\n"), strings.Split(reports["sqlite"], "\n")
		for i := range min(len(a), len(b)) {
			if a[i] != b[i] {
				t.Fatalf("the MariaDB report differs from the SQLite one at line %d:\n got  %s\n want %s", i+1, a[i], b[i])
			}
		}
		t.Fatalf("the reports differ in length: %d and %d lines", len(a), len(b))
	}
}

// sources check names each log-store source and what is wrong with it,
// with a hint and without the secret; a report with one of them down
// keeps the rest and names the gap.
func TestLogStoresCheckAndGaps(t *testing.T) {
	srv := vltest.Start(t)
	demoDir, err := filepath.Abs(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	srv.LoadDemo(t, demoDir)
	t.Setenv("HINDSIGHT_TEST_LOKI_PASSWORD", "Very-Secret-77")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "hindsight.yaml")
	yaml := fmt.Sprintf(`timezone: Asia/Seoul
sources:
  - {name: kuma, type: kuma, path: %[1]s/kuma.db}
  - {name: vl-up, type: victorialogs, url: %[2]q, query: '{file="access.log"}'}
  - {name: vl-empty, type: victorialogs, url: %[2]q, query: '{file="no-such-file"}'}
  - {name: vl-down, type: victorialogs, url: "http://127.0.0.1:9"}
  - {name: loki-down, type: loki, url: "http://127.0.0.1:9", query: '{job="x"}', basic_auth: {user: hs, password_env: HINDSIGHT_TEST_LOKI_PASSWORD}}
  - {name: kuma-page-down, type: kuma, url: "http://127.0.0.1:9", slug: shop}
  - {name: kuma-maria-down, type: kuma, host: 127.0.0.1, port: 9, user: hs, password_env: HINDSIGHT_TEST_LOKI_PASSWORD}
`, demoDir, srv.URL)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = runSourcesCheck(context.Background(), &sourcesCheckOptions{config: cfg, format: "table"}, &out)
	if err == nil {
		t.Error("check passed with sources down")
	}
	text := out.String()
	if strings.Contains(text, "Very-Secret-77") {
		t.Fatalf("the password shows:\n%s", text)
	}
	for name, want := range map[string]string{
		"vl-up":           "the newest at 2025-11-21",
		"vl-empty":        "no line matches query",
		"vl-down":         "connection refused",
		"loki-down":       "connection refused",
		"kuma-page-down":  "connection refused",
		"kuma-maria-down": "connection refused",
	} {
		var line string
		for _, l := range strings.Split(text, "\n") {
			if strings.HasPrefix(l, name+" ") {
				line = l
			}
		}
		hinted := strings.Contains(text, "hint ("+name+"): ")
		if !strings.Contains(line, want) || name != "vl-up" && !hinted {
			t.Errorf("%s: %q, want %q and a hint\n%s", name, line, want, text)
		}
	}

	o := &analyzeOptions{config: cfg, window: windowOptions{around: "2025-11-21 14:05", before: "2h", after: "1h"}, format: "markdown"}
	var rep bytes.Buffer
	if err := runAnalyze(context.Background(), o, &rep, io.Discard); err != nil {
		t.Fatal(err)
	}
	r := rep.String()
	if strings.Contains(r, "Very-Secret-77") {
		t.Fatal("the password shows in the report")
	}
	for _, want := range []string{"vl-down", "loki-down", "kuma-page-down", "kuma-maria-down", "vl-empty", "Shop"} {
		if !strings.Contains(r, want) {
			t.Errorf("the report does not name %s", want)
		}
	}
}
