package cmd

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/creack/pty"
	"github.com/mattn/go-runewidth"
)

// runOnTerminal runs hindsight with its stdout on a pseudo-terminal of
// cols columns and returns what the terminal showed, colour codes kept.
func runOnTerminal(t *testing.T, cols int, args ...string) string {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 50, Cols: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	shown := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(ptmx) // ends with EIO once the tty side is closed
		shown <- b
	}()
	var stderr bytes.Buffer
	code := run(context.Background(), args, tty, &stderr)
	tty.Close()
	out := <-shown
	if code != exitOK {
		t.Fatalf("hindsight %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	// The terminal writes each newline as CR LF.
	return strings.ReplaceAll(string(out), "\r\n", "\n")
}

var ansiCodes = regexp.MustCompile("\x1b\\[[0-9;]*m")

// On a terminal the reports are fitted to its width and coloured: the
// analysis once handed the renderer the buffer it redacts through, which
// is no terminal, so a person at an 80-column terminal got 300-column
// lines and no colour.
func TestTerminalReportsFitTheWidth(t *testing.T) {
	demo := filepath.Join("..", "testdata", "demo", "hindsight.yaml")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"analyze", []string{"analyze", "--config", demo, "--around", "2025-11-20 03:10", "-o", "table"}, "cron: /usr/local/bin/backup-db.sh shop"},
		{"summary", []string{"summary", "--config", demo, "--no-state", "--at", "2025-11-20 07:00", "-o", "table"}, "Nightly summary"},
		{"sla", []string{"sla", "--config", demo, "--period", "month", "--at", "2025-11-20", "-o", "table"}, "Availability"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			t.Setenv("TERM", "xterm")
			for _, cols := range []int{80, 120} {
				out := runOnTerminal(t, cols, c.args...)
				if !strings.Contains(out, c.want) {
					t.Fatalf("%d columns: %q not shown:\n%s", cols, c.want, out)
				}
				if c.name == "analyze" && !ansiCodes.MatchString(out) {
					t.Errorf("%d columns: no colour on a terminal", cols)
				}
				for _, l := range strings.Split(ansiCodes.ReplaceAllString(out, ""), "\n") {
					// One word longer than the line (a path) is kept whole.
					if w := runewidth.StringWidth(l); w > cols && strings.Contains(strings.TrimSpace(l), " ") {
						t.Errorf("%d columns: a line of %d: %q", cols, w, l)
					}
				}
			}
		})
	}
}

// On a colour terminal the report's colours stay codes, and a log line's
// own escapes (a title set by OSC, a screen cleared) are still made
// visible, never sent to the terminal.
func TestTerminalColourKeepsControlsEscaped(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	cfg := hostileAppLog(t, t.TempDir(), "")
	out := runOnTerminal(t, 100, "analyze", "--config", cfg, "--from", "2025-11-20 01:00", "--to", "2025-11-20 02:40", "-o", "table")
	if !strings.Contains(out, "payment") || !ansiCodes.MatchString(out) {
		t.Fatalf("no colour, or the line is not shown:\n%s", out)
	}
	if rest := ansiCodes.ReplaceAllString(out, ""); strings.ContainsAny(rest, "\x1b\x07") {
		t.Errorf("a raw escape reached the terminal: %q", rest)
	}
	if !strings.Contains(out, "pwned") {
		t.Errorf("the log line's text is not shown:\n%s", out)
	}
}
