package cmd

import (
	"bytes"
	"context"
	"fmt"
	"github.com/hindsight-sre/hindsight/report"
	"github.com/hindsight-sre/hindsight/sources"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func mustRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// One source whose secret is missing is that source's gap; the healthy
// sources still make the report.
func TestUnsetSecretIsOneSourcesGap(t *testing.T) {
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "kuma.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "hindsight.yaml")
	os.Unsetenv("HINDSIGHT_TEST_UNSET_PW")
	mustWriteFile(t, cfg, `timezone: Asia/Seoul
sources:
  - {name: kuma, type: kuma, path: `+demo+`}
  - {name: zbx, type: zabbix, url: http://127.0.0.1:1/zabbix, user: admin, password_env: HINDSIGHT_TEST_UNSET_PW}
`)
	out, errs, code := mustRun(t, "analyze", "--config", cfg, "--around", "2025-11-20 03:10", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d, want 0 with zbx as a gap\n%s", code, errs)
	}
	if !strings.Contains(out, "HINDSIGHT_TEST_UNSET_PW is not set") || !strings.Contains(out, `"kuma"`) {
		t.Errorf("the report does not carry zbx's gap and kuma's data:\n%.2000s", out)
	}
	// Alone, the same source is a configuration error (exit 2).
	mustWriteFile(t, cfg, "sources:\n  - {name: zbx, type: zabbix, url: http://127.0.0.1:1/zabbix, user: admin, password_env: HINDSIGHT_TEST_UNSET_PW}\n")
	if _, errs, code := mustRun(t, "analyze", "--config", cfg, "--around", "2025-11-20 03:10"); code != exitUsage || !strings.Contains(errs, "hint:") {
		t.Errorf("alone: exit %d, want 2 with a hint\n%s", code, errs)
	}
}

// hostileFiles makes a FIFO with no writer, a link to /dev/zero and a
// 20 GB sparse file of NULs (what copytruncate leaves) in dir.
func hostileFiles(t *testing.T, dir string) {
	t.Helper()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.log"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.log")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "sparse.log"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(20 << 30); err != nil {
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
}

// A FIFO, /dev/zero and a 20 GB sparse file in paths, under a 5 s
// source_timeout: the run ends within the timeout and a second, each is a
// gap, and the healthy source still makes the report.
func TestHostileFilesEndInTime(t *testing.T) {
	dir := t.TempDir()
	hostileFiles(t, dir)
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "kuma.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "hindsight.yaml")
	mustWriteFile(t, cfg, `timezone: Asia/Seoul
source_timeout: 5s
sources:
  - {name: kuma, type: kuma, path: `+demo+`}
  - {name: fifo, type: logs, paths: [fifo.log]}
  - {name: zero, type: logs, paths: [zero.log]}
  - {name: sparse, type: logs, paths: [sparse.log]}
  - {name: fifo-file, type: file, path: fifo.log}
  - {name: zero-file, type: file, path: zero.log}
  - {name: sparse-file, type: file, path: sparse.log}
`)
	start := time.Now()
	out, errs, code := mustRun(t, "analyze", "--config", cfg, "--around", "2025-11-20 03:10", "-o", "json")
	took := time.Since(start)
	if took > 6*time.Second {
		t.Errorf("took %s, want at most the 5 s timeout and a second", took.Round(time.Millisecond))
	}
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, want := range []string{
		`fifo.log is a named pipe (FIFO), not a regular file`,
		`zero.log is a character device, not a regular file`,
		`"source": "sparse"`, `"source": "sparse-file"`, `timed out after 5s`,
		`; hint: raise source_timeout, or narrow the window`, // a gap says what to do, as the error would
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("%.3000s", out)
	}
}

// SIGTERM in the middle of a long read ends the process within a second.
func TestSIGTERMEndsWithinASecond(t *testing.T) {
	dir := t.TempDir()
	hostileFiles(t, dir)
	cfg := filepath.Join(dir, "hindsight.yaml")
	mustWriteFile(t, cfg, "source_timeout: 10m\nsources:\n  - {name: sparse, type: logs, paths: [sparse.log]}\n  - {name: sparse-file, type: file, path: sparse.log}\n")
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		c := exec.Command(os.Args[0], "analyze", "--config", cfg, "--from", "2025-11-20T00:00:00Z", "--to", "2025-11-20T01:00:00Z")
		c.Env = append(os.Environ(), "HINDSIGHT_TEST_AS_MAIN=1")
		var stderr bytes.Buffer
		c.Stderr = &stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond) // well into the read
		sent := time.Now()
		if err := c.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case <-done:
			if took := time.Since(sent); took > time.Second {
				t.Errorf("%v: ended %s after the signal, want within a second", sig, took.Round(time.Millisecond))
			}
			if c.ProcessState.ExitCode() != exitInterrupted || !strings.Contains(stderr.String(), "interrupted") {
				t.Errorf("%v: exit %d, want %d\n%s", sig, c.ProcessState.ExitCode(), exitInterrupted, stderr.String())
			}
		case <-time.After(10 * time.Second):
			c.Process.Kill()
			t.Fatalf("%v: still running 10 s after the signal", sig)
		}
	}
}

// A corrupt state file does not stop the summary: it is written, says the
// state was unreadable, starts a new state, and keeps the bad file aside.
func TestCorruptStateStartsAfresh(t *testing.T) {
	state := t.TempDir()
	if _, code, errs := mustSummary(t, "2025-11-13", state); code != exitOK {
		t.Fatalf("night 1: exit %d\n%s", code, errs)
	}
	path, err := stateFile(state)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"{\"schema\": \"hindsight-summ", "\x00\x00\x00\x00", `{"schema": "something-else"}`} {
		mustWriteFile(t, path, bad)
		d, code, errs := mustSummary(t, "2025-11-14", state)
		if code != exitOK {
			t.Fatalf("%q: exit %d, want 0\n%s", bad, code, errs)
		}
		said := false
		for _, g := range d.Summary.Gaps {
			said = said || g.Source == "summary state" && strings.Contains(g.Reason, "unreadable") && strings.Contains(g.Reason, ".bad")
		}
		if !said {
			t.Errorf("%q: the summary does not say the state was unreadable: %+v", bad, d.Summary.Gaps)
		}
		if b, err := os.ReadFile(path + ".bad"); err != nil || string(b) != bad {
			t.Errorf("%q: the bad file was not kept aside: %v %q", bad, err, b)
		}
		if _, err := loadState(path); err != nil {
			t.Errorf("%q: no new state: %v", bad, err)
		}
	}
}

// A century-long window on the demo under a 4 GB address-space limit (the 10-year window alone took 2.9 GB of memory before the step was fitted)
// answers (in a coarser step, which the report says); a window past what
// a time.Duration holds is refused with a hint, never a panic.
func TestCenturyWindowUnderMemoryLimit(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for ulimit")
	}
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "hindsight.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		from, to string
		code     int
		want     string
	}{
		{"1925-11-20", "2025-11-21", exitOK, "read in steps of 12h instead of 1m"},
		{"1800-11-21", "2025-11-22", exitOK, "read in steps of 1d instead of 1m"},
		{"1700-01-01", "2025-11-21", exitUsage, "hint: narrow --from/--to"},
		{"0001-01-01", "9999-12-31", exitUsage, "hint: narrow --from/--to"},
	} {
		cmd := exec.Command("sh", "-c", `ulimit -v 4000000 && exec "$@"`, "sh", os.Args[0],
			"analyze", "--config", demo, "--from", c.from, "--to", c.to, "-o", "json")
		cmd.Env = append(os.Environ(), "HINDSIGHT_TEST_AS_MAIN=1")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != c.code || !strings.Contains(out.String()+errb.String(), c.want) || strings.Contains(errb.String(), "panic") {
			t.Errorf("%s .. %s: exit %d, want %d and %q\n%s\n%.500s", c.from, c.to, code, c.code, c.want, errb.String(), out.String())
		}
	}
}

func TestFitWindow(t *testing.T) {
	day := 24 * time.Hour
	t0 := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		span, step, want time.Duration
	}{
		{9 * day, time.Minute, time.Minute},
		{69 * day, time.Minute, time.Minute},
		{70 * day, time.Minute, 2 * time.Minute},
		{3650 * day, time.Minute, time.Hour},
		{3650 * day, 6 * time.Hour, 6 * time.Hour},
		{199 * 365 * day, time.Minute, day},
		{289 * 365 * day, time.Minute, 2 * day},
	} {
		got, note, err := fitWindow(sources.Window{From: t0.Add(-c.span), To: t0}, c.step)
		if err != nil || got != c.want || (got != c.step) != (note != "") || got < c.step || c.span/got > maxSteps {
			t.Errorf("span %s step %s: %s %q %v, want %s", c.span, c.step, got, note, err, c.want)
		}
	}
}

// TestDurationPastAWindow: a relative time or --last longer than a
// time.Duration holds is refused as too long a window, with the hint to
// narrow it (it said "not a positive duration", and "duration out of
// range" with the hint about how to write times).
func TestDurationPastAWindow(t *testing.T) {
	demo := filepath.Join("..", "testdata", "demo", "hindsight.yaml")
	for _, args := range [][]string{
		{"summary", "--config", demo, "--no-state", "--last", "200000d"},
		{"summary", "--config", demo, "--no-state", "--last", "1000y"},
		{"analyze", "--config", demo, "--from", "-200000d", "--to", "now"},
		{"analyze", "--config", demo, "--from", "now-200000d", "--to", "now"},
		{"sla", "--config", demo, "--from", "-1000y", "--to", "now"},
	} {
		_, stderr, code := mustRun(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "longer than the 290 years") || !strings.Contains(stderr, "hint: narrow --from/--to (or --last)") {
			t.Errorf("%v: exit %d, want %d with the window's limit and hint:\n%s", args, code, exitUsage, stderr)
		}
	}
}

// TestFmtStep: the note names the step as a config writes it.
func TestFmtStep(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "1m", 10 * time.Minute: "10m", 30 * time.Minute: "30m", 90 * time.Minute: "90m",
		time.Hour: "1h", 12 * time.Hour: "12h", 24 * time.Hour: "1d", 14 * 24 * time.Hour: "14d",
		30 * time.Second: "30s", 1500 * time.Millisecond: "1.5s",
	} {
		if got := fmtStep(d); got != want {
			t.Errorf("fmtStep(%s) = %q, want %q", d, got, want)
		}
	}
}

// Log lines with ESC, BEL and NUL (an OSC title sequence, a screen clear)
// reach no output raw, in any format.
func TestControlCharactersNeverRaw(t *testing.T) {
	dir := t.TempDir()
	cfg := hostileAppLog(t, dir, " \x00nul\x7f\u009b")
	raw := func(s string) int {
		for i, c := range []byte(s) {
			if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f {
				return i
			}
		}
		return -1
	}
	runs := [][]string{{"logs", filepath.Join(dir, "app.log")}}
	for _, f := range report.Formats {
		runs = append(runs, []string{"analyze", "--config", cfg, "--from", "2025-11-20 01:00", "--to", "2025-11-20 02:40", "-o", f})
	}
	for _, f := range report.SummaryFormats {
		runs = append(runs, []string{"summary", "--config", cfg, "--no-state", "--at", "2025-11-20 02:40", "--last", "100m", "-o", f})
	}
	for _, args := range runs {
		out, errs, code := mustRun(t, args...)
		if code != exitOK || args[0] == "analyze" && !strings.Contains(out, "payment") {
			t.Errorf("%v: exit %d, or the line is not shown\n%s", args, code, errs)
		}
		for what, s := range map[string]string{"stdout": out, "stderr": errs} {
			if i := raw(s); i >= 0 {
				t.Errorf("%v: a raw control character in %s: %q", args, what, s[max(0, i-40):min(len(s), i+40)])
			}
		}
	}
}

// detect on values near the largest float64 writes no NaN or Inf score.
func TestDetectNearMaxFloat(t *testing.T) {
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	for i := range 3000 {
		v := 1e308 + float64(i%7)*1e306
		if i%500 == 499 {
			v = 1.7e308
		}
		fmt.Fprintf(&b, "%d,%g\n", 1763500000+60*i, v)
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	mustWriteFile(t, path, b.String())
	for _, f := range []string{"csv", "json"} {
		out, errs, code := mustRun(t, "detect", "-o", f, path)
		if code != exitOK || strings.Contains(strings.ToLower(out), "nan") || strings.Contains(strings.ToLower(out), "inf") {
			t.Errorf("-o %s: exit %d, or NaN/Inf in the output\n%s\n%.500s", f, code, errs, out)
		}
	}
}

// Every file a config names besides logs (known events, a holiday
// calendar, secrets, CA and client certificates, crontabs, the SMTP CA,
// detect's input) is refused when it is a FIFO, a device or far too
// large, instead of blocking in open() or reading forever: a run ends
// within seconds with an error or that source's gap naming the file.
func TestConfigSideFilesNeverBlock(t *testing.T) {
	dir := t.TempDir()
	hostileFiles(t, dir)
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "kuma.db"))
	if err != nil {
		t.Fatal(err)
	}
	kuma := "  - {name: kuma, type: kuma, path: " + demo + "}\n"
	analyze := []string{"analyze", "--around", "2025-11-20 03:10", "-o", "json"}
	type tcase struct {
		name, config string
		args, env    []string
		code         int
	}
	var cases []tcase
	for _, f := range []string{"fifo.log", "zero.log"} {
		cases = append(cases,
			tcase{"known_events", "known_events: " + f + "\nsources:\n" + kuma, analyze, nil, exitUsage},
			tcase{"holiday_ical", "holiday_ical: " + f + "\nsources:\n" + kuma, analyze, nil, exitUsage},
			tcase{"zabbix password_file", "sources:\n" + kuma + "  - {name: zbx, type: zabbix, url: http://127.0.0.1:1/zabbix, user: admin, password_file: " + f + "}\n", analyze, nil, exitOK},
			tcase{"prometheus password_file", "sources:\n" + kuma + "  - {name: prom, type: prometheus, url: http://127.0.0.1:1, basic_auth: {user: u, password_file: " + f + "}}\n", analyze, nil, exitOK},
			tcase{"prometheus ca_file", "sources:\n" + kuma + "  - {name: prom, type: prometheus, url: https://127.0.0.1:1, tls: {ca_file: " + f + "}}\n", analyze, nil, exitOK},
			tcase{"prometheus cert_file", "sources:\n" + kuma + "  - {name: prom, type: prometheus, url: https://127.0.0.1:1, tls: {cert_file: " + f + ", key_file: " + f + "}}\n", analyze, nil, exitOK},
			tcase{"loki bearer_token_file", "sources:\n" + kuma + "  - {name: loki, type: loki, url: http://127.0.0.1:1, query: '{job=\"x\"}', bearer_token_file: " + f + "}\n", analyze, nil, exitOK},
			tcase{"loki key_file", "sources:\n" + kuma + "  - {name: loki, type: loki, url: https://127.0.0.1:1, query: '{job=\"x\"}', tls: {cert_file: " + f + ", key_file: " + f + "}}\n", analyze, nil, exitOK},
			tcase{"crontab", "sources:\n" + kuma + "  - {name: cron, type: crontab, paths: [" + f + "]}\n", analyze, nil, exitOK},
			tcase{"smtp ca", "sources:\n" + kuma, []string{"summary", "--no-state", "--at", "2025-11-20 03:10", "--mail-to", "ops@example.com"}, []string{"HINDSIGHT_SMTP_ADDR=127.0.0.1:1", "HINDSIGHT_SMTP_CA_FILE=" + filepath.Join(dir, f)}, exitUsage},
			tcase{"detect", "", []string{"detect", filepath.Join(dir, f)}, nil, exitError},
		)
	}
	cases = append(cases,
		tcase{"known_events sparse", "known_events: sparse.log\nsources:\n" + kuma, analyze, nil, exitUsage},
		tcase{"zabbix password_file sparse", "sources:\n" + kuma + "  - {name: zbx, type: zabbix, url: http://127.0.0.1:1/zabbix, user: admin, password_file: sparse.log}\n", analyze, nil, exitOK},
	)
	for i, c := range cases {
		args := c.args
		if c.config != "" {
			cfg := filepath.Join(dir, fmt.Sprintf("hindsight-%d.yaml", i))
			mustWriteFile(t, cfg, "timezone: Asia/Seoul\nsource_timeout: 30s\n"+c.config)
			args = append([]string{args[0], "--config", cfg}, args[1:]...)
		}
		p := exec.Command(os.Args[0], args...)
		p.Env = append(append(os.Environ(), "HINDSIGHT_TEST_AS_MAIN=1"), c.env...)
		var out, errb bytes.Buffer
		p.Stdout, p.Stderr = &out, &errb
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			p.Process.Kill()
			<-done
			t.Errorf("%s (%s): still running after 5 s", c.name, c.config)
			continue
		}
		said := out.String() + errb.String()
		named := strings.Contains(said, "not a regular file") || strings.Contains(said, "is larger than")
		if code := p.ProcessState.ExitCode(); code != c.code || !named {
			t.Errorf("%s: exit %d, want %d and the file named as not regular or too large\n%s\n%.1500s", c.name, code, c.code, errb.String(), out.String())
		}
	}
}

// hostileAppLog writes into dir 100 minutes of an application log from
// 01:00 KST on 2025-11-20 whose second half bursts with ERROR lines that
// carry an OSC title sequence, a screen clear and extra (more control
// bytes), and a config reading it; it returns the config's path.
func hostileAppLog(t *testing.T, dir, extra string) string {
	t.Helper()
	var b strings.Builder
	t0 := time.Date(2025, 11, 20, 1, 0, 0, 0, time.FixedZone("KST", 9*3600))
	for i := range 600 {
		ts := t0.Add(time.Duration(i) * 10 * time.Second).Format(time.RFC3339)
		if i >= 300 && i%3 == 0 {
			fmt.Fprintf(&b, "%s web1 app[1]: ERROR payment \x1b]0;pwned\x07 failed \x1b[2J code %d%s\n", ts, i, extra)
		} else {
			fmt.Fprintf(&b, "%s web1 app[1]: INFO request ok %d\n", ts, i)
		}
	}
	mustWriteFile(t, filepath.Join(dir, "app.log"), b.String())
	cfg := filepath.Join(dir, "hindsight.yaml")
	mustWriteFile(t, cfg, "timezone: Asia/Seoul\nsources:\n  - {name: app, type: logs, paths: [app.log]}\n")
	return cfg
}
