package cmd

import (
	"path/filepath"
	"strings"
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
