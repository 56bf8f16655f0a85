package cmd

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Every error path a person can reach from the command line ends with a
// "hint:" line that says what to do next (issue 19, item 7).
func TestEveryErrorHasAHint(t *testing.T) {
	dir := t.TempDir()
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "hindsight.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	kuma := filepath.Join(filepath.Dir(demo), "kuma.db")
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		mustWriteFile(t, p, body)
		return p
	}
	unknown := write("unknown.yaml", "sources:\n  - {name: k, type: kuma, pth: x.db}\n")
	top := write("top.yaml", "bogus: 1\nsources:\n  - {name: k, type: kuma, path: "+kuma+"}\n")
	syntax := write("syntax.yaml", "sources: [\n  - a: b\n")
	dur := write("dur.yaml", "step: 5x\nsources:\n  - {name: k, type: kuma, path: "+kuma+"}\n")
	conf := write("c.conf", "sources = 1\n")
	typ := write("type.yaml", "sources:\n  - {name: k, type: nosuch}\n")
	tz := write("tz.yaml", "timezone: Mars/Olympus\nsources:\n  - {name: k, type: kuma, path: "+kuma+"}\n")
	around := []string{"--around", "2025-11-20 03:10"}
	for _, args := range [][]string{
		append([]string{"analyze", "--config", unknown}, around...),
		append([]string{"analyze", "--config", top}, around...),
		append([]string{"analyze", "--config", syntax}, around...),
		append([]string{"analyze", "--config", dur}, around...),
		append([]string{"analyze", "--config", conf}, around...),
		append([]string{"analyze", "--config", typ}, around...),
		append([]string{"analyze", "--config", tz}, around...),
		append([]string{"analyze", "--config", filepath.Join(dir, "nosuch.yaml")}, around...),
		{"analyze", "--config", demo},
		{"analyze", "--config", demo, "--around", "yesterday-ish"},
		{"analyze", "--config", demo, "--around", "2025-11-20 03:10", "--before", "x"},
		{"analyze", "--config", demo, "--around", "2025-11-20 03:10", "--from", "-1h"},
		{"analyze", "--config", demo, "--from", "2025-11-20 03:10", "--to", "2025-11-20 03:10"},
		{"analyze", "--config", demo, "--from", "2025-11-20 04:10", "--to", "2025-11-20 03:10"},
		{"analyze", "--config", demo, "--from", "0001-01-01", "--to", "9999-12-31"},
		{"analyze", "--config", demo, "--around", "2025-11-20 03:10", "-o", "bogus"},
		{"analyze", "--config", demo, "--around", "2025-11-20 03:10", "--output", dir},
		{"analyze", "--config", demo, "--profile", "nosuch", "--around", "2025-11-20 03:10"},
		{"analyze", "--nosuch-flag"},
		{"summary", "--config", demo, "--fail-on", "bogus"},
		{"summary", "--config", demo, "--last", "x"},
		{"summary", "--config", demo, "-o", "bogus"},
		{"summary", "--config", demo, "--webhook", "bogus"},
		{"schedule", "--config", demo},
		{"schedule", "--config", demo, "--cron", "x"},
		{"detect", "--cut", "2", demo},
		{"detect"},
		{"detect", filepath.Join(dir, "nosuch.csv")},
		{"sources", "check", "--config", filepath.Join(dir, "nosuch.yaml")},
		{"nosuch-command"},
	} {
		_, errs, code := mustRun(t, args...)
		if code == exitOK {
			t.Errorf("%q: exit 0, want an error", args)
			continue
		}
		if !strings.Contains(errs, "\nhint: ") {
			t.Errorf("%q: no hint line:\n%s", args, errs)
		}
	}
}

// A full disk is said plainly, with where and what to do, for a report
// on standard output (/dev/full answers every write with ENOSPC), a
// report file and the summary state; a report written before is left as
// it was (issue 19, item 7).
func TestDiskFullIsSaid(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system (it is Linux's): the ENOSPC answer cannot be had without one")
	}
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "hindsight.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	devFull, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devFull.Close()
	var errb strings.Builder
	code := run(context.Background(), []string{"analyze", "--config", demo, "--around", "2025-11-20 03:10"}, devFull, &errb)
	if code == exitOK || !strings.Contains(errb.String(), "write report to standard output: the disk is full") ||
		!strings.Contains(errb.String(), "\nhint: free space") {
		t.Errorf("stdout on a full disk: exit %d, stderr:\n%s", code, errb.String())
	}

	dir := t.TempDir()
	for _, what := range []string{"report", "summary state"} {
		path := filepath.Join(dir, strings.ReplaceAll(what, " ", "-")+".json")
		mustWriteFile(t, path, "before\n")
		err := writeFile(what, path, func(io.Writer) error {
			// What os.File.Write returns when the filesystem is full.
			return &fs.PathError{Op: "write", Path: filepath.Join(dir, ".hindsight-123"), Err: syscall.ENOSPC}
		}, nil)
		msg := fmt.Sprint(err)
		if !strings.Contains(msg, "write "+what+" to "+path+": the disk is full") || !strings.Contains(msg, "was left as it was") ||
			!strings.Contains(msg, "\nhint: ") {
			t.Errorf("%s on a full disk: %q", what, msg)
		}
		if b, _ := os.ReadFile(path); string(b) != "before\n" {
			t.Errorf("%s: the file written before was replaced by %q", what, b)
		}
	}
}
